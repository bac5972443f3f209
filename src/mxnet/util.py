"""Utilities: atomic file writes, np-shape switches, makedirs."""
import contextlib
import os
import tempfile
import threading

__all__ = ["atomic_write", "makedirs", "np_shape", "is_np_shape", "set_np_shape", "use_np_shape",
           "get_gpu_count", "get_gpu_memory"]

_state = threading.local()


def atomic_write(path, chunks, mode="wb"):
    """Write ``chunks`` (bytes or str pieces) to ``path`` through a temporary file and a rename,
    so a crash never leaves a truncated file in place of a good one."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=directory)
    try:
        with os.fdopen(fd, mode) as f:
            for c in chunks:
                f.write(c)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def makedirs(d):
    """Create directory ``d`` (and parents) if it does not exist."""
    os.makedirs(os.path.expanduser(d), exist_ok=True)


def is_np_shape():
    """Whether NumPy shape semantics (0-d arrays, zero-size dims) are on."""
    return getattr(_state, "np_shape", False)


def set_np_shape(active):
    """Turn NumPy shape semantics on/off; returns the previous state."""
    prev = is_np_shape()
    _state.np_shape = bool(active)
    return prev


@contextlib.contextmanager
def np_shape(active=True):
    """Scope with NumPy shape semantics on (``with mx.util.np_shape(True):``)."""
    prev = set_np_shape(active)
    try:
        yield
    finally:
        set_np_shape(prev)


def use_np_shape(func):
    """Decorator running ``func`` with NumPy shape semantics on."""
    def wrapper(*args, **kwargs):
        with np_shape(True):
            return func(*args, **kwargs)
    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def get_gpu_count():
    from .context import num_gpus
    return num_gpus()


def get_gpu_memory(gpu_dev_id):
    from .context import gpu_memory_info
    return gpu_memory_info(gpu_dev_id)
