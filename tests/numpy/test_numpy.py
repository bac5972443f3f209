"""mx.np functions vs NumPy: values, dtypes, shapes (0-d included) and error cases."""
import numpy as onp
import pytest

import mxnet as mx
from mxnet import np, npx

RNG = onp.random.RandomState(0)


def _x(shape, lo=-2.0, hi=2.0, dtype="float32"):
    return RNG.uniform(lo, hi, shape).astype(dtype)


def check(res, ref, rtol=1e-5, atol=1e-6, dtype=None):
    assert isinstance(res, np.ndarray), type(res)
    ref = onp.asarray(ref)
    assert res.shape == ref.shape, (res.shape, ref.shape)
    if dtype is not None:
        assert res.dtype == onp.dtype(dtype), (res.dtype, dtype)
    onp.testing.assert_allclose(res.asnumpy().astype(onp.float64), ref.astype(onp.float64),
                                rtol=rtol, atol=atol)


# -- creation ---------------------------------------------------------------------------------

def test_array_defaults_and_dtypes():
    a = np.array([1, 2, 3])
    assert a.dtype == onp.float32 and a.shape == (3,)
    assert np.array(onp.array([1, 2], dtype="int64")).dtype == onp.int64
    assert np.array([1, 2], dtype="int32").dtype == onp.int32
    assert np.array(3.5).shape == ()
    assert np.array([True, False]).dtype == onp.float32
    assert np.array(np.array([1, 2], dtype="int32")).dtype == onp.int32
    assert isinstance(a.as_nd_ndarray(), mx.nd.NDArray) and not isinstance(a.as_nd_ndarray(), np.ndarray)
    b = mx.nd.array([1, 2]).as_np_ndarray()
    assert isinstance(b, np.ndarray)
    with pytest.raises(TypeError):
        np.array([[1, 2], [3]])


@pytest.mark.parametrize("fn,args,ref", [
    (np.zeros, ((2, 3),), onp.zeros((2, 3))),
    (np.ones, ((3,),), onp.ones(3)),
    (np.full, ((2, 2), 7), onp.full((2, 2), 7.0)),
    (np.empty, ((2, 0),), onp.zeros((2, 0))),
    (np.arange, (5,), onp.arange(5)),
    (np.arange, (1, 10, 3), onp.arange(1, 10, 3)),
    (np.linspace, (0, 1, 5), onp.linspace(0, 1, 5)),
    (np.logspace, (0, 2, 3), onp.logspace(0, 2, 3)),
    (np.eye, (3,), onp.eye(3)),
    (np.eye, (2, 3, 1), onp.eye(2, 3, 1)),
    (np.identity, (2,), onp.identity(2)),
    (np.tri, (3,), onp.tri(3)),
])
def test_creation(fn, args, ref):
    check(fn(*args), ref, dtype="float32")


def test_creation_like_and_dtype():
    a = np.array([[1, 2]], dtype="int32")
    check(np.zeros_like(a), onp.zeros((1, 2)), dtype="int32")
    check(np.ones_like(a, dtype="float64"), onp.ones((1, 2)), dtype="float64")
    check(np.full_like(a, 3), onp.full((1, 2), 3), dtype="int32")
    assert np.empty_like(a).shape == (1, 2)
    check(np.zeros((2,), dtype="int64"), onp.zeros(2), dtype="int64")
    check(np.arange(3, dtype="int32"), onp.arange(3), dtype="int32")
    assert np.indices((2, 3)).shape == (2, 2, 3)
    with pytest.raises(mx.MXNetError):
        np.zeros((2,), dtype="complex64")


def test_random_shapes_and_seed():
    npx.random.seed(42)
    a = np.random.normal(0, 1, (3, 4))
    npx.random.seed(42)
    b = np.random.normal(0, 1, (3, 4))
    assert a.dtype == onp.float32 and a.shape == (3, 4)
    onp.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    u = np.random.uniform(2, 3, size=(1000,))
    assert 2 <= float(u.min()) and float(u.max()) < 3
    r = np.random.randint(0, 5, size=(100,))
    assert r.dtype == onp.int64 and set(r.asnumpy().tolist()) <= set(range(5))
    c = np.random.choice(10, size=(4,), replace=False)
    assert len(set(c.asnumpy().tolist())) == 4
    x = np.arange(10)
    np.random.shuffle(x)
    assert sorted(x.asnumpy().tolist()) == list(range(10))
    assert np.random.normal().shape == ()
    assert np.random.normal(np.zeros((2,)), 1).shape == (2,)
    assert np.random.rand(2, 3).shape == (2, 3)
    assert np.random.randn(4).shape == (4,)
    with pytest.raises(ValueError):
        np.random.randint(5, 5)


# -- element-wise -------------------------------------------------------------------------------

UNARY = [
    ("negative", None), ("absolute", None), ("abs", None), ("sign", None), ("exp", None),
    ("expm1", None), ("log", "pos"), ("log2", "pos"), ("log10", "pos"), ("log1p", "pos"),
    ("sqrt", "pos"), ("cbrt", None), ("square", None), ("reciprocal", "pos"), ("sin", None),
    ("cos", None), ("tan", "small"), ("arcsin", "unit"), ("arccos", "unit"), ("arctan", None),
    ("sinh", None), ("cosh", None), ("tanh", None), ("arcsinh", None), ("arccosh", "gt1"),
    ("arctanh", "unit"), ("degrees", None), ("radians", None), ("deg2rad", None), ("rad2deg", None),
    ("floor", None), ("ceil", None), ("trunc", None), ("fix", None), ("rint", None), ("fabs", None),
    ("isnan", None), ("isinf", None), ("isfinite", None), ("logical_not", None), ("positive", None),
    ("around", None), ("round", None),
]


def _domain(kind, shape):
    if kind == "pos":
        return _x(shape, 0.5, 3.0)
    if kind == "unit":
        return _x(shape, -0.9, 0.9)
    if kind == "gt1":
        return _x(shape, 1.1, 3.0)
    if kind == "small":
        return _x(shape, -1.0, 1.0)
    return _x(shape)


@pytest.mark.parametrize("name,kind", UNARY)
@pytest.mark.parametrize("shape", [(), (3,), (2, 3)])
def test_unary(name, kind, shape):
    a = _domain(kind, shape)
    res = getattr(np, name)(np.array(a))
    ref = getattr(onp, name)(a)
    check(res, ref, rtol=1e-5, atol=1e-6)
    assert res.dtype == (onp.bool_ if ref.dtype == onp.bool_ else onp.float32)


def test_unary_int_keeps_dtype():
    b = np.array([1, 2, 4], dtype="int32")
    check(np.sqrt(b), [1, 1, 2], dtype="int32")    # MXNet's np keeps the integer dtype
    check(-b, [-1, -2, -4], dtype="int32")
    assert np.exp(2.0) == pytest.approx(onp.exp(2.0))


BINARY = ["add", "subtract", "multiply", "divide", "true_divide", "power", "maximum", "minimum",
          "mod", "remainder", "hypot", "arctan2", "equal", "not_equal", "greater", "greater_equal",
          "less", "less_equal", "logical_and", "logical_or", "logical_xor", "floor_divide",
          "copysign", "fmax", "fmin"]


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1), (1, 5)), ((), (3,))])
def test_binary(name, shapes):
    a = _x(shapes[0], 0.5, 2.0)
    b = _x(shapes[1], 0.5, 2.0)
    res = getattr(np, name)(np.array(a), np.array(b))
    ref = getattr(onp, name)(a, b)
    check(res, ref, rtol=1e-5, atol=1e-6)
    assert res.dtype == (onp.bool_ if ref.dtype == onp.bool_ else onp.float32)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "%", "//", "==", "<", ">=", "!="])
def test_operators_with_scalars(op):
    a = _x((2, 3), 0.5, 2.0)
    x = np.array(a)
    for lhs, rhs, rl, rr in ((x, 1.5, a, onp.float32(1.5)), (2.0, x, onp.float32(2.0), a)):
        res = eval("lhs {} rhs".format(op))
        ref = eval("rl {} rr".format(op))
        check(res, ref, rtol=1e-5)


def test_binary_dtype_rules():
    i = np.array([1, 2], dtype="int32")
    f = np.array([1.0, 2.0])
    assert (i + f).dtype == onp.float32
    assert (i + 1.5).dtype == onp.int32               # MXNet: the array's dtype wins over a scalar
    assert (i / i).dtype == onp.float32               # true division of ints is float32
    assert (i * np.ones((2,), dtype="int64")).dtype == onp.int64
    assert (f * np.ones((2,), dtype="float64")).dtype == onp.float64
    assert (i > 1).dtype == onp.bool_
    check(i / 2, [0.5, 1.0], dtype="float32")


def test_broadcast_error():
    with pytest.raises(mx.MXNetError, match="broadcast"):
        np.add(np.ones((2, 3)), np.ones((4,)))


def test_inplace_ops():
    x = np.ones((2, 2))
    y = x
    x += 1
    x *= np.array([1.0, 2.0])
    assert y is x
    check(x, [[2, 4], [2, 4]])
    with pytest.raises(ValueError):
        x += np.ones((3, 2, 2))


def test_clip_where():
    a = _x((3, 4))
    check(np.clip(np.array(a), -0.5, 0.5), onp.clip(a, -0.5, 0.5))
    check(np.clip(np.array(a), None, 0.5), onp.clip(a, None, 0.5))
    check(np.where(np.array(a) > 0, np.array(a), 0.0), onp.where(a > 0, a, 0))
    check(np.where(np.array(a) > 0, 1.0, np.array(a)), onp.where(a > 0, 1, a))
    with pytest.raises(ValueError):
        np.clip(np.array(a), None, None)


# -- reductions ------------------------------------------------------------------------------

RED = ["sum", "mean", "max", "min", "prod", "std", "var", "amax", "amin", "all", "any"]


@pytest.mark.parametrize("name", RED)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False),
                                           (-1, False), (None, True)])
def test_reductions(name, axis, keepdims):
    a = _x((2, 3, 4), 0.5, 1.5)
    res = getattr(np, name)(np.array(a), axis=axis, keepdims=keepdims)
    ref = getattr(onp, name)(a, axis=axis, keepdims=keepdims)
    check(res, ref, rtol=1e-5)


def test_reduction_0d_and_dtypes():
    x = np.array([[1, 2], [3, 4]])
    s = x.sum()
    assert s.shape == () and float(s) == 10.0 and s.item() == 10.0
    assert repr(s) == "array(10.)"
    i = np.array([1, 2], dtype="int32")
    assert np.sum(i).dtype == onp.int32
    assert np.mean(i).dtype == onp.float32 and float(np.mean(i)) == 1.5
    assert np.argmax(x).dtype == onp.int64 and int(np.argmax(x)) == 3
    check(np.argmax(x, axis=1), [1, 1], dtype="int64")
    check(np.argmin(x, axis=0), [0, 0], dtype="int64")
    check(np.cumsum(x), [1, 3, 6, 10])
    check(np.cumsum(x, axis=1), [[1, 3], [3, 7]])
    check(np.std(x, ddof=1), onp.std([[1, 2], [3, 4]], ddof=1))
    check(np.average(x, axis=0, weights=np.array([1.0, 3.0])), [2.5, 3.5])
    check(np.ptp(x), 3.0)
    check(np.count_nonzero(np.array([0, 1, 2])), 2)
    with pytest.raises(mx.MXNetError):
        np.sum(x, axis=2)
    with pytest.raises(mx.MXNetError):
        np.argmax(np.zeros((0,)))


# -- shape manipulation ----------------------------------------------------------------------

A = onp.arange(24, dtype="float32").reshape(2, 3, 4)

SHAPE_CASES = [
    ("reshape", lambda m, a: m.reshape(a, (4, -1)), None),
    ("transpose", lambda m, a: m.transpose(a), None),
    ("transpose_axes", lambda m, a: m.transpose(a, (1, 0, 2)), None),
    ("swapaxes", lambda m, a: m.swapaxes(a, 0, 2), None),
    ("moveaxis", lambda m, a: m.moveaxis(a, 0, -1), None),
    ("rollaxis", lambda m, a: m.rollaxis(a, 2), None),
    ("expand_dims", lambda m, a: m.expand_dims(a, 1), None),
    ("squeeze", lambda m, a: m.squeeze(m.expand_dims(a, 0)), None),
    ("broadcast_to", lambda m, a: m.broadcast_to(a[:, :1], (2, 3, 4)), None),
    ("flip", lambda m, a: m.flip(a, 1), None),
    ("flip_all", lambda m, a: m.flip(a), None),
    ("fliplr", lambda m, a: m.fliplr(a), None),
    ("flipud", lambda m, a: m.flipud(a), None),
    ("rot90", lambda m, a: m.rot90(a[0]), None),
    ("roll", lambda m, a: m.roll(a, 2, axis=2), None),
    ("tile", lambda m, a: m.tile(a, (1, 2, 1)), None),
    ("repeat", lambda m, a: m.repeat(a, 2, axis=1), None),
    ("repeat_flat", lambda m, a: m.repeat(a, 2), None),
    ("concatenate", lambda m, a: m.concatenate([a, a], axis=2), None),
    ("stack", lambda m, a: m.stack([a, a], axis=1), None),
    ("hstack", lambda m, a: m.hstack([a, a]), None),
    ("vstack", lambda m, a: m.vstack([a, a]), None),
    ("dstack", lambda m, a: m.dstack([a, a]), None),
    ("column_stack", lambda m, a: m.column_stack([a[0, 0], a[0, 1]]), None),
    ("append", lambda m, a: m.append(a, a, axis=0), None),
    ("diagonal", lambda m, a: m.diagonal(a[0]), None),
    ("diag", lambda m, a: m.diag(a[0, 0]), None),
    ("diagflat", lambda m, a: m.diagflat(a[0, 0]), None),
    ("tril", lambda m, a: m.tril(a[0]), None),
    ("triu", lambda m, a: m.triu(a[0], 1), None),
    ("ravel", lambda m, a: m.ravel(a), None),
    ("atleast_2d", lambda m, a: m.atleast_2d(a[0, 0]), None),
    ("atleast_3d", lambda m, a: m.atleast_3d(a[0]), None),
    ("pad", lambda m, a: m.pad(a[0], ((1, 1), (0, 2))), None),
    ("take", lambda m, a: m.take(a, m.array([0, 2], dtype="int32"), axis=1), None),
    ("take_flat", lambda m, a: m.take(a, m.array([5, 1], dtype="int64")), None),
    ("trace", lambda m, a: m.trace(a[0]), None),
    ("delete", lambda m, a: m.delete(a[0], 1, axis=0), None),
]


@pytest.mark.parametrize("name,fn,_", SHAPE_CASES, ids=[c[0] for c in SHAPE_CASES])
def test_shape_ops(name, fn, _):
    check(fn(np, np.array(A)), fn(onp, A))


@pytest.mark.parametrize("npname,args", [("split", (3, 1)), ("split", ([1, 3], 2)),
                                         ("array_split", (2, 2)), ("hsplit", (3,)),
                                         ("vsplit", (2,)), ("dsplit", (2,))])
def test_splits(npname, args):
    res = getattr(np, npname)(np.array(A), *args)
    ref = getattr(onp, npname)(A, *args)
    assert len(res) == len(ref)
    for r, e in zip(res, ref):
        check(r, e)


def test_shape_errors():
    x = np.array(A)
    with pytest.raises(mx.MXNetError):
        x.reshape(5, -1)
    with pytest.raises(mx.MXNetError):
        np.concatenate([x, np.ones((2, 2, 2))], axis=0)
    with pytest.raises(mx.MXNetError):
        np.broadcast_to(x, (3, 3, 4))
    with pytest.raises(mx.MXNetError):
        np.split(x, 5, axis=1)
    with pytest.raises(mx.MXNetError):
        np.transpose(x, (0, 1))
    with pytest.raises(mx.MXNetError):
        np.squeeze(x, axis=0)


def test_ndarray_attributes():
    x = np.array(A)
    assert x.T.shape == (4, 3, 2)
    assert x.reshape(-1).shape == (24,)
    assert x.reshape(4, 6).shape == (4, 6)
    assert x.reshape((2, -1)).shape == (2, 12)
    assert x.ndim == 3 and x.size == 24 and len(x) == 2
    assert x.flatten().shape == (24,)
    assert repr(np.array([1.0, 2.0])) == "array([1., 2.])"
    assert repr(np.array([1, 2], dtype="int32")) == "array([1, 2], dtype=int32)"
    assert repr(np.array([1, 2], dtype="int64")) == "array([1, 2], dtype=int64)"
    assert repr(np.array([1, 2], dtype="float64")) == "array([1., 2.], dtype=float64)"
    assert str(np.array([1.0, 2.0])) == "[1. 2.]"
    assert type(x).__module__ == "mxnet.numpy" and type(x).__name__ == "ndarray"
    assert x.astype("int32").dtype == onp.int32
    assert x.astype("bool").dtype == onp.bool_
    assert int(np.array(3, dtype="int32")) == 3
    assert [1, 2, 3][np.array(1, dtype="int64")] == 2
    assert x.tolist() == A.tolist()
    assert onp.asarray(x).shape == A.shape
    with pytest.raises(TypeError):
        len(np.array(1.0))
    with pytest.raises(ValueError):
        bool(np.ones((2,)))
    with pytest.raises(TypeError):
        float(np.ones((2,)))


# -- indexing ---------------------------------------------------------------------------------

IDX = [
    lambda m: 0, lambda m: -1, lambda m: (1, 2), lambda m: (1, 2, 3), lambda m: slice(0, 1),
    lambda m: (slice(None), 1), lambda m: (Ellipsis, 2), lambda m: (slice(None, None, -1),),
    lambda m: (slice(None), slice(0, 3, 2)), lambda m: (None, 0), lambda m: m.array([1, 0], dtype="int32"),
    lambda m: (slice(None), m.array([[0, 2], [1, 1]], dtype="int64")),
    lambda m: (m.array([0, 1], dtype="int32"), m.array([2, 0], dtype="int32")),
]


@pytest.mark.parametrize("i", range(len(IDX)))
def test_getitem(i):
    key_mx, key_np = IDX[i](np), IDX[i](onp)
    check(np.array(A)[key_mx], A[key_np])


def test_getitem_bool_and_0d():
    x = np.array(A)
    check(x[x > 10], A[A > 10])
    v = np.array([1.0, 2.0])[0]
    assert v.shape == () and float(v) == 1.0
    with pytest.raises(IndexError):
        x[5]
    check(x[np.array([1.0, 0.0])], A[[1, 0]])       # float index arrays index as integers (MXNet)
    check(x[range(2), np.array([0, 2])], A[range(2), [0, 2]])
    with pytest.raises(IndexError):
        x[np.array([0, 5], dtype="int32")]


def test_setitem():
    x = np.zeros((3, 4))
    ref = onp.zeros((3, 4), dtype="float32")
    for key, val in [((0,), 1.0), ((slice(None), 1), np.array([1.0, 2.0, 3.0])), ((1, 2), 5),
                     ((Ellipsis, 3), 7.0)]:
        x[key] = val
        ref[key] = onp.asarray(val)
    x[np.array([0, 2], dtype="int32")] = -1.0
    ref[[0, 2]] = -1
    x[x > 4] = 0.5
    ref[ref > 4] = 0.5
    check(x, ref)
    with pytest.raises(ValueError):
        x[0] = np.ones((5,))


# -- linear algebra --------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((2, 2, 3), (3, 4)),
                                   ((2, 3, 4), (5, 4, 2)), ((), (2, 2))])
def test_dot(sa, sb):
    a, b = _x(sa), _x(sb)
    check(np.dot(np.array(a), np.array(b)), onp.dot(a, b), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                                   ((5, 2, 3), (3, 4)), ((5, 1, 2, 3), (4, 3, 2))])
def test_matmul(sa, sb):
    a, b = _x(sa), _x(sb)
    check(np.matmul(np.array(a), np.array(b)), onp.matmul(a, b), rtol=1e-5, atol=1e-5)
    check(np.array(a) @ np.array(b), a @ b, rtol=1e-5, atol=1e-5)


def test_linalg_misc():
    a, b = _x((2, 3, 4)), _x((4, 3, 5))
    check(np.tensordot(np.array(a), np.array(b), axes=([1, 2], [1, 0])),
          onp.tensordot(a, b, axes=([1, 2], [1, 0])), atol=1e-5)
    check(np.tensordot(np.array(a[0]), np.array(a[0]), axes=2), onp.tensordot(a[0], a[0]), atol=1e-5)
    for spec, ops in [("ij,jk->ik", (a[0], b[:, 0])), ("bij->bji", (a,)), ("ii", (a[0, :3, :3],)),
                      ("...j,j", (a, a[0, 0])), ("ij,ij->", (a[0], a[1]))]:
        check(np.einsum(spec, *[np.array(o) for o in ops]), onp.einsum(spec, *ops), atol=1e-5)
    v, w = _x((3,)), _x((4,))
    check(np.outer(np.array(v), np.array(w)), onp.outer(v, w))
    check(np.inner(np.array(v), np.array(v)), onp.inner(v, v), atol=1e-6)
    check(np.vdot(np.array(v), np.array(v)), onp.vdot(v, v), atol=1e-6)
    m = _x((3, 3)) + 3 * onp.eye(3, dtype="float32")
    check(np.linalg.norm(np.array(m)), onp.linalg.norm(m))
    check(np.linalg.norm(np.array(m), axis=1), onp.linalg.norm(m, axis=1))
    check(np.linalg.norm(np.array(v), ord=1), onp.linalg.norm(v, ord=1))
    check(np.linalg.norm(np.array(v), ord=onp.inf), onp.linalg.norm(v, ord=onp.inf))
    check(np.linalg.norm(np.array(m), ord=2), onp.linalg.norm(m, ord=2), rtol=1e-4)
    check(np.linalg.inv(np.array(m)), onp.linalg.inv(m), rtol=1e-4, atol=1e-5)
    check(np.linalg.det(np.array(m)), onp.linalg.det(m), rtol=1e-4)
    s = np.linalg.svd(np.array(m))
    check(s[1], onp.linalg.svd(m)[1], rtol=1e-4)
    with pytest.raises(mx.MXNetError):
        np.dot(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(mx.MXNetError):
        np.matmul(np.ones((2, 3)), np.ones((2,)))
    with pytest.raises(mx.MXNetError):
        np.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((4, 5)))


# -- sorting, sets, misc ---------------------------------------------------------------------

def test_sort_unique_misc():
    a = _x((3, 5))
    check(np.sort(np.array(a)), onp.sort(a))
    check(np.sort(np.array(a), axis=0), onp.sort(a, axis=0))
    check(np.argsort(np.array(a), axis=1), onp.argsort(a, axis=1), dtype="int64")
    u = onp.array([3, 1, 2, 3, 1], dtype="float32")
    check(np.unique(np.array(u)), onp.unique(u))
    vals, idx, inv, cnt = np.unique(np.array(u), return_index=True, return_inverse=True,
                                    return_counts=True)
    for r, e in zip((vals, idx, inv, cnt), onp.unique(u, True, True, True)):
        check(r, e)
    xs, ys = np.meshgrid(np.arange(3), np.arange(2))
    rx, ry = onp.meshgrid(onp.arange(3), onp.arange(2))
    check(xs, rx)
    check(ys, ry)
    xs, ys = np.meshgrid(np.arange(3), np.arange(2), indexing="ij")
    check(xs, onp.meshgrid(onp.arange(3), onp.arange(2), indexing="ij")[0])
    nz = np.nonzero(np.array([[0, 1], [2, 0]]))
    check(nz[0], [0, 1], dtype="int64")
    check(nz[1], [1, 0], dtype="int64")
    check(np.searchsorted(np.array([1.0, 2.0, 3.0]), np.array([2.5])), [2])
    check(np.bincount(np.array([0, 1, 1, 3], dtype="int32")), [1, 2, 0, 1])
    check(np.isclose(np.array([1.0, 2.0]), np.array([1.0, 2.1])), [True, False])
    assert np.allclose(np.array([1.0]), np.array([1.0 + 1e-9]))
    assert np.array_equal(np.array([1, 2]), np.array([1, 2]))
    check(np.diff(np.array([1.0, 4.0, 9.0])), [3.0, 5.0])
    check(np.percentile(np.array([1.0, 2.0, 3.0, 4.0]), 50), 2.5)
    check(np.interp(np.array([1.5]), np.array([1.0, 2.0]), np.array([10.0, 20.0])), [15.0])
    check(np.argwhere(np.array([0, 3, 0, 4])), [[1], [3]])
    assert np.shape(np.ones((2, 3))) == (2, 3) and np.ndim(np.ones(2)) == 1 and np.size(np.ones((2, 3))) == 6
    assert np.pi == onp.pi and np.newaxis is None and np.float32 is onp.float32


def test_spec_names_and_signatures():
    """Every mxnet.numpy / mxnet.numpy_extension name of MXNet 1.9.1 exists, functions with
    MXNet's exact signatures."""
    import inspect
    import json
    import os
    spec = os.path.join(os.path.dirname(__file__), "..", "fixtures", "spec", "mxnet-1.9.1-api.json")
    with open(spec) as f:
        d = json.load(f)["modules"]
    for modname, mod in (("mxnet.numpy", np), ("mxnet.numpy_extension", npx)):
        names = d[modname]
        assert [n for n in names if not hasattr(mod, n)] == []
        bad = [n for n, v in names.items() if v.get("kind") == "function" and v.get("signature")
               and str(inspect.signature(getattr(mod, n))) != v["signature"]]
        assert bad == [], modname
    members = d["mxnet.numpy"]["ndarray"]["members"]
    assert [m for m in members if not hasattr(np.ndarray, m)] == []


def test_more_random():
    assert np.random.multivariate_normal(np.zeros(2), np.eye(2), size=3).shape == (3, 2)
    m = np.random.multinomial(5, [0.2, 0.8], size=(4,))
    assert m.shape == (4, 2) and m.dtype == onp.int64 and (m.sum(axis=1).asnumpy() == 5).all()
    assert npx.random.normal_n(np.zeros(3), 1, batch_shape=(2,)).shape == (2, 3)
    assert npx.random.uniform_n(0, 1, batch_shape=4).shape == (4,)
    b = npx.random.bernoulli(0.5, size=(50,)).asnumpy()
    assert set(b.tolist()) <= {0.0, 1.0}
    assert np.random.gamma(2.0, 1.0, size=(3,)).shape == (3,)
    p = np.random.choice(np.array([1.0, 2.0, 3.0]), size=(5,), p=np.array([0.0, 0.0, 1.0]))
    assert p.asnumpy().tolist() == [3.0] * 5


def test_out_views_pickle_dtype():
    import pickle
    a = np.ones((2, 3))
    c = np.zeros((2, 3))
    assert np.add(a, a, out=c) is c and float(c.sum()) == 12
    assert np.sum(a, axis=0, out=np.zeros(3)).asnumpy().tolist() == [2, 2, 2]
    x = np.zeros((2, 3))
    x[0][1] = 5                   # x[0] is a view: the write reaches x
    assert float(x[0, 1]) == 5
    y = pickle.loads(pickle.dumps(x))
    assert isinstance(y, np.ndarray) and y.asnumpy().tolist() == x.asnumpy().tolist()
    assert x.dtype == onp.dtype("float32") and isinstance(x.dtype, onp.dtype)
    assert x.copy() is not x and isinstance(x.copy(), np.ndarray)
    with pytest.raises(mx.MXNetError):
        np.add(a, a, out=np.zeros((3,)))


def test_d2l_idioms():
    y_hat = np.array([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
    y = np.array([0, 2])
    check(y_hat[range(len(y_hat)), y], [0.1, 0.5])         # float label arrays index as ints
    assert float((y_hat.argmax(axis=1).astype(y.dtype) == y).sum()) == 1.0
    feats = np.arange(12).reshape(6, 2)
    check(feats[np.array([3, 1])], [[6, 7], [2, 3]])
    X = np.arange(6).reshape(2, 3)
    check(np.exp(X) / np.exp(X).sum(1, keepdims=True),
          onp.exp(onp.arange(6).reshape(2, 3)) / onp.exp(onp.arange(6).reshape(2, 3)).sum(1, keepdims=True))
    check(X.sum(axis=[0, 1]), 15.0)
    before = id(X)
    X += 1
    assert id(X) == before
    check(npx.one_hot(np.array([0, 2]), 3), onp.eye(3)[[0, 2]])


def test_np_attach_grad_takes_no_stype():
    """MXNet 1.9.1's ``mx.np.ndarray.attach_grad(grad_req='write')`` has no storage type."""
    x = mx.np.ones((2, 3))
    with pytest.raises(TypeError):
        x.attach_grad(stype="row_sparse")
    x.attach_grad("add")
    assert type(x.grad) is mx.np.ndarray and x.grad.shape == (2, 3)


def test_mean_over_no_elements_is_zero_as_mxnet():
    # MXNet 1.9.1's np.mean of an empty axis gives 0 (NumPy: NaN and a RuntimeWarning)
    import warnings
    a = mx.np.zeros((0, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert a.mean().item() == 0.0
        assert a.mean(axis=0).asnumpy().tolist() == [0.0, 0.0, 0.0]
        assert a.mean(axis=0, keepdims=True).shape == (1, 3)
        assert a.mean(axis=1).shape == (0,)
    assert mx.np.ones((2, 3)).mean(axis=1).asnumpy().tolist() == [1.0, 1.0]
