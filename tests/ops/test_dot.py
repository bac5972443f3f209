"""dot and batch_dot: MXNet's N-d dot semantics (checked against real MXNet 1.9.1), backward
vs finite differences, golden cases and error messages."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd, golden_cases, check_golden_case



_GOLDEN = golden_cases({"dot", "batch_dot"})


@pytest.mark.parametrize("case", _GOLDEN, ids=[c["id"] for c in _GOLDEN])
def test_golden(case):
    check_golden_case(case)


def test_golden_cases_present():
    assert len(_GOLDEN) == 9

# -- dot -----------------------------------------------------------------------------------------


def _ref_dot(a, b, ta, tb):
    """MXNet's dot, written as a tensordot (verified against MXNet 1.9.1 for these shapes)."""
    r = np.tensordot(a, b, axes=([0 if ta else a.ndim - 1], [b.ndim - 1 if tb else 0]))
    return r.reshape(1) if r.ndim == 0 else r


# (lhs shape, rhs shape, transpose_a, transpose_b, output shape)
DOT_CASES = [
    ((4,), (4,), False, False, (1,)),
    ((4,), (4, 5), False, False, (5,)),
    ((4,), (4, 5), True, False, (5,)),
    ((4,), (5, 4), False, True, (5,)),
    ((3, 4), (4,), False, False, (3,)),
    ((4, 3), (4,), True, False, (3,)),
    ((3, 4), (4,), False, True, (3,)),
    ((3, 4), (4, 5), False, False, (3, 5)),
    ((4, 3), (4, 5), True, False, (3, 5)),
    ((3, 4), (5, 4), False, True, (3, 5)),
    ((4, 3), (5, 4), True, True, (3, 5)),
    ((2, 3, 4), (4, 5), False, False, (2, 3, 5)),
    ((2, 3, 4), (4, 5, 6), False, False, (2, 3, 5, 6)),
    ((3, 4), (4, 5, 6), False, False, (3, 5, 6)),
    ((4, 2, 3), (4, 5), True, False, (2, 3, 5)),
    ((2, 3, 4), (5, 4), False, True, (2, 3, 5)),
    ((2, 3, 4), (5, 6, 4), False, True, (2, 3, 5, 6)),
    ((4, 2, 3), (5, 6, 4), True, True, (2, 3, 5, 6)),
    ((2, 3, 4), (2, 3, 5), True, False, (3, 4, 3, 5)),
    ((2, 3, 4), (5, 3, 2), True, True, (3, 4, 5, 3)),
]


def _product_tests(op, ref, cases, seed):
    """(forward test, gradient test) of ``op`` (dot or batch_dot), one row per case
    (lhs shape, rhs shape, transpose_a, transpose_b, output shape): the forward on random inputs
    vs ``ref`` in float64 (values, shape, dtype), the backward vs finite differences."""
    @pytest.mark.parametrize("dtype", ["float32", "float64"])
    @pytest.mark.parametrize("ls,rs,ta,tb,out", cases)
    def test_forward(ls, rs, ta, tb, out, dtype):
        rng = np.random.RandomState(seed)
        a, b = rng.randn(*ls).astype(dtype), rng.randn(*rs).astype(dtype)
        tol = 1e-5 if dtype == "float32" else 1e-12
        got = check_forward(op, [a, b], {"transpose_a": ta, "transpose_b": tb},
                            lambda a, b: ref(a.astype(np.float64), b.astype(np.float64), ta, tb),
                            rtol=tol, atol=tol)
        assert got[0].shape == out and got[0].dtype == np.dtype(dtype)

    @pytest.mark.parametrize("ls,rs,ta,tb,out", cases)
    def test_grad(ls, rs, ta, tb, out):
        rng = np.random.RandomState(seed + 1)
        check_grad(op, [rng.randn(*ls), rng.randn(*rs)], {"transpose_a": ta, "transpose_b": tb})

    return test_forward, test_grad


test_dot_forward, test_dot_grad = _product_tests("dot", _ref_dot, DOT_CASES, 0)


def test_dot_int_and_forward_stype():
    # MXNet 1.9.1's CPU dot refuses integer types at run time; neomx computes them exactly
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    b = np.arange(20, dtype=np.int32).reshape(4, 5)
    r = run_nd("dot", [a, b])[0]
    assert r.dtype == np.int32
    np.testing.assert_array_equal(r, a @ b)
    np.testing.assert_allclose(run_nd("dot", [a.astype(np.float32), b.astype(np.float32)],
                                      forward_stype="default")[0], a @ b)


def test_dot_partial_req():
    op = get_op("dot")
    a, b = np.ones((3, 4)), np.ones((4, 5))
    g = op.backward(OpEnv(np), op.parse({}), [a, b], [a @ b], [np.ones((3, 5))], [True, False])
    assert g[0].shape == (3, 4) and g[1] is None


@pytest.mark.parametrize("ls,rs,kw,match", [
    ((3, 4), (5, 6), {}, r"lhs \(3,4\) and rhs \(5,6\)"),
    ((3, 4), (3, 4), {"transpose_a": True, "transpose_b": True}, r"lhs \(3,4\)"),
    ((2, 3, 4), (3, 4), {}, r"lhs \(2,3,4\) and rhs \(3,4\)"),
    ((3, 4), (5,), {}, r"rhs \(5,\)"),
    ((4,), (5,), {}, r"lhs \(4,\) and rhs \(5,\)"),
    ((4,), (4,), {"transpose_a": True}, "transpose vectors"),
    ((4,), (4,), {"transpose_b": True}, "transpose vectors"),
])
def test_dot_shape_errors(ls, rs, kw, match):
    with pytest.raises(mx.MXNetError, match="dot: .*" + match):
        run_nd("dot", [np.ones(ls, np.float32), np.ones(rs, np.float32)], **kw)


def test_dot_dtype_and_param_errors():
    with pytest.raises(mx.MXNetError, match="dot: input dtypes differ"):
        mx.nd.dot(mx.nd.ones((3, 4), dtype="float64"), mx.nd.ones((4, 5)))
    with pytest.raises(mx.MXNetError, match="forward_stype"):
        run_nd("dot", [np.ones((3, 4), np.float32), np.ones((4, 5), np.float32)], forward_stype="dense")


def test_dot_autograd():
    rng = np.random.RandomState(2)
    a, b = rng.randn(3, 4).astype(np.float32), rng.randn(4, 5).astype(np.float32)
    x, y = mx.nd.array(a), mx.nd.array(b)
    x.attach_grad()
    y.attach_grad()
    with mx.autograd.record():
        z = mx.nd.dot(x, y)
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), np.ones((3, 5)) @ b.T, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(y.grad.asnumpy(), a.T @ np.ones((3, 5)), rtol=1e-5, atol=1e-6)

# -- batch_dot -----------------------------------------------------------------------------------


BATCH_CASES = [
    ((2, 3, 4), (2, 4, 5), False, False, (2, 3, 5)),
    ((2, 4, 3), (2, 4, 5), True, False, (2, 3, 5)),
    ((2, 3, 4), (2, 5, 4), False, True, (2, 3, 5)),
    ((2, 4, 3), (2, 5, 4), True, True, (2, 3, 5)),
    ((1, 1, 4), (1, 4, 1), False, False, (1, 1, 1)),
    ((2, 2, 3, 4), (2, 2, 4, 5), False, False, (2, 2, 3, 5)),
    ((2, 2, 4, 3), (2, 2, 4, 5), True, False, (2, 2, 3, 5)),
]


def _ref_batch(a, b, ta, tb):
    return np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)


test_batch_dot_forward, test_batch_dot_grad = _product_tests("batch_dot", _ref_batch, BATCH_CASES, 3)


@pytest.mark.parametrize("ls,rs,kw,match", [
    ((3, 4), (4, 5), {}, "N >= 3"),
    ((2, 3, 4), (2, 2, 4, 5), {}, "N >= 3"),
    ((2, 3, 4), (3, 4, 5), {}, "leading batch dimensions"),
    ((1, 3, 4), (2, 4, 5), {}, "leading batch dimensions"),
    ((2, 3, 4), (2, 5, 5), {}, r"lhs \(2,3,4\) and rhs \(2,5,5\)"),
    ((2, 3, 4), (2, 5, 5), {"transpose_a": True}, "contracted dimensions 3 and 5"),
])
def test_batch_dot_errors(ls, rs, kw, match):
    with pytest.raises(mx.MXNetError, match="batch_dot: .*" + match):
        run_nd("batch_dot", [np.ones(ls, np.float32), np.ones(rs, np.float32)], **kw)


def test_batch_dot_dtype_mismatch():
    with pytest.raises(mx.MXNetError, match="batch_dot: input dtypes differ"):
        mx.nd.batch_dot(mx.nd.ones((2, 3, 4), dtype="float64"), mx.nd.ones((2, 4, 5)))
