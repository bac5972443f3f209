"""Gluon blocks: Block (imperative), HybridBlock (``hybridize()`` traces ``hybrid_forward`` into a
Symbol run by one cached graph), SymbolBlock (a Block over an existing Symbol)."""
import threading
from collections import OrderedDict

import numpy as np

from .. import autograd, engine
from .. import name as _name
from .. import ndarray as nd
from .. import symbol as sym
from .. import util as _util
from ..backend import for_context
from ..base import MXNetError
from ..ndarray.ndarray import NDArray, Chunk
from ..executor.graph import engine_inline
from ..base import mx_real_t  # noqa: F401  (this and the next two: names MXNet's gluon.block has)
from ..symbol import Symbol, load_json  # noqa: F401
from ..util import np_array, np_shape, is_np_array  # noqa: F401
from ..ndarray.imperative import _sig, shared_env
from ..ndarray.contrib_flow import _regroup  # (nested formats: one definition)
from ..ops.registry import OpEnv
from .parameter import Parameter, ParameterDict, DeferredInitializationError, select_params, _brief
from .utils import HookHandle

__all__ = ["Block", "HybridBlock", "SymbolBlock"]

_scope = threading.local()


class _BlockScope:
    """Name scope of a Block: children are named ``<parent prefix><hint><n>_``."""

    def __init__(self, block):
        self._block = block
        self._counter = {}
        self._old_scope = None
        self._name_scope = None

    @staticmethod
    def create(prefix, params, hint):
        current = getattr(_scope, "value", None)
        if current is None:
            if prefix is None:
                if not hasattr(_name.current(), "_gluon_counter"):
                    _name.current()._gluon_counter = {}
                counter = _name.current()._gluon_counter
                count = counter.get(hint, 0)
                counter[hint] = count + 1
                prefix = "%s%d_" % (hint, count)
            params = ParameterDict(prefix) if params is None else ParameterDict(params.prefix, params)
            return prefix, params
        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = "%s%d_" % (hint, count)
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self):
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(_scope, "value", None)
        _scope.value = self
        self._name_scope = _name.Prefix(self._block.prefix)
        self._name_scope.__enter__()
        return self

    def __exit__(self, ptype, value, trace):
        if self._block._empty_prefix:
            return
        self._name_scope.__exit__(ptype, value, trace)
        self._name_scope = None
        _scope.value = self._old_scope


def _flatten(args):
    if isinstance(args, (list, tuple)):
        flat, fmts = [], []
        for a in args:
            f, fmt = _flatten(a)
            flat.extend(f)
            fmts.append(fmt)
        return flat, fmts
    return [args], 0


class Block:
    """Base class of all layers and models; subclasses define ``forward``."""

    def __init__(self, prefix=None, params=None):
        self._empty_prefix = prefix == ""
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith("_") else self._prefix
        self._scope = _BlockScope(self)
        self._children = OrderedDict()
        self._reg_params = {}
        self._forward_hooks = OrderedDict()
        self._forward_pre_hooks = OrderedDict()

    def __repr__(self):
        s = "{name}(\n{modstr}\n)"
        modstr = "\n".join("  ({key}): {block}".format(key=key, block=_indent(repr(block), 2))
                           for key, block in self.__dict__.items() if isinstance(block, Block))
        return s.format(name=self.__class__.__name__, modstr=modstr)

    def __setattr__(self, name, value):
        existing = self.__dict__.get(name)
        if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)):
            raise TypeError("Changing attribute type for {name} from {type1} to {type2} is not allowed.".format(
                name=name, type1=type(existing), type2=type(value)))
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params:
                raise MXNetError("Overriding Parameter attribute %s is not allowed." % name)
            self._reg_params[name] = value
        super().__setattr__(name, value)

    def _alias(self):
        return self.__class__.__name__.lower()

    @property
    def prefix(self):
        """The name prefix of this block (``dense0_``)."""
        return self._prefix

    @property
    def name(self):
        """The block's name (the prefix without its trailing ``_``)."""
        return self._name

    def name_scope(self):
        """Scope in which child blocks and symbols are named under this block's prefix."""
        return self._scope

    @property
    def params(self):
        """This block's own ParameterDict (children's parameters not included)."""
        return self._params

    def collect_params(self, select=None):
        """A ParameterDict of this block's and all descendants' parameters (regex ``select``)."""
        ret = ParameterDict(self._params.prefix)
        ret.update(self.params)
        for cld in self._children.values():
            ret.update(cld.collect_params())
        return select_params(ret, select)

    def _collect_params_with_prefix(self, prefix=""):
        if prefix:
            prefix += "."
        ret = {prefix + key: val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def register_child(self, block, name=None):
        """Register ``block`` as a child (attributes do this automatically)."""
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def register_forward_pre_hook(self, hook):
        """Call ``hook(block, inputs)`` before every forward; returns a handle with ``detach()``."""
        handle = HookHandle()
        handle.attach(self._forward_pre_hooks, hook)
        return handle

    def register_forward_hook(self, hook):
        """Call ``hook(block, inputs, outputs)`` after every forward."""
        handle = HookHandle()
        handle.attach(self._forward_hooks, hook)
        return handle

    def apply(self, fn):
        """Apply ``fn`` to every descendant block, then to this one."""
        for cld in self._children.values():
            cld.apply(fn)
        fn(self)
        return self

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialise every parameter of this block and its children."""
        from .. import initializer
        self.collect_params().initialize(init if init is not None else initializer.Uniform(), ctx, verbose,
                                         force_reinit)

    def hybridize(self, active=True, **kwargs):
        """Hybridize every HybridBlock child (plain Blocks stay imperative)."""
        for cld in self._children.values():
            cld.hybridize(active, **kwargs)

    def cast(self, dtype):
        """Cast every parameter to ``dtype``."""
        for child in self._children.values():
            child.cast(dtype)
        for p in self.params.values():
            p.cast(dtype)

    def save_parameters(self, filename, deduplicate=False):
        """Save parameters under structural names (``0.weight``, ``fc.bias``) in MXNet's format."""
        params = self._collect_params_with_prefix()
        if deduplicate:
            reverse = {}
            for k, v in params.items():
                reverse[id(v)] = k      # the last name of a shared parameter, as MXNet
            params = {k: v for k, v in params.items() if reverse[id(v)] == k}
        nd.save(filename, {key: val._reduce() for key, val in params.items()})

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False, cast_dtype=False,
                        dtype_source="current"):
        """Load parameters saved by ``save_parameters`` (or legacy prefixed names)."""
        loaded = nd.load(filename)
        if isinstance(loaded, list) and not loaded:
            loaded = {}           # a block without parameters saves an empty file
        if not isinstance(loaded, dict):
            raise MXNetError("%s holds no parameter names" % filename)
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if not any("." in k for k in loaded.keys()) and loaded and not any(k in params for k in loaded):
            # legacy file written by ParameterDict.save / save_params: prefixed names
            self.collect_params().load(filename, ctx, allow_missing, ignore_extra, self.prefix,
                                       cast_dtype=cast_dtype, dtype_source=dtype_source)
            return
        if not allow_missing:
            # a shared parameter is saved once, under one of its names (deduplicate=True)
            aliases = {}
            for k, v in params.items():
                aliases.setdefault(id(v), []).append(k)
            for name, param in params.items():
                assert any(p in loaded for p in aliases[id(param)]), \
                    "Parameter '%s' is missing in file '%s', which contains parameters: %s. Set " \
                    "allow_missing=True to ignore missing parameters." % (name, filename, _brief(loaded.keys()))
        for name, value in loaded.items():
            if name in params:
                params[name]._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)
            elif not ignore_extra:
                raise ValueError("Parameter '%s' loaded from file '%s' is not present in ParameterDict, which "
                                 "contains parameters %s. Set ignore_extra=True to ignore. " % (
                                     name, filename, _brief(self._params.keys())))

    def save(self, prefix):
        """Save the parameters to ``prefix-model.params`` and the block structure (names of the
        children) to ``prefix-model.json``; ``load(prefix)`` restores the parameters."""
        import json
        from ..util import atomic_write

        def structure(block):
            return {"orig_name": block.name, "children": {k: structure(c) for k, c in block._children.items()}}
        atomic_write(prefix + "-model.json", [json.dumps({self.name: structure(self)})], mode="w")
        self.save_parameters(prefix + "-model.params")

    def load(self, prefix):
        """Load parameters saved by ``save(prefix)``."""
        self.load_parameters(prefix + "-model.params")

    def register_op_hook(self, callback, monitor_all=False):
        """Call ``callback(node_name, op_name, NDArray)`` (names as bytes, as MXNet) for every
        operator output of hybridized children; ``monitor_all`` adds each operator's inputs."""
        for cld in self._children.values():
            cld.register_op_hook(callback, monitor_all)

    def save_params(self, filename):
        """Deprecated: ParameterDict.save with the prefix stripped."""
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_params(self, filename, ctx=None, allow_missing=False, ignore_extra=False):
        """Deprecated: use load_parameters."""
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    def __call__(self, *args):
        for hook in self._forward_pre_hooks.values():
            hook(self, args)
        out = self.forward(*args)
        for hook in self._forward_hooks.values():
            hook(self, args, out)
        if _util.is_np_array():     # npx.set_np(): blocks return mx.np arrays
            from ..numpy._core import to_np_tree
            out = to_np_tree(out)
        elif getattr(_scope, "np_trace", False):
            # a child called from an np-mode hybrid_forward (which runs with the flag off): the
            # parent's code expects mx.np arrays / mx.sym.np symbols, as in MXNet
            out = _to_np_outputs(out)
        return out

    def forward(self, *args):
        """Override to define the computation."""
        raise NotImplementedError

    def summary(self, *inputs):
        """Print each layer's output shape and parameter count for ``inputs`` (MXNet's table:
        one row per layer call, containers left out, then the totals). The network must be
        initialized and not hybridized."""
        from .nn.basic_layers import Sequential, HybridSequential
        rows = [("Input", _summary_shapes(inputs), 0, 0, 0)]
        seen = set()
        hooks = []

        def hook(block, _, out):
            n = trainable = shared = 0
            for p in block.params.values():
                size = p.data().size
                n += size
                trainable += 0 if p.grad_req == "null" else size
                if p in seen:
                    shared += size
                seen.add(p)
            rows.append(("%s-%d" % (block.__class__.__name__, len(rows)), _summary_shapes(out), n, trainable, shared))

        def register(block):
            if isinstance(block, HybridBlock) and block._active:
                raise AssertionError('"{}" must not be hybridized to print summary.'.format(block.name))
            if not isinstance(block, (Sequential, HybridSequential)):
                hooks.append(block.register_forward_hook(hook))

        try:
            self.apply(register)
            self(*inputs)
            line = "{:>20}  {:>42} {:>15}"
            print("-" * 80)
            print(line.format("Layer (type)", "Output Shape", "Param #"))
            print("=" * 80)
            for name, shape, n, _, _ in rows:
                print(line.format(name, shape, n))
            total = sum(r[2] for r in rows)
            trainable = sum(r[3] for r in rows)
            shared = sum(r[4] for r in rows)
            print("=" * 80)
            print("Parameters in forward computation graph, duplicate included")
            print("   Total params: %d" % total)
            print("   Trainable params: %d" % trainable)
            print("   Non-trainable params: %d" % (total - trainable))
            print("Shared params in forward computation graph: %d" % shared)
            print("Unique parameters in model: %d" % (total - shared))
            print("-" * 80)
        finally:
            for h in hooks:
                h.detach()


def _summary_shapes(value):
    """A summary row's output shapes: an NDArray's shape, nested lists of them without the
    outer brackets, anything else (a Symbol met while shapes are inferred) as itself."""
    def shapes(v):
        if isinstance(v, (list, tuple)):
            return [shapes(i) for i in v]
        return v.shape if isinstance(v, NDArray) else v
    out = shapes(value)
    return str(out)[1:-1] if isinstance(out, list) else str(out)


def _indent(s, n):
    lines = s.split("\n")
    return "\n".join([lines[0]] + [" " * n + line for line in lines[1:]])


class _CachedGraph:
    """The traced Symbol of a HybridBlock run as one graph (one engine op forward, one backward)."""

    def __init__(self, symbol, input_names, params):
        from ..executor.graph import GraphPlan
        self.symbol = symbol
        self.plan = GraphPlan(symbol)
        self.input_names = input_names
        self.params = params             # name -> Parameter
        self.shapes = {}                 # input shapes -> (out shapes, out dtypes)
        self.op_hook = None
        self.op_hook_all = False
        self._sources = None

    def _meta(self, args):
        """(output shapes, output dtypes, plan) for these argument shapes and dtypes. A graph
        with creation ops of unknown size (an RNN cell's ``zeros((0, H))`` begin state) gets a
        plan of its own per input shapes, sized by inference as an executor's at bind."""
        key = tuple(map(_sig, args))
        meta = self.shapes.get(key)
        if meta is None:
            shapes = {n: a.shape for n, a in zip(self.plan.arg_names, args)}
            types = {n: a.dtype for n, a in zip(self.plan.arg_names, args)}
            _, out_s, _ = self.symbol.infer_shape(**shapes)
            _, out_t, _ = self.symbol.infer_type(**types)
            plan = self.plan
            if plan.has_partial_creation:
                from ..executor.graph import GraphPlan
                from ..symbol.infer import infer_graph_shapes
                plan = GraphPlan(self.symbol)
                plan.fill_creation_shapes(infer_graph_shapes(self.symbol._topo(), shapes))
            meta = self.shapes[key] = ([tuple(s) for s in out_s], [np.dtype(t) for t in out_t], plan)
        return meta

    def __call__(self, inputs, ctx):
        sources = self._sources
        if sources is None:     # per argument: its input index, or its Parameter
            pos = {n: i for i, n in enumerate(self.input_names)}
            sources = self._sources = [pos[n] if n in pos else self.params[n] for n in self.plan.arg_names]
        args = [inputs[s] if s.__class__ is int else s.data(ctx) for s in sources]
        aux = [self.params[n].data(ctx) for n in self.plan.aux_names] if self.plan.aux_names else []
        out_s, out_t, plan = self._meta(args)
        outs = [NDArray(Chunk(), s, t, ctx) for s, t in zip(out_s, out_t)]
        training = autograd.is_training()
        if plan.needs_rng:
            env = OpEnv(for_context(ctx).xp, training, ctx)
        else:     # the read-only envs imperative ops share
            env = shared_env(ctx, training)
        holder = _GraphValues(plan, env, aux)
        monitor = None
        if self.op_hook is not None:
            hook = self.op_hook

            def monitor(name, value, op_name):     # bytes names, as MXNet's C callback
                hook(name.encode("utf-8"), op_name.encode("utf-8"),
                     NDArray(Chunk(value.copy()), tuple(value.shape), value.dtype, ctx))
        monitor_all = self.op_hook_all

        def run():
            holder.values = plan.execute(env, args, aux, outs, monitor, monitor_all)

        writes = [o._chunk.var for o in outs]
        if aux:
            writes += [a._chunk.var for a in aux]
        if plan.needs_rng:
            from ..random import rng_var
            writes.append(rng_var(ctx))
        engine.push(run, [a._chunk.var for a in args], writes, ctx, name="hybrid forward",
                    inline=engine_inline(ctx, plan))
        if autograd.is_recording():
            autograd._record_op(_GRAPH_OP, holder, args, outs, aux)
        return outs


class _GraphValues:
    """Per-call state of a cached graph: the slot values the backward sweep needs, and the aux
    state NDArrays (BatchNorm's backward moves its moving statistics)."""
    __slots__ = ("plan", "env", "values", "aux")

    def __init__(self, plan, env, aux):
        self.plan = plan
        self.env = env
        self.values = None
        self.aux = aux


class _GraphOp:
    """Duck-typed op so autograd can differentiate a whole cached graph as one tape node."""
    name = "_CachedOp"
    needs_rng = False

    @staticmethod
    def backward(env, holder, inputs, outputs, out_grads, req):
        plan = holder.plan
        needs = plan.grad_needs(["write" if r else "null" for r in req])
        # (autograd's engine op writes the aux states the graph's backward may move)
        grads = plan.backward(env, holder.values, list(out_grads), needs, aux=holder.aux)
        return [grads.get(s) if r else None for s, r in zip(plan.arg_slots, req)]

    # Row-sparse gradients (see ops/sparse_ops.row_sparse_grad): an argument read only by ops
    # whose gradient is row_sparse by construction (Embedding(sparse_grad=True)) stores the rows
    # those ops list, as MXNet's CachedOp does.
    @staticmethod
    def rsp_grad_inputs(holder):
        return tuple(_sparse_readers(holder.plan))

    @staticmethod
    def grad_rows(xp, holder, inputs, i, req):
        values = holder.values
        rows = [step.op.grad_rows(xp, step.attrs, [values[s] for s in step.in_slots], pos, req)
                for step, pos in _sparse_readers(holder.plan)[i]]
        return rows[0] if len(rows) == 1 else xp.unique(xp.concatenate(rows))


def _sparse_readers(plan):
    """{argument position: [(step, input position)]} for the arguments of ``plan`` that only
    row-sparse-gradient inputs of its steps read (computed once per plan)."""
    found = getattr(plan, "_sparse_readers", None)
    if found is None:
        readers = {}
        for step in plan.steps:
            sparse_at = step.op.rsp_grad_inputs(step.attrs) if getattr(step.op, "grad_rows", None) else ()
            for pos, slot in enumerate(step.in_slots):
                readers.setdefault(slot, []).append((step, pos) if pos in sparse_at else None)
        heads = set(plan.head_slots)     # (an argument that is an output gets a dense gradient)
        found = {i: readers[s] for i, s in enumerate(plan.arg_slots)
                 if s in readers and None not in readers[s] and s not in heads}
        plan._sparse_readers = found
    return found


_GRAPH_OP = _GraphOp()


class HybridBlock(Block):
    """A Block written as ``hybrid_forward(F, x, *args, **params)``, runnable imperatively
    (``F = mx.nd``) or, after ``hybridize()``, as one traced graph (``F = mx.sym``)."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._active = False
        self._cached = None
        self._flags = {}
        self._in_format = None
        self._out_format = None

    def __setattr__(self, name, value):
        super().__setattr__(name, value)
        if isinstance(value, HybridBlock):
            self._clear_cached_op()

    def register_child(self, block, name=None):
        if not isinstance(block, HybridBlock):
            raise ValueError("Children of HybridBlock must also be HybridBlock, but %s has type %s. If you "
                             "are using Sequential, please try HybridSequential instead." % (
                                 str(block), str(type(block))))
        super().register_child(block, name)
        self._clear_cached_op()

    def hybridize(self, active=True, backend=None, clear=True, static_alloc=False, static_shape=False,
                  inline_limit=2, forward_bulk_size=None, backward_bulk_size=None, **kwargs):
        """Trace into a Symbol at the next call and run it as one graph from then on (the
        static_alloc/static_shape/bulk flags are accepted: the graph is always planned once)."""
        self._active = active
        self._flags = dict(kwargs, static_alloc=static_alloc, static_shape=static_shape)
        self._clear_cached_op()
        super().hybridize(active, **kwargs)

    def optimize_for(self, x, *args, backend=None, clear=False, static_alloc=False, static_shape=False,
                     inline_limit=2, forward_bulk_size=None, backward_bulk_size=None, **kwargs):
        """Hybridize and run once on the inputs (no backend-specific partitioning exists here)."""
        if backend is not None:
            raise MXNetError("optimize_for: no subgraph backend {!r} in neomx".format(backend))
        self.hybridize(True, static_alloc=static_alloc, static_shape=static_shape)
        return self(x, *args)

    def register_op_hook(self, callback, monitor_all=False):
        self._op_hook = callback
        self._op_hook_all = monitor_all
        self._clear_cached_op()
        super().register_op_hook(callback, monitor_all)

    def _clear_cached_op(self):
        self._cached = None

    def cast(self, dtype):
        self._clear_cached_op()
        super().cast(dtype)

    # -- tracing ---------------------------------------------------------------------------------
    def _get_graph(self, *args):
        if self._cached is None:
            flat, self._in_format = _flatten(args)
            real = [i for i, a in enumerate(flat) if a is not None]    # None inputs stay None
            names = ["data"] if len(real) == 1 else ["data%d" % i for i in range(len(real))]
            inputs = [None] * len(flat)
            for i, n in zip(real, names):
                inputs[i] = sym.var(n)
            grouped, _ = _regroup(inputs, self._in_format)
            params = {p.name: p.var() for p in self._reg_params.values()}
            if getattr(_scope, "np_trace", False):     # np mode: F.np symbols (NumPy operators)
                params = {n: _np_sym(v, self._reg_params.values()) for n, v in params.items()}
                grouped, _ = _regroup([None if v is None else sym.np.as_np_symbol(v, shape=a.shape)
                                       for v, a in zip(inputs, flat)], self._in_format)
            with self.name_scope():
                out = self.hybrid_forward(sym, *grouped, **{k: params[p.name] for k, p in self._reg_params.items()})
            outs, self._out_format = _flatten(out)
            self._np_0d = [i for i, o in enumerate(outs) if getattr(o, "_np_ndim", None) == 0]
            if self._np_0d or any(isinstance(o, sym.np._Symbol) for o in outs):
                outs = [sym.Group([o]) for o in outs]      # plain Symbols (no NumPy __getitem__)
            self._cached_symbol = sym.Group(outs) if len(outs) > 1 else outs[0]
            self._cached_input_names = names
        return self._cached_symbol, self._cached_input_names

    def infer_shape(self, *args):
        """Complete unknown parameter shapes from the input shapes."""
        self._infer_attrs("shape", *args)

    def infer_type(self, *args):
        self._infer_attrs("type", *args)

    def _infer_attrs(self, what, *args):
        symbol, names = self._get_graph(*args)
        flat, _ = _flatten(args)
        params = {p.name: p for p in self.collect_params().values()}
        if what == "shape":
            flat = [a for a in flat if a is not None]
            arg_s, _, aux_s = symbol.infer_shape_partial(**{n: a.shape for n, a in zip(names, flat)})
            for n, s in zip(symbol.list_arguments() + symbol.list_auxiliary_states(), arg_s + aux_s):
                if n in params and s:
                    params[n].shape = s
        else:
            flat = [a for a in flat if a is not None]
            arg_t, _, aux_t = symbol.infer_type(**{n: a.dtype for n, a in zip(names, flat)})
            for n, t in zip(symbol.list_arguments() + symbol.list_auxiliary_states(), (arg_t or []) + (aux_t or [])):
                if n in params and t is not None:
                    params[n].dtype = t

    def _deferred_infer_shape(self, *args):
        try:
            self.infer_shape(*args)
        except Exception as e:
            raise ValueError("Deferred initialization failed because shape cannot be inferred. {}".format(e)) from e

    def _call_cached(self, *args):
        if self._cached is not None and len(args) == 1 and type(args[0]) is NDArray:
            flat = [args[0]]            # (the common call: one array, the graph built already)
            ctx = args[0]._ctx
        else:
            symbol, names = self._get_graph(*args)
            if self._cached is None:
                params = {p.name: p for p in self.collect_params().values()}
                self._cached = _CachedGraph(symbol, names, params)
                self._cached.op_hook = getattr(self, "_op_hook", None)
                self._cached.op_hook_all = getattr(self, "_op_hook_all", False)
            flat = [a for a in _flatten(args)[0] if a is not None]
            ctx = flat[0].context
        try:
            # (reading each parameter checks it is initialized, before anything is pushed)
            outs = self._cached(flat, ctx)
        except DeferredInitializationError:
            self._deferred_infer_shape(*args)
            for p in self._cached.params.values():
                p._finish_deferred_init()
            outs = self._cached(flat, ctx)
        for i in getattr(self, "_np_0d", ()):      # F.np 0-d results (stored as (1,) in the graph)
            outs[i] = outs[i]._reshape_view(())
        out, _ = _regroup(outs, self._out_format) if not isinstance(self._out_format, int) else (outs[0], None)
        return out

    def forward(self, x, *args):
        """Run ``hybrid_forward`` imperatively, or the cached graph when hybridized; with
        Symbol inputs, build the graph."""
        if isinstance(x, sym.Symbol):
            params = {k: p.var() for k, p in self._reg_params.items()}
            if getattr(_scope, "np_trace", False):
                params = {k: _np_sym(v, self._reg_params.values()) for k, v in params.items()}
            with self.name_scope():
                return self.hybrid_forward(sym, x, *args, **params)
        if _util.is_np_array():     # np mode: hybrid_forward runs the classic ops on NDArray views
            from ..numpy._core import to_nd_tree
            prev = getattr(_scope, "np_trace", False)
            _scope.np_trace = True
            try:
                with _util.np_array(False):
                    # the library's own layers run on NDArray views; a user's hybrid_forward
                    # gets mx.np arrays, as in MXNet
                    user = not type(self).__module__.startswith("mxnet.")
                    return self.forward(*(((x,) + args) if user else to_nd_tree((x,) + args)))
            finally:
                _scope.np_trace = prev
        if self._active:
            return self._call_cached(x, *args)
        ctx = x.context
        try:
            params = {k: p.data(ctx) for k, p in self._reg_params.items()}
        except DeferredInitializationError:
            self._deferred_infer_shape(x, *args)
            for p in self.params.values():
                p._finish_deferred_init()
            params = {k: p.data(ctx) for k, p in self._reg_params.items()}
        if getattr(_scope, "np_trace", False) and not type(self).__module__.startswith("mxnet."):
            from ..numpy._core import to_np_tree      # np mode, a user's block: mx.np parameters
            params = {k: to_np_tree(v) for k, v in params.items()}
        return self.hybrid_forward(nd, x, *args, **params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        """Override: the computation, written against ``F`` (mx.nd or mx.sym)."""
        raise NotImplementedError

    def export(self, path, epoch=0, remove_amp_cast=True):
        """Write ``path-symbol.json`` and ``path-%04d.params`` (``arg:``/``aux:`` keys) of the traced
        graph, loadable by ``SymbolBlock.imports`` and by MXNet 1.9.1."""
        if self._cached is None and not hasattr(self, "_cached_symbol"):
            raise RuntimeError("Please first call block.hybridize() and then run forward with this block "
                               "at least once before calling export.")
        symbol = self._cached_symbol
        symbol.save("%s-symbol.json" % path)
        arg_names = set(symbol.list_arguments())
        aux_names = set(symbol.list_auxiliary_states())
        arg_dict = {}
        for name, param in self.collect_params().items():
            if name in arg_names:
                arg_dict["arg:%s" % name] = param._reduce()
            elif name in aux_names:
                arg_dict["aux:%s" % name] = param._reduce()
        nd.save("%s-%04d.params" % (path, epoch), arg_dict)
        return symbol


class SymbolBlock(HybridBlock):
    """A HybridBlock running an existing Symbol: ``SymbolBlock(outputs, inputs, params)``."""

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None, allow_missing=False, ignore_extra=False):
        """Load an exported model (``-symbol.json`` + ``.params``) as a SymbolBlock."""
        symbol = sym.load(symbol_file)
        if isinstance(input_names, str):
            input_names = [input_names]
        inputs = [sym.var(n) for n in input_names]
        ret = SymbolBlock(symbol, inputs)
        if param_file is not None:
            ret.collect_params().load(param_file, ctx, allow_missing, ignore_extra, cast_dtype=True,
                                      dtype_source="saved")
        return ret

    def __init__(self, outputs, inputs, params=None):
        super().__init__(prefix="", params=None)
        if isinstance(inputs, sym.Symbol) and len(inputs) == 1:
            inputs = [inputs]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        if isinstance(outputs, (list, tuple)):
            outputs = sym.Group(list(outputs))
        input_names = [i.name for i in inputs]
        self._cached_symbol = outputs
        self._cached_input_names = input_names
        self._in_format = [0] * len(input_names) if len(input_names) > 1 else 0
        self._out_format = 0 if len(outputs) == 1 else [0] * len(outputs)
        self._params = ParameterDict("", params)
        for name in outputs.list_arguments():
            if name not in input_names:
                _sym_param(self._params, name, "write")
        for name in outputs.list_auxiliary_states():
            _sym_param(self._params, name, "null")
        self._active = True

    def _get_graph(self, *args):
        return self._cached_symbol, self._cached_input_names

    def forward(self, x, *args):
        if isinstance(x, sym.Symbol):
            return self._cached_symbol
        return self._call_cached(x, *args)

    def hybridize(self, active=True, **kwargs):
        self._active = True

    def reset_ctx(self, ctx):
        """Re-assign all Parameters to other contexts (a list: one copy each), including those
        the cached graph holds beyond ``collect_params()``."""
        params = self.collect_params()
        if self._cached is not None:
            for name, p in self._cached.params.items():
                if name not in params:
                    p.reset_ctx(ctx)
        for p in params.values():
            p.reset_ctx(ctx)


def _to_np_outputs(out):
    """Block outputs as mx.np arrays (NDArrays) or mx.sym.np symbols (Symbols), nested."""
    if isinstance(out, (list, tuple)):
        return type(out)(_to_np_outputs(o) for o in out)
    if isinstance(out, sym.Symbol):
        return out if isinstance(out, sym.np._Symbol) else sym.np.as_np_symbol(out)
    if isinstance(out, NDArray):
        from ..numpy._core import to_np_tree
        return to_np_tree(out)
    return out


def _np_sym(v, params):
    """Parameter variable ``v`` as an mx.sym.np symbol (ndim from its Parameter's shape)."""
    shape = next((p.shape for p in params if p.name == v.name), None)
    return sym.np.as_np_symbol(v, shape=shape)


def _sym_param(params, name, grad_req):
    p = params._get_impl(name)
    if p is None:
        p = Parameter(name, grad_req=grad_req, allow_deferred_init=True)
        params._params[name] = p
    return p



def symbol_block_with(symbol, input_names, arg_params, aux_params, ctx, owner):
    """A SymbolBlock running ``symbol`` on the inputs ``input_names``, each parameter holding its
    value from ``arg_params``/``aux_params`` ({name: NDArray}) on ``ctx`` (a Context or a list);
    MXNetError naming ``owner`` and the parameter when one has no value (quantize_net, ONNX import)."""
    from .parameter import _ctx_list
    net = SymbolBlock(symbol, [sym.var(n) for n in input_names])
    ctxs = _ctx_list(ctx)
    for name, param in net.collect_params().items():
        value = arg_params.get(name, aux_params.get(name))
        if value is None:
            raise MXNetError("{}: no value for parameter {!r}".format(owner, name))
        param.shape = value.shape
        param.dtype = value.dtype
        param._init_impl(value, ctxs)
    return net
