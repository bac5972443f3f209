"""Array libraries behind contexts: NumPy for cpu contexts, CuPy for gpu contexts.

Kernels are written once against ``xp`` (``backend.xp``); everything that differs between
NumPy and CuPy (moving data between devices, synchronising, memory pools) lives here.
"""
import numpy as np

from ..base import MXNetError

__all__ = ["Backend", "for_context", "gpu_count", "to_numpy", "array_module", "add_at"]


class Backend:
    """What ops need to know about one device: its array module and data movement."""
    __slots__ = ("xp", "ctx", "is_gpu")

    def __init__(self, xp, ctx, is_gpu):
        self.xp = xp
        self.ctx = ctx
        self.is_gpu = is_gpu

    def asarray(self, data, dtype=None):
        """Copy host or foreign-device data onto this device (always a new array)."""
        if self.is_gpu:
            with self.xp.cuda.Device(self.ctx.device_id):
                return self.xp.array(data, dtype=dtype)
        return np.array(to_numpy(data), dtype=dtype)

    def synchronize(self):
        if self.is_gpu:
            self.xp.cuda.Device(self.ctx.device_id).synchronize()

    def device_scope(self):
        """Context manager making this device current for kernel launches."""
        if self.is_gpu:
            return self.xp.cuda.Device(self.ctx.device_id)
        return _NULL_SCOPE

    def empty_cache(self):
        if self.is_gpu:
            self.xp.get_default_memory_pool().free_all_blocks()

    def memory_info(self):
        if not self.is_gpu:
            raise MXNetError("memory_info is only available for gpu contexts")
        with self.xp.cuda.Device(self.ctx.device_id):
            return self.xp.cuda.runtime.memGetInfo()


class _NullScope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NULL_SCOPE = _NullScope()
_backends = {}
_cupy = None
_cupy_error = None


def _load_cupy():
    global _cupy, _cupy_error
    if _cupy is None and _cupy_error is None:
        try:
            import cupy
            cupy.cuda.runtime.getDeviceCount()
            _cupy = cupy
        except Exception as e:  # ImportError, or CUDA driver/runtime missing
            _cupy_error = e
    return _cupy


def gpu_count():
    """Number of CUDA devices CuPy sees; 0 when CuPy or a GPU is missing."""
    cp = _load_cupy()
    return 0 if cp is None else cp.cuda.runtime.getDeviceCount()


def for_context(ctx):
    """The Backend of ``ctx``; raises MXNetError for a GPU that cannot be used."""
    b = ctx._backend
    if b is not None:
        return b
    b = _backends.get(ctx)
    if b is not None:
        ctx._backend = b
        return b
    if ctx.device_type == "gpu":
        cp = _load_cupy()
        if cp is None:
            raise MXNetError(
                "cannot use {}: GPU support needs CuPy and an NVIDIA GPU "
                "(pip install neomx[gpu]); CuPy import failed: {}".format(ctx, _cupy_error))
        n = cp.cuda.runtime.getDeviceCount()
        if ctx.device_id >= n:
            raise MXNetError("cannot use {}: only {} GPU(s) visible".format(ctx, n))
        b = Backend(cp, ctx, True)
    else:
        b = Backend(np, ctx, False)
    _backends[ctx] = ctx._backend = b
    return b


def to_numpy(data):
    """A NumPy view/copy of a NumPy or CuPy array (copies device data to the host)."""
    if isinstance(data, np.ndarray):
        return data
    get = getattr(data, "get", None)
    if get is not None and type(data).__module__.startswith("cupy"):
        return get()
    return np.asarray(data)


def array_module(arr):
    """numpy or cupy, whichever owns ``arr``."""
    if isinstance(arr, np.ndarray) or np.isscalar(arr):
        return np
    cp = _load_cupy()
    if cp is not None and isinstance(arr, cp.ndarray):
        return cp
    return np


def add_at(xp, target, index, values):
    """Unbuffered ``target[index] += values`` (repeated indices accumulate), for NumPy and CuPy."""
    if xp is np:
        np.add.at(target, index, values)
        return
    if target.dtype == np.float16:  # accumulate half precision in float32 on the GPU
        wide = target.astype(np.float32)
        add_at(xp, wide, index, values.astype(np.float32))
        target[...] = wide.astype(np.float16)
        return
    try:
        xp.add.at(target, index, values)
    except (AttributeError, NotImplementedError, TypeError):
        import cupyx
        cupyx.scatter_add(target, index, values)
