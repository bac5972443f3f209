"""INT8 quantization operators of MXNet 1.9.1 (CPU inference), as its oneDNN build computes them.

Every quantized tensor travels with two float32 (1,) arrays, its range ``min``/``max``. int8 data
stands for ``q * max(|min|, |max|) / 127``, uint8 data for ``q * max(|min|, |max|) / 255``.

- ``_contrib_quantize`` (fixed range), ``_contrib_quantize_v2`` (calibrated or runtime range,
  out_type int8/uint8/auto), ``_contrib_quantize_asym`` (uint8 with scale and shift);
- ``_contrib_quantized_conv`` / ``_contrib_quantized_fully_connected``: int8 (or uint8 data) x int8
  weight accumulated exactly in int32; the bias (int8 with its own range) is rescaled into the
  int32 units; output range ``+-(2^31 - 1) / (data_scale * weight_scale)``;
- range-preserving ops: ``_contrib_quantized_pooling`` (max / avg rounded to nearest),
  ``_contrib_quantized_act`` (relu), ``_contrib_quantized_flatten``, ``_contrib_quantized_embedding``;
- ``_contrib_quantized_concat`` rescales every input to the widest range;
- ``_contrib_quantized_elemwise_add`` / ``_mul``: int32 output over the summed / multiplied
  ranges, or int8 over the calibrated range;
- ``_contrib_quantized_batch_norm``: int8 out over the calibrated (or runtime) range.

Integer products are computed in float64, which holds every int8 x int8 sum of fewer than 2^37
terms exactly, then stored as int32 (the values of an int32 accumulation).
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Float, FloatOrNone, Bool, Int, Enum, DType
from .registry import OpDef, register, get_op
from .conv import conv_nd, _conv_geometry
from .pooling import _pool, _infer_shape as _pool_infer_shape
from .legacy_ops import _round_half_away, _INT32_RANGE

_F32 = np.dtype(np.float32)
_I8, _U8, _I32 = np.dtype(np.int8), np.dtype(np.uint8), np.dtype(np.int32)


def _qrange(dtype):
    return 255.0 if np.dtype(dtype) == _U8 else 127.0


def _maxabs(xp, lo, hi):
    return xp.maximum(xp.abs(lo.astype(np.float64)), xp.abs(hi.astype(np.float64))).reshape(())


def _r1(xp, v):
    return xp.asarray(v, dtype=np.float64).astype(np.float32).reshape(1)


def _safe(xp, r):
    return xp.where(r == 0, 1.0, r)


def _check_ranges(name, shapes, idx):
    for i in idx:
        if shapes[i] is not None and tuple(shapes[i]) != (1,):
            raise MXNetError("{}: range input {} must have shape (1,), got {}".format(name, i, tuple(shapes[i])))


def _check_int(name, dtype, what="data", allowed=(_I8, _U8)):
    if dtype is not None and np.dtype(dtype) not in allowed:
        raise MXNetError("{}: {} must be {}, got {}".format(
            name, what, " or ".join(np.dtype(a).name for a in allowed), np.dtype(dtype).name))


def _quantize(xp, x, rng, out_type, half=0.0):
    """float -> int8 / uint8 over the symmetric range ``rng`` (round half away, saturate); the
    scale is (127 + half) / rng or (255 + half) / rng."""
    x = x.astype(np.float64)
    rng = _safe(xp, rng)
    if out_type == "uint8":
        return xp.clip(_round_half_away(xp, x * ((255.0 + half) / rng)), 0, 255).astype(np.uint8)
    return xp.clip(_round_half_away(xp, x * ((127.0 + half) / rng)), -127, 127).astype(np.int8)


_DOC_RANGE = "The minimum scalar value possibly produced for the input"
_OUT3 = ("output", "min_output", "max_output")

# -- quantize / quantize_v2 / quantize_asym --------------------------------------------------------


def _q1_forward(env, a, inputs, aux):
    xp = env.xp
    x, lo, hi = inputs
    rng = _maxabs(xp, lo, hi)
    q = _quantize(xp, x, rng, a.out_type)
    if a.out_type == "uint8":     # oneDNN: scale 255 / max|range|, the given range passes through
        return (q, lo.astype(np.float32).reshape(1), hi.astype(np.float32).reshape(1))
    return (q, _r1(xp, -rng), _r1(xp, rng))


def _q1_shape(a, s):
    _check_ranges("_contrib_quantize", s, (1, 2))
    return [tuple(s[0]), (1,), (1,)]


def _float_in(name):
    def infer(a, t):
        if t[0] is not None and np.dtype(t[0]).kind != "f":
            raise MXNetError("{}: data must be a float type, got {}".format(name, np.dtype(t[0]).name))
        return None
    return infer


def _q1_type(a, t):
    _float_in("_contrib_quantize")(a, t)
    return [np.dtype(a.out_type), _F32, _F32]


register(OpDef("_contrib_quantize", _q1_forward, inputs=("data", "min_range", "max_range"), outputs=_OUT3,
               params=(Param("out_type", Enum("int8", "uint8"), "uint8", "Output data type."),),
               infer_shape=_q1_shape, infer_type=_q1_type,
               doc="Quantize a input tensor from float to `out_type`, with user-specified `min_range` and "
                   "`max_range`."))


def _v2_out_type(a):
    if a.out_type != "auto":
        return a.out_type
    return "uint8" if (a.min_calib_range is not None and a.min_calib_range >= 0) else "int8"


def _data_range(xp, x):
    if x.size == 0:
        z = xp.zeros((), dtype=np.float64)
        return z, z
    return x.min().astype(np.float64), x.max().astype(np.float64)


def _v2_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0]
    out_type = _v2_out_type(a)
    if a.min_calib_range is not None and a.max_calib_range is not None:
        lo = xp.asarray(a.min_calib_range, dtype=np.float64)
        hi = xp.asarray(a.max_calib_range, dtype=np.float64)
    else:
        lo, hi = _data_range(xp, x)
    rng = _maxabs(xp, lo, hi)
    q = _quantize(xp, x, rng, out_type, half=0.5)    # oneDNN: scale 127.5 / range (255.5 for uint8)
    if out_type == "uint8":
        return (q, _r1(xp, lo), _r1(xp, hi))
    return (q, _r1(xp, -rng), _r1(xp, rng))


def _v2_type(a, t):
    _float_in("_contrib_quantize_v2")(a, t)
    return [np.dtype(_v2_out_type(a)), _F32, _F32]


_CALIB = (Param("min_calib_range", FloatOrNone, None, "The minimum scalar value in the form of float32. If present, "
                "it will be used to quantize the fp32 data into int8 or uint8."),
          Param("max_calib_range", FloatOrNone, None, "The maximum scalar value in the form of float32. If present, "
                "it will be used to quantize the fp32 data into int8 or uint8."))

register(OpDef("_contrib_quantize_v2", _v2_forward, inputs=("data",), outputs=_OUT3,
               params=(Param("out_type", Enum("auto", "int8", "uint8"), "int8", "Output data type. `auto` can be "
                             "specified to automatically determine output type according to min_calib_range."),)
               + _CALIB,
               infer_shape=lambda a, s: [tuple(s[0]), (1,), (1,)], infer_type=_v2_type,
               doc="Quantize a input tensor from float to `out_type`, with user-specified `min_calib_range` and "
                   "`max_calib_range` or the input range collected at runtime."))


def _asym_forward(env, a, inputs, aux):
    xp = env.xp
    x = inputs[0]
    if a.min_calib_range is not None and a.max_calib_range is not None:
        lo = xp.asarray(a.min_calib_range, dtype=np.float64)
        hi = xp.asarray(a.max_calib_range, dtype=np.float64)
    else:
        lo, hi = _data_range(xp, x)
    width = hi - lo
    scale = 255.0 / _safe(xp, width)
    shift = 255.0 - hi * scale
    q = xp.clip(xp.floor(x.astype(np.float64) * scale + shift + 0.5), 0, 255).astype(np.uint8)
    return (q, _r1(xp, scale), _r1(xp, shift))


register(OpDef("_contrib_quantize_asym", _asym_forward, inputs=("data",), outputs=("output", "scale", "shift"),
               params=_CALIB, infer_shape=lambda a, s: [tuple(s[0]), (1,), (1,)],
               infer_type=lambda a, t: (_float_in("_contrib_quantize_asym")(a, t) or [_U8, _F32, _F32]),
               doc="Quantize a input tensor from float to uint8_t: `out = in * scale + shift + 0.5`."))

# -- quantized_conv / quantized_fully_connected ----------------------------------------------------


def _mm_inputs(a):
    if a.no_bias:
        return ["data", "weight", "min_data", "max_data", "min_weight", "max_weight"]
    return ["data", "weight", "bias", "min_data", "max_data", "min_weight", "max_weight", "min_bias", "max_bias"]


_MM_ALL = ("data", "weight", "bias", "min_data", "max_data", "min_weight", "max_weight", "min_bias", "max_bias")


def _mm_parts(a, inputs):
    if a.no_bias:
        x, w, lo_d, hi_d, lo_w, hi_w = inputs
        return x, w, None, lo_d, hi_d, lo_w, hi_w, None, None
    return inputs


def _mm_range(xp, lo_d, hi_d, lo_w, hi_w):
    """MXNet's int8 x int8 -> int32 output range: (2^31 - 1) * |data| * |weight| / 127^2."""
    rng = _INT32_RANGE * _maxabs(xp, lo_d, hi_d) * _maxabs(xp, lo_w, hi_w) / (127.0 * 127.0)
    return _r1(xp, -rng), _r1(xp, rng)


def _bias_units(xp, x, lo_d, hi_d, lo_w, hi_w, lo_b, hi_b):
    """int32 units per bias level: oneDNN's bias rescale data_scale * weight_scale / bias_scale
    with data_scale = 127 / |data| (255 for uint8), weight_scale = 127.5 / |weight|."""
    sd = _qrange(x.dtype) / _safe(xp, _maxabs(xp, lo_d, hi_d))
    sw = 127.5 / _safe(xp, _maxabs(xp, lo_w, hi_w))
    sb = 127.0 / _safe(xp, _maxabs(xp, lo_b, hi_b))
    return sd * sw / sb


def _mm_finish(xp, acc, bias, ranges):
    if bias is not None:
        acc = acc + bias
    out = xp.clip(acc, -_INT32_RANGE - 1, _INT32_RANGE).astype(np.int32)
    return (out,) + ranges


def _mm_type(name):
    def infer(a, t):
        _check_int(name, t[0])
        _check_int(name, t[1], "weight", (_I8,))
        if not a.no_bias:
            _check_int(name, t[2], "bias", (_I8,))
        return [_I32, _F32, _F32]
    return infer


def _qconv_forward(env, a, inputs, aux):
    xp = env.xp
    x, w, b, lo_d, hi_d, lo_w, hi_w, lo_b, hi_b = _mm_parts(a, inputs)
    k, s, d, p, out = _conv_geometry(a, x.shape)
    acc = conv_nd(xp, x.astype(np.float64), w.astype(np.float64), None, a.num_group, k, s, d, p, out)
    bias = None
    if b is not None:
        # oneDNN (uint8 data, the only kind MXNet's CPU build takes) adds the int8 bias unscaled;
        # int8 data (MXNet's GPU kernel) gets the bias rescaled into the accumulator's units
        bias = b.astype(np.float64)
        if x.dtype != _U8:
            bias = _round_half_away(xp, bias * _bias_units(xp, x, lo_d, hi_d, lo_w, hi_w, lo_b, hi_b))
        bias = bias.reshape((1, -1) + (1,) * len(k))
    return _mm_finish(xp, acc, bias, _mm_range(xp, lo_d, hi_d, lo_w, hi_w))


def _qconv_shape(a, s):
    conv = get_op("Convolution")
    n = 6 if a.no_bias else 9
    if len(s) != n:
        raise MXNetError("_contrib_quantized_conv: expects {} inputs, got {}".format(n, len(s)))
    nr = 2 if a.no_bias else 3
    _check_ranges("_contrib_quantized_conv", s, range(nr, n))
    out = conv.infer_shape(a, [tuple(x) for x in s[:nr]])[0]
    w_want = (a.num_filter, s[0][1] // a.num_group) + tuple(a.kernel)
    if tuple(s[1]) != w_want:
        raise MXNetError("_contrib_quantized_conv: weight shape {} does not match {} (data {})".format(
            tuple(s[1]), w_want, tuple(s[0])))
    return [tuple(out), (1,), (1,)]


def _mm_infer_full(want_shapes, infer):
    """infer_shape_full for quantized conv / FC: fill weight, bias and the (1,) ranges from data."""
    def full(a, in_shapes, aux_shapes):
        s = list(in_shapes)
        if s[0] is None:
            return s, [None, (1,), (1,)], list(aux_shapes)
        nr = 2 if a.no_bias else 3
        want = want_shapes(a, tuple(s[0]))
        for i in range(1, nr):
            if s[i] is None:
                s[i] = want[i - 1]
        for i in range(nr, len(s)):
            if s[i] is None:
                s[i] = (1,)
        return s, infer(a, s), list(aux_shapes)
    return full


def _conv_want(a, d):
    return [(a.num_filter, d[1] // a.num_group) + tuple(a.kernel), (a.num_filter,)]


def _fc_want(a, d):
    k = int(np.prod(d[1:])) if a.flatten else d[-1]
    return [(a.num_hidden, k), (a.num_hidden,)]


register(OpDef("_contrib_quantized_conv", _qconv_forward, infer_shape_full=_mm_infer_full(_conv_want, _qconv_shape),
               params=get_op("Convolution").params, inputs=_mm_inputs, all_inputs=_MM_ALL, outputs=_OUT3,
               infer_shape=_qconv_shape, infer_type=_mm_type("_contrib_quantized_conv"),
               doc="Convolution operator for input, weight and bias data type of int8, and accumulates in type "
                   "int32 for the output."))


def _qfc_forward(env, a, inputs, aux):
    xp = env.xp
    x, w, b, lo_d, hi_d, lo_w, hi_w, lo_b, hi_b = _mm_parts(a, inputs)
    x2 = x.reshape(x.shape[0], -1) if a.flatten else x
    acc = xp.matmul(x2.astype(np.float64), w.astype(np.float64).T)
    bias = None
    if b is not None:
        bias = _round_half_away(xp, b.astype(np.float64) * _bias_units(xp, x, lo_d, hi_d, lo_w, hi_w, lo_b, hi_b))
    return _mm_finish(xp, acc, bias, _mm_range(xp, lo_d, hi_d, lo_w, hi_w))


def _qfc_shape(a, s):
    n = 6 if a.no_bias else 9
    name = "_contrib_quantized_fully_connected"
    if len(s) != n:
        raise MXNetError("{}: expects {} inputs, got {}".format(name, n, len(s)))
    nr = 2 if a.no_bias else 3
    _check_ranges(name, s, range(nr, n))
    d = tuple(s[0])
    k = int(np.prod(d[1:])) if a.flatten else d[-1]
    if tuple(s[1]) != (a.num_hidden, k):
        raise MXNetError("{}: weight shape {} does not match (num_hidden, input size) = {} for data {}".format(
            name, tuple(s[1]), (a.num_hidden, k), d))
    if not a.no_bias and tuple(s[2]) != (a.num_hidden,):
        raise MXNetError("{}: bias shape {} must be ({},)".format(name, tuple(s[2]), a.num_hidden))
    out = (d[0], a.num_hidden) if a.flatten else d[:-1] + (a.num_hidden,)
    return [out, (1,), (1,)]


register(OpDef("_contrib_quantized_fully_connected", _qfc_forward,
               infer_shape_full=_mm_infer_full(_fc_want, _qfc_shape),
               params=(Param("num_hidden", Int, doc="Number of hidden nodes of the output."),
                       Param("no_bias", Bool, False, "Whether to disable bias parameter."),
                       Param("flatten", Bool, True, "Whether to collapse all but the first axis of the input data "
                             "tensor.")),
               inputs=_mm_inputs, all_inputs=_MM_ALL, outputs=_OUT3,
               infer_shape=_qfc_shape, infer_type=_mm_type("_contrib_quantized_fully_connected"),
               doc="Fully Connected operator for input, weight and bias data type of int8, and accumulates in "
                   "type int32 for the output."))

# -- range-preserving ops --------------------------------------------------------------------------


def _passthrough_ranges(lo, hi):
    return lo.astype(np.float32).reshape(1), hi.astype(np.float32).reshape(1)


def _qpool_forward(env, a, inputs, aux):
    xp = env.xp
    x, lo, hi = inputs
    if a.pool_type not in ("max", "avg"):
        raise MXNetError("_contrib_quantized_pooling: only pool_type max and avg are supported, got {}".format(
            a.pool_type))
    y = _pool(xp, a, x.astype(np.float64))
    if a.pool_type == "avg":
        y = xp.rint(y)       # oneDNN rounds the mean to nearest (ties to even)
    return (y.astype(x.dtype),) + _passthrough_ranges(lo, hi)


def _qpool_shape(a, s):
    _check_ranges("_contrib_quantized_pooling", s, (1, 2))
    if a.pool_type not in ("max", "avg"):
        raise MXNetError("_contrib_quantized_pooling: only pool_type max and avg are supported, got {}".format(
            a.pool_type))
    return [tuple(_pool_infer_shape(a, [s[0]])[0]), (1,), (1,)]


def _same_int_type(name):
    def infer(a, t):
        _check_int(name, t[0])
        return [np.dtype(t[0]), _F32, _F32]
    return infer


register(OpDef("_contrib_quantized_pooling", _qpool_forward, params=get_op("Pooling").params,
               inputs=("data", "min_data", "max_data"), outputs=_OUT3,
               infer_shape=_qpool_shape, infer_type=_same_int_type("_contrib_quantized_pooling"),
               doc="Pooling operator for input and output data type of int8."))


def _qact_forward(env, a, inputs, aux):
    x, lo, hi = inputs
    if a.act_type != "relu":
        raise MXNetError("_contrib_quantized_act: only act_type relu is supported, got {}".format(a.act_type))
    return (env.xp.maximum(x, 0).astype(x.dtype),) + _passthrough_ranges(lo, hi)


def _range_same_shape(name):
    def infer(a, s):
        _check_ranges(name, s, (1, 2))
        return [tuple(s[0]), (1,), (1,)]
    return infer


def _act_shape(a, s):
    if a.act_type != "relu":
        raise MXNetError("_contrib_quantized_act: only act_type relu is supported, got {}".format(a.act_type))
    return _range_same_shape("_contrib_quantized_act")(a, s)


register(OpDef("_contrib_quantized_act", _qact_forward, inputs=("data", "min_data", "max_data"), outputs=_OUT3,
               params=(Param("act_type", Enum("relu", "sigmoid", "softrelu", "softsign", "tanh"),
                             doc="Activation function to be applied."),),
               infer_shape=_act_shape,
               infer_type=_same_int_type("_contrib_quantized_act"),
               doc="Activation operator for input and output data type of int8."))


def _qflat_shape(a, s):
    _check_ranges("_contrib_quantized_flatten", s, (1, 2))
    d = tuple(s[0])
    return [(d[0], int(np.prod(d[1:]))) if d else (1,), (1,), (1,)]


register(OpDef("_contrib_quantized_flatten",
               lambda env, a, i, x: (i[0].reshape(i[0].shape[0], -1),) + _passthrough_ranges(i[1], i[2]),
               inputs=("data", "min_data", "max_data"), outputs=_OUT3,
               infer_shape=_qflat_shape, infer_type=_same_int_type("_contrib_quantized_flatten"),
               doc="Flattens the input int8 array into a 2-D array, keeping its range."))


def _qemb_forward(env, a, inputs, aux):
    xp = env.xp
    idx, w, lo, hi = inputs
    i = xp.clip(idx.astype(np.int64), 0, a.input_dim - 1)
    return (w[i],) + _passthrough_ranges(lo, hi)


def _qemb_shape(a, s):
    _check_ranges("_contrib_quantized_embedding", s, (2, 3))
    if tuple(s[1]) != (a.input_dim, a.output_dim):
        raise MXNetError("_contrib_quantized_embedding: weight shape {} must be (input_dim, output_dim) = {}".format(
            tuple(s[1]), (a.input_dim, a.output_dim)))
    return [tuple(s[0]) + (a.output_dim,), (1,), (1,)]


def _qemb_type(a, t):
    _check_int("_contrib_quantized_embedding", t[1], "weight", (_I8,))
    return [_I8, _F32, _F32]


register(OpDef("_contrib_quantized_embedding", _qemb_forward,
               inputs=("data", "weight", "min_weight", "max_weight"), outputs=_OUT3,
               params=(Param("input_dim", Int, doc="Vocabulary size of the input indices."),
                       Param("output_dim", Int, doc="Dimension of the embedding vectors."),
                       Param("dtype", DType("bfloat16", "float16", "float32", "float64", "int32", "int64", "int8",
                                            "uint8"), "float32", "Data type of weight."),
                       Param("sparse_grad", Bool, False, "Compute row sparse gradient in the backward calculation.")),
               infer_shape=_qemb_shape, infer_type=_qemb_type,
               doc="Maps integer indices to int8 vector representations (embeddings)."))

# -- quantized_concat ------------------------------------------------------------------------------


def _qcat_inputs(a):
    n = a.num_args
    return (["arg{}".format(i) for i in range(n)]
            + [x for i in range(n) for x in ("arg{}_min".format(i), "arg{}_max".format(i))])


def _qcat_forward(env, a, inputs, aux):
    xp = env.xp
    n = a.num_args
    data = inputs[:n]
    los = xp.concatenate([r.reshape(1).astype(np.float64) for r in inputs[n::2]])
    his = xp.concatenate([r.reshape(1).astype(np.float64) for r in inputs[n + 1::2]])
    lo, hi = los.min(), his.max()
    out_rng = _safe(xp, _maxabs(xp, lo, hi))
    parts = []
    for i, x in enumerate(data):   # one rescale per input (n inputs, not elements)
        r = _maxabs(xp, los[i], his[i])
        qr = _qrange(x.dtype)
        parts.append(xp.clip(xp.rint(x.astype(np.float64) * (r / out_rng)), -qr if qr == 127.0 else 0, qr))
    out = xp.concatenate(parts, axis=a.dim % data[0].ndim).astype(data[0].dtype)
    return (out, _r1(xp, lo), _r1(xp, hi))


def _qcat_shape(a, s):
    n = a.num_args
    if len(s) != 3 * n:
        raise MXNetError("_contrib_quantized_concat: expects 3 * num_args = {} inputs, got {}".format(3 * n, len(s)))
    _check_ranges("_contrib_quantized_concat", s, range(n, 3 * n))
    shapes = [tuple(x) for x in s[:n]]
    ax = a.dim % len(shapes[0])
    for x in shapes[1:]:
        if len(x) != len(shapes[0]) or any(p != q for j, (p, q) in enumerate(zip(x, shapes[0])) if j != ax):
            raise MXNetError("_contrib_quantized_concat: shapes {} differ outside dim={}".format(shapes, a.dim))
    out = list(shapes[0])
    out[ax] = sum(x[ax] for x in shapes)
    return [tuple(out), (1,), (1,)]


def _qcat_type(a, t):
    n = a.num_args
    for x in t[:n]:
        _check_int("_contrib_quantized_concat", x)
    if len({np.dtype(x) for x in t[:n] if x is not None}) > 1:
        raise MXNetError("_contrib_quantized_concat: all inputs must have the same type, got {}".format(
            [np.dtype(x).name for x in t[:n]]))
    return [np.dtype(t[0]), _F32, _F32]


register(OpDef("_contrib_quantized_concat", _qcat_forward, inputs=_qcat_inputs, all_inputs=("data",),
               outputs=_OUT3, key_var_num_args="num_args",
               params=(Param("num_args", Int, doc="Number of inputs to be concated."),
                       Param("dim", Int, 1, "the dimension to be concated.")),
               infer_shape=_qcat_shape, infer_type=_qcat_type,
               doc="Joins input int8 arrays along a given axis, rescaled to the widest input range."))

# -- quantized_elemwise_add / mul ------------------------------------------------------------------
# oneDNN's elemwise_add reads int8 as q * range / 127.5 (as _contrib_dequantize does).

_BIN_IN = ("lhs", "rhs", "lhs_min", "lhs_max", "rhs_min", "rhs_max")


def _bin_shape(name):
    def infer(a, s):
        _check_ranges(name, s, range(2, 6))
        if tuple(s[0]) != tuple(s[1]):
            raise MXNetError("{}: lhs {} and rhs {} must have the same shape".format(name, tuple(s[0]), tuple(s[1])))
        return [tuple(s[0]), (1,), (1,)]
    return infer


def _calibrated(a):
    return a.min_calib_range is not None and a.max_calib_range is not None


def _requant_calib(xp, real, a):
    rng = max(abs(a.min_calib_range), abs(a.max_calib_range))
    q = _quantize(xp, real, xp.asarray(rng, dtype=np.float64), "int8")
    return (q, _r1(xp, a.min_calib_range), _r1(xp, a.max_calib_range))


def _qadd_forward(env, a, inputs, aux):
    xp = env.xp
    x, y, lx, hx, ly, hy = inputs
    rx, ry = _maxabs(xp, lx, hx), _maxabs(xp, ly, hy)
    real = (x.astype(np.float64) * (rx / (_qrange(x.dtype) + 0.5))
            + y.astype(np.float64) * (ry / (_qrange(y.dtype) + 0.5)))
    if _calibrated(a):
        return _requant_calib(xp, real, a)
    rng = rx + ry
    out = xp.clip(_round_half_away(xp, real * (_INT32_RANGE / _safe(xp, rng))), -_INT32_RANGE, _INT32_RANGE)
    return (out.astype(np.int32), _r1(xp, -rng), _r1(xp, rng))


def _bin_type(name):
    def infer(a, t):
        _check_int(name, t[0], "lhs")
        _check_int(name, t[1], "rhs")
        if getattr(a, "enable_float_output", False):
            return [_F32, _F32, _F32]
        return [_I8 if _calibrated(a) else _I32, _F32, _F32]
    return infer


register(OpDef("_contrib_quantized_elemwise_add", _qadd_forward, inputs=_BIN_IN, outputs=_OUT3, params=_CALIB,
               infer_shape=_bin_shape("_contrib_quantized_elemwise_add"),
               infer_type=_bin_type("_contrib_quantized_elemwise_add"),
               doc="elemwise_add operator for input dataA and input dataB data type of int8, and accumulates in "
                   "type int32 for the output."))


def _qmul_forward(env, a, inputs, aux):
    xp = env.xp
    x, y, lx, hx, ly, hy = inputs
    sx = _maxabs(xp, lx, hx) / _qrange(x.dtype)
    sy = _maxabs(xp, ly, hy) / _qrange(y.dtype)
    acc = x.astype(np.float64) * y.astype(np.float64)          # exact int32 product
    if a.enable_float_output:
        out = (acc * (sx * sy)).astype(np.float32)
        lo, hi = _data_range(xp, out)
        return (out, _r1(xp, lo), _r1(xp, hi))
    if _calibrated(a):
        return _requant_calib(xp, acc * (sx * sy), a)
    rng = _INT32_RANGE * sx * sy
    return (acc.astype(np.int32), _r1(xp, -rng), _r1(xp, rng))


register(OpDef("_contrib_quantized_elemwise_mul", _qmul_forward, inputs=_BIN_IN, outputs=_OUT3,
               params=_CALIB + (Param("enable_float_output", Bool, False,
                                      "Whether to enable float32 output"),),
               infer_shape=_bin_shape("_contrib_quantized_elemwise_mul"),
               infer_type=_bin_type("_contrib_quantized_elemwise_mul"),
               doc="Multiplies arguments int8 element-wise."))

# -- quantized_batch_norm --------------------------------------------------------------------------


def _qbn_forward(env, a, inputs, aux):
    xp = env.xp
    x, gamma, beta, mean, var, lo, hi = inputs
    ax = a.axis % x.ndim
    bshape = [1] * x.ndim
    bshape[ax] = -1
    real = x.astype(np.float64) * (_maxabs(xp, lo, hi) / _qrange(x.dtype))
    g = xp.ones_like(gamma, dtype=np.float64) if a.fix_gamma else gamma.astype(np.float64)
    inv = g / xp.sqrt(var.astype(np.float64) + a.eps)
    y = (real - mean.astype(np.float64).reshape(bshape)) * inv.reshape(bshape) + beta.astype(np.float64).reshape(
        bshape)
    if _calibrated(a):
        rng = xp.asarray(max(abs(a.min_calib_range), abs(a.max_calib_range)), dtype=np.float64)
    else:
        rng = xp.abs(y).max() if y.size else xp.zeros((), dtype=np.float64)
    return (_quantize(xp, y, rng, "int8"), _r1(xp, -rng), _r1(xp, rng))


def _qbn_shape(a, s):
    name = "_contrib_quantized_batch_norm"
    _check_ranges(name, s, (5, 6))
    d = tuple(s[0])
    c = d[a.axis % len(d)]
    for i, arg in ((1, "gamma"), (2, "beta"), (3, "moving_mean"), (4, "moving_var")):
        if tuple(s[i]) != (c,):
            raise MXNetError("{}: {} must have shape ({},) for data {}, got {}".format(name, arg, c, d, tuple(s[i])))
    return [d, (1,), (1,)]


def _qbn_type(a, t):
    _check_int("_contrib_quantized_batch_norm", t[0], "data", (_I8,))
    return [_I8, _F32, _F32]


register(OpDef("_contrib_quantized_batch_norm", _qbn_forward,
               inputs=("data", "gamma", "beta", "moving_mean", "moving_var", "min_data", "max_data"), outputs=_OUT3,
               params=(Param("eps", Float, 0.0010000000474974513, "Epsilon to prevent div 0."),
                       Param("momentum", Float, 0.899999976, "Momentum for moving average"),
                       Param("fix_gamma", Bool, True, "Fix gamma while training"),
                       Param("use_global_stats", Bool, False, "Whether use global moving statistics instead of local "
                             "batch-norm."),
                       Param("output_mean_var", Bool, False, "Output the mean and inverse std "),
                       Param("axis", Int, 1, "Specify which shape axis the channel is specified"),
                       Param("cudnn_off", Bool, False, "Do not select CUDNN operator, if available")) + _CALIB,
               infer_shape=_qbn_shape, infer_type=_qbn_type,
               doc="BatchNorm operator for input and output data type of int8."))

# -- quantized_rnn ---------------------------------------------------------------------------------
# MXNet 1.9.1 (oneDNN) checked with the oracle: data_f = (data_u8 - shift) / scale; the weights of
# every gate row are quantized to int8 with scale 127 / max(|W_i2h row|, |W_h2h row|), the max taken
# over both directions of a layer (round half to even); the bias stays float32; the hidden state is
# requantized to uint8 with the data's scale and shift at every step (outputs and states lie on that
# grid), the cell state stays float32. oneDNN's non-VNNI int8 GEMM saturates pairs of u8 x s8
# products at int16; this computes the exact int32 sums (the VNNI result).

def _qrnn_check(a):
    if a.mode != "lstm":
        raise MXNetError("Quantized recurrent neural network only supports LSTM operator on CPU.")
    if a.projection_size is not None:
        raise MXNetError("_contrib_quantized_rnn: projection_size is not supported")
    if a.use_sequence_length:
        raise MXNetError("_contrib_quantized_rnn: use_sequence_length is not supported")


def _qrnn_outputs(a):
    return ["output", "state_output", "statecell_output"] if a.state_outputs else ["output"]


def _qrnn_shape(a, s):
    from .rnn import _infer_full
    _qrnn_check(a)
    _check_ranges("_contrib_quantized_rnn", s, (4, 5))
    outs = _infer_full(a, [tuple(x) if x is not None else None for x in s[:4]], [])[1]
    return [tuple(o) for o in outs[:-1]]


def _qrnn_type(a, t):
    _check_int("_contrib_quantized_rnn", t[0], allowed=(_U8,))
    return [_F32] * len(_qrnn_outputs(a))


def _qrnn_forward(env, a, inputs, aux):
    from .rnn import _Cfg, _unpack, _sigmoid
    xp = env.xp
    _qrnn_check(a)
    x, flat, hx, cx, scale, shift = inputs
    cfg = _Cfg(a, x.shape)
    sc = float(scale.reshape(-1)[0])
    sh = float(shift.reshape(-1)[0])
    f64 = np.float64

    def requant(h):
        return (xp.clip(xp.rint(h * sc + sh), 0, 255) - sh) / sc

    ws = _unpack(cfg, flat.astype(np.float32))
    X = (x.astype(f64) - sh) / sc
    H, hy, cy = cfg.H, [], []
    for layer in range(cfg.L):
        blk = ws[layer * cfg.D:(layer + 1) * cfg.D]
        m = None
        for w in blk:
            r = xp.maximum(xp.abs(w["Wx"]).max(axis=1), xp.abs(w["Wh"]).max(axis=1))
            m = r if m is None else xp.maximum(m, r)
        s = (np.float32(127.0) / xp.where(m == 0, np.float32(1), m)).astype(np.float32)[:, None]
        Y = xp.zeros((cfg.T, cfg.N, cfg.D * H), dtype=f64)
        for d, w in enumerate(blk):
            k = layer * cfg.D + d
            Wx = xp.clip(xp.rint(w["Wx"] * s), -127, 127).astype(f64) / s
            Wh = xp.clip(xp.rint(w["Wh"] * s), -127, 127).astype(f64) / s
            b = w["bx"].astype(f64) + w["bh"].astype(f64)
            h = requant(hx[k].astype(f64))
            c = cx[k].astype(f64)
            for t in (range(cfg.T - 1, -1, -1) if d else range(cfg.T)):
                p = X[t] @ Wx.T + h @ Wh.T + b
                c = _clip(xp, a, _sigmoid(xp, p[:, H:2 * H]) * c
                          + _sigmoid(xp, p[:, :H]) * xp.tanh(p[:, 2 * H:3 * H]))
                h = requant(_sigmoid(xp, p[:, 3 * H:]) * xp.tanh(c))
                Y[t, :, d * H:(d + 1) * H] = h
            hy.append(h)
            cy.append(c)
        X = Y
    out = [X.astype(np.float32)]
    if a.state_outputs:
        out += [xp.stack(hy).astype(np.float32), xp.stack(cy).astype(np.float32)]
    return tuple(out)


def _clip(xp, a, c):
    from .rnn import _clip as rnn_clip
    return rnn_clip(xp, a, c)


register(OpDef("_contrib_quantized_rnn", _qrnn_forward, params=get_op("RNN").params,
               inputs=("data", "parameters", "state", "state_cell", "data_scale", "data_shift"),
               outputs=_qrnn_outputs, infer_shape=_qrnn_shape, infer_type=_qrnn_type,
               doc="RNN operator for input data type of uint8 (``data = (data_u8 - data_shift) / data_scale``). "
                   "The weight of each gate is converted to int8, while bias is accumulated in float32; the "
                   "hidden and cell states are float32 (the hidden state is requantized to uint8 with the data's "
                   "scale and shift at every step). Only LSTM, forward only (inference)."))
