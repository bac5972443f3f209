"""Operators without a family of their own, as MXNet 1.9.1 defines them:

- math: ``cumsum``, ``moments``, ``khatri_rao``, ``_square_sum`` (dense), ``_histogram``;
- layout: ``im2col``/``col2im``, ``_split_v2``, ``_ravel_multi_index``/``_unravel_index``;
- assignment: ``_slice_assign`` (``_crop_assign``), ``_slice_assign_scalar``
  (``_crop_assign_scalar``), ``_scatter_set_nd``, ``fill_element_0index``, ``_onehot_encode``;
- plumbing: ``_copyto``, ``_zeros_without_dtype``, ``_identity_with_attr_like_rhs``, ``_grad_add``,
  ``cast_storage`` (a copy in graphs: they run dense), ``amp_cast``, ``amp_multicast``;
- checks: ``all_finite``, ``multi_all_finite``, ``multi_sum_sq``, ``reset_arrays``;
- the loss layer ``SVMOutput``;
- ``_random_pdf_*``: densities of samples under each distribution, differentiable w.r.t. the
  parameters (and the sample for continuous distributions), as MXNet;
- multi-tensor optimizer updates: ``multi_[mp_]sgd[_mom]_update``, ``preloaded_multi_*``,
  ``_[mp_]adamw_update``, ``_multi_[mp_]adamw_update``, ``_multi_[mp_]lamb_update``, ``multi_lars``;
- dense stand-ins for storage-specific variants: ``_scatter_elemwise_div``,
  ``_scatter_plus_scalar``, ``_scatter_minus_scalar``, ``_contrib_SparseEmbedding``, and
  ``_rnn_param_concat`` (Concat).

Not matched: ``all_finite``/``multi_all_finite`` with ``init_output=False`` should AND into the
previous value of ``out``; kernels never see it, so the result is that of the given arrays alone.
``_set_value`` (no inputs: its shape comes from ``out``) and ``_linspace`` (the API spec lists
arange's parameters, the real operator takes start/stop/num/endpoint) are not registered.

Ops that update arrays in place (optimizer states, ``reset_arrays``) declare those arrays as
auxiliary states, so the engine orders them as written (cf. ops/optimizer_ops.py). The multi-
tensor updates take their arrays interleaved (``w0, g0, m0, w1, g1, m1, ...``); to keep that
positional order while the engine sees the states written, everything after the first weight is
declared auxiliary (weights and gradients are then serialised too, which costs nothing: the
update writes the weights anyway). Their count parameter (``num_weights``) is filled with the
number of arrays when omitted, so pass it explicitly, as MXNet requires.
"""
import math

import numpy as np

from ..base import MXNetError, FLAG_TO_DTYPE
from . import _special
from .array_ops import _slice_key, _SLICE_SHAPE
from .conv import im2col as _im2col, col2im as _col2im
from .optimizer_ops import _sgd, _sgd_mom, _clip, sgd_mom_step
from .params import (Param, Bool, DType, Enum, Float, Int, IntOrNone, Shape, ShapeOrNone, Str, Tuple,
                     _OrNone)
from .reduce import reduce_axes, reduced_shape
from .registry import OpDef, Attrs, register, get_op
from ._shapes import prod as _prod, fmt as _fmt  # noqa: F401  (shared shape helpers)


def _same_dtype(name, names=None):
    def infer_type(a, dts):
        for i, d in enumerate(dts[1:], 1):
            if np.dtype(d) != np.dtype(dts[0]):
                raise MXNetError("{}: input dtypes differ: {} is {} but {} is {}".format(
                    name, names[0] if names else "input 0", np.dtype(dts[0]).name,
                    names[i] if names else "input {}".format(i), np.dtype(d).name))
        return [dts[0]]
    return infer_type


# -- cumsum --------------------------------------------------------------------------------------


def _cumsum_axis(a, shape):
    if a.axis is None:
        return None
    ax = a.axis + len(shape) if a.axis < 0 else a.axis
    if not 0 <= ax < len(shape):
        raise MXNetError("cumsum: axis {} out of range for input shape {}".format(a.axis, _fmt(shape)))
    return ax


def _cumsum_shape(a, s):
    ax = _cumsum_axis(a, s[0])
    return [(_prod(s[0]),) if ax is None else tuple(s[0])]


def _cumsum_forward(env, a, inputs, aux):
    x = inputs[0]
    ax = _cumsum_axis(a, x.shape)
    dt = np.dtype(a.dtype) if a.dtype is not None else x.dtype
    return (env.xp.cumsum(x.reshape(-1) if ax is None else x, axis=0 if ax is None else ax, dtype=dt),)


def _cumsum_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x, g = inputs[0], out_grads[0]
    ax = _cumsum_axis(a, x.shape)
    axis = 0 if ax is None else ax
    r = xp.flip(xp.cumsum(xp.flip(g, axis), axis=axis), axis)
    return [r.reshape(x.shape).astype(x.dtype, copy=False)]


register(OpDef(
    "cumsum", _cumsum_forward, inputs=("a",),
    params=(Param("axis", IntOrNone, None, "Axis along which the cumulative sum is computed. The "
                  "default (None) is to compute the cumsum over the flattened array."),
            Param("dtype", DType("float16", "float32", "float64", "int32", "int64", "int8", none=True),
                  None, "Type of the returned array and of the accumulator in which the elements "
                  "are summed. If dtype is not specified, it defaults to the dtype of a.")),
    infer_shape=_cumsum_shape,
    infer_type=lambda a, t: [np.dtype(a.dtype) if a.dtype is not None else t[0]],
    backward=_cumsum_backward,
    doc="Return the cumulative sum of the elements along a given axis."))

# -- moments -------------------------------------------------------------------------------------


def _moments_axes(a, shape):
    if not a.axes:
        raise MXNetError("moments: empty axes is not supported; to compute global moments pass all "
                         "axes, e.g. axes={}".format(tuple(range(len(shape)))))
    return reduce_axes("moments", shape, a.axes)


def _moments_shape(a, s):
    out = reduced_shape(tuple(s[0]), _moments_axes(a, s[0]), a.keepdims)
    return [out, out]


def _moments_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0]
    axes = _moments_axes(a, x.shape)
    acc = np.float32 if x.dtype == np.float16 else (x.dtype if x.dtype.kind == "f" else np.float64)
    xa = x.astype(acc, copy=False)
    mean = xa.mean(axis=axes, keepdims=True)
    var = xp.square(xa - mean).mean(axis=axes, keepdims=True)
    shape = reduced_shape(x.shape, axes, a.keepdims)
    return (mean.reshape(shape).astype(x.dtype), var.reshape(shape).astype(x.dtype))


def _moments_backward(env, a, inputs, outputs, out_grads, req):
    x = inputs[0]
    axes = _moments_axes(a, x.shape)
    kd = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    n = _prod(x.shape[i] for i in axes)
    mean = outputs[0].reshape(kd)
    gm, gv = out_grads[0].reshape(kd), out_grads[1].reshape(kd)
    return [((gm + 2 * gv * (x - mean)) / x.dtype.type(n)).astype(x.dtype, copy=False)]


register(OpDef(
    "moments", _moments_forward,
    params=(Param("axes", ShapeOrNone, None, "Array of ints. Axes along which to compute mean and "
                  "variance."),
            Param("keepdims", Bool, False, "produce moments with the same dimensionality as the input.")),
    outputs=("output0", "output1"), infer_shape=_moments_shape,
    infer_type=lambda a, t: [t[0], t[0]], backward=_moments_backward,
    doc="Calculate the mean and variance of data."))

# -- khatri_rao ----------------------------------------------------------------------------------


def _khatri_rao_shape(a, s):
    rows, cols = 1, None
    for i, sh in enumerate(s):
        if len(sh) != 2:
            raise MXNetError("khatri_rao: input {} must be a matrix (2 dimensions), got shape {}".format(
                i, _fmt(sh)))
        if cols is None:
            cols = sh[1]
        elif sh[1] != cols:
            raise MXNetError("khatri_rao: all inputs must have the same number of columns: input 0 has "
                             "shape {}, input {} has shape {}".format(_fmt(s[0]), i, _fmt(sh)))
        rows *= sh[0]
    return [(rows, cols)]


def _khatri_rao_forward(env, a, inputs, aux):
    out = inputs[0]
    for m in inputs[1:]:
        out = (out[:, None, :] * m[None, :, :]).reshape(-1, m.shape[1])
    return (out,)


register(OpDef(
    "khatri_rao", _khatri_rao_forward, params=(Param("num_args", Int, doc="Number of input matrices."),),
    key_var_num_args="num_args", infer_shape=_khatri_rao_shape, infer_type=_same_dtype("khatri_rao"),
    doc="Computes the Khatri-Rao product of the input matrices (column-wise Kronecker product)."))

# -- im2col, col2im ------------------------------------------------------------------------------
_KERNEL = Param("kernel", Shape, doc="Sliding kernel size: (w,), (h, w) or (d, h, w).")
_STRIDE = Param("stride", Shape, (), "The stride between adjacent sliding blocks in spatial "
                "dimension: (w,), (h, w) or (d, h, w). Defaults to 1 for each dimension.")
_DILATE = Param("dilate", Shape, (), "The spacing between adjacent kernel points: (w,), (h, w) or "
                "(d, h, w). Defaults to 1 for each dimension.")
_PAD = Param("pad", Shape, (), "The zero-value padding size on both sides of spatial dimension: "
             "(w,), (h, w) or (d, h, w). Defaults to no padding.")


def _geometry(name, a, sp):
    """(kernel, stride, dilate, pad, out_sp) for spatial input size ``sp``."""
    nd = len(a.kernel)
    if nd not in (1, 2, 3):
        raise MXNetError("{}: kernel must have 1, 2 or 3 dimensions, got {}".format(name, a.kernel))
    stride = a.stride or (1,) * nd
    dilate = a.dilate or (1,) * nd
    pad = a.pad or (0,) * nd
    for pname, v in (("stride", stride), ("dilate", dilate), ("pad", pad)):
        if len(v) != nd:
            raise MXNetError("{}: {} {} must have as many dimensions as kernel {}".format(
                name, pname, v, a.kernel))
    if len(sp) != nd:
        raise MXNetError("{}: data has {} spatial dimensions but kernel {} has {}".format(
            name, len(sp), a.kernel, nd))
    out = []
    for s, k, st, d, p in zip(sp, a.kernel, stride, dilate, pad):
        eff = d * (k - 1) + 1
        if k <= 0 or st <= 0 or d <= 0 or s + 2 * p < eff:
            raise MXNetError("{}: kernel {} (dilate {}) does not fit the padded input size {} (pad {})".format(
                name, a.kernel, dilate, tuple(sp), pad))
        out.append((s + 2 * p - eff) // st + 1)
    return tuple(a.kernel), tuple(stride), tuple(dilate), tuple(pad), tuple(out)


def _im2col_shape(a, s):
    d = tuple(s[0])
    if len(d) < 3:
        raise MXNetError("im2col: data must be (N, C, *spatial), got shape {}".format(_fmt(d)))
    k, _, _, _, out = _geometry("im2col", a, d[2:])
    return [(d[0], d[1] * _prod(k), _prod(out))]


def _im2col_forward(env, a, inputs, aux):
    x = inputs[0]
    k, st, dl, pd, out = _geometry("im2col", a, x.shape[2:])
    cols = _im2col(env.xp, x, k, st, dl, pd, out)
    return (cols.reshape(x.shape[0], x.shape[1] * _prod(k), _prod(out)),)


def _im2col_backward(env, a, inputs, outputs, out_grads, req):
    x = inputs[0]
    k, st, dl, pd, out = _geometry("im2col", a, x.shape[2:])
    g = out_grads[0].reshape(x.shape[:2] + k + out)
    return [_col2im(env.xp, env.xp.ascontiguousarray(g), x.shape[2:], k, st, dl, pd)]


register(OpDef(
    "im2col", _im2col_forward, params=(_KERNEL, _STRIDE, _DILATE, _PAD),
    infer_shape=_im2col_shape, backward=_im2col_backward,
    doc="Extract sliding blocks from input array: (N, C, *spatial) -> (N, C * prod(kernel), L)."))


def _col2im_geometry(a, shape):
    k, st, dl, pd, out = _geometry("col2im", a, tuple(a.output_size))
    c_k = shape[1]
    if len(shape) != 3:
        raise MXNetError("col2im: data must be (N, C * prod(kernel), L), got shape {}".format(_fmt(shape)))
    if c_k % _prod(k):
        raise MXNetError("col2im: the second dim of input shape {} should be a multiple of the kernel "
                         "size {}".format(_fmt(shape), _prod(k)))
    if shape[2] != _prod(out):
        raise MXNetError("col2im: the third dim of input shape {} should be the number of sliding "
                         "blocks {} for output_size {}".format(_fmt(shape), _prod(out), tuple(a.output_size)))
    return k, st, dl, pd, out, c_k // _prod(k)


def _col2im_shape(a, s):
    c = _col2im_geometry(a, tuple(s[0]))[5]
    return [(s[0][0], c) + tuple(a.output_size)]


def _col2im_forward(env, a, inputs, aux):
    x = inputs[0]
    k, st, dl, pd, out, c = _col2im_geometry(a, x.shape)
    cols = env.xp.ascontiguousarray(x.reshape((x.shape[0], c) + k + out))
    return (_col2im(env.xp, cols, tuple(a.output_size), k, st, dl, pd),)


def _col2im_backward(env, a, inputs, outputs, out_grads, req):
    x = inputs[0]
    k, st, dl, pd, out, c = _col2im_geometry(a, x.shape)
    return [_im2col(env.xp, out_grads[0], k, st, dl, pd, out).reshape(x.shape)]


register(OpDef(
    "col2im", _col2im_forward,
    params=(Param("output_size", Shape, doc="The spatial dimension of image array: (w,), (h, w) or "
                  "(d, h, w)."), _KERNEL, _STRIDE, _DILATE, _PAD),
    infer_shape=_col2im_shape, backward=_col2im_backward,
    doc="Combining sliding blocks into a large array, summing overlapping values (inverse of im2col)."))

# -- SVMOutput -----------------------------------------------------------------------------------


def _svm_full(a, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None], list(aux_shapes)
    if len(d) < 2:
        raise MXNetError("SVMOutput: data must have at least 2 dimensions, got shape {}".format(_fmt(d)))
    want = tuple(d[:-1])
    if in_shapes[1] is None:
        in_shapes[1] = want
    elif tuple(in_shapes[1]) != want:
        raise MXNetError("SVMOutput: shape inconsistent for argument 'label': provided {}, expected {} "
                         "for data {}".format(_fmt(in_shapes[1]), _fmt(want), _fmt(d)))
    return in_shapes, [tuple(d)], list(aux_shapes)


def _svm_backward(env, a, inputs, outputs, out_grads, req):
    # MXNet's loss gradient (the head gradient is ignored): one-vs-all hinge, squared unless use_linear
    xp = env.xp
    x, label = inputs
    k = x.shape[-1]
    is_label = xp.arange(k) == label.astype(np.int64)[..., None]
    m = x.dtype.type(a.margin)
    if a.use_linear:
        g = xp.where(is_label, -(m > x).astype(x.dtype), (m > -x).astype(x.dtype))
    else:
        g = xp.where(is_label, -2 * (m > x) * (m - x), -2 * (m > -x) * (-m - x))
    return [(g * x.dtype.type(a.regularization_coefficient)).astype(x.dtype, copy=False),
            xp.zeros_like(label) if req[1] else None]


def _svm_plain(a, in_shapes):
    return _svm_full(a, in_shapes, [])[1]


register(OpDef(
    "SVMOutput", lambda env, a, i, x: (i[0].copy(),), inputs=("data", "label"),
    params=(Param("margin", Float, 1.0, "The loss function penalizes outputs that lie outside this "
                  "margin. Default margin is 1."),
            Param("regularization_coefficient", Float, 1.0, "Regularization parameter for the SVM. "
                  "This balances the tradeoff between coefficient size and error."),
            Param("use_linear", Bool, False, "Whether to use L1-SVM objective. L2-SVM objective is used "
                  "by default.")),
    infer_shape=_svm_plain, infer_shape_full=_svm_full, backward=_svm_backward, ignores_head_grad=True,
    doc="Computes support vector machine based transformation of the input (identity forward; the "
        "backward pass is the hinge loss gradient)."))

# -- _split_v2 -----------------------------------------------------------------------------------


def _split_v2_plan(a, shape):
    """(axis, [(start, stop)]) of each output."""
    ax = a.axis + len(shape) if a.axis < 0 else a.axis
    if not 0 <= ax < len(shape):
        raise MXNetError("_split_v2: axis {} out of range for input shape {}".format(a.axis, _fmt(shape)))
    n = shape[ax]
    if a.sections > 0:
        q, r = divmod(n, a.sections)
        sizes = [q + 1] * r + [q] * (a.sections - r)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).tolist()
        bounds = [(s, s + z) for s, z in zip(starts, sizes)]
    else:
        idx = list(a.indices)
        if not idx:
            raise MXNetError("_split_v2: indices must not be empty when sections=0")
        if idx[0] != 0:
            raise MXNetError("_split_v2: the first index must be 0 (the start of the first part), got "
                             "indices={}".format(tuple(idx)))
        bounds = list(zip(idx, idx[1:] + [n]))
        for i, (s, e) in enumerate(bounds):
            if e > n:
                raise MXNetError("_split_v2: index {} exceeds the size {} of axis {} of input shape {}".format(
                    e, n, a.axis, _fmt(shape)))
            if s > e:
                raise MXNetError("_split_v2: indices must be sorted: start {} is greater than end {} for "
                                 "part {} (indices={})".format(s, e, i, tuple(idx)))
    if a.squeeze_axis:
        for s, e in bounds:
            if e - s != 1:
                raise MXNetError("_split_v2: squeeze_axis=True needs parts of size 1 along axis {}, got "
                                 "a part of size {}".format(a.axis, e - s))
    return ax, bounds


def _split_v2_shape(a, s):
    shape = tuple(s[0])
    ax, bounds = _split_v2_plan(a, shape)
    outs = []
    for b, e in bounds:
        sh = shape[:ax] + ((e - b,) if not a.squeeze_axis else ()) + shape[ax + 1:]
        outs.append(sh)
    return outs


def _split_v2_forward(env, a, inputs, aux):
    x = inputs[0]
    ax, bounds = _split_v2_plan(a, x.shape)
    pre = (slice(None),) * ax
    outs = []
    for b, e in bounds:
        y = x[pre + (slice(b, e),)]
        outs.append(y.reshape(y.shape[:ax] + y.shape[ax + 1:]) if a.squeeze_axis else y)
    return tuple(outs)


def _split_v2_backward(env, a, inputs, outputs, out_grads, req):
    x = inputs[0]
    ax, bounds = _split_v2_plan(a, x.shape)
    gx = env.xp.zeros_like(x)
    pre = (slice(None),) * ax
    for (b, e), g in zip(bounds, out_grads):
        gx[pre + (slice(b, e),)] = g.reshape(x.shape[:ax] + (e - b,) + x.shape[ax + 1:])
    return [gx]


def _split_v2_count(a):
    return a.sections if a.sections > 0 else len(a.indices)


register(OpDef(
    "_split_v2", _split_v2_forward,
    params=(Param("indices", Shape, doc="Indices of splits. The elements should denote the boundaries "
                  "of at which split is performed along the axis."),
            Param("axis", Int, 1, "Axis along which to split."),
            Param("squeeze_axis", Bool, False, "If true, Removes the axis with length 1 from the shapes "
                  "of the output arrays."),
            Param("sections", Int, 0, "Number of sections if equally splitted. Default to 0 which means "
                  "split by indices.")),
    outputs=lambda a: ["output%d" % i for i in range(_split_v2_count(a))],
    infer_shape=_split_v2_shape, infer_type=lambda a, t: [t[0]] * _split_v2_count(a),
    backward=_split_v2_backward,
    doc="Splits an array along a particular axis into multiple sub-arrays (by boundary indices or "
        "into equal sections)."))

# -- ravel / unravel -----------------------------------------------------------------------------
_RAVEL_SHAPE = Param("shape", ShapeOrNone, None, "Shape of the array into which the multi-indices "
                     "apply.")


def _need_shape(name, a):
    if not a.shape:
        raise MXNetError("{}: the shape parameter is required (empty shape)".format(name))


def _ravel_shape(a, s):
    _need_shape("_ravel_multi_index", a)
    d = tuple(s[0])
    if len(d) != 2:
        raise MXNetError("_ravel_multi_index: input must be two-dimensional (ndim, N), got shape {}".format(
            _fmt(d)))
    if d[0] != len(a.shape):
        raise MXNetError("_ravel_multi_index: input shape {} has {} rows but shape {} has {} dimensions".format(
            _fmt(d), d[0], a.shape, len(a.shape)))
    return [(d[1],)]


def _ravel_forward(env, a, inputs, aux):
    x = inputs[0]
    idx = x.astype(np.int64)
    flat = env.xp.zeros(x.shape[1], dtype=np.int64)
    for j, dim in enumerate(a.shape):
        flat = flat * dim + idx[j]
    return (flat.astype(x.dtype),)


def _unravel_shape(a, s):
    _need_shape("_unravel_index", a)
    return [(len(a.shape),) + tuple(s[0])]


def _unravel_forward(env, a, inputs, aux):
    # C semantics, as MXNet: truncating division (a negative index gives negative coordinates)
    x = inputs[0]
    idx = x.astype(np.int64)
    out = []
    for dim in reversed(a.shape):
        q = idx // dim
        q = q + ((q < 0) & (q * dim != idx))      # floor -> trunc toward zero
        out.append(idx - q * dim)
        idx = q
    return (env.xp.stack(out[::-1]).astype(x.dtype),)


register(OpDef("_ravel_multi_index", _ravel_forward, params=(_RAVEL_SHAPE,), infer_shape=_ravel_shape,
               aliases=("ravel_multi_index",),
               doc="Converts a batch of index arrays into an array of flat indices (input (ndim, N))."))
register(OpDef("_unravel_index", _unravel_forward, params=(_RAVEL_SHAPE,), infer_shape=_unravel_shape,
               aliases=("unravel_index",),
               doc="Converts an array of flat indices into a batch of index arrays (output (ndim, N))."))

# -- fill_element_0index, _onehot_encode -----------------------------------------------------


def _fill0_shape(a, s):
    l, m, r = (tuple(x) for x in s)
    if len(l) != 2 or m != (l[0],) or r != (l[0],):
        raise MXNetError("fill_element_0index: lhs must be a matrix (n, k) and mhs, rhs vectors (n,); "
                         "got lhs {}, mhs {}, rhs {}".format(_fmt(l), _fmt(m), _fmt(r)))
    return [l]


def _fill0_forward(env, a, inputs, aux):
    xp = env.xp
    lhs, mhs, rhs = inputs
    out = lhs.copy()
    out[xp.arange(lhs.shape[0]), rhs.astype(np.int64)] = mhs
    return (out,)


def _fill0_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    lhs, mhs, rhs = inputs
    g = out_grads[0]
    rows, cols = xp.arange(lhs.shape[0]), rhs.astype(np.int64)
    gl = g.copy()
    gl[rows, cols] = 0
    return [gl, g[rows, cols], xp.zeros_like(rhs)]


register(OpDef("fill_element_0index", _fill0_forward, inputs=("lhs", "mhs", "rhs"),
               infer_shape=_fill0_shape, backward=_fill0_backward,
               doc="Fill one element of each line (row i, column rhs[i]) in lhs with mhs[i]."))


def _onehot_shape(a, s):
    l, r = tuple(s[0]), tuple(s[1])
    if len(r) != 2 or l != (r[0],):
        raise MXNetError("_onehot_encode: lhs must be a vector (n,) and rhs a matrix (n, k); got lhs {} "
                         "and rhs {}".format(_fmt(l), _fmt(r)))
    return [r]


def _onehot_forward(env, a, inputs, aux):
    xp = env.xp
    idx, like = inputs
    return ((xp.arange(like.shape[1]) == idx.astype(np.int64)[:, None]).astype(like.dtype),)


register(OpDef("_onehot_encode", _onehot_forward, inputs=("lhs", "rhs"), infer_shape=_onehot_shape,
               infer_type=lambda a, t: [t[1]],
               doc="One-hot encoding of the indices lhs into a matrix shaped like rhs (deprecated: "
                   "use one_hot)."))

# -- casts ---------------------------------------------------------------------------------------
_AMP_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def _amp_cast_type(a, t):
    if a.dtype == "bfloat16":
        raise MXNetError("amp_cast: bfloat16 is not supported by neomx")
    return [np.dtype(a.dtype) if np.dtype(t[0]) in _AMP_FLOATS else t[0]]


def _cast_back(env, a, inputs, outputs, out_grads, req):
    return [g.astype(x.dtype) for x, g in zip(inputs, out_grads)]


register(OpDef(
    "amp_cast", lambda env, a, i, x: (i[0].astype(_amp_cast_type(a, [i[0].dtype])[0]),),
    params=(Param("dtype", DType("bfloat16", "float16", "float32", "float64", "int32", "int64", "int8",
                                 "uint8"), doc="Output data type."),),
    infer_type=_amp_cast_type, backward=_cast_back, elementwise=True,
    doc="Cast function between low precision float/FP32 used by AMP (non-float inputs pass unchanged)."))


def _amp_multicast_type(a, t):
    t = [np.dtype(d) for d in t]
    half, single = np.dtype(np.float16), np.dtype(np.float32)
    if a.cast_narrow:
        target = half if half in t else single
    else:
        target = single if single in t else half
    return [target if d in (half, single) else d for d in t]


def _amp_multicast_shape(a, s):
    if len(s) != a.num_outputs:
        raise MXNetError("amp_multicast: num_outputs={} but {} inputs given".format(a.num_outputs, len(s)))
    return [tuple(x) for x in s]


register(OpDef(
    "amp_multicast",
    lambda env, a, i, x: tuple(v.astype(d) for v, d in zip(i, _amp_multicast_type(a, [v.dtype for v in i]))),
    params=(Param("num_outputs", Int, doc="Number of input/output pairs to be casted to the widest "
                  "type."),
            Param("cast_narrow", Bool, False, "Whether to cast to the narrowest type")),
    key_var_num_args="num_outputs", outputs=lambda a: ["output%d" % i for i in range(a.num_outputs)],
    infer_shape=_amp_multicast_shape, infer_type=_amp_multicast_type, backward=_cast_back,
    doc="Cast function used by AMP, that casts its inputs to the common widest (or narrowest) float "
        "type among float16 and float32."))


def _cast_storage_forward(env, a, inputs, aux):
    # Graphs run on dense arrays (as MXNet's executor falls back to dense): a copy for every
    # stype; imperative calls on sparse arrays go through ndarray/sparse.py.
    return (inputs[0].copy(),)


def _cast_storage_shape(a, s):
    return [tuple(s[0])]


register(OpDef(
    "cast_storage", _cast_storage_forward,
    params=(Param("stype", Enum("csr", "default", "row_sparse"), doc="Output storage type."),),
    infer_shape=_cast_storage_shape, backward=lambda env, a, i, o, g, r: [g[0]],
    doc="Casts tensor storage type to the new type (dense 'default' only in neomx)."))

# -- plumbing ------------------------------------------------------------------------------------
register(OpDef(
    "_copyto", lambda env, a, i, x: (i[0].copy(),), backward=lambda env, a, i, o, g, r: [g[0]],
    doc="Copies the input (to out=, converting the dtype to that of out)."))


def _zeros_nodtype_type(a, t):
    if a.dtype == -1:
        return [np.dtype(np.float32)]
    if a.dtype not in FLAG_TO_DTYPE:
        raise MXNetError("_zeros_without_dtype: unknown dtype flag {}".format(a.dtype))
    return [FLAG_TO_DTYPE[a.dtype]]


register(OpDef(
    "_zeros_without_dtype",
    lambda env, a, i, x: (env.xp.zeros(a.shape or (), dtype=_zeros_nodtype_type(a, [])[0]),),
    params=(Param("shape", ShapeOrNone, None, "The shape of the output"),
            Param("ctx", Str, "", "Context of output, in format [cpu|gpu|cpu_pinned](n). Only used "
                  "for imperative calls."),
            Param("dtype", Int, -1, "Target data type (MXNet type flag; -1: float32).")),
    inputs=(), infer_shape=lambda a, s: [a.shape or ()], infer_type=_zeros_nodtype_type,
    doc="Fill target with zeros without default dtype."))


def _same_shape2(name):
    def infer_shape(a, s):
        if tuple(s[0]) != tuple(s[1]):
            raise MXNetError("{}: lhs {} and rhs {} must have the same shape".format(
                name, _fmt(s[0]), _fmt(s[1])))
        return [tuple(s[0])]
    return infer_shape


register(OpDef(
    "_identity_with_attr_like_rhs", lambda env, a, i, x: (i[0].copy(),), inputs=("lhs", "rhs"),
    infer_shape=_same_shape2("_identity_with_attr_like_rhs"),
    backward=lambda env, a, i, o, g, r: [g[0], env.xp.zeros_like(i[1])],
    doc="Returns lhs unchanged; rhs only provides shape and storage attributes."))
register(OpDef(
    "_grad_add", lambda env, a, i, x: (i[0] + i[1],), inputs=("lhs", "rhs"),
    infer_shape=_same_shape2("_grad_add"), infer_type=_same_dtype("_grad_add", ("lhs", "rhs")),
    backward=lambda env, a, i, o, g, r: [g[0], g[0]], elementwise=True,
    doc="Adds arguments element-wise (used to accumulate gradients)."))

# -- _square_sum (dense) --------------------------------------------------------------------------


def _square_sum_axes(a, shape):
    return reduce_axes("_square_sum", shape, a.axis, a.exclude)


def _square_sum_forward(env, a, inputs, aux):
    x = inputs[0]
    axes = _square_sum_axes(a, x.shape)
    r = env.xp.square(x).sum(axis=axes, keepdims=True)
    return (r.reshape(reduced_shape(x.shape, axes, a.keepdims)),)


def _square_sum_backward(env, a, inputs, outputs, out_grads, req):
    x = inputs[0]
    axes = _square_sum_axes(a, x.shape)
    g = out_grads[0].reshape(tuple(1 if i in axes else s for i, s in enumerate(x.shape)))
    return [2 * x * g]


register(OpDef(
    "_square_sum", _square_sum_forward,
    params=(Param("axis", ShapeOrNone, None, "The axis or axes along which to perform the reduction."),
            Param("keepdims", Bool, False, "If this is set to `True`, the reduced axes are left in the "
                  "result as dimension with size one."),
            Param("exclude", Bool, False, "Whether to perform reduction on axis that are NOT in axis "
                  "instead.")),
    infer_shape=lambda a, s: [reduced_shape(tuple(s[0]), _square_sum_axes(a, s[0]), a.keepdims)],
    backward=_square_sum_backward,
    doc="Computes the sum of squares of array elements over given axes (MXNet: row_sparse only; "
        "neomx: dense)."))

# -- slice / scatter assignment ------------------------------------------------------------------
_BEGIN = Param("begin", _SLICE_SHAPE, doc="starting indices for the slice operation, supports negative "
               "indices.")
_END = Param("end", _SLICE_SHAPE, doc="ending indices for the slice operation, supports negative indices.")
_STEP = Param("step", _SLICE_SHAPE, (), "step for the slice operation, supports negative values.")


def _region_shape(a, shape):
    key = _slice_key(a, shape)
    return key, tuple(len(range(*k.indices(d))) for k, d in zip(key, shape)) + tuple(shape[len(key):])


def _slice_assign_shape(a, s):
    lhs, rhs = tuple(s[0]), tuple(s[1])
    _, region = _region_shape(a, lhs)
    if rhs != region:
        raise MXNetError("_slice_assign: rhs has shape {} but the slice begin={} end={} step={} of lhs {} "
                         "has shape {}".format(_fmt(rhs), a.begin, a.end, a.step, _fmt(lhs), _fmt(region)))
    return [lhs]


def _slice_assign_forward(env, a, inputs, aux):
    lhs, rhs = inputs
    out = lhs.copy()
    out[_slice_key(a, lhs.shape)] = rhs
    return (out,)


def _slice_assign_backward(env, a, inputs, outputs, out_grads, req):
    lhs = inputs[0]
    key = _slice_key(a, lhs.shape)
    gl = out_grads[0].copy()
    gl[key] = 0
    return [gl, out_grads[0][key]]


register(OpDef(
    "_slice_assign", _slice_assign_forward, inputs=("lhs", "rhs"), params=(_BEGIN, _END, _STEP),
    infer_shape=_slice_assign_shape, infer_type=_same_dtype("_slice_assign", ("lhs", "rhs")),
    backward=_slice_assign_backward, aliases=("_crop_assign",),
    doc="Assign the rhs to a cropped subset of lhs (returns the result; lhs is not modified)."))


def _slice_assign_scalar_forward(env, a, inputs, aux):
    out = inputs[0].copy()
    out[_slice_key(a, out.shape)] = a.scalar
    return (out,)


def _slice_assign_scalar_backward(env, a, inputs, outputs, out_grads, req):
    gl = out_grads[0].copy()
    gl[_slice_key(a, gl.shape)] = 0
    return [gl]


def _slice_assign_scalar_shape(a, s):
    _region_shape(a, tuple(s[0]))
    return [tuple(s[0])]


register(OpDef(
    "_slice_assign_scalar", _slice_assign_scalar_forward,
    params=(Param("scalar", Float, 0.0, "The scalar value for assignment."), _BEGIN, _END, _STEP),
    infer_shape=_slice_assign_scalar_shape, backward=_slice_assign_scalar_backward,
    aliases=("_crop_assign_scalar",),
    doc="(Assign the scalar to a cropped subset of the input (returns the result)."))


def _scatter_set_shape(a, s):
    lhs, rhs, idx = (tuple(x) for x in s)
    if lhs != tuple(a.shape):
        raise MXNetError("_scatter_set_nd: lhs shape {} must equal the shape parameter {}".format(
            _fmt(lhs), a.shape))
    if len(idx) < 1 or idx[0] > len(lhs):
        raise MXNetError("_scatter_set_nd: indices shape {} must be (M, ...) with M <= {} (the number of "
                         "dimensions of lhs {})".format(_fmt(idx), len(lhs), _fmt(lhs)))
    want = idx[1:] + lhs[idx[0]:]
    if rhs != want:
        raise MXNetError("_scatter_set_nd: rhs shape {} must be {} for indices {} and lhs {}".format(
            _fmt(rhs), _fmt(want), _fmt(idx), _fmt(lhs)))
    return [lhs]


def _scatter_key(idx):
    return tuple(idx.astype(np.int64))


def _scatter_set_forward(env, a, inputs, aux):
    lhs, rhs, idx = inputs
    out = lhs.copy()
    out[_scatter_key(idx)] = rhs
    return (out,)


def _scatter_set_backward(env, a, inputs, outputs, out_grads, req):
    lhs, rhs, idx = inputs
    key = _scatter_key(idx)
    gl = out_grads[0].copy()
    gl[key] = 0
    return [gl, out_grads[0][key].reshape(rhs.shape), env.xp.zeros_like(idx)]


register(OpDef(
    "_scatter_set_nd", _scatter_set_forward, inputs=("lhs", "rhs", "indices"),
    params=(Param("shape", Shape, doc="Shape of output."),),
    infer_shape=_scatter_set_shape, infer_type=lambda a, t: [t[0]], backward=_scatter_set_backward,
    doc="Sets the elements of lhs at the N-d indices to rhs (the result is returned; MXNet requires "
        "out=lhs)."))

# -- _histogram ----------------------------------------------------------------------------------


def _hist_inputs(a):
    return ("data",) if a.bin_cnt is not None else ("data", "bins")


def _hist_check(a):
    if (a.bin_cnt is None) != (a.range is None):
        raise MXNetError("_histogram: bin_cnt and range must both be given, or neither (then pass the "
                         "bins array)")
    if a.range is not None and (len(a.range) != 2 or a.range[0] > a.range[1]):
        raise MXNetError("_histogram: range must be (min, max) with min <= max, got {}".format(a.range))


def _hist_shape(a, s):
    _hist_check(a)
    if a.bin_cnt is not None:
        return [(a.bin_cnt,), (a.bin_cnt + 1,)]
    if len(s[1]) != 1 or s[1][0] < 2:
        raise MXNetError("_histogram: bins must be a 1-D array of at least 2 edges, got shape {}".format(
            _fmt(s[1])))
    return [(s[1][0] - 1,), tuple(s[1])]


def _hist_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0].reshape(-1)
    if a.bin_cnt is not None:
        lo, hi = a.range
        edges = xp.linspace(lo, hi, a.bin_cnt + 1)
    else:
        edges = inputs[1].astype(np.float64)
    xf = x.astype(np.float64)
    n = edges.shape[0] - 1
    # bins are half-open [e_i, e_{i+1}) except the last, which includes its right edge (NumPy)
    i = xp.searchsorted(edges, xf, side="right") - 1
    i = xp.where(xf == edges[-1], n - 1, i)
    ok = (xf >= edges[0]) & (xf <= edges[-1])
    counts = xp.bincount(xp.where(ok, i, n), minlength=n + 1)[:n].astype(np.int64)
    return (counts, edges.astype(x.dtype))


register(OpDef(
    "_histogram", _hist_forward, inputs=_hist_inputs, all_inputs=("data", "bins"),
    params=(Param("bin_cnt", IntOrNone, None, "Number of bins for uniform case"),
            Param("range", _OrNone(Tuple), None, "The lower and upper range of the bins. if not "
                  "provided, range is simply (a.min(), a.max()). values outside the range are ignored.")),
    outputs=("output0", "output1"), infer_shape=_hist_shape,
    infer_type=lambda a, t: [np.dtype(np.int64), t[0]],
    doc="This operators implements the histogram function (counts and bin edges)."))

# -- all_finite and friends ----------------------------------------------------------------------
_INIT_OUTPUT = Param("init_output", Bool, True, "Initialize output to 1.")


def _finite_forward(env, a, inputs, aux):
    # init_output=False would AND into the previous value of out; kernels cannot read it, so
    # the result is always that of these arrays alone (see the module notes of the report).
    xp = env.xp
    ok = xp.ones((), dtype=bool)
    for x in inputs:
        ok = ok & xp.isfinite(x).all()
    return (ok.astype(np.float32).reshape(1),)


register(OpDef("all_finite", _finite_forward, params=(_INIT_OUTPUT,),
               infer_shape=lambda a, s: [(1,)], infer_type=lambda a, t: [np.dtype(np.float32)],
               doc="Check if all the float numbers in the array are finite (used for AMP)."))
register(OpDef("multi_all_finite", _finite_forward,
               params=(Param("num_arrays", Int, 1, "Number of arrays."), _INIT_OUTPUT),
               key_var_num_args="num_arrays", infer_shape=lambda a, s: [(1,)],
               infer_type=lambda a, t: [np.dtype(np.float32)],
               doc="Check if all the float numbers in all the arrays are finite (used for AMP)."))


def _sum_sq_type(a, t):
    for i, d in enumerate(t):
        if np.dtype(d) != np.dtype(t[0]):
            raise MXNetError("multi_sum_sq: all arrays must have the same dtype: array 0 is {} but array "
                             "{} is {}".format(np.dtype(t[0]).name, i, np.dtype(d).name))
    return [np.dtype(np.float32)]


def _sum_sq_forward(env, a, inputs, aux):
    xp = env.xp
    return (xp.stack([xp.square(x.astype(np.float32)).sum() for x in inputs]),)


register(OpDef("multi_sum_sq", _sum_sq_forward, params=(Param("num_arrays", Int, doc="number of input arrays."),),
               key_var_num_args="num_arrays", infer_shape=lambda a, s: [(a.num_arrays,)],
               infer_type=_sum_sq_type,
               doc="Compute the sums of squares of multiple arrays (float32 results)."))


def _reset_forward(env, a, inputs, aux):
    for x in aux:
        x[...] = 0
    return ()


register(OpDef("reset_arrays", _reset_forward, params=(Param("num_arrays", Int, doc="number of input arrays."),),
               key_var_num_args="num_arrays", inputs=lambda a: [],
               aux=lambda a: ["array%d" % i for i in range(a.num_arrays)], all_inputs=("data",),
               outputs=(), infer_shape=lambda a, s: [],
               infer_shape_full=lambda a, s, x: (list(s), [], list(x)), infer_type=lambda a, t: [],
               doc="Set to zero multiple arrays (in place; no outputs)."))

# -- _random_pdf_* -------------------------------------------------------------------------------
# Each distribution: (logpdf(xp, x, params), dlogpdf(xp, x, params) -> [d/dx, d/dparam...],
# parameter names). Parameter arrays have shape P, a prefix of the sample shape; the pdf of every
# sample is computed under the parameters of its leading index.
_LOG_2PI = math.log(2 * math.pi)


def _normal(xp, x, p):
    mu, sigma = p
    z = (x - mu) / sigma
    return -0.5 * z * z - xp.log(sigma) - 0.5 * _LOG_2PI


def _d_normal(xp, x, p):
    mu, sigma = p
    z = (x - mu) / sigma
    return [-z / sigma, z / sigma, (z * z - 1) / sigma]


def _uniform(xp, x, p):
    lo, hi = p
    inside = (x >= lo) & (x <= hi)
    with np.errstate(divide="ignore"):
        return xp.where(inside, -xp.log(hi - lo), -np.inf)


def _d_uniform(xp, x, p):
    lo, hi = p
    inside = ((x >= lo) & (x <= hi)).astype(x.dtype)
    r = inside / (hi - lo)
    return [xp.zeros_like(x), r, -r]


def _gamma(xp, x, p):
    alpha, beta = p
    return alpha * xp.log(beta) + (alpha - 1) * xp.log(x) - beta * x - _special.gammaln(xp, alpha)


def _d_gamma(xp, x, p):
    alpha, beta = p
    return [(alpha - 1) / x - beta, xp.log(beta) + xp.log(x) - _special.digamma(xp, alpha), alpha / beta - x]


def _exponential(xp, x, p):
    lam, = p
    return xp.log(lam) - lam * x


def _d_exponential(xp, x, p):
    lam, = p
    return [-lam + 0 * x, 1 / lam - x]


def _poisson(xp, x, p):
    lam, = p
    return x * xp.log(lam) - lam - _special.gammaln(xp, x + 1)


def _d_poisson(xp, x, p):
    lam, = p
    return [xp.zeros_like(x), x / lam - 1]


def _nb_log(xp, x, k, logp, log1mp):
    return (_special.gammaln(xp, x + k) - _special.gammaln(xp, x + 1) - _special.gammaln(xp, k)
            + k * logp + x * log1mp)


def _negative_binomial(xp, x, p):
    k, prob = p
    return _nb_log(xp, x, k, xp.log(prob), xp.log1p(-prob))


def _d_negative_binomial(xp, x, p):
    k, prob = p
    dk = _special.digamma(xp, x + k) - _special.digamma(xp, k) + xp.log(prob)
    return [xp.zeros_like(x), dk, k / prob - x / (1 - prob)]


def _gen_negative_binomial(xp, x, p):
    mu, alpha = p
    k = 1 / alpha
    return _nb_log(xp, x, k, -xp.log1p(alpha * mu), xp.log(alpha * mu) - xp.log1p(alpha * mu))


def _d_gen_negative_binomial(xp, x, p):
    mu, alpha = p
    k = 1 / alpha
    q = 1 + alpha * mu
    dk = _special.digamma(xp, x + k) - _special.digamma(xp, k) - xp.log(q)
    dmu = (x - mu) / (mu * q)
    dalpha = -dk / (alpha * alpha) - k * mu / q + x / alpha - x * mu / q
    return [xp.zeros_like(x), dmu, dalpha]


_PDFS = {
    "normal": (_normal, _d_normal, ("mu", "sigma"), "normal (Gaussian) distribution with mean mu and "
               "standard deviation sigma"),
    "uniform": (_uniform, _d_uniform, ("low", "high"), "uniform distribution on [low, high]"),
    "gamma": (_gamma, _d_gamma, ("alpha", "beta"), "gamma distribution with shape alpha and rate beta"),
    "exponential": (_exponential, _d_exponential, ("lam",), "exponential distribution with rate lam"),
    "poisson": (_poisson, _d_poisson, ("lam",), "Poisson distribution with rate lam"),
    "negative_binomial": (_negative_binomial, _d_negative_binomial, ("k", "p"),
                          "negative binomial distribution (k failures, success probability p)"),
    "generalized_negative_binomial": (_gen_negative_binomial, _d_gen_negative_binomial, ("mu", "alpha"),
                                      "generalized negative binomial distribution (mean mu, "
                                      "dispersion alpha)"),
}
_IS_LOG = Param("is_log", Bool, False, "If set, compute the density of the log-probability instead "
                "of the probability.")


def _pdf_shape(name, dirichlet=False):
    def infer_shape(a, s):
        sample = tuple(s[0])
        for i, ps in enumerate(s[1:], 1):
            ps = tuple(ps)
            if dirichlet:
                ok = len(ps) >= 1 and len(sample) >= len(ps) + 1 and sample[:len(ps) - 1] == ps[:-1] \
                    and sample[-1] == ps[-1]
            else:
                ok = len(ps) <= len(sample) and sample[:len(ps)] == ps
            if not ok or ps != tuple(s[1]):
                raise MXNetError("{}: parameter shape {} does not match the sample shape {}: parameters "
                                 "must share one shape, a prefix of the sample shape{}".format(
                                     name, _fmt(ps), _fmt(sample),
                                     " (besides the last, event axis)" if dirichlet else ""))
        return [sample[:-1] if dirichlet else sample]
    return infer_shape


def _pdf_type(name):
    def infer_type(a, t):
        for i, d in enumerate(t):
            if np.dtype(d).kind != "f":
                raise MXNetError("{}: inputs must be floating point, got {} for input {}".format(
                    name, np.dtype(d).name, i))
            if np.dtype(d) != np.dtype(t[0]):
                raise MXNetError("{}: all inputs must have the same dtype: sample is {} but input {} is "
                                 "{}".format(name, np.dtype(t[0]).name, i, np.dtype(d).name))
        return [t[0]]
    return infer_type


def _expand(p, ndim, tail=0):
    """Parameters of shape P (+ ``tail`` event axes) broadcast against samples of rank ``ndim``."""
    lead = p.ndim - tail
    return p.reshape(p.shape[:lead] + (1,) * (ndim - p.ndim) + p.shape[lead:])


def _reduce_param(g, p, tail=0):
    lead = p.ndim - tail
    axes = tuple(range(lead, g.ndim - tail))
    return (g.sum(axis=axes) if axes else g).reshape(p.shape)


def _pdf_op(dist, logpdf, dlogpdf, pnames, what):
    name = "_random_pdf_" + dist

    def forward(env, a, inputs, aux):
        xp = env.xp
        x = inputs[0]
        ps = [_expand(p, x.ndim) for p in inputs[1:]]
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = logpdf(xp, x, ps)
        return ((lp if a.is_log else xp.exp(lp)).astype(x.dtype, copy=False),)

    def backward(env, a, inputs, outputs, out_grads, req):
        xp = env.xp
        x = inputs[0]
        ps = [_expand(p, x.ndim) for p in inputs[1:]]
        scale = out_grads[0] if a.is_log else out_grads[0] * outputs[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = dlogpdf(xp, x, ps)
        grads = [(scale * d[0]).astype(x.dtype, copy=False)]
        grads += [_reduce_param(scale * di, p).astype(p.dtype, copy=False) for di, p in zip(d[1:], inputs[1:])]
        return grads

    register(OpDef(name, forward, inputs=("sample",) + pnames, params=(_IS_LOG,),
                   infer_shape=_pdf_shape(name), infer_type=_pdf_type(name), backward=backward,
                   aliases=("random_pdf_" + dist,),
                   doc="Computes the value of the PDF of samples of the {}.".format(what)))


for _dist, (_lp, _dlp, _pn, _what) in _PDFS.items():
    _pdf_op(_dist, _lp, _dlp, _pn, _what)


def _dirichlet_forward(env, a, inputs, aux):
    xp = env.xp
    x, alpha = inputs
    al = _expand(alpha, x.ndim, tail=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lp = (_special.gammaln(xp, al.sum(-1)) - _special.gammaln(xp, al).sum(-1)
              + ((al - 1) * xp.log(x)).sum(-1))
    return ((lp if a.is_log else xp.exp(lp)).astype(x.dtype, copy=False),)


def _dirichlet_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x, alpha = inputs
    al = _expand(alpha, x.ndim, tail=1)
    scale = (out_grads[0] if a.is_log else out_grads[0] * outputs[0])[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        dx = scale * (al - 1) / x
        dal = scale * (_special.digamma(xp, al.sum(-1, keepdims=True)) - _special.digamma(xp, al) + xp.log(x))
    return [dx.astype(x.dtype, copy=False), _reduce_param(dal, alpha, tail=1).astype(alpha.dtype, copy=False)]


register(OpDef("_random_pdf_dirichlet", _dirichlet_forward, inputs=("sample", "alpha"), params=(_IS_LOG,),
               infer_shape=_pdf_shape("_random_pdf_dirichlet", dirichlet=True),
               infer_type=_pdf_type("_random_pdf_dirichlet"), backward=_dirichlet_backward,
               aliases=("random_pdf_dirichlet",),
               doc="Computes the value of the PDF of samples of Dirichlet distributions with parameter "
                   "alpha."))

# -- multi-tensor optimizer updates --------------------------------------------------------------
_RESCALE = Param("rescale_grad", Float, 1.0, "Rescale gradient to grad = rescale_grad*grad.")
_CLIP = Param("clip_gradient", Float, -1.0, "Clip gradient to the range of [-clip_gradient, "
              "clip_gradient] If clip_gradient <= 0, gradient clipping is turned off. "
              "grad = max(min(grad, clip_gradient), -clip_gradient).")
_MOM = Param("momentum", Float, 0.0, "The decay rate of momentum estimates at each epoch.")
_NUM_WEIGHTS = Param("num_weights", Int, 1, "Number of updated weights.")
_LRS = Param("lrs", Tuple, doc="Learning rates.")
_WDS = Param("wds", Tuple, doc="Weight decay augments the objective function with a regularization term "
             "that penalizes large weights. The penalty scales with the square of the magnitude of each "
             "weight.")
_BETA1 = Param("beta1", Float, 0.9, "The decay rate for the 1st moment estimates.")
_BETA2 = Param("beta2", Float, 0.999, "The decay rate for the 2nd moment estimates.")


def _multi_update(name, per, kernel, params, count="num_weights", tail=(), per_params=(),
                  same_shape=None, doc=""):
    """Register ``name(w_0, g_0, <states_0>, w_1, ..., *tail)`` returning the new weights.

    ``per`` names each weight's arrays; ``kernel(xp, attrs, i, arrays, tail)`` returns weight i's
    result and writes its states in place. ``per_params`` are tuple parameters with one value per
    weight. Only the first array is a data input; the rest are auxiliary (written) states."""
    k = len(per)
    same_shape = tuple(range(k)) if same_shape is None else same_shape

    def names(a):
        return ["{}_{}".format(p, i) for i in range(a[count]) for p in per] + list(tail)

    def check_params(a):
        for p in per_params:
            if len(a[p]) != a[count]:
                raise MXNetError("{}: {} has {} values but {}={}: give one per weight".format(
                    name, p, len(a[p]), count, a[count]))

    def full(a, in_shapes, aux_shapes):
        check_params(a)
        shapes = list(in_shapes) + list(aux_shapes)
        outs = []
        for i in range(a[count]):
            group = shapes[i * k:(i + 1) * k]
            ref = group[0]
            for j in same_shape[1:]:
                if ref is not None and group[j] is not None and tuple(group[j]) != tuple(ref):
                    nm = names(a)
                    raise MXNetError("{}: shape mismatch: {} has shape {} but {} has shape {}".format(
                        name, nm[i * k], _fmt(ref), nm[i * k + j], _fmt(group[j])))
            outs.append(None if ref is None else tuple(ref))
        return list(in_shapes), outs, list(aux_shapes)

    def forward(env, a, ins, aux):
        arrays = list(ins) + list(aux)
        n = a[count]
        tail_arrays = arrays[n * k:]
        outs = []
        for i in range(n):
            group = arrays[i * k:(i + 1) * k]
            if group[0].dtype != arrays[0].dtype:
                raise MXNetError("{}: all weights must have the same dtype: weight 0 is {} but weight {} "
                                 "is {}".format(name, arrays[0].dtype.name, i, group[0].dtype.name))
            outs.append(kernel(env.xp, a, i, group, tail_arrays))
        return tuple(outs)

    return register(OpDef(
        name, forward, params=params, key_var_num_args=count,
        inputs=lambda a: names(a)[:1], aux=lambda a: names(a)[1:], all_inputs=("data",),
        outputs=lambda a: ["output%d" % i for i in range(a[count])],
        infer_shape=lambda a, s: full(a, s, [None] * (a[count] * k + len(tail) - 1))[1],
        infer_shape_full=full, infer_type=lambda a, t: [t[0]] * a[count], doc=doc))


class _SGDArgs:
    """The parameters sgd_update / sgd_mom_update kernels read, for weight i of a multi update."""
    __slots__ = ("lr", "wd", "rescale_grad", "clip_gradient", "momentum")

    def __init__(self, lr, wd, rescale_grad, clip_gradient, momentum):
        self.lr, self.wd, self.rescale_grad = lr, wd, rescale_grad
        self.clip_gradient, self.momentum = clip_gradient, momentum


def _sgd_attrs(a, i, lrs=None, wds=None):
    lr = a.lrs[i] if lrs is None else float(lrs[i])
    wd = a.wds[i] if wds is None else float(wds[i])
    return _SGDArgs(lr, wd, a.rescale_grad, a.clip_gradient, a.get("momentum", 0.0))


def _sgd_kernel(mom, mp, preloaded):
    if mom and not mp and not preloaded:
        # Gluon's Trainer('sgd', momentum) path: the weight's scalars straight from the attrs
        def kernel(xp, a, i, arr, tail):
            w = arr[0]
            t = w.dtype.type
            return sgd_mom_step(xp, w, arr[1], arr[2], t(a.lrs[i]), t(a.wds[i]), t(a.rescale_grad),
                                t(a.momentum), a.clip_gradient)
        return kernel

    def kernel(xp, a, i, arr, tail):
        lrs, wds = (tail[0].tolist(), tail[1].tolist()) if preloaded else (None, None)
        at = _sgd_attrs(a, i, lrs, wds)
        w, g = arr[0], arr[1]
        if mp:
            w32 = arr[-1]
            w, g = w32, g.astype(np.float32)
        if mom:
            res, (m,) = _sgd_mom(xp, at, w, g, [], [arr[2]])
            if m is not arr[2]:
                arr[2][...] = m
        else:
            res, _ = _sgd(xp, at, w, g, [], [])
        if mp:
            arr[-1][...] = res
            return res.astype(arr[0].dtype)
        return res
    return kernel


for _mom in (False, True):
    for _mp in (False, True):
        for _pre in (False, True):
            _per = ("weight", "grad") + (("mom",) if _mom else ()) + (("weight32",) if _mp else ())
            _name = "{}multi_{}sgd_{}update".format("preloaded_" if _pre else "", "mp_" if _mp else "",
                                                   "mom_" if _mom else "")
            _params = (() if _pre else (_LRS, _WDS)) + ((_MOM,) if _mom else ()) + (_RESCALE, _CLIP,
                                                                                   _NUM_WEIGHTS)
            _multi_update(_name, _per, _sgd_kernel(_mom, _mp, _pre), _params,
                          tail=("lrs", "wds") if _pre else (), per_params=() if _pre else ("lrs", "wds"),
                          doc="{}Update function for {}Stochastic Gradient Descent (SGD) optimizer{}, on "
                              "several weights at once{}.".format(
                                  "Momentum " if _mom else "", "multi-precision " if _mp else "",
                                  "", " (learning rates and weight decays given as arrays)" if _pre else ""))


# -- AdamW ---------------------------------------------------------------------------------------
def _rescale_value(r):
    return float(r.reshape(-1)[0])


def _adamw_step(xp, w, g, mean, var, rescale, lr, eta, wd, a):
    """One AdamW step in w's dtype; writes mean/var; a non-finite rescale skips the update."""
    if not math.isfinite(rescale):
        return w.copy()
    t = w.dtype.type
    grad = _clip(xp, g.astype(w.dtype, copy=False) * t(rescale), a.clip_gradient)
    b1, b2, one = t(a.beta1), t(a.beta2), t(1)
    mean[...] = b1 * mean + (one - b1) * grad
    var[...] = b2 * var + (one - b2) * xp.square(grad)
    return w - t(eta) * (t(lr) * mean / (xp.sqrt(var) + t(a.epsilon)) + t(wd) * w)


_ADAMW_PARAMS = (Param("lr", Float, doc="Learning rate"), _BETA1, _BETA2,
                 Param("epsilon", Float, 1e-8, "A small constant for numerical stability."),
                 Param("wd", Float, 0.0, "Weight decay augments the objective function with a "
                       "regularization term that penalizes large weights."),
                 Param("eta", Float, doc="Learning rate schedule multiplier"), _CLIP)


def _adamw_forward(env, a, ins, aux):
    w, g = ins
    mean, var, r = aux
    return (_adamw_step(env.xp, w, g, mean, var, _rescale_value(r), a.lr, a.eta, a.wd, a),)


def _mp_adamw_forward(env, a, ins, aux):
    w, g = ins
    mean, var, w32, r = aux
    res = _adamw_step(env.xp, w32, g, mean, var, _rescale_value(r), a.lr, a.eta, a.wd, a)
    w32[...] = res
    return (res.astype(w.dtype),)


def _adamw_full(name, n_same):
    def full(a, in_shapes, aux_shapes):
        shapes = list(in_shapes) + list(aux_shapes)
        nm = ["weight", "grad", "mean", "var", "weight32"]
        for j in range(1, n_same):
            if shapes[0] is not None and shapes[j] is not None and tuple(shapes[j]) != tuple(shapes[0]):
                raise MXNetError("{}: shape mismatch: weight has shape {} but {} has shape {}".format(
                    name, _fmt(shapes[0]), nm[j], _fmt(shapes[j])))
        return list(in_shapes), [None if shapes[0] is None else tuple(shapes[0])], list(aux_shapes)
    return full


for _name, _fwd, _aux, _doc in (
        ("_adamw_update", _adamw_forward, ("mean", "var", "rescale_grad"),
         "Update function for AdamW optimizer (Adam with decoupled weight decay)."),
        ("_mp_adamw_update", _mp_adamw_forward, ("mean", "var", "weight32", "rescale_grad"),
         "Update function for multi-precision AdamW optimizer.")):
    _full = _adamw_full(_name, 2 + len(_aux) - 1)
    register(OpDef(_name, _fwd, params=_ADAMW_PARAMS, inputs=("weight", "grad"), aux=_aux,
                   infer_shape=lambda a, s, _f=_full: _f(a, s, [None] * 4)[1], infer_shape_full=_full,
                   doc=_doc))


def _multi_adamw_kernel(mp):
    def kernel(xp, a, i, arr, tail):
        rescale = _rescale_value(tail[0])
        w, g, mean, var = arr[:4]
        if not mp:
            return _adamw_step(xp, w, g, mean, var, rescale, a.lrs[i], a.etas[i], a.wds[i], a)
        res = _adamw_step(xp, arr[4], g, mean, var, rescale, a.lrs[i], a.etas[i], a.wds[i], a)
        arr[4][...] = res
        return res.astype(w.dtype)
    return kernel


_MULTI_ADAMW_PARAMS = (_LRS, _BETA1, _BETA2,
                       Param("epsilon", Float, 1e-8, "A small constant for numerical stability."),
                       _WDS, Param("etas", Tuple, doc="Learning rates schedule multiplier"), _CLIP,
                       _NUM_WEIGHTS)
_multi_update("_multi_adamw_update", ("weight", "grad", "mean", "var"), _multi_adamw_kernel(False),
              _MULTI_ADAMW_PARAMS, tail=("rescale_grad",), per_params=("lrs", "wds", "etas"),
              doc="Update function for AdamW optimizer on several weights at once.")
_multi_update("_multi_mp_adamw_update", ("weight", "grad", "mean", "var", "weight32"),
              _multi_adamw_kernel(True), _MULTI_ADAMW_PARAMS, tail=("rescale_grad",),
              per_params=("lrs", "wds", "etas"),
              doc="Update function for multi-precision AdamW optimizer on several weights at once.")


# -- LAMB ----------------------------------------------------------------------------------------
def _lamb_step(xp, a, i, w, g, mean, var):
    t = w.dtype.type
    one = t(1)
    b1, b2 = t(a.beta1), t(a.beta2)
    grad = _clip(xp, g.astype(w.dtype, copy=False) * t(a.rescale_grad), a.clip_gradient)
    mean[...] = b1 * mean + (one - b1) * grad
    var[...] = b2 * var + (one - b2) * xp.square(grad)
    if a.bias_correction:
        step = a.step_count[i]
        m_hat, v_hat = mean / (one - b1 ** step), var / (one - b2 ** step)
    else:
        m_hat, v_hat = mean, var
    r = m_hat / (xp.sqrt(v_hat) + t(a.epsilon)) + t(a.wds[i]) * w
    r1 = xp.sqrt(xp.square(w).sum())
    r2 = xp.sqrt(xp.square(r).sum())
    if a.lower_bound >= 0:
        r1 = xp.maximum(r1, t(a.lower_bound))
    if a.upper_bound >= 0:
        r1 = xp.minimum(r1, t(a.upper_bound))
    lr = t(a.learning_rates[i])
    ratio = xp.where((r1 > 0) & (r2 > 0), r1 / xp.where(r2 > 0, r2, one), one)
    return w - (lr * ratio).astype(w.dtype) * r


def _multi_lamb_kernel(mp):
    def kernel(xp, a, i, arr, tail):
        w, g, mean, var = arr[:4]
        if not mp:
            return _lamb_step(xp, a, i, w, g, mean, var)
        res = _lamb_step(xp, a, i, arr[4], g, mean, var)
        arr[4][...] = res
        return res.astype(w.dtype)
    return kernel


_LAMB_PARAMS = (
    Param("learning_rates", Tuple, doc="List of learning rates"), _BETA1, _BETA2,
    Param("epsilon", Float, 1e-6, "Small value to avoid division by 0."),
    Param("wds", Tuple, doc="List of Weight decays.Weight decay augments the objective function with a "
          "regularization term that penalizes large weights."),
    Param("rescale_grad", Float, 1.0, "Gradient rescaling factor"),
    Param("lower_bound", Float, -1.0, "Lower limit of norm of weight. If lower_bound <= 0, Lower limit "
          "is not set"),
    Param("upper_bound", Float, -1.0, "Upper limit of norm of weight. If upper_bound <= 0, Upper limit "
          "is not set"),
    Param("clip_gradient", Float, -1.0, "Clip gradient to the range of [-clip_gradient, clip_gradient] "
          "If clip_gradient <= 0, gradient clipping is turned off. grad = max(min(grad, clip_gradient), "
          "-clip_gradient)."),
    Param("bias_correction", Bool, True, "Whether to use bias correction."),
    Param("step_count", Shape, doc="Step count for each tensor"),
    Param("num_tensors", Int, 1, "Number of tensors"))
_multi_update("_multi_lamb_update", ("weight", "grad", "mean", "var"), _multi_lamb_kernel(False),
              _LAMB_PARAMS, count="num_tensors", per_params=("learning_rates", "wds", "step_count"),
              doc="Compute the LAMB coefficients of multiple weights and grads and update the weights.")
_multi_update("_multi_mp_lamb_update", ("weight", "grad", "mean", "var", "weight32"),
              _multi_lamb_kernel(True), _LAMB_PARAMS, count="num_tensors",
              per_params=("learning_rates", "wds", "step_count"),
              doc="Compute the LAMB coefficients of multiple weights and grads with mixed precision and "
                  "update the weights.")


# -- multi_lars ----------------------------------------------------------------------------------
def _lars_forward(env, a, inputs, aux):
    xp = env.xp
    lrs, wss, gss, wds = inputs
    t = lrs.dtype.type
    wn, gn = xp.sqrt(wss), xp.sqrt(gss)
    ok = (wn > 0) & (gn > 0)
    denom = gn * t(a.rescale_grad) + wds * wn + t(a.eps)
    return (xp.where(ok, lrs * t(a.eta) * wn / xp.where(ok, denom, t(1)), lrs),)


def _lars_shape(a, s):
    for n, sh in zip(("weights_sum_sq", "grads_sum_sq", "wds"), s[1:]):
        if tuple(sh) != tuple(s[0]):
            raise MXNetError("multi_lars: {} has shape {} but lrs has shape {}".format(n, _fmt(sh), _fmt(s[0])))
    return [tuple(s[0])]


register(OpDef(
    "multi_lars", _lars_forward, inputs=("lrs", "weights_sum_sq", "grads_sum_sq", "wds"),
    params=(Param("eta", Float, doc="LARS eta"), Param("eps", Float, doc="LARS eps"),
            Param("rescale_grad", Float, 1.0, "Gradient rescaling factor")),
    infer_shape=_lars_shape, infer_type=_same_dtype("multi_lars"),
    doc="Compute the LARS coefficients of multiple weights and grads from their sums of squares."))


# -- dense stand-ins for MXNet's storage-specific variants ------------------------------------------
def _delegate(name, target, params=None, doc="", **kw):
    """Register ``name`` with ``target``'s rules (MXNet's sparse-storage variants compute the same
    values on dense arrays)."""
    t = get_op(target)
    return register(OpDef(
        name, t.forward, params=t.params if params is None else params, inputs=t._inputs, aux=t._aux,
        outputs=t._outputs, all_inputs=t._all_inputs, infer_shape=t.infer_shape, infer_type=t.infer_type,
        infer_shape_full=t.infer_shape_full, backward=t.backward, key_var_num_args=t.key_var_num_args,
        num_visible_outputs=t._num_visible, elementwise=t.elementwise, var_attrs=t.var_attrs,
        doc=doc or t.doc, **kw))


_delegate("_scatter_elemwise_div", "elemwise_div",
          doc="Divides arguments element-wise (MXNet: keeps the sparsity of lhs; dense here).")
_delegate("_scatter_plus_scalar", "_plus_scalar",
          doc="Adds a scalar to a tensor element-wise (MXNet: to the stored values of a sparse tensor; dense here).")
_delegate("_scatter_minus_scalar", "_minus_scalar",
          doc="Subtracts a scalar from a tensor element-wise (MXNet: from the stored values of a sparse tensor; "
              "dense here).")
_delegate("_rnn_param_concat", "Concat",
          doc="Joins the RNN parameter arrays along an axis (Concat, used by the fused RNN layers).")
_delegate("_contrib_SparseEmbedding", "Embedding",
          doc="Maps integer indices to vector representations (embeddings) with a row_sparse weight gradient "
              "listing the looked-up rows.")
