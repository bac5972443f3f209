"""``x[key]`` for keys that are not plain views: steps, tuples, None, integer index arrays.

The key is a parameter with NDArray index arrays replaced by slots; the arrays themselves are
extra inputs, so the engine orders the read. Gradient: scatter-add into zeros."""
import numpy as np

from .params import Param, Any, Int
from ..backend import add_at
from .registry import OpDef, register

__all__ = ["Slot", "result_shape"]


class Slot:
    """Placeholder in a key for the i-th index-array input."""
    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i

    def __repr__(self):
        return "Slot(%d)" % self.i

    def __eq__(self, other):
        return isinstance(other, Slot) and other.i == self.i

    def __hash__(self):
        return hash(("slot", self.i))


def _fill(key, arrays, xp):
    def conv(k):
        if isinstance(k, Slot):
            a = arrays[k.i]
            return a.astype(np.int64) if a.dtype.kind != "b" else a
        return k
    if isinstance(key, tuple):
        return tuple(conv(k) for k in key)
    return conv(key)


def result_shape(shape, key, index_shapes):
    """Shape of ``x[key]`` with the index arrays' shapes, computed on a zero-stride dummy."""
    dummy = np.lib.stride_tricks.as_strided(np.zeros(1, np.int8), shape, (0,) * len(shape))
    arrays = [np.zeros(s, np.int64) for s in index_shapes]
    return dummy[_fill(key, arrays, np)].shape


def _shape(a, s):
    out = result_shape(s[0], a.key, s[1:])
    return [out if out else (1,)]   # MXNet 1.x: no 0-d results


def _forward(env, a, inputs, aux):
    x = inputs[0]
    return (x[_fill(a.key, inputs[1:], env.xp)],)


def _backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    x = inputs[0]
    gx = xp.zeros_like(x)
    key = _fill(a.key, inputs[1:], xp)
    g = out_grads[0].reshape(x[key].shape)
    add_at(xp, gx, key, g)
    return [gx] + [xp.zeros_like(i) for i in inputs[1:]]


register(OpDef("_getitem", _forward, params=(Param("key", Any, doc="Index (with Slot placeholders)."),
                                             Param("num_args", Int, 1, "Number of inputs.")),
               inputs=lambda a: ["data"] + ["index%d" % i for i in range(a.num_args - 1)],
               all_inputs=("data",), infer_shape=_shape, infer_type=lambda a, t: [t[0]],
               backward=_backward, doc="Advanced indexing ``data[key]`` (returns a copy)."))
