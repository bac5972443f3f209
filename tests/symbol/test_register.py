"""Generated mx.sym.<op> functions: MXNet's signature ``(inputs..., params..., name=None,
attr=None, out=None, **kwargs)``; ``out`` is accepted and ignored, as by MXNet 1.9.1."""
import inspect

import numpy as np
import pytest

import mxnet as mx


def test_signature_ends_with_name_attr_out():
    assert str(inspect.signature(mx.sym.relu)) == "(data=None, name=None, attr=None, out=None, **kwargs)"
    params = list(inspect.signature(mx.sym.Concat).parameters.values())
    assert params[0].kind is inspect.Parameter.VAR_POSITIONAL
    assert [p.name for p in params[-4:]] == ["name", "attr", "out", "kwargs"]
    assert list(inspect.signature(mx.sym.sparse.dot).parameters)[-4:] == ["name", "attr", "out", "kwargs"]
    assert list(inspect.signature(mx.sym.linalg.gemm2).parameters)[-4:] == ["name", "attr", "out", "kwargs"]


def test_out_is_ignored():
    x = mx.sym.var("x")
    with mx.name.NameManager():
        y = mx.sym.relu(x, out=mx.sym.var("o"))      # MXNet 1.9.1: a relu0 node on x alone
        z = mx.sym.Concat(x, x, dim=0, out=None)
    assert y.name == "relu0" and y.list_arguments() == ["x"]
    assert z.infer_shape(x=(2,))[1] == [(4,)]
    assert y.attr_dict() == {}
    s = mx.sym.sparse.dot(lhs=mx.sym.var("a", stype="csr"), rhs=mx.sym.var("b"), transpose_a=True,
                          out=None, name="dd")
    assert s.list_arguments() == ["a", "b"]
    assert s.attr_dict() == {"a": {"__storage_type__": "2"}, "dd": {"transpose_a": "True"}}   # MXNet 1.9.1


def test_inputs_with_their_own_initializer_get_it_on_compose():
    # MXNet 1.9.1 (FSetInputVarAttrOnCompose): a given variable gets the op's __init__ unless it
    # has one; BatchNorm's auxiliary states may be given by name (BatchNorm_v1 too)
    d = mx.sym.Variable("data")
    bn = mx.sym.BatchNorm(d, mx.sym.Variable("g"), mx.sym.Variable("b"), mx.sym.Variable("mm"),
                          mx.sym.Variable("mv"), name="bn")
    assert bn.attr_dict() == {"mm": {"__init__": '["zero", {}]'}, "mv": {"__init__": '["one", {}]'}}
    v1 = mx.sym.BatchNorm_v1(d, moving_mean=mx.sym.Variable("a1"), moving_var=mx.sym.Variable("a2"), name="q")
    assert v1.list_auxiliary_states() == ["a1", "a2"]
    assert v1.attr_dict() == {"a1": {"__init__": '["zero", {}]'}, "a2": {"__init__": '["one", {}]'}}
    kept = mx.sym.BatchNorm(d, moving_var=mx.sym.Variable("mv0", init=mx.init.Zero()), name="z")
    assert kept.attr_dict()["mv0"] == {"__init__": '["zero", {}]'}
    assert mx.sym.LeakyReLU(d, gamma=mx.sym.Variable("gg"), act_type="prelu").attr_dict()["gg"] == \
        {"__init__": '["Constant", {"value": 0.25}]'}
    up = mx.sym.UpSampling(d, mx.sym.Variable("ww"), scale=2, sample_type="bilinear", num_filter=2, num_args=2)
    assert up.attr_dict()["ww"] == {"__init__": '["bilinear", {}]'}
    with pytest.raises(mx.MXNetError, match="must be a Variable"):
        mx.sym.BatchNorm(d, moving_mean=mx.sym.Variable("m") * 1)


def test_module_initializes_a_named_moving_variance_to_ones():
    d = mx.sym.Variable("data")
    net = mx.sym.BatchNorm(d, moving_mean=mx.sym.Variable("stat_a"), moving_var=mx.sym.Variable("stat_b"),
                           name="bn")
    mod = mx.mod.Module(net, label_names=None)
    mod.bind([("data", (2, 3))], for_training=False)
    mod.init_params(mx.init.Uniform(0.1))       # the names match no pattern: __init__ decides
    _, aux = mod.get_params()
    np.testing.assert_array_equal(aux["stat_a"].asnumpy(), 0)
    np.testing.assert_array_equal(aux["stat_b"].asnumpy(), 1)
