"""``mx.np`` functions: creation, ufuncs, reductions, shape and linear-algebra operations.

Differentiable functions carry a vector-Jacobian product (see ``_core._apply``); element-moving
functions (indexing, flips, tiles, concatenation...) get theirs by tracing element ids."""
import builtins
import math
import string

import numpy as _onp

from ..backend import to_numpy
from ..base import MXNetError, numeric_types, integer_types
from ..context import current_context
from ..ndarray.ndarray import NDArray, Chunk
from ..ops.elemwise import rint_half_down
from ._core import (ndarray, _apply, _reg, _as_np, _np_view, _ctx_of, _np_dtype,
                    _result_type, _reduce_to, _copy_into)

_f32 = _onp.dtype(_onp.float32)

# -- argument conversion ----------------------------------------------------------------------


def _arr(x, ctx=None, dtype=None):
    """``x`` as an ``ndarray`` (Python scalars/lists become float32 unless ``dtype``)."""
    if isinstance(x, ndarray):
        return x
    if isinstance(x, NDArray):
        return _np_view(x)
    return array(x, dtype=dtype, ctx=ctx)


def _is_scalar(x):
    return isinstance(x, numeric_types) and not isinstance(x, NDArray) or isinstance(x, _onp.generic)


def _first_ctx(*xs):
    for x in xs:
        if isinstance(x, NDArray):
            return x._ctx
        if isinstance(x, (list, tuple)):
            c = _first_ctx(*x)
            if c is not None:
                return c
    return None


def _py(v):
    """Python scalar of a NumPy scalar (keeps ints as int, floats as float)."""
    return v.item() if isinstance(v, _onp.generic) else v


# -- creation ------------------------------------------------------------------------------------


def array(object, dtype=None, ctx=None):
    """An ``mx.np.ndarray`` copied from ``object``: float32 unless ``dtype`` is given or
    ``object`` is an (mx or NumPy) array, whose dtype is kept."""
    ctx = _ctx_of(ctx)
    if isinstance(object, NDArray):
        dt = _np_dtype(dtype, object._dtype)
        src = object.as_in_context(ctx) if object._ctx != ctx else object
        res = src.astype(dt) if dt != src._dtype else _np_view(src).copy()
        return _as_np(res) if isinstance(res, ndarray) else _np_view(res)
    if isinstance(object, _onp.ndarray):
        dt = _np_dtype(dtype, object.dtype if object.dtype != _onp.float64 or dtype is not None
                       else _onp.float64)
        if object.dtype not in (_onp.dtype(t) for t in ("float16", "float32", "float64", "uint8", "int8",
                                                        "int32", "int64", "bool")) and dtype is None:
            dt = _np_dtype(_onp.float64 if object.dtype.kind == "f" else _onp.int64)
        a = object.astype(dt)
    else:
        if isinstance(object, (list, tuple)):
            object = _nested_to_numpy(object)
        try:
            a = _onp.array(object, dtype=_np_dtype(dtype, _f32))
        except (ValueError, TypeError) as e:
            raise TypeError("mx.np.array: source must be array-like: {}".format(e)) from None
    from ..backend import for_context
    data = for_context(ctx).asarray(a, dtype=a.dtype)
    return ndarray(Chunk(data), tuple(data.shape), _onp.dtype(data.dtype), ctx)


def _nested_to_numpy(obj):
    if isinstance(obj, NDArray):
        return obj.asnumpy()
    if isinstance(obj, (list, tuple)):
        return [_nested_to_numpy(v) for v in obj]
    return obj


def asarray(a, dtype=None, ctx=None):
    if isinstance(a, ndarray) and (dtype is None or _np_dtype(dtype) == a._dtype):
        return a
    return array(a, dtype=dtype, ctx=ctx)


def _shape_of(shape):
    if isinstance(shape, integer_types):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _filled(shape, value, dtype, ctx):
    from ..backend import for_context
    ctx = _ctx_of(ctx)
    b = for_context(ctx)
    with b.device_scope():
        data = b.xp.full(_shape_of(shape), value, dtype=dtype)
    return ndarray(Chunk(data), tuple(data.shape), _onp.dtype(dtype), ctx)


def zeros(shape, dtype=None, order="C", ctx=None):
    """Array of zeros (float32 by default)."""
    return _filled(shape, 0, _np_dtype(dtype, _f32), ctx)


def ones(shape, dtype=None, order="C", ctx=None):
    """Array of ones (float32 by default)."""
    return _filled(shape, 1, _np_dtype(dtype, _f32), ctx)


def empty(shape, dtype=None, order="C", ctx=None):
    """Uninitialised array (zero-filled here)."""
    return _filled(shape, 0, _np_dtype(dtype, _f32), ctx)


def full(shape, fill_value, dtype=None, order="C", ctx=None, out=None):
    """Array filled with ``fill_value`` (float32 unless ``dtype``; an array value keeps its dtype)."""
    if isinstance(fill_value, NDArray):
        res = broadcast_to(fill_value, _shape_of(shape))
        res = res.astype(dtype) if dtype is not None else res.copy()
    else:
        res = _filled(shape, fill_value, _np_dtype(dtype, _f32), ctx)
    if out is not None:
        _copy_into(out, res)
        return out
    return res


def _like(a, value, dtype, ctx, out):
    a = _arr(a)
    res = _filled(a.shape, value, _np_dtype(dtype, a._dtype), ctx or a._ctx)
    if out is not None:
        _copy_into(out, res)
        return out
    return res


def zeros_like(a, dtype=None, order="C", ctx=None, out=None):
    return _like(a, 0, dtype, ctx, out)


def ones_like(a, dtype=None, order="C", ctx=None, out=None):
    return _like(a, 1, dtype, ctx, out)


def full_like(a, fill_value, dtype=None, order="C", ctx=None, out=None):
    return _like(a, fill_value, dtype, ctx, out)


def empty_like(prototype, dtype=None, order="C", subok=False, shape=None):
    p = _arr(prototype)
    return _filled(shape if shape is not None else p.shape, 0, _np_dtype(dtype, p._dtype), p._ctx)


def _from_numpy(a, ctx=None, dtype=None):
    a = _onp.asarray(a)
    if dtype is not None:
        a = a.astype(_np_dtype(dtype))
    return array(a, ctx=ctx)


def arange(start, stop=None, step=1, dtype=None, ctx=None):
    """Evenly spaced values in [start, stop) (float32 unless ``dtype``)."""
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise MXNetError("arange: step cannot be 0")
    return _from_numpy(_onp.arange(start, stop, step).astype(_np_dtype(dtype, _f32)), ctx)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, ctx=None):
    """``num`` evenly spaced samples over [start, stop]."""
    if num < 0:
        raise ValueError("linspace: number of samples, %d, must be non-negative." % num)
    r = _onp.linspace(start, stop, num, endpoint=endpoint, retstep=retstep, axis=axis)
    if retstep:
        return _from_numpy(r[0].astype(_np_dtype(dtype, _f32)), ctx), r[1]
    return _from_numpy(r.astype(_np_dtype(dtype, _f32)), ctx)


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0, ctx=None):
    r = _onp.logspace(start, stop, num, endpoint=endpoint, base=base, axis=axis)
    return _from_numpy(r.astype(_np_dtype(dtype, _f32)), ctx)


def eye(N, M=None, k=0, dtype=None, **kwargs):
    """2-D array with ones on the ``k``-th diagonal."""
    return _from_numpy(_onp.eye(N, M, k, dtype=_np_dtype(dtype, _f32)), kwargs.get("ctx"))


def identity(n, dtype=None, ctx=None):
    return eye(n, dtype=dtype, ctx=ctx)


def indices(dimensions, dtype=None, ctx=None):
    return _from_numpy(_onp.indices(dimensions, dtype=_np_dtype(dtype, _onp.int32)), ctx)


def tri(N, M=None, k=0, dtype=None, ctx=None):
    return _from_numpy(_onp.tri(N, M, k, dtype=_np_dtype(dtype, _f32)), ctx)


def _window(fn):
    def f(M, dtype=None, ctx=None):
        return _from_numpy(fn(M).astype(_np_dtype(dtype, _f32)), ctx)
    f.__name__ = fn.__name__
    return f


hanning = _window(_onp.hanning)
hamming = _window(_onp.hamming)
blackman = _window(_onp.blackman)


def copy(a, out=None):
    res = _arr(a).copy()
    if out is not None:
        _copy_into(out, res)
        return out
    return res


# -- element-wise functions ------------------------------------------------------------------


def _unary(name, npf, dfn=None, out_dtype=None, float_only=False, kernel=None):
    """A unary ufunc; ``dfn(xp, x, y)`` is dy/dx. Integer inputs keep their dtype (as MXNet).
    ``kernel(xp, x)`` replaces the xp function of ``npf``'s name on arrays."""
    def vjp(xp, ins, outs, ogs):
        return [ogs[0] * dfn(xp, ins[0], outs[0])]

    def f(x, out=None, **kwargs):
        if _is_scalar(x):
            return _py(npf(x))
        x = _arr(x)
        dt = out_dtype or x._dtype
        if x._dtype.kind == "b" and out_dtype is None and float_only:
            dt = _f32
        return _apply(name, fn, [x], vjp=vjp if dfn is not None else None, out_dtypes=dt,
                      shapes=x.shape, out=out)

    def fn(xp, r):
        with _onp.errstate(all="ignore"):
            return kernel(xp, r[0]) if kernel is not None else getattr(xp, npf.__name__)(r[0])
    f.__name__ = name
    f.__doc__ = "Element-wise {} (NumPy semantics).".format(name)
    return f


_LN2, _LN10 = math.log(2.0), math.log(10.0)

negative = _unary("negative", _onp.negative, lambda xp, x, y: -xp.ones_like(x))
absolute = _unary("absolute", _onp.absolute, lambda xp, x, y: xp.sign(x))
abs = absolute
fabs = _unary("fabs", _onp.fabs, lambda xp, x, y: xp.sign(x))
sign = _unary("sign", _onp.sign, lambda xp, x, y: xp.zeros_like(x))
exp = _unary("exp", _onp.exp, lambda xp, x, y: y)
expm1 = _unary("expm1", _onp.expm1, lambda xp, x, y: y + 1)
log = _unary("log", _onp.log, lambda xp, x, y: 1 / x)
log2 = _unary("log2", _onp.log2, lambda xp, x, y: 1 / (x * _LN2))
log10 = _unary("log10", _onp.log10, lambda xp, x, y: 1 / (x * _LN10))
log1p = _unary("log1p", _onp.log1p, lambda xp, x, y: 1 / (1 + x))
sqrt = _unary("sqrt", _onp.sqrt, lambda xp, x, y: 0.5 / y)
cbrt = _unary("cbrt", _onp.cbrt, lambda xp, x, y: 1 / (3 * y * y))
square = _unary("square", _onp.square, lambda xp, x, y: 2 * x)
reciprocal = _unary("reciprocal", _onp.reciprocal, lambda xp, x, y: -y * y)
sin = _unary("sin", _onp.sin, lambda xp, x, y: xp.cos(x))
cos = _unary("cos", _onp.cos, lambda xp, x, y: -xp.sin(x))
tan = _unary("tan", _onp.tan, lambda xp, x, y: 1 + y * y)
arcsin = _unary("arcsin", _onp.arcsin, lambda xp, x, y: 1 / xp.sqrt(1 - x * x))
arccos = _unary("arccos", _onp.arccos, lambda xp, x, y: -1 / xp.sqrt(1 - x * x))
arctan = _unary("arctan", _onp.arctan, lambda xp, x, y: 1 / (1 + x * x))
sinh = _unary("sinh", _onp.sinh, lambda xp, x, y: xp.cosh(x))
cosh = _unary("cosh", _onp.cosh, lambda xp, x, y: xp.sinh(x))
tanh = _unary("tanh", _onp.tanh, lambda xp, x, y: 1 - y * y)
arcsinh = _unary("arcsinh", _onp.arcsinh, lambda xp, x, y: 1 / xp.sqrt(x * x + 1))
arccosh = _unary("arccosh", _onp.arccosh, lambda xp, x, y: 1 / xp.sqrt(x * x - 1))
arctanh = _unary("arctanh", _onp.arctanh, lambda xp, x, y: 1 / (1 - x * x))
degrees = _unary("degrees", _onp.degrees, lambda xp, x, y: xp.full_like(x, 180 / math.pi))
rad2deg = _unary("rad2deg", _onp.rad2deg, lambda xp, x, y: xp.full_like(x, 180 / math.pi))
radians = _unary("radians", _onp.radians, lambda xp, x, y: xp.full_like(x, math.pi / 180))
deg2rad = _unary("deg2rad", _onp.deg2rad, lambda xp, x, y: xp.full_like(x, math.pi / 180))
_zero = lambda xp, x, y: xp.zeros_like(x)   # noqa: E731
floor = _unary("floor", _onp.floor, _zero)
ceil = _unary("ceil", _onp.ceil, _zero)
trunc = _unary("trunc", _onp.trunc, _zero)
fix = _unary("fix", _onp.fix, _zero)
rint = _unary("rint", _onp.rint, _zero, kernel=rint_half_down)    # (n.5 -> n on arrays, as MXNet)
positive = _unary("positive", _onp.positive, lambda xp, x, y: xp.ones_like(x))
isnan = _unary("isnan", _onp.isnan, out_dtype=_onp.dtype(bool))
isinf = _unary("isinf", _onp.isinf, out_dtype=_onp.dtype(bool))
isfinite = _unary("isfinite", _onp.isfinite, out_dtype=_onp.dtype(bool))
isposinf = _unary("isposinf", _onp.isposinf, out_dtype=_onp.dtype(bool))
isneginf = _unary("isneginf", _onp.isneginf, out_dtype=_onp.dtype(bool))
signbit = _unary("signbit", _onp.signbit, out_dtype=_onp.dtype(bool))
logical_not = _unary("logical_not", _onp.logical_not, out_dtype=_onp.dtype(bool))
invert = _unary("invert", _onp.invert)
bitwise_not = _unary("bitwise_not", _onp.invert)
spacing = _unary("spacing", _onp.spacing)
i0 = _unary("i0", _onp.i0)


def around(x, decimals=0, out=None, **kwargs):
    """Round to ``decimals`` decimals (half to even, as NumPy)."""
    if _is_scalar(x):
        return _py(_onp.around(x, decimals))
    x = _arr(x)
    return _apply("around", lambda xp, r: xp.around(r[0], decimals), [x],
                  vjp=lambda xp, i, o, g: [xp.zeros_like(i[0])], out_dtypes=x._dtype,
                  shapes=x.shape, out=out)


round = around
round_ = around


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None, **kwargs):
    x = _arr(x)
    return _apply("nan_to_num", lambda xp, r: xp.nan_to_num(r[0], nan=nan, posinf=posinf, neginf=neginf),
                  [x], out_dtypes=x._dtype, shapes=x.shape)


def _bin_dtype(kind, d1, d2):
    if kind == "cmp":
        return _onp.dtype(bool)
    if d1 is None:
        dt = d2
    elif d2 is None:
        dt = d1
    else:
        dt = _result_type(d1, d2)
    if kind == "div" and dt.kind != "f":
        return _f32
    if kind == "arith" and dt.kind == "b":
        return _f32 if (d1 is None or d2 is None) else dt
    return dt


def _binary(name, npf, d1=None, d2=None, kind="arith"):
    """A broadcasting binary ufunc; ``d1(xp, a, b, y)``/``d2`` are the partial derivatives."""
    diff = d1 is not None

    def f(x1, x2, out=None, **kwargs):
        s1, s2 = _is_scalar(x1), _is_scalar(x2)
        if s1 and s2:
            return _py(npf(x1, x2))
        if not s1 and not isinstance(x1, NDArray):
            x1 = _arr(x1)
        if not s2 and not isinstance(x2, NDArray):
            x2 = _arr(x2)
        dt1 = None if s1 else x1._dtype
        dt2 = None if s2 else x2._dtype
        dt = _bin_dtype(kind, dt1, dt2)
        cdt = dt if kind != "cmp" else (_result_type(dt1, dt2) if dt1 is not None and dt2 is not None
                                        else (dt1 or dt2))
        inputs, shapes = [], []
        if not s1:
            inputs.append(_np_view(x1))
            shapes.append(x1.shape)
        if not s2:
            inputs.append(_np_view(x2))
            shapes.append(x2.shape)
        try:
            shape = _onp.broadcast_shapes(*shapes)
        except ValueError:
            raise MXNetError("{}: operands could not be broadcast together with shapes {}".format(
                name, " ".join(str(s) for s in shapes))) from None
        xpname = npf.__name__
        if kind == "arith" and dt.kind in "iu":      # MXNet: int array op float scalar -> int scalar
            if s1 and isinstance(x1, float):
                x1 = int(x1)
            if s2 and isinstance(x2, float):
                x2 = int(x2)

        def args(xp, r):
            it = iter(r)
            a = x1 if s1 else next(it)
            b = x2 if s2 else next(it)
            if not s1 and a.dtype != cdt:
                a = a.astype(cdt)
            if not s2 and b.dtype != cdt:
                b = b.astype(cdt)
            return a, b

        def fn(xp, r):
            a, b = args(xp, r)
            with _onp.errstate(all="ignore"):
                return getattr(xp, xpname)(a, b)

        def vjp(xp, r, outs, ogs):
            a, b = args(xp, r)
            y, g = outs[0], ogs[0]
            with _onp.errstate(all="ignore"):
                res = []
                if not s1:
                    res.append(g * d1(xp, a, b, y))
                if not s2:
                    res.append(g * d2(xp, a, b, y))
            return res

        return _apply(name, fn, inputs, vjp=vjp if diff else None, out_dtypes=dt, shapes=shape, out=out)
    f.__name__ = name
    f.__doc__ = "Element-wise {} with NumPy broadcasting.".format(name)
    return f


_one = lambda xp, a, b, y: xp.ones_like(y)          # noqa: E731
_mone = lambda xp, a, b, y: -xp.ones_like(y)        # noqa: E731

add = _binary("add", _onp.add, _one, _one)
subtract = _binary("subtract", _onp.subtract, _one, _mone)
multiply = _binary("multiply", _onp.multiply, lambda xp, a, b, y: b, lambda xp, a, b, y: a)
true_divide = _binary("true_divide", _onp.true_divide, lambda xp, a, b, y: 1 / b,
                      lambda xp, a, b, y: -a / (b * b), kind="div")
divide = true_divide
floor_divide = _binary("floor_divide", _onp.floor_divide)
mod = _binary("mod", _onp.mod, _one, lambda xp, a, b, y: -xp.floor(a / b))
remainder = mod
fmod = _binary("fmod", _onp.fmod, _one, lambda xp, a, b, y: -xp.trunc(a / b))
power = _binary("power", _onp.power, lambda xp, a, b, y: b * xp.power(a, b - 1),
                lambda xp, a, b, y: y * xp.log(a))
float_power = _binary("float_power", _onp.power, lambda xp, a, b, y: b * xp.power(a, b - 1),
                      lambda xp, a, b, y: y * xp.log(a))
maximum = _binary("maximum", _onp.maximum, lambda xp, a, b, y: (a >= b).astype(y.dtype),
                  lambda xp, a, b, y: (a < b).astype(y.dtype))
minimum = _binary("minimum", _onp.minimum, lambda xp, a, b, y: (a <= b).astype(y.dtype),
                  lambda xp, a, b, y: (a > b).astype(y.dtype))
fmax = _binary("fmax", _onp.fmax)
fmin = _binary("fmin", _onp.fmin)
hypot = _binary("hypot", _onp.hypot, lambda xp, a, b, y: a / y, lambda xp, a, b, y: b / y)
arctan2 = _binary("arctan2", _onp.arctan2, lambda xp, a, b, y: b / (a * a + b * b),
                  lambda xp, a, b, y: -a / (a * a + b * b))
copysign = _binary("copysign", _onp.copysign)
ldexp = _binary("ldexp", _onp.ldexp)
lcm = _binary("lcm", _onp.lcm)
gcd = _binary("gcd", _onp.gcd)
heaviside = _binary("heaviside", _onp.heaviside)
bitwise_and = _binary("bitwise_and", _onp.bitwise_and)
bitwise_or = _binary("bitwise_or", _onp.bitwise_or)
bitwise_xor = _binary("bitwise_xor", _onp.bitwise_xor)
equal = _binary("equal", _onp.equal, kind="cmp")
not_equal = _binary("not_equal", _onp.not_equal, kind="cmp")
greater = _binary("greater", _onp.greater, kind="cmp")
greater_equal = _binary("greater_equal", _onp.greater_equal, kind="cmp")
less = _binary("less", _onp.less, kind="cmp")
less_equal = _binary("less_equal", _onp.less_equal, kind="cmp")
logical_and = _binary("logical_and", _onp.logical_and, kind="cmp")
logical_or = _binary("logical_or", _onp.logical_or, kind="cmp")
logical_xor = _binary("logical_xor", _onp.logical_xor, kind="cmp")


def clip(a, a_min, a_max, out=None):
    """Clip values to [a_min, a_max] (gradient passes where not clipped)."""
    if a_min is None and a_max is None:
        raise ValueError("array_clip: must set either max or min")
    a = _arr(a)
    lo = -_onp.inf if a_min is None else _py(a_min)
    hi = _onp.inf if a_max is None else _py(a_max)

    def vjp(xp, ins, outs, ogs):
        x = ins[0]
        return [ogs[0] * ((x >= lo) & (x <= hi))]
    return _apply("clip", lambda xp, r: xp.clip(r[0], lo, hi), [a], vjp=vjp, out_dtypes=a._dtype,
                  shapes=a.shape, out=out)


def where(condition, x=None, y=None):
    """Elements of ``x`` where ``condition`` else of ``y`` (or ``nonzero(condition)``)."""
    if x is None and y is None:
        return nonzero(condition)
    c = _arr(condition)
    xs, ys = _is_scalar(x), _is_scalar(y)
    ins = [c]
    if not xs:
        x = _arr(x)
        ins.append(x)
    if not ys:
        y = _arr(y)
        ins.append(y)
    dts = [v._dtype for v in (x, y) if not _is_scalar(v)]
    dt = _result_type(*dts) if dts else _f32
    shape = _onp.broadcast_shapes(*[v.shape for v in ins])

    def parts(r):
        it = iter(r[1:])
        a = x if xs else next(it)
        b = y if ys else next(it)
        return a, b

    def fn(xp, r):
        a, b = parts(r)
        return xp.where(r[0].astype(bool), a, b)

    def vjp(xp, r, outs, ogs):
        m = r[0].astype(bool)
        g = ogs[0]
        res = [None]
        if not xs:
            res.append(xp.where(m, g, 0))
        if not ys:
            res.append(xp.where(m, 0, g))
        return res
    return _apply("where", fn, ins, vjp=vjp, out_dtypes=dt, shapes=shape)


# -- reductions ------------------------------------------------------------------------------


def _norm_axis(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, integer_types) or isinstance(axis, _onp.integer):
        axis = (int(axis),)
    res = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < builtins.max(ndim, 1):
            raise MXNetError("axis {} is out of bounds for array of dimension {}".format(a, ndim))
        res.append(a % builtins.max(ndim, 1) if ndim else 0)
    if len(set(res)) != len(res):
        raise MXNetError("duplicate value in 'axis'")
    return tuple(res)


def _red_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else s for i, s in enumerate(shape))
    return tuple(s for i, s in enumerate(shape) if i not in axes)


def _keep(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _reduction(name, npf, vjp_fn=None, dtype_rule="same"):
    def f(a, axis=None, dtype=None, out=None, keepdims=False, **kwargs):
        a = _arr(a)
        axes = _norm_axis(axis, a.ndim)
        shape = _red_shape(a.shape, axes, keepdims)
        if dtype is not None:
            dt = _np_dtype(dtype)
        elif dtype_rule == "float":
            dt = a._dtype if a._dtype.kind == "f" else _f32
        elif dtype_rule == "bool":
            dt = _onp.dtype(bool)
        else:
            dt = a._dtype if a._dtype.kind != "b" else _onp.dtype(_onp.int64)
        if a.ndim == 0:
            axes_np = None
        else:
            axes_np = axes
        extra = {k: v for k, v in kwargs.items() if k in ("ddof",)}
        if name in ("max", "min") and a.size == 0 and builtins.any(a.shape[i] == 0 for i in axes):
            raise MXNetError("{}: zero-size array to reduction operation with no identity".format(name))

        empty_mean = name == "mean" and builtins.any(
            a.shape[i] == 0 for i in (axes if axes is not None else range(a.ndim)))

        def fn(xp, r):
            if empty_mean:      # MXNet 1.9.1: the mean over no elements is 0 (NumPy: NaN, a warning)
                return xp.zeros(shape, dtype=dt)
            with _onp.errstate(all="ignore"):
                return getattr(xp, npf)(r[0], axis=axes_np, keepdims=keepdims, **extra)

        def vjp(xp, ins, outs, ogs):
            x = ins[0]
            ks = _keep(x.shape, axes)
            return [vjp_fn(xp, x, outs[0].reshape(ks), ogs[0].reshape(ks), axes_np, extra)]
        with _onp.errstate(all="ignore"):
            return _apply(name, fn, [a], vjp=vjp if vjp_fn is not None else None, out_dtypes=dt,
                          shapes=shape, out=out)
    f.__name__ = name
    f.__doc__ = "{} along ``axis`` (all axes by default; 0-d result).".format(name)
    return f


def _count(x, axes):
    n = 1
    for i in (axes if axes is not None else range(x.ndim)):
        n *= x.shape[i]
    return n


def _vjp_sum(xp, x, y, g, axes, extra):
    return xp.broadcast_to(g, x.shape)


def _vjp_mean(xp, x, y, g, axes, extra):
    return xp.broadcast_to(g / builtins.max(_count(x, axes), 1), x.shape)


def _vjp_extreme(xp, x, y, g, axes, extra):
    return g * (x == y)


def _vjp_prod(xp, x, y, g, axes, extra):
    with _onp.errstate(all="ignore"):
        return xp.where(x != 0, g * y / x, 0)


def _vjp_var(xp, x, y, g, axes, extra):
    n = _count(x, axes) - extra.get("ddof", 0)
    m = x.mean(axis=axes, keepdims=True)
    return g * 2 * (x - m) / n


def _vjp_std(xp, x, y, g, axes, extra):
    n = _count(x, axes) - extra.get("ddof", 0)
    m = x.mean(axis=axes, keepdims=True)
    with _onp.errstate(all="ignore"):
        return xp.where(y != 0, g * (x - m) / (n * y), 0)


sum = _reduction("sum", "sum", _vjp_sum)
mean = _reduction("mean", "mean", _vjp_mean, "float")
prod = _reduction("prod", "prod", _vjp_prod)
product = prod
_max = _reduction("max", "max", _vjp_extreme)
_min = _reduction("min", "min", _vjp_extreme)
var = _reduction("var", "var", _vjp_var, "float")
std = _reduction("std", "std", _vjp_std, "float")
all = _reduction("all", "all", None, "bool")
any = _reduction("any", "any", None, "bool")
sometrue = any
alltrue = all
nansum = _reduction("nansum", "nansum", None)
nanprod = _reduction("nanprod", "nanprod", None)


def max(a, axis=None, out=None, keepdims=False):
    """Maximum along ``axis``."""
    return _max(a, axis=axis, out=out, keepdims=keepdims)


def min(a, axis=None, out=None, keepdims=False):
    """Minimum along ``axis``."""
    return _min(a, axis=axis, out=out, keepdims=keepdims)


amax, amin = max, min


def _argred(name):
    def f(a, axis=None, out=None):
        a = _arr(a)
        if a.size == 0:
            raise MXNetError("{}: attempt to get {} of an empty sequence".format(name, name))
        if axis is None:
            shape = ()
        else:
            ax = _norm_axis(axis, a.ndim)
            shape = _red_shape(a.shape, ax, False)
        return _apply(name, lambda xp, r: getattr(xp, name)(r[0], axis=axis), [a],
                      out_dtypes=_onp.dtype(_onp.int64), shapes=shape, out=out)
    f.__name__ = name
    return f


argmax = _argred("argmax")
argmin = _argred("argmin")
nanargmax = _argred("nanargmax")
nanargmin = _argred("nanargmin")


def average(a, axis=None, weights=None, returned=False, out=None):
    a = _arr(a)
    if weights is None:
        avg = mean(a, axis=axis)
        if returned:
            return avg, full(avg.shape, a.size / builtins.max(avg.size, 1), dtype=avg.dtype)
        return avg
    w = _arr(weights)
    if w.shape != a.shape:
        if axis is None or w.ndim != 1:
            raise MXNetError("average: weights shape {} differs from a's {} (then axis must be given "
                             "and weights 1-D)".format(w.shape, a.shape))
        shp = [1] * a.ndim
        shp[axis] = w.shape[0]
        w = w.reshape(shp)
    s = sum(a * w, axis=axis)
    ws = sum(broadcast_to(w, a.shape), axis=axis)
    return (s / ws, ws) if returned else s / ws


def cumsum(a, axis=None, dtype=None, out=None):
    """Cumulative sum (flattened when ``axis`` is None)."""
    a = _arr(a)
    dt = _np_dtype(dtype, a._dtype if a._dtype.kind != "b" else _onp.int64)
    shape = (a.size,) if axis is None else a.shape

    def vjp(xp, ins, outs, ogs):
        g = ogs[0]
        ax = 0 if axis is None else axis
        r = xp.flip(xp.cumsum(xp.flip(g, ax), axis=ax), ax)
        return [r.reshape(ins[0].shape)]
    return _apply("cumsum", lambda xp, r: xp.cumsum(r[0], axis=axis), [a], vjp=vjp, out_dtypes=dt,
                  shapes=shape, out=out)


def count_nonzero(a, axis=None, *, keepdims=False):
    a = _arr(a)
    return _apply("count_nonzero", lambda xp, r: xp.asarray(xp.count_nonzero(r[0], axis=axis,
                                                                           keepdims=keepdims)),
                  [a], out_dtypes=_onp.dtype(_onp.int64))


def ptp(a, axis=None, out=None, keepdims=False):
    return subtract(max(a, axis=axis, keepdims=keepdims), min(a, axis=axis, keepdims=keepdims), out=out)


# -- shape manipulation --------------------------------------------------------------------


def _move(name, fn, arrays, shapes=None, dtype=None):
    """Run an element-moving function on ``arrays`` (cast to one dtype) with an id-tracing VJP."""
    arrays = [_arr(a) for a in arrays]
    dt = dtype or (_result_type(*[a._dtype for a in arrays]) if arrays else _f32)
    arrays = [a if a._dtype == dt else a.astype(dt) for a in arrays]

    def vjp(xp, ins, outs, ogs):
        ids, off = [], 1
        for x in ins:
            ids.append(xp.arange(off, off + x.size, dtype=xp.int64).reshape(x.shape))
            off += x.size
        m = fn(xp, ids)
        ms = list(m) if isinstance(m, (list, tuple)) else [m]
        total = xp.zeros(off, dtype=xp.float64)
        for mi, gi in zip(ms, ogs):
            total += xp.bincount(xp.asarray(mi).ravel(), weights=gi.ravel().astype(xp.float64),
                                 minlength=off)
        res, off = [], 1
        for x in ins:
            res.append(total[off:off + x.size].reshape(x.shape))
            off += x.size
        return res
    try:
        return _apply(name, fn, arrays, vjp=vjp, shapes=shapes, out_dtypes=dt if shapes is not None else None)
    except ValueError as e:
        raise MXNetError(str(e)) from None


def reshape(a, newshape, order="C", out=None):
    """``a`` with a new shape (one dimension may be -1)."""
    res = _arr(a).reshape(newshape)
    if out is not None:
        _copy_into(out, res)
        return out
    return res


def ravel(x, order="C"):
    return _arr(x).reshape(-1)


def transpose(a, axes=None):
    """Permute the dimensions (reversed by default)."""
    a = _arr(a)
    if axes is None:
        axes = tuple(range(a.ndim))[::-1]
    axes = tuple(int(x) % builtins.max(a.ndim, 1) for x in axes)
    if sorted(axes) != list(range(a.ndim)):
        raise MXNetError("transpose: axes {} are not a permutation of the {} dimensions of an array "
                         "of shape {}".format(axes, a.ndim, a.shape))
    if a.ndim < 2:
        return a.copy() if a.ndim else a
    return _reg("transpose", [a], axes=axes)


def swapaxes(a, axis1, axis2):
    a = _arr(a)
    ax = list(range(a.ndim))
    i, j = _norm_axis(axis1, a.ndim)[0], _norm_axis(axis2, a.ndim)[0]
    ax[i], ax[j] = ax[j], ax[i]
    return transpose(a, ax)


def moveaxis(a, source, destination):
    a = _arr(a)
    shape = _onp.moveaxis(_onp.empty(a.shape, dtype=bool), source, destination).shape
    return _move("moveaxis", lambda xp, r: xp.moveaxis(r[0], source, destination), [a], shape)


def rollaxis(a, axis, start=0):
    a = _arr(a)
    shape = _onp.rollaxis(_onp.empty(a.shape, dtype=bool), axis, start).shape
    return _move("rollaxis", lambda xp, r: xp.rollaxis(r[0], axis, start), [a], shape)


def expand_dims(a, axis):
    a = _arr(a)
    try:
        shape = _onp.expand_dims(_onp.empty(a.shape, dtype=bool), axis).shape
    except Exception as e:
        raise MXNetError("expand_dims: {}".format(e)) from None
    return a.reshape(shape)


def squeeze(a, axis=None, out=None):
    a = _arr(a)
    try:
        shape = _onp.squeeze(_onp.empty(a.shape, dtype=bool), axis).shape
    except ValueError as e:
        raise MXNetError("squeeze: {}".format(e)) from None
    return reshape(a, shape, out=out)


def broadcast_to(array, shape):
    """Broadcast ``array`` to ``shape``."""
    a = _arr(array)
    shape = _shape_of(shape)
    try:
        _onp.broadcast_shapes(a.shape, shape)
        if _onp.broadcast_shapes(a.shape, shape) != shape:
            raise ValueError("shape mismatch")
    except ValueError:
        raise MXNetError("broadcast_to: cannot broadcast an array of shape {} to {}".format(
            a.shape, shape)) from None

    def vjp(xp, ins, outs, ogs):
        return [ogs[0]]
    return _apply("broadcast_to", lambda xp, r: xp.broadcast_to(r[0], shape), [a], vjp=vjp,
                  out_dtypes=a._dtype, shapes=shape)


def broadcast_arrays(*args):
    shape = _onp.broadcast_shapes(*[_arr(a).shape for a in args])
    return [broadcast_to(a, shape) for a in args]


def _probe(fn, *arrays):
    return fn(_onp, [_onp.empty(a.shape, dtype=bool) for a in arrays])


def _mover(name, npname, pos_args=()):
    def f(a, *args, **kwargs):
        a = _arr(a)

        def fn(xp, r):
            return getattr(xp, npname)(r[0], *args, **kwargs)
        try:
            shape = _probe(fn, a).shape
        except (ValueError, TypeError, IndexError) as e:
            raise MXNetError("{}: {}".format(name, e)) from None
        return _move(name, fn, [a], shape)
    f.__name__ = name
    return f


flip = _mover("flip", "flip")
fliplr = _mover("fliplr", "fliplr")
flipud = _mover("flipud", "flipud")
rot90 = _mover("rot90", "rot90")
roll = _mover("roll", "roll")
tile = _mover("tile", "tile")
repeat = _mover("repeat", "repeat")
diagonal = _mover("diagonal", "diagonal")
diag = _mover("diag", "diag")
diagflat = _mover("diagflat", "diagflat")
tril = _mover("tril", "tril")
triu = _mover("triu", "triu")
resize = _mover("resize", "resize")


def pad(x, pad_width=None, mode="constant", **kwargs):
    x = _arr(x)
    if mode == "constant" and kwargs.get("constant_values", 0) != 0:
        cv = kwargs["constant_values"]
        return _apply("pad", lambda xp, r: xp.pad(r[0], pad_width, mode=mode, constant_values=cv), [x])
    return _mover("pad", "pad")(x, pad_width, mode=mode, **kwargs)


def _atleast(n):
    def f(*arys):
        res = []
        for a in arys:
            a = _arr(a)
            shape = getattr(_onp, "atleast_%dd" % n)(_onp.empty(a.shape, dtype=bool)).shape
            res.append(a.reshape(shape))
        return res[0] if len(res) == 1 else res
    f.__name__ = "atleast_%dd" % n
    return f


atleast_1d, atleast_2d, atleast_3d = _atleast(1), _atleast(2), _atleast(3)


def _multi(name, npname):
    def f(arrays, axis=0, out=None, **kw):
        arrays = [_arr(a) for a in arrays]
        if not arrays:
            raise MXNetError("{}: need at least one array".format(name))
        kwargs = {} if npname in ("hstack", "vstack", "dstack", "column_stack") else {"axis": axis}

        def fn(xp, r):
            return getattr(xp, npname)(r, **kwargs)
        try:
            shape = _probe(fn, *arrays).shape
        except (ValueError, IndexError, TypeError) as e:
            raise MXNetError("{}: {} (input shapes {})".format(
                name, e, ", ".join(str(a.shape) for a in arrays))) from None
        res = _move(name, fn, arrays, shape)
        if out is not None:
            _copy_into(out, res)
            return out
        return res
    f.__name__ = name
    return f


concatenate = _multi("concatenate", "concatenate")
stack = _multi("stack", "stack")
_hstack, _vstack = _multi("hstack", "hstack"), _multi("vstack", "vstack")
_dstack, _column_stack = _multi("dstack", "dstack"), _multi("column_stack", "column_stack")


def concat(seq, axis=0, out=None):
    return concatenate(seq, axis=axis, out=out)


def hstack(arrays):
    return _hstack(arrays)


def vstack(arrays, out=None):
    return _vstack(arrays, out=out)


row_stack = vstack


def dstack(arrays):
    return _dstack(arrays)


def column_stack(tup):
    return _column_stack(tup)


def append(arr, values, axis=None):
    if axis is None:
        return concatenate([ravel(arr), ravel(values)])
    return concatenate([arr, values], axis=axis)


def _splitter(name, npname, default_axis=0):
    def f(ary, indices_or_sections, axis=default_axis):
        a = _arr(ary)
        ios = indices_or_sections
        if isinstance(ios, NDArray):
            ios = ios.asnumpy().tolist()
        kw = {"axis": axis} if npname in ("split", "array_split") else {}

        def fn(xp, r):
            return tuple(getattr(xp, npname)(r[0], ios, **kw))
        try:
            shapes = [p.shape for p in _probe(fn, a)]
        except (ValueError, IndexError, TypeError) as e:
            raise MXNetError("{}: {}".format(name, e)) from None
        return list(_move(name, fn, [a], shapes))
    f.__name__ = name
    return f


split = _splitter("split", "split")
array_split = _splitter("array_split", "array_split")
_hsplit, _vsplit, _dsplit = _splitter("hsplit", "hsplit"), _splitter("vsplit", "vsplit"), \
    _splitter("dsplit", "dsplit")


def hsplit(ary, indices_or_sections):
    return _hsplit(ary, indices_or_sections)


def vsplit(ary, indices_or_sections):
    return _vsplit(ary, indices_or_sections)


def dsplit(ary, indices_or_sections):
    return _dsplit(ary, indices_or_sections)


def take(a, indices, axis=None, mode="raise", out=None):
    """Elements of ``a`` at ``indices`` along ``axis`` (flattened when None); mode 'raise',
    'wrap' or 'clip'."""
    a = _arr(a)
    idx = _arr(indices, dtype=_onp.int64) if not isinstance(indices, NDArray) else indices
    if mode not in ("raise", "wrap", "clip"):
        raise MXNetError("take: mode must be 'raise', 'wrap' or 'clip', got {!r}".format(mode))
    if mode == "raise":
        n = a.size if axis is None else a.shape[axis]
        iv = idx.asnumpy()
        if iv.size and (iv.min() < -n or iv.max() >= n):
            raise IndexError("take: index out of range for axis of size {}".format(n))
    res = _moveidx("take", lambda xp, x, i: xp.take(x, i.astype(xp.int64), axis=axis, mode=mode), a, idx)
    if out is not None:
        _copy_into(out, res)
        return out
    return res


def _moveidx(name, fn, a, idx):
    """An element-moving function of ``a`` given an integer index array ``idx`` (not differentiated)."""
    from ._core import _index_vjp
    return _apply(name, lambda xp, r: fn(xp, r[0], r[1]), [a, idx],
                  vjp=_index_vjp(lambda xp, r: fn(xp, r[0], r[1])))


def take_along_axis(arr, indices, axis):
    return _moveidx("take_along_axis", lambda xp, x, i: xp.take_along_axis(x, i.astype(xp.int64), axis),
                    _arr(arr), _arr(indices))


def compress(condition, a, axis=None, out=None):
    return _moveidx("compress", lambda xp, x, c: xp.compress(c.astype(bool), x, axis=axis),
                    _arr(a), _arr(condition))


def extract(condition, arr):
    return _moveidx("extract", lambda xp, x, c: xp.extract(c.astype(bool), x), _arr(arr), _arr(condition))


def delete(arr, obj, axis=None):
    a = _arr(arr)
    o = obj.asnumpy() if isinstance(obj, NDArray) else obj
    return _move("delete", lambda xp, r: xp.delete(r[0], o, axis=axis), [a])


def insert(arr, obj, values, axis=None):
    a = _arr(arr)
    o = obj.asnumpy() if isinstance(obj, NDArray) else obj
    v = values.asnumpy() if isinstance(values, NDArray) else values
    return _apply("insert", lambda xp, r: xp.insert(r[0], o, v, axis=axis), [a], out_dtypes=a._dtype)


# -- linear algebra ------------------------------------------------------------------------


_LETTERS = string.ascii_letters


def _einsum_parse(subscripts, shapes):
    """Explicit-form subscripts (no '...', with '->') for operands of ``shapes``."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        ins, out = subscripts.split("->")
    else:
        ins, out = subscripts, None
    ins = ins.split(",")
    if len(ins) != len(shapes):
        raise MXNetError("einsum: {} operands for subscripts {!r}".format(len(shapes), subscripts))
    used = set("".join(ins) + (out or ""))
    free = [c for c in _LETTERS if c not in used]
    n_ell = builtins.max([len(s) - (len(t) - 3) for t, s in zip(ins, shapes) if "..." in t] or [0])
    ell = "".join(free[:n_ell])
    new_ins = []
    for t, s in zip(ins, shapes):
        if "..." in t:
            k = len(s) - (len(t) - 3)
            t = t.replace("...", ell[n_ell - k:])
        new_ins.append(t)
    if out is None:
        counts = {}
        for c in "".join(new_ins):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return new_ins, out


def _einsum_vjp(ins_s, out_s):
    def vjp(xp, ins, outs, ogs):
        g = ogs[0]
        res = []
        for i, (x, s) in enumerate(zip(ins, ins_s)):
            others = [(t, y) for j, (t, y) in enumerate(zip(ins_s, ins)) if j != i]
            avail = set(out_s).union(*[set(t) for t, _ in others])
            if len(set(s)) != len(s):
                res.append(None)
                continue
            present = "".join(c for c in s if c in avail)
            spec = ",".join([out_s] + [t for t, _ in others]) + "->" + present
            # size-1 broadcast dims: sum the gradient down where the operand has size 1
            r = xp.einsum(spec, g, *[y for _, y in others])
            if present != s:
                shp = [x.shape[k] if c in present else 1 for k, c in enumerate(s)]
                r = xp.broadcast_to(r.reshape(shp), x.shape)
            res.append(r)
        return res
    return vjp


def einsum(*operands, **kwargs):
    """Einstein summation (``optimize`` is accepted and ignored); differentiable."""
    subscripts, ops = operands[0], [_arr(o) for o in operands[1:]]
    if not isinstance(subscripts, str):
        raise MXNetError("einsum: the first argument must be the subscripts string")
    ins_s, out_s = _einsum_parse(subscripts, [o.shape for o in ops])
    spec = ",".join(ins_s) + "->" + out_s
    dt = _result_type(*[o._dtype for o in ops])
    ops = [o if o._dtype == dt else o.astype(dt) for o in ops]
    try:
        shape = _onp.einsum(spec, *[_onp.zeros(o.shape, dtype=_onp.float32) if o.size < 4096 else
                                    _onp.broadcast_to(_onp.float32(0), o.shape) for o in ops]).shape
    except ValueError as e:
        raise MXNetError("einsum: {} (operand shapes {})".format(e, [o.shape for o in ops])) from None
    return _apply("einsum", lambda xp, r: xp.einsum(spec, *r), ops, vjp=_einsum_vjp(ins_s, out_s),
                  out_dtypes=dt, shapes=shape, out=kwargs.get("out"))


def tensordot(a, b, axes=2):
    """Tensor dot product over ``axes`` (an int or a pair of axis lists)."""
    a, b = _arr(a), _arr(b)
    if isinstance(axes, integer_types):
        if axes > builtins.min(a.ndim, b.ndim):
            raise MXNetError("tensordot: axes={} larger than the operands' dims {} and {}".format(
                axes, a.shape, b.shape))
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, integer_types) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, integer_types) else list(ax_b)
    ax_a = [x % a.ndim for x in ax_a]
    ax_b = [x % b.ndim for x in ax_b]
    for i, j in zip(ax_a, ax_b):
        if a.shape[i] != b.shape[j]:
            raise MXNetError("tensordot: shape mismatch: a{} axis {} vs b{} axis {}".format(
                a.shape, i, b.shape, j))
    la = _LETTERS[:a.ndim]
    lb = list(_LETTERS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    lb = "".join(lb)
    out = "".join(c for k, c in enumerate(la) if k not in ax_a) + \
        "".join(c for k, c in enumerate(lb) if k not in ax_b)
    return einsum("{},{}->{}".format(la, lb, out), a, b)


def dot(a, b, out=None):
    """Dot product (NumPy rules for 0-d, 1-D, 2-D and N-D operands)."""
    if _is_scalar(a) or _is_scalar(b):
        return multiply(a, b, out=out)
    a, b = _arr(a), _arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b, out=out)
    if b.ndim == 1:
        if a.shape[-1] != b.shape[0]:
            raise MXNetError("dot: shape mismatch: a {} and b {}: a.shape[-1] must equal b.shape[0]".format(
                a.shape, b.shape))
        res = tensordot(a, b, ([a.ndim - 1], [0]))
    else:
        if a.shape[-1] != b.shape[-2]:
            raise MXNetError("dot: shape mismatch: a {} and b {}: a.shape[-1] must equal "
                             "b.shape[-2]".format(a.shape, b.shape))
        if a.ndim == 2 and b.ndim == 2:
            res = matmul(a, b)
        else:
            res = tensordot(a, b, ([a.ndim - 1], [b.ndim - 2]))
    if out is not None:
        _copy_into(out, res)
        return out
    return res


def matmul(a, b, out=None, **kwargs):
    """Matrix product with NumPy's broadcasting of the leading (batch) dimensions."""
    a, b = _arr(a), _arr(b)
    if a.ndim == 0 or b.ndim == 0:
        raise MXNetError("matmul: input operands must not be scalars (0-d)")
    ka = a.shape[-1]
    kb = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if ka != kb:
        raise MXNetError("matmul: shape mismatch: a {} and b {}: a.shape[-1]={} must equal "
                         "b.shape[{}]={}".format(a.shape, b.shape, ka, 0 if b.ndim == 1 else -2, kb))
    try:
        shape = _onp.matmul(_onp.broadcast_to(_onp.float32(0), a.shape[:-2] + (1, ka)) if a.ndim > 1
                            else _onp.zeros(ka, _onp.float32),
                            _onp.broadcast_to(_onp.float32(0), b.shape[:-2] + (kb, 1)) if b.ndim > 1
                            else _onp.zeros(kb, _onp.float32)).shape
        shape = tuple(shape)
        if a.ndim > 1:
            shape = shape[:-2] + (a.shape[-2],) + shape[-1:] if b.ndim > 1 else shape[:-1] + (a.shape[-2],)
        if b.ndim > 1:
            shape = shape[:-1] + (b.shape[-1],)
    except ValueError as e:
        raise MXNetError("matmul: {} (shapes {} and {})".format(e, a.shape, b.shape)) from None
    dt = _result_type(a._dtype, b._dtype)
    a = a if a._dtype == dt else a.astype(dt)
    b = b if b._dtype == dt else b.astype(dt)

    def vjp(xp, ins, outs, ogs):
        x, y, g = ins[0], ins[1], ogs[0]
        x2 = x[None, :] if x.ndim == 1 else x
        y2 = y[:, None] if y.ndim == 1 else y
        if x.ndim == 1:
            g = xp.expand_dims(g, -2)
        if y.ndim == 1:
            g = xp.expand_dims(g, -1)
        gx = xp.matmul(g, xp.swapaxes(y2, -1, -2))
        gy = xp.matmul(xp.swapaxes(x2, -1, -2), g)
        gx = _reduce_to(xp, gx, x2.shape).reshape(x.shape)
        gy = _reduce_to(xp, gy, y2.shape).reshape(y.shape)
        return [gx, gy]
    return _apply("matmul", lambda xp, r: xp.matmul(r[0], r[1]), [a, b], vjp=vjp, out_dtypes=dt,
                  shapes=shape, out=out)


def inner(a, b):
    a, b = _arr(a), _arr(b)
    if a.ndim == 0 or b.ndim == 0:
        return multiply(a, b)
    return tensordot(a, b, ([a.ndim - 1], [b.ndim - 1]))


def outer(a, b):
    return einsum("i,j->ij", ravel(a), ravel(b))


def vdot(a, b):
    return einsum("i,i->", ravel(a), ravel(b))


def kron(a, b):
    a, b = _arr(a), _arr(b)
    return _apply("kron", lambda xp, r: xp.kron(r[0], r[1]), [a, b])


def trace(a, offset=0, axis1=0, axis2=1, out=None):
    res = sum(diagonal(a, offset, axis1, axis2), axis=-1)
    if out is not None:
        _copy_into(out, res)
        return out
    return res


# -- sorting, searching, sets --------------------------------------------------------------


def sort(a, axis=-1, kind=None, order=None):
    """Sorted copy (differentiable: the gradient follows the permutation)."""
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), -1

    def fn(xp, r):
        x = r[0]
        return xp.sort(x, axis=axis)
    shape = a.shape

    def vjp(xp, ins, outs, ogs):
        x = ins[0]
        idx = xp.argsort(x, axis=axis, kind="stable")
        g = xp.zeros_like(x, dtype=ogs[0].dtype)
        xp.put_along_axis(g, idx, ogs[0], axis=axis)
        return [g]
    return _apply("sort", fn, [a], vjp=vjp, out_dtypes=a._dtype, shapes=shape)


def msort(a):
    """Sorted copy along the first axis."""
    return sort(a, axis=0)


def argsort(a, axis=-1, kind=None, order=None):
    a = _arr(a)
    shape = (a.size,) if axis is None else a.shape
    return _apply("argsort", lambda xp, r: xp.argsort(r[0], axis=axis, kind="stable"), [a],
                  out_dtypes=_onp.dtype(_onp.int64), shapes=shape)


def _generic(name, npfunc=None, float_out=True, int_out=None):
    """A non-differentiable NumPy function: mx arrays in ``args``/``kwargs`` are read, the NumPy
    function runs, and array results come back as ``mx.np.ndarray`` (NumPy's float64/int64 from
    float32/int32 inputs narrowed back, as MXNet's np does)."""
    npf = npfunc or getattr(_onp, name)

    def f(*args, **kwargs):
        arrays = []

        def sub(v):
            if isinstance(v, NDArray):
                arrays.append(v)
                return _SlotRef(len(arrays) - 1)
            if isinstance(v, (list, tuple)):
                return type(v)(sub(x) for x in v)
            return v
        targs = sub(list(args))
        tkw = {k: sub(v) for k, v in kwargs.items()}

        def fill(v, raw):
            if isinstance(v, _SlotRef):
                return raw[v.i]
            if isinstance(v, (list, tuple)):
                return type(v)(fill(x, raw) for x in v)
            return v
        in_dts = {a._dtype for a in arrays}
        ctx = arrays[0]._ctx if arrays else current_context()

        def call(f, raw):
            with _onp.errstate(all="ignore"):
                return f(*fill(targs, raw), **{k: fill(v, raw) for k, v in tkw.items()})

        def fn(xp, raw):
            if xp is _onp:
                return _flatten_result(xp, call(npf, raw))
            # the device's own version (CuPy's); NumPy on host copies where it has none or rejects
            # the arguments (NumPy-only keywords); _flatten_result puts the results on the device
            f = getattr(xp, name, None) if npfunc is None else None
            if f is not None:
                try:
                    return _flatten_result(xp, call(f, raw))
                except (TypeError, NotImplementedError):
                    pass
            return _flatten_result(xp, call(npf, [to_numpy(r) for r in raw]))
        res_tmpl = []

        def fn2(xp, raw):
            flat, tmpl = fn(xp, raw)
            res_tmpl.append(tmpl)
            return tuple(flat)
        outs = _apply(name, fn2, [_np_view(a) for a in arrays], ctx=ctx)
        outs = [outs] if isinstance(outs, NDArray) else list(outs)
        fixed = []
        for o in outs:
            if o._dtype == _onp.float64 and _onp.dtype(_onp.float64) not in in_dts and float_out:
                o = o.astype(_f32)
            fixed.append(o)
        return _unflatten(res_tmpl[0], fixed)
    f.__name__ = name
    f.__doc__ = "NumPy's ``{}`` on mx.np arrays (not differentiable).".format(name)
    return f


class _SlotRef:
    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i


def _flatten_result(xp, r):
    flat = []

    def walk(v):
        if isinstance(v, tuple):
            return tuple(walk(x) for x in v)
        if isinstance(v, list) and v and isinstance(v[0], (_onp.ndarray, xp.ndarray)):
            return [walk(x) for x in v]
        if isinstance(v, (_onp.ndarray, xp.ndarray, _onp.generic)) or isinstance(v, (builtins.bool, int, float)):
            flat.append(xp.asarray(v))
            return _SlotRef(len(flat) - 1)
        return v
    tmpl = walk(r)
    if not flat:
        flat.append(xp.zeros(()))
    return flat, tmpl


def _unflatten(tmpl, outs):
    if isinstance(tmpl, _SlotRef):
        return outs[tmpl.i]
    if isinstance(tmpl, (tuple, list)):
        return type(tmpl)(_unflatten(v, outs) for v in tmpl)
    return tmpl


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None):
    """Sorted unique elements (optionally indices, inverse and counts, as NumPy)."""
    return _generic("unique")(_arr(ar), return_index=return_index, return_inverse=return_inverse,
                              return_counts=return_counts, axis=axis)


def nonzero(a):
    """Tuple of int64 index arrays of the non-zero elements."""
    a = _arr(a)
    return tuple(_generic("nonzero")(a))


def meshgrid(*xi, **kwargs):
    """Coordinate matrices from coordinate vectors (``indexing`` 'xy' or 'ij')."""
    indexing = kwargs.get("indexing", "xy")
    xs = [ravel(x) for x in xi]
    shape = [x.size for x in xs]
    if indexing == "xy" and len(xs) > 1:
        shape[0], shape[1] = shape[1], shape[0]
    res = []
    for i, x in enumerate(xs):
        s = [1] * len(xs)
        j = i
        if indexing == "xy" and len(xs) > 1 and i < 2:
            j = 1 - i
        s[j] = x.size
        res.append(broadcast_to(x.reshape(s), tuple(shape)))
    return res


def shape(a):
    return _arr(a).shape


def ndim(a):
    return _arr(a).ndim


def size(a, axis=None):
    a = _arr(a)
    return a.size if axis is None else a.shape[axis]


def may_share_memory(a, b, max_work=None):
    return isinstance(a, NDArray) and isinstance(b, NDArray) and a._chunk is b._chunk


shares_memory = may_share_memory


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(_onp.allclose(_onp.asarray(a), _onp.asarray(b), rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
    return builtins.bool(_onp.array_equal(_onp.asarray(a1), _onp.asarray(a2)))


def array_equiv(a1, a2):
    return builtins.bool(_onp.array_equiv(_onp.asarray(a1), _onp.asarray(a2)))


def result_type(*arrays_and_dtypes):
    dts = [a._dtype if isinstance(a, NDArray) else _onp.dtype(a) for a in arrays_and_dtypes
           if not _is_scalar(a)]
    return _result_type(*dts) if dts else _f32


def promote_types(type1, type2):
    return _result_type(type1, type2)


def min_scalar_type(a):
    return _onp.min_scalar_type(a)


def set_printoptions(precision=None, threshold=None, **kwarg):
    _onp.set_printoptions(precision=precision, threshold=threshold, **kwarg)


def real(val):
    return _arr(val)


for _n in ("isclose", "searchsorted", "bincount", "histogram", "histogram_bin_edges", "histogram2d",
           "histogramdd", "argwhere", "flatnonzero", "digitize", "interp", "percentile", "quantile",
           "nanpercentile", "nanquantile", "nanmedian", "nanmax", "nanmin", "nancumsum", "nancumprod",
           "median", "diff", "ediff1d", "correlate", "cov", "corrcoef", "trapz", "unwrap", "vander",
           "polyval", "polyadd", "polysub", "polymul", "polydiv", "polyfit", "polyint", "poly", "roots",
           "in1d", "isin", "intersect1d", "union1d", "setdiff1d", "setxor1d", "unravel_index",
           "ravel_multi_index", "tril_indices_from", "triu_indices_from", "diag_indices_from",
           "tril_indices", "triu_indices", "ix_", "choose", "select", "piecewise", "lexsort",
           "argpartition", "partition", "modf", "frexp", "divmod", "packbits", "unpackbits",
           "apply_along_axis", "apply_over_axes", "trim_zeros", "cumprod", "nanmean", "nanstd",
           "nanvar"):
    if hasattr(_onp, _n):
        globals()[_n] = _generic(_n)
    elif _n == "trapz" and hasattr(_onp, "trapezoid"):
        globals()[_n] = _generic(_n, _onp.trapezoid)
    elif _n == "in1d":
        globals()[_n] = _generic(_n, lambda a, b, assume_unique=False, invert=False: _onp.isin(
            _onp.ravel(a), b, assume_unique=assume_unique, invert=invert))
del _n


def _financial(name):
    def f(*args, **kwds):
        raise MXNetError("mx.np.{} (a NumPy financial function) is not supported: NumPy removed it "
                         "in 1.20 (see numpy-financial)".format(name))
    f.__name__ = name
    return f


mirr, npv, pv, ppmt, rate = (_financial(n) for n in ("mirr", "npv", "pv", "ppmt", "rate"))


def genfromtxt(*args, **kwargs):
    return array(_onp.genfromtxt(*args, **kwargs))


# -- exact MXNet 1.9.1 signatures ------------------------------------------------------------------

_NoValue = _onp._NoValue


def _exact(name, sig, impl, drop=(), rename=None, positional_first=True):
    """Define ``name`` with MXNet's exact signature ``sig``, forwarding to ``impl`` (the first
    parameter positionally, the rest by keyword; ``drop``ped ones when left at None/_NoValue)."""
    ns = {"_impl": impl, "_NoValue": _NoValue, "_float32": _onp.float32, "_int32": _onp.int32}
    exec("def _stub({}): pass".format(sig), ns)
    import inspect
    params = list(inspect.signature(ns["_stub"]).parameters.values())
    parts = []
    for i, p in enumerate(params):
        if p.kind == p.VAR_POSITIONAL:
            parts.append("*" + p.name)
        elif p.kind == p.VAR_KEYWORD:
            parts.append("**" + p.name)
        elif i == 0 and positional_first:
            parts.append(p.name)
        else:
            target = (rename or {}).get(p.name, p.name)
            if p.name in drop:
                continue
            parts.append("{}={}".format(target, p.name))
    extra = "".join("    if {0} is not None and {0} is not _NoValue: _kw['{1}'] = {0}\n".format(
        d, (rename or {}).get(d, d)) for d in drop)
    src = "def {}({}):\n    _kw = {{}}\n{}    return _impl({}{}**_kw)\n".format(
        name, sig, extra, ", ".join(parts), ", " if parts else "")
    exec(src, ns)
    f = ns[name]
    f.__doc__ = getattr(impl, "__doc__", None)
    f.__module__ = __name__
    globals()[name] = f
    return f


def _red_impl(fn):
    def impl(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, ddof=None, **kw):
        extra = {}
        if ddof:
            extra["ddof"] = ddof
        res = fn(a, axis=axis, dtype=dtype, out=out, keepdims=keepdims, **extra)
        if initial is not None:
            res = add(res, initial)
        return res
    impl.__doc__ = fn.__doc__
    return impl


for _n, _f in (("all", all), ("any", any), ("amax", _max), ("amin", _min), ("max", _max),
               ("min", _min), ("sometrue", any)):
    _exact(_n, "a, axis=None, keepdims=False, out=None", _red_impl(_f))
_exact("alltrue", "*args, **kwargs", lambda *a, **k: _red_impl(all)(*a, **k))
for _n, _f in (("mean", mean), ("prod", prod), ("product", prod)):
    _exact(_n, "a, axis=None, dtype=None, out=None, keepdims=False", _red_impl(_f))
for _n, _f in (("std", std), ("var", var)):
    _exact(_n, "a, axis=None, dtype=None, out=None, ddof=0, keepdims=False", _red_impl(_f))
_exact("sum", "a, axis=None, dtype=None, keepdims=False, initial=None, out=None", _red_impl(sum))
_exact("ptp", "a, axis=None, out=None, keepdims=_NoValue", lambda a, axis=None, out=None, keepdims=_NoValue:
       ptp_impl(a, axis, out, keepdims is True))


def ptp_impl(a, axis, out, keepdims):
    return subtract(max(a, axis=axis, keepdims=keepdims), min(a, axis=axis, keepdims=keepdims), out=out)


for _n in ("nanargmax", "nanargmin"):
    _exact(_n, "a, axis=None, out=None, *, keepdims=_NoValue", globals()[_n], drop=("keepdims",))

_exact("diag", "array, k=0", diag)
_exact("diagflat", "array, k=0", diagflat)
_exact("diagonal", "a, offset=0, axis1=0, axis2=1", diagonal)
_flip_impl = flip
_exact("flip", "m, axis=None, out=None", lambda m, axis=None, out=None: _out(_flip_impl(m, axis=axis), out))
_exact("fliplr", "m", fliplr)
_exact("flipud", "m", flipud)
_exact("repeat", "a, repeats, axis=None", repeat, positional_first=True)
_exact("resize", "a, new_shape", resize)
_exact("roll", "a, shift, axis=None", roll)
_exact("rot90", "m, k=1, axes=(0, 1)", rot90)
_exact("tile", "A, reps", tile)
_exact("tril", "m, k=0", tril)
_concat_impl, _stack_impl = concatenate, stack
_exact("concatenate", "seq, axis=0, out=None", lambda seq, axis=0, out=None: _concat_impl(seq, axis=axis, out=out))
_exact("stack", "arrays, axis=0, out=None", lambda arrays, axis=0, out=None: _stack_impl(arrays, axis=axis, out=out))
_exact("row_stack", "arrays", lambda arrays: _vstack(arrays))
for _n in ("equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "true_divide"):
    _exact(_n, "x1, x2, out=None", globals()[_n])
_exact("i0", "x", i0)
for _n in ("blackman", "hamming", "hanning"):
    _exact(_n, "M, dtype=_float32, ctx=None", globals()[_n])
_exact("empty", "shape, dtype=_float32, order='C', ctx=None", empty)
_exact("ones", "shape, dtype=_float32, order='C', ctx=None", ones)
_exact("eye", "N, M=None, k=0, dtype=_float32, **kwargs", eye)
_exact("indices", "dimensions, dtype=_int32, ctx=None", indices)


def _out(res, out):
    if out is not None:
        _copy_into(out, res)
        return out
    return res


# NumPy-function fallbacks: MXNet's signatures (the call goes to NumPy with the same names)
_GENERIC_SIGS = {
    "apply_along_axis": "func1d, axis, arr, *args, **kwargs", "apply_over_axes": "func, a, axes",
    "argpartition": "a, kth, axis=-1, kind='introselect', order=None", "argwhere": "a",
    "bincount": "x, weights=None, minlength=0", "choose": "a, choices, out=None, mode='raise'",
    "corrcoef": "x, y=None, rowvar=True, bias=_NoValue, ddof=_NoValue, *, dtype=None",
    "correlate": "a, v, mode='valid'",
    "cov": "m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *, dtype=None",
    "diag_indices_from": "arr", "diff": "a, n=1, axis=-1, prepend=None, append=None",
    "digitize": "x, bins, right=False", "ediff1d": "ary, to_end=None, to_begin=None", "flatnonzero": "a",
    "histogram": "a, bins=10, range=None, normed=None, weights=None, density=None",
    "histogram2d": "x, y, bins=10, range=None, normed=None, weights=None, density=None",
    "histogram_bin_edges": "a, bins=10, range=None, weights=None",
    "histogramdd": "sample, bins=10, range=None, normed=None, weights=None, density=None",
    "in1d": "ar1, ar2, assume_unique=False, invert=False",
    "interp": "x, xp, fp, left=None, right=None, period=None",
    "intersect1d": "ar1, ar2, assume_unique=False, return_indices=False",
    "isclose": "a, b, rtol=1e-05, atol=1e-08, equal_nan=False",
    "isin": "element, test_elements, assume_unique=False, invert=False", "ix_": "*args",
    "nancumprod": "a, axis=None, dtype=None, out=None", "nancumsum": "a, axis=None, dtype=None, out=None",
    "nanmax": "a, axis=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue",
    "nanmin": "a, axis=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue",
    "nanmedian": "a, axis=None, out=None, overwrite_input=False, keepdims=_NoValue",
    "nanpercentile": "a, q, axis=None, out=None, overwrite_input=False, method='linear', "
                     "keepdims=_NoValue, *, interpolation=None",
    "nanquantile": "a, q, axis=None, out=None, overwrite_input=False, method='linear', "
                   "keepdims=_NoValue, *, interpolation=None",
    "nanprod": "a, axis=None, dtype=None, out=None, keepdims=_NoValue, initial=_NoValue, where=_NoValue",
    "partition": "a, kth, axis=-1, kind='introselect', order=None",
    "piecewise": "x, condlist, funclist, *args, **kw", "poly": "seq_of_zeros", "polyadd": "a1, a2",
    "polydiv": "u, v", "polyfit": "x, y, deg, rcond=None, full=False, w=None, cov=False",
    "polyint": "p, m=1, k=None", "polymul": "a1, a2", "polysub": "a1, a2", "polyval": "p, x",
    "roots": "p", "searchsorted": "a, v, side='left', sorter=None",
    "select": "condlist, choicelist, default=0", "setdiff1d": "ar1, ar2, assume_unique=False",
    "setxor1d": "ar1, ar2, assume_unique=False", "trapz": "y, x=None, dx=1.0, axis=-1",
    "tril_indices_from": "arr, k=0", "trim_zeros": "filt, trim='fb'", "triu_indices_from": "arr, k=0",
    "union1d": "ar1, ar2", "unravel_index": "indices, shape, order='C'",
    "unwrap": "p, discont=None, axis=-1, *, period=6.283185307179586",
    "vander": "x, N=None, increasing=False",
}


def _generic_exact(name, sig):
    g = globals()[name]
    ns = {"_NoValue": _NoValue}
    exec("def _stub({}): pass".format(sig), ns)
    import inspect
    params = list(inspect.signature(ns["_stub"]).parameters.values())

    pos, lines, star = [], [], ""
    defaults = {}
    for p in params:
        if p.kind == p.VAR_POSITIONAL:
            star = ", *" + p.name
        elif p.kind == p.VAR_KEYWORD:
            lines.append("    _kw.update({})".format(p.name))
        elif p.default is p.empty:
            pos.append(p.name)
        else:           # passed on only when given (NumPy keeps its own defaults)
            defaults[p.name] = p.default
            lines.append("    if {0} is not _D['{0}']: _kw['{0}'] = {0}".format(p.name))
    ns["_impl"], ns["_D"] = g, defaults
    src = "def {}({}):\n    _kw = {{}}\n{}\n    return _impl({}{}, **_kw)\n".format(
        name, sig, "\n".join(lines) or "    pass", ", ".join(pos), star if pos else star[2:])
    exec(src, ns)
    f = ns[name]
    f.__doc__ = g.__doc__
    f.__module__ = __name__
    globals()[name] = f


for _n, _s in _GENERIC_SIGS.items():
    if _n in globals():
        _generic_exact(_n, _s)


def percentile(a, q, axis=None, out=None, overwrite_input=None, interpolation="linear", keepdims=False):
    """The q-th percentile(s) along ``axis``."""
    return _generic("percentile")(a, q, axis=axis, method=interpolation, keepdims=keepdims)


def quantile(a, q, axis=None, out=None, overwrite_input=None, interpolation="linear", keepdims=False):
    """The q-th quantile(s) along ``axis``."""
    return _generic("quantile")(a, q, axis=axis, method=interpolation, keepdims=keepdims)


del _n, _f, _s
