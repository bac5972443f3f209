"""mx.contrib.tensorboard.LogMetricsCallback."""
import importlib.util
import sys
import types

import pytest

import mxnet as mx

_HAVE_WRITER = any(importlib.util.find_spec(m) is not None for m in ("mxboard", "tensorboardX"))


@pytest.mark.skipif(_HAVE_WRITER, reason="a TensorBoard writer package is installed")
def test_missing_package_raises_import_error():
    with pytest.raises(ImportError, match="pip install mxboard"):
        mx.contrib.tensorboard.LogMetricsCallback("/tmp/tb")


def test_logs_metrics_with_a_writer(monkeypatch):
    logged = []

    class SummaryWriter:
        def __init__(self, logdir):
            self.logdir = logdir

        def add_scalar(self, name, value, global_step=None):
            logged.append((name, value, global_step))

    monkeypatch.setitem(sys.modules, "mxboard", types.SimpleNamespace(SummaryWriter=SummaryWriter))
    cb = mx.contrib.tensorboard.LogMetricsCallback("/tmp/tb", prefix="train")
    metric = mx.metric.Accuracy()
    metric.update([mx.nd.array([0, 1])], [mx.nd.array([[1, 0], [1, 0]])])
    cb(mx.model.BatchEndParam(epoch=3, nbatch=0, eval_metric=metric, locals=None))
    assert logged == [("train-accuracy", 0.5, 3)]
    cb(mx.model.BatchEndParam(epoch=3, nbatch=0, eval_metric=None, locals=None))
    assert len(logged) == 1
