"""Linear algebra operators (_linalg_*): forward vs NumPy, backward vs finite differences (with
MXNet's symmetric-gradient convention for potrf/syevd), values pasted from MXNet 1.9.1, errors,
and the symbolic path."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops import linalg as linalg_mod
from mxnet.ops.registry import get_op, find_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd

RNG = np.random.RandomState(7)


def _spd(*batch, n=3, seed=0):
    r = np.random.RandomState(seed)
    X = r.randn(*batch, n, n)
    return X @ np.swapaxes(X, -1, -2) + n * np.eye(n)


def _tril(n, *batch, seed=1, lower=True):
    r = np.random.RandomState(seed)
    T = r.randn(*batch, n, n)
    T[..., np.arange(n), np.arange(n)] = 2 + r.rand(*batch, n)
    return np.tril(T) if lower else np.triu(T)


def _r(*shape, seed=2):
    return np.random.RandomState(seed).randn(*shape)


T = lambda x: np.swapaxes(x, -1, -2)  # noqa: E731


def _tol(dt):
    return dict(rtol=1e-4, atol=1e-4) if dt == "float32" else dict(rtol=1e-10, atol=1e-10)



def _det_ref(A):
    d = np.linalg.det(A)
    return np.reshape(d, A.shape[:-2] or (1,))


# -- forward table: (op, inputs, kwargs, reference) --------------------------------------------
def _gemm_axis_ref(A, B, C):
    # axis=0 on (m, b, k) x (k, b, n): rows on axis 0, columns last
    return np.einsum("mbk,kbn->mbn", A, B) * 0.5 + 2 * C


FORWARD = [
    ("_linalg_gemm", [_r(3, 4), _r(4, 5), _r(3, 5)], {}, lambda a, b, c: a @ b + c),
    ("_linalg_gemm", [_r(2, 4, 3), _r(2, 5, 4), _r(2, 3, 5)],
     {"transpose_a": True, "transpose_b": True, "alpha": 2.0, "beta": -1.0},
     lambda a, b, c: 2 * T(a) @ T(b) - c),
    ("_linalg_gemm", [_r(3, 2, 4), _r(4, 2, 5), _r(3, 2, 5)], {"axis": 0, "alpha": 0.5, "beta": 2.0},
     _gemm_axis_ref),
    ("_linalg_gemm2", [_r(2, 3, 4), _r(2, 4, 5)], {}, lambda a, b: a @ b),
    ("_linalg_gemm2", [_r(4, 3), _r(5, 4)], {"transpose_a": True, "transpose_b": True, "alpha": 3.0},
     lambda a, b: 3 * a.T @ b.T),
    ("_linalg_potrf", [_spd(2, n=4)], {}, np.linalg.cholesky),
    ("_linalg_potri", [np.linalg.cholesky(_spd(n=4))], {}, lambda L: np.linalg.inv(L @ L.T)),
    ("_linalg_trmm", [_r(2, 3, 3), _r(2, 3, 4)], {}, lambda a, b: np.tril(a) @ b),
    ("_linalg_trmm", [_r(3, 3), _r(4, 3)], {"rightside": True, "lower": False, "transpose": True,
                                            "alpha": 2.0}, lambda a, b: 2 * b @ np.triu(a).T),
    ("_linalg_trsm", [_tril(3, 2), _r(2, 3, 4)], {"alpha": 2.0},
     lambda a, b: 2 * np.linalg.solve(np.tril(a), b)),
    ("_linalg_trsm", [_tril(20, lower=False), _r(5, 20)], {"rightside": True, "lower": False,
                                                            "transpose": True},
     lambda a, b: b @ np.linalg.inv(np.triu(a).T)),
    ("_linalg_sumlogdiag", [_spd(2, n=3)], {},
     lambda a: np.log(np.diagonal(a, 0, -2, -1)).sum(-1)),
    ("_linalg_sumlogdiag", [_spd(n=3)], {}, lambda a: np.log(np.diag(a)).sum().reshape(1)),
    ("_linalg_syrk", [_r(2, 3, 4)], {"alpha": 0.5}, lambda a: 0.5 * a @ T(a)),
    ("_linalg_syrk", [_r(3, 4)], {"transpose": True}, lambda a: a.T @ a),
    ("_linalg_inverse", [_spd(2, n=3)], {}, np.linalg.inv),
    ("_linalg_det", [_r(3, 3)], {}, _det_ref),
    ("_linalg_det", [_r(2, 2, 3, 3)], {}, _det_ref),
    ("_linalg_slogdet", [_r(2, 3, 3)], {}, lambda a: list(np.linalg.slogdet(a))),
    ("_linalg_extractdiag", [_r(2, 4, 4)], {"offset": -1}, lambda a: np.diagonal(a, -1, -2, -1)),
    ("_linalg_makediag", [_r(2, 3)], {"offset": 1},
     lambda d: np.stack([np.diag(v, 1) for v in d])),
    ("_linalg_extracttrian", [_r(4, 4)], {}, lambda a: a[np.tril_indices(4)]),
    ("_linalg_maketrian", [_r(2, 6)], {"lower": True},
     lambda d: np.stack([_unpack_lower(v, 3) for v in d])),
]


def _unpack_lower(v, n):
    out = np.zeros((n, n))
    out[np.tril_indices(n)] = v
    return out


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op,xs,kw,ref", FORWARD, ids=[f[0] + str(i) for i, f in enumerate(FORWARD)])
def test_forward(op, xs, kw, ref, dtype):
    got = check_forward(op, [x.astype(dtype) for x in xs], kw, ref(*xs), **_tol(dtype))
    assert all(g.dtype == np.dtype(dtype) for g in got)


# -- values from MXNet 1.9.1 (sign conventions, packing order) -----------------------------------
A3 = np.array([[4, 2, 1], [2, 5, 3], [1, 3, 6]], dtype=np.float64)


def test_mxnet_values():
    Q, L = run_nd("_linalg_gelqf", [np.array([[1, 2, 3], [4, 5, 7.]])])
    np.testing.assert_allclose(Q, [[-0.26726124, -0.53452248, -0.80178373],
                                   [0.9486833, 0.0, -0.31622777]], atol=1e-7)
    np.testing.assert_allclose(L, [[-3.74165739, 0.0], [-9.35414347, 1.58113883]], atol=1e-7)
    U, lam = run_nd("_linalg_syevd", [A3])
    np.testing.assert_allclose(U, [[-0.5145, 0.7461, -0.4226], [0.7759, 0.1953, -0.5999],
                                   [0.3651, 0.6366, 0.6793]], atol=1e-4)
    np.testing.assert_allclose(lam, [1.9213, 3.7302, 9.3485], atol=1e-4)
    # MXNet reads only the lower triangle of potrf's and syevd's input
    A_bad = A3.copy()
    A_bad[0, 2] = 100
    np.testing.assert_allclose(run_nd("_linalg_potrf", [A_bad])[0],
                               [[2, 0, 0], [1, 2, 0], [0.5, 1.25, 2.0463382]], atol=1e-6)
    np.testing.assert_allclose(run_nd("_linalg_syevd", [A_bad])[1], [1.9213, 3.7302, 9.3485], atol=1e-4)
    # upper triangles are packed column by column
    A = np.arange(16.).reshape(4, 4)
    for off, low, want in [(0, False, [0, 1, 5, 2, 6, 10, 3, 7, 11, 15]), (1, True, [1, 2, 6, 3, 7, 11]),
                           (-1, True, [4, 8, 9, 12, 13, 14]), (-2, False, [8, 12, 13]), (2, False, [2, 3, 7])]:
        t = run_nd("_linalg_extracttrian", [A], offset=off, lower=low)[0]
        np.testing.assert_array_equal(t, want)
        back = run_nd("_linalg_maketrian", [t], offset=off, lower=low)[0]
        mask = back != 0
        np.testing.assert_array_equal(back[mask], A[mask])
        assert mask.sum() == len(want) - (1 if want[0] == 0 else 0)
    # trsm with a singular triangle gives inf/nan, no error (as MXNet)
    r = run_nd("_linalg_trsm", [np.zeros((2, 2)), np.ones((2, 2))])[0]
    assert not np.isfinite(r).any()
    assert run_nd("_linalg_det", [np.zeros((2, 2))])[0].tolist() == [0.0]
    sign, logdet = run_nd("_linalg_slogdet", [np.zeros((2, 2))])
    assert sign.tolist() == [0.0] and logdet.tolist() == [-np.inf]


def test_tri_solve_blocked():
    # n > block size exercises the recursive split; upper, transposed and right-side forms
    n = 37
    A = _tril(n, 2, seed=3) + np.triu(_r(2, n, n, seed=4), 1)
    B = _r(2, n, 3, seed=5)
    for lower in (True, False):
        Tm = np.tril(A) if lower else np.triu(A)
        for tr in (False, True):
            op = T(Tm) if tr else Tm
            np.testing.assert_allclose(linalg_mod.tri_solve(np, A, B, lower, tr), np.linalg.solve(op, B),
                                       rtol=1e-8, atol=1e-8)
            np.testing.assert_allclose(linalg_mod.tri_solve(np, A, T(B), lower, tr, rightside=True),
                                       T(np.linalg.solve(T(op), B)), rtol=1e-8, atol=1e-8)


# -- backward ----------------------------------------------------------------------------------
GRAD = [
    ("_linalg_gemm", [_r(3, 4), _r(4, 2), _r(3, 2)], {"alpha": 0.7, "beta": -1.5}),
    ("_linalg_gemm", [_r(2, 4, 3), _r(2, 2, 4), _r(2, 3, 2)], {"transpose_a": True, "transpose_b": True}),
    ("_linalg_gemm2", [_r(3, 2, 4), _r(4, 2, 2)], {"axis": 0, "alpha": 2.0}),
    ("_linalg_gemm2", [_r(4, 3), _r(4, 2)], {"transpose_a": True}),
    ("_linalg_potri", [_tril(3)], {}),
    ("_linalg_trmm", [_r(2, 3, 3), _r(2, 3, 2)], {"alpha": 1.5}),
    ("_linalg_trmm", [_r(3, 3), _r(2, 3)], {"rightside": True, "transpose": True, "lower": False}),
    ("_linalg_trsm", [_tril(3, 2), _r(2, 3, 2)], {"alpha": 0.5}),
    ("_linalg_trsm", [_tril(3, lower=False), _r(2, 3)], {"rightside": True, "lower": False}),
    ("_linalg_trsm", [_tril(3), _r(3, 2)], {"transpose": True}),
    ("_linalg_sumlogdiag", [_spd(2)], {}),
    ("_linalg_syrk", [_r(2, 3, 4)], {"alpha": 0.5}),
    ("_linalg_syrk", [_r(3, 4)], {"transpose": True}),
    ("_linalg_gelqf", [_r(2, 4)], {}),
    ("_linalg_inverse", [_spd(2)], {}),
    ("_linalg_det", [_r(2, 3, 3)], {}),
    ("_linalg_slogdet", [_r(3, 3)], {}),
    ("_linalg_extractdiag", [_r(2, 3, 3)], {"offset": 1}),
    ("_linalg_makediag", [_r(2, 3)], {"offset": -1}),
    ("_linalg_extracttrian", [_r(3, 3)], {"offset": 0, "lower": False}),
    ("_linalg_maketrian", [_r(2, 3)], {"offset": 1}),
]


@pytest.mark.parametrize("op,xs,kw", GRAD, ids=[g[0] + str(i) for i, g in enumerate(GRAD)])
def test_grad(op, xs, kw):
    check_grad(op, xs, kw)


@pytest.mark.parametrize("op,out", [("_linalg_potrf", 0), ("_linalg_syevd", 0), ("_linalg_syevd", 1)])
def test_grad_symmetric_input(op, out):
    # These read the lower triangle of a symmetric A; MXNet's gradient is symmetric: moving A[i, j]
    # and A[j, i] together changes the loss by 2 * dA[i, j] (i != j) per unit.
    A = _spd(n=3, seed=4)
    o = get_op(op)
    attrs = o.parse({})
    env = OpEnv(np, False, mx.cpu())
    outs = list(o.forward(env, attrs, [A], []))
    heads = [np.zeros_like(x) for x in outs]
    heads[out] = _r(*outs[out].shape, seed=9)
    dA = o.backward(env, attrs, [A], outs, heads, [True])[0]
    np.testing.assert_allclose(dA, dA.T, atol=1e-12)

    def loss(M):
        return float((o.forward(env, attrs, [M], [])[out] * heads[out]).sum())
    eps = 1e-6
    for i in range(3):
        for j in range(i + 1):
            E = np.zeros((3, 3))
            E[i, j] = E[j, i] = eps
            num = (loss(A + E) - loss(A - E)) / (2 * eps)
            np.testing.assert_allclose(dA[i, j] * (1 if i == j else 2), num, rtol=1e-5, atol=1e-7)


def test_grad_values_from_mxnet():
    # gradients of sum(H * op(A)) computed by MXNet 1.9.1 (float64)
    H = np.arange(1, 10.).reshape(3, 3) / 10
    o = get_op("_linalg_potrf")
    env = OpEnv(np, False, mx.cpu())
    L = o.forward(env, o.parse({}), [A3], [])[0]
    dA = o.backward(env, o.parse({}), [A3], [L], [H], [True])[0]
    np.testing.assert_allclose(dA, [[-0.01789, 0.04141, 0.08874], [0.04141, 0.0859, 0.06256],
                                    [0.08874, 0.06256, 0.2199]], atol=1e-5)
    o = get_op("_linalg_potri")
    Lc = np.linalg.cholesky(A3)
    Y = o.forward(env, o.parse({}), [Lc], [])[0]
    dL = o.backward(env, o.parse({}), [Lc], [Y], [H], [True])[0]
    np.testing.assert_allclose(dL, [[0.00149, 0, 0], [-0.01493, -0.0194, 0],
                                    [-0.07612, -0.05896, -0.06063]], atol=1e-5)


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("op,shapes,kw,match", [
    ("_linalg_gemm2", [(3,), (3,)], {}, "at least 2 dimensions"),
    ("_linalg_gemm2", [(3, 2), (3, 2)], {}, "incompatible matrix dimensions"),
    ("_linalg_gemm", [(3, 2), (2, 4), (3, 3)], {}, "C has shape"),
    ("_linalg_gemm2", [(2, 3, 2), (3, 2, 4)], {}, "batch dimensions"),
    ("_linalg_gemm2", [(3, 2), (2, 4)], {"axis": -1}, "axis -1 out of range"),
    ("_linalg_potrf", [(2, 3)], {}, "square"),
    ("_linalg_trsm", [(3, 3), (2, 4)], {}, "shape mismatch"),
    ("_linalg_gelqf", [(3, 2)], {}, "at most as many rows"),
    ("_linalg_extractdiag", [(4, 4)], {"offset": 4}, "illegal offset 4"),
    ("_linalg_maketrian", [(5,)], {}, "invalid dimension"),
])
def test_shape_errors(op, shapes, kw, match):
    with pytest.raises(mx.MXNetError, match=match):
        run_nd(op, [np.ones(s, np.float32) for s in shapes], **kw)


def test_runtime_errors_and_dtypes():
    with pytest.raises(mx.MXNetError, match="not positive definite"):
        run_nd("_linalg_potrf", [-np.eye(2)])
    with pytest.raises(mx.MXNetError, match="singular"):
        run_nd("_linalg_inverse", [np.zeros((2, 2))])
    for dt in ("int32", "float16"):
        with pytest.raises(mx.MXNetError, match="32-bit and 64-bit floating point"):
            run_nd("_linalg_gemm2", [np.ones((2, 2), dt), np.ones((2, 2), dt)])


def test_names_and_aliases():
    assert mx.nd.linalg.gemm2 is not None and mx.nd.linalg_potrf is not None
    assert get_op("linalg_trsm") is get_op("_linalg_trsm")
    assert find_op("linalg_syevd") is None  # MXNet has no public linalg_syevd
    x = mx.sym.var("x")
    assert mx.sym.linalg.gelqf(x).list_outputs() == ["gelqf0_output0", "gelqf0_output1"]
    assert mx.sym.linalg.det(x, name="d").list_outputs() == ["d_output0"]
    assert mx.sym.linalg.gemm(x, mx.sym.var("y"), mx.sym.var("z")).list_arguments() == ["x", "y", "z"]


# -- symbolic path -----------------------------------------------------------------------------
@pytest.mark.parametrize("op,xs,kw", [
    ("_linalg_gemm", [_r(2, 3, 4), _r(2, 4, 2), _r(2, 3, 2)], {"alpha": 2.0}),
    ("_linalg_potrf", [_spd(2)], {}),
    ("_linalg_trsm", [_tril(3), _r(3, 2)], {"lower": True}),
    ("_linalg_gelqf", [_r(2, 3)], {}),
    ("_linalg_slogdet", [_spd(2)], {}),
    ("_linalg_maketrian", [_r(2, 3)], {"offset": 1}),
])
def test_symbolic(op, xs, kw):
    o = get_op(op)
    names = o.all_input_names()
    fn = getattr(mx.sym._internal, op)
    s = fn(*[mx.sym.var(n) for n in names], **kw)
    if len(s.list_outputs()) > 1:
        s = mx.sym.Group([s[i] for i in range(len(s.list_outputs()))])
    ex = s.simple_bind(mx.cpu(), **{n: x.shape for n, x in zip(names, xs)})
    outs = ex.forward(is_train=True, **{n: x for n, x in zip(names, xs)})
    want = run_nd(op, [x.astype(np.float32) for x in xs], **kw)
    for g, w in zip(outs, want):
        np.testing.assert_allclose(g.asnumpy(), w, rtol=1e-5, atol=1e-5)
    heads = [_r(*w.shape, seed=3) for w in want]
    ex.backward([mx.nd.array(h) for h in heads])
    attrs = o.parse(kw)
    env = OpEnv(np, True, mx.cpu())
    xs64 = [x.astype(np.float64) for x in xs]
    ref = o.backward(env, attrs, xs64, list(o.forward(env, attrs, xs64, [])), heads, [True] * len(xs))
    for n, r in zip(names, ref):
        np.testing.assert_allclose(ex.grad_dict[n].asnumpy(), r, rtol=1e-3, atol=1e-4)
