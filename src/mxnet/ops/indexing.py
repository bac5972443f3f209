"""Indexing operators: take, pick, one_hot, gather_nd, scatter_nd, batch_take.

Index inputs may have any dtype (MXNet users pass float32): float indices are truncated toward
zero, as MXNet's ``static_cast`` does. Gradients flow to the data input only; index inputs get
zero gradients. Where one output element may come from the same input element as another
(take, gather_nd), backward scatter-adds with ``add.at``.
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Int, Bool, Shape, IntOrNone, Float, Enum, DType
from .registry import OpDef, register

__all__ = ["IndexOutOfBoundsError", "add_at"]

from ..backend import add_at  # noqa: E402  (re-exported: the scatter-add lives in the backend)
from ._shapes import constant, prod as _prod  # noqa: F401  (shared shape helpers)


class IndexOutOfBoundsError(MXNetError, IndexError):
    """An index past the end of an axis: MXNet raises IndexError for these (gather_nd), neomx
    raises this, which is both an MXNetError (so the engine passes it through) and an IndexError."""


def _as_int(xp, idx):
    """Float indices truncate toward zero (C cast); integer indices pass through as int64."""
    return idx.astype(np.int64)


def _check_axis(opname, axis, shape):
    nd = len(shape)
    if not -nd <= axis < nd:
        raise MXNetError("{}: axis {} is out of range for input of shape {}: axis should be in the "
                         "range [-r, r-1] where r={} is the rank of the input".format(opname, axis, tuple(shape), nd))
    return axis % nd


# -- take ---------------------------------------------------------------------------------------


def _take_shape(a, s):
    data, idx = s
    ax = _check_axis("take", a.axis, data)
    return [tuple(data[:ax]) + tuple(idx) + tuple(data[ax + 1:])]


def _take_indices(xp, a, data, indices):
    ax = a.axis % data.ndim
    n = data.shape[ax]
    if a.mode == "raise":
        # MXNet checks the raw values: -0.5 and n-0.5 are out of bounds too.
        if indices.size and bool(xp.any((indices < 0) | (indices > n - 1))):
            raise MXNetError("take: indices out of bounds for axis {} of size {} (data shape {}, "
                             "mode='raise')".format(a.axis, n, tuple(data.shape)))
        return ax, _as_int(xp, indices)
    if n == 0:
        raise MXNetError("take: cannot take from an empty axis {} of data shape {}".format(a.axis, tuple(data.shape)))
    idx = _as_int(xp, indices)
    if a.mode == "wrap":
        return ax, xp.mod(idx, n)
    return ax, xp.clip(idx, 0, n - 1)


def _take_forward(env, a, inputs, aux):
    data, indices = inputs
    ax, idx = _take_indices(env.xp, a, data, indices)
    return (env.xp.take(data, idx, axis=ax),)


def _take_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, indices = inputs
    ax, idx = _take_indices(xp, a, data, indices)
    pre, n, post = _prod(data.shape[:ax]), data.shape[ax], _prod(data.shape[ax + 1:])
    gx = xp.zeros((pre, n, post), dtype=out_grads[0].dtype)
    g = out_grads[0].reshape(pre, idx.size, post)
    add_at(xp, gx, (slice(None), idx.reshape(-1)), g)
    return [gx.reshape(data.shape), xp.zeros_like(indices)]


register(OpDef(
    "take", _take_forward, inputs=("a", "indices"), infer_shape=_take_shape,
    infer_type=lambda a, t: [t[0]], backward=_take_backward,
    params=(Param("axis", Int, 0, "The axis of input array to be taken. For input tensor of rank r, "
                  "it could be in the range of [-r, r-1]"),
            Param("mode", Enum("clip", "raise", "wrap"), "clip",
                  "Specify how out-of-bound indices bahave. 'clip' clips them to the valid range, "
                  "'wrap' wraps them around, 'raise' raises an error.")),
    doc="Takes elements from an input array along the given axis."))


# -- pick ---------------------------------------------------------------------------------------


def _pick_axis(a, data_shape):
    if a.axis is None:
        raise MXNetError("pick: axis=None is not supported by pick yet. Must specify an axis.")
    nd = len(data_shape)
    if not -nd <= a.axis < nd:
        raise MXNetError("pick: axis {} exceeds the input dimension of {} (data shape {})".format(
            a.axis, nd, tuple(data_shape)))
    return a.axis % nd


def _pick_out_shapes(a, data):
    """(output shape, shape without keepdims, shape with keepdims)."""
    ax = _pick_axis(a, data)
    kept = tuple(data[:ax]) + (1,) + tuple(data[ax + 1:])
    dropped = tuple(data[:ax]) + tuple(data[ax + 1:])
    dropped = dropped or (1,)  # MXNet 1.x: no 0-d results
    return (kept if a.keepdims else dropped), dropped, kept


def _pick_shape(a, s):
    data, idx = s
    out, dropped, kept = _pick_out_shapes(a, data)
    want = kept if len(idx) == len(data) else dropped
    if tuple(idx) != want:
        raise MXNetError("pick: index shape {} does not match data shape {} with axis={}: expected "
                         "index shape {}".format(tuple(idx), tuple(data), a.axis, want))
    return [out]


def _pick_shape_full(a, in_shapes, aux_shapes):
    data, idx = in_shapes
    if data is None:
        return list(in_shapes), [None], list(aux_shapes)
    if idx is None:
        idx = _pick_out_shapes(a, data)[1]
    return [data, idx], _pick_shape(a, [data, idx]), list(aux_shapes)


def _pick_layout(xp, a, data, index):
    """data as (pre, n, post), clipped/wrapped int index as (pre, post), and the two aranges."""
    ax = _pick_axis(a, data.shape)
    pre, n, post = _prod(data.shape[:ax]), data.shape[ax], _prod(data.shape[ax + 1:])
    idx = _as_int(xp, index).reshape(pre, post)
    # (minimum/maximum: xp.clip's Python wrapper costs more than the whole pick on small data)
    idx = xp.mod(idx, n) if a.mode == "wrap" else xp.minimum(xp.maximum(idx, 0), n - 1)
    return (pre, n, post), idx, xp.arange(pre)[:, None], xp.arange(post)[None, :]


def _pick_rows(xp, a, data, index):
    """(row numbers, clipped/wrapped column index) of a 2-D pick along its last axis (a
    classifier's scores picked by label), or None for other layouts."""
    if data.ndim != 2 or _pick_axis(a, data.shape) != 1 or index.size != data.shape[0]:
        return None
    n = data.shape[1]
    idx = _as_int(xp, index).reshape(-1)
    idx = xp.mod(idx, n) if a.mode == "wrap" else xp.minimum(xp.maximum(idx, 0), n - 1)
    rows = data.shape[0]
    return constant(xp, ("arange", rows), lambda: xp.arange(rows)), idx


def _pick_forward(env, a, inputs, aux):
    data, index = inputs
    fast = _pick_rows(env.xp, a, data, index)
    if fast is not None:
        out = data[fast]
        return (out.reshape(-1, 1) if a.keepdims else out,)
    shape3, idx, rows, cols = _pick_layout(env.xp, a, data, index)
    return (data.reshape(shape3)[rows, idx, cols],)


def _pick_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, index = inputs
    fast = _pick_rows(xp, a, data, index)
    if fast is not None:
        gx = xp.zeros(data.shape, dtype=out_grads[0].dtype)
        gx[fast] = out_grads[0].reshape(-1)        # one position per row: no repeats
        return [gx, xp.zeros_like(index)]
    shape3, idx, rows, cols = _pick_layout(xp, a, data, index)
    gx = xp.zeros(shape3, dtype=out_grads[0].dtype)
    gx[rows, idx, cols] = out_grads[0].reshape(idx.shape)  # one position per output: no repeats
    return [gx.reshape(data.shape), xp.zeros_like(index)]


register(OpDef(
    "pick", _pick_forward, inputs=("data", "index"), infer_shape=_pick_shape,
    infer_shape_full=_pick_shape_full, infer_type=lambda a, t: [t[0]], backward=_pick_backward,
    aliases=("choose_element_0index",),
    params=(Param("axis", IntOrNone, -1, "int or None. The axis to picking the elements. Negative values "
                  "means indexing from right to left."),
            Param("keepdims", Bool, False, "If true, the axis where we pick the elements is left in the "
                  "result as dimension with size one."),
            Param("mode", Enum("clip", "wrap"), "clip", "Specify how out-of-bound indices behave.")),
    doc="Picks elements from an input array according to the input indices along the given axis."))


# -- one_hot ------------------------------------------------------------------------------------


def _one_hot_shape(a, s):
    if a.depth < 0:
        raise MXNetError("one_hot: depth must be a non-negative integer, got depth={} (indices shape {})".format(
            a.depth, tuple(s[0])))
    return [tuple(s[0]) + (a.depth,)]


def _scalar_of(value, dtype):
    """``value`` cast to ``dtype`` as C does: floats truncate, negatives wrap for unsigned types."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        return np.array(int(value), dtype=np.int64).astype(dtype)
    return np.array(value, dtype=dtype)


def _one_hot_forward(env, a, inputs, aux):
    xp = env.xp
    idx = _as_int(xp, inputs[0])
    hot = idx[..., None] == xp.arange(a.depth)
    on = xp.asarray(_scalar_of(a.on_value, a.dtype))
    off = xp.asarray(_scalar_of(a.off_value, a.dtype))
    return (xp.where(hot, on, off).astype(a.dtype, copy=False),)


def _one_hot_backward(env, a, inputs, outputs, out_grads, req):
    return [env.xp.zeros_like(inputs[0])]   # MXNet: zero gradient for the indices


register(OpDef(
    "one_hot", _one_hot_forward, inputs=("indices",), infer_shape=_one_hot_shape, backward=_one_hot_backward,
    infer_type=lambda a, t: [np.dtype(a.dtype)],
    params=(Param("depth", Int, doc="Depth of the one hot dimension."),
            Param("on_value", Float, 1.0, "The value assigned to the locations represented by indices."),
            Param("off_value", Float, 0.0, "The value assigned to the locations not represented by indices."),
            Param("dtype", DType("float16", "float32", "float64", "int32", "int64", "int8", "uint8"),
                  "float32", "DType of the output")),
    doc="Returns a one-hot array: out[i, j, ..., k] = on_value if indices[i, j, ...] == k else off_value."))


# -- gather_nd / scatter_nd -----------------------------------------------------------------------


def _nd_index_check(opname, ishape):
    if len(ishape) < 2:
        raise MXNetError("{}: requires index tensor to have at least 2 dimensions, got indices shape {}".format(
            opname, tuple(ishape)))


def _nd_indices(xp, opname, indices, dims, truncate_first=False):
    """Rows of ``indices`` (M, ...) as an int64 index tuple into ``dims``; negative values count
    from the end; out-of-bounds values raise IndexOutOfBoundsError. gather_nd checks the raw values
    (1.5 is out of bounds for an axis of size 2, as in MXNet); ``truncate_first`` checks the
    truncated ones (scatter_nd: MXNet does not check at all and accepts 1.5 as 1)."""
    m = indices.shape[0]
    raw = indices.reshape(m, -1)
    if truncate_first:
        raw = _as_int(xp, raw)
    sizes = xp.asarray(np.array(dims, dtype=np.int64).reshape(m, 1))
    bad = (raw < -sizes) | (raw > sizes - 1)
    if raw.size and bool(xp.any(bad)):
        pos = int(xp.argmax(bad.T.reshape(-1)))  # first bad entry, position-major like MXNet
        j, i = pos % m, pos // m
        v = float(raw[j, i])
        raise IndexOutOfBoundsError("{}: index {} is out of bounds for axis {} with size {}".format(
            opname, int(v) if v.is_integer() else "{:g}".format(v), j, dims[j]))
    raw = xp.where(raw < 0, raw + sizes, raw)
    idx = _as_int(xp, raw).reshape(indices.shape)
    return tuple(idx[j] for j in range(m))


def _gather_nd_shape(a, s):
    data, idx = s
    _nd_index_check("gather_nd", idx)
    if idx[0] > len(data):
        raise MXNetError("gather_nd: Number of indices exceeds data dimension: indices shape {} indexes {} "
                         "axes of data shape {}".format(tuple(idx), idx[0], tuple(data)))
    return [tuple(idx[1:]) + tuple(data[idx[0]:])]


def _gather_nd_forward(env, a, inputs, aux):
    data, indices = inputs
    return (data[_nd_indices(env.xp, "gather_nd", indices, data.shape[:indices.shape[0]])],)


def _gather_nd_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, indices = inputs
    key = _nd_indices(xp, "gather_nd", indices, data.shape[:indices.shape[0]])
    gx = xp.zeros(data.shape, dtype=out_grads[0].dtype)
    add_at(xp, gx, key, out_grads[0])
    return [gx, xp.zeros_like(indices)]


register(OpDef(
    "gather_nd", _gather_nd_forward, inputs=("data", "indices"), infer_shape=_gather_nd_shape,
    infer_type=lambda a, t: [t[0]], backward=_gather_nd_backward,
    doc="Gather elements or slices from `data` into a tensor of shape indices.shape[1:] + "
        "data.shape[M:], where M = indices.shape[0]."))


def _scatter_nd_data_shape(a, ishape):
    _nd_index_check("scatter_nd", ishape)
    if ishape[0] > len(a.shape):
        raise MXNetError("scatter_nd: Number of indices exceeds output dimension: indices shape {} indexes "
                         "{} axes of output shape {}".format(tuple(ishape), ishape[0], tuple(a.shape)))
    return tuple(ishape[1:]) + tuple(a.shape[ishape[0]:])


def _scatter_nd_shape(a, s):
    data, idx = s
    want = _scatter_nd_data_shape(a, idx)
    if tuple(data) != want:
        raise MXNetError("scatter_nd: Invalid data, indices, and output shape combination: data {}, "
                         "indices {}, shape {} (data must have shape {})".format(
                             tuple(data), tuple(idx), tuple(a.shape), want))
    return [tuple(a.shape)]


def _scatter_nd_shape_full(a, in_shapes, aux_shapes):
    data, idx = in_shapes
    if idx is None:
        return list(in_shapes), [tuple(a.shape)], list(aux_shapes)
    if data is None:
        data = _scatter_nd_data_shape(a, idx)
    return [data, idx], _scatter_nd_shape(a, [data, idx]), list(aux_shapes)


def _scatter_nd_forward(env, a, inputs, aux):
    xp = env.xp
    data, indices = inputs
    out = xp.zeros(a.shape, dtype=data.dtype)
    # Repeated indices: the last write wins on NumPy (MXNet's CPU loop does the same).
    out[_nd_indices(xp, "scatter_nd", indices, a.shape[:indices.shape[0]], True)] = data
    return (out,)


def _scatter_nd_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    data, indices = inputs
    key = _nd_indices(xp, "scatter_nd", indices, a.shape[:indices.shape[0]], True)
    return [out_grads[0][key].reshape(data.shape), xp.zeros_like(indices)]


register(OpDef(
    "scatter_nd", _scatter_nd_forward, inputs=("data", "indices"), infer_shape=_scatter_nd_shape,
    infer_shape_full=_scatter_nd_shape_full, infer_type=lambda a, t: [t[0]], backward=_scatter_nd_backward,
    params=(Param("shape", Shape, doc="Shape of output."),),
    doc="Scatters data into a new tensor of the given shape according to indices "
        "(the inverse of gather_nd)."))


# -- batch_take ---------------------------------------------------------------------------------


def _batch_take_shape(a, s):
    data, idx = s
    if len(data) < 2:
        raise MXNetError("batch_take: Data array must have at least 2 dimensions, got a of shape {}".format(
            tuple(data)))
    if data[-1] == 0 or _prod(data) // data[-1] != _prod(idx):
        raise MXNetError("batch_take: Index array's size must be the same as data array's size excluding the "
                         "last dimension: a {}, indices {}".format(tuple(data), tuple(idx)))
    return [tuple(idx)]


def _batch_take_type(a, t):
    if np.dtype(t[1]) != np.int32:
        raise MXNetError("batch_take: indices must be int32, got {}".format(np.dtype(t[1]).name))
    return [t[0]]


def _batch_take_forward(env, a, inputs, aux):
    xp = env.xp
    data, indices = inputs
    n = data.shape[-1]
    rows = data.reshape(-1, n)
    idx = xp.clip(indices.reshape(-1).astype(np.int64), 0, n - 1)
    return (rows[xp.arange(rows.shape[0]), idx].reshape(indices.shape),)


register(OpDef(
    "batch_take", _batch_take_forward, inputs=("a", "indices"), infer_shape=_batch_take_shape,
    infer_type=_batch_take_type,
    doc="Takes elements from a data batch: out[i] = a[i, indices[i]] (indices are int32, clipped)."))
