"""Parametrised activations and lookups: LeakyReLU (leaky, prelu, rrelu, elu, selu, gelu),
hard_sigmoid, Embedding and softmax_cross_entropy; then, in their own section, the sequence
operators SequenceMask, SequenceLast and SequenceReverse.

MXNet 1.9.1 details kept or deliberately not kept here:

- ``LeakyReLU(act_type='selu')``: MXNet's backward for negative inputs is
  ``head * lambda * (out + alpha)``, not the derivative of its forward; this rule is the true
  derivative ``head * (out + lambda * alpha)`` (the golden case ``lrelu_selu`` stores MXNet's value).
- ``LeakyReLU(act_type='rrelu')`` has two visible outputs (``output``, ``mask``). Training draws one
  slope per element from U[lower_bound, upper_bound) into ``mask``; inference uses the fixed slope
  ``(lower_bound + upper_bound) / 2`` and fills ``mask`` with it (MXNet leaves it uninitialised).
- ``LeakyReLU(act_type='leaky')`` on float64 data: MXNet computes negative inputs in float32
  arithmetic; here float64 stays float64.
- Embedding and softmax_cross_entropy truncate float indices toward zero and clip them into range
  (MXNet clips Embedding's; it reads out of bounds for bad labels). ``sparse_grad=True`` makes
  the weight gradient row_sparse by construction (:func:`embedding_grad_rows`, attached in
  ops/sparse_ops.py): a row_sparse gradient buffer stores every looked-up row. Its kernel is the
  dense one; a dense buffer gets the dense gradient (MXNet refuses that storage combination).
  Gradients of indices/labels are zeros (MXNet refuses to compute them).
- SequenceLast/SequenceReverse clip lengths into [1, T] / [0, T] (MXNet reads out of bounds).
"""
import math

import numpy as np

from ..base import MXNetError
from . import _special
from .indexing import add_at
from .nn_basic import _plain, _require_float
from ._shapes import shape_str as _shape_str
from .params import Param, Int, Float, Bool, Enum
from .registry import OpDef, register

def _float_same_type(name, n_out=1):
    def infer_type(attrs, in_dtypes):
        _require_float(name, in_dtypes[0])
        return [in_dtypes[0]] * n_out
    return infer_type


# -- LeakyReLU --------------------------------------------------------------------------------

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_LAMBDA = 1.0507009873554804934193349852946
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _acc(x):
    """float16 computed in float32 (MXNet's accumulation type); other dtypes as they are."""
    return x.astype(np.float32) if x.dtype == np.float16 else x


def _lrelu_inputs(attrs):
    return ["data", "gamma"] if attrs.act_type == "prelu" else ["data"]


def _lrelu_outputs(attrs):
    return ["output", "mask"] if attrs.act_type == "rrelu" else ["output"]


def _prelu_gamma(x, gamma):
    """gamma broadcast against x: one value, or one per channel (axis 1)."""
    if gamma.size == 1:
        return gamma.reshape((1,) * x.ndim)
    return gamma.reshape((1, -1) + (1,) * (x.ndim - 2))


def _lrelu_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d = in_shapes[0]
    n_out = len(_lrelu_outputs(attrs))
    if d is None:
        return in_shapes, [None] * n_out, list(aux_shapes)
    d = tuple(d)
    if attrs.act_type == "prelu":
        g = in_shapes[1]
        if g is None:
            if len(d) < 2:
                raise MXNetError("LeakyReLU: prelu infers gamma's shape from axis 1 of data, but data has shape "
                                 "{}; give gamma a shape (1,)".format(d))
            in_shapes[1] = (d[1],)
        elif not (tuple(g) == (1,) or (len(d) >= 2 and tuple(g) == (d[1],))):
            raise MXNetError("LeakyReLU: cannot broadcast gamma to data: gamma {}, data {} (gamma needs shape "
                             "(1,) or (data.shape[1],))".format(_shape_str(g), d))
    return in_shapes, [d] * n_out, list(aux_shapes)


def _lrelu_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    t = attrs.act_type
    one = x.dtype.type
    if t == "leaky":
        return (xp.where(x > 0, x, x * one(attrs.slope)),)
    if t == "prelu":
        return (xp.where(x > 0, x, x * _prelu_gamma(x, inputs[1])),)
    if t == "rrelu":
        lo, hi = attrs.lower_bound, attrs.upper_bound
        if env.is_train:
            u = env.rng.random(x.shape, dtype=np.float32)
            mask = (lo + (hi - lo) * u).astype(x.dtype, copy=False)
        else:
            mask = xp.full(x.shape, (lo + hi) / 2.0, dtype=x.dtype)
        return (xp.where(x > 0, x, x * mask), mask)
    xc = _acc(x)   # float16: exp and erf in float32
    one = xc.dtype.type
    if t == "elu":
        y = xp.where(xc > 0, xc, one(attrs.slope) * xp.expm1(xp.minimum(xc, 0)))
    elif t == "selu":
        y = one(_SELU_LAMBDA) * xp.where(xc > 0, xc, one(_SELU_ALPHA) * xp.expm1(xp.minimum(xc, 0)))
    else:   # gelu (the erf form)
        y = one(0.5) * xc * (1 + _special.erf(xp, xc * one(_SQRT_HALF)))
    return (y.astype(x.dtype, copy=False),)


def _lrelu_backward(env, attrs, inputs, outputs, out_grads, req):
    xp, x, g = env.xp, inputs[0], out_grads[0]
    y = outputs[0]
    t = attrs.act_type
    one = x.dtype.type
    pos = x > 0
    if t == "leaky":
        d = xp.where(pos, one(1), one(attrs.slope))
    elif t == "prelu":
        gam = _prelu_gamma(x, inputs[1])
        dx = (g * xp.where(pos, one(1), gam)) if req[0] else None
        dgam = None
        if req[1]:
            contrib = xp.where(pos, one(0), g * x)
            if inputs[1].size == 1:
                dgam = contrib.sum().reshape(inputs[1].shape)
            else:
                dgam = contrib.sum(axis=tuple(i for i in range(x.ndim) if i != 1)).reshape(inputs[1].shape)
            dgam = dgam.astype(inputs[1].dtype, copy=False)
        return [dx, dgam]
    elif t == "rrelu":
        d = xp.where(pos, one(1), outputs[1])
    elif t == "elu":
        d = xp.where(pos, one(1), y + one(attrs.slope))
    elif t == "selu":
        # the true derivative (MXNet 1.9.1 returns lambda * (y + alpha) for x <= 0)
        d = xp.where(pos, one(_SELU_LAMBDA), y + one(_SELU_LAMBDA * _SELU_ALPHA))
    else:   # gelu: Phi(x) + x * phi(x)
        xc = _acc(x)
        one = xc.dtype.type
        cdf = one(0.5) * (1 + _special.erf(xp, xc * one(_SQRT_HALF)))
        d = cdf + xc * one(_INV_SQRT_2PI) * xp.exp(-one(0.5) * xc * xc)
    return [(g * d).astype(x.dtype, copy=False)]


def _lrelu_type(attrs, in_dtypes):
    _require_float("LeakyReLU", in_dtypes[0])
    return [in_dtypes[0]] * len(_lrelu_outputs(attrs))


register(OpDef(
    "LeakyReLU", _lrelu_forward,
    params=(Param("act_type", Enum("elu", "gelu", "leaky", "prelu", "rrelu", "selu"), "leaky",
                  "Activation function to be applied."),
            Param("slope", Float, 0.25, "Init slope for the activation. (For leaky and elu only)"),
            Param("lower_bound", Float, 0.125, "Lower bound of random slope. (For rrelu only)"),
            Param("upper_bound", Float, 0.334, "Upper bound of random slope. (For rrelu only)")),
    inputs=_lrelu_inputs, all_inputs=("data", "gamma"), outputs=_lrelu_outputs,
    infer_shape=_plain(_lrelu_infer_full), infer_shape_full=_lrelu_infer_full, infer_type=_lrelu_type,
    backward=_lrelu_backward, needs_rng=True,
    var_attrs={"gamma": {"__init__": '["Constant", {"value": 0.25}]'}},
    doc="Applies Leaky rectified linear unit activation element-wise to the input "
        "(leaky, prelu, rrelu, elu, selu or gelu)."))

# -- hard_sigmoid -----------------------------------------------------------------------------


def _hs_forward(env, attrs, inputs, aux):
    x = inputs[0]
    one = x.dtype.type
    return (env.xp.clip(one(attrs.alpha) * x + one(attrs.beta), one(0), one(1)),)


def _hs_backward(env, attrs, inputs, outputs, out_grads, req):
    x = inputs[0]
    one = x.dtype.type
    z = one(attrs.alpha) * x + one(attrs.beta)
    inside = (z > 0) & (z < 1)
    return [env.xp.where(inside, out_grads[0] * one(attrs.alpha), one(0)).astype(x.dtype, copy=False)]


register(OpDef(
    "hard_sigmoid", _hs_forward,
    params=(Param("alpha", Float, 0.2, "Slope of hard sigmoid"),
            Param("beta", Float, 0.5, "Bias of hard sigmoid.")),
    infer_type=_float_same_type("hard_sigmoid"), backward=_hs_backward, elementwise=True,
    doc="Computes hard sigmoid of x element-wise: max(0, min(1, alpha * x + beta))."))

# -- Embedding --------------------------------------------------------------------------------


def _emb_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    want = (attrs.input_dim, attrs.output_dim)
    w = in_shapes[1] if len(in_shapes) > 1 else None
    if w is None:
        in_shapes[1] = want
    elif tuple(w) != want:
        raise MXNetError("Embedding: shape inconsistent for argument 'weight': provided {}, inferred {} from "
                         "input_dim={} and output_dim={}".format(_shape_str(w), want, attrs.input_dim,
                                                                 attrs.output_dim))
    d = in_shapes[0]
    out = None if d is None else tuple(d) + (attrs.output_dim,)
    return in_shapes, [out], list(aux_shapes)


def _emb_type(attrs, in_dtypes):
    if attrs.dtype == "bfloat16":
        raise MXNetError("Embedding: dtype bfloat16 is not supported (NumPy has no bfloat16)")
    w = in_dtypes[1] if len(in_dtypes) > 1 else None
    return [np.dtype(w) if w is not None else np.dtype(attrs.dtype)]


def _emb_fill_types(attrs, types):
    """The weight's type is the ``dtype`` parameter (float32), whatever the indices' type."""
    if types[1] is None and attrs.dtype != "bfloat16":
        return [types[0], np.dtype(attrs.dtype)] + list(types[2:])
    return types


def _emb_index(xp, attrs, data):
    idx = data if data.dtype.kind in "iu" else xp.trunc(data)
    return xp.clip(idx.astype(np.int64), 0, attrs.input_dim - 1)


def _emb_forward(env, attrs, inputs, aux):
    data, w = inputs
    return (env.xp.take(w, _emb_index(env.xp, attrs, data), axis=0),)


def _emb_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    data, w = inputs
    dw = None
    if req[1]:
        dw = xp.zeros(w.shape, dtype=w.dtype)
        add_at(xp, dw, _emb_index(xp, attrs, data).reshape(-1),
               out_grads[0].reshape(-1, w.shape[1]).astype(w.dtype, copy=False))
    return [xp.zeros_like(data) if req[0] else None, dw]


def embedding_grad_rows(xp, attrs, inputs, i, req):
    """Rows of Embedding's row_sparse weight gradient (``sparse_grad=True``): every looked-up
    row, sorted, zero gradient or not (MXNet's SparseEmbedding backward). As MXNet, refuses
    grad_req 'add' and indices outside [0, input_dim - 1]."""
    if req == "add":
        raise MXNetError("Check failed: req == kWriteTo (3 vs. 1) : SparseEmbedding layer doesn't support "
                         "weight gradient calculation with req != write")
    data = inputs[0]
    if data.size and (bool((data < 0).any()) or bool((data > attrs.input_dim - 1).any())):
        raise MXNetError("Check failed: is_valid: Embedding input contains data out of bound")
    return xp.unique(_emb_index(xp, attrs, data).reshape(-1))


register(OpDef(
    "Embedding", _emb_forward,
    params=(Param("input_dim", Int, doc="Vocabulary size of the input indices."),
            Param("output_dim", Int, doc="Dimension of the embedding vectors."),
            Param("dtype", Enum("bfloat16", "float16", "float32", "float64", "int32", "int64", "int8", "uint8"),
                  "float32", "Data type of weight."),
            Param("sparse_grad", Bool, False, "Compute row sparse gradient in the backward calculation.")),
    inputs=("data", "weight"),
    infer_shape=_plain(_emb_infer_full), infer_shape_full=_emb_infer_full, infer_type=_emb_type,
    fill_types=_emb_fill_types,
    backward=_emb_backward,
    doc="Maps integer indices to vector representations (embeddings): row data[i] of weight."))

# -- softmax_cross_entropy --------------------------------------------------------------------


def _sce_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d, lab = in_shapes
    if d is not None and len(d) != 2:
        raise MXNetError("softmax_cross_entropy: data must be 2-D (batch, classes), got shape {}".format(tuple(d)))
    if lab is not None and len(lab) != 1:
        raise MXNetError("softmax_cross_entropy: label must be 1-D (batch,), got shape {}".format(tuple(lab)))
    if d is None:
        return in_shapes, [(1,)], list(aux_shapes)
    if lab is None:
        in_shapes[1] = (d[0],)
    elif lab[0] != d[0]:
        raise MXNetError("softmax_cross_entropy: shape inconsistent for argument 'label': provided {}, "
                         "inferred {} from data {}".format(tuple(lab), (d[0],), tuple(d)))
    return in_shapes, [(1,)], list(aux_shapes)


def _sce_parts(xp, x, label):
    acc = np.float32 if x.dtype == np.float16 else x.dtype
    xf = x.astype(acc, copy=False)
    z = xf - xf.max(axis=1, keepdims=True)
    logp = z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))
    lab = label if label.dtype.kind in "iu" else xp.trunc(label)
    cls = xp.clip(lab.astype(np.int64), 0, x.shape[1] - 1)
    return logp, cls


def _sce_forward(env, attrs, inputs, aux):
    xp = env.xp
    x, label = inputs
    logp, cls = _sce_parts(xp, x, label)
    picked = xp.take_along_axis(logp, cls[:, None], axis=1)
    return ((-picked.sum()).reshape(1).astype(x.dtype, copy=False),)


def _sce_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x, label = inputs
    logp, cls = _sce_parts(xp, x, label)
    grad = xp.exp(logp) - (xp.arange(x.shape[1]) == cls[:, None])
    grad = grad * out_grads[0].astype(grad.dtype, copy=False).reshape(())
    return [grad.astype(x.dtype, copy=False), xp.zeros_like(label)]


register(OpDef(
    "softmax_cross_entropy", _sce_forward,
    inputs=("data", "label"),
    infer_shape=_plain(_sce_infer_full), infer_shape_full=_sce_infer_full,
    infer_type=_float_same_type("softmax_cross_entropy"), backward=_sce_backward,
    doc="Calculate cross entropy of softmax output and one-hot label: the sum over the batch of "
        "-log(softmax(data)[label])."))

# =============================================================================================
# Sequence operators: data is (T, batch, ...) for axis=0 or (batch, T, ...) for axis=1, with an
# optional per-sequence length (batch,) used when use_sequence_length=True.
# =============================================================================================


def _seq_inputs(attrs):
    return ["data", "sequence_length"] if attrs.use_sequence_length else ["data"]


def _seq_check_axis(name, attrs, axes):
    if attrs.axis not in axes:
        raise MXNetError("{}: axis={} is not supported; MXNet 1.9.1 expects axis to be {}".format(
            name, attrs.axis, " or ".join(str(a) for a in axes)))


def _make_seq_infer(name, axes, out_fn):
    def infer_full(attrs, in_shapes, aux_shapes):
        in_shapes = list(in_shapes)
        _seq_check_axis(name, attrs, axes)
        d = in_shapes[0]
        if d is None:
            return in_shapes, [None], list(aux_shapes)
        d = tuple(d)
        if len(d) < 2:
            raise MXNetError("{}: data must have at least 2 dimensions (sequence and batch), got shape {}".format(
                name, d))
        if attrs.use_sequence_length:
            want = (d[1 - attrs.axis],)
            got = in_shapes[1]
            if got is None:
                in_shapes[1] = want
            elif tuple(got) != want:
                raise MXNetError("{}: shape inconsistent for argument 'sequence_length': provided {}, inferred {} "
                                 "(the batch size) from data {} with axis={}".format(
                                     name, _shape_str(got), want, d, attrs.axis))
        return in_shapes, [out_fn(attrs, d)], list(aux_shapes)
    return infer_full


def _seq_type(attrs, in_dtypes):
    return [in_dtypes[0]]


def _seq_lengths(xp, lengths):
    """Lengths as int64, truncated toward zero like MXNet's cast."""
    lab = lengths if lengths.dtype.kind in "iu" else xp.trunc(lengths)
    return lab.astype(np.int64)


def _seq_time_mask(xp, attrs, x, lengths):
    """Boolean array broadcastable to x: True where the time step is below the sequence length."""
    t = xp.arange(x.shape[attrs.axis])
    L = _seq_lengths(xp, lengths)
    m = t[:, None] < L[None, :] if attrs.axis == 0 else t[None, :] < L[:, None]
    return m.reshape(m.shape + (1,) * (x.ndim - 2))


def _seq_grad_list(xp, inputs, dx):
    return [dx] + ([xp.zeros_like(inputs[1])] if len(inputs) > 1 else [])


# -- SequenceMask -----------------------------------------------------------------------------


def _smask_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    _seq_check_axis("SequenceMask", attrs, (0, 1))
    if not attrs.use_sequence_length:
        return (x.copy(),)
    mask = _seq_time_mask(xp, attrs, x, inputs[1])
    return (xp.where(mask, x, x.dtype.type(attrs.value)),)


def _smask_backward(env, attrs, inputs, outputs, out_grads, req):
    xp, x, g = env.xp, inputs[0], out_grads[0]
    if not attrs.use_sequence_length:
        return [g]
    mask = _seq_time_mask(xp, attrs, x, inputs[1])
    return _seq_grad_list(xp, inputs, xp.where(mask, g, g.dtype.type(0)))


_smask_full = _make_seq_infer("SequenceMask", (0, 1), lambda a, d: d)
register(OpDef(
    "SequenceMask", _smask_forward,
    params=(Param("use_sequence_length", Bool, False, "If set to true, this layer takes in an extra input "
                  "parameter `sequence_length` to specify variable length sequence"),
            Param("value", Float, 0.0, "The value to be used as a mask."),
            Param("axis", Int, 0, "The sequence axis. Only values of 0 and 1 are currently supported.")),
    inputs=_seq_inputs, all_inputs=("data", "sequence_length"),
    infer_shape=_plain(_smask_full), infer_shape_full=_smask_full, infer_type=_seq_type,
    backward=_smask_backward,
    doc="Sets all elements outside the sequence to a constant value."))

# -- SequenceLast -----------------------------------------------------------------------------


def _slast_index(xp, attrs, x, inputs):
    """(time index per batch entry, batch arange)."""
    ax = attrs.axis
    T, B = x.shape[ax], x.shape[1 - ax]
    if attrs.use_sequence_length:
        t = xp.clip(_seq_lengths(xp, inputs[1]) - 1, 0, T - 1)
    else:
        t = xp.full((B,), T - 1, dtype=np.int64)
    return t, xp.arange(B)


def _slast_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    _seq_check_axis("SequenceLast", attrs, (0, 1))
    t, b = _slast_index(xp, attrs, x, inputs)
    return (x[t, b] if attrs.axis == 0 else x[b, t],)


def _slast_backward(env, attrs, inputs, outputs, out_grads, req):
    xp, x = env.xp, inputs[0]
    t, b = _slast_index(xp, attrs, x, inputs)
    dx = xp.zeros(x.shape, dtype=out_grads[0].dtype)
    if attrs.axis == 0:
        dx[t, b] = out_grads[0]
    else:
        dx[b, t] = out_grads[0]
    return _seq_grad_list(xp, inputs, dx)


_slast_full = _make_seq_infer("SequenceLast", (0, 1),
                              lambda a, d: d[:a.axis] + d[a.axis + 1:])
register(OpDef(
    "SequenceLast", _slast_forward,
    params=(Param("use_sequence_length", Bool, False, "If set to true, this layer takes in an extra input "
                  "parameter `sequence_length` to specify variable length sequence"),
            Param("axis", Int, 0, "The sequence axis. Only values of 0 and 1 are currently supported.")),
    inputs=_seq_inputs, all_inputs=("data", "sequence_length"),
    infer_shape=_plain(_slast_full), infer_shape_full=_slast_full, infer_type=_seq_type,
    backward=_slast_backward,
    doc="Takes the last element of a sequence (per batch entry, at its sequence length)."))

# -- SequenceReverse --------------------------------------------------------------------------


def _srev_source(xp, attrs, x, inputs):
    """Source time index (T, B) of every output position: reversal within each sequence's length,
    positions past the length unchanged."""
    T, B = x.shape[0], x.shape[1]
    t = xp.arange(T)[:, None]
    if attrs.use_sequence_length:
        L = xp.clip(_seq_lengths(xp, inputs[1]), 0, T)[None, :]
    else:
        L = xp.full((1, B), T, dtype=np.int64)
    return xp.where(t < L, L - 1 - t, t), xp.arange(B)[None, :]


def _srev_apply(xp, attrs, x, inputs, a):
    src, b = _srev_source(xp, attrs, x, inputs)
    return a[src, b]


def _srev_forward(env, attrs, inputs, aux):
    _seq_check_axis("SequenceReverse", attrs, (0,))
    return (_srev_apply(env.xp, attrs, inputs[0], inputs, inputs[0]),)


def _srev_backward(env, attrs, inputs, outputs, out_grads, req):
    # the permutation is its own inverse
    xp = env.xp
    return _seq_grad_list(xp, inputs, _srev_apply(xp, attrs, inputs[0], inputs, out_grads[0]))


_srev_full = _make_seq_infer("SequenceReverse", (0,), lambda a, d: d)
register(OpDef(
    "SequenceReverse", _srev_forward,
    params=(Param("use_sequence_length", Bool, False, "If set to true, this layer takes in an extra input "
                  "parameter `sequence_length` to specify variable length sequence"),
            Param("axis", Int, 0, "The sequence axis. Only 0 is currently supported.")),
    inputs=_seq_inputs, all_inputs=("data", "sequence_length"),
    infer_shape=_plain(_srev_full), infer_shape_full=_srev_full, infer_type=_seq_type,
    backward=_srev_backward,
    doc="Reverses the elements of each sequence (up to its length when use_sequence_length=True)."))
