"""Reductions and broadcasts: forward vs NumPy, backward vs finite differences, MXNet 1.9.1
golden cases, legacy shape rules, dtype rules and the quirks checked against real MXNet."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd, golden_cases, check_golden_case, nd_function

SHAPE = (2, 3, 4)

# -- golden cases from MXNet 1.9.1 ---------------------------------------------------------------

_GOLDEN = golden_cases({"sum", "mean", "max", "min", "prod", "norm", "argmax"})


@pytest.mark.parametrize("case", _GOLDEN, ids=[c["id"] for c in _GOLDEN])
def test_golden(case):
    check_golden_case(case)


def test_golden_cases_present():
    assert len(_GOLDEN) == 15

# -- forward vs NumPy ----------------------------------------------------------------------------


def _ref_axes(ndim, axis, exclude):
    if axis is None or axis == ():
        return tuple(range(ndim))
    ax = (axis,) if isinstance(axis, int) else tuple(axis)
    ax = tuple(sorted(a % ndim for a in ax))
    return tuple(i for i in range(ndim) if i not in ax) if exclude else ax


def _ref_reduce(kind, x, axis, keepdims, exclude):
    axes = _ref_axes(x.ndim, axis, exclude)
    if kind in ("nansum", "nanprod") and x.dtype.kind == "f":
        x = np.where(np.isnan(x), 0.0 if kind == "nansum" else 1.0, x).astype(x.dtype)
    if kind in ("sum", "nansum"):
        r = np.sum(x, axis=axes, keepdims=True, dtype=x.dtype)
    elif kind in ("prod", "nanprod"):
        r = np.prod(x, axis=axes, keepdims=True, dtype=x.dtype)
    elif kind == "mean":
        n = int(np.prod([x.shape[a] for a in axes]))
        s = np.sum(x, axis=axes, keepdims=True, dtype=x.dtype)
        r = s / x.dtype.type(n) if x.dtype.kind == "f" else (np.trunc(s / n)).astype(x.dtype)
    elif kind == "max":
        r = np.max(x, axis=axes, keepdims=True)
    else:
        r = np.min(x, axis=axes, keepdims=True)
    if not keepdims:
        r = r.reshape([s for i, s in enumerate(x.shape) if i not in axes] or [1])
    return r.astype(x.dtype)


# (axis, keepdims, exclude)
AXES = [(None, False, False), (None, True, False), (1, False, False), (-1, True, False),
        ((0, 2), False, False), ((2, 0), True, False), ((), False, False), (1, False, True),
        ((0, -1), True, True), ((0, 1, 2), False, True)]
REDUCE_OPS = ["sum", "mean", "prod", "max", "min", "nansum", "nanprod"]


def _data(dtype, seed=0, shape=SHAPE):
    rng = np.random.RandomState(seed)
    if np.dtype(dtype).kind == "f":
        return rng.uniform(-2, 2, shape).astype(dtype)
    return rng.randint(-4, 5, shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("axis,keepdims,exclude", AXES)
@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce_forward(op, axis, keepdims, exclude, dtype):
    x = _data(dtype)
    kw = {"axis": axis, "keepdims": keepdims, "exclude": exclude}
    got = check_forward(op, [x], kw, lambda x: _ref_reduce(op, x, axis, keepdims, exclude),
                        rtol=1e-5 if dtype != "float64" else 1e-12)
    assert got[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("axis,keepdims,exclude", AXES[:5] + AXES[7:9])
@pytest.mark.parametrize("op", REDUCE_OPS)
def test_reduce_grad(op, axis, keepdims, exclude):
    rng = np.random.RandomState(1)
    # distinct magnitudes away from 0: no ties for max/min, well-conditioned prod
    x = rng.permutation(np.arange(1, 25)).reshape(SHAPE) * 0.1 * rng.choice([-1, 1], SHAPE)
    check_grad(op, [x], {"axis": axis, "keepdims": keepdims, "exclude": exclude})


def test_legacy_shapes():
    x = _data("float32")
    assert run_nd("sum", [x])[0].shape == (1,)
    assert run_nd("sum", [x], keepdims=True)[0].shape == (1, 1, 1)
    assert run_nd("sum", [x], axis=())[0].shape == (1,)
    assert run_nd("sum", [x], axis=(), exclude=True)[0].shape == (1,)
    # excluding every axis reduces nothing
    np.testing.assert_array_equal(run_nd("sum", [x], axis=(0, 1, 2), exclude=True)[0], x)
    v = np.array([1.0, 2.0, 3.0], np.float32)
    assert run_nd("mean", [v], axis=0)[0].shape == (1,)
    assert run_nd("max", [v], axis=0, keepdims=True)[0].shape == (1,)


def test_axis_string_and_list_forms():
    x = _data("float32")
    exp = x.sum(axis=(1, 2))
    np.testing.assert_allclose(run_nd("sum", [x], axis="(1, 2)")[0], exp, rtol=1e-5)
    np.testing.assert_allclose(run_nd("sum", [x], axis=[1, 2])[0], exp, rtol=1e-5)


@pytest.mark.parametrize("op", REDUCE_OPS + ["norm"])
@pytest.mark.parametrize("axis", [3, -4, (0, 0), (0, -3)])
def test_reduce_bad_axis(op, axis):
    with pytest.raises(mx.MXNetError, match=op):
        run_nd(op, [_data("float32")], axis=axis)


def test_int_dtypes():
    xi = np.arange(24, dtype=np.int32).reshape(SHAPE)
    np.testing.assert_array_equal(run_nd("mean", [xi], axis=1)[0], [[4, 5, 6, 7], [16, 17, 18, 19]])
    # integer mean truncates toward zero, like MXNet
    m = run_nd("mean", [np.array([[1, 2], [-1, -2]], np.int32)], axis=1)[0]
    np.testing.assert_array_equal(m, [1, -1])
    assert m.dtype == np.int32
    # int8 sums wrap around in the input type (MXNet: 276 -> 20)
    s = run_nd("sum", [np.arange(24, dtype=np.int8).reshape(SHAPE)])[0]
    assert s.dtype == np.int8 and s[0] == 20
    assert run_nd("sum", [xi.astype(np.int64)], axis=0)[0].dtype == np.int64


def test_float16_accumulation():
    # sums accumulate in float32; mean divides the float16-rounded sum (overflow -> inf) as MXNet does
    assert run_nd("sum", [np.ones(4096, np.float16)])[0][0] == 4096
    assert run_nd("mean", [np.ones(4096, np.float16)])[0][0] == 1
    r = run_nd("mean", [np.array([[30000, 40000]], np.float16)], axis=1)[0]
    assert r.dtype == np.float16 and np.isinf(r[0])


def test_nan_handling():
    x = np.array([[1, np.nan, 3], [np.nan, 2, 1]], np.float32)
    np.testing.assert_array_equal(run_nd("nansum", [x], axis=1)[0], [4, 3])
    np.testing.assert_array_equal(run_nd("nanprod", [x], axis=1)[0], [3, 2])
    assert np.isnan(run_nd("sum", [x], axis=1)[0]).all()
    assert np.isnan(run_nd("max", [x], axis=1)[0]).all()
    assert np.isnan(run_nd("min", [x], axis=1)[0]).all()
    assert run_nd("nansum", [np.full((1, 2), np.nan, np.float32)], axis=1)[0][0] == 0


def _vjp(op, x, head, **kw):
    o = get_op(op)
    attrs = o.parse(kw)
    env = OpEnv(np, False, mx.cpu())
    outs = list(o.forward(env, attrs, [x], []))
    return o.backward(env, attrs, [x], outs, [np.asarray(head, x.dtype)], [True])[0]


def test_extremum_grad_ties():
    # MXNet gives every tied maximum (minimum) the whole head gradient
    g = _vjp("max", np.array([[1, 3, 3], [2, 2, 1]], np.float32), [1, 1], axis=1)
    np.testing.assert_array_equal(g, [[0, 1, 1], [1, 1, 0]])
    g = _vjp("min", np.array([[1, 3, 1], [2, 2, 1]], np.float32), [1, 1], axis=1)
    np.testing.assert_array_equal(g, [[1, 0, 1], [0, 0, 1]])
    g = _vjp("max", np.array([[1, 3, 3], [2, 3, 1]], np.float32), [2])
    np.testing.assert_array_equal(g, [[0, 2, 2], [0, 2, 0]])
    # a NaN maximum matches nothing: zero gradient on that row
    g = _vjp("max", np.array([[1, np.nan, 3], [2, 2, 1]], np.float32), [1, 1], axis=1)
    np.testing.assert_array_equal(g, [[0, 0, 0], [1, 1, 0]])


def test_prod_nan_grads_match_mxnet():
    x = np.array([[1, 0, 3], [2, 0, 0], [2, 3, 4]], np.float32)
    g = _vjp("prod", x, [1, 1, 1], axis=1)
    np.testing.assert_array_equal(g, [[0, np.nan, 0], [0, np.nan, np.nan], [12, 8, 6]])
    x = np.array([[1, np.nan, 3], [2, 0, np.nan], [2, 3, 4]], np.float32)
    np.testing.assert_array_equal(_vjp("nanprod", x, [1, 1, 1], axis=1),
                                  [[3, 0, 1], [0, np.nan, 0], [12, 8, 6]])
    np.testing.assert_array_equal(_vjp("nansum", x, [1, 1, 1], axis=1), [[1, 0, 1], [1, 1, 0], [1, 1, 1]])


def test_int_grads():
    x = np.array([[0, 0, -1], [3, -4, 0]], np.int32)
    g = _vjp("mean", x, [3, 3], axis=1)
    np.testing.assert_array_equal(g, [[1, 1, 1], [1, 1, 1]])
    assert g.dtype == np.int32
    np.testing.assert_array_equal(_vjp("max", x, [1, 1], axis=1), [[1, 1, 0], [1, 0, 0]])


def test_aliases_and_fluent():
    x = _data("float32")
    for alias, op in [("sum_axis", "sum"), ("max_axis", "max"), ("min_axis", "min")]:
        assert get_op(alias) is get_op(op)
        np.testing.assert_array_equal(run_nd(alias, [x], axis=1)[0], run_nd(op, [x], axis=1)[0])
    a = mx.nd.array(x)
    np.testing.assert_allclose(a.sum(axis=1).asnumpy(), x.sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(a.mean().asnumpy(), [x.mean()], rtol=1e-5)
    np.testing.assert_array_equal(a.max(axis=(0, 2)).asnumpy(), x.max(axis=(0, 2)))
    np.testing.assert_array_equal(a.argmax(axis=1).asnumpy(), x.argmax(axis=1))
    np.testing.assert_allclose(a.norm().asnumpy(), [np.linalg.norm(x)], rtol=1e-5)
    assert hasattr(mx.nd, "nansum") and hasattr(mx.nd, "nanprod")


def test_autograd_sum_mean():
    x = mx.nd.array(_data("float32"))
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.sum(x, axis=1) * 2 + mx.nd.mean(x)  # (2, 4) + (1,): mean gets 8 head ones
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), np.full(SHAPE, 2 + 8 / 24.0), rtol=1e-6)

# -- norm ----------------------------------------------------------------------------------------


def _ref_norm(x, ord, axis, keepdims):
    axes = _ref_axes(x.ndim, axis, False)
    xd = x.astype(np.float64)
    r = np.abs(xd).sum(axis=axes, keepdims=True) if ord == 1 else np.sqrt((xd * xd).sum(axis=axes, keepdims=True))
    if not keepdims:
        r = r.reshape([s for i, s in enumerate(x.shape) if i not in axes] or [1])
    return r


NORM_CASES = [(2, None, False), (2, None, True), (1, None, False), (2, 1, False), (1, 1, True),
              (2, -1, True), (2, (0, 2), False), (1, (2, 0), True), (2, (), False)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ord,axis,keepdims", NORM_CASES)
def test_norm_forward(ord, axis, keepdims, dtype):
    got = check_forward("norm", [_data(dtype)], {"ord": ord, "axis": axis, "keepdims": keepdims},
                        lambda x: _ref_norm(x, ord, axis, keepdims),
                        rtol=1e-5 if dtype == "float32" else 1e-12)
    assert got[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("ord,axis,keepdims", NORM_CASES)
def test_norm_grad(ord, axis, keepdims):
    x = np.random.RandomState(3).uniform(0.2, 1.0, SHAPE) * np.random.RandomState(4).choice([-1, 1], SHAPE)
    check_grad("norm", [x], {"ord": ord, "axis": axis, "keepdims": keepdims})


def test_norm_special_values():
    # scaled L2: no overflow for large float32 values
    r = run_nd("norm", [np.array([[1e30, 1e30]], np.float32)], axis=1)[0]
    np.testing.assert_allclose(r, [np.sqrt(2) * 1e30], rtol=1e-6)
    assert run_nd("norm", [np.zeros((2, 3), np.float32)], axis=1)[0].tolist() == [0, 0]
    # zero norm: MXNet's gradient x / norm is NaN there
    g = _vjp("norm", np.array([[0, 0, 0], [3, 4, 0]], np.float32), [1, 1], axis=1)
    assert np.isnan(g[0]).all()
    np.testing.assert_allclose(g[1], [0.6, 0.8, 0], rtol=1e-6)
    g = _vjp("norm", np.array([[0, 0, -1], [3, -4, 0]], np.float32), [1, 1], axis=1, ord=1)
    np.testing.assert_array_equal(g, [[0, 0, -1], [1, -1, 0]])


def test_norm_int_quirk():
    # MXNet 1.9.1's integer L2 norm is max|x| * sqrt(count of max|x|), truncated
    x = np.array([[3, 3], [3, -3], [0, 0], [-5, 1], [1, 2]], np.int32)
    for dt in (np.int32, np.int64):
        r = run_nd("norm", [x.astype(dt)], axis=1)[0]
        assert r.dtype == dt
        np.testing.assert_array_equal(r, [4, 4, 0, 5, 2])
    np.testing.assert_array_equal(run_nd("norm", [x], axis=1, ord=1)[0], [6, 6, 0, 6, 3])


def test_norm_out_dtype_and_errors():
    x = _data("float32")
    r = run_nd("norm", [x], axis=1, out_dtype="float32")[0]
    assert r.dtype == np.float32
    # neomx also honours an out_dtype that differs from the input (MXNet 1.9.1 fails at run time)
    r = run_nd("norm", [x], axis=1, out_dtype="float64")[0]
    assert r.dtype == np.float64
    np.testing.assert_allclose(r, _ref_norm(x, 2, 1, False), rtol=1e-6)
    for ord in (0, 3):
        with pytest.raises(mx.MXNetError, match="ord"):
            run_nd("norm", [x], ord=ord)
    with pytest.raises(mx.MXNetError, match="out_dtype"):
        run_nd("norm", [x], out_dtype="complex64")

# -- argmax / argmin / argmax_channel -------------------------------------------------------------


ARG_CASES = [(None, False), (None, True), (0, False), (1, True), (-1, False), (-3, True)]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("axis,keepdims", ARG_CASES)
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_arg_forward(op, axis, keepdims, dtype):
    x = np.random.RandomState(5).permutation(24).reshape(SHAPE).astype(dtype)
    f = np.argmax if op == "argmax" else np.argmin

    def ref(x):
        if axis is None:
            return np.full((1,) * (x.ndim if keepdims else 1), f(x))
        return f(x, axis=axis).reshape([1 if i == axis % x.ndim else s for i, s in enumerate(x.shape)]
                                       if keepdims else [s for i, s in enumerate(x.shape) if i != axis % x.ndim])
    got = check_forward(op, [x], {"axis": axis, "keepdims": keepdims}, ref)
    assert got[0].dtype == np.dtype(dtype)   # MXNet returns indices in the input dtype


def test_arg_ties_nan_grad_errors():
    x = np.array([[1, 3, 3], [2, 2, 1]], np.float32)
    np.testing.assert_array_equal(run_nd("argmax", [x], axis=1)[0], [1, 0])
    np.testing.assert_array_equal(run_nd("argmin", [np.array([[1, 3, 1], [2, 2, 1]], np.float32)], axis=1)[0], [0, 2])
    xn = np.array([[1, np.nan, 3], [np.nan, 2, 1]], np.float32)
    np.testing.assert_array_equal(run_nd("argmax", [xn], axis=1)[0], [1, 0])
    np.testing.assert_array_equal(run_nd("argmin", [xn], axis=1)[0], [1, 0])
    assert not _vjp("argmax", x, [1, 1], axis=1).any()
    with pytest.raises(mx.MXNetError, match="argmax"):
        run_nd("argmax", [x], axis=2)
    with pytest.raises(mx.MXNetError, match="axis"):
        run_nd("argmin", [x], axis=(0, 1))


def test_argmax_channel():
    x = np.random.RandomState(6).permutation(24).reshape(SHAPE).astype(np.float32)
    check_forward("argmax_channel", [x], {}, lambda x: x.argmax(axis=1).astype(np.float32))
    check_forward("argmax_channel", [np.array([[1, 5, 2], [7, 1, 1]], np.float32)], {}, np.array([1, 0]))
    assert run_nd("argmax_channel", [x.astype(np.int32)])[0].dtype == np.int32
    assert get_op("argmax_channel").backward is None
    with pytest.raises(mx.MXNetError, match="argmax_channel"):
        run_nd("argmax_channel", [np.array([1, 5, 2], np.float32)])

# -- broadcasts ----------------------------------------------------------------------------------


BCAST_CASES = [
    ("broadcast_to", [(2, 1, 3)], {"shape": (2, 4, 3)}, (2, 4, 3)),
    ("broadcast_to", [(2, 1, 3)], {"shape": (0, 4, 0)}, (2, 4, 3)),
    ("broadcast_to", [(1, 1, 1)], {"shape": (2, 3, 2)}, (2, 3, 2)),
    ("broadcast_to", [(2, 1, 3)], {"shape": (2, 1, 3)}, (2, 1, 3)),
    ("broadcast_axis", [(2, 1, 3)], {"axis": 1, "size": 4}, (2, 4, 3)),
    ("broadcast_axis", [(1, 1, 3)], {"axis": (0, 1), "size": (2, 4)}, (2, 4, 3)),
    ("broadcast_axis", [(2, 1, 3)], {}, (2, 1, 3)),
    ("broadcast_axes", [(1, 3, 1)], {"axis": (2,), "size": (5,)}, (1, 3, 5)),
    ("broadcast_like", [(2, 1, 3), (2, 4, 3)], {}, (2, 4, 3)),
    ("broadcast_like", [(1, 3), (4, 5, 6)], {"lhs_axes": (0,), "rhs_axes": (2,)}, (6, 3)),
    ("broadcast_like", [(1, 3), (4, 5, 6)], {"lhs_axes": (-2,), "rhs_axes": (-1,)}, (6, 3)),
    ("broadcast_like", [(1, 1), (4, 5, 6)], {"lhs_axes": (0, 1), "rhs_axes": (2, 0)}, (6, 4)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("op,shapes,kw,out", BCAST_CASES)
def test_broadcast_forward(op, shapes, kw, out, dtype):
    xs = [_data(dtype, i, s) for i, s in enumerate(shapes)]
    got = check_forward(op, xs, kw, lambda *xs: np.broadcast_to(xs[0], out))
    assert got[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("op,shapes,kw,out", BCAST_CASES)
def test_broadcast_grad(op, shapes, kw, out):
    xs = [np.random.RandomState(i).uniform(-1, 1, s) for i, s in enumerate(shapes)]
    grads = check_grad(op, xs, kw, wrt=[0])
    if len(xs) == 2:   # rhs of broadcast_like only lends its shape
        g = get_op(op).backward(OpEnv(np), get_op(op).parse(kw), xs, [np.zeros(out)], [np.ones(out)],
                                [True, True])
        assert g[1].shape == xs[1].shape and not g[1].any()
    assert grads[0].shape == shapes[0]


def test_broadcast_like_keeps_lhs_dtype():
    r = run_nd("broadcast_like", [np.ones((1, 3), np.int32), np.ones((4, 3), np.float32)])[0]
    assert r.dtype == np.int32 and r.shape == (4, 3)


def test_broadcast_size_zero_and_grad_dtype():
    assert run_nd("broadcast_axis", [np.ones((2, 1, 3), np.float32)], axis=1, size=0)[0].shape == (2, 0, 3)
    o = get_op("broadcast_to")
    g = o.backward(OpEnv(np), o.parse({"shape": (2, 4, 3)}), [np.ones((2, 1, 3), np.int32)], [None],
                   [np.ones((2, 4, 3), np.int32)], [True])[0]
    assert g.dtype == np.int32 and g.shape == (2, 1, 3) and (g == 4).all()


@pytest.mark.parametrize("op,shapes,kw", [
    ("broadcast_to", [(2, 1, 3)], {"shape": (5, 2, 4, 3)}),
    ("broadcast_to", [(2, 1, 3)], {"shape": (4, 3)}),
    ("broadcast_to", [(2, 1, 3)], {"shape": (3, 4, 3)}),
    ("broadcast_to", [(2, 1, 3)], {}),
    ("broadcast_to", [(2, 1, 3)], {"shape": (2, -1, 3)}),
    ("broadcast_axis", [(2, 1, 3)], {"axis": -2, "size": 4}),
    ("broadcast_axis", [(2, 1, 3)], {"axis": 0, "size": 4}),
    ("broadcast_axis", [(2, 1, 3)], {"axis": 3, "size": 4}),
    ("broadcast_axis", [(2, 1, 3)], {"axis": (0, 1), "size": (4,)}),
    ("broadcast_axis", [(1, 1, 3)], {"axis": (0, 0), "size": (2, 4)}),
    ("broadcast_like", [(2, 1, 3), (5, 2, 4, 3)], {}),
    ("broadcast_like", [(2, 1, 3), (2, 4, 5)], {}),
    ("broadcast_like", [(2, 3), (4, 5, 6)], {"lhs_axes": (0,), "rhs_axes": (2,)}),
    ("broadcast_like", [(1, 3), (4, 5, 6)], {"lhs_axes": (0,), "rhs_axes": (2, 1)}),
    ("broadcast_like", [(1, 3), (4, 5, 6)], {"lhs_axes": (0,)}),
    ("broadcast_like", [(1, 3), (4, 3)], {"lhs_axes": (), "rhs_axes": ()}),
    ("broadcast_like", [(1, 3), (4, 5, 6)], {"lhs_axes": (2,), "rhs_axes": (0,)}),
])
def test_broadcast_errors(op, shapes, kw):
    xs = [np.ones(s, np.float32) for s in shapes]
    with pytest.raises(mx.MXNetError, match=op.replace("axes", "axis")):
        run_nd(op, xs, **kw)


def test_broadcast_alias():
    assert get_op("broadcast_axes") is get_op("broadcast_axis")
    assert nd_function("broadcast_axes").op is get_op("broadcast_axis")


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "max", "min"])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.int32])
@pytest.mark.parametrize("kw", [{"axis": 0, "exclude": True}, {"axis": (1, 2)}, {"axis": 1, "keepdims": True}])
def test_reducing_axes_of_length_one(name, dtype, kw):
    # the loss layers' mean(loss (n, 1), exclude=True) reduces only length-1 axes: a shortcut
    rng = np.random.RandomState(1)
    x = (rng.randn(4, 1, 1) * 10).astype(dtype)
    if dtype != np.int32:
        x[2, 0, 0] = np.nan
    axes = (1, 2) if kw.get("exclude") or kw.get("axis") == (1, 2) else (1,)
    want = getattr(np, name)(x.astype(np.float64), axis=axes, keepdims=kw.get("keepdims", False))
    got = getattr(mx.nd, name)(mx.nd.array(x, dtype=dtype), **kw)
    assert got.dtype == dtype
    np.testing.assert_array_equal(got.asnumpy(), want.astype(dtype))
    if name in ("sum", "mean") and dtype != np.int32:
        a = mx.nd.array(x, dtype=dtype)
        a.attach_grad()
        with mx.autograd.record():
            y = getattr(mx.nd, name)(a, **kw)
        head = mx.nd.array(rng.randn(*y.shape), dtype=dtype)
        y.backward(head)
        np.testing.assert_array_equal(a.grad.asnumpy(), head.asnumpy().reshape(x.shape))
