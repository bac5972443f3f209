"""Autograd: record imperative operations on a tape and differentiate them.

Under ``record()``, every operator whose inputs involve a variable (``attach_grad``) is recorded
with its input and output NDArrays; ``backward`` walks the tape in reverse with the same registry
backward rules the Executor uses, inside one engine op, and writes/adds into ``x.grad``.
"""
import threading

from .backend import for_context as _for_context

__all__ = ["record", "pause", "train_mode", "predict_mode", "is_recording", "is_training",
           "set_recording", "set_training", "backward", "grad", "mark_variables", "get_symbol", "Function"]

class _State(threading.local):
    # class-level defaults: a thread that never set them reads these without an AttributeError
    recording = False
    training = False


_state = _State()


def is_recording():
    """Whether operations are being recorded for gradient computation."""
    return _state.recording


def is_training():
    """Whether operations run in training mode (Dropout active, BatchNorm uses batch stats)."""
    return _state.training


def set_recording(is_recording):  # noqa: D401 - MXNet's name
    """Set recording state; returns the previous state."""
    prev = _state.recording
    _state.recording = bool(is_recording)
    return prev


def set_training(train_mode):
    """Set training state; returns the previous state."""
    prev = _state.training
    _state.training = bool(train_mode)
    return prev


class _RecordingStateScope:
    def __init__(self, is_record, train_mode):
        self._enter_record = is_record
        self._enter_train = train_mode
        self._prev_record = None
        self._prev_train = None

    def __enter__(self):
        if self._enter_record is not None:
            self._prev_record = set_recording(self._enter_record)
        if self._enter_train is not None:
            self._prev_train = set_training(self._enter_train)
        return self

    def __exit__(self, ptype, value, trace):
        if self._enter_record is not None:
            set_recording(self._prev_record)
        if self._enter_train is not None:
            set_training(self._prev_train)


def record(train_mode=True):
    """Scope in which operations are recorded (and run in training mode by default)."""
    return _RecordingStateScope(True, train_mode)


def pause(train_mode=False):
    """Scope in which recording is paused."""
    return _RecordingStateScope(False, train_mode)


def train_mode():
    """Scope running operations in training mode."""
    return _RecordingStateScope(None, True)


def predict_mode():
    """Scope running operations in inference mode."""
    return _RecordingStateScope(None, False)


# -- the tape -------------------------------------------------------------------------------------

class _TapeNode:
    """One recorded operator application: inputs and outputs are NDArrays."""
    __slots__ = ("op", "attrs", "inputs", "outputs", "aux", "is_train")

    def __init__(self, op, attrs, inputs, outputs, aux, is_train):
        self.op = op
        self.attrs = attrs
        self.inputs = inputs
        self.outputs = outputs
        self.aux = aux
        self.is_train = is_train


def _record_op(op, attrs, inputs, outputs, aux=()):
    """Called by the imperative layer for every op run while recording."""
    for x in inputs:       # (an explicit loop: this runs for every recorded op)
        if x._ag_node is not None or (x._grad is not None and x._grad_req != "null"):
            break
    else:
        return
    node = _TapeNode(op, attrs, list(inputs), list(outputs), list(aux), _state.training)
    for i, o in enumerate(outputs):
        o._ag_node = (node, i)


_ASSIGN_IN_GRAPH = (
    "Assigning to NDArrays that are already in a computational graph will cause undefined behavior "
    "when evaluating gradients. Please call backward first to clear the graph or do this out side of "
    "a record section. Also note that you cannot use inplace operations like +=, *=, relu(x, out=x), "
    "y[idx]=x, etc inside a record section.")


def _check_assign(arrays, what):
    """MXNet's error for an in-place write, while recording, into an array that is part of a
    computational graph (a recorded result, or a variable marked with ``attach_grad``): the
    recorded history would no longer describe its values. ``what`` names the writing op."""
    for a in arrays:
        if a._ag_node is not None or a._grad is not None:
            from .base import MXNetError
            raise MXNetError("{}: {}".format(what, _ASSIGN_IN_GRAPH))


def _tracked(x):
    return x._ag_node is not None or (x._grad is not None and x._grad_req != "null")


def _record_view(src, out, kind, params):
    """Record a memory-sharing view (reshape / axis-0 index) as the equivalent operator."""
    if not _tracked(src):
        return
    from .ops.registry import get_op
    if kind == "reshape":
        op = get_op("Reshape")
        attrs = op.parse({"shape": out.shape})
    else:
        op = get_op("_getitem")
        key = params["key"]
        if src.ndim == 1 and isinstance(key, int):   # x[i] on 1-D is x[i:i+1] in MXNet 1.x
            key = slice(key % src.shape[0], key % src.shape[0] + 1)
        attrs = op.parse({"key": key, "num_args": 1})
    node = _TapeNode(op, attrs, [src], [out], [], is_training())
    out._ag_node = (node, 0)


def mark_variables(variables, gradients, grad_reqs="write"):
    """Mark NDArrays as variables whose gradients ``backward`` computes into ``gradients``."""
    from .ndarray.ndarray import NDArray
    if isinstance(variables, NDArray):
        variables, gradients = [variables], [gradients]
    if isinstance(grad_reqs, str):
        grad_reqs = [grad_reqs] * len(variables)
    for v, g, r in zip(variables, gradients, grad_reqs):
        v._grad = g
        v._grad_req = r
        v._ag_node = None
        v._fresh = 0


def _graph_order(heads, stop=None):
    """Tape nodes reachable from ``heads`` in topological order (inputs first); the history of
    arrays whose id is in ``stop`` is not followed."""
    order, seen = [], set()
    stack = [(h._ag_node[0], False) for h in heads if h._ag_node is not None]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for x in node.inputs:
            if x._ag_node is not None and id(x._ag_node[0]) not in seen and (stop is None or id(x) not in stop):
                stack.append((x._ag_node[0], False))
    return order


def _check_differentiable(order):
    """MXNet's error, before anything runs, when the graph holds a gradient recorded without a
    history of its own (``autograd_graph.NoGradient``)."""
    for node in order:
        if getattr(node.op, "name", "").startswith("_backward_"):
            raise node.op.error()


def _checked_heads(heads, head_grads, caller):
    """(heads, head gradients) as two lists of equal length (None: ones); MXNet's errors for a
    count mismatch and for a head with no recorded history."""
    _, NDArray, MXNetError = _deps()[:3]
    heads = [heads] if isinstance(heads, NDArray) else list(heads)
    if head_grads is None:
        head_grads = [None] * len(heads)
    elif isinstance(head_grads, NDArray):
        head_grads = [head_grads]
    if len(head_grads) != len(heads):
        raise MXNetError("{}: {} head gradients for {} heads".format(caller, len(head_grads), len(heads)))
    for h in heads:
        if h._ag_node is None and not _tracked(h):
            raise MXNetError("Cannot differentiate node because it is not in a computational graph. "
                             "You need to set is_recording to true or use autograd.record() to save "
                             "computational graphs for backward.")
    return heads, head_grads


def _compute(heads, head_grads, variables, train_mode, want=None, rows=None, taken=None):
    """Run the backward sweep inside one engine op; returns (push_args, result holder).

    ``want`` ({variable id: grad_req}) names the variables whose gradient goes to row_sparse
    storage; ``run`` then fills ``rows`` with the rows each one's gradient stores (see
    :func:`_note_rows`). ``taken`` (a set) receives the ids of the head gradients ``run`` reads,
    which stored gradients must not be (see ``imperative._unshared``)."""
    engine, _, _, OpEnv, _, _, _, shared_env = _deps()
    for_context = _for_context
    heads, head_grads = _checked_heads(heads, head_grads, "backward")
    order = _graph_order(heads)
    _check_differentiable(order)
    ctx = heads[0].context
    xp = for_context(ctx).xp
    result = {}

    # Snapshot the graph now: the tape may be freed (or extended) before the engine runs ``run``.
    def key(x):
        return ("n", id(x._ag_node[0]), x._ag_node[1]) if x._ag_node is not None else ("v", _vid(x))

    head_keys = [key(h) for h in heads]
    # One pass over the tape: per node its output keys, its inputs' keys and which inputs need a
    # gradient (tracked: recorded, or a variable with a gradient buffer); and the vars it reads.
    steps = []
    reads = [g._chunk.var for g in head_grads if g is not None]
    for node in order:
        in_keys, req = [], []
        for x in node.inputs:
            ag = x._ag_node
            if ag is not None:
                in_keys.append(("n", id(ag[0]), ag[1]))
                req.append(True)
            else:
                gb = x._grad
                in_keys.append(("v", id(x) if gb is None else id(gb)))      # (key(x): _vid)
                req.append(gb is not None and x._grad_req != "null")
            reads.append(x._chunk.var)
        outputs = node.outputs
        reads += [o._chunk.var for o in outputs]
        nid = id(node)
        steps.append((node, [("n", nid, i) for i in range(len(outputs))], in_keys, req))
    steps.reverse()
    var_heads = [h for h in heads if h._ag_node is None]

    def run():
        grads = {}
        for h, g, k in zip(heads, head_grads, head_keys):
            if g is not None:
                v = g._read()
                if taken is not None:
                    taken.add(id(v))
            else:
                v = xp.ones(h.shape, dtype=h._dtype)
            grads[k] = grads[k] + v if k in grads else v
            if want and k[0] == "v" and k[1] in want:     # a variable that is a head: dense
                rows[k[1]] = None
        leaves = {}
        pop = grads.pop
        observer = engine._op_observer
        for node, out_keys, in_keys, req in steps:
            op = node.op
            if len(out_keys) == 1:
                g = pop(out_keys[0], None)
                if g is None or op.backward is None:
                    continue
                ogs = [g]
                outs = [node.outputs[0]._read()]
            else:
                ogs = [pop(k, None) for k in out_keys]
                if all(g is None for g in ogs) or op.backward is None:
                    continue
                outs = [o._read() for o in node.outputs]
                ogs = [g if g is not None else xp.zeros_like(o) for g, o in zip(ogs, outs)]
            ins = [x._read() for x in node.inputs]
            is_train = node.is_train if train_mode else False
            env = OpEnv(xp, is_train, ctx) if op.needs_rng else shared_env(ctx, is_train)
            if observer is None:
                igs = op.backward(env, node.attrs, ins, outs, ogs, req)
            else:                           # the profiler records each backward operator
                box = []
                observer(lambda: box.append(op.backward(env, node.attrs, ins, outs, ogs, req)),
                         "_backward_" + op.name)
                igs = box[0]
            if node.aux:     # aux states moved by the backward (BatchNorm's moving statistics)
                update = getattr(op, "update_aux", None)
                if update is not None:
                    update(env, node.attrs, ins, outs, [a._read() for a in node.aux])
            for x, k, g, r in zip(node.inputs, in_keys, igs, req):
                if r and g is not None:
                    if k in grads:
                        grads[k] = grads[k] + g
                    else:
                        grads[k] = g
                        if k[0] == "v":
                            leaves[k] = x
            if want:
                _note_rows(want, rows, node, in_keys, igs, req, ins, xp)
        for k in leaves:
            result[k[1]] = grads[k]         # (k[1] is the variable's _vid)
        for h in var_heads:   # a head that is itself a variable
            if ("v", _vid(h)) in grads:
                result[_vid(h)] = grads[("v", _vid(h))]

    return run, reads, ctx, result, order


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Compute the gradients of ``heads`` with respect to variables marked by ``attach_grad``
    (written or added into their ``.grad`` per grad_req)."""
    engine, NDArray, _, _, _, _finalize, _unshared, _ = _deps()
    want, rows, taken = {}, {}, set()
    run, reads, ctx, result, order = _compute(heads, head_grads, None, train_mode, want, rows, taken)
    order_vars = _variables_of(heads, order)
    for x in order_vars:
        if type(x._grad) is not NDArray and x._grad.stype == "row_sparse":
            want[id(x._grad)] = x._grad_req
    for node in order:
        if getattr(node.op, "name", None) == "Embedding":
            _check_embedding_grad(node, NDArray)

    def apply():
        run()
        xp = None
        for x in order_vars:
            g = result.get(id(x._grad))     # (order_vars all have a gradient buffer)
            if g is None or x._grad is None or x._grad_req == "null":
                continue
            buf = x._grad
            if x._grad_req == "add":
                g = buf._read() + g
            if xp is None or buf._ctx is not ctx:
                xp = _xp(buf)
            g = _unshared(_finalize(xp, g, buf._shape, buf._dtype, [], "backward"), taken)
            _store_grad(buf, g, rows.get(id(buf)) if want else None)

    writes = [x._grad._chunk.var for x in order_vars if x._grad is not None]
    writes += _aux_vars(order)
    for x in order_vars:
        x._fresh = 1       # (MXNet's fresh_grad: every variable of the graph, gradient or not)
    engine.push(apply, reads, writes, ctx, name="backward", inline=_sweep_inline(ctx, order))
    if not retain_graph:
        _free_graph(order)


_UNSEEN = object()


def _store_grad(dst, g, rows):
    """Write gradient ``g`` into ``dst``: whole, or (a row_sparse buffer fed by row-sparse ops)
    keeping exactly ``rows``."""
    if rows is None:
        dst._assign(g)
    else:
        dst._assign_rows(g, rows)


def _check_embedding_grad(node, NDArray):
    """MXNet's check: Embedding's ``sparse_grad`` must agree with the storage type of the weight's
    gradient buffer (row_sparse for True, default for False)."""
    w = node.inputs[1] if len(node.inputs) > 1 else None
    if w is None or w._ag_node is not None or w._grad is None or w._grad_req == "null":
        return
    stype = "default" if type(w._grad) is NDArray else w._grad.stype
    if bool(node.attrs.sparse_grad) != (stype == "row_sparse"):
        from .base import MXNetError
        raise MXNetError("Error in operator Embedding (backward): Cannot use sparse_grad = {}, while "
                         "stype of gradients w.r.t embedding weight is {}".format(
                             int(bool(node.attrs.sparse_grad)), stype))


def _note_rows(want, rows, node, in_keys, igs, req, ins, xp):
    """Track the rows of row_sparse gradients (the variables in ``want``), as MXNet stores them:
    a gradient made only by ops that are row_sparse by construction (``op.grad_rows``, see
    ``ops/sparse_ops.row_sparse_grad``: Embedding(sparse_grad=True)) stores the union of the rows
    they list, zero rows included; any other contribution makes it dense (``rows[v] = None``:
    its rows that are not all zero are stored)."""
    hook = getattr(node.op, "grad_rows", None)
    sparse_at = node.op.rsp_grad_inputs(node.attrs) if hook is not None else ()
    for i, k in enumerate(in_keys):
        if k[0] != "v" or k[1] not in want or not req[i] or igs[i] is None:
            continue
        prev = rows.get(k[1], _UNSEEN)
        if i in sparse_at and prev is not None:
            r = hook(xp, node.attrs, ins, i, want[k[1]])
            rows[k[1]] = r if prev is _UNSEEN else xp.unique(xp.concatenate([prev, r]))
        else:
            rows[k[1]] = None


def _sparse_grad_vars(variables, heads, order):
    """The variables (of ``autograd.grad``) whose gradient only ops row_sparse by construction
    make, as ids: MXNet returns those gradients in row_sparse storage."""
    from .ndarray.ndarray import NDArray
    heads = [heads] if isinstance(heads, NDArray) else list(heads)
    found = {}
    for node in order:
        hook = getattr(node.op, "grad_rows", None)
        sparse_at = node.op.rsp_grad_inputs(node.attrs) if hook is not None else ()
        for i, x in enumerate(node.inputs):
            if x._ag_node is None and _tracked(x):
                v = _vid(x)
                found[v] = found.get(v, True) and i in sparse_at
    for h in heads:
        if h._ag_node is None:
            found[_vid(h)] = False
    return {_vid(v) for v in variables if found.get(_vid(v))}


def _aux_vars(order):
    """The aux states the tape nodes ``order`` carry: a backward sweep may change them (see
    ``OpDef.update_aux``), so its engine op writes them."""
    return [a._chunk.var for node in order if node.aux for a in node.aux]


def _free_graph(order):
    """Drop the recorded history of the tape nodes ``order`` (MXNet frees the graph after backward)."""
    for node in order:
        for o in node.outputs:
            o._ag_node = None


_DEPS = None


def _deps():
    """(engine, NDArray, MXNetError, OpEnv, USER_CODE_OPS, _finalize, _unshared, shared_env),
    imported once (these modules import this one, so not at the top; a per-call import costs a
    microsecond)."""
    global _DEPS
    if _DEPS is None:
        from . import engine
        from .base import MXNetError
        from .ndarray.ndarray import NDArray
        from .ndarray.imperative import _finalize, _unshared, shared_env
        from .ops.registry import OpEnv
        from .executor.graph import USER_CODE_OPS
        _DEPS = (engine, NDArray, MXNetError, OpEnv, USER_CODE_OPS, _finalize, _unshared, shared_env)
    return _DEPS


def _sweep_inline(ctx, order):
    """The engine's ``inline`` hint for the backward sweep of the tape nodes ``order``: as a
    graph's (``executor.graph.engine_inline``), it runs at once under the engine lock unless a
    node runs user code (a custom Function, a Custom operator, a hybridized block holding one)."""
    if ctx.device_typeid == 2:
        return False
    user_code = _deps()[4]
    for node in order:
        op = node.op
        name = getattr(op, "name", None)
        if name in user_code or op.__class__ is _FunctionOp \
                or (name == "_CachedOp" and node.attrs.plan.runs_user_code):
            return "idle"
    return True


def _xp(arr):
    return _for_context(arr._ctx).xp


def _vid(x):
    """A variable's identity: its gradient buffer when it has one, so that views of one
    variable (``mx.np`` views, Gluon's np parameter views) accumulate into one gradient."""
    return id(x._grad) if x._grad is not None else id(x)


def _variables_of(heads, order):
    """The marked variables the tape nodes ``order`` read (and heads that are variables)."""
    NDArray = _deps()[1]
    heads = [heads] if isinstance(heads, NDArray) else list(heads)
    out, seen = [], set()
    for node in order:
        for x in node.inputs:
            if x._ag_node is None and x._grad is not None:
                v = id(x._grad)         # (_vid of a variable with a gradient buffer)
                if v not in seen:
                    seen.add(v)
                    out.append(x)
    for h in heads:
        if h._ag_node is None and h._grad is not None and id(h._grad) not in seen:
            seen.add(id(h._grad))
            out.append(h)
    return out


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False, train_mode=True):
    """Gradients of ``heads`` with respect to ``variables``, returned as a list of new NDArrays
    (a list of one for a single variable too, as MXNet 1.9.1 returns it)."""
    from . import engine
    from .base import MXNetError
    from .ndarray.ndarray import NDArray, Chunk
    from .ndarray.imperative import _finalize, _unshared
    variables = [variables] if isinstance(variables, NDArray) else list(variables)
    for v in variables:
        if v._ag_node is not None or v._grad is None:
            raise MXNetError("autograd.grad: every variable must be marked with attach_grad()")
    if create_graph:       # gradients with a recorded history of their own (autograd_graph.py)
        from .autograd_graph import grad_graph
        return grad_graph(heads, variables, head_grads, train_mode)
    want, rows, taken = {}, {}, set()
    run, reads, ctx, result, order = _compute(heads, head_grads, variables, train_mode, want, rows, taken)
    for v in _sparse_grad_vars(variables, heads, order):
        want[v] = "write"
    outs = []
    for v in variables:
        if _vid(v) in want:
            from .ndarray.sparse import zeros as sparse_zeros
            outs.append(sparse_zeros("row_sparse", v.shape, ctx=v.context, dtype=v._dtype))
        else:
            outs.append(NDArray(Chunk(), v.shape, v._dtype, v.context))

    def apply():
        run()
        xp = _xp(variables[0])
        for v, o in zip(variables, outs):
            g = result.get(_vid(v))
            g = xp.zeros(v.shape, dtype=v._dtype) if g is None else g
            g = _unshared(_finalize(xp, g, o._shape, o._dtype, [], "grad"), taken)
            _store_grad(o, g, rows.get(_vid(v)) if want else None)

    engine.push(apply, reads, [o._chunk.var for o in outs] + _aux_vars(order), ctx, name="grad",
                inline=_sweep_inline(ctx, order))
    if not retain_graph:
        _free_graph(order)
    return outs


class Function:
    """A differentiable function with a hand-written gradient:

    ``forward(self, *inputs)`` and ``backward(self, *output_grads)`` take and return NDArrays;
    ``save_for_backward`` keeps values for backward in ``self.saved_tensors``."""

    def __init__(self):
        self._used = False
        self.saved_tensors = ()

    def save_for_backward(self, *args):
        self.saved_tensors = args

    def __call__(self, *inputs):
        from .base import MXNetError
        from .ndarray.ndarray import NDArray
        if self._used:
            raise MXNetError("Each Function instance can only be called once. Please create another "
                             "instance.")
        self._used = True
        with pause(train_mode=is_training()):
            outputs = self.forward(*inputs)
        single = isinstance(outputs, NDArray)
        outs = [outputs] if single else list(outputs)
        if is_recording():
            _record_op(_FunctionOp(self, len(inputs)), None, list(inputs), outs, [])
        return outputs

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, *output_grads):
        raise NotImplementedError


class _FunctionOp:
    """Tape op of a custom Function: runs the user's NDArray backward synchronously."""
    needs_rng = False
    name = "_CustomFunction"

    def __init__(self, func, n_in):
        self.func = func
        self.n_in = n_in

    def backward(self, env, attrs, inputs, outputs, out_grads, req):
        from .base import MXNetError
        from .ndarray.ndarray import NDArray, Chunk
        ctx = env.ctx
        ograds = [NDArray(Chunk(g), tuple(g.shape), g.dtype, ctx) for g in out_grads]
        with pause():
            res = self.func.backward(*ograds)
        res = [res] if isinstance(res, NDArray) else list(res)
        if len(res) != self.n_in:
            raise MXNetError("custom Function backward returned {} gradients for {} inputs".format(
                len(res), self.n_in))
        return [r._read() if isinstance(r, NDArray) else r for r in res]


def get_symbol(x):
    """The recorded history of ``x`` as a Symbol, as MXNet builds it: marked variables become
    ``var<i>``, other inputs ``null<i>`` (one count for both, in order of first use), operators
    ``node_<i>`` in recording order, with their non-default parameters. (MXNet's counters run
    over the whole process; here they start at 0 for each call.) Hybridized blocks and custom
    Functions in the history have no operator form: MXNetError."""
    from .base import MXNetError
    from .symbol.symbol import Node, Symbol
    if x._ag_node is None:
        raise MXNetError("autograd.get_symbol: the array has no recorded history (compute it inside "
                         "autograd.record())")
    leaves, nodes = {}, {}

    def leaf(arr):
        key = _vid(arr) if arr._grad is not None else id(arr)
        if key not in leaves:
            kind = "var" if arr._grad is not None else "null"
            leaves[key] = Node(None, "{}{}".format(kind, len(leaves)))
        return (leaves[key], 0)

    for i, tape in enumerate(_graph_order([x])):
        if not hasattr(tape.op, "params") or not hasattr(tape.op, "parse"):
            raise MXNetError("autograd.get_symbol: the history holds {}, which has no operator form "
                             "(hybridized blocks and custom Functions)".format(getattr(tape.op, "name", tape.op)))
        entries = [(nodes[id(a._ag_node[0])], a._ag_node[1]) if a._ag_node is not None else leaf(a)
                   for a in list(tape.inputs) + list(tape.aux)]
        node = Node(tape.op, "node_{}".format(i), _changed_params(tape.op, tape.attrs), {}, entries)
        nodes[id(tape)] = node
    head, idx = x._ag_node
    return Symbol([(nodes[id(head)], idx)])


def _changed_params(op, attrs):
    """The parameters in ``attrs`` that differ from ``op``'s defaults, as graph strings."""
    changed = [p.name for p in op.params if attrs.get(p.name) is not None
               and (p.required or not _same(attrs[p.name], p.default))]
    return op.attrs_to_strings(attrs, only=changed)


def _same(value, default):
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


from .ndarray.ndarray import NDArray  # noqa: E402,F401  (re-exported, as MXNet's autograd imports it)


def __getattr__(name):
    # ``Symbol``, as MXNet's autograd imports it; resolved on first use because mxnet.symbol is
    # loaded after this module (which mxnet.ndarray imports).
    if name == "Symbol":
        from .symbol import Symbol
        globals()["Symbol"] = Symbol
        return Symbol
    raise AttributeError("module {!r} has no attribute {!r}".format(__name__, name))
