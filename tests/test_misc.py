"""mx.misc: the legacy FactorScheduler (values, logged switches and errors as MXNet 1.9.1)."""
import logging

import pytest

import mxnet.misc as misc


def test_factor_scheduler_values_and_log(caplog):
    s = misc.FactorScheduler(step=3, factor=0.5)
    assert (s.base_lr, s.step, s.factor, s.old_lr, s.init) == (0.01, 3, 0.5, 0.01, False)
    s.base_lr = 1.0
    with caplog.at_level(logging.INFO):
        got = [s(i) for i in (0, 1, 3, 4, 7, 3, 0)]
    assert got == [1.0, 1.0, 0.5, 0.5, 0.25, 0.5, 1.0]
    assert [r.getMessage() for r in caplog.records] == [
        "At Iteration [3]: Swith to new learning rate 0.50000",
        "At Iteration [7]: Swith to new learning rate 0.25000",
        "At Iteration [3]: Swith to new learning rate 0.50000",
        "At Iteration [0]: Swith to new learning rate 1.00000"]
    assert s.init and s.old_lr == 1.0


def test_scheduler_errors():
    with pytest.raises(ValueError, match="greater or equal than 1"):
        misc.FactorScheduler(step=0)
    with pytest.raises(ValueError, match="less than 1"):
        misc.FactorScheduler(step=2, factor=1.5)
    with pytest.raises(NotImplementedError, match="must override this"):
        misc.LearningRateScheduler()(3)
