"""Creation functions and the NumPy-style arithmetic helpers of ``mx.nd`` (scalars allowed)."""
import numpy as np

from ..base import numeric_types, integer_types, to_dtype, MXNetError
from ..context import current_context
from .ndarray import NDArray, _op, array

__all__ = ["zeros", "ones", "full", "arange", "eye", "concatenate", "moveaxis", "onehot_encode",
           "add", "subtract", "multiply", "divide", "true_divide", "modulo", "power", "maximum",
           "minimum", "hypot", "equal", "not_equal", "greater", "greater_equal", "lesser",
           "lesser_equal", "logical_and", "logical_or", "logical_xor", "from_numpy", "split_v2",
           "histogram", "linspace"]


def _shape(shape):
    if isinstance(shape, integer_types):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _ctx_str(ctx):
    return str(current_context() if ctx is None else ctx)


def zeros(shape, ctx=None, dtype=None, stype=None, **kwargs):
    """An array of zeros (float32 by default) on ``ctx``; ``stype`` 'csr'/'row_sparse' gives
    sparse storage."""
    if stype is not None and stype != "default":
        from .sparse import zeros as _sparse_zeros
        return _sparse_zeros(stype, shape, ctx=ctx, dtype=dtype, **kwargs)
    return _op("_zeros")(shape=_shape(shape), ctx=_ctx_str(ctx), dtype=to_dtype(dtype).name, **kwargs)


def ones(shape, ctx=None, dtype=None, **kwargs):
    """An array of ones (float32 by default) on ``ctx``."""
    return _op("_ones")(shape=_shape(shape), ctx=_ctx_str(ctx), dtype=to_dtype(dtype).name, **kwargs)


def full(shape, val, ctx=None, dtype=np.float32, out=None):
    """An array filled with ``val``."""
    return _op("_full")(shape=_shape(shape), value=val, ctx=_ctx_str(ctx), dtype=to_dtype(dtype).name,
                        out=out)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=np.float32):
    """Evenly spaced values in [start, stop), each repeated ``repeat`` times."""
    if step == 0:
        raise MXNetError("arange: step must not be 0")
    return _op("_arange")(start=start, stop=stop, step=step, repeat=repeat, ctx=_ctx_str(ctx),
                          dtype=to_dtype(dtype).name)


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs):
    """A 2-D array with ones on the k-th diagonal."""
    return _op("_eye")(N=N, M=M, k=k, ctx=_ctx_str(ctx), dtype=to_dtype(dtype).name, **kwargs)


def concatenate(arrays, axis=0, always_copy=True):
    """Join arrays along ``axis`` (``mx.nd.concat(*arrays, dim=axis)``)."""
    if not arrays:
        raise MXNetError("concatenate: need at least one array")
    if len(arrays) == 1 and not always_copy:
        return arrays[0]
    return _op("Concat")(*arrays, dim=axis)


def moveaxis(tensor, source, destination):
    """Move axis ``source`` to position ``destination``."""
    axes = list(range(tensor.ndim))
    src = source % tensor.ndim
    dst = destination % tensor.ndim
    axes.pop(src)
    axes.insert(dst, src)
    return _op("transpose")(tensor, axes=tuple(axes))


def onehot_encode(indices, out):
    """One-hot encode ``indices`` into ``out`` (whose second dim is the depth)."""
    return _op("one_hot")(indices, depth=out.shape[1], out=out, dtype=np.dtype(out.dtype).name)


def from_numpy(ndarray, zero_copy=True, array_cls=NDArray):
    """Returns an MXNet's ndarray backed by numpy's ndarray. With ``zero_copy`` (C-contiguous
    arrays only) the result shares the NumPy array's memory, which is made read-only for NumPy
    (do not modify it from NumPy); otherwise the result holds a copy. ``array_cls``: the class
    of the zero-copy result (``mx.nd.NDArray`` or ``mx.np.ndarray``)."""
    if not zero_copy:
        return array(ndarray, dtype=ndarray.dtype)
    if not ndarray.flags["C_CONTIGUOUS"]:
        raise ValueError("Only c-contiguous arrays are supported for zero-copy")
    from .interop import _share_host_array
    out = _share_host_array(ndarray)
    ndarray.flags["WRITEABLE"] = False
    if array_cls is not NDArray:
        out = array_cls(out._chunk, out._shape, out._dtype, out._ctx, out._view)
    return out


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Split ``ary`` into equal sections (an int) or at the given indices (a tuple of ints)."""
    if isinstance(indices_or_sections, integer_types):
        return _op("_split_v2")(ary, axis=axis, squeeze_axis=squeeze_axis, sections=indices_or_sections,
                                indices=())
    if isinstance(indices_or_sections, tuple):
        return _op("_split_v2")(ary, axis=axis, squeeze_axis=squeeze_axis,
                                indices=(0,) + tuple(indices_or_sections))
    raise ValueError("indices_or_sections must either int or tuple of ints")


def histogram(a, bins=10, range=None):  # noqa: A002 - MXNet's argument name
    """(counts, bin edges) of ``a`` for ``bins`` equal bins over ``range`` or the given edges."""
    if isinstance(bins, NDArray):
        return _op("_histogram")(a, bins)
    if isinstance(bins, integer_types):
        if range is None:
            import warnings
            warnings.warn("range is not specified, using numpy's result to ensure consistency with numpy",
                          stacklevel=2)
            counts, edges = np.histogram(a.asnumpy(), bins=bins)
            return array(counts, ctx=a.context), array(edges, ctx=a.context)
        return _op("_histogram")(a, bin_cnt=bins, range=range)
    raise ValueError("bins argument should be either an integer or an NDArray")


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=np.float32):
    """``num`` evenly spaced values from ``start`` to ``stop`` (inclusive when ``endpoint``)."""
    return array(np.linspace(start, stop, num, endpoint=endpoint), ctx=ctx, dtype=dtype)


def _ufunc(lhs, rhs, nd_op, lscalar, rscalar, pyfn):
    if isinstance(lhs, NDArray):
        if isinstance(rhs, NDArray):
            return _op(nd_op)(lhs, rhs)
        if isinstance(rhs, numeric_types):
            return _op(lscalar)(lhs, scalar=rhs)
    elif isinstance(lhs, numeric_types):
        if isinstance(rhs, NDArray):
            return _op(rscalar)(rhs, scalar=lhs)
        if isinstance(rhs, numeric_types):
            return pyfn(lhs, rhs)
    raise TypeError("type {} and {} not supported".format(type(lhs), type(rhs)))


def _def(name, nd_op, lscalar, rscalar, pyfn, doc):
    def f(lhs, rhs):
        return _ufunc(lhs, rhs, nd_op, lscalar, rscalar, pyfn)
    f.__name__ = name
    f.__doc__ = doc + " Either argument may be a scalar; NDArray arguments broadcast."
    return f


import operator as _o  # noqa: E402

add = _def("add", "broadcast_add", "_plus_scalar", "_plus_scalar", _o.add, "Element-wise lhs + rhs.")
subtract = _def("subtract", "broadcast_sub", "_minus_scalar", "_rminus_scalar", _o.sub, "Element-wise lhs - rhs.")
multiply = _def("multiply", "broadcast_mul", "_mul_scalar", "_mul_scalar", _o.mul, "Element-wise lhs * rhs.")
divide = _def("divide", "broadcast_div", "_div_scalar", "_rdiv_scalar", _o.truediv, "Element-wise lhs / rhs.")
true_divide = divide
modulo = _def("modulo", "broadcast_mod", "_mod_scalar", "_rmod_scalar", _o.mod, "Element-wise lhs % rhs.")


def power(base, exp):
    """Element-wise ``base ** exp``. Either argument may be a scalar; NDArray arguments broadcast."""
    return _ufunc(base, exp, "broadcast_power", "_power_scalar", "_rpower_scalar", _o.pow)


maximum = _def("maximum", "broadcast_maximum", "_maximum_scalar", "_maximum_scalar", max, "Element-wise maximum.")
minimum = _def("minimum", "broadcast_minimum", "_minimum_scalar", "_minimum_scalar", min, "Element-wise minimum.")
hypot = _def("hypot", "broadcast_hypot", "_hypot_scalar", "_hypot_scalar", lambda a, b: (a * a + b * b) ** 0.5,
             "Element-wise sqrt(lhs**2 + rhs**2).")
equal = _def("equal", "broadcast_equal", "_equal_scalar", "_equal_scalar", lambda a, b: float(a == b),
             "Element-wise lhs == rhs (1 or 0).")
not_equal = _def("not_equal", "broadcast_not_equal", "_not_equal_scalar", "_not_equal_scalar",
                 lambda a, b: float(a != b), "Element-wise lhs != rhs (1 or 0).")
greater = _def("greater", "broadcast_greater", "_greater_scalar", "_lesser_scalar",
               lambda a, b: float(a > b), "Element-wise lhs > rhs (1 or 0).")
greater_equal = _def("greater_equal", "broadcast_greater_equal", "_greater_equal_scalar",
                     "_lesser_equal_scalar", lambda a, b: float(a >= b), "Element-wise lhs >= rhs (1 or 0).")
lesser = _def("lesser", "broadcast_lesser", "_lesser_scalar", "_greater_scalar",
              lambda a, b: float(a < b), "Element-wise lhs < rhs (1 or 0).")
lesser_equal = _def("lesser_equal", "broadcast_lesser_equal", "_lesser_equal_scalar",
                    "_greater_equal_scalar", lambda a, b: float(a <= b), "Element-wise lhs <= rhs (1 or 0).")
logical_and = _def("logical_and", "broadcast_logical_and", "_logical_and_scalar", "_logical_and_scalar",
                   lambda a, b: float(bool(a) and bool(b)), "Element-wise logical and (1 or 0).")
logical_or = _def("logical_or", "broadcast_logical_or", "_logical_or_scalar", "_logical_or_scalar",
                  lambda a, b: float(bool(a) or bool(b)), "Element-wise logical or (1 or 0).")
logical_xor = _def("logical_xor", "broadcast_logical_xor", "_logical_xor_scalar", "_logical_xor_scalar",
                   lambda a, b: float(bool(a) != bool(b)), "Element-wise logical xor (1 or 0).")


