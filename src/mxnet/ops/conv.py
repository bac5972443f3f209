"""Convolution, Deconvolution and UpSampling (MXNet 1.9.1): 1-D, 2-D and 3-D, channels first.

Kernels are written once against ``xp`` (NumPy or CuPy), without per-element Python loops:

- Convolution is im2col plus one GEMM per group: the padded input is viewed as strided windows
  (``as_strided``; where the array module lacks it, a loop over kernel positions of strided slice
  copies), copied once into a column matrix and multiplied by the ``(G, F/G, C/G * prod(kernel))``
  weight matrix. The columns are batch-major ``(N, C, *kernel, *out)`` (one GEMM per sample, the
  output written in place) for large feature maps, and batch-last ``(C, *kernel, *out, N)`` (one
  large GEMM, long contiguous rows for the window copies) for small ones; see ``_batch_last``.
- Its backward recomputes the columns for the weight gradient (GEMM with the output gradient) and
  gets the data gradient from the transposed GEMM followed by col2im: a loop over kernel positions
  (``prod(kernel)`` iterations) of vectorised strided adds, plain writes where windows cannot overlap.
- Deconvolution is the adjoint: its forward is Convolution's data gradient (transposed GEMM +
  col2im) and its data gradient is Convolution's forward (im2col + GEMM).
- UpSampling ``nearest`` repeats pixels (broadcast + reshape), ``bilinear`` is a depthwise
  Deconvolution with a (normally fixed, bilinear-initialised) weight input.

float32 stays float32 throughout; float16 is computed in float32 (MXNet's accumulation type) and
cast back; float64 stays float64. MXNet 1.9.1's CPU build runs channels-first layouts only for
Convolution/Deconvolution; channels-last layouts raise a clear MXNetError here.
"""
import itertools

import numpy as np

from ..base import MXNetError
from ._shapes import prod as _prod
from .params import Param, ParamType, Int, Bool, Shape, Enum, REQUIRED
from .registry import OpDef, register

__all__ = ["im2col", "col2im", "conv_nd", "conv_nd_backward", "deconv_nd", "deconv_nd_backward"]

_FLOATS = ("float16", "float32", "float64")
_CHANNELS_FIRST = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_CHANNELS_LAST = {1: "NWC", 2: "NHWC", 3: "NDHWC"}


class _Bounded(ParamType):
    """An int parameter with MXNet's ``set_lower_bound`` check."""

    def __init__(self, inner, lo, doc=None):
        self.inner, self.lo = inner, lo
        self.doc = doc or inner.doc

    def parse(self, value):
        v = self.inner.parse(value)
        if v < self.lo:
            raise ValueError("value {} is below the lower bound {}".format(v, self.lo))
        return v

    def to_str(self, value):
        return self.inner.to_str(value)


_NonNegInt = _Bounded(Int, 0, "int (non-negative)")
_PosInt = _Bounded(Int, 1, "int (non-negative)")
_Long = _Bounded(Int, 0, "long (non-negative)")
_Layout = Enum("NCDHW", "NCHW", "NCW", "NDHWC", "NHWC", none=True)
_CudnnTune = Enum("fastest", "limited_workspace", "off", none=True)


def _compute_dtype(dt):
    """float16 is computed in float32 (MXNet's accumulation type), wider types as they are."""
    return np.dtype(np.float32) if np.dtype(dt) == np.float16 else np.dtype(dt)


# -- geometry ---------------------------------------------------------------------------------


def _spatial(opname, attrs, extra=()):
    """(kernel, stride, dilate, pad, *extra) tuples of the kernel's rank, defaults filled in."""
    k = tuple(attrs.kernel)
    nd = len(k)
    if nd not in (1, 2, 3):
        raise MXNetError("{}: kernel={} has {} dimensions; only 1-D, 2-D and 3-D kernels are "
                         "supported".format(opname, k, nd))
    if any(v <= 0 for v in k):
        raise MXNetError("{}: kernel={} must be positive in every dimension".format(opname, k))

    def fill(name, default, lo):
        v = tuple(attrs[name])
        if not v:
            return (default,) * nd
        if len(v) != nd:
            raise MXNetError("{}: {}={} must have the same number of dimensions as kernel={}".format(
                opname, name, v, k))
        if any(x < lo for x in v):
            raise MXNetError("{}: {}={} must be {} in every dimension".format(
                opname, name, v, "positive" if lo else "non-negative"))
        return v

    out = [k, fill("stride", 1, 1), fill("dilate", 1, 1), fill("pad", 0, 0)]
    out += [fill(name, 0, 0) for name in extra]
    return out


def _check_layout(opname, layout, nd):
    if layout is None or layout == _CHANNELS_FIRST[nd]:
        return
    if layout == _CHANNELS_LAST.get(nd):
        raise MXNetError("{}: layout {} (channels last) is not supported on CPU (nor by MXNet 1.9.1's "
                         "CPU build); transpose the data to {}".format(opname, layout, _CHANNELS_FIRST[nd]))
    raise MXNetError("{}: layout {} does not fit a {}-D kernel (expected {})".format(
        opname, layout, nd, _CHANNELS_FIRST[nd]))


def _check_data(opname, dshape, nd):
    if len(dshape) != nd + 2:
        names = {1: "(batch, channel, width)", 2: "(batch, channel, height, width)",
                 3: "(batch, channel, depth, height, width)"}
        raise MXNetError("{}: data must be {}-D {} for a {}-D kernel, got shape {}".format(
            opname, nd + 2, names[nd], nd, tuple(dshape)))


def _dilated(k, d):
    return tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))


def _fill_shape(opname, in_shapes, i, name, want, dshape, why):
    got = in_shapes[i]
    if got is None:
        in_shapes[i] = want
    elif tuple(got) != tuple(want):
        raise MXNetError("{}: shape inconsistent for argument '{}': provided {}, inferred {} from data {} "
                         "with {}".format(opname, name, tuple(got), tuple(want), tuple(dshape), why))


def _float_type(opname, names):
    def infer_type(attrs, in_dtypes):
        dt = in_dtypes[0]
        if dt is not None and np.dtype(dt).name not in _FLOATS:
            raise MXNetError("{}: data has dtype {}; this operator supports floating point types only "
                             "(float16, float32, float64)".format(opname, np.dtype(dt).name))
        for n, t in zip(names[1:], in_dtypes[1:]):
            if t is not None and dt is not None and np.dtype(t) != np.dtype(dt):
                raise MXNetError("{}: all inputs must have the same dtype: {} is {}, {} is {}".format(
                    opname, names[0], np.dtype(dt).name, n, np.dtype(t).name))
        return [dt]
    return infer_type


def _plain(full):
    """A complete-information ``infer_shape`` from an ``infer_shape_full``."""
    def infer_shape(attrs, in_shapes):
        return full(attrs, list(in_shapes), [])[1]
    return infer_shape


# -- im2col / col2im --------------------------------------------------------------------------
#
# Two column layouts, picked per call (``_batch_last``):
# - batch-major ``(N, C, *kernel, *out)``: one GEMM per sample (and group) writes the output in
#   place; good when each sample has many output positions (early layers, batch 1).
# - batch-last ``(C, *kernel, *out, N)``: the batch is the innermost axis, so window copies and
#   col2im adds run over long contiguous rows even for small feature maps, and each group is one
#   large GEMM over ``prod(out) * N`` columns; the price is a transpose of the (small) output.


def _stride_tricks(xp):
    st = getattr(getattr(xp, "lib", None), "stride_tricks", None)
    return st if st is not None and hasattr(st, "as_strided") else None


_USE_AS_STRIDED = True     # tests switch this off to exercise the slice-loop path
_FORCE_LAYOUT = None       # tests: "batch_major" or "batch_last"
_BATCH_LAST_MIN_N = 8      # batch-last needs a batch long enough to make rows
_BATCH_LAST_MAX_L = 256    # ... and pays off below this many output positions per sample


def _is_1x1(kernel, stride, pad):
    return all(k == 1 for k in kernel) and all(s == 1 for s in stride) and not any(pad)


def _batch_last(n, l_out, kernel, stride, pad):
    if _FORCE_LAYOUT is not None:
        return _FORCE_LAYOUT == "batch_last"
    if _is_1x1(kernel, stride, pad):
        return False
    return n >= _BATCH_LAST_MIN_N and l_out < _BATCH_LAST_MAX_L


def _padded(xp, x, pad, batch_last):
    """``x`` (N, C, *sp) zero-padded by ``pad`` on both sides of each spatial axis, as
    (N, C, *padded) or, batch-last, (C, *padded, N); contiguous either way."""
    nd = x.ndim - 2
    if batch_last:
        xt = x.transpose(tuple(range(1, nd + 2)) + (0,))
        if not any(pad):
            return xp.ascontiguousarray(xt)
        out = xp.zeros((x.shape[1],) + tuple(s + 2 * p for s, p in zip(x.shape[2:], pad)) + (x.shape[0],),
                       x.dtype)
        out[(slice(None),) + _interior(pad, x.shape[2:]) + (slice(None),)] = xt
        return out
    if not any(pad):
        return x
    out = xp.zeros(x.shape[:2] + tuple(s + 2 * p for s, p in zip(x.shape[2:], pad)), x.dtype)
    out[(slice(None), slice(None)) + _interior(pad, x.shape[2:])] = x
    return out


def _interior(pad, sp):
    return tuple(slice(p, p + s) for p, s in zip(pad, sp))


def _window(idx, stride, dilate, out_sp, batch_last):
    """Index of the strided slice of the padded array that kernel position ``idx`` reads."""
    win = tuple(slice(i * d, i * d + s * (o - 1) + 1, s) for i, d, s, o in zip(idx, dilate, stride, out_sp))
    return (slice(None),) + win + (slice(None),) if batch_last else (slice(None), slice(None)) + win


def _kpos(idx, batch_last):
    """Index of kernel position ``idx`` in a column array."""
    return (slice(None),) + idx if batch_last else (slice(None), slice(None)) + idx


def im2col(xp, x, kernel, stride, dilate, pad, out_sp, batch_last=False):
    """Columns of ``x`` (N, C, *sp) padded by ``pad``: for each kernel position and output position,
    the input value it multiplies. Contiguous (N, C, *kernel, *out_sp), or (C, *kernel, *out_sp, N)
    when ``batch_last``."""
    n, c = x.shape[:2]
    kernel, out_sp = tuple(kernel), tuple(out_sp)
    if not batch_last and _is_1x1(kernel, stride, pad) and tuple(x.shape[2:]) == out_sp:
        return xp.ascontiguousarray(x).reshape((n, c) + kernel + out_sp)
    src = _padded(xp, x, pad, batch_last)
    shape = ((c,) + kernel + out_sp + (n,)) if batch_last else ((n, c) + kernel + out_sp)
    st = _stride_tricks(xp) if _USE_AS_STRIDED else None
    if st is not None:
        s = src.strides
        sp_st = s[1:-1] if batch_last else s[2:]
        inner = tuple(a * d for a, d in zip(sp_st, dilate)) + tuple(a * t for a, t in zip(sp_st, stride))
        strides = (s[0],) + inner + (s[-1],) if batch_last else s[:2] + inner
        return xp.ascontiguousarray(st.as_strided(src, shape=shape, strides=strides))
    cols = xp.empty(shape, x.dtype)
    for idx in itertools.product(*(range(k) for k in kernel)):
        cols[_kpos(idx, batch_last)] = src[_window(idx, stride, dilate, out_sp, batch_last)]
    return cols


def col2im(xp, cols, sp, kernel, stride, dilate, pad, batch_last=False):
    """Adjoint of :func:`im2col`: sums the columns back into a contiguous (N, C, *sp) array with
    ``prod(kernel)`` vectorised strided adds (plain writes where windows cannot overlap)."""
    nd = len(kernel)
    kernel, sp = tuple(kernel), tuple(sp)
    if batch_last:
        c, n = cols.shape[0], cols.shape[-1]
        out_sp = tuple(cols.shape[1 + nd:1 + 2 * nd])
    else:
        n, c = cols.shape[:2]
        out_sp = tuple(cols.shape[2 + nd:])
        if _is_1x1(kernel, stride, pad) and sp == out_sp:
            return cols.reshape((n, c) + sp)
    padded = tuple(s + 2 * p for s, p in zip(sp, pad))
    disjoint = all(s >= e for s, e in zip(stride, _dilated(kernel, dilate)))
    covers = disjoint and all(s == k and d == 1 and o * s == q for s, k, d, o, q in zip(
        stride, kernel, dilate, out_sp, padded))
    shape = ((c,) + padded + (n,)) if batch_last else ((n, c) + padded)
    acc = (xp.empty if covers else xp.zeros)(shape, cols.dtype)
    for idx in itertools.product(*(range(k) for k in kernel)):
        win = _window(idx, stride, dilate, out_sp, batch_last)
        if disjoint:
            acc[win] = cols[_kpos(idx, batch_last)]
        else:
            acc[win] += cols[_kpos(idx, batch_last)]
    if batch_last:
        inner = acc[(slice(None),) + _interior(pad, sp) + (slice(None),)]
        return xp.ascontiguousarray(inner.transpose((nd + 1, 0) + tuple(range(1, nd + 1))))
    if any(pad):
        return xp.ascontiguousarray(acc[(slice(None), slice(None)) + _interior(pad, sp)])
    return acc


def _to_batch_last(xp, a, groups):
    """(N, C, *sp) -> contiguous (G, C/G, prod(sp) * N)."""
    n, c = a.shape[:2]
    return xp.ascontiguousarray(a.reshape(n, c, -1).transpose(1, 2, 0)).reshape(groups, c // groups, -1)


def _from_batch_last(xp, a2, shape, bias=None):
    """(C, prod(sp) * N) -> new contiguous (N, C, *sp), plus ``bias`` per channel."""
    n, c = shape[:2]
    out = xp.empty(shape, a2.dtype)
    src = a2.reshape(c, -1, n).transpose(2, 0, 1)
    if bias is None:
        out.reshape(n, c, -1)[...] = src
    else:
        xp.add(src, bias.reshape(1, c, 1), out=out.reshape(n, c, -1))
    return out


def conv_nd(xp, x, w, b, groups, kernel, stride, dilate, pad, out_sp):
    """Grouped N-d convolution (cross-correlation) of x (N, C, *sp) with w (F, C/G, *kernel)."""
    n, c = x.shape[:2]
    f = w.shape[0]
    out_sp = tuple(out_sp)
    kg = (c // groups) * _prod(kernel)
    l_out = _prod(out_sp)
    wm = w.reshape(groups, f // groups, kg)
    if _batch_last(n, l_out, kernel, stride, pad):
        cols = im2col(xp, x, kernel, stride, dilate, pad, out_sp, True).reshape(groups, kg, l_out * n)
        return _from_batch_last(xp, xp.matmul(wm, cols), (n, f) + out_sp, b)
    cols = im2col(xp, x, kernel, stride, dilate, pad, out_sp).reshape(n, groups, kg, l_out)
    y = xp.empty((n, f) + out_sp, x.dtype)
    xp.matmul(wm, cols, out=y.reshape(n, groups, f // groups, l_out))
    if b is not None:
        y += b.reshape((f,) + (1,) * len(kernel))
    return y


def conv_nd_backward(xp, x, w, gy, groups, kernel, stride, dilate, pad, need_x, need_w):
    """(dx, dw) of :func:`conv_nd` for output gradient ``gy`` (None where not needed)."""
    n, c = x.shape[:2]
    f = w.shape[0]
    out_sp = tuple(gy.shape[2:])
    kg = (c // groups) * _prod(kernel)
    l_out = _prod(out_sp)
    wm = w.reshape(groups, f // groups, kg)
    dx = dw = None
    if _batch_last(n, l_out, kernel, stride, pad):
        g2 = _to_batch_last(xp, gy, groups)                             # (G, F/G, L*N)
        if need_w:
            cols = im2col(xp, x, kernel, stride, dilate, pad, out_sp, True).reshape(groups, kg, l_out * n)
            dw = xp.matmul(g2, cols.transpose(0, 2, 1)).reshape(w.shape)
        if need_x:
            dcols = xp.matmul(wm.transpose(0, 2, 1), g2).reshape((c,) + tuple(kernel) + out_sp + (n,))
            dx = col2im(xp, dcols, x.shape[2:], kernel, stride, dilate, pad, True)
        return dx, dw
    g4 = gy.reshape(n, groups, f // groups, l_out)
    if need_w:
        cols = im2col(xp, x, kernel, stride, dilate, pad, out_sp).reshape(n, groups, kg, l_out)
        dw = _sum_batched_gemm(xp, g4, cols).reshape(w.shape)
    if need_x:
        dcols = xp.matmul(wm.transpose(0, 2, 1), g4)          # (N, G, K, L)
        dcols = dcols.reshape((n, c) + tuple(kernel) + out_sp)
        dx = col2im(xp, dcols, x.shape[2:], kernel, stride, dilate, pad)
    return dx, dw


def _sum_batched_gemm(xp, a, b):
    """sum_n a[n, g] @ b[n, g].T for a (N, G, M, L) and b (N, G, K, L): (G, M, K)."""
    if a.shape[0] == 1:
        return xp.matmul(a[0], b[0].transpose(0, 2, 1))
    return xp.matmul(a, b.transpose(0, 1, 3, 2)).sum(axis=0)


# -- Convolution ------------------------------------------------------------------------------


def _conv_inputs(attrs):
    return ["data", "weight"] if attrs.no_bias else ["data", "weight", "bias"]


def _conv_geometry(attrs, dshape):
    k, s, d, p = _spatial("Convolution", attrs)
    nd = len(k)
    _check_layout("Convolution", attrs.layout, nd)
    _check_data("Convolution", dshape, nd)
    sp = tuple(dshape[2:])
    dk = _dilated(k, d)
    for i in range(nd):
        if dk[i] > sp[i] + 2 * p[i]:
            raise MXNetError("Convolution: kernel {} (dilated to {} by dilate={}) is larger than the padded "
                             "input: data {} padded by pad={} has spatial size {}".format(
                                 k, dk, d, tuple(dshape), p,
                                 tuple(x + 2 * q for x, q in zip(sp, p))))
    out = tuple((x + 2 * q - e) // t + 1 for x, q, e, t in zip(sp, p, dk, s))
    return k, s, d, p, out


def _conv_like_infer(opname, extra, geometry, weight_lead):
    """``infer_shape_full`` of Convolution/Deconvolution: the output shape from ``geometry``,
    the weight ``weight_lead(c, f, g) + kernel`` and the bias ``(f,)`` filled from the data."""
    def infer_full(attrs, in_shapes, aux_shapes):
        in_shapes = list(in_shapes)
        dshape = in_shapes[0]
        k = _spatial(opname, attrs, extra)[0]
        _check_layout(opname, attrs.layout, len(k))
        if dshape is None:
            return in_shapes, [None], list(aux_shapes)
        dshape = tuple(dshape)
        k, s, d, p, out = geometry(attrs, dshape)
        f, g = attrs.num_filter, attrs.num_group
        c = dshape[1]
        if c % g:
            raise MXNetError("{}: the input channels of data {} ({}) are not divisible by "
                             "num_group={}".format(opname, dshape, c, g))
        if f % g:
            raise MXNetError("{}: num_filter={} is not divisible by num_group={} (data {})".format(
                opname, f, g, dshape))
        why = "kernel={}, num_filter={}, num_group={}".format(k, f, g)
        _fill_shape(opname, in_shapes, 1, "weight", weight_lead(c, f, g) + k, dshape, why)
        if not attrs.no_bias:
            _fill_shape(opname, in_shapes, 2, "bias", (f,), dshape, why)
        return in_shapes, [(dshape[0], f) + out], list(aux_shapes)
    return infer_full


def _conv_like_forward(geometry, kernel, pass_num_filter):
    """Forward of Convolution/Deconvolution: ``kernel`` (conv_nd or deconv_nd, which also takes
    num_filter) in the compute dtype, the result cast back to the data's dtype."""
    def forward(env, attrs, inputs, aux):
        xp = env.xp
        x, w = inputs[0], inputs[1]
        k, s, d, p, out = geometry(attrs, x.shape)
        ct = _compute_dtype(x.dtype)
        b = None if attrs.no_bias else inputs[2].astype(ct, copy=False)
        groups = (attrs.num_group, attrs.num_filter) if pass_num_filter else (attrs.num_group,)
        y = kernel(xp, x.astype(ct, copy=False), w.astype(ct, copy=False), b, *groups,
                   k, s, d, p, out)
        return (y.astype(x.dtype, copy=False),)
    return forward


def _conv_like_backward(geometry, kernel_backward):
    """Backward of Convolution/Deconvolution: data and weight gradients from the kernel's
    backward, the bias gradient as the sum over batch and spatial axes."""
    def backward(env, attrs, inputs, outputs, out_grads, req):
        xp = env.xp
        x, w = inputs[0], inputs[1]
        k, s, d, p, out = geometry(attrs, x.shape)
        ct = _compute_dtype(x.dtype)
        gy = out_grads[0].astype(ct, copy=False)
        dx, dw = kernel_backward(xp, x.astype(ct, copy=False), w.astype(ct, copy=False), gy,
                                 attrs.num_group, k, s, d, p, req[0], req[1])
        grads = [None if dx is None else dx.astype(x.dtype, copy=False),
                 None if dw is None else dw.astype(w.dtype, copy=False)]
        if not attrs.no_bias:
            grads.append(gy.sum(axis=(0,) + tuple(range(2, gy.ndim))).astype(inputs[2].dtype, copy=False)
                         if req[2] else None)
        return grads
    return backward


# Convolution/Deconvolution parameters in MXNet's order (adj, target_shape: Deconvolution only):
# name -> (type, default); the defaults given here are the same for both.
_CONV_PARAM_TYPES = (
    ("kernel", Shape, REQUIRED), ("stride", Shape, ()), ("dilate", Shape, ()), ("pad", Shape, ()),
    ("adj", Shape, ()), ("target_shape", Shape, ()), ("num_filter", _PosInt, REQUIRED),
    ("num_group", _PosInt, 1), ("workspace", _Long, None), ("no_bias", Bool, None),
    ("cudnn_tune", _CudnnTune, None), ("cudnn_off", Bool, False), ("layout", _Layout, None))


def _conv_like_op(name, forward, infer_full, backward, docs, defaults, doc):
    """Register Convolution or Deconvolution: the parameters of ``_CONV_PARAM_TYPES`` that
    ``docs`` describes (name -> doc), with ``defaults`` (name -> default) for those that differ."""
    params = tuple(Param(n, t, defaults.get(n, default), docs[n])
                   for n, t, default in _CONV_PARAM_TYPES if n in docs)
    register(OpDef(
        name, forward, params=params,
        inputs=_conv_inputs, all_inputs=("data", "weight", "bias"),
        infer_shape=_plain(infer_full), infer_shape_full=infer_full,
        infer_type=_float_type(name, ("data", "weight", "bias")),
        backward=backward, doc=doc))


_conv_infer_full = _conv_like_infer("Convolution", (), _conv_geometry, lambda c, f, g: (f, c // g))
_conv_forward = _conv_like_forward(_conv_geometry, conv_nd, False)
_conv_backward = _conv_like_backward(_conv_geometry, conv_nd_backward)

_conv_like_op(
    "Convolution", _conv_forward, _conv_infer_full, _conv_backward, {
        "kernel": "Convolution kernel size: (w,), (h, w) or (d, h, w)",
        "stride": "Convolution stride: (w,), (h, w) or (d, h, w). Defaults to 1 for each dimension.",
        "dilate": "Convolution dilate: (w,), (h, w) or (d, h, w). Defaults to 1 for each dimension.",
        "pad": "Zero pad for convolution: (w,), (h, w) or (d, h, w). Defaults to no padding.",
        "num_filter": "Convolution filter(channel) number",
        "num_group": "Number of group partitions.",
        "workspace": "Maximum temporary workspace allowed (MB) in convolution.",
        "no_bias": "Whether to disable bias parameter.",
        "cudnn_tune": "Whether to pick convolution algo by running performance test.",
        "cudnn_off": "Turn off cudnn for this layer.",
        "layout": "Set layout for input, output and weight. Empty for default layout: "
                  "NCW for 1d, NCHW for 2d and NCDHW for 3d."},
    {"workspace": 1024, "no_bias": False},
    "Compute *N*-D convolution on *(N+2)*-D input.")

# -- Deconvolution ----------------------------------------------------------------------------


def _deconv_geometry(attrs, dshape):
    """(kernel, stride, dilate, pad, adj, out_sp): pad and adj as MXNet derives them from
    target_shape when it is given (any non-zero entry)."""
    k, s, d, p, adj = _spatial("Deconvolution", attrs, extra=("adj",))
    nd = len(k)
    _check_layout("Deconvolution", attrs.layout, nd)
    _check_data("Deconvolution", dshape, nd)
    sp = tuple(dshape[2:])
    dk = _dilated(k, d)
    target = tuple(attrs.target_shape)
    if target and any(t != 0 for t in target):
        if len(target) != nd:
            raise MXNetError("Deconvolution: target_shape={} must have the same number of dimensions as "
                             "kernel={}".format(target, k))
        p, adj = [], []
        for i in range(nd):
            total = s[i] * (sp[i] - 1) + dk[i]
            if total < target[i]:
                raise MXNetError("Deconvolution: target_shape={} is too big for data {}: dimension {} can "
                                 "reach at most {} with kernel={}, stride={}, dilate={}".format(
                                     target, tuple(dshape), i, total, k, s, d))
            excess = total - target[i]
            adj.append(excess % 2)
            p.append((excess + 1) // 2)
        p, adj = tuple(p), tuple(adj)
    for i in range(nd):
        if adj[i] >= s[i]:
            raise MXNetError("Deconvolution: adj={} must be smaller than stride={} in every dimension".format(
                adj, s))
    out = tuple(t * (x - 1) + e - 2 * q + a for t, x, e, q, a in zip(s, sp, dk, p, adj))
    if any(o < 0 for o in out):
        raise MXNetError("Deconvolution: pad={} is too large for data {} with kernel={}, stride={}: the "
                         "output size would be {}".format(p, tuple(dshape), k, s, out))
    return k, s, d, p, out


def deconv_nd(xp, x, w, b, groups, num_filter, kernel, stride, dilate, pad, out_sp):
    """Grouped N-d transposed convolution of x (N, C, *sp) with w (C, F/G, *kernel)."""
    n, c = x.shape[:2]
    sp_in = tuple(x.shape[2:])
    l_in = _prod(sp_in)
    cg, fg = c // groups, num_filter // groups
    wm = w.reshape(groups, cg, fg * _prod(kernel))
    if _batch_last(n, l_in, kernel, stride, pad):
        dcols = xp.matmul(wm.transpose(0, 2, 1), _to_batch_last(xp, x, groups))   # (G, Fg*K, L_in*N)
        dcols = dcols.reshape((num_filter,) + tuple(kernel) + sp_in + (n,))
        y = col2im(xp, dcols, out_sp, kernel, stride, dilate, pad, True)
    else:
        dcols = xp.matmul(wm.transpose(0, 2, 1), x.reshape(n, groups, cg, l_in))  # (N, G, Fg*K, L_in)
        dcols = dcols.reshape((n, num_filter) + tuple(kernel) + sp_in)
        y = col2im(xp, dcols, out_sp, kernel, stride, dilate, pad)
    if b is not None:
        y += b.reshape((num_filter,) + (1,) * len(kernel))    # y is a new array
    return y


def deconv_nd_backward(xp, x, w, gy, groups, kernel, stride, dilate, pad, need_x, need_w):
    """(dx, dw) of :func:`deconv_nd` for output gradient ``gy`` (None where not needed)."""
    n, c = x.shape[:2]
    f = gy.shape[1]
    sp = tuple(x.shape[2:])
    l_in = _prod(sp)
    cg, fg = c // groups, f // groups
    kk = fg * _prod(kernel)
    wm = w.reshape(groups, cg, kk)
    dx = dw = None
    if _batch_last(n, l_in, kernel, stride, pad):
        cols = im2col(xp, gy, kernel, stride, dilate, pad, sp, True).reshape(groups, kk, l_in * n)
        if need_x:
            dx = _from_batch_last(xp, xp.matmul(wm, cols), x.shape)
        if need_w:
            dw = xp.matmul(_to_batch_last(xp, x, groups), cols.transpose(0, 2, 1)).reshape(w.shape)
        return dx, dw
    cols = im2col(xp, gy, kernel, stride, dilate, pad, sp).reshape(n, groups, kk, l_in)
    if need_x:
        dx = xp.empty(x.shape, x.dtype)
        xp.matmul(wm, cols, out=dx.reshape(n, groups, cg, l_in))
    if need_w:
        dw = _sum_batched_gemm(xp, x.reshape(n, groups, cg, l_in), cols).reshape(w.shape)
    return dx, dw


_deconv_infer_full = _conv_like_infer("Deconvolution", ("adj",), _deconv_geometry,
                                      lambda c, f, g: (c, f // g))
_deconv_forward = _conv_like_forward(_deconv_geometry, deconv_nd, True)
_deconv_backward = _conv_like_backward(_deconv_geometry, deconv_nd_backward)

_conv_like_op(
    "Deconvolution", _deconv_forward, _deconv_infer_full, _deconv_backward, {
        "kernel": "Deconvolution kernel size: (w,), (h, w) or (d, h, w).",
        "stride": "The stride used for the corresponding convolution: (w,), (h, w) or (d, h, w). "
                  "Defaults to 1 for each dimension.",
        "dilate": "Dilation factor for each dimension of the input: (w,), (h, w) or (d, h, w). "
                  "Defaults to 1 for each dimension.",
        "pad": "The amount of implicit zero padding added during convolution for each dimension of "
               "the input: (w,), (h, w) or (d, h, w).",
        "adj": "Adjustment for output shape: (w,), (h, w) or (d, h, w). If target_shape is set, adj "
               "will be ignored and computed accordingly.",
        "target_shape": "Shape of the output tensor: (w,), (h, w) or (d, h, w).",
        "num_filter": "Number of output filters.",
        "num_group": "Number of groups partition.",
        "workspace": "Maximum temporary workspace allowed (MB) in deconvolution.",
        "no_bias": "Whether to disable bias parameter.",
        "cudnn_tune": "Whether to pick convolution algorithm by running performance test.",
        "cudnn_off": "Turn off cudnn for this layer.",
        "layout": "Set layout for input, output and weight. Empty for default layout, "
                  "NCW for 1d, NCHW for 2d and NCDHW for 3d."},
    {"workspace": 512, "no_bias": True},
    "Computes 1D, 2D or 3D transposed convolution (aka fractionally strided convolution) of the "
    "input tensor.")

# -- UpSampling -------------------------------------------------------------------------------


def _up_inputs(attrs):
    if attrs.sample_type == "bilinear":
        return ["data", "weight"]
    return ["arg%d" % i for i in range(attrs.num_args)]


def _bilinear_geometry(scale):
    """(kernel, stride, pad) of the depthwise Deconvolution behind bilinear UpSampling."""
    k = 2 * scale - scale % 2
    return (k, k), (scale, scale), ((scale - 1 + 1) // 2, (scale - 1 + 1) // 2)


def _up_check4(i, shape):
    if len(shape) != 4:
        raise MXNetError("UpSampling: input {} must be 4-D (batch, channel, height, width), got shape {}".format(
            i, tuple(shape)))


def _up_nearest_scales(attrs, shapes):
    """Output shape and the per-input integer scale of nearest UpSampling."""
    for i, s in enumerate(shapes):
        _up_check4(i, s)
    n, _, h, w = shapes[0]
    oh, ow = h * attrs.scale, w * attrs.scale
    scales = []
    for i, s in enumerate(shapes):
        if s[0] != n:
            raise MXNetError("UpSampling: input {} has batch size {} but input 0 has {} (shapes {})".format(
                i, s[0], n, [tuple(x) for x in shapes]))
        if s[2] == 0 or s[3] == 0 or oh % s[2] or ow % s[3] or oh // s[2] != ow // s[3]:
            raise MXNetError("UpSampling: input {} of shape {} cannot be scaled by an integer factor to the "
                             "output size ({}, {}) (input 0 {} times scale={})".format(
                                 i, tuple(s), oh, ow, tuple(shapes[0]), attrs.scale))
        scales.append(oh // s[2])
    if attrs.multi_input_mode == "sum":
        for i, s in enumerate(shapes):
            if s[1] != shapes[0][1]:
                raise MXNetError("UpSampling: multi_input_mode='sum' needs the same number of channels in "
                                 "every input; shapes {}".format([tuple(x) for x in shapes]))
        c = shapes[0][1]
    else:
        c = sum(s[1] for s in shapes)
    return (n, c, oh, ow), scales


def _up_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    if attrs.sample_type == "bilinear":
        if len(in_shapes) != 2:
            raise MXNetError("UpSampling: sample_type='bilinear' takes 2 inputs (data, weight), got {}".format(
                len(in_shapes)))
        d = in_shapes[0]
        if d is None:
            return in_shapes, [None], list(aux_shapes)
        _up_check4(0, d)
        d = tuple(d)
        if attrs.num_filter != d[1]:
            raise MXNetError("UpSampling: sample_type='bilinear' needs num_filter equal to the number of "
                             "channels of data {}, got num_filter={}".format(d, attrs.num_filter))
        k, s, p = _bilinear_geometry(attrs.scale)
        _fill_shape("UpSampling", in_shapes, 1, "weight", (d[1], 1) + k, d,
                    "scale={}, sample_type='bilinear'".format(attrs.scale))
        out = tuple(s[i] * (d[2 + i] - 1) + k[i] - 2 * p[i] for i in range(2))
        return in_shapes, [d[:2] + out], list(aux_shapes)
    if len(in_shapes) != attrs.num_args:
        raise MXNetError("UpSampling: num_args={} but {} inputs were given".format(attrs.num_args, len(in_shapes)))
    if any(s is None for s in in_shapes):
        return in_shapes, [None], list(aux_shapes)
    return in_shapes, [_up_nearest_scales(attrs, in_shapes)[0]], list(aux_shapes)


def _up_type(attrs, in_dtypes):
    names = ("data", "weight") if attrs.sample_type == "bilinear" else tuple(
        "arg%d" % i for i in range(len(in_dtypes)))
    return _float_type("UpSampling", names)(attrs, in_dtypes)


def _repeat2(xp, x, s):
    """Nearest-neighbour upsampling of the last two axes of a 4-D array by ``s``."""
    if s == 1:
        return x
    n, c, h, w = x.shape
    return xp.broadcast_to(x[:, :, :, None, :, None], (n, c, h, s, w, s)).reshape(n, c, h * s, w * s)


def _up_forward(env, attrs, inputs, aux):
    xp = env.xp
    if attrs.sample_type == "bilinear":
        x, w = inputs
        k, s, p = _bilinear_geometry(attrs.scale)
        ct = _compute_dtype(x.dtype)
        out = tuple(s[i] * (x.shape[2 + i] - 1) + k[i] - 2 * p[i] for i in range(2))
        y = deconv_nd(xp, x.astype(ct, copy=False), w.astype(ct, copy=False), None, x.shape[1],
                      x.shape[1], k, s, (1, 1), p, out)
        return (y.astype(x.dtype, copy=False),)
    oshape, scales = _up_nearest_scales(attrs, [x.shape for x in inputs])
    if len(inputs) == 1:
        return (_repeat2(xp, inputs[0], scales[0]),)
    if attrs.multi_input_mode == "sum":
        y = xp.zeros(oshape, inputs[0].dtype)
        for x, s in zip(inputs, scales):
            y += xp.broadcast_to(x[:, :, :, None, :, None], x.shape[:3] + (s, x.shape[3], s)).reshape(oshape) \
                if s != 1 else x
        return (y,)
    y = xp.empty(oshape, inputs[0].dtype)
    c0 = 0
    for x, s in zip(inputs, scales):
        y[:, c0:c0 + x.shape[1]] = _repeat2(xp, x, s)
        c0 += x.shape[1]
    return (y,)


def _up_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    g = out_grads[0]
    if attrs.sample_type == "bilinear":
        x, w = inputs
        k, s, p = _bilinear_geometry(attrs.scale)
        ct = _compute_dtype(x.dtype)
        dx, dw = deconv_nd_backward(xp, x.astype(ct, copy=False), w.astype(ct, copy=False),
                                    g.astype(ct, copy=False), x.shape[1], k, s, (1, 1), p, req[0], req[1])
        return [None if dx is None else dx.astype(x.dtype, copy=False),
                None if dw is None else dw.astype(w.dtype, copy=False)]
    _, scales = _up_nearest_scales(attrs, [x.shape for x in inputs])
    grads, c0 = [], 0
    for i, (x, s) in enumerate(zip(inputs, scales)):
        n, c, h, w = x.shape
        gi = g if attrs.multi_input_mode == "sum" else g[:, c0:c0 + c]
        c0 += c
        if not req[i]:
            grads.append(None)
            continue
        grads.append(gi.reshape(n, c, h, s, w, s).sum(axis=(3, 5)) if s != 1 else gi)
    return grads


register(OpDef(
    "UpSampling", _up_forward,
    params=(Param("scale", _PosInt, doc="Up sampling scale"),
            Param("num_filter", Int, 0, "Input filter. Only used by bilinear sample_type. Since bilinear "
                  "upsampling uses deconvolution, num_filters is set to the number of channels."),
            Param("sample_type", Enum("bilinear", "nearest"), doc="upsampling method"),
            Param("multi_input_mode", Enum("concat", "sum"), "concat",
                  "How to handle multiple input. concat means concatenate upsampled images along the "
                  "channel dimension. sum means add all images together, only available for nearest neighbor "
                  "upsampling."),
            Param("num_args", Int, doc="Number of inputs to be upsampled. For nearest neighbor upsampling, "
                  "this can be 1-N; the size of output will be(scale*h_0,scale*w_0) and all other inputs "
                  "will be upsampled to the same size. For bilinear upsampling this must be 2; 1 input and 1 weight."),
            Param("workspace", _Long, 512, "Tmp workspace for deconvolution (MB)")),
    inputs=_up_inputs, all_inputs=("data", "weight"), key_var_num_args="num_args",
    infer_shape=_plain(_up_infer_full), infer_shape_full=_up_infer_full, infer_type=_up_type,
    backward=_up_backward, var_attrs={"weight": {"__init__": '["bilinear", {}]'}},
    doc="Upsamples the given input data (nearest neighbour, or bilinear through a fixed-weight Deconvolution)."))
