"""Control-flow operators ``_foreach``, ``_while_loop`` and ``_cond`` (MXNet's control_flow.cc).

Each node holds its bodies as subgraph Symbols (``Node.subgraphs``; the kernels read them from
``attrs.subgraphs``). Inputs are the union of the bodies' free inputs; the ``*_locs`` parameters
map between the node's inputs and each body's inputs (``Symbol.list_inputs()`` positions):

- ``_foreach``: inputs = data..., init states..., remaining; body inputs at ``in_data_locs``
  (one slice of axis 0 per step), ``in_state_locs`` and ``remain_locs``; body heads = step
  outputs (``num_out_data``, stacked on a new axis 0) then the new states.
- ``_while_loop``: ``cond_input_locs``/``func_input_locs`` give, per body input, the node input
  it reads; ``func_var_locs[j]`` is the func-body input holding loop variable j. Step outputs
  are stacked and padded with zeros to ``max_iterations`` rows.
- ``_cond``: ``cond_input_locs``/``then_input_locs``/``else_input_locs`` as above.

Forward runs each body with a nested :class:`GraphPlan` (one step at a time); backward runs the
nested plans' vector-Jacobian sweeps in reverse over the per-step slot values kept by the
training forward (recomputed when the forward ran in inference mode).

The Python front ends are ``mx.nd.contrib`` / ``mx.sym.contrib`` ``foreach``, ``while_loop`` and
``cond`` (ndarray/contrib_flow.py, symbol/contrib_flow.py).
"""
import weakref

import numpy as np

from ..base import MXNetError
from .params import Param, Int, _Shape, _literal
from .registry import OpDef, register, Attrs

__all__ = ["with_subgraphs"]


# -- parameters and subgraph plumbing -------------------------------------------------------------
class _Locs(_Shape):
    """A list of input positions, written ``[0, 2]`` as MXNet writes it (None: empty)."""
    doc = "tuple of <long>"

    def parse(self, value):
        if isinstance(value, str):
            value = _literal(value)
        return () if value is None else super().parse(value)

    def to_str(self, value):
        return "[" + ", ".join(str(int(v)) for v in value) + "]"


Locs = _Locs()


class _Bodies(tuple):
    """The subgraph Symbols of one node; compared and hashed by identity (Symbol overloads ==)
    and caching each body's nested plan."""
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    def plan(self, i):
        plans = self.__dict__.setdefault("_plans", {})
        p = plans.get(i)
        if p is None:
            p = plans[i] = _SubPlan(self[i])
        return p


def with_subgraphs(attrs, subgraphs):
    """A copy of parsed ``attrs`` carrying the node's subgraphs (``attrs.subgraphs``)."""
    out = Attrs(attrs)
    out["subgraphs"] = _Bodies(subgraphs)
    return out


def _bodies(attrs, opname, n):
    b = attrs.get("subgraphs")
    if b is None or len(b) != n:
        raise MXNetError("{}: the node needs {} subgraph(s) (build it with mx.sym.contrib.{}); got {}".format(
            opname, n, opname.lstrip("_"), 0 if b is None else len(b)))
    return b


class _SubPlan:
    """A body's GraphPlan and the slot of each of its inputs (``list_inputs`` order)."""

    def __init__(self, sym):
        from ..executor.graph import GraphPlan
        self.sym = sym
        self.plan = plan = GraphPlan(sym)
        names = sym.list_inputs()
        if len(set(names)) != len(names):
            raise MXNetError("the inputs of a control-flow subgraph must have unique names: {}".format(names))
        slot_of = dict(zip(plan.arg_names, plan.arg_slots))
        slot_of.update(zip(plan.aux_names, plan.aux_slots))
        self.names = names
        self.in_slots = [slot_of[n] for n in names]
        self.num_heads = len(plan.head_slots)

    def run(self, env, ins):
        """Forward on raw arrays (one per body input); returns (slot values, head values)."""
        plan = self.plan
        values = [None] * plan.num_slots
        for s, v in zip(self.in_slots, ins):
            values[s] = v
        plan.forward(env, values)
        return values, [values[s] for s in plan.head_slots]

    def grad(self, env, values, head_grads):
        """Input gradients (None where there is none) given the heads' gradients."""
        plan = self.plan
        xp = env.xp
        heads = [g if g is not None else xp.zeros_like(values[s]) for g, s in zip(head_grads, plan.head_slots)]
        needs = plan.grad_needs(["write"] * len(plan.arg_slots))
        grads = plan.backward(env, values, heads, needs)
        return [grads.get(s) for s in self.in_slots]


def _sub_shapes(sym, in_shapes):
    """Shape inference on a body: (filled input shapes, head shapes); None where unknown."""
    from ..symbol.infer import infer_graph_shapes
    from ..symbol.symbol import topo_order
    order = topo_order(sym._outputs)
    var_nodes = [n for n in order if n.op is None]
    given = {n.name: tuple(s) for n, s in zip(var_nodes, in_shapes) if s is not None}
    shapes = infer_graph_shapes(order, given)
    return [shapes.get((id(n), 0)) for n in var_nodes], [shapes.get((id(n), i)) for n, i in sym._outputs]


def _sub_types(sym, in_types):
    """Type inference on a body: the head types (float32 where unknown)."""
    from ..symbol.infer import infer_graph_types
    from ..symbol.symbol import topo_order
    order = topo_order(sym._outputs)
    var_nodes = [n for n in order if n.op is None]
    given = {n.name: np.dtype(t) for n, t in zip(var_nodes, in_types) if t is not None}
    types = infer_graph_types(order, given)
    heads = [types.get((id(n), i)) for n, i in sym._outputs]
    return [t if t is not None else np.dtype(np.float32) for t in heads]


def _fill_shapes(in_shapes, locs, body_ins):
    """Fill the node's unknown input shapes from the body's inferred input shapes (``locs[p]``
    is the node input of body input p)."""
    for p, l in enumerate(locs):
        if in_shapes[l] is None and body_ins[p] is not None:
            in_shapes[l] = body_ins[p]


def _known(s):
    return s is not None and 0 not in s


def _same(a, b):
    return a is None or b is None or len(a) == len(b) and all(x == y or not x or not y for x, y in zip(a, b))


def _check_heads(opname, sub, attrs):
    if sub.num_heads != attrs.num_outputs:
        raise MXNetError("{}: num_outputs={} but the subgraph has {} outputs".format(
            opname, attrs.num_outputs, sub.num_heads))


# -- saved per-step values (forward -> backward) ----------------------------------------------------
_SAVED = {}


def _save(xp, outputs, state, fresh_first):
    """Keep ``state`` for the backward of this call, keyed by the first output (which must not be
    referenced from ``state``, or the entry would keep itself alive: copy it unless fresh)."""
    if not fresh_first:
        outputs[0] = xp.array(outputs[0], copy=True)
    key = id(outputs[0])

    def _drop(_ref, key=key):
        _SAVED.pop(key, None)
    _SAVED[key] = (weakref.ref(outputs[0], _drop), state)


def _load(outputs):
    hit = _SAVED.get(id(outputs[0]))
    if hit is not None and hit[0]() is outputs[0]:
        return hit[1]
    return None


def _fresh(xp, outs, inputs):
    """Outputs never alias the op's inputs (nor each other): the saved state is keyed by them."""
    seen = set(id(x) for x in inputs)
    res = []
    for o in outs:
        if id(o) in seen:
            o = xp.array(o, copy=True)
        seen.add(id(o))
        res.append(o)
    return res


def _acc(grads, i, g):
    if g is not None:
        grads[i] = g if grads[i] is None else grads[i] + g


def _input_grads(xp, grads, inputs):
    """The op's input gradients: zeros where there is none, in each input's dtype."""
    return [(g if g is not None else xp.zeros_like(x)).astype(x.dtype, copy=False) for g, x in zip(grads, inputs)]


def _forward(run, fresh_first):
    """The forward of a control-flow op whose ``run(env, attrs, inputs, keep)`` returns
    (outputs, state for the backward); ``fresh_first(attrs)``: the first output is never an
    input's array (see :func:`_save`)."""
    def forward(env, attrs, inputs, aux):
        outs, state = run(env, attrs, inputs, env.is_train)
        if env.is_train:
            _save(env.xp, outs, state, fresh_first(attrs))
        return tuple(outs)
    return forward


def _saved(run, env, attrs, inputs, outputs):
    """The state the training forward saved for ``outputs`` (recomputed when there is none)."""
    state = _load(outputs)
    return state if state is not None else run(env, attrs, inputs, True)[1]


_SUBGRAPH_COUNT = {1: "the subgraph counts as one", 2: "the two subgraphs count as two",
                   3: "the three subgraphs count as three"}


def _register(name, run, backward, infer_shape_full, infer_type, nsub, params, doc, fresh_first=lambda attrs: False):
    """Register a control-flow op with ``nsub`` subgraphs: parameters num_args, num_outputs, then
    ``params``; inputs data0, data1, ..."""
    params = (Param("num_args", Int, doc="Number of inputs ({}).".format(_SUBGRAPH_COUNT[nsub])),
              Param("num_outputs", Int, doc="The number of outputs of the subgraph.")) + tuple(params)
    register(OpDef(
        name, _forward(run, fresh_first), backward=backward, params=params,
        inputs=_var_inputs(nsub), all_inputs=("data",), key_var_num_args="num_args", outputs=_num_outputs,
        infer_shape=lambda attrs, shapes: infer_shape_full(attrs, shapes, [])[1],
        infer_shape_full=infer_shape_full, infer_type=infer_type, doc=doc))


def _input_locs(body):
    return Param(body + "_input_locs", Locs, doc="The locations of {}'s inputs in the given inputs.".format(body))


def _num_outputs(attrs):
    n = attrs.num_outputs
    return ["output"] if n == 1 else ["output%d" % i for i in range(n)]


def _var_inputs(nsub):
    return lambda attrs: ["data%d" % i for i in range(attrs.num_args - nsub)]


# -- _foreach ---------------------------------------------------------------------------------------
def _fe_split(attrs, inputs):
    nd, ns = len(attrs.in_data_locs), len(attrs.in_state_locs)
    return inputs[:nd], inputs[nd:nd + ns], inputs[nd + ns:]


def _fe_check(attrs, inputs):
    nd, ns, nr = len(attrs.in_data_locs), len(attrs.in_state_locs), len(attrs.remain_locs)
    if nd + ns + nr != len(inputs):
        raise MXNetError("_foreach: {} inputs but in_data_locs, in_state_locs and remain_locs list {}".format(
            len(inputs), nd + ns + nr))
    if nd == 0:
        raise MXNetError("_foreach: needs at least one data input")


def _fe_run(env, attrs, inputs, keep):
    sub = _bodies(attrs, "_foreach", 1).plan(0)
    _check_heads("_foreach", sub, attrs)
    _fe_check(attrs, inputs)
    data, states, remain = _fe_split(attrs, inputs)
    lengths = {int(d.shape[0]) if d.ndim else None for d in data}
    if len(lengths) != 1 or None in lengths:
        raise MXNetError("_foreach: all data inputs need the same length along axis 0; got shapes {}".format(
            [tuple(d.shape) for d in data]))
    steps = lengths.pop()
    if steps == 0:
        raise MXNetError("_foreach: the data has length 0 along axis 0")
    nout = attrs.num_out_data
    n_in = len(sub.in_slots)
    saved, step_outs = [], []
    ins = [None] * n_in
    for loc, r in zip(attrs.remain_locs, remain):
        ins[loc] = r
    for t in range(steps):
        for loc, d in zip(attrs.in_data_locs, data):
            ins[loc] = d[t]
        for loc, s in zip(attrs.in_state_locs, states):
            ins[loc] = s
        values, heads = sub.run(env, ins)
        new_states = heads[nout:]
        for i, (old, new) in enumerate(zip(states, new_states)):
            if tuple(old.shape) != tuple(new.shape):
                raise MXNetError("_foreach: loop state {} changes shape from {} to {} in step {}".format(
                    i, tuple(old.shape), tuple(new.shape), t))
        states = new_states
        step_outs.append(heads[:nout])
        if keep:
            saved.append(values)
    xp = env.xp
    outs = [xp.stack([so[i] for so in step_outs]) for i in range(nout)] + list(states)
    return _fresh(xp, outs, inputs), saved


def _foreach_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    saved = _saved(_fe_run, env, attrs, inputs, outputs)
    sub = attrs.subgraphs.plan(0)
    data, states, remain = _fe_split(attrs, inputs)
    nout, nd, ns = attrs.num_out_data, len(data), len(states)
    g_out = out_grads[:nout]
    g_states = list(out_grads[nout:])
    g_data = [xp.zeros_like(d) for d in data]
    g_remain = [None] * len(remain)
    for t in range(len(saved) - 1, -1, -1):
        values = saved[t]
        grads = sub.grad(env, values, [g[t] for g in g_out] + g_states)
        for i, loc in enumerate(attrs.in_data_locs):
            if grads[loc] is not None:
                g_data[i][t] = grads[loc]
        g_states = [grads[loc] if grads[loc] is not None else xp.zeros_like(values[sub.in_slots[loc]])
                    for loc in attrs.in_state_locs]
        for i, loc in enumerate(attrs.remain_locs):
            _acc(g_remain, i, grads[loc])
    return _input_grads(xp, g_data + g_states + g_remain, inputs)


def _foreach_shape(attrs, in_shapes, aux_shapes):
    sym = _bodies(attrs, "_foreach", 1)[0]
    _fe_check(attrs, in_shapes)
    data, states, remain = _fe_split(attrs, list(in_shapes))
    nout, n_in = attrs.num_out_data, len(sym.list_inputs())
    if len(sym._outputs) != attrs.num_outputs:
        raise MXNetError("_foreach: num_outputs={} but the subgraph has {} outputs".format(
            attrs.num_outputs, len(sym._outputs)))
    lens = {s[0] for s in data if s is not None and len(s) and s[0]}
    if len(lens) > 1:
        raise MXNetError("_foreach: all data inputs need the same length along axis 0; got shapes {}".format(data))
    for s in data:
        if s is not None and len(s) == 0:
            raise MXNetError("_foreach: data inputs need at least one dimension (the loop axis); got ()")
    steps = lens.pop() if lens else None
    sub_in = [None] * n_in
    for loc, s in zip(attrs.in_data_locs, data):
        sub_in[loc] = tuple(s[1:]) if s is not None else None
    for loc, s in zip(attrs.in_state_locs, states):
        sub_in[loc] = s
    for loc, s in zip(attrs.remain_locs, remain):
        sub_in[loc] = s
    ins, outs = _sub_shapes(sym, sub_in)
    again = False
    for i, loc in enumerate(attrs.in_state_locs):
        si, so = ins[loc], outs[nout + i]
        if not _same(si, so):
            raise MXNetError("_foreach: the shape of loop state {} changes in the body: init_states[{}] has "
                             "shape {}, the body returns {}".format(i, i, si, so))
        if not _known(si) and _known(so):
            sub_in[loc] = so
            again = True
    if again:
        ins, outs = _sub_shapes(sym, sub_in)
    new_in = [(steps,) + tuple(ins[loc]) if steps and ins[loc] is not None else s
              for loc, s in zip(attrs.in_data_locs, data)]
    new_in += [ins[loc] for loc in attrs.in_state_locs] + [ins[loc] for loc in attrs.remain_locs]
    out_s = [(steps,) + tuple(o) if (steps and o is not None) else None for o in outs[:nout]]
    out_s += [o if o is not None else ins[loc] for o, loc in zip(outs[nout:], attrs.in_state_locs)]
    return new_in, out_s, list(aux_shapes)


def _foreach_type(attrs, in_dtypes):
    sym = _bodies(attrs, "_foreach", 1)[0]
    n_in = len(sym.list_inputs())
    sub = [None] * n_in
    locs = list(attrs.in_data_locs) + list(attrs.in_state_locs) + list(attrs.remain_locs)
    for loc, t in zip(locs, in_dtypes):
        sub[loc] = t
    return _sub_types(sym, sub)


def _has_out_data(attrs):
    return attrs.num_out_data > 0


_register("_foreach", _fe_run, _foreach_backward, _foreach_shape, _foreach_type, 1, (
    Param("num_out_data", Int, doc="The number of output data of the subgraph."),
    Param("in_state_locs", Locs, doc="The locations of loop states among the inputs."),
    Param("in_data_locs", Locs, doc="The locations of input data among the inputs."),
    Param("remain_locs", Locs, doc="The locations of remaining data among the inputs.")),
    "Run a for loop over an NDArray with user-defined computation", fresh_first=_has_out_data)


# -- _while_loop ------------------------------------------------------------------------------------
def _wl_run(env, attrs, inputs, keep):
    bodies = _bodies(attrs, "_while_loop", 2)
    cond, func = bodies.plan(0), bodies.plan(1)
    xp = env.xp
    nout = attrs.num_out_data
    if cond.num_heads != 1:
        raise MXNetError("_while_loop: the condition subgraph must have one output, it has {}".format(cond.num_heads))
    _check_heads("_while_loop", func, attrs)
    nvars = attrs.num_outputs - nout
    if len(attrs.func_var_locs) != nvars:
        raise MXNetError("_while_loop: {} loop variables (func_var_locs) but the body returns {}".format(
            len(attrs.func_var_locs), nvars))
    var_in = [attrs.func_input_locs[l] for l in attrs.func_var_locs]   # node input of loop var j
    cur = list(inputs)
    saved, step_outs = [], []
    steps = 0
    while steps < attrs.max_iterations:
        _, (pred,) = cond.run(env, [cur[l] for l in attrs.cond_input_locs])
        if pred.size != 1:
            raise MXNetError("_while_loop: the condition must be a scalar (one element), got shape {}".format(
                tuple(pred.shape)))
        if not bool(pred.reshape(-1)[0]):
            break
        values, heads = func.run(env, [cur[l] for l in attrs.func_input_locs])
        for j, (k, new) in enumerate(zip(var_in, heads[nout:])):
            if tuple(cur[k].shape) != tuple(new.shape):
                raise MXNetError("_while_loop: loop variable {} changes shape from {} to {} in step {}".format(
                    j, tuple(cur[k].shape), tuple(new.shape), steps))
            cur[k] = new
        step_outs.append(heads[:nout])
        if keep:
            saved.append(values)
        steps += 1
    outs = []
    for i in range(nout):
        if step_outs:
            rows = [so[i] for so in step_outs]
            st = xp.stack(rows)
            if steps < attrs.max_iterations:
                pad = xp.zeros((attrs.max_iterations - steps,) + tuple(rows[0].shape), dtype=st.dtype)
                st = xp.concatenate([st, pad], axis=0)
        else:   # the loop never ran: zeros of the inferred shapes
            shapes = _while_shape(attrs, [tuple(x.shape) for x in inputs], [])[1]
            types = _while_type(attrs, [x.dtype for x in inputs])
            if shapes[i] is None:
                raise MXNetError("_while_loop: cannot infer the shape of output {} when the loop does "
                                 "not run".format(i))
            st = xp.zeros(shapes[i], dtype=types[i])
        outs.append(st)
    outs += [cur[k] for k in var_in]
    return _fresh(xp, outs, inputs), saved


def _while_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    saved = _saved(_wl_run, env, attrs, inputs, outputs)
    func = attrs.subgraphs.plan(1)
    nout = attrs.num_out_data
    var_pos = {p: j for j, p in enumerate(attrs.func_var_locs)}     # func input position -> loop var
    var_in = [attrs.func_input_locs[l] for l in attrs.func_var_locs]
    g_out = out_grads[:nout]
    g_vars = list(out_grads[nout:])
    grads = [None] * len(inputs)
    for t in range(len(saved) - 1, -1, -1):
        values = saved[t]
        sg = func.grad(env, values, [g[t] for g in g_out] + g_vars)
        new_vars = [None] * len(g_vars)
        for p, g in enumerate(sg):
            if p in var_pos:
                new_vars[var_pos[p]] = g
            else:
                _acc(grads, attrs.func_input_locs[p], g)
        g_vars = [g if g is not None else xp.zeros_like(v) for g, v in zip(new_vars, g_vars)]
    for k, g in zip(var_in, g_vars):
        _acc(grads, k, g)
    return _input_grads(xp, grads, inputs)


def _while_shape(attrs, in_shapes, aux_shapes):
    bodies = _bodies(attrs, "_while_loop", 2)
    func = bodies[1]
    nout = attrs.num_out_data
    in_shapes = list(in_shapes)
    var_in = [attrs.func_input_locs[l] for l in attrs.func_var_locs]
    ins, outs = _sub_shapes(func, [in_shapes[l] for l in attrs.func_input_locs])
    if len(outs) != attrs.num_outputs:
        raise MXNetError("_while_loop: num_outputs={} but the body has {} outputs".format(attrs.num_outputs, len(outs)))
    for j, k in enumerate(var_in):
        si, so = ins[attrs.func_var_locs[j]], outs[nout + j]
        if not _same(si, so):
            raise MXNetError("_while_loop: the shape of loop variable {} changes in the body: loop_vars[{}] has "
                             "shape {}, the body returns {}".format(j, j, si, so))
        if in_shapes[k] is None and _known(so):
            in_shapes[k] = so
    _fill_shapes(in_shapes, attrs.func_input_locs, ins)
    cins, _ = _sub_shapes(bodies[0], [in_shapes[l] for l in attrs.cond_input_locs])
    _fill_shapes(in_shapes, attrs.cond_input_locs, cins)
    out_s = [(attrs.max_iterations,) + tuple(o) if o is not None else None for o in outs[:nout]]
    out_s += [in_shapes[k] if in_shapes[k] is not None else o for k, o in zip(var_in, outs[nout:])]
    return in_shapes, out_s, list(aux_shapes)


def _while_type(attrs, in_dtypes):
    func = _bodies(attrs, "_while_loop", 2)[1]
    return _sub_types(func, [in_dtypes[l] for l in attrs.func_input_locs])


_register("_while_loop", _wl_run, _while_backward, _while_shape, _while_type, 2, (
    Param("num_out_data", Int, doc="The number of outputs from the function body."),
    Param("max_iterations", Int, doc="Maximum number of iterations."),
    _input_locs("cond"), _input_locs("func"),
    Param("func_var_locs", Locs, doc="The locations of loop_vars among func's inputs.")),
    "Run a while loop over with user-defined condition and computation", fresh_first=_has_out_data)


# -- _cond ------------------------------------------------------------------------------------------
_BRANCH_LOCS = ("then_input_locs", "else_input_locs")


def _cond_run(env, attrs, inputs, keep=True):
    bodies = _bodies(attrs, "_cond", 3)
    pred_plan = bodies.plan(0)
    if pred_plan.num_heads != 1:
        raise MXNetError("_cond: the predicate subgraph must have one output, it has {}".format(pred_plan.num_heads))
    _, (pred,) = pred_plan.run(env, [inputs[l] for l in attrs.cond_input_locs])
    if pred.size != 1:
        raise MXNetError("_cond: the predicate must be a scalar (one element), got shape {}".format(tuple(pred.shape)))
    branch = 0 if bool(pred.reshape(-1)[0]) else 1
    sub = bodies.plan(1 + branch)
    _check_heads("_cond", sub, attrs)
    values, heads = sub.run(env, [inputs[l] for l in attrs[_BRANCH_LOCS[branch]]])
    return _fresh(env.xp, heads, inputs), (branch, values)


def _cond_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    branch, values = _saved(_cond_run, env, attrs, inputs, outputs)
    sub = attrs.subgraphs.plan(1 + branch)
    grads = [None] * len(inputs)
    for l, g in zip(attrs[_BRANCH_LOCS[branch]], sub.grad(env, values, list(out_grads))):
        _acc(grads, l, g)
    return _input_grads(xp, grads, inputs)


def _cond_shape(attrs, in_shapes, aux_shapes):
    bodies = _bodies(attrs, "_cond", 3)
    in_shapes = list(in_shapes)
    results = []
    for b, locs in ((1, attrs.then_input_locs), (2, attrs.else_input_locs)):
        ins, outs = _sub_shapes(bodies[b], [in_shapes[l] for l in locs])
        if len(outs) != attrs.num_outputs:
            raise MXNetError("_cond: num_outputs={} but the {} branch has {} outputs".format(
                attrs.num_outputs, ("then", "else")[b - 1], len(outs)))
        _fill_shapes(in_shapes, locs, ins)
        results.append(outs)
    out_s = []
    for i, (a, b) in enumerate(zip(*results)):
        if not _same(a, b):
            raise MXNetError("_cond: output {} has shape {} in the then branch but {} in the else "
                             "branch".format(i, a, b))
        out_s.append(a if a is not None else b)
    return in_shapes, out_s, list(aux_shapes)


def _cond_type(attrs, in_dtypes):
    then = _bodies(attrs, "_cond", 3)[1]
    return _sub_types(then, [in_dtypes[l] for l in attrs.then_input_locs])


_register("_cond", _cond_run, _cond_backward, _cond_shape, _cond_type, 3,
          (_input_locs("cond"), _input_locs("then"), _input_locs("else")),
          "Run a if-then-else using user-defined condition and computation")
