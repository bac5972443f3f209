"""mx.model.FeedForward's training loop and iterators, as MXNet 1.9.1's: the batches it trains on
(in order, shuffled by NumPy's global generator), epoch_size, batch numbers, prediction of a
partial last batch. Expected batch sequences were recorded with MXNet 1.9.1 on the same data
and seed."""
import logging
import re

import numpy as np
import pytest

import mxnet as mx

X = np.arange(25, dtype=np.float32).reshape(25, 1)
Y = (np.arange(25) % 2).astype(np.float32)


def _net():
    fc = mx.sym.FullyConnected(mx.sym.Variable("data"), num_hidden=2, name="fc")
    return mx.sym.SoftmaxOutput(fc, name="softmax")


def _trace(monkeypatch, **kwargs):
    """What fit does to its training iterator: 'reset', or the sum of a batch's data."""
    log = []
    original_next, original_reset = mx.io.NDArrayIter.next, mx.io.NDArrayIter.reset

    def next_batch(self):
        batch = original_next(self)
        log.append(int(batch.data[0].asnumpy().sum()))
        return batch

    def reset(self):
        log.append("reset")
        return original_reset(self)
    monkeypatch.setattr(mx.io.NDArrayIter, "next", next_batch)
    monkeypatch.setattr(mx.io.NDArrayIter, "reset", reset)
    np.random.seed(0)
    model = mx.model.FeedForward(_net(), num_epoch=3, numpy_batch_size=10, learning_rate=0.1,
                                 initializer=mx.init.Constant(0.1), **kwargs)
    model.fit(X, Y)
    return log


# (epoch_size, MXNet 1.9.1's trace): it resets once more before the first epoch (the iterator's
# constructor reset first), and an epoch of epoch_size batches goes on where the last stopped
TRACES = [
    (None, ["reset", "reset", 101, 148, "reset", 112, 83, 156, "reset", 143, 120, "reset"]),
    (2, ["reset", "reset", 101, 148, "reset", 112, 83, 156, "reset", 143]),
    (4, ["reset", "reset", 101, 148, "reset", 112, 83, 156, "reset", 143, 120, "reset", 95, 103,
         139, "reset", 101, 155]),
]


@pytest.mark.parametrize("epoch_size,want", TRACES, ids=["one pass", "epoch_size=2", "epoch_size=4"])
def test_training_batches_as_mxnet(monkeypatch, epoch_size, want):
    assert _trace(monkeypatch, epoch_size=epoch_size) == want


def test_batch_end_callback_counts_from_one_and_eval_pair_shuffles():
    seen = []
    np.random.seed(0)
    model = mx.model.FeedForward(_net(), num_epoch=2, numpy_batch_size=10, learning_rate=0.1,
                                 initializer=mx.init.Constant(0.1))
    model.fit(X, Y, eval_data=(X, Y),
              batch_end_callback=lambda p: seen.append((p.epoch, p.nbatch, round(p.eval_metric.get()[1], 3))),
              epoch_end_callback=lambda epoch, *rest: seen.append(("end", epoch)))
    # MXNet 1.9.1 on this data and seed (the (X, y) eval pair is shuffled too, as there)
    assert seen == [(0, 1, 0.5), (0, 2, 0.55), ("end", 0), (1, 1, 0.6), (1, 2, 0.6), (1, 3, 0.567), ("end", 1)]
    np.testing.assert_allclose(model.predict(X)[:3], [[0.5044, 0.4956], [0.5991, 0.4009], [0.6870, 0.3130]],
                               atol=1e-4)


def test_predict_keeps_a_partial_last_batch():
    np.random.seed(0)
    model = mx.model.FeedForward(_net(), num_epoch=1, numpy_batch_size=10, learning_rate=0.1,
                                 initializer=mx.init.Constant(0.1))
    model.fit(X, Y)
    w = model.arg_params["fc_weight"].asnumpy()
    b = model.arg_params["fc_bias"].asnumpy()
    z = X @ w.T + b
    want = np.exp(z - z.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    prob, data, label = model.predict(X, return_data=True)
    assert prob.shape == (25, 2) and data.shape == (25, 1) and label.shape == (25,)
    np.testing.assert_allclose(prob, want, rtol=1e-5)


def test_label_and_eval_data_checks():
    model = mx.model.FeedForward(_net(), num_epoch=1, numpy_batch_size=10)
    with pytest.raises(ValueError, match="Label must be 1D or 2D"):
        model.fit(X, np.zeros((25, 2), np.float32))
    with pytest.raises(ValueError, match="y must be specified"):
        model.fit(X, Y, eval_data=(X, None))
    it = mx.io.NDArrayIter(X, Y, batch_size=10)
    model.fit(X, Y, eval_data=(it, None))          # (a DataIter and None: that iterator)
    assert model.arg_params["fc_weight"].shape == (2, 1)


def test_log_lines_as_mxnet(caplog):
    caplog.set_level(logging.INFO)
    np.random.seed(0)
    model = mx.model.FeedForward(_net(), num_epoch=1, numpy_batch_size=10, learning_rate=0.1,
                                 initializer=mx.init.Constant(0.1))
    model.fit(X, Y, eval_data=(X, Y), logger=logging.getLogger())
    lines = [re.sub(r"=[0-9.]+$", "=V", r.getMessage()) for r in caplog.records]
    # MXNet 1.9.1's FeedForward: no train metric line; the validation line from its callback
    assert lines == ["Start training with [cpu(0)]", "Epoch[0] Resetting Data Iterator",
                     "Epoch[0] Time cost=V", "Epoch[0] Validation-accuracy=V"]
