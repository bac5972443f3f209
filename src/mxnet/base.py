"""Base definitions shared by every layer: errors, the _Null sentinel, dtype tables."""
import numpy as np

__all__ = ["MXNetError", "NotImplementedForSymbol", "NotSupportedForSparseNDArray",
           "numeric_types", "integer_types", "string_types", "_Null"]


class MXNetError(RuntimeError):
    """Error raised by neomx for bad input, failed operators and corrupt files (as MXNet does)."""


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
        raise MXNetError("unknown dtype {!r}".format(dtype)) from e
    if dt not in DTYPE_TO_FLAG:
        raise MXNetError("dtype {} is not supported; supported: {}".format(
            dt, ", ".join(sorted(_DTYPE_NAMES))))
    return dt
