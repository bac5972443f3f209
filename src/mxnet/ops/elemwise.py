"""Element-wise operators: unary math, binary (same-shape and broadcast), scalar forms,
comparisons, clip, where, Cast, add_n, copies and gradient blockers."""
import math

import numpy as np

from ..base import MXNetError
from . import _special
from .params import Param, Float, Bool, DType, Int
from .registry import OpDef, register

# -- unary -------------------------------------------------------------------------------------


def _unary(name, f, grad=None, aliases=(), doc="", int_ok=True, ignores_head_grad=None):
    """Register ``out = f(xp, x)``; ``grad(xp, x, out, g) -> dx`` (None: zero gradient).
    ``ignores_head_grad`` (see OpDef): by default, when the gradient is zero (MXNet's sign
    wants the head gradient anyway)."""
    def forward(env, a, inputs, aux):
        return (f(env.xp, inputs[0]),)

    def backward(env, a, inputs, outputs, out_grads, req):
        xp = env.xp
        if grad is None:
            return [xp.zeros_like(inputs[0])]
        return [grad(xp, inputs[0], outputs[0], out_grads[0])]

    return register(OpDef(name, forward, backward=backward, aliases=aliases, elementwise=True,
                          ignores_head_grad=grad is None if ignores_head_grad is None else ignores_head_grad,
                          doc=doc or "Element-wise {} of the input.".format(name)))


def _rounding(name, f, doc):
    _unary(name, f, None, doc=doc)


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_unary("abs", lambda xp, x: xp.abs(x), lambda xp, x, y, g: g * xp.sign(x),
       doc="Returns element-wise absolute value of the input.")
_unary("sign", lambda xp, x: xp.sign(xp.nan_to_num(x, nan=0.0)) if x.dtype.kind == "f" else xp.sign(x),
       doc="Returns element-wise sign of the input (0 for NaN, as MXNet).", ignores_head_grad=False)
_unary("exp", lambda xp, x: xp.exp(x), lambda xp, x, y, g: g * y,
       doc="Returns element-wise exponential value of the input.")
_unary("log", lambda xp, x: xp.log(x), lambda xp, x, y, g: g / x,
       doc="Returns element-wise Natural logarithmic value of the input.")
_unary("log2", lambda xp, x: xp.log2(x), lambda xp, x, y, g: g / (x * _LN2),
       doc="Returns element-wise Base-2 logarithmic value of the input.")
_unary("log10", lambda xp, x: xp.log10(x), lambda xp, x, y, g: g / (x * _LN10),
       doc="Returns element-wise Base-10 logarithmic value of the input.")
_unary("log1p", lambda xp, x: xp.log1p(x), lambda xp, x, y, g: g / (1 + x),
       doc="Returns element-wise ``log(1 + x)`` value of the input.")
_unary("expm1", lambda xp, x: xp.expm1(x), lambda xp, x, y, g: g * (y + 1),
       doc="Returns ``exp(x) - 1`` computed element-wise on the input.")
_unary("sqrt", lambda xp, x: xp.sqrt(x), lambda xp, x, y, g: g / (2 * y),
       doc="Returns element-wise square-root value of the input.")
_unary("rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda xp, x, y, g: -0.5 * g * y / x,
       doc="Returns element-wise inverse square-root value of the input.")
_unary("cbrt", lambda xp, x: xp.cbrt(x), lambda xp, x, y, g: g / (3 * y * y),
       doc="Returns element-wise cube-root value of the input.")
_unary("rcbrt", lambda xp, x: 1 / xp.cbrt(x), lambda xp, x, y, g: -g * y / (3 * x),
       doc="Returns element-wise inverse cube-root value of the input.")
_unary("square", lambda xp, x: xp.square(x), lambda xp, x, y, g: 2 * g * x,
       doc="Returns element-wise squared value of the input.")
_unary("reciprocal", lambda xp, x: 1 / x, lambda xp, x, y, g: -g * y * y,
       doc="Returns the reciprocal of the argument, element-wise.")
_unary("negative", lambda xp, x: -x, lambda xp, x, y, g: -g,
       doc="Numerical negative of the argument, element-wise.")
_rounding("floor", lambda xp, x: xp.floor(x), "Returns element-wise floor of the input.")
_rounding("ceil", lambda xp, x: xp.ceil(x), "Returns element-wise ceiling of the input.")
def rint_half_down(xp, x):
    """MXNet's rint (also ``mx.np.rint``): the nearest integer with halves rounded down --
    ``floor(x) + (x - floor(x) > 0.5)``: 0.5 -> 0, 1.5 -> 1, -0.5 -> -1 (NumPy rounds to even)."""
    if x.dtype.kind != "f":
        return x.copy()
    low = xp.floor(x)
    return xp.where(x - low > 0.5, low + 1, low).astype(x.dtype, copy=False)


# MXNet's round rounds half away from zero (rint: see rint_half_down).
_rounding("round", lambda xp, x: xp.where(x >= 0, xp.floor(x + 0.5), xp.ceil(x - 0.5)) if x.dtype.kind == "f" else x.copy(),
          "Returns element-wise rounded value to the nearest integer of the input (half away from zero).")
_rounding("rint", lambda xp, x: rint_half_down(xp, x),
          "Returns element-wise rounded value to the nearest integer (n.5 gives n, as MXNet).")
_rounding("trunc", lambda xp, x: xp.trunc(x), "Return the element-wise truncated value of the input.")
_rounding("fix", lambda xp, x: xp.trunc(x), "Returns element-wise rounded value to the nearest integer towards zero.")
_unary("sin", lambda xp, x: xp.sin(x), lambda xp, x, y, g: g * xp.cos(x), doc="Computes the element-wise sine.")
_unary("cos", lambda xp, x: xp.cos(x), lambda xp, x, y, g: -g * xp.sin(x), doc="Computes the element-wise cosine.")
_unary("tan", lambda xp, x: xp.tan(x), lambda xp, x, y, g: g * (1 + y * y), doc="Computes the element-wise tangent.")
_unary("arcsin", lambda xp, x: xp.arcsin(x), lambda xp, x, y, g: g / xp.sqrt(1 - x * x),
       doc="Returns element-wise inverse sine of the input array.")
_unary("arccos", lambda xp, x: xp.arccos(x), lambda xp, x, y, g: -g / xp.sqrt(1 - x * x),
       doc="Returns element-wise inverse cosine of the input array.")
_unary("arctan", lambda xp, x: xp.arctan(x), lambda xp, x, y, g: g / (1 + x * x),
       doc="Returns element-wise inverse tangent of the input array.")
_unary("sinh", lambda xp, x: xp.sinh(x), lambda xp, x, y, g: g * xp.cosh(x),
       doc="Returns the hyperbolic sine of the input array, computed element-wise.")
_unary("cosh", lambda xp, x: xp.cosh(x), lambda xp, x, y, g: g * xp.sinh(x),
       doc="Returns the hyperbolic cosine of the input array, computed element-wise.")
_unary("tanh", lambda xp, x: xp.tanh(x), lambda xp, x, y, g: g * (1 - y * y),
       doc="Returns the hyperbolic tangent of the input array, computed element-wise.")
_unary("arcsinh", lambda xp, x: xp.arcsinh(x), lambda xp, x, y, g: g / xp.sqrt(x * x + 1),
       doc="Returns the element-wise inverse hyperbolic sine of the input array.")
_unary("arccosh", lambda xp, x: xp.arccosh(x), lambda xp, x, y, g: g / xp.sqrt(x * x - 1),
       doc="Returns the element-wise inverse hyperbolic cosine of the input array.")
_unary("arctanh", lambda xp, x: xp.arctanh(x), lambda xp, x, y, g: g / (1 - x * x),
       doc="Returns the element-wise inverse hyperbolic tangent of the input array.")
_unary("degrees", lambda xp, x: xp.degrees(x), lambda xp, x, y, g: g * (180.0 / math.pi),
       doc="Converts each element of the input array from radians to degrees.")
_unary("radians", lambda xp, x: xp.radians(x), lambda xp, x, y, g: g * (math.pi / 180.0),
       doc="Converts each element of the input array from degrees to radians.")
# relu'(0) = 0 as in MXNet.
_unary("relu", lambda xp, x: xp.maximum(x, 0), lambda xp, x, y, g: g * (x > 0),
       doc="Computes rectified linear activation: max(x, 0).")
_unary("sigmoid", lambda xp, x: 1 / (1 + xp.exp(-x)), lambda xp, x, y, g: g * y * (1 - y),
       doc="Computes sigmoid of x element-wise: 1 / (1 + exp(-x)).")
_unary("softsign", lambda xp, x: x / (1 + xp.abs(x)), lambda xp, x, y, g: g / xp.square(1 + xp.abs(x)),
       doc="Computes softsign of x element-wise: x / (1 + abs(x)).")
_unary("erf", lambda xp, x: _special.erf(xp, x),
       lambda xp, x, y, g: g * (2 / math.sqrt(math.pi)) * xp.exp(-x * x),
       doc="Returns element-wise gauss error function of the input.")
_unary("erfinv", lambda xp, x: _special.erfinv(xp, x),
       lambda xp, x, y, g: g * (math.sqrt(math.pi) / 2) * xp.exp(y * y),
       doc="Returns element-wise inverse gauss error function of the input.")
_unary("gamma", lambda xp, x: _special.gamma(xp, x), lambda xp, x, y, g: g * y * _special.digamma(xp, x),
       doc="Returns the gamma function (extension of the factorial function to the reals).")
_unary("gammaln", lambda xp, x: _special.gammaln(xp, x), lambda xp, x, y, g: g * _special.digamma(xp, x),
       doc="Returns element-wise log of the absolute value of the gamma function of the input.")
_unary("logical_not", lambda xp, x: (x == 0).astype(x.dtype), doc="Returns the result of logical NOT (!) function.")
_unary("_copy", lambda xp, x: x.copy(), lambda xp, x, y, g: g, aliases=("identity",),
       doc="Returns a copy of the input.")
_unary("BlockGrad", lambda xp, x: x.copy(), None, aliases=("stop_gradient",),
       doc="Stops gradient computation: the output equals the input, the gradient is zero.")

# -- binary ------------------------------------------------------------------------------------


def broadcast_shape(name, a, b):
    """NumPy-style broadcast of two shapes, MXNet's error on mismatch."""
    if a == b:
        return a
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    out = []
    for x, y in zip(pa, pb):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise MXNetError("{}: shapes {} and {} cannot be broadcast".format(name, tuple(a), tuple(b)))
    return tuple(out)


def reduce_to(xp, g, shape):
    """Sum a broadcast gradient back to ``shape``."""
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes).reshape(shape) if axes else g.reshape(shape)


def _bool_out(f):
    return lambda xp, a, b: f(xp, a, b).astype(a.dtype)


# name: (forward, grad_lhs, grad_rhs) with grads as (xp, a, b, out, g) -> array (broadcast shape)
_BINARY = {
    "add": (lambda xp, a, b: a + b, lambda xp, a, b, y, g: g, lambda xp, a, b, y, g: g),
    "sub": (lambda xp, a, b: a - b, lambda xp, a, b, y, g: g, lambda xp, a, b, y, g: -g),
    "mul": (lambda xp, a, b: a * b, lambda xp, a, b, y, g: g * b, lambda xp, a, b, y, g: g * a),
    "div": (lambda xp, a, b: a / b if a.dtype.kind == "f" else _int_div(xp, a, b),
            lambda xp, a, b, y, g: g / b, lambda xp, a, b, y, g: -g * a / (b * b)),
    "mod": (lambda xp, a, b: _mod(xp, a, b), lambda xp, a, b, y, g: g,
            lambda xp, a, b, y, g: -g * xp.floor(a / b)),
    "power": (lambda xp, a, b: xp.power(a, b), lambda xp, a, b, y, g: g * b * xp.power(a, b - 1),
              lambda xp, a, b, y, g: g * y * xp.log(a)),
    "maximum": (lambda xp, a, b: xp.maximum(a, b), lambda xp, a, b, y, g: g * (a >= b),
                lambda xp, a, b, y, g: g * (a < b)),
    "minimum": (lambda xp, a, b: xp.minimum(a, b), lambda xp, a, b, y, g: g * (a <= b),
                lambda xp, a, b, y, g: g * (a > b)),
    "hypot": (lambda xp, a, b: xp.hypot(a, b), lambda xp, a, b, y, g: g * a / y,
              lambda xp, a, b, y, g: g * b / y),
    "equal": (_bool_out(lambda xp, a, b: a == b), None, None),
    "not_equal": (_bool_out(lambda xp, a, b: a != b), None, None),
    "greater": (_bool_out(lambda xp, a, b: a > b), None, None),
    "greater_equal": (_bool_out(lambda xp, a, b: a >= b), None, None),
    "lesser": (_bool_out(lambda xp, a, b: a < b), None, None),
    "lesser_equal": (_bool_out(lambda xp, a, b: a <= b), None, None),
    "logical_and": (_bool_out(lambda xp, a, b: (a != 0) & (b != 0)), None, None),
    "logical_or": (_bool_out(lambda xp, a, b: (a != 0) | (b != 0)), None, None),
    "logical_xor": (_bool_out(lambda xp, a, b: (a != 0) ^ (b != 0)), None, None),
}


def _int_div(xp, a, b):
    # MXNet integer division truncates toward zero (C semantics); by zero it kills the process
    # with SIGFPE, so here it is an error.
    if not xp.all(b):
        raise MXNetError("integer division by zero")
    q = xp.trunc(a.astype(np.float64) / b)
    return q.astype(a.dtype)


def _mod(xp, a, b):
    # MXNet's mod follows Python/NumPy sign rules for floats (result has the divisor's sign).
    return xp.mod(a, b)


_BROADCAST_ALIASES = {"add": ("broadcast_plus",), "sub": ("broadcast_minus",)}
_ELEMWISE_NAMES = {"add": ("elemwise_add", ("_add", "_plus", "_Plus")),
                   "sub": ("elemwise_sub", ("_sub", "_minus", "_Minus")),
                   "mul": ("elemwise_mul", ("_mul", "_Mul")),
                   "div": ("elemwise_div", ("_div", "_Div")),
                   "mod": ("_mod", ("_Mod",)), "power": ("_power", ("_Power",)),
                   "maximum": ("_maximum", ("_Maximum",)), "minimum": ("_minimum", ("_Minimum",)),
                   "hypot": ("_hypot", ("_Hypot",)), "equal": ("_equal", ()),
                   "not_equal": ("_not_equal", ()), "greater": ("_greater", ()),
                   "greater_equal": ("_greater_equal", ()), "lesser": ("_lesser", ()),
                   "lesser_equal": ("_lesser_equal", ()), "logical_and": ("_logical_and", ()),
                   "logical_or": ("_logical_or", ()), "logical_xor": ("_logical_xor", ())}


def _binary_type(name):
    def infer_type(a, t):
        if t[0] != t[1]:
            raise MXNetError("{}: input dtypes differ: lhs {} vs rhs {}".format(name, t[0], t[1]))
        return [t[0]]
    return infer_type


_UFUNCS = {"add": "add", "sub": "subtract", "mul": "multiply", "div": "true_divide"}


def _make_binary(key, name, aliases, broadcast):
    f, gl, gr = _BINARY[key]

    def forward(env, a, inputs, aux):
        return (f(env.xp, inputs[0], inputs[1]),)

    def backward(env, a, inputs, outputs, out_grads, req):
        xp = env.xp
        lhs, rhs = inputs
        g = out_grads[0]
        if gl is None:
            return [xp.zeros_like(lhs), xp.zeros_like(rhs)]
        return [reduce_to(xp, gl(xp, lhs, rhs, outputs[0], g), lhs.shape) if req[0] else None,
                reduce_to(xp, gr(xp, lhs, rhs, outputs[0], g), rhs.shape) if req[1] else None]

    if broadcast:
        def infer_shape(a, s):
            return [broadcast_shape(name, s[0], s[1])]
        doc = "Returns element-wise {} of the input arrays with broadcasting.".format(key)
    else:
        def infer_shape(a, s):
            if s[0] != s[1]:
                raise MXNetError("{}: operands must have the same shape, got lhs {} and rhs {}".format(
                    name, tuple(s[0]), tuple(s[1])))
            return [s[0]]
        doc = "Returns element-wise {} of the input arrays (same shape).".format(key)
    register(OpDef(name, forward, inputs=("lhs", "rhs"), infer_shape=infer_shape,
                   infer_type=_binary_type(name), backward=backward, aliases=aliases, doc=doc,
                   elementwise=not broadcast, ufunc=(_UFUNCS[key], None) if key in _UFUNCS else None))


for _key in _BINARY:
    _make_binary(_key, "broadcast_" + _key, _BROADCAST_ALIASES.get(_key, ()), True)
    _n, _al = _ELEMWISE_NAMES[_key]
    _make_binary(_key, _n, _al, False)

# -- scalar forms ------------------------------------------------------------------------------

_SCALAR_PARAMS = (Param("scalar", Float, 1.0, "Scalar input value"),
                  Param("is_int", Bool, True, "Indicate whether scalar input is int type"))


def _scalar_value(a, x):
    """The scalar operand as the kernel uses it: on an integer array MXNet first converts it to
    the array's type, as C does (``int_array * 1.5`` is ``int_array * 1``, ``uint8_array + 300``
    adds 44)."""
    s = a.scalar
    if x.dtype.kind in "iu":
        return c_cast_scalar(s, x.dtype)
    if x.dtype.kind == "b" and float(s).is_integer():
        return int(s)
    return s


_INT32_MIN = -(1 << 31)
_INT64_MIN = -(1 << 63)


def c_cast_scalar(s, dtype):
    """A double converted to integer type ``dtype`` as MXNet's kernels do (``DType(scalar)``
    compiled for x86): truncation toward zero; NaN, infinities and values outside the 32-bit
    (64-bit for 8-byte types) range give the conversion's "integer indefinite" (its minimum);
    narrower types keep the low bits."""
    s = float(s)
    wide = dtype.itemsize == 8
    lo = _INT64_MIN if wide else _INT32_MIN
    t = int(s) if s == s and lo <= s < -lo else lo
    return np.array(t, dtype=np.int64).astype(dtype)[()] if not wide or dtype.kind == "i" \
        else np.array(t, dtype=np.int64).view(dtype)[()]


def _make_scalar(name, f, grad, aliases=(), ufunc=None):
    """``out = f(xp, x, s)``; ``grad(xp, x, s, out, g) -> dx`` or None (zero)."""
    def forward(env, a, inputs, aux):
        x = inputs[0]
        return (f(env.xp, x, _scalar_value(a, x)),)

    def backward(env, a, inputs, outputs, out_grads, req):
        xp = env.xp
        if grad is None:
            return [xp.zeros_like(inputs[0])]
        return [grad(xp, inputs[0], a.scalar, outputs[0], out_grads[0])]

    register(OpDef(name, forward, params=_SCALAR_PARAMS, backward=backward, aliases=aliases, elementwise=True,
                   doc="Element-wise ``{}`` with a scalar.".format(name.strip("_")), ufunc=ufunc))


def _cmp(f):
    return lambda xp, x, s: f(x, s).astype(x.dtype)


_make_scalar("_plus_scalar", lambda xp, x, s: x + s, lambda xp, x, s, y, g: g, ("_PlusScalar",),
             ufunc=("add", "rhs"))
_make_scalar("_minus_scalar", lambda xp, x, s: x - s, lambda xp, x, s, y, g: g, ("_MinusScalar",),
             ufunc=("subtract", "rhs"))
_make_scalar("_rminus_scalar", lambda xp, x, s: s - x, lambda xp, x, s, y, g: -g, ("_RMinusScalar",),
             ufunc=("subtract", "lhs"))
_make_scalar("_mul_scalar", lambda xp, x, s: x * s, lambda xp, x, s, y, g: g * s, ("_MulScalar",),
             ufunc=("multiply", "rhs"))
_make_scalar("_div_scalar", lambda xp, x, s: x / s if x.dtype.kind == "f" else _int_div(xp, x, s),
             lambda xp, x, s, y, g: g / s, ("_DivScalar",), ufunc=("true_divide", "rhs"))
_make_scalar("_rdiv_scalar", lambda xp, x, s: s / x if x.dtype.kind == "f" else _int_div(xp, xp.full_like(x, s), x),
             lambda xp, x, s, y, g: -g * s / (x * x), ("_RDivScalar",), ufunc=("true_divide", "lhs"))
_make_scalar("_mod_scalar", lambda xp, x, s: xp.mod(x, s), lambda xp, x, s, y, g: g, ("_ModScalar",))
_make_scalar("_rmod_scalar", lambda xp, x, s: xp.mod(s, x),
             lambda xp, x, s, y, g: -g * xp.floor(s / x), ("_RModScalar",))
_make_scalar("_power_scalar", lambda xp, x, s: xp.power(x, s),
             lambda xp, x, s, y, g: g * s * xp.power(x, s - 1), ("_PowerScalar",))
_make_scalar("_rpower_scalar", lambda xp, x, s: xp.power(x.dtype.type(s), x),
             lambda xp, x, s, y, g: g * y * math.log(s), ("_RPowerScalar",))
_make_scalar("_maximum_scalar", lambda xp, x, s: xp.maximum(x, s),
             lambda xp, x, s, y, g: g * (x >= s), ("_MaximumScalar",))
_make_scalar("_minimum_scalar", lambda xp, x, s: xp.minimum(x, s),
             lambda xp, x, s, y, g: g * (x <= s), ("_MinimumScalar",))
_make_scalar("_hypot_scalar", lambda xp, x, s: xp.hypot(x, x.dtype.type(s)),
             lambda xp, x, s, y, g: g * x / y, ("_HypotScalar",))
_make_scalar("_equal_scalar", _cmp(lambda x, s: x == s), None, ("_EqualScalar",))
_make_scalar("_not_equal_scalar", _cmp(lambda x, s: x != s), None, ("_NotEqualScalar",))
_make_scalar("_greater_scalar", _cmp(lambda x, s: x > s), None, ("_GreaterScalar",))
_make_scalar("_greater_equal_scalar", _cmp(lambda x, s: x >= s), None, ("_GreaterEqualScalar",))
_make_scalar("_lesser_scalar", _cmp(lambda x, s: x < s), None, ("_LesserScalar",))
_make_scalar("_lesser_equal_scalar", _cmp(lambda x, s: x <= s), None, ("_LesserEqualScalar",))
_make_scalar("_logical_and_scalar", _cmp(lambda x, s: (x != 0) & (s != 0)), None, ("_LogicalAndScalar",))
_make_scalar("_logical_or_scalar", _cmp(lambda x, s: (x != 0) | (s != 0)), None, ("_LogicalOrScalar",))
_make_scalar("_logical_xor_scalar", _cmp(lambda x, s: (x != 0) ^ (s != 0)), None, ("_LogicalXorScalar",))

# -- clip, where, Cast, add_n ------------------------------------------------------------------


def _clip_forward(env, a, inputs, aux):
    return (env.xp.clip(inputs[0], a.a_min, a.a_max),)


def _clip_backward(env, a, inputs, outputs, out_grads, req):
    x = inputs[0]
    return [out_grads[0] * ((x >= a.a_min) & (x <= a.a_max))]


def _clip_check(a, s):
    if a.a_min > a.a_max:
        raise MXNetError("clip: a_min ({}) must not exceed a_max ({})".format(a.a_min, a.a_max))
    return [s[0]]


register(OpDef("clip", _clip_forward, backward=_clip_backward, infer_shape=_clip_check,
               params=(Param("a_min", Float, doc="Minimum value"), Param("a_max", Float, doc="Maximum value")),
               doc="Clips (limits) the values in an array: elements are limited to [a_min, a_max]."))


def _where_shape(a, s):
    cond, x, y = s
    if x != y:
        raise MXNetError("where: x and y must have the same shape, got {} and {}".format(tuple(x), tuple(y)))
    if cond != x and not (len(cond) == 1 and cond[0] == x[0]):
        raise MXNetError("where: condition shape {} must equal x's shape {} or be ({},)".format(
            tuple(cond), tuple(x), x[0]))
    return [x]


def _where_cond(xp, cond, x):
    c = cond != 0
    if c.shape != x.shape:  # 1-D condition selects whole rows
        c = c.reshape((-1,) + (1,) * (x.ndim - 1))
    return c


def _where_forward(env, a, inputs, aux):
    cond, x, y = inputs
    return (env.xp.where(_where_cond(env.xp, cond, x), x, y),)


def _where_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    cond, x, y = inputs
    c = _where_cond(xp, cond, x)
    g = out_grads[0]
    return [xp.zeros_like(cond), xp.where(c, g, 0).astype(g.dtype), xp.where(c, 0, g).astype(g.dtype)]


def _where_fill_types(attrs, types):
    """x and y share a type (the condition's may differ); an unknown condition takes theirs."""
    cond, x, y = types
    x = x if x is not None else y
    y = y if y is not None else x
    return [cond if cond is not None else x, x, y]


register(OpDef("where", _where_forward, inputs=("condition", "x", "y"), infer_shape=_where_shape,
               infer_type=lambda a, t: [t[1]], backward=_where_backward, fill_types=_where_fill_types,
               doc="Return the elements, either from x or y, depending on the condition."))


def _cast_forward(env, a, inputs, aux):
    with np.errstate(invalid="ignore"):      # (NaN / out-of-range to int: converted silently, as MXNet)
        return (inputs[0].astype(a.dtype),)


def _cast_backward(env, a, inputs, outputs, out_grads, req):
    return [out_grads[0].astype(inputs[0].dtype)]


register(OpDef("Cast", _cast_forward, params=(Param("dtype", DType("float16", "float32", "float64", "int32",
                                                                   "int64", "int8", "uint8", "bool"),
                                                      doc="Output data type."),),
               infer_type=lambda a, t: [np.dtype(a.dtype)], backward=_cast_backward, aliases=("cast",),
               doc="Casts all elements of the input to a new type."))


def _add_n_shape(a, s):
    for i, x in enumerate(s[1:], 1):
        if x != s[0]:
            raise MXNetError("add_n: input {} has shape {}, expected {}".format(i, tuple(x), tuple(s[0])))
    return [s[0]]


def _add_n_forward(env, a, inputs, aux):
    out = inputs[0].copy()
    for x in inputs[1:]:
        out += x
    return (out,)


register(OpDef("add_n", _add_n_forward, params=(Param("num_args", Int, doc="Number of inputs to be summed."),),
    key_var_num_args="num_args", infer_shape=_add_n_shape,
    backward=lambda env, a, i, o, g, r: [g[0]] * len(i),
    aliases=("ElementWiseSum", "_sparse_ElementWiseSum"),
    doc="Adds all input arguments element-wise."))

__all__ = ["broadcast_shape", "reduce_to"]
