"""ROIPooling, GridGenerator, BilinearSampler, SpatialTransformer, Crop and Correlation: forward
against MXNet 1.9.1 literals and loop-based NumPy references, backward against finite differences,
shape inference, errors and the symbolic path."""
import math

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op
from tests.ops.harness import check_forward, check_grad, run_nd


def _u(rs, *shape, lo=-1.0, hi=1.0, dtype=np.float32):
    return rs.uniform(lo, hi, shape).astype(dtype)


def _bind_check(sym, shapes, values, heads=None):
    """simple_bind forward + backward; returns (outputs, grads) as NumPy."""
    ex = sym.simple_bind(mx.cpu(), **shapes)
    for k, v in values.items():
        ex.arg_dict[k][:] = v
    outs = [o.asnumpy() for o in ex.forward(is_train=True)]
    if heads is None:
        heads = [np.ones_like(o) for o in outs]
    ex.backward([mx.nd.array(h) for h in heads])
    return outs, {k: v.asnumpy() for k, v in ex.grad_dict.items()}


def _nd_grads(op_name, ins, kw, head):
    nds = [mx.nd.array(a, dtype=a.dtype) for a in ins]
    for a in nds:
        a.attach_grad()
    with mx.autograd.record():
        out = getattr(mx.nd, op_name)(*nds, **kw)
    out.backward(mx.nd.array(head))
    return [a.grad.asnumpy() for a in nds]


# -- ROIPooling --------------------------------------------------------------------------------


def np_roi_pool(data, rois, pooled, scale):
    N, C, H, W = data.shape
    PH, PW = pooled
    out = np.zeros((len(rois), C, PH, PW), dtype=data.dtype)
    for r, roi in enumerate(rois):
        b = int(roi[0])
        x1, y1, x2, y2 = (int(math.floor(abs(v * scale) + 0.5) * np.sign(v)) for v in roi[1:])
        rh, rw = max(y2 - y1 + 1, 1), max(x2 - x1 + 1, 1)
        for ph in range(PH):
            for pw in range(PW):
                hs = min(max(int(math.floor(ph * rh / PH)) + y1, 0), H)
                he = min(max(int(math.ceil((ph + 1) * rh / PH)) + y1, 0), H)
                ws = min(max(int(math.floor(pw * rw / PW)) + x1, 0), W)
                we = min(max(int(math.ceil((pw + 1) * rw / PW)) + x1, 0), W)
                if he > hs and we > ws:
                    out[r, :, ph, pw] = data[b, :, hs:he, ws:we].max(axis=(1, 2))
    return out


ROIS = np.array([[0, 1.2, 0.7, 9.6, 6.3], [1, 3, 3, 3, 3], [1, -2, 0, 20, 30], [0, 5.5, 2.5, 10.5, 11.5]],
                dtype=np.float32)


def test_roi_pooling_matches_mxnet():
    data = np.random.RandomState(5).uniform(-1, 1, (2, 2, 6, 7)).astype(np.float32)
    kw = dict(pooled_size=(2, 3), spatial_scale=0.5)
    want = [0.7414646, 0.8372218, 0.4768806, -0.17153, 0.2575758, 0.2575758, 0.8454992, 0.9629375, 0.9629375,
            0.6496214, 0.6333204, 0.6238048, 0.9702736, 0.9702736, 0.9702736, 0.9702736, 0.9702736, 0.9702736,
            0.1787478, 0.1787478, 0.1787478, 0.1787478, 0.1787478, 0.1787478, 0.9702736, 0.9486989, 0, 0, 0, 0,
            0.6514117, 0.9730029, 0, 0, 0, 0, -0.3448721, 0.4768806, 0.1596756, 0.2795903, 0.9712488, 0.5590292,
            0.132164, 0.2707124, 0.6238048, 0.8870802, 0.590175, 0.6871099]
    got = run_nd("ROIPooling", [data, ROIS], **kw)
    assert len(got) == 1 and got[0].shape == (4, 2, 2, 3)
    np.testing.assert_allclose(got[0].ravel(), want, rtol=1e-6)
    np.testing.assert_allclose(got[0], np_roi_pool(data, ROIS, (2, 3), 0.5))
    grad = _nd_grads("ROIPooling", [data, ROIS], kw, np.ones((4, 2, 2, 3), np.float32))
    nz = {1: 1, 3: 1, 11: 2, 16: 1, 18: 2, 19: 1, 24: 1, 33: 1, 38: 1, 39: 1, 43: 1, 46: 2, 58: 1, 59: 1, 60: 1,
          61: 2, 64: 1, 74: 1, 80: 1, 82: 1, 100: 7, 123: 1, 142: 6, 148: 1, 150: 1}
    want_g = np.zeros(data.size)
    want_g[list(nz)] = list(nz.values())
    np.testing.assert_array_equal(grad[0].ravel(), want_g)
    np.testing.assert_array_equal(grad[1], 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("pooled,scale", [((3, 2), 0.5), ((2, 4), 0.3), ((1, 1), 1.0)])
def test_roi_pooling_reference(pooled, scale, dtype):
    rs = np.random.RandomState(6)
    data = _u(rs, 2, 3, 8, 9, dtype=dtype)
    rois = ROIS.astype(dtype)
    got = check_forward("ROIPooling", [data, rois], dict(pooled_size=pooled, spatial_scale=scale),
                        np_roi_pool(data, rois, pooled, scale))
    assert got[0].dtype == dtype


def test_roi_pooling_grad():
    rs = np.random.RandomState(7)
    check_grad("ROIPooling", [rs.uniform(-1, 1, (2, 2, 5, 6)), ROIS[:3].astype(np.float64)],
               dict(pooled_size=(2, 2), spatial_scale=0.5), wrt=[0])


def test_roi_pooling_errors_and_symbol():
    op = get_op("ROIPooling")
    with pytest.raises(mx.MXNetError, match="rois"):
        op.infer_shapes(op.parse(dict(pooled_size=(2, 2), spatial_scale=1.0)), [(1, 2, 4, 4), (3, 4)])
    with pytest.raises(mx.MXNetError, match="data"):
        op.infer_shapes(op.parse(dict(pooled_size=(2, 2), spatial_scale=1.0)), [(2, 4, 4), (3, 5)])
    with pytest.raises(mx.MXNetError, match="spatial_scale"):
        mx.nd.ROIPooling(mx.nd.ones((1, 1, 4, 4)), mx.nd.ones((1, 5)), pooled_size=(2, 2))
    sym = mx.sym.ROIPooling(mx.sym.var("data"), mx.sym.var("rois"), pooled_size=(2, 3), spatial_scale=0.5, name="r")
    assert sym.list_outputs() == ["r_output"]
    data = np.random.RandomState(5).uniform(-1, 1, (2, 2, 6, 7)).astype(np.float32)
    outs, grads = _bind_check(sym, dict(data=data.shape, rois=ROIS.shape), dict(data=data, rois=ROIS))
    np.testing.assert_allclose(outs[0], np_roi_pool(data, ROIS, (2, 3), 0.5))
    assert grads["data"].sum() == 4 * 2 * 2 * 3 - 8     # every non-empty bin routes its 1 somewhere
    np.testing.assert_array_equal(grads["rois"], 0)


# -- GridGenerator -----------------------------------------------------------------------------


def np_affine_grid(theta, h, w):
    ys, xs = np.meshgrid(np.linspace(-1, 1, h), np.linspace(-1, 1, w), indexing="ij")
    src = np.stack([xs.ravel(), ys.ravel(), np.ones(h * w)])
    return np.einsum("nij,jk->nik", theta.reshape(-1, 2, 3).astype(np.float64), src).reshape(-1, 2, h, w)


def np_warp_grid(flow):
    n, _, h, w = flow.shape
    ys, xs = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    out = np.empty(flow.shape)
    out[:, 0] = (flow[:, 0] + xs) / ((w - 1) / 2.0) - 1
    out[:, 1] = (flow[:, 1] + ys) / ((h - 1) / 2.0) - 1
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_grid_generator(dtype):
    rs = np.random.RandomState(8)
    theta = _u(rs, 2, 6, dtype=dtype)
    got = check_forward("GridGenerator", [theta], dict(transform_type="affine", target_shape=(3, 4)),
                        np_affine_grid(theta, 3, 4))
    assert got[0].dtype == dtype
    flow = _u(rs, 2, 2, 4, 5, lo=-2, hi=2, dtype=dtype)
    check_forward("GridGenerator", [flow], dict(transform_type="warp"), np_warp_grid(flow), rtol=1e-5, atol=1e-5)
    check_grad("GridGenerator", [theta.astype(np.float64)], dict(transform_type="affine", target_shape=(3, 4)))
    check_grad("GridGenerator", [flow.astype(np.float64)], dict(transform_type="warp"))


def test_grid_generator_errors_and_symbol():
    op = get_op("GridGenerator")
    with pytest.raises(mx.MXNetError, match="target_shape"):
        op.infer_shapes(op.parse(dict(transform_type="affine")), [(2, 6)])
    with pytest.raises(mx.MXNetError, match="6"):
        op.infer_shapes(op.parse(dict(transform_type="affine", target_shape=(2, 2))), [(2, 5)])
    with pytest.raises(mx.MXNetError, match="warp"):
        op.infer_shapes(op.parse(dict(transform_type="warp")), [(2, 3, 4, 4)])
    sym = mx.sym.GridGenerator(mx.sym.var("data"), transform_type="affine", target_shape=(3, 4))
    theta = np.array([[1, 0, 0, 0, 1, 0], [0.5, 0.2, 0.1, -0.3, 0.8, 0.0]], np.float32)
    outs, grads = _bind_check(sym, dict(data=(2, 6)), dict(data=theta))
    np.testing.assert_allclose(outs[0], np_affine_grid(theta, 3, 4), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(grads["data"], np.tile([0, 0, 12, 0, 0, 12], (2, 1)), atol=1e-5)


# -- BilinearSampler and SpatialTransformer ----------------------------------------------------


def np_bilinear(data, grid):
    N, C, H, W = data.shape
    _, _, Ho, Wo = grid.shape
    out = np.zeros((N, C, Ho, Wo))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                x = (grid[n, 0, i, j] + 1) * (W - 1) / 2.0
                y = (grid[n, 1, i, j] + 1) * (H - 1) / 2.0
                x0, y0 = int(math.floor(x)), int(math.floor(y))
                for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                    if 0 <= yy < H and 0 <= xx < W:
                        out[n, :, i, j] += data[n, :, yy, xx] * (1 - abs(y - yy)) * (1 - abs(x - xx))
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bilinear_sampler(dtype):
    rs = np.random.RandomState(9)
    data = _u(rs, 2, 3, 5, 6, dtype=dtype)
    grid = _u(rs, 2, 2, 4, 3, lo=-1.3, hi=1.3, dtype=dtype)
    got = check_forward("BilinearSampler", [data, grid], {}, np_bilinear(data, grid), rtol=1e-5, atol=1e-6)
    assert got[0].dtype == dtype
    # the identity grid reproduces the data
    ident = np_affine_grid(np.tile([1, 0, 0, 0, 1, 0], (2, 1)), 5, 6).astype(dtype)
    check_forward("BilinearSampler", [data, ident], {}, data, rtol=1e-5, atol=1e-6)
    check_grad("BilinearSampler", [data[:1, :2].astype(np.float64), grid[:1].astype(np.float64)], {})


def test_bilinear_sampler_errors_and_symbol():
    op = get_op("BilinearSampler")
    with pytest.raises(mx.MXNetError, match="grid"):
        op.infer_shapes(op.parse({}), [(2, 3, 5, 6), (2, 3, 3, 4)])
    with pytest.raises(mx.MXNetError, match="batch"):
        op.infer_shapes(op.parse({}), [(2, 3, 5, 6), (3, 2, 3, 4)])
    sym = mx.sym.BilinearSampler(mx.sym.var("data"), mx.sym.var("grid"), name="bs")
    rs = np.random.RandomState(10)
    data, grid = _u(rs, 1, 2, 4, 5), _u(rs, 1, 2, 3, 3)
    head = _u(rs, 1, 2, 3, 3)
    outs, grads = _bind_check(sym, dict(data=data.shape, grid=grid.shape), dict(data=data, grid=grid), [head])
    np.testing.assert_allclose(outs[0], np_bilinear(data, grid), rtol=1e-5, atol=1e-6)
    want = _nd_grads("BilinearSampler", [data, grid], {}, head)
    np.testing.assert_allclose(grads["data"], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads["grid"], want[1], rtol=1e-5, atol=1e-6)


ST_KW = dict(target_shape=(4, 3), transform_type="affine", sampler_type="bilinear")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_spatial_transformer(dtype):
    rs = np.random.RandomState(11)
    data = _u(rs, 2, 3, 5, 6, dtype=dtype)
    loc = (np.array([0.9, 0.1, 0.05, -0.1, 0.8, 0.1]) + 0.1 * rs.uniform(-1, 1, (2, 6))).astype(dtype)
    want = np_bilinear(data, np_affine_grid(loc, 4, 3))
    got = check_forward("SpatialTransformer", [data, loc], ST_KW, want, rtol=1e-5, atol=1e-6)
    assert got[0].dtype == dtype
    ident = np.tile([1, 0, 0, 0, 1, 0], (2, 1)).astype(dtype)
    check_forward("SpatialTransformer", [data, ident], dict(ST_KW, target_shape=(5, 6)), data, rtol=1e-5, atol=1e-6)
    check_grad("SpatialTransformer", [data[:1, :2].astype(np.float64), loc[:1].astype(np.float64)], ST_KW)


def test_spatial_transformer_errors_and_symbol():
    op = get_op("SpatialTransformer")
    with pytest.raises(mx.MXNetError, match="target_shape"):
        op.infer_shapes(op.parse(dict(transform_type="affine", sampler_type="bilinear")), [(2, 3, 5, 6), (2, 6)])
    with pytest.raises(mx.MXNetError, match="loc"):
        op.infer_shapes(op.parse(ST_KW), [(2, 3, 5, 6), (2, 5)])
    with pytest.raises(mx.MXNetError, match="sampler_type"):
        mx.nd.SpatialTransformer(mx.nd.ones((1, 1, 3, 3)), mx.nd.ones((1, 6)), target_shape=(2, 2),
                                 transform_type="affine", sampler_type="nearest")
    ins, outs, _ = op.infer_shapes(op.parse(ST_KW), [(2, 3, 5, 6), None])
    assert ins[1] == (2, 6) and outs == [(2, 3, 4, 3)]
    sym = mx.sym.SpatialTransformer(mx.sym.var("data"), mx.sym.var("loc"), name="st", **ST_KW)
    rs = np.random.RandomState(12)
    data = _u(rs, 2, 2, 5, 6)
    loc = np.tile([0.9, 0.1, 0.05, -0.1, 0.8, 0.1], (2, 1)).astype(np.float32)
    head = _u(rs, 2, 2, 4, 3)
    outs, grads = _bind_check(sym, dict(data=data.shape), dict(data=data, loc=loc), [head])
    np.testing.assert_allclose(outs[0], np_bilinear(data, np_affine_grid(loc, 4, 3)), rtol=1e-5, atol=1e-6)
    want = _nd_grads("SpatialTransformer", [data, loc], ST_KW, head)
    np.testing.assert_allclose(grads["data"], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads["loc"], want[1], rtol=1e-4, atol=1e-5)


# -- Crop --------------------------------------------------------------------------------------

CROP_CASES = [  # (kwargs, second input shape or None, expected slice)
    (dict(num_args=2), (2, 3, 3, 4), (slice(0, 3), slice(0, 4))),
    (dict(num_args=2, offset=(1, 2)), (2, 3, 3, 4), (slice(1, 4), slice(2, 6))),
    (dict(num_args=2, center_crop=True), (2, 3, 3, 4), (slice(1, 4), slice(1, 5))),
    (dict(num_args=1, h_w=(2, 3), offset=(1, 2)), None, (slice(1, 3), slice(2, 5))),
    (dict(num_args=1, h_w=(2, 2), center_crop=True), None, (slice(2, 4), slice(2, 4))),
    (dict(num_args=1, h_w=(6, 7)), None, (slice(0, 6), slice(0, 7))),
]


@pytest.mark.parametrize("kw,like,sl", CROP_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_crop(kw, like, sl, dtype):
    rs = np.random.RandomState(13)
    x = _u(rs, 2, 3, 6, 7, dtype=dtype)
    ins = [x] + ([] if like is None else [np.zeros(like, dtype=dtype)])
    got = check_forward("Crop", ins, kw, x[:, :, sl[0], sl[1]])
    assert got[0].dtype == dtype
    check_grad("Crop", [a[:1, :1].astype(np.float64) for a in ins], kw, wrt=[0])


@pytest.mark.parametrize("kw,shapes,match", [
    (dict(num_args=1), [(2, 1, 6, 7)], "h_w"),
    (dict(num_args=1, h_w=(7, 3)), [(2, 1, 6, 7)], "exceeds"),
    (dict(num_args=1, h_w=(2, 2), offset=(5, 0)), [(2, 1, 6, 7)], "offset"),
    (dict(num_args=1, h_w=(2, 2)), [(2, 6, 7)], "4-D"),
    (dict(num_args=2), [(2, 1, 6, 7), (2, 1, 8, 8)], "exceeds"),
])
def test_crop_errors(kw, shapes, match):
    op = get_op("Crop")
    with pytest.raises(mx.MXNetError, match=match):
        op.infer_shape(op.parse(kw), shapes)


def test_crop_symbol():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    sym = mx.sym.Crop(a, b, num_args=2, center_crop=True, name="c")
    assert sym.list_arguments() == ["a", "b"] and sym.list_outputs() == ["c_output"]
    x = np.arange(2 * 6 * 7, dtype=np.float32).reshape(2, 1, 6, 7)
    outs, grads = _bind_check(sym, dict(a=x.shape, b=(2, 1, 3, 4)), dict(a=x, b=np.zeros((2, 1, 3, 4), np.float32)))
    np.testing.assert_array_equal(outs[0], x[:, :, 1:4, 1:5])
    want = np.zeros_like(x)
    want[:, :, 1:4, 1:5] = 1
    np.testing.assert_array_equal(grads["a"], want)
    np.testing.assert_array_equal(grads["b"], 0)
    one = mx.sym.Crop(a, num_args=1, h_w=(2, 3), offset=(1, 2))
    assert one.infer_shape(a=(2, 1, 6, 7))[1] == [(2, 1, 2, 3)]


# -- Correlation -------------------------------------------------------------------------------


def np_correlation(a, b, kernel_size=1, max_displacement=1, stride1=1, stride2=1, pad_size=0, is_multiply=True):
    N, C, H, W = a.shape
    k, md, s1, s2, p = kernel_size, max_displacement, stride1, stride2, pad_size
    ap = np.pad(a.astype(np.float64), ((0, 0), (0, 0), (p, p), (p, p)))
    bp = np.pad(b.astype(np.float64), ((0, 0), (0, 0), (p, p), (p, p)))
    border = md + (k - 1) // 2
    th = int(math.ceil((H + 2 * p - 2 * border) / s1))
    tw = int(math.ceil((W + 2 * p - 2 * border) / s1))
    rad = md // s2
    gw = 2 * rad + 1
    out = np.zeros((N, gw * gw, th, tw))
    for i in range(th):
        for j in range(tw):
            y1, x1 = i * s1 + md, j * s1 + md
            for tc in range(gw * gw):
                y2 = y1 + (tc // gw - rad) * s2
                x2 = x1 + (tc % gw - rad) * s2
                p1 = ap[:, :, y1:y1 + k, x1:x1 + k]
                p2 = bp[:, :, y2:y2 + k, x2:x2 + k]
                v = p1 * p2 if is_multiply else np.abs(p1 - p2)
                out[:, tc, i, j] = v.sum(axis=(1, 2, 3)) / (k * k * C)
    return out


CORR_MX = [  # kwargs, MXNet 1.9.1 output for data RandomState(6): a, b = uniform(-1, 1, (1, 2, 5, 6)) x 2
    (dict(kernel_size=3, max_displacement=1, stride1=2, stride2=1, pad_size=1),
     [0.02167851, 0.0387179, 0.04669154, 0.1032844, -0.03368947, -0.008311631, -0.1155427, -0.06454132, 0.05737752,
      -0.02144437, 0.08419964, 0.0674785, -0.1151873, 0.03894883, -0.09178826, 0.01291166, 0.0982032, 0.02632342,
      0.01252609, -0.04136036, -0.04161518, -0.09464119, -0.04290251, -0.02142928, 0.1013071, -0.03914031,
      0.04722122, 0.002828707, -0.07088333, 0.001290182, -0.118451, -0.01104599, 0.0254366, 0.04918711,
      -0.04887179, 0.01885968]),
    (dict(kernel_size=1, max_displacement=2, stride2=2, is_multiply=False),
     [0.5733752, 0.3503132, 0.4375295, 0.925959, 0.4408354, 0.5725203, 0.9113588, 0.9865314, 0.4625989,
      0.9863483, 0.7681565, 0.7173854, 0.4323461, 0.7721702, 0.4224215, 0.588856, 0.4783641, 0.5792433]),
]


@pytest.mark.parametrize("kw,want", CORR_MX)
def test_correlation_matches_mxnet(kw, want):
    rs = np.random.RandomState(6)
    a, b = _u(rs, 1, 2, 5, 6), _u(rs, 1, 2, 5, 6)
    got = run_nd("Correlation", [a, b], **kw)[0]
    np.testing.assert_allclose(got.ravel(), want, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got, np_correlation(a, b, **kw), rtol=1e-5, atol=1e-7)


CORR_CASES = [
    dict(),
    dict(kernel_size=3, max_displacement=2, stride1=2, stride2=2, pad_size=1),
    dict(kernel_size=3, max_displacement=2, pad_size=2, is_multiply=False),
    dict(kernel_size=1, max_displacement=3, stride1=2, stride2=3),
]


@pytest.mark.parametrize("kw", CORR_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_correlation(kw, dtype):
    rs = np.random.RandomState(14)
    a, b = _u(rs, 2, 3, 8, 9, dtype=dtype), _u(rs, 2, 3, 8, 9, dtype=dtype)
    got = check_forward("Correlation", [a, b], kw, np_correlation(a, b, **kw), rtol=1e-5, atol=1e-6)
    assert got[0].dtype == dtype
    check_grad("Correlation", [a[:1, :2].astype(np.float64), b[:1, :2].astype(np.float64)], kw)


def test_correlation_errors_and_symbol():
    op = get_op("Correlation")
    with pytest.raises(mx.MXNetError, match="fit"):
        op.infer_shapes(op.parse(dict(max_displacement=5)), [(2, 3, 8, 8), (2, 3, 8, 8)])
    with pytest.raises(mx.MXNetError, match="data2"):
        op.infer_shapes(op.parse({}), [(2, 3, 8, 8), (2, 3, 8, 7)])
    with pytest.raises(mx.MXNetError, match="kernel_size"):
        mx.nd.Correlation(mx.nd.ones((1, 1, 4, 4)), mx.nd.ones((1, 1, 4, 4)), kernel_size=-1)
    sym = mx.sym.Correlation(mx.sym.var("data1"), mx.sym.var("data2"), kernel_size=3, max_displacement=1,
                             pad_size=1, name="co")
    assert sym.list_outputs() == ["co_output"]
    assert sym.infer_shape(data1=(2, 3, 8, 8))[1] == [(2, 9, 6, 6)]
    rs = np.random.RandomState(15)
    a, b = _u(rs, 1, 2, 5, 6), _u(rs, 1, 2, 5, 6)
    head = _u(rs, 1, 9, 3, 4)
    outs, grads = _bind_check(sym, dict(data1=a.shape, data2=b.shape), dict(data1=a, data2=b), [head])
    np.testing.assert_allclose(outs[0], np_correlation(a, b, kernel_size=3, pad_size=1), rtol=1e-5, atol=1e-6)
    want = _nd_grads("Correlation", [a, b], dict(kernel_size=3, max_displacement=1, pad_size=1), head)
    np.testing.assert_allclose(grads["data1"], want[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads["data2"], want[1], rtol=1e-5, atol=1e-6)
