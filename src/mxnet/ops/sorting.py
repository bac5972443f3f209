"""Sorting operators: topk, sort, argsort.

Order among equal values: the lower index comes first (a stable sort), in both directions.
MXNet's CPU kernels use ``std::sort`` / ``std::partial_sort``, which agree with this for rows of
up to 16 elements and for k=1, and break ties in an implementation-defined order beyond that.
NaN sorts last in ascending order (as in MXNet) and first in descending order (MXNet's
comparison sort leaves a NaN wherever the comparisons happen to put it).

Like MXNet, ``topk(ret_typ='value')`` and ``sort`` have a second, hidden output (the indices of the
selected elements) that backward reuses; only the first output is visible.
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Int, Bool, IntOrNone, Enum, DType
from .registry import OpDef, register
from ._shapes import prod as _prod  # noqa: F401  (shared shape helpers)

_INDEX_DTYPE = DType("float16", "float32", "float64", "int32", "int64", "uint8")
# Largest row length whose indices a saved index output of this dtype still holds exactly.
_EXACT_INDEX_LIMIT = {"float16": 2 ** 11, "float32": 2 ** 24, "float64": 2 ** 53, "uint8": 2 ** 8,
                      "int8": 2 ** 7, "int32": 2 ** 31, "int64": 2 ** 63}


def _axis_of(opname, axis, shape):
    """The non-negative axis (None: the flattened input), or MXNet's 'Invalid axis' error."""
    if axis is None:
        return None
    nd = len(shape)
    norm = axis + nd if axis < 0 else axis
    if not 0 <= norm < nd:
        raise MXNetError("{}: Invalid axis! axis should be between 0 and {}, found axis={} "
                         "(axis={}, data shape {})".format(opname, nd, norm, axis, tuple(shape)))
    return norm


def _k_of(a, n, shape):
    """k <= 0 selects every element of the axis, as in MXNet."""
    if a.k <= 0:
        return n
    if a.k > n:
        raise MXNetError("topk: k must be smaller than or equal to the number of elements along the "
                         "axis ({}) of data shape {}, got k={}".format(n, tuple(shape), a.k))
    return a.k


def _selected_shape(axis, shape, m):
    """Output shape when ``m`` elements are kept along ``axis`` (None: flattened)."""
    if axis is None:
        return (m,)
    return tuple(shape[:axis]) + (m,) + tuple(shape[axis + 1:])


def _argsort_stable(xp, x):
    if xp is np:
        return np.argsort(x, axis=-1, kind="stable")
    try:
        return xp.argsort(x, axis=-1, kind="stable")
    except (TypeError, ValueError, NotImplementedError):
        return xp.argsort(x, axis=-1)   # CuPy's sort is a (stable) radix/merge sort


class _Rows:
    """``x`` as (rows, n) with the sorted axis last, and the way back to the original layout."""

    def __init__(self, xp, x, axis):
        self.xp = xp
        self.axis = axis
        self.shape = x.shape
        if axis is None:
            self.lead = ()
            self.data = x.reshape(1, -1)
        else:
            moved = xp.moveaxis(x, axis, -1)
            self.lead = moved.shape[:-1]
            self.data = moved.reshape(-1, moved.shape[-1])
        self.r = xp.arange(self.data.shape[0])[:, None]

    def rows_of(self, y):
        """Another array laid out like ``x`` (``m`` elements along the axis) as (rows, m)."""
        if self.axis is None:
            return y.reshape(1, -1)
        moved = self.xp.moveaxis(y, self.axis, -1)
        return moved.reshape(-1, moved.shape[-1])

    def back(self, y):
        """(rows, m) -> original layout with ``m`` elements along the axis."""
        if self.axis is None:
            return y.reshape(-1)
        return self.xp.moveaxis(y.reshape(self.lead + (y.shape[-1],)), -1, self.axis)

    def back_full(self, y):
        """(rows, n) -> exactly the shape of ``x``."""
        if self.axis is None:
            return y.reshape(self.shape)
        return self.back(y)


def _order(xp, rows, is_ascend):
    """Sorting permutation of each row; equal values keep their index order in both directions."""
    if is_ascend:
        return _argsort_stable(xp, rows)
    n = rows.shape[-1]
    # Descending and stable without negation (which overflows for unsigned and minimal ints):
    # sort the reversed row ascending, then reverse the result and map the indices back.
    return (n - 1) - _argsort_stable(xp, rows[:, ::-1])[:, ::-1]


def _top_order(xp, rows, k, is_ascend):
    """The first ``k`` columns of ``_order(rows)``; for small k (k*8 <= n, MXNet's own
    partial-sort threshold) without sorting whole rows: partition, then keep everything strictly
    better than the k-th value plus the lowest-index ties, and sort those k."""
    n = rows.shape[1]
    if k is None or k * 8 > n or rows.shape[0] == 0 or (
            rows.dtype.kind == "f" and bool(xp.isnan(rows).any())):
        return _order(xp, rows, is_ascend)[:, :k]
    if is_ascend:
        kth = xp.partition(rows, k - 1, axis=1)[:, k - 1:k]
        better = rows < kth
    else:
        kth = xp.partition(rows, n - k, axis=1)[:, n - k:n - k + 1]
        better = rows > kth
    equal = rows == kth
    need = k - better.sum(axis=1, keepdims=True)
    chosen = better | (equal & (xp.cumsum(equal, axis=1) <= need))
    cols = xp.nonzero(chosen)[1].reshape(-1, k)          # exactly k per row, in index order
    r = xp.arange(rows.shape[0])[:, None]
    return cols[r, _order(xp, rows[r, cols], is_ascend)]  # stable: ties stay in index order


def _select(xp, x, axis, k, is_ascend):
    rows = _Rows(xp, x, axis)
    return rows, _top_order(xp, rows.data, k, is_ascend)


def _scatter_back(xp, rows, order, g):
    """Gradient of gathering ``order`` from each row: head gradients back to their positions."""
    gx = xp.zeros(rows.data.shape, dtype=g.dtype)
    gx[rows.r, order] = rows.rows_of(g)  # positions within a row are distinct
    return rows.back_full(gx)


def _saved_order(a_axis, x, outputs):
    """The hidden/visible index output of the forward pass, if present and exact."""
    if len(outputs) < 2 or outputs[1] is None:
        return None
    idx = outputs[1]
    n = x.size if a_axis is None else x.shape[a_axis]
    if n > _EXACT_INDEX_LIMIT.get(np.dtype(idx.dtype).name, 0):
        return None
    return idx


# -- topk ---------------------------------------------------------------------------------------


def _topk_shape(a, s):
    shape = s[0]
    axis = _axis_of("topk", a.axis, shape)
    n = _prod(shape) if axis is None else shape[axis]
    k = _k_of(a, n, shape)
    if a.ret_typ == "mask":
        return [tuple(shape)]
    out = _selected_shape(axis, shape, k)
    return [out] if a.ret_typ == "indices" else [out, out]


def _topk_type(a, t):
    if a.ret_typ == "indices":
        return [np.dtype(a.dtype)]
    if a.ret_typ == "mask":
        return [t[0]]
    if a.ret_typ == "both":
        return [t[0], np.dtype(a.dtype)]
    return [t[0], np.dtype(np.int64)]   # value: the hidden index output


def _topk_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0]
    axis = _axis_of("topk", a.axis, x.shape)
    n = x.size if axis is None else x.shape[axis]
    rows, order = _select(xp, x, axis, _k_of(a, n, x.shape), a.is_ascend)
    if a.ret_typ == "mask":
        mask = xp.zeros(rows.data.shape, dtype=x.dtype)
        mask[rows.r, order] = 1
        return (rows.back_full(mask),)
    if a.ret_typ == "indices":
        return (rows.back(order.astype(a.dtype)),)
    values = rows.back(rows.data[rows.r, order])
    if a.ret_typ == "both":
        return (values, rows.back(order.astype(a.dtype)))
    return (values, rows.back(order))


def _topk_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x = inputs[0]
    if a.ret_typ in ("indices", "mask"):
        return [xp.zeros_like(x)]
    axis = _axis_of("topk", a.axis, x.shape)
    n = x.size if axis is None else x.shape[axis]
    k = _k_of(a, n, x.shape)
    saved = _saved_order(axis, x, outputs)
    if saved is None:
        rows, order = _select(xp, x, axis, k, a.is_ascend)
    else:
        rows = _Rows(xp, x, axis)
        order = rows.rows_of(saved).astype(np.int64)
    return [_scatter_back(xp, rows, order, out_grads[0])]


register(OpDef(
    "topk", _topk_forward, infer_shape=_topk_shape, infer_type=_topk_type, backward=_topk_backward,
    outputs=lambda a: ["output"] if a.ret_typ in ("indices", "mask") else ["output0", "output1"],
    num_visible_outputs=lambda a: 2 if a.ret_typ == "both" else 1,
    params=(Param("axis", IntOrNone, -1, "Axis along which to choose the top k indices. If not given, "
                  "the flattened array is used. Default is -1."),
            Param("k", Int, 1, "Number of top elements to select, should be always smaller than or equal "
                  "to the element number in the given axis. A global sort is performed if set k < 1."),
            Param("ret_typ", Enum("both", "indices", "mask", "value"), "indices",
                  "The return type. 'value' returns the values of the top k elements, 'indices' their "
                  "indices, 'both' both, 'mask' a mask array marking them."),
            Param("is_ascend", Bool, False, "Whether to choose k largest or k smallest elements. "
                  "Top K largest elements will be chosen if set to false."),
            Param("dtype", _INDEX_DTYPE, "float32", "DType of the output indices when ret_typ is "
                  "'indices' or 'both'.")),
    doc="Returns the indices (or values, both, or a mask) of the top k elements of an input array "
        "along the given axis; the returned elements are sorted."))


# -- sort / argsort -----------------------------------------------------------------------------


def _sort_shape(a, s, opname="sort"):
    axis = _axis_of(opname, a.axis, s[0])
    out = _selected_shape(axis, s[0], _prod(s[0]) if axis is None else s[0][axis])
    return [out, out]


def _sort_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0]
    axis = _axis_of("sort", a.axis, x.shape)
    rows, order = _select(xp, x, axis, None, a.is_ascend)
    return (rows.back(rows.data[rows.r, order]), rows.back(order))


def _sort_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x = inputs[0]
    axis = _axis_of("sort", a.axis, x.shape)
    saved = _saved_order(axis, x, outputs)
    if saved is None:
        rows, order = _select(xp, x, axis, None, a.is_ascend)
    else:
        rows = _Rows(xp, x, axis)
        order = rows.rows_of(saved).astype(np.int64)
    return [_scatter_back(xp, rows, order, out_grads[0])]


_AXIS = Param("axis", IntOrNone, -1, "Axis along which to sort the input tensor. If not given, the "
              "flattened array is used. Default is -1.")
_ASCEND = Param("is_ascend", Bool, True, "Whether to sort in ascending or descending order.")

register(OpDef(
    "sort", _sort_forward, infer_shape=_sort_shape, infer_type=lambda a, t: [t[0], np.dtype(np.int64)],
    backward=_sort_backward, outputs=("output0", "output1"), num_visible_outputs=1,
    params=(_AXIS, _ASCEND),
    doc="Returns a sorted copy of an input array along the given axis."))


def _argsort_shape(a, s):
    return _sort_shape(a, s, "argsort")[:1]


def _argsort_forward(env, a, inputs, aux):
    x = inputs[0]
    axis = _axis_of("argsort", a.axis, x.shape)
    rows, order = _select(env.xp, x, axis, None, a.is_ascend)
    return (rows.back(order.astype(a.dtype)),)


def _zero_backward(env, a, inputs, outputs, out_grads, req):
    return [env.xp.zeros_like(inputs[0])]


register(OpDef(
    "argsort", _argsort_forward, infer_shape=_argsort_shape, infer_type=lambda a, t: [np.dtype(a.dtype)],
    backward=_zero_backward,
    params=(_AXIS, _ASCEND, Param("dtype", _INDEX_DTYPE, "float32", "DType of the output indices.")),
    doc="Returns the indices that would sort an input array along the given axis."))
