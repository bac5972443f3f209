"""Element-wise operators: forward vs NumPy, backward vs finite differences, dtypes, errors."""
import math

import numpy as np
import pytest

import mxnet as mx
from tests.ops.harness import check_forward, check_grad, run_nd

_erf = np.vectorize(math.erf)
_gamma = np.vectorize(math.gamma)
_lgamma = np.vectorize(math.lgamma)

# (op, NumPy reference, input range, differentiable)
UNARY = [
    ("abs", np.abs, (-2, 2), True), ("sign", np.sign, (-2, 2), False),
    ("exp", np.exp, (-2, 2), True), ("log", np.log, (0.5, 3), True),
    ("log2", np.log2, (0.5, 3), True), ("log10", np.log10, (0.5, 3), True),
    ("log1p", np.log1p, (-0.5, 2), True), ("expm1", np.expm1, (-2, 2), True),
    ("sqrt", np.sqrt, (0.5, 3), True), ("rsqrt", lambda x: 1 / np.sqrt(x), (0.5, 3), True),
    ("cbrt", np.cbrt, (0.5, 3), True), ("rcbrt", lambda x: 1 / np.cbrt(x), (0.5, 3), True),
    ("square", np.square, (-2, 2), True), ("reciprocal", lambda x: 1 / x, (0.5, 3), True),
    ("negative", np.negative, (-2, 2), True),
    ("floor", np.floor, (-3, 3), False), ("ceil", np.ceil, (-3, 3), False),
    ("rint", np.rint, (-3, 3), False), ("trunc", np.trunc, (-3, 3), False),
    ("fix", np.fix, (-3, 3), False),
    ("sin", np.sin, (-3, 3), True), ("cos", np.cos, (-3, 3), True), ("tan", np.tan, (-1, 1), True),
    ("arcsin", np.arcsin, (-0.9, 0.9), True), ("arccos", np.arccos, (-0.9, 0.9), True),
    ("arctan", np.arctan, (-3, 3), True), ("sinh", np.sinh, (-2, 2), True),
    ("cosh", np.cosh, (-2, 2), True), ("tanh", np.tanh, (-2, 2), True),
    ("arcsinh", np.arcsinh, (-2, 2), True), ("arccosh", np.arccosh, (1.2, 3), True),
    ("arctanh", np.arctanh, (-0.9, 0.9), True), ("degrees", np.degrees, (-3, 3), True),
    ("radians", np.radians, (-90, 90), True), ("relu", lambda x: np.maximum(x, 0), (-2, 2), True),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), (-3, 3), True),
    ("softsign", lambda x: x / (1 + np.abs(x)), (-3, 3), True),
    ("erf", _erf, (-2, 2), True), ("gamma", _gamma, (0.3, 4), True),
    ("gammaln", _lgamma, (0.3, 4), True),
    ("logical_not", lambda x: (x == 0).astype(x.dtype), (-1, 1), False),
    ("identity", lambda x: x, (-1, 1), True), ("BlockGrad", lambda x: x, (-1, 1), False),
]


def _input(lo, hi, shape=(3, 4), dtype=np.float32, seed=0):
    x = np.random.RandomState(seed).uniform(lo, hi, shape).astype(dtype)
    # keep away from the kinks of abs/relu/sign/rounding where finite differences are meaningless
    return np.where(np.abs(x - np.round(x)) < 0.05, x + 0.1, x).astype(dtype)


@pytest.mark.parametrize("name,ref,rng,diff", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_forward(name, ref, rng, diff, dtype):
    x = _input(*rng, dtype=dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-6, atol=1e-7)
    got = check_forward(name, [x], {}, ref(x.astype(np.float64)), **tol)
    assert got[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("name,ref,rng,diff", [u for u in UNARY if u[3]], ids=[u[0] for u in UNARY if u[3]])
def test_unary_grad(name, ref, rng, diff):
    check_grad(name, [_input(*rng, shape=(2, 3))])


@pytest.mark.parametrize("name", ["sign", "floor", "ceil", "rint", "trunc", "fix"])
def test_unary_zero_grad(name):
    g = check_grad(name, [_input(-2, 2, shape=(2, 3))])
    assert not np.any(g[0])


def test_blockgrad_stops_gradient():
    from mxnet.ops.registry import get_op, OpEnv
    op = get_op("stop_gradient")
    x = np.ones((2, 2))
    assert op is get_op("BlockGrad")
    g = op.backward(OpEnv(np), op.parse({}), [x], [x], [np.ones((2, 2))], [True])[0]
    assert g.shape == (2, 2) and not np.any(g)


def test_round_half_away_from_zero_and_relu_tie():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5], dtype=np.float32)
    check_forward("round", [x], {}, np.array([-3, -2, -1, 1, 2, 3], dtype=np.float32))
    # MXNet's rint gives n for n.5 (floor(x) + (x - floor(x) > 0.5)); NumPy's rounds to even
    check_forward("rint", [x], {}, np.array([-3, -2, -1, 0, 1, 2], dtype=np.float32))
    np.testing.assert_array_equal(mx.np.rint(mx.np.array(x)).asnumpy(), [-3, -2, -1, 0, 1, 2])
    # relu'(0) = 0, as in MXNet
    from mxnet.ops.registry import get_op, OpEnv
    op = get_op("relu")
    z = np.zeros(3)
    g = op.backward(OpEnv(np), op.parse({}), [z], [z], [np.ones(3)], [True])[0]
    np.testing.assert_array_equal(g, 0)


@pytest.mark.parametrize("name", ["abs", "negative", "square", "sign", "relu"])
@pytest.mark.parametrize("dtype", ["int32", "int64", "int8"])
def test_unary_integer_dtypes(name, dtype):
    x = np.array([[-3, -1, 0], [1, 2, 5]], dtype=dtype)
    ref = {"abs": np.abs, "negative": np.negative, "square": np.square, "sign": np.sign,
           "relu": lambda v: np.maximum(v, 0)}[name]
    got = check_forward(name, [x], {}, ref(x))
    assert got[0].dtype == np.dtype(dtype)


BINARY = [
    ("add", np.add, True), ("sub", np.subtract, True), ("mul", np.multiply, True),
    ("div", np.divide, True), ("mod", np.mod, True), ("power", np.power, True),
    ("maximum", np.maximum, True), ("minimum", np.minimum, True), ("hypot", np.hypot, True),
    ("equal", lambda a, b: (a == b), False), ("not_equal", lambda a, b: (a != b), False),
    ("greater", lambda a, b: (a > b), False), ("greater_equal", lambda a, b: (a >= b), False),
    ("lesser", lambda a, b: (a < b), False), ("lesser_equal", lambda a, b: (a <= b), False),
    ("logical_and", lambda a, b: (a != 0) & (b != 0), False),
    ("logical_or", lambda a, b: (a != 0) | (b != 0), False),
    ("logical_xor", lambda a, b: (a != 0) ^ (b != 0), False),
]
SHAPES = [((2, 3), (2, 3)), ((2, 3), (1, 3)), ((2, 1, 4), (1, 3, 1)), ((2, 3), (3,)), ((4,), (2, 1))]


def _pair(ls, rs, dtype="float32", seed=1):
    r = np.random.RandomState(seed)
    a = r.uniform(0.5, 2, ls).astype(dtype)
    b = r.uniform(0.5, 2, rs).astype(dtype)
    b.flat[0] = a.flat[0]  # an exact tie for the comparisons
    return a, b


@pytest.mark.parametrize("key,ref,diff", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_broadcast_binary(key, ref, diff, shapes):
    a, b = _pair(*shapes)
    check_forward("broadcast_" + key, [a, b], {}, np.asarray(ref(a, b)).astype(np.float32))
    if diff and key not in ("maximum", "minimum", "mod"):
        check_grad("broadcast_" + key, [a, b])


@pytest.mark.parametrize("key,ref,diff", BINARY, ids=[b[0] for b in BINARY])
def test_elemwise_binary_same_shape(key, ref, diff):
    from mxnet.ops.elemwise import _ELEMWISE_NAMES
    name = _ELEMWISE_NAMES[key][0]
    a, b = _pair((3, 2), (3, 2), dtype="float64")
    check_forward(name, [a, b], {}, np.asarray(ref(a, b)).astype(np.float64))
    if diff:
        b2 = b + 0.25   # no ties: max/min/mod are smooth away from them
        check_grad(name, [a, b2])
    with pytest.raises(mx.MXNetError, match=r"{}.*\(3, 2\).*\(2, 3\)".format(name)):
        run_nd(name, [a, b.reshape(2, 3)])


def test_maximum_minimum_tie_gradients():
    # MXNet sends the gradient of a tie to the lhs for both maximum and minimum
    from mxnet.ops.registry import get_op, OpEnv
    a = np.array([1.0, 2.0, 3.0])
    b = np.array([1.0, 1.0, 4.0])
    g = np.ones(3)
    for name, lhs, rhs in (("broadcast_maximum", [1, 1, 0], [0, 0, 1]),
                           ("broadcast_minimum", [1, 0, 1], [0, 1, 0])):
        op = get_op(name)
        out = op.forward(OpEnv(np), op.parse({}), [a, b], [])
        gl, gr = op.backward(OpEnv(np), op.parse({}), [a, b], out, [g], [True, True])
        np.testing.assert_array_equal(gl, lhs)
        np.testing.assert_array_equal(gr, rhs)


def test_binary_dtype_mismatch_and_int():
    with pytest.raises(mx.MXNetError, match="dtype"):
        mx.nd.ones((2,), dtype="int32") + mx.nd.ones((2,))
    a = np.array([7, -7, 4], dtype=np.int32)
    b = np.array([2, 2, -3], dtype=np.int32)
    check_forward("broadcast_div", [a, b], {}, np.trunc(a / b).astype(np.int32))
    check_forward("broadcast_add", [a, b], {}, a + b)


SCALAR = [
    ("_plus_scalar", lambda x, s: x + s), ("_minus_scalar", lambda x, s: x - s),
    ("_rminus_scalar", lambda x, s: s - x), ("_mul_scalar", lambda x, s: x * s),
    ("_div_scalar", lambda x, s: x / s), ("_rdiv_scalar", lambda x, s: s / x),
    ("_mod_scalar", lambda x, s: np.mod(x, s)), ("_rmod_scalar", lambda x, s: np.mod(s, x)),
    ("_power_scalar", lambda x, s: x ** s), ("_rpower_scalar", lambda x, s: s ** x),
    ("_maximum_scalar", np.maximum), ("_minimum_scalar", np.minimum),
    ("_hypot_scalar", np.hypot),
    ("_equal_scalar", lambda x, s: x == s), ("_not_equal_scalar", lambda x, s: x != s),
    ("_greater_scalar", lambda x, s: x > s), ("_greater_equal_scalar", lambda x, s: x >= s),
    ("_lesser_scalar", lambda x, s: x < s), ("_lesser_equal_scalar", lambda x, s: x <= s),
    ("_logical_and_scalar", lambda x, s: (x != 0) & (s != 0)),
    ("_logical_or_scalar", lambda x, s: (x != 0) | (s != 0)),
    ("_logical_xor_scalar", lambda x, s: (x != 0) ^ (s != 0)),
]
SMOOTH_SCALAR = {"_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar",
                 "_rdiv_scalar", "_power_scalar", "_rpower_scalar", "_hypot_scalar"}


@pytest.mark.parametrize("name,ref", SCALAR, ids=[s[0] for s in SCALAR])
@pytest.mark.parametrize("scalar", [1.5, 2.0])
def test_scalar_ops(name, ref, scalar):
    x = np.random.RandomState(2).uniform(0.5, 3, (3, 4)).astype(np.float32)
    x[0, 0] = scalar
    check_forward(name, [x], {"scalar": scalar}, np.asarray(ref(x.astype(np.float64), scalar)).astype(np.float32))
    if name in SMOOTH_SCALAR:
        check_grad(name, [x + 0.01], {"scalar": scalar})


def test_scalar_string_params_and_dtype_kept():
    x = np.array([1, 2, 3], dtype=np.int32)
    got = check_forward("_plus_scalar", [x], {"scalar": "2"}, x + 2)
    assert got[0].dtype == np.int32
    with pytest.raises(mx.MXNetError, match="scalar"):
        run_nd("_plus_scalar", [x], scalar="abc")


def test_clip():
    x = np.random.RandomState(3).uniform(-2, 2, (4, 5)).astype(np.float32)
    check_forward("clip", [x], {"a_min": -0.5, "a_max": 0.7}, np.clip(x, -0.5, 0.7))
    g = check_grad("clip", [x], {"a_min": -0.5, "a_max": 0.7})
    np.testing.assert_array_equal(g[0] != 0, (x >= -0.5) & (x <= 0.7))
    with pytest.raises(mx.MXNetError, match="a_min"):
        run_nd("clip", [x], a_max=1.0)


def test_where():
    r = np.random.RandomState(4)
    cond = (r.uniform(size=(3, 4)) > 0.5).astype(np.float32)
    x, y = r.uniform(size=(2, 3, 4)).astype(np.float32)
    check_forward("where", [cond, x, y], {}, np.where(cond != 0, x, y))
    check_grad("where", [cond, x, y], wrt=[1, 2])
    row = np.array([1, 0, 1], dtype=np.float32)
    check_forward("where", [row, x, y], {}, np.where(row[:, None] != 0, x, y))
    with pytest.raises(mx.MXNetError, match="where"):
        run_nd("where", [cond, x, y[:2]])


@pytest.mark.parametrize("src", ["float32", "float64", "int32", "uint8"])
@pytest.mark.parametrize("dst", ["float16", "float32", "int64", "int8"])
def test_cast(src, dst):
    x = np.array([[0, 1, 2], [3, 4, 100]], dtype=src)
    got = check_forward("Cast", [x], {"dtype": dst}, x.astype(dst))
    assert got[0].dtype == np.dtype(dst)
    assert mx.nd.cast(mx.nd.array(x, dtype=src), dtype=dst).dtype == np.dtype(dst)


def test_cast_grad_and_bad_dtype():
    check_grad("Cast", [np.ones((2, 2))], {"dtype": "float64"})
    with pytest.raises(mx.MXNetError, match="dtype"):
        run_nd("Cast", [np.ones(2, np.float32)], dtype="complex64")


def test_add_n():
    xs = [np.random.RandomState(i).uniform(size=(2, 3)).astype(np.float32) for i in range(4)]
    got = mx.nd.add_n(*[mx.nd.array(x) for x in xs])
    np.testing.assert_allclose(got.asnumpy(), sum(xs), rtol=1e-6)
    np.testing.assert_allclose(mx.nd.ElementWiseSum(*[mx.nd.array(x) for x in xs]).asnumpy(), sum(xs), rtol=1e-6)
    check_grad("add_n", xs[:3], {"num_args": 3})
    with pytest.raises(mx.MXNetError, match="add_n"):
        mx.nd.add_n(mx.nd.ones((2,)), mx.nd.ones((3,)))


def test_float16_forward():
    x = np.array([0.5, 1.0, 2.0], dtype=np.float16)
    got = check_forward("exp", [x], {}, np.exp(x), rtol=1e-3, atol=1e-3)
    assert got[0].dtype == np.float16


def test_gamma_and_gammaln_are_accurate_and_handle_infinities():
    """float64 within 1e-12 of Python's math.gamma/lgamma (float32 then rounds as the C library);
    Gamma(+inf) = inf, lgamma(+-inf) = inf, as MXNet's (C) results."""
    import math
    x = np.array([1e-5, 0.1, 0.5, 0.7, 1.5, 3.0, 10.0, 25.3, 150.0, -0.5, -2.5, -7.3])
    np.testing.assert_allclose(mx.nd.gamma(mx.nd.array(x, dtype="float64")).asnumpy(),
                               [math.gamma(v) for v in x], rtol=1e-12)
    np.testing.assert_allclose(mx.nd.gammaln(mx.nd.array(x, dtype="float64")).asnumpy(),
                               [math.lgamma(v) for v in x], rtol=1e-12, atol=1e-12)
    assert mx.nd.gamma(mx.nd.array([1.5])).asnumpy()[0] == np.float32(math.gamma(1.5))
    edge = mx.nd.array([np.inf, -np.inf, np.nan])
    assert mx.nd.gamma(edge).asnumpy()[0] == np.inf
    np.testing.assert_array_equal(mx.nd.gammaln(edge).asnumpy()[:2], [np.inf, np.inf])


def test_sign_of_nan_is_zero_as_mxnet():
    np.testing.assert_array_equal(mx.nd.sign(mx.nd.array([np.nan, -2, 0, 3])).asnumpy(), [0, -1, 0, 1])


def test_erf_and_erfinv_to_double_precision():
    """erf within 2e-15 of math.erf over [-7, 7] in float64 (MXNet calls the C library), float32
    correctly rounded; erfinv inverts it to 1e-15."""
    import math
    x = np.linspace(-7, 7, 1401)
    got = mx.nd.erf(mx.nd.array(x, dtype="float64")).asnumpy()
    np.testing.assert_allclose(got, [math.erf(v) for v in x], rtol=0, atol=2e-15)
    x32 = x.astype(np.float32)
    np.testing.assert_array_equal(mx.nd.erf(mx.nd.array(x32)).asnumpy(),
                                  np.array([math.erf(float(v)) for v in x32], dtype=np.float32))
    y = np.linspace(-0.9999, 0.9999, 401)
    inv = mx.nd.erfinv(mx.nd.array(y, dtype="float64")).asnumpy()
    np.testing.assert_allclose([math.erf(v) for v in inv], y, rtol=0, atol=1e-15)


# values printed by MXNet 1.9.1 for a = [7, 10, 13, 200] (int32) and b = [7, 10, 13, 100]
# (uint8): the scalar is first converted to the array's type as C does
_INT_SCALAR_CASES = [
    (lambda a: a + 2.7, [9, 12, 15, 202], [9, 12, 15, 102]),
    (lambda a: a - 0.5, [7, 10, 13, 200], [7, 10, 13, 100]),
    (lambda a: a / 2.5, [3, 5, 6, 100], [3, 5, 6, 50]),
    (lambda a: 2.5 / a, [0, 0, 0, 0], [0, 0, 0, 0]),
    (lambda a: a ** 0.5, [1, 1, 1, 1], [1, 1, 1, 1]),
    (lambda a: a % 2.5, [1, 0, 1, 0], [1, 0, 1, 0]),
    (lambda a: a > 7.5, [0, 1, 1, 1], [0, 1, 1, 1]),
    (lambda a: a == 7.2, [1, 0, 0, 0], [1, 0, 0, 0]),
    (lambda a: 9.9 - a, [2, -1, -4, -191], [2, 255, 252, 165]),
    (lambda a: mx.nd.maximum(a, 9.5), [9, 10, 13, 200], [9, 10, 13, 100]),
    (lambda a: mx.nd.minimum(a, 9.5), [7, 9, 9, 9], [7, 9, 9, 9]),
    (lambda a: a * -1.5, [-7, -10, -13, -200], [249, 246, 243, 156]),
    (lambda a: a * 1e10, [-2147483648, 0, -2147483648, 0], [0, 0, 0, 0]),
    (lambda a: a + 300, [307, 310, 313, 500], [51, 54, 57, 144]),
    (lambda a: mx.nd.clip(a, 7.5, 12.5), [7, 10, 12, 12], [7, 10, 12, 12]),
]


@pytest.mark.parametrize("case", range(len(_INT_SCALAR_CASES)))
def test_scalar_operand_is_converted_to_the_integer_arrays_type(case):
    f, want_i32, want_u8 = _INT_SCALAR_CASES[case]
    a = mx.nd.array([7, 10, 13, 200], dtype="int32")
    b = mx.nd.array([7, 10, 13, 100], dtype="uint8")
    for arr, want in ((a, want_i32), (b, want_u8)):
        r = f(arr)
        assert r.dtype == arr.dtype
        assert r.asnumpy().tolist() == want


def test_integer_division_by_zero_is_an_error():
    # (MXNet 1.9.1's kernel dies with SIGFPE here)
    a = mx.nd.array([7, 10], dtype="int32")
    with pytest.raises(mx.MXNetError, match="integer division by zero"):
        (a / 0.5).asnumpy()                   # 0.5 converts to 0
    with pytest.raises(mx.MXNetError, match="integer division by zero"):
        (a / mx.nd.array([1, 0], dtype="int32")).asnumpy()
