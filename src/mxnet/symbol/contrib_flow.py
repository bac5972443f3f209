"""``mx.sym.contrib.foreach`` / ``while_loop`` / ``cond``: build one ``_foreach`` / ``_while_loop`` /
``_cond`` node holding the body as subgraph Symbols, as MXNet 1.9.1 does.

The body runs once on fresh variables inside ``AttrScope(__subgraph_name__=...)``; every edge from
a node of the body to a node outside it (a weight variable, an outer computation) is cut into a
new body variable named after that entry, and the outer entry becomes an input of the node. The
``*_locs`` parameters map the node's inputs to the bodies' inputs (see ops/control_flow.py)."""
import copy
from collections import defaultdict

from .. import attribute, name as _name
from ..attribute import AttrScope
from ..base import MXNetError
from ..ndarray.contrib_flow import _UsageError, _flatten_nested, _regroup, _step_lists, _check_max_iterations
from ..ops.control_flow import Locs
from ..ops.registry import get_op
from .symbol import Node, Symbol, Variable, Group, topo_order

__all__ = ["foreach", "while_loop", "cond"]

_SUBGRAPH_NAMES = defaultdict(int)
_ATTR = "__subgraph_name__"


# -- helpers (nested lists of symbols) --------------------------------------------------------------
def _sym_leaf(x):
    if not isinstance(x, Symbol):
        return None
    n = len(x._outputs)
    return ([x], 0) if n == 1 else (list(x), n)


def _flatten(args, inout_str):
    return _flatten_nested(args, inout_str, _sym_leaf, "Symbol")


def _uniq_name(sym):
    node, i = sym._outputs[0]
    return "{}-{}".format(node.name, i)


def _unique_subgraph_name(name):
    outer = attribute.current()._attr.get(_ATTR, "")
    if outer:
        name = outer + "$" + name
    _SUBGRAPH_NAMES[name] += 1
    return name + str(_SUBGRAPH_NAMES[name] - 1)


def _head_attr(sym):
    return sym._outputs[0][0].attrs.get(_ATTR, "")


def _identity(s):
    from .symbol import _sym_op
    return _sym_op("identity")(s)


def _finish_outputs(outputs, name, extra_identity=()):
    """Outputs that are body inputs or not built inside the body go through an identity (made
    inside the scope), so every head is a body node (MXNet's _construct_subgraph)."""
    all_inputs = set(Group(outputs).list_inputs()) if outputs else set()
    res = []
    for o in outputs:
        if o.name in all_inputs or _head_attr(o) != name or o.name in extra_identity:
            o = _identity(o)
        res.append(o)
    return res


def _cut_subgraph(g, name):
    """Replace every input edge of a body node that comes from outside the body with a new
    variable named after the entry; returns {new variable name: outer entry}."""
    cut = {}          # (id(node), index) -> new variable node
    outer = {}
    if not g._outputs or _head_attr(Symbol([g._outputs[0]])) != name:
        return outer
    for n in topo_order(g._outputs):
        if n.attrs.get(_ATTR) != name or n.op is None:
            continue
        new_inputs = []
        for src, j in n.inputs:
            if src.attrs.get(_ATTR) == name:
                new_inputs.append((src, j))
                continue
            key = (id(src), j)
            v = cut.get(key)
            if v is None:
                vname = src.name if src.op is None else src.output_name(j)
                if vname in outer and outer[vname] != (src, j):
                    raise MXNetError("control flow: two different outer inputs of the body are both named {!r}".format(
                        vname))
                v = cut[key] = Node(None, vname)
                outer[vname] = (src, j)
            new_inputs.append((v, 0))
        n.inputs = new_inputs
    return outer


def _check_unique(names):
    if len(set(names)) != len(names):
        raise MXNetError("The inputs of the subgraph don't have unique names: " + str(names))


class _Inputs:
    """The node's inputs: outer entries, deduplicated, in first-use order."""

    def __init__(self):
        self.entries = []
        self.index = {}

    def add(self, entry):
        key = (id(entry[0]), entry[1])
        loc = self.index.get(key)
        if loc is None:
            loc = self.index[key] = len(self.entries)
            self.entries.append(entry)
        return loc


def _body_inputs(g, name, known):
    """Outer entry of each body input (``known``: body variable name -> outer entry)."""
    cut = _cut_subgraph(g, name)
    names = g.list_inputs()
    _check_unique(names)
    var_nodes = [n for n in topo_order(g._outputs) if n.op is None]
    res = []
    for nm, node in zip(names, var_nodes):
        if nm in known:
            res.append(known[nm])
        elif nm in cut:
            res.append(cut[nm])
        else:   # a variable created inside the body (e.g. a Gluon parameter): an input of the node
            res.append((node, 0))
    return names, res


def _make_node(opname, entries, subgraphs, params, num_outputs):
    op = get_op(opname)
    node = Node(op, _name.current().get(None, opname), {k: str(v) for k, v in params.items()},
                attribute.current().get(None), entries, subgraphs)
    node.parsed   # validate now
    return [Symbol([(node, i)]) for i in range(num_outputs)]


_locs = Locs.to_str


# -- foreach ----------------------------------------------------------------------------------------
def foreach(body, data, init_states, name="foreach"):
    """Run a for loop with user-defined computation over Symbols on dimension 0.

    ``out, states = body(data1, states)`` is traced once into a subgraph; ``data1`` is a slice of
    ``data`` (a symbol, or a list when ``data`` is a list). Returns ``(outputs, states)``: the
    per-step outputs stacked on axis 0 and the states after the last step.

    Parameters
    ----------
    body : a Python function ``(data_slice, states) -> (outputs, new_states)``.
    data : a Symbol or a nested list of Symbols.
    init_states : a Symbol or nested lists of Symbols: the initial loop states.
    name : string, the prefix of the subgraph name.
    """
    flat_data, data_fmt = _flatten(data, "foreach input")
    flat_states, state_fmt = _flatten(init_states, "foreach states")
    if not flat_data:
        raise _UsageError("foreach: data should be a symbol or a nested list of symbols")
    sg_name = _unique_subgraph_name(name)
    with AttrScope(**{_ATTR: sg_name}):
        in_eles = [Variable(_uniq_name(s)) for s in flat_data]
        in_eles, _ = _regroup(in_eles, data_fmt)
        states = [Variable(_uniq_name(s)) for s in flat_states]
        states, _ = _regroup(states, copy.deepcopy(state_fmt))
        sym_out, sym_states = body(in_eles, states)
        sym_out, out_fmt = _flatten(sym_out, "foreach output")
        sym_states, new_state_fmt = _flatten(sym_states, "foreach loop_vars")
        if new_state_fmt != state_fmt:
            raise _UsageError("foreach: the body returns states of format {} but init_states have format {}".format(
                new_state_fmt, state_fmt))
        num_out_data = len(sym_out)
        num_outputs = num_out_data + len(sym_states)
        outs = _finish_outputs(sym_out, sg_name)
        out_names = {o.name for o in sym_out}
        sts = _finish_outputs(sym_states, sg_name, extra_identity=out_names)
        g = Group(outs + sts)
    data_names = [_uniq_name(s) for s in flat_data]
    state_names = [_uniq_name(s) for s in flat_states]
    known = {n: s._outputs[0] for n, s in zip(data_names + state_names, flat_data + flat_states)}
    names, entries = _body_inputs(g, sg_name, known)
    for dn in data_names:
        if dn not in names:
            raise _UsageError("foreach: the data arrays have to be used in the loop body ({} is not)".format(dn))
    for sn in state_names:
        if sn not in names:
            raise _UsageError("foreach: the state arrays have to be used in the loop body ({} is not)".format(sn))
    in_data_locs = [names.index(n) for n in data_names]
    in_state_locs = [names.index(n) for n in state_names]
    special = set(in_data_locs) | set(in_state_locs)
    remain_locs = [i for i in range(len(names)) if i not in special]
    ordered = [known[n] for n in data_names] + [known[n] for n in state_names] + [entries[i] for i in remain_locs]
    ret = _make_node("_foreach", ordered, [g], {
        "num_args": len(ordered) + 1, "num_outputs": num_outputs, "num_out_data": num_out_data,
        "in_state_locs": _locs(in_state_locs), "in_data_locs": _locs(in_data_locs),
        "remain_locs": _locs(remain_locs)}, num_outputs)
    outs, _ = _regroup(ret[:num_out_data], out_fmt)
    states, _ = _regroup(ret[num_out_data:], state_fmt)
    return outs, states


# -- while_loop -------------------------------------------------------------------------------------
def while_loop(cond, func, loop_vars, max_iterations=None, name="while_loop"):
    """Run a while loop with user-defined computation and loop condition.

    ``cond(*loop_vars) -> Symbol`` (a scalar) and ``func(*loop_vars) -> (step_output,
    new_loop_vars)`` are traced into two subgraphs. Returns ``(outputs, final_loop_vars)``; the
    step outputs are stacked on axis 0 with ``max_iterations`` rows (rows after the last step are
    zeros).
    """
    flat_vars, var_fmt = _flatten(loop_vars, "while loop_vars")
    max_iterations = _check_max_iterations(max_iterations)
    if len(flat_vars) == 0:
        raise ValueError("loop_vars should contain at least one element")
    var_names = [_uniq_name(s) for s in flat_vars]

    def _subgraph(graph_name, wrapper):
        sg = _unique_subgraph_name(graph_name)
        with AttrScope(**{_ATTR: sg}):
            new_vars = [Variable(n) for n in var_names]
            new_vars, _ = _regroup(new_vars, var_fmt)
            outputs, states, out_fmt = wrapper([new_vars] if isinstance(new_vars, Symbol) else new_vars)
            g = Group(_finish_outputs(outputs + states, sg))
        return g, sg, len(outputs), len(outputs) + len(states), out_fmt

    def _cond_wrapper(lv):
        result = cond(*lv)
        if not isinstance(result, Symbol):
            raise ValueError("Return of cond must be a Symbol")
        return [], [result], None

    def _func_wrapper(lv):
        step_output, new_loop_vars = _step_lists(func(*lv))
        step_output, out_fmt = _flatten(step_output, "while output")
        new_loop_vars, _ = _flatten(new_loop_vars, "while loop_vars")
        if len(lv) != len(new_loop_vars):
            raise ValueError("The number of loop_vars should be consistent during the loop")
        return step_output, new_loop_vars, out_fmt

    cond_g, cond_name, _, n_cond, _ = _subgraph(name + "_cond", _cond_wrapper)
    if n_cond != 1:
        raise ValueError("cond should return a single Symbol")
    func_g, func_name, num_out_data, num_outputs, out_fmt = _subgraph(name + "_func", _func_wrapper)
    known = {n: s._outputs[0] for n, s in zip(var_names, flat_vars)}
    inputs = _Inputs()
    cond_names, cond_entries = _body_inputs(cond_g, cond_name, known)
    func_names, func_entries = _body_inputs(func_g, func_name, known)
    cond_input_locs = [inputs.add(e) for e in cond_entries]
    func_input_locs = [inputs.add(e) for e in func_entries]
    func_var_locs = []
    for i, n in enumerate(var_names, 1):
        if n not in func_names:
            raise ValueError("The %d-th loop_var doesn't involve into the computation" % i)
        func_var_locs.append(func_names.index(n))
    ret = _make_node("_while_loop", inputs.entries, [cond_g, func_g], {
        "num_args": len(inputs.entries) + 2, "num_outputs": num_outputs, "num_out_data": num_out_data,
        "max_iterations": max_iterations, "cond_input_locs": _locs(cond_input_locs),
        "func_input_locs": _locs(func_input_locs), "func_var_locs": _locs(func_var_locs)}, num_outputs)
    outputs = ret[:num_out_data]
    if num_out_data:
        outputs, _ = _regroup(outputs, out_fmt)
    final, _ = _regroup(ret[num_out_data:], var_fmt)
    return outputs, final


# -- cond -------------------------------------------------------------------------------------------
def cond(pred, then_func, else_func, name="cond"):
    """Run an if-then-else using user-defined condition and computation.

    ``pred`` is a scalar Symbol; ``then_func()`` and ``else_func()`` return the same number of
    Symbols (same shapes and dtypes). Returns the chosen branch's outputs.
    """
    def _subgraph(func, graph_name):
        sg = _unique_subgraph_name(graph_name)
        with AttrScope(**{_ATTR: sg}):
            outputs = func()
            outputs, fmt = _flatten(outputs, "cond outputs")
            g = Group(_finish_outputs(outputs, sg))
        return g, sg, len(outputs), fmt

    if not isinstance(pred, Symbol):
        raise ValueError("cond: pred must be a Symbol, got {}".format(type(pred).__name__))
    cond_g, cond_name, n_pred, _ = _subgraph(lambda: pred, name + "_pred")
    if n_pred != 1:
        raise ValueError("pred should always be a single output")
    then_g, then_name, n_then, then_fmt = _subgraph(then_func, name + "_then")
    else_g, else_name, n_else, _ = _subgraph(else_func, name + "_else")
    if n_then != n_else:
        raise ValueError("Number of outputs differs between then-branch and else-branch")
    inputs = _Inputs()
    locs = []
    for g, nm in ((cond_g, cond_name), (then_g, then_name), (else_g, else_name)):
        _, entries = _body_inputs(g, nm, {})
        locs.append([inputs.add(e) for e in entries])
    ret = _make_node("_cond", inputs.entries, [cond_g, then_g, else_g], {
        "num_args": len(inputs.entries) + 3, "num_outputs": n_then, "cond_input_locs": _locs(locs[0]),
        "then_input_locs": _locs(locs[1]), "else_input_locs": _locs(locs[2])}, n_then)
    outputs, _ = _regroup(ret, then_fmt)
    return outputs


def _install(module):
    """Expose the functions in ``mx.sym.contrib``."""
    module.foreach = foreach
    module.while_loop = while_loop
    module.cond = cond
