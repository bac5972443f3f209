"""Generated mx.sym.<op> functions: MXNet's signature ``(inputs..., params..., name=None,
attr=None, out=None, **kwargs)``; ``out`` is accepted and ignored, as by MXNet 1.9.1."""
import inspect

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
