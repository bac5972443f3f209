"""DLPack exchange (``mx.nd.from_dlpack``, ``to_dlpack_for_read``, ``to_dlpack_for_write``) and
``mx.nd.CachedOp`` (a Symbol run as one engine op on NDArrays).

DLPack goes through NumPy's / CuPy's DLPack support: ``to_dlpack_for_*`` return a ``"dltensor"``
PyCapsule of the array's current storage (after waiting for its pending writes; ``_for_write``
also waits for pending reads), and ``from_dlpack`` wraps a capsule, or any object with
``__dlpack__``, as an NDArray sharing its memory. As in MXNet, a capsule can be consumed once.
"""
import ctypes

import numpy as np

from .. import engine
from ..base import MXNetError
from ..context import Context, current_context
from .ndarray import NDArray, Chunk

__all__ = ["from_dlpack", "to_dlpack_for_read", "to_dlpack_for_write", "CachedOp"]

_KDL_CPU, _KDL_CUDA, _KDL_CUDA_HOST = 1, 2, 3


def _export(data):
    arr = data._read()
    try:
        return arr.__dlpack__()
    except BufferError:           # e.g. a read-only NumPy buffer: export a private copy
        return arr.copy().__dlpack__()


def to_dlpack_for_read(data):
    """A DLPack capsule (``"dltensor"``) of ``data`` for reading, after its pending writes finished.

    >>> x = mx.nd.ones((2, 3)); z = mx.nd.from_dlpack(mx.nd.to_dlpack_for_read(x))"""
    if not isinstance(data, NDArray):
        raise TypeError("to_dlpack_for_read: expected an NDArray, got {}".format(type(data).__name__))
    data.wait_to_read()
    return _export(data)


def to_dlpack_for_write(data):
    """A DLPack capsule (``"dltensor"``) of ``data`` for writing, after its pending reads and
    writes finished; writes through it show in ``data`` until the next op replaces its storage."""
    if not isinstance(data, NDArray):
        raise TypeError("to_dlpack_for_write: expected an NDArray, got {}".format(type(data).__name__))
    var = data._chunk.var
    engine.push(lambda: None, (), (var,), data.context, name="to_dlpack_for_write")
    engine.wait_for_var(var)
    return _export(data)


_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_is_valid = ctypes.pythonapi.PyCapsule_IsValid
_is_valid.restype = ctypes.c_int
_is_valid.argtypes = [ctypes.py_object, ctypes.c_char_p]


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLTensorHead(ctypes.Structure):        # DLTensor's first fields: void* data; DLDevice device
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice)]


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


def from_dlpack(dlpack):
    """An NDArray sharing the memory of a DLPack capsule (from ``to_dlpack_for_read`` /
    ``to_dlpack_for_write``, ``torch.utils.dlpack.to_dlpack``...) or of an object with
    ``__dlpack__`` (NumPy, CuPy, PyTorch arrays)."""
    if type(dlpack).__name__ == "PyCapsule":
        dev_type, dev_id = _capsule_device(dlpack)
        source = _Capsule(dlpack, (dev_type, dev_id))
    elif hasattr(dlpack, "__dlpack__") and hasattr(dlpack, "__dlpack_device__"):
        source = dlpack
        dev_type, dev_id = dlpack.__dlpack_device__()[:2]
    else:
        raise TypeError("from_dlpack: expected a DLPack capsule or an object with __dlpack__, got {}"
                        .format(type(dlpack).__name__))
    dev_type, dev_id = int(dev_type), int(dev_id)
    if dev_type in (_KDL_CPU, _KDL_CUDA_HOST):
        arr, ctx = np.from_dlpack(source), Context("cpu", 0)
    elif dev_type == _KDL_CUDA:
        from ..backend import _load_cupy
        cp = _load_cupy()
        if cp is None:
            raise MXNetError("from_dlpack: a CUDA tensor needs CuPy, which is not available")
        ctx = Context("gpu", dev_id)
        with cp.cuda.Device(dev_id):
            arr = cp.from_dlpack(source)
    else:
        raise MXNetError("from_dlpack: unsupported DLPack device type {}".format(dev_type))
    return NDArray(Chunk(arr), tuple(int(s) for s in arr.shape), np.dtype(arr.dtype), ctx)


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
