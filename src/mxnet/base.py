"""Base definitions shared by every layer: errors, the _Null sentinel, dtype tables, and the
small helpers of MXNet's ``mxnet.base`` (data directory, error registry, docstring builders).

neomx has no C library: of MXNet's ctypes plumbing only the type aliases (``mx_uint``,
``mx_float_p``...) are kept, for code that names them.
"""
import ctypes
import inspect
import os
import platform

import numpy as np

__all__ = ["MXNetError", "NotImplementedForSymbol", "NotSupportedForSparseNDArray",
           "numeric_types", "integer_types", "string_types", "_Null", "data_dir", "data_dir_default"]


class MXNetError(RuntimeError):
    """Error raised by neomx for bad input, failed operators and corrupt files (as MXNet does)."""


class _MXNetValueError(MXNetError, ValueError):
    """Bad input where MXNet 1.9.1 raises ValueError (a reshape to another size, an assignment
    of an incompatible shape, bind without the arrays the symbol needs): both, so code catching
    either keeps working."""


class _MXNetAssertionError(MXNetError, AssertionError):
    """A module used out of order (forward before bind, update before init_optimizer, ...):
    MXNet 1.9.1 asserts these states."""


class _MXNetTypeError(MXNetError, TypeError):
    """An unknown dtype, where MXNet 1.9.1 raises TypeError."""


class _MXNetKeyError(MXNetError, KeyError):
    """An unknown device type, where MXNet 1.9.1 raises KeyError (the message reads as a
    sentence, not as a quoted key)."""
    __str__ = RuntimeError.__str__


class NotImplementedForSymbol(MXNetError):
    """Raised when a function is not supported for Symbol."""

    def __init__(self, function, alias, *args):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias
        self.args = tuple(str(type(a)) for a in args)

    def __str__(self):
        msg = "Function {}".format(self.function)
        if self.alias:
            msg += " (namely operator \"{}\")".format(self.alias)
        if self.args:
            msg += " with arguments ({})".format(", ".join(self.args))
        return msg + " is not implemented for Symbol and only available in NDArray."


class NotSupportedForSparseNDArray(MXNetError):
    """Raised when a function is not supported for sparse arrays."""

    def __init__(self, function, alias, *args):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias

    def __str__(self):
        return "Function {} is not supported for SparseNDArray.".format(self.function)


class _NullType:
    """Placeholder for "argument not given" in generated operator signatures."""
    __slots__ = ()

    def __repr__(self):
        return "_Null"

    def __bool__(self):
        return False


_Null = _NullType()

numeric_types = (float, int, np.generic)
integer_types = (int, np.integer)
string_types = (str,)
basestring = str      # Python 2 names MXNet still exports
long = int

# C types of MXNet's C API (kept as aliases; neomx calls no C library)
mx_uint = ctypes.c_uint
mx_int = ctypes.c_int
mx_int64 = ctypes.c_int64
mx_float = ctypes.c_float
mx_float_p = ctypes.POINTER(mx_float)
mx_real_t = np.float32


def data_dir_default():
    """The default data directory: ``%APPDATA%\\mxnet`` on Windows, ``~/.mxnet`` elsewhere."""
    if platform.system() == "Windows":
        return os.path.join(os.environ.get("APPDATA"), "mxnet")
    return os.path.join(os.path.expanduser("~"), ".mxnet")


def data_dir():
    """The data directory for downloads (models, datasets): ``$MXNET_HOME`` if set, else
    :func:`data_dir_default`."""
    return os.getenv("MXNET_HOME", data_dir_default())


# -- error registry (``mx.error.register``) ------------------------------------------------------
error_types = {}


def register_error(func_name=None, cls=None):
    """Register an error class under a name (its own ``__name__`` by default) in ``error_types``:
    as a decorator (``@register_error`` or ``@register_error("Name")``) or as a call
    ``register_error("Name", cls)``; returns the class (or the decorator)."""
    if callable(func_name) and not isinstance(func_name, string_types):
        cls, func_name = func_name, func_name.__name__

    def register(klass):
        error_types[func_name if func_name is not None else klass.__name__] = klass
        return klass
    return register if cls is None else register(cls)


# -- docstring helpers ---------------------------------------------------------------------------
def build_param_doc(arg_names, arg_types, arg_descs, remove_dup=True):
    """A numpy-style "Parameters" section from parallel lists of names, types and descriptions
    (``num_args`` is left out; with ``remove_dup`` a repeated name is listed once)."""
    seen = set()
    entries = []
    for key, type_info, desc in zip(arg_names, arg_types, arg_descs):
        if (remove_dup and key in seen) or key == "num_args":
            continue
        seen.add(key)
        entry = "%s : %s" % (key, type_info)
        if desc:
            entry += "\n    " + desc
        entries.append(entry)
    return "Parameters\n----------\n%s\n" % "\n".join(entries)


def add_fileline_to_docstring(module, incursive=True):
    """Append ``From:<file>:<line>`` to the docstring of each documented function of ``module``
    (a module or its name in ``sys.modules``), and of the methods of its classes when
    ``incursive``; docstrings that already say ``From:`` are left alone."""
    import sys

    def add_fileline(obj):
        func = getattr(obj, "__func__", obj)
        doc = getattr(func, "__doc__", None)
        if doc is None or "From:" in doc:
            return
        code = getattr(func, "__code__", None)
        if code is None:
            return
        try:
            func.__doc__ = doc + "\n\nFrom:%s:%d" % (inspect.getsourcefile(func), code.co_firstlineno)
        except (TypeError, AttributeError):
            pass

    if isinstance(module, str):
        module = sys.modules[module]
    for _, obj in list(vars(module).items()):
        if inspect.isfunction(obj):
            add_fileline(obj)
        elif inspect.ismethod(obj):
            add_fileline(obj.__func__)
        elif inspect.isclass(obj) and incursive:
            add_fileline_to_docstring(obj, False)

# mshadow TypeFlag codes, as written in .params files and symbol JSON (__dtype__).
DTYPE_TO_FLAG = {
    np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.float16): 2,
    np.dtype(np.uint8): 3, np.dtype(np.int32): 4, np.dtype(np.int8): 5,
    np.dtype(np.int64): 6, np.dtype(np.bool_): 7, np.dtype(np.int16): 8,
    np.dtype(np.uint16): 9, np.dtype(np.uint32): 10, np.dtype(np.uint64): 11,
}
FLAG_TO_DTYPE = {v: k for k, v in DTYPE_TO_FLAG.items()}

_DTYPE_NAMES = {"float32", "float64", "float16", "uint8", "int8", "int32", "int64", "bool",
                "int16", "uint16", "uint32", "uint64"}


def to_dtype(dtype, default=np.float32):
    """Normalise a dtype given as a name, NumPy type or None into a numpy.dtype."""
    if dtype is None or dtype is _Null:
        return np.dtype(default)
    try:
        dt = np.dtype(dtype)
    except TypeError as e:
        raise _MXNetTypeError("unknown dtype {!r}".format(dtype)) from e
    if dt not in DTYPE_TO_FLAG:
        raise MXNetError("dtype {} is not supported; supported: {}".format(
            dt, ", ".join(sorted(_DTYPE_NAMES))))
    return dt
