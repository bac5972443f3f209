"""INT8 post-training quantization of symbolic models (``mx.contrib.quantization``), as MXNet 1.9.1.

``quantize_graph`` rewrites a float Symbol: every quantizable node (Convolution, FullyConnected,
Pooling max/avg, Activation relu, Flatten, Concat) becomes ``quantized_<name>`` fed by
``_contrib_quantize_v2`` nodes (``<var>_quantize`` / ``<node>_output_quantize``) and by quantized
parameters (``<param>_quantize`` with ``_min`` / ``_max`` variables); Convolution and
FullyConnected outputs go through ``requantize_<name>``; a float consumer reads
``<name>_dequantize``. ``calib_graph`` writes calibrated ranges (``min_calib_range`` /
``max_calib_range``) into the quantize_v2 and requantize nodes: the min/max of the float layer
outputs (``naive``) or the KL-divergence thresholds of their histograms (``entropy``, through
``_contrib_calibrate_entropy``). ``quantize_model`` does both and quantizes the parameters.
"""
import fnmatch
import json
import logging
import warnings

import numpy as np

from .. import ndarray as nd
from .. import symbol as _sym
from ..base import MXNetError
from ..context import cpu

__all__ = ["quantize_model", "quantize_net", "quantize_net_v2", "quantize_graph", "calib_graph", "quantize_params", "collect_layer_statistics",
           "LayerOutputMinMaxCollector", "LayerHistogramCollector"]

_PARAM_INPUTS = {"Convolution": (1, 2), "FullyConnected": (1, 2)}
_REQUANTIZED = ("Convolution", "FullyConnected")
_QUANTIZED_OP = {"Convolution": "_contrib_quantized_conv", "FullyConnected": "_contrib_quantized_fully_connected",
                 "Pooling": "_contrib_quantized_pooling", "Activation": "_contrib_quantized_act",
                 "Flatten": "_contrib_quantized_flatten", "Concat": "_contrib_quantized_concat"}


def _quantizable(node, excluded_sym_names, excluded_op_names, logger):
    op, attrs = node["op"], node.get("attrs", {})
    if op not in _QUANTIZED_OP or node["name"] in excluded_sym_names or op in excluded_op_names:
        return False
    if op == "Activation" and attrs.get("act_type") != "relu":
        if logger:
            logger.info("Currently, quantized activation only supports relu, exclude %s", node["name"])
        return False
    if op == "Pooling" and attrs.get("pool_type", "max") not in ("max", "avg"):
        return False
    if op == "Convolution" and attrs.get("layout") not in (None, "None", "NCHW", "NCW", "NCDHW"):
        return False
    return True


def quantize_graph(sym, arg_params, aux_params, ctx=cpu(), excluded_sym_names=None, excluded_op_names=None,
                   calib_mode="entropy", quantized_dtype="int8", quantize_mode="full",
                   quantize_granularity="tensor-wise", LayerOutputCollector=None, logger=None):
    """Rewrite ``sym`` for INT8 inference; returns (qsym, qarg_params, aux_params, collector)
    (the collector is None unless calib_mode is 'naive' or 'entropy': then it gathers the float
    outputs that calibrate the graph, see :func:`collect_layer_statistics`)."""
    if quantized_dtype not in ("int8", "uint8", "auto"):
        raise ValueError("unknown quantized_dtype {} received, expected `int8`, `uint8` or `auto`".format(
            quantized_dtype))
    if quantize_granularity != "tensor-wise":
        raise ValueError("only quantize_granularity='tensor-wise' is supported, got {}".format(quantize_granularity))
    if quantize_mode not in ("full", "smart"):
        raise ValueError("unknown quantize_mode {} received, expected `full` or `smart`".format(quantize_mode))
    qsym, qparam_names = _quantize_symbol(sym, excluded_sym_names or [], excluded_op_names or [],
                                          quantized_dtype, logger, quantize_mode)
    qarg_params = quantize_params(qsym, arg_params)
    collector = None
    if calib_mode in ("naive", "entropy"):
        collector = (LayerOutputCollector if LayerOutputCollector is not None
                     else (LayerOutputMinMaxCollector() if calib_mode == "naive" else LayerHistogramCollector()))
    elif calib_mode != "none":
        raise ValueError("unknown calibration mode {} received, expected `none`, `naive`, or `entropy`".format(
            calib_mode))
    return qsym, qarg_params, aux_params, collector


# MXNet names an op's output <name>_<output name> where the op lists output names, else <name>_<index>
_UNNAMED_OUTPUTS = frozenset(("Flatten", "Reshape", "reshape", "transpose", "expand_dims", "elemwise_add",
                              "elemwise_mul", "elemwise_sub", "_plus", "_Plus", "_add", "_mul", "_minus", "Cast",
                              "clip", "squeeze", "broadcast_add", "broadcast_mul", "_copy", "identity"))


def _output_name(node, index):
    if node["op"] in _UNNAMED_OUTPUTS:
        return "{}_{}".format(node["name"], index)
    if index == 0:
        return node["name"] + "_output"
    return "{}_output{}".format(node["name"], index)


def _quantize_symbol(sym, excluded_sym_names, excluded_op_names, quantized_dtype, logger, quantize_mode="full"):
    graph = json.loads(sym.tojson())
    old = graph["nodes"]
    arg_nodes = set(graph.get("arg_nodes", []))
    nodes = []
    # (old node id, output index) -> new entry [id, idx, 0] of the float value
    fmap = {}
    # (old node id, output index) -> (data entry, min entry, max entry) of the quantized value
    qmap = {}
    deq_cache = {}
    qparams = []
    qdtype = "int8" if quantized_dtype == "auto" else quantized_dtype

    def add(op, name, attrs=None, inputs=()):
        node = {"op": op, "name": name, "inputs": [list(e) for e in inputs]}
        if attrs:
            node["attrs"] = {k: str(v) for k, v in attrs.items()}
        nodes.append(node)
        return len(nodes) - 1

    def float_entry(key):
        if key in fmap:
            return fmap[key]
        if key not in deq_cache:     # quantized only: dequantize on demand
            d, lo, hi = qmap[key]
            name = old[key[0]]["name"]
            deq_cache[key] = [add("_contrib_dequantize", name + "_dequantize", None, (d, lo, hi)), 0, 0]
        return deq_cache[key]

    def quant_entry(key):
        if key in qmap:
            return qmap[key]
        src = old[key[0]]
        base = src["name"] if src["op"] == "null" else _output_name(src, key[1])
        i = add("_contrib_quantize_v2", base + "_quantize", {"out_type": qdtype}, (float_entry(key),))
        qmap[key] = ([i, 0, 0], [i, 1, 0], [i, 2, 0])
        return qmap[key]

    for nid, node in enumerate(old):
        op = node["op"]
        if op == "null":
            fmap[(nid, 0)] = [add("null", node["name"], node.get("attrs"), ()), 0, 0]
            nodes[-1].update({k: v for k, v in node.items() if k not in ("op", "name", "inputs", "attrs")})
            continue
        ins = [tuple(e[:2]) for e in node["inputs"]]
        quantize = _quantizable(node, excluded_sym_names, excluded_op_names, logger)
        if quantize and quantize_mode == "smart" and op not in _REQUANTIZED:
            # smart: ops other than Convolution / FullyConnected only where their data already is int8
            quantize = all(tuple(e[:2]) in qmap for j, e in enumerate(node["inputs"]))
        if not quantize:
            new_inputs = [float_entry(k) for k in ins]
            i = add(op, node["name"], node.get("attrs"), new_inputs)
            for k, v in node.items():
                if k not in ("op", "name", "inputs", "attrs"):
                    nodes[i][k] = v
            for o in range(_num_outputs(node)):
                fmap[(nid, o)] = [i, o, 0]
            continue
        attrs = dict(node.get("attrs", {}))
        param_idx = _PARAM_INPUTS.get(op, ())
        data_keys = [k for j, k in enumerate(ins) if j not in param_idx]
        qdata = [quant_entry(k) for k in data_keys]
        qin = [q[0] for q in qdata]
        ranges = [e for q in qdata for e in q[1:]]
        if param_idx:
            pr = []
            for j in param_idx:
                if j >= len(ins):
                    continue
                pname = old[ins[j][0]]["name"]
                # __dtype__ (int8 = 5, float32 = 0): this graph layer fills unknown variable types
                # from the node's other inputs, which would make the ranges int8
                ids = [add("null", pname + suffix, {"__dtype__": flag})
                       for suffix, flag in (("_quantize", 5), ("_quantize_min", 0), ("_quantize_max", 0))]
                qparams.append(pname)
                qin.append([ids[0], 0, 0])
                pr += [[ids[1], 0, 0], [ids[2], 0, 0]]
            # MXNet's order: data, weight, bias, min_data, max_data, min_weight, ...
            qin = qin + ranges + pr
            ins_all = qin
        else:
            ins_all = qin + ranges
        if op == "Concat":
            attrs.setdefault("num_args", str(len(data_keys)))
        qi = add(_QUANTIZED_OP[op], "quantized_" + node["name"], attrs, ins_all)
        if op in _REQUANTIZED:
            ri = add("_contrib_requantize", "requantize_" + node["name"], {"out_type": "int8"},
                     ([qi, 0, 0], [qi, 1, 0], [qi, 2, 0]))
            qmap[(nid, 0)] = ([ri, 0, 0], [ri, 1, 0], [ri, 2, 0])
        else:
            qmap[(nid, 0)] = ([qi, 0, 0], [qi, 1, 0], [qi, 2, 0])
    heads = [float_entry(tuple(h[:2])) for h in graph["heads"]]
    out = {"nodes": nodes, "arg_nodes": [i for i, n in enumerate(nodes) if n["op"] == "null"],
           "node_row_ptr": list(range(len(nodes) + 1)), "heads": heads, "attrs": graph.get("attrs", {})}
    del arg_nodes
    return _sym.load_json(json.dumps(out)), qparams


def _num_outputs(node):
    from ..ops.registry import get_op
    op = get_op(node["op"])
    attrs = op.parse(node.get("attrs", {}))
    return len(op.output_names(attrs)) if hasattr(op, "output_names") else 1


def quantize_params(qsym, params, th_dict=None):
    """The parameters of ``qsym``: ``<name>_quantize`` (int8) with ``_min``/``_max`` for every
    quantized weight and bias (MXNet's ``_quantize_params``); other arguments unchanged."""
    out = {}
    for name in qsym.list_arguments():
        if name.endswith("_quantize"):
            orig = name[:-len("_quantize")]
            if orig not in params:
                continue
            p = params[orig]
            q, lo, hi = nd.contrib.quantize(p, p.min(), p.max(), out_type="int8")
            out[name], out[name + "_min"], out[name + "_max"] = q, lo, hi
        elif name in params:
            out[name] = params[name]
    return out


# -- calibration ----------------------------------------------------------------------------------


class LayerOutputMinMaxCollector:
    """Running min/max of each collected float output (``naive`` calibration)."""

    def __init__(self, quantized_dtype="int8", include_layer=None, logger=None):
        self.min_max_dict = {}
        self.include_layer = include_layer
        self.logger = logger

    def collect(self, name, arr):
        a = arr.asnumpy() if hasattr(arr, "asnumpy") else np.asarray(arr)
        lo, hi = float(a.min()), float(a.max())
        if name in self.min_max_dict:
            plo, phi = self.min_max_dict[name]
            lo, hi = min(lo, plo), max(hi, phi)
        self.min_max_dict[name] = (lo, hi)

    def thresholds(self):
        return dict(self.min_max_dict)


class LayerHistogramCollector:
    """Histograms of each collected float output (``entropy`` calibration), merged over batches
    on a symmetric range that only grows (MXNet's ``combine_histogram``)."""

    def __init__(self, num_bins=8001, include_layer=None, logger=None):
        self.hist_dict = {}
        self.num_bins = num_bins
        self.include_layer = include_layer
        self.logger = logger

    def collect(self, name, arr):
        a = (arr.asnumpy() if hasattr(arr, "asnumpy") else np.asarray(arr)).astype(np.float64).ravel()
        lo, hi = float(a.min()), float(a.max())
        th = max(abs(lo), abs(hi))
        if name in self.hist_dict:
            old_hist, old_edges, olo, ohi, oth = self.hist_dict[name]
            if th <= oth:
                hist, _ = np.histogram(a, bins=len(old_hist), range=(-oth, oth))
                self.hist_dict[name] = (old_hist + hist, old_edges, min(lo, olo), max(hi, ohi), oth)
                return
            # re-bin the old counts at their centres on the wider range
            centres = (old_edges[:-1] + old_edges[1:]) / 2
            hist, edges = np.histogram(a, bins=self.num_bins, range=(-th, th))
            hist = hist + np.histogram(centres, bins=self.num_bins, range=(-th, th), weights=old_hist)[0]
            self.hist_dict[name] = (hist, edges, min(lo, olo), max(hi, ohi), th)
            return
        hist, edges = np.histogram(a, bins=self.num_bins, range=(-th, th) if th > 0 else (-1, 1))
        self.hist_dict[name] = (hist, edges, lo, hi, th)

    def thresholds(self, quantized_dtype="int8"):
        out = {}
        for name, (hist, edges, lo, hi, th) in self.hist_dict.items():
            if th == 0:
                out[name] = (0.0, 0.0)
                continue
            nq = 255
            t, _ = nd.contrib.calibrate_entropy(nd.array(hist.astype(np.float32)), nd.array(edges.astype(np.float32)),
                                                num_quantized_bins=nq)
            t = float(t.asnumpy()[0])
            out[name] = (0.0, t) if lo >= 0 and quantized_dtype in ("uint8", "auto") else (-t, t)
        return out


def _calib_keys(qsym):
    """Calibrated node name -> the float output name whose statistics set its range."""
    keys = {}
    for node in json.loads(qsym.tojson())["nodes"]:
        if node["op"] == "_contrib_quantize_v2" and node["name"].endswith("_quantize"):
            keys[node["name"]] = node["name"][:-len("_quantize")]
        elif node["op"] == "_contrib_requantize" and node["name"].startswith("requantize_"):
            keys[node["name"]] = node["name"][len("requantize_"):] + "_output"
    return keys


def _as_batches(calib_data, data_names):
    if hasattr(calib_data, "reset"):
        calib_data.reset()
    for batch in calib_data:
        data = batch.data if hasattr(batch, "data") else batch
        if not isinstance(data, (list, tuple)):
            data = [data]
        pad = getattr(batch, "pad", 0) or 0
        yield dict(zip(data_names, data)), pad


def collect_layer_statistics(sym, arg_params, aux_params, calib_data, collector, qsym=None, ctx=cpu(),
                             data_names=("data",), num_calib_examples=None, logger=None):
    """Run the float ``sym`` on ``calib_data`` and feed the outputs that calibrate ``qsym``
    (or all internal outputs) to ``collector``; returns the number of examples seen."""
    internals = sym.get_internals()
    names = internals.list_outputs()
    keys = sorted(set(_calib_keys(qsym).values())) if qsym is not None else names
    wanted, internal = [], []
    for k in keys:
        alt = k.rsplit("_", 1)[0] + "_output" if k.rsplit("_", 1)[-1].isdigit() else k
        for n in (k, alt):
            if n in names:
                wanted.append(k)
                internal.append(n)
                break
    group = _sym.Group([internals[n] for n in internal])
    seen = 0
    ex = None
    for feed, pad in _as_batches(calib_data, list(data_names)):
        if ex is None or any(ex.arg_dict[k].shape != v.shape for k, v in feed.items()):
            ex = group.simple_bind(ctx, grad_req="null", **{k: v.shape for k, v in feed.items()})
            for k, v in list(arg_params.items()) + list((aux_params or {}).items()):
                d = ex.arg_dict if k in ex.arg_dict else ex.aux_dict
                if k in d:
                    d[k][:] = v
        for k, v in feed.items():
            ex.arg_dict[k][:] = v
        outs = ex.forward(is_train=False)
        n = next(iter(feed.values())).shape[0] - pad
        for name, o in zip(wanted, outs):
            collector.collect(name, o[:n] if pad else o)
        seen += n
        if num_calib_examples is not None and seen >= num_calib_examples:
            break
    if logger:
        logger.info("Collected statistics from %d examples for %d layer outputs", seen, len(wanted))
    return seen


def calib_graph(qsym, arg_params, aux_params, collector, calib_mode="entropy", quantized_dtype="int8",
                logger=logging):
    """Write the collector's calibrated ranges into ``qsym``; returns (qsym, qarg_params, aux_params).
    ``collector`` is a LayerOutputMinMaxCollector / LayerHistogramCollector, or a dict
    {layer output name: (min, max)}."""
    if calib_mode not in ("naive", "entropy"):
        raise ValueError("unknown calibration mode {} received, expected `naive` or `entropy`".format(calib_mode))
    if isinstance(collector, dict):
        th = collector
    elif calib_mode == "entropy":
        th = collector.thresholds(quantized_dtype)
    else:
        th = collector.thresholds()
    keys = _calib_keys(qsym)
    graph = json.loads(qsym.tojson())
    for node in graph["nodes"]:
        key = keys.get(node["name"])
        if key is None or key not in th:
            continue
        lo, hi = th[key]
        attrs = node.setdefault("attrs", {})
        attrs["min_calib_range"] = "{:f}".format(lo)
        attrs["max_calib_range"] = "{:f}".format(hi)
        if logger:
            logger.debug("Set calibration range of %s to (%f, %f)", node["name"], lo, hi)
    return _sym.load_json(json.dumps(graph)), arg_params, aux_params


def quantize_model(sym, arg_params, aux_params, data_names=("data",), label_names=("softmax_label",), ctx=cpu(),
                   excluded_sym_names=None, excluded_op_names=None, calib_mode="entropy", calib_data=None,
                   num_calib_examples=None, quantized_dtype="int8", quantize_mode="smart",
                   quantize_granularity="tensor-wise", logger=None):
    """Quantize a float model for INT8 inference: returns (qsym, qarg_params, aux_params).

    calib_mode 'none' leaves the ranges to be computed at runtime; 'naive' uses the min/max of
    the layer outputs on ``calib_data``; 'entropy' the KL-optimal thresholds of their
    histograms."""
    if excluded_sym_names is not None and not isinstance(excluded_sym_names, list):
        raise ValueError("excluded_sym_names should be a list of strings representing the names of the symbols "
                         "that will not be quantized, while received type {}".format(type(excluded_sym_names)))
    if excluded_op_names is not None and not isinstance(excluded_op_names, list):
        raise ValueError("excluded_op_names should be a list of strings representing the names of the operators "
                         "that will not be quantized, while received type {}".format(type(excluded_op_names)))
    if quantize_mode not in ("full", "smart"):
        raise ValueError("unknown quantize_mode {} received, expected `full` or `smart`".format(quantize_mode))
    qsym, qarg_params, aux_params, collector = quantize_graph(
        sym, arg_params, aux_params, ctx, excluded_sym_names, excluded_op_names, calib_mode, quantized_dtype,
        quantize_mode, quantize_granularity, logger=logger)
    if calib_mode == "none":
        return qsym, qarg_params, aux_params
    if calib_data is None:
        raise ValueError("calib_data must be provided when calib_mode={}".format(calib_mode))
    collect_layer_statistics(sym, arg_params, aux_params, calib_data, collector, qsym, ctx, data_names,
                             num_calib_examples, logger)
    qsym, qarg_params, aux_params = calib_graph(qsym, qarg_params, aux_params, collector, calib_mode,
                                                quantized_dtype, logger)
    return qsym, qarg_params, aux_params


def quantize_net_v2(network, quantized_dtype="auto", quantize_mode="full", quantize_granularity="tensor-wise",
                    exclude_layers=None, exclude_layers_match=None, exclude_operators=None, calib_data=None,
                    data_shapes=None, calib_mode="none", num_calib_examples=None, ctx=cpu(),
                    LayerOutputCollector=None, logger=None):
    """Quantize a Gluon HybridBlock for INT8 inference: returns a SymbolBlock running the quantized
    graph (``quantize_model`` on the block's traced symbol and parameters).

    ``data_shapes``: the inputs as DataDesc (or ``(name, shape)`` pairs, or shapes), needed unless
    ``calib_data`` (an ``mx.io.DataIter`` or a Gluon DataLoader whose batches start with the
    inputs) is given. ``exclude_layers``: node names kept in float; ``exclude_layers_match``:
    patterns (substrings or shell wildcards) of such names; ``exclude_operators``: operator names.
    ``calib_mode`` 'none', 'naive' or 'entropy' as in ``quantize_model``."""
    from ..gluon.block import HybridBlock, symbol_block_with
    if not isinstance(network, HybridBlock):
        raise ValueError("quantize_net: network must be a Gluon HybridBlock, got {}".format(type(network).__name__))
    if LayerOutputCollector is not None:
        raise MXNetError("quantize_net: a custom LayerOutputCollector is not supported")
    if calib_mode != "none" and calib_data is None:
        raise ValueError("calib_data must be provided when calib_mode={}".format(calib_mode))
    shapes = _net_input_shapes(data_shapes, calib_data)
    network.hybridize()
    network(*[nd.zeros(shape, ctx=ctx) for shape in shapes])       # trace (and finish deferred init)
    symbol = network._cached_symbol
    params = network.collect_params()
    arg_names, aux_names = symbol.list_arguments(), set(symbol.list_auxiliary_states())
    arg_params = {n: params[n].data(ctx) for n in arg_names if n in params}
    aux_params = {n: params[n].data(ctx) for n in aux_names if n in params}
    data_names = [n for n in arg_names if n not in arg_params]
    excluded = list(exclude_layers or [])
    for pattern in exclude_layers_match or []:
        excluded += [n for n in symbol.get_internals().list_outputs()
                     if pattern in n or fnmatch.fnmatchcase(n, pattern)]
    excluded = [n[:-len("_output")] if n.endswith("_output") else n for n in excluded]
    qsym, qarg, qaux = quantize_model(
        symbol, arg_params, aux_params, data_names=data_names, label_names=(), ctx=ctx,
        excluded_sym_names=excluded, excluded_op_names=list(exclude_operators or []), calib_mode=calib_mode,
        calib_data=calib_data, num_calib_examples=num_calib_examples, quantized_dtype=quantized_dtype,
        quantize_mode=quantize_mode, quantize_granularity=quantize_granularity, logger=logger)
    return symbol_block_with(qsym, data_names, qarg, qaux, ctx, "quantize_net")


def quantize_net(network, quantized_dtype="auto", quantize_mode="full", exclude_layers=None,
                 exclude_layers_match=None, exclude_operators=None, calib_data=None, data_shapes=None,
                 calib_mode="none", num_calib_examples=None, ctx=cpu(), logger=None):
    """``quantize_net_v2`` with tensor-wise granularity (deprecated in MXNet 1.9.1, which warns)."""
    warnings.warn("WARNING: This will be deprecated after MXNet 2.0, please use quantize_net_v2.")
    return quantize_net_v2(network, quantized_dtype, quantize_mode, "tensor-wise", exclude_layers,
                           exclude_layers_match, exclude_operators, calib_data, data_shapes, calib_mode,
                           num_calib_examples, ctx, None, logger)


def _net_input_shapes(data_shapes, calib_data):
    """The input shapes of quantize_net: from ``data_shapes`` or the calibration data."""
    if data_shapes is None:
        if calib_data is None:
            raise ValueError("data_shapes required if calib_data is not provided")
        if hasattr(calib_data, "provide_data"):
            return [tuple(d.shape) for d in calib_data.provide_data]
        first = next(iter(calib_data))
        batch = first.data if hasattr(first, "data") else first
        if not isinstance(batch, (list, tuple)):
            batch = [batch]
        return [tuple(batch[0].shape)]
    if not isinstance(data_shapes, (list, tuple)) or (data_shapes and isinstance(data_shapes[0], int)):
        data_shapes = [data_shapes]
    shapes = []
    for d in data_shapes:
        if hasattr(d, "shape"):
            shapes.append(tuple(d.shape))
        elif len(d) == 2 and isinstance(d[0], str):
            shapes.append(tuple(d[1]))
        else:
            shapes.append(tuple(d))
    return shapes