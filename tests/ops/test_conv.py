"""Convolution, Deconvolution and UpSampling: forward against naive NumPy loops, backward against
finite differences, the parameter grid (1-D/2-D/3-D, stride, pad, dilate, groups, adj,
target_shape), shape inference, errors, and the symbolic path (mx.sym + simple_bind)."""
import itertools

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops import conv as conv_mod
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd

RNG = np.random.RandomState(11)


@pytest.fixture(autouse=True, params=["batch_major", "batch_last"])
def column_layout(request, monkeypatch):
    """Every test runs with both column layouts of the im2col kernels (normally picked by size)."""
    monkeypatch.setattr(conv_mod, "_FORCE_LAYOUT", request.param)
    return request.param


def _r(*shape, dtype=np.float32):
    return RNG.uniform(-1, 1, shape).astype(dtype)


def _fill(v, nd, default):
    return tuple(v) if v else (default,) * nd


# -- naive references (loops over output / input positions) ------------------------------------

def conv_ref(x, w, b=None, kernel=None, stride=(), pad=(), dilate=(), num_group=1, **_):
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    nd = x.ndim - 2
    k = w.shape[2:]
    s, p, d = _fill(stride, nd, 1), _fill(pad, nd, 0), _fill(dilate, nd, 1)
    n, c = x.shape[:2]
    f = w.shape[0]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(q, q) for q in p])
    out = tuple((xp.shape[2 + i] - (d[i] * (k[i] - 1) + 1)) // s[i] + 1 for i in range(nd))
    y = np.zeros((n, f) + out)
    cg, fg = c // num_group, f // num_group
    for o in itertools.product(*(range(v) for v in out)):
        for g in range(num_group):
            sl = tuple(slice(o[i] * s[i], o[i] * s[i] + d[i] * (k[i] - 1) + 1, d[i]) for i in range(nd))
            patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + sl]            # (n, cg, *k)
            wg = w[g * fg:(g + 1) * fg]                                            # (fg, cg, *k)
            y[(slice(None), slice(g * fg, (g + 1) * fg)) + o] = patch.reshape(n, -1) @ wg.reshape(fg, -1).T
    if b is not None:
        y += b.reshape((f,) + (1,) * nd)
    return y


def deconv_ref(x, w, b=None, kernel=None, stride=(), pad=(), dilate=(), adj=(), target_shape=(),
               num_group=1, num_filter=None, **_):
    """Scatter every input pixel times the kernel into the output (the definition)."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    nd = x.ndim - 2
    k = w.shape[2:]
    s, p, d, a = _fill(stride, nd, 1), _fill(pad, nd, 0), _fill(dilate, nd, 1), _fill(adj, nd, 0)
    n, c = x.shape[:2]
    sp = x.shape[2:]
    dk = tuple(d[i] * (k[i] - 1) + 1 for i in range(nd))
    if target_shape:
        total = [s[i] * (sp[i] - 1) + dk[i] for i in range(nd)]
        a = tuple((total[i] - target_shape[i]) % 2 for i in range(nd))
        p = tuple((total[i] - target_shape[i] + 1) // 2 for i in range(nd))
    full = tuple(s[i] * (sp[i] - 1) + dk[i] + a[i] for i in range(nd))
    cg, fg = c // num_group, w.shape[1]
    f = fg * num_group
    buf = np.zeros((n, f) + full)
    for i in itertools.product(*(range(v) for v in sp)):
        for kk in itertools.product(*(range(v) for v in k)):
            pos = tuple(i[j] * s[j] + kk[j] * d[j] for j in range(nd))
            for g in range(num_group):
                xv = x[(slice(None), slice(g * cg, (g + 1) * cg)) + i]              # (n, cg)
                wv = w[(slice(g * cg, (g + 1) * cg), slice(None)) + kk]           # (cg, fg)
                buf[(slice(None), slice(g * fg, (g + 1) * fg)) + pos] += xv @ wv
    out = tuple(full[i] - 2 * p[i] for i in range(nd))
    y = buf[(slice(None), slice(None)) + tuple(slice(p[i], p[i] + out[i]) for i in range(nd))]
    if b is not None:
        y = y + b.reshape((f,) + (1,) * nd)
    return y


# -- Convolution --------------------------------------------------------------------------------

CONV_CASES = [  # (data shape, kwargs)
    ((2, 3, 7, 7), dict(kernel=(3, 3), num_filter=4)),
    ((2, 3, 7, 6), dict(kernel=(3, 2), stride=(2, 1), pad=(1, 0), num_filter=5)),
    ((1, 2, 9, 9), dict(kernel=(3, 3), dilate=(2, 2), pad=(1, 1), num_filter=3)),
    ((2, 4, 6, 6), dict(kernel=(3, 3), num_filter=6, num_group=2)),
    ((2, 4, 6, 6), dict(kernel=(3, 3), pad=(1, 1), num_filter=4, num_group=4, no_bias=True)),
    ((2, 4, 5, 5), dict(kernel=(1, 1), num_filter=3)),
    ((2, 4, 6, 6), dict(kernel=(1, 1), stride=(2, 2), num_filter=3)),
    ((2, 3, 10), dict(kernel=(3,), stride=(2,), pad=(1,), num_filter=4)),
    ((2, 4, 11), dict(kernel=(2,), dilate=(3,), num_filter=2, num_group=2)),
    ((1, 2, 5, 5, 5), dict(kernel=(2, 2, 2), num_filter=3)),
    ((1, 2, 5, 6, 4), dict(kernel=(3, 2, 2), stride=(2, 1, 2), pad=(1, 0, 1), dilate=(1, 2, 1), num_filter=4,
                           num_group=2)),
    ((2, 1, 12, 12), dict(kernel=(5, 5), num_filter=4, layout="NCHW", workspace=64, cudnn_tune="fastest")),
    ((2, 3, 4, 4), dict(kernel=(4, 4), pad=(2, 2), stride=(3, 3), num_filter=2)),
]


def _conv_inputs(shape, kw, dtype=np.float32, deconv=False):
    nd = len(kw["kernel"])
    c = shape[1]
    g = kw.get("num_group", 1)
    f = kw["num_filter"]
    w = _r(*((c, f // g) if deconv else (f, c // g)) + tuple(kw["kernel"]), dtype=dtype)
    ins = [_r(*shape, dtype=dtype), w]
    if not kw.get("no_bias", deconv):
        ins.append(_r(f, dtype=dtype))
    assert nd == len(shape) - 2
    return ins


@pytest.mark.parametrize("shape,kw", CONV_CASES)
def test_convolution_forward(shape, kw):
    ins = _conv_inputs(shape, kw)
    check_forward("Convolution", ins, kw, lambda *a: conv_ref(*a, **kw), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape,kw", CONV_CASES[:5] + CONV_CASES[7:11])
def test_convolution_slice_loop_path(shape, kw, monkeypatch):
    """The im2col path used where the array module has no as_strided."""
    monkeypatch.setattr(conv_mod, "_USE_AS_STRIDED", False)
    ins = _conv_inputs(shape, kw)
    check_forward("Convolution", ins, kw, lambda *a: conv_ref(*a, **kw), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype,rtol", [(np.float64, 1e-10), (np.float16, 2e-2)])
def test_convolution_dtypes(dtype, rtol):
    kw = dict(kernel=(3, 3), num_filter=3, pad=(1, 1))
    ins = _conv_inputs((2, 2, 5, 5), kw, dtype=dtype)
    got = check_forward("Convolution", ins, kw, lambda *a: conv_ref(*a, **kw), rtol=rtol, atol=rtol)
    assert got[0].dtype == dtype


def test_convolution_float32_stays_float32():
    kw = dict(kernel=(3, 3), num_filter=2)
    op = get_op("Convolution")
    env = OpEnv(np, True, mx.cpu())
    ins = _conv_inputs((1, 2, 5, 5), kw)
    y = op.forward(env, op.parse(kw), ins, [])[0]
    assert y.dtype == np.float32
    gs = op.backward(env, op.parse(kw), ins, [y], [np.ones_like(y)], [True, True, True])
    assert all(g.dtype == np.float32 for g in gs)


@pytest.mark.parametrize("shape,kw", [
    ((1, 2, 5, 5), dict(kernel=(3, 3), num_filter=2)),
    ((2, 2, 5, 4), dict(kernel=(2, 3), stride=(2, 1), pad=(1, 1), dilate=(1, 2), num_filter=2)),
    ((1, 4, 4, 4), dict(kernel=(3, 3), pad=(1, 1), num_filter=4, num_group=2)),
    ((2, 2, 7), dict(kernel=(3,), stride=(2,), pad=(1,), num_filter=3)),
    ((1, 2, 3, 4, 3), dict(kernel=(2, 2, 2), pad=(1, 0, 0), stride=(1, 2, 1), num_filter=2, no_bias=True)),
])
def test_convolution_backward(shape, kw):
    check_grad("Convolution", _conv_inputs(shape, kw), kw)


def test_convolution_backward_large_directional():
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), num_filter=4, num_group=2)
    check_grad("Convolution", _conv_inputs((3, 4, 9, 9), kw), kw)


def test_convolution_infer_shape():
    s = mx.sym.Convolution(mx.sym.Variable("data"), kernel=(3, 3), num_filter=8, num_group=2, name="c")
    assert s.list_arguments() == ["data", "c_weight", "c_bias"]
    args, outs, _ = s.infer_shape(data=(2, 4, 9, 9))
    assert args == [(2, 4, 9, 9), (8, 2, 3, 3), (8,)] and outs == [(2, 8, 7, 7)]
    s = mx.sym.Convolution(mx.sym.Variable("data"), kernel=(3,), num_filter=8, no_bias=True, name="c")
    assert s.list_arguments() == ["data", "c_weight"]
    assert s.infer_shape(data=(2, 4, 9))[1] == [(2, 8, 7)]


@pytest.mark.parametrize("data,weight,kw,match", [
    ((2, 3, 5, 5), (4, 3, 7, 7), dict(kernel=(7, 7), num_filter=4), "larger than the padded input"),
    ((2, 3, 5, 5), (4, 3, 3, 3), dict(kernel=(3, 3), dilate=(3, 3), num_filter=4), "larger than the padded input"),
    ((2, 3, 5, 5), (5, 1, 3, 3), dict(kernel=(3, 3), num_filter=5, num_group=3), "num_filter=5 is not divisible"),
    ((2, 4, 5, 5), (6, 1, 3, 3), dict(kernel=(3, 3), num_filter=6, num_group=3), "channels .* not divisible"),
    ((2, 4, 5), (6, 4, 3, 3), dict(kernel=(3, 3), num_filter=6), "must be 4-D"),
    ((2, 3, 5, 5), (4, 3, 3, 2), dict(kernel=(3, 3), num_filter=4), "weight"),
    ((2, 3, 5, 5), (4, 3, 3, 3), dict(kernel=(3, 3), stride=(1, 1, 1), num_filter=4), "stride"),
    ((2, 3, 5, 5), (4, 3, 3, 3), dict(kernel=(3, 3), pad=(1,), num_filter=4), "pad"),
    ((2, 3, 5, 5), (4, 3, 3, 3), dict(kernel=(3, 3), stride=(0, 1), num_filter=4), "stride"),
    ((2, 5, 5, 3), (4, 3, 3, 3), dict(kernel=(3, 3), num_filter=4, layout="NHWC"), "NHWC"),
    ((2, 3, 5, 5), (4, 3, 3, 3), dict(kernel=(3, 3), num_filter=4, layout="NCW"), "layout"),
    ((1, 1, 5, 5, 5, 5), (1, 1, 2, 2, 2, 2), dict(kernel=(2, 2, 2, 2), num_filter=1), "1-D, 2-D and 3-D"),
])
def test_convolution_errors(data, weight, kw, match):
    ins = [mx.nd.ones(data), mx.nd.ones(weight)]
    if not kw.get("no_bias"):
        ins.append(mx.nd.ones((kw["num_filter"],)))
    with pytest.raises(mx.MXNetError, match=match):
        mx.nd.Convolution(*ins, **kw).asnumpy()


def test_convolution_param_errors():
    with pytest.raises(mx.MXNetError, match="num_filter"):
        mx.nd.Convolution(mx.nd.ones((1, 1, 3, 3)), mx.nd.ones((1, 1, 1, 1)), mx.nd.ones((1,)),
                          kernel=(1, 1), num_filter=0)
    with pytest.raises(mx.MXNetError, match="kernel"):
        mx.nd.Convolution(mx.nd.ones((1, 1, 3, 3)), mx.nd.ones((1, 1, 1, 1)), mx.nd.ones((1,)), num_filter=1)
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.Convolution(mx.nd.ones((1, 1, 3, 3), dtype="int32"), mx.nd.ones((1, 1, 1, 1), dtype="int32"),
                          mx.nd.ones((1,), dtype="int32"), kernel=(1, 1), num_filter=1)


def test_convolution_symbolic_forward_backward():
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), num_filter=4, num_group=2)
    data = mx.sym.Variable("data")
    s = mx.sym.Convolution(data, name="conv", **kw)
    ex = s.simple_bind(mx.cpu(), data=(2, 4, 7, 7))
    x, w, b = _conv_inputs((2, 4, 7, 7), kw)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["conv_weight"][:] = w
    ex.arg_dict["conv_bias"][:] = b
    y = ex.forward(is_train=True)[0].asnumpy()
    np.testing.assert_allclose(y, conv_ref(x, w, b, **kw), rtol=1e-4, atol=1e-5)
    head = _r(*y.shape)
    ex.backward(mx.nd.array(head))
    # gradients of sum(head * conv(x, w, b)): the bias gradient sums the head, and the data and
    # weight gradients satisfy <head, conv(x, w)> = <dx, x> = <dw, w> (conv is bilinear).
    gx, gw, gb = (ex.grad_dict[n].asnumpy() for n in ("data", "conv_weight", "conv_bias"))
    np.testing.assert_allclose(gb, head.sum(axis=(0, 2, 3)), rtol=1e-4, atol=1e-5)
    inner = float((head * conv_ref(x, w, None, **kw)).sum())
    np.testing.assert_allclose(float((gx * x).sum()), inner, rtol=1e-4)
    np.testing.assert_allclose(float((gw * w).sum()), inner, rtol=1e-4)


# -- Deconvolution ------------------------------------------------------------------------------

DECONV_CASES = [
    ((2, 3, 4, 4), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), adj=(1, 1), num_filter=2)),
    ((2, 4, 3, 3), dict(kernel=(2, 2), stride=(2, 2), num_filter=2, num_group=2, no_bias=False)),
    ((1, 2, 3, 3), dict(kernel=(3, 3), stride=(2, 2), num_filter=3, target_shape=(6, 6))),
    ((1, 2, 4, 4), dict(kernel=(4, 4), stride=(2, 2), num_filter=3, target_shape=(7, 8), no_bias=False)),
    ((1, 2, 3, 3), dict(kernel=(3, 3), stride=(2, 2), dilate=(2, 2), num_filter=3)),
    ((2, 2, 5), dict(kernel=(3,), stride=(3,), pad=(1,), adj=(2,), num_filter=4, no_bias=False)),
    ((1, 2, 3, 2, 3), dict(kernel=(2, 3, 2), stride=(2, 1, 2), pad=(0, 1, 1), num_filter=2, no_bias=False)),
    ((2, 3, 3, 4), dict(kernel=(1, 1), num_filter=2)),
    ((2, 4, 3, 3), dict(kernel=(3, 3), num_filter=6, num_group=2, pad=(1, 1))),
]


@pytest.mark.parametrize("shape,kw", DECONV_CASES)
def test_deconvolution_forward(shape, kw):
    ins = _conv_inputs(shape, kw, deconv=True)
    check_forward("Deconvolution", ins, kw, lambda *a: deconv_ref(*a, **kw), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("shape,kw", [DECONV_CASES[i] for i in (0, 1, 2, 5, 6)])
def test_deconvolution_backward(shape, kw):
    check_grad("Deconvolution", _conv_inputs(shape, kw, deconv=True), kw)


def test_deconvolution_float64_and_default_no_bias():
    kw = dict(kernel=(3, 3), stride=(2, 2), num_filter=2)
    ins = _conv_inputs((1, 2, 3, 3), kw, dtype=np.float64, deconv=True)
    assert len(ins) == 2  # Deconvolution defaults to no_bias=True
    got = check_forward("Deconvolution", ins, kw, lambda *a: deconv_ref(*a, **kw), rtol=1e-10, atol=1e-12)
    assert got[0].dtype == np.float64


def test_deconvolution_infer_shape():
    d = mx.sym.Variable("data")
    s = mx.sym.Deconvolution(d, kernel=(3, 3), num_filter=8, num_group=2, stride=(2, 2), pad=(1, 1),
                             adj=(1, 1), name="dc")
    assert s.list_arguments() == ["data", "dc_weight"]
    assert s.infer_shape(data=(2, 4, 9, 9))[:2] == ([(2, 4, 9, 9), (4, 4, 3, 3)], [(2, 8, 18, 18)])
    s = mx.sym.Deconvolution(d, kernel=(3, 3), num_filter=8, no_bias=False, target_shape=(16, 17),
                             stride=(2, 2), pad=(5, 5), adj=(1, 1), name="dc")
    assert s.infer_shape(data=(2, 4, 9, 9))[:2] == ([(2, 4, 9, 9), (4, 8, 3, 3), (8,)], [(2, 8, 16, 17)])
    # a zero entry of target_shape gives MXNet's (degenerate) size 0 for that dimension
    s = mx.sym.Deconvolution(d, kernel=(3, 3), num_filter=8, target_shape=(16, 0), stride=(2, 2))
    assert s.infer_shape(data=(2, 4, 9, 9))[1] == [(2, 8, 16, 0)]


@pytest.mark.parametrize("data,kw,match", [
    ((2, 4, 3, 3), dict(kernel=(3, 3), num_filter=8, target_shape=(20, 20), stride=(2, 2)), "too big"),
    ((2, 4, 3, 3), dict(kernel=(3, 3), num_filter=8, stride=(2, 2), adj=(2, 2)), "adj"),
    ((2, 4, 2, 2), dict(kernel=(3, 3), num_filter=8, pad=(3, 3)), "pad"),
    ((2, 4, 2, 2), dict(kernel=(3, 3), num_filter=9, num_group=2), "num_filter=9 is not divisible"),
    ((2, 4, 2, 2), dict(kernel=(3, 3), num_filter=9, num_group=3), "channels .* not divisible"),
    ((2, 4, 2, 2), dict(kernel=(3, 3), num_filter=8, adj=(1,)), "adj"),
    ((2, 4, 2), dict(kernel=(3, 3), num_filter=8), "must be 4-D"),
])
def test_deconvolution_errors(data, kw, match):
    s = mx.sym.Deconvolution(mx.sym.Variable("data"), **kw)
    with pytest.raises(mx.MXNetError, match=match):
        s.infer_shape(data=data)


def test_deconvolution_symbolic_forward_backward():
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), adj=(1, 1), num_filter=2, no_bias=False)
    s = mx.sym.Deconvolution(mx.sym.Variable("data"), name="dc", **kw)
    ex = s.simple_bind(mx.cpu(), data=(2, 3, 4, 4))
    x, w, b = _conv_inputs((2, 3, 4, 4), kw, deconv=True)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["dc_weight"][:] = w
    ex.arg_dict["dc_bias"][:] = b
    y = ex.forward(is_train=True)[0].asnumpy()
    assert y.shape == (2, 2, 8, 8)
    np.testing.assert_allclose(y, deconv_ref(x, w, b, **kw), rtol=1e-4, atol=1e-5)
    head = _r(*y.shape)
    ex.backward(mx.nd.array(head))
    gx, gw, gb = (ex.grad_dict[n].asnumpy() for n in ("data", "dc_weight", "dc_bias"))
    inner = float((head * deconv_ref(x, w, None, **kw)).sum())
    np.testing.assert_allclose(float((gx * x).sum()), inner, rtol=1e-4)
    np.testing.assert_allclose(float((gw * w).sum()), inner, rtol=1e-4)
    np.testing.assert_allclose(gb, head.sum(axis=(0, 2, 3)), rtol=1e-4, atol=1e-5)


def test_deconvolution_is_adjoint_of_convolution():
    """<conv(x, w), y> == <x, deconv(y, w)> with the same weight and geometry."""
    kw = dict(kernel=(3, 2), stride=(2, 3), pad=(1, 0), dilate=(1, 2), num_group=2)
    x = _r(2, 4, 9, 10).astype(np.float64)
    w = _r(6, 2, 3, 2).astype(np.float64)
    y = run_nd("Convolution", [x, w], num_filter=6, no_bias=True, **kw)[0]
    h = _r(*y.shape).astype(np.float64)
    back = run_nd("Deconvolution", [h, w], num_filter=4, adj=(0, 1), **kw)[0]   # (9, 10) again
    np.testing.assert_allclose(float((y * h).sum()), float((x * back).sum()), rtol=1e-10)


# -- UpSampling ---------------------------------------------------------------------------------

def _nearest(x, s):
    return np.repeat(np.repeat(x, s, axis=2), s, axis=3)


def test_upsampling_nearest_forward():
    x = _r(2, 3, 3, 4)
    check_forward("UpSampling", [x], dict(scale=2, sample_type="nearest"), _nearest(x, 2), rtol=0, atol=0)
    a, b = _r(1, 2, 2, 2), _r(1, 3, 3, 3)
    check_forward("UpSampling", [a, b], dict(scale=3, sample_type="nearest"),
                  np.concatenate([_nearest(a, 3), _nearest(b, 2)], axis=1), rtol=0, atol=0)
    a, b = _r(1, 2, 2, 3), _r(1, 2, 4, 6)
    check_forward("UpSampling", [a, b], dict(scale=2, sample_type="nearest", multi_input_mode="sum"),
                  _nearest(a, 2) + b, rtol=1e-6, atol=1e-6)


def test_upsampling_nearest_float64():
    x = _r(1, 2, 2, 2, dtype=np.float64)
    got = check_forward("UpSampling", [x], dict(scale=3, sample_type="nearest"), _nearest(x, 3))
    assert got[0].dtype == np.float64


@pytest.mark.parametrize("shapes,kw", [
    ([(1, 2, 2, 3)], dict(scale=2, sample_type="nearest")),
    ([(1, 2, 2, 2), (1, 1, 4, 4)], dict(scale=2, sample_type="nearest")),
    ([(1, 2, 2, 2), (1, 2, 4, 4), (1, 2, 1, 1)], dict(scale=2, sample_type="nearest", multi_input_mode="sum")),
    ([(1, 2, 3, 3), (2, 1, 4, 4)], dict(scale=2, sample_type="bilinear", num_filter=2)),
    ([(1, 2, 2, 2), (2, 1, 5, 5)], dict(scale=3, sample_type="bilinear", num_filter=2)),
])
def test_upsampling_backward(shapes, kw):
    check_grad("UpSampling", [_r(*s) for s in shapes], dict(kw, num_args=len(shapes)))


def test_upsampling_bilinear_is_depthwise_deconvolution():
    x, w = _r(2, 3, 4, 4), _r(3, 1, 4, 4)
    want = deconv_ref(x, w, kernel=(4, 4), stride=(2, 2), pad=(1, 1), num_group=3)
    check_forward("UpSampling", [x, w], dict(scale=2, sample_type="bilinear", num_filter=3), want,
                  rtol=1e-5, atol=1e-6)
    x, w = _r(1, 2, 3, 3), _r(2, 1, 5, 5)
    want = deconv_ref(x, w, kernel=(5, 5), stride=(3, 3), pad=(1, 1), num_group=2)
    check_forward("UpSampling", [x, w], dict(scale=3, sample_type="bilinear", num_filter=2), want,
                  rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shapes,kw,match", [
    ([(2, 2, 2)], dict(scale=2, sample_type="nearest"), "4-D"),
    ([(1, 2, 4, 4), (1, 3, 8, 8)], dict(scale=2, sample_type="nearest", multi_input_mode="sum"),
     "same number of channels"),
    ([(1, 2, 3, 3), (1, 2, 2, 2)], dict(scale=1, sample_type="nearest"), "integer factor"),
    ([(1, 2, 4, 4)], dict(scale=0, sample_type="nearest"), "scale"),
    ([(1, 2, 4, 4), (2, 1, 5, 5)], dict(scale=2, sample_type="bilinear", num_filter=2), "weight"),
    ([(1, 2, 4, 4), (2, 1, 4, 4)], dict(scale=2, sample_type="bilinear", num_filter=1), "num_filter"),
    ([(1, 2, 4, 4)], dict(scale=2, sample_type="bilinear", num_filter=2), "2 inputs"),
    ([(1, 2, 4, 4)], dict(scale=2, sample_type="cubic"), "sample_type"),
])
def test_upsampling_errors(shapes, kw, match):
    with pytest.raises(mx.MXNetError, match=match):
        mx.nd.UpSampling(*[mx.nd.ones(s) for s in shapes], **kw).asnumpy()


def test_upsampling_symbolic_forward_backward():
    a, b = mx.sym.Variable("a"), mx.sym.Variable("b")
    s = mx.sym.UpSampling(a, b, scale=2, sample_type="nearest", name="up")
    assert s.list_arguments() == ["a", "b"]
    ex = s.simple_bind(mx.cpu(), a=(1, 2, 2, 2), b=(1, 1, 4, 4))
    xa, xb = _r(1, 2, 2, 2), _r(1, 1, 4, 4)
    y = ex.forward(is_train=True, a=xa, b=xb)[0].asnumpy()
    np.testing.assert_array_equal(y, np.concatenate([_nearest(xa, 2), _nearest(xb, 1)], axis=1))
    head = _r(*y.shape)
    ex.backward(mx.nd.array(head))
    np.testing.assert_allclose(ex.grad_dict["a"].asnumpy(),
                               head[:, :2].reshape(1, 2, 2, 2, 2, 2).sum(axis=(3, 5)), rtol=1e-6)
    np.testing.assert_allclose(ex.grad_dict["b"].asnumpy(), head[:, 2:], rtol=1e-6)
    # bilinear with an explicit weight variable
    s = mx.sym.UpSampling(mx.sym.Variable("data"), mx.sym.Variable("w"), scale=2, sample_type="bilinear",
                          num_filter=2)
    args, outs, _ = s.infer_shape(data=(1, 2, 3, 3))
    assert args == [(1, 2, 3, 3), (2, 1, 4, 4)] and outs == [(1, 2, 6, 6)]
    ex = s.simple_bind(mx.cpu(), data=(1, 2, 3, 3))
    x, w = _r(1, 2, 3, 3), _r(2, 1, 4, 4)
    y = ex.forward(is_train=True, data=x, w=w)[0].asnumpy()
    np.testing.assert_allclose(y, deconv_ref(x, w, kernel=(4, 4), stride=(2, 2), pad=(1, 1), num_group=2),
                               rtol=1e-5, atol=1e-6)
    ex.backward(mx.nd.ones(y.shape))
    assert ex.grad_dict["w"].shape == (2, 1, 4, 4)
