"""gluon.contrib.estimator: fit/evaluate, default handlers, handler order, checkpoints,
early stopping; constants checked against MXNet 1.9.1."""
import logging
import os
import warnings

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon, nd
from mxnet.gluon.contrib.estimator import (
    Estimator, BatchProcessor, TrainBegin, TrainEnd, EpochBegin, EpochEnd, BatchBegin, BatchEnd,
    StoppingHandler, MetricHandler, ValidationHandler, LoggingHandler, CheckpointHandler,
    EarlyStoppingHandler, GradientUpdateHandler)


def _net(seed=0):
    mx.random.seed(seed)
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(4, activation="relu"), gluon.nn.Dense(2))
    net.initialize(mx.init.Xavier())
    return net


def _loader():
    X = nd.array([[i % 3, i % 5, (i * 7) % 4] for i in range(24)])
    y = nd.array([i % 2 for i in range(24)])
    return gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=6)


def _est(net=None, lr=0.1):
    net = net or _net()
    est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(),
                    trainer=gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr}))
    est.logger.setLevel(logging.ERROR)
    return est


def test_default_metrics_names():
    net = _net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss())
        est2 = Estimator(net, gluon.loss.L2Loss())
    assert [m.name for m in est.train_metrics] == ["training accuracy",
                                                   "training softmaxcrossentropyloss"]
    assert [m.name for m in est.val_metrics] == ["validation accuracy",
                                                 "validation softmaxcrossentropyloss"]
    assert [m.name for m in est2.train_metrics] == ["training l2loss"]
    assert est.context == [mx.cpu()] and est.val_net is net
    assert type(est.trainer.optimizer).__name__ == "SGD" and est.trainer.learning_rate == 0.001
    with pytest.raises(ValueError):
        Estimator(net, "not a loss")
    with pytest.raises(ValueError):
        _est().fit(_loader(), epochs=1, batches=2)


def test_fit_matches_hand_loop_and_learns():
    # a linearly separable problem
    rs = np.random.RandomState(0)
    X = rs.uniform(-1, 1, size=(64, 2)).astype("float32")
    y = (X[:, 0] + X[:, 1] > 0).astype("float32")
    loader = gluon.data.DataLoader(gluon.data.ArrayDataset(nd.array(X), nd.array(y)),
                                   batch_size=8)
    est = _est(_net(1), lr=0.5)
    est.fit(loader, epochs=10)
    acc = est.train_metrics[0].get()[1]
    assert acc >= 0.95

    net = _net(1)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for _ in range(10):
        for xb, yb in loader:
            with autograd.record():
                loss = loss_fn(net(xb), yb)
            loss.backward()
            trainer.step(xb.shape[0])
    for (_, p1), (_, p2) in zip(est.net.collect_params().items(), net.collect_params().items()):
        np.testing.assert_allclose(p1.data().asnumpy(), p2.data().asnumpy(), rtol=1e-5, atol=1e-6)

    est.evaluate(loader)
    assert est.val_metrics[0].get()[1] == pytest.approx(acc, abs=0.05)


class _Recorder(TrainBegin, TrainEnd, EpochBegin, EpochEnd, BatchBegin, BatchEnd):
    def __init__(self, tag, log, priority=0):
        self.tag, self.log, self.priority = tag, log, priority

    def train_begin(self, estimator, *args, **kwargs):
        self.log.append((self.tag, "train_begin"))

    def train_end(self, estimator, *args, **kwargs):
        self.log.append((self.tag, "train_end"))

    def epoch_begin(self, estimator, *args, **kwargs):
        self.log.append((self.tag, "epoch_begin"))

    def epoch_end(self, estimator, *args, **kwargs):
        self.log.append((self.tag, "epoch_end"))
        return False

    def batch_begin(self, estimator, *args, **kwargs):
        assert "batch" in kwargs
        self.log.append((self.tag, "batch_begin"))

    def batch_end(self, estimator, *args, **kwargs):
        assert set(kwargs) == {"batch", "pred", "label", "loss"}
        self.log.append((self.tag, "batch_end"))
        return False


def test_handler_order_and_calls():
    log = []
    est = _est()
    a, b = _Recorder("a", log, priority=5), _Recorder("b", log, priority=-5000)
    est.fit(_loader(), batches=6, event_handlers=[a, b])
    # 24 samples / 6 = 4 batches per epoch; 6 batches -> 2 epochs, the second cut short
    assert log[:2] == [("b", "train_begin"), ("a", "train_begin")]
    assert log[2:4] == [("b", "epoch_begin"), ("a", "epoch_begin")]
    assert log[-4:] == [("b", "epoch_end"), ("a", "epoch_end"),
                        ("b", "train_end"), ("a", "train_end")]
    assert sum(1 for t, e in log if t == "a" and e == "batch_end") == 6
    assert sum(1 for t, e in log if t == "a" and e == "epoch_end") == 2


def test_default_handlers_and_priorities():
    est = _est()
    seen = {}

    class Spy(TrainBegin):
        priority = 10 ** 9 - 1

        def train_begin(self, estimator, *args, **kwargs):
            seen["ok"] = True

    est.fit(_loader(), val_data=_loader(), epochs=1, event_handlers=Spy())
    handlers = est._prepare_default_handlers(_loader(), [Spy()])
    kinds = [type(h).__name__ for h in handlers]
    assert kinds == ["GradientUpdateHandler", "MetricHandler", "ValidationHandler",
                     "StoppingHandler", "Spy", "LoggingHandler"]
    assert seen["ok"]
    # a handler on a metric the estimator does not own is rejected when defaults are mixed in
    with pytest.raises(ValueError):
        est.fit(_loader(), epochs=1, event_handlers=[MetricHandler(mx.metric.Accuracy())])


def test_stopping_by_batches_and_validation_period():
    est = _est()
    calls = []
    val = ValidationHandler(_loader(), lambda **kw: calls.append(kw), epoch_period=None,
                            batch_period=3)
    stop = StoppingHandler()
    est.fit(_loader(), batches=7, event_handlers=[val, stop])
    assert stop.current_batch == 7 and stop.current_epoch == 2
    assert len(calls) == 2 and calls[0]["batch_axis"] == 0


def test_logging_lines(capsys):
    est = _est()
    est.logger.setLevel(logging.INFO)
    est.fit(_loader(), epochs=1, event_handlers=[LoggingHandler(log_interval=2,
                                                                metrics=est.train_metrics)])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Training begin: using optimizer SGD with current learning rate 0.1000 "
    assert out[1] == "Train for 1 epochs."
    assert out[2] == "[Epoch 0] Begin, current learning rate: 0.1000"
    assert out[3].startswith("[Epoch 0][Batch 0][Samples 6] time/interval: ")
    assert "training accuracy: " in out[3] and ", training softmaxcrossentropyloss: " in out[3]
    assert out[4].startswith("[Epoch 0][Batch 2][Samples 18] time/interval: ")
    assert out[5].startswith("[Epoch 0] Finished in ")
    assert out[6].startswith("Train finished using total 0s with 1 epochs. training accuracy: ")
    est.evaluate(_loader())
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Validation Begin"
    assert out[1].startswith("[Epoch 0] Finished in ") and "validation accuracy: " in out[1]
    with pytest.raises(ValueError):
        LoggingHandler(log_interval="batch")


def test_checkpoint_files(tmp_path):
    d = str(tmp_path / "a")
    _est().fit(_loader(), epochs=3, event_handlers=[CheckpointHandler(d, "m", max_checkpoints=2)])
    assert sorted(os.listdir(d)) == ["m-epoch1batch8.params", "m-epoch1batch8.states",
                                     "m-epoch2batch12.params", "m-epoch2batch12.states"]
    d = str(tmp_path / "b")
    _est().fit(_loader(), batches=7, event_handlers=[
        CheckpointHandler(d, "m", epoch_period=None, batch_period=2, max_checkpoints=3)])
    assert sorted(os.listdir(d)) == ["m-epoch0batch1.params", "m-epoch0batch1.states",
                                     "m-epoch0batch3.params", "m-epoch0batch3.states",
                                     "m-epoch1batch5.params", "m-epoch1batch5.states"]
    # hybridized net: the symbol file is written too
    d = str(tmp_path / "c")
    net = _net()
    net.hybridize()
    est = _est(net)
    est.fit(_loader(), epochs=1, event_handlers=[CheckpointHandler(d, "h")])
    assert sorted(os.listdir(d)) == ["h-epoch0batch4.params", "h-epoch0batch4.states",
                                     "h-symbol.json"]


def test_checkpoint_resume(tmp_path):
    d = str(tmp_path)
    # nothing to resume: trains from scratch (numbering is then shifted by one batch, as in 1.9.1)
    _est().fit(_loader(), epochs=2,
               event_handlers=[CheckpointHandler(d, "m", resume_from_checkpoint=True)])
    saved = nd.load(os.path.join(d, "m-epoch1batch7.params"))
    est = _est(_net(seed=5))
    h = CheckpointHandler(d, "m", resume_from_checkpoint=True)
    loaded = {}

    class Peek(TrainBegin):
        priority = 1

        def train_begin(self, estimator, *args, **kwargs):
            loaded.update({k: v.data().asnumpy() for k, v in
                           estimator.net._collect_params_with_prefix().items()})

    est.fit(_loader(), epochs=5, event_handlers=[h, Peek()])
    assert (h.trained_epoch, h.trained_batch, est.max_epoch) == (1, 7, 3)
    for k, v in saved.items():
        np.testing.assert_array_equal(loaded[k], v.asnumpy())
    assert sorted(os.listdir(d)) == [
        "m-epoch0batch3.params", "m-epoch0batch3.states", "m-epoch1batch7.params",
        "m-epoch1batch7.states", "m-epoch2batch11.params", "m-epoch2batch11.states",
        "m-epoch3batch15.params", "m-epoch3batch15.states", "m-epoch4batch19.params",
        "m-epoch4batch19.states"]
    with pytest.raises(ValueError):  # all epochs already trained
        _est().fit(_loader(), epochs=5,
                   event_handlers=[CheckpointHandler(d, "m", resume_from_checkpoint=True)])


def test_checkpoint_save_best(tmp_path):
    est = _est()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = CheckpointHandler(str(tmp_path), "m", monitor=est.train_metrics[1], save_best=True,
                              mode="min")
    est.fit(_loader(), epochs=2, event_handlers=[h])
    assert "m-best.params" in os.listdir(str(tmp_path))
    assert h.best == pytest.approx(min(h.best, est.train_metrics[1].get()[1]))
    with pytest.raises(ValueError):
        CheckpointHandler(str(tmp_path), save_best=True)


def test_early_stopping():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = _est()
        h = EarlyStoppingHandler(est.train_metrics[1], patience=1, mode="min", min_delta=10.0)
        est.fit(_loader(), epochs=10, event_handlers=[h])
        assert (h.stopped_epoch, h.current_epoch) == (1, 2)
        est = _est()  # auto mode compares with `greater` (as MXNet 1.9.1 does)
        h = EarlyStoppingHandler(est.train_metrics[0], patience=2, baseline=2.0)
        est.fit(_loader(), epochs=10, event_handlers=[h])
        assert (h.stopped_epoch, h.current_epoch) == (1, 2)
        est = _est()
        h = EarlyStoppingHandler(est.train_metrics[1], patience=3, mode="min")
        est.fit(_loader(), epochs=10, event_handlers=[h])
        assert (h.stopped_epoch, h.current_epoch, h.stop_training) == (0, 10, False)
    with pytest.raises(ValueError):
        EarlyStoppingHandler(mx.metric.CompositeEvalMetric([mx.metric.Accuracy()]))


def test_custom_batch_processor_and_gradient_handler():
    calls = []

    class BP(BatchProcessor):
        def fit_batch(self, estimator, train_batch, batch_axis=0):
            calls.append("fit")
            return super().fit_batch(estimator, train_batch, batch_axis)

    class GU(GradientUpdateHandler):
        def batch_end(self, estimator, *args, **kwargs):
            calls.append("step")
            super().batch_end(estimator, *args, **kwargs)

    net = _net()
    est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), batch_processor=BP(),
                    trainer=gluon.Trainer(net.collect_params(), "sgd"))
    est.logger.setLevel(logging.ERROR)
    est.fit(_loader(), batches=2, event_handlers=[GU()])
    assert calls == ["fit", "step", "fit", "step"]
    with pytest.raises(ValueError):
        Estimator(net, gluon.loss.L2Loss(), batch_processor=object(),
                  trainer=gluon.Trainer(net.collect_params(), "sgd"))
