"""mx.test_utils: tolerances and comparisons (MXNet 1.9.1's defaults and reports), random
shapes/arrays, NumPy references, operator checks (check_numeric_gradient passes for correct
backward rules and fails for a wrong one, for registry ops and Symbols), statistical checks."""
import inspect
import json
import os
import sys

import numpy as np
import pytest

import mxnet as mx
from mxnet import test_utils as T
from mxnet.ops.registry import OpDef, register, find_op

SPEC = os.path.join(os.path.dirname(__file__), "fixtures", "spec", "mxnet-1.9.1-api.json")


@pytest.fixture(scope="module")
def spec():
    with open(SPEC) as f:
        return json.load(f)["modules"]["mxnet.test_utils"]


# Functions of MXNet's mx.test_utils that neomx does not provide.
NOT_PROVIDED = set()


def test_signatures_match_spec(spec):
    checked = 0
    for name, entry in sorted(spec.items()):
        if entry.get("kind") != "function" or name in NOT_PROVIDED:
            continue
        assert hasattr(T, name), name
        assert str(inspect.signature(getattr(T, name))) == entry["signature"], name
        checked += 1
    assert checked >= 88


# -- contexts and tolerances ---------------------------------------------------------------------


def test_default_context():
    assert T.default_context() == mx.cpu(0)
    with mx.cpu(2):
        assert T.default_context() == mx.cpu(2)
    try:
        T.set_default_context(mx.cpu(3))
        assert T.default_context() == mx.cpu(3)
        assert mx.current_context() == mx.cpu(3)
        assert mx.nd.zeros((1,)).context == mx.cpu(3)
        T.set_default_context(mx.cpu(4))
        assert mx.current_context() == mx.cpu(4)
        with mx.cpu(1):
            assert T.default_context() == mx.cpu(1)
        assert T.default_context() == mx.cpu(4)
    finally:
        T.set_default_context(mx.cpu(0))
    assert mx.current_context() == mx.cpu(0)
    with pytest.raises(TypeError):
        T.set_default_context("cpu")


def test_tolerance_tables():
    assert T.default_rtols()[np.dtype(np.float16)] == 1e-2
    assert T.default_rtols()[np.dtype(np.float32)] == 1e-4
    assert T.default_rtols()[np.dtype(np.float64)] == 1e-5
    assert T.default_atols()[np.dtype(np.float16)] == 1e-1
    assert T.default_atols()[np.dtype(np.float32)] == 1e-3
    assert T.default_atols()[np.dtype(np.float64)] == 1e-20
    assert T.default_rtols()[np.dtype(np.int32)] == 0 and T.default_atols()[np.dtype(np.uint8)] == 0
    assert T.default_numeric_eps()[np.dtype(np.float32)] == 2.0 ** -9
    assert T.default_numeric_eps()[np.dtype(np.float16)] == 2.0 ** -6
    assert T.default_numeric_eps()[np.dtype(np.float64)] == 2.0 ** -14
    assert T.default_dtype() is np.float32


@pytest.mark.parametrize("x,y,expect", [
    (np.zeros(2, np.float16), np.zeros(2, np.float16), (1e-2, 1e-1)),
    (np.zeros(2, np.float32), np.zeros(2, np.float32), (1e-4, 1e-3)),
    (np.zeros(2, np.float64), np.zeros(2, np.float64), (1e-5, 1e-20)),
    (np.zeros(2, np.int32), np.zeros(2, np.int32), (0, 0)),
    (np.zeros(2, np.float16), np.zeros(2, np.float64), (1e-2, 1e-1)),   # the looser one
    (np.zeros(2, np.int32), np.zeros(2, np.float32), (1e-4, 1e-3)),
    (np.zeros(2, np.float32), mx.nd.zeros(2), (1e-4, 1e-3)),
    (np.zeros(2, np.float32), 1.0, (1e-4, 1e-3)),
])
def test_get_tols(x, y, expect):
    assert T.get_tols(x, y, None, None) == expect
    assert T.get_tols(x, y, 0.3, None)[0] == 0.3
    assert T.get_tols(x, y, None, 0.7)[1] == 0.7


def test_get_rtol_atol_etol_and_effective_dtype():
    assert T.get_rtol() == 1e-5 and T.get_atol() == 1e-20
    assert T.get_rtol(0.5) == 0.5 and T.get_atol(None, np.dtype(np.float16)) == 0.1
    assert T.get_rtol(None, np.float32) == 1e-4
    assert T.get_etol() == 0 and T.get_etol(0.3) == 0.3
    assert T.effective_dtype(mx.nd.ones(2, dtype="float16")) == np.float16
    assert T.effective_dtype(np.ones(2)) == np.float64
    assert T.get_tolerance(np.zeros(2), 0.5, T.default_rtols()) == 0.5
    assert T.get_tolerance(np.zeros(2, np.float32), None, T.default_rtols()) == 1e-4


# -- comparisons ---------------------------------------------------------------------------------


def _threshold(check, base, dtype, dtype2=None, **kw):
    """Largest difference d for which check(base, base + d) holds (bisection)."""
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = (lo + hi) / 2
        a = np.array([base], dtype)
        b = np.array([base + mid], dtype2 or dtype)
        if check(a, b, **kw):
            lo = mid
        else:
            hi = mid
    return lo


def _passes(a, b, **kw):
    try:
        T.assert_almost_equal(a, b, **kw)
        return True
    except AssertionError:
        return False


def test_almost_equal_uses_float64_defaults_whatever_the_dtype():
    # MXNet: rtol 1e-5, atol 1e-20 unless given, |a - b| <= atol + rtol * |b|.
    a = np.array([1.0, 2.0], np.float32)
    assert T.almost_equal(a, a.copy()) is True
    assert T.almost_equal(a, a + 1e-6)
    assert not T.almost_equal(a, a + 1e-4)
    assert T.almost_equal(a, a + 1e-4, rtol=1e-3, atol=1e-3)
    assert _threshold(T.almost_equal, 0.0, np.float64) == 0.0
    assert _threshold(T.almost_equal, 10.0, np.float64) == pytest.approx(1e-4, rel=1e-3)
    assert _threshold(T.almost_equal, 10.0, np.float64, rtol=1e-2, atol=1e-3) == pytest.approx(
        0.1020202, rel=1e-4)
    assert not T.almost_equal(np.array([1.0]), np.array([100.0]), rtol=0.5, atol=0)


def test_almost_equal_nan_broadcast_and_ndarray():
    nan = np.array([np.nan])
    assert not T.almost_equal(nan, nan)
    assert T.almost_equal(nan, nan, equal_nan=True)
    assert T.almost_equal(np.ones((2, 3)), np.ones((3,)))
    with pytest.raises(AssertionError, match="shape"):
        T.almost_equal(np.ones((2, 3)), np.ones((3,)), use_broadcast=False)
    assert T.almost_equal(mx.nd.ones((2, 3)), np.ones((2, 3)))


@pytest.mark.parametrize("dtype,base,expect", [
    (np.float32, 0.0, 1e-3), (np.float32, 10.0, 1e-3 + 1e-4 * 10.001),
    (np.float64, 1.0, 1e-5), (np.float64, 100.0, 1e-3),
])
def test_assert_almost_equal_default_tolerances_follow_dtype(dtype, base, expect):
    assert _threshold(_passes, base, dtype) == pytest.approx(expect, rel=2e-3)


def test_assert_almost_equal_float16_and_mixed_dtypes():
    assert _passes(np.array([0.0], np.float16), np.array([0.09], np.float16))
    assert not _passes(np.array([0.0], np.float16), np.array([0.12], np.float16))
    # float32 against float64: the float32 tolerances
    assert _threshold(_passes, 1.0, np.float32, np.float64) == pytest.approx(1.1e-3, rel=1e-3)
    assert _threshold(_passes, 1.0, np.float32, rtol=1e-2) == pytest.approx(0.0111111, rel=1e-4)
    assert _threshold(_passes, 0.0, np.float32, atol=1e-2) == pytest.approx(1e-2, rel=1e-3)


def test_assert_almost_equal_report(capsys):
    a = np.arange(30, dtype=np.float32).reshape(5, 6)
    b = a.copy()
    b[1, 2] += 1
    b[3, 4] += 0.5
    with pytest.raises(AssertionError) as e:
        T.assert_almost_equal(a, b, names=("x", "y"))
    msg = str(e.value)
    assert "Items are not equal:" in msg
    assert "Error 526.315789 exceeds tolerance rtol=1.000000e-04, atol=1.000000e-03 (mismatch 6.666667%)" in msg
    assert "Location of maximum error: (1, 2), x=8.00000000, y=9.00000000" in msg
    assert " ACTUAL: array(" in msg and " DESIRED: array(" in msg
    # the worst elements are printed, not raised (MXNet 1.9.1)
    printed = capsys.readouterr().out
    assert "*** Maximum errors for vector of size 30:  rtol=0.0001, atol=0.001" in printed
    assert "  1: Error 526.315789  Location of error: (1, 2), x=8.00000000, y=9.00000000" in printed
    assert "  2: Error 153.846154  Location of error: (3, 4), x=22.00000000, y=22.50000000" in printed
    assert "Location of error: (3, 4)" not in msg
    with pytest.raises(AssertionError, match="mismatch at least"):
        T.assert_almost_equal(mx.nd.array(a), b, mismatches=(1, 1))


def test_assert_almost_equal_inputs_and_edge_cases():
    T.assert_almost_equal(mx.nd.array([1, 2]), np.array([1, 2], np.float32))
    T.assert_almost_equal(1.0, 1.0)
    T.assert_almost_equal([1.0, 2.0], [1.0, 2.0])
    T.assert_almost_equal(np.array([1, 2]), np.array([1, 2]))
    with pytest.raises(AssertionError, match="rtol=0.000000e.00, atol=0.000000e.00"):
        T.assert_almost_equal(np.array([1, 2]), np.array([1, 3]))       # integers: exact
    T.assert_almost_equal(np.ones((2, 3)), np.ones(3))                   # broadcasts
    with pytest.raises(AssertionError, match=r"a.shape = \(2, 3\) and b.shape = \(3,\)"):
        T.assert_almost_equal(np.ones((2, 3)), np.ones(3), use_broadcast=False)
    with pytest.raises(ValueError):
        T.assert_almost_equal(np.ones(3), np.ones(4))
    nan = np.array([np.nan, 1.0])
    with pytest.raises(AssertionError, match="Error nan"):
        T.assert_almost_equal(nan, nan)
    T.assert_almost_equal(nan, nan, equal_nan=True)
    T.assert_almost_equal(np.array([np.inf, 1]), np.array([np.inf, 1]))


def test_assert_almost_equal_variants():
    z = np.zeros(100)
    T.assert_almost_equal_with_err(z, np.r_[np.ones(3), np.zeros(97)], etol=0.05)
    with pytest.raises(AssertionError, match="mismatch 10.000000%"):
        T.assert_almost_equal_with_err(z, np.r_[np.ones(10), np.zeros(90)], etol=0.05)
    with pytest.raises(AssertionError):
        T.assert_almost_equal_with_err(z, np.r_[np.ones(3), np.zeros(97)])
    T.assert_almost_equal_ignore_nan(np.array([np.nan, 1.0, 2.0]), np.array([5.0, 1.0, 2.0]))
    T.assert_almost_equal_ignore_nan(np.array([1.0, 1.0]), np.array([np.nan, 1.0]))
    with pytest.raises(AssertionError):
        T.assert_almost_equal_ignore_nan(np.array([np.nan, 1.0, 2.0]), np.array([5.0, 1.0, 3.0]))
    T.assert_allclose(np.ones(3), np.ones(3) + 1e-8)
    T.assert_allclose(np.array([np.nan]), np.array([np.nan]))
    T.assert_allclose(mx.nd.ones(3), np.ones(3))
    with pytest.raises(AssertionError, match="rtol=1.000000e-07"):
        T.assert_allclose(np.ones(3), np.ones(3) + 1e-6)


def test_same_and_same_array():
    assert T.same(np.ones(3), np.ones(3))
    assert T.same(mx.nd.ones(3), np.ones(3, np.float64))
    assert not T.same(np.ones(3), np.ones(4))
    assert not T.same(np.array([np.nan]), np.array([np.nan]))
    a = mx.nd.ones(3)
    assert T.same_array(a, a)
    assert not T.same_array(a, a.copy())
    assert not T.same_array(a, a[0:2])
    assert T.same_array(a, a.reshape((3,)))
    np.testing.assert_array_equal(a.asnumpy(), np.ones(3))     # restored


def test_checkshapes_and_location_error():
    T.checkShapes(np.ones(2), np.ones(2))
    with pytest.raises(AssertionError):
        T.checkShapes(np.ones(2), np.ones(3))
    assert T.locationError(np.ones((2, 2)), np.zeros((2, 2)), (1, 0), ("p", "q")) == \
        "Location of error: (1, 0), p=1.00000000, q=0.00000000"
    assert T.locationError(np.ones((2, 2)), np.zeros((2, 2)), (1, 0), ("p", "q"), maxError=True) == \
        "Location of maximum error: (1, 0), p=1.00000000, q=0.00000000"


def test_compare_ndarray_tuple_and_collapse_sum_like():
    T.compare_ndarray_tuple((mx.nd.ones(2), mx.nd.zeros(2)), (mx.nd.ones(2), mx.nd.zeros(2)))
    T.compare_ndarray_tuple(mx.nd.ones(2), mx.nd.ones(2))
    T.compare_ndarray_tuple((mx.nd.ones(2), None), (mx.nd.ones(2), None))
    with pytest.raises(AssertionError):
        T.compare_ndarray_tuple((mx.nd.ones(2),), (mx.nd.zeros(2),))
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(T.collapse_sum_like(x, (3, 1)), x.sum(axis=(0, 2)).reshape(3, 1))
    np.testing.assert_array_equal(T.collapse_sum_like(x, (1, 3, 1)), x.sum(axis=(0, 2)).reshape(1, 3, 1))
    np.testing.assert_array_equal(T.collapse_sum_like(x, (4,)), x.sum(axis=(0, 1)))
    with pytest.raises(ValueError):
        T.collapse_sum_like(x, (2, 4))


# -- running helpers -----------------------------------------------------------------------------


def test_assert_exception():
    T.assert_exception(lambda x: 1 / x, ZeroDivisionError, 0)
    T.assert_exception(lambda x, y=1: x / y, ZeroDivisionError, 1, y=0)
    with pytest.raises(AssertionError):
        T.assert_exception(lambda x: 1 / x, ZeroDivisionError, 1)
    with pytest.raises(ZeroDivisionError):
        T.assert_exception(lambda x: 1 / x, ValueError, 0)
    T.assert_exception(mx.nd.random.uniform, mx.MXNetError, 2, 1)


def test_retry():
    calls = []

    @T.retry(3)
    def flaky():
        calls.append(1)
        assert len(calls) >= 2

    flaky()
    assert len(calls) == 2

    @T.retry(2)
    def always_fails():
        calls.append(1)
        assert False, "nope"

    calls.clear()
    with pytest.raises(AssertionError, match="nope"):
        always_fails()
    assert len(calls) == 2


def test_environment_getenv_setenv():
    name = "NEOMX_TEST_UTILS_VAR"
    assert T.getenv(name) is None
    T.setenv(name, "1")
    assert T.getenv(name) == "1" and os.environ[name] == "1"
    T.setenv(name, None)
    assert T.getenv(name) is None
    with T.environment(name, "2"):
        assert os.environ[name] == "2"
    assert name not in os.environ
    os.environ[name] = "old"
    try:
        with T.environment({name: "3", name + "_B": "4"}):
            assert os.environ[name] == "3" and os.environ[name + "_B"] == "4"
        assert os.environ[name] == "old" and name + "_B" not in os.environ
        with T.environment(name, None):
            assert name not in os.environ
        assert os.environ[name] == "old"
    finally:
        os.environ.pop(name, None)


def test_discard_stderr(capfd):
    with T.discard_stderr():
        os.write(2, b"hidden\n")
        print("hidden too", file=sys.stderr)
    os.write(2, b"shown\n")
    print("also shown", file=sys.stderr)
    err = capfd.readouterr().err
    assert "hidden" not in err and "shown" in err and "also shown" in err


def test_list_gpus_and_flags():
    assert list(T.list_gpus()) == list(range(mx.context.num_gpus()))
    assert T.is_op_runnable() is True
    assert T.has_tvm_ops() is False
    with pytest.raises(ValueError):
        T.get_cuda_compute_capability(mx.cpu())


# -- random shapes and data ----------------------------------------------------------------------


def test_rand_shapes():
    np.random.seed(0)
    for _ in range(20):
        s = T.rand_shape_2d(3, 4)
        assert len(s) == 2 and 1 <= s[0] <= 3 and 1 <= s[1] <= 4
        s = T.rand_shape_3d(2, 2, 5)
        assert len(s) == 3 and all(1 <= d for d in s) and s[2] <= 5
        s = T.rand_shape_nd(4, 3)
        assert len(s) == 4 and all(1 <= d <= 3 for d in s) and isinstance(s, tuple)
        x, y = T.rand_coord_2d(0, 10, 5, 6)
        assert 0 <= x < 10 and y == 5
    zeros = [T.rand_shape_2d(1, 1, allow_zero_size=True) for _ in range(50)]
    assert (0, 0) in zeros or any(0 in s for s in zeros)
    assert T.rand_shape_2d() <= (10, 10)


def test_random_arrays():
    np.random.seed(0)
    a = T.random_arrays((2, 3))
    assert isinstance(a, np.ndarray) and a.shape == (2, 3) and a.dtype == np.float32
    many = T.random_arrays((2, 3), (4,))
    assert [x.shape for x in many] == [(2, 3), (4,)]
    assert T.random_arrays() == []
    assert T.random_arrays(()).shape == ()
    big = T.random_arrays((10000,))
    assert abs(big.mean()) < 0.05 and abs(big.std() - 1) < 0.05
    u = T.random_uniform_arrays((2, 3), (4,))
    assert isinstance(u, list) and u[0].dtype == np.float32 and (u[0] >= 0).all() and (u[0] < 1).all()
    h = T.random_uniform_arrays((100,), low=5, high=6, dtype="float16")[0]
    assert h.dtype == np.float16 and (h >= 5).all() and (h <= 6).all()
    assert isinstance(T.random_uniform_arrays((2,)), list)
    s = T.random_sample([1, 2, 3, 4, 5], 3)
    assert len(s) == 3 and len(set(s)) == 3 and set(s) <= {1, 2, 3, 4, 5}


def test_rand_ndarray():
    x = T.rand_ndarray((2, 3))
    assert isinstance(x, mx.nd.NDArray) and x.shape == (2, 3) and x.dtype == np.float32
    assert x.stype == "default"
    assert T.rand_ndarray((2, 3), dtype="float64").dtype == np.float64
    assert T.rand_ndarray((2, 3), dtype=np.int32).dtype == np.int32
    assert T.rand_ndarray((2, 3), ctx=mx.cpu(1)).context == mx.cpu(1)
    with pytest.raises(mx.MXNetError, match="unknown storage type 'coo'"):
        T.rand_ndarray((2, 3), stype="coo")


def test_vectors_tensors_identities():
    v = T.create_vector(5)
    assert v.dtype == np.int64 and v.asnumpy().tolist() == [0, 1, 2, 3, 4]
    assert T.create_vector(5, dtype=np.int32).dtype == np.int32
    t = T.create_2d_tensor(2, 3)
    assert t.dtype == np.int64 and t.asnumpy().tolist() == [[0, 0, 0], [1, 1, 1]]
    np.testing.assert_array_equal(T.get_identity_mat(3).asnumpy(), np.eye(3))
    assert T.get_identity_mat(3).dtype == np.float32
    b = T.get_identity_mat_batch(3)
    assert b.shape == (2, 3, 3)
    np.testing.assert_array_equal(b.asnumpy()[1], np.eye(3))


@pytest.mark.parametrize("axis,keepdims", [(1, True), ((0, 2), False), (None, False), (None, True),
                                           (-1, False), ([], True), ((0, -1), True)])
@pytest.mark.parametrize("func", [np.sum, np.max, np.prod])
def test_np_reduce(axis, keepdims, func):
    x = np.random.RandomState(0).uniform(0.5, 1.5, (2, 3, 4))
    got = T.np_reduce(x, axis, keepdims, func)
    ax = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    np.testing.assert_allclose(got, func(x, axis=ax, keepdims=keepdims))


def test_assign_each():
    np.testing.assert_array_equal(T.assign_each(np.array([[1.0, 2.0]]), lambda x: x * 2), [[2.0, 4.0]])
    np.testing.assert_array_equal(T.assign_each2(np.array([1.0, 2.0]), np.array([3.0, 4.0]),
                                                 lambda x, y: x + y), [4.0, 6.0])


def test_special_matrices():
    np.random.seed(1)
    q = T.new_orthonormal_matrix_2d(4)
    np.testing.assert_allclose(q.T.dot(q), np.eye(4), atol=1e-12)
    m = T.new_matrix_with_real_eigvals_2d(5)
    ev = np.linalg.eigvals(m)
    np.testing.assert_allclose(ev.imag, 0, atol=1e-8)
    assert (np.abs(ev.real) >= 0.5 - 1e-8).all() and (np.abs(ev.real) <= 1.5 + 1e-8).all()
    s = T.new_sym_matrix_with_real_eigvals_2d(4)
    np.testing.assert_allclose(s, s.T, atol=1e-12)
    b = T.new_matrix_with_real_eigvals_nd((2, 3, 3, 3))
    assert b.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(np.linalg.eigvals(b).imag, 0, atol=1e-8)
    bs = T.new_sym_matrix_with_real_eigvals_nd((2, 3, 3))
    np.testing.assert_allclose(bs, bs.transpose(0, 2, 1), atol=1e-12)
    with pytest.raises(ValueError):
        T.new_sym_matrix_with_real_eigvals_nd((2, 3))


# -- operator checks -----------------------------------------------------------------------------


def _wrong_forward(env, a, inputs, aux):
    return (inputs[0] * inputs[1] + env.xp.sin(inputs[0]),)


def _wrong_backward(env, a, inputs, outputs, out_grads, req):
    lhs, rhs = inputs
    g = out_grads[0]
    # correct for lhs (rhs + cos(lhs)); deliberately wrong for rhs (should be g * lhs)
    return [g * (rhs + env.xp.cos(lhs)), g * lhs * 1.5]


def _wrong_op():
    op = find_op("_test_wrong_grad")
    if op is None:
        op = register(OpDef("_test_wrong_grad", _wrong_forward, inputs=("lhs", "rhs"),
                            backward=_wrong_backward, doc="Test-only op with a wrong gradient."))
    return op


def test_check_numeric_gradient_passes_for_correct_ops():
    rng = np.random.RandomState(0)
    x = rng.uniform(0.5, 2, (3, 4))
    T.check_numeric_gradient("square", [x])
    T.check_numeric_gradient("log", {"data": x})
    T.check_numeric_gradient("tanh", [mx.nd.array(x)], dtype=np.float64)
    T.check_numeric_gradient("broadcast_mul", [x, rng.uniform(0.5, 2, (1, 4))])
    T.check_numeric_gradient(("FullyConnected", {"num_hidden": 2}),
                             [rng.randn(3, 4), rng.randn(2, 4), rng.randn(2)])
    T.check_numeric_gradient(("SliceChannel", {"num_outputs": 2}), [rng.randn(4, 2)])   # 2 outputs
    T.check_numeric_gradient("add_n", [rng.randn(2, 2), rng.randn(2, 2), rng.randn(2, 2)])  # varargs
    T.check_numeric_gradient(find_op("sigmoid"), [x], numeric_eps=1e-3, rtol=1e-2, atol=1e-4)


def test_check_numeric_gradient_fails_for_a_wrong_backward_rule():
    op = _wrong_op()
    rng = np.random.RandomState(1)
    loc = [rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))]
    with pytest.raises(AssertionError) as e:
        T.check_numeric_gradient("_test_wrong_grad", loc)
    assert "NUMERICAL_rhs" in str(e.value) and "BACKWARD_rhs" in str(e.value)
    # the lhs rule is right: checking only lhs passes
    T.check_numeric_gradient(op, loc, grad_nodes=["lhs"])
    T.check_numeric_gradient(op, {"lhs": loc[0], "rhs": loc[1]}, grad_nodes={"lhs": "write", "rhs": "null"})
    with pytest.raises(AssertionError, match="NUMERICAL_rhs"):
        T.check_numeric_gradient(op, loc, grad_nodes=["rhs"], dtype=np.float64)


def test_check_numeric_gradient_wrong_rule_through_a_symbol():
    from mxnet.symbol.register import make_function
    lhs, rhs = mx.sym.var("lhs"), mx.sym.var("rhs")
    s = make_function(_wrong_op(), "_test_wrong_grad")(lhs, rhs)
    loc = [np.ones((2, 2)), np.ones((2, 2))]
    with pytest.raises(AssertionError, match="BACKWARD_rhs"):
        T.check_numeric_gradient(s, loc)


def test_check_numeric_gradient_with_symbols():
    rng = np.random.RandomState(2)
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    net = mx.sym.Activation(net, act_type="tanh")
    loc = {"data": rng.randn(2, 4), "fc_weight": rng.randn(3, 4) * 0.5, "fc_bias": rng.randn(3)}
    T.check_numeric_gradient(net, loc)
    T.check_numeric_gradient(net, [loc["data"], loc["fc_weight"], loc["fc_bias"]], grad_nodes=["fc_weight"])
    floor = mx.sym.floor(data)
    with pytest.raises(AssertionError, match="NUMERICAL_data"):
        T.check_numeric_gradient(floor, [np.array([1.0, 2.5])])


def test_checks_with_auxiliary_states():
    rng = np.random.RandomState(3)
    x = rng.randn(4, 3, 2, 2)
    gamma, beta = rng.uniform(0.5, 1.5, 3), rng.randn(3)
    T.check_numeric_gradient(("BatchNorm", {"fix_gamma": False}), [x, gamma, beta])
    T.check_numeric_gradient(("BatchNorm", {"fix_gamma": False}), [x, gamma, beta],
                             aux_states=[np.zeros(3), np.ones(3)])
    bn = mx.sym.BatchNorm(mx.sym.var("data"), fix_gamma=False, name="bn")
    T.check_numeric_gradient(bn, {"data": x, "bn_gamma": gamma, "bn_beta": beta})
    # inference mode uses the moving statistics: mean 0, variance 1 by default
    T.check_symbolic_forward(bn, {"data": x, "bn_gamma": np.ones(3), "bn_beta": np.zeros(3)},
                             [x / np.sqrt(1 + 1e-3)])
    T.check_symbolic_forward(bn, {"data": x, "bn_gamma": np.ones(3), "bn_beta": np.zeros(3)},
                             [(x - 1) / np.sqrt(4 + 1e-3)],
                             aux_states={"bn_moving_mean": np.ones(3), "bn_moving_var": np.full(3, 4.0)})


def test_check_numeric_gradient_argument_errors():
    with pytest.raises(ValueError, match="missing"):
        T.check_numeric_gradient("broadcast_mul", {"lhs": np.ones(2)})
    with pytest.raises(ValueError):
        T.check_numeric_gradient("square", [np.ones(2), np.ones(2)])
    with pytest.raises(ValueError, match="grad_nodes"):
        T.check_numeric_gradient("square", [np.ones(2)], grad_nodes=["nope"])
    with pytest.raises(TypeError):
        T.check_numeric_gradient(42, [np.ones(2)])


def test_check_symbolic_forward_and_backward_ops_and_symbols():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    outs = T.check_symbolic_forward("elemwise_mul", [a, b], [a * b])
    assert isinstance(outs[0], mx.nd.NDArray)
    np.testing.assert_allclose(outs[0].asnumpy(), a * b)
    with pytest.raises(AssertionError, match="EXPECTED_elemwise_mul_output"):
        T.check_symbolic_forward("elemwise_mul", [a, b], [a + b])
    x, y = mx.sym.var("x"), mx.sym.var("y")
    s = x * y
    T.check_symbolic_forward(s, {"x": a, "y": b}, {s.list_outputs()[0]: a * b})
    with pytest.raises(AssertionError, match="FORWARD_"):
        T.check_symbolic_forward(s, [a, b], [a])
    with pytest.raises(ValueError, match="missing"):
        T.check_symbolic_forward(s, {"x": a}, [a * b])
    g = T.check_symbolic_backward(s, [a, b], [np.ones(2)], [b, a])
    assert set(g) == {"x", "y"}
    np.testing.assert_allclose(g["x"].asnumpy(), b)
    g = T.check_symbolic_backward(s, {"x": a, "y": b}, [np.ones(2)], {"x": b}, grad_req={"x": "write", "y": "null"})
    assert set(g) == {"x"}
    with pytest.raises(AssertionError, match="BACKWARD_y"):
        T.check_symbolic_backward(s, [a, b], [np.ones(2)], [b, b])
    g = T.check_symbolic_backward("elemwise_mul", [a, b], [2 * np.ones(2)], [2 * b, 2 * a])
    np.testing.assert_allclose(g["rhs"].asnumpy(), 2 * a)
    with pytest.raises(AssertionError, match="BACKWARD_rhs"):
        T.check_symbolic_backward(_wrong_op(), [a, b], [np.ones(2)], [b + np.cos(a), a])
    T.check_symbolic_backward("elemwise_mul", [a, b], np.ones(2), [b, a], dtype=np.float64)


def test_simple_forward_and_numeric_grad():
    x, y = mx.sym.var("x"), mx.sym.var("y")
    out = T.simple_forward(x * y, x=np.ones(2), y=np.full(2, 3.0))
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [3, 3])
    np.testing.assert_allclose(T.simple_forward("square", data=np.array([3.0])), [9.0])
    ex = (x * y).simple_bind(mx.cpu(), x=(2,), y=(2,))
    grads = T.numeric_grad(ex, {"x": np.array([1.0, 2.0]), "y": np.array([5.0, 7.0])}, eps=1e-2)
    np.testing.assert_allclose(grads["x"], [5, 7], rtol=1e-3)
    np.testing.assert_allclose(grads["y"], [1, 2], rtol=1e-3)


def test_check_speed_and_consistency():
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=4, name="fc")
    t = T.check_speed(net, ctx=mx.cpu(), N=2, data=(3, 5))
    assert t > 0
    assert T.check_speed(net, location={"data": np.ones((3, 5)), "fc_weight": np.ones((4, 5)),
                                        "fc_bias": np.ones(4)}, N=2, typ="forward") > 0
    ctx_list = [{"ctx": mx.cpu(0), "data": (3, 5), "type_dict": {"data": np.float64}},
                {"ctx": mx.cpu(1), "data": (3, 5), "type_dict": {"data": np.float32}}]
    gt = T.check_consistency(net, ctx_list)
    # MXNet returns the float64 executor's output_dict and grad_dict, by name
    assert sorted(gt) == ["data", "fc_bias", "fc_output", "fc_weight"]
    assert gt["fc_output"].shape == (3, 4) and gt["fc_output"].dtype == np.float64
    with pytest.raises(AssertionError):
        T.check_consistency(net, ctx_list[:1])


def test_check_consistency_compares_against_the_widest_dtype():
    data = mx.sym.var("data")
    ok = mx.sym.tanh(data, name="t")
    ctx_list = [{"ctx": mx.cpu(0), "data": (2, 3), "type_dict": {"data": np.float32}},
                {"ctx": mx.cpu(0), "data": (2, 3), "type_dict": {"data": np.float64}}]
    np.random.seed(0)
    gt = T.check_consistency(ok, ctx_list)
    np.random.seed(0)
    x = np.random.normal(size=(2, 3))       # the draw check_consistency made
    np.testing.assert_allclose(gt["t_output"].asnumpy(), np.tanh(x), rtol=1e-12)
    # backward's head gradient is the first executor's output: d/dx = tanh(x) * (1 - tanh(x)^2)
    head = np.tanh(x).astype(np.float32).astype(np.float64)
    np.testing.assert_allclose(gt["data"].asnumpy(), head * (1 - np.tanh(x) ** 2), rtol=1e-6)
    # two symbols that differ: the float32 one is checked against the float64 one and fails
    differ = [mx.sym.tanh(data, name="f"), mx.sym.sin(data, name="f")]
    with pytest.raises(AssertionError, match="Items are not equal"):
        T.check_consistency(differ, ctx_list)
    # raise_on_err=False reports and returns
    assert "f_output" in T.check_consistency(differ, ctx_list, raise_on_err=False)
    with pytest.raises(AssertionError, match="differ in arguments or outputs"):
        T.check_consistency([mx.sym.tanh(data), mx.sym.sin(data)], ctx_list)


# -- statistical checks --------------------------------------------------------------------------


@pytest.mark.parametrize("x,dof,p", [(3.841458820694124, 1, 0.05), (18.307038053275146, 10, 0.05),
                                     (2.0, 2, np.exp(-1.0)), (0.1, 5, 0.9998363), (200.0, 150, 0.0039)])
def test_chi2_survival_function(x, dof, p):
    assert T._chi2_sf(x, dof) == pytest.approx(p, rel=2e-2)


def test_generator_checks():
    np.random.seed(0)
    buckets, probs = T.gen_buckets_probs_with_ppf(lambda q: q, 5)
    assert buckets[0] == (0.0, 0.2) and probs == [0.2] * 5
    pvals = T.verify_generator(lambda n: np.random.uniform(size=n), buckets, probs, nsamples=20000)
    assert len(pvals) == 5
    p, obs, exp = T.chi_square_check(lambda n: np.random.uniform(size=n), buckets, probs, nsamples=10000)
    assert 0 <= p <= 1 and obs.sum() == 10000 and exp.sum() == pytest.approx(10000)
    with pytest.raises(AssertionError, match="Generator test fails"):
        T.verify_generator(lambda n: np.random.uniform(size=n) ** 1.2, buckets, probs, nsamples=20000)
    # discrete buckets, and an mx generator
    mx.random.seed(0)
    T.verify_generator(lambda n: mx.nd.random.randint(0, 4, shape=n).asnumpy(), [0, 1, 2, 3],
                       [0.25] * 4, nsamples=20000)
    assert T.mean_check(lambda n: np.random.normal(2, 3, n), 2, 3, nsamples=20000)
    assert not T.mean_check(lambda n: np.random.normal(2.5, 3, n), 2, 3, nsamples=20000)
    assert T.var_check(lambda n: np.random.normal(0, 3, n), 3, nsamples=20000)
    assert not T.var_check(lambda n: np.random.normal(0, 4, n), 3, nsamples=20000)


def test_same_symbol_structure():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    s1 = mx.sym.FullyConnected(a, num_hidden=3, name="x")
    s2 = mx.sym.FullyConnected(b, num_hidden=5, name="y")
    assert T.same_symbol_structure(s1, s2)
    assert not T.same_symbol_structure(s1, mx.sym.Activation(s2, act_type="relu"))
    assert T.Symbol is mx.sym.Symbol


def test_download_local_file_and_use_np(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"payload")
    out = T.download(src.as_uri(), fname="copy.bin", dirname=str(tmp_path / "d"))
    assert open(out, "rb").read() == b"payload"
    src.write_bytes(b"changed")
    assert open(T.download(src.as_uri(), fname="copy.bin", dirname=str(tmp_path / "d")), "rb").read() == b"payload"
    T.download(src.as_uri(), fname="copy.bin", dirname=str(tmp_path / "d"), overwrite=True)
    assert open(out, "rb").read() == b"changed"
    with pytest.raises(mx.MXNetError, match="failed"):
        T.download((tmp_path / "missing").as_uri(), dirname=str(tmp_path), retries=1)

    def f():
        return 1
    assert T.use_np(f) is f


def test_dummy_iter():
    class Batches:
        provide_data = [("data", (2, 3))]
        provide_label = [("label", (2,))]
        batch_size = 2

        def __iter__(self):
            return iter(["b0", "b1"])

    it = T.DummyIter(Batches())
    assert [next(it) for _ in range(3)] == ["b0"] * 3
    assert it.provide_data == [("data", (2, 3))] and it.batch_size == 2
    it.reset()
    assert it.next() == "b0"


# -- data sets, features, model-level checks -----------------------------------------------------


def _write_idx(path, arr):
    import gzip
    import struct
    arr = np.ascontiguousarray(arr, dtype=np.uint8)
    head = bytes([0, 0, 8, arr.ndim]) + struct.pack(">" + "I" * arr.ndim, *arr.shape)
    with gzip.open(path, "wb") as f:
        f.write(head + arr.tobytes())


@pytest.fixture
def fake_mnist(tmp_path, monkeypatch):
    """12 training / 4 test 28x28 images in $MXNET_MNIST_DIR; the working directory is empty."""
    rng = np.random.RandomState(0)
    src = tmp_path / "mnist"
    src.mkdir()
    sets = {"train": (rng.randint(0, 256, (12, 28, 28)), rng.randint(0, 10, 12)),
            "t10k": (rng.randint(0, 256, (4, 28, 28)), rng.randint(0, 10, 4))}
    for prefix, (img, lbl) in sets.items():
        _write_idx(src / "{}-images-idx3-ubyte.gz".format(prefix), img)
        _write_idx(src / "{}-labels-idx1-ubyte.gz".format(prefix), lbl)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("MXNET_MNIST_DIR", str(src))
    return sets


def test_get_mnist_reads_local_idx(fake_mnist):
    m = T.get_mnist()
    img, lbl = fake_mnist["train"]
    assert m["train_data"].shape == (12, 1, 28, 28) and m["train_data"].dtype == np.float32
    np.testing.assert_allclose(m["train_data"][:, 0], img / 255.0, rtol=1e-6)
    assert m["train_label"].dtype == np.int8 and list(m["train_label"]) == list(lbl)
    assert m["test_data"].shape == (4, 1, 28, 28) and list(m["test_label"]) == list(fake_mnist["t10k"][1])


def test_get_mnist_missing_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MXNET_MNIST_DIR", str(tmp_path))
    monkeypatch.setattr(T, "_project_data_dir", lambda *parts: None)
    with pytest.raises(mx.MXNetError, match="not found.*does not download"):
        T.get_mnist()


def test_get_mnist_project_copy(monkeypatch, tmp_path):
    if T._project_data_dir("mnist") is None:
        pytest.skip("no data/mnist in this checkout")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MXNET_MNIST_DIR", raising=False)
    m = T.get_mnist()
    assert m["train_data"].shape == (60000, 1, 28, 28) and m["test_data"].shape == (10000, 1, 28, 28)
    assert 0.0 <= m["train_data"].min() and m["train_data"].max() <= 1.0
    assert list(np.bincount(m["test_label"])) == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_get_mnist_ubyte_pkl_and_iterator(fake_mnist):
    import gzip
    import pickle
    T.get_mnist_ubyte()
    with open("data/train-images-idx3-ubyte", "rb") as f:
        raw = f.read()
    assert raw[:4] == bytes([0, 0, 8, 3]) and np.frombuffer(raw[16:], np.uint8).size == 12 * 784
    T.get_mnist_pkl()
    with gzip.open("data/mnist.pkl.gz", "rb") as f:
        (tx, ty), (vx, vy), (sx, sy) = pickle.load(f)
    assert tx.shape == (10, 784) and vx.shape == (2, 784) and sx.shape == (4, 784)
    assert list(ty) + list(vy) == list(fake_mnist["train"][1])
    train, val = T.get_mnist_iterator(batch_size=4, input_shape=(784,))
    batch = next(iter(val))
    assert batch.data[0].shape == (4, 784)
    # MNISTIter scales by 1/256 and shuffles (MXNet's defaults): compare the rows as a set
    got = sorted(map(tuple, np.round(batch.data[0].asnumpy() * 256).astype(int)))
    assert got == sorted(map(tuple, fake_mnist["t10k"][0].reshape(4, 784)))
    train, _ = T.get_mnist_iterator(batch_size=3, input_shape=(1, 28, 28), num_parts=2, part_index=1)
    assert next(iter(train)).data[0].shape == (3, 1, 28, 28)


def test_bz2_zip_and_model_downloads_use_local_files(tmp_path):
    import bz2
    import zipfile
    d = tmp_path / "d"
    d.mkdir()
    (d / "x.bz2").write_bytes(bz2.compress(b"line1\nline2\n"))
    T.get_bz2_data(str(d), "x.txt", "http://example.invalid/x.bz2", "x.bz2")
    assert (d / "x.txt").read_bytes() == b"line1\nline2\n" and not (d / "x.bz2").exists()
    src = tmp_path / "arch.zip"
    with zipfile.ZipFile(src, "w") as zf:
        zf.writestr("inner/a.txt", "A")
    T.get_zip_data(str(tmp_path / "z"), src.as_uri(), "arch.zip")
    assert (tmp_path / "z" / "inner" / "a.txt").read_text() == "A"
    with pytest.raises(mx.MXNetError):
        T.get_zip_data(str(tmp_path / "z2"), (tmp_path / "missing.zip").as_uri(), "missing.zip")
    sym = tmp_path / "m-symbol.json"
    sym.write_text("{}")
    params = tmp_path / "m.params"
    params.write_bytes(b"p")
    meta = {"mymodel": {"symbol": sym.as_uri(), "params": params.as_uri()}}
    prefix, epoch = T.download_model("mymodel", str(tmp_path / "models"), meta)
    assert epoch == 0 and prefix == str(tmp_path / "models" / "mymodel")
    assert open(prefix + "-0000.params", "rb").read() == b"p"
    assert T.download_model("unknown", str(tmp_path / "models"), meta) == (None, 0)
    with pytest.raises(mx.MXNetError):
        T.download_model("gone", str(tmp_path / "models"),
                         {"gone": {"symbol": (tmp_path / "nope").as_uri(), "params": params.as_uri()}})


def test_features():
    f = mx.runtime.Features()
    assert f is mx.runtime.Features() and T.Features is mx.runtime.Features
    assert list(f)[:3] == ["CUDA", "CUDNN", "NCCL"] and len(f) == 32
    assert f.is_enabled("cuda") == (mx.context.num_gpus() > 0)
    assert f.is_enabled("PROFILER") and not f.is_enabled("MKLDNN")
    assert ("✔ CUDA" if f.is_enabled("CUDA") else "✖ CUDA") in repr(f)
    with pytest.raises(RuntimeError, match="unknown"):
        f.is_enabled("nope")
    assert [x.name for x in mx.runtime.feature_list()] == list(f)


def test_compare_optimizer():
    T.compare_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9),
                        mx.optimizer.SGD(learning_rate=0.1, momentum=0.9), (3, 4), np.float32)
    with pytest.raises(AssertionError):
        T.compare_optimizer(mx.optimizer.SGD(learning_rate=0.1), mx.optimizer.SGD(learning_rate=0.3),
                            (3, 4), np.float32)


def test_check_gluon_hybridize_consistency():
    def build(prefix):
        net = mx.gluon.nn.HybridSequential(prefix=prefix)
        with net.name_scope():
            net.add(mx.gluon.nn.Dense(3, activation="tanh"))
            net.add(mx.gluon.nn.Dense(2))
        return net

    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, (4, 5)))
    T.check_gluon_hybridize_consistency(build, [x])
    with pytest.raises(AssertionError):
        T.check_gluon_hybridize_consistency(build, [x], numpy_func=lambda a: np.zeros((4, 2)))
    assert T.np_symbol is mx.sym.np._Symbol and issubclass(T.np_symbol, mx.sym.Symbol)


@pytest.mark.parametrize("stype", ["row_sparse", "csr"])
def test_rand_sparse_ndarray_and_its_parts(stype):
    np.random.seed(4)
    arr, parts = T.rand_sparse_ndarray((6, 5), stype, density=0.5, dtype="float64")
    dense = arr.asnumpy()
    assert arr.stype == stype and arr.dtype == np.float64 and dense.shape == (6, 5)
    assert ((dense >= 0) & (dense < 1)).all()
    if stype == "row_sparse":
        values, rows = (p.asnumpy() for p in parts)
        np.testing.assert_array_equal(dense[rows], values)
        assert not np.delete(dense, rows, axis=0).any()
    else:
        indptr, indices, data = (p.asnumpy() for p in parts)
        rebuilt = np.zeros((6, 5))
        for r in range(6):
            rebuilt[r, indices[indptr[r]:indptr[r + 1]]] = data[indptr[r]:indptr[r + 1]]
        np.testing.assert_array_equal(rebuilt, dense)
    assert T.rand_ndarray((6, 5), stype, density=0.0).asnumpy().sum() == 0
    assert T.create_sparse_array_zd((6, 5), stype, 0.0).stype == stype


def test_sparse_helpers_fixed_rows_values_and_shuffled_indices():
    np.random.seed(5)
    r = T.create_sparse_array((5, 2), "row_sparse", data_init=2.0, rsp_indices=[3, 1])
    assert r.indices.asnumpy().tolist() == [1, 3]
    np.testing.assert_array_equal(r.asnumpy(), [[0, 0], [2, 2], [0, 0], [2, 2], [0, 0]])
    c = T.rand_ndarray((4, 6), "csr", density=0.7)
    s = T.shuffle_csr_column_indices(c)
    np.testing.assert_array_equal(s.asnumpy(), c.asnumpy())
    assert s.indices.asnumpy().tolist() != c.indices.asnumpy().tolist()     # (seeded: reordered)
    shuffled = T.rand_ndarray((4, 6), "csr", density=1.0, shuffle_csr_indices=True)
    assert (shuffled.asnumpy() != 0).sum() == 24


@pytest.mark.parametrize("w_stype,g_stype", [("default", "row_sparse"), ("row_sparse", "row_sparse")])
def test_compare_optimizer_with_sparse_storage(w_stype, g_stype):
    # opt1 gets dense copies, opt2 the sparse arrays (as MXNet's helper does); SGD's dense and
    # row_sparse updates agree on the first step
    np.random.seed(6)
    mx.random.seed(6)
    o1 = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01, lazy_update=False)
    o2 = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01, lazy_update=False)
    T.compare_optimizer(o1, o2, (5, 3), np.float32, w_stype=w_stype, g_stype=g_stype)
    with pytest.raises(mx.MXNetError, match="unknown storage type"):
        T.compare_optimizer(o1, o2, (5, 3), np.float32, g_stype="coo")
