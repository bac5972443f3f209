"""dot and batch_dot: MXNet's N-d dot semantics (checked against real MXNet 1.9.1), backward
vs finite differences, golden cases and error messages."""
import json
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "ops")


def _fixture_cases(ops):
    path = os.path.join(FIX, "ops.json")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        cases = json.load(f)["cases"]
    return [c for c in cases if c["op"] in ops]


_GOLDEN = _fixture_cases({"dot", "batch_dot"})


@pytest.fixture(scope="module")
def npz():
    with np.load(os.path.join(FIX, "ops.npz"), allow_pickle=False) as z:
        yield {k: z[k] for k in z.files}


@pytest.mark.parametrize("case", _GOLDEN, ids=[c["id"] for c in _GOLDEN])
def test_golden(case, npz):
    tol = case["tolerance"]
    xs = [npz[i["key"]] for i in case["inputs"]]
    got = run_nd(case["op"], xs, **case["kwargs"])
    for o in case["outputs"]:
        exp = npz[o["key"]]
        assert got[o["index"]].shape == exp.shape and got[o["index"]].dtype == exp.dtype
        np.testing.assert_allclose(got[o["index"]], exp, rtol=tol["rtol"], atol=tol["atol"])
    op = get_op(case["op"])
    attrs = op.parse(case["kwargs"])
    env = OpEnv(np, case["is_train"], mx.cpu())
    outs = list(op.forward(env, attrs, xs, []))
    heads = [npz[h["key"]] for h in case["backward"]["head_grads"]]
    grads = op.backward(env, attrs, xs, outs, heads, [True] * len(xs))
    for g, spec in zip(grads, case["backward"]["grads"]):
        exp = npz[spec["key"]]
        assert g.shape == exp.shape and g.dtype == exp.dtype
        np.testing.assert_allclose(g, exp, rtol=tol["rtol"], atol=tol["atol"])


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


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ls,rs,ta,tb,out", DOT_CASES)
def test_dot_forward(ls, rs, ta, tb, out, dtype):
    rng = np.random.RandomState(0)
    a, b = rng.randn(*ls).astype(dtype), rng.randn(*rs).astype(dtype)
    got = check_forward("dot", [a, b], {"transpose_a": ta, "transpose_b": tb},
                        lambda a, b: _ref_dot(a.astype(np.float64), b.astype(np.float64), ta, tb),
                        rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-5 if dtype == "float32" else 1e-12)
    assert got[0].shape == out and got[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("ls,rs,ta,tb,out", DOT_CASES)
def test_dot_grad(ls, rs, ta, tb, out):
    rng = np.random.RandomState(1)
    check_grad("dot", [rng.randn(*ls), rng.randn(*rs)], {"transpose_a": ta, "transpose_b": tb})


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


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ls,rs,ta,tb,out", BATCH_CASES)
def test_batch_dot_forward(ls, rs, ta, tb, out, dtype):
    rng = np.random.RandomState(3)
    a, b = rng.randn(*ls).astype(dtype), rng.randn(*rs).astype(dtype)
    got = check_forward("batch_dot", [a, b], {"transpose_a": ta, "transpose_b": tb},
                        lambda a, b: _ref_batch(a.astype(np.float64), b.astype(np.float64), ta, tb),
                        rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-5 if dtype == "float32" else 1e-12)
    assert got[0].shape == out and got[0].dtype == np.dtype(dtype)


@pytest.mark.parametrize("ls,rs,ta,tb,out", BATCH_CASES)
def test_batch_dot_grad(ls, rs, ta, tb, out):
    rng = np.random.RandomState(4)
    check_grad("batch_dot", [rng.randn(*ls), rng.randn(*rs)], {"transpose_a": ta, "transpose_b": tb})


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
