"""``mx.np.linalg``: norms (differentiable), and NumPy's decompositions/solvers on mx.np arrays."""
import numpy as _onp

from ._core import _apply
from .multiarray import _arr, _generic, _norm_axis, _red_shape, _keep

__all__ = ["norm", "svd", "cholesky", "qr", "inv", "det", "slogdet", "solve", "tensorinv",
           "tensorsolve", "pinv", "eigvals", "eig", "eigvalsh", "eigh", "lstsq", "matrix_rank",
           "matrix_power", "multi_dot", "cond"]


def norm(x, ord=None, axis=None, keepdims=False):
    """Matrix or vector norm; the Frobenius/2-norm of vectors, the 1-norm and the inf-norms of
    vectors are differentiable."""
    x = _arr(x)
    if isinstance(axis, int):
        axis = (axis,)
    axes = _norm_axis(axis, x.ndim) if (axis is not None or ord is None) else tuple(range(x.ndim))
    if ord is None or ord == "fro" or (ord == 2 and len(axes) == 1):
        def fn(xp, r):
            return xp.sqrt((r[0].astype(xp.float64 if r[0].dtype == xp.float64 else xp.float32) ** 2)
                           .sum(axis=axes, keepdims=keepdims))

        def vjp(xp, ins, outs, ogs):
            v, y = ins[0], outs[0].reshape(_keep(ins[0].shape, axes))
            g = ogs[0].reshape(y.shape)
            with _onp.errstate(all="ignore"):
                return [xp.where(y != 0, g * v / y, 0)]
    elif len(axes) == 1 and ord == 1:
        def fn(xp, r):
            return xp.abs(r[0]).sum(axis=axes, keepdims=keepdims)

        def vjp(xp, ins, outs, ogs):
            return [ogs[0].reshape(_keep(ins[0].shape, axes)) * xp.sign(ins[0])]
    elif len(axes) == 1 and ord in (_onp.inf, -_onp.inf):
        red = "max" if ord > 0 else "min"

        def fn(xp, r):
            return getattr(xp.abs(r[0]), red)(axis=axes, keepdims=keepdims)

        def vjp(xp, ins, outs, ogs):
            ks = _keep(ins[0].shape, axes)
            a = xp.abs(ins[0])
            return [ogs[0].reshape(ks) * (a == outs[0].reshape(ks)) * xp.sign(ins[0])]
    else:
        ax = None if axis is None else tuple(axis)
        return _generic("norm", _onp.linalg.norm)(x, ord=ord, axis=ax, keepdims=keepdims)
    dt = x._dtype if x._dtype.kind == "f" else _onp.dtype(_onp.float32)
    return _apply("norm", fn, [x], vjp=vjp, out_dtypes=dt, shapes=_red_shape(x.shape, axes, keepdims))


for _n in ("svd", "cholesky", "qr", "inv", "det", "slogdet", "solve", "tensorinv", "tensorsolve",
           "pinv", "eigvals", "eig", "eigvalsh", "eigh", "lstsq", "matrix_rank", "matrix_power",
           "multi_dot", "cond"):
    globals()[_n] = _generic(_n, getattr(_onp.linalg, _n))
del _n
