"""Shape operators that keep the data order: Reshape (MXNet's special values), Flatten,
expand_dims, and transpose."""
import numpy as np

from ..base import MXNetError, _MXNetValueError
from .params import Param, Shape, Bool, Int
from .registry import OpDef, register
from ._shapes import prod as _prod  # noqa: F401  (shared shape helpers)

__all__ = ["infer_reshape"]


def infer_reshape(src, target, reverse=False, opname="Reshape"):
    """Output shape of MXNet's Reshape: 0 copies a dim, -1 infers one, -2 copies the rest,
    -3 merges two dims, -4 splits one into the next two values (one may be -1)."""
    src = tuple(src)
    target = tuple(target)
    if reverse:
        src_r, tgt_r = src[::-1], target[::-1]
        # -4 a b is order-sensitive: reverse its operands too.
        t = list(tgt_r)
        i = 0
        fixed = []
        while i < len(t):
            if i + 2 < len(t) and t[i + 2] == -4:
                fixed += [-4, t[i + 1], t[i]]
                i += 3
            else:
                fixed.append(t[i])
                i += 1
        return tuple(infer_reshape(src_r, tuple(fixed), False, opname)[::-1])
    out = []
    infer_at = -1
    si = 0
    i = 0
    err = _MXNetValueError("{}: cannot reshape array of shape {} into shape {}".format(opname, src, target))
    while i < len(target):
        t = target[i]
        if t > 0:
            out.append(t)
            si += 1
        elif t == 0:
            if si >= len(src):
                raise err
            out.append(src[si])
            si += 1
        elif t == -1:
            if infer_at >= 0:
                raise MXNetError("{}: only one dimension can be -1 in shape {}".format(opname, target))
            infer_at = len(out)
            out.append(1)
            si += 1
        elif t == -2:
            out.extend(src[si:])
            si = len(src)
        elif t == -3:
            if si + 1 >= len(src):
                raise err
            out.append(src[si] * src[si + 1])
            si += 2
        elif t == -4:
            if i + 2 >= len(target) or si >= len(src):
                raise err
            d = src[si]
            a, b = target[i + 1], target[i + 2]
            if a == -1:
                a = d // b if b else 0
            if b == -1:
                b = d // a if a else 0
            if a * b != d:
                raise err
            out += [a, b]
            si += 1
            i += 2
        else:
            raise MXNetError("{}: invalid value {} in shape {}".format(opname, t, target))
        i += 1
    total = _prod(src)
    if infer_at >= 0:
        rest = _prod(out)
        if rest == 0 or total % rest:
            raise err
        out[infer_at] = total // rest
    if _prod(out) != total:
        raise err
    return tuple(out)


def _reshape_shape(a, s):
    if a.shape:
        return [infer_reshape(s[0], a.shape, a.reverse, "Reshape")]
    if a.target_shape:
        # Deprecated form: 0 marks the one inferred dim; keep_highest keeps the first dim as is.
        t = tuple(t if t else -1 for t in a.target_shape)
        if a.keep_highest and s[0]:
            t = (s[0][0],) + t[1:]
        return [infer_reshape(s[0], t, False, "Reshape")]
    raise MXNetError("Reshape: parameter 'shape' is required")


def _reshape_forward(env, a, inputs, aux):
    return (inputs[0].reshape(_reshape_shape(a, [inputs[0].shape])[0]),)


def _reshape_backward(env, a, inputs, outputs, out_grads, req):
    return [out_grads[0].reshape(inputs[0].shape)]


register(OpDef("Reshape", _reshape_forward, backward=_reshape_backward, infer_shape=_reshape_shape,
               params=(Param("shape", Shape, (), "The target shape"),
                       Param("reverse", Bool, False, "If true then the special values are inferred from right to left"),
                       Param("target_shape", Shape, (), "(Deprecated! Use shape instead.) Target new shape."),
                       Param("keep_highest", Bool, False, "(Deprecated!) Keep the highest dim.")),
               aliases=("reshape",),
               doc="Reshapes the input array; 0, -1, -2, -3, -4 have MXNet's special meanings."))


def _flatten_shape(a, s):
    x = s[0]
    if not x:
        return [(1, 1)]
    return [(x[0], _prod(x[1:]))]


register(OpDef("Flatten", lambda env, a, i, x: (i[0].reshape(_flatten_shape(a, [i[0].shape])[0]),),
               backward=_reshape_backward, infer_shape=_flatten_shape, aliases=("flatten",),
               doc="Flattens the input array into a 2-D array by collapsing the higher dimensions."))


def _expand_shape(a, s):
    x = s[0]
    nd = len(x) + 1
    if not -nd <= a.axis < nd:
        raise MXNetError("expand_dims: axis {} is out of range for a {}-d input".format(a.axis, len(x)))
    ax = a.axis % nd
    return [tuple(x[:ax]) + (1,) + tuple(x[ax:])]


register(OpDef("expand_dims", lambda env, a, i, x: (i[0].reshape(_expand_shape(a, [i[0].shape])[0]),),
               backward=_reshape_backward, infer_shape=_expand_shape,
               params=(Param("axis", Int, doc="Position where new axis is to be inserted."),),
               doc="Inserts a new axis of size 1 into the array shape."))


def _axes(a, ndim):
    if not a.axes:
        return tuple(range(ndim))[::-1]
    if len(a.axes) != ndim:
        raise MXNetError("transpose: axes {} do not match a {}-d input".format(a.axes, ndim))
    axes = tuple(a.axes)
    if any(not 0 <= ax < ndim for ax in axes):   # MXNet 1.x refuses negative axes here
        raise MXNetError("transpose: axes {} must each be in range [0, {})".format(a.axes, ndim))
    if sorted(axes) != list(range(ndim)):
        raise MXNetError("transpose: axes {} are not a permutation of {} dims".format(a.axes, ndim))
    return axes


def _transpose_shape(a, s):
    x = s[0]
    return [tuple(x[i] for i in _axes(a, len(x)))]


def _transpose_backward(env, a, inputs, outputs, out_grads, req):
    axes = _axes(a, inputs[0].ndim)
    return [env.xp.transpose(out_grads[0], np.argsort(axes))]


register(OpDef("transpose", lambda env, a, i, x: (env.xp.transpose(i[0], _axes(a, i[0].ndim)),),
               backward=_transpose_backward, infer_shape=_transpose_shape,
               params=(Param("axes", Shape, (), "Target axis order. By default the axes will be inverted."),),
               doc="Permutes the dimensions of an array."))

