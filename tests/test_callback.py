"""mx.callback: log lines as MXNet 1.9.1 writes them (captured with caplog)."""
import logging
import os

import pytest

import mxnet as mx
from mxnet import callback

BatchEndParam = callback.BatchEndParam


def _acc():
    m = mx.metric.Accuracy()
    m.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    return m


def _composite():
    c = mx.metric.create(["acc", "ce"])
    c.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    return c


@pytest.fixture
def clock(monkeypatch):
    """A fake time.time for the callback module: advance with clock[0] += dt."""
    t = [100.0]
    monkeypatch.setattr(callback.time, "time", lambda: t[0])
    return t


def _messages(caplog):
    return [r.getMessage() for r in caplog.records]


def test_batch_end_param():
    p = BatchEndParam(epoch=1, nbatch=2, eval_metric=3, locals=4)
    assert BatchEndParam._fields == ("epoch", "nbatch", "eval_metric", "locals")
    assert repr(p) == "BatchEndParams(epoch=1, nbatch=2, eval_metric=3, locals=4)"


def test_speedometer_auto_reset(caplog, clock):
    caplog.set_level(logging.INFO)
    m = _acc()
    s = mx.callback.Speedometer(4, frequent=2)
    for i in range(5):
        clock[0] += 0.5
        s(BatchEndParam(epoch=0, nbatch=i, eval_metric=m, locals=None))
        m.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])])
    assert _messages(caplog) == [
        "Epoch[0] Batch [0-2]\tSpeed: 8.00 samples/sec\taccuracy=0.666667",
        "Epoch[0] Batch [2-4]\tSpeed: 8.00 samples/sec\taccuracy=0.666667"]
    assert all(r.levelno == logging.INFO and r.name == "root" for r in caplog.records)
    # auto_reset cleared the local statistics after the last report (one update since)
    assert m.num_inst == 3 and m.global_num_inst == 18


def test_speedometer_no_reset_and_no_metric(caplog, clock):
    caplog.set_level(logging.INFO)
    c = _composite()
    s = mx.callback.Speedometer(4, frequent=2, auto_reset=False)
    for i in range(3):
        clock[0] += 0.25
        s(BatchEndParam(epoch=1, nbatch=i, eval_metric=c, locals=None))
    s(BatchEndParam(epoch=1, nbatch=0, eval_metric=None, locals=None))   # new epoch: restart
    clock[0] += 1
    s(BatchEndParam(epoch=1, nbatch=2, eval_metric=None, locals=None))
    s(BatchEndParam(epoch=1, nbatch=4, eval_metric=None, locals=None))   # no time passed
    assert _messages(caplog) == [
        "Epoch[1] Batch [0-2]\tSpeed: 16.00 samples/sec\taccuracy=0.666667\tcross-entropy=0.571599",
        "Iter[1] Batch [2]\tSpeed: 8.00 samples/sec",
        "Iter[1] Batch [4]\tSpeed: inf samples/sec"]
    assert c.get()[1] == [0.6666666666666666, 0.5715994834899902]


def test_log_train_metric(caplog):
    caplog.set_level(logging.INFO)
    c = _composite()
    f = mx.callback.log_train_metric(2, auto_reset=True)
    f(BatchEndParam(3, 4, c, None))
    f(BatchEndParam(3, 5, c, None))
    f(BatchEndParam(3, 6, c, None))
    f(BatchEndParam(3, 8, None, None))
    assert _messages(caplog) == [
        "Iter[3] Batch[4] Train-accuracy=0.666667",
        "Iter[3] Batch[4] Train-cross-entropy=0.571599",
        "Iter[3] Batch[6] Train-accuracy=nan",
        "Iter[3] Batch[6] Train-cross-entropy=nan"]


def test_progress_bar(caplog):
    caplog.set_level(logging.INFO)
    p = mx.callback.ProgressBar(total=3, length=10)
    for i in range(4):
        p(BatchEndParam(0, i, None, None))
    assert _messages(caplog) == ["[----------] 0%\r", "[===-------] 34%\r",
                                 "[=======---] 67%\r", "[==========] 100%\r"]


def test_log_validation_metrics(caplog):
    caplog.set_level(logging.INFO)
    cb = mx.callback.LogValidationMetricsCallback()
    cb(BatchEndParam(2, 0, _acc(), None))
    cb(BatchEndParam(2, 0, None, None))
    assert _messages(caplog) == ["Epoch[2] Validation-accuracy=0.666667"]


def test_module_checkpoint():
    calls = []

    class FakeModule(object):
        def save_checkpoint(self, prefix, epoch, save_optimizer_states):
            calls.append((prefix, epoch, save_optimizer_states))

    cb = mx.callback.module_checkpoint(FakeModule(), "pre", period=2, save_optimizer_states=True)
    for epoch in range(5):
        cb(epoch)
    assert calls == [("pre", 2, True), ("pre", 4, True)]


def test_do_checkpoint(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    prefix = str(tmp_path / "net")
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=2, name="fc")
    args = {"fc_weight": mx.nd.ones((2, 3)), "fc_bias": mx.nd.zeros((2,))}
    cb = mx.callback.do_checkpoint(prefix, period=2)
    cb(0, net, args, {})
    assert not os.path.exists(prefix + "-0001.params")
    cb(1, net, args, {})
    assert os.path.exists(prefix + "-symbol.json")
    loaded = mx.nd.load(prefix + "-0002.params")
    assert sorted(loaded) == ["arg:fc_bias", "arg:fc_weight"]
    assert (loaded["arg:fc_weight"].asnumpy() == 1).all()
    assert 'Saved checkpoint to "%s-0002.params"' % prefix in _messages(caplog)


def test_exports():
    assert mx.callback.save_checkpoint is mx.model.save_checkpoint
    assert mx.model.BatchEndParam is mx.callback.BatchEndParam
