"""ONNX model -> MXNet Symbol + parameters.

Every ONNX tensor becomes either a constant (a NumPy array: initializers, ``Constant`` nodes and
anything computed only from constants and static shapes, such as the ``Shape -> Slice ->
Concat -> Reshape`` chains exporters write) or a Symbol. Constants are folded with NumPy; a
constant used by an operator becomes a variable whose value goes to ``arg_params`` (or
``aux_params`` for BatchNorm statistics). ``Shape`` of a symbolic tensor is folded from the
static input shapes of the graph."""
import numpy as np

from ...base import MXNetError
from ._common import import_onnx, onnx_to_np_dtype

_FLT_MAX = float(np.finfo(np.float32).max)


def _attrs(node):
    onnx = import_onnx()
    out = {}
    for a in node.attribute:
        v = onnx.helper.get_attribute_value(a)
        if isinstance(v, bytes):
            v = v.decode("utf8")
        elif isinstance(v, list):
            v = [x.decode("utf8") if isinstance(x, bytes) else x for x in v]
        out[a.name] = v
    return out


def _dims(value_info):
    dims = []
    for d in value_info.type.tensor_type.shape.dim:
        dims.append(d.dim_value if d.HasField("dim_value") else None)
    return tuple(dims)


class _Sym:
    """A symbolic tensor (wrapper so that constants and symbols are told apart)."""
    __slots__ = ("s",)

    def __init__(self, s):
        self.s = s


class GraphProto(object):
    """Translates one ONNX graph: ``from_onnx(graph, opset)`` -> (sym, arg_params, aux_params)."""

    def __init__(self):
        from ... import symbol
        self.mx = symbol
        self.values = {}        # tensor name -> np.ndarray | _Sym
        self.params = {}        # variable name -> np.ndarray
        self.input_shapes = {}  # data input name -> shape
        self.opset = 13

    # -- values ---------------------------------------------------------------------------------
    def sym(self, name):
        """The Symbol of tensor ``name`` (a constant becomes a parameter variable)."""
        v = self.values[name]
        if isinstance(v, _Sym):
            return v.s
        var = self._param(name, v)
        self.values[name] = _Sym(var)
        return var

    def _param(self, name, value):
        base, i = name, 0
        while name in self.params and self.params[name] is not value:
            i += 1
            name = "{}_{}".format(base, i)
        self.params[name] = np.asarray(value)
        return self.mx.var(name, shape=np.asarray(value).shape)

    def is_const(self, name):
        return name in self.values and not isinstance(self.values[name], _Sym)

    def const(self, name):
        v = self.values[name]
        if isinstance(v, _Sym):
            raise MXNetError("ONNX import: tensor {!r} must be a constant here".format(name))
        return v

    def shape_of(self, name):
        """The static shape of tensor ``name``."""
        v = self.values[name]
        if not isinstance(v, _Sym):
            return tuple(np.shape(v))
        s = v.s
        known = set(s.list_inputs())
        kw = {k: shp for k, shp in self.input_shapes.items() if k in known}
        for k in known:
            if k in self.params:
                kw[k] = self.params[k].shape
        if any(d is None or d == 0 for k, shp in kw.items() for d in shp if k in
               self.input_shapes):
            raise MXNetError("ONNX import: the graph computes with the shape of {!r}, which "
                             "needs static input shapes".format(name))
        _, out, _ = s.infer_shape(**kw)
        return tuple(out[0])

    # -- the graph ------------------------------------------------------------------------------
    def from_onnx(self, graph, opset=13):
        onnx = import_onnx()
        self.opset = opset
        for t in graph.initializer:
            self.values[t.name] = onnx.numpy_helper.to_array(t)
        for i in graph.input:
            if i.name in self.values:
                continue
            self.input_shapes[i.name] = _dims(i)
            self.values[i.name] = _Sym(self.mx.var(i.name))
        for node in graph.node:
            self._convert(node)
        outs = []
        for o in graph.output:
            outs.append(self.sym(o.name))
        sym = outs[0] if len(outs) == 1 else self.mx.Group(outs)
        from ... import ndarray as nd
        used = set(sym.list_inputs())
        aux_names = set(sym.list_auxiliary_states())
        arg_params = {k: nd.array(v, dtype=v.dtype) for k, v in self.params.items()
                      if k in used and k not in aux_names}
        aux_params = {k: nd.array(v, dtype=v.dtype) for k, v in self.params.items()
                      if k in aux_names}
        return sym, arg_params, aux_params

    def _convert(self, node):
        op = node.op_type
        a = _attrs(node)
        ins = list(node.input)
        name = node.output[0]
        present = [i for i in ins if i]
        if op == "Constant":
            self.values[name] = self._constant_value(a)
            return
        if op == "Shape":
            shp = np.array(self.shape_of(ins[0]), dtype=np.int64)
            start, end = a.get("start", 0), a.get("end", None)
            self.values[name] = shp[start:end]
            return
        if op in _FOLD and all(self.is_const(i) for i in present):
            res = _FOLD[op](self, a, [self.values[i] if i else None for i in ins])
            res = res if isinstance(res, tuple) else (res,)
            for o, r in zip(node.output, res):
                self.values[o] = np.asarray(r)
            return
        conv = _CONVERTERS.get(op)
        if conv is None:
            raise MXNetError("ONNX import: operator {} (node {!r}) is not supported".format(
                op, node.name or name))
        res = conv(self, a, ins, name)
        self.values[name] = res if isinstance(res, (_Sym, np.ndarray)) else _Sym(res)

    def _constant_value(self, a):
        onnx = import_onnx()
        if "value" in a:
            return onnx.numpy_helper.to_array(a["value"])
        for k, dt in (("value_float", np.float32), ("value_floats", np.float32),
                      ("value_int", np.int64), ("value_ints", np.int64)):
            if k in a:
                return np.array(a[k], dtype=dt)
        raise MXNetError("ONNX import: unsupported Constant attributes {}".format(list(a)))

    # helpers for converters
    def axes_arg(self, a, ins, pos):
        """Axes given as attribute (old opsets) or as input ``pos`` (new opsets)."""
        if len(ins) > pos and ins[pos]:
            return [int(x) for x in np.ravel(self.const(ins[pos]))]
        return a.get("axes")

    def pads(self, a, name_in, kernel, strides, dilations):
        """Symmetric (begin, end) pads of a conv/pool node (auto_pad resolved)."""
        n = len(kernel)
        auto = a.get("auto_pad", "NOTSET")
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            shp = self.shape_of(name_in)[2:]
            begin, end = [], []
            for i in range(n):
                out = -(-shp[i] // strides[i])
                total = max((out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - shp[i], 0)
                small, big = total // 2, total - total // 2
                begin.append(small if auto == "SAME_UPPER" else big)
                end.append(big if auto == "SAME_UPPER" else small)
            return begin, end
        if auto == "VALID":
            return [0] * n, [0] * n
        pads = a.get("pads", [0] * (2 * n))
        return list(pads[:n]), list(pads[n:])

    def padded(self, x, begin, end, name, value=0.0):
        """``x`` padded explicitly where begin != end; returns (symbol, symmetric pad)."""
        if begin == end:
            return x, tuple(begin)
        width = [0, 0, 0, 0]
        for b, e in zip(begin, end):
            width += [b, e]
        return self.mx.pad(x, mode="constant", pad_width=tuple(width), constant_value=value,
                           name=name + "_pad"), tuple([0] * len(begin))


# -- constant folding (NumPy) ---------------------------------------------------------------------

def _fold_slice(g, a, v):
    data = v[0]
    if len(v) > 1:
        starts, ends = np.ravel(v[1]), np.ravel(v[2])
        axes = np.ravel(v[3]) if len(v) > 3 and v[3] is not None else range(len(starts))
        steps = np.ravel(v[4]) if len(v) > 4 and v[4] is not None else [1] * len(starts)
    else:
        starts, ends = a["starts"], a["ends"]
        axes = a.get("axes", range(len(starts)))
        steps = [1] * len(starts)
    idx = [slice(None)] * data.ndim
    for s, e, ax, st in zip(starts, ends, axes, steps):
        idx[int(ax)] = slice(int(s), int(min(e, np.iinfo(np.int64).max)), int(st))
    return data[tuple(idx)]


def _fold_reshape(g, a, v):
    shape = list(np.ravel(v[1])) if len(v) > 1 else list(a["shape"])
    shape = [v[0].shape[i] if s == 0 and not a.get("allowzero", 0) else s
             for i, s in enumerate(shape)]
    return v[0].reshape([int(s) for s in shape])


def _fold_unsqueeze(g, a, v):
    axes = [int(x) for x in np.ravel(v[1])] if len(v) > 1 else a["axes"]
    out = v[0]
    nd = out.ndim + len(axes)
    for ax in sorted(x % nd for x in axes):
        out = np.expand_dims(out, ax)
    return out


def _fold_squeeze(g, a, v):
    axes = [int(x) for x in np.ravel(v[1])] if len(v) > 1 and v[1] is not None else a.get("axes")
    return np.squeeze(v[0], axis=tuple(axes) if axes else None)


def _fold_gather(g, a, v):
    return np.take(v[0], v[1].astype(np.int64), axis=a.get("axis", 0))


def _fold_cast(g, a, v):
    return v[0].astype(onnx_to_np_dtype(a["to"]))


def _fold_concat(g, a, v):
    return np.concatenate([x for x in v if x is not None], axis=a["axis"])


def _fold_const_of_shape(g, a, v):
    onnx = import_onnx()
    val = onnx.numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
    return np.full([int(s) for s in np.ravel(v[0])], val.ravel()[0], dtype=val.dtype)


def _fold_binary(f):
    def fold(g, a, v):
        r = f(v[0], v[1])
        return r.astype(np.result_type(v[0], v[1])) if np.issubdtype(v[0].dtype, np.integer) \
            else r.astype(v[0].dtype)
    return fold


def _fold_reduce(f):
    def fold(g, a, v):
        axes = a.get("axes")
        if axes is None and len(v) > 1 and v[1] is not None:
            axes = [int(x) for x in np.ravel(v[1])]
        return f(v[0], axis=tuple(axes) if axes else None, keepdims=bool(a.get("keepdims", 1)))
    return fold


_FOLD = {
    "Identity": lambda g, a, v: v[0],
    "Dropout": lambda g, a, v: v[0],
    "Cast": _fold_cast,
    "Slice": _fold_slice,
    "Gather": _fold_gather,
    "Concat": _fold_concat,
    "Reshape": _fold_reshape,
    "Unsqueeze": _fold_unsqueeze,
    "Squeeze": _fold_squeeze,
    "Transpose": lambda g, a, v: np.transpose(v[0], a.get("perm")),
    "Flatten": lambda g, a, v: v[0].reshape(int(np.prod(v[0].shape[:a.get("axis", 1)])), -1),
    "ConstantOfShape": _fold_const_of_shape,
    "Range": lambda g, a, v: np.arange(v[0], v[1], v[2]).astype(v[0].dtype),
    "Add": _fold_binary(np.add),
    "Sub": _fold_binary(np.subtract),
    "Mul": _fold_binary(np.multiply),
    "Div": _fold_binary(lambda x, y: x // y if np.issubdtype(x.dtype, np.integer) else x / y),
    "Max": lambda g, a, v: np.maximum.reduce(v) if len(v) > 1 else v[0],
    "Min": lambda g, a, v: np.minimum.reduce(v) if len(v) > 1 else v[0],
    "Neg": lambda g, a, v: -v[0],
    "Sqrt": lambda g, a, v: np.sqrt(v[0]),
    "Equal": lambda g, a, v: np.equal(v[0], v[1]),
    "Where": lambda g, a, v: np.where(v[0], v[1], v[2]),
    "ReduceProd": _fold_reduce(np.prod),
}


# -- symbolic converters: (g, attrs, inputs, out_name) -> Symbol -----------------------------------

def _conv(g, a, ins, name):
    w = g.const(ins[1]) if g.is_const(ins[1]) else None
    wshape = w.shape if w is not None else g.shape_of(ins[1])
    kernel = list(a.get("kernel_shape", wshape[2:]))
    n = len(kernel)
    strides = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    group = a.get("group", 1)
    begin, end = g.pads(a, ins[0], kernel, strides, dil)
    x, pad = g.padded(g.sym(ins[0]), begin, end, name)
    args = [x, g.sym(ins[1])] + ([g.sym(ins[2])] if len(ins) > 2 and ins[2] else [])
    return g.mx.Convolution(*args, kernel=tuple(kernel), stride=tuple(strides),
                            dilate=tuple(dil), pad=pad, num_filter=wshape[0], num_group=group,
                            no_bias=len(args) == 2, name=name)


def _conv_transpose(g, a, ins, name):
    wshape = g.shape_of(ins[1])
    kernel = list(a.get("kernel_shape", wshape[2:]))
    n = len(kernel)
    strides = list(a.get("strides", [1] * n))
    dil = list(a.get("dilations", [1] * n))
    group = a.get("group", 1)
    pads = a.get("pads", [0] * (2 * n))
    if list(pads[:n]) != list(pads[n:]) or a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise MXNetError("ONNX import: ConvTranspose {!r}: asymmetric or automatic padding is "
                         "not supported".format(name))
    if "output_shape" in a:
        raise MXNetError("ONNX import: ConvTranspose {!r}: output_shape is not supported".format(
            name))
    args = [g.sym(ins[0]), g.sym(ins[1])] + ([g.sym(ins[2])] if len(ins) > 2 and ins[2] else [])
    return g.mx.Deconvolution(*args, kernel=tuple(kernel), stride=tuple(strides),
                              dilate=tuple(dil), pad=tuple(pads[:n]),
                              adj=tuple(a.get("output_padding", [0] * n)),
                              num_filter=wshape[1] * group, num_group=group,
                              no_bias=len(args) == 2, name=name)


def _pool(pool_type):
    def conv(g, a, ins, name):
        kernel = list(a["kernel_shape"])
        n = len(kernel)
        strides = list(a.get("strides", [1] * n))
        if any(d != 1 for d in a.get("dilations", [1] * n)):
            raise MXNetError("ONNX import: {!r}: pooling with dilations is not supported".format(
                name))
        begin, end = g.pads(a, ins[0], kernel, strides, [1] * n)
        pad_value = -_FLT_MAX if pool_type == "max" else 0.0
        x = g.sym(ins[0])
        kw = {}
        if pool_type == "avg":
            cip = bool(a.get("count_include_pad", 0))
            if begin != end and not cip:
                raise MXNetError("ONNX import: {!r}: asymmetric padding without "
                                 "count_include_pad is not supported".format(name))
            kw["count_include_pad"] = cip
        elif pool_type == "lp":
            kw["p_value"] = a.get("p", 2)
        x, pad = g.padded(x, begin, end, name, pad_value)
        return g.mx.Pooling(x, kernel=tuple(kernel), stride=tuple(strides), pad=pad,
                            pool_type=pool_type,
                            pooling_convention="full" if a.get("ceil_mode", 0) else "valid",
                            name=name, **kw)
    return conv


def _global_pool(pool_type):
    def conv(g, a, ins, name):
        kw = {"p_value": a.get("p", 2)} if pool_type == "lp" else {}
        return g.mx.Pooling(g.sym(ins[0]), kernel=(1, 1), global_pool=True, pool_type=pool_type,
                            name=name, **kw)
    return conv


def _batch_norm(g, a, ins, name):
    args = [g.sym(i) for i in ins[:5]]
    return g.mx.BatchNorm(*args, eps=a.get("epsilon", 1e-5), momentum=a.get("momentum", 0.9),
                          fix_gamma=False, name=name)


def _gemm(g, a, ins, name):
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    ta, tb = a.get("transA", 0), a.get("transB", 0)
    has_c = len(ins) > 2 and ins[2]
    if not ta and g.is_const(ins[1]) and (not has_c or g.is_const(ins[2])):
        w = g.const(ins[1])
        wname = ins[1]
        if not tb:
            w, wname = w.T, ins[1] + "_T"
        if alpha != 1.0:
            w, wname = w * np.asarray(alpha, w.dtype), wname + "_scaled"
        if wname != ins[1]:
            g.values[wname] = np.ascontiguousarray(w)
        args = [g.sym(ins[0]), g.sym(wname)]
        if has_c:
            c = g.const(ins[2])
            cname = ins[2]
            if c.size == w.shape[0] and (c.ndim != 1 or beta != 1.0):
                c = (c * np.asarray(beta, c.dtype)).reshape(-1)
                cname = ins[2] + "_bias"
                g.values[cname] = c
            if c.ndim == 1 and c.size == w.shape[0]:
                args.append(g.sym(cname))
                return g.mx.FullyConnected(*args, num_hidden=w.shape[0], flatten=True, name=name)
            fc = g.mx.FullyConnected(*args, num_hidden=w.shape[0], no_bias=True, name=name + "_fc")
            c = g.sym(cname)
            return g.mx.broadcast_add(fc, c * beta if beta != 1.0 else c, name=name)
        return g.mx.FullyConnected(*args, num_hidden=w.shape[0], no_bias=True, flatten=True,
                                   name=name)
    out = g.mx.dot(g.sym(ins[0]), g.sym(ins[1]), transpose_a=bool(ta), transpose_b=bool(tb))
    if alpha != 1.0:
        out = out * alpha
    if has_c:
        c = g.sym(ins[2])
        out = g.mx.broadcast_add(out, c * beta if beta != 1.0 else c, name=name)
    return out


def _matmul(g, a, ins, name):
    if g.is_const(ins[1]) and g.const(ins[1]).ndim == 2:
        w = g.const(ins[1])
        g.values[ins[1] + "_T"] = np.ascontiguousarray(w.T)
        return g.mx.FullyConnected(g.sym(ins[0]), g.sym(ins[1] + "_T"), num_hidden=w.shape[1],
                                   no_bias=True, flatten=False, name=name)
    sa, sb = g.shape_of(ins[0]), g.shape_of(ins[1])
    if len(sa) == 2 and len(sb) == 2:
        return g.mx.dot(g.sym(ins[0]), g.sym(ins[1]), name=name)
    if len(sa) == 3 and len(sb) == 3:
        return g.mx.batch_dot(g.sym(ins[0]), g.sym(ins[1]), name=name)
    raise MXNetError("ONNX import: MatMul {!r} of shapes {} and {} is not supported".format(
        name, sa, sb))


_SCALAR_OPS = {"Add": ("_plus_scalar", "_plus_scalar"), "Sub": ("_minus_scalar", "_rminus_scalar"),
               "Mul": ("_mul_scalar", "_mul_scalar"), "Div": ("_div_scalar", "_rdiv_scalar"),
               "Pow": ("_power_scalar", "_rpower_scalar"),
               "Max": ("_maximum_scalar", "_maximum_scalar"),
               "Min": ("_minimum_scalar", "_minimum_scalar")}
_BCAST_OPS = {"Add": "broadcast_add", "Sub": "broadcast_sub", "Mul": "broadcast_mul",
              "Div": "broadcast_div", "Pow": "broadcast_power", "Max": "broadcast_maximum",
              "Min": "broadcast_minimum"}


def _binary(op):
    def conv(g, a, ins, name):
        x, y = ins[0], ins[1]
        for const_name, other, rev in ((y, x, 0), (x, y, 1)):
            if g.is_const(const_name) and g.const(const_name).size == 1 and \
                    not g.is_const(other):
                fn = getattr(g.mx._internal, _SCALAR_OPS[op][rev])
                return fn(g.sym(other), scalar=float(np.ravel(g.const(const_name))[0]), name=name)
        return getattr(g.mx, _BCAST_OPS[op])(g.sym(x), g.sym(y), name=name)
    return conv


def _variadic(op):
    def conv(g, a, ins, name):
        out = g.sym(ins[0])
        for i in ins[1:]:
            out = getattr(g.mx, _BCAST_OPS[op])(out, g.sym(i))
        return g.mx.identity(out, name=name) if len(ins) == 1 else out
    return conv


def _sum(g, a, ins, name):
    if len(ins) == 1:
        return g.mx.identity(g.sym(ins[0]), name=name)
    shapes = {g.shape_of(i) for i in ins}
    if len(shapes) == 1:
        return g.mx.add_n(*[g.sym(i) for i in ins], name=name)
    return _variadic("Add")(g, a, ins, name)


def _act(act_type):
    def conv(g, a, ins, name):
        return g.mx.Activation(g.sym(ins[0]), act_type=act_type, name=name)
    return conv


def _leaky(act_type, default_alpha=None):
    def conv(g, a, ins, name):
        kw = {}
        if default_alpha is not None:
            kw["slope"] = a.get("alpha", default_alpha)
        return g.mx.LeakyReLU(g.sym(ins[0]), act_type=act_type, name=name, **kw)
    return conv


def _prelu(g, a, ins, name):
    if g.is_const(ins[1]):
        s = g.const(ins[1])
        g.values[ins[1] + "_flat"] = s.reshape(-1)
        slope = g.sym(ins[1] + "_flat")
    else:
        slope = g.mx.reshape(g.sym(ins[1]), shape=(-1,))
    return g.mx.LeakyReLU(g.sym(ins[0]), slope, act_type="prelu", name=name)


def _softmax(op):
    def conv(g, a, ins, name):
        fn = getattr(g.mx, op)
        x = g.sym(ins[0])
        if g.opset >= 13:
            return fn(x, axis=a.get("axis", -1), name=name)
        axis = a.get("axis", 1)
        shp = g.shape_of(ins[0])
        axis = axis % len(shp)
        if axis == len(shp) - 1:
            return fn(x, axis=-1, name=name)
        flat = g.mx.reshape(x, shape=(int(np.prod(shp[:axis])), -1))
        return g.mx.reshape(fn(flat, axis=-1), shape=shp, name=name)
    return conv


def _flatten(g, a, ins, name):
    axis = a.get("axis", 1)
    if axis == 1:
        return g.mx.Flatten(g.sym(ins[0]), name=name)
    shp = g.shape_of(ins[0])
    axis = axis % len(shp) if axis < 0 else axis
    return g.mx.reshape(g.sym(ins[0]), shape=(int(np.prod(shp[:axis])), -1), name=name)


def _reshape(g, a, ins, name):
    shape = [int(s) for s in np.ravel(g.const(ins[1]))] if len(ins) > 1 else list(a["shape"])
    if a.get("allowzero", 0) and 0 in shape:
        raise MXNetError("ONNX import: Reshape {!r} with allowzero=1 is not supported".format(name))
    return g.mx.reshape(g.sym(ins[0]), shape=tuple(shape), name=name)


def _concat(g, a, ins, name):
    syms = [g.sym(i) for i in ins if i]
    return g.mx.concat(*syms, dim=a["axis"], num_args=len(syms), name=name)


def _identity(g, a, ins, name):
    return g.values[ins[0]] if not g.is_const(ins[0]) else g.const(ins[0])


def _clip(g, a, ins, name):
    lo, hi = a.get("min", -_FLT_MAX), a.get("max", _FLT_MAX)
    if len(ins) > 1 and ins[1]:
        lo = float(np.ravel(g.const(ins[1]))[0])
    if len(ins) > 2 and ins[2]:
        hi = float(np.ravel(g.const(ins[2]))[0])
    return g.mx.clip(g.sym(ins[0]), a_min=lo, a_max=hi, name=name)


def _transpose(g, a, ins, name):
    perm = a.get("perm")
    return g.mx.transpose(g.sym(ins[0]), axes=tuple(perm) if perm else (), name=name)


def _unsqueeze(g, a, ins, name):
    axes = g.axes_arg(a, ins, 1)
    nd = len(g.shape_of(ins[0])) + len(axes)
    out = g.sym(ins[0])
    for ax in sorted(x % nd for x in axes):
        out = g.mx.expand_dims(out, axis=ax)
    return g.mx.identity(out, name=name)


def _squeeze(g, a, ins, name):
    axes = g.axes_arg(a, ins, 1)
    return g.mx.squeeze(g.sym(ins[0]), axis=tuple(axes) if axes else None, name=name)


def _unary(fn_name):
    def conv(g, a, ins, name):
        return getattr(g.mx, fn_name)(g.sym(ins[0]), name=name)
    return conv


def _lrn(g, a, ins, name):
    return g.mx.LRN(g.sym(ins[0]), alpha=a.get("alpha", 1e-4), beta=a.get("beta", 0.75),
                    knorm=a.get("bias", 1.0), nsize=a["size"], name=name)


def _pad(g, a, ins, name):
    pads = [int(p) for p in np.ravel(g.const(ins[1]))] if len(ins) > 1 else list(a["pads"])
    value = float(np.ravel(g.const(ins[2]))[0]) if len(ins) > 2 and ins[2] else \
        a.get("value", 0.0)
    n = len(pads) // 2
    width = []
    for b, e in zip(pads[:n], pads[n:]):
        width += [b, e]
    mode = a.get("mode", "constant")
    return g.mx.pad(g.sym(ins[0]), mode=mode, pad_width=tuple(width), constant_value=value,
                    name=name)


def _reduce(fn_name):
    def conv(g, a, ins, name):
        axes = a.get("axes")
        if axes is None and len(ins) > 1 and ins[1]:
            axes = [int(x) for x in np.ravel(g.const(ins[1]))]
        kw = {"axis": tuple(axes)} if axes else {}
        return getattr(g.mx, fn_name)(g.sym(ins[0]), keepdims=bool(a.get("keepdims", 1)),
                                      name=name, **kw)
    return conv


def _cast(g, a, ins, name):
    return g.mx.Cast(g.sym(ins[0]), dtype=onnx_to_np_dtype(a["to"]).name, name=name)


def _gather(g, a, ins, name):
    if g.is_const(ins[0]) and a.get("axis", 0) == 0 and g.const(ins[0]).ndim == 2:
        w = g.const(ins[0])
        return g.mx.Embedding(g.sym(ins[1]), g.sym(ins[0]), input_dim=w.shape[0],
                              output_dim=w.shape[1], name=name)
    return g.mx.take(g.sym(ins[0]), g.sym(ins[1]), axis=a.get("axis", 0), name=name)


_CONVERTERS = {
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _pool("max"),
    "AveragePool": _pool("avg"),
    "LpPool": _pool("lp"),
    "GlobalMaxPool": _global_pool("max"),
    "GlobalAveragePool": _global_pool("avg"),
    "GlobalLpPool": _global_pool("lp"),
    "BatchNormalization": _batch_norm,
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Relu": _act("relu"),
    "Sigmoid": _act("sigmoid"),
    "Tanh": _act("tanh"),
    "Softplus": _act("softrelu"),
    "Softsign": _act("softsign"),
    "LeakyRelu": _leaky("leaky", 0.01),
    "Elu": _leaky("elu", 1.0),
    "Selu": _leaky("selu"),
    "PRelu": _prelu,
    "Softmax": _softmax("softmax"),
    "LogSoftmax": _softmax("log_softmax"),
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Concat": _concat,
    "Identity": _identity,
    "Dropout": _identity,
    "Clip": _clip,
    "Transpose": _transpose,
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Sum": _sum,
    "Exp": _unary("exp"),
    "Log": _unary("log"),
    "Sqrt": _unary("sqrt"),
    "Abs": _unary("abs"),
    "Neg": _unary("negative"),
    "Reciprocal": _unary("reciprocal"),
    "Floor": _unary("floor"),
    "Ceil": _unary("ceil"),
    "Erf": _unary("erf"),
    "LRN": _lrn,
    "Pad": _pad,
    "ReduceMean": _reduce("mean"),
    "ReduceSum": _reduce("sum"),
    "ReduceMax": _reduce("max"),
    "ReduceMin": _reduce("min"),
    "Cast": _cast,
    "Gather": _gather,
}
for _op in _SCALAR_OPS:
    _CONVERTERS[_op] = _binary(_op)


def _load_model(model_file):
    onnx = import_onnx()
    if isinstance(model_file, (str, bytes)) or hasattr(model_file, "__fspath__"):
        return onnx.load(model_file)
    return model_file


def _opset(model):
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o.version
    return 13


def import_model(model_file):
    """Import an ONNX model file: returns ``(sym, arg_params, aux_params)``."""
    model = _load_model(model_file)
    return GraphProto().from_onnx(model.graph, _opset(model))


def get_model_metadata(model_file):
    """``{'input_tensor_data': [(name, shape)], 'output_tensor_data': [(name, shape)]}`` of the
    graph inputs (initializers excluded) and outputs of an ONNX model file."""
    model = _load_model(model_file)
    init = {t.name for t in model.graph.initializer}
    return {"input_tensor_data": [(i.name, _dims(i)) for i in model.graph.input
                                  if i.name not in init],
            "output_tensor_data": [(o.name, _dims(o)) for o in model.graph.output]}


def import_to_gluon(model_file, ctx):
    """Import an ONNX model file as a ``gluon.SymbolBlock`` with its parameters on ``ctx``."""
    from ...gluon.block import symbol_block_with
    model = _load_model(model_file)
    sym, arg_params, aux_params = import_model(model)
    init = {t.name for t in model.graph.initializer}
    data_names = [i.name for i in model.graph.input if i.name not in init]
    return symbol_block_with(sym, data_names, arg_params, aux_params, ctx, "ONNX import")
