"""Linear algebra operators (``_linalg_*``, also ``linalg_*``; ``mx.nd.linalg.<name>``):
gemm, gemm2, potrf, potri, trmm, trsm, sumlogdiag, syrk, gelqf, syevd, inverse, det, slogdet,
extractdiag, makediag, extracttrian, maketrian.

Every operator works on the last two axes and is batched over the leading ones (gemm/gemm2 take
the row axis from ``axis``; the column axis is always the last). Only float32 and float64 are
accepted, as in MXNet. Kernels use ``xp.linalg`` (NumPy or CuPy); triangular solves use
:func:`tri_solve`, a blocked substitution written once against ``xp`` (no SciPy).

Gradient conventions follow MXNet 1.9.1:

- ``potrf`` and ``syevd`` read only the lower triangle of their (symmetric) input and return a
  symmetric gradient (each off-diagonal pair shares the total derivative);
- ``potri``, ``trmm`` and ``trsm`` read one triangle of ``A``; its gradient is zero elsewhere;
- ``syevd`` returns eigenvectors as the *rows* of ``U``, each signed so that its entry of largest
  magnitude is positive, with eigenvalues ascending.
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Bool, Float, Int
from .registry import OpDef, register
from ._shapes import fmt as _fmt  # noqa: F401  (shared shape helpers)

__all__ = ["tri_solve"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _t(x):
    return x.swapaxes(-1, -2)


def _errstate(xp):
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


# -- triangular solve ----------------------------------------------------------------------------

_BLOCK = 16


def _lower_solve(xp, L, B):
    n = L.shape[-1]
    if n <= _BLOCK:
        X = xp.empty(B.shape, dtype=B.dtype)
        for i in range(n):
            r = B[..., i, :]
            if i:
                r = r - xp.matmul(L[..., i:i + 1, :i], X[..., :i, :])[..., 0, :]
            X[..., i, :] = r / L[..., i, i, None]
        return X
    h = n // 2
    X1 = _lower_solve(xp, L[..., :h, :h], B[..., :h, :])
    X2 = _lower_solve(xp, L[..., h:, h:], B[..., h:, :] - xp.matmul(L[..., h:, :h], X1))
    return xp.concatenate([X1, X2], axis=-2)


def tri_solve(xp, A, B, lower=True, transpose=False, rightside=False):
    """Solve ``op(T) X = B`` (``X op(T) = B`` with ``rightside``) where ``T`` is the lower (or
    upper) triangle of ``A`` and ``op`` transposes when asked; batched over leading axes.

    The other triangle of ``A`` is never read. A zero on the diagonal gives inf/NaN, as LAPACK's
    trsm does."""
    if rightside:   # X op(T) = B  <=>  op(T)^T X^T = B^T
        return _t(tri_solve(xp, A, _t(B), lower, not transpose, False))
    if transpose:
        A, lower = _t(A), not lower
    with _errstate(xp):
        if lower:
            return _lower_solve(xp, A, B)
        # an upper triangular system is a lower one with rows and columns reversed
        return _lower_solve(xp, A[..., ::-1, ::-1], B[..., ::-1, :])[..., ::-1, :]


def _tri(xp, A, lower):
    return xp.tril(A) if lower else xp.triu(A)


def _sym_lower(xp, A):
    """The symmetric matrix whose lower triangle is that of ``A``."""
    low = xp.tril(A, -1)
    return low + _t(low) + _diag_embed(xp, xp.diagonal(A, 0, -2, -1))


def _diag_embed(xp, d):
    n = d.shape[-1]
    out = xp.zeros(d.shape + (n,), dtype=d.dtype)
    i = xp.arange(n)
    out[..., i, i] = d
    return out


def _copyltu(xp, M):
    """Symmetric matrix from the lower triangle of ``M`` (MXNet's copyLTU)."""
    return _sym_lower(xp, M)


def _eye_like(xp, A):
    return xp.broadcast_to(xp.eye(A.shape[-1], dtype=A.dtype), A.shape).copy()


# -- shape and type rules ------------------------------------------------------------------------


def _float_type(name, n_out=1):
    def infer_type(a, dts):
        for i, d in enumerate(dts):
            if np.dtype(d) not in _FLOATS:
                raise MXNetError("{}: this operation only supports 32-bit and 64-bit floating point, "
                                 "got {} for input {}".format(name, np.dtype(d).name, i))
            if np.dtype(d) != np.dtype(dts[0]):
                raise MXNetError("{}: input dtypes differ: {} vs {}".format(
                    name, np.dtype(dts[0]).name, np.dtype(d).name))
        return [dts[0]] * n_out
    return infer_type


def _need_matrix(name, shape, arg="A"):
    if len(shape) < 2:
        raise MXNetError("{}: input {} must have at least 2 dimensions, got shape {}".format(
            name, arg, _fmt(shape)))


def _need_square(name, shape, arg="A"):
    _need_matrix(name, shape, arg)
    if shape[-1] != shape[-2]:
        raise MXNetError("{}: input {} must be a tensor of square matrices, got shape {}".format(
            name, arg, _fmt(shape)))


def _batch(shape):
    return tuple(shape[:-2]) or (1,)


def _square_shape(name, n_out=1, out=lambda s: s):
    def infer_shape(a, s):
        _need_square(name, s[0])
        return [out(tuple(s[0]))] * n_out
    return infer_shape


def _linalg_op(name, forward, backward, infer_shape, params=(), inputs=("A",), outputs=("output",),
               doc="", public=True):
    # MXNet also names each op linalg_<name> (mx.nd.linalg_gemm), except syevd
    aliases = ("linalg_" + name[len("_linalg_"):],) if public else ()
    return register(OpDef(name, forward, params=params, inputs=inputs, outputs=outputs,
                          infer_shape=infer_shape, infer_type=_float_type(name, len(outputs)),
                          backward=backward, aliases=aliases, doc=doc))


# -- gemm, gemm2 ---------------------------------------------------------------------------------
_TA = Param("transpose_a", Bool, False, "Multiply with transposed of first input (A).")
_TB = Param("transpose_b", Bool, False, "Multiply with transposed of second input (B).")
_ALPHA = Param("alpha", Float, 1.0, "Scalar factor multiplied with A*B.")
_AXIS = Param("axis", Int, -2, "Axis corresponding to the matrix rows.")


def _row_axis(name, ndim, axis):
    ax = axis + ndim if axis < 0 else axis
    if not 0 <= ax < ndim - 1:
        raise MXNetError("{}: axis {} out of range for {}-dimensional inputs (the matrix row axis "
                         "must precede the last axis)".format(name, axis, ndim))
    return ax


def _gemm_shape(name, with_c):
    def infer_shape(a, s):
        sa, sb = tuple(s[0]), tuple(s[1])
        _need_matrix(name, sa, "A")
        if len(sa) != len(sb):
            raise MXNetError("{}: A {} and B {} must have the same number of dimensions".format(
                name, _fmt(sa), _fmt(sb)))
        ax = _row_axis(name, len(sa), a.axis)
        batch = [i for i in range(len(sa)) if i not in (ax, len(sa) - 1)]
        if [sa[i] for i in batch] != [sb[i] for i in batch]:
            raise MXNetError("{}: batch dimensions of A {} and B {} differ (axis={})".format(
                name, _fmt(sa), _fmt(sb), a.axis))
        m, ka = (sa[-1], sa[ax]) if a.transpose_a else (sa[ax], sa[-1])
        kb, n = (sb[-1], sb[ax]) if a.transpose_b else (sb[ax], sb[-1])
        if ka != kb:
            raise MXNetError("{}: incompatible matrix dimensions for multiplication: A {} and B {} "
                             "(transpose_a={}, transpose_b={}): {} vs {}".format(
                                 name, _fmt(sa), _fmt(sb), a.transpose_a, a.transpose_b, ka, kb))
        out = list(sa)
        out[ax], out[-1] = m, n
        out = tuple(out)
        if with_c and tuple(s[2]) != out:
            raise MXNetError("{}: C has shape {} but op(A)*op(B) has shape {}".format(
                name, _fmt(s[2]), _fmt(out)))
        return [out]
    return infer_shape


def _to_last(xp, x, ax):
    return x if ax == x.ndim - 2 else xp.moveaxis(x, ax, -2)


def _from_last(xp, x, ax):
    return x if ax == x.ndim - 2 else xp.moveaxis(x, -2, ax)


def _gemm_forward(env, a, inputs, aux):
    xp = env.xp
    ax = _row_axis("gemm", inputs[0].ndim, a.axis)
    A, B = (_to_last(xp, x, ax) for x in inputs[:2])
    out = xp.matmul(_t(A) if a.transpose_a else A, _t(B) if a.transpose_b else B)
    dt = inputs[0].dtype.type
    out = out * dt(a.alpha)
    if len(inputs) == 3:
        out = out + dt(a.beta) * _to_last(xp, inputs[2], ax)
    return (_from_last(xp, out, ax),)


def _gemm_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    ax = _row_axis("gemm", inputs[0].ndim, a.axis)
    A, B = (_to_last(xp, x, ax) for x in inputs[:2])
    dt = inputs[0].dtype.type
    g = _to_last(xp, out_grads[0], ax) * dt(a.alpha)
    opa = _t(A) if a.transpose_a else A
    opb = _t(B) if a.transpose_b else B
    grads = [None] * len(inputs)
    if req[0]:
        d = xp.matmul(g, _t(opb))
        grads[0] = _from_last(xp, _t(d) if a.transpose_a else d, ax)
    if req[1]:
        d = xp.matmul(_t(opa), g)
        grads[1] = _from_last(xp, _t(d) if a.transpose_b else d, ax)
    if len(inputs) == 3 and req[2]:
        grads[2] = out_grads[0] * dt(a.beta)
    return grads


_linalg_op("_linalg_gemm", _gemm_forward, _gemm_backward, _gemm_shape("_linalg_gemm", True),
           params=(_TA, _TB, _ALPHA, Param("beta", Float, 1.0, "Scalar factor multiplied with C."),
                   _AXIS),
           inputs=("A", "B", "C"),
           doc="Performs general matrix multiplication and accumulation: "
               "out = alpha * op(A) * op(B) + beta * C.")
_linalg_op("_linalg_gemm2", _gemm_forward, _gemm_backward, _gemm_shape("_linalg_gemm2", False),
           params=(_TA, _TB, _ALPHA, _AXIS), inputs=("A", "B"),
           doc="Performs general matrix multiplication: out = alpha * op(A) * op(B).")

# -- potrf, potri --------------------------------------------------------------------------------


def _potrf_forward(env, a, inputs, aux):
    xp = env.xp
    A = inputs[0]
    try:
        L = xp.linalg.cholesky(_sym_lower(xp, A))
    except Exception as e:   # numpy/cupy LinAlgError
        if "LinAlgError" not in type(e).__name__:
            raise
        L = None
    if L is None or not bool(xp.isfinite(L).all()):
        raise MXNetError("potrf: Cholesky factorization failed for input of shape {}: the input "
                         "matrix is either not symmetric or not positive definite".format(_fmt(A.shape)))
    return (xp.tril(L),)


def _potrf_backward(env, a, inputs, outputs, out_grads, req):
    # dA = 0.5 * L^-T copyLTU(L^T dL) L^-1
    xp = env.xp
    L = outputs[0]
    M = _copyltu(xp, xp.matmul(_t(L), xp.tril(out_grads[0])))
    Z = tri_solve(xp, L, M, lower=True, transpose=True)               # L^-T M
    dA = _t(tri_solve(xp, L, _t(Z), lower=True, transpose=True))      # (L^-T Z^T)^T = Z L^-1
    return [(dA + _t(dA)) * L.dtype.type(0.25)]


_linalg_op("_linalg_potrf", _potrf_forward, _potrf_backward, _square_shape("_linalg_potrf"),
           doc="Performs Cholesky factorization of a symmetric positive-definite matrix "
               "(lower triangular factor L with A = L * L^T).")


def _potri_forward(env, a, inputs, aux):
    xp = env.xp
    L = inputs[0]
    Linv = tri_solve(xp, L, _eye_like(xp, L), lower=True)
    return (xp.matmul(_t(Linv), Linv),)


def _potri_backward(env, a, inputs, outputs, out_grads, req):
    # Y = (L L^T)^-1: dL = -tril((Y G Y + Y G^T Y) L)
    xp = env.xp
    L, Y, G = inputs[0], outputs[0], out_grads[0]
    S = G + _t(G)
    return [xp.tril(-xp.matmul(xp.matmul(xp.matmul(Y, S), Y), xp.tril(L)))]


_linalg_op("_linalg_potri", _potri_forward, _potri_backward, _square_shape("_linalg_potri"),
           doc="Performs matrix inversion from a Cholesky factorization: out = (A * A^T)^-1 for "
               "a lower triangular A.")

# -- trmm, trsm ----------------------------------------------------------------------------------
_TRI_PARAMS = (
    Param("transpose", Bool, False, "Use transposed of the triangular matrix"),
    Param("rightside", Bool, False, "Multiply triangular matrix from the right to non-triangular one."),
    Param("lower", Bool, True, "True if the triangular matrix is lower triangular, false if it is upper "
          "triangular."),
    Param("alpha", Float, 1.0, "Scalar factor to be applied to the result."))


def _tri_shape(name):
    def infer_shape(a, s):
        sa, sb = tuple(s[0]), tuple(s[1])
        _need_square(name, sa, "A")
        _need_matrix(name, sb, "B")
        if len(sa) != len(sb) or sa[:-2] != sb[:-2]:
            raise MXNetError("{}: batch dimensions of A {} and B {} differ".format(name, _fmt(sa), _fmt(sb)))
        k = sb[-1] if a.rightside else sb[-2]
        if k != sa[-1]:
            raise MXNetError("{}: shape mismatch: A {} and B {} (rightside={}): B.shape[{}] must equal "
                             "A.shape[-1]".format(name, _fmt(sa), _fmt(sb), a.rightside,
                                                  -1 if a.rightside else -2))
        return [sb]
    return infer_shape


def _op_tri(xp, A, a):
    T = _tri(xp, A, a.lower)
    return _t(T) if a.transpose else T


def _trmm_forward(env, a, inputs, aux):
    xp = env.xp
    A, B = inputs
    T = _op_tri(xp, A, a)
    out = xp.matmul(B, T) if a.rightside else xp.matmul(T, B)
    return (out * A.dtype.type(a.alpha),)


def _trmm_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    A, B = inputs
    g = out_grads[0] * A.dtype.type(a.alpha)
    T = _op_tri(xp, A, a)
    dA = dB = None
    if req[0]:
        dT = xp.matmul(_t(B), g) if a.rightside else xp.matmul(g, _t(B))
        dA = _tri(xp, _t(dT) if a.transpose else dT, a.lower)
    if req[1]:
        dB = xp.matmul(g, _t(T)) if a.rightside else xp.matmul(_t(T), g)
    return [dA, dB]


_linalg_op("_linalg_trmm", _trmm_forward, _trmm_backward, _tri_shape("_linalg_trmm"),
           params=_TRI_PARAMS, inputs=("A", "B"),
           doc="Performs multiplication with a lower triangular matrix: "
               "out = alpha * op(A) * B (or B * op(A) with rightside).")


def _trsm_forward(env, a, inputs, aux):
    xp = env.xp
    A, B = inputs
    X = tri_solve(xp, A, B, a.lower, a.transpose, a.rightside)
    return (X * A.dtype.type(a.alpha),)


def _trsm_backward(env, a, inputs, outputs, out_grads, req):
    # op(T) X = alpha B: dB = alpha op(T)^-T G, d op(T) = -op(T)^-T G X^T (right side: -X^T G op(T)^-T)
    xp = env.xp
    A, B = inputs
    X, g = outputs[0], out_grads[0]
    S = tri_solve(xp, A, g, a.lower, not a.transpose, a.rightside)
    dA = dB = None
    if req[0]:
        dT = -(xp.matmul(_t(X), S) if a.rightside else xp.matmul(S, _t(X)))
        dA = _tri(xp, _t(dT) if a.transpose else dT, a.lower)
    if req[1]:
        dB = S * A.dtype.type(a.alpha)
    return [dA, dB]


_linalg_op("_linalg_trsm", _trsm_forward, _trsm_backward, _tri_shape("_linalg_trsm"),
           params=_TRI_PARAMS, inputs=("A", "B"),
           doc="Solves matrix equation involving a lower triangular matrix: "
               "out = alpha * op(A)^-1 * B (or B * op(A)^-1 with rightside).")

# -- sumlogdiag, syrk ----------------------------------------------------------------------------


def _sumlogdiag_forward(env, a, inputs, aux):
    xp = env.xp
    A = inputs[0]
    with _errstate(xp):
        r = xp.log(xp.diagonal(A, 0, -2, -1)).sum(axis=-1)
    return (r.reshape(_batch(A.shape)),)


def _sumlogdiag_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    A = inputs[0]
    g = out_grads[0].reshape(A.shape[:-2] + (1,))
    return [_diag_embed(xp, g / xp.diagonal(A, 0, -2, -1))]


_linalg_op("_linalg_sumlogdiag", _sumlogdiag_forward, _sumlogdiag_backward,
           _square_shape("_linalg_sumlogdiag", out=_batch),
           doc="Computes the sum of the logarithms of the diagonal elements of a square matrix.")


def _syrk_forward(env, a, inputs, aux):
    xp = env.xp
    A = inputs[0]
    out = xp.matmul(_t(A), A) if a.transpose else xp.matmul(A, _t(A))
    return (out * A.dtype.type(a.alpha),)


def _syrk_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    A, g = inputs[0], out_grads[0]
    S = (g + _t(g)) * A.dtype.type(a.alpha)
    return [xp.matmul(A, S) if a.transpose else xp.matmul(S, A)]


def _syrk_shape(a, s):
    sa = tuple(s[0])
    _need_matrix("_linalg_syrk", sa)
    n = sa[-1] if a.transpose else sa[-2]
    return [sa[:-2] + (n, n)]


_linalg_op("_linalg_syrk", _syrk_forward, _syrk_backward, _syrk_shape,
           params=(Param("transpose", Bool, False, "Use transpose of input matrix."),
                   Param("alpha", Float, 1.0, "Scalar factor to be applied to the result.")),
           doc="Multiplication of matrix with its transpose: out = alpha * A * A^T "
               "(alpha * A^T * A with transpose).")

# -- gelqf ---------------------------------------------------------------------------------------


def _gelqf_shape(a, s):
    sa = tuple(s[0])
    _need_matrix("_linalg_gelqf", sa)
    if sa[-2] > sa[-1]:
        raise MXNetError("_linalg_gelqf: input A of shape {} must have at most as many rows as "
                         "columns".format(_fmt(sa)))
    return [sa, sa[:-2] + (sa[-2], sa[-2])]


def _gelqf_forward(env, a, inputs, aux):
    # A = L Q  <=>  A^T = Q^T L^T, a QR factorization of A^T (both Householder, same signs)
    xp = env.xp
    Q1, R = xp.linalg.qr(_t(inputs[0]))
    return (_t(Q1), _t(R))


def _gelqf_backward(env, a, inputs, outputs, out_grads, req):
    # dA = L^-T (dQ + copyLTU(M) Q), M = L^T dL - dQ Q^T
    xp = env.xp
    Q, L = outputs
    dQ, dL = out_grads
    M = xp.matmul(_t(L), xp.tril(dL)) - xp.matmul(dQ, _t(Q))
    return [tri_solve(xp, L, dQ + xp.matmul(_copyltu(xp, M), Q), lower=True, transpose=True)]


_linalg_op("_linalg_gelqf", _gelqf_forward, _gelqf_backward, _gelqf_shape,
           outputs=("output0", "output1"),
           doc="LQ factorization for general matrix: A = L * Q with L lower triangular and Q "
               "having orthonormal rows; returns (Q, L).")

# -- syevd ---------------------------------------------------------------------------------------


def _syevd_forward(env, a, inputs, aux):
    xp = env.xp
    lam, V = xp.linalg.eigh(_sym_lower(xp, inputs[0]))
    U = _t(V)
    # make each eigenvector unique: its entry of largest magnitude is positive
    idx = xp.argmax(xp.abs(U), axis=-1)[..., None]
    sign = xp.where(xp.take_along_axis(U, idx, axis=-1) < 0, -1, 1).astype(U.dtype)
    return (U * sign, lam)


def _syevd_backward(env, a, inputs, outputs, out_grads, req):
    # A = U^T diag(l) U: dA = U^T (diag(dl) + F o (U dU^T)) U, symmetrised; F_ij = 1/(l_j - l_i)
    xp = env.xp
    U, lam = outputs
    dU, dl = out_grads
    diff = lam[..., None, :] - lam[..., :, None]
    n = lam.shape[-1]
    off = ~xp.eye(n, dtype=bool)
    with _errstate(xp):
        F = xp.where(off, 1 / xp.where(off, diff, 1), 0).astype(U.dtype)
    inner = F * xp.matmul(U, _t(dU)) + _diag_embed(xp, dl)
    dA = xp.matmul(xp.matmul(_t(U), inner), U)
    return [(dA + _t(dA)) * U.dtype.type(0.5)]


def _syevd_shape(a, s):
    _need_square("_linalg_syevd", s[0])
    return [tuple(s[0]), tuple(s[0])[:-1]]


_linalg_op("_linalg_syevd", _syevd_forward, _syevd_backward, _syevd_shape,
           outputs=("output0", "output1"), public=False,
           doc="Eigendecomposition for symmetric matrix: A = U^T * diag(L) * U with the "
               "eigenvectors as the rows of U; returns (U, L).")

# -- inverse, det, slogdet -----------------------------------------------------------------------


def _inv(xp, A, name):
    try:
        r = xp.linalg.inv(A)
    except Exception as e:
        if "LinAlgError" not in type(e).__name__:
            raise
        raise MXNetError("{}: the input matrix of shape {} is singular (not invertible)".format(
            name, _fmt(A.shape))) from None
    return r


def _inverse_forward(env, a, inputs, aux):
    return (_inv(env.xp, inputs[0], "inverse"),)


def _inverse_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    Y = outputs[0]
    return [-xp.matmul(xp.matmul(_t(Y), out_grads[0]), _t(Y))]


_linalg_op("_linalg_inverse", _inverse_forward, _inverse_backward, _square_shape("_linalg_inverse"),
           doc="Compute the inverse of a matrix.")


def _det_forward(env, a, inputs, aux):
    A = inputs[0]
    return (env.xp.linalg.det(A).reshape(_batch(A.shape)).astype(A.dtype, copy=False),)


def _det_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    A = inputs[0]
    g = (out_grads[0] * outputs[0]).reshape(A.shape[:-2] + (1, 1))
    return [g * _t(_inv(xp, A, "det"))]


_linalg_op("_linalg_det", _det_forward, _det_backward, _square_shape("_linalg_det", out=_batch),
           outputs=("output0",),
           doc="Compute the determinant of a matrix.")


def _slogdet_forward(env, a, inputs, aux):
    A = inputs[0]
    sign, logdet = env.xp.linalg.slogdet(A)
    b = _batch(A.shape)
    return (sign.reshape(b).astype(A.dtype, copy=False), logdet.reshape(b).astype(A.dtype, copy=False))


def _slogdet_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    A = inputs[0]
    g = out_grads[1].reshape(A.shape[:-2] + (1, 1))
    return [g * _t(_inv(xp, A, "slogdet"))]


_linalg_op("_linalg_slogdet", _slogdet_forward, _slogdet_backward,
           _square_shape("_linalg_slogdet", 2, out=_batch), outputs=("output0", "output1"),
           doc="Compute the sign and log of the absolute value of the determinant of a matrix.")

# -- extractdiag, makediag, extracttrian, maketrian ---------------------------------------------
_OFFSET = Param("offset", Int, 0, "Offset of the diagonal versus the main diagonal. 0 corresponds to "
                "the main diagonal, a negative/positive value to diagonals below/above the main diagonal.")
_LOWER = Param("lower", Bool, True, "Refer to the lower triangular matrix if lower=true, refer to the "
               "upper otherwise. Only relevant when offset=0")


def _check_offset(name, n, offset):
    if abs(offset) >= n:
        raise MXNetError("{}: illegal offset {} for diag/trian extraction of a matrix with dimension "
                         "{}".format(name, offset, n))


def _diag_index(k, offset):
    i = np.arange(k)
    return i + max(-offset, 0), i + max(offset, 0)


def _extractdiag_shape(a, s):
    _need_square("_linalg_extractdiag", s[0])
    n = s[0][-1]
    _check_offset("_linalg_extractdiag", n, a.offset)
    return [tuple(s[0][:-2]) + (n - abs(a.offset),)]


def _extractdiag_forward(env, a, inputs, aux):
    return (env.xp.diagonal(inputs[0], a.offset, -2, -1),)


def _makediag_backward(env, a, inputs, outputs, out_grads, req):
    return [env.xp.diagonal(out_grads[0], a.offset, -2, -1)]


def _makediag_forward(env, a, inputs, aux):
    xp = env.xp
    d = inputs[0]
    k = d.shape[-1]
    n = k + abs(a.offset)
    out = xp.zeros(d.shape[:-1] + (n, n), dtype=d.dtype)
    r, c = _diag_index(k, a.offset)
    out[..., xp.asarray(r), xp.asarray(c)] = d
    return (out,)


def _extractdiag_backward(env, a, inputs, outputs, out_grads, req):
    return list(_makediag_forward(env, a, out_grads, None))


def _makediag_shape(a, s):
    if len(s[0]) < 1:
        raise MXNetError("_linalg_makediag: input A must have at least 1 dimension")
    n = s[0][-1] + abs(a.offset)
    return [tuple(s[0][:-1]) + (n, n)]


_linalg_op("_linalg_extractdiag", _extractdiag_forward, _extractdiag_backward, _extractdiag_shape,
           params=(_OFFSET,), doc="Extracts the diagonal entries of a square matrix.")
_linalg_op("_linalg_makediag", _makediag_forward, _makediag_backward, _makediag_shape,
           params=(_OFFSET,), doc="Constructs a square matrix with the input as diagonal.")


def _trian_index(n, offset, lower):
    """Row-major indices of the lower triangle (from diagonal ``offset``); the upper triangle is
    listed column by column, as MXNet packs it."""
    if offset < 0 or (offset == 0 and lower):
        return np.tril_indices(n, offset)
    r, c = np.tril_indices(n, -offset)
    return c, r


def _extracttrian_shape(a, s):
    _need_square("_linalg_extracttrian", s[0])
    n = s[0][-1]
    _check_offset("_linalg_extracttrian", n, a.offset)
    m = n - abs(a.offset)
    return [tuple(s[0][:-2]) + (m * (m + 1) // 2,)]


def _extracttrian_forward(env, a, inputs, aux):
    xp = env.xp
    r, c = _trian_index(inputs[0].shape[-1], a.offset, a.lower)
    return (inputs[0][..., xp.asarray(r), xp.asarray(c)],)


def _maketrian_size(k):
    m = int((np.sqrt(8 * k + 1) - 1) / 2 + 0.5)
    return m if m * (m + 1) // 2 == k else None


def _maketrian_shape(a, s):
    if len(s[0]) < 1:
        raise MXNetError("_linalg_maketrian: input A must have at least 1 dimension")
    k = s[0][-1]
    m = _maketrian_size(k)
    if m is None:
        raise MXNetError("_linalg_maketrian: input tensor of shape {} has an invalid dimension for the "
                         "last axis: {} is not a triangular number m*(m+1)/2".format(_fmt(s[0]), k))
    n = m + abs(a.offset)
    return [tuple(s[0][:-1]) + (n, n)]


def _maketrian_forward(env, a, inputs, aux):
    xp = env.xp
    d = inputs[0]
    n = _maketrian_size(d.shape[-1]) + abs(a.offset)
    out = xp.zeros(d.shape[:-1] + (n, n), dtype=d.dtype)
    r, c = _trian_index(n, a.offset, a.lower)
    out[..., xp.asarray(r), xp.asarray(c)] = d
    return (out,)


def _maketrian_backward(env, a, inputs, outputs, out_grads, req):
    return list(_extracttrian_forward(env, a, out_grads, None))


def _extracttrian_backward(env, a, inputs, outputs, out_grads, req):
    return list(_maketrian_forward(env, a, out_grads, None))


_linalg_op("_linalg_extracttrian", _extracttrian_forward, _extracttrian_backward, _extracttrian_shape,
           params=(_OFFSET, _LOWER),
           doc="Extracts a triangular sub-matrix from a square matrix (packed into a vector).")
_linalg_op("_linalg_maketrian", _maketrian_forward, _maketrian_backward, _maketrian_shape,
           params=(_OFFSET, _LOWER),
           doc="Constructs a square matrix with the input representing a specific triangular "
               "sub-matrix.")
