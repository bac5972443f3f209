"""Legacy and contrib operators of ops/legacy_ops.py: forward (and gradients where MXNet has them)
against MXNet 1.9.1 outputs in tests/fixtures/mxnet-1.9.1/legacy_ops/legacy_ops.npz or NumPy
references, backward against finite differences, errors, and the symbolic path."""
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd
from mxnet.ops.registry import get_op
from tests.ops.harness import check_forward, check_grad, run_nd

FIX = np.load(os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "legacy_ops",
                           "legacy_ops.npz"), allow_pickle=False)


def _u(rs, *shape, lo=-1.0, hi=1.0, dtype=np.float32):
    return rs.uniform(lo, hi, shape).astype(dtype)


def _fn(name):
    if name.startswith("_contrib_"):
        return getattr(mx.nd.contrib, name[len("_contrib_"):])
    return getattr(mx.nd, name, None) or getattr(mx.nd._internal, name)


def _bind(sym, values, aux=None, heads=None, is_train=True):
    """simple_bind forward + backward; returns (outputs, grads, aux after) as NumPy."""
    ex = sym.simple_bind(mx.cpu(), **{k: v.shape for k, v in values.items()})
    for k, v in values.items():
        ex.arg_dict[k][:] = v
    for k, v in (aux or {}).items():
        ex.aux_dict[k][:] = v
    outs = [o.asnumpy() for o in ex.forward(is_train=is_train)]
    ex.backward([mx.nd.array(h) for h in (heads or [np.ones_like(o) for o in outs])])
    return (outs, {k: v.asnumpy() for k, v in ex.grad_dict.items() if v is not None},
            {k: v.asnumpy() for k, v in ex.aux_dict.items()})


# -- MXNet 1.9.1 fixtures (mx.nd + autograd) -----------------------------------------------------
# (fixture key, op, number of inputs, kwargs, inputs with recorded gradients, tolerance)
_DCONV = dict(kernel=(3, 3), pad=(1, 1), num_filter=4, num_group=2, num_deformable_group=2)
FIXTURE_CASES = [
    ("dconv", "_contrib_DeformableConvolution", 4, _DCONV, (0, 1, 2, 3), 1e-5),
    ("dconv_s2", "_contrib_DeformableConvolution", 3,
     dict(kernel=(3, 3), stride=(2, 2), dilate=(2, 2), pad=(1, 1), num_filter=3, no_bias=True), (0, 1, 2), 1e-5),
    ("mdconv", "_contrib_ModulatedDeformableConvolution", 5, _DCONV, (), 1e-5),
    ("psroi", "_contrib_PSROIPooling", 2, dict(spatial_scale=0.5, output_dim=2, pooled_size=3), (0,), 1e-5),
    ("dpsroi", "_contrib_DeformablePSROIPooling", 3,
     dict(spatial_scale=0.5, output_dim=2, group_size=2, pooled_size=3, sample_per_part=2, trans_std=0.2),
     (0, 2), 1e-5),
    ("dpsroi_cls2", "_contrib_DeformablePSROIPooling", 3,
     dict(spatial_scale=0.7, output_dim=2, group_size=2, pooled_size=3, part_size=2, sample_per_part=3,
          trans_std=0.3), (0, 2), 1e-5),
    ("psroi_g2", "_contrib_PSROIPooling", 2, dict(spatial_scale=0.7, output_dim=2, pooled_size=3, group_size=2),
     (0,), 1e-5),
    ("dpsroi_notrans", "_contrib_DeformablePSROIPooling", 2,
     dict(spatial_scale=0.5, output_dim=2, group_size=2, pooled_size=2, sample_per_part=3, no_trans=True), (0,), 1e-5),
    ("rroi", "_contrib_RROIAlign", 2, dict(pooled_size=(2, 3), spatial_scale=1.0, sampling_ratio=2), (), 1e-5),
    ("rroi_adapt", "_contrib_RROIAlign", 2, dict(pooled_size=(3, 2), spatial_scale=0.8), (), 1e-5),
    ("deq_int8", "_contrib_dequantize", 3, {}, (), 1e-6),
    ("deq_uint8", "_contrib_dequantize", 3, {}, (), 1e-6),
    ("req", "_contrib_requantize", 3, {}, (), 1e-5),
    ("req_calib", "_contrib_requantize", 3, dict(min_calib_range=-20.0, max_calib_range=10.0), (), 1e-6),
    ("req_auto", "_contrib_requantize", 3,
     dict(out_type="auto", min_calib_range=-20.0, max_calib_range=30.0), (), 1e-6),
    ("calib", "_contrib_calibrate_entropy", 2, dict(num_quantized_bins=255), (), 1e-3),
    ("calib_small", "_contrib_calibrate_entropy", 2, dict(num_quantized_bins=5), (), 1e-5),
    # MXNet leaves the gradient of `state` zero; it is checked against finite differences below
    ("hawkes", "_contrib_hawkesll", 8, {}, (0, 1, 2), 1e-5),
    ("conv_v1", "Convolution_v1", 3,
     dict(kernel=(3, 2), stride=(2, 1), pad=(1, 1), dilate=(1, 2), num_filter=6, num_group=2), (0, 1, 2), 1e-5),
    ("pool_v1_max", "Pooling_v1", 1,
     dict(kernel=(3, 2), stride=(2, 2), pad=(1, 0), pool_type="max", pooling_convention="full"), (0,), 1e-6),
    ("pool_v1_avg", "Pooling_v1", 1, dict(kernel=(2, 2), stride=(1, 2), pad=(1, 1), pool_type="avg"), (0,), 1e-6),
    ("pool_v1_gsum", "Pooling_v1", 1, dict(kernel=(1, 1), global_pool=True, pool_type="sum"), (0,), 1e-5),
]


@pytest.mark.parametrize("key,op,n,kw,grads,tol", FIXTURE_CASES, ids=[c[0] for c in FIXTURE_CASES])
def test_matches_mxnet(key, op, n, kw, grads, tol):
    ins = [mx.nd.array(FIX["%s/in%d" % (key, i)], dtype=FIX["%s/in%d" % (key, i)].dtype) for i in range(n)]
    for i in grads:
        ins[i].attach_grad()
    with autograd.record():
        out = _fn(op)(*ins, **kw)
    outs = out if isinstance(out, list) else [out]
    want = sorted(k for k in FIX.files if k.startswith(key + "/out"))
    assert len(outs) == len(want)
    for o, k in zip(outs, want):
        assert o.shape == FIX[k].shape and o.dtype == FIX[k].dtype, k
        np.testing.assert_allclose(o.asnumpy().astype(np.float64), FIX[k], rtol=tol, atol=tol, err_msg=k)
    if grads:
        outs[0].backward(mx.nd.array(FIX[key + "/head"]))
        for i in grads:
            np.testing.assert_allclose(ins[i].grad.asnumpy(), FIX["%s/grad%d" % (key, i)], rtol=1e-5, atol=1e-5,
                                       err_msg="%s grad %d" % (key, i))


def _bind_fixture(key, sym, names, aux_names):
    values = {k: FIX["%s/arg/%s" % (key, k)] for k in names}
    aux = {k: FIX["%s/aux/%s" % (key, k)] for k in aux_names}
    n_out = len([k for k in FIX.files if k.startswith(key + "/out")])
    heads = [FIX["%s/head%d" % (key, j)] for j in range(n_out)]
    return _bind(sym, values, aux, heads)


def test_batchnorm_v1_matches_mxnet():
    for key, sym in (("bn_v1", mx.sym.BatchNorm_v1(mx.sym.var("data"), fix_gamma=False, output_mean_var=True,
                                                   momentum=0.8, name="bn")),
                     ("bn_v1_fix", mx.sym.BatchNorm_v1(mx.sym.var("data"), eps=0.01, name="bn"))):
        assert sym.list_arguments() == ["data", "bn_gamma", "bn_beta"]
        assert sym.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
        outs, grads, aux = _bind_fixture(key, sym, ["data", "bn_gamma", "bn_beta"], ["bn_moving_mean", "bn_moving_var"])
        for j, o in enumerate(outs):
            np.testing.assert_allclose(o, FIX["%s/out%d" % (key, j)], rtol=1e-5, atol=1e-5)
        for k, g in grads.items():
            np.testing.assert_allclose(g, FIX["%s/grad/%s" % (key, k)], rtol=1e-4, atol=1e-5, err_msg=k)
        for k, v in aux.items():
            np.testing.assert_allclose(v, FIX["%s/auxafter/%s" % (key, k)], rtol=1e-5, atol=1e-6, err_msg=k)


def test_batchnorm_v1_inference_outputs_moving_stats():
    rs = np.random.RandomState(0)
    x = _u(rs, 3, 2, 4)
    mm, mv = _u(rs, 2), _u(rs, 2, lo=0.5, hi=1.5)
    g, b = _u(rs, 2), _u(rs, 2)
    sym = mx.sym.BatchNorm_v1(mx.sym.var("data"), fix_gamma=False, output_mean_var=True, name="bn")
    ex = sym.simple_bind(mx.cpu(), data=x.shape)
    for k, v in (("data", x), ("bn_gamma", g), ("bn_beta", b)):
        ex.arg_dict[k][:] = v
    ex.aux_dict["bn_moving_mean"][:] = mm
    ex.aux_dict["bn_moving_var"][:] = mv
    y, mean, var = [o.asnumpy() for o in ex.forward(is_train=False)]
    ref = (x - mm[None, :, None]) / np.sqrt(mv[None, :, None] + 1e-3) * g[None, :, None] + b[None, :, None]
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mean, mm)
    np.testing.assert_allclose(var, mv)


def test_batchnorm_v1_gradient():
    rs = np.random.RandomState(1)
    x, g, b = _u(rs, 4, 3, 2), _u(rs, 3, lo=0.5, hi=2), _u(rs, 3)
    aux = [np.zeros(3), np.ones(3)]
    check_grad("BatchNorm_v1", [x, g, b], dict(fix_gamma=False), aux=aux, is_train=True)
    check_grad("BatchNorm_v1", [x, g, b], dict(fix_gamma=False, use_global_stats=True), aux=aux, is_train=True)


def test_kl_sparse_reg_matches_mxnet():
    sym = mx.sym.IdentityAttachKLSparseReg(mx.sym.var("data"), sparseness_target=0.2, penalty=0.3, momentum=0.7,
                                           name="kl")
    assert sym.list_auxiliary_states() == ["kl_moving_avg"] and sym.list_outputs() == ["kl_output"]
    outs, grads, aux = _bind_fixture("kl", sym, ["data"], ["kl_moving_avg"])
    np.testing.assert_allclose(outs[0], FIX["kl/out0"])
    np.testing.assert_allclose(grads["data"], FIX["kl/grad/data"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(aux["kl_moving_avg"], FIX["kl/auxafter/kl_moving_avg"], rtol=1e-6)


def test_kl_sparse_reg_4d_reference():
    rs = np.random.RandomState(2)
    x = _u(rs, 3, 2, 2, 2, lo=0.1, hi=0.9, dtype=np.float64)
    avg0 = np.array([0.3, 0.6])
    sym = mx.sym.IdentityAttachKLSparseReg(mx.sym.var("data"), name="kl", penalty=0.5)
    ex = sym.simple_bind(mx.cpu(), data=x.shape, type_dict={"data": np.float64})
    ex.arg_dict["data"][:] = x
    ex.aux_dict["kl_moving_avg"][:] = avg0
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones(x.shape, dtype=np.float64))
    rho = 0.9 * avg0 + 0.1 * x.mean(axis=(0, 2, 3))
    np.testing.assert_allclose(ex.aux_dict["kl_moving_avg"].asnumpy(), rho)
    want = 1 + 0.5 * (-0.1 / rho + 0.9 / (1 - rho))
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), np.broadcast_to(want[None, :, None, None], x.shape))
    with pytest.raises(mx.MXNetError, match="IdentityAttachKLSparseReg"):
        mx.sym.IdentityAttachKLSparseReg(mx.sym.var("d")).infer_shape(d=(4,))


# -- legacy names ----------------------------------------------------------------------------------

_CMP = [("_Equal", np.equal), ("_Not_Equal", np.not_equal), ("_Greater", np.greater),
        ("_Greater_Equal", np.greater_equal), ("_Lesser", np.less), ("_Lesser_Equal", np.less_equal),
        ("_Logical_And", lambda a, b: (a != 0) & (b != 0)), ("_Logical_Or", lambda a, b: (a != 0) | (b != 0)),
        ("_Logical_Xor", lambda a, b: (a != 0) ^ (b != 0))]


@pytest.mark.parametrize("name,ref", _CMP, ids=[c[0] for c in _CMP])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_legacy_comparisons(name, ref, dtype):
    a = np.array([[0, 1, 2], [3, -1, 0]], dtype=dtype)
    b = np.array([[0, 2, 2], [1, -1, 5]], dtype=dtype)
    check_forward(name, [a, b], {}, ref(a, b).astype(dtype))
    # an alias: MXNet writes the canonical lower-case name into the graph
    canonical = name.lower()
    assert get_op(name) is get_op(canonical)
    s = getattr(mx.sym._internal, name)(mx.sym.var("a"), mx.sym.var("b"))
    assert '"op": "{}"'.format(canonical) in s.tojson().replace('"op":"', '"op": "')
    with pytest.raises(mx.MXNetError):
        run_nd(name, [a, b[:, :2]])


# -- _linspace -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kw", [dict(start=0, stop=1, num=5), dict(start=2.0, stop=3.0, num=5, endpoint=False),
                                dict(start=-1.5, stop=4, num=7, dtype="float64"), dict(start=3, stop=3, num=1),
                                dict(start=0, stop=1, num=0)])
def test_linspace(kw):
    want = np.linspace(kw["start"], kw["stop"], kw["num"], endpoint=kw.get("endpoint", True))
    got = mx.nd._internal._linspace(**kw)
    assert got.dtype == np.dtype(kw.get("dtype", "float32"))
    np.testing.assert_allclose(got.asnumpy(), want.astype(got.dtype), rtol=1e-6)


def test_linspace_int_truncates_and_symbol():
    # values as MXNet 1.9.1 gives them (float -> int truncates toward zero)
    got = mx.nd._internal._linspace(start=0, stop=10, num=4, dtype="int32")
    assert got.dtype == np.int32 and got.asnumpy().tolist() == [0, 3, 6, 10]
    got = mx.nd._internal._linspace(start=-1.5, stop=2, num=5, endpoint=False, dtype="int32")
    assert got.asnumpy().tolist() == [-1, 0, 0, 0, 1]
    s = mx.sym._internal._linspace(start=0, stop=1, num=5)
    assert s.infer_shape()[1] == [(5,)]
    np.testing.assert_allclose(s.simple_bind(mx.cpu()).forward()[0].asnumpy(), np.linspace(0, 1, 5), rtol=1e-6)
    with pytest.raises(mx.MXNetError, match="non-negative"):
        mx.nd._internal._linspace(start=0, stop=1, num=-1)
    with pytest.raises(mx.MXNetError, match="num"):
        mx.nd._internal._linspace(start=0, stop=1)
    with pytest.raises(mx.MXNetError, match="step"):
        mx.nd._internal._linspace(start=0, stop=1, step=0.5)


def test_plumbing_ops():
    with pytest.raises(mx.MXNetError, match="out="):
        mx.nd._internal._set_value(src=3.0)
    with pytest.raises(mx.MXNetError, match="_NoGradient"):
        mx.nd._internal._NoGradient()
    op = get_op("_CrossDeviceCopy")
    x = np.arange(4.0)
    env = mx.ops.registry.OpEnv(np)
    np.testing.assert_array_equal(op.forward(env, op.parse({}), [x], [])[0], x)
    with pytest.raises(TypeError):
        mx.nd._internal._CrossDeviceCopy(mx.nd.array(x))
    g = run_nd("_contrib_backward_gradientmultiplier", [np.array([1.0, -2.0], np.float32)], scalar=3)[0]
    np.testing.assert_allclose(g, [3.0, -6.0])
    check_grad("_contrib_backward_gradientmultiplier", [np.array([1.0, -2.0])], dict(scalar=0.5))


# -- v1 layers -------------------------------------------------------------------------------------


def test_convolution_v1_gradient_and_errors():
    rs = np.random.RandomState(3)
    x, w, b = _u(rs, 2, 2, 5, 4), _u(rs, 3, 2, 2, 3), _u(rs, 3)
    check_grad("Convolution_v1", [x, w, b], dict(kernel=(2, 3), num_filter=3, pad=(1, 0)))
    got = run_nd("Convolution_v1", [x.astype(np.float64), w.astype(np.float64)], kernel=(2, 3), num_filter=3,
                 no_bias=True)[0]
    ref = run_nd("Convolution", [x.astype(np.float64), w.astype(np.float64)], kernel=(2, 3), num_filter=3,
                 no_bias=True)[0]
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, ref)
    with pytest.raises(mx.MXNetError, match="1D convolution"):
        run_nd("Convolution_v1", [x[:, :, 0], w[:, :, 0]], kernel=(3,), num_filter=3, no_bias=True)
    with pytest.raises(mx.MXNetError):
        mx.sym.Convolution_v1(mx.sym.var("d"), kernel=(3, 3), num_filter=2, layout="NCW")


def test_pooling_v1_gradient_and_errors():
    rs = np.random.RandomState(4)
    x = _u(rs, 1, 2, 5, 5, dtype=np.float64)
    check_grad("Pooling_v1", [x], dict(kernel=(2, 2), stride=(2, 1), pool_type="avg", pad=(1, 1)))
    check_grad("Pooling_v1", [x], dict(kernel=(3, 3), pool_type="max"))
    with pytest.raises(mx.MXNetError, match="4D"):
        run_nd("Pooling_v1", [x[0]], kernel=(2,))
    with pytest.raises(mx.MXNetError):
        run_nd("Pooling_v1", [x], kernel=(2, 2), pool_type="lp")


# -- fft / ifft ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4), (2, 1, 2, 6)])
def test_fft_ifft(shape, dtype):
    rs = np.random.RandomState(5)
    x = _u(rs, *shape, dtype=dtype)
    z = np.fft.fft(x.astype(np.float64), axis=-1)
    inter = np.stack([z.real, z.imag], axis=-1).reshape(shape[:-1] + (2 * shape[-1],))
    check_forward("_contrib_fft", [x], {}, inter.astype(dtype), rtol=1e-5, atol=1e-5)
    c = x[..., 0::2] + 1j * x[..., 1::2]
    check_forward("_contrib_ifft", [x], {}, (np.fft.ifft(c, axis=-1) * c.shape[-1]).real.astype(dtype),
                  rtol=1e-5, atol=1e-5)
    check_grad("_contrib_fft", [x])
    check_grad("_contrib_ifft", [x])


def test_fft_errors():
    with pytest.raises(mx.MXNetError, match="_contrib_fft"):
        run_nd("_contrib_fft", [np.zeros((2, 3, 4), np.float32)])
    with pytest.raises(mx.MXNetError, match="even"):
        run_nd("_contrib_ifft", [np.zeros((2, 3), np.float32)])
    with pytest.raises(mx.MXNetError, match="floating"):
        run_nd("_contrib_fft", [np.zeros((2, 3), np.int32)])


# -- deformable convolution ------------------------------------------------------------------------


def _np_dconv(x, off, w, mask=None, pad=1, dg=1, groups=1, clamp=True):
    """Loop reference: bilinear sampling (MXNet's rules) at every kernel tap, then the grouped GEMM."""
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    ho, wo = off.shape[2:]
    cols = np.zeros((n, c, kh * kw, ho * wo))
    for b in range(n):
        for ch in range(c):
            g = ch // (c // dg)
            for k in range(kh * kw):
                for q in range(ho * wo):
                    oy, ox = q // wo, q % wo
                    py = oy - pad + k // kw + off[b, g * 2 * kh * kw + 2 * k, oy, ox]
                    px = ox - pad + k % kw + off[b, g * 2 * kh * kw + 2 * k + 1, oy, ox]
                    if clamp:
                        if not (0 <= py < h and 0 <= px < wd):
                            continue
                        py, px = min(py, h - 1), min(px, wd - 1)
                    elif not (-1 < py < h and -1 < px < wd):
                        continue
                    y0, x0 = int(np.floor(py)), int(np.floor(px))
                    v = 0.0
                    for yy, xx in ((y0, x0), (y0, x0 + 1), (y0 + 1, x0), (y0 + 1, x0 + 1)):
                        if 0 <= yy < h and 0 <= xx < wd:
                            v += (1 - abs(py - yy)) * (1 - abs(px - xx)) * x[b, ch, yy, xx]
                    m = 1.0 if mask is None else mask[b, g * kh * kw + k, oy, ox]
                    cols[b, ch, k, q] = v * m
    cols = cols.reshape(n, groups, -1, ho * wo)
    y = np.matmul(w.reshape(groups, f // groups, -1), cols)
    return y.reshape(n, f, ho, wo)


@pytest.mark.parametrize("modulated", [False, True])
def test_deformable_convolution_reference_and_gradient(modulated):
    rs = np.random.RandomState(6)
    x = _u(rs, 1, 2, 4, 4, dtype=np.float64)
    off = _u(rs, 1, 18, 4, 4, lo=-1.3, hi=1.3, dtype=np.float64)
    w = _u(rs, 2, 2, 3, 3, dtype=np.float64)
    mask = _u(rs, 1, 9, 4, 4, lo=0, hi=1, dtype=np.float64)
    kw = dict(kernel=(3, 3), pad=(1, 1), num_filter=2, no_bias=True)
    if modulated:
        name, ins = "_contrib_ModulatedDeformableConvolution", [x, off, mask, w]
        ref = _np_dconv(x, off, w, mask, clamp=False)
    else:
        name, ins = "_contrib_DeformableConvolution", [x, off, w]
        ref = _np_dconv(x, off, w)
    check_forward(name, ins, kw, ref, rtol=1e-10, atol=1e-12)
    check_grad(name, ins, kw, rtol=1e-4, atol=1e-6)
    # float32 agrees with float64
    got32 = run_nd(name, [a.astype(np.float32) for a in ins], **kw)[0]
    np.testing.assert_allclose(got32, ref, rtol=1e-4, atol=1e-5)


def test_deformable_convolution_symbol_and_errors():
    s = mx.sym.contrib.DeformableConvolution(mx.sym.var("data"), mx.sym.var("offset"), kernel=(3, 3), num_filter=4,
                                             num_deformable_group=2, name="dc")
    assert s.list_arguments() == ["data", "offset", "dc_weight", "dc_bias"]
    args, outs, _ = s.infer_shape(data=(2, 4, 7, 6), offset=(2, 36, 5, 4))
    assert args == [(2, 4, 7, 6), (2, 36, 5, 4), (4, 4, 3, 3), (4,)] and outs == [(2, 4, 5, 4)]
    rs = np.random.RandomState(7)
    values = {"data": _u(rs, 1, 4, 5, 5), "offset": _u(rs, 1, 36, 3, 3), "dc_weight": _u(rs, 4, 4, 3, 3),
              "dc_bias": _u(rs, 4)}
    outs, grads, _ = _bind(s, values)
    nd_out = mx.nd.contrib.DeformableConvolution(*[mx.nd.array(values[k]) for k in ("data", "offset", "dc_weight",
                                                                                    "dc_bias")],
                                                 kernel=(3, 3), num_filter=4, num_deformable_group=2)
    np.testing.assert_allclose(outs[0], nd_out.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grads["dc_bias"], np.full(4, 9.0))
    with pytest.raises(mx.MXNetError, match="offset"):
        s.infer_shape(data=(2, 4, 7, 6), offset=(2, 18, 5, 4))
    with pytest.raises(mx.MXNetError, match="num_deformable_group"):
        s.infer_shape(data=(2, 3, 7, 6))
    with pytest.raises(mx.MXNetError, match="2-D"):
        mx.sym.contrib.ModulatedDeformableConvolution(mx.sym.var("d"), kernel=(3,), num_filter=1).infer_shape(
            d=(1, 1, 5))


# -- position-sensitive ROI pooling -----------------------------------------------------------------


def _np_psroi(data, rois, scale, out_dim, pooled, group):
    out = np.zeros((len(rois), out_dim, pooled, pooled))
    h, w = data.shape[2:]
    rnd = lambda v: np.sign(v) * np.floor(abs(v) + 0.5)  # noqa: E731
    for r, roi in enumerate(rois):
        x1, y1 = rnd(roi[1]) * scale, rnd(roi[2]) * scale
        x2, y2 = (rnd(roi[3]) + 1) * scale, (rnd(roi[4]) + 1) * scale
        bh, bw = max(y2 - y1, 0.1) / pooled, max(x2 - x1, 0.1) / pooled
        for ct in range(out_dim):
            for i in range(pooled):
                for j in range(pooled):
                    hs = min(max(int(np.floor(i * bh + y1)), 0), h)
                    he = min(max(int(np.ceil((i + 1) * bh + y1)), 0), h)
                    ws = min(max(int(np.floor(j * bw + x1)), 0), w)
                    we = min(max(int(np.ceil((j + 1) * bw + x1)), 0), w)
                    gh, gw = min(i * group // pooled, group - 1), min(j * group // pooled, group - 1)
                    c = (ct * group + gh) * group + gw
                    if he > hs and we > ws:
                        out[r, ct, i, j] = data[int(roi[0]), c, hs:he, ws:we].mean()
    return out


def test_psroi_pooling_reference_gradient_errors():
    rs = np.random.RandomState(8)
    data = _u(rs, 2, 8, 6, 6, dtype=np.float64)
    rois = np.array([[0, 0.6, 1.2, 7.7, 9.1], [1, 2, 2, 3, 3], [1, -3, -2, 20, 5]], np.float64)
    kw = dict(spatial_scale=0.6, output_dim=2, pooled_size=3, group_size=2)
    check_forward("_contrib_PSROIPooling", [data, rois], kw, _np_psroi(data, rois, 0.6, 2, 3, 2), rtol=1e-10)
    check_grad("_contrib_PSROIPooling", [data, rois], kw, wrt=[0])
    s = mx.sym.contrib.PSROIPooling(mx.sym.var("data"), mx.sym.var("rois"), **kw)
    outs, grads, _ = _bind(s, {"data": data.astype(np.float32), "rois": rois.astype(np.float32)})
    np.testing.assert_allclose(outs[0], _np_psroi(data, rois, 0.6, 2, 3, 2), rtol=1e-5, atol=1e-6)
    assert grads["data"].shape == data.shape
    with pytest.raises(mx.MXNetError, match="output_dim"):
        s.infer_shape(data=(2, 9, 6, 6), rois=(3, 5))
    with pytest.raises(mx.MXNetError, match="rois"):
        s.infer_shape(data=(2, 8, 6, 6), rois=(3, 4))


def test_deformable_psroi_pooling_gradient_and_errors():
    rs = np.random.RandomState(9)
    data = _u(rs, 1, 8, 9, 9, dtype=np.float64)
    rois = np.array([[0, 4.0, 4.0, 11.0, 12.0], [0, 6.0, 5.0, 10.0, 9.0]], np.float64)   # samples stay inside
    trans = _u(rs, 2, 4, 2, 2, lo=-0.3, hi=0.3, dtype=np.float64)
    kw = dict(spatial_scale=0.5, output_dim=2, group_size=2, pooled_size=2, sample_per_part=2, trans_std=0.1)
    check_grad("_contrib_DeformablePSROIPooling", [data, rois, trans], kw, wrt=[0, 2], rtol=1e-3, atol=1e-6)
    s = mx.sym.contrib.DeformablePSROIPooling(mx.sym.var("data"), mx.sym.var("rois"), mx.sym.var("trans"), **kw)
    assert s.infer_shape(data=data.shape, rois=rois.shape, trans=trans.shape)[1] == [(2, 2, 2, 2)]
    outs, grads, _ = _bind(s, {"data": data, "rois": rois, "trans": trans})
    np.testing.assert_allclose(outs[0], run_nd("_contrib_DeformablePSROIPooling", [data, rois, trans], **kw)[0],
                               rtol=1e-6)
    assert set(grads) == {"data", "rois", "trans"}
    with pytest.raises(mx.MXNetError, match="trans"):
        s.infer_shape(data=data.shape, rois=rois.shape, trans=(2, 3, 2, 2))
    s2 = mx.sym.contrib.DeformablePSROIPooling(mx.sym.var("data"), mx.sym.var("rois"), no_trans=True, **kw)
    assert s2.list_arguments() == ["data", "rois"]


# -- RROIAlign -------------------------------------------------------------------------------------


def test_rroi_align_axis_aligned_and_gradient():
    rs = np.random.RandomState(10)
    data = _u(rs, 1, 2, 6, 7, dtype=np.float64)
    # angle 0, a 4 x 2 box centred at (3, 2.5), one sample per bin: the samples are pixel centres
    rois = np.array([[0, 3.0, 2.5, 4.0, 2.0, 0.0]])
    got = run_nd("_contrib_RROIAlign", [data, rois], pooled_size=(2, 4), spatial_scale=1.0, sampling_ratio=1)[0]
    ys, xs = np.array([2.0, 3.0]), np.array([1.5, 2.5, 3.5, 4.5])
    want = 0.5 * (data[0][:, ys.astype(int)][:, :, 1:5] + data[0][:, ys.astype(int)][:, :, 2:6])
    np.testing.assert_allclose(got[0], want, rtol=1e-10)
    assert xs.size == got.shape[-1]
    rois = np.array([[0, 3.2, 2.9, 3.0, 2.5, 33.0], [0, 4.1, 3.3, 2.0, 3.0, -120.0]])
    check_grad("_contrib_RROIAlign", [data, rois], dict(pooled_size=(2, 2), spatial_scale=1.0), wrt=[0])
    s = mx.sym.contrib.RROIAlign(mx.sym.var("data"), mx.sym.var("rois"), pooled_size=(2, 2), spatial_scale=1.0)
    outs, grads, _ = _bind(s, {"data": data.astype(np.float32), "rois": rois.astype(np.float32)})
    assert outs[0].shape == (2, 2, 2, 2) and grads["data"].shape == data.shape
    with pytest.raises(mx.MXNetError, match="rois"):
        s.infer_shape(data=(1, 2, 6, 7), rois=(2, 5))


# -- quantization ----------------------------------------------------------------------------------


def test_quantization_references_and_errors():
    q = np.array([-128, -1, 0, 64, 127], np.int8)
    got = run_nd("_contrib_dequantize", [q, np.array([-2.0], np.float32), np.array([1.0], np.float32)])[0]
    np.testing.assert_allclose(got, q * (2.0 / 127.5), rtol=1e-6)
    d = np.array([0, 2 ** 30, -2 ** 30, 123456789], np.int32)
    got = run_nd("_contrib_requantize", [d, np.array([-20.0], np.float32), np.array([20.0], np.float32)],
                 out_type="uint8", min_calib_range=0.0, max_calib_range=10.0)
    assert got[0].dtype == np.uint8
    real = d * (20.0 / 2147483647.0)
    np.testing.assert_array_equal(got[0], np.clip(np.floor(real * 25.5 + 0.5), 0, 255))
    assert got[1].tolist() == [0.0] and got[2].tolist() == [10.0]
    s = mx.sym.contrib.dequantize(mx.sym.var("d"), mx.sym.var("lo"), mx.sym.var("hi"))
    ex = s.simple_bind(mx.cpu(), d=(5,), lo=(1,), hi=(1,), type_dict={"d": np.int8}, grad_req="null")
    ex.arg_dict["d"][:] = q
    ex.arg_dict["lo"][:] = -2
    ex.arg_dict["hi"][:] = 1
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), q * (2.0 / 127.5), rtol=1e-6)
    with pytest.raises(mx.MXNetError, match="uint8 or int8"):
        run_nd("_contrib_dequantize", [np.ones(2, np.float32), np.ones(1, np.float32), np.ones(1, np.float32)])
    with pytest.raises(mx.MXNetError, match="int32"):
        run_nd("_contrib_requantize", [np.ones(2, np.int8), np.ones(1, np.float32), np.ones(1, np.float32)])
    with pytest.raises(mx.MXNetError, match="min_range"):
        run_nd("_contrib_dequantize", [np.ones(2, np.int8), np.ones(2, np.float32), np.ones(1, np.float32)])
    with pytest.raises(mx.MXNetError, match="num_quantized_bins"):
        run_nd("_contrib_calibrate_entropy", [np.ones(4, np.float32), np.arange(5, dtype=np.float32)])


# -- hawkesll --------------------------------------------------------------------------------------


def _np_hawkes(lda, alpha, beta, state, lags, marks, vlen, tmax):
    n, k = lda.shape
    ll = np.zeros(n)
    out_state = np.zeros((n, k))
    for i in range(n):
        s, last, t = state[i].astype(np.float64).copy(), np.zeros(k), 0.0
        for j in range(int(vlen[i])):
            c = int(marks[i, j])
            t += lags[i, j]
            d = t - last[c]
            e = np.exp(-beta[c] * d)
            ll[i] += np.log(lda[i, c] + alpha[c] * beta[c] * s[c] * e) - lda[i, c] * d - alpha[c] * s[c] * (1 - e)
            s[c] = 1 + s[c] * e
            last[c] = t
        d = tmax[i] - last
        e = np.exp(-beta * d)
        ll[i] -= (lda[i] * d + alpha * s * (1 - e)).sum()
        out_state[i] = e * s
    return [ll, out_state]


def test_hawkesll_reference_gradient_errors():
    ins = [FIX["hawkes/in%d" % i] for i in range(8)]
    check_forward("_contrib_hawkesll", ins, {}, _np_hawkes(*ins), rtol=1e-5)
    f64 = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in ins]
    check_grad("_contrib_hawkesll", f64, wrt=[0, 1, 2, 3], rtol=1e-4, atol=1e-6)
    s = mx.sym.contrib.hawkesll(*[mx.sym.var(n) for n in ("lda", "alpha", "beta", "state", "lags", "marks",
                                                          "valid_length", "max_time")])
    assert s.infer_shape(lda=(2, 3), alpha=(3,), beta=(3,), state=(2, 3), lags=(2, 4), marks=(2, 4),
                         valid_length=(2,), max_time=(2,))[1] == [(2,), (2, 3)]
    with pytest.raises(mx.MXNetError, match="alpha"):
        run_nd("_contrib_hawkesll", [ins[0], ins[1][:2]] + ins[2:])
    with pytest.raises(mx.MXNetError, match="marks"):
        run_nd("_contrib_hawkesll", ins[:5] + [ins[5].astype(np.float32)] + ins[6:])


# -- graph helpers and sampling --------------------------------------------------------------------


def test_graph_helpers_dense():
    adj = np.array([[0, 5, 0], [7, 0, 2], [0, 0, 0]], np.float32)
    u, v = np.array([0, 1, 1, 2, 3], np.float32), np.array([1, 0, 2, 2, 0], np.float32)
    check_forward("_contrib_edge_id", [adj, u, v], {}, np.array([5, 7, 2, -1, -1], np.float32))
    check_forward("_contrib_dgl_adjacency", [adj], {}, (adj != 0).astype(np.float32))
    got = run_nd("_contrib_getnnz", [adj])[0]
    assert got.dtype == np.int64 and got.tolist() == [3]
    assert run_nd("_contrib_getnnz", [adj], axis=1)[0].tolist() == [1, 2, 0]
    with pytest.raises(mx.MXNetError, match="not supported"):
        run_nd("_contrib_getnnz", [adj], axis=0)
    with pytest.raises(mx.MXNetError, match="2-D"):
        run_nd("_contrib_dgl_adjacency", [adj[0]])
    with pytest.raises(mx.MXNetError, match="same length"):
        run_nd("_contrib_edge_id", [adj, u, v[:2]])


def test_sample_unique_zipfian():
    mx.random.seed(3)
    samples, tries = mx.nd._internal._sample_unique_zipfian(range_max=50, shape=(4, 10))
    s, t = samples.asnumpy(), tries.asnumpy()
    assert s.dtype == np.int64 and t.dtype == np.int64 and s.shape == (4, 10) and t.shape == (4,)
    assert s.min() >= 0 and s.max() < 50 and (t >= 10).all()
    assert all(len(set(row)) == 10 for row in s.tolist())
    # log-uniform: small classes are drawn far more often than large ones
    big, _ = mx.nd._internal._sample_unique_zipfian(range_max=1000, shape=(50, 5))
    assert (big.asnumpy() < 100).mean() > 0.5
    mx.random.seed(3)
    again = mx.nd._internal._sample_unique_zipfian(range_max=50, shape=(4, 10))[0].asnumpy()
    np.testing.assert_array_equal(again, s)
    with pytest.raises(mx.MXNetError, match="exceed"):
        mx.nd._internal._sample_unique_zipfian(range_max=3, shape=(1, 5))
    with pytest.raises(mx.MXNetError, match="batch_size"):
        mx.nd._internal._sample_unique_zipfian(range_max=30, shape=(5,))


# -- mx.sym.random.*_like --------------------------------------------------------------------------


@pytest.mark.parametrize("name,kw", [("uniform_like", dict(low=2.0, high=3.0)), ("normal_like", dict(loc=1.0)),
                                     ("exponential_like", {}), ("gamma_like", dict(alpha=2.0)),
                                     ("poisson_like", dict(lam=3.0)), ("negative_binomial_like", dict(k=2, p=0.5)),
                                     ("generalized_negative_binomial_like", dict(mu=2.0, alpha=0.5))])
def test_symbol_random_like(name, kw):
    s = getattr(mx.sym.random, name)(mx.sym.var("x"), **kw)
    assert s.list_arguments() == ["x"]
    assert s.infer_shape(x=(3, 4))[1] == [(3, 4)]
    out = s.simple_bind(mx.cpu(), x=(3, 4)).forward()[0].asnumpy()
    assert out.shape == (3, 4) and np.isfinite(out).all()
    if name == "uniform_like":
        assert out.min() >= 2.0 and out.max() < 3.0


# -- every operator through mx.sym + simple_bind (forward and backward) against mx.nd + autograd ----

def _sym_cases():
    rs = np.random.RandomState(11)
    f = np.float32
    x4 = _u(rs, 2, 4, 5, 5)
    return [
        ("Convolution_v1", [x4, _u(rs, 3, 4, 3, 3), _u(rs, 3)], dict(kernel=(3, 3), num_filter=3), True),
        ("Pooling_v1", [x4], dict(kernel=(2, 2), stride=(2, 2), pad=(1, 1), pool_type="max"), True),
        ("_contrib_fft", [_u(rs, 3, 4)], {}, True),
        ("_contrib_ifft", [_u(rs, 3, 4)], {}, True),
        ("_contrib_ModulatedDeformableConvolution",
         [x4, _u(rs, 2, 18, 3, 3), _u(rs, 2, 9, 3, 3, lo=0, hi=1), _u(rs, 2, 4, 3, 3)],
         dict(kernel=(3, 3), num_filter=2, no_bias=True), True),
        ("_Greater", [x4, _u(rs, 2, 4, 5, 5)], {}, True),
        ("_Logical_Xor", [x4, _u(rs, 2, 4, 5, 5)], {}, True),
        ("_contrib_requantize", [rs.randint(-2 ** 30, 2 ** 30, 6).astype(np.int32), np.array([-5.0], f),
                                 np.array([5.0], f)], {}, False),
        ("_contrib_calibrate_entropy", [rs.randint(0, 50, 11).astype(f), np.linspace(-1, 1, 12).astype(f)],
         dict(num_quantized_bins=3), False),
        ("_contrib_edge_id", [np.array([[0, 3], [4, 0]], f), np.array([0, 1], f), np.array([1, 1], f)], {}, False),
        ("_contrib_dgl_adjacency", [np.array([[0, 3], [4, 0]], f)], {}, False),
        ("_contrib_getnnz", [np.array([[0, 3], [4, 0]], f)], {}, False),
        ("_contrib_backward_gradientmultiplier", [_u(rs, 3)], dict(scalar=2.0), True),
    ]


@pytest.mark.parametrize("case", range(len(_sym_cases())))
def test_symbol_matches_ndarray(case):
    name, ins, kw, grad = _sym_cases()[case]
    names = ["in%d" % i for i in range(len(ins))]
    if name.startswith("_contrib_"):
        sym_fn = getattr(mx.sym.contrib, name[len("_contrib_"):])
    else:
        sym_fn = getattr(mx.sym, name, None) or getattr(mx.sym._internal, name)
    s = sym_fn(*[mx.sym.var(n) for n in names], **kw)
    ex = s.simple_bind(mx.cpu(), grad_req="write" if grad else "null",
                       type_dict={n: a.dtype for n, a in zip(names, ins)}, **{n: a.shape for n, a in zip(names, ins)})
    for n, a in zip(names, ins):
        ex.arg_dict[n][:] = a
    outs = ex.forward(is_train=True)
    nds = [mx.nd.array(a, dtype=a.dtype) for a in ins]
    for a in nds:
        a.attach_grad()
    with autograd.record():
        want = _fn(name)(*nds, **kw)
    want = want if isinstance(want, list) else [want]
    assert len(outs) == len(want)
    for o, w in zip(outs, want):
        assert o.dtype == w.dtype
        np.testing.assert_allclose(o.asnumpy(), w.asnumpy(), rtol=1e-6, atol=1e-6)
    if grad:
        head = np.random.RandomState(0).uniform(-1, 1, want[0].shape).astype(np.float32)
        ex.backward([mx.nd.array(head)])
        want[0].backward(mx.nd.array(head))
        for n, a in zip(names, nds):
            np.testing.assert_allclose(ex.grad_dict[n].asnumpy(), a.grad.asnumpy(), rtol=1e-5, atol=1e-6, err_msg=n)
