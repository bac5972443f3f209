"""Utilities: atomic file writes, np-shape switches, makedirs."""
import contextlib
import functools
import os
import tempfile
import threading

__all__ = ["atomic_write", "makedirs", "np_shape", "is_np_shape", "set_np_shape", "use_np_shape",
           "np_array", "is_np_array", "use_np_array", "use_np", "set_np", "reset_np",
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


# The switches: set_np()/reset_np()/set_np_shape() set them for the process (DataLoader worker
# threads and processes see them, as in MXNet); the np_shape()/np_array() scopes and the use_np*
# decorators override them in the current thread only.
_global = {"np_shape": False, "np_array": False}


def is_np_shape():
    """Whether NumPy shape semantics (0-d arrays, zero-size dims) are on."""
    v = getattr(_state, "np_shape", None)
    return _global["np_shape"] if v is None else v


_np_array_used = False   # set once anything turns np-array semantics on: a cheap test for hot paths


def is_np_array():
    """Whether NumPy array semantics are on (``npx.set_np()``): Gluon blocks then take and
    return ``mx.np.ndarray``."""
    if not _np_array_used:
        return False
    v = getattr(_state, "np_array", None)
    return _global["np_array"] if v is None else v


def _set(kind, active):
    global _np_array_used
    if kind == "np_array" and active:
        _np_array_used = True
    _global[kind] = active
    if getattr(_state, kind, None) is not None:   # inside a scope: the scope sees it too
        setattr(_state, kind, active)


def set_np_shape(active):
    """Turn NumPy shape semantics on/off; returns the previous state. Turning them off while
    NumPy array semantics are on is an error (as in MXNet)."""
    active = bool(active)
    if not active and is_np_array():
        raise ValueError("NumPy Shape semantics is required in using NumPy array semantics.")
    prev = is_np_shape()
    _set("np_shape", active)
    return prev


def _set_np_array(active):
    prev = is_np_array()
    _set("np_array", bool(active))
    return prev


def set_np(shape=True, array=True):
    """Turn on NumPy shape and/or array semantics (``npx.set_np()``)."""
    if not shape and array:
        raise ValueError("NumPy Shape semantics is required in using NumPy array semantics.")
    _set("np_array", bool(array))
    _set("np_shape", bool(shape))


def reset_np():
    """Turn NumPy shape and array semantics off (MXNet 1.x's legacy mode)."""
    set_np(shape=False, array=False)


class _NpScope:
    """Context manager and decorator setting a semantics flag for a scope."""

    def __init__(self, kind, active):
        self._kind = kind
        self._active = bool(active)
        self._prev = None

    def __enter__(self):
        global _np_array_used
        if self._kind != "shape" and self._active:
            _np_array_used = True
        self._prev = (getattr(_state, "np_shape", None), getattr(_state, "np_array", None))
        if self._kind == "shape":
            _state.np_shape = self._active
        elif self._kind == "array":
            _state.np_array = self._active
        else:
            _state.np_shape = _state.np_array = self._active
        return self

    def __exit__(self, *exc):
        _state.np_shape, _state.np_array = self._prev

    def __call__(self, func):
        kind, active = self._kind, self._active

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with _NpScope(kind, active):
                return func(*args, **kwargs)
        return wrapper


def np_shape(active=True):
    """Scope with NumPy shape semantics on (``with mx.util.np_shape(True):``)."""
    return _NpScope("shape", active)


def np_array(active=True):
    """Scope with NumPy array semantics on (``with mx.util.np_array(True):``)."""
    return _NpScope("array", active)


def _wrap_class_or_func(kind, func):
    if isinstance(func, type):
        for name, method in list(vars(func).items()):
            if callable(method) and not isinstance(method, type) and \
                    (not name.startswith("__") or name in ("__init__", "__call__")):
                setattr(func, name, _NpScope(kind, True)(method))
            elif isinstance(method, property):
                setattr(func, name, property(
                    _NpScope(kind, True)(method.fget) if method.fget else None,
                    _NpScope(kind, True)(method.fset) if method.fset else None,
                    method.fdel, method.__doc__))
        return func
    if not callable(func):
        raise TypeError("use_np* decorators apply to functions and classes, got {!r}".format(func))
    return _NpScope(kind, True)(func)


def use_np_shape(func):
    """Decorator (function or class) running with NumPy shape semantics on."""
    return _wrap_class_or_func("shape", func)


def use_np_array(func):
    """Decorator (function or class) running with NumPy array semantics on."""
    return _wrap_class_or_func("array", func)


def use_np(func):
    """Decorator (function or class) running with NumPy shape and array semantics on."""
    return _wrap_class_or_func("both", func)


def get_gpu_count():
    from .context import num_gpus
    return num_gpus()


def get_gpu_memory(gpu_dev_id):
    from .context import gpu_memory_info
    return gpu_memory_info(gpu_dev_id)


# -- environment, modules and NumPy-ufunc keyword checks (MXNet's util.py names) ---------------
def getenv(name):
    """The value of environment variable ``name`` (a str), or None when it is not set."""
    return os.environ.get(name)


def setenv(name, value):
    """Set environment variable ``name`` to ``value`` (``None`` removes it)."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = str(value)


def get_cuda_compute_capability(ctx):
    """The compute capability of the GPU of ``ctx`` as an int (``major * 10 + minor``, e.g. 90)."""
    if getattr(ctx, "device_type", None) != "gpu":
        raise ValueError("Expecting a gpu context to get cuda compute capability, while received ctx {}"
                         .format(ctx))
    from .backend import _load_cupy
    cp = _load_cupy()
    if cp is None:
        raise RuntimeError("get_cuda_compute_capability: CUDA (CuPy) is not available")
    return int(cp.cuda.Device(ctx.device_id).compute_capability)


def set_module(module):
    """Decorator: set ``__module__`` of the decorated function or class to ``module``."""
    def decorator(func):
        if module is not None:
            func.__module__ = module
        return func
    return decorator


_np_ufunc_default_kwargs = {"where": True, "casting": "same_kind", "order": "K", "dtype": None, "subok": True}
_NP_UFUNC_DTYPES = None


def np_ufunc_legal_option(key, value):
    """Whether ``value`` is a value NumPy's ufuncs understand for keyword ``key``."""
    global _NP_UFUNC_DTYPES
    if key == "where":
        return True
    if key == "casting":
        return value in ("no", "equiv", "safe", "same_kind", "unsafe")
    if key == "order":
        return isinstance(value, str)
    if key == "dtype":
        if _NP_UFUNC_DTYPES is None:
            import numpy as _np
            names = ("int8", "uint8", "int32", "int64", "float16", "float32", "float64")
            _NP_UFUNC_DTYPES = frozenset([getattr(_np, n) for n in names] + [n for n in names if n != "float32"])
        try:
            return value in _NP_UFUNC_DTYPES
        except TypeError:
            return False
    if key == "subok":
        return isinstance(value, bool)
    return False


def _check_ufunc_kwargs(name, kwargs, suffix):
    for key, value in kwargs.items():
        if key not in _np_ufunc_default_kwargs:
            raise TypeError("{} is an invalid keyword to function '{}'".format(key, name))
        if value != _np_ufunc_default_kwargs[key]:
            if np_ufunc_legal_option(key, value):
                raise NotImplementedError("{}={} is not implemented yet{}".format(key, value, suffix))
            raise TypeError("{}={} not understood for operator {}".format(key, value, name))


def wrap_np_unary_func(func):
    """Decorator for unary NumPy-style functions ``f(x, out=None, **kwargs)``: accept the ufunc
    keywords (where, casting, order, dtype, subok) at their defaults, NotImplementedError on other
    legal values, TypeError on unknown keywords or values."""
    @functools.wraps(func)
    def _wrap_np_unary_func(x, out=None, **kwargs):
        if kwargs:
            _check_ufunc_kwargs(func.__name__, kwargs, " for operator " + func.__name__)
        return func(x, out=out)
    return _wrap_np_unary_func


def wrap_np_binary_func(func):
    """Decorator for binary NumPy-style functions ``f(x1, x2, out=None, **kwargs)`` (keyword checks
    as in ``wrap_np_unary_func``)."""
    @functools.wraps(func)
    def _wrap_np_binary_func(x1, x2, out=None, **kwargs):
        if kwargs:
            _check_ufunc_kwargs(func.__name__, kwargs, "")
        return func(x1, x2, out=out)
    return _wrap_np_binary_func
