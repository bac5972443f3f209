"""Pooling (MXNet 1.9.1): max, avg, sum and lp pooling over 1-D, 2-D and 3-D windows.

Kernels are written once against ``xp`` (NumPy or CuPy): the input is padded once (``-inf`` for
max, zeros otherwise; the ``full`` convention pads extra on the far side for windows that overhang
the input) and every kernel position contributes one strided slice of the padded input, so a window
reduction is ``prod(kernel)`` vectorised maximum/add operations over the whole output. Global
pooling is a reshape and one reduction.

Semantics follow MXNet's CPU operator:

- ``valid``: ``out = 1 + (in + 2*pad - kernel) // stride``; ``full``: ``out = 1 + ceil(...)``.
  ``same`` (1-D only; MXNet 1.9.1 itself fails on every ``same`` call) gives
  ``out = ceil(in / stride)`` with TensorFlow-style implicit padding that never counts.
- avg divides by the window size clipped to the padded input (``count_include_pad``, the default)
  or by the number of real input elements in the window (``count_include_pad=False``).
- max routes the gradient to the first maximum of each window (row-major order), as MXNet does;
  padding is the dtype's lowest value, so a window made of padding only (possible with ``full``
  and stride > kernel - pad) gives that value, and avg/sum give 0 there, as in MXNet.
- lp (p_value 1, 2 or 3): ``(sum x**p)**(1/p)`` without absolute values, gradient
  ``g * (x/y)**(p-1)``, zero where the output is zero.
- channels-last layouts (NWC, NHWC, NDHWC) are computed by transposing to channels first.
"""
import itertools

import numpy as np

from ..base import MXNetError
from .params import Param, Bool, Shape, Enum, IntOrNone, _OrNone
from .registry import OpDef, register
from ._shapes import prod as _prod  # noqa: F401  (shared shape helpers)

__all__ = []

_FLOATS = ("float16", "float32", "float64")
_FIRST = {1: "NCW", 2: "NCHW", 3: "NCDHW"}
_LAST = {1: "NWC", 2: "NHWC", 3: "NDHWC"}
_DATA_DOC = {1: "3D in (batch, channel, x)", 2: "4D in (batch, channel, y, x)",
             3: "5D in (batch, channel, d, y, x)"}


class _Geom:
    """Pooling geometry of one call, channels-first: kernel, stride, pad (before), extra pad
    (after: ``full``/``same`` overhang), output size, divisor rule."""
    __slots__ = ("nd", "kernel", "stride", "pad", "pad_after", "out", "global_pool", "channels_last", "same")


def _geometry(attrs, dshape):
    dshape = tuple(dshape)
    if len(dshape) < 3 or len(dshape) > 5:
        raise MXNetError("Pooling: data should be 3D in (batch, channel, x), 4D in (batch, channel, y, x) "
                         "or 5D in (batch, channel, d, y, x); got shape {}".format(dshape))
    g = _Geom()
    layout = attrs.layout
    nd = len(dshape) - 2
    g.nd = nd
    g.global_pool = attrs.global_pool
    g.same = False
    if layout is not None and layout not in (_FIRST[nd], _LAST[nd]):
        raise MXNetError("Pooling: layout {} does not fit {}-D data of shape {} (expected {} or {})".format(
            layout, len(dshape), dshape, _FIRST[nd], _LAST[nd]))
    g.channels_last = layout == _LAST[nd]
    sp = dshape[1:-1] if g.channels_last else dshape[2:]
    if attrs.pool_type == "lp":
        if attrs.p_value is None:
            raise MXNetError("Pooling: pool_type='lp' needs p_value (1, 2 or 3)")
        if attrs.p_value not in (1, 2, 3):
            raise MXNetError("Pooling: p_value={} is not supported; pool_type='lp' supports p_value 1, 2 "
                             "and 3".format(attrs.p_value))
    if attrs.global_pool:
        g.kernel, g.stride, g.pad = tuple(sp), (1,) * nd, (0,) * nd
        g.pad_after, g.out = (0,) * nd, (1,) * nd
        return g
    k = tuple(attrs.kernel)
    if not k:
        raise MXNetError("Pooling: kernel is required unless global_pool=True (data {})".format(dshape))
    if len(k) != nd:
        raise MXNetError("Pooling: kernel={} is {}-D, so data should be {}; got shape {}".format(
            k, len(k), _DATA_DOC.get(len(k), "{}D".format(len(k) + 2)), dshape))
    if any(v <= 0 for v in k):
        raise MXNetError("Pooling: kernel={} must be positive in every dimension".format(k))

    def fill(name, default, lo):
        v = tuple(attrs[name])
        if not v:
            return (default,) * nd
        if len(v) != nd:
            raise MXNetError("Pooling: {}={} must have the same number of dimensions as kernel={}".format(
                name, v, k))
        if any(x < lo for x in v):
            raise MXNetError("Pooling: {}={} must be {} in every dimension".format(
                name, v, "positive" if lo else "non-negative"))
        return v

    s, p = fill("stride", 1, 1), fill("pad", 0, 0)
    conv = attrs.pooling_convention
    if conv == "same":
        if nd != 1:
            raise MXNetError("Pooling: pooling_convention='same' supports 1-D pooling only (data should be "
                             "3D in (batch, channel, x)); got shape {}".format(dshape))
        if any(p):
            raise MXNetError("Pooling: pooling_convention='same' disables the use of pad (got pad={})".format(p))
        out = tuple(-(-x // t) for x, t in zip(sp, s))
        total = tuple(max((o - 1) * t + kk - x, 0) for o, t, kk, x in zip(out, s, k, sp))
        g.kernel, g.stride, g.out, g.same = k, s, out, True
        g.pad = tuple(t // 2 for t in total)
        g.pad_after = tuple(t - t // 2 for t in total)
        return g
    for i in range(nd):
        if k[i] > sp[i] + 2 * p[i]:
            raise MXNetError("Pooling: kernel={} exceeds the input: data {} padded by pad={} has spatial size "
                             "{}".format(k, dshape, p, tuple(x + 2 * q for x, q in zip(sp, p))))
        if p[i] >= k[i]:
            raise MXNetError("Pooling: pad={} must be smaller than kernel={} in every dimension".format(p, k))
    if conv == "valid":
        out = tuple(1 + (x + 2 * q - kk) // t for x, q, kk, t in zip(sp, p, k, s))
    else:
        out = tuple(1 + -(-(x + 2 * q - kk) // t) for x, q, kk, t in zip(sp, p, k, s))
    g.kernel, g.stride, g.pad, g.out = k, s, p, out
    # Far-side padding beyond ``pad`` for windows that overhang (``full``): at least ``pad``.
    g.pad_after = tuple(max((o - 1) * t + kk - x - q, q) for o, t, kk, x, q in zip(out, s, k, sp, p))
    return g


def _has_workspace(attrs):
    """MXNet 1.9.1 (a oneDNN build) gives max pooling with a 1-3-D kernel and a channels-first
    layout a second, hidden output (oneDNN's workspace); it shows in symbol JSON (node_row_ptr).
    Here it is a zero array shaped like the output."""
    return (attrs.pool_type == "max" and 1 <= len(attrs.kernel) <= 3
            and attrs.layout in (None, "NCW", "NCHW", "NCDHW"))


def _outputs(attrs):
    return ["output", "workspace"] if _has_workspace(attrs) else ["output"]


def _infer_shape(attrs, in_shapes):
    d = tuple(in_shapes[0])
    g = _geometry(attrs, d)
    out = (d[0],) + g.out + (d[-1],) if g.channels_last else d[:2] + g.out
    return [out] * len(_outputs(attrs))


def _infer_type(attrs, in_dtypes):
    dt = in_dtypes[0]
    if dt is not None and np.dtype(dt).name not in _FLOATS:
        raise MXNetError("Pooling: data has dtype {}; this operator supports floating point types only "
                         "(float16, float32, float64)".format(np.dtype(dt).name))
    return [dt] * len(_outputs(attrs))


def _to_first(xp, x, g):
    return xp.moveaxis(x, -1, 1) if g.channels_last else x


def _from_first(xp, y, g):
    return xp.ascontiguousarray(xp.moveaxis(y, 1, -1)) if g.channels_last else y


def _padded(xp, x, g, value):
    if not any(g.pad) and not any(g.pad_after):
        return x
    sp = x.shape[2:]
    shape = x.shape[:2] + tuple(s + a + b for s, a, b in zip(sp, g.pad, g.pad_after))
    out = xp.full(shape, value, dtype=x.dtype)
    out[_inner(g, sp)] = x
    return out


def _inner(g, sp):
    return (slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(g.pad, sp))


def _positions(g):
    return itertools.product(*(range(k) for k in g.kernel))


def _window(g, idx):
    return (slice(None), slice(None)) + tuple(
        slice(i, i + t * (o - 1) + 1, t) for i, t, o in zip(idx, g.stride, g.out))


def _divisor(xp, g, sp, count_include_pad, dtype):
    """Per-output-position divisor of avg pooling, broadcastable to (N, C, *out)."""
    div = None
    for i in range(g.nd):
        start = np.arange(g.out[i]) * g.stride[i] - g.pad[i]
        end = np.minimum(start + g.kernel[i], sp[i] + g.pad[i])
        if not count_include_pad or g.same:
            # Real input elements only (``same`` never counts its implicit padding).
            size = np.minimum(end, sp[i]) - np.maximum(start, 0)
        else:
            size = end - start
        size = np.maximum(size, 1).reshape((-1,) + (1,) * (g.nd - 1 - i))
        div = size if div is None else div * size
    return xp.asarray(div.astype(dtype))


def _lp_pow(xp, v, p):
    return v if p == 1 else (v * v if p == 2 else v * v * v)


def _lp_root(xp, s, p):
    return s if p == 1 else (xp.sqrt(s) if p == 2 else xp.cbrt(s))


def _acc_dtype(dt):
    return np.dtype(np.float32) if np.dtype(dt) == np.float16 else np.dtype(dt)


def _pool_forward(env, attrs, inputs, aux):
    y = _pool(env.xp, attrs, inputs[0])
    if _has_workspace(attrs):
        return (y, env.xp.zeros(y.shape, y.dtype))
    return (y,)


def _pool(xp, attrs, x0):
    g = _geometry(attrs, x0.shape)
    x = _to_first(xp, x0, g)
    pt = attrs.pool_type
    n, c = x.shape[:2]
    sp = x.shape[2:]
    if g.global_pool:
        flat = x.reshape(n, c, -1)
        if pt == "max":
            y = flat.max(axis=2)
        else:
            at = _acc_dtype(x.dtype)
            f = flat.astype(at, copy=False)
            if pt == "lp":
                y = _lp_root(xp, _lp_pow(xp, f, attrs.p_value).sum(axis=2), attrs.p_value)
            else:
                y = f.sum(axis=2)
                if pt == "avg":
                    y = y / at.type(max(flat.shape[2], 1))
        y = y.astype(x.dtype, copy=False).reshape((n, c) + (1,) * g.nd)
        return _from_first(xp, y, g)
    if pt == "max":
        xpd = _padded(xp, x, g, np.finfo(x.dtype).min)
        y = None
        for idx in _positions(g):
            v = xpd[_window(g, idx)]
            y = v.copy() if y is None else xp.maximum(y, v, out=y)
        return _from_first(xp, y, g)
    at = _acc_dtype(x.dtype)
    xpd = _padded(xp, x.astype(at, copy=False), g, 0)
    y = None
    for idx in _positions(g):
        v = xpd[_window(g, idx)]
        if pt == "lp":
            v = _lp_pow(xp, v, attrs.p_value)
        y = v.copy() if y is None else xp.add(y, v, out=y)
    if pt == "avg":
        y /= _divisor(xp, g, sp, attrs.count_include_pad is not False, at)
    elif pt == "lp":
        y = _lp_root(xp, y, attrs.p_value)
    return _from_first(xp, y.astype(x.dtype, copy=False), g)


def _pool_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x0 = inputs[0]
    g = _geometry(attrs, x0.shape)
    x = _to_first(xp, x0, g)
    y = _to_first(xp, outputs[0], g)
    gy = _to_first(xp, out_grads[0], g)
    pt = attrs.pool_type
    n, c = x.shape[:2]
    sp = x.shape[2:]
    at = _acc_dtype(x.dtype)
    if g.global_pool:
        flat = x.reshape(n, c, -1)
        gf = gy.reshape(n, c, 1).astype(at, copy=False)
        if pt == "max":
            first = xp.argmax(flat, axis=2)[:, :, None]
            dx = (xp.arange(flat.shape[2]).reshape(1, 1, -1) == first) * gf
        elif pt == "lp":
            dx = _lp_grad(xp, flat.astype(at, copy=False), y.reshape(n, c, 1).astype(at, copy=False), gf,
                          attrs.p_value)
        elif pt == "avg":
            dx = xp.broadcast_to(gf / at.type(max(flat.shape[2], 1)), flat.shape)
        else:
            dx = xp.broadcast_to(gf, flat.shape)
        dx = dx.astype(x.dtype, copy=False).reshape(x.shape)
        return [_from_first(xp, dx, g)]
    gy = gy.astype(at, copy=False)
    # Windows that never overlap are written, not accumulated; if they also tile the padded input
    # exactly, nothing is left to zero.
    disjoint = all(t >= k for t, k in zip(g.stride, g.kernel))
    tiles = disjoint and all(t == k and o * t == q + a + b for t, k, o, q, a, b in zip(
        g.stride, g.kernel, g.out, sp, g.pad, g.pad_after))
    if pt == "max":
        xpd = _padded(xp, x, g, np.finfo(x.dtype).min)
        dpad = (xp.empty if tiles else xp.zeros)(xpd.shape, at)
        todo = xp.ones(gy.shape, dtype=bool)      # windows whose (first) maximum is not yet found
        hit = xp.empty(gy.shape, dtype=bool)
        for idx in _positions(g):
            w = _window(g, idx)
            xp.equal(xpd[w], y, out=hit)
            hit &= todo
            todo ^= hit
            if disjoint:
                xp.multiply(gy, hit, out=dpad[w])
            else:
                dpad[w] += gy * hit
    else:
        xpd = _padded(xp, x.astype(at, copy=False), g, 0)
        dpad = (xp.empty if tiles else xp.zeros)(xpd.shape, at)
        if pt == "avg":
            gy = gy / _divisor(xp, g, sp, attrs.count_include_pad is not False, at)
        yl = y.astype(at, copy=False)
        for idx in _positions(g):
            w = _window(g, idx)
            v = _lp_grad(xp, xpd[w], yl, gy, attrs.p_value) if pt == "lp" else gy
            if disjoint:
                dpad[w] = v
            else:
                dpad[w] += v
    dx = dpad[_inner(g, sp)] if (any(g.pad) or any(g.pad_after)) else dpad
    return [_from_first(xp, xp.ascontiguousarray(dx.astype(x.dtype, copy=False)), g)]


def _lp_grad(xp, v, y, gy, p):
    if p == 1:
        return xp.broadcast_to(gy, v.shape)
    safe = xp.where(y == 0, 1, y)
    r = v / safe
    out = gy * (r if p == 2 else r * r)
    return xp.where(y == 0, 0, out)


register(OpDef(
    "Pooling", _pool_forward,
    params=(Param("kernel", Shape, (), "Pooling kernel size: (y, x) or (d, y, x)"),
            Param("pool_type", Enum("avg", "lp", "max", "sum"), "max", "Pooling type to be applied."),
            Param("global_pool", Bool, False,
                  "Ignore kernel size, do global pooling based on current input feature map. "),
            Param("cudnn_off", Bool, False, "Turn off cudnn pooling and use MXNet pooling operator. "),
            Param("pooling_convention", Enum("full", "same", "valid"), "valid", "Pooling convention to be applied."),
            Param("stride", Shape, (), "Stride: for pooling (y, x) or (d, y, x). Defaults to 1 for each dimension."),
            Param("pad", Shape, (), "Pad for pooling: (y, x) or (d, y, x). Defaults to no padding."),
            Param("p_value", IntOrNone, None, "Value of p for Lp pooling, can be 1 or 2, required for Lp Pooling."),
            Param("count_include_pad", _OrNone(Bool), None, "Only used for AvgPool, specify whether to count padding "
                  "elements for averagecalculation. For example, with a 5*5 kernel on a 3*3 corner of a image,the sum "
                  "of the 9 valid elements will be divided by 25 if this is set to true,or it will be divided by 9 if "
                  "this is set to false. Defaults to true."),
            Param("layout", Enum("NCDHW", "NCHW", "NCW", "NDHWC", "NHWC", "NWC", none=True), None,
                  "Set layout for input and output. Empty for default layout: NCW for 1d, NCHW for 2d and "
                  "NCDHW for 3d.")),
    outputs=_outputs, num_visible_outputs=1,
    infer_shape=_infer_shape, infer_type=_infer_type, backward=_pool_backward,
    doc="Performs pooling on the input."))
