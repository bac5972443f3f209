"""Differential op fuzzing against real MXNet 1.9.1 (a developer tool, not part of the tests).

Random operator cases (Convolution/Deconvolution/Pooling geometries, normalisations, reductions,
softmax family, activations, shape and indexing ops, broadcasting, dot/FullyConnected, loss
layers, RNN, unary/scalar/binary math ...) are generated from the case number alone, so both
libraries run the same cases; each records its outputs and, through autograd with a random head
gradient, its input gradients.

    python tools/op_diff_fuzz.py run 0 1000 /tmp/new.npz            # neomx
    ~/mxref/bin/python tools/op_diff_fuzz.py run 0 1000 /tmp/ref.npz  # MXNet 1.9.1 (oracle venv)
    python tools/op_diff_fuzz.py compare /tmp/ref.npz /tmp/new.npz

Known differences (neomx follows the derivative of the forward; see docs/architecture.md,
Registry): LeakyReLU selu and rrelu-in-predict-mode gradients, SoftmaxActivation(mode='instance')
gradients, BatchNorm gradients in predict mode without use_global_stats; khatri_rao has a
gradient here only. Cases that fail on both sides are invalid draws of the generator.
"""
import json
import random
import sys

import numpy as np

import mxnet as mx
from mxnet import autograd


def _uniform(shape, rng, lo=-1, hi=1):
    """float32 values drawn uniformly from [lo, hi)."""
    return rng.uniform(lo, hi, shape).astype(np.float32)


def gen_case(rnd):
    """One random case: {'op', 'params', 'inputs': {name: shape}, ...}."""
    return rnd.choice(GENS)(rnd)


def g_conv(rnd):
    nd = rnd.choice([1, 2, 2, 3])
    groups = rnd.choice([1, 1, 2])
    C = 2 * rnd.randint(1, 2) * groups      # channels: a multiple of the groups
    Fn = groups * rnd.randint(1, 3)
    kernel = tuple(rnd.randint(1, 3) for _ in range(nd))
    stride = tuple(rnd.randint(1, 2) for _ in range(nd))
    dilate = tuple(rnd.randint(1, 2) for _ in range(nd))
    pad = tuple(rnd.randint(0, 1) for _ in range(nd))
    sp = tuple(rnd.randint(5, 7) for _ in range(nd))
    no_bias = rnd.random() < 0.3
    ins = {"data": (2, C) + sp, "weight": (Fn, C // groups) + kernel}
    if not no_bias: ins["bias"] = (Fn,)
    return {"op": "Convolution", "params": dict(kernel=kernel, stride=stride, dilate=dilate, pad=pad, num_filter=Fn, num_group=groups, no_bias=no_bias), "inputs": ins}

def g_deconv(rnd):
    nd = rnd.choice([1, 2])
    groups = rnd.choice([1, 2])
    C = groups * rnd.randint(1, 2); Fn = groups * rnd.randint(1, 2)
    kernel = tuple(rnd.randint(1, 3) for _ in range(nd))
    stride = tuple(rnd.randint(1, 2) for _ in range(nd))
    pad = tuple(rnd.randint(0, k // 2) for k in kernel)
    adj = tuple(rnd.randint(0, s - 1) for s in stride)
    sp = tuple(rnd.randint(3, 5) for _ in range(nd))
    ins = {"data": (2, C) + sp, "weight": (C, Fn // groups) + kernel}
    no_bias = rnd.random() < 0.5
    if not no_bias: ins["bias"] = (Fn,)
    return {"op": "Deconvolution", "params": dict(kernel=kernel, stride=stride, pad=pad, adj=adj, num_filter=Fn, num_group=groups, no_bias=no_bias), "inputs": ins}

def g_pool(rnd):
    nd = rnd.choice([1, 2, 2, 3])
    pt = rnd.choice(["max", "avg", "sum", "lp"])
    kernel = tuple(rnd.randint(1, 3) for _ in range(nd))
    stride = tuple(rnd.randint(1, 2) for _ in range(nd))
    pad = tuple(rnd.randint(0, k // 2) for k in kernel)
    conv = rnd.choice(["valid", "full", "same"]) if nd == 2 else rnd.choice(["valid", "full"])
    params = dict(kernel=kernel, stride=stride, pad=pad, pool_type=pt, pooling_convention=conv)
    if pt == "avg": params["count_include_pad"] = rnd.random() < 0.5
    if pt == "lp": params["p_value"] = rnd.choice([1, 2, 3])
    if rnd.random() < 0.15: params = dict(global_pool=True, pool_type=pt, kernel=kernel) if pt != "lp" else dict(global_pool=True, pool_type="max", kernel=kernel)
    sp = tuple(rnd.randint(4, 7) for _ in range(nd))
    return {"op": "Pooling", "params": params, "inputs": {"data": (2, 3) + sp}}

def g_bn(rnd):
    C = rnd.randint(1, 4)
    shape = rnd.choice([(3, C), (2, C, 4), (2, C, 3, 3)])
    axis = 1
    params = dict(fix_gamma=rnd.random() < 0.5, use_global_stats=rnd.random() < 0.3, eps=rnd.choice([1e-3, 1e-5]), momentum=0.9, axis=axis)
    return {"op": "BatchNorm", "params": params, "inputs": {"data": shape, "gamma": (C,), "beta": (C,)}, "aux": {"moving_mean": (C,), "moving_var": (C,)}, "train": rnd.random() < 0.7}

def g_norms(rnd):
    which = rnd.choice(["LayerNorm", "InstanceNorm", "GroupNorm", "L2Normalization", "LRN"])
    if which == "LayerNorm":
        shape = (3, 4, 5); axis = rnd.choice([-1, 1, 0])
        n = shape[axis]
        return {"op": which, "params": dict(axis=axis, eps=1e-5), "inputs": {"data": shape, "gamma": (n,), "beta": (n,)}}
    if which == "InstanceNorm":
        return {"op": which, "params": dict(eps=1e-3), "inputs": {"data": (2, 3, 5), "gamma": (3,), "beta": (3,)}}
    if which == "GroupNorm":
        return {"op": which, "params": dict(num_groups=2, eps=1e-5), "inputs": {"data": (2, 4, 3), "gamma": (2,), "beta": (2,)}}
    if which == "L2Normalization":
        return {"op": which, "params": dict(mode=rnd.choice(["instance", "channel", "spatial"])), "inputs": {"data": (2, 3, 4)}}
    return {"op": which, "params": dict(nsize=rnd.choice([3, 5]), alpha=1e-3, beta=0.75, knorm=2.0), "inputs": {"data": (2, 6, 3, 3)}}

def g_reduce(rnd):
    op = rnd.choice(["sum", "mean", "prod", "max", "min", "nansum", "norm"])
    shape = (3, 4, 2)
    axis = rnd.choice([None, 0, 1, 2, -1, (0, 2), (1,)])
    params = dict(keepdims=rnd.random() < 0.5)
    if axis is not None: params["axis"] = axis
    if op in ("sum", "mean", "prod", "max", "min") and axis is not None and rnd.random() < 0.3: params["exclude"] = True
    if op == "norm":
        params = dict(ord=rnd.choice([1, 2]), keepdims=params["keepdims"])
        if axis is not None and (not isinstance(axis, tuple) or len(axis) == 1):
            params["axis"] = axis      # (norm takes one axis)
    return {"op": op, "params": params, "inputs": {"data": shape}, "lo": 0.2 if op == "prod" else -1}

def g_softmax(rnd):
    op = rnd.choice(["softmax", "log_softmax", "softmin", "SoftmaxActivation"])
    if op == "SoftmaxActivation":
        return {"op": op, "params": dict(mode=rnd.choice(["instance", "channel"])), "inputs": {"data": (2, 3, 4)}}
    params = dict(axis=rnd.choice([-1, 0, 1]))
    if rnd.random() < 0.5: params["temperature"] = rnd.choice([0.5, 2.0])
    return {"op": op, "params": params, "inputs": {"data": (2, 3, 4)}}

def g_act(rnd):
    op = rnd.choice(["Activation", "LeakyReLU"])
    if op == "Activation":
        return {"op": op, "params": dict(act_type=rnd.choice(["relu", "sigmoid", "tanh", "softrelu", "softsign"])), "inputs": {"data": (3, 4)}, "lo": -3, "hi": 3}
    t = rnd.choice(["leaky", "elu", "selu", "gelu", "prelu", "rrelu"])
    ins = {"data": (2, 3, 4)}
    if t == "prelu": ins["gamma"] = (3,)
    return {"op": op, "params": dict(act_type=t, slope=0.3) if t in ("leaky", "elu") else dict(act_type=t), "inputs": ins, "lo": -3, "hi": 3, "train": False}

def g_shape(rnd):
    op = rnd.choice(["transpose", "swapaxes", "flip", "tile", "repeat", "pad", "slice", "slice_axis", "expand_dims", "Reshape", "depth_to_space", "space_to_depth"])
    d = (2, 3, 4, 4)
    if op == "transpose": p = dict(axes=tuple(rnd.sample(range(4), 4))) if rnd.random() < 0.7 else {}
    elif op == "swapaxes": p = dict(dim1=rnd.randrange(4), dim2=rnd.randrange(4))
    elif op == "flip": p = dict(axis=rnd.choice([0, 1, -1, (1, 2)]))
    elif op == "tile": p = dict(reps=rnd.choice([(2,), (1, 2), (2, 1, 1, 1, 2)]))
    elif op == "repeat": p = dict(repeats=rnd.randint(1, 3), axis=rnd.choice([None, 0, 2]))
    elif op == "pad": p = dict(mode=rnd.choice(["constant", "edge", "reflect"]), pad_width=(0, 0, 0, 0, 1, 2, 2, 1), constant_value=0.5)
    elif op == "slice": p = dict(begin=(None, 1, 0), end=(None, 3, -1), step=rnd.choice([(None, 1, 1), (None, 1, 2), (None, -1, 2)]))
    elif op == "slice_axis": p = dict(axis=rnd.choice([1, 2, -1]), begin=1, end=rnd.choice([None, 3, -1]))
    elif op == "expand_dims": p = dict(axis=rnd.choice([0, 2, -1, 4]))
    elif op == "Reshape": p = dict(shape=rnd.choice([(0, -1), (-1, 0), (-3, -2), (-4, 1, 2, -2), (2, -1, 4), (-2, 1)]), reverse=rnd.random() < 0.3)
    elif op == "depth_to_space": return {"op": op, "params": dict(block_size=2), "inputs": {"data": (2, 8, 2, 3)}}
    else: return {"op": op, "params": dict(block_size=2), "inputs": {"data": (2, 2, 4, 6)}}
    return {"op": op, "params": p, "inputs": {"data": d}}

def g_index(rnd):
    op = rnd.choice(["take", "pick", "one_hot", "Embedding", "topk", "sort", "argsort", "argmax", "SequenceMask", "SequenceLast", "SequenceReverse", "where", "gather_nd", "batch_take"])
    if op == "take":
        return {"op": op, "params": dict(axis=rnd.choice([0, 1, -1]), mode=rnd.choice(["clip", "wrap"])), "inputs": {"a": (3, 4, 2)}, "ints": {"indices": ((2, 3), -2, 6)}}
    if op == "pick":
        return {"op": op, "params": dict(axis=rnd.choice([0, 1, -1]), keepdims=rnd.random() < 0.5, mode=rnd.choice(["clip", "wrap"])), "inputs": {"data": (3, 4)}, "ints": {"index": (None, -1, 5)}}
    if op == "one_hot":
        return {"op": op, "params": dict(depth=4, on_value=2.0, off_value=-1.0), "inputs": {}, "ints": {"indices": ((2, 3), -1, 5)}, "nograd": True}
    if op == "Embedding":
        return {"op": op, "params": dict(input_dim=5, output_dim=3), "inputs": {"weight": (5, 3)}, "ints": {"data": ((2, 4), 0, 5)}, "order": ["data", "weight"]}
    if op in ("topk", "sort", "argsort"):
        p = dict(axis=rnd.choice([-1, 0]), is_ascend=rnd.random() < 0.5)
        if op == "topk": p.update(k=rnd.randint(1, 3), ret_typ=rnd.choice(["value", "indices", "mask", "both"]))
        return {"op": op, "params": p, "inputs": {"data": (3, 5)}, "nograd": op != "sort" and not (op == "topk" and p["ret_typ"] == "value")}
    if op == "argmax":
        return {"op": op, "params": dict(axis=rnd.choice([0, 1]), keepdims=rnd.random() < 0.5), "inputs": {"data": (3, 5)}, "nograd": True}
    if op in ("SequenceMask", "SequenceLast", "SequenceReverse"):
        p = dict(use_sequence_length=True, axis=rnd.choice([0, 1]) if op != "SequenceReverse" else 0)
        if op == "SequenceMask": p["value"] = -2.0
        return {"op": op, "params": p, "inputs": {"data": (4, 3, 2)}, "ints": {"sequence_length": ((3,), 1, 5)}, "order": ["data", "sequence_length"]}
    if op == "where":
        return {"op": op, "params": {}, "inputs": {"x": (3, 4), "y": (3, 4)}, "ints": {"condition": ((3, 4), 0, 2)}, "order": ["condition", "x", "y"]}
    if op == "gather_nd":
        return {"op": op, "params": {}, "inputs": {"data": (3, 4, 2)}, "ints": {"indices": ((2, 5), 0, 3)}}
    return {"op": op, "params": {}, "inputs": {"a": (4, 3)}, "ints": {"indices": ((4,), 0, 3)}}

def g_bcast(rnd):
    op = rnd.choice(["broadcast_add", "broadcast_sub", "broadcast_mul", "broadcast_div", "broadcast_maximum", "broadcast_minimum", "broadcast_power", "broadcast_hypot", "broadcast_like", "broadcast_to", "broadcast_axis"])
    if op == "broadcast_to": return {"op": op, "params": dict(shape=(3, 0, 4)), "inputs": {"data": (3, 1, 1)}}
    if op == "broadcast_axis": return {"op": op, "params": dict(axis=(1, 2), size=(2, 3)), "inputs": {"data": (3, 1, 1)}}
    if op == "broadcast_like": return {"op": op, "params": {}, "inputs": {"lhs": (1, 4), "rhs": (3, 4)}}
    a, b = rnd.choice([((3, 1, 4), (1, 2, 4)), ((3, 4), (1, 4)), ((2, 3), (2, 3)), ((1,), (3, 2))])
    return {"op": op, "params": {}, "inputs": {"lhs": a, "rhs": b}, "lo": 0.3 if op in ("broadcast_power", "broadcast_div") else -1, "hi": 2}

def g_dot(rnd):
    op = rnd.choice(["dot", "batch_dot", "FullyConnected", "linalg_gemm2"])
    ta, tb = rnd.random() < 0.5, rnd.random() < 0.5
    if op == "dot":
        a = (4, 3) if ta else (3, 4); b = (5, 4) if tb else (4, 5)
        return {"op": op, "params": dict(transpose_a=ta, transpose_b=tb), "inputs": {"lhs": a, "rhs": b}}
    if op == "batch_dot":
        a = (2, 4, 3) if ta else (2, 3, 4); b = (2, 5, 4) if tb else (2, 4, 5)
        return {"op": op, "params": dict(transpose_a=ta, transpose_b=tb), "inputs": {"lhs": a, "rhs": b}}
    if op == "linalg_gemm2":
        a = (2, 4, 3) if ta else (2, 3, 4); b = (2, 5, 4) if tb else (2, 4, 5)
        return {"op": op, "params": dict(transpose_a=ta, transpose_b=tb, alpha=rnd.choice([1.0, 0.5])), "inputs": {"A": a, "B": b}}
    flat = rnd.random() < 0.5
    nb = rnd.random() < 0.3
    ins = {"data": (2, 3, 4), "weight": (5, 12 if flat else 4)}
    if not nb: ins["bias"] = (5,)
    return {"op": op, "params": dict(num_hidden=5, flatten=flat, no_bias=nb), "inputs": ins}

def g_loss(rnd):
    op = rnd.choice(["SoftmaxOutput", "LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput", "smooth_l1", "CTCLoss"])
    if op == "SoftmaxOutput":
        p = dict(grad_scale=rnd.choice([1.0, 0.5]), normalization=rnd.choice(["null", "batch", "valid"]), use_ignore=rnd.random() < 0.5, ignore_label=1, multi_output=rnd.random() < 0.3, smooth_alpha=rnd.choice([0.0, 0.1]))
        shape = (2, 3, 4) if p["multi_output"] else (3, 4)
        lshape = (2, 4) if p["multi_output"] else (3,)
        return {"op": op, "params": p, "inputs": {"data": shape}, "ints": {"label": (lshape, 0, 3)}, "order": ["data", "label"], "label_grad": False}
    if op == "smooth_l1":
        return {"op": op, "params": dict(scalar=rnd.choice([1.0, 2.0])), "inputs": {"data": (3, 4)}, "lo": -2, "hi": 2}
    if op == "CTCLoss":
        return {"op": op, "params": dict(blank_label=rnd.choice(["first", "last"])), "inputs": {"data": (6, 2, 4)}, "ints": {"label": ((2, 3), 1, 3)}, "order": ["data", "label"]}
    return {"op": op, "params": dict(grad_scale=rnd.choice([1.0, 2.0])), "inputs": {"data": (3, 2), "label": (3, 2)}, "label_grad": False}

def g_misc(rnd):
    op = rnd.choice(["UpSampling", "clip", "Cast", "diag", "khatri_rao", "Crop", "slice_like", "reshape_like", "add_n", "moments", "cumsum", "ROIPooling", "BilinearSampler", "GridGenerator"])
    if op == "UpSampling":
        return {"op": op, "params": dict(scale=2, sample_type="nearest", num_args=1), "inputs": {"data": (1, 2, 3, 3)}}
    if op == "clip": return {"op": op, "params": dict(a_min=-0.3, a_max=0.5), "inputs": {"data": (3, 4)}}
    if op == "Cast": return {"op": op, "params": dict(dtype="float16"), "inputs": {"data": (3, 4)}, "nograd": True}
    if op == "diag": return {"op": op, "params": dict(k=rnd.choice([0, 1, -1])), "inputs": {"data": rnd.choice([(4, 4), (3,), (2, 3, 3)])}}
    if op == "khatri_rao": return {"op": op, "params": {}, "inputs": {"a": (2, 3), "b": (4, 3)}, "variadic": True}
    if op == "slice_like": return {"op": op, "params": dict(axes=(0, 2)), "inputs": {"data": (3, 4, 5), "shape_like": (2, 3, 3)}}
    if op == "reshape_like": return {"op": op, "params": {}, "inputs": {"lhs": (3, 4), "rhs": (2, 6)}}
    if op == "add_n": return {"op": op, "params": {}, "inputs": {"a": (3, 2), "b": (3, 2), "c": (3, 2)}, "variadic": True}
    if op == "moments": return {"op": op, "params": dict(axes=(0, 2), keepdims=rnd.random() < 0.5), "inputs": {"data": (3, 4, 2)}}
    if op == "cumsum": return {"op": "_np_cumsum", "params": dict(axis=rnd.choice([0, 1])), "inputs": {"a": (3, 4)}}
    if op == "ROIPooling": return {"op": op, "params": dict(pooled_size=(2, 2), spatial_scale=0.5), "inputs": {"data": (1, 2, 8, 8)}, "rois": True}
    if op == "BilinearSampler": return {"op": op, "params": {}, "inputs": {"data": (1, 2, 4, 5), "grid": (1, 2, 3, 3)}, "lo": -1.1, "hi": 1.1}
    if op == "GridGenerator": return {"op": op, "params": dict(transform_type="affine", target_shape=(3, 4)), "inputs": {"data": (2, 6)}}
    # op == "Crop"
    return {"op": op, "params": dict(offset=(1, 1), h_w=(2, 3), num_args=1), "inputs": {"data": (1, 2, 5, 5)}}

def g_rnn(rnd):
    mode = rnd.choice(["rnn_tanh", "rnn_relu", "gru", "lstm"])
    L = rnd.choice([1, 2]); bid = rnd.random() < 0.5; H = 3; I = 4; T = 3; N = 2
    gates = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3, "lstm": 4}[mode]
    D = 2 if bid else 1
    size = 0
    for l in range(L):
        inp = I if l == 0 else H * D
        size += D * gates * H * (inp + H + 2)
    ins = {"data": (T, N, I), "parameters": (size,), "state": (L * D, N, H)}
    if mode == "lstm": ins["state_cell"] = (L * D, N, H)
    return {"op": "RNN", "params": dict(mode=mode, num_layers=L, bidirectional=bid, state_size=H, state_outputs=True), "inputs": ins, "lo": -0.5, "hi": 0.5, "train": False}

UNARY = ["abs", "sign", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt", "cbrt", "rcbrt", "square", "reciprocal", "negative",
         "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "degrees", "radians",
         "relu", "sigmoid", "softsign", "erf", "erfinv", "gamma", "gammaln", "digamma", "floor", "ceil", "round", "rint", "trunc", "fix", "hard_sigmoid", "log_sigmoid", "mish"]
def g_unary(rnd):
    op = rnd.choice(UNARY)
    lo, hi = -0.9, 0.9
    if op in ("log", "log2", "log10", "sqrt", "rsqrt", "gamma", "gammaln", "digamma", "rcbrt", "reciprocal"): lo, hi = 0.2, 3
    if op == "arccosh": lo, hi = 1.2, 3
    return {"op": op, "params": {}, "inputs": {"data": (3, 4)}, "lo": lo, "hi": hi}
def g_scalar(rnd):
    op = rnd.choice(["_plus_scalar", "_minus_scalar", "_rminus_scalar", "_mul_scalar", "_div_scalar", "_rdiv_scalar", "_power_scalar", "_rpower_scalar", "_maximum_scalar", "_minimum_scalar", "_hypot_scalar", "_mod_scalar", "_rmod_scalar", "smooth_l1"])
    return {"op": op, "params": dict(scalar=rnd.choice([0.5, 2.0, 3.0])), "inputs": {"data": (3, 4)}, "lo": 0.2, "hi": 2}
def g_binary(rnd):
    op = rnd.choice(["elemwise_add", "elemwise_sub", "elemwise_mul", "elemwise_div", "_power", "_maximum", "_minimum", "_hypot", "_mod", "arctan2", "broadcast_mod", "broadcast_equal", "broadcast_greater", "broadcast_logical_and"])
    return {"op": op, "params": {}, "inputs": {"lhs": (3, 4), "rhs": (3, 4)}, "lo": 0.3, "hi": 2, "nograd": op.startswith("broadcast_") and op != "broadcast_mod"}
GENS = [g_unary, g_scalar, g_binary, g_conv, g_deconv, g_pool, g_bn, g_norms, g_reduce, g_softmax, g_act, g_shape, g_index, g_bcast, g_dot, g_loss, g_misc, g_rnn]


def run_case(i, case):
    """Outputs, input gradients and aux states of case ``i`` as float64 arrays."""
    rng = np.random.RandomState(1000 + i)
    lo, hi = case.get("lo", -1), case.get("hi", 1)
    arrays, order = {}, []
    for n, s in case["inputs"].items():
        arrays[n] = mx.nd.array(_uniform(s, rng, lo, hi)); order.append(n)
    for n, (s, a, b) in case.get("ints", {}).items():
        if s is None: s = (3,)
        arrays[n] = mx.nd.array(rng.randint(a, b, s).astype(np.float32)); order.append(n)
    if case.get("rois"):
        arrays["rois"] = mx.nd.array([[0, 1, 1, 6, 5], [0, 0, 2, 7, 7]]); order.append("rois")
    if "order" in case: order = case["order"] + [n for n in order if n not in case["order"]]
    aux = {n: mx.nd.array(np.abs(_uniform(s, rng)) + (0.5 if "var" in n else 0)) for n, s in case.get("aux", {}).items()}
    grad_names = [n for n in case["inputs"] if not case.get("nograd") and not (n == "label" and case.get("label_grad") is False)]
    for n in grad_names: arrays[n].attach_grad()
    name = case["op"]
    op = getattr(mx.nd, name, None) or getattr(mx.nd.contrib, name, None) or getattr(mx.nd._internal, name)
    args = [arrays[n] for n in order] + [aux[n] for n in aux]
    params = dict(case["params"])
    train = case.get("train", True)
    with autograd.record(train_mode=train):
        out = op(*args, **params)
    outs = out if isinstance(out, (list, tuple)) else [out]
    res = {}
    for k, o in enumerate(outs):
        res["out%d" % k] = o.asnumpy().astype(np.float64)
    if grad_names and case["op"] not in ("argmax",):
        heads = [mx.nd.array(_uniform(o.shape, rng)) for o in outs]
        fl = [o for o in outs if o.dtype == np.float32]
        if len(fl) == len(outs):
            autograd.backward(outs, heads)
            for n in grad_names:
                res["grad_" + n] = arrays[n].grad.asnumpy().astype(np.float64)
    for n, a in aux.items():
        res["aux_" + n] = a.asnumpy().astype(np.float64)
    return res



def compare(ref_path, new_path):
    """Print the cases whose outputs or gradients differ (or that fail on one side only)."""
    import collections
    a, b = np.load(ref_path), np.load(new_path)
    meta = json.load(open(ref_path + ".json"))
    ids = sorted({int(k.split("/")[0]) for k in list(a.files) + list(b.files)})
    stats = collections.Counter()
    for i in ids:
        case = meta[str(i)]
        ea, eb = "%d/err" % i in a.files, "%d/err" % i in b.files
        if ea or eb:
            stats["both fail" if ea and eb else "one fails"] += 1
            if not (ea and eb):
                print("FAILS ON ONE SIDE", i, case["op"], case["params"], "| ref:",
                      str(a["%d/err" % i]) if ea else "ok", "| new:", str(b["%d/err" % i]) if eb else "ok")
            continue
        keys = sorted({k.split("/", 1)[1] for f in (a, b) for k in f.files if k.startswith("%d/" % i)})
        bad = []
        for k in keys:
            key = "%d/%s" % (i, k)
            if key not in a.files or key not in b.files:
                bad.append((k, "missing on one side"))
            elif a[key].shape != b[key].shape:
                bad.append((k, "shape %s vs %s" % (a[key].shape, b[key].shape)))
            elif not np.allclose(a[key], b[key], rtol=2e-3, atol=2e-4, equal_nan=True):
                bad.append((k, "max difference %.3g" % np.nanmax(np.abs(a[key] - b[key]))))
        stats["differ" if bad else "same"] += 1
        if bad:
            print("DIFFERS", i, case["op"], case["params"], case["inputs"], bad)
    print(dict(stats))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "run":
        start, stop, out = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        results, meta = {}, {}
        for i in range(start, stop):
            case = meta[i] = gen_case(random.Random(i))
            try:
                for k, v in run_case(i, case).items():
                    results["%d/%s" % (i, k)] = v
            except Exception as e:  # noqa: BLE001 - recorded as the case's outcome
                results["%d/err" % i] = np.array(type(e).__name__ + ": " + str(e).split("\n")[0][:200])
        np.savez(out, **results)
        json.dump({str(k): v for k, v in meta.items()}, open(out + ".json", "w"), default=str)
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        compare(sys.argv[2], sys.argv[3])
    else:
        print(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
