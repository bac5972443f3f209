"""Autograd through mx.np: analytic gradients vs central finite differences (float64)."""
import numpy as onp
import pytest

import mxnet as mx
from mxnet import np, npx, autograd

RNG = onp.random.RandomState(1)


def _fd(f, xs, i, eps=1e-6):
    x = xs[i]
    g = onp.zeros_like(x)
    it = onp.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        hi = f(*xs)
        x[idx] = old - eps
        lo = f(*xs)
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


def check_grad(fn, *arrays, rtol=1e-4, atol=1e-6):
    """fn: mx.np arrays -> mx.np array; compares d sum(fn * w) / d inputs with finite differences."""
    xs = [onp.array(a, dtype="float64") for a in arrays]
    out_shape = fn(*[np.array(x, dtype="float64") for x in xs]).shape
    w = RNG.uniform(-1, 1, out_shape)

    def scalar(*vals):
        return float((fn(*[np.array(v, dtype="float64") for v in vals]).asnumpy() * w).sum())
    mx_in = [np.array(x, dtype="float64") for x in xs]
    for a in mx_in:
        a.attach_grad()
    with autograd.record():
        y = fn(*mx_in)
        loss = (y * np.array(w, dtype="float64")).sum()
    loss.backward()
    for i, a in enumerate(mx_in):
        onp.testing.assert_allclose(a.grad.asnumpy(), _fd(scalar, xs, i), rtol=rtol, atol=atol)


def _x(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, shape)


UNARY = [("exp", None), ("log", "pos"), ("log2", "pos"), ("log10", "pos"), ("log1p", "pos"),
         ("expm1", None), ("sqrt", "pos"), ("cbrt", "pos"), ("square", None), ("reciprocal", "pos"),
         ("sin", None), ("cos", None), ("tan", None), ("arcsin", "unit"), ("arccos", "unit"),
         ("arctan", None), ("sinh", None), ("cosh", None), ("tanh", None), ("arcsinh", None),
         ("arccosh", "gt1"), ("arctanh", "unit"), ("abs", "pos"), ("negative", None),
         ("degrees", None), ("radians", None)]


@pytest.mark.parametrize("name,dom", UNARY)
def test_unary_grad(name, dom):
    x = {"pos": _x(2, 3, lo=0.5, hi=2), "unit": _x(2, 3, lo=-0.8, hi=0.8),
         "gt1": _x(2, 3, lo=1.2, hi=2)}.get(dom, _x(2, 3))
    check_grad(getattr(np, name), x)


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide", "power", "maximum",
                                  "minimum", "hypot", "arctan2"])
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((3, 1), (1, 4)), ((), (2,))])
def test_binary_grad(name, shapes):
    a = _x(*shapes[0], lo=0.5, hi=2)
    b = _x(*shapes[1], lo=0.5, hi=2) + 0.01
    check_grad(getattr(np, name), a, b)


def test_operator_grads():
    check_grad(lambda a, b: (a * 2 + b) / (b ** 2) - a ** 3, _x(2, 3), _x(2, 3, lo=0.5, hi=1.5))
    check_grad(lambda a: 3 - a, _x(3))
    check_grad(lambda a: 2 / a + 1 ** a, _x(3, lo=0.5, hi=1.0))
    check_grad(lambda a, b: a @ b, _x(2, 3), _x(3, 4))


RED = [("sum", {}), ("sum", {"axis": 1}), ("mean", {}), ("mean", {"axis": 0, "keepdims": True}),
       ("max", {"axis": 1}), ("min", {}), ("prod", {"axis": 0}), ("std", {"axis": 1}), ("var", {}),
       ("var", {"axis": 0, "ddof": 1}), ("cumsum", {"axis": 1}), ("cumsum", {})]


@pytest.mark.parametrize("name,kw", RED)
def test_reduction_grad(name, kw):
    check_grad(lambda a: getattr(np, name)(a, **kw), _x(3, 4, lo=0.5, hi=2))


SHAPE = [
    lambda a: a.reshape(4, 3), lambda a: a.T, lambda a: np.transpose(a, (1, 0)),
    lambda a: np.swapaxes(a, 0, 1), lambda a: np.expand_dims(a, 0), lambda a: np.flip(a, 1),
    lambda a: np.tile(a, (2, 1)), lambda a: np.repeat(a, 2, axis=0), lambda a: np.broadcast_to(a[:1], (3, 4)),
    lambda a: np.concatenate([a, a * 2], axis=1), lambda a: np.stack([a, a], axis=0),
    lambda a: np.split(a, 2, axis=1)[1], lambda a: a[1], lambda a: a[:, 1:3], lambda a: a[::-1, ::2],
    lambda a: a[np.array([0, 2, 2], dtype="int32")], lambda a: a[a > 0], lambda a: np.take(a, np.array([1, 0]), axis=1),
    lambda a: np.diagonal(a), lambda a: np.trace(a), lambda a: np.tril(a), lambda a: np.roll(a, 1, axis=1),
    lambda a: np.squeeze(a[:1]), lambda a: np.ravel(a), lambda a: np.where(a > 0, a, a * a),
    lambda a: np.clip(a, -0.5, 0.5), lambda a: np.sort(a, axis=1), lambda a: np.moveaxis(a, 0, 1),
    lambda a: np.vstack([a, a]), lambda a: np.hstack([a, a]), lambda a: a[1, 2],
    lambda a: np.pad(a, ((1, 0), (0, 1))), lambda a: np.rot90(a), lambda a: np.atleast_3d(a),
]


@pytest.mark.parametrize("i", range(len(SHAPE)))
def test_shape_grad(i):
    check_grad(SHAPE[i], _x(3, 4))


def test_linalg_grad():
    check_grad(np.dot, _x(2, 3), _x(3, 4))
    check_grad(np.dot, _x(3), _x(3))
    check_grad(np.dot, _x(2, 3), _x(3))
    check_grad(np.dot, _x(2, 2, 3), _x(4, 3, 2))
    check_grad(np.matmul, _x(2, 1, 2, 3), _x(4, 3, 2))
    check_grad(np.matmul, _x(3), _x(2, 3, 4))
    check_grad(lambda a, b: np.tensordot(a, b, axes=([1, 2], [0, 1])), _x(2, 3, 4), _x(3, 4, 2))
    check_grad(lambda a, b: np.einsum("ij,jk->ik", a, b), _x(2, 3), _x(3, 4))
    check_grad(lambda a, b: np.einsum("bij,bjk->bik", a, b), _x(2, 2, 3), _x(2, 3, 2))
    check_grad(lambda a: np.einsum("ij->", a), _x(2, 3))
    check_grad(lambda a, b: np.einsum("i,j", a, b), _x(3), _x(2))
    check_grad(np.outer, _x(3), _x(2))
    check_grad(np.inner, _x(2, 3), _x(4, 3))
    check_grad(np.vdot, _x(3), _x(3))
    check_grad(lambda a: np.linalg.norm(a), _x(3, 4))
    check_grad(lambda a: np.linalg.norm(a, axis=1), _x(3, 4))
    check_grad(lambda a: np.linalg.norm(a, ord=1, axis=0), _x(3, 4))


def test_npx_grads():
    check_grad(npx.relu, _x(2, 3))
    check_grad(npx.sigmoid, _x(2, 3))
    check_grad(lambda a: npx.softmax(a, axis=-1), _x(2, 3))
    check_grad(lambda a: npx.log_softmax(a), _x(2, 3))
    check_grad(lambda a, w, b: npx.fully_connected(a, w, b, num_hidden=4), _x(2, 3), _x(4, 3), _x(4))
    check_grad(lambda a, b: npx.batch_dot(a, b), _x(2, 2, 3), _x(2, 3, 2))


def test_grad_write_add_and_mixed():
    x = np.array([1.0, 2.0, 3.0])
    x.attach_grad(grad_req="add")
    for _ in range(2):
        with autograd.record():
            y = (x * x).sum()
        y.backward()
    onp.testing.assert_allclose(x.grad.asnumpy(), [4, 8, 12])
    # a classic NDArray op inside an np graph
    z = np.array([1.0, 2.0])
    z.attach_grad()
    with autograd.record():
        w = mx.nd.exp(z.as_nd_ndarray()).as_np_ndarray() * 2
        s = w.sum()
    s.backward()
    onp.testing.assert_allclose(z.grad.asnumpy(), 2 * onp.exp([1.0, 2.0]), rtol=1e-6)
    assert isinstance(z.grad, np.ndarray)


def test_nondifferentiable_raises():
    x = np.array([3.0, 1.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = np.unique(x).sum() + x.sum()
    with pytest.raises(mx.MXNetError, match="unique is not differentiable"):
        y.backward()
    with autograd.record():
        y = np.floor_divide(x, 2.0).sum()
    with pytest.raises(mx.MXNetError, match="not differentiable"):
        y.backward()
    with autograd.record():        # argmax is an integer index: no history at all
        y = (x * 1.0)
        k = np.argmax(y)
    assert int(k) == 0
