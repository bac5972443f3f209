"""DLPack exchange (``mx.nd.from_dlpack``, ``to_dlpack_for_read``, ``to_dlpack_for_write``) and
``mx.nd.CachedOp`` (a Symbol run as one engine op on NDArrays).

As in MXNet, a capsule is a view of the array's memory, not a copy: ``to_dlpack_for_*`` return a
``"dltensor"`` PyCapsule of the array's storage (``_for_read`` after its pending writes,
``_for_write`` after its pending reads and writes; both capsules allow writing, as in MXNet), and
``from_dlpack`` wraps a capsule (MXNet's, NumPy's, PyTorch's...), or any object with
``__dlpack__``, as an NDArray sharing that memory. A capsule can be consumed once.

Keeping the memory shared: NDArray kernels return new arrays that usually *replace* a chunk's
storage, so an exported array and an array made from external memory get an identity reshape
view (``_pin``): every write path then writes through the view into the same buffer. A capsule
exported here and consumed by ``from_dlpack`` gives an NDArray on the exporter's own chunk (same
storage, same engine variable, so reads and writes stay ordered); the capsule's context pointer
carries the tag that finds it (``_EXPORTS``).
"""
import ctypes
import itertools
import threading
import weakref

import numpy as np

from .. import engine
from ..base import MXNetError
from ..context import cpu, gpu, current_context
from .ndarray import NDArray, Chunk

__all__ = ["from_dlpack", "to_dlpack_for_read", "to_dlpack_for_write", "CachedOp"]

_KDL_CPU, _KDL_CUDA, _KDL_CUDA_HOST = 1, 2, 3

_capi = ctypes.pythonapi
_get_pointer = _capi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_is_valid = _capi.PyCapsule_IsValid
_is_valid.restype = ctypes.c_int
_is_valid.argtypes = [ctypes.py_object, ctypes.c_char_p]
_get_context = _capi.PyCapsule_GetContext
_get_context.restype = ctypes.c_void_p
_get_context.argtypes = [ctypes.py_object]
_set_context = _capi.PyCapsule_SetContext
_set_context.restype = ctypes.c_int
_set_context.argtypes = [ctypes.py_object, ctypes.c_void_p]


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLTensorHead(ctypes.Structure):        # DLTensor's first fields: void* data; DLDevice device
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice)]


# -- export ---------------------------------------------------------------------------------------
# tag (the capsule's context pointer) -> (weakref to the exporter's chunk, view, shape, dtype, ctx)
_EXPORTS = {}
_EXPORTS_LOCK = threading.Lock()
_TAGS = itertools.count(1)
_prune_at = 64
_EXPORTS_MAX = 4096


def _pin(arr):
    """Give a whole (unviewed) dense array an identity reshape view, so that writes to it go into
    its current buffer instead of replacing it (the buffer is shared through DLPack)."""
    if arr._view is None:
        arr._view = (("r", arr._shape),)


def _export(data):
    if getattr(data, "stype", "default") != "default":   # sparse: a capsule of its dense form (a copy)
        return data._read().__dlpack__()
    _pin(data)
    arr = data._read()
    try:
        capsule = arr.__dlpack__()
    except (BufferError, TypeError):      # (NumPy < 1.25 raises TypeError for read-only arrays)
        if getattr(arr.flags, "writeable", True):
            raise
        # read-only storage (a buffer adopted from outside): own a writable copy, then share it
        chunk = data._chunk
        chunk.data = chunk.data.copy()
        capsule = data._read().__dlpack__()
    _tag(capsule, data)
    return capsule


def _tag(capsule, data):
    """Remember that ``capsule`` views ``data``'s chunk (if the producer left its context free)."""
    global _prune_at
    if _get_context(capsule):
        return
    tag = next(_TAGS)
    entry = (weakref.ref(data._chunk), data._view, data._shape, data._dtype, data._ctx)
    with _EXPORTS_LOCK:
        _EXPORTS[tag] = entry
        if len(_EXPORTS) > _prune_at:
            # capsules dropped or consumed elsewhere leave their entries: forget those of dead
            # chunks and, past _EXPORTS_MAX, the oldest (their capsules then wrap the memory as
            # any outside capsule does: still shared, only not ordered by one engine variable)
            for k in [k for k, e in _EXPORTS.items() if e[0]() is None]:
                del _EXPORTS[k]
            if len(_EXPORTS) > _EXPORTS_MAX // 2:
                for k in list(_EXPORTS)[:len(_EXPORTS) - _EXPORTS_MAX // 2]:
                    del _EXPORTS[k]
            _prune_at = min(2 * len(_EXPORTS) + 64, _EXPORTS_MAX)
    _set_context(capsule, tag)


def _take_export(capsule):
    """The NDArray sharing the chunk a capsule of ours views, or None (an outside capsule, or
    its array is gone)."""
    tag = _get_context(capsule)
    if not tag:
        return None
    with _EXPORTS_LOCK:
        entry = _EXPORTS.pop(tag, None)
    if entry is None:
        return None
    ref, view, shape, dtype, ctx = entry
    chunk = ref()
    return None if chunk is None else NDArray(chunk, shape, dtype, ctx, view)


def to_dlpack_for_read(data):
    """Returns a reference view of NDArray that represents as DLManagedTensor until all previous
    write operations on the current array are finished.

    >>> x = mx.nd.ones((2,3))
    >>> z = mx.nd.from_dlpack(mx.nd.to_dlpack_for_read(x))     # shares x's memory
    """
    if not isinstance(data, NDArray):
        raise TypeError("to_dlpack_for_read: expected an NDArray, got {}".format(type(data).__name__))
    data.wait_to_read()
    return _export(data)


def to_dlpack_for_write(data):
    """Returns a reference view of NDArray that represents as DLManagedTensor until all previous
    read/write operations on the current array are finished.

    >>> x = mx.nd.ones((2,3))
    >>> u = mx.nd.from_dlpack(mx.nd.to_dlpack_for_write(x))
    >>> u += 1                                                  # x is now all 2
    """
    if not isinstance(data, NDArray):
        raise TypeError("to_dlpack_for_write: expected an NDArray, got {}".format(type(data).__name__))
    var = data._chunk.var
    engine.push(lambda: None, (), (var,), data.context, name="to_dlpack_for_write")
    engine.wait_for_var(var)
    return _export(data)


# -- import ---------------------------------------------------------------------------------------
def _capsule_device(capsule):
    """(DLPack device type, id) of an unconsumed ``"dltensor"`` capsule."""
    if not _is_valid(capsule, b"dltensor"):
        raise AssertionError("Invalid DLPack Tensor. DLTensor capsules can be consumed only once.")
    head = _DLTensorHead.from_address(_get_pointer(capsule, b"dltensor"))
    return head.device.device_type, head.device.device_id


class _Capsule:
    """A legacy capsule behind the ``__dlpack__`` protocol that ``numpy.from_dlpack`` expects."""

    def __init__(self, capsule, device):
        self._capsule = capsule
        self._device = device

    def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
        return self._capsule

    def __dlpack_device__(self):
        return self._device


class _WritableView:
    """Exposes the memory of a read-only array through ``__array_interface__`` as writable, and
    keeps that array (and so the capsule owning the memory) alive while the view lives."""

    def __init__(self, arr):
        self._arr = arr
        self.__array_interface__ = {"shape": arr.shape, "typestr": arr.dtype.str, "descr": arr.dtype.descr,
                                    "strides": arr.strides, "data": (arr.ctypes.data, False), "version": 3}


def _writable(arr):
    """``arr`` (a NumPy array of writable memory that NumPy marked read-only: from a legacy
    capsule, which cannot say whether the memory is read-only, NumPy 2 makes read-only arrays)
    as a writable array on the same memory."""
    if arr.flags.writeable:
        return arr
    if arr.size == 0:
        return np.empty(arr.shape, arr.dtype)
    return np.asarray(_WritableView(arr))


def _device_array(source, dev_type, dev_id):
    """(backing array, Context) of a DLPack producer ``source`` (legacy capsule or object)."""
    if dev_type in (_KDL_CPU, _KDL_CUDA_HOST):
        return np.from_dlpack(source), cpu(0)
    if dev_type == _KDL_CUDA:
        from ..backend import _load_cupy
        cp = _load_cupy()
        if cp is None:
            raise MXNetError("from_dlpack: a CUDA tensor needs CuPy, which is not available")
        with cp.cuda.Device(dev_id):
            return cp.from_dlpack(source), gpu(dev_id)
    raise MXNetError("from_dlpack: unsupported DLPack device type {}".format(dev_type))


def _share_host_array(arr):
    """An NDArray on cpu(0) backed by the memory of NumPy array ``arr`` (``mx.nd.from_numpy``)."""
    return _wrap(np.asarray(_WritableView(arr)) if arr.size else np.array(arr, copy=True), cpu(0))


def _wrap(arr, ctx):
    out = NDArray(Chunk(arr), tuple(int(s) for s in arr.shape), np.dtype(arr.dtype), ctx)
    _pin(out)           # in-place writes must land in the shared memory
    return out


def from_dlpack(dlpack):
    """Returns a NDArray backed by a dlpack tensor: a ``"dltensor"`` PyCapsule (from
    ``to_dlpack_for_read`` / ``to_dlpack_for_write``, ``torch.utils.dlpack.to_dlpack``...) or
    an object with ``__dlpack__`` (a NumPy array...), sharing its memory. Writes through either
    side show in the other; a read-only producer (a read-only NumPy array) is copied.

    >>> x = mx.nd.ones((2,3))
    >>> u = mx.nd.from_dlpack(x.to_dlpack_for_write())
    >>> u += 1                                                  # x is now all 2
    """
    if type(dlpack).__name__ == "PyCapsule":
        capsule = dlpack
    elif hasattr(dlpack, "__dlpack__") and hasattr(dlpack, "__dlpack_device__"):
        dev_type, dev_id = (int(v) for v in dlpack.__dlpack_device__()[:2])
        if dev_type == _KDL_CUDA:
            arr, ctx = _device_array(dlpack, dev_type, dev_id)
            return _wrap(arr, ctx)
        try:
            capsule = dlpack.__dlpack__()      # legacy "dltensor": memory the producer lets us write
        except (BufferError, TypeError):       # a read-only producer (NumPy < 1.25: TypeError)
            try:
                arr = np.from_dlpack(dlpack)
            except (BufferError, TypeError):   # (NumPy 1.x imports no read-only producer either)
                arr = np.asarray(dlpack)
            if not arr.flags.writeable:        # MXNet arrays are writable: take a copy
                arr = np.array(arr, copy=True)
            return _wrap(arr, cpu(0))
    else:
        raise TypeError("from_dlpack: expected a DLPack capsule or an object with __dlpack__, got {}"
                        .format(type(dlpack).__name__))
    dev_type, dev_id = (int(v) for v in _capsule_device(capsule))
    own = _take_export(capsule)
    arr, ctx = _device_array(_Capsule(capsule, (dev_type, dev_id)), dev_type, dev_id)   # consumes it
    if own is not None:
        return own                             # one of ours: the exporter's own storage
    if ctx.device_typeid == 1:
        arr = _writable(arr)
    return _wrap(arr, ctx)


class _AuxSlot:
    """Stands in for a Parameter in _CachedGraph: ``data(ctx)`` is this call's auxiliary array."""
    __slots__ = ("value",)

    def __init__(self):
        self.value = None

    def data(self, ctx=None):
        return self.value


class CachedOp:
    """A Symbol compiled once and called on NDArrays: ``CachedOp(sym)(*inputs)``, the inputs in
    ``sym.list_inputs()`` order (arguments and auxiliary states). Returns one NDArray, or a list
    for several outputs; ``out=`` writes into given arrays. Recorded by autograd as one op.
    ``flags`` (``static_alloc``, ``static_shape``, ...) are accepted and have no effect."""

    def __init__(self, sym, flags=()):
        from ..gluon.block import _CachedGraph
        from ..symbol import Symbol
        if not isinstance(sym, Symbol):
            raise TypeError("CachedOp: expected a Symbol, got {}".format(type(sym).__name__))
        self._flags = {str(k): v for k, v in (flags.items() if isinstance(flags, dict) else flags)}
        self._input_names = sym.list_inputs()
        aux = set(sym.list_auxiliary_states())
        self._arg_pos = [i for i, n in enumerate(self._input_names) if n not in aux]
        self._aux = [(i, n) for i, n in enumerate(self._input_names) if n in aux]
        self._slots = {n: _AuxSlot() for _, n in self._aux}
        self._graph = _CachedGraph(sym, [self._input_names[i] for i in self._arg_pos], self._slots)
        self._num_outputs = len(sym.list_outputs())

    def __call__(self, *args, **kwargs):
        out = kwargs.pop("out", None)
        default_ctx = kwargs.pop("default_ctx", None)
        if kwargs:
            raise TypeError("CachedOp.__call__ got unexpected keyword argument(s): " + ", ".join(kwargs.keys()))
        if len(args) != len(self._input_names):
            raise MXNetError("CachedOp: Check failed: inputs.size() == num_inputs() ({} vs. {}): the symbol "
                             "takes inputs {}".format(len(args), len(self._input_names), self._input_names))
        for a, n in zip(args, self._input_names):
            if not isinstance(a, NDArray):
                raise TypeError("CachedOp: input {} must be an NDArray, got {}".format(n, type(a).__name__))
        ctx = args[0].context if args else (default_ctx or current_context())
        for i, n in self._aux:
            self._slots[n].value = args[i]
        try:
            outs = self._graph([args[i] for i in self._arg_pos], ctx)
        finally:
            for slot in self._slots.values():
                slot.value = None
        if out is not None:
            targets = [out] if isinstance(out, NDArray) else list(out)
            if len(targets) != len(outs):
                raise MXNetError("CachedOp: expected {} output array(s), got {}".format(len(outs), len(targets)))
            for src, dst in zip(outs, targets):
                src.copyto(dst)
            return out
        return outs[0] if len(outs) == 1 else outs
