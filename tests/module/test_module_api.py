"""The abstract BaseModule API, module states (get_states/set_states) and BucketingModule
checkpoints (save_checkpoint / load / load_dict), as MXNet 1.9.1 defines them (behaviour and
messages checked against it)."""
import inspect
import os

import numpy as np
import pytest

import mxnet as mx

W = (np.arange(15, dtype=np.float32).reshape(3, 5) / 20 - 0.3)
B = np.array([0.1, -0.2, 0.3], dtype=np.float32)


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# -- BaseModule -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["data_names", "output_names", "data_shapes", "label_shapes", "output_shapes"])
def test_base_module_abstract_properties(name):
    assert isinstance(mx.mod.BaseModule.__dict__[name], property)
    with pytest.raises(NotImplementedError):
        getattr(mx.mod.BaseModule(), name)


@pytest.mark.parametrize("call", [
    lambda m: m.forward(None), lambda m: m.backward(), lambda m: m.get_outputs(), lambda m: m.get_input_grads(),
    lambda m: m.get_params(), lambda m: m.init_params(), lambda m: m.bind([]), lambda m: m.init_optimizer(),
    lambda m: m.update(), lambda m: m.update_metric(None, None), lambda m: m.install_monitor(None)])
def test_base_module_abstract_methods(call):
    with pytest.raises(NotImplementedError):
        call(mx.mod.BaseModule())


def test_base_module_signatures_and_default_states():
    init = inspect.signature(mx.mod.BaseModule.init_params).parameters["initializer"].default
    assert isinstance(init, mx.init.Uniform) and init.scale == 0.01
    assert str(inspect.signature(mx.mod.BaseModule.bind)) == (
        "(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False, "
        "force_rebind=False, shared_module=None, grad_req='write')")
    m = mx.mod.BaseModule()
    with pytest.raises(AssertionError):          # not bound
        m.get_states(merge_multi_context=False)
    m.binded = m.params_initialized = True
    assert m.get_states(merge_multi_context=False) == []
    with pytest.raises(AssertionError):          # merged states are not supported
        m.get_states()
    m.set_states()
    with pytest.raises(AssertionError):          # a module without states takes none
        m.set_states(value=1)


def test_python_modules_inherit_the_abstract_api():
    pm = mx.mod.PythonModule(["data"], ["lab"], ["out"])
    for call in (lambda: pm.forward(None), pm.backward, pm.get_outputs, pm.get_input_grads):
        with pytest.raises(NotImplementedError):
            call()
    with pytest.raises(AssertionError):
        pm.get_states()
    loss = mx.mod.PythonLossModule(grad_func=lambda s, lab: s - lab)
    loss.bind([("data", (2, 3))], [("softmax_label", (2, 3))])
    loss.init_params()
    with pytest.raises(AssertionError):          # PythonModule.init_params initialises nothing
        loss.get_states(merge_multi_context=False)
    loss.params_initialized = True
    assert loss.get_states(merge_multi_context=False) == []


def test_sequential_module_states():
    seq = mx.mod.SequentialModule()
    fc = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    seq.add(mx.mod.Module(fc, label_names=None))
    seq.add(mx.mod.PythonLossModule(data_names=["fc_output"], grad_func=lambda s, lab: s - lab), take_labels=True)
    with pytest.raises(AssertionError):
        seq.get_states()
    seq.bind([("data", (2, 4))], [("softmax_label", (2, 3))])
    seq.init_params()
    assert seq.get_states(merge_multi_context=False) == []
    seq.set_states()


# -- Module states ----------------------------------------------------------------------------------
def test_module_states_per_device():
    out = mx.sym.elemwise_add(mx.sym.var("data"), mx.sym.var("st"), name="o")
    mod = mx.mod.Module(out, data_names=["data"], label_names=None, state_names=["st"],
                        context=[mx.cpu(0), mx.cpu(1)])
    mod.bind([("data", (4, 2))], for_training=False)
    with pytest.raises(AssertionError):
        mod.get_states(merge_multi_context=False)      # parameters not initialized yet
    mod.init_params()
    with pytest.raises(AssertionError, match="merge_multi_context=True is not supported for get_states yet."):
        mod.get_states()
    states = mod.get_states(merge_multi_context=False)
    assert len(states) == 1 and [s.shape for s in states[0]] == [(2, 2), (2, 2)]
    assert [s.context for s in states[0]] == [mx.cpu(0), mx.cpu(1)]
    mod.set_states(value=2)
    np.testing.assert_array_equal(states[0][1].asnumpy(), np.full((2, 2), 2.0))
    mod.set_states(states=[[mx.nd.ones((2, 2)) * 3, mx.nd.ones((2, 2)) * 4]])
    with pytest.raises(AssertionError, match="Only one of states & value can be specified."):
        mod.set_states(states=[[mx.nd.ones((2, 2))] * 2], value=1)
    with pytest.raises(AssertionError, match="At least one of states & value must be specified."):
        mod.set_states()
    mod.forward(mx.io.DataBatch([mx.nd.ones((4, 2))]), is_train=False)
    np.testing.assert_array_equal(mod.get_outputs()[0].asnumpy(), [[4, 4], [4, 4], [5, 5], [5, 5]])


# -- BucketingModule --------------------------------------------------------------------------------
def _sym_gen(key):
    fc = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    return mx.sym.SoftmaxOutput(fc, name="softmax"), ("data",), ("softmax_label",)


def _shapes():
    return [("data", (2, 5))], [("softmax_label", (2,))]


def _bucketing():
    mod = mx.mod.BucketingModule(_sym_gen, default_bucket_key=5, context=mx.cpu())
    mod.bind(*_shapes())
    mod.init_params(arg_params={"fc_weight": mx.nd.array(W), "fc_bias": mx.nd.array(B)})
    mod.switch_bucket(7, *_shapes())
    return mod


def _batch(key, x):
    return mx.io.DataBatch([mx.nd.array(x)], [mx.nd.zeros((2,))], bucket_key=key,
                           provide_data=[mx.io.DataDesc("data", (2, 5))],
                           provide_label=[mx.io.DataDesc("softmax_label", (2,))])


def test_bucketing_states_delegate_to_the_current_bucket():
    mod = _bucketing()
    with pytest.raises(AssertionError, match="merge_multi_context=True is not supported"):
        mod.get_states()
    assert mod.get_states(merge_multi_context=False) == []
    with pytest.raises(AssertionError, match="At least one of states & value must be specified."):
        mod.set_states()
    with pytest.raises(AssertionError):
        mx.mod.BucketingModule(_sym_gen, default_bucket_key=5).get_states(merge_multi_context=False)


def test_bucketing_save_checkpoint_files_and_format(tmp_path):
    prefix = str(tmp_path / "bk")
    _bucketing().save_checkpoint(prefix, 3)
    assert sorted(os.listdir(str(tmp_path))) == ["bk-0003.params", "bk-5-symbol.json", "bk-7-symbol.json",
                                                 "bk.buckets"]
    keys = mx.nd.load(prefix + ".buckets")
    assert isinstance(keys, list) and len(keys) == 1
    assert keys[0].dtype == np.int32 and keys[0].asnumpy().tolist() == [5, 7]
    params = mx.nd.load(prefix + "-0003.params")
    assert sorted(params) == ["arg:fc_bias", "arg:fc_weight"]
    np.testing.assert_array_equal(params["arg:fc_weight"].asnumpy(), W)
    assert mx.sym.load(prefix + "-7-symbol.json").list_arguments() == ["data", "fc_weight", "fc_bias",
                                                                       "softmax_label"]
    with pytest.raises(AssertionError, match="Empty BucketingModule cannot be saved"):
        mx.mod.BucketingModule(_sym_gen, default_bucket_key=5).save_checkpoint(prefix, 1)


def test_bucketing_load_then_bind_and_run(tmp_path):
    prefix = str(tmp_path / "bk")
    _bucketing().save_checkpoint(prefix, 3)
    mod = mx.mod.BucketingModule.load(prefix, 3, sym_gen=_sym_gen, default_bucket_key=5)
    assert isinstance(mx.mod.BucketingModule.__dict__["load"], staticmethod)
    assert mod.params_initialized and not mod.binded
    assert sorted(mod._buckets) == [5, 7] and mod._curr_module is mod._buckets[5]
    mod.bind(*_shapes())
    args, _ = mod.get_params()
    np.testing.assert_array_equal(args["fc_weight"].asnumpy(), W)
    mod.init_params()                   # already initialised: nothing happens
    x = np.arange(10, dtype=np.float32).reshape(2, 5) / 10
    mod.forward(_batch(7, x), is_train=False)
    assert mod._buckets[7].binded
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), _softmax(x @ W.T + B), rtol=1e-5)
    with pytest.raises(AssertionError, match="sym_gen is required for loading BucketingModule"):
        mx.mod.BucketingModule.load(prefix, 3)
    with pytest.raises(AssertionError, match="default_bucket_key is required for loading BucketingModule"):
        mx.mod.BucketingModule.load(prefix, 3, sym_gen=_sym_gen)


def test_bucketing_load_dict():
    with pytest.raises(AssertionError, match="sym_dict needs to be provided for BucketingModule.load_dict"):
        mx.mod.BucketingModule.load_dict()
    with pytest.raises(AssertionError, match="arg_params need to be provided"):
        mx.mod.BucketingModule.load_dict({5: _sym_gen(5)[0]})
    args = {"fc_weight": mx.nd.array(W), "fc_bias": mx.nd.array(B)}
    mod = mx.mod.BucketingModule.load_dict({5: _sym_gen(5)[0], 9: _sym_gen(9)[0]}, sym_gen=_sym_gen,
                                           default_bucket_key=5, arg_params=args, aux_params={})
    assert sorted(mod._buckets) == [5, 9] and mod.params_initialized
    mod.bind(*_shapes())
    x = np.ones((2, 5), np.float32)
    mod.forward(_batch(9, x), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), _softmax(x @ W.T + B), rtol=1e-5)


def test_bucketing_force_rebind_keeps_parameters():
    mod = _bucketing()
    mod.bind(*_shapes(), for_training=False, force_rebind=True)
    assert sorted(mod._buckets) == [5] and not mod.for_training
    args, _ = mod.get_params()
    np.testing.assert_array_equal(args["fc_bias"].asnumpy(), B)
    with pytest.raises(AssertionError, match="shared_module for BucketingModule is not supported"):
        mod.bind(*_shapes(), force_rebind=True, shared_module=mod)
