"""Symbol's NDArray-only placeholders (NotImplementedForSymbol), as_nd_ndarray / as_np_ndarray,
split_v2, optimize_for / get_backend_symbol, the names mx.sym.contrib re-exports, and the
mx.sym.np symbol class (test_utils.np_symbol). Messages and types as in MXNet 1.9.1."""
import logging

import numpy as np
import pytest

import mxnet as mx
from mxnet.base import MXNetError, NotImplementedForSymbol


def _net():
    x = mx.sym.var("x")
    return mx.sym.FullyConnected(x, num_hidden=3, name="fc") + 1


@pytest.mark.parametrize("name", ["as_in_context", "asnumpy", "asscalar", "backward", "detach",
                                  "wait_to_read"])
def test_ndarray_only_methods_raise(name):
    for s in (_net(), _net().as_np_ndarray()):
        with pytest.raises(NotImplementedForSymbol) as info:
            getattr(s, name)()
        assert str(info.value) == ("Function %s is not implemented for Symbol and only available in "
                                   "NDArray." % name)
        assert isinstance(info.value, MXNetError)


def test_as_in_context_takes_no_context():
    with pytest.raises(TypeError):          # MXNet's signature is as_in_context(self)
        _net().as_in_context(mx.cpu())


def test_gradient_not_implemented():
    with pytest.raises(MXNetError, match="not implemented"):
        _net().gradient(["x"])


def test_as_nd_and_np_ndarray():
    y = _net()
    assert y.as_nd_ndarray() is y
    z = y.as_np_ndarray()
    assert isinstance(z, mx.sym.np._Symbol)
    assert z.tojson() == y.tojson()
    assert z.as_np_ndarray() is z
    back = z.as_nd_ndarray()
    assert type(back) is mx.sym.Symbol and back.list_outputs() == y.list_outputs()


def test_split_v2_method():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    s = mx.sym.var("a").split_v2(3, axis=1)
    assert len(s.list_outputs()) == 3
    outs = s.eval(a=mx.nd.array(a))
    for o, e in zip(outs, np.split(a, 3, axis=1)):
        np.testing.assert_array_equal(o.asnumpy(), e)
    outs = mx.sym.var("a").split_v2((1, 3)).eval(a=mx.nd.array(a))
    for o, e in zip(outs, np.split(a, (1, 3))):
        np.testing.assert_array_equal(o.asnumpy(), e)


def test_get_backend_symbol():
    y = _net()
    with pytest.raises(MXNetError, match="SubgraphProperty foo is not found in SubgraphBackendRegistry"):
        y.get_backend_symbol("foo")
    with pytest.raises(MXNetError, match="Cannot find attribute op_names in SubgraphProperty"):
        y.get_backend_symbol("default")
    for backend in mx.sym.symbol.SUBGRAPH_BACKENDS:       # no fused operators: the graph as it is
        r = y.get_backend_symbol(backend)
        assert r is not y and r.tojson() == y.tojson()
    assert type(y.as_np_ndarray().get_backend_symbol("MKLDNN")) is mx.sym.Symbol


def test_optimize_for_unknown_backend_logs_and_returns_copy(caplog):
    y = _net()
    with caplog.at_level(logging.ERROR):
        r = y.optimize_for("foo", args={"x": mx.nd.ones((2, 5))}, dedup_subgraph=True)
    assert "Error optimizing for backend 'foo' cannot be found" in caplog.text
    assert r is not y and r.tojson() == y.tojson()
    assert r.list_arguments() == ["x", "fc_weight", "fc_bias"]


def test_optimize_for_known_backend():
    y = _net()
    args = {"x": mx.nd.ones((2, 5))}
    r = y.optimize_for("MKLDNN", args=args, ctx=mx.cpu())
    assert r.tojson() == y.tojson() and list(args) == ["x"]
    ex = r.bind(mx.cpu(), {"x": mx.nd.ones((2, 5)), "fc_weight": mx.nd.ones((3, 5)),
                           "fc_bias": mx.nd.zeros((3,))})
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), np.full((2, 3), 6, np.float32))
    with pytest.raises(MXNetError):                 # args are checked against the graph
        y.optimize_for("MKLDNN", args={"x": mx.nd.ones((2, 5)), "fc_weight": mx.nd.ones((4, 4))})
    y.optimize_for("MKLDNN", args={"x": mx.nd.ones((2, 5)), "fc_weight": mx.nd.ones((4, 4))},
                   skip_infer=True)
    with pytest.raises(MXNetError, match="op_names"):
        y.optimize_for("default")


def test_optimize_for_argument_checks():
    y = _net()
    for kwargs in ({"backend": 3}, {"backend": "foo", "args": [mx.nd.ones((2, 5))]},
                   {"backend": "foo", "aux": []}):
        with pytest.raises(AssertionError):
            y.optimize_for(**kwargs)


def test_contrib_reexports():
    assert mx.sym.contrib.AttrScope is mx.AttrScope
    assert mx.sym.contrib.Symbol is mx.sym.Symbol
    assert mx.sym.contrib.uniform is mx.sym.random.uniform


# -- the mx.sym.np symbol class ---------------------------------------------------------------
def test_np_symbol_is_the_numpy_symbol_class():
    from mxnet.test_utils import np_symbol
    assert np_symbol is mx.sym.np._Symbol and issubclass(np_symbol, mx.sym.Symbol)


def test_np_symbol_num_outputs_setitem_split_v2():
    a = mx.sym.var("a").as_np_ndarray()
    assert a.num_outputs == 1
    assert mx.sym.Group([mx.sym.var("a"), mx.sym.var("b")]).as_np_ndarray().num_outputs == 2
    with pytest.raises(NotImplementedError):
        a[0] = 1
    with pytest.raises(AttributeError, match="_Symbol object has no attribute split_v2"):
        a.split_v2(2)


def _run(sym, data):
    return sym.as_nd_ndarray().eval(a=mx.nd.array(data))[0].asnumpy()


def test_np_symbol_cumsum_var_std():
    d = np.random.RandomState(0).uniform(-1, 1, (3, 4)).astype(np.float32)
    a = mx.sym.var("a").as_np_ndarray()
    np.testing.assert_allclose(_run(a.cumsum(axis=1), d), np.cumsum(d, axis=1), rtol=1e-6)
    np.testing.assert_allclose(_run(a.cumsum(), d), np.cumsum(d), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_run(a.var(), d).reshape(()), d.var(), rtol=1e-5)
    np.testing.assert_allclose(_run(a.var(axis=0, keepdims=True), d), d.var(axis=0, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(_run(a.std(axis=1, ddof=1), d), d.std(axis=1, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(_run(mx.sym.np.std(a, axis=(0, 1)), d).reshape(()), d.std(), rtol=1e-5)
    assert a.cumsum().ndim == 1 and a.var(axis=1).ndim is None


def test_np_symbol_known_ndim_results():
    a = mx.sym.np.ones((2, 3))
    assert a.ndim == 2 and a.std(axis=-1).ndim == 1 and a.var().ndim == 0
    assert a.cumsum(axis=-1).ndim == 2
    assert a.T.ndim == 2
