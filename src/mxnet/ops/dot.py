"""Matrix products: ``dot`` (MXNet's N-d dot) and ``batch_dot``.

``dot`` contracts the last axis of ``lhs`` (its first with ``transpose_a``) with the first axis of
``rhs`` (its last with ``transpose_b``): both operands are viewed as matrices, ``lhs`` as
``(prod(shape[:-1]), shape[-1])`` (transposed: ``(shape[0], prod(shape[1:]))``.T) and ``rhs`` as
``(shape[0], prod(shape[1:]))`` (transposed: ``(prod(shape[:-1]), shape[-1])``.T). The output shape
is lhs's remaining axes followed by rhs's; two vectors give shape ``(1,)``.
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Bool, Enum
from .registry import OpDef, register
from ._shapes import prod as _prod, fmt as _fmt  # noqa: F401  (shared shape helpers)

_PARAMS = (
    Param("transpose_a", Bool, False, "If true then transpose the first input before dot."),
    Param("transpose_b", Bool, False, "If true then transpose the second input before dot."),
    Param("forward_stype", Enum("csr", "default", "row_sparse", none=True), None,
          "The desired storage type of the forward output given by user (dense arrays only here)."),
)


def _same_type(name):
    def infer_type(a, t):
        if t[0] != t[1]:
            raise MXNetError("{}: input dtypes differ: lhs {} vs rhs {}".format(
                name, np.dtype(t[0]).name, np.dtype(t[1]).name))
        return [t[0]]
    return infer_type


# -- dot -----------------------------------------------------------------------------------------


def _dot_geometry(lshape, rshape, ta, tb):
    """(m, k, n, out_shape): lhs as an (m, k) matrix, rhs as (k, n)."""
    lshape, rshape = tuple(lshape), tuple(rshape)
    if len(lshape) == 0 or len(rshape) == 0:
        raise MXNetError("dot: inputs must have at least one dimension, got lhs {} and rhs {}".format(
            _fmt(lshape), _fmt(rshape)))
    if len(lshape) == 1 and len(rshape) == 1 and (ta or tb):
        raise MXNetError("dot: cannot transpose vectors: lhs {} and rhs {} with transpose_a={}, "
                         "transpose_b={}".format(_fmt(lshape), _fmt(rshape), ta, tb))
    kl, out_l = (lshape[0], lshape[1:]) if ta else (lshape[-1], lshape[:-1])
    kr, out_r = (rshape[-1], rshape[:-1]) if tb else (rshape[0], rshape[1:])
    if kl != kr:
        raise MXNetError("dot: shape mismatch: lhs {} and rhs {} (transpose_a={}, transpose_b={}): "
                         "lhs.shape[{}] ({}) must equal rhs.shape[{}] ({})".format(
                             _fmt(lshape), _fmt(rshape), ta, tb, 0 if ta else len(lshape) - 1, kl,
                             len(rshape) - 1 if tb else 0, kr))
    return _prod(out_l), kl, _prod(out_r), (out_l + out_r) or (1,)


def _dot_mats(lhs, rhs, a):
    m, k, n, out = _dot_geometry(lhs.shape, rhs.shape, a.transpose_a, a.transpose_b)
    l2 = lhs.reshape(k, m).T if a.transpose_a else lhs.reshape(m, k)
    r2 = rhs.reshape(n, k).T if a.transpose_b else rhs.reshape(k, n)
    return l2, r2, m, n, out


def _dot_forward(env, a, inputs, aux):
    l2, r2, m, n, out = _dot_mats(inputs[0], inputs[1], a)
    return (env.xp.matmul(l2, r2).reshape(out),)


def _dot_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    lhs, rhs = inputs
    l2, r2, m, n, out = _dot_mats(lhs, rhs, a)
    g2 = out_grads[0].reshape(m, n)
    dl = dr = None
    if req[0]:
        dl = (xp.matmul(r2, g2.T) if a.transpose_a else xp.matmul(g2, r2.T)).reshape(lhs.shape)
    if req[1]:
        dr = (xp.matmul(g2.T, l2) if a.transpose_b else xp.matmul(l2.T, g2)).reshape(rhs.shape)
    return [dl, dr]


register(OpDef("dot", _dot_forward, params=_PARAMS, inputs=("lhs", "rhs"),
               infer_shape=lambda a, s: [_dot_geometry(s[0], s[1], a.transpose_a, a.transpose_b)[3]],
               infer_type=_same_type("dot"), backward=_dot_backward,
               doc="Dot product of two arrays (N-d: contracts lhs's last axis with rhs's first)."))

# -- batch_dot -----------------------------------------------------------------------------------


def _batch_dot_shape(a, s):
    lshape, rshape = tuple(s[0]), tuple(s[1])
    if len(lshape) < 3 or len(lshape) != len(rshape):
        raise MXNetError("batch_dot: inputs must both be N-d arrays with N >= 3, got lhs {} and rhs {}".format(
            _fmt(lshape), _fmt(rshape)))
    if lshape[:-2] != rshape[:-2]:
        raise MXNetError("batch_dot: shape mismatch: lhs {} and rhs {}: the leading batch dimensions "
                         "must be equal".format(_fmt(lshape), _fmt(rshape)))
    lm, lk = (lshape[-1], lshape[-2]) if a.transpose_a else (lshape[-2], lshape[-1])
    rk, rn = (rshape[-1], rshape[-2]) if a.transpose_b else (rshape[-2], rshape[-1])
    if lk != rk:
        raise MXNetError("batch_dot: shape mismatch: lhs {} and rhs {} (transpose_a={}, transpose_b={}): "
                         "contracted dimensions {} and {} differ".format(
                             _fmt(lshape), _fmt(rshape), a.transpose_a, a.transpose_b, lk, rk))
    return [lshape[:-2] + (lm, rn)]


def _t(x):
    return x.swapaxes(-1, -2)


def _batch_dot_forward(env, a, inputs, aux):
    lhs, rhs = inputs
    _batch_dot_shape(a, [lhs.shape, rhs.shape])
    return (env.xp.matmul(_t(lhs) if a.transpose_a else lhs, _t(rhs) if a.transpose_b else rhs),)


def _batch_dot_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    lhs, rhs = inputs
    g = out_grads[0]
    la = _t(lhs) if a.transpose_a else lhs
    rb = _t(rhs) if a.transpose_b else rhs
    dl = dr = None
    if req[0]:
        dl = xp.matmul(rb, _t(g)) if a.transpose_a else xp.matmul(g, _t(rb))
    if req[1]:
        dr = xp.matmul(_t(g), la) if a.transpose_b else xp.matmul(_t(la), g)
    return [dl, dr]


register(OpDef("batch_dot", _batch_dot_forward, params=_PARAMS, inputs=("lhs", "rhs"),
               infer_shape=_batch_dot_shape, infer_type=_same_type("batch_dot"), backward=_batch_dot_backward,
               doc="Batchwise dot product of two N-d arrays (N >= 3) over their last two axes."))
