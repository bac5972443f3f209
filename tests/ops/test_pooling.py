"""Pooling: forward against a naive loop over windows (MXNet's window and divisor rules), backward
against finite differences and MXNet's recorded tie-breaking, conventions (valid/full/same),
global pooling, layouts, dtypes, errors, and mx.sym + simple_bind."""
import itertools

import numpy as np
import pytest

import mxnet as mx
from tests.ops.harness import check_forward, check_grad, run_nd

RNG = np.random.RandomState(5)


def _r(*shape, dtype=np.float32):
    return RNG.uniform(-1, 1, shape).astype(dtype)


def _windows(sp, kernel, stride, pad, convention):
    """Per output position: the clipped input slices and the divisor with/without padding."""
    nd = len(sp)
    per_dim = []
    for i in range(nd):
        h, k, s, p = sp[i], kernel[i], stride[i], pad[i]
        if convention == "valid":
            out = 1 + (h + 2 * p - k) // s
        elif convention == "full":
            out = 1 + int(np.ceil((h + 2 * p - k) / s))
        else:  # same: out = ceil(h / s), implicit padding split before/after, never counted
            out = int(np.ceil(h / s))
            p = max((out - 1) * s + k - h, 0) // 2
        dim = []
        for o in range(out):
            start = o * s - p
            end = min(start + k, h + (0 if convention == "same" else p))
            lo, hi = max(start, 0), min(end, h)
            incl = (hi - lo) if convention == "same" else (end - start)
            dim.append((slice(lo, hi), incl, hi - lo))
        per_dim.append(dim)
    return per_dim


def pool_ref(x, kernel=(), stride=(), pad=(), pool_type="max", pooling_convention="valid",
             global_pool=False, count_include_pad=None, p_value=None, layout=None, **_):
    x = x.astype(np.float64)
    last = layout in ("NWC", "NHWC", "NDHWC")
    if last:
        x = np.moveaxis(x, -1, 1)
    nd = x.ndim - 2
    sp = x.shape[2:]
    if global_pool:
        kernel, stride, pad = sp, (1,) * nd, (0,) * nd
    stride = tuple(stride) or (1,) * nd
    pad = tuple(pad) or (0,) * nd
    dims = _windows(sp, kernel, stride, pad, pooling_convention)
    y = np.zeros(x.shape[:2] + tuple(len(d) for d in dims))
    for o in itertools.product(*(range(len(d)) for d in dims)):
        win = x[(slice(None), slice(None)) + tuple(dims[i][o[i]][0] for i in range(nd))].reshape(
            x.shape[:2] + (-1,))
        if win.shape[2] == 0:      # a window of padding only (``full``): MXNet gives lowest / 0
            v = np.finfo(np.float32).min if pool_type == "max" else 0.0
        elif pool_type == "max":
            v = win.max(axis=2)
        elif pool_type == "sum":
            v = win.sum(axis=2)
        elif pool_type == "avg":
            div = max(np.prod([dims[i][o[i]][1 if count_include_pad is not False else 2] for i in range(nd)]), 1)
            v = win.sum(axis=2) / div
        else:
            v = np.sign(s := (win ** p_value).sum(axis=2)) * np.abs(s) ** (1.0 / p_value)
        y[(slice(None), slice(None)) + o] = v
    return np.moveaxis(y, 1, -1) if last else y


CASES = []
for pt in ("max", "avg", "sum"):
    for conv in ("valid", "full"):
        for k, s, p in [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 2), (1, 2), (1, 0)),
                        ((3, 3), (3, 3), (0, 0)), ((2, 3), (3, 1), (1, 2))]:
            CASES.append(((2, 3, 7, 8), dict(kernel=k, stride=s, pad=p, pool_type=pt, pooling_convention=conv)))
CASES += [
    ((2, 3, 7, 8), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", count_include_pad=False)),
    ((2, 3, 7, 8), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", count_include_pad=False,
                        pooling_convention="full")),
    ((2, 3, 7, 8), dict(kernel=(2, 2), stride=(2, 2), pool_type="lp", p_value=2)),
    ((2, 3, 7, 8), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="lp", p_value=1,
                        pooling_convention="full")),
    ((2, 3, 9), dict(kernel=(3,), stride=(2,), pad=(1,), pool_type="lp", p_value=3)),
    ((2, 3, 9), dict(kernel=(3,), stride=(2,))),
    ((2, 3, 9), dict(kernel=(4,), stride=(3,), pad=(1,), pool_type="avg", pooling_convention="full")),
    ((2, 3, 9), dict(kernel=(3,), stride=(2,), pooling_convention="same")),
    ((2, 3, 10), dict(kernel=(4,), stride=(3,), pooling_convention="same", pool_type="avg")),
    ((1, 2, 5, 4, 5), dict(kernel=(2, 2, 2), stride=(2, 1, 2), pooling_convention="full")),
    ((1, 2, 5, 4, 5), dict(kernel=(3, 2, 3), stride=(2, 2, 1), pad=(1, 0, 1), pool_type="avg")),
    ((2, 3, 5, 4), dict(global_pool=True)),
    ((2, 3, 5, 4), dict(global_pool=True, kernel=(2, 2), stride=(2, 2), pool_type="avg")),
    ((2, 3, 5), dict(global_pool=True, pool_type="sum")),
    ((1, 2, 3, 3, 4), dict(global_pool=True, pool_type="lp", p_value=2)),
    ((2, 6, 6, 3), dict(kernel=(2, 2), stride=(2, 2), layout="NHWC")),
    ((2, 6, 6, 3), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", layout="NHWC")),
    ((2, 7, 3), dict(kernel=(3,), stride=(2,), layout="NWC", pool_type="sum")),
    ((2, 3, 6, 6), dict(kernel=(2, 2), stride=(2, 2), layout="NCHW")),
    ((1, 1, 5, 5), dict(kernel=(6, 6), pad=(1, 1))),
]


@pytest.mark.parametrize("shape,kw", CASES)
def test_pooling_forward(shape, kw):
    x = _r(*shape)
    if kw.get("pool_type") == "lp" and kw.get("p_value") != 2:
        x = np.abs(x) + 0.1   # keep odd-p roots on positive sums (MXNet has no abs() either)
    check_forward("Pooling", [x], kw, lambda a: pool_ref(a, **kw), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-12), (np.float16, 1e-2)])
@pytest.mark.parametrize("pool_type", ["max", "avg", "sum"])
def test_pooling_dtypes(dtype, tol, pool_type):
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type=pool_type)
    x = _r(2, 2, 6, 6, dtype=dtype)
    got = check_forward("Pooling", [x], kw, lambda a: pool_ref(a, **kw), rtol=tol, atol=tol)
    assert got[0].dtype == dtype


@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 5, 5), dict(kernel=(2, 2), stride=(2, 2))),
    ((1, 2, 5, 5), dict(kernel=(3, 3), stride=(1, 1), pad=(1, 1))),
    ((1, 2, 5, 5), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pooling_convention="full")),
    ((1, 2, 5, 5), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg")),
    ((1, 2, 5, 5), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg", count_include_pad=False)),
    ((1, 2, 5, 5), dict(kernel=(2, 2), stride=(2, 2), pool_type="avg", pooling_convention="full")),
    ((1, 2, 5, 5), dict(kernel=(3, 2), stride=(1, 2), pool_type="sum", pooling_convention="full")),
    ((1, 2, 5, 5), dict(kernel=(2, 2), stride=(1, 1), pool_type="lp", p_value=2)),
    ((1, 2, 8), dict(kernel=(3,), stride=(2,), pool_type="lp", p_value=1, pad=(1,))),
    ((1, 2, 8), dict(kernel=(2,), stride=(2,), pool_type="lp", p_value=3)),
    ((1, 2, 9), dict(kernel=(4,), stride=(3,), pooling_convention="same")),
    ((1, 1, 3, 4, 3), dict(kernel=(2, 2, 2), stride=(1, 2, 1), pool_type="avg")),
    ((2, 2, 3, 3), dict(global_pool=True)),
    ((2, 2, 3, 3), dict(global_pool=True, pool_type="avg")),
    ((2, 2, 3, 3), dict(global_pool=True, pool_type="lp", p_value=2)),
    ((1, 4, 4, 2), dict(kernel=(2, 2), stride=(1, 1), layout="NHWC", pool_type="avg")),
])
def test_pooling_backward(shape, kw):
    x = RNG.permutation(np.prod(shape)).reshape(shape).astype(np.float64) / np.prod(shape) + 0.05
    check_grad("Pooling", [x], kw)


def test_pooling_backward_large_directional():
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max")
    check_grad("Pooling", [RNG.permutation(4 * 81).reshape(1, 4, 9, 9).astype(np.float64)], kw)


def _grad(x, **kw):
    a = mx.nd.array(x)
    a.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Pooling(a, **kw)
    y.backward(mx.nd.ones(y.shape))
    return y.asnumpy(), a.grad.asnumpy()


# Gradients recorded from MXNet 1.9.1: max routes to the first maximum of each window, in row-major
# window order; padding never wins.
TIES = [
    (np.ones((1, 1, 4, 4)), dict(kernel=(2, 2), stride=(2, 2)),
     [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [0, 0, 0, 0]]),
    (np.ones((1, 1, 4, 4)), dict(kernel=(3, 3), stride=(1, 1)),
     [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]),
    (np.ones((1, 1, 4, 4)), dict(kernel=(3, 3), stride=(1, 1), pad=(1, 1)),
     [[4, 2, 2, 0], [2, 1, 1, 0], [2, 1, 1, 0], [0, 0, 0, 0]]),
    (np.array([[[[1, 2, 2, 1], [2, 1, 1, 2], [0, 2, 2, 0], [1, 1, 1, 1]]]]), dict(kernel=(2, 2), stride=(2, 2)),
     [[0, 1, 1, 0], [0, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 0]]),
    (np.ones((1, 1, 5)), dict(kernel=(3,), stride=(2,)), [1, 0, 1, 0, 0]),
    (np.ones((1, 1, 5)), dict(kernel=(3,), stride=(1,), pad=(1,)), [2, 1, 1, 1, 0]),
    (-np.ones((1, 1, 5)), dict(kernel=(3,), stride=(2,), pooling_convention="full"), [1, 0, 1, 0, 0]),
    (-np.ones((1, 1, 5)), dict(kernel=(3,), stride=(2,), pad=(1,)), [1, 1, 0, 1, 0]),
    (np.ones((1, 1, 4, 4)), dict(global_pool=True), [[1, 0, 0, 0]] + [[0, 0, 0, 0]] * 3),
]


@pytest.mark.parametrize("x,kw,want", TIES)
def test_max_pooling_ties_follow_mxnet(x, kw, want):
    _, g = _grad(x, **kw)
    np.testing.assert_array_equal(g.reshape(np.shape(want)), np.array(want, dtype=np.float32))


def test_lp_pooling_zero_output_gradient_matches_mxnet():
    x = np.array([[[0., 0, 1, -1, -1, 0]]])
    y, g = _grad(x, kernel=(2,), stride=(2,), pool_type="lp", p_value=1)
    np.testing.assert_array_equal(y.ravel(), [0, 0, -1])
    np.testing.assert_array_equal(g.ravel(), [1, 1, 1, 1, 1, 1])
    y, g = _grad(x, kernel=(2,), stride=(2,), pool_type="lp", p_value=2)
    np.testing.assert_allclose(y.ravel(), [0, np.sqrt(2), 1], rtol=1e-6)
    np.testing.assert_allclose(g.ravel(), [0, 0, 1 / np.sqrt(2), -1 / np.sqrt(2), -1, 0], rtol=1e-6)
    y, g = _grad(x, kernel=(2,), stride=(2,), pool_type="lp", p_value=3)
    np.testing.assert_array_equal(y.ravel(), [0, 0, -1])
    np.testing.assert_array_equal(g.ravel(), [0, 0, 0, 0, 1, 0])


def test_avg_full_with_padding_matches_mxnet_native():
    """MXNet's native kernels (the fixture's reference): windows clipped at input+pad, and the
    backward is the exact derivative of that forward."""
    y, g = _grad(np.arange(16.).reshape(1, 1, 4, 4), kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                 pool_type="avg", pooling_convention="full")
    np.testing.assert_allclose(y[0, 0], [[10 / 9, 24 / 9, 10 / 6], [51 / 9, 10, 33 / 6], [25 / 6, 7, 15 / 4]],
                               rtol=1e-6)
    np.testing.assert_allclose(g[0, 0], [[1 / 9, 2 / 9, 1 / 9, 5 / 18], [2 / 9, 4 / 9, 2 / 9, 5 / 9],
                                         [1 / 9, 2 / 9, 1 / 9, 5 / 18], [5 / 18, 5 / 9, 5 / 18, 25 / 36]],
                               rtol=1e-6)


def test_output_shapes():
    def shape(h, **kw):
        return run_nd("Pooling", [np.zeros((1, 1, h), np.float32)], **kw)[0].shape[2]
    # (H, kernel, stride, pad) -> (valid, full), as MXNet 1.9.1 reports them
    for (h, k, s, p), (v, f) in {(7, 2, 2, 0): (3, 4), (7, 3, 2, 1): (4, 4), (8, 3, 3, 0): (2, 3),
                                 (5, 3, 1, 1): (5, 5), (6, 4, 4, 1): (2, 2), (7, 3, 2, 0): (3, 3)}.items():
        kw = dict(kernel=(k,), stride=(s,), pad=(p,))
        assert shape(h, **kw) == v
        assert shape(h, pooling_convention="full", **kw) == f
    assert shape(14, kernel=(4,), stride=(3,), pooling_convention="same") == 5


@pytest.mark.parametrize("shape,kw,match", [
    ((1, 1, 5, 5), dict(), "kernel is required"),
    ((1, 1, 5, 5), dict(kernel=(2,)), "3D in"),
    ((1, 1, 5, 5, 5), dict(kernel=(2, 2)), "4D in"),
    ((1, 1, 5, 5), dict(kernel=(6, 6)), "exceeds the input"),
    ((1, 1, 5, 5), dict(kernel=(3, 3), pad=(3, 3)), "smaller than kernel"),
    ((1, 1, 5, 5), dict(kernel=(3, 3), pad=(1,)), "pad"),
    ((1, 1, 5, 5), dict(kernel=(3, 3), stride=(2, 2, 2)), "stride"),
    ((1, 1, 5, 5), dict(kernel=(3, 3), stride=(0, 1)), "stride"),
    ((1, 1, 5, 5), dict(kernel=(2, 2), pool_type="lp"), "p_value"),
    ((1, 1, 5, 5), dict(kernel=(2, 2), pool_type="lp", p_value=4), "p_value=4"),
    ((1, 1, 5, 5), dict(kernel=(2, 2), pooling_convention="same"), "1-D"),
    ((1, 1, 5), dict(kernel=(2,), pad=(1,), pooling_convention="same"), "pad"),
    ((1, 1, 5), dict(kernel=(2,), layout="NCHW"), "layout"),
    ((5, 5), dict(global_pool=True), "3D"),
    ((1, 1, 2, 2, 2, 2), dict(global_pool=True), "5D"),
    ((1, 1, 5, 5), dict(kernel=(2, 2), pool_type="median"), "pool_type"),
])
def test_pooling_errors(shape, kw, match):
    with pytest.raises(mx.MXNetError, match=match):
        mx.nd.Pooling(mx.nd.ones(shape), **kw).asnumpy()


def test_pooling_rejects_integer_data():
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4), dtype="int32"), kernel=(2, 2)).asnumpy()


def test_pooling_symbolic_forward_backward():
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max", pooling_convention="full")
    s = mx.sym.Pooling(mx.sym.Variable("data"), name="pool", **kw)
    assert s.list_arguments() == ["data"] and s.list_outputs() == ["pool_output"]
    assert s.infer_shape(data=(2, 3, 8, 8))[1] == [(2, 3, 5, 5)]
    ex = s.simple_bind(mx.cpu(), data=(2, 3, 8, 8))
    x = RNG.permutation(2 * 3 * 64).reshape(2, 3, 8, 8).astype(np.float32)
    y = ex.forward(is_train=True, data=x)[0].asnumpy()
    np.testing.assert_array_equal(y, pool_ref(x, **kw))
    head = _r(*y.shape)
    ex.backward(mx.nd.array(head))
    # each output's head gradient lands on its window's arg-max
    want = np.zeros_like(x)
    xp = np.pad(x, [(0, 0), (0, 0), (1, 2), (1, 2)], constant_values=-np.inf)
    for n, c, i, j in itertools.product(range(2), range(3), range(5), range(5)):
        win = xp[n, c, 2 * i:2 * i + 3, 2 * j:2 * j + 3]
        a, b = np.unravel_index(np.argmax(win), win.shape)
        want[n, c, 2 * i + a - 1, 2 * j + b - 1] += head[n, c, i, j]
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), want, rtol=1e-6)


@pytest.mark.parametrize("kw,n_out", [
    (dict(kernel=(2, 2), pool_type="max"), 2),
    (dict(kernel=(2, 2, 2), pool_type="max", pooling_convention="full"), 2),
    (dict(kernel=(2, 2), global_pool=True), 2),
    (dict(global_pool=True, pool_type="max"), 1),
    (dict(kernel=(2, 2), pool_type="max", layout="NHWC"), 1),
    (dict(kernel=(2, 2), pool_type="avg"), 1),
    (dict(kernel=(2, 2), pool_type="sum"), 1),
    (dict(kernel=(2,), pool_type="lp", p_value=2), 1),
])
def test_hidden_workspace_output_as_in_mxnet_json(kw, n_out):
    """MXNet 1.9.1 (oneDNN build) gives max pooling a hidden second output; symbol JSON counts it."""
    import json
    s = mx.sym.Pooling(mx.sym.Variable("data"), name="p", **kw)
    assert s.list_outputs() == ["p_output"]
    assert json.loads(s.tojson())["node_row_ptr"] == [0, 1, 1 + n_out]
    shape = (1, 4, 4, 2) if kw.get("layout") == "NHWC" else (1, 2) + (4,) * (len(kw.get("kernel", ())) or 2)
    y = mx.nd.Pooling(mx.nd.ones(shape), **kw)
    assert isinstance(y, mx.nd.NDArray)
