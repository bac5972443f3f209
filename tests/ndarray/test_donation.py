"""An operand only its expression references lends its memory to an elementwise result
(``W - G * lr``: the product's buffer receives the difference). Values, dtypes and every array
a user can still reach must be exactly as without lending; these tests check that against NumPy
and check when lending happens at all."""
import numpy as np
import pytest

import mxnet as mx
from tests.ndarray.spy import ops_through


@pytest.fixture
def lent(monkeypatch):
    """The operator names whose result took over an operand's memory."""
    return ops_through(monkeypatch, "_lend")


def _arrays(dtype=np.float32, shape=(6, 5)):
    rng = np.random.RandomState(0)
    w, g = rng.randn(*shape).astype(dtype), rng.randn(*shape).astype(dtype)
    return w, g, mx.nd.array(w, dtype=dtype), mx.nd.array(g, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_sgd_step_lends_the_product_and_matches_numpy(lent, dtype):
    w, g, W, G = _arrays(dtype)
    R = W - G * 0.1
    np.testing.assert_array_equal(R.asnumpy(), w - g * dtype(0.1))
    assert R.dtype == dtype
    np.testing.assert_array_equal(W.asnumpy(), w)      # inputs a user holds are untouched
    np.testing.assert_array_equal(G.asnumpy(), g)
    assert lent == ["broadcast_sub"]


@pytest.mark.parametrize("expr,want,op", [
    (lambda G, W: (G * 2) + 1, lambda g, w: g * 2 + 1, "_plus_scalar"),
    (lambda G, W: (G * 2) - 1, lambda g, w: g * 2 - 1, "_minus_scalar"),
    (lambda G, W: 1 - (G * 2), lambda g, w: 1 - g * 2, "_rminus_scalar"),
    (lambda G, W: (G + 1) * 3, lambda g, w: (g + 1) * 3, "_mul_scalar"),
    (lambda G, W: (G + 1) / 4, lambda g, w: (g + 1) / 4, "_div_scalar"),
    (lambda G, W: 4 / (G * G + 1), lambda g, w: 4 / (g * g + 1), "_rdiv_scalar"),
    (lambda G, W: (G * 2) + W, lambda g, w: g * 2 + w, "broadcast_add"),
    (lambda G, W: W * (G - 1), lambda g, w: w * (g - 1), "broadcast_mul"),
    (lambda G, W: W / (G * G + 1), lambda g, w: w / (g * g + 1), "broadcast_div"),
])
def test_scalar_and_array_ops_lend(lent, expr, want, op):
    w, g, W, G = _arrays()
    np.testing.assert_allclose(expr(G, W).asnumpy(), want(g, w), rtol=1e-6)
    assert op in lent


def test_named_arrays_are_never_lent(lent):
    w, g, W, G = _arrays()
    t = G * 2
    R = W - t
    np.testing.assert_array_equal(R.asnumpy(), w - g * 2)
    np.testing.assert_array_equal(t.asnumpy(), g * 2)    # still the product
    assert lent == []


def test_no_lending_when_shapes_dtypes_or_views_differ(lent):
    w, g, W, G = _arrays()
    b = np.arange(5, dtype=np.float32)
    B = mx.nd.array(b)
    np.testing.assert_array_equal((W - B * 2).asnumpy(), w - b * 2)           # broadcast
    wi = np.arange(30, dtype=np.int32).reshape(6, 5)
    Wi = mx.nd.array(wi, dtype="int32")
    np.testing.assert_array_equal((Wi - Wi * 2).asnumpy(), wi - wi * 2)        # integers
    np.testing.assert_array_equal((W.reshape((30,)) - (G * 2).reshape((30,))).asnumpy(),
                                  (w - g * 2).reshape(30))                      # a view
    assert lent == []


def test_no_lending_while_recording_gradients(lent):
    w, g, W, G = _arrays()
    W.attach_grad()
    with mx.autograd.record():
        L = (W - G * 2) * W
    L.backward()
    np.testing.assert_allclose(W.grad.asnumpy(), 2 * w - 2 * g, rtol=1e-6)
    assert lent == []
