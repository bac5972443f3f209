"""Contrib operators (``_contrib_*``; ``mx.nd.contrib.<name>``), as MXNet 1.9.1 defines them:

- element-wise helpers: ``arange_like``, ``div_sqrt_dim``, ``quadratic``, ``allclose``,
  ``gradientmultiplier``, ``round_ste``/``sign_ste`` (straight-through gradients);
- indexing: ``boolean_mask`` (output shape depends on the mask values: see ``dynamic_shape``),
  ``index_copy``, ``index_array``;
- boxes: ``box_iou``, ``box_nms`` (``box_non_maximum_suppression``), ``bipartite_matching``,
  ``box_encode``, ``box_decode``, ``MultiBoxPrior``, ``MultiBoxTarget``, ``MultiBoxDetection``,
  ``Proposal``/``MultiProposal`` (Faster R-CNN RPN), ``ROIAlign``;
- resizing: ``AdaptiveAvgPooling2D``, ``BilinearResize2D`` (both as two small interpolation
  matrices applied to the rows and the columns, so backward is their transpose);
- the attention helpers ``interleaved_matmul_*``; ``count_sketch``; ``group_adagrad_update``;
- ``backward_quadratic``, ``backward_index_copy``, ``backward_hawkesll``: MXNet's backward nodes of
  those operators, run through their registered backward rules;
- ``SyncBatchNorm`` and ``BatchNormWithReLU`` on top of BatchNorm's kernels (SyncBatchNorm
  normalises each device's batch on its own: exact for ``ndev=1``).

Greedy algorithms (NMS, bipartite matching, SSD target matching) are vectorised over the batch and
run a number of array steps bounded by the chain of suppressions or the number of matches, never
a Python loop over boxes. Every value was checked against MXNet 1.9.1 except ``count_sketch`` and
``group_adagrad_update``, which MXNet 1.9.1 runs on GPUs only (their documented formulas are used).
"""
import math

import numpy as np

from ..base import MXNetError
from ._shapes import fmt as _fmt, prod as _prod
from .optimizer_ops import _clip
from .params import Param, Bool, Enum, Float, Int, IntOrNone, Shape, ShapeOrNone, Str, Tuple, FloatOrNone
from .registry import OpDef, register, get_op as _get_op


def _zeros(env, a, inputs, outputs, out_grads, req):
    return [env.xp.zeros_like(x) if r else None for x, r in zip(inputs, req)]


def _argsort_stable(xp, x, axis=-1):
    if xp is np:
        return np.argsort(x, axis=axis, kind="stable")
    try:
        return xp.argsort(x, axis=axis, kind="stable")
    except (TypeError, ValueError, NotImplementedError):
        return xp.argsort(x, axis=axis)   # CuPy's sort is stable


def _einsum(xp, spec, *ops):
    return np.einsum(spec, *ops, optimize=True) if xp is np else xp.einsum(spec, *ops)


def _contrib(name, forward, **kw):
    return register(OpDef("_contrib_" + name, forward, **kw))


# -- simple element-wise ops ---------------------------------------------------------------------


def _arange_like_shape(a, s):
    shape = tuple(s[0])
    if a.axis is None:
        return [shape]
    ax = a.axis + len(shape) if a.axis < 0 else a.axis
    if not 0 <= ax < len(shape):
        raise MXNetError("_contrib_arange_like: axis {} out of range for input shape {}".format(a.axis, _fmt(shape)))
    return [(shape[ax],)]


def _arange_like_forward(env, a, inputs, aux):
    x = inputs[0]
    shape = _arange_like_shape(a, [x.shape])[0]
    n = _prod(shape)
    vals = a.start + a.step * (env.xp.arange(n, dtype=np.float64) // a.repeat)
    return (vals.reshape(shape).astype(x.dtype),)


_contrib("arange_like", _arange_like_forward,
         params=(Param("start", Float, 0.0, "Start of interval. The interval includes this value. The default "
                       "start value is 0."),
                 Param("step", Float, 1.0, "Spacing between values."),
                 Param("repeat", Int, 1, "The repeating time of all elements. E.g repeat=3, the element a "
                       "will be repeated three times --> a, a, a."),
                 Param("ctx", Str, "", "Context of output, in format [cpu|gpu|cpu_pinned](n).Only used "
                       "for imperative calls."),
                 Param("axis", IntOrNone, None, "Arange elements according to the size of a certain axis "
                       "of input array. The negative numbers are interpreted counting from the backward. "
                       "If not provided, will arange elements according to the input shape.")),
         infer_shape=_arange_like_shape, backward=_zeros,
         doc="Return an array with evenly spaced values shaped like the input (or one of its axes).")


def _div_sqrt_dim_forward(env, a, inputs, aux):
    x = inputs[0]
    return ((x / math.sqrt(x.shape[-1])).astype(x.dtype, copy=False),)


_contrib("div_sqrt_dim", _div_sqrt_dim_forward, elementwise=True,
         backward=lambda env, a, i, o, g, r: [(g[0] / math.sqrt(i[0].shape[-1])).astype(i[0].dtype, copy=False)],
         doc="Rescale the input by the square root of the channel dimension: out = data / sqrt(data.shape[-1]).")


def _quadratic_forward(env, a, inputs, aux):
    x = inputs[0]
    t = x.dtype.type
    return (t(a.a) * x * x + t(a.b) * x + t(a.c),)


_contrib("quadratic", _quadratic_forward, elementwise=True,
         params=(Param("a", Float, 0.0, "Coefficient of the quadratic term in the quadratic function."),
                 Param("b", Float, 0.0, "Coefficient of the linear term in the quadratic function."),
                 Param("c", Float, 0.0, "Constant term in the quadratic function.")),
         backward=lambda env, a, i, o, g, r: [g[0] * (i[0].dtype.type(2 * a.a) * i[0] + i[0].dtype.type(a.b))],
         doc="This operators implements the quadratic function: f(x) = a * x^2 + b * x + c.")


def _allclose_forward(env, a, inputs, aux):
    xp = env.xp
    x, y = inputs
    ok = xp.abs(x - y) <= a.atol + a.rtol * xp.abs(y)
    if a.equal_nan:
        ok = ok | (xp.isnan(x) & xp.isnan(y))
    return (ok.all().astype(np.uint8).reshape(()),)


def _allclose_shape(a, s):
    if tuple(s[0]) != tuple(s[1]):
        raise MXNetError("_contrib_allclose: a {} and b {} must have the same shape".format(_fmt(s[0]), _fmt(s[1])))
    return [()]


_contrib("allclose", _allclose_forward, inputs=("a", "b"),
         params=(Param("rtol", Float, 1e-5, "Relative tolerance."),
                 Param("atol", Float, 1e-8, "Absolute tolerance."),
                 Param("equal_nan", Bool, True, "Whether to compare NaN's as equal. If True, NaN's in A will "
                       "be considered equal to NaN's in B in the output array.")),
         infer_shape=_allclose_shape, infer_type=lambda a, t: [np.dtype(np.uint8)],
         doc="This operators implements the numpy.allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False); "
             "the result is a 0-d uint8 array (1 if all close).")

_contrib("gradientmultiplier", lambda env, a, i, x: (i[0].copy(),), elementwise=True,
         params=(Param("scalar", Float, 1.0, "lambda multiplier"),
                 Param("is_int", Bool, True, "Indicate whether scalar input is int type")),
         backward=lambda env, a, i, o, g, r: [g[0] * i[0].dtype.type(a.scalar)],
         doc="Identity forward; multiplies the gradient by a scalar in the backward pass.")


def _round_half_away(xp, x):
    return xp.where(x >= 0, xp.floor(x + 0.5), xp.ceil(x - 0.5)) if x.dtype.kind == "f" else x.copy()


_contrib("round_ste", lambda env, a, i, x: (_round_half_away(env.xp, i[0]),), elementwise=True,
         backward=lambda env, a, i, o, g, r: [g[0]],
         doc="Straight-through-estimator of round(): rounds forward, identity gradient.")
_contrib("sign_ste", lambda env, a, i, x: (env.xp.sign(i[0]),), elementwise=True,
         backward=lambda env, a, i, o, g, r: [g[0]],
         doc="Straight-through-estimator of sign(): sign forward, identity gradient.")

# -- indexing ------------------------------------------------------------------------------------


def _boolean_mask_check(a, dshape, ishape):
    if a.axis != 0:
        raise MXNetError("_contrib_boolean_mask: only axis=0 is supported (as in MXNet), got axis={}".format(a.axis))
    if len(ishape) != 1 or not dshape or ishape[0] != dshape[0]:
        raise MXNetError("_contrib_boolean_mask: index must be a vector of length data.shape[0]; got data {} and "
                         "index {}".format(_fmt(dshape), _fmt(ishape)))


def _boolean_mask_shape(a, s):
    _boolean_mask_check(a, tuple(s[0]), tuple(s[1]))
    raise MXNetError("_contrib_boolean_mask: the output shape depends on the values of index (data {}, index {}); "
                     "it cannot be inferred from shapes, so the operator is only available imperatively"
                     .format(_fmt(s[0]), _fmt(s[1])))


def _boolean_mask_forward(env, a, inputs, aux):
    data, index = inputs
    _boolean_mask_check(a, data.shape, index.shape)
    return (data[index != 0],)


def _boolean_mask_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, index = inputs
    gd = xp.zeros_like(data)
    gd[index != 0] = out_grads[0]
    return [gd, xp.zeros_like(index)]


_BOOLEAN_MASK = _contrib("boolean_mask", _boolean_mask_forward, inputs=("data", "index"),
                         params=(Param("axis", Int, 0, "An integer that represents the axis in NDArray to mask "
                                       "from."),),
                         infer_shape=_boolean_mask_shape, backward=_boolean_mask_backward,
                         doc="Given an n-d NDArray data, and a 1-d NDArray index, the operator produces an "
                             "un-predeterminable shaped n-d NDArray out, which stands for the rows in x where "
                             "the corresonding element in index is non-zero.")
# The output shape is known only after the kernel ran: an imperative layer that honours this flag
# runs the kernel synchronously and shapes the output from its result.
_BOOLEAN_MASK.dynamic_shape = True


def _index_copy_shape(a, s):
    old, idx, new = (tuple(x) for x in s)
    if len(idx) != 1 or not old or new != (idx[0],) + old[1:]:
        raise MXNetError("_contrib_index_copy: expected index_vector (k,) and new_tensor (k,) + old_tensor.shape[1:]; "
                         "got old_tensor {}, index_vector {}, new_tensor {}".format(_fmt(old), _fmt(idx), _fmt(new)))
    return [old]


def _index_copy_rows(xp, old, idx):
    i = idx.astype(np.int64)
    ok = (i >= 0) & (i < old.shape[0])    # MXNet ignores out-of-range rows
    return i, ok


def _index_copy_forward(env, a, inputs, aux):
    xp = env.xp
    old, idx, new = inputs
    i, ok = _index_copy_rows(xp, old, idx)
    out = old.copy()
    out[i[ok]] = new[ok]
    return (out,)


def _index_copy_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    old, idx, new = inputs
    g = out_grads[0]
    i, ok = _index_copy_rows(xp, old, idx)
    gold = g.copy()
    gold[i[ok]] = 0
    gnew = xp.where(ok.reshape((-1,) + (1,) * (new.ndim - 1)), g[xp.where(ok, i, 0)], 0).astype(new.dtype)
    return [gold, xp.zeros_like(idx), gnew]


_contrib("index_copy", _index_copy_forward, inputs=("old_tensor", "index_vector", "new_tensor"),
         infer_shape=_index_copy_shape, infer_type=lambda a, t: [t[0]], backward=_index_copy_backward,
         doc="Copies the elements of a new_tensor into the old_tensor at the rows given by index_vector.")


def _index_array_axes(a, ndim):
    if a.axes is None:
        return tuple(range(ndim))
    out = []
    for ax in a.axes:
        b = ax + ndim if ax < 0 else ax
        if not 0 <= b < ndim:
            raise MXNetError("_contrib_index_array: axis {} out of range for a {}-d input".format(ax, ndim))
        out.append(b)
    return tuple(out)


def _index_array_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0]
    axes = _index_array_axes(a, x.ndim)
    grids = xp.indices(x.shape, dtype=np.int64) if x.ndim else xp.zeros((0,), np.int64)
    return (xp.stack([grids[ax] for ax in axes], axis=-1) if axes else xp.zeros(x.shape + (0,), np.int64),)


_contrib("index_array", _index_array_forward,
         params=(Param("axes", ShapeOrNone, None, "The axes to include in the index array. Supports negative "
                       "values."),),
         infer_shape=lambda a, s: [tuple(s[0]) + (len(_index_array_axes(a, len(s[0]))),)],
         infer_type=lambda a, t: [np.dtype(np.int64)], backward=_zeros,
         doc="Returns an array of indexes of the input array (the coordinates of each element).")

# -- boxes ---------------------------------------------------------------------------------------
_FORMAT = Enum("center", "corner")


def _corners(xp, cx, cy, half_w, half_h):
    """Corner boxes [cx - half_w, cy - half_h, cx + half_w, cy + half_h] on a new last axis."""
    return xp.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=-1)


def _to_corner(xp, b, fmt):
    if fmt == "corner":
        return b
    cx, cy, w, h = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return _corners(xp, cx, cy, w / 2, h / 2)


def _to_center(xp, b):
    x1, y1, x2, y2 = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return xp.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1], axis=-1)


def _center_offsets(xp, ac, gc):
    """The box-regression targets of center boxes ``gc`` relative to center anchors ``ac``:
    [(gx - ax) / aw, (gy - ay) / ah, log(gw / aw), log(gh / ah)] as a list of the four arrays."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return [(gc[..., 0] - ac[..., 0]) / ac[..., 2], (gc[..., 1] - ac[..., 1]) / ac[..., 3],
                xp.log(gc[..., 2] / ac[..., 2]), xp.log(gc[..., 3] / ac[..., 3])]


def _pair_iou(xp, a, b):
    """IoU of corner boxes a (..., n, 4) and b (..., m, 4) -> (..., n, m)."""
    a, b = a[..., :, None, :], b[..., None, :, :]
    iw = xp.maximum(xp.minimum(a[..., 2], b[..., 2]) - xp.maximum(a[..., 0], b[..., 0]), 0)
    ih = xp.maximum(xp.minimum(a[..., 3], b[..., 3]) - xp.maximum(a[..., 1], b[..., 1]), 0)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.where(union > 0, inter / xp.where(union > 0, union, 1), 0)


def _box_iou_shape(a, s):
    l, r = tuple(s[0]), tuple(s[1])
    if not l or l[-1] != 4 or not r or r[-1] != 4:
        raise MXNetError("_contrib_box_iou: lhs {} and rhs {} must both end with a box axis of size 4".format(
            _fmt(l), _fmt(r)))
    return [l[:-1] + r[:-1]]


def _box_iou_forward(env, a, inputs, aux):
    xp = env.xp
    l, r = (_to_corner(xp, x, a.format) for x in inputs)
    iou = _pair_iou(xp, l.reshape(-1, 4), r.reshape(-1, 4))
    return (iou.reshape(inputs[0].shape[:-1] + inputs[1].shape[:-1]).astype(inputs[0].dtype, copy=False),)


_contrib("box_iou", _box_iou_forward, inputs=("lhs", "rhs"),
         params=(Param("format", _FORMAT, "corner", "The box encoding type. \"corner\" means boxes are encoded "
                       "as [xmin, ymin, xmax, ymax], \"center\" means boxes are encodes as [x, y, width, height]."),),
         infer_shape=_box_iou_shape, backward=_zeros,
         doc="Bounding box overlap of two arrays: the intersection over union of every pair of boxes.")


def _greedy_suppress(xp, valid, suppresses):
    """Greedy NMS on score-sorted boxes: box i survives iff valid and no surviving j < i suppresses
    it (``suppresses[..., j, i]``). Iterates the fixed point, which settles in at most n steps."""
    n = valid.shape[-1]
    earlier = xp.triu(xp.ones((n, n), dtype=bool), 1)   # j < i
    s = suppresses & earlier
    keep = valid.copy()
    for _ in range(n + 1):
        hit = ((keep[..., :, None] & s).any(axis=-2))
        new = valid & ~hit
        if bool((new == keep).all()):
            break
        keep = new
    return keep


def _box_nms_check(a, shape):
    if len(shape) < 2:
        raise MXNetError("_contrib_box_nms: data must be at least 2-D (..., num_boxes, width), got {}".format(
            _fmt(shape)))
    w = shape[-1]
    need = max(a.coord_start + 4, a.score_index + 1, a.id_index + 1)
    if w < need:
        raise MXNetError("_contrib_box_nms: each box has {} values but coord_start={}, score_index={}, id_index={} "
                         "need {}".format(w, a.coord_start, a.score_index, a.id_index, need))


def _box_nms_forward(env, a, inputs, aux):
    xp = env.xp
    data = inputs[0]
    _box_nms_check(a, data.shape)
    shape = data.shape
    n, w = shape[-2], shape[-1]
    d = data.reshape(-1, n, w)
    b = d.shape[0]
    score = d[..., a.score_index]
    valid = score > a.valid_thresh
    if a.id_index >= 0:
        ids = d[..., a.id_index]
        valid = valid & (ids != a.background_id) if a.background_id >= 0 else valid & (ids >= 0)
    # sort valid boxes by descending score (invalid ones last), stable as MXNet's sort
    key = xp.where(valid, -score, np.inf)
    order = _argsort_stable(xp, key, axis=-1)
    sd = xp.take_along_axis(d, order[..., None], axis=1)
    svalid = xp.take_along_axis(valid, order, axis=1)
    if a.topk > 0:
        svalid = svalid & (xp.arange(n) < a.topk)
    boxes = _to_corner(xp, sd[..., a.coord_start:a.coord_start + 4], a.in_format)
    sup = _pair_iou(xp, boxes, boxes) > a.overlap_thresh
    if a.id_index >= 0 and not a.force_suppress:
        sids = sd[..., a.id_index]
        sup = sup & (sids[..., :, None] == sids[..., None, :])
    keep = _greedy_suppress(xp, svalid, sup)
    # kept boxes first (in score order), then -1 rows
    pos = _argsort_stable(xp, (~keep).astype(np.int8), axis=-1)
    kept_src = xp.take_along_axis(order, pos, axis=1)
    kept = xp.take_along_axis(keep, pos, axis=1)
    out = xp.take_along_axis(d, kept_src[..., None], axis=1).copy()
    if a.out_format != a.in_format:
        c = out[..., a.coord_start:a.coord_start + 4]
        c = _to_center(xp, c) if a.out_format == "center" else _to_corner(xp, c, "center")
        out[..., a.coord_start:a.coord_start + 4] = c
    out = xp.where(kept[..., None], out, -1).astype(data.dtype)
    src = xp.where(kept, kept_src, -1).astype(data.dtype)
    return (out.reshape(shape), src.reshape(shape[:-1]))


def _box_nms_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data = inputs[0]
    n, w = data.shape[-2], data.shape[-1]
    g = out_grads[0].reshape(-1, n, w)
    src = outputs[1].reshape(-1, n).astype(np.int64)
    gd = xp.zeros(g.shape, dtype=data.dtype)
    bi = xp.broadcast_to(xp.arange(g.shape[0])[:, None], src.shape)
    ok = src >= 0
    gd[bi[ok], src[ok]] = g[ok]
    return [gd.reshape(data.shape)]


def _box_nms_shape(a, s):
    _box_nms_check(a, tuple(s[0]))
    return [tuple(s[0]), tuple(s[0])[:-1]]


_contrib("box_nms", _box_nms_forward, aliases=("_contrib_box_non_maximum_suppression",),
         params=(Param("overlap_thresh", Float, 0.5, "Overlapping(IoU) threshold to suppress object with smaller "
                       "score."),
                 Param("valid_thresh", Float, 0.0, "Filter input boxes to those whose scores greater than "
                       "valid_thresh."),
                 Param("topk", Int, -1, "Apply nms to topk boxes with descending scores, -1 to no restriction."),
                 Param("coord_start", Int, 2, "Start index of the consecutive 4 coordinates."),
                 Param("score_index", Int, 1, "Index of the scores/confidence of boxes."),
                 Param("id_index", Int, -1, "Optional, index of the class categories, -1 to disable."),
                 Param("background_id", Int, -1, "Optional, id of the background class which will be ignored "
                       "in nms."),
                 Param("force_suppress", Bool, False, "Optional, if set false and id_index is provided, nms will "
                       "only apply to boxes belongs to the same category"),
                 Param("in_format", _FORMAT, "corner", "The input box encoding type. \"corner\" means boxes are "
                       "encoded as [xmin, ymin, xmax, ymax], \"center\" means boxes are encodes as "
                       "[x, y, width, height]."),
                 Param("out_format", _FORMAT, "corner", "The output box encoding type.")),
         outputs=("output0", "output1"), num_visible_outputs=1, infer_shape=_box_nms_shape,
         infer_type=lambda a, t: [t[0], t[0]], backward=_box_nms_backward,
         doc="Apply non-maximum suppression to input: kept boxes sorted by score first, then rows of -1.")


def _bipartite_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0]
    shape = x.shape
    n, m = shape[-2], shape[-1]
    s = x.reshape(-1, n, m)
    thr = x.dtype.type(a.threshold)     # compared in the data's precision, as MXNet
    b = s.shape[0]
    bad = np.inf if a.is_ascend else -np.inf
    rows = xp.full((b, n), -1, dtype=np.int64)
    cols = xp.full((b, m), -1, dtype=np.int64)
    cur = s.copy()
    bidx = xp.arange(b)
    limit = min(n, m) if a.topk < 0 else min(n, m, a.topk)
    active = xp.ones(b, dtype=bool)
    for _ in range(limit):
        flat = cur.reshape(b, -1)
        best = xp.argmin(flat, axis=1) if a.is_ascend else xp.argmax(flat, axis=1)
        val = flat[bidx, best]
        ok = active & ((val < thr) if a.is_ascend else (val > thr)) & xp.isfinite(val)
        if not bool(ok.any()):
            break
        r, c = best // m, best % m
        rows[bidx[ok], r[ok]] = c[ok]
        cols[bidx[ok], c[ok]] = r[ok]
        cur[bidx[ok], r[ok], :] = bad
        cur[bidx[ok], :, c[ok]] = bad
        active = ok
    return (rows.reshape(shape[:-1]).astype(x.dtype), cols.reshape(shape[:-2] + (m,)).astype(x.dtype))


def _bipartite_shape(a, s):
    d = tuple(s[0])
    if len(d) < 2:
        raise MXNetError("_contrib_bipartite_matching: data must be at least 2-D (..., N, M), got {}".format(_fmt(d)))
    return [d[:-1], d[:-2] + d[-1:]]


_contrib("bipartite_matching", _bipartite_forward,
         params=(Param("is_ascend", Bool, False, "Use ascend order for scores instead of descending. Please set "
                       "threshold accordingly."),
                 Param("threshold", Float, doc="Ignore matching when score < thresh, if is_ascend=false, or ignore "
                       "score > thresh, if is_ascend=true."),
                 Param("topk", Int, -1, "Limit the number of matches to topk, set -1 for no limit")),
         outputs=("output0", "output1"), infer_shape=_bipartite_shape, infer_type=lambda a, t: [t[0], t[0]],
         backward=_zeros,
         doc="Compute bipartite matching (greedy, by score): the matched column of each row and the matched "
             "row of each column, -1 where unmatched.")


def _box_encode_shape(a, s):
    samples, matches, anchors, refs, means, stds = (tuple(x) for x in s)
    if len(anchors) != 3 or anchors[-1] != 4 or samples != anchors[:2] or matches != anchors[:2] \
            or len(refs) != 3 or refs[0] != anchors[0] or refs[-1] != 4 or means != (4,) or stds != (4,):
        raise MXNetError("_contrib_box_encode: expected samples (B,N), matches (B,N), anchors (B,N,4), refs (B,M,4), "
                         "means (4,), stds (4,); got {}".format(", ".join(_fmt(x) for x in s)))
    return [anchors, anchors]


def _box_encode_forward(env, a, inputs, aux):
    xp = env.xp
    samples, matches, anchors, refs, means, stds = inputs
    m = xp.clip(matches.astype(np.int64), 0, refs.shape[1] - 1)
    g = xp.take_along_axis(refs, m[..., None], axis=1)
    ac, gc = _to_center(xp, anchors), _to_center(xp, g)
    t = (xp.stack(_center_offsets(xp, ac, gc), axis=-1) - means) / stds
    pos = (samples > 0.5)[..., None]
    return (xp.where(pos, t, 0).astype(anchors.dtype), xp.broadcast_to(pos, t.shape).astype(anchors.dtype))


_contrib("box_encode", _box_encode_forward, inputs=("samples", "matches", "anchors", "refs", "means", "stds"),
         outputs=("output0", "output1"), infer_shape=_box_encode_shape,
         infer_type=lambda a, t: [t[2], t[2]], backward=_zeros,
         doc="Encode bounding boxes training target with normalized center offsets; returns (targets, masks).")


def _box_decode_shape(a, s):
    d, an = tuple(s[0]), tuple(s[1])
    if len(an) != 3 or an[-1] != 4 or len(d) != 3 or d[-1] != 4 or d[1] != an[1] or an[0] not in (1, d[0]):
        raise MXNetError("_contrib_box_decode: expected data (B,N,4) and anchors (1 or B,N,4); got data {} and "
                         "anchors {}".format(_fmt(d), _fmt(an)))
    return [d]


def _box_decode_forward(env, a, inputs, aux):
    xp = env.xp
    data, anchors = inputs
    ac = anchors if a.format == "center" else _to_center(xp, anchors)
    t = data.dtype.type
    dx, dy = data[..., 0] * t(a.std0), data[..., 1] * t(a.std1)
    dw, dh = data[..., 2] * t(a.std2), data[..., 3] * t(a.std3)
    if a.clip > 0:
        dw, dh = xp.minimum(dw, t(a.clip)), xp.minimum(dh, t(a.clip))
    ox, oy = dx * ac[..., 2] + ac[..., 0], dy * ac[..., 3] + ac[..., 1]
    ow, oh = xp.exp(dw) * ac[..., 2] / 2, xp.exp(dh) * ac[..., 3] / 2
    return (_corners(xp, ox, oy, ow, oh).astype(data.dtype),)


_contrib("box_decode", _box_decode_forward, inputs=("data", "anchors"),
         params=(Param("std0", Float, 1.0, "value to be divided from the 1st encoded values"),
                 Param("std1", Float, 1.0, "value to be divided from the 2nd encoded values"),
                 Param("std2", Float, 1.0, "value to be divided from the 3rd encoded values"),
                 Param("std3", Float, 1.0, "value to be divided from the 4th encoded values"),
                 Param("clip", Float, -1.0, "If larger than 0, bounding box target will be clipped to this value."),
                 Param("format", _FORMAT, "center", "The box encoding type of the anchors. \"corner\" means "
                       "boxes are encoded as [xmin, ymin, xmax, ymax], \"center\" means boxes are encodes as "
                       "[x, y, width, height].")),
         infer_shape=_box_decode_shape, backward=_zeros,
         doc="Decode bounding boxes training target with normalized center offsets (output in corner format).")


def _multibox_prior_shape(a, s):
    d = tuple(s[0])
    if len(d) != 4:
        raise MXNetError("_contrib_MultiBoxPrior: data must be 4-D (N, C, H, W), got {}".format(_fmt(d)))
    k = len(a.sizes) + len(a.ratios) - 1
    return [(1, d[2] * d[3] * k, 4)]


def _multibox_prior_forward(env, a, inputs, aux):
    xp = env.xp
    h, w = inputs[0].shape[2:]
    step_y = a.steps[0] if a.steps[0] > 0 else 1.0 / h
    step_x = a.steps[1] if a.steps[1] > 0 else 1.0 / w
    cy = (xp.arange(h, dtype=np.float64) + a.offsets[0]) * step_y
    cx = (xp.arange(w, dtype=np.float64) + a.offsets[1]) * step_x
    # anchor sizes: every size with the first ratio, then the first size with the other ratios
    whs = [(s * h / w * math.sqrt(a.ratios[0]) / 2, s / math.sqrt(a.ratios[0]) / 2) for s in a.sizes]
    whs += [(a.sizes[0] * h / w * math.sqrt(r) / 2, a.sizes[0] / math.sqrt(r) / 2) for r in a.ratios[1:]]
    half = xp.asarray(np.array(whs))                     # (k, 2): half width, half height
    cyy, cxx = xp.meshgrid(cy, cx, indexing="ij")        # (h, w)
    cxx, cyy = cxx[..., None], cyy[..., None]
    boxes = _corners(xp, cxx, cyy, half[:, 0], half[:, 1])
    if a.clip:
        boxes = xp.clip(boxes, 0, 1)
    return (boxes.reshape(1, -1, 4).astype(inputs[0].dtype),)


_contrib("MultiBoxPrior", _multibox_prior_forward,
         params=(Param("sizes", Tuple, (1.0,), "List of sizes of generated MultiBoxPriores."),
                 Param("ratios", Tuple, (1.0,), "List of aspect ratios of generated MultiBoxPriores."),
                 Param("clip", Bool, False, "Whether to clip out-of-boundary boxes."),
                 Param("steps", Tuple, (-1.0, -1.0), "Priorbox step across y and x, -1 for auto calculation."),
                 Param("offsets", Tuple, (0.5, 0.5), "Priorbox center offsets, y and x respectively")),
         infer_shape=_multibox_prior_shape, backward=_zeros,
         doc="Generate prior(anchor) boxes from data, sizes and ratios: (1, H * W * num_anchors, 4) in corner "
             "format, normalised to [0, 1].")

# -- resizing ------------------------------------------------------------------------------------


def _adaptive_matrix(xp, n_in, n_out, dtype):
    """(n_out, n_in) averaging weights of adaptive pooling bins [floor(i*n/o), ceil((i+1)*n/o))."""
    i = np.arange(n_out)
    start = (i * n_in) // n_out
    end = -((-(i + 1) * n_in) // n_out)
    j = np.arange(n_in)
    m = ((j >= start[:, None]) & (j < end[:, None])).astype(np.float64)
    return xp.asarray(m / m.sum(axis=1, keepdims=True), dtype=dtype)


def _adaptive_size(a):
    if len(a.output_size) == 0:
        return 1, 1
    if len(a.output_size) == 1:
        return a.output_size[0], a.output_size[0]
    return a.output_size[0], a.output_size[1]


def _adaptive_shape(a, s):
    d = tuple(s[0])
    if len(d) != 4:
        raise MXNetError("_contrib_AdaptiveAvgPooling2D: data must be 4-D (N, C, H, W), got {}".format(_fmt(d)))
    oh, ow = _adaptive_size(a)
    if oh <= 0 or ow <= 0:
        raise MXNetError("_contrib_AdaptiveAvgPooling2D: output_size must be positive, got {}".format(a.output_size))
    return [d[:2] + (oh, ow)]


def _resample(xp, x, mh, mw):
    """mh (oh, H) @ x (N, C, H, W) @ mw^T (W, ow)."""
    return xp.matmul(xp.matmul(mh, x), mw.T)


def _resample_kernels(mats):
    """(forward, backward) of a separable resampling of input 0 by ``mats(xp, a, inputs) ->
    (mh, mw)`` (in the compute dtype); other inputs (shape donors) get zero gradients."""
    def forward(env, a, inputs, aux):
        x = inputs[0]
        mh, mw = mats(env.xp, a, inputs)
        return (_resample(env.xp, x.astype(mh.dtype, copy=False), mh, mw).astype(x.dtype, copy=False),)

    def backward(env, a, inputs, outputs, out_grads, req):
        x = inputs[0]
        mh, mw = mats(env.xp, a, inputs)
        g = _resample(env.xp, out_grads[0].astype(mh.dtype, copy=False), mh.T, mw.T).astype(x.dtype, copy=False)
        return [g] + [env.xp.zeros_like(i) for i in inputs[1:]]
    return forward, backward


def _adaptive_mats(xp, a, inputs):
    x = inputs[0]
    oh, ow = _adaptive_size(a)
    dt = np.float32 if x.dtype == np.float16 else x.dtype
    return _adaptive_matrix(xp, x.shape[2], oh, dt), _adaptive_matrix(xp, x.shape[3], ow, dt)


_adaptive_forward, _adaptive_backward = _resample_kernels(_adaptive_mats)


_contrib("AdaptiveAvgPooling2D", _adaptive_forward,
         params=(Param("output_size", Shape, (), "int (output size) or a tuple of int for output (height, width)."),),
         infer_shape=_adaptive_shape, backward=_adaptive_backward,
         doc="Applies a 2D adaptive average pooling over a 4D input with the shape of (NCHW).")


def _bilinear_matrix(xp, n_in, n_out, align_corners, dtype):
    """(n_out, n_in) linear interpolation weights (MXNet/PyTorch conventions)."""
    o = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = o * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = np.maximum((o + 0.5) * (n_in / n_out) - 0.5, 0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    f = src - i0
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1 - f)
    np.add.at(m, (np.arange(n_out), i1), f)
    return xp.asarray(m, dtype=dtype)


def _resize_inputs(a):
    return ("data", "like") if a.mode == "like" else ("data",)


def _resize_size(a, shapes):
    d = tuple(shapes[0])
    if len(d) != 4:
        raise MXNetError("_contrib_BilinearResize2D: data must be 4-D (N, C, H, W), got {}".format(_fmt(d)))
    h, w = d[2], d[3]
    if a.mode == "like":
        like = tuple(shapes[1])
        if len(like) != 4:
            raise MXNetError("_contrib_BilinearResize2D: like must be 4-D, got {}".format(_fmt(like)))
        return like[2], like[3]
    if a.mode == "size":
        oh = int(h * a.scale_height) if a.scale_height is not None else a.height
        ow = int(w * a.scale_width) if a.scale_width is not None else a.width
        return oh, ow
    if a.mode == "odd_scale":
        if a.scale_height is None or a.scale_width is None:
            raise MXNetError("_contrib_BilinearResize2D: mode='odd_scale' needs scale_height and scale_width")
        oh = int(h * a.scale_height) if h % 2 == 0 else int((h - 1) * a.scale_height) + 1
        ow = int(w * a.scale_width) if w % 2 == 0 else int((w - 1) * a.scale_width) + 1
        return oh, ow
    adjust = {"to_even_down": lambda n: n - n % 2, "to_even_up": lambda n: n + n % 2,
              "to_odd_down": lambda n: n - 1 + n % 2, "to_odd_up": lambda n: n + 1 - n % 2}[a.mode]
    return adjust(h), adjust(w)


def _resize_shape(a, s):
    oh, ow = _resize_size(a, s)
    if oh <= 0 or ow <= 0:
        raise MXNetError("_contrib_BilinearResize2D: output size ({}, {}) must be positive".format(oh, ow))
    return [tuple(s[0][:2]) + (oh, ow)]


def _resize_mats(xp, a, inputs):
    x = inputs[0]
    oh, ow = _resize_size(a, [i.shape for i in inputs])
    dt = np.float32 if x.dtype == np.float16 else x.dtype
    return (_bilinear_matrix(xp, x.shape[2], oh, a.align_corners, dt),
            _bilinear_matrix(xp, x.shape[3], ow, a.align_corners, dt))


_resize_forward, _resize_backward = _resample_kernels(_resize_mats)


_contrib("BilinearResize2D", _resize_forward, inputs=_resize_inputs, all_inputs=("data", "like"),
         params=(Param("height", Int, 1, "output height (required, but ignored if scale_height is defined or "
                       "mode is not \"size\")"),
                 Param("width", Int, 1, "output width (required, but ignored if scale_width is defined or mode is "
                       "not \"size\")"),
                 Param("scale_height", FloatOrNone, None, "sampling scale of the height (optional, used in modes "
                       "\"scale\" and \"odd_scale\")"),
                 Param("scale_width", FloatOrNone, None, "sampling scale of the width (optional, used in modes "
                       "\"scale\" and \"odd_scale\")"),
                 Param("mode", Enum("like", "odd_scale", "size", "to_even_down", "to_even_up", "to_odd_down",
                                    "to_odd_up"), "size", "resizing mode. \"simple\" - output height equals "
                       "parameter \"height\" if \"scale_height\" parameter is not defined or input height "
                       "multiplied by \"scale_height\" otherwise. Same for width;\"odd_scale\" - if original "
                       "height or width is odd, then result height is calculated like result_h = (original_h - "
                       "1) * scale + 1; for scale > 1 the result shape would be like if we did deconvolution "
                       "with kernel = (1, 1) and stride = (height_scale, width_scale); and for scale < 1 shape "
                       "would be like we did convolution with kernel = (1, 1) and stride = (int(1 / height_scale), "
                       "int( 1/ width_scale);\"like\" - resize first input to the height and width of second "
                       "input; \"to_even_down\" - resize input to nearest lower even height and width (if "
                       "original height is odd then result height = original height - 1);\"to_even_up\" - "
                       "resize input to nearest bigger even height and width (if original height is odd then "
                       "result height = original height + 1);\"to_odd_down\" - resize input to nearest odd "
                       "height and width (if original height is odd then result height = original height - 1);"
                       "\"to_odd_up\" - resize input to nearest odd height and width (if original height is odd "
                       "then result height = original height + 1);"),
                 Param("align_corners", Bool, True, "With align_corners = True, the interpolating doesn't "
                       "proportionally align theoutput and input pixels, and thus the output values can depend "
                       "on the input size.")),
         infer_shape=_resize_shape, infer_type=lambda a, t: [t[0]], backward=_resize_backward,
         doc="Perform 2D resizing (upsampling or downsampling) for 4D input using bilinear interpolation.")

# -- ROIAlign ------------------------------------------------------------------------------------
# Average of bilinear samples on a regular grid in each bin (Detectron/Caffe2 semantics). Bilinear
# interpolation and the grid average are separable, so each ROI becomes two small matrices:
# Ay (pooled_h, H) and Ax (pooled_w, W), and pooled = Ay @ image @ Ax^T.


def _roi_axis_weights(xp, start, length, pooled, size, ratio, dtype):
    """(R, pooled, size) weights of one axis: start/length (R,) in feature-map coordinates."""
    bin_size = length / pooled
    if ratio > 0:
        grid = xp.full(start.shape, ratio, dtype=np.int64)
    else:
        grid = xp.maximum(xp.ceil(length / pooled), 1).astype(np.int64)
    g_max = max(int(grid.max()) if grid.size else 1, 1)
    p = xp.arange(pooled, dtype=np.float64)[None, :, None]
    k = xp.arange(g_max, dtype=np.float64)[None, None, :]
    gf = grid.astype(np.float64)[:, None, None]
    pos = start[:, None, None] + p * bin_size[:, None, None] + (k + 0.5) * bin_size[:, None, None] / gf
    used = k < gf
    valid = used & (pos >= -1.0) & (pos <= size)
    pos = xp.maximum(pos, 0)
    low = xp.floor(pos).astype(np.int64)
    edge = low >= size - 1
    low = xp.where(edge, size - 1, low)
    high = xp.where(edge, size - 1, low + 1)
    pos = xp.where(edge, low.astype(np.float64), pos)
    frac = pos - low
    cells = xp.arange(size)
    w = ((1 - frac)[..., None] * (low[..., None] == cells) + frac[..., None] * (high[..., None] == cells))
    w = (w * valid[..., None]).sum(axis=2) / gf
    return w.astype(dtype)


def _roi_align_geometry(xp, a, data, rois):
    off = 0.5 if a.aligned else 0.0
    r = rois.astype(np.float64)
    x1, y1 = r[:, 1] * a.spatial_scale - off, r[:, 2] * a.spatial_scale - off
    w, h = r[:, 3] * a.spatial_scale - off - x1, r[:, 4] * a.spatial_scale - off - y1
    if not a.aligned:
        w, h = xp.maximum(w, 1.0), xp.maximum(h, 1.0)
    ph, pw = a.pooled_size
    dt = np.float32 if data.dtype == np.float16 else data.dtype
    ay = _roi_axis_weights(xp, y1, h, ph, data.shape[2], a.sample_ratio, dt)
    ax = _roi_axis_weights(xp, x1, w, pw, data.shape[3], a.sample_ratio, dt)
    return ay, ax, r[:, 0].astype(np.int64)


def _roi_align_infer(a, s):
    d, r = tuple(s[0]), tuple(s[1])
    if len(d) != 4:
        raise MXNetError("_contrib_ROIAlign: data must be 4-D (N, C, H, W), got {}".format(_fmt(d)))
    if len(r) != 2 or r[1] != 5:
        raise MXNetError("_contrib_ROIAlign: rois must be (R, 5) [batch_index, x1, y1, x2, y2], got {}".format(_fmt(r)))
    if len(a.pooled_size) != 2:
        raise MXNetError("_contrib_ROIAlign: pooled_size must be (height, width), got {}".format(a.pooled_size))
    ph, pw = a.pooled_size
    c = d[1]
    if a.position_sensitive:
        if c % (ph * pw):
            raise MXNetError("_contrib_ROIAlign: with position_sensitive=True the channels {} must be a multiple of "
                             "pooled_h * pooled_w = {}".format(c, ph * pw))
        c //= ph * pw
    return [(r[0], c, ph, pw)]


def _roi_images(xp, bidx, n_images):
    """(n, indices of the ROIs of image n) for each image that has ROIs."""
    for n in range(n_images):
        sel = xp.nonzero(bidx == n)[0]
        if sel.size:
            yield n, sel


def _roi_align_forward(env, a, inputs, aux):
    xp = env.xp
    data, rois = inputs
    ay, ax, bidx = _roi_align_geometry(xp, a, data, rois)
    ph, pw = a.pooled_size
    c_out = _roi_align_infer(a, [data.shape, rois.shape])[0][1]
    out = xp.zeros((rois.shape[0], c_out, ph, pw), dtype=ay.dtype)
    for n, sel in _roi_images(xp, bidx, data.shape[0]):
        img = data[n].astype(ay.dtype, copy=False)
        if a.position_sensitive:
            img = img.reshape(c_out, ph, pw, data.shape[2], data.shape[3])
            out[sel] = _einsum(xp, "rih,cijhw,rjw->rcij", ay[sel], img, ax[sel])
        else:
            out[sel] = _einsum(xp, "rih,chw,rjw->rcij", ay[sel], img, ax[sel])
    return (out.astype(data.dtype, copy=False),)


def _roi_align_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, rois = inputs
    ay, ax, bidx = _roi_align_geometry(xp, a, data, rois)
    ph, pw = a.pooled_size
    g = out_grads[0].astype(ay.dtype, copy=False)
    gd = xp.zeros(data.shape, dtype=ay.dtype)
    for n, sel in _roi_images(xp, bidx, data.shape[0]):
        if a.position_sensitive:
            gi = _einsum(xp, "rih,rcij,rjw->cijhw", ay[sel], g[sel], ax[sel])
            gd[n] = gi.reshape(data.shape[1:])
        else:
            gd[n] = _einsum(xp, "rih,rcij,rjw->chw", ay[sel], g[sel], ax[sel])
    return [gd.astype(data.dtype, copy=False), xp.zeros_like(rois)]


_contrib("ROIAlign", _roi_align_forward, inputs=("data", "rois"),
         params=(Param("pooled_size", Shape, doc="ROI Align output roi feature map height and width: (h, w)"),
                 Param("spatial_scale", Float, doc="Ratio of input feature map height (or w) to raw image height "
                       "(or w). Equals the reciprocal of total stride in convolutional layers"),
                 Param("sample_ratio", Int, -1, "Optional sampling ratio of ROI align, using adaptive size by "
                       "default."),
                 Param("position_sensitive", Bool, False, "Whether to perform position-sensitive RoI pooling. "
                       "PSRoIPooling is first proposaled by R-FCN and it can reduce the input channels by ph*pw "
                       "times, where (ph, pw) is the pooled_size"),
                 Param("aligned", Bool, False, "Center-aligned ROIAlign introduced in Detectron2. To enable, set "
                       "aligned to True.")),
         infer_shape=_roi_align_infer, infer_type=lambda a, t: [t[0]], backward=_roi_align_backward,
         doc="This operator takes a 4D feature map as an input array and region proposals as rois, then align the "
             "feature map over sub-regions of input and produces a fixed-sized output array.")

# -- interleaved attention matmuls (GluonNLP) ----------------------------------------------------
# queries_keys_values is (L, B, heads * 3 * D) laid out as (L, B, heads, 3, D); keys_values as
# (L, B, heads, 2, D); scores are (B * heads, Lq, Lk), scaled by 1/sqrt(D) in the qk products.
_HEADS = Param("heads", Int, doc="Set number of heads")


def _split_heads(name, x, heads, parts):
    if x.ndim != 3 or x.shape[2] % (heads * parts):
        raise MXNetError("{}: input of shape {} must be (length, batch, heads * {} * head_dim) with heads={}".format(
            name, _fmt(x.shape), parts, heads))
    n, b, e = x.shape
    return x.reshape(n, b, heads, parts, e // (heads * parts))


def _qkv_shape(name, parts):
    def check(s, heads):
        s = tuple(s)
        if len(s) != 3 or s[2] % (heads * parts):
            raise MXNetError("{}: input of shape {} must be (length, batch, heads * {} * head_dim) with "
                             "heads={}".format(name, _fmt(s), parts, heads))
        return s
    return check


_CHECK3 = _qkv_shape("_contrib_interleaved_matmul_selfatt", 3)
_CHECK2 = _qkv_shape("_contrib_interleaved_matmul_encdec", 2)
_CHECK1 = _qkv_shape("_contrib_interleaved_matmul_encdec_qk", 1)


def _att_check(name, att, want):
    if tuple(att) != tuple(want):
        raise MXNetError("{}: attention has shape {} but {} is expected".format(name, _fmt(att), _fmt(want)))


def _batch_heads(x):
    """(L, B, H, D) -> (B * H, L, D)."""
    L, B, H, D = x.shape
    return x.transpose(1, 2, 0, 3).reshape(B * H, L, D)


def _unbatch_heads(x, B, H):
    """(B * H, L, D) -> (L, B, H, D)."""
    return x.reshape((B, H) + x.shape[1:]).transpose(2, 0, 1, 3)


def _qk_scores(xp, q, k):
    """Scaled scores (B * H, Lq, Lk) of queries q (Lq, B, H, D) and keys k (Lk, B, H, D)."""
    D = q.shape[3]
    return ((xp.matmul(_batch_heads(q), _batch_heads(k).transpose(0, 2, 1)) / q.dtype.type(math.sqrt(D)))
            .astype(q.dtype, copy=False),)


def _qk_grads(xp, q, k, g):
    """Gradients (gq, gk), shaped as q and k, of ``_qk_scores`` for score gradient g."""
    _, B, H, D = q.shape
    g = g / q.dtype.type(math.sqrt(D))
    gq = _unbatch_heads(xp.matmul(g, _batch_heads(k)), B, H)
    gk = _unbatch_heads(xp.matmul(g.transpose(0, 2, 1), _batch_heads(q)), B, H)
    return gq, gk


def _selfatt_qk_forward(env, a, inputs, aux):
    x = _split_heads("_contrib_interleaved_matmul_selfatt_qk", inputs[0], a.heads, 3)
    return _qk_scores(env.xp, x[:, :, :, 0], x[:, :, :, 1])


def _selfatt_qk_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x = _split_heads("_contrib_interleaved_matmul_selfatt_qk", inputs[0], a.heads, 3)
    gq, gk = _qk_grads(xp, x[:, :, :, 0], x[:, :, :, 1], out_grads[0])
    gx = xp.zeros(x.shape, dtype=x.dtype)
    gx[:, :, :, 0], gx[:, :, :, 1] = gq, gk
    return [gx.reshape(inputs[0].shape)]


def _selfatt_qk_shape(a, s):
    L, B, E = _CHECK3(s[0], a.heads)
    return [(B * a.heads, L, L)]


_contrib("interleaved_matmul_selfatt_qk", _selfatt_qk_forward, inputs=("queries_keys_values",), params=(_HEADS,),
         infer_shape=_selfatt_qk_shape, backward=_selfatt_qk_backward,
         doc="Compute the matrix multiplication between the projections of queries and keys in multihead "
             "attention use as self attention (scaled by 1/sqrt(head_dim)).")


def _value_att(xp, v, att, L_out):
    """v (Lk, B, H, D), att (B*H, Lq, Lk) -> (Lq, B, H*D)."""
    _, B, H, D = v.shape
    return _unbatch_heads(xp.matmul(att, _batch_heads(v)), B, H).reshape(L_out, B, H * D)


def _value_att_grads(xp, v, att, g):
    _, B, H, D = v.shape
    vv = _batch_heads(v)
    gg = _batch_heads(g.reshape(att.shape[1], B, H, D))
    gatt = xp.matmul(gg, vv.transpose(0, 2, 1))
    gv = _unbatch_heads(xp.matmul(att.transpose(0, 2, 1), gg), B, H)
    return gv, gatt


def _valatt_kernels(name, parts):
    """(forward, backward) of the value-attention product whose values are the last of the
    ``parts`` interleaved projections of input 0 and whose attention weights are input 1."""
    def forward(env, a, inputs, aux):
        x = _split_heads(name, inputs[0], a.heads, parts)
        return (_value_att(env.xp, x[:, :, :, parts - 1], inputs[1], inputs[1].shape[1]),)

    def backward(env, a, inputs, outputs, out_grads, req):
        xp = env.xp
        x = _split_heads(name, inputs[0], a.heads, parts)
        gv, gatt = _value_att_grads(xp, x[:, :, :, parts - 1], inputs[1], out_grads[0])
        gx = xp.zeros(x.shape, dtype=x.dtype)
        gx[:, :, :, parts - 1] = gv
        return [gx.reshape(inputs[0].shape), gatt]
    return forward, backward


_selfatt_valatt_forward, _selfatt_valatt_backward = _valatt_kernels(
    "_contrib_interleaved_matmul_selfatt_valatt", 3)


def _selfatt_valatt_shape(a, s):
    L, B, E = _CHECK3(s[0], a.heads)
    _att_check("_contrib_interleaved_matmul_selfatt_valatt", s[1], (B * a.heads, L, L))
    return [(L, B, E // 3)]


_contrib("interleaved_matmul_selfatt_valatt", _selfatt_valatt_forward, inputs=("queries_keys_values", "attention"),
         params=(_HEADS,), infer_shape=_selfatt_valatt_shape, backward=_selfatt_valatt_backward,
         doc="Compute the matrix multiplication between the projections of values and the attention weights in "
             "multihead attention use as self attention.")


def _encdec_q_kv(a, inputs):
    q = _split_heads("_contrib_interleaved_matmul_encdec_qk", inputs[0], a.heads, 1)[:, :, :, 0]
    kv = _split_heads("_contrib_interleaved_matmul_encdec_qk", inputs[1], a.heads, 2)
    return q, kv


def _encdec_qk_forward(env, a, inputs, aux):
    q, kv = _encdec_q_kv(a, inputs)
    return _qk_scores(env.xp, q, kv[:, :, :, 0])


def _encdec_qk_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    q, kv = _encdec_q_kv(a, inputs)
    gq, gk = _qk_grads(xp, q, kv[:, :, :, 0], out_grads[0])
    gkv = xp.zeros(kv.shape, dtype=kv.dtype)
    gkv[:, :, :, 0] = gk
    return [gq.reshape(inputs[0].shape), gkv.reshape(inputs[1].shape)]


def _encdec_qk_shape(a, s):
    Lq, B, E = _CHECK1(s[0], a.heads)
    Lk, Bk, Ek = _CHECK2(s[1], a.heads)
    if Bk != B or Ek != 2 * E:
        raise MXNetError("_contrib_interleaved_matmul_encdec_qk: queries {} and keys_values {} do not match (batch and "
                         "heads * head_dim)".format(_fmt(s[0]), _fmt(s[1])))
    return [(B * a.heads, Lq, Lk)]


_contrib("interleaved_matmul_encdec_qk", _encdec_qk_forward, inputs=("queries", "keys_values"), params=(_HEADS,),
         infer_shape=_encdec_qk_shape, backward=_encdec_qk_backward,
         doc="Compute the matrix multiplication between the projections of queries and keys in multihead "
             "attention use as encoder-decoder (scaled by 1/sqrt(head_dim)).")


_encdec_valatt_forward, _encdec_valatt_backward = _valatt_kernels(
    "_contrib_interleaved_matmul_encdec_valatt", 2)


def _encdec_valatt_shape(a, s):
    Lk, B, E = _CHECK2(s[0], a.heads)
    att = tuple(s[1])
    if len(att) != 3 or att[0] != B * a.heads or att[2] != Lk:
        raise MXNetError("_contrib_interleaved_matmul_encdec_valatt: attention has shape {} but (batch * heads, "
                         "query_length, {}) = ({}, ?, {}) is expected".format(_fmt(att), Lk, B * a.heads, Lk))
    return [(att[1], B, E // 2)]


_contrib("interleaved_matmul_encdec_valatt", _encdec_valatt_forward, inputs=("keys_values", "attention"),
         params=(_HEADS,), infer_shape=_encdec_valatt_shape, backward=_encdec_valatt_backward,
         doc="Compute the matrix multiplication between the projections of values and the attention weights in "
             "multihead attention use as encoder-decoder.")

# -- SyncBatchNorm, BatchNormWithReLU (on top of BatchNorm's kernels) ---------------------------

_BN = _get_op("BatchNorm")
_BN_COMMON = tuple(p for p in _BN.params if p.name in ("eps", "momentum", "fix_gamma", "use_global_stats",
                                                       "output_mean_var"))


def _bn_attrs(a):
    """BatchNorm attrs (channel axis 1) for a SyncBatchNorm / BatchNormWithReLU call."""
    kw = {k: a[k] for k in ("eps", "momentum", "fix_gamma", "use_global_stats", "output_mean_var")}
    for k in ("axis", "cudnn_off", "min_calib_range", "max_calib_range"):
        if k in a:
            kw[k] = a[k]
    return _BN.parse(kw)


def _bn_like(name, relu, params, doc):
    def forward(env, a, inputs, aux):
        outs = list(_BN.forward(env, _bn_attrs(a), inputs, aux))
        if relu:
            outs[0] = env.xp.maximum(outs[0], 0)
        return tuple(outs)

    def backward(env, a, inputs, outputs, out_grads, req):
        g = list(out_grads)
        if relu:
            g[0] = g[0] * (outputs[0] > 0)
        return _BN.backward(env, _bn_attrs(a), inputs, outputs, g, req)

    def update_aux(env, a, inputs, outputs, aux):
        _BN.update_aux(env, _bn_attrs(a), inputs, outputs, aux)

    return register(OpDef(
        name, forward, params=params, inputs=("data", "gamma", "beta"), aux=("moving_mean", "moving_var"),
        outputs=("output", "mean", "var"), num_visible_outputs=lambda a: 3 if a.output_mean_var else 1,
        infer_shape=lambda a, s: _BN.infer_shape(_bn_attrs(a), s),
        infer_shape_full=lambda a, s, x: _BN.infer_shape_full(_bn_attrs(a), s, x),
        infer_type=lambda a, t: _BN.infer_type(_bn_attrs(a), t), fill_types=_BN.fill_types, backward=backward,
        update_aux=update_aux, var_attrs=_BN.var_attrs, doc=doc))


_SYNC_EPS = Param("eps", Float, 1e-3, "Epsilon to prevent div 0")
_bn_like("_contrib_SyncBatchNorm", False,
         (_SYNC_EPS,) + _BN_COMMON[1:] + (
             Param("ndev", Int, 1, "The count of GPU devices"),
             Param("key", Str, doc="Hash key for synchronization, please set the same hash key for same layer, "
                   "Block.prefix is typically used as in :class:`gluon.nn.contrib.SyncBatchNorm`.")),
         "Batch normalization with statistics synchronised across devices (neomx: each device normalises "
         "with its own batch statistics; exact for ndev=1).")
_bn_like("_contrib_BatchNormWithReLU", True, tuple(_BN.params),
         "Batch normalization followed by a ReLU activation (fused in MXNet).")

# -- MultiBoxDetection (SSD inference) -------------------------------------------------------------
_VARIANCES = Param("variances", Tuple, (0.1, 0.1, 0.2, 0.2), "Variances to be decoded from box regression output.")


def _decode_ssd(xp, anchors, loc, v, clip):
    """Anchors (N, 4) corner, loc (B, N, 4) -> corner boxes (B, N, 4) (MXNet TransformLocations)."""
    ac = _to_center(xp, anchors)
    ax, ay, aw, ah = ac[:, 0], ac[:, 1], ac[:, 2], ac[:, 3]
    ox, oy = loc[..., 0] * v[0] * aw + ax, loc[..., 1] * v[1] * ah + ay
    ow, oh = xp.exp(loc[..., 2] * v[2]) * aw / 2, xp.exp(loc[..., 3] * v[3]) * ah / 2
    out = _corners(xp, ox, oy, ow, oh)
    return xp.clip(out, 0, 1) if clip else out


def _mbd_shape(a, s):
    cls, loc, anc = (tuple(x) for x in s)
    if len(cls) != 3 or len(anc) != 3 or anc[2] != 4 or anc[1] != cls[2] or loc != (cls[0], cls[2] * 4):
        raise MXNetError("_contrib_MultiBoxDetection: expected cls_prob (B, classes, N), loc_pred (B, N*4) and anchor "
                         "(1, N, 4); got {}, {}, {}".format(_fmt(cls), _fmt(loc), _fmt(anc)))
    if len(a.variances) != 4:
        raise MXNetError("_contrib_MultiBoxDetection: variances must have 4 values, got {}".format(a.variances))
    return [(cls[0], cls[2], 6)]


def _mbd_forward(env, a, inputs, aux):
    xp = env.xp
    cls, loc, anc = inputs
    B, K, N = cls.shape
    dt = cls.dtype
    probs = cls[:, 1:, :]                                   # class 0 is the background
    cid = xp.argmax(probs, axis=1)                          # first maximum, as MXNet
    score = xp.take_along_axis(probs, cid[:, None, :], axis=1)[:, 0, :]
    valid = score >= dt.type(a.threshold)
    boxes = _decode_ssd(xp, anc[0], loc.reshape(B, N, 4), [dt.type(v) for v in a.variances], a.clip)
    rows = xp.concatenate([cid[..., None].astype(dt), score[..., None], boxes.astype(dt)], axis=-1)
    # valid rows first, in anchor order
    comp = _argsort_stable(xp, (~valid).astype(np.int8), axis=1)
    rows = xp.take_along_axis(rows, comp[..., None], axis=1)
    count = valid.sum(axis=1)                               # (B,)
    pos = xp.arange(N)[None, :]
    in_valid = pos < count[:, None]
    if 0 < a.nms_threshold <= 1:
        key = xp.where(in_valid, -rows[..., 1], np.inf)
        order = _argsort_stable(xp, key, axis=1)
        nkeep = xp.minimum(count, a.nms_topk) if a.nms_topk > 0 else count
        top = pos < nkeep[:, None]
        srt = xp.take_along_axis(rows, order[..., None], axis=1)
        rows = xp.where(top[..., None], srt, rows)
        ids = xp.where(top, rows[..., 0], -1)
        alive = ids >= 0
        sup = _pair_iou(xp, rows[..., 2:6], rows[..., 2:6]) >= a.nms_threshold
        if not a.force_suppress:
            sup = sup & (ids[..., :, None] == ids[..., None, :])
        keep = _greedy_suppress(xp, alive, sup)
        rows = rows.copy()
        rows[..., 0] = xp.where(keep, ids, -1)
    out = xp.where(in_valid[..., None], rows, -1)
    return (out.astype(dt),)


_contrib("MultiBoxDetection", _mbd_forward, inputs=("cls_prob", "loc_pred", "anchor"),
         params=(Param("clip", Bool, True, "Clip out-of-boundary boxes."),
                 Param("threshold", Float, 0.01, "Threshold to be a positive prediction."),
                 Param("background_id", Int, 0, "Background id."),
                 Param("nms_threshold", Float, 0.5, "Non-maximum suppression threshold."),
                 Param("force_suppress", Bool, False, "Suppress all detections regardless of class_id."),
                 _VARIANCES,
                 Param("nms_topk", Int, -1, "Keep maximum top k detections before nms, -1 for no limit.")),
         infer_shape=_mbd_shape, infer_type=lambda a, t: [t[0]], backward=_zeros,
         doc="Convert multibox detection predictions: rows [class_id, score, xmin, ymin, xmax, ymax], sorted by "
             "score, class_id -1 for suppressed or dropped detections.")

# -- MultiBoxTarget (SSD training targets) ---------------------------------------------------------


def _mbt_shape(a, s):
    anc, lab, cls = (tuple(x) for x in s)
    if len(anc) != 3 or anc[2] != 4 or len(lab) != 3 or lab[2] < 5 or len(cls) != 3 or cls[2] != anc[1] \
            or cls[0] != lab[0]:
        raise MXNetError("_contrib_MultiBoxTarget: expected anchor (1, N, 4), label (B, M, 5+) and cls_pred "
                         "(B, classes, N); got {}, {}, {}".format(_fmt(anc), _fmt(lab), _fmt(cls)))
    if len(a.variances) != 4:
        raise MXNetError("_contrib_MultiBoxTarget: variances must have 4 values, got {}".format(a.variances))
    b, n = lab[0], anc[1]
    return [(b, n * 4), (b, n * 4), (b, n)]


def _mbt_forward(env, a, inputs, aux):
    xp = env.xp
    anc, lab, cls = inputs
    dt = anc.dtype
    B, M = lab.shape[:2]
    N = anc.shape[1]
    anchors = anc[0].astype(np.float64)
    # ground truths: the rows before the first class id of -1
    gt_valid = xp.cumprod(lab[..., 0] != -1, axis=1).astype(bool)          # (B, M)
    gts = lab[..., 1:5].astype(np.float64)
    iou = _pair_iou(xp, xp.broadcast_to(anchors, (B, N, 4)), gts)        # (B, N, M)
    iou = xp.where(gt_valid[:, None, :], iou, -1.0)
    match = xp.full((B, N), -1, dtype=np.int64)
    # greedy bipartite matching: the best remaining (gt, anchor) pair until no overlap is left
    cur = iou.transpose(0, 2, 1).copy()                                     # (B, M, N)
    bidx = xp.arange(B)
    for _ in range(M):
        flat = cur.reshape(B, -1)
        best = xp.argmax(flat, axis=1)
        ok = flat[bidx, best] > 1e-6
        if not bool(ok.any()):
            break
        g, i = best // N, best % N
        match[bidx[ok], i[ok]] = g[ok]
        cur[bidx[ok], g[ok], :] = -1.0
        cur[bidx[ok], :, i[ok]] = -1.0
    # then every other anchor whose best overlap passes the threshold
    best_gt = xp.argmax(iou, axis=2)
    best_iou = xp.take_along_axis(iou, best_gt[..., None], axis=2)[..., 0]
    if a.overlap_threshold > 0:
        extra = (match < 0) & (best_iou > a.overlap_threshold)
        match = xp.where(extra, best_gt, match)
    pos = match >= 0
    has_gt = gt_valid.any(axis=1)[:, None]
    if a.negative_mining_ratio > 0:
        npos = pos.sum(axis=1)
        nneg = xp.maximum((npos * a.negative_mining_ratio).astype(np.int64), a.minimum_negative_samples)
        nneg = xp.minimum(nneg, N - npos)
        cand = ~pos & (best_iou < a.negative_mining_thresh)
        c = cls.astype(np.float64)
        c = c - c.max(axis=1, keepdims=True)
        bg = xp.exp(c[:, 0, :]) / xp.exp(c).sum(axis=1)                      # background probability
        key = xp.where(cand, bg, np.inf)
        order = _argsort_stable(xp, key, axis=1)
        rank = _argsort_stable(xp, order, axis=1)     # inverse permutation
        neg = cand & (rank < nneg[:, None])
    else:
        neg = ~pos
    gid = xp.clip(match, 0, M - 1)
    gcls = xp.take_along_axis(lab[..., 0].astype(np.float64), gid, axis=1)
    cls_t = xp.where(pos, gcls + 1, xp.where(neg, 0.0, a.ignore_label))
    cls_t = xp.where(has_gt, cls_t, a.ignore_label)
    g = xp.take_along_axis(gts, gid[..., None], axis=1)                      # (B, N, 4)
    ac, gc = _to_center(xp, anchors)[None], _to_center(xp, g)
    t = xp.stack([c / v for c, v in zip(_center_offsets(xp, ac, gc), a.variances)], axis=-1)
    pm = (pos & has_gt)[..., None]
    loc_t = xp.where(pm, t, 0.0).reshape(B, N * 4)
    loc_m = xp.broadcast_to(pm, (B, N, 4)).reshape(B, N * 4)
    return (loc_t.astype(dt), loc_m.astype(dt), cls_t.astype(dt))


_contrib("MultiBoxTarget", _mbt_forward, inputs=("anchor", "label", "cls_pred"),
         params=(Param("overlap_threshold", Float, 0.5, "Anchor-GT overlap threshold to be regarded as a positive "
                       "match."),
                 Param("ignore_label", Float, -1.0, "Label for ignored anchors."),
                 Param("negative_mining_ratio", Float, -1.0, "Max negative to positive samples ratio, use -1 to "
                       "disable mining"),
                 Param("negative_mining_thresh", Float, 0.5, "Threshold used for negative mining."),
                 Param("minimum_negative_samples", Int, 0, "Minimum number of negative samples."),
                 _VARIANCES),
         outputs=("loc_target", "loc_mask", "cls_target"), infer_shape=_mbt_shape,
         infer_type=lambda a, t: [t[0]] * 3, backward=_zeros,
         doc="Compute Multibox training targets: (loc_target, loc_mask, cls_target).")

# -- count_sketch, group_adagrad_update (GPU-only in MXNet 1.9.1; documented semantics) --------------


def _count_sketch_shape(a, s):
    d, h, sg = (tuple(x) for x in s)
    n_in = d[-1] if d else 0
    if len(d) < 2 or _prod(h) != n_in or _prod(sg) != n_in:
        raise MXNetError("_contrib_count_sketch: expected data (..., in_dim) and h, s with in_dim entries; got data "
                         "{}, h {}, s {}".format(_fmt(d), _fmt(h), _fmt(sg)))
    return [d[:-1] + (a.out_dim,)]


def _count_sketch_forward(env, a, inputs, aux):
    xp = env.xp
    data, h, s = inputs
    n_in = data.shape[-1]
    hot = (h.reshape(n_in).astype(np.int64)[:, None] == xp.arange(a.out_dim)).astype(data.dtype)
    proj = hot * s.reshape(n_in, 1).astype(data.dtype)           # (in_dim, out_dim)
    return (xp.matmul(data, proj),)


def _count_sketch_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, h, s = inputs
    n_in = data.shape[-1]
    hot = (h.reshape(n_in).astype(np.int64)[:, None] == xp.arange(a.out_dim)).astype(data.dtype)
    proj = hot * s.reshape(n_in, 1).astype(data.dtype)
    return [xp.matmul(out_grads[0], proj.T), xp.zeros_like(h), xp.zeros_like(s)]


_contrib("count_sketch", _count_sketch_forward, inputs=("data", "h", "s"),
         params=(Param("out_dim", Int, doc="The output dimension."),
                 Param("processing_batch_size", Int, 32, "How many sketch vectors to process at one time.")),
         infer_shape=_count_sketch_shape, infer_type=lambda a, t: [t[0]], backward=_count_sketch_backward,
         doc="Apply CountSketch to input: out[..., h[i]] += s[i] * data[..., i].")


def _group_adagrad_forward(env, a, inputs, aux):
    xp = env.xp
    w, g = inputs
    hist = aux[0]
    t = w.dtype.type
    grad = _clip(xp, g * t(a.rescale_grad), t(a.clip_gradient))
    rows = w.shape[0]
    sq = xp.square(grad).reshape(rows, -1).mean(axis=1)
    new_h = hist.reshape(rows) + sq.astype(hist.dtype)
    hist[...] = new_h.reshape(hist.shape)
    denom = xp.sqrt(new_h.astype(w.dtype) + t(a.epsilon)).reshape((rows,) + (1,) * (w.ndim - 1))
    return (w - t(a.lr) * grad / denom,)


def _group_adagrad_full(a, in_shapes, aux_shapes):
    w, g = in_shapes
    h = aux_shapes[0] if aux_shapes else None
    if w is not None and g is not None and tuple(w) != tuple(g):
        raise MXNetError("_contrib_group_adagrad_update: grad shape {} must equal weight shape {}".format(
            _fmt(g), _fmt(w)))
    if w is not None and h is not None and _prod(h) != w[0]:
        raise MXNetError("_contrib_group_adagrad_update: history shape {} must have one entry per row of the weight "
                         "{}".format(_fmt(h), _fmt(w)))
    return list(in_shapes), [None if w is None else tuple(w)], list(aux_shapes)


_contrib("group_adagrad_update", _group_adagrad_forward, inputs=("weight", "grad"), aux=("history",),
         params=(Param("lr", Float, doc="Learning rate"),
                 Param("rescale_grad", Float, 1.0, "Rescale gradient to grad = rescale_grad*grad."),
                 Param("clip_gradient", Float, -1.0, "Clip gradient to the range of [-clip_gradient, clip_gradient] "
                       "If clip_gradient <= 0, gradient clipping is turned off. grad = max(min(grad, "
                       "clip_gradient), -clip_gradient)."),
                 Param("epsilon", Float, 1e-5, "Epsilon for numerical stability")),
         infer_shape=lambda a, s: [tuple(s[0])], infer_shape_full=_group_adagrad_full,
         doc="Update function for Group AdaGrad optimizer: one accumulated squared gradient per row.")

# -- Proposal / MultiProposal (Faster R-CNN region proposals) -------------------------------------
# Pixel-inclusive box arithmetic (width = x2 - x1 + 1) as in py-faster-rcnn and MXNet.


def _rpn_base_anchors(stride, scales, ratios):
    """(A, 4) anchors around [0, 0, stride - 1, stride - 1]: every scale for each ratio."""
    w = h = float(stride)
    cx, cy = 0.5 * (w - 1), 0.5 * (h - 1)
    out = []
    for r in ratios:
        size_ratio = math.floor(w * h / r)
        for s in scales:
            nw = math.floor(math.sqrt(size_ratio) + 0.5) * s
            nh = math.floor(nw / s * r + 0.5) * s
            out.append([cx - 0.5 * (nw - 1), cy - 0.5 * (nh - 1), cx + 0.5 * (nw - 1), cy + 0.5 * (nh - 1)])
    return np.array(out, dtype=np.float32)


def _iou_plus1(xp, b):
    """Pairwise IoU of (..., n, 4) boxes with pixel-inclusive areas."""
    x1, y1, x2, y2 = (b[..., i] for i in range(4))
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    def overlap(lo, hi):
        return xp.maximum(xp.minimum(hi[..., :, None], hi[..., None, :])
                          - xp.maximum(lo[..., :, None], lo[..., None, :]) + 1, 0)
    iw, ih = overlap(x1, x2), overlap(y1, y2)
    inter = iw * ih
    return inter / (area[..., :, None] + area[..., None, :] - inter)


def _proposal_shape(name, multi):
    def infer_shape(a, s):
        cls, bb, im = (tuple(x) for x in s)
        A = len(a.scales) * len(a.ratios)
        if len(cls) != 4 or cls[1] != 2 * A or bb != (cls[0], 4 * A) + cls[2:] or im != (cls[0], 3):
            raise MXNetError("{}: expected cls_prob (B, 2*A, H, W), bbox_pred (B, 4*A, H, W) and im_info (B, 3) with "
                             "A = len(scales) * len(ratios) = {}; got {}, {}, {}".format(
                                 name, A, _fmt(cls), _fmt(bb), _fmt(im)))
        if not multi and cls[0] != 1:
            raise MXNetError("{}: only a batch of 1 image is supported (use MultiProposal), got {}".format(
                name, cls[0]))
        n = cls[0] * a.rpn_post_nms_top_n
        return [(n, 5), (n, 1)]
    return infer_shape


def _proposal_forward(env, a, inputs, aux):
    xp = env.xp
    cls, bb, im = inputs
    B, _, H, W = cls.shape
    A = len(a.scales) * len(a.ratios)
    f32 = np.float32
    base = xp.asarray(_rpn_base_anchors(a.feature_stride, a.scales, a.ratios))            # (A, 4)
    sy, sx = xp.meshgrid(xp.arange(H, dtype=f32) * a.feature_stride, xp.arange(W, dtype=f32) * a.feature_stride,
                         indexing="ij")
    shift = xp.stack([sx, sy, sx, sy], axis=-1)                                           # (H, W, 4)
    anchors = (shift[:, :, None, :] + base[None, None]).reshape(-1, 4)                    # (H*W*A, 4) h, w, a
    scores = cls[:, A:].astype(f32).transpose(0, 2, 3, 1).reshape(B, -1)
    deltas = bb.astype(f32).reshape(B, A, 4, H, W).transpose(0, 3, 4, 1, 2).reshape(B, -1, 4)
    imh, imw, ims = (im[:, i].astype(f32)[:, None] for i in range(3))
    if a.iou_loss:
        boxes = anchors[None] + deltas
    else:
        w = anchors[:, 2] - anchors[:, 0] + 1
        h = anchors[:, 3] - anchors[:, 1] + 1
        cx, cy = anchors[:, 0] + 0.5 * (w - 1), anchors[:, 1] + 0.5 * (h - 1)
        pcx, pcy = deltas[..., 0] * w + cx, deltas[..., 1] * h + cy
        pw, ph = xp.exp(deltas[..., 2]) * w, xp.exp(deltas[..., 3]) * h
        boxes = _corners(xp, pcx, pcy, 0.5 * (pw - 1), 0.5 * (ph - 1))
    lim = xp.stack([imw - 1, imh - 1, imw - 1, imh - 1], axis=-1)                          # (B, 1, 4)
    boxes = xp.maximum(xp.minimum(boxes, lim), 0)
    # anchors beyond the real (unpadded) image get score -1
    hh = xp.broadcast_to(xp.arange(H)[:, None, None], (H, W, A)).reshape(-1)
    ww = xp.broadcast_to(xp.arange(W)[None, :, None], (H, W, A)).reshape(-1)
    real_h = (im[:, 0].astype(f32) / a.feature_stride).astype(np.int64)[:, None]
    real_w = (im[:, 1].astype(f32) / a.feature_stride).astype(np.int64)[:, None]
    scores = xp.where((hh[None] >= real_h) | (ww[None] >= real_w), f32(-1), scores)
    # boxes smaller than rpn_min_size (in the original image) are grown and get score -1
    min_size = f32(a.rpn_min_size) * ims
    bw = boxes[..., 2] - boxes[..., 0] + 1
    bh = boxes[..., 3] - boxes[..., 1] + 1
    small = (bw < min_size) | (bh < min_size)
    grow = xp.stack([-min_size / 2, -min_size / 2, min_size / 2, min_size / 2], axis=-1)
    boxes = xp.where(small[..., None], boxes + grow, boxes)
    scores = xp.where(small, f32(-1), scores)
    # top pre_nms_top_n by score, then greedy NMS, keeping post_nms_top_n (cycled when fewer)
    count = scores.shape[1]
    pre = min(a.rpn_pre_nms_top_n, count) if a.rpn_pre_nms_top_n > 0 else count
    order = _argsort_stable(xp, -scores, axis=1)[:, :pre]
    sb = xp.take_along_axis(boxes, order[..., None], axis=1)
    ss = xp.take_along_axis(scores, order, axis=1)
    keep = _greedy_suppress(xp, xp.ones(ss.shape, dtype=bool), _iou_plus1(xp, sb) > a.threshold)
    rank = xp.cumsum(keep, axis=1) - 1
    keep = keep & (rank < a.rpn_post_nms_top_n)
    n_keep = keep.sum(axis=1)                                                              # (B,)
    kept_pos = _argsort_stable(xp, (~keep).astype(np.int8), axis=1)                                    # kept first
    post = a.rpn_post_nms_top_n
    slot = xp.arange(post)[None, :] % xp.maximum(n_keep, 1)[:, None]
    pick = xp.take_along_axis(kept_pos, slot, axis=1)
    ob = xp.take_along_axis(sb, pick[..., None], axis=1)
    os_ = xp.take_along_axis(ss, pick, axis=1)
    bidx = xp.broadcast_to(xp.arange(B, dtype=f32)[:, None, None], (B, post, 1))
    rois = xp.concatenate([bidx, ob], axis=-1).reshape(B * post, 5)
    return (rois.astype(cls.dtype), os_.reshape(B * post, 1).astype(cls.dtype))


def _proposal_op(name, multi, doc):
    _contrib(name, _proposal_forward, inputs=("cls_prob", "bbox_pred", "im_info"),
             params=(Param("rpn_pre_nms_top_n", Int, 6000, "Number of top scoring boxes to keep before applying "
                           "NMS to RPN proposals"),
                     Param("rpn_post_nms_top_n", Int, 300, "Number of top scoring boxes to keep after applying NMS "
                           "to RPN proposals"),
                     Param("threshold", Float, 0.7, "NMS value, below which to suppress."),
                     Param("rpn_min_size", Int, 16, "Minimum height or width in proposal"),
                     Param("scales", Tuple, (4.0, 8.0, 16.0, 32.0), "Used to generate anchor windows by enumerating "
                           "scales"),
                     Param("ratios", Tuple, (0.5, 1.0, 2.0), "Used to generate anchor windows by enumerating ratios"),
                     Param("feature_stride", Int, 16, "The size of the receptive field each unit in the convolution "
                           "layer of the rpn,for example the product of all stride's prior to this layer."),
                     Param("output_score", Bool, False, "Add score to outputs"),
                     Param("iou_loss", Bool, False, "Usage of IoU Loss")),
             outputs=("output", "score"), num_visible_outputs=lambda a: 2 if a.output_score else 1,
             infer_shape=_proposal_shape("_contrib_" + name, multi), infer_type=lambda a, t: [t[0], t[0]],
             backward=_zeros, doc=doc)


_proposal_op("Proposal", False, "Generate region proposals via RPN (one image): rois (post_nms_top_n, 5) "
             "[batch_index, x1, y1, x2, y2].")
_proposal_op("MultiProposal", True, "Generate region proposals via RPN for a batch of images: rois "
             "(B * post_nms_top_n, 5) [batch_index, x1, y1, x2, y2].")


# -- backward operators exposed by MXNet: _contrib_backward_{quadratic,index_copy,hawkesll} -------
# MXNet lists the backward nodes of these three operators in mx.nd.contrib / mx.sym.contrib with
# no documented inputs or parameters (so its generated functions cannot pass any), while the
# operators take (head gradients of the forward outputs, forward inputs) and return the gradient
# of each forward input, parsing the forward operator's parameters. Here they run the forward
# operator's registered backward rule; their published signature stays empty as in MXNet, and
# the parameters they parse are the forward operator's (looked up when called: hawkesll is
# registered in ops/legacy_ops.py, after this module).


class _BackwardOp(OpDef):
    """An operator whose documented signature is empty but whose parser accepts the forward
    operator's parameters (MXNet: ``Cannot find argument 'foo', Possible Arguments: a, b, c``)."""

    def __init__(self, name, fwd_name):
        self.fwd_name, self._schema = fwd_name, None
        super().__init__(name, self._run, inputs=self._names, all_inputs=(),
                         outputs=lambda a: _out_names(len(self._fwd().input_names(a))),
                         infer_shape=lambda a, s: [tuple(x) for x in s[self._fwd().num_outputs(a):]],
                         infer_type=lambda a, t: [t[0]] * (len(t) - self._fwd().num_outputs(a)),
                         doc="Backward of {}: takes the head gradients of its outputs, then its inputs; returns "
                             "the gradient of each input.".format(fwd_name))

    def _fwd(self):
        return _get_op(self.fwd_name)

    @property
    def param_map(self):      # what it parses (symbol JSON keeps these as parameters)
        return self._fwd().param_map

    @param_map.setter
    def param_map(self, value):     # (OpDef.__init__ sets the documented ones: none)
        pass

    def _parse(self, kwargs):
        if self._schema is None:      # the forward operator's parameters, under this name
            self._schema = OpDef(self.name, None, params=self._fwd().params)
        return self._schema._parse(kwargs)

    def _names(self, a):
        fwd = self._fwd()
        return ["ograd_" + n for n in fwd.output_names(a)] + fwd.input_names(a)

    def _run(self, env, a, inputs, aux):
        n = self._fwd().num_outputs(a)
        ins = inputs[n:]
        grads = self._fwd().backward(env, a, ins, None, list(inputs[:n]), [True] * len(ins))
        return tuple(env.xp.zeros_like(x) if g is None else g for g, x in zip(grads, ins))


def _out_names(n):
    return ["output"] if n == 1 else ["output%d" % i for i in range(n)]


for _fwd_name in ("quadratic", "index_copy", "hawkesll"):
    register(_BackwardOp("_contrib_backward_" + _fwd_name, "_contrib_" + _fwd_name))
