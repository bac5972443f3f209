"""MXNet Symbol + parameters -> ONNX model (opset 13).

Each graph node is translated by one function of ``_CONVERTERS`` (keyed by the registry's op
name) that appends ONNX nodes and constant initializers to an ``_Exporter``. Tensors are named
after the MXNet nodes (``conv1``), parameters keep their names (``conv1_weight``), and the
label inputs of loss layers (``softmax_label``) are dropped: the exported graph is the
inference graph."""
import logging

import numpy as np

from ...base import MXNetError
from ._common import import_onnx, np_to_onnx_dtype

OPSET_VERSION = 13
_LOSS_OPS = {"SoftmaxOutput", "LinearRegressionOutput", "LogisticRegressionOutput",
             "MAERegressionOutput", "SVMOutput"}


def _load(sym, params):
    """(Symbol, {name: numpy array}) from a Symbol or JSON path and params (dict, [arg, aux]
    or .params path); ``arg:``/``aux:`` prefixes are dropped."""
    from ... import symbol, ndarray
    if isinstance(sym, str):
        sym = symbol.load(sym)
    if isinstance(params, str):
        params = ndarray.load(params)
    elif isinstance(params, (list, tuple)):
        if len(params) != 2:
            raise MXNetError("export_model: params must be a dict, a .params path or "
                             "[arg_params, aux_params]")
        merged = dict(params[0])
        merged.update(params[1])
        params = merged
    if not isinstance(sym, symbol.Symbol) or not isinstance(params, dict):
        raise MXNetError("export_model: sym must be a Symbol or a JSON path and params a dict, "
                         "a list of two dicts, or a .params path")
    out = {}
    for k, v in params.items():
        k = k.split(":", 1)[1] if k.startswith(("arg:", "aux:")) else k
        out[k] = v.asnumpy() if hasattr(v, "asnumpy") else np.asarray(v)
    return sym, out


class _Exporter:
    """Collects the ONNX nodes and initializers of one graph."""

    def __init__(self, params, shapes, dtypes, dynamic):
        self.onnx = import_onnx()
        self.params = params
        self.shapes = shapes      # (id(node), i) -> shape
        self.dtypes = dtypes      # (id(node), i) -> numpy dtype
        self.dynamic = dynamic
        self.nodes = []
        self.initializers = {}
        self._names = set()

    def add(self, op_type, inputs, outputs, name=None, **attrs):
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), list(outputs),
                                                     name=name or outputs[0], **attrs))
        return outputs[0]

    def const(self, name, value, dtype=None):
        """An initializer named ``name`` (made unique) holding ``value``; returns its name."""
        base, i = name, 0
        while name in self.initializers or name in self._names:
            i += 1
            name = "{}{}".format(base, i)
        arr = np.asarray(value, dtype=dtype)
        self.initializers[name] = self.onnx.numpy_helper.from_array(arr, name)
        return name

    def param(self, name):
        if name not in self.initializers:
            self.initializers[name] = self.onnx.numpy_helper.from_array(self.params[name], name)
        return name


def _ints(t, n, default):
    return list(t) if t else [default] * n


def _shape_const(ex, name, shape):
    shape = list(shape)
    if ex.dynamic and shape:
        shape[0] = -1
    return ex.const(name, np.array(shape, dtype=np.int64))


# -- converters: (ex, node, attrs, inputs, outputs, in_shapes, out_shapes) ------------------------

def _fully_connected(ex, node, a, ins, outs, ish, osh):
    x, rest = ins[0], ins[1:]
    if not a["flatten"] and len(ish[0]) > 2:
        flat = ex.add("Reshape", [x, ex.const(outs[0] + "_in_shape",
                                              np.array([-1, ish[0][-1]], np.int64))],
                      [outs[0] + "_flat"])
        gemm = ex.add("Gemm", [flat] + rest, [outs[0] + "_gemm"], alpha=1.0, beta=1.0, transB=1)
        return ex.add("Reshape", [gemm, _shape_const(ex, outs[0] + "_out_shape", osh[0])], outs)
    if len(ish[0]) != 2:
        x = ex.add("Flatten", [x], [outs[0] + "_flat"], axis=1)
    return ex.add("Gemm", [x] + rest, outs, alpha=1.0, beta=1.0, transB=1)


def _conv(ex, node, a, ins, outs, ish, osh):
    k = list(a["kernel"])
    n = len(k)
    pad = _ints(a["pad"], n, 0)
    kw = dict(kernel_shape=k, strides=_ints(a["stride"], n, 1), dilations=_ints(a["dilate"], n, 1),
              pads=pad + pad, group=a["num_group"])
    if node.op.name == "Deconvolution":
        adj = _ints(a["adj"], n, 0)
        if any(adj):
            kw["output_padding"] = adj
        if a.get("target_shape"):
            raise MXNetError("export_model: Deconvolution with target_shape is not supported")
        return ex.add("ConvTranspose", ins, outs, **kw)
    return ex.add("Conv", ins, outs, **kw)


def _pooling(ex, node, a, ins, outs, ish, osh):
    ptype = a["pool_type"]
    if a["global_pool"]:
        if ptype == "max":
            return ex.add("GlobalMaxPool", ins, outs)
        if ptype == "avg":
            return ex.add("GlobalAveragePool", ins, outs)
        if ptype == "lp":
            return ex.add("GlobalLpPool", ins, outs, p=a["p_value"] or 2)
        raise MXNetError("export_model: Pooling pool_type={!r} is not supported".format(ptype))
    k = list(a["kernel"])
    n = len(k)
    pad = _ints(a["pad"], n, 0)
    kw = dict(kernel_shape=k, strides=_ints(a["stride"], n, 1), pads=pad + pad)
    conv = a["pooling_convention"]
    if conv == "same":
        kw.pop("pads")
        kw["auto_pad"] = "SAME_UPPER"
    else:
        kw["ceil_mode"] = 1 if conv == "full" else 0
    if ptype == "max":
        return ex.add("MaxPool", ins, outs, **kw)
    if ptype == "avg":
        cip = a["count_include_pad"]
        return ex.add("AveragePool", ins, outs, count_include_pad=0 if cip is False else 1, **kw)
    if ptype == "sum":
        avg = ex.add("AveragePool", ins, [outs[0] + "_avg"], count_include_pad=1, **kw)
        return ex.add("Mul", [avg, ex.const(outs[0] + "_ksize", np.float32(np.prod(k)))], outs)
    if ptype == "lp":
        kw.pop("ceil_mode", None)
        return ex.add("LpPool", ins, outs, p=a["p_value"] or 2, **kw)
    raise MXNetError("export_model: Pooling pool_type={!r} is not supported".format(ptype))


def _batch_norm(ex, node, a, ins, outs, ish, osh):
    if a["axis"] not in (1, -len(ish[0]) + 1):
        raise MXNetError("export_model: BatchNorm axis={} is not supported (only 1)".format(
            a["axis"]))
    ins = list(ins[:5])
    if a["fix_gamma"]:   # MXNet ignores gamma (uses 1): export ones under gamma's name
        ex.initializers[ins[1]] = ex.onnx.numpy_helper.from_array(
            np.ones(ish[1], dtype=ex.params[ins[1]].dtype if ins[1] in ex.params else np.float32),
            ins[1])
    # (momentum is a training-only hint: left out, as inference-only runtimes expect)
    return ex.add("BatchNormalization", ins, outs, epsilon=float(a["eps"]))


_ACT = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softrelu": "Softplus",
        "softsign": "Softsign"}


def _activation(ex, node, a, ins, outs, ish, osh):
    return ex.add(_ACT[a["act_type"]], ins, outs)


def _leaky_relu(ex, node, a, ins, outs, ish, osh):
    t = a["act_type"]
    if t == "leaky":
        return ex.add("LeakyRelu", ins[:1], outs, alpha=float(a["slope"]))
    if t == "elu":
        return ex.add("Elu", ins[:1], outs, alpha=float(a["slope"]))
    if t == "selu":
        return ex.add("Selu", ins[:1], outs)
    if t == "rrelu":   # inference: the mean slope
        return ex.add("LeakyRelu", ins[:1], outs,
                      alpha=float(a["lower_bound"] + a["upper_bound"]) / 2)
    if t == "prelu":
        ndim = len(ish[0])
        shape = [-1] + [1] * (ndim - 2) if ndim > 2 else [-1]
        slope = ex.add("Reshape", [ins[1], ex.const(outs[0] + "_slope_shape",
                                                    np.array(shape, np.int64))],
                       [outs[0] + "_slope"])
        return ex.add("PRelu", [ins[0], slope], outs)
    if t == "gelu":   # 0.5 x (1 + erf(x / sqrt 2))
        x = ins[0]
        d = ex.add("Div", [x, ex.const(outs[0] + "_sqrt2", np.float32(np.sqrt(2)))],
                   [outs[0] + "_d"])
        e = ex.add("Erf", [d], [outs[0] + "_erf"])
        p = ex.add("Add", [e, ex.const(outs[0] + "_one", np.float32(1))], [outs[0] + "_p1"])
        m = ex.add("Mul", [x, p], [outs[0] + "_m"])
        return ex.add("Mul", [m, ex.const(outs[0] + "_half", np.float32(0.5))], outs)
    raise MXNetError("export_model: LeakyReLU act_type={!r} is not supported".format(t))


def _softmax_like(op):
    def conv(ex, node, a, ins, outs, ish, osh):
        x = ins[0]
        if a.get("temperature") not in (None, 1.0):
            x = ex.add("Div", [x, ex.const(outs[0] + "_temp", np.float32(a["temperature"]))],
                       [outs[0] + "_scaled"])
        if a.get("use_length"):
            raise MXNetError("export_model: {} with use_length is not supported".format(
                node.op.name))
        return ex.add(op, [x], outs, axis=int(a["axis"]))
    return conv


def _softmax_output(ex, node, a, ins, outs, ish, osh):
    x, shp = ins[0], ish[0]
    if a["multi_output"]:
        return ex.add("Softmax", [x], outs, axis=1)
    if len(shp) == 2:
        return ex.add("Softmax", [x], outs, axis=1)
    flat = ex.add("Flatten", [x], [outs[0] + "_flat"], axis=1)
    sm = ex.add("Softmax", [flat], [outs[0] + "_sm"], axis=1)
    shape = ex.add("Shape", [x], [outs[0] + "_shape"])
    return ex.add("Reshape", [sm, shape], outs)


def _regression_output(op):
    def conv(ex, node, a, ins, outs, ish, osh):
        if op is None:
            return ex.add("Identity", ins[:1], outs)
        return ex.add(op, ins[:1], outs)
    return conv


def _simple(op, **fixed):
    def conv(ex, node, a, ins, outs, ish, osh):
        return ex.add(op, ins, outs, **fixed)
    return conv


def _scalar(op, reverse=False):
    def conv(ex, node, a, ins, outs, ish, osh):
        dt = ex.dtypes.get(("in", id(node)), np.float32)
        c = ex.const(outs[0] + "_scalar", np.asarray(a["scalar"], dtype=dt))
        return ex.add(op, [c, ins[0]] if reverse else [ins[0], c], outs)
    return conv


def _reshape(ex, node, a, ins, outs, ish, osh):
    shape = list(a["shape"])
    if not a["reverse"] and shape and all(s >= -1 for s in shape) and shape.count(-1) <= 1:
        return ex.add("Reshape", [ins[0], ex.const(outs[0] + "_shape",
                                                    np.array(shape, np.int64))], outs)
    return ex.add("Reshape", [ins[0], _shape_const(ex, outs[0] + "_shape", osh[0])], outs)


def _clip(ex, node, a, ins, outs, ish, osh):
    lo = ex.const(outs[0] + "_min", np.float32(a["a_min"]))
    hi = ex.const(outs[0] + "_max", np.float32(a["a_max"]))
    return ex.add("Clip", [ins[0], lo, hi], outs)


def _transpose(ex, node, a, ins, outs, ish, osh):
    axes = list(a["axes"]) if a["axes"] else None
    return ex.add("Transpose", ins, outs, perm=axes)


def _concat(ex, node, a, ins, outs, ish, osh):
    return ex.add("Concat", ins, outs, axis=int(a["dim"]))


def _expand_dims(ex, node, a, ins, outs, ish, osh):
    return ex.add("Unsqueeze", [ins[0], ex.const(outs[0] + "_axes",
                                                  np.array([a["axis"]], np.int64))], outs)


def _squeeze(ex, node, a, ins, outs, ish, osh):
    if a["axis"] is None:
        return ex.add("Squeeze", ins, outs)
    axes = a["axis"] if isinstance(a["axis"], (tuple, list)) else [a["axis"]]
    return ex.add("Squeeze", [ins[0], ex.const(outs[0] + "_axes", np.array(axes, np.int64))],
                  outs)


def _lrn(ex, node, a, ins, outs, ish, osh):
    return ex.add("LRN", ins, outs, alpha=float(a["alpha"]), beta=float(a["beta"]),
                  bias=float(a["knorm"]), size=int(a["nsize"]))


def _reduce(op):
    def conv(ex, node, a, ins, outs, ish, osh):
        if a.get("exclude"):
            raise MXNetError("export_model: {} with exclude=True is not supported".format(
                node.op.name))
        ax = a["axis"]
        axes = None if ax is None or ax == () else (list(ax) if isinstance(ax, (tuple, list))
                                                     else [ax])
        keep = 1 if a["keepdims"] else 0
        if axes is None and not keep:   # MXNet 1.x: a full reduction has shape (1,)
            r = ex.add(op, ins, [outs[0] + "_r"], keepdims=0)
            return ex.add("Reshape", [r, ex.const(outs[0] + "_shape", np.array([1], np.int64))],
                          outs)
        if op == "ReduceSum":   # opset 13: axes is an input
            inputs = list(ins) + ([ex.const(outs[0] + "_axes", np.array(axes, np.int64))]
                                  if axes else [])
            return ex.add(op, inputs, outs, keepdims=keep)
        return ex.add(op, ins, outs, axes=axes, keepdims=keep)
    return conv


def _embedding(ex, node, a, ins, outs, ish, osh):
    idx = ex.add("Cast", [ins[0]], [outs[0] + "_idx"], to=np_to_onnx_dtype(np.int64))
    return ex.add("Gather", [ins[1], idx], outs, axis=0)


def _identity(ex, node, a, ins, outs, ish, osh):
    return ex.add("Identity", ins[:1], outs)


_CONVERTERS = {
    "FullyConnected": _fully_connected,
    "Convolution": _conv,
    "Deconvolution": _conv,
    "Pooling": _pooling,
    "BatchNorm": _batch_norm,
    "Activation": _activation,
    "LeakyReLU": _leaky_relu,
    "softmax": _softmax_like("Softmax"),
    "log_softmax": _softmax_like("LogSoftmax"),
    "SoftmaxOutput": _softmax_output,
    "LinearRegressionOutput": _regression_output(None),
    "MAERegressionOutput": _regression_output(None),
    "LogisticRegressionOutput": _regression_output("Sigmoid"),
    "Flatten": _simple("Flatten", axis=1),
    "Reshape": _reshape,
    "Concat": _concat,
    "Dropout": _identity,
    "BlockGrad": _identity,
    "_copy": _identity,
    "identity": _identity,
    "MakeLoss": _identity,
    "clip": _clip,
    "transpose": _transpose,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "LRN": _lrn,
    "Embedding": _embedding,
    "sum": _reduce("ReduceSum"),
    "mean": _reduce("ReduceMean"),
    "max": _reduce("ReduceMax"),
    "min": _reduce("ReduceMin"),
    "add_n": _simple("Sum"),
    "relu": _simple("Relu"),
    "sigmoid": _simple("Sigmoid"),
    "tanh": _simple("Tanh"),
    "softsign": _simple("Softsign"),
    "exp": _simple("Exp"),
    "log": _simple("Log"),
    "sqrt": _simple("Sqrt"),
    "abs": _simple("Abs"),
    "negative": _simple("Neg"),
    "reciprocal": _simple("Reciprocal"),
    "floor": _simple("Floor"),
    "ceil": _simple("Ceil"),
    "erf": _simple("Erf"),
    "_plus_scalar": _scalar("Add"),
    "_minus_scalar": _scalar("Sub"),
    "_rminus_scalar": _scalar("Sub", reverse=True),
    "_mul_scalar": _scalar("Mul"),
    "_div_scalar": _scalar("Div"),
    "_rdiv_scalar": _scalar("Div", reverse=True),
    "_power_scalar": _scalar("Pow"),
    "_rpower_scalar": _scalar("Pow", reverse=True),
    "_maximum_scalar": _scalar("Max"),
    "_minimum_scalar": _scalar("Min"),
}
for _names, _op in ((("elemwise_add", "broadcast_add", "_plus", "_Plus", "_add"), "Add"),
                    (("elemwise_sub", "broadcast_sub", "_minus", "_Minus", "_sub"), "Sub"),
                    (("elemwise_mul", "broadcast_mul", "_mul", "_Mul"), "Mul"),
                    (("elemwise_div", "broadcast_div", "_div", "_Div"), "Div"),
                    (("broadcast_maximum", "_maximum", "_Maximum"), "Max"),
                    (("broadcast_minimum", "_minimum", "_Minimum"), "Min"),
                    (("broadcast_power", "_power", "_Power"), "Pow")):
    for _n in _names:
        _CONVERTERS[_n] = _simple(_op)


def get_operator_support():
    """The MXNet operator names the exporter translates."""
    return sorted(_CONVERTERS)


def _label_nodes(order, params):
    """Variables used only as the label input of loss layers (dropped from the graph)."""
    label, other = set(), set()
    for n in order:
        if n.op is None:
            continue
        for i, (src, _) in enumerate(n.inputs):
            if src.op is None and src.name not in params:
                (label if n.op.name in _LOSS_OPS and i > 0 else other).add(id(src))
    return label - other


def create_model(sym, params, in_shapes, in_types, dynamic=False, dynamic_input_shapes=None,
                 verbose=False):
    """The ONNX ModelProto of ``sym`` with ``params`` for inputs of ``in_shapes``."""
    onnx = import_onnx()
    helper = onnx.helper
    order = sym._topo()
    labels = _label_nodes(order, params)
    all_inputs = [n for n in order if n.op is None and n.name not in params]
    data_inputs = [n for n in all_inputs if id(n) not in labels]
    in_shapes = [tuple(s) for s in in_shapes]
    if not isinstance(in_types, (list, tuple)):
        in_types = [in_types] * len(in_shapes)
    if len(in_types) != len(in_shapes):
        raise MXNetError("export_model: the lengths of in_types and in_shapes must equal")
    if len(in_shapes) == len(all_inputs) and len(all_inputs) != len(data_inputs):
        given = list(zip(all_inputs, in_shapes, in_types))   # shapes given for labels too
    elif len(in_shapes) == len(data_inputs):
        given = list(zip(data_inputs, in_shapes, in_types))
    else:
        raise MXNetError("export_model: {} input shapes given for the inputs {}".format(
            len(in_shapes), [n.name for n in data_inputs]))
    shape_kw = {n.name: s for n, s, _ in given}
    type_kw = {n.name: np.dtype(t) for n, _, t in given}
    for k, v in params.items():
        shape_kw.setdefault(k, v.shape)
        type_kw.setdefault(k, v.dtype)
    known = set(sym.list_inputs())
    shape_kw = {k: v for k, v in shape_kw.items() if k in known}
    type_kw = {k: v for k, v in type_kw.items() if k in known}
    internals = sym.get_internals()
    _, out_shapes, _ = internals.infer_shape(**shape_kw)
    _, out_types, _ = internals.infer_type(**type_kw)
    shapes, dtypes = {}, {}
    for (n, i), s, t in zip(internals._outputs, out_shapes, out_types):
        shapes[(id(n), i)] = tuple(s)
        dtypes[(id(n), i)] = np.dtype(t)
    ex = _Exporter(params, shapes, dtypes, dynamic)

    names = {}   # (id(node), i) -> onnx tensor name
    inputs = []
    dyn = list(dynamic_input_shapes) if dynamic_input_shapes is not None else None
    k = 0
    for n in order:
        if n.op is None:
            if n.name in params:
                names[(id(n), 0)] = n.name
            elif id(n) not in labels:
                shape = list(shape_kw[n.name])
                if dynamic:
                    shape = list(dyn[k]) if dyn is not None else [None] * len(shape)
                inputs.append(helper.make_tensor_value_info(
                    n.name, np_to_onnx_dtype(type_kw[n.name]), shape))
                names[(id(n), 0)] = n.name
                k += 1
            continue
        conv = _CONVERTERS.get(n.op.name)
        if conv is None:
            raise MXNetError("export_model: no ONNX conversion for operator {} (node {!r}); "
                             "supported: {}".format(n.op.name, n.name,
                                                    ", ".join(get_operator_support())))
        ins, ish = [], []
        for src, i in n.inputs:
            if id(src) in labels:
                continue
            key = (id(src), i)
            if src.op is None and src.name in params:
                ex.param(src.name)
            ins.append(names[key])
            ish.append(shapes.get(key))
        nvis = n.num_visible_outputs()
        outs = [n.name] if nvis == 1 else ["{}_output{}".format(n.name, j) for j in range(nvis)]
        osh = [shapes.get((id(n), j)) for j in range(nvis)]
        if n.inputs:
            ex.dtypes[("in", id(n))] = dtypes.get((id(n.inputs[0][0]), n.inputs[0][1]),
                                                  np.dtype(np.float32))
        conv(ex, n, n.parsed, ins, outs, ish, osh)
        if verbose:
            logging.info("Converted %s %s", n.op.name, n.name)
        for j, o in enumerate(outs):
            names[(id(n), j)] = o

    outputs = []
    for n, i in sym._outputs:
        shape = list(shapes[(id(n), i)])
        if dynamic and shape:
            shape[0] = None
        outputs.append(helper.make_tensor_value_info(
            names[(id(n), i)], np_to_onnx_dtype(dtypes[(id(n), i)]), shape))
    # initializers are listed as graph inputs too (IR 3 style, which MXNet's importer reads)
    for name, t in ex.initializers.items():
        inputs.append(helper.make_tensor_value_info(name, t.data_type, list(t.dims)))
    graph = helper.make_graph(ex.nodes, "mxnet_converted_model", inputs, outputs,
                              list(ex.initializers.values()))
    model = helper.make_model(graph, producer_name="neomx",
                              opset_imports=[helper.make_opsetid("", OPSET_VERSION)])
    model.ir_version = 7   # opset 13's IR version: readable by older onnx / onnxruntime
    return model


def export_model(sym, params, in_shapes=None, in_types=np.float32, onnx_file_path="model.onnx",
                 verbose=False, dynamic=False, dynamic_input_shapes=None,
                 run_shape_inference=False, input_type=None, input_shape=None):
    """Export an MXNet model to an ONNX file (opset 13); returns ``onnx_file_path``.

    ``sym``: Symbol or ``-symbol.json`` path; ``params``: dict of arg and aux params, a list
    ``[arg_params, aux_params]`` or a ``.params`` path; ``in_shapes``/``in_types``: shape and
    dtype of each data input (label inputs of loss layers may be omitted); ``dynamic``: leave
    the input dimensions unspecified (``dynamic_input_shapes`` gives them, None for unknown).
    ``input_shape``/``input_type`` are the older names of ``in_shapes``/``in_types``."""
    onnx = import_onnx()
    if input_type is not None:
        in_types = input_type
    if input_shape is not None:
        in_shapes = input_shape
    if in_shapes is None:
        raise MXNetError("export_model: in_shapes is required")
    sym, params = _load(sym, params)
    model = create_model(sym, params, in_shapes, in_types, dynamic, dynamic_input_shapes,
                         verbose)
    onnx.checker.check_model(model)
    if run_shape_inference:
        model = onnx.shape_inference.infer_shapes(model)
    if verbose:
        logging.info("Output node is: %s", [o.name for o in model.graph.output])
    onnx.save(model, onnx_file_path)
    return onnx_file_path
