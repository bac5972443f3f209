"""A bound graph's execution plan: slots for every entry, one straight list of kernel calls.

Planned once (at bind): graph order, where each node reads and writes (slot indices), and which
entries need gradients given the arguments' grad_req. ``forward``/``backward`` then run the plan on
raw ``xp`` arrays inside a single engine op each, so a whole graph costs one engine push.
"""
from itertools import repeat
from operator import is_

from .. import engine as _engine
from ..base import MXNetError
from ..ops.registry import Attrs
from ..ndarray.imperative import _finalize
from ..symbol.symbol import topo_order, _aux_ids
from .fusion import fuse_steps

__all__ = ["GraphPlan", "USER_CODE_OPS", "engine_inline"]

# Operators whose kernels run user code (custom operators) or nested graphs that may.
USER_CODE_OPS = frozenset(("Custom", "_foreach", "_while_loop", "_cond"))


def engine_inline(ctx, plan):
    """The engine's ``inline`` hint for one run of ``plan`` on ``ctx``: a CPU graph of registry
    kernels runs at once under the engine lock when its inputs are ready (``True``: no op record,
    no dependency bookkeeping -- ~4 us a push less, and ~7 us for a backward reading 20 arrays);
    graphs that run user code keep the registered path (``"idle"``), GPU graphs queue."""
    if ctx.device_typeid == 2:
        return False
    return "idle" if plan.runs_user_code else True

_NONES = repeat(None)


def _observed(name, fn, *args):
    """``fn(*args)`` timed by the profiler's engine hook as an operator event ``name``."""
    box = []
    _engine._op_observer(lambda: box.append(fn(*args)), name)
    return box[0]


class _Step:
    __slots__ = ("node", "op", "attrs", "in_slots", "aux_slots", "out_slots", "name")
    zero_fill = True    # missing head gradients of its outputs are zeros (see fusion._FusedStep)

    def __init__(self, node, in_slots, aux_slots, out_slots):
        self.node = node
        self.op = node.op
        self.attrs = node.parsed
        self.in_slots = in_slots
        self.aux_slots = aux_slots
        self.out_slots = out_slots
        self.name = node.name


class GraphPlan:
    """Slots and steps of a Symbol; ``arg_slots``/``aux_slots`` follow list_arguments/aux order."""

    def __init__(self, sym):
        order = topo_order(sym._outputs)
        aux_ids = _aux_ids(order)
        slot = {}
        n = 0
        self.arg_slots, self.aux_slots, self.steps = [], [], []
        self.arg_names, self.aux_names = [], []
        for node in order:
            if node.op is None:
                slot[(id(node), 0)] = n
                if id(node) in aux_ids:
                    self.aux_slots.append(n)
                    self.aux_names.append(node.name)
                else:
                    self.arg_slots.append(n)
                    self.arg_names.append(node.name)
                n += 1
                continue
            k = node.num_inputs()
            ins = [slot[(id(s), i)] for s, i in node.inputs]
            outs = list(range(n, n + node.num_outputs()))
            n += len(outs)
            for i, o in enumerate(outs):
                slot[(id(node), i)] = o
            self.steps.append(_Step(node, ins[:k], ins[k:], outs))
        self.num_slots = n
        # creation ops (no inputs) with a 0 ("unknown") dimension in their shape parameter
        self.has_partial_creation = any(
            not s.in_slots and 0 in (s.attrs.get("shape") or (1,)) for s in self.steps)
        self._needs_cache = {}     # arg requests -> needs list (see grad_needs)
        self._sweeps = {}          # tuple(needs) -> the backward steps that run, with their req
        self.head_slots = [slot[(id(nd), i)] for nd, i in sym._outputs]
        # what runs when nobody watches each operator (monitor, profiler): see fusion.py
        self.fused_steps = fuse_steps(self.steps, self.head_slots)
        self.needs_rng = any(s.op.needs_rng for s in self.steps)
        # whether a run may hold the engine lock (see engine_inline): only registry kernels,
        # no operator running user code or nested graphs
        self.runs_user_code = any(s.op.name in USER_CODE_OPS for s in self.steps)
        # whether a backward sweep may change aux states (BatchNorm's moving statistics)
        self.updates_aux = any(s.aux_slots and s.op.update_aux is not None for s in self.steps)
        self.slot_names = {}
        for s in self.steps:
            for i, o in enumerate(s.out_slots):
                self.slot_names[o] = s.node.output_name(i)

    def fill_creation_shapes(self, entry_shapes):
        """Give creation ops whose ``shape`` has unknown (0) dimensions the shape inference
        found for their output ({(id(node), i): shape}), as MXNet's executor does."""
        for step in self.steps:
            if step.in_slots or 0 not in (step.attrs.get("shape") or (1,)):
                continue
            known = entry_shapes.get((id(step.node), 0))
            if known is None or 0 in known:
                raise MXNetError("Error in operator {}: cannot infer the unknown dimensions of shape {}"
                                 .format(step.name, step.attrs.shape))
            attrs = Attrs(step.attrs)
            attrs["shape"] = tuple(known)
            step.attrs = attrs

    def grad_needs(self, arg_reqs):
        """Per slot: does its gradient matter (it feeds an argument whose grad_req isn't null)?
        (Cached per pattern of requests: a cached graph asks on every backward.)"""
        key = tuple(arg_reqs)
        hit = self._needs_cache.get(key)
        if hit is None:
            hit = self._needs_cache[key] = self._grad_needs(arg_reqs)
        return hit

    def _grad_needs(self, arg_reqs):
        needs = [False] * self.num_slots
        for s, req in zip(self.arg_slots, arg_reqs):
            needs[s] = req != "null"
        for step in self.steps:
            if any(needs[i] for i in step.in_slots) and step.op.backward is not None:
                for o in step.out_slots:
                    needs[o] = True
        # needs[] so far means "depends on a trainable argument"; keep only those on a path to heads
        return needs

    def execute(self, env, args, aux, outs, monitor=None, monitor_all=False):
        """Run forward on NDArrays: read ``args``/``aux``, write the heads into ``outs`` (None
        entries are skipped); returns the slot values (kept for backward). Call inside an engine op."""
        values = [None] * self.num_slots
        for s, a in zip(self.arg_slots, args):
            values[s] = a._read()
        for s, a in zip(self.aux_slots, aux):
            values[s] = a._read()
        raw = [values[s] for s in self.arg_slots]
        self.forward(env, values, monitor, monitor_all)
        for o, s in zip(outs, self.head_slots):
            if o is not None:       # (None: an output that is an argument, see Executor)
                o._assign(_finalize(env.xp, values[s], o._shape, o._dtype, raw, "forward"))
        return values

    def forward(self, env, values, monitor=None, monitor_all=False):
        """Run every step; ``values`` holds arguments and aux states in their slots.
        ``monitor(name, array, op_name)`` sees each output (``<node>_output``) and, with ``monitor_all``,
        each input first (``<node>_<input name>``), as MXNet's monitor callback."""
        get = values.__getitem__       # map(get, slots): no Python frame per slot
        observed = _engine._op_observer is not None
        for step in (self.steps if monitor is not None or observed else self.fused_steps):
            ins = list(map(get, step.in_slots))
            aux = list(map(get, step.aux_slots)) if step.aux_slots else []
            if monitor_all and monitor is not None:
                names = step.op.input_names(step.attrs) + step.op.aux_names(step.attrs)
                for n, v in zip(names, ins + aux):
                    monitor("{}_{}".format(step.name, n), v, step.op.name)
            try:
                if not observed:
                    outs = step.op.forward(env, step.attrs, ins, aux)
                else:                       # the profiler records each operator of the graph
                    outs = _observed(step.op.name, step.op.forward, env, step.attrs, ins, aux)
            except MXNetError as e:
                raise MXNetError("Error in operator {}: {}".format(step.name, e)) from None
            if len(outs) == 1:
                values[step.out_slots[0]] = outs[0]
            else:
                for o, v in zip(step.out_slots, outs):
                    values[o] = v
            if monitor is not None:
                for o in step.out_slots:
                    monitor(self.slot_names[o], values[o], step.op.name)
        return values

    def backward(self, env, values, head_grads, needs, monitor=None, aux=None):
        """Gradients {slot: array} of the argument slots that need them (vector-Jacobian sweep).
        ``monitor`` sees each step's input gradients (``<node>_backward_output[i]``, as MXNet).
        Steps whose op has ``update_aux`` change the aux states in place: ``aux`` (the aux
        NDArrays, whose vars the caller's engine op writes) gives their current buffers, which
        may differ from the ones the forward read (see ``updates_aux``)."""
        if aux and self.updates_aux:
            for s, a in zip(self.aux_slots, aux):
                values[s] = a._read()
        xp = env.xp
        grads = {}
        for s, g in zip(self.head_slots, head_grads):
            if g is not None:
                grads[s] = grads[s] + g if s in grads else g
        watched = monitor is not None or _engine._op_observer is not None
        key = (tuple(needs), watched)
        sweep = self._sweeps.get(key)
        if sweep is None:
            # (per step what the loop reads, looked up once: op, attrs, slots, its one output's
            # slot, whether it moves aux states)
            sweep = self._sweeps[key] = [
                (step, [needs[i] for i in step.in_slots], step.op, step.attrs, step.in_slots,
                 step.out_slots, step.out_slots[0] if len(step.out_slots) == 1 else None,
                 bool(step.aux_slots) and getattr(step.op, "update_aux", None) is not None)
                for step in reversed(self.steps if watched else self.fused_steps)
                if step.op.backward is not None and any(needs[i] for i in step.in_slots)]
        get, pop = values.__getitem__, grads.pop
        observed = _engine._op_observer is not None
        for step, req, op, attrs, in_slots, out_slots, single, moves_aux in sweep:
            if single is not None:
                outs = [values[single]]
                g = pop(single, None)
                if g is None and step.zero_fill:
                    g = xp.zeros_like(outs[0])
                ogs = [g]
            else:
                outs = list(map(get, out_slots))
                ogs = [pop(o, None) for o in out_slots]
                if step.zero_fill and any(map(is_, ogs, _NONES)):     # a missing head gradient (C-level test)
                    ogs = [g if g is not None else xp.zeros_like(v) for g, v in zip(ogs, outs)]
            ins = list(map(get, in_slots))
            try:
                if not observed:
                    igs = op.backward(env, attrs, ins, outs, ogs, req)
                else:
                    igs = _observed("_backward_" + op.name, op.backward, env, attrs, ins, outs, ogs, req)
            except MXNetError as e:
                raise MXNetError("Error in operator {} (backward): {}".format(step.name, e)) from None
            if moves_aux:
                op.update_aux(env, attrs, ins, outs, list(map(get, step.aux_slots)))
            for i, g, r in zip(in_slots, igs, req):
                if r and g is not None:
                    grads[i] = grads[i] + g if i in grads else g
            if monitor is not None:
                many = len(igs) > 1
                for k, g in enumerate(igs):
                    if g is not None:
                        monitor("{}_backward_output{}".format(step.name, k if many else ""), g, step.op.name)
        return grads
