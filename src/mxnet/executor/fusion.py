"""Plan-level fusion: a chain of graph steps whose intermediate results nothing else reads runs
as one step with a combined kernel. The Symbol is untouched (its JSON, names and outputs stay
MXNet's); only the plan's list of kernel calls changes, and only where the combined kernel gives
the chain's own values and gradients.

The one chain fused today is the cross-entropy of ``gluon.loss.SoftmaxCrossEntropyLoss`` (and
of hand-written graphs of the same shape): ``log_softmax(x, axis=-1)`` -> ``pick(., label,
axis=-1)`` -> ``* s`` (``-pick(...)``). Its backward is ``p * g - onehot * g``: an exp, a scale and
a scatter-add on the (batch, classes) scores instead of the three operators' rules (a zero-filled
scatter, a row sum and their passes). The fused step still writes every intermediate slot (the
log-probabilities and the picked values), so a monitored or profiled run, which executes the
plan's unfused steps, can use the values of a fused forward and vice versa.
"""
import numpy as np

from ..ops.registry import get_op
from ..ops.indexing import _pick_rows

__all__ = ["fuse_steps"]


class _FusedStep:
    """A plan step running ``steps`` (a chain) through ``op``; reads the chain's outside inputs,
    writes every slot the chain writes (intermediates included)."""
    __slots__ = ("node", "op", "attrs", "in_slots", "aux_slots", "out_slots", "name", "zero_fill")

    def __init__(self, op, steps, in_slots):
        last = steps[-1]
        self.node = last.node
        self.op = op
        self.attrs = tuple(s.attrs for s in steps)
        self.in_slots = in_slots
        self.aux_slots = []
        self.out_slots = [o for s in steps for o in s.out_slots]
        self.name = last.name
        self.zero_fill = False      # the kernel takes None for gradients of its intermediates


class _SoftmaxCrossEntropy:
    """``log_softmax`` -> ``pick`` -> ``* s``: inputs (scores, label), outputs (log-probabilities,
    picked, scaled). 2-D float32/float64 scores picked by one label per row take the combined
    kernels; any other layout runs the three operators' kernels one after the other."""
    name = "_fused_softmax_cross_entropy"
    needs_rng = False

    def __init__(self):
        self.log_softmax, self.pick = get_op("log_softmax"), get_op("pick")

    def forward(self, env, attrs, inputs, aux):
        a_ls, a_pick, a_scale = attrs
        x, label = inputs
        logp = self.log_softmax.forward(env, a_ls, [x], [])[0]
        picked = self.pick.forward(env, a_pick, [logp, label], [])[0]
        return logp, picked, self._scale_op(a_scale).forward(env, a_scale, [picked], [])[0]

    def backward(self, env, attrs, inputs, outputs, out_grads, req):
        a_ls, a_pick, a_scale = attrs
        xp = env.xp
        x, label = inputs
        logp, picked, scaled = outputs
        g_logp, g_picked, g = out_grads
        fast = None
        if g_logp is None and g_picked is None and g is not None and x.dtype in _FAST_DTYPES \
                and logp.dtype == x.dtype and g.dtype == x.dtype:
            fast = _pick_rows(xp, a_pick, logp, label)
        if fast is None:
            return self._composed_backward(env, attrs, inputs, outputs, out_grads, req)
        dx = None
        if req[0]:
            # log_softmax's backward of the pick's scatter of g*s: g' - exp(logp) * rowsum(g'),
            # where the row sum is exactly g*s (one entry per row); the same roundings as the
            # operators' sequence.
            gs = self._scale_op(a_scale).backward(env, a_scale, [picked], [scaled], [g], [True])[0]
            gs = gs.reshape(-1, 1)
            dx = xp.exp(logp)
            dx *= -gs                  # (-(p * gs) exactly: negation rounds nothing)
            dx[fast] += gs.reshape(-1)
        return [dx, xp.zeros_like(label) if req[1] else None]

    def _composed_backward(self, env, attrs, inputs, outputs, out_grads, req):
        a_ls, a_pick, a_scale = attrs
        xp = env.xp
        x, label = inputs
        logp, picked, scaled = outputs
        g_logp, g_picked, g = out_grads
        # (a plan's intermediate values keep the shape their kernel gave them: add by size)
        gp = self._scale_op(a_scale).backward(env, a_scale, [picked], [scaled],
                                              [g if g is not None else xp.zeros_like(scaled)], [True])[0]
        if g_picked is not None:
            gp = gp + g_picked.reshape(gp.shape)
        gl, g_label = self.pick.backward(env, a_pick, [logp, label], [picked], [gp], [True, req[1]])
        if g_logp is not None:
            gl = gl + g_logp.reshape(gl.shape)
        dx = self.log_softmax.backward(env, a_ls, [x], [logp], [gl], [True])[0] if req[0] else None
        return [dx, g_label if req[1] else None]

    @staticmethod
    def _scale_op(a_scale):
        return get_op("_mul_scalar") if "scalar" in a_scale else get_op("negative")


_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_SOFTMAX_CE = _SoftmaxCrossEntropy()


def _is_softmax_ce_chain(a, b, c):
    if a.op.name != "log_softmax" or b.op.name != "pick" or c.op.name not in ("_mul_scalar", "negative"):
        return False
    la = a.attrs
    if la.axis != -1 or la.temperature not in (None, 1.0) or la.dtype is not None or la.use_length:
        return False
    if b.attrs.axis != -1 or b.in_slots[0] != a.out_slots[0] or len(b.in_slots) != 2:
        return False
    return c.in_slots[0] == b.out_slots[0] and not a.aux_slots and not b.aux_slots and not c.aux_slots


def fuse_steps(steps, head_slots):
    """The plan's steps with every fusable chain replaced by one fused step (a new list; the
    steps themselves are shared)."""
    readers = {}
    for s in steps:
        for i in list(s.in_slots) + list(s.aux_slots):
            readers[i] = readers.get(i, 0) + 1
    for i in head_slots:
        readers[i] = readers.get(i, 0) + 1
    out, i = [], 0
    while i < len(steps):
        chain = steps[i:i + 3]
        if len(chain) == 3 and _is_softmax_ce_chain(*chain) \
                and readers.get(chain[0].out_slots[0]) == 1 and readers.get(chain[1].out_slots[0]) == 1:
            a, b, _ = chain
            out.append(_FusedStep(_SOFTMAX_CE, chain, [a.in_slots[0], b.in_slots[1]]))
            i += 3
            continue
        out.append(steps[i])
        i += 1
    return out
