"""Normalization layers: BatchNorm, InstanceNorm, LayerNorm, GroupNorm, LRN and L2Normalization.

Every kernel normalises ``x`` over a set of reduction axes (``xhat = (x - mean) / sqrt(var + eps)``,
biased variance) and, where the layer has them, scales and shifts with ``gamma``/``beta``; one
forward helper and one backward helper serve all of them. float16 data is computed in float32
(MXNet's accumulation type); float32 stays float32.

MXNet 1.9.1 details kept here:

- BatchNorm's ``var`` output is the *inverse* standard deviation ``1/sqrt(var + eps)`` (of the
  batch in training, of ``moving_var`` otherwise), as MXNet's kernels store it; LayerNorm's and
  GroupNorm's third output is the standard deviation ``sqrt(var + eps)``.
- The backward rules use the head gradient of output 0 only: MXNet ignores head gradients given
  for the mean/var/std outputs.
- GroupNorm's ``gamma``/``beta`` have one entry per *group* (shape ``(num_groups,)``), not per
  channel, in 1.9.1.
- BatchNorm updates ``moving_mean``/``moving_var`` (``new = momentum * old + (1 - momentum) *
  batch value``, the biased batch variance recovered from the saved inverse standard deviation as
  ``1/invstd**2 - eps``) when its backward runs, as MXNet does on the CPU (``OpDef.update_aux``):
  a training forward without a backward leaves them alone, a backward run twice
  (``retain_graph``) moves them twice, and a BatchNorm no gradient flows through keeps them.
"""
import numpy as np

from ..base import MXNetError
from .nn_basic import _Bounded, _compute_dtype, _norm_axis, _plain, _require_float
from ._shapes import shape_str as _shape_str
from .params import Param, Int, Float, FloatOrNone, Bool, Enum
from .registry import OpDef, register

# -- shared helpers ---------------------------------------------------------------------------


def _acc(x):
    """The dtype a kernel computes ``x`` in (float16 -> float32)."""
    return np.dtype(_compute_dtype(x))


def _moments(xp, x, red, eps):
    """(xhat, mean, var, rstd) of ``x`` over axes ``red`` (keepdims), biased variance."""
    mean = x.mean(axis=red, keepdims=True)
    d = x - mean
    var = (d * d).mean(axis=red, keepdims=True)
    rstd = 1 / xp.sqrt(var + eps)
    return d * rstd, mean, var, rstd


def _xhat_grad(xhat, rstd, dxhat, red):
    """d loss / d x given d loss / d xhat, for xhat normalised over ``red`` with batch moments."""
    m1 = dxhat.mean(axis=red, keepdims=True)
    m2 = (dxhat * xhat).mean(axis=red, keepdims=True)
    return rstd * (dxhat - m1 - xhat * m2)


def _fill(name, in_shapes, want, names, context):
    """Fill unknown input shapes (None) with ``want[i]``; raise naming the argument on a mismatch."""
    for i, n in enumerate(names):
        if want[i] is None or i >= len(in_shapes):
            continue
        got = in_shapes[i]
        if got is None:
            in_shapes[i] = want[i]
        elif tuple(got) != tuple(want[i]):
            raise MXNetError("{}: shape inconsistent for argument '{}': provided {}, inferred {} from {}".format(
                name, n, _shape_str(got), tuple(want[i]), context))
    return in_shapes


def _float_types(name, n_out=1):
    def infer_type(attrs, in_dtypes):
        _require_float(name, in_dtypes[0])
        return [in_dtypes[0]] * n_out
    return infer_type


def _float32_only(name, n_out):
    def infer_type(attrs, in_dtypes):
        dt = in_dtypes[0]
        if dt is not None and np.dtype(dt) != np.float32:
            raise MXNetError("{}: data has dtype {}; MXNet 1.9.1 implements this operator for float32 "
                             "only".format(name, np.dtype(dt).name))
        return [dt] * n_out
    return infer_type


def _param_grads(xp, g, xhat, keep, shape, req_gamma, req_beta):
    """Gradients of gamma and beta (shaped ``shape``): sums of ``g * xhat`` and ``g`` over every
    axis but ``keep``."""
    red = tuple(i for i in range(g.ndim) if i not in keep)
    dgamma = (g * xhat).sum(axis=red).reshape(shape) if req_gamma else None
    dbeta = g.sum(axis=red).reshape(shape) if req_beta else None
    return dgamma, dbeta


# -- BatchNorm --------------------------------------------------------------------------------


def _bn_axis(attrs, ndim):
    if not -ndim <= attrs.axis < ndim:
        raise MXNetError("BatchNorm: channel axis {} out of range for data with {} dimension(s)".format(
            attrs.axis, ndim))
    return attrs.axis % ndim


def _bn_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes, aux_shapes = list(in_shapes), list(aux_shapes)
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None, None, None], aux_shapes
    d = tuple(d)
    ax = _bn_axis(attrs, len(d))
    c = (d[ax],)
    ctx = "data {} with axis={}".format(d, attrs.axis)
    in_shapes = _fill("BatchNorm", in_shapes, [None, c, c], ["data", "gamma", "beta"], ctx)
    aux_shapes = _fill("BatchNorm", aux_shapes + [None] * (2 - len(aux_shapes)), [c, c],
                       ["moving_mean", "moving_var"], ctx)
    return in_shapes, [d, c, c], aux_shapes


def _bn_infer_type(attrs, in_dtypes):
    dt = in_dtypes[0]
    _require_float("BatchNorm", dt)
    acc = None if dt is None else (np.dtype(np.float32) if np.dtype(dt) == np.float16 else np.dtype(dt))
    return [dt, acc, acc]


def _bn_fill_types(attrs, types):
    """gamma, beta and the moving statistics in the accumulation type: float32 for float16 data,
    else the data's type (as MXNet)."""
    dt = types[0]
    if dt is None:
        return types
    acc = np.dtype(np.float32) if np.dtype(dt) == np.float16 else np.dtype(dt)
    return [dt] + [acc if t is None else t for t in types[1:]]


def _bn_layout(attrs, x):
    ax = _bn_axis(attrs, x.ndim)
    red = tuple(i for i in range(x.ndim) if i != ax)
    bshape = [1] * x.ndim
    bshape[ax] = x.shape[ax]
    return ax, red, tuple(bshape)


def _bn_training(env, attrs):
    return env.is_train and not attrs.use_global_stats


def _bn_forward(env, attrs, inputs, aux):
    xp = env.xp
    x, gamma, beta = inputs
    acc = _acc(x)
    ax, red, bshape = _bn_layout(attrs, x)
    xf = x.astype(acc, copy=False)
    if _bn_training(env, attrs):
        xhat, mean, _, rstd = _moments(xp, xf, red, attrs.eps)
        mean, rstd = mean.reshape(-1), rstd.reshape(-1)
    else:
        mean = aux[0].astype(acc)
        rstd = 1 / xp.sqrt(aux[1].astype(acc) + acc.type(attrs.eps))
        xhat = (xf - mean.reshape(bshape)) * rstd.reshape(bshape)
    y = xhat
    if not attrs.fix_gamma:
        y = y * gamma.astype(acc, copy=False).reshape(bshape)
    y = y + beta.astype(acc, copy=False).reshape(bshape)
    return (y.astype(x.dtype, copy=False), mean, rstd)


def _bn_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x, gamma, beta = inputs
    acc = _acc(x)
    ax, red, bshape = _bn_layout(attrs, x)
    mean, rstd = outputs[1].reshape(bshape), outputs[2].reshape(bshape)
    g = out_grads[0].astype(acc, copy=False)
    xhat = (x.astype(acc, copy=False) - mean) * rstd
    gam = (xp.ones(bshape, dtype=acc) if attrs.fix_gamma
           else gamma.astype(acc, copy=False).reshape(bshape))
    dx = None
    if req[0]:
        if _bn_training(env, attrs):
            dx = _xhat_grad(xhat, rstd, g * gam, red)
        else:   # moving statistics are constants
            dx = g * (gam * rstd)
        dx = dx.astype(x.dtype, copy=False)
    dgamma, dbeta = _param_grads(xp, g, xhat, (ax,), gamma.shape, req[1], req[2])
    if attrs.fix_gamma and req[1]:
        dgamma = xp.zeros(gamma.shape, dtype=gamma.dtype)
    return [dx,
            None if dgamma is None else dgamma.astype(gamma.dtype, copy=False),
            None if dbeta is None else dbeta.astype(beta.dtype, copy=False)]


def _bn_update_aux(env, attrs, inputs, outputs, aux):
    """The moving statistics, moved toward this batch's (saved in ``outputs``) by a training
    backward (see the module docstring)."""
    if _bn_training(env, attrs) and len(aux) == 2:
        mean, rstd = outputs[1], outputs[2]
        _move_stats(aux, mean, 1 / (rstd * rstd) - rstd.dtype.type(attrs.eps), attrs.momentum)


def _move_stats(aux, mean, var, momentum):
    """``aux = momentum * aux + (1 - momentum) * batch`` for (moving_mean, moving_var), in place."""
    for a, v in zip(aux, (mean, var)):
        t = v.dtype.type
        a[...] = (a.astype(v.dtype, copy=False) * t(momentum) + v * t(1 - momentum)).astype(a.dtype, copy=False)


register(OpDef(
    "BatchNorm", _bn_forward,
    params=(Param("eps", Float, 1e-3, "Epsilon to prevent div 0. Must be no less than CUDNN_BN_MIN_EPSILON "
                  "defined in cudnn.h when using cudnn (usually 1e-5)"),
            Param("momentum", Float, 0.9, "Momentum for moving average"),
            Param("fix_gamma", Bool, True, "Fix gamma while training"),
            Param("use_global_stats", Bool, False, "Whether use global moving statistics instead of local "
                  "batch-norm. This will force change batch-norm into a scale shift operator."),
            Param("output_mean_var", Bool, False, "Output the mean and inverse std "),
            Param("axis", Int, 1, "Specify which shape axis the channel is specified"),
            Param("cudnn_off", Bool, False, "Do not select CUDNN operator, if available"),
            Param("min_calib_range", FloatOrNone, None, "The minimum scalar value in the form of float32 "
                  "obtained through calibration (quantization only; ignored here)."),
            Param("max_calib_range", FloatOrNone, None, "The maximum scalar value in the form of float32 "
                  "obtained through calibration (quantization only; ignored here).")),
    inputs=("data", "gamma", "beta"), aux=("moving_mean", "moving_var"),
    outputs=("output", "mean", "var"), num_visible_outputs=lambda a: 3 if a.output_mean_var else 1,
    infer_shape=_plain(_bn_infer_full), infer_shape_full=_bn_infer_full, infer_type=_bn_infer_type,
    fill_types=_bn_fill_types,
    backward=_bn_backward, update_aux=_bn_update_aux,
    var_attrs={"moving_mean": {"__init__": '["zero", {}]'}, "moving_var": {"__init__": '["one", {}]'}},
    doc="Batch normalization: normalizes a data batch by mean and variance, and applies a scale gamma "
        "and offset beta."))

# -- InstanceNorm -----------------------------------------------------------------------------


def _in_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None] * 3, list(aux_shapes)
    d = tuple(d)
    if len(d) < 3:
        raise MXNetError("InstanceNorm: data must have at least 3 dimensions (batch, channel, spatial...), "
                         "got shape {}".format(d))
    c = (d[1],)
    in_shapes = _fill("InstanceNorm", in_shapes, [None, c, c], ["data", "gamma", "beta"],
                      "data {}".format(d))
    return in_shapes, [d, d[:2], d[:2]], list(aux_shapes)


def _in_layout(x):
    return tuple(range(2, x.ndim)), (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _in_forward(env, attrs, inputs, aux):
    x, gamma, beta = inputs
    red, bshape = _in_layout(x)
    xhat, mean, var, _ = _moments(env.xp, x, red, attrs.eps)
    return (xhat * gamma.reshape(bshape) + beta.reshape(bshape), mean.reshape(x.shape[:2]),
            var.reshape(x.shape[:2]))


def _in_backward(env, attrs, inputs, outputs, out_grads, req):
    x, gamma, beta = inputs
    red, bshape = _in_layout(x)
    xhat, _, _, rstd = _moments(env.xp, x, red, attrs.eps)
    g = out_grads[0]
    dx = _xhat_grad(xhat, rstd, g * gamma.reshape(bshape), red) if req[0] else None
    dgamma, dbeta = _param_grads(env.xp, g, xhat, (1,), gamma.shape, req[1], req[2])
    return [dx, dgamma, dbeta]


register(OpDef(
    "InstanceNorm", _in_forward,
    params=(Param("eps", Float, 1e-3, "An `epsilon` parameter to prevent division by 0."),),
    inputs=("data", "gamma", "beta"), outputs=("output", "mean", "var"), num_visible_outputs=1,
    infer_shape=_plain(_in_infer_full), infer_shape_full=_in_infer_full,
    infer_type=_float32_only("InstanceNorm", 3), backward=_in_backward,
    doc="Applies instance normalization to the n-dimensional input array (per sample and channel)."))

# -- LayerNorm --------------------------------------------------------------------------------


def _ln_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None] * 3, list(aux_shapes)
    d = tuple(d)
    ax = _norm_axis("LayerNorm", attrs.axis, len(d))
    c = (d[ax],)
    in_shapes = _fill("LayerNorm", in_shapes, [None, c, c], ["data", "gamma", "beta"],
                      "data {} with axis={}".format(d, attrs.axis))
    stat = d[:ax] + (1,) + d[ax + 1:]
    return in_shapes, [d, stat, stat], list(aux_shapes)


def _ln_layout(attrs, x):
    ax = _norm_axis("LayerNorm", attrs.axis, x.ndim)
    bshape = [1] * x.ndim
    bshape[ax] = x.shape[ax]
    return ax, tuple(bshape)


def _ln_forward(env, attrs, inputs, aux):
    xp = env.xp
    x, gamma, beta = inputs
    acc = _acc(x)
    ax, bshape = _ln_layout(attrs, x)
    xhat, mean, var, rstd = _moments(xp, x.astype(acc, copy=False), (ax,), attrs.eps)
    y = xhat * gamma.astype(acc, copy=False).reshape(bshape) + beta.astype(acc, copy=False).reshape(bshape)
    std = xp.sqrt(var + acc.type(attrs.eps))
    return tuple(a.astype(x.dtype, copy=False) for a in (y, mean, std))


def _ln_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x, gamma, beta = inputs
    acc = _acc(x)
    ax, bshape = _ln_layout(attrs, x)
    xhat, _, _, rstd = _moments(xp, x.astype(acc, copy=False), (ax,), attrs.eps)
    g = out_grads[0].astype(acc, copy=False)
    dx = None
    if req[0]:
        dx = _xhat_grad(xhat, rstd, g * gamma.astype(acc, copy=False).reshape(bshape), (ax,))
        dx = dx.astype(x.dtype, copy=False)
    dgamma, dbeta = _param_grads(xp, g, xhat, (ax,), gamma.shape, req[1], req[2])
    return [dx] + [None if d is None else d.astype(x.dtype, copy=False) for d in (dgamma, dbeta)]


register(OpDef(
    "LayerNorm", _ln_forward,
    params=(Param("axis", Int, -1, "The axis to perform layer normalization. Usually, this should be be "
                  "axis of the channel dimension. Negative values means indexing from right to left."),
            Param("eps", Float, 1e-5, "An `epsilon` parameter to prevent division by 0."),
            Param("output_mean_var", Bool, False, "Output the mean and std calculated along the given axis.")),
    inputs=("data", "gamma", "beta"), outputs=("output", "mean", "std"),
    num_visible_outputs=lambda a: 3 if a.output_mean_var else 1,
    infer_shape=_plain(_ln_infer_full), infer_shape_full=_ln_infer_full,
    infer_type=_float_types("LayerNorm", 3), backward=_ln_backward,
    doc="Layer normalization: normalizes the channels of the input tensor by mean and variance, and "
        "applies a scale gamma and offset beta."))

# -- GroupNorm --------------------------------------------------------------------------------


def _gn_check(attrs, d):
    if len(d) < 3:
        raise MXNetError("GroupNorm: data must have at least 3 dimensions (batch, channel, spatial...), "
                         "got shape {}".format(tuple(d)))
    if attrs.num_groups < 1 or d[1] % attrs.num_groups:
        raise MXNetError("GroupNorm: the number of channels ({}) of data {} must be divisible by "
                         "num_groups={}".format(d[1], tuple(d), attrs.num_groups))


def _gn_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None] * 3, list(aux_shapes)
    d = tuple(d)
    _gn_check(attrs, d)
    g = (attrs.num_groups,)
    in_shapes = _fill("GroupNorm", in_shapes, [None, g, g], ["data", "gamma", "beta"],
                      "num_groups={} (MXNet 1.9.1 keeps one gamma/beta per group)".format(attrs.num_groups))
    stat = (d[0], attrs.num_groups)
    return in_shapes, [d, stat, stat], list(aux_shapes)


_GN_RED = (2,)   # data viewed as (N, num_groups, rest): normalise over the rest


def _gn_forward(env, attrs, inputs, aux):
    xp = env.xp
    x, gamma, beta = inputs
    _gn_check(attrs, x.shape)
    acc = _acc(x)
    G = attrs.num_groups
    xr = x.astype(acc, copy=False).reshape(x.shape[0], G, -1)
    xhat, mean, var, rstd = _moments(xp, xr, _GN_RED, attrs.eps)
    y = xhat * gamma.astype(acc, copy=False).reshape(1, G, 1) + beta.astype(acc, copy=False).reshape(1, G, 1)
    std = xp.sqrt(var + acc.type(attrs.eps))
    stat = (x.shape[0], G)
    return (y.reshape(x.shape).astype(x.dtype, copy=False), mean.reshape(stat).astype(x.dtype, copy=False),
            std.reshape(stat).astype(x.dtype, copy=False))


def _gn_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x, gamma, beta = inputs
    acc = _acc(x)
    G = attrs.num_groups
    xr = x.astype(acc, copy=False).reshape(x.shape[0], G, -1)
    xhat, _, _, rstd = _moments(xp, xr, _GN_RED, attrs.eps)
    g = out_grads[0].astype(acc, copy=False).reshape(xr.shape)
    dx = None
    if req[0]:
        dx = _xhat_grad(xhat, rstd, g * gamma.astype(acc, copy=False).reshape(1, G, 1), _GN_RED)
        dx = dx.reshape(x.shape).astype(x.dtype, copy=False)
    dgamma, dbeta = _param_grads(xp, g, xhat, (1,), gamma.shape, req[1], req[2])
    return [dx] + [None if d is None else d.astype(x.dtype, copy=False) for d in (dgamma, dbeta)]


register(OpDef(
    "GroupNorm", _gn_forward,
    params=(Param("num_groups", Int, 1, "Total number of groups."),
            Param("eps", Float, 1e-5, "An `epsilon` parameter to prevent division by 0."),
            Param("output_mean_var", Bool, False, "Output the mean and std calculated along the given axis.")),
    inputs=("data", "gamma", "beta"), outputs=("output", "mean", "std"),
    num_visible_outputs=lambda a: 3 if a.output_mean_var else 1,
    infer_shape=_plain(_gn_infer_full), infer_shape_full=_gn_infer_full,
    infer_type=_float_types("GroupNorm", 3), backward=_gn_backward,
    doc="Group normalization: the channels are split into num_groups groups, each normalized by its "
        "mean and variance, then scaled by gamma and shifted by beta (one pair per group)."))

# -- LRN --------------------------------------------------------------------------------------


def _lrn_infer(attrs, in_shapes):
    d = tuple(in_shapes[0])
    if len(d) != 4:
        raise MXNetError("LRN: data must be 4-dimensional (batch, channel, height, width), got shape {}".format(d))
    return [d, d]


def _window_sum(xp, a, half):
    """Sum over the channel window [c - half, c + half] (zero padded) of a 4-D array."""
    c = a.shape[1]
    p = xp.pad(a, ((0, 0), (half, half), (0, 0), (0, 0)))
    s = p[:, 0:c]
    for k in range(1, 2 * half + 1):   # one array op per window offset, not per element
        s = s + p[:, k:k + c]
    return s


def _lrn_window(attrs, x):
    """(half window, alpha / nsize). MKLDNN's window for an even nsize is the odd one below it,
    still divided by nsize (MXNet's own kernel refuses even sizes)."""
    return (attrs.nsize - 1) // 2, x.dtype.type(attrs.alpha / attrs.nsize)


def _lrn_forward(env, attrs, inputs, aux):
    x = inputs[0]
    half, salpha = _lrn_window(attrs, x)
    norm = x.dtype.type(attrs.knorm) + salpha * _window_sum(env.xp, x * x, half)
    return (x * norm ** x.dtype.type(-attrs.beta), norm)


def _lrn_backward(env, attrs, inputs, outputs, out_grads, req):
    xp, x, g = env.xp, inputs[0], out_grads[0]
    norm = outputs[1]
    half, salpha = _lrn_window(attrs, x)
    b = x.dtype.type(attrs.beta)
    scale = norm ** -b
    # y_c = x_c * N_c^-beta, N_c = k + salpha * sum_{|j-c|<=half} x_j^2; the window is symmetric,
    # so its transpose is itself.
    inner = _window_sum(xp, g * x * scale / norm, half)
    return [g * scale - x.dtype.type(2) * salpha * b * x * inner]


register(OpDef(
    "LRN", _lrn_forward,
    params=(Param("alpha", Float, 1e-4, "The variance scaling parameter alpha in the LRN expression."),
            Param("beta", Float, 0.75, "The power parameter beta in the LRN expression."),
            Param("knorm", Float, 2.0, "The parameter k in the LRN expression."),
            Param("nsize", _Bounded(Int, lo=1), doc="normalization window width in elements.")),
    outputs=("output", "tmp_norm"), num_visible_outputs=1,
    infer_shape=_lrn_infer, infer_type=_float32_only("LRN", 2), backward=_lrn_backward,
    doc="Applies local response normalization to the input (across channels)."))

# -- L2Normalization --------------------------------------------------------------------------


def _l2_red(attrs, shape):
    if attrs.mode == "instance":
        return tuple(range(1, len(shape)))
    if len(shape) < 3:
        raise MXNetError("L2Normalization: mode='{}' needs data with at least 3 dimensions, got shape {}".format(
            attrs.mode, tuple(shape)))
    return (1,) if attrs.mode == "channel" else tuple(range(2, len(shape)))


def _l2_infer(attrs, in_shapes):
    d = tuple(in_shapes[0])
    if not d:
        raise MXNetError("L2Normalization: data must have at least 1 dimension")
    red = _l2_red(attrs, d)
    return [d, _l2_norm_shape(d, red)]


def _l2_norm_shape(d, red):
    """MXNet's hidden ``norm`` output: (N,), (N, 1, ...) or (N, C) for instance/channel/spatial."""
    if red == (1,):
        return (d[0], 1) + tuple(d[2:])
    return tuple(s for i, s in enumerate(d) if i not in red)


def _l2_norm(xp, attrs, x):
    red = _l2_red(attrs, x.shape)
    return red, xp.sqrt((x * x).sum(axis=red, keepdims=True) + x.dtype.type(attrs.eps))


def _l2_forward(env, attrs, inputs, aux):
    x = inputs[0]
    acc = _acc(x)
    xf = x.astype(acc, copy=False)
    red, norm = _l2_norm(env.xp, attrs, xf)
    return ((xf / norm).astype(x.dtype, copy=False),
            norm.reshape(_l2_norm_shape(x.shape, red)).astype(x.dtype, copy=False))


def _l2_backward(env, attrs, inputs, outputs, out_grads, req):
    x = inputs[0]
    acc = _acc(x)
    xf = x.astype(acc, copy=False)
    red, norm = _l2_norm(env.xp, attrs, xf)
    y = xf / norm
    g = out_grads[0].astype(acc, copy=False)
    return [((g - y * (g * y).sum(axis=red, keepdims=True)) / norm).astype(x.dtype, copy=False)]


register(OpDef(
    "L2Normalization", _l2_forward,
    params=(Param("eps", Float, 1e-10, "A small constant for numerical stability."),
            Param("mode", Enum("channel", "instance", "spatial"), "instance",
                  "Specify the dimension along which to compute L2 norm.")),
    outputs=("output", "norm"), num_visible_outputs=1,
    infer_shape=_l2_infer, infer_type=_float_types("L2Normalization", 2), backward=_l2_backward,
    doc="Normalize the input array using the L2 norm (per instance, channel or spatial position)."))
