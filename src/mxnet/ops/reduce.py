"""Reductions (sum, mean, prod, max, min, nansum, nanprod, norm, argmax, argmin, argmax_channel)
and broadcasts (broadcast_to, broadcast_like, broadcast_axis).

MXNet 1.x legacy semantics: a reduction over every axis returns shape ``(1,)``, never ``()``;
``axis=None`` or ``()`` reduces everything; ``exclude=True`` reduces the axes *not* listed.
"""
import numpy as np

from ..base import MXNetError
from .elemwise import reduce_to
from .params import Param, Bool, Int, IntOrNone, Shape, ShapeOrNone, DType
from .registry import OpDef, register

# -- axis handling -------------------------------------------------------------------------------


def reduce_axes(name, shape, axis, exclude=False):
    """Sorted tuple of the axes reduced by ``axis``/``exclude`` on an input of ``shape``.

    Raises MXNetError (naming the op, the axis and the shape) for out-of-range or repeated axes.
    (Remembered per arguments: every reduction's forward and backward asks.)"""
    key = (name, shape, axis, exclude)
    try:
        hit = _AXES.get(key)
    except TypeError:           # a list shape or axis
        return _reduce_axes(name, shape, axis, exclude)
    if hit is None:
        hit = _reduce_axes(name, shape, axis, exclude)
        if len(_AXES) < 4096:
            _AXES[key] = hit
    return hit


_AXES = {}


def _reduce_axes(name, shape, axis, exclude):
    ndim = len(shape)
    if axis is None or len(axis) == 0:
        return tuple(range(ndim))
    axes = []
    for a in axis:
        b = a + ndim if a < 0 else a
        if not 0 <= b < ndim:
            raise MXNetError("{}: reduction axis {} out of range for input shape {} ({} dimensions)".format(
                name, a, tuple(shape), ndim))
        axes.append(b)
    axes.sort()
    for i in range(1, len(axes)):
        if axes[i - 1] == axes[i]:
            raise MXNetError("{}: reduction axes have duplicates: axis={} for input shape {}".format(
                name, tuple(axis), tuple(shape)))
    if exclude:
        return tuple(i for i in range(ndim) if i not in axes)
    return tuple(axes)


def reduced_shape(shape, axes, keepdims):
    """Output shape of reducing ``axes`` of ``shape`` (legacy: ``(1,)`` rather than ``()``)."""
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes) or (1,)


def _kd_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _quiet():
    # 0/0 in the MXNet gradient formulas (prod, norm) yields NaN there too; don't warn about it.
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


def _acc_dtype(x):
    # float16 is accumulated in float32 (as MXNet does) and rounded at the end.
    return np.float32 if x.dtype == np.float16 else x.dtype


def _sum(xp, x, axes):
    if x.dtype != np.float16:
        return x.sum(axis=axes, dtype=x.dtype)      # integers wrap in their own type, as MXNet
    with np.errstate(over="ignore"):  # float16 overflow gives inf, as in MXNet
        return xp.sum(x, axis=axes, dtype=np.float32).astype(x.dtype, copy=False)


def _prod(xp, x, axes):
    with np.errstate(over="ignore"):
        return xp.prod(x, axis=axes, dtype=_acc_dtype(x)).astype(x.dtype, copy=False)


def _is_float(x):
    return x.dtype.kind == "f"


def _trunc_div(xp, a, n):
    """Integer division truncating toward zero (C semantics), as MXNet's integer mean does."""
    if a.dtype.kind == "u":
        return a // n
    return (xp.sign(a) * (xp.abs(a) // n)).astype(a.dtype, copy=False)


def _mean(xp, x, axes):
    n = 1
    for a in axes:
        n *= x.shape[a]
    s = _sum(xp, x, axes)  # MXNet divides the sum after rounding it to the output type
    if _is_float(x):
        return s / x.dtype.type(max(n, 1))
    return _trunc_div(xp, s, max(n, 1))


def _nansum(xp, x, axes):
    if _is_float(x):
        x = xp.where(xp.isnan(x), x.dtype.type(0), x)
    return _sum(xp, x, axes)


def _nanprod(xp, x, axes):
    if _is_float(x):
        x = xp.where(xp.isnan(x), x.dtype.type(1), x)
    return _prod(xp, x, axes)


# gradient rules: (xp, x, out_kd, g_kd, n) -> dx ; out_kd/g_kd have the keepdims shape.
def _g_sum(xp, x, y, g, n):
    return xp.broadcast_to(g, x.shape).copy()


def _g_mean(xp, x, y, g, n):
    n = max(n, 1)
    if _is_float(g):
        return xp.broadcast_to(g / g.dtype.type(n), x.shape).copy()
    return xp.broadcast_to(_trunc_div(xp, g, n), x.shape).copy()


def _g_prod(xp, x, y, g, n):
    # MXNet's rule is out / x (so a zero input gets NaN, not the product of the others).
    with _quiet():
        return (g * (y / x)).astype(x.dtype, copy=False)


def _g_nansum(xp, x, y, g, n):
    if not _is_float(x):
        return _g_sum(xp, x, y, g, n)
    return xp.where(xp.isnan(x), x.dtype.type(0), xp.broadcast_to(g, x.shape))


def _g_nanprod(xp, x, y, g, n):
    if not _is_float(x):
        return _g_prod(xp, x, y, g, n)
    with _quiet():
        return xp.where(xp.isnan(x), x.dtype.type(0), g * (y / x)).astype(x.dtype, copy=False)


def _g_extremum(xp, x, y, g, n):
    # Every position equal to the extremum gets the full head gradient (ties included), as in MXNet.
    return (g * (x == y)).astype(x.dtype, copy=False)


_SUM_PARAMS = (
    Param("axis", ShapeOrNone, None,
          "The axis or axes along which to perform the reduction. None or () reduces all axes; "
          "negative values count from the end."),
    Param("keepdims", Bool, False, "If true, the reduced axes are left in the result as dimension with size one."),
    Param("exclude", Bool, False, "Whether to perform reduction on axis that are NOT in axis instead."),
)


def _make_reduce(name, kernel, grad, aliases=(), doc="", empty_ok=True, unit=False):
    """``unit``: reducing axes of length 1 returns the input as it is and, for sum and mean,
    passes the head gradient straight back (the loss layers' ``mean(loss, exclude=True)`` on an
    ``(n, 1)`` loss), skipping the general kernel's passes."""
    def infer_shape(a, s):
        axes = reduce_axes(name, s[0], a.axis, a.exclude)
        if not empty_ok:
            for i in axes:
                if s[0][i] == 0:
                    raise MXNetError("{}: cannot reduce the zero-size axis {} of input shape {}".format(
                        name, i, tuple(s[0])))
        return [reduced_shape(s[0], axes, a.keepdims)]

    def forward(env, a, inputs, aux):
        x = inputs[0]
        axes = reduce_axes(name, x.shape, a.axis, a.exclude)
        if unit and x.size and all(x.shape[i] == 1 for i in axes):
            return (x.reshape(reduced_shape(x.shape, axes, a.keepdims)).copy(),)
        r = kernel(env.xp, x, axes)
        return (env.xp.asarray(r).reshape(reduced_shape(x.shape, axes, a.keepdims)),)

    def backward(env, a, inputs, outputs, out_grads, req):
        x = inputs[0]
        axes = reduce_axes(name, x.shape, a.axis, a.exclude)
        kd = _kd_shape(x.shape, axes)
        n = 1
        for i in axes:
            n *= x.shape[i]
        g = out_grads[0].reshape(kd)
        if unit == "grad" and n == 1 and x.size:
            return [g.reshape(x.shape).astype(x.dtype, copy=True)]
        y = outputs[0].reshape(kd)
        return [grad(env.xp, x, y, g, n)]

    return register(OpDef(name, forward, params=_SUM_PARAMS, infer_shape=infer_shape, backward=backward,
                          aliases=aliases, doc=doc))


_make_reduce("sum", _sum, _g_sum, aliases=("sum_axis",), unit="grad",
             doc="Computes the sum of array elements over given axes.")
_make_reduce("mean", _mean, _g_mean, doc="Computes the mean of array elements over given axes.", unit="grad")
_make_reduce("prod", _prod, _g_prod, doc="Computes the product of array elements over given axes.", unit=True)
_make_reduce("nansum", _nansum, _g_nansum,
             doc="Computes the sum of array elements over given axes treating Not a Numbers (NaN) as zero.")
_make_reduce("nanprod", _nanprod, _g_nanprod,
             doc="Computes the product of array elements over given axes treating Not a Numbers (NaN) as one.")
_make_reduce("max", lambda xp, x, axes: xp.max(x, axis=axes), _g_extremum, aliases=("max_axis",),
             doc="Computes the max of array elements over given axes.", empty_ok=False, unit=True)
_make_reduce("min", lambda xp, x, axes: xp.min(x, axis=axes), _g_extremum, aliases=("min_axis",),
             doc="Computes the min of array elements over given axes.", empty_ok=False, unit=True)

# -- norm ----------------------------------------------------------------------------------------


def _norm_check(a):
    if a.ord not in (1, 2):
        raise MXNetError("norm: only ord=1 and ord=2 are supported, got ord={}".format(a.ord))


def _norm_out_dtype(a, dt):
    return np.dtype(a.out_dtype) if a.out_dtype is not None else np.dtype(dt)


def _l2(xp, x, axes):
    """Overflow-safe L2 norm (scaled by the largest magnitude, like MXNet's nrm2 reducer)."""
    ax = xp.abs(x)
    m = xp.max(ax, axis=axes, keepdims=True) if x.size else xp.zeros(_kd_shape(x.shape, axes), x.dtype)
    scale = xp.where(m == 0, x.dtype.type(1), m)
    s = xp.sum(xp.square(ax / scale), axis=axes, keepdims=True)
    return m * xp.sqrt(s)


def _l2_int(xp, x, axes):
    """MXNet 1.9.1's integer L2 norm: its scaled reducer divides in integer arithmetic, so the
    result is max|x| * sqrt(number of elements equal to max|x|), truncated (a quirk kept on purpose)."""
    ax = xp.abs(x)
    m = xp.max(ax, axis=axes, keepdims=True)
    c = xp.sum(ax == m, axis=axes, keepdims=True)
    return xp.trunc(m.astype(np.float64) * xp.sqrt(c.astype(np.float64)))


def _norm_forward(env, a, inputs, aux):
    xp = env.xp
    _norm_check(a)
    x = inputs[0]
    out_dt = _norm_out_dtype(a, x.dtype)
    axes = reduce_axes("norm", x.shape, a.axis)
    with _quiet():
        if x.dtype.kind != "f" and out_dt.kind != "f":
            r = xp.sum(xp.abs(x), axis=axes, keepdims=True, dtype=x.dtype) if a.ord == 1 else _l2_int(xp, x, axes)
        else:
            cdt = np.promote_types(np.promote_types(x.dtype, out_dt), np.float32)
            xc = x.astype(cdt, copy=False)
            r = xp.sum(xp.abs(xc), axis=axes, keepdims=True) if a.ord == 1 else _l2(xp, xc, axes)
        r = r.astype(out_dt, copy=False)
    return (r.reshape(reduced_shape(x.shape, axes, a.keepdims)),)


def _norm_shape(a, s):
    _norm_check(a)
    return [reduced_shape(s[0], reduce_axes("norm", s[0], a.axis), a.keepdims)]


def _norm_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x = inputs[0]
    axes = reduce_axes("norm", x.shape, a.axis)
    kd = _kd_shape(x.shape, axes)
    g = out_grads[0].reshape(kd).astype(x.dtype, copy=False)
    if a.ord == 1:
        return [(g * xp.sign(x)).astype(x.dtype, copy=False)]
    y = outputs[0].reshape(kd).astype(x.dtype, copy=False)
    with _quiet():  # a zero norm gives NaN, as in MXNet
        return [(g * (x / y)).astype(x.dtype, copy=False)]


register(OpDef("norm", _norm_forward, params=(
    Param("ord", Int, 2, "Order of the norm. Currently ord=1 and ord=2 are supported."),
    Param("axis", ShapeOrNone, None,
          "The axis or axes along which to compute the norm; None computes the norm of the whole array."),
    Param("out_dtype", DType("float16", "float32", "float64", "int32", "int64", "int8", none=True), None,
          "The data type of the output."),
    Param("keepdims", Bool, False, "If true, the reduced axes are left in the result as dimension with size one."),
), infer_shape=_norm_shape, infer_type=lambda a, t: [_norm_out_dtype(a, t[0])], backward=_norm_backward,
    doc="Computes the norm on an NDArray (ord=1: sum of absolute values, ord=2: Euclidean norm)."))

# -- argmax / argmin / argmax_channel ----------------------------------------------------------


def _arg_axis(name, shape, axis):
    ndim = len(shape)
    if axis is None:
        return None
    if not -ndim <= axis < ndim:
        raise MXNetError("{}: axis {} out of range for input shape {} ({} dimensions)".format(
            name, axis, tuple(shape), ndim))
    return axis % ndim


def _arg_shape(name, shape, axis, keepdims):
    ax = _arg_axis(name, shape, axis)
    axes = tuple(range(len(shape))) if ax is None else (ax,)
    for i in axes:
        if shape[i] == 0:
            raise MXNetError("{}: cannot reduce the zero-size axis {} of input shape {}".format(
                name, i, tuple(shape)))
    return reduced_shape(shape, axes, keepdims)


def _make_arg(name, fn, doc):
    # MXNet returns the indices in the input's dtype (float32 for float32 data); NaN counts as the
    # extremum (first NaN wins), ties go to the first occurrence.
    def forward(env, a, inputs, aux):
        x = inputs[0]
        ax = _arg_axis(name, x.shape, a.axis)
        r = fn(env.xp, x.reshape(-1) if ax is None else x, 0 if ax is None else ax)
        return (env.xp.asarray(r).astype(x.dtype).reshape(_arg_shape(name, x.shape, a.axis, a.keepdims)),)

    register(OpDef(name, forward, params=(
        Param("axis", IntOrNone, None, "The axis along which to perform the reduction; None flattens the input."),
        Param("keepdims", Bool, False, "If true, the reduced axis is left in the result as dimension with size one."),
    ), infer_shape=lambda a, s: [_arg_shape(name, s[0], a.axis, a.keepdims)],
        backward=lambda env, a, i, o, g, r: [env.xp.zeros_like(i[0])], doc=doc))


_make_arg("argmax", lambda xp, x, ax: xp.argmax(x, axis=ax),
          "Returns indices of the maximum values along an axis (as the input's dtype).")
_make_arg("argmin", lambda xp, x, ax: xp.argmin(x, axis=ax),
          "Returns indices of the minimum values along an axis (as the input's dtype).")


def _argmax_channel_forward(env, a, inputs, aux):
    x = inputs[0]
    return (env.xp.argmax(x, axis=1).astype(x.dtype),)


register(OpDef("argmax_channel", _argmax_channel_forward,
               infer_shape=lambda a, s: [_arg_shape("argmax_channel", s[0], 1, False)],
               doc="Returns argmax indices of each channel (axis 1) from the input array."))

# -- broadcasts ----------------------------------------------------------------------------------


def _broadcast_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x = inputs[0]
    g = reduce_to(xp, out_grads[0], x.shape).astype(x.dtype, copy=False)
    return [g] + [xp.zeros_like(r) for r in inputs[1:]]


def _broadcast_forward(env, a, inputs, aux, shape):
    return (env.xp.broadcast_to(inputs[0], shape),)


def _bcast_check(name, ishape, oshape):
    for i, (s, o) in enumerate(zip(ishape, oshape)):
        if s != o and s != 1:
            raise MXNetError("{}: array of shape {} cannot be broadcast to {}: dimension {} has size {}, "
                             "which is neither 1 nor {}".format(name, tuple(ishape), tuple(oshape), i, s, o))


def _broadcast_to_shape(a, s):
    ishape = tuple(s[0])
    if len(a.shape) != len(ishape):
        raise MXNetError("broadcast_to: operand of shape {} cannot be broadcast to {}: the target shape must "
                         "have the same number of dimensions ({})".format(ishape, tuple(a.shape), len(ishape)))
    for d in a.shape:
        if d < 0:
            raise MXNetError("broadcast_to: target shape {} has a negative dimension".format(tuple(a.shape)))
    oshape = tuple(s if t == 0 else t for s, t in zip(ishape, a.shape))
    _bcast_check("broadcast_to", ishape, oshape)
    return [oshape]


register(OpDef("broadcast_to", lambda env, a, i, aux: _broadcast_forward(
    env, a, i, aux, _broadcast_to_shape(a, [i[0].shape])[0]),
    params=(Param("shape", Shape, (), "The shape of the desired array; a 0 keeps the input's size on "
                                     "that axis, e.g. (2, 0) on (1, 3) gives (2, 3)."),),
    infer_shape=_broadcast_to_shape, backward=_broadcast_backward,
    doc="Broadcasts the input array to a new shape."))


def _broadcast_axis_shape(a, s):
    ishape = tuple(s[0])
    if len(a.axis) != len(a.size):
        raise MXNetError("broadcast_axis: axis {} and size {} must have the same length".format(
            tuple(a.axis), tuple(a.size)))
    out = list(ishape)
    for ax, sz in zip(a.axis, a.size):
        if not 0 <= ax < len(ishape):
            raise MXNetError("broadcast_axis: axis {} out of range [0, {}) for input shape {}".format(
                ax, len(ishape), ishape))
        if out[ax] != 1:
            raise MXNetError("broadcast_axis: broadcasting axis {} must have size 1, but input shape {} has "
                             "size {} there (or the axis is repeated)".format(ax, ishape, out[ax]))
        out[ax] = sz
    return [tuple(out)]


register(OpDef("broadcast_axis", lambda env, a, i, aux: _broadcast_forward(
    env, a, i, aux, _broadcast_axis_shape(a, [i[0].shape])[0]),
    params=(Param("axis", Shape, (), "The axes to perform the broadcasting."),
            Param("size", Shape, (), "Target sizes of the broadcasting axes.")),
    infer_shape=_broadcast_axis_shape, backward=_broadcast_backward, aliases=("broadcast_axes",),
    doc="Broadcasts the input array over particular axes."))


def _broadcast_like_shape(a, s):
    lshape, rshape = tuple(s[0]), tuple(s[1])
    if a.lhs_axes is None or a.rhs_axes is None:
        if len(lshape) != len(rshape):
            raise MXNetError("broadcast_like: operand of shape {} cannot be broadcast to {}: the shapes must "
                             "have the same number of dimensions".format(lshape, rshape))
        _bcast_check("broadcast_like", lshape, rshape)
        return [rshape]
    if len(a.lhs_axes) == 0 or len(a.rhs_axes) == 0:
        raise MXNetError("broadcast_like: empty lhs_axes/rhs_axes are not allowed")
    if len(a.lhs_axes) != len(a.rhs_axes):
        raise MXNetError("broadcast_like: lhs_axes {} and rhs_axes {} must have the same length".format(
            tuple(a.lhs_axes), tuple(a.rhs_axes)))
    out = list(lshape)
    for la, ra in zip(a.lhs_axes, a.rhs_axes):
        lb = la + len(lshape) if la < 0 else la
        rb = ra + len(rshape) if ra < 0 else ra
        if not 0 <= lb < len(lshape):
            raise MXNetError("broadcast_like: invalid dimension {} in lhs_axes for lhs shape {}".format(la, lshape))
        if not 0 <= rb < len(rshape):
            raise MXNetError("broadcast_like: invalid dimension {} in rhs_axes for rhs shape {}".format(ra, rshape))
        if lshape[lb] != 1:
            raise MXNetError("broadcast_like: lhs axis {} (size {}) of shape {} cannot be broadcast to {}".format(
                la, lshape[lb], lshape, rshape[rb]))
        out[lb] = rshape[rb]
    return [tuple(out)]


register(OpDef("broadcast_like", lambda env, a, i, aux: _broadcast_forward(
    env, a, i, aux, _broadcast_like_shape(a, [i[0].shape, i[1].shape])[0]),
    inputs=("lhs", "rhs"),
    params=(Param("lhs_axes", ShapeOrNone, None, "Axes to perform broadcast on in the first input array"),
            Param("rhs_axes", ShapeOrNone, None, "Axes to copy from the second input array")),
    infer_shape=_broadcast_like_shape, backward=_broadcast_backward,
    doc="Broadcasts lhs to have the same shape as rhs (or, with lhs_axes/rhs_axes, on those axes)."))

__all__ = ["reduce_axes", "reduced_shape"]
