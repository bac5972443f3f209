"""MXNet 1.9.1 operators kept for old programs and graphs, and contrib operators of detection
and signal models:

- legacy names: ``_Equal`` ... ``_Logical_Xor`` (aliases of ``_equal`` ...; MXNet writes the
  canonical name into symbol JSON), ``BatchNorm_v1``, ``Convolution_v1`` and ``Pooling_v1``
  (the kernels of ops/norm.py, ops/conv.py and ops/pooling.py), ``IdentityAttachKLSparseReg``;
- creation and plumbing: ``_linspace``, ``_set_value``, ``_NoGradient``, ``_CrossDeviceCopy``;
- signal: ``_contrib_fft`` / ``_contrib_ifft`` (MXNet runs them on GPUs only; here everywhere);
- detection: ``_contrib_DeformableConvolution``, ``_contrib_ModulatedDeformableConvolution``,
  ``_contrib_PSROIPooling``, ``_contrib_DeformablePSROIPooling``, ``_contrib_RROIAlign``;
- quantization: ``_contrib_dequantize``, ``_contrib_requantize``, ``_contrib_calibrate_entropy``;
- the rest: ``_contrib_hawkesll``, ``_contrib_edge_id`` / ``_contrib_dgl_adjacency`` (dense
  adjacency matrices stand in for CSR ones), ``_contrib_getnnz`` (dense),
  ``_sample_unique_zipfian``, ``_contrib_backward_gradientmultiplier``.

Where MXNet's published signature and its operator disagree, the operator wins: ``_linspace`` is
documented with ``_arange``'s parameters, but parses start/stop/num/endpoint (``mx.nd.linspace``
calls it so).
"""
import math

import numpy as np

from ..backend import to_numpy
from ..base import MXNetError
from .params import Param, Float, FloatOrNone, Bool, Int, IntOrNone, Str, Shape, ShapeOrNone, Enum, DType
from .registry import OpDef, Attrs, register, alias, get_op
from .conv import (_conv_forward, _conv_backward, _conv_infer_full, _float_type, _plain, _Long, _PosInt,
                   _CudnnTune, _spatial, _check_layout, _check_data, _dilated,
                   _fill_shape, _compute_dtype)
from .norm import (_bn_forward, _bn_backward, _bn_infer_full, _bn_infer_type, _bn_training, _move_stats,
                   _bn_fill_types)
from .pooling import (_pool_forward, _pool_backward, _infer_shape as _pool_infer_shape,
                      _infer_type as _pool_infer_type)

_CTX = Param("ctx", Str, "", "Context of output, in format [cpu|gpu|cpu_pinned](n).Only used for "
             "imperative calls.")


def _fmt(shape):
    return tuple(shape) if shape is not None else None


def _contrib(name, forward, **kw):
    return register(OpDef("_contrib_" + name, forward, **kw))


# -- legacy comparison names ----------------------------------------------------------------------
# MXNet 1.9.1 registers _Equal etc. as aliases: mx.sym._internal._Equal makes an `_equal` node.
for _new, _old in (("_equal", "_Equal"), ("_not_equal", "_Not_Equal"), ("_greater", "_Greater"),
                   ("_greater_equal", "_Greater_Equal"), ("_lesser", "_Lesser"),
                   ("_lesser_equal", "_Lesser_Equal"), ("_logical_and", "_Logical_And"),
                   ("_logical_or", "_Logical_Or"), ("_logical_xor", "_Logical_Xor")):
    alias(_new, _old)

# -- _linspace ------------------------------------------------------------------------------------


def _linspace_check(a):
    if a.num < 0:
        raise MXNetError("_linspace: Number of sequence should be non-negative, received {}".format(a.num))


def _linspace_forward(env, a, inputs, aux):
    _linspace_check(a)
    xp = env.xp
    n = a.num
    div = (n - 1) if a.endpoint else n
    step = (a.stop - a.start) / div if div > 0 else 0.0
    vals = a.start + step * xp.arange(n, dtype=np.float64)
    if a.endpoint and n > 1:
        vals[-1] = a.stop
    # float -> int conversion truncates toward zero, as MXNet's cast does
    return (vals.astype(a.dtype),)


def _linspace_shape(a, s):
    _linspace_check(a)
    return [(a.num,)]


register(OpDef(
    "_linspace", _linspace_forward,
    params=(Param("start", Float, doc="The starting value of the sequence."),
            Param("stop", Float, doc="The ending value of the sequence"),
            Param("num", Int, doc="Number of samples to generate. Must be non-negative."),
            Param("endpoint", Bool, True, "If True, stop is the last sample. Otherwise, it is not included."),
            _CTX, Param("dtype", DType(), "float32", "Target data type.")),
    inputs=(), infer_shape=_linspace_shape, infer_type=lambda a, t: [np.dtype(a.dtype)],
    doc="Return evenly spaced numbers over a specified interval. Similar to Numpy"))

# -- _set_value, _NoGradient, _CrossDeviceCopy ---------------------------------------------------


def _set_value_shape(a, s):
    # MXNet's _set_value has no inputs and writes its scalar into ``out``; its shape would come
    # from ``out``, which shape inference never sees here.
    raise MXNetError("_set_value: Set value target must not be empty: the output shape comes from "
                     "out=, which this implementation cannot take (use x[:] = value)")


register(OpDef(
    "_set_value", lambda env, a, i, x: (env.xp.asarray(a.src, dtype=np.float32),),
    params=(Param("src", Float, doc="Source input"),), inputs=(), infer_shape=_set_value_shape,
    infer_type=lambda a, t: [np.dtype(np.float32)],
    doc="Set all elements of the output to the scalar ``src`` (needs ``out``)."))


def _no_gradient_type(a, t):
    raise MXNetError("Operator _NoGradient is missing FInferType attribute: it only marks "
                     "gradients that are not needed in a graph")


register(OpDef(
    "_NoGradient", lambda env, a, i, x: (env.xp.zeros((1,), dtype=np.float32),), inputs=(),
    infer_shape=lambda a, s: [(1,)], infer_type=_no_gradient_type,
    doc="Place holder for variable who cannot perform gradient"))

register(OpDef(
    "_CrossDeviceCopy", lambda env, a, i, x: (i[0].copy(),), inputs=lambda a: ("data",), all_inputs=(),
    backward=lambda env, a, i, o, g, req: [g[0]],
    doc="Special op to copy data cross device (inserted by graph executors, not called directly)."))

# -- BatchNorm_v1 ---------------------------------------------------------------------------------


def _bn1_attrs(a):
    return Attrs(a, axis=1)


def _bn1_infer_full(a, in_shapes, aux_shapes):
    d = in_shapes[0]
    if d is not None and len(d) < 2:
        raise MXNetError("BatchNorm_v1: data must have at least 2 dimensions (N, C, ...), got {}".format(
            _fmt(d)))
    return _bn_infer_full(_bn1_attrs(a), in_shapes, aux_shapes)


def _bn1_forward(env, a, inputs, aux):
    b = _bn1_attrs(a)
    y, mean, rstd = _bn_forward(env, b, inputs, aux)
    # BatchNorm_v1 outputs the variance where BatchNorm outputs its inverse standard deviation
    var = 1 / (rstd * rstd) - mean.dtype.type(a.eps)
    if not (env.is_train and not a.use_global_stats):
        var = aux[1].astype(mean.dtype)
    return (y, mean, var)


def _bn1_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    y, mean, var = outputs
    rstd = 1 / xp.sqrt(var + var.dtype.type(a.eps))
    return _bn_backward(env, _bn1_attrs(a), inputs, (y, mean, rstd), out_grads, req)


def _bn1_update_aux(env, a, inputs, outputs, aux):
    b = _bn1_attrs(a)
    if _bn_training(env, b) and len(aux) == 2:     # (its var output is the batch variance)
        _move_stats(aux, outputs[1], outputs[2], b.momentum)


_BN = get_op("BatchNorm")      # BatchNorm_v1 shares its momentum / fix_gamma / use_global_stats and aux inits
register(OpDef(
    "BatchNorm_v1", _bn1_forward,
    params=(Param("eps", Float, 1e-3, "Epsilon to prevent div 0"),
            *(_BN.param_map[n] for n in ("momentum", "fix_gamma", "use_global_stats")),
            Param("output_mean_var", Bool, False, "Output All,normal mean and var")),
    inputs=("data", "gamma", "beta"), aux=("moving_mean", "moving_var"),
    all_inputs=("data", "gamma", "beta"),
    outputs=("output", "mean", "var"), num_visible_outputs=lambda a: 3 if a.output_mean_var else 1,
    infer_shape=_plain(_bn1_infer_full), infer_shape_full=_bn1_infer_full, infer_type=_bn_infer_type,
    fill_types=_bn_fill_types,
    backward=_bn1_backward, update_aux=_bn1_update_aux, var_attrs=_BN.var_attrs,
    doc="Batch normalization (legacy version, channel axis 1; the mean/var outputs are the batch "
        "mean and variance)."))

# -- Convolution_v1 -------------------------------------------------------------------------------


def _conv_params(docs, count, after_group=()):
    """Convolution_v1's and the deformable convolutions' parameters kernel, stride, dilate, pad,
    num_filter, num_group (of type ``count``), ``after_group``, workspace and no_bias; ``docs``:
    the descriptions of kernel ... num_group and workspace."""
    kernel, stride, dilate, pad, num_filter, num_group, workspace = docs
    return ((Param("kernel", Shape, doc=kernel), Param("stride", Shape, (), stride),
             Param("dilate", Shape, (), dilate), Param("pad", Shape, (), pad),
             Param("num_filter", count, doc=num_filter), Param("num_group", count, 1, num_group))
            + tuple(after_group)
            + (Param("workspace", _Long, 1024, workspace), Param("no_bias", Bool, False, "Whether to disable bias parameter.")))


def _conv1_infer_full(a, in_shapes, aux_shapes):
    if len(a.kernel) != 2 and len(a.kernel) != 3:
        raise MXNetError("Convolution_v1: {}D convolution not supported (kernel={}); use Convolution".format(
            len(a.kernel), a.kernel))
    return _conv_infer_full(a, in_shapes, aux_shapes)


register(OpDef(
    "Convolution_v1", _conv_forward,
    params=_conv_params(("convolution kernel size: (h, w) or (d, h, w)", "convolution stride: (h, w) or (d, h, w)",
                         "convolution dilate: (h, w) or (d, h, w)", "pad for convolution: (h, w) or (d, h, w)",
                         "convolution filter(channel) number", "Number of group partitions.",
                         "Maximum temporary workspace allowed for convolution (MB)."), _PosInt) + (
            Param("cudnn_tune", _CudnnTune, None, "Whether to pick convolution algo by running performance test."),
            Param("cudnn_off", Bool, False, "Turn off cudnn for this layer."),
            Param("layout", Enum("NCDHW", "NCHW", "NDHWC", "NHWC", none=True), None,
                  "Set layout for input, output and weight. Empty for default layout: NCHW for 2d and NCDHW "
                  "for 3d.")),
    inputs=lambda a: ["data", "weight"] if a.no_bias else ["data", "weight", "bias"],
    all_inputs=("data", "weight", "bias"),
    infer_shape=_plain(_conv1_infer_full), infer_shape_full=_conv1_infer_full,
    infer_type=_float_type("Convolution_v1", ("data", "weight", "bias")), backward=_conv_backward,
    doc="This operator is DEPRECATED. Apply convolution to input then add a bias."))

# -- Pooling_v1 -----------------------------------------------------------------------------------
# Pooling_v1 pads the ``pad`` border with zeros, for max pooling too (Pooling pads max with -inf);
# windows of the ``full`` convention that overhang the padded input are clipped, and avg always
# divides by the kernel size. So the input is zero-padded here, Pooling's kernel runs unpadded
# (sum in place of avg), and avg is scaled by 1 / kernel size.


def _pool1_attrs(a):
    return get_op("Pooling").parse(dict(a))


def _pool1_shape(a, s):
    if len(s[0]) not in (4, 5):
        raise MXNetError("Pooling_v1: Input data should be 4D in (batch, channel, y, x) Or 5D in "
                         "(batch, channel, d, y, x), got {}".format(_fmt(s[0])))
    return _pool_infer_shape(_pool1_attrs(a), s)


def _pool1_plan(a, ndim):
    """(zero padding per axis or None, attrs of the unpadded Pooling, avg scale or None)."""
    if a.global_pool:
        return None, _pool1_attrs(a), None
    nd = ndim - 2
    pad = tuple(a.pad) or (0,) * nd
    inner = get_op("Pooling").parse({"kernel": a.kernel, "stride": a.stride, "pooling_convention": a.pooling_convention,
                                     "pool_type": "sum" if a.pool_type == "avg" else a.pool_type})
    scale = 1.0 / float(np.prod(a.kernel)) if a.pool_type == "avg" else None
    return [(0, 0), (0, 0)] + [(p, p) for p in pad], inner, scale


def _pool1_forward(env, a, inputs, aux):
    widths, inner, scale = _pool1_plan(a, inputs[0].ndim)
    x = inputs[0] if widths is None else env.xp.pad(inputs[0], widths)
    y = _pool_forward(env, inner, [x], aux)[0]
    return (y if scale is None else y * y.dtype.type(scale),)


def _pool1_backward(env, a, inputs, outputs, out_grads, req):
    widths, inner, scale = _pool1_plan(a, inputs[0].ndim)
    if widths is None:
        return _pool_backward(env, inner, inputs, outputs, out_grads, req)
    xpad = env.xp.pad(inputs[0], widths)
    g = out_grads[0] if scale is None else out_grads[0] * out_grads[0].dtype.type(scale)
    y = outputs[0] if scale is None else outputs[0] / outputs[0].dtype.type(scale)
    gx = _pool_backward(env, inner, [xpad], [y], [g], req)[0]
    return [gx[tuple(slice(lo, gx.shape[i] - hi) for i, (lo, hi) in enumerate(widths))]]


register(OpDef(
    "Pooling_v1", _pool1_forward,
    params=(Param("kernel", Shape, (), "pooling kernel size: (y, x) or (d, y, x)"),
            Param("pool_type", Enum("avg", "max", "sum"), "max", "Pooling type to be applied."),
            Param("global_pool", Bool, False, "Ignore kernel size, do global pooling based on current input "
                  "feature map. "),
            Param("pooling_convention", Enum("full", "valid"), "valid", "Pooling convention to be applied."),
            Param("stride", Shape, (), "stride: for pooling (y, x) or (d, y, x)"),
            Param("pad", Shape, (), "pad for pooling: (y, x) or (d, y, x)")),
    infer_shape=_pool1_shape, infer_type=lambda a, t: _pool_infer_type(_pool1_attrs(a), t),
    backward=_pool1_backward, doc="This operator is DEPRECATED. Perform pooling on the input."))

# -- IdentityAttachKLSparseReg --------------------------------------------------------------------
# Identity forward; backward adds penalty * (-t / rho + (1 - t) / (1 - rho)) to the gradient,
# rho the moving average (momentum) of the mean activation of each channel (axis 1). MXNet
# updates rho in backward; here the training forward updates it and passes it on as a hidden
# output.


def _kl_red(x):
    return (0,) + tuple(range(2, x.ndim))


def _kl_forward(env, a, inputs, aux):
    x = inputs[0]
    if env.is_train:
        m = a.momentum
        mean = x.mean(axis=_kl_red(x))
        aux[0][...] = aux[0] * aux[0].dtype.type(m) + mean.astype(aux[0].dtype) * aux[0].dtype.type(1 - m)
    return (x.copy(), aux[0].copy())


def _kl_backward(env, a, inputs, outputs, out_grads, req):
    x = inputs[0]
    rho = outputs[1]
    t = a.sparseness_target
    reg = a.penalty * (-t / rho + (1 - t) / (1 - rho))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return [(out_grads[0] + reg.reshape(shape)).astype(x.dtype, copy=False)]


def _kl_infer_full(a, in_shapes, aux_shapes):
    d = in_shapes[0]
    aux_shapes = list(aux_shapes) + [None] * (1 - len(aux_shapes))
    if d is None:
        return list(in_shapes), [None, None], aux_shapes
    if len(d) < 2:
        raise MXNetError("IdentityAttachKLSparseReg: data must be at least 2-D (N, C, ...), got {}".format(
            _fmt(d)))
    c = (d[1],)
    if aux_shapes[0] is not None and tuple(aux_shapes[0]) != c:
        raise MXNetError("IdentityAttachKLSparseReg: shape inconsistent for moving_avg: provided {}, "
                         "inferred {} from data {}".format(_fmt(aux_shapes[0]), c, _fmt(d)))
    return list(in_shapes), [tuple(d), c], [c]


register(OpDef(
    "IdentityAttachKLSparseReg", _kl_forward,
    params=(Param("sparseness_target", Float, 0.1, "The sparseness target"),
            Param("penalty", Float, 0.001, "The tradeoff parameter for the sparseness penalty"),
            Param("momentum", Float, 0.9, "The momentum for running average")),
    inputs=("data",), aux=("moving_avg",), all_inputs=("data",), outputs=("output", "moving_avg"),
    num_visible_outputs=1, infer_shape=_plain(_kl_infer_full), infer_shape_full=_kl_infer_full,
    infer_type=lambda a, t: [t[0], t[0]], backward=_kl_backward,
    var_attrs={"moving_avg": {"__init__": '["zero", {}]'}},
    doc="Apply a sparse regularization to the output a sigmoid activation function."))

# -- fft / ifft -----------------------------------------------------------------------------------
# fft: real (..., d) -> (..., 2d) holding [re0, im0, re1, im1, ...]; ifft: (..., 2d) -> the real
# part of the unnormalised inverse transform, (..., d) (cuFFT's convention, as MXNet's GPU op).


def _fft_shape(name, need_even):
    def infer_shape(a, s):
        d = tuple(s[0])
        if len(d) not in (2, 4):
            raise MXNetError("{}: data must be (N, d) or (N1, N2, N3, d), got {}".format(name, d))
        if need_even and d[-1] % 2:
            raise MXNetError("{}: the last dimension of data {} must be even ([real, imag] pairs)".format(name, d))
        return [d[:-1] + ((d[-1] * 2,) if not need_even else (d[-1] // 2,))]
    return infer_shape


def _interleave(xp, z, dtype):
    out = xp.empty(z.shape[:-1] + (2 * z.shape[-1],), dtype=dtype)
    out[..., 0::2] = z.real
    out[..., 1::2] = z.imag
    return out


def _deinterleave(x):
    return x[..., 0::2] + 1j * x[..., 1::2]


def _fft_forward(env, a, inputs, aux):
    x = inputs[0]
    return (_interleave(env.xp, env.xp.fft.fft(x.astype(np.float64), axis=-1), x.dtype),)


def _fft_backward(env, a, inputs, outputs, out_grads, req):
    # d/dx_n of sum_k gr_k Re(X_k) + gi_k Im(X_k) = Re(sum_k g_k e^{+2 pi i k n / d})
    xp = env.xp
    g = _deinterleave(out_grads[0].astype(np.float64))
    d = g.shape[-1]
    return [(xp.fft.ifft(g, axis=-1) * d).real.astype(inputs[0].dtype)]


def _ifft_forward(env, a, inputs, aux):
    xp = env.xp
    z = _deinterleave(inputs[0].astype(np.float64))
    return (((xp.fft.ifft(z, axis=-1) * z.shape[-1]).real).astype(inputs[0].dtype),)


def _ifft_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    return [_interleave(xp, xp.fft.fft(out_grads[0].astype(np.float64), axis=-1), inputs[0].dtype)]


_COMPUTE_SIZE = Param("compute_size", Int, 128, "Maximum size of sub-batch to be forwarded at one time")
_contrib("fft", _fft_forward, params=(_COMPUTE_SIZE,), infer_shape=_fft_shape("_contrib_fft", False),
         infer_type=_float_type("_contrib_fft", ("data",)), backward=_fft_backward,
         doc="Apply 1D FFT to input (real data; output [real0, imag0, real1, imag1, ...]).")
_contrib("ifft", _ifft_forward, params=(_COMPUTE_SIZE,), infer_shape=_fft_shape("_contrib_ifft", True),
         infer_type=_float_type("_contrib_ifft", ("data",)), backward=_ifft_backward,
         doc="Apply 1D ifft to input ([real, imag] pairs; output the real part, unnormalised).")

# -- bilinear sampling with zero padding (deformable convolution) ---------------------------------


def _bilinear_taps(xp, py, px, h, w, clamp=False):
    """The four corners of bilinear sampling at (py, px) in an h x w plane: a list of (flat index,
    weight, d weight/dpy, d weight/dpx).

    ``clamp=False`` (ModulatedDeformableConvolution's dmcn_im2col_bilinear): points with
    -1 < p < size interpolate with zeros outside the plane. ``clamp=True`` (DeformableConvolution):
    points need 0 <= p < size, and one in the last row/column takes that row/column's value."""
    if clamp:
        inside = (py >= 0) & (px >= 0) & (py < h) & (px < w)
    else:
        inside = (py > -1) & (px > -1) & (py < h) & (px < w)
    y0 = xp.floor(py)
    x0 = xp.floor(px)
    ly, lx = py - y0, px - x0
    y0 = y0.astype(np.int64)
    x0 = x0.astype(np.int64)
    gy = gx = 1.0
    if clamp:
        ey, ex = y0 >= h - 1, x0 >= w - 1
        ly, lx = xp.where(ey, 0, ly), xp.where(ex, 0, lx)
        y0, x0 = xp.where(ey, h - 1, y0), xp.where(ex, w - 1, x0)
        gy, gx = (~ey).astype(py.dtype), (~ex).astype(py.dtype)
    taps = []
    for dy, dx in ((0, 0), (0, 1), (1, 0), (1, 1)):
        yy, xx = y0 + dy, x0 + dx
        ok = inside & (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        wy = ly if dy else 1 - ly
        wx = lx if dx else 1 - lx
        sy = 1.0 if dy else -1.0
        sx = 1.0 if dx else -1.0
        idx = xp.where(ok, yy * w + xx, 0)
        okf = ok.astype(py.dtype)
        taps.append((idx, wy * wx * okf, sy * wx * okf * gy, sx * wy * okf * gx))
    return taps


def _scatter(xp, index, weights, size, dtype):
    out = xp.bincount(index.reshape(-1), weights=weights.reshape(-1).astype(np.float64), minlength=size)
    return out.astype(dtype, copy=False)

# -- DeformableConvolution / ModulatedDeformableConvolution ---------------------------------------
# Columns (N, C, K, L) are bilinear samples of the input at the kernel positions moved by the
# offsets (N, dg * K * 2, Ho, Wo; per deformable group and kernel position an (dy, dx) pair),
# times the mask (N, dg * K, Ho, Wo) for the modulated op; then a grouped GEMM with the weight.


def _dconv_check(name, a, dshape):
    k, s, d, p = _spatial(name, a)
    if len(k) != 2:
        raise MXNetError("{}: only 2-D kernels are supported, got kernel={}".format(name, k))
    _check_layout(name, a.layout, 2)
    _check_data(name, dshape, 2)
    c = dshape[1]
    if c % a.num_group or a.num_filter % a.num_group:
        raise MXNetError("{}: channels {} of data {} and num_filter={} must be divisible by num_group={}".format(
            name, c, tuple(dshape), a.num_filter, a.num_group))
    if c % a.num_deformable_group:
        raise MXNetError("{}: channels {} of data {} must be divisible by num_deformable_group={}".format(
            name, c, tuple(dshape), a.num_deformable_group))
    dk = _dilated(k, d)
    out = tuple((x + 2 * q - e) // t + 1 for x, q, e, t in zip(dshape[2:], p, dk, s))
    if min(out) < 1:
        raise MXNetError("{}: kernel {} (dilate {}) is larger than data {} padded by {}".format(
            name, k, d, tuple(dshape), p))
    return k, s, d, p, out


def _dconv_infer_full(name, modulated):
    names = ["data", "offset"] + (["mask"] if modulated else []) + ["weight", "bias"]

    def infer(a, in_shapes, aux_shapes):
        in_shapes = list(in_shapes)
        dshape = in_shapes[0]
        if dshape is None:
            return in_shapes, [None], list(aux_shapes)
        dshape = tuple(dshape)
        k, s, d, p, out = _dconv_check(name, a, dshape)
        kk = k[0] * k[1]
        dg = a.num_deformable_group
        why = "kernel={}, num_filter={}, num_group={}, num_deformable_group={}".format(
            k, a.num_filter, a.num_group, dg)
        _fill_shape(name, in_shapes, 1, "offset", (dshape[0], dg * kk * 2) + out, dshape, why)
        i = 2
        if modulated:
            _fill_shape(name, in_shapes, 2, "mask", (dshape[0], dg * kk) + out, dshape, why)
            i = 3
        _fill_shape(name, in_shapes, i, "weight", (a.num_filter, dshape[1] // a.num_group) + k, dshape, why)
        if not a.no_bias:
            _fill_shape(name, in_shapes, i + 1, "bias", (a.num_filter,), dshape, why)
        return in_shapes, [(dshape[0], a.num_filter) + out], list(aux_shapes)
    return infer, names


def _dconv_taps(xp, a, offset, h, w, k, s, d, p, out, ct, clamp):
    """Bilinear taps of one sample: (deformable group, kernel position, output position)."""
    dg = a.num_deformable_group
    kk = k[0] * k[1]
    ll = out[0] * out[1]
    off = offset.astype(ct, copy=False).reshape(dg, kk, 2, ll)
    ki = xp.arange(kk)
    ky = ((ki // k[1]) * d[0]).astype(ct)[:, None]
    kx = ((ki % k[1]) * d[1]).astype(ct)[:, None]
    li = xp.arange(ll)
    oy = ((li // out[1]) * s[0] - p[0]).astype(ct)[None, :]
    ox = ((li % out[1]) * s[1] - p[1]).astype(ct)[None, :]
    return _bilinear_taps(xp, oy + ky + off[:, :, 0], ox + kx + off[:, :, 1], h, w, clamp)   # (dg, K, L)


def _dconv_parts(a, inputs, modulated):
    if modulated:
        x, offset, mask, weight = inputs[:4]
        bias = None if a.no_bias else inputs[4]
    else:
        x, offset, weight = inputs[:3]
        mask = None
        bias = None if a.no_bias else inputs[3]
    return x, offset, mask, weight, bias


def _dconv_samples(xp, xi, taps, dg, ct, grads=False):
    """Samples (dg, Cg, K, L) of one image xi (C, H, W); with ``grads`` also their derivatives
    along y and x."""
    planes = xi.astype(ct, copy=False).reshape(dg, -1, xi.shape[1] * xi.shape[2])     # (dg, Cg, HW)
    rows = xp.arange(dg)[:, None, None, None]
    val = gy = gx = 0
    for idx, wt, wy, wx in taps:
        v = planes[rows, xp.arange(planes.shape[1])[None, :, None, None], idx[:, None]]
        val = val + v * wt[:, None]
        if grads:
            gy = gy + v * wy[:, None]
            gx = gx + v * wx[:, None]
    return val, gy, gx


def _dconv_setup(name, a, inputs, modulated):
    """What the forward and backward share: the inputs x, offset, mask, bias (None when absent),
    the geometry (k, s, d, p, out), the compute dtype and the weight as (groups, filters per
    group, -1) matrices."""
    x, offset, mask, weight, bias = _dconv_parts(a, inputs, modulated)
    geometry = _dconv_check(name, a, x.shape)
    ct = _compute_dtype(x.dtype)
    wm = weight.astype(ct, copy=False).reshape(a.num_group, a.num_filter // a.num_group, -1)
    return (x, offset, mask, bias), geometry, ct, wm


def _dconv_forward_fn(name, modulated):
    def forward(env, a, inputs, aux):
        xp = env.xp
        (x, offset, mask, bias), (k, s, d, p, out), ct, wm = _dconv_setup(name, a, inputs, modulated)
        n, c, h, w = x.shape
        g, dg, kk, ll = a.num_group, a.num_deformable_group, k[0] * k[1], out[0] * out[1]
        y = xp.empty((n, g, a.num_filter // g, ll), dtype=ct)
        for i in range(n):      # one sample at a time bounds the column buffer
            taps = _dconv_taps(xp, a, offset[i], h, w, k, s, d, p, out, ct, not modulated)
            cols, _, _ = _dconv_samples(xp, x[i], taps, dg, ct)
            if mask is not None:
                cols = cols * mask[i].astype(ct, copy=False).reshape(dg, 1, kk, ll)
            xp.matmul(wm, cols.reshape(g, -1, ll), out=y[i])
        y = y.reshape((n, a.num_filter) + out)
        if bias is not None:
            y += bias.astype(ct, copy=False).reshape(1, -1, 1, 1)
        return (y.astype(x.dtype, copy=False),)
    return forward


def _dconv_backward_fn(name, modulated):
    def backward(env, a, inputs, outputs, out_grads, req):
        xp = env.xp
        (x, offset, mask, _), (k, s, d, p, out), ct, wm = _dconv_setup(name, a, inputs, modulated)
        n, c, h, w = x.shape
        g, dg, kk, ll = a.num_group, a.num_deformable_group, k[0] * k[1], out[0] * out[1]
        cg = c // dg
        i_w = 3 if modulated else 2
        gy_all = out_grads[0].astype(ct, copy=False).reshape(n, g, a.num_filter // g, ll)
        gx_all = xp.zeros(x.shape, dtype=ct) if req[0] else None
        goff = xp.zeros(offset.shape, dtype=ct) if req[1] else None
        gmask = xp.zeros(mask.shape, dtype=ct) if modulated and req[2] else None
        gw = xp.zeros(wm.shape, dtype=ct) if req[i_w] else None
        base = (xp.arange(c).reshape(dg, cg) * (h * w))[:, :, None, None]           # (dg, Cg, 1, 1)
        for i in range(n):
            taps = _dconv_taps(xp, a, offset[i], h, w, k, s, d, p, out, ct, not modulated)
            raw, dy, dx = _dconv_samples(xp, x[i], taps, dg, ct, grads=req[1])
            m = None if mask is None else mask[i].astype(ct, copy=False).reshape(dg, 1, kk, ll)
            gy = gy_all[i]
            if gw is not None:
                cols = raw if m is None else raw * m
                gw += xp.matmul(gy, cols.reshape(g, -1, ll).transpose(0, 2, 1))
            dcols = xp.matmul(wm.transpose(0, 2, 1), gy).reshape(dg, cg, kk, ll)
            if gmask is not None:
                gmask[i] = (dcols * raw).sum(axis=1).reshape(gmask.shape[1:])
            if m is not None:
                dcols = dcols * m
            if gx_all is not None:
                for idx, wt, _, _ in taps:
                    gx_all[i] += _scatter(xp, base + idx[:, None], dcols * wt[:, None], c * h * w,
                                          ct).reshape(c, h, w)
            if goff is not None:
                # (dg, K, 2, L): the (dy, dx) pair of each kernel position
                goff[i] = xp.stack([(dcols * dy).sum(axis=1), (dcols * dx).sum(axis=1)], axis=2).reshape(
                    goff.shape[1:])
        grads = [gx_all, goff] + ([gmask] if modulated else []) + [gw]
        if not a.no_bias:
            grads.append(gy_all.sum(axis=(0, 3)).reshape(-1) if req[i_w + 1] else None)
        return [None if gr is None else gr.reshape(inp.shape).astype(inp.dtype, copy=False)
                for gr, inp in zip(grads, inputs)]
    return backward


def _dconv_params(non_neg):
    cnt = _PosInt if non_neg else Int
    return _conv_params(("Convolution kernel size: (h, w) or (d, h, w)",
                         "Convolution stride: (h, w) or (d, h, w). Defaults to 1 for each dimension.",
                         "Convolution dilate: (h, w) or (d, h, w). Defaults to 1 for each dimension.",
                         "Zero pad for convolution: (h, w) or (d, h, w). Defaults to no padding.",
                         "Convolution filter(channel) number", "Number of group partitions.",
                         "Maximum temperal workspace allowed for convolution (MB)."), cnt,
                        (Param("num_deformable_group", cnt, 1, "Number of deformable group partitions."),))


_LAYOUT3 = Param("layout", Enum("NCDHW", "NCHW", "NCW", none=True), None,
                 "Set layout for input, output and weight. Empty for default layout: NCW for 1d, NCHW for 2d "
                 "and NCDHW for 3d.")
_dci, _dcn = _dconv_infer_full("_contrib_DeformableConvolution", False)
_contrib("DeformableConvolution", _dconv_forward_fn("_contrib_DeformableConvolution", False),
         params=_dconv_params(False) + (_LAYOUT3,),
         inputs=lambda a: ["data", "offset", "weight"] + ([] if a.no_bias else ["bias"]), all_inputs=_dcn,
         infer_shape=_plain(_dci), infer_shape_full=_dci,
         infer_type=_float_type("_contrib_DeformableConvolution", _dcn),
         backward=_dconv_backward_fn("_contrib_DeformableConvolution", False),
         doc="Compute 2-D deformable convolution on 4-D input.")
_mdci, _mdcn = _dconv_infer_full("_contrib_ModulatedDeformableConvolution", True)
_contrib("ModulatedDeformableConvolution", _dconv_forward_fn("_contrib_ModulatedDeformableConvolution", True),
         params=_dconv_params(True) + (Param("im2col_step", _PosInt, 64, "Maximum number of images per im2col "
                                             "computation; The total batch size should be divisable by this "
                                             "value."), _LAYOUT3),
         inputs=lambda a: ["data", "offset", "mask", "weight"] + ([] if a.no_bias else ["bias"]),
         all_inputs=_mdcn, infer_shape=_plain(_mdci), infer_shape_full=_mdci,
         infer_type=_float_type("_contrib_ModulatedDeformableConvolution", _mdcn),
         backward=_dconv_backward_fn("_contrib_ModulatedDeformableConvolution", True),
         doc="Compute 2-D modulated deformable convolution on 4-D input.")

# -- PSROIPooling ---------------------------------------------------------------------------------
# Position-sensitive average pooling (R-FCN): output channel ``ctop`` of bin (ph, pw) averages
# input channel (ctop * group + gh) * group + gw over the bin, (gh, gw) the bin's group cell.
# Bin sums come from a summed-area table; the gradient spreads g / area over each bin through a
# 2-D difference array.


def _round_half_away(xp, x):
    return xp.sign(x) * xp.floor(xp.abs(x) + 0.5)


def _ps_group(xp, pooled, group):
    cell = xp.floor(xp.arange(pooled, dtype=np.float64) * group / pooled).astype(np.int64)
    return xp.clip(cell, 0, group - 1)


def _ps_channels(xp, a, group, pooled):
    """(Cout, PH, PW) input channel of every output position."""
    gh = _ps_group(xp, pooled, group)
    ctop = xp.arange(a.output_dim)
    return (ctop[:, None, None] * group + gh[None, :, None]) * group + gh[None, None, :]


def _ps_infer(name, group_of, with_trans):
    def infer(a, s):
        d, r = tuple(s[0]), tuple(s[1])
        if len(d) != 4:
            raise MXNetError("{}: data must be 4-D (N, C, H, W), got {}".format(name, d))
        if len(r) != 2 or r[1] != 5:
            raise MXNetError("{}: rois must be (R, 5) [batch_index, x1, y1, x2, y2], got {}".format(name, r))
        g = group_of(a)
        if d[1] != a.output_dim * g * g:
            raise MXNetError("{}: data {} must have output_dim * group_size^2 = {} * {}^2 = {} channels".format(
                name, d, a.output_dim, g, a.output_dim * g * g))
        if with_trans and not a.no_trans:
            t = tuple(s[2])
            part = a.part_size or a.pooled_size
            if len(t) != 4 or t[0] != r[0] or t[1] % 2 or t[1] == 0 or a.output_dim % (t[1] // 2) \
                    or t[2:] != (part, part):
                raise MXNetError("{}: trans must be (R, 2 * num_classes, part_size, part_size) = ({}, 2k, {}, {}) "
                                 "with output_dim={} divisible by k, got {}".format(
                                     name, r[0], part, part, a.output_dim, t))
        return [(r[0], a.output_dim, a.pooled_size, a.pooled_size)]
    return infer


def _psroi_group(a):
    return a.group_size if a.group_size > 0 else a.pooled_size


def _psroi_bins(xp, a, data, rois):
    n, c, h, w = data.shape
    p = a.pooled_size
    r = rois.astype(np.float64)
    s = a.spatial_scale
    x1 = _round_half_away(xp, r[:, 1]) * s
    y1 = _round_half_away(xp, r[:, 2]) * s
    x2 = (_round_half_away(xp, r[:, 3]) + 1.0) * s
    y2 = (_round_half_away(xp, r[:, 4]) + 1.0) * s
    rw = xp.maximum(x2 - x1, 0.1)
    rh = xp.maximum(y2 - y1, 0.1)
    q = xp.arange(p, dtype=np.float64)[None, :]
    bh, bw = (rh / p)[:, None], (rw / p)[:, None]
    hs = xp.clip(xp.floor(q * bh + y1[:, None]), 0, h).astype(np.int64)        # (R, P)
    he = xp.clip(xp.ceil((q + 1) * bh + y1[:, None]), 0, h).astype(np.int64)
    ws = xp.clip(xp.floor(q * bw + x1[:, None]), 0, w).astype(np.int64)
    we = xp.clip(xp.ceil((q + 1) * bw + x1[:, None]), 0, w).astype(np.int64)
    hs, he = hs[:, None, :, None], he[:, None, :, None]                         # (R, 1, P, 1)
    ws, we = ws[:, None, None, :], we[:, None, None, :]                         # (R, 1, 1, P)
    area = ((he - hs) * (we - ws)).astype(np.float64)
    chan = _ps_channels(xp, a, _psroi_group(a), p)[None]                        # (1, Cout, P, P)
    bidx = xp.clip(r[:, 0].astype(np.int64), 0, n - 1)[:, None, None, None]
    plane = (bidx * c + chan) * ((h + 1) * (w + 1))                             # (R, Cout, P, P)
    return plane, hs, he, ws, we, area


def _psroi_forward(env, a, inputs, aux):
    xp = env.xp
    data, rois = inputs
    n, c, h, w = data.shape
    plane, hs, he, ws, we, area = _psroi_bins(xp, a, data, rois)
    sat = xp.zeros((n, c, h + 1, w + 1), dtype=np.float64)
    sat[:, :, 1:, 1:] = data.astype(np.float64).cumsum(axis=2).cumsum(axis=3)
    flat = sat.reshape(-1)
    w1 = w + 1
    total = (flat[plane + he * w1 + we] - flat[plane + hs * w1 + we]
             - flat[plane + he * w1 + ws] + flat[plane + hs * w1 + ws])
    out = xp.where(area > 0, total / xp.maximum(area, 1), 0.0)
    return (out.astype(data.dtype),)


def _psroi_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, rois = inputs
    n, c, h, w = data.shape
    plane, hs, he, ws, we, area = _psroi_bins(xp, a, data, rois)
    v = xp.where(area > 0, out_grads[0].astype(np.float64) / xp.maximum(area, 1), 0.0)
    w1 = w + 1
    size = n * c * (h + 1) * w1
    diff = 0
    for yy, xx, sign in ((hs, ws, 1), (hs, we, -1), (he, ws, -1), (he, we, 1)):
        idx = xp.broadcast_to(plane + yy * w1 + xx, v.shape)
        diff = diff + _scatter(xp, idx, sign * v, size, np.float64)
    diff = diff.reshape(n, c, h + 1, w1).cumsum(axis=2).cumsum(axis=3)
    return [diff[:, :, :h, :w].astype(data.dtype), xp.zeros_like(rois)]


_contrib("PSROIPooling", _psroi_forward, inputs=("data", "rois"),
         params=(Param("spatial_scale", Float, doc="Ratio of input feature map height (or w) to raw image height "
                       "(or w). Equals the reciprocal of total stride in convolutional layers"),
                 Param("output_dim", Int, doc="fix output dim"),
                 Param("pooled_size", Int, doc="fix pooled size"),
                 Param("group_size", Int, 0, "fix group size")),
         infer_shape=_ps_infer("_contrib_PSROIPooling", _psroi_group, False),
         infer_type=_float_type("_contrib_PSROIPooling", ("data", "rois")), backward=_psroi_backward,
         doc="Performs region-of-interest pooling on inputs; position-sensitive version (R-FCN).")

# -- DeformablePSROIPooling -----------------------------------------------------------------------
# Each bin averages sample_per_part^2 bilinear samples (clamped into the map, skipped beyond half a
# pixel outside), the bin moved by trans * trans_std * roi size; the gradient of trans follows
# MXNet's formula (the clamp's own derivative ignored).


def _dps_geometry(xp, a, data, rois, trans):
    n, c, h, w = data.shape
    p, spp, g = a.pooled_size, a.sample_per_part, a.group_size
    part = a.part_size or p
    r = rois.astype(np.float64)
    s = a.spatial_scale
    x1 = _round_half_away(xp, r[:, 1]) * s - 0.5
    y1 = _round_half_away(xp, r[:, 2]) * s - 0.5
    x2 = (_round_half_away(xp, r[:, 3]) + 1.0) * s - 0.5
    y2 = (_round_half_away(xp, r[:, 4]) + 1.0) * s - 0.5
    rw = xp.maximum(x2 - x1, 0.1)[:, None, None, None]
    rh = xp.maximum(y2 - y1, 0.1)[:, None, None, None]
    bh, bw = rh / p, rw / p
    q = xp.arange(p, dtype=np.float64)
    part_idx = xp.floor(q / p * part).astype(np.int64)
    nr = r.shape[0]
    if a.no_trans or trans is None:
        tx = ty = xp.zeros((nr, a.output_dim, p, p))
        per_class = None
    else:
        ncls = trans.shape[1] // 2
        per_class = a.output_dim // ncls
        cls = xp.arange(a.output_dim) // per_class                                # (Cout,)
        t = trans.astype(np.float64).reshape(nr, ncls, 2, part, part)
        sel = t[:, cls][:, :, :, part_idx][:, :, :, :, part_idx]                  # (R, Cout, 2, P, P)
        tx, ty = sel[:, :, 0] * a.trans_std, sel[:, :, 1] * a.trans_std
    wstart = q[None, None, None, :] * bw + x1[:, None, None, None] + tx * rw   # (R, Cout, P, P)
    hstart = q[None, None, :, None] * bh + y1[:, None, None, None] + ty * rh
    k = xp.arange(spp, dtype=np.float64)
    sw = wstart[..., None, None] + k[None, :] * (bw / spp)[..., None, None]   # (R, Cout, P, P, S, S)
    sh = hstart[..., None, None] + k[:, None] * (bh / spp)[..., None, None]
    valid = (sw >= -0.5) & (sw <= w - 0.5) & (sh >= -0.5) & (sh <= h - 0.5)
    sw = xp.clip(sw, 0.0, w - 1.0)
    sh = xp.clip(sh, 0.0, h - 1.0)
    count = valid.sum(axis=(4, 5))
    chan = _ps_channels(xp, a, g, p)[None]
    bidx = xp.clip(r[:, 0].astype(np.int64), 0, n - 1)[:, None, None, None]
    plane = ((bidx * c + chan) * (h * w))[..., None, None]
    return sw, sh, valid, count, plane, rw, rh, per_class, part_idx


def _dps_corners(xp, sw, sh, w):
    xa, ya = xp.floor(sw), xp.floor(sh)
    xb, yb = xp.ceil(sw), xp.ceil(sh)
    dx, dy = sw - xa, sh - ya
    xa, xb, ya, yb = (v.astype(np.int64) for v in (xa, xb, ya, yb))
    # (index, weight) of v11 (ya, xa), v12 (yb, xa), v21 (ya, xb), v22 (yb, xb)
    return [(ya * w + xa, (1 - dx) * (1 - dy)), (yb * w + xa, (1 - dx) * dy),
            (ya * w + xb, dx * (1 - dy)), (yb * w + xb, dx * dy)], dx, dy


def _dps_inputs(a, inputs):
    return inputs[0], inputs[1], (None if a.no_trans or len(inputs) < 3 else inputs[2])


def _dps_forward(env, a, inputs, aux):
    xp = env.xp
    data, rois, trans = _dps_inputs(a, inputs)
    sw, sh, valid, count, plane, _, _, _, _ = _dps_geometry(xp, a, data, rois, trans)
    flat = data.astype(np.float64).reshape(-1)
    corners, _, _ = _dps_corners(xp, sw, sh, data.shape[3])
    val = sum(flat[plane + i] * wt for i, wt in corners)
    total = (val * valid).sum(axis=(4, 5))
    out = xp.where(count > 0, total / xp.maximum(count, 1), 0.0)
    return (out.astype(data.dtype),)


def _dps_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, rois, trans = _dps_inputs(a, inputs)
    n, c, h, w = data.shape
    sw, sh, valid, count, plane, rw, rh, per_class, part_idx = _dps_geometry(xp, a, data, rois, trans)
    diff = xp.where(count > 0, out_grads[0].astype(np.float64) / xp.maximum(count, 1), 0.0)
    dv = diff[..., None, None] * valid
    corners, dx, dy = _dps_corners(xp, sw, sh, w)
    gd = 0
    for i, wt in corners:
        gd = gd + _scatter(xp, xp.broadcast_to(plane + i, dv.shape), dv * wt, data.size, np.float64)
    grads = [gd.reshape(data.shape).astype(data.dtype), xp.zeros_like(rois)]
    if trans is not None:
        flat = data.astype(np.float64).reshape(-1)
        u11, u12, u21, u22 = (flat[plane + i] for i, _ in corners)
        gx = ((u22 * dy + u21 * (1 - dy) - u12 * dy - u11 * (1 - dy)) * dv).sum(axis=(4, 5)) * rw * a.trans_std
        gy = ((u22 * dx + u12 * (1 - dx) - u21 * dx - u11 * (1 - dx)) * dv).sum(axis=(4, 5)) * rh * a.trans_std
        nr, p = rois.shape[0], a.pooled_size
        part = a.part_size or p
        ncls = trans.shape[1] // 2
        cls = xp.arange(a.output_dim) // per_class
        ri = xp.arange(nr)[:, None, None, None]
        ci = cls[None, :, None, None]
        pi = part_idx[None, None, :, None]
        pj = part_idx[None, None, None, :]
        base = ((ri * ncls + ci) * 2 * part + pi) * part + pj                       # x entries
        gt = _scatter(xp, xp.broadcast_to(base, gx.shape), gx, trans.size, np.float64)
        gt = gt + _scatter(xp, xp.broadcast_to(base + part * part, gy.shape), gy, trans.size, np.float64)
        grads.append(gt.reshape(trans.shape).astype(trans.dtype))
    return grads


_contrib("DeformablePSROIPooling", _dps_forward,
         inputs=lambda a: ("data", "rois") if a.no_trans else ("data", "rois", "trans"),
         all_inputs=("data", "rois", "trans"),
         params=(Param("spatial_scale", Float, doc="Ratio of input feature map height (or w) to raw image height "
                       "(or w). Equals the reciprocal of total stride in convolutional layers"),
                 Param("output_dim", Int, doc="fix output dim"),
                 Param("group_size", Int, doc="fix group size"),
                 Param("pooled_size", Int, doc="fix pooled size"),
                 Param("part_size", Int, 0, "fix part size"),
                 Param("sample_per_part", Int, 1, "fix samples per part"),
                 Param("trans_std", Float, 0.0, "fix transition std"),
                 Param("no_trans", Bool, False, "Whether to disable trans parameter.")),
         infer_shape=_ps_infer("_contrib_DeformablePSROIPooling", lambda a: a.group_size, True),
         infer_type=_float_type("_contrib_DeformablePSROIPooling", ("data", "rois", "trans")),
         backward=_dps_backward,
         doc="Performs deformable position-sensitive region-of-interest pooling on inputs.")

# -- RROIAlign ------------------------------------------------------------------------------------
# Rotated ROI align (rois: batch index, centre x, centre y, width, height, angle in degrees): the
# average of a grid of bilinear samples per bin, the grid rotated about the ROI centre
# (Detectron's bilinear rule: zero beyond one pixel outside, clamped at the border). MXNet
# registers no gradient; the one here is the exact vector-Jacobian product for the data.


def _rroi_infer(a, s):
    d, r = tuple(s[0]), tuple(s[1])
    if len(d) != 4:
        raise MXNetError("_contrib_RROIAlign: data must be 4-D (N, C, H, W), got {}".format(d))
    if len(r) != 2 or r[1] != 6:
        raise MXNetError("_contrib_RROIAlign: rois must be (R, 6) [batch_index, x, y, w, h, theta], got {}".format(r))
    if len(a.pooled_size) != 2:
        raise MXNetError("_contrib_RROIAlign: pooled_size must be (height, width), got {}".format(a.pooled_size))
    return [(r[0], d[1]) + tuple(a.pooled_size)]


def _rroi_taps(xp, a, data, rois):
    n, c, h, w = data.shape
    ph, pw = a.pooled_size
    r = rois.astype(np.float64)
    s = a.spatial_scale
    cx, cy = r[:, 1] * s, r[:, 2] * s
    rw = xp.maximum(r[:, 3] * s, 1.0)
    rh = xp.maximum(r[:, 4] * s, 1.0)
    theta = r[:, 5] * (math.pi / 180.0)
    bh, bw = rh / ph, rw / pw
    if a.sampling_ratio > 0:
        gh = xp.full(r.shape[0], a.sampling_ratio, dtype=np.int64)
        gw = gh
    else:
        gh = xp.ceil(rh / ph).astype(np.int64)
        gw = xp.ceil(rw / pw).astype(np.int64)
    mh = max(int(gh.max()) if gh.size else 1, 1)
    mw = max(int(gw.max()) if gw.size else 1, 1)
    e = (slice(None),) + (None,) * 4
    iy = xp.arange(mh, dtype=np.float64)[None, None, None, :, None]
    ix = xp.arange(mw, dtype=np.float64)[None, None, None, None, :]
    py = xp.arange(ph, dtype=np.float64)[None, :, None, None, None]
    px = xp.arange(pw, dtype=np.float64)[None, None, :, None, None]
    ghf, gwf = gh.astype(np.float64)[e], gw.astype(np.float64)[e]
    yy = -rh[e] / 2 + py * bh[e] + (iy + 0.5) * bh[e] / ghf            # (R, PH, PW, Gh, Gw)
    xx = -rw[e] / 2 + px * bw[e] + (ix + 0.5) * bw[e] / gwf
    ct, st = xp.cos(theta)[e], xp.sin(theta)[e]
    x = xx * ct + yy * st + cx[e]
    y = yy * ct - xx * st + cy[e]
    used = (iy < ghf) & (ix < gwf)
    ok = used & (y >= -1.0) & (y <= h) & (x >= -1.0) & (x <= w)
    y = xp.maximum(y, 0.0)
    x = xp.maximum(x, 0.0)
    y0 = xp.floor(y).astype(np.int64)
    x0 = xp.floor(x).astype(np.int64)
    ey, ex = y0 >= h - 1, x0 >= w - 1
    y0, x0 = xp.where(ey, h - 1, y0), xp.where(ex, w - 1, x0)
    y1, x1 = xp.where(ey, h - 1, y0 + 1), xp.where(ex, w - 1, x0 + 1)
    ly = xp.where(ey, 0.0, y - y0)
    lx = xp.where(ex, 0.0, x - x0)
    count = xp.maximum(gh * gw, 1).astype(np.float64)[e]
    scale = ok / count
    taps = [(y0 * w + x0, (1 - ly) * (1 - lx) * scale), (y0 * w + x1, (1 - ly) * lx * scale),
            (y1 * w + x0, ly * (1 - lx) * scale), (y1 * w + x1, ly * lx * scale)]
    bidx = xp.clip(r[:, 0].astype(np.int64), 0, n - 1)
    plane = ((bidx[:, None] * c + xp.arange(c)[None, :]) * (h * w))[:, :, None, None, None, None]
    return taps, plane


def _rroi_forward(env, a, inputs, aux):
    xp = env.xp
    data, rois = inputs
    taps, plane = _rroi_taps(xp, a, data, rois)
    flat = data.astype(np.float64).reshape(-1)
    out = sum((flat[plane + i[:, None]] * wt[:, None]).sum(axis=(4, 5)) for i, wt in taps)
    return (out.astype(data.dtype),)


def _rroi_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, rois = inputs
    taps, plane = _rroi_taps(xp, a, data, rois)
    g = out_grads[0].astype(np.float64)[..., None, None]
    gd = 0
    for i, wt in taps:
        v = g * wt[:, None]
        gd = gd + _scatter(xp, xp.broadcast_to(plane + i[:, None], v.shape), v, data.size, np.float64)
    return [gd.reshape(data.shape).astype(data.dtype), xp.zeros_like(rois)]


_contrib("RROIAlign", _rroi_forward, inputs=("data", "rois"),
         params=(Param("pooled_size", Shape, doc="RROI align output shape (h,w) "),
                 Param("spatial_scale", Float, doc="Ratio of input feature map height (or width) to raw image height "
                       "(or width). Equals the reciprocal of total stride in convolutional layers"),
                 Param("sampling_ratio", Int, -1, "Optional sampling ratio of RROI align, using adaptive size by "
                       "default.")),
         infer_shape=_rroi_infer, infer_type=_float_type("_contrib_RROIAlign", ("data", "rois")),
         backward=_rroi_backward, doc="Performs Rotated ROI Align on the input array.")

# -- quantization ---------------------------------------------------------------------------------
# As MXNet 1.9.1's CPU build (oneDNN) computes them: dequantize scales int8 by max|range| / 127.5
# and uint8 by max|range| / 255.5; requantize maps int32 (range max|min_range, max_range| for
# 2^31 - 1) to int8 (127) or uint8 (255) over the calibrated range, or over the data's own range.

_INT32_RANGE = 2147483647.0


def _range_shapes(name, s, start=1):
    for i, arg in ((start, "min_range"), (start + 1, "max_range")):
        if tuple(s[i]) != (1,):
            raise MXNetError("{}: {} must have shape (1,), got {}".format(name, arg, tuple(s[i])))


def _deq_shape(a, s):
    _range_shapes("_contrib_dequantize", s)
    return [tuple(s[0])]


def _deq_type(a, t):
    if t[0] is not None and np.dtype(t[0]) not in (np.dtype(np.uint8), np.dtype(np.int8)):
        raise MXNetError("_contrib_dequantize: data must be uint8 or int8, got {}".format(np.dtype(t[0]).name))
    return [np.dtype(np.float32)]


def _max_abs(xp, lo, hi):
    return xp.maximum(xp.abs(lo.astype(np.float64)), xp.abs(hi.astype(np.float64))).reshape(())


def _deq_forward(env, a, inputs, aux):
    xp = env.xp
    data, lo, hi = inputs
    qrange = 255.5 if data.dtype == np.uint8 else 127.5
    return ((data.astype(np.float64) * (_max_abs(xp, lo, hi) / qrange)).astype(np.float32),)


_contrib("dequantize", _deq_forward, inputs=("data", "min_range", "max_range"),
         params=(Param("out_type", Enum("float32"), "float32", "Output data type."),),
         infer_shape=_deq_shape, infer_type=_deq_type,
         doc="Dequantize the input tensor into a float tensor.")


def _req_out_type(a):
    if a.out_type != "auto":
        return a.out_type
    return "uint8" if (a.min_calib_range is not None and a.min_calib_range >= 0) else "int8"


def _req_shape(a, s):
    _range_shapes("_contrib_requantize", s)
    return [tuple(s[0]), (1,), (1,)]


def _req_type(a, t):
    if t[0] is not None and np.dtype(t[0]) != np.int32:
        raise MXNetError("_contrib_requantize: data must be int32, got {}".format(np.dtype(t[0]).name))
    return [np.dtype(_req_out_type(a)), np.dtype(np.float32), np.dtype(np.float32)]


def _req_forward(env, a, inputs, aux):
    xp = env.xp
    data, lo, hi = inputs
    real = data.astype(np.float64) * (_max_abs(xp, lo, hi) / _INT32_RANGE)
    out_type = _req_out_type(a)
    if a.min_calib_range is not None and a.max_calib_range is not None:
        rng = xp.asarray(max(abs(a.min_calib_range), abs(a.max_calib_range)), dtype=np.float64)
    else:    # the data's own range, kept on the device (no host round trip)
        rng = xp.abs(real).max() if real.size else xp.zeros((), dtype=np.float64)
    rng = xp.where(rng == 0, 1.0, rng)      # all-zero data: zeros out (MXNet divides by zero)
    if out_type == "uint8":
        q = xp.clip(_round_half_away(xp, real * (255.0 / rng)), 0, 255)
        new_lo = xp.zeros((1,), dtype=np.float32)
    else:
        q = xp.clip(_round_half_away(xp, real * (127.0 / rng)), -128, 127)
        new_lo = (-rng).astype(np.float32).reshape(1)
    return (q.astype(out_type), new_lo, rng.astype(np.float32).reshape(1))


_contrib("requantize", _req_forward, inputs=("data", "min_range", "max_range"),
         outputs=("output", "min_output", "max_output"),
         params=(Param("out_type", Enum("auto", "int8", "uint8"), "int8", "Output data type. `auto` can be specified "
                       "to automatically determine output type according to min_calib_range."),
                 Param("min_calib_range", FloatOrNone, None, "The minimum scalar value in the form of float32 obtained "
                       "through calibration. If present, it will be used to requantize the int32 data into int8."),
                 Param("max_calib_range", FloatOrNone, None, "The maximum scalar value in the form of float32 obtained "
                       "through calibration. If present, it will be used to requantize the int32 data into int8.")),
         infer_shape=_req_shape, infer_type=_req_type,
         doc="Given data that is quantized in int32 and the corresponding thresholds, requantize the data "
             "into int8 using min and max thresholds either calculated at runtime or from calibration.")


def _smooth(xp, p, eps=1e-4):
    zeros = p == 0
    nonzero = p.size - int(zeros.sum())
    if nonzero == 0:
        return None
    eps1 = eps * (p.size - nonzero) / nonzero
    if eps1 >= 1.0:
        return None
    return p + xp.where(zeros, eps, -eps1)


def _calib_forward(env, a, inputs, aux):
    """KL-divergence threshold search of MXNet's calibrate.cc: for each symmetric window of the
    histogram, the divergence between the clipped distribution and its num_quantized_bins-level
    quantization; the window with the least divergence wins."""
    xp = env.xp
    hist = inputs[0].astype(np.float64)
    edges = inputs[1]
    nq = a.num_quantized_bins
    nb = hist.size
    zero = nb // 2
    csum = xp.concatenate([xp.zeros(1), xp.cumsum(hist)])
    best = (math.inf, 0.0)
    for i in range(nq // 2, zero + 1):
        lo, hi = zero - i, zero + i + 1
        sliced = xp.floor(hist[lo:hi])              # MXNet keeps the window as integer counts
        sliced[0] = 0                               # ... and its first bin goes to the clipped tail
        p = hist[lo:hi].copy()
        p[0] = csum[lo + 1]
        p[-1] += csum[nb] - csum[hi]
        m = sliced.size // nq
        bins = xp.minimum(xp.arange(sliced.size) // m, nq - 1)
        qbins = xp.bincount(bins, weights=sliced, minlength=nq)
        norm = xp.bincount(bins, weights=(sliced != 0).astype(np.float64), minlength=nq)[bins]
        q = xp.where((norm != 0) & (p != 0), qbins[bins] / xp.maximum(norm, 1), 0.0)
        p, q = _smooth(xp, p), _smooth(xp, q)
        if p is None or q is None:
            continue
        p, q = p / p.sum(), q / q.sum()
        div = float((p * xp.log(p / q)).sum())
        if div < best[0]:
            best = (div, float(edges[hi]))
    return (xp.full((1,), best[1], dtype=np.float32), xp.full((1,), best[0], dtype=np.float32))


def _calib_shape(a, s):
    h, e = tuple(s[0]), tuple(s[1])
    if len(h) != 1 or len(e) != 1 or e[0] != h[0] + 1:
        raise MXNetError("_contrib_calibrate_entropy: hist must be 1-D and hist_edges one longer, got {} and {}".format(
            h, e))
    if h[0] < a.num_quantized_bins:
        raise MXNetError("_contrib_calibrate_entropy: hist has {} bins, fewer than num_quantized_bins={}".format(
            h[0], a.num_quantized_bins))
    return [(1,), (1,)]


_contrib("calibrate_entropy", _calib_forward, inputs=("hist", "hist_edges"), outputs=("threshold", "divergence"),
         params=(Param("num_quantized_bins", Int, 255, "The number of quantized bins."),),
         infer_shape=_calib_shape, infer_type=lambda a, t: [np.dtype(np.float32)] * 2,
         doc="Provide calibrated min/max for input histogram.")

# -- hawkesll -------------------------------------------------------------------------------------
# Log likelihood of K independent univariate Hawkes processes with exponential kernels, per
# sample: the event loop runs over the (ragged, left-aligned) time axis, vectorised over the batch;
# the gradient is the reverse sweep of the same recursion.


def _hawkes_sweep(xp, lda, alpha, beta, state, lags, marks, vlen, tmax):
    """Forward recursion; returns (loglik, final state, per-step records, last event times)."""
    n, k = lda.shape
    rows = xp.arange(n)
    s = state.copy()
    last = xp.zeros((n, k))
    t = xp.zeros(n)
    ll = xp.zeros(n)
    steps = []
    for j in range(lags.shape[1]):
        act = j < vlen
        c = marks[:, j].astype(np.int64)
        t = t + xp.where(act, lags[:, j], 0.0)
        d = t - last[rows, c]
        a, b, mu = alpha[c], beta[c], lda[rows, c]
        sp = s[rows, c]
        e = xp.exp(-b * d)
        lam = mu + a * b * sp * e
        ll = ll + xp.where(act, xp.log(lam) - mu * d - a * sp * (1 - e), 0.0)
        s[rows, c] = xp.where(act, 1 + sp * e, sp)
        last[rows, c] = xp.where(act, t, last[rows, c])
        steps.append((act, c, d, e, sp, lam))
    dd = tmax[:, None] - last
    ee = xp.exp(-beta[None, :] * dd)
    ll = ll - (lda * dd + alpha[None, :] * s * (1 - ee)).sum(axis=1)
    return ll, s, steps, dd, ee


def _hawkes_inputs(inputs):
    lda, alpha, beta, state, lags, marks, vlen, tmax = inputs
    f = np.float64
    return (lda.astype(f), alpha.astype(f), beta.astype(f), state.astype(f), lags.astype(f), marks,
            vlen.astype(f), tmax.astype(f))


def _hawkes_forward(env, a, inputs, aux):
    xp = env.xp
    ll, s, _, dd, ee = _hawkes_sweep(xp, *_hawkes_inputs(inputs))
    dt = inputs[0].dtype
    return (ll.astype(dt), (ee * s).astype(dt))


def _hawkes_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    lda, alpha, beta, state, lags, marks, vlen, tmax = _hawkes_inputs(inputs)
    n, k = lda.shape
    rows = xp.arange(n)
    ll, s, steps, dd, ee = _hawkes_sweep(xp, lda, alpha, beta, state, lags, marks, vlen, tmax)
    gl = out_grads[0].astype(np.float64)
    go = out_grads[1].astype(np.float64) if len(out_grads) > 1 else xp.zeros((n, k))
    al, be = alpha[None, :], beta[None, :]
    # final compensator and returned state
    g_mu = -gl[:, None] * dd
    g_al = -gl[:, None] * s * (1 - ee)
    g_be = -gl[:, None] * al * s * dd * ee - go * s * dd * ee
    g_s = -gl[:, None] * al * (1 - ee) + go * ee
    g_al, g_be = g_al.sum(axis=0), g_be.sum(axis=0)
    for act, c, d, e, sp, lam in reversed(steps):
        a_c, b_c = alpha[c], beta[c]
        gsn = g_s[rows, c]
        w = xp.where(act, gl, 0.0)
        inc_mu = w * (1 / lam - d)
        inc_al = w * (b_c * sp * e / lam - sp * (1 - e))
        inc_be = w * (a_c * sp * (e - b_c * d * e) / lam - a_c * sp * d * e) - xp.where(act, gsn * sp * d * e, 0.0)
        gsp = w * (a_c * b_c * e / lam - a_c * (1 - e)) + xp.where(act, gsn * e, gsn)
        g_mu[rows, c] += inc_mu
        g_al = g_al + xp.bincount(c, weights=inc_al, minlength=k)
        g_be = g_be + xp.bincount(c, weights=inc_be, minlength=k)
        g_s[rows, c] = gsp
    dts = [x.dtype for x in inputs]
    grads = [g_mu, g_al, g_be, g_s]
    return [g.astype(dt) for g, dt in zip(grads, dts)] + [xp.zeros_like(x) for x in inputs[4:]]


def _hawkes_shape(a, s):
    lda, alpha, beta, state, lags, marks, vlen, tmax = (tuple(x) for x in s)
    if len(lda) != 2:
        raise MXNetError("_contrib_hawkesll: lda must be (N, K), got {}".format(lda))
    n, k = lda
    want = {"alpha": (alpha, (k,)), "beta": (beta, (k,)), "state": (state, (n, k)),
            "marks": (marks, lags), "valid_length": (vlen, (n,)), "max_time": (tmax, (n,))}
    if len(lags) != 2 or lags[0] != n:
        raise MXNetError("_contrib_hawkesll: lags must be (N, T) with N={} from lda {}, got {}".format(n, lda, lags))
    for name, (got, exp) in want.items():
        if got != exp:
            raise MXNetError("_contrib_hawkesll: {} must have shape {} (lda {}, lags {}), got {}".format(
                name, exp, lda, lags, got))
    return [(n,), (n, k)]


def _hawkes_type(a, t):
    if t[5] is not None and np.dtype(t[5]).kind not in "iu":
        raise MXNetError("_contrib_hawkesll: marks must be an integer array, got {}".format(np.dtype(t[5]).name))
    return [t[0], t[0]]


_contrib("hawkesll", _hawkes_forward,
         inputs=("lda", "alpha", "beta", "state", "lags", "marks", "valid_length", "max_time"),
         outputs=("output", "out_state"), infer_shape=_hawkes_shape, infer_type=_hawkes_type,
         backward=_hawkes_backward, doc="Computes the log likelihood of a univariate Hawkes process.")

# -- graph helpers on adjacency matrices ----------------------------------------------------------
# MXNet runs these on csr matrices only. The kernels below are the dense forms (graphs, dense
# inputs), where an explicitly stored zero is no entry; on csr inputs the CSR-native kernels of
# ops/contrib_graph.py run instead and find DGL's edge id 0.


def _square_2d(name, s):
    if len(s) != 2:
        raise MXNetError("{}: data must be a 2-D adjacency matrix, got {}".format(name, tuple(s)))


def _edge_id_shape(a, s):
    _square_2d("_contrib_edge_id", s[0])
    if len(s[1]) != 1 or tuple(s[1]) != tuple(s[2]):
        raise MXNetError("_contrib_edge_id: u and v must be 1-D of the same length, got {} and {}".format(
            tuple(s[1]), tuple(s[2])))
    return [tuple(s[1])]


def _edge_id_forward(env, a, inputs, aux):
    xp = env.xp
    data, u, v = inputs
    n, m = data.shape
    ui, vi = u.astype(np.int64), v.astype(np.int64)
    ok = (ui >= 0) & (ui < n) & (vi >= 0) & (vi < m)
    val = data[xp.where(ok, ui, 0), xp.where(ok, vi, 0)]
    return (xp.where(ok & (val != 0), val, -1).astype(data.dtype),)


_contrib("edge_id", _edge_id_forward, inputs=("data", "u", "v"), infer_shape=_edge_id_shape,
         infer_type=lambda a, t: [t[0]],
         doc="Returns the edge id data[u[i], v[i]] of each vertex pair, -1 where there is no edge.")


def _adj_shape(a, s):
    _square_2d("_contrib_dgl_adjacency", s[0])
    return [tuple(s[0])]


_contrib("dgl_adjacency", lambda env, a, i, x: ((i[0] != 0).astype(np.float32),), infer_shape=_adj_shape,
         infer_type=lambda a, t: [np.dtype(np.float32)],
         doc="Returns the adjacency matrix of a graph: 1 (float32) at every edge.")


def _getnnz_shape(a, s):
    _square_2d("_contrib_getnnz", s[0])
    if a.axis is None:
        return [(1,)]
    if a.axis in (1, -1):
        return [(s[0][0],)]
    raise MXNetError("_contrib_getnnz: getnnz with axis = {} is not supported yet".format(a.axis))


def _getnnz_forward(env, a, inputs, aux):
    nz = inputs[0] != 0
    if a.axis is None:
        return (nz.sum().reshape(1).astype(np.int64),)
    return (nz.sum(axis=1).astype(np.int64),)


_contrib("getnnz", _getnnz_forward, params=(Param("axis", IntOrNone, None, "Select between the number of values "
                                                  "across the whole matrix, in each column, or in each row."),),
         infer_shape=_getnnz_shape, infer_type=lambda a, t: [np.dtype(np.int64)],
         doc="Number of stored values of a (csr) matrix, in all or per row.")

# -- _sample_unique_zipfian -----------------------------------------------------------------------
# Per row, draws log-uniform values floor(exp(u * log(range_max))) - 1 until num_sampled distinct
# ones are found; num_tries counts the draws. Candidates are drawn in blocks and the first
# occurrences kept, in draw order.


def _zipf_shape(a, s):
    if a.shape is None or len(a.shape) != 2:
        raise MXNetError("_sample_unique_zipfian: shape must be (batch_size, num_sampled), got {}".format(a.shape))
    if a.shape[1] > a.range_max:
        raise MXNetError("_sample_unique_zipfian: Number of samples cannot exceed the number of possible classes: "
                         "num_sampled={} > range_max={}".format(a.shape[1], a.range_max))
    return [tuple(a.shape), (a.shape[0],)]


def _zipf_forward(env, a, inputs, aux):
    xp = env.xp
    rows, k = _zipf_shape(a, [])[0]
    log_range = math.log(a.range_max)
    out = xp.empty((rows, k), dtype=np.int64)
    tries = xp.empty((rows,), dtype=np.int64)
    for r in range(rows):
        draws = xp.zeros((0,), dtype=np.int64)
        block = max(2 * k, 16)
        while True:
            u = xp.asarray(env.rng.random(block))      # = uniform(0, 1); CuPy's generator has random
            new = (xp.floor(xp.exp(u * log_range)) - 1).astype(np.int64) % a.range_max
            draws = xp.concatenate([draws, new])
            _, first = np.unique(to_numpy(draws), return_index=True)
            if first.size >= k:
                first = np.sort(first)[:k]
                out[r] = draws[xp.asarray(first)]
                tries[r] = int(first[-1]) + 1 if k else 0
                break
            block *= 2
    return (out, tries)


register(OpDef(
    "_sample_unique_zipfian", _zipf_forward,
    params=(Param("range_max", Int, doc="The number of possible classes."),
            Param("shape", ShapeOrNone, None, "2-D shape of the output, where shape[0] is the batch size, and shape[1] "
                  "is the number of candidates to sample for each batch.")),
    inputs=(), outputs=("samples", "num_tries"), infer_shape=_zipf_shape,
    infer_type=lambda a, t: [np.dtype(np.int64)] * 2, needs_rng=True,
    doc="Draw random samples from an approximately log-uniform or Zipfian distribution without replacement."))

# -- _contrib_backward_gradientmultiplier ---------------------------------------------------------
# The backward node of _contrib_gradientmultiplier, callable on its own: data * scalar.

_contrib("backward_gradientmultiplier", lambda env, a, i, x: ((i[0] * i[0].dtype.type(a.scalar)),),
         params=(Param("scalar", Float, 1.0, "scalar value."), Param("is_int", Bool, True, "Indicate whether "
                                                                     "scalar input is int type")),
         backward=lambda env, a, i, o, g, req: [g[0] * g[0].dtype.type(a.scalar)], elementwise=True,
         doc="Backward of gradientmultiplier: the incoming gradient scaled by ``scalar``.")
