"""``NDArray.__getitem__`` / ``__setitem__`` beyond the axis-0 views handled in ndarray.py."""
import sys

import numpy as np

from .. import engine
from ..base import MXNetError, _MXNetValueError, numeric_types, integer_types
from ..backend import for_context
from ..ops.subscript import Slot, _fill, result_shape
from ..ops.registry import get_op
from .imperative import invoke, _RUN_NOW_MAX
from ..autograd import _state as _autograd_state, _check_assign
from ..context import cpu
from .ndarray import NDArray, Chunk, array, inline_hint

__all__ = ["getitem", "setitem", "get_indexing_dispatch_code", "get_oshape_of_gather_nd_op",
           "indexing_key_expand_implicit_axes"]


_LEGACY_BOOL_INDEX = ("Cannot perform boolean indexing in legacy mode. Please activate numpy semantics by "
                      "calling `npx.set_np()` in the global scope before calling this function.")


def _normalize(arr, key):
    """Replace NDArray / list index arrays by Slots; returns (key, index NDArrays)."""
    arrays = []

    def conv(k):
        if isinstance(k, NDArray):
            if k.dtype == np.bool_:         # (mx.nd arrays: MXNet 1.9.1's legacy-mode error)
                from ..util import is_np_array
                if not is_np_array():
                    raise ValueError(_LEGACY_BOOL_INDEX)
            arrays.append(k)
            return Slot(len(arrays) - 1)
        if isinstance(k, (list, np.ndarray)):
            arrays.append(array(np.asarray(k), ctx=arr.context, dtype=np.int64))
            return Slot(len(arrays) - 1)
        if isinstance(k, (slice, type(None), type(Ellipsis))) or isinstance(k, integer_types):
            return k
        raise IndexError("NDArray does not support index type {}".format(type(k).__name__))

    if isinstance(key, tuple):
        key = tuple(conv(k) for k in key)
    else:
        key = conv(key)
    _check_bounds(arr.shape, key)
    return key, arrays


def _check_bounds(shape, key):
    parts = key if isinstance(key, tuple) else (key,)
    dim = 0
    for k in parts:
        if k is None:
            continue
        if k is Ellipsis:
            dim = len(shape) - sum(1 for p in parts if p is not None and p is not Ellipsis)
            continue
        if dim >= len(shape):
            raise IndexError("too many indices ({}) for array of shape {}".format(len(parts), shape))
        if isinstance(k, integer_types) and not -shape[dim] <= k < shape[dim]:
            raise IndexError("index {} is out of bounds for axis {} with size {}".format(k, dim, shape[dim]))
        dim += 1


def getitem(arr, key):
    """``arr[key]`` as a copy (basic views are handled by NDArray.__getitem__)."""
    key, arrays = _normalize(arr, key)
    if isinstance(key, tuple) and not arrays and key and isinstance(key[0], integer_types) and arr.ndim > 1:
        # x[i, ...]: take the axis-0 view, then index the rest.
        return arr[key[0]][key[1:]] if len(key) > 1 else arr[key[0]]
    return invoke(get_op("_getitem"), [arr] + arrays, {"key": key, "num_args": 1 + len(arrays)})


def setitem(arr, key, value):
    """``arr[key] = value`` in place (value: scalar, NDArray or array-like), through the engine."""
    if _autograd_state.recording:
        _check_assign([arr], "__setitem__")
    if isinstance(key, tuple) and not key:
        key = slice(None)
    if isinstance(key, slice) and key == _ALL and arr._view is None:
        # the hot paths of W[:] = W - G * lr and ex.arg_dict['data'][:] = batch
        if isinstance(value, NDArray) and value._shape == arr._shape and \
                (value._ctx is arr._ctx or value._ctx == arr._ctx):
            return _assign_whole(arr, value)
        if isinstance(value, np.ndarray) and value.shape == arr._shape and arr._ctx.device_type != "gpu":
            return _assign_host(arr, np.array(value, dtype=arr._dtype))   # copied now, as MXNet does
    nkey, arrays = _normalize(arr, key)
    reads = [a._var for a in arrays]
    if isinstance(value, NDArray):
        if value.context != arr.context:
            value = value.as_in_context(arr.context)
        src = value
        reads.append(value._var)
    elif isinstance(value, numeric_types):
        src = value
    else:
        src = array(np.asarray(value), ctx=arr.context, dtype=arr.dtype)
        reads.append(src._var)
    target_shape = _target_shape(arr, nkey, arrays)
    value_shape = None
    if isinstance(src, NDArray):
        value_shape = tuple(src.shape)
        while len(value_shape) > len(target_shape) and value_shape[0] == 1:
            value_shape = value_shape[1:]     # x1d[i] = nd.array([5.]): MXNet drops leading 1s
        try:
            ok = np.broadcast_shapes(value_shape, target_shape) == tuple(target_shape)
        except ValueError:
            ok = False
        if not ok:
            raise _MXNetValueError("cannot assign a value of shape {} to a region of shape {} (index {!r})".format(
                src.shape, target_shape, key))
    dtype = arr._dtype
    whole = (nkey == slice(None) or nkey == Ellipsis) and not arrays and arr._view is None
    # (pending lazy work holding the old memory keeps it: a whole write then gives new memory)
    keep = whole and arr._chunk.var.lazy_in is not None
    xp = for_context(arr.context).xp

    def run():
        v = src._read() if isinstance(src, NDArray) else src
        if value_shape is not None and v.shape != value_shape:
            v = v.reshape(value_shape)
        if whole:
            data = arr._chunk.data
            if data is not None and data.shape == arr.shape and not keep:   # owned storage: in place
                data[...] = v
            else:
                arr._chunk.data = xp.array(xp.broadcast_to(xp.asarray(v, dtype=dtype), arr.shape), dtype=dtype)
        else:
            arr._read()[_fill(nkey, [a._read() for a in arrays], xp)] = v

    engine.push(run, reads, [arr._var], arr.context, inline=inline_hint(arr.context, arr.size), name="_set_item",
                replaces=(arr._var,) if keep else ())


_ALL = slice(None)


def _assign_whole(arr, value):
    refs = sys.getrefcount(value)
    if _calibration is not None:
        _calibration.append(refs)
    limit = _TEMP_REFS if _TEMP_REFS is not None else _temp_refs()
    dtype = arr._dtype
    # ``W[:] = W - G * lr``: the right side is a temporary nobody else can reach, so W may take
    # its freshly computed buffer instead of copying it (one pass less per update).
    steal = (refs <= limit and value._dtype == dtype and type(value) is NDArray and value._view is None
             and sys.getrefcount(value._chunk) <= 2)
    var = arr._chunk.var
    keep = var.lazy_in is not None   # pending lazy work holds the old memory: never overwrite it

    def run():
        v = value._read()
        data = arr._chunk.data
        # (references: the chunk, the local, the argument -- no outside holder of either buffer:
        # a store that gave out W's memory, a NumPy view or a DLPack consumer keeps W in place;
        # with ``keep`` W gets new memory anyway, so the old buffer's holders do not matter)
        if steal and v.shape == arr._shape and v.flags.c_contiguous and v.base is None \
                and sys.getrefcount(v) <= 3 and (keep or data is None or sys.getrefcount(data) <= 3):
            arr._chunk.data = v
            return
        if data is not None and data.shape == arr._shape and not keep:   # owned storage: in place
            data[...] = v
        else:
            arr._chunk.data = v.astype(dtype, copy=True)

    src = value._chunk.var
    eng = engine.caller_engine()
    if eng is not None and arr._ctx.device_typeid == 1 and (steal or arr.size <= _RUN_NOW_MAX):
        # What the engine's inline path would do, without building the push: run now when
        # nothing is pending on either array (taking the buffer is O(1) whatever the size).
        with eng._lock:
            if src.lazy is None and var.lazy is None and engine.ThreadedEngine._ready_now((src,), (var,)):
                if keep:        # W gets new memory: lazy work holding the old one lets go of W
                    engine.detach_lazy_inputs(var)
                eng._run(run, (src,), (var,), "_set_item")
                return
    engine.push(run, [src], [var], arr._ctx, inline=inline_hint(arr._ctx, 0 if steal else arr.size),
                name="_set_item", replaces=(var,) if keep else ())


_TEMP_REFS = None     # references an unnamed temporary has in _assign_whole (see _temp_refs)
_calibration = None


def _temp_refs():
    """How many references ``value`` has in ``_assign_whole`` for ``x[:] = <expression>``,
    measured once on this interpreter by assigning a temporary and a named array; 0 (never take
    the buffer) when the two cannot be told apart."""
    global _TEMP_REFS, _calibration
    _TEMP_REFS = 0            # (the probe assignments below copy)
    seen = _calibration = []
    try:
        ctx = cpu()
        a = NDArray(Chunk(np.zeros(1, np.float32)), (1,), np.dtype(np.float32), ctx)
        a[:] = NDArray(Chunk(np.zeros(1, np.float32)), (1,), np.dtype(np.float32), ctx)
        named = NDArray(Chunk(np.zeros(1, np.float32)), (1,), np.dtype(np.float32), ctx)
        a[:] = named
    finally:
        _calibration = None
    temp, kept = seen
    _TEMP_REFS = temp if temp < kept else 0
    return _TEMP_REFS


def _assign_host(arr, owned):
    def run():
        arr._chunk.data = owned     # a fresh copy: the array now owns it

    var = arr._chunk.var
    engine.push(run, [], [var], arr._ctx, inline=inline_hint(arr._ctx, 0), name="_set_item",
                replaces=(var,))


def _target_shape(arr, key, arrays):
    return result_shape(arr.shape, key, [a.shape for a in arrays])


# -- MXNet's indexing helpers (mx.nd.get_indexing_dispatch_code, ...) ----------------------------
_NDARRAY_UNSUPPORTED_INDEXING = -1
_NDARRAY_BASIC_INDEXING = 0
_NDARRAY_ADVANCED_INDEXING = 1
_NDARRAY_EMPTY_TUPLE_INDEXING = 2
_NDARRAY_NO_ZERO_DIM_BOOL_ARRAY = -1
_NDARRAY_ZERO_DIM_BOOL_ARRAY_FALSE = 0
_NDARRAY_ZERO_DIM_BOOL_ARRAY_TRUE = 1


def get_indexing_dispatch_code(key):
    """Returns a dispatch code for calling basic or advanced indexing functions.

    ``key`` is a tuple. The first array, list, tuple or range in it makes the code 1 (advanced
    indexing; 2 for an empty tuple); ints, slices and None only give 0 (basic). Any other entry
    met before raises ValueError."""
    assert isinstance(key, tuple)
    for idx in key:
        if isinstance(idx, (NDArray, np.ndarray, list, tuple, range)):
            if isinstance(idx, tuple) and len(idx) == 0:
                return _NDARRAY_EMPTY_TUPLE_INDEXING
            return _NDARRAY_ADVANCED_INDEXING
        if not (idx is None or isinstance(idx, (slice, integer_types))):
            raise ValueError("NDArray does not support slicing with key {} of type {}.".format(
                idx, type(idx)))
    return _NDARRAY_BASIC_INDEXING


def get_oshape_of_gather_nd_op(dshape, ishape):
    """Given data and index shapes, get the output `NDArray` shape of ``gather_nd``:
    ``ishape[1:] + dshape[ishape[0]:]``."""
    assert len(dshape) > 0 and len(ishape) > 0
    return tuple(ishape[1:]) + tuple(dshape[ishape[0]:])


def indexing_key_expand_implicit_axes(key, shape):
    """Make implicit axes explicit: returns ``(key, flag)`` with ``key`` a tuple where ``...`` (or,
    without one, the missing trailing axes) became ``slice(None)`` entries.

    Python bools and 0-d boolean NDArrays are taken out of the key; ``flag`` is the value of the
    last one (1 True, 0 False) or -1 when there is none. A boolean NDArray must match the sizes of
    the axes it indexes (IndexError otherwise); with NumPy semantics (``npx.set_np()``) it is
    replaced by its ``nonzero()`` index arrays, in legacy mode it raises ValueError. Other entries
    are kept as they are, each indexing one axis."""
    from ..util import is_np_array
    if not isinstance(key, tuple):
        key = (key,)
    flag = _NDARRAY_NO_ZERO_DIM_BOOL_ARRAY
    entries, ellipsis_at, consumed = [], None, 0
    for idx in key:
        is_bool_nd = isinstance(idx, NDArray) and idx.dtype == np.bool_
        if isinstance(idx, bool) or (is_bool_nd and idx.ndim == 0):
            flag = int(bool(idx.asscalar() if is_bool_nd else idx))
        elif idx is Ellipsis:
            if ellipsis_at is not None:
                raise IndexError("Cannot use more than one ellipsis (`...`) for indexing")
            ellipsis_at = len(entries)
        else:
            entries.append(idx)
            consumed += 0 if idx is None else (idx.ndim if is_bool_nd else 1)
    fill = [slice(None)] * max(len(shape) - consumed, 0)
    if ellipsis_at is None:
        entries += fill
    else:
        entries[ellipsis_at:ellipsis_at] = fill
    expanded, axis = [], 0
    for idx in entries:
        if isinstance(idx, NDArray) and idx.dtype == np.bool_:
            for i, size in enumerate(idx.shape):
                if axis + i >= len(shape):
                    raise IndexError("too many indices for array: array is {}-dimensional, but {} were "
                                     "indexed".format(len(shape), axis + idx.ndim))
                if size != shape[axis + i]:
                    raise IndexError("boolean index did not match indexed array along axis {}; size is {} "
                                     "but corresponding boolean size is {}".format(
                                         axis + i, shape[axis + i], size))
            if not is_np_array():
                raise ValueError(_LEGACY_BOOL_INDEX)
            expanded += list(idx.as_np_ndarray().nonzero())
            axis += idx.ndim
        else:
            expanded.append(idx)
            axis += idx is not None
    return tuple(expanded), flag
