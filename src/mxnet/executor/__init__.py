"""Executor: a Symbol bound to arrays on a context (``sym.bind`` / ``sym.simple_bind``).

``arg_dict``/``grad_dict``/``aux_dict``/``outputs`` are the executor's own NDArrays; writing
``ex.arg_dict['data'][:] = batch`` feeds it. ``forward`` and ``backward`` each push one engine op
that runs the whole plan (see graph.py), ordered by the arrays it reads and writes.
"""
import os

import numpy as np

from .. import engine
from ..backend import for_context
from ..base import MXNetError, _MXNetValueError
from ..ndarray.ndarray import NDArray, Chunk
from ..ndarray.imperative import _finalize, _owned, _unshared, _var_of
from ..ops.registry import OpEnv
from .graph import GraphPlan, engine_inline
from ..symbol.infer import infer_graph_shapes

__all__ = ["Executor", "simple_bind"]


def _as_list(name, values, names, allow_missing):
    if values is None:
        if names and not allow_missing:
            raise _MXNetValueError("bind: {} not given; the symbol needs {}".format(name, names))
        return [None] * len(names)
    if isinstance(values, dict):
        unknown = set(values) - set(names)
        if unknown and not allow_missing:
            raise MXNetError("bind: unknown {} {}; expected names from {}".format(name, sorted(unknown), names))
        out = [values.get(n) for n in names]
        if not allow_missing:
            missing = [n for n, v in zip(names, out) if v is None]
            if missing:
                raise _MXNetValueError("bind: {} missing for {}".format(name, missing))
        return out
    values = list(values)
    if len(values) != len(names):
        raise _MXNetValueError("bind: {} has {} arrays but the symbol needs {} ({})".format(
            name, len(values), len(names), names))
    return values


def _grad_reqs(grad_req, names):
    if isinstance(grad_req, str):
        reqs = [grad_req] * len(names)
    elif isinstance(grad_req, dict):
        reqs = [grad_req.get(n, "null") for n in names]
    else:
        reqs = list(grad_req)
        if len(reqs) != len(names):
            raise MXNetError("bind: grad_req list has {} entries for {} arguments".format(len(reqs), len(names)))
    for r in reqs:
        if r not in ("write", "add", "null", "inplace"):
            raise MXNetError("bind: grad_req must be 'write', 'add' or 'null', got {!r}".format(r))
    return ["write" if r == "inplace" else r for r in reqs]


class Executor:
    """A bound graph. Create with ``Symbol.bind`` or ``Symbol.simple_bind``."""

    def __init__(self, sym, ctx, args, args_grad=None, grad_req="write", aux_states=None,
                 group2ctx=None, shared_exec=None):
        self._symbol = sym
        self._ctx = ctx
        self._group2ctx = group2ctx
        plan = self._plan = GraphPlan(sym)
        self._arg_names = plan.arg_names
        self._aux_names = plan.aux_names
        self.arg_arrays = _as_list("args", args, plan.arg_names, False)
        for n, a in zip(plan.arg_names, self.arg_arrays):
            if not isinstance(a, NDArray):
                raise TypeError("bind: argument {} must be an NDArray, got {}".format(n, type(a).__name__))
        reqs = _grad_reqs(grad_req, plan.arg_names)
        grads = _as_list("args_grad", args_grad, plan.arg_names, True)
        if args_grad is None:
            reqs = ["null"] * len(reqs)
        self._grad_req = [r if g is not None else "null" for r, g in zip(reqs, grads)]
        self.grad_arrays = [g if r != "null" else None for g, r in zip(grads, self._grad_req)]
        self.aux_arrays = _as_list("aux_states", aux_states, plan.aux_names, False) if plan.aux_names else []
        self._check_shapes()
        self._needs = plan.grad_needs(self._grad_req)
        self._backend = for_context(ctx)
        self._inline = engine_inline(ctx, plan)
        self._values = None
        self._arg_dict = None
        xp = self._backend.xp
        self._envs = (OpEnv(xp, False, ctx), OpEnv(xp, True, ctx))   # forward: [is_train]
        self._state = engine.Var()
        self._monitor = None
        self._monitor_all = False
        self._lazy = None        # the engine.Lazy of the last backward (see _defer)
        self._used = None        # arguments whose gradient was read since the last backward
        self._steady = None      # the pending set while it stays the same (see _lazy_args)
        self._lazy_set = None    # the pending set self._lazy computes
        self._needs_of = {}      # pending set -> grad_needs of the other gradients
        self._saved = None       # (env, values, head grads) of the backward with lazy gradients
        self._values_nbytes = None   # memory of one forward's values (what _saved keeps alive)
        # graphs with auxiliary states change them in place (BatchNorm's backward): no lazy
        # gradients, whose extra sweeps would move them again
        self._lazy_ok = not self.aux_arrays and "write" in self._grad_req
        self._grad_index = {g._chunk.var: i for i, (g, r) in enumerate(zip(self.grad_arrays, self._grad_req))
                            if r == "write"}
        self._streak = dict.fromkeys(self._grad_index.values(), 0)
        out_shapes, out_types = self._out_meta()
        # An output that is an argument itself is that argument's array, as MXNet hands it out
        # (writing one writes the other); ``_computed`` holds the outputs forward writes (None
        # in the place of such an output), zeros until the first forward (MXNet's are
        # allocated and unset).
        arg_of = dict(zip(plan.arg_slots, self.arg_arrays))
        with self._backend.device_scope():
            self._computed = [None if h in arg_of else
                              NDArray(Chunk(xp.zeros(tuple(s), dtype=np.dtype(t))), tuple(s), np.dtype(t), ctx)
                              for h, s, t in zip(plan.head_slots, out_shapes, out_types)]
        self.outputs = [arg_of[h] if o is None else o for h, o in zip(plan.head_slots, self._computed)]

    # -- planning ------------------------------------------------------------------------------
    def _check_shapes(self):
        shapes = {n: a.shape for n, a in zip(self._arg_names, self.arg_arrays)}
        shapes.update({n: a.shape for n, a in zip(self._aux_names, self.aux_arrays)})
        arg_s, out_s, aux_s = self._symbol.infer_shape(**shapes)
        if out_s is None:
            raise MXNetError("bind: cannot infer the output shapes from the argument shapes {}".format(shapes))
        if self._plan.has_partial_creation:     # zeros((0, H)) & co: sized by inference at bind
            self._plan.fill_creation_shapes(infer_graph_shapes(self._symbol._topo(), shapes))
        for n, g, a in zip(self._arg_names, self.grad_arrays, self.arg_arrays):
            if g is not None and g.shape != a.shape:
                raise MXNetError("bind: gradient array of {} has shape {}, argument has {}".format(n, g.shape, a.shape))
        self._out_shapes = out_s

    def _out_meta(self):
        types = {n: a.dtype for n, a in zip(self._arg_names, self.arg_arrays)}
        types.update({n: a.dtype for n, a in zip(self._aux_names, self.aux_arrays)})
        _, out_t, _ = self._symbol.infer_type(**types)
        if out_t is None:
            out_t = [np.float32] * len(self._out_shapes)
        return self._out_shapes, out_t

    # -- dictionaries --------------------------------------------------------------------------
    @property
    def arg_dict(self):
        """{argument name: NDArray} (one dict, built at first use, as MXNet)."""
        d = self._arg_dict
        if d is None:
            d = self._arg_dict = dict(zip(self._arg_names, self.arg_arrays))
        return d

    @property
    def grad_dict(self):
        """{argument name: gradient NDArray} for arguments with grad_req != 'null'."""
        return {n: g for n, g in zip(self._arg_names, self.grad_arrays) if g is not None}

    @property
    def aux_dict(self):
        """{auxiliary state name: NDArray}."""
        return dict(zip(self._aux_names, self.aux_arrays))

    @property
    def output_dict(self):
        """{output name: NDArray}."""
        return dict(zip(self._symbol.list_outputs(), self.outputs))

    def __getitem__(self, name):
        # The seed writes executor['A'][:] = ...; real MXNet rejects it, we look up arg_dict.
        try:
            return self.arg_dict[name]
        except KeyError:
            raise KeyError("executor has no argument {!r}; arguments are {}".format(name, self._arg_names)) from None

    # -- running -------------------------------------------------------------------------------
    def forward(self, is_train=False, **kwargs):
        """Run the graph; ``kwargs`` are copied into arguments first. Returns ``outputs``."""
        arg_dict = self.arg_dict if kwargs else None
        for k, v in kwargs.items():
            if k not in arg_dict:
                raise MXNetError("forward: unknown argument {!r}; arguments are {}".format(k, self._arg_names))
            dst = arg_dict[k]
            if isinstance(v, NDArray):
                if v.shape != dst.shape:
                    raise MXNetError("forward: argument {} has shape {}, executor expects {}".format(
                        k, v.shape, dst.shape))
                v.copyto(dst)
            else:
                dst[:] = v
        plan = self._plan
        # (random graphs take a fresh env: its generator follows mx.random.seed)
        env = OpEnv(self._backend.xp, bool(is_train), self._ctx) if plan.needs_rng \
            else self._envs[1 if is_train else 0]
        args, aux, outs = self.arg_arrays, self.aux_arrays, self._computed
        monitor = self._monitor_fn() if self._monitor is not None else None

        def run():
            self._values = plan.execute(env, args, aux, outs, monitor, self._monitor_all)
            self._is_train = env.is_train

        reads = list(map(_var_of, args))
        writes = [o._chunk.var for o in outs if o is not None]
        n_outs = len(writes)
        if aux:
            writes += map(_var_of, aux)
        writes.append(self._state)
        if plan.needs_rng:
            from ..random import rng_var
            writes.append(rng_var(self._ctx))
        # the outputs get new memory (a pending lazy gradient may keep the old)
        engine.push(run, reads, writes, self._ctx, name="forward", inline=self._inline,
                    replaces=writes[:n_outs])
        return self.outputs

    def backward(self, out_grads=None, is_train=True):
        """Gradients of the outputs (times ``out_grads``; ones for loss outputs or when not given)
        with respect to the arguments, written or added into ``grad_arrays`` per grad_req."""
        if out_grads is None:
            out_grads = ()
        elif isinstance(out_grads, NDArray):
            out_grads = [out_grads]
        elif isinstance(out_grads, dict):
            od = out_grads
            out_grads = [od.get(n) for n in self._symbol.list_outputs()]
        if out_grads:
            out_grads = list(out_grads) + [None] * (len(self.outputs) - len(out_grads))
            for i, (g, o) in enumerate(zip(out_grads, self.outputs)):
                if g is not None and g.shape != o.shape:
                    raise MXNetError("backward: out_grads[{}] has shape {}, output has {}".format(
                        i, g.shape, o.shape))
        else:
            out_grads = [None] * len(self.outputs)
        plan = self._plan
        for g, (nd, _) in zip(out_grads, self._symbol._outputs):
            if g is None and nd.op is not None and nd.op.needs_head_grad(nd.parsed):
                raise MXNetError("backward: Because the last operator is not Loss function, head_gradient "
                                 "is required when calling backward (output of {}). If you are attempting "
                                 "to minimize the output as an objective, please modify your network and "
                                 "pass it through the make_loss symbol.".format(nd.op.name))
        xp = self._backend.xp
        envs = self._envs
        grads, reqs = self.grad_arrays, self._grad_req
        monitor = self._monitor_fn() if self._monitor is not None else None
        lazy = self._lazy_args(monitor) if self._lazy_ok else ()
        old = self._lazy
        if old is not None and not (lazy and lazy is self._lazy_set and old.live and not old.watched
                                    and len(old.outputs) == len(lazy)):
            old.cancel()                    # this backward overwrites what the last one left
            self._lazy = None
        # (else the same gradients stay pending, untouched: _defer re-arms that work)
        needs = self._needs if not lazy else self._lazy_needs(lazy)

        def run():
            values = self._values
            if values is None:
                raise MXNetError("backward called before forward")
            # Arguments are read as they are now, as MXNet's backward reads their memory: one
            # written between forward and backward into new memory (a NumPy batch, a weight
            # whose old buffer pending work keeps) counts with its new value.
            now = [(s, a._read()) for s, a in zip(plan.arg_slots, self.arg_arrays)]
            if any(d is not values[s] for s, d in now):
                values = list(values)
                for s, d in now:
                    values[s] = d
            heads = [g._read() if g is not None else xp.ones_like(values[s])
                     for g, s in zip(out_grads, plan.head_slots)]
            # the backward of a graph runs in the mode its forward ran in
            env = OpEnv(xp, self._is_train, self._ctx) if plan.needs_rng else envs[1 if self._is_train else 0]
            if lazy:
                self._saved = (env, values, heads)
            elif self._values_nbytes is None:
                self._values_nbytes = sum(getattr(v, "nbytes", 0) for v in values)
            result = plan.backward(env, values, heads, needs, monitor, self.aux_arrays)
            taken = set(map(id, heads))
            for i, (s, g_nd, r) in enumerate(zip(plan.arg_slots, grads, reqs)):
                if r != "null" and i not in lazy:
                    self._store_grad(result.get(s), g_nd, r, values[s], taken)

        reads = [g._chunk.var for g in out_grads if g is not None]
        reads += map(_var_of, self.arg_arrays)
        writes = [g._chunk.var for i, g in enumerate(grads) if g is not None and i not in lazy]
        writes.append(self._state)
        if plan.updates_aux:       # BatchNorm moves its moving statistics in backward
            writes += map(_var_of, self.aux_arrays)
        engine.push(run, reads, writes, self._ctx, name="backward", inline=self._inline)
        if self._lazy_ok:
            self._defer(lazy, reads)

    # -- gradients computed on demand --------------------------------------------------------------
    # An argument's gradient (grad_req 'write') that nobody read or wrote between two backward
    # calls is from then on computed only when wanted: the seed's loop binds the data with
    # grad_req='write' and never reads its gradient (MXNet computes it anyway: a third of the
    # MLP's GEMMs). Reading the gradient computes it, from the values this backward saw.
    def _lazy_args(self, monitor):
        used = self._used
        self._used = set()
        if used is None or monitor is not None or _engine_observed():
            self._steady = None
            return ()               # (the first backward computes everything and watches)
        if self._values_nbytes is None:
            return ()               # (the first backward has not run yet)
        if self._values_nbytes > _LAZY_MAX_BYTES:
            self._lazy_ok = False   # keeping a second forward's values alive would cost too much
            return ()
        if not used and self._steady is not None:
            return self._steady     # (nothing read, nothing watched: the same set, streaks as they were)
        streak = self._streak       # backwards in a row after which each gradient was used
        lazy = []
        settled = 0
        for i in self._grad_index.values():
            n = streak[i]
            if n >= 3:              # read every time: computed at once, no longer watched
                settled += 1
                continue
            streak[i] = n = n + 1 if i in used else 0
            if not n:
                lazy.append(i)
        if settled == len(streak):  # a training loop that reads every gradient: stop watching
            self._lazy_ok = False
        lazy = frozenset(lazy)
        # Steady: every gradient is either read every time (settled) or pending; until one is
        # read, later backwards keep this set (and the work of the last one, re-armed).
        self._steady = lazy if lazy and all(streak[i] >= 3 or i in lazy for i in streak) else None
        return lazy

    def _lazy_needs(self, lazy):
        needs = self._needs_of.get(lazy)
        if needs is None:
            needs = self._needs_of[lazy] = self._plan.grad_needs(
                ["null" if i in lazy else r for i, r in enumerate(self._grad_req)])
            if len(self._needs_of) > 64:
                self._needs_of.clear()
        return needs

    def _defer(self, lazy, inputs):
        if self._lazy is not None:  # (kept by backward: the same outputs, nothing watched)
            self._lazy.rearm(inputs + self._computed_vars())
            return
        streak = self._streak
        outputs = [g._chunk.var for i, g in enumerate(self.grad_arrays) if i in lazy]
        watched = [v for v, i in self._grad_index.items() if i not in lazy and streak[i] < 3]
        self._lazy_set = None
        if not outputs and not watched:
            return
        if outputs:
            inputs = inputs + self._computed_vars()
        self._lazy = engine.Lazy(self._lazy_kernel, inputs, outputs, watched, self._ctx, "backward",
                                 after=[self._state], on_use=self._lazy_used)
        self._lazy_set = lazy

    def _computed_vars(self):
        return [o._chunk.var for o in self._computed if o is not None]

    def _lazy_kernel(self, var):
        """The engine op computing the gradient of one argument from the saved backward."""
        i = self._grad_index[var]
        one = ["null"] * len(self._grad_req)
        one[i] = "write"
        plan = self._plan
        needs = plan.grad_needs(one)

        def run():       # after the backward that saved, before the next one (both write _state)
            env, values, heads = self._saved
            result = plan.backward(env, values, heads, needs)
            s = plan.arg_slots[i]
            self._store_grad(result.get(s), self.grad_arrays[i], "write", values[s], set(map(id, heads)))
        return run

    def _lazy_used(self, var, wanted):
        if wanted:
            self._used.add(self._grad_index[var])
        else:                   # arguments change in place here: compute every gradient eagerly
            self._lazy_ok = False

    def _store_grad(self, g, g_nd, req, value, taken):
        """Store gradient ``g`` into ``g_nd`` per ``req``; ``taken``: ids of the arrays this
        backward stored already and of its head gradients (see ``imperative._unshared``)."""
        xp = self._backend.xp
        if g is None:
            g = xp.zeros(g_nd._shape, dtype=g_nd._dtype)
        if req == "add":
            g = g_nd._read() + g
        if xp is np and g_nd._view is None:
            g_nd._chunk.data = _unshared(_owned(g, g_nd, (value,), "backward"), taken)
            return
        g = _finalize(xp, g, g_nd._shape, g_nd._dtype, [value], "backward")
        g_nd._assign(g if g_nd._view is not None else _unshared(g, taken))   # (a view's base copies it)

    # -- utilities -----------------------------------------------------------------------------
    def set_monitor_callback(self, callback, monitor_all=False):
        """Call ``callback(name: bytes, NDArray)`` for every operator output in forward
        (``<node>_output``) and every input gradient in backward (``<node>_backward_output[i]``);
        ``monitor_all`` adds each operator's inputs (``<node>_<input name>``)."""
        self._monitor = callback
        self._monitor_all = monitor_all

    def _monitor_fn(self):
        cb = self._monitor
        if cb is None:
            return None
        ctx = self._ctx

        def monitor(name, value, op_name):     # MXNet's callback gets the name as bytes (a C string)
            arr = NDArray(Chunk(value.copy()), tuple(value.shape), value.dtype, ctx)
            cb(name.encode("utf-8"), arr)
        return monitor

    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        """Copy values from {name: NDArray} dicts into this executor's arguments / aux states."""
        for name, src in arg_params.items():
            if name in self.arg_dict:
                src.copyto(self.arg_dict[name])
            elif not allow_extra_params:
                raise ValueError("Find name \"%s\" that is not in the arguments" % name)
        for name, src in (aux_params or {}).items():
            if name in self.aux_dict:
                src.copyto(self.aux_dict[name])
            elif not allow_extra_params:
                raise ValueError("Find name %s that is not in the auxiliary states" % name)

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        """A new executor for new input shapes, sharing the arrays whose shapes do not change."""
        # Arguments the new shapes do not determine keep their current shapes.
        part, _, _ = self._symbol.infer_shape_partial(**kwargs)
        shapes = dict(kwargs)
        for name, a, s in zip(self._arg_names, self.arg_arrays, part):
            if not s and name not in shapes:
                shapes[name] = a.shape
        arg_s, _, aux_s = self._symbol.infer_shape(**shapes)
        if arg_s is None:
            raise MXNetError("reshape: cannot infer shapes from {}".format(kwargs))
        new_args, new_grads = [], []
        for name, a, g, s in zip(self._arg_names, self.arg_arrays, self.grad_arrays, arg_s):
            if a.shape == s:
                new_args.append(a)
                new_grads.append(g)
                continue
            if name not in kwargs and not partial_shaping:
                raise MXNetError("reshape: shape of unspecified argument {} changes from {} to {}; "
                                 "set partial_shaping=True to allow it".format(name, a.shape, s))
            if np.prod(s) > np.prod(a.shape) and not allow_up_sizing:
                raise MXNetError("reshape: new shape of {} {} is larger than {}; set allow_up_sizing=True".format(
                    name, s, a.shape))
            from ..ndarray.utils import zeros
            new_args.append(zeros(s, self._ctx, a.dtype))
            new_grads.append(zeros(s, self._ctx, g.dtype) if g is not None else None)
        new_aux = [a if a.shape == s else _zeros_like_shape(a, s, self._ctx) for a, s in zip(self.aux_arrays, aux_s)]
        return Executor(self._symbol, self._ctx, new_args,
                        [g for g in new_grads] if any(g is not None for g in new_grads) else None,
                        self._grad_req, new_aux, self._group2ctx)

    def get_optimized_symbol(self):
        """The graph this executor runs, as a new Symbol. neomx applies no graph rewrites (no
        subgraph backends), so it is a copy of the bound symbol."""
        return self._symbol.copy()

    def debug_str(self):
        return "Symbol outputs: {}\n{}".format(self._symbol.list_outputs(), self._symbol.debug_str())


# A pending lazy gradient keeps its forward's values alive through the next forward: graphs whose
# values take more than this many bytes compute every gradient at once instead.
_LAZY_MAX_BYTES = int(os.environ.get("MXNET_EXEC_LAZY_GRAD_MAX_BYTES", str(256 << 20)))


def _engine_observed():
    return engine._op_observer is not None     # the profiler reports every operator as it runs


def _zeros_like_shape(a, s, ctx):
    from ..ndarray.utils import zeros
    return zeros(s, ctx, a.dtype)


def simple_bind(sym, ctx, grad_req, type_dict, group2ctx, shared_arg_names, shared_exec, shared_buffer, shapes):
    """Allocate arrays (zeros) from input shapes/types and bind (``Symbol.simple_bind``)."""
    from ..ndarray.utils import zeros
    arg_s, _, aux_s = sym.infer_shape(**shapes)
    if arg_s is None:
        raise MXNetError("simple_bind: cannot infer all argument shapes from {}; arguments are {}".format(
            shapes, sym.list_arguments()))
    names = sym.list_arguments()
    if type_dict is None:
        # as MXNet: float32 for every argument without a __dtype__ attribute; those with one
        # (quantized weights, int labels declared with dtype=) keep it through inference
        attrs = sym.attr_dict()
        types = {n: np.float32 for n in names if "__dtype__" not in attrs.get(n, {})}
        if len(types) == len(names):
            types = {}          # nothing declared: everything float32 (below)
    else:
        types = dict(type_dict)
    arg_t, _, aux_t = sym.infer_type(**types) if types else (None, None, None)
    arg_t = arg_t or [np.float32] * len(names)
    aux_t = aux_t or [np.float32] * len(aux_s)
    reqs = _grad_reqs(grad_req, names)
    shared = shared_exec.arg_dict if shared_exec is not None else {}
    shared_grads = shared_exec.grad_dict if shared_exec is not None else {}
    share_names = set(shared_arg_names) if shared_arg_names is not None else set(shared)
    args, grads = [], []
    for n, s, t, r in zip(names, arg_s, arg_t, reqs):
        if n in share_names and n in shared and shared[n].shape == s:
            args.append(shared[n])
            grads.append(shared_grads.get(n) if r != "null" else None)
            continue
        args.append(zeros(s, ctx, t))
        grads.append(zeros(s, ctx, t) if r != "null" else None)
    aux = [zeros(s, ctx, t) for s, t in zip(aux_s, aux_t)]
    if shared_exec is not None:
        aux = [shared_exec.aux_dict.get(n, a) if shared_exec.aux_dict.get(n, a).shape == a.shape else a
               for n, a in zip(sym.list_auxiliary_states(), aux)]
    return Executor(sym, ctx, args, grads if any(g is not None for g in grads) else None, reqs, aux, group2ctx)
