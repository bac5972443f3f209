"""The CPU BLAS thread count (OpenBLAS as bundled with NumPy), read and set at run time.

A multi-threaded BLAS called from the engine's threads oversubscribes small machines: on this
project's 2-core reference machine a busy neighbour process made 2-thread OpenBLAS GEMMs up to
10x slower, while 1 thread stayed steady. ``MXNET_BLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``)
sets the count when mxnet is imported; without either, the BLAS default is left alone.
"""
import ctypes
import os

__all__ = ["get_num_threads", "set_num_threads"]

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")
_lib = None


def _openblas():
    global _lib
    if _lib is None:
        _lib = False
        try:
            with open("/proc/self/maps") as f:
                paths = sorted({line.split()[-1] for line in f if "openblas" in line.lower() and "/" in line})
        except OSError:
            paths = []
        for p in paths:
            try:
                lib = ctypes.CDLL(p)
            except OSError:
                continue
            if any(hasattr(lib, n) for n in _SETTERS):
                _lib = lib
                break
    return _lib or None


def get_num_threads():
    """Threads the BLAS uses (None when it cannot be queried)."""
    lib = _openblas()
    if lib is None:
        return None
    for n in _GETTERS:
        if hasattr(lib, n):
            return int(getattr(lib, n)())
    return None


def set_num_threads(n):
    """Set the BLAS thread count; returns False when the BLAS offers no control."""
    lib = _openblas()
    if lib is None:
        return False
    for name in _SETTERS:
        if hasattr(lib, name):
            getattr(lib, name)(int(n))
            return True
    return False


def configure_from_env():
    value = os.environ.get("MXNET_BLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    if value:
        try:
            set_num_threads(max(1, int(value)))
        except ValueError:
            pass
