"""Symbol graphs in MXNet's JSON format (nnvm SaveJSON / LoadJSON), including legacy files."""
import json

from ..attribute import HIDDEN_KEYS
from ..base import MXNetError
from ..ops.registry import find_op
from .symbol import Node, Symbol, topo_order

__all__ = ["to_json", "load_json", "load"]

_MXNET_VERSION = 10901


def to_json(sym):
    """Serialise ``sym``: nodes in DFS post-order, arg_nodes, node_row_ptr, heads, attrs."""
    graph = _graph_dict(sym)
    graph["attrs"] = {"mxnet_version": ["int", _MXNET_VERSION]}
    return json.dumps(graph, indent=2)


def _graph_dict(sym):
    """The JSON dict of a graph (without the top-level attrs); control-flow nodes carry their
    bodies as a "subgraphs" list of such dicts, as MXNet writes them."""
    order = topo_order(sym._outputs)
    index = {id(n): i for i, n in enumerate(order)}
    nodes, arg_nodes, row_ptr = [], [], [0]
    for i, n in enumerate(order):
        entry = {"op": "null" if n.op is None else n.op.name, "name": n.name}
        attrs = dict(n.params)
        attrs.update(n.attrs)
        if attrs:
            entry["attrs"] = {k: attrs[k] for k in sorted(attrs)}
        k = 0 if n.op is None else n.num_inputs()
        entry["inputs"] = [[index[id(s)], j, 1 if pos >= k and n.op is not None else 0]
                           for pos, (s, j) in enumerate(n.inputs)]
        if n.subgraphs:
            entry["subgraphs"] = [_graph_dict(g) for g in n.subgraphs]
        nodes.append(entry)
        if n.op is None:
            arg_nodes.append(i)
        row_ptr.append(row_ptr[-1] + n.num_outputs())
    return {"nodes": nodes, "arg_nodes": arg_nodes, "node_row_ptr": row_ptr,
            "heads": [[index[id(n)], j, 0] for n, j in sym._outputs]}


def _split_attrs(op, raw):
    """Separate an op node's parameters from its other attributes."""
    params, attrs = {}, {}
    for k, v in raw.items():
        if op is not None and k in op.param_map:
            params[k] = v
        elif k in HIDDEN_KEYS:
            attrs["__{}__".format(k)] = v
        else:
            attrs[k] = v
    return params, attrs


def load_json(json_str):
    """A Symbol from MXNet JSON (any 1.x version; legacy ``param``/``attr`` keys accepted)."""
    try:
        graph = json.loads(json_str)
    except (ValueError, TypeError) as e:
        raise MXNetError("invalid symbol JSON: {}".format(e)) from None
    if not isinstance(graph, dict):
        raise MXNetError("invalid symbol JSON: expected an object, got {}".format(type(graph).__name__))
    return _load_graph(graph, "mxnet_version" not in (graph.get("attrs") or {}))


def _load_graph(graph, legacy):
    try:
        raw_nodes = graph["nodes"]
        heads = graph["heads"]
    except (KeyError, TypeError) as e:
        raise MXNetError("invalid symbol JSON: {}".format(e)) from None
    nodes = []
    for i, rn in enumerate(raw_nodes):
        try:
            opname = rn["op"]
            name = rn["name"]
            raw = dict(rn.get("attrs") or rn.get("attr") or {})
            raw.update(rn.get("param") or {})
            inputs = rn.get("inputs", [])
        except (KeyError, TypeError, AttributeError) as e:
            raise MXNetError("invalid symbol JSON: node {}: {}".format(i, e)) from None
        op = None
        if opname != "null":
            op = find_op(opname)
            if op is None:
                raise MXNetError("symbol JSON node '{}' uses unknown operator '{}'".format(name, opname))
        params, attrs = _split_attrs(op, raw)
        entries = []
        for e in inputs:
            if not isinstance(e, list) or len(e) < 2 or not 0 <= e[0] < i:
                raise MXNetError("invalid symbol JSON: node '{}' has a bad input entry {}".format(name, e))
            entries.append((nodes[e[0]], int(e[1])))
        subgraphs = rn.get("subgraphs") or []
        if not isinstance(subgraphs, list) or not all(isinstance(g, dict) for g in subgraphs):
            raise MXNetError("invalid symbol JSON: node '{}' has a bad subgraphs list".format(name))
        node = Node(op, name, params, attrs, entries, [_load_graph(g, legacy) for g in subgraphs])
        if op is not None:
            if legacy and op.name in ("argmax", "argmin") and params.get("axis") == "-1":
                params.pop("axis")   # 0.9.5 upgrade: axis=-1 meant "unset"
            try:
                node.parsed
            except MXNetError as e:
                raise MXNetError("symbol JSON node '{}': {}".format(name, e)) from None
            _add_missing_aux(node, nodes)
        nodes.append(node)
    try:
        outs = [(nodes[h[0]], int(h[1])) for h in heads]
    except (IndexError, TypeError) as e:
        raise MXNetError("invalid symbol JSON heads: {}".format(e)) from None
    return Symbol(outs)


def _add_missing_aux(node, nodes):
    """Files older than 0.9 lack aux-state variables: add them as ``<node>_<aux>``."""
    expected = node.num_inputs() + len(node.op.aux_names(node.parsed))
    if node.op.key_var_num_args is None and len(node.inputs) < expected:
        for aux in node.op.aux_names(node.parsed)[len(node.inputs) - node.num_inputs():]:
            v = Node(None, "{}_{}".format(node.name, aux))
            node.inputs.append((v, 0))


def load(fname):
    """Load a Symbol saved by ``Symbol.save`` / ``mx.model.save_checkpoint``."""
    try:
        with open(fname) as f:
            text = f.read()
    except OSError as e:
        raise MXNetError("cannot read symbol file {}: {}".format(fname, e)) from None
    return load_json(text)
