"""A module used out of order raises what MXNet 1.9.1 raises there, an AssertionError (MXNet
asserts its states), which here is also an MXNetError naming what is missing."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.base import MXNetError
from mxnet.contrib.svrg_optimization.svrg_module import SVRGModule


def _sym():
    fc = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=2, name="fc")
    return mx.sym.SoftmaxOutput(fc, name="sm")


def _module():
    return mx.mod.Module(_sym(), context=mx.cpu(), label_names=["sm_label"])


def _bound(for_training=True):
    m = _module()
    m.bind([("data", (2, 3))], [("sm_label", (2,))], for_training=for_training)
    m.init_params()
    return m


_BATCH = mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.zeros(2)])


def _iter():
    return mx.io.NDArrayIter(np.ones((4, 3)), np.zeros(4), batch_size=2, label_name="sm_label")


def _not_for_training():
    m = _bound(for_training=False)
    m.forward(_BATCH)
    return m


def _bucketing():
    return mx.mod.BucketingModule(lambda key: (_sym(), ["data"], ["sm_label"]), default_bucket_key=1)


CASES = {
    "forward before bind": lambda: _module().forward(_BATCH),
    "init_params before bind": lambda: _module().init_params(),
    "init_optimizer before bind": lambda: _module().init_optimizer(),
    "score before bind": lambda: _module().score(_iter(), "acc"),
    "iter_predict before bind": lambda: list(_module().iter_predict(_iter())),
    "get_outputs before bind": lambda: _module().get_outputs(),
    "get_params before init_params": lambda: _module().get_params(),
    "reshape before bind": lambda: _module().reshape([("data", (2, 3))]),
    "inputs_need_grad without training": lambda: _module().bind(
        [("data", (2, 3))], [("sm_label", (2,))], for_training=False, inputs_need_grad=True),
    "update before init_optimizer": lambda: _bound().update(),
    "save_optimizer_states before init_optimizer": lambda: _bound().save_optimizer_states("unused.states"),
    "load_optimizer_states before init_optimizer": lambda: _bound().load_optimizer_states("unused.states"),
    "get_input_grads without inputs_need_grad": lambda: _bound().get_input_grads(),
    "backward of a module bound for inference": lambda: _not_for_training().backward(),
    "BucketingModule.init_params before bind": lambda: _bucketing().init_params(),
    "BucketingModule.switch_bucket before bind": lambda: _bucketing().switch_bucket(1, [("data", (2, 3))]),
    "SVRGModule.init_optimizer before bind": lambda: SVRGModule(
        _sym(), label_names=["sm_label"], update_freq=2).init_optimizer(),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_out_of_order_use_raises_assertion_error(case):
    with pytest.raises(AssertionError) as info:
        CASES[case]()
    assert isinstance(info.value, MXNetError) and str(info.value)
