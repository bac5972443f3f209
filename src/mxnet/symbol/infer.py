"""Shape and type inference over a Symbol graph, using each operator's registry rules.

Shapes propagate forward in graph order; operators with ``infer_shape_full`` (FullyConnected,
Convolution, BatchNorm...) also fill unknown input shapes (weights from data), and element-wise
operators give every input the shape of the others. Passes repeat until nothing changes."""
import warnings

import numpy as np

from ..base import MXNetError, to_dtype, FLAG_TO_DTYPE
from .symbol import topo_order, _aux_ids

__all__ = ["infer_shape", "infer_type", "infer_graph_shapes"]


def _shape_attr_dims(text):
    """A variable's ``__shape__`` attribute as a tuple (0 = unknown), or None if unreadable."""
    try:
        vals = tuple(int(v) for v in text.strip("()[] ").split(",") if v.strip())
    except ValueError:
        return None
    return vals or None


def _parse_shape_attr(text):
    vals = _shape_attr_dims(text)
    # partial __shape__ hints (0 = unknown, e.g. Gluon's deferred weights) are left to inference:
    # the operators' own rules fill them from the data
    return None if (vals is None or 0 in vals) else vals



def _given(sym, args, kwargs, order, parse):
    aux = _aux_ids(order)
    arg_names = [n.name for n in order if n.op is None and id(n) not in aux]
    given = {}
    if args:
        if len(args) > len(arg_names):
            raise MXNetError("too many positional shapes/types: {} for arguments {}".format(len(args), arg_names))
        for nm, v in zip(arg_names, args):
            if v is not None:
                given[nm] = parse(v)
    names = {n.name for n in order if n.op is None}
    for k, v in kwargs.items():
        if k not in names:
            raise MXNetError("infer: '{}' is not an input of the symbol; inputs are {}".format(
                k, [n.name for n in order if n.op is None]))
        if v is not None:
            given[k] = parse(v)
    return given


def infer_graph_shapes(order, var_shapes):
    """{(id(node), i): shape} for every entry, given variable shapes {name: shape}.

    Raises MXNetError naming the node and both shapes on an inconsistency."""
    shapes = {}
    for n in order:
        if n.op is None:
            s = var_shapes.get(n.name)
            if s is None and "__shape__" in n.attrs:
                s = _parse_shape_attr(n.attrs["__shape__"])
            elif s is not None and 0 in s and "__shape__" in n.attrs:
                # a partly given shape takes the unknown dimensions from the declared one (MXNet)
                hint = _shape_attr_dims(n.attrs["__shape__"])
                s = (_merge(tuple(s), hint) if hint is not None else None) or s
            shapes[(id(n), 0)] = tuple(s) if s is not None else None
    for _ in range(len(order) + 1):
        changed = False
        for n in order:
            if n.op is None:
                continue
            changed |= _infer_node(n, shapes)
        if not changed:
            break
    return shapes


def _merge(a, b):
    """Combine two shapes where 0 means an unknown dimension; None if they disagree."""
    if len(a) != len(b):
        return None
    out = []
    for x, y in zip(a, b):
        if x and y and x != y:
            return None
        out.append(x or y)
    return tuple(out)


def _set(shapes, key, value, node, what):
    old = shapes.get(key)
    if value is None:
        return False
    value = tuple(int(v) for v in value)
    if old is None:
        shapes[key] = value
        return True
    merged = _merge(old, value)
    if merged is None:
        raise MXNetError("Error in operator {}: shape inconsistent for {}: provided {}, inferred {}".format(
            node.name, what, old, value))
    if merged != old:
        shapes[key] = merged
        return True
    return False


def _infer_node(n, shapes):
    op, attrs = n.op, n.parsed
    k = n.num_inputs()
    in_keys = [(id(s), i) for s, i in n.inputs]
    ins = [shapes.get(key) for key in in_keys[:k]]
    aux = [shapes.get(key) for key in in_keys[k:]]
    names = op.input_names(attrs) + op.aux_names(attrs)
    out_keys = [(id(n), i) for i in range(n.num_outputs())]
    changed = False
    if op.elementwise:
        known = [s for s in ins + [shapes.get(out_keys[0])] if s is not None]
        if known:
            best = known[0]
            for s in known[1:]:
                best = _merge(best, s) or best
            for key, nm in zip(in_keys, names):
                changed |= _set(shapes, key, best, n, "input '{}'".format(nm))
            changed |= _set(shapes, out_keys[0], best, n, "output")
    try:
        new_in, outs, new_aux = op.infer_shapes(attrs, [shapes.get(key) for key in in_keys[:k]], aux)
    except MXNetError as e:
        raise MXNetError("Error in operator {}: {}".format(n.name, e)) from None
    for key, s, nm in zip(in_keys, list(new_in) + list(new_aux), names):
        changed |= _set(shapes, key, s, n, "input '{}'".format(nm))
    for key, s in zip(out_keys, outs):
        changed |= _set(shapes, key, s, n, "output")
    if op.infer_shape_back is not None:
        back = op.infer_shape_back(attrs, [shapes.get(key) for key in in_keys[:k]],
                                   [shapes.get(key) for key in out_keys])
        for key, s, nm in zip(in_keys, back, names):
            changed |= _set(shapes, key, s, n, "input '{}'".format(nm))
    return changed


def infer_shape(sym, args, kwargs, partial=False):
    order = sym._topo()
    given = _given(sym, args, kwargs, order, lambda v: tuple(int(x) for x in v))
    shapes = infer_graph_shapes(order, given)
    aux = _aux_ids(order)
    arg_nodes = [n for n in order if n.op is None and id(n) not in aux]
    aux_nodes = [n for n in order if n.op is None and id(n) in aux]
    arg_shapes = [shapes.get((id(n), 0)) for n in arg_nodes]
    out_shapes = [shapes.get((id(n), i)) for n, i in sym._outputs]
    aux_shapes = [shapes.get((id(n), 0)) for n in aux_nodes]
    if partial:
        fix = lambda lst: [s if s is not None else () for s in lst]  # noqa: E731
        return fix(arg_shapes), fix(out_shapes), fix(aux_shapes)
    missing = [(n.name, ()) for n, s in zip(arg_nodes + aux_nodes, arg_shapes + aux_shapes) if s is None]
    if missing or any(s is None for s in out_shapes):
        warnings.warn("Cannot decide shape for the following arguments (0s in shape means unknown "
                      "dimensions). Consider providing them as input:\n" +
                      "\n".join("\t{}: {}".format(a, b) for a, b in missing), stacklevel=3)
        return None, None, None
    return arg_shapes, out_shapes, aux_shapes


def infer_graph_types(order, var_types):
    """{(id(node), i): numpy dtype} for every entry, given variable dtypes {name: dtype}."""
    types = {}
    for n in order:
        if n.op is None:
            t = var_types.get(n.name)
            if t is None and "__dtype__" in n.attrs:
                t = FLAG_TO_DTYPE.get(int(n.attrs["__dtype__"]))
            types[(id(n), 0)] = t
    for _ in range(len(order) + 1):
        changed = False
        for n in order:
            if n.op is None:
                continue
            keys = [(id(s), i) for s, i in n.inputs]
            ins = [types.get(key) for key in keys]
            if n.op.fill_types is not None and None in ins:
                ins = n.op.fill_types(n.parsed, ins)
            known = [t for t in ins if t is not None]
            if not known:
                if n.num_inputs() == 0:
                    outs = n.op.infer_types(n.parsed, [])
                    for i, t in enumerate(outs):
                        if types.get((id(n), i)) is None:
                            types[(id(n), i)] = np.dtype(t)
                            changed = True
                continue
            filled = [t if t is not None else known[0] for t in ins]
            for key, t in zip(keys, filled):
                if types.get(key) is None:
                    types[key] = t
                    changed = True
            k = n.num_inputs()
            try:
                outs = n.op.infer_types(n.parsed, filled[:k])
            except MXNetError as e:
                raise MXNetError("Error in operator {}: {}".format(n.name, e)) from None
            for i, t in enumerate(outs):
                if types.get((id(n), i)) is None:
                    types[(id(n), i)] = np.dtype(t)
                    changed = True
        if not changed:
            break
    return types


def infer_type(sym, args, kwargs, partial=False):
    order = sym._topo()
    given = _given(sym, args, kwargs, order, lambda v: to_dtype(v))
    types = infer_graph_types(order, given)
    aux = _aux_ids(order)
    arg_nodes = [n for n in order if n.op is None and id(n) not in aux]
    aux_nodes = [n for n in order if n.op is None and id(n) in aux]
    conv = lambda t: None if t is None else np.dtype(t).type  # noqa: E731
    arg_t = [conv(types.get((id(n), 0))) for n in arg_nodes]
    out_t = [conv(types.get((id(n), i))) for n, i in sym._outputs]
    aux_t = [conv(types.get((id(n), 0))) for n in aux_nodes]
    if not partial and (any(t is None for t in arg_t + out_t + aux_t)):
        warnings.warn("Cannot decide type for the following arguments. Consider providing them as input:\n" +
                      "\n".join("\t{}: None".format(n.name) for n, t in zip(arg_nodes + aux_nodes, arg_t + aux_t)
                                if t is None), stacklevel=3)
        return None, None, None
    return arg_t, out_t, aux_t
