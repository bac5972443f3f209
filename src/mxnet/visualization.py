"""mx.visualization (mx.viz): a Keras-style text summary of a Symbol and a graphviz drawing of it.

``print_summary`` prints MXNet's table (layer, output shape without the batch axis, parameter
count, previous layers) and the total; the parameter counts follow MXNet's rules (Convolution,
FullyConnected, BatchNorm and Embedding own parameters; the input width is the first
non-batch dimension of the previous layers' outputs). ``plot_network`` needs the optional
``graphviz`` Python package.
"""
import copy
import json
import re

from .symbol import Symbol

__all__ = ["print_summary", "plot_network"]


def _str2tuple(string):
    """'(5, 5)' -> ['5', '5']."""
    return re.findall(r"\d+", string)


def print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.]):  # noqa: B006
    """Print a summary table of ``symbol``.

    Parameters
    ----------
    symbol : Symbol
    shape : dict, optional
        Input shapes ({name: shape}); without it the output shapes are left blank.
    line_length : int
        Total width of the table.
    positions : list of float or int
        Right edge of each of the four columns, relative (<= 1) or absolute.
    """
    if not isinstance(symbol, Symbol):
        raise TypeError("symbol must be Symbol")
    show_shape = shape is not None
    shape_dict = {}
    if show_shape:
        internals = symbol.get_internals()
        _, out_shapes, _ = internals.infer_shape(**shape)
        if out_shapes is None:
            raise ValueError("Input shape is incomplete")
        shape_dict = dict(zip(internals.list_outputs(), out_shapes))
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    # MXNet takes the set of the first head entry [node, index, version]: node 0 (the first
    # input) therefore always counts as a previous layer
    heads = set(conf["heads"][0])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def print_row(fields):
        line = ""
        for field, pos in zip(fields, positions):
            line += str(field)
            line = line[:pos]
            line += " " * (pos - len(line))
        print(line)

    def out_key(node):
        return node["name"] + "_output" if node["op"] != "null" else node["name"]

    def layer_params(node, pre_filter):
        op, attrs = node["op"], node.get("attrs", {})
        if op == "Convolution":
            num_group = int(attrs.get("num_group", "1"))
            count = pre_filter * int(attrs["num_filter"]) // num_group
            for k in _str2tuple(attrs["kernel"]):
                count *= int(k)
            if attrs.get("no_bias") != "True":
                count += int(attrs["num_filter"])
            return count
        if op == "FullyConnected":
            if attrs.get("no_bias") == "True":
                return pre_filter * int(attrs["num_hidden"])
            return (pre_filter + 1) * int(attrs["num_hidden"])
        if op == "BatchNorm":
            if show_shape:
                return int(shape_dict[node["name"] + "_output"][1]) * 2
            return 0
        if op == "Embedding":
            return int(attrs["input_dim"]) * int(attrs["output_dim"])
        return 0

    def print_layer(node, out_shape):
        pre_nodes = []
        pre_filter = 0
        if node["op"] != "null":
            for item in node["inputs"]:
                src = nodes[item[0]]
                if src["op"] != "null" or item[0] in heads:
                    pre_nodes.append(src["name"])
                    if show_shape:
                        key = out_key(src)
                        if key in shape_dict:
                            pre_filter += int(shape_dict[key][1:][0])
        params = layer_params(node, pre_filter)
        print_row([node["name"] + "(" + node["op"] + ")", "x".join(str(x) for x in out_shape), params,
                   pre_nodes[0] if pre_nodes else ""])
        for name in pre_nodes[1:]:
            print_row(["", "", "", name])
        return params

    print("_" * line_length)
    print_row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"])
    print("=" * line_length)
    total = 0
    for i, node in enumerate(nodes):
        if node["op"] == "null" and i > 0:
            continue
        out_shape = []
        if show_shape:
            key = out_key(node)
            if key in shape_dict:
                out_shape = shape_dict[key][1:]
        total += print_layer(node, out_shape)
        print(("=" if i == len(nodes) - 1 else "_") * line_length)
    print("Total params: {}".format(total))
    print("_" * line_length)


def plot_network(symbol, title="plot", save_format="pdf", shape=None, dtype=None, node_attrs={},  # noqa: B006
                 hide_weights=True):
    """A ``graphviz.Digraph`` of ``symbol`` (operators as boxes, inputs as ovals, edges labelled
    with shapes when ``shape`` is given). Needs the ``graphviz`` Python package."""
    try:
        from graphviz import Digraph
    except ImportError:
        raise ImportError("Draw network requires graphviz library") from None
    if not isinstance(symbol, Symbol):
        raise TypeError("symbol must be a Symbol")
    internals = symbol.get_internals()
    draw_shape = shape is not None
    if draw_shape:
        _, out_shapes, _ = internals.infer_shape(**shape)
        if out_shapes is None:
            raise ValueError("Input shape is incomplete")
        shape_dict = dict(zip(internals.list_outputs(), out_shapes))
    draw_type = dtype is not None
    if draw_type:
        _, out_types, _ = internals.infer_type(**dtype)
        if out_types is None:
            raise ValueError("Input type is incomplete")
        type_dict = dict(zip(internals.list_outputs(), out_types))
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    node_attr = {"shape": "box", "fixedsize": "true", "width": "1.3", "height": "0.8034", "style": "filled"}
    node_attr.update(node_attrs)
    dot = Digraph(name=title, format=save_format)
    cm = ("#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5")

    def looks_like_weight(name):
        return name.endswith(("_weight", "_bias", "_beta", "_gamma", "_moving_var", "_moving_mean",
                              "_running_var", "_running_mean"))

    hidden = set()
    for node in nodes:
        op, name = node["op"], node["name"]
        attr = copy.deepcopy(node_attr)
        label = name
        attrs = node.get("attrs", {})
        if op == "null":
            if looks_like_weight(name):
                # MXNet draws no parameter node; with hide_weights=False only the edges to them
                if hide_weights:
                    hidden.add(name)
                continue
            attr["shape"] = "oval"
            attr["fillcolor"] = cm[0]
        elif op == "Convolution":
            label = "Convolution\n{kernel}/{stride}, {filter}".format(
                kernel="x".join(_str2tuple(attrs["kernel"])),
                stride="x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1",
                filter=attrs["num_filter"])
            attr["fillcolor"] = cm[1]
        elif op == "FullyConnected":
            label = "FullyConnected\n{}".format(attrs["num_hidden"])
            attr["fillcolor"] = cm[1]
        elif op == "BatchNorm":
            attr["fillcolor"] = cm[3]
        elif op in ("Activation", "LeakyReLU"):
            label = "{}\n{}".format(op, attrs.get("act_type", "Leaky"))
            attr["fillcolor"] = cm[2]
        elif op == "Pooling":
            label = "Pooling\n{pooltype}, {kernel}/{stride}".format(
                pooltype=attrs.get("pool_type", "max"),
                kernel="x".join(_str2tuple(attrs["kernel"])) if "kernel" in attrs else "[]",
                stride="x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1")
            attr["fillcolor"] = cm[4]
        elif op in ("Concat", "Flatten", "Reshape"):
            attr["fillcolor"] = cm[5]
        elif op == "Softmax":
            attr["fillcolor"] = cm[6]
        else:
            attr["fillcolor"] = cm[7]
            if op == "Custom":
                label = attrs.get("op_type", op)
        dot.node(name=name, label=label, **attr)

    for node in nodes:
        op, name = node["op"], node["name"]
        if op == "null":
            continue
        for item in node["inputs"]:
            src = nodes[item[0]]
            src_name = src["name"]
            if src_name in hidden:
                continue
            attr = {"dir": "back", "arrowtail": "open", "label": ""}
            if src["op"] != "null":
                key = src_name + "_output"
                n_out = len([o for o in internals.list_outputs() if o.startswith(src_name + "_output")])
                if n_out > 1:
                    key = "{}_output{}".format(src_name, item[1])
            else:
                key = src_name
            if draw_shape and key in shape_dict:
                attr["label"] = "x".join(str(x) for x in shape_dict[key][1:])
            if draw_type and key in type_dict:
                import numpy as np
                attr["label"] += "(" + np.dtype(type_dict[key]).name + ")"
            dot.edge(tail_name=name, head_name=src_name, **attr)
    return dot
