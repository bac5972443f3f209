"""``mx.sym.np``: symbolic counterparts of the most used ``mx.np`` functions, so that a HybridBlock
written with ``F.np.*`` (d2l / GluonNLP style) hybridizes.

Every function builds its result from registry operators (``broadcast_add``, ``sum``, ``dot``,
``batch_dot``, ``Reshape``...), so the traced graph runs in the executor with the registry's
gradients and exports as ordinary MXNet 1.x JSON.

The results are :class:`_Symbol` (a Symbol subclass) with NumPy semantics for the Python operators
(``+ - * / ** @`` broadcast, ``x[i]`` indexes elements instead of selecting outputs) and the fluent
methods (``x.reshape(2, -1)``, ``x.sum(axis=1)``, ``x.T``). A symbol carries its number of
dimensions when it is known at trace time (Gluon gives it for the inputs and parameters), which
picks the NumPy rules of ``dot`` / ``matmul`` / negative axes, as MXNet's ``_npi`` operators do at
run time.

Differences from MXNet's np symbols (which use ``_np*`` operators that this registry has not):

* 0-d results (full reductions, ``dot`` of two vectors, ``x[i]`` of a vector) are computed as
  shape ``(1,)`` inside the graph and marked ``ndim == 0``; a hybridized Gluon block returns such
  outputs as 0-d arrays, as MXNet does. Exported graphs (``SymbolBlock.imports``) give ``(1,)``.
* dtypes follow the registry operators: ``/`` of integer symbols truncates, comparisons give the
  input dtype (1.0 / 0.0), not bool. Cast with ``.astype('float32')`` first where that matters.
* ``where`` broadcasts ``x`` and ``y`` against each other; ``condition`` must broadcast to their
  common shape. ``matmul`` of stacks needs equal batch dimensions (or a 1-D/2-D operand).
"""
import builtins as _builtins
import numbers
import operator as _operator
import weakref

from ..base import MXNetError
from ..symbol.symbol import Symbol, _sym_op

__all__ = []

builtins_max, builtins_sum = _builtins.max, _builtins.sum


class _Symbol(Symbol):
    """A Symbol with NumPy semantics; ``ndim`` is its number of dimensions (None: unknown)."""
    __slots__ = ("_np_ndim",)

    def __init__(self, outputs, ndim=None):
        super().__init__(outputs)
        self._np_ndim = ndim

    @property
    def ndim(self):
        return self._np_ndim

    def __repr__(self):
        return "<_Symbol {}>".format(self.name)

    def as_np_ndarray(self):
        return self

    def as_nd_ndarray(self):
        return Symbol(list(self._outputs))

    # -- operators (NumPy broadcasting) --------------------------------------------------------
    def __add__(self, o): return add(self, o)
    def __radd__(self, o): return add(o, self)
    def __sub__(self, o): return subtract(self, o)
    def __rsub__(self, o): return subtract(o, self)
    def __mul__(self, o): return multiply(self, o)
    def __rmul__(self, o): return multiply(o, self)
    def __truediv__(self, o): return true_divide(self, o)
    def __rtruediv__(self, o): return true_divide(o, self)
    __div__, __rdiv__ = __truediv__, __rtruediv__
    def __mod__(self, o): return mod(self, o)
    def __rmod__(self, o): return mod(o, self)
    def __pow__(self, o): return power(self, o)
    def __rpow__(self, o): return power(o, self)
    def __matmul__(self, o): return matmul(self, o)
    def __rmatmul__(self, o): return matmul(o, self)
    def __neg__(self): return negative(self)
    def __pos__(self): return self
    def __abs__(self): return absolute(self)
    def __eq__(self, o): return equal(self, o)
    def __ne__(self, o): return not_equal(self, o)
    def __gt__(self, o): return greater(self, o)
    def __ge__(self, o): return greater_equal(self, o)
    def __lt__(self, o): return less(self, o)
    def __le__(self, o): return less_equal(self, o)
    __hash__ = Symbol.__hash__

    def __getitem__(self, key):
        if isinstance(key, str):
            return Symbol.__getitem__(self, key)
        return _getitem(self, key)

    # -- fluent methods -------------------------------------------------------------------------
    def reshape(self, *shape, order="C", **kwargs):
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        elif not shape:
            shape = kwargs.pop("newshape", kwargs.pop("shape", None))
        if kwargs:
            raise TypeError("reshape() got unexpected keyword arguments: " + ", ".join(kwargs))
        return reshape(self, shape)

    def flatten(self, order="C"):
        return reshape(self, -1)

    ravel = flatten

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        return _w(_sym_op("Cast")(self, dtype=_dtype_name(dtype)), self._np_ndim)

    @property
    def T(self):
        return transpose(self)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (list, tuple))):
            axes = axes[0]
        return transpose(self, axes if axes else None)

    def swapaxes(self, axis1, axis2): return swapaxes(self, axis1, axis2)
    def expand_dims(self, axis): return expand_dims(self, axis)
    def squeeze(self, axis=None): return squeeze(self, axis)
    def sum(self, axis=None, dtype=None, out=None, keepdims=False): return sum(self, axis, dtype, keepdims=keepdims)
    def mean(self, axis=None, dtype=None, out=None, keepdims=False): return mean(self, axis, dtype, keepdims=keepdims)
    def prod(self, axis=None, dtype=None, out=None, keepdims=False): return prod(self, axis, dtype, keepdims=keepdims)
    def max(self, axis=None, out=None, keepdims=False): return max(self, axis, keepdims=keepdims)
    def min(self, axis=None, out=None, keepdims=False): return min(self, axis, keepdims=keepdims)
    def argmax(self, axis=None, out=None): return argmax(self, axis)
    def argmin(self, axis=None, out=None): return argmin(self, axis)
    def clip(self, min=None, max=None, out=None): return clip(self, min, max)
    def dot(self, b, out=None): return dot(self, b)
    def exp(self): return exp(self)
    def log(self): return log(self)
    def sqrt(self): return sqrt(self)
    def square(self): return square(self)
    def abs(self): return absolute(self)
    def tanh(self): return tanh(self)
    def split(self, indices_or_sections, axis=0): return split(self, indices_or_sections, axis)
    def zeros_like(self): return zeros_like(self)
    def ones_like(self): return ones_like(self)

    def cumsum(self, axis=None, dtype=None, out=None):
        """Cumulative sum along ``axis`` (the flattened array when None); see :func:`cumsum`."""
        return cumsum(self, axis, dtype)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        """Variance along ``axis``; see :func:`var`."""
        return var(self, axis, dtype, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        """Standard deviation along ``axis``; see :func:`std`."""
        return std(self, axis, dtype, ddof=ddof, keepdims=keepdims)

    @property
    def num_outputs(self):
        """The number of outputs of the symbol (1 unless it is a group)."""
        return len(self._outputs)

    def __setitem__(self, key, value):
        raise NotImplementedError

    def split_v2(self, *args, **kwargs):
        """Not available on NumPy-frontend symbols (as in MXNet); use :func:`split`."""
        raise AttributeError("_Symbol object has no attribute split_v2")

    def softmax(self, axis=-1):
        return _w(_sym_op("softmax")(self, axis=axis), self._np_ndim)

    def log_softmax(self, axis=-1):
        return _w(_sym_op("log_softmax")(self, axis=axis), self._np_ndim)

    def relu(self):
        return _w(_sym_op("relu")(self), self._np_ndim)

    def sigmoid(self):
        return _w(_sym_op("sigmoid")(self), self._np_ndim)


# -- helpers -------------------------------------------------------------------------------------

def _w(s, ndim):
    """``s`` (a single-output Symbol) as an ``_Symbol`` of ``ndim`` dimensions."""
    return _Symbol(list(s._outputs), ndim)


_TRACE_SHAPES = weakref.WeakKeyDictionary()     # variable node -> its shape while tracing


def as_np_symbol(s, ndim=None, shape=None):
    """A Symbol (a Gluon input or parameter variable) as an mx.sym.np symbol of ``ndim``
    dimensions; ``shape`` (0 = unknown dimension) lets later results of legacy/npx operators
    recover their ndim by shape inference."""
    if shape is not None:
        shape = tuple(int(d) for d in shape)
        if ndim is None:
            ndim = len(shape)
        if len(s._outputs) == 1 and s._outputs[0][0].op is None and all(shape):
            # (partly unknown shapes, as deferred parameters', are left to the variable's hints)
            _TRACE_SHAPES[s._outputs[0][0]] = shape
    if isinstance(s, _Symbol):
        if s._np_ndim is None:
            s._np_ndim = ndim
        return s
    return _w(s, ndim)


def _infer_ndim(x):
    """ndim of a single-output symbol from the shapes its variables had while tracing."""
    if len(x._outputs) != 1:
        return None
    known = {}
    for n in x._topo():
        if n.op is None:
            shp = _TRACE_SHAPES.get(n)
            if shp is not None:
                known[n.name] = shp
    try:
        _, outs, _ = x.infer_shape_partial(**known)
    except Exception:      # (the executor reports real shape errors at run time)
        return None
    if not outs or not outs[0]:
        return None
    return len(outs[0])


def _nd(x):
    """Known ndim of ``x`` (0 for Python scalars), or None."""
    if isinstance(x, _Symbol):
        if x._np_ndim is None:
            x._np_ndim = _infer_ndim(x)
        return x._np_ndim
    if isinstance(x, Symbol):
        return _infer_ndim(x)
    return 0


def _pn(x):
    """Physical ndim inside the graph (0-d values are stored as (1,))."""
    n = _nd(x)
    return None if n is None else (1 if n == 0 else n)


def _check_sym(x, fname):
    if not isinstance(x, Symbol):
        raise TypeError("mx.sym.np.{}: expected a Symbol, got {}".format(fname, type(x).__name__))
    return x


def _dtype_name(dtype):
    import numpy as _onp
    return _onp.dtype(dtype).name


def _norm_axis(axis, ndim, fname):
    axis = int(axis)
    if axis < 0:
        if ndim is None:
            raise MXNetError("mx.sym.np.{}: negative axis {} needs the number of dimensions, which "
                             "is not known for this symbol".format(fname, axis))
        axis += ndim
        if axis < 0:
            raise MXNetError("mx.sym.np.{}: axis {} out of bounds for {} dimensions".format(
                fname, axis - ndim, ndim))
    elif ndim is not None and axis >= ndim:
        raise MXNetError("mx.sym.np.{}: axis {} out of bounds for {} dimensions".format(fname, axis, ndim))
    return axis


def _max_nd(*ns):
    if any(n is None for n in ns):
        return None
    return builtins_max(ns)




# -- element-wise --------------------------------------------------------------------------------

def _unary(name, op):
    def f(x, out=None, **kwargs):
        if isinstance(x, numbers.Number):     # a Python scalar stays a constant of the trace
            import numpy as _onp
            return getattr(_onp, name)(x).item()
        _check_sym(x, name)
        return _w(_sym_op(op)(x), _nd(x))
    f.__name__ = name
    f.__doc__ = "Symbolic ``np.{}`` (the ``{}`` operator).".format(name, op)
    globals()[name] = f
    __all__.append(name)
    return f


for _name, _op in [("exp", "exp"), ("log", "log"), ("sqrt", "sqrt"), ("tanh", "tanh"),
                   ("absolute", "abs"), ("abs", "abs"), ("negative", "negative"), ("square", "square"),
                   ("sin", "sin"), ("cos", "cos"), ("tan", "tan"), ("log1p", "log1p"), ("expm1", "expm1"),
                   ("log2", "log2"), ("log10", "log10"), ("sign", "sign"), ("floor", "floor"),
                   ("ceil", "ceil"), ("trunc", "trunc"), ("reciprocal", "reciprocal"), ("sinh", "sinh"),
                   ("cosh", "cosh"), ("arcsin", "arcsin"), ("arccos", "arccos"), ("arctan", "arctan"),
                   ("arctanh", "arctanh"), ("cbrt", "cbrt"), ("rint", "rint"),
                   ("logical_not", "logical_not")]:
    _unary(_name, _op)


def _binary(name, bop, sop, rsop=None, pyop=None):
    def f(x1, x2, out=None, **kwargs):
        s1, s2 = isinstance(x1, Symbol), isinstance(x2, Symbol)
        nd = _max_nd(_nd(x1), _nd(x2))
        if s1 and s2:
            return _w(_sym_op(bop)(x1, x2), nd)
        if s1 and isinstance(x2, numbers.Number):
            return _w(_sym_op(sop)(x1, scalar=x2), nd)
        if s2 and isinstance(x1, numbers.Number):
            if rsop is None:       # commutative
                return _w(_sym_op(sop)(x2, scalar=x1), nd)
            return _w(_sym_op(rsop)(x2, scalar=x1), nd)
        if not s1 and not s2 and pyop is not None:
            return pyop(x1, x2)
        raise TypeError("mx.sym.np.{}: unsupported operand types {} and {}".format(
            name, type(x1).__name__, type(x2).__name__))
    f.__name__ = name
    f.__doc__ = "Symbolic ``np.{}`` with NumPy broadcasting (``{}`` / ``{}``).".format(name, bop, sop)
    globals()[name] = f
    __all__.append(name)
    return f


_binary("add", "broadcast_add", "_PlusScalar", None, _operator.add)
_binary("subtract", "broadcast_sub", "_MinusScalar", "_RMinusScalar", _operator.sub)
_binary("multiply", "broadcast_mul", "_MulScalar", None, _operator.mul)
_binary("true_divide", "broadcast_div", "_DivScalar", "_RDivScalar", _operator.truediv)
_binary("mod", "broadcast_mod", "_ModScalar", "_RModScalar", _operator.mod)
_binary("power", "broadcast_power", "_PowerScalar", "_RPowerScalar", _operator.pow)
_binary("maximum", "broadcast_maximum", "_maximum_scalar", None, _builtins.max)
_binary("minimum", "broadcast_minimum", "_minimum_scalar", None, _builtins.min)
_binary("equal", "broadcast_equal", "_equal_scalar", None, _operator.eq)
_binary("not_equal", "broadcast_not_equal", "_not_equal_scalar", None, _operator.ne)
_binary("greater", "broadcast_greater", "_greater_scalar", "_lesser_scalar", _operator.gt)
_binary("greater_equal", "broadcast_greater_equal", "_greater_equal_scalar", "_lesser_equal_scalar",
        _operator.ge)
_binary("less", "broadcast_lesser", "_lesser_scalar", "_greater_scalar", _operator.lt)
_binary("less_equal", "broadcast_lesser_equal", "_lesser_equal_scalar", "_greater_equal_scalar",
        _operator.le)
divide = true_divide
__all__.append("divide")


def clip(a, a_min, a_max, out=None):
    """Symbolic ``np.clip`` (either bound may be None)."""
    _check_sym(a, "clip")
    if a_min is None and a_max is None:
        raise ValueError("mx.sym.np.clip: one of a_min and a_max must be given")
    if isinstance(a_min, Symbol) or isinstance(a_max, Symbol):
        r = a
        if a_min is not None:
            r = maximum(r, a_min)
        if a_max is not None:
            r = minimum(r, a_max)
        return r
    if a_min is None:
        return minimum(a, a_max)
    if a_max is None:
        return maximum(a, a_min)
    return _w(_sym_op("clip")(a, a_min=float(a_min), a_max=float(a_max)), _nd(a))


def _expand_to(x, nd):
    """Prepend length-1 axes to ``x`` (physical ndim) up to ``nd`` dimensions."""
    k = _pn(x)
    s = x
    while k is not None and k < nd:
        s = _sym_op("expand_dims")(s, axis=0)
        k += 1
    return s


def _prepend(s, k):
    """``k`` leading length-1 axes on symbol ``s``."""
    for _ in range(k):
        s = _sym_op("expand_dims")(s, axis=0)
    return s


def where(condition, x=None, y=None):
    """Symbolic ``np.where(condition, x, y)``: ``x`` and ``y`` (symbols or scalars) broadcast to
    their common shape; ``condition`` must broadcast to it."""
    if x is None or y is None:
        raise MXNetError("mx.sym.np.where: the one-argument form (nonzero) has a data-dependent "
                         "shape and cannot be traced; give x and y")
    _check_sym(condition, "where")
    nds = [_pn(v) for v in (condition, x, y) if isinstance(v, Symbol)]
    nd = _max_nd(*[_nd(v) for v in (condition, x, y)])
    full = None if any(n is None for n in nds) else builtins_max(nds)
    zl = _sym_op("zeros_like")
    syms = [v for v in (x, y) if isinstance(v, Symbol)]
    tmpl = None
    for v in syms:
        z = zl(_expand_to(v, full) if full else v)
        tmpl = z if tmpl is None else _sym_op("broadcast_add")(tmpl, z)
    if tmpl is None:     # both scalars: the condition's shape
        tmpl = zl(condition)

    def spread(v):
        if isinstance(v, Symbol):
            v = _expand_to(v, full) if full else v
            return _sym_op("broadcast_like")(v, tmpl)
        return _sym_op("_PlusScalar")(tmpl, scalar=float(v))
    cond = _sym_op("broadcast_like")(_expand_to(condition, full) if full else condition, tmpl)
    return _w(_sym_op("where")(cond, spread(x), spread(y)), nd)


# -- reductions ----------------------------------------------------------------------------------

def _reduction(name, op):
    def f(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        _check_sym(a, name)
        nd = _nd(a)
        if dtype is not None:
            a = _sym_op("Cast")(a, dtype=_dtype_name(dtype))
        if axis is None:
            if keepdims:
                if nd is None:
                    raise MXNetError("mx.sym.np.{}: keepdims with axis=None needs the number of "
                                     "dimensions".format(name))
                axes = tuple(range(nd))
                return _w(_sym_op(op)(a, axis=axes, keepdims=True), nd) if nd else _w(a, nd)
            return _w(_sym_op(op)(a), 0)
        axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
        axes = tuple(_norm_axis(x, nd, name) for x in axes)
        if len(set(axes)) != len(axes):
            raise ValueError("mx.sym.np.{}: duplicate value in 'axis'".format(name))
        rnd = None if nd is None else (nd if keepdims else nd - len(axes))
        if not axes:
            return _w(a, nd)
        return _w(_sym_op(op)(a, axis=axes, keepdims=bool(keepdims)), rnd)
    f.__name__ = name
    f.__doc__ = ("Symbolic ``np.{}`` with NumPy's axis/keepdims (``axis=None`` reduces everything "
                 "to a 0-d result).".format(name))
    globals()[name] = f
    __all__.append(name)
    return f


_reduction("sum", "sum")
_reduction("mean", "mean")
_reduction("max", "max")
_reduction("min", "min")
_reduction("prod", "prod")
amax, amin = max, min
__all__ += ["amax", "amin"]


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """Symbolic ``np.var``: the mean squared deviation from the mean along ``axis`` (everything
    when None), with ``N - ddof`` as divisor."""
    _check_sym(a, "var")
    nd = _nd(a)
    x = a if dtype is None else _sym_op("Cast")(a, dtype=_dtype_name(dtype))
    if axis is None:
        mu = _sym_op("mean")(x)
    else:
        axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
        mu = _sym_op("mean")(x, axis=tuple(_norm_axis(ax, nd, "var") for ax in axes), keepdims=True)
    dev = _w(_sym_op("square")(_sym_op("broadcast_sub")(x, mu)), nd)
    if not ddof:
        return mean(dev, axis, keepdims=keepdims)
    count = sum(ones_like(dev), axis, keepdims=keepdims)
    return true_divide(sum(dev, axis, keepdims=keepdims), count - ddof)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
    """Symbolic ``np.std``: the square root of :func:`var`."""
    _check_sym(a, "std")
    return sqrt(var(a, axis, dtype, ddof=ddof, keepdims=keepdims))


def cumsum(a, axis=None, dtype=None, out=None):
    """Symbolic ``np.cumsum``: cumulative sum along ``axis``, of the flattened array when None."""
    _check_sym(a, "cumsum")
    nd = _nd(a)
    out_sym = _sym_op("cumsum")(a, axis=axis, dtype=None if dtype is None else _dtype_name(dtype))
    return _w(out_sym, 1 if axis is None else nd)


__all__ += ["var", "std", "cumsum"]


def _argred(name):
    def f(a, axis=None, out=None):
        _check_sym(a, name)
        nd = _nd(a)
        if axis is None:
            return _w(_sym_op(name)(_sym_op("Reshape")(a, shape=(-1,)), axis=0), 0)
        ax = _norm_axis(axis, nd, name)
        return _w(_sym_op(name)(a, axis=ax), None if nd is None else nd - 1)
    f.__name__ = name
    f.__doc__ = "Symbolic ``np.{}`` (float indices, as the registry operator).".format(name)
    globals()[name] = f
    __all__.append(name)


_argred("argmax")
_argred("argmin")


# -- shapes --------------------------------------------------------------------------------------

def reshape(a, newshape, order="C"):
    """Symbolic ``np.reshape``: NumPy semantics (one -1 allowed; no MXNet special codes)."""
    _check_sym(a, "reshape")
    if isinstance(newshape, numbers.Integral):
        newshape = (newshape,)
    shape = tuple(int(s) for s in newshape)
    if builtins_sum(1 for s in shape if s == -1) > 1 or any(s < -1 for s in shape):
        raise MXNetError("mx.sym.np.reshape: invalid target shape {} (at most one -1, no other "
                         "negative sizes)".format(shape))
    if 0 in shape:
        raise MXNetError("mx.sym.np.reshape: shape {} has a zero-size dimension, not supported in "
                         "symbolic graphs".format(shape))
    if not shape:
        return _w(_sym_op("Reshape")(a, shape=(1,)), 0)
    return _w(_sym_op("Reshape")(a, shape=shape), len(shape))



def transpose(a, axes=None):
    """Symbolic ``np.transpose`` (``axes=None`` reverses the axes)."""
    _check_sym(a, "transpose")
    nd = _nd(a)
    if nd == 0:
        return a
    if axes is None:
        return _w(_sym_op("transpose")(a), nd)
    axes = tuple(_norm_axis(x, nd if nd is not None else len(axes), "transpose") for x in axes)
    return _w(_sym_op("transpose")(a, axes=axes), len(axes))


def swapaxes(a, axis1, axis2):
    """Symbolic ``np.swapaxes``."""
    _check_sym(a, "swapaxes")
    nd = _nd(a)
    d1, d2 = _norm_axis(axis1, nd, "swapaxes"), _norm_axis(axis2, nd, "swapaxes")
    return _w(_sym_op("SwapAxis")(a, dim1=d1, dim2=d2), nd)


def moveaxis(a, source, destination):
    """Symbolic ``np.moveaxis`` (single axes; needs the number of dimensions)."""
    nd = _nd(a)
    if nd is None:
        raise MXNetError("mx.sym.np.moveaxis needs the number of dimensions")
    s, d = _norm_axis(source, nd, "moveaxis"), _norm_axis(destination, nd, "moveaxis")
    order = [i for i in range(nd) if i != s]
    order.insert(d, s)
    return transpose(a, order)


def expand_dims(a, axis):
    """Symbolic ``np.expand_dims``."""
    _check_sym(a, "expand_dims")
    nd = _nd(a)
    if nd == 0:           # stored as (1,) already
        return _w(a, 1)
    ax = _norm_axis(axis, None if nd is None else nd + 1, "expand_dims")
    return _w(_sym_op("expand_dims")(a, axis=ax), None if nd is None else nd + 1)


def squeeze(a, axis=None):
    """Symbolic ``np.squeeze``; ``axis=None`` leaves the result's ndim unknown while tracing."""
    _check_sym(a, "squeeze")
    nd = _nd(a)
    if axis is None:
        return _w(_sym_op("squeeze")(a), None)
    axes = (axis,) if isinstance(axis, numbers.Integral) else tuple(axis)
    axes = tuple(_norm_axis(x, nd, "squeeze") for x in axes)
    rnd = None if nd is None else nd - len(axes)
    return _w(_sym_op("squeeze")(a, axis=axes), rnd)


def broadcast_to(array, shape):
    """Symbolic ``np.broadcast_to``."""
    _check_sym(array, "broadcast_to")
    shape = tuple(int(s) for s in shape)
    a = _expand_to(array, len(shape))
    return _w(_sym_op("broadcast_to")(a, shape=shape), len(shape))


def concatenate(seq, axis=0, out=None):
    """Symbolic ``np.concatenate`` (``axis=None`` flattens first)."""
    seq = list(seq)
    for s in seq:
        _check_sym(s, "concatenate")
    if axis is None:
        seq = [reshape(s, -1) for s in seq]
        axis, nd = 0, 1
    else:
        nd = _max_nd(*[_nd(s) for s in seq])
        axis = _norm_axis(axis, nd, "concatenate")
    return _w(_sym_op("Concat")(*seq, dim=axis, num_args=len(seq)), nd)


concat = concatenate


def stack(arrays, axis=0, out=None):
    """Symbolic ``np.stack``."""
    arrays = list(arrays)
    for s in arrays:
        _check_sym(s, "stack")
    nd = _max_nd(*[_nd(s) for s in arrays])
    if nd == 0:       # 0-d entries are (1,): concatenating them stacks them
        return _w(_sym_op("Concat")(*arrays, dim=0, num_args=len(arrays)), 1)
    axis = _norm_axis(axis, None if nd is None else nd + 1, "stack")
    return _w(_sym_op("stack")(*arrays, axis=axis, num_args=len(arrays)),
              None if nd is None else nd + 1)


def split(ary, indices_or_sections, axis=0):
    """Symbolic ``np.split``: equal sections (an int) or split points (a list)."""
    _check_sym(ary, "split")
    nd = _nd(ary)
    axis = _norm_axis(axis, nd, "split")
    if isinstance(indices_or_sections, numbers.Integral):
        n = int(indices_or_sections)
        if n == 1:
            return [ary]
        parts = _sym_op("SliceChannel")(ary, num_outputs=n, axis=axis)
        return [_Symbol([o], nd) for o in parts._outputs]
    idx = [int(i) for i in indices_or_sections]
    bounds = [0] + idx + [None]
    return [_w(_sym_op("slice_axis")(ary, axis=axis, begin=b, end=e), nd)
            for b, e in zip(bounds[:-1], bounds[1:])]


def _getitem(x, key):
    """Basic NumPy indexing (ints, slices, None, Ellipsis) with ``slice`` / ``squeeze``."""
    if not isinstance(key, tuple):
        key = (key,)
    nd = _nd(x)
    if builtins_sum(1 for k in key if k is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    n_real = builtins_sum(1 for k in key if k is not None and k is not Ellipsis)
    if Ellipsis in key:
        if nd is None:
            raise MXNetError("mx.sym.np: indexing with '...' needs the number of dimensions")
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (nd - n_real) + key[i + 1:]
    for k in key:
        if k is not None and not isinstance(k, (numbers.Integral, slice)):
            raise MXNetError("mx.sym.np: only basic indexing (ints, slices, None, ...) is supported in "
                             "symbolic graphs, got {}".format(type(k).__name__))
    real = [k for k in key if k is not None]
    if nd is not None and len(real) > nd:
        raise IndexError("too many indices: {} dimensions, {} indexed".format(nd, len(real)))
    begin, end, step, drop = [], [], [], []
    for i, k in enumerate(real):
        if isinstance(k, slice):
            begin.append(k.start)
            end.append(k.stop)
            step.append(k.step)
        else:
            k = int(k)
            begin.append(k)
            end.append(k + 1 if k != -1 else None)
            step.append(None)
            drop.append(i)
    s = x
    if real and any(not (isinstance(k, slice) and k == slice(None)) for k in real):
        s = _sym_op("slice")(x, begin=tuple(begin), end=tuple(end), step=tuple(step))
    rnd = None if nd is None else nd - len(drop)
    if drop:
        if rnd == 0:
            s = _sym_op("Reshape")(s, shape=(1,))
        else:
            s = _sym_op("squeeze")(s, axis=tuple(drop))
    # new axes (None), at their positions in the result
    pos, out_axes = 0, []
    for k in key:
        if k is None:
            out_axes.append(pos)
            pos += 1
        elif isinstance(k, slice):
            pos += 1
    for a in out_axes:
        if rnd == 0 and a == 0 and len(out_axes) >= 1 and a == out_axes[0]:
            rnd = 1       # the (1,) storage is the first new axis
            continue
        s = _sym_op("expand_dims")(s, axis=a)
        rnd = None if rnd is None else rnd + 1
    return _w(s, rnd)


# -- linear algebra --------------------------------------------------------------------------------

def dot(a, b, out=None):
    """Symbolic ``np.dot``: vectors give 0-d, 2-D is a matrix product, N-D contracts the last
    axis of ``a`` with the first axis of a 1-D/2-D ``b``."""
    _check_sym(a, "dot")
    _check_sym(b, "dot")
    na, nb = _nd(a), _nd(b)
    if na == 0 or nb == 0:
        return multiply(a, b)
    if nb is not None and nb > 2:
        raise MXNetError("mx.sym.np.dot: b with {} dimensions is not supported in symbolic graphs "
                         "(use tensordot/matmul)".format(nb))
    r = _sym_op("dot")(a, b)
    if na is None or nb is None:
        return _w(r, None)
    return _w(r, na + nb - 2)


def matmul(a, b, out=None, **kwargs):
    """Symbolic ``np.matmul``: 1-D operands are promoted and their axis removed, stacks of
    matrices use ``batch_dot`` (equal batch dimensions) or ``dot`` (a 2-D ``b``)."""
    _check_sym(a, "matmul")
    _check_sym(b, "matmul")
    na, nb = _nd(a), _nd(b)
    if na == 0 or nb == 0:
        raise ValueError("matmul: Input operand does not have enough dimensions")
    if na is None or nb is None:
        raise MXNetError("mx.sym.np.matmul needs the number of dimensions of both operands")
    if na == 1 and nb == 1:
        return _w(_sym_op("dot")(a, b), 0)
    if nb == 1:      # (..., n, k) @ (k,) -> (..., n)
        return _w(_sym_op("dot")(a, b), na - 1)
    if na == 1:      # (k,) @ (..., k, m) -> (..., m)
        if nb == 2:
            return _w(_sym_op("dot")(a, b), 1)
        batch = tuple(range(nb - 2))
        aa = _sym_op("broadcast_like")(_prepend(a, nb - 1), b, lhs_axes=batch, rhs_axes=batch)
        r = _sym_op("batch_dot")(aa, b)
        return _w(_sym_op("squeeze")(r, axis=(nb - 2,)), nb - 1)
    if nb == 2:
        return _w(_sym_op("dot")(a, b), na)
    if na == nb:
        return _w(_sym_op("batch_dot")(a, b), na)
    if na == 2:      # (n, k) @ (..., k, m): broadcast a over b's batch axes
        batch = tuple(range(nb - 2))
        aa = _sym_op("broadcast_like")(_prepend(a, nb - 2), b, lhs_axes=batch, rhs_axes=batch)
        return _w(_sym_op("batch_dot")(aa, b), nb)
    raise MXNetError("mx.sym.np.matmul: stacks with different numbers of batch dimensions ({} and {}) "
                     "are not supported in symbolic graphs".format(na - 2, nb - 2))


# -- creation ------------------------------------------------------------------------------------

def _like(a, dtype, fill, name):
    _check_sym(a, name)
    r = _sym_op("zeros_like")(a) if fill == 0 else (
        _sym_op("ones_like")(a) if fill == 1 else
        _sym_op("_PlusScalar")(_sym_op("zeros_like")(a), scalar=float(fill)))
    if dtype is not None:
        r = _sym_op("Cast")(r, dtype=_dtype_name(dtype))
    return _w(r, _nd(a))


def zeros_like(a, dtype=None, order="C", ctx=None, out=None):
    """Symbolic ``np.zeros_like``."""
    return _like(a, dtype, 0, "zeros_like")


def ones_like(a, dtype=None, order="C", ctx=None, out=None):
    """Symbolic ``np.ones_like``."""
    return _like(a, dtype, 1, "ones_like")


def full_like(a, fill_value, dtype=None, order="C", ctx=None, out=None):
    """Symbolic ``np.full_like``."""
    return _like(a, dtype, fill_value, "full_like")


def _shape_of(shape):
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _create(op, shape, dtype, **kw):
    shape = _shape_of(shape)
    dt = _dtype_name(dtype if dtype is not None else "float32")
    return _w(_sym_op(op)(shape=shape or (1,), dtype=dt, **kw), len(shape))


def zeros(shape, dtype=None, order="C", ctx=None):
    """Symbolic ``np.zeros`` (float32 by default)."""
    return _create("_zeros", shape, dtype)


def ones(shape, dtype=None, order="C", ctx=None):
    """Symbolic ``np.ones`` (float32 by default)."""
    return _create("_ones", shape, dtype)


def full(shape, fill_value, dtype=None, order="C", ctx=None, out=None):
    """Symbolic ``np.full`` (float32 by default)."""
    return _create("_full", shape, dtype, value=float(fill_value))


def arange(start, stop=None, step=1, dtype=None, ctx=None):
    """Symbolic ``np.arange`` (float32 by default, as MXNet's np)."""
    if stop is None:
        start, stop = 0, start
    dt = _dtype_name(dtype if dtype is not None else "float32")
    return _w(_sym_op("_arange")(start=float(start), stop=float(stop), step=float(step), dtype=dt), 1)


__all__ += ["clip", "where", "reshape", "transpose", "swapaxes", "moveaxis", "expand_dims",
            "squeeze", "broadcast_to", "concatenate", "concat", "stack", "split", "dot", "matmul",
            "zeros_like", "ones_like", "full_like", "zeros", "ones", "full", "arange", "as_np_symbol"]
