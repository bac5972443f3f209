"""The fast path of NDArray arithmetic (``imperative.ufunc_now``): a ready float CPU array with
a number or a same-shape array is computed by the operator's ufunc at once. Its results must be
those of the registry kernels (checked against NumPy and against the general path), and every
case it does not cover must still reach the general path."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ndarray import imperative
from mxnet.ops.registry import get_op
from tests.ndarray.spy import ops_through


@pytest.fixture
def fast(monkeypatch):
    """The operator names the fast path computed."""
    return ops_through(monkeypatch, "ufunc_now", handled=lambda r: r is not None)


_EXPRS = [
    ("_plus_scalar", lambda x, y: x + 1.5), ("_minus_scalar", lambda x, y: x - 2),
    ("_rminus_scalar", lambda x, y: 3 - x), ("_mul_scalar", lambda x, y: x * 0.25),
    ("_div_scalar", lambda x, y: x / 3), ("_rdiv_scalar", lambda x, y: 2 / x),
    ("broadcast_add", lambda x, y: x + y), ("broadcast_sub", lambda x, y: x - y),
    ("broadcast_mul", lambda x, y: x * y), ("broadcast_div", lambda x, y: x / y),
]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name,expr", _EXPRS)
@pytest.mark.parametrize("shape", [(4, 3), (7,), ()])
def test_matches_numpy_and_the_registry_kernel(fast, name, expr, dtype, shape):
    rng = np.random.RandomState(0)
    x = np.asarray(rng.rand(*shape) + 0.5).astype(dtype)
    y = np.asarray(rng.rand(*shape) + 0.5).astype(dtype)
    X, Y = mx.nd.array(x, dtype=dtype), mx.nd.array(y, dtype=dtype)
    got = expr(X, Y)
    assert fast == [name]
    assert got.dtype == dtype and got.shape == shape
    want = np.asarray(expr(x, y)).astype(dtype)
    np.testing.assert_array_equal(got.asnumpy(), want)
    args = [X, Y] if name.startswith("broadcast") else [X]
    kwargs = None if name.startswith("broadcast") else {"scalar": {"_plus_scalar": 1.5, "_minus_scalar": 2,
                                                                   "_rminus_scalar": 3, "_mul_scalar": 0.25,
                                                                   "_div_scalar": 3, "_rdiv_scalar": 2}[name]}
    general = imperative.invoke_dense(get_op(name), args, kwargs, None, True)
    np.testing.assert_array_equal(got.asnumpy(), general.asnumpy())
    np.testing.assert_array_equal(X.asnumpy(), x)          # operands untouched
    np.testing.assert_array_equal(Y.asnumpy(), y)


def test_general_path_for_other_cases(fast):
    xi = np.arange(6, dtype=np.int32).reshape(2, 3)
    Xi = mx.nd.array(xi, dtype="int32")
    np.testing.assert_array_equal((Xi * 2).asnumpy(), xi * 2)                   # integers
    X = mx.nd.array(np.ones((2, 3), np.float32))
    B = mx.nd.array(np.arange(3, dtype=np.float32))
    np.testing.assert_array_equal((X + B).asnumpy(), np.ones((2, 3)) + np.arange(3))  # broadcasting
    D = mx.nd.array(np.ones((2, 3)), dtype="float64")
    with pytest.raises(mx.base.MXNetError, match="dtypes differ"):
        X + D                                                                    # mixed dtypes
    np.testing.assert_array_equal((X[1] * 2).asnumpy(), [2, 2, 2])              # a view
    assert fast == []


def test_general_path_while_recording(fast):
    x = np.array([1.0, 2.0, 3.0], np.float32)
    X = mx.nd.array(x)
    X.attach_grad()
    with mx.autograd.record():
        L = (X * 3 - 1) * X
    L.backward()
    np.testing.assert_allclose(X.grad.asnumpy(), 6 * x - 1)
    assert fast == []


def test_waits_for_pending_and_lazy_inputs(fast):
    """An input still being written (here: the output of a graph the engine runs on a worker)
    or computed on demand goes through the engine, which orders the reads after the write."""
    data = mx.sym.Variable("data")
    net = mx.sym.FullyConnected(data, num_hidden=4, name="fc")
    ex = net.simple_bind(mx.cpu(), data=(2, 3), grad_req="write")
    for a in ex.arg_arrays:
        a[:] = 1
    for _ in range(4):          # the data gradient is then left for on-demand computation
        ex.forward(is_train=True)
        ex.backward(mx.nd.ones((2, 4)))
        ex.grad_dict["fc_weight"].asnumpy()
    g = ex.grad_dict["data"]
    assert g._chunk.var.lazy is not None
    np.testing.assert_array_equal((g * 2).asnumpy(), np.full((2, 3), 8.0))
    assert "_mul_scalar" not in fast


def test_naive_engine_takes_the_general_path(fast):
    prev = type(mx.engine.get()).__name__
    mx.engine.set_engine_type("NaiveEngine")
    try:
        X = mx.nd.array(np.ones(3, np.float32))
        np.testing.assert_array_equal((X * 2 + X).asnumpy(), [3, 3, 3])
    finally:
        mx.engine.set_engine_type("NaiveEngine" if prev == "NaiveEngine" else "ThreadedEnginePerDevice")
    assert fast == []
