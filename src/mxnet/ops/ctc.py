"""Connectionist Temporal Classification loss ``CTCLoss`` (aliases ``ctc_loss``, ``_contrib_CTCLoss``,
``_contrib_ctc_loss``), as MXNet 1.9.1 computes it (warp-ctc semantics).

- ``data`` (T, N, alphabet) holds unnormalised activations; a softmax over the alphabet is applied
  inside. ``label`` (N, L) holds class indices. With ``blank_label='first'`` channel 0 is the blank
  and label rows are padded with 0; with ``'last'`` the last channel is the blank and rows are
  padded with -1. Without ``use_label_lengths`` a row's length is the position of its first
  padding value; ``data_lengths``/``label_lengths`` (N,) give them explicitly.
- Output 0 is the loss (N,) = -log p(label | data). A label that cannot be aligned (length plus
  repeated neighbours exceeding the sequence length) gets loss 0 and no gradient, as in MXNet.
- Output 1 (hidden) is d loss / d data, computed in the forward pass by the forward-backward
  algorithm in log space; backward multiplies it by the loss' head gradient (broadcast over T and
  the alphabet). Time steps past a sequence's length get zero gradient.

The recursions are a Python loop over time steps, vectorised over the batch and the label positions.
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Bool, Enum
from .registry import OpDef, register
from ._shapes import shape_str as _shape_str  # noqa: F401  (shared shape helpers)

_FLOATS = ("float16", "float32", "float64")


def _inputs(attrs):
    names = ["data", "label"]
    if attrs.use_data_lengths:
        names.append("data_lengths")
    if attrs.use_label_lengths:
        names.append("label_lengths")
    return names


def _infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    names = _inputs(attrs)
    d, lab = in_shapes[0], in_shapes[1]
    if d is not None and len(d) != 3:
        raise MXNetError("CTCLoss: data must be 3-D (sequence_length, batch_size, alphabet_size), got shape {}".format(
            _shape_str(d)))
    if lab is not None and len(lab) != 2:
        raise MXNetError("CTCLoss: label must be 2-D (batch_size, max_label_length), got shape {}".format(
            _shape_str(lab)))
    if d is not None and lab is not None and lab[0] != d[1]:
        raise MXNetError("CTCLoss: batch size mismatch: data {} has batch size {} but label {} has {}".format(
            tuple(d), d[1], tuple(lab), lab[0]))
    if d is None:
        return in_shapes, [None, None], list(aux_shapes)
    for i, n in enumerate(names[2:], 2):
        if in_shapes[i] is None:
            in_shapes[i] = (d[1],)
        elif tuple(in_shapes[i]) != (d[1],):
            raise MXNetError("CTCLoss: shape inconsistent for argument '{}': provided {}, expected ({},) "
                             "(one length per sequence of data {})".format(n, _shape_str(in_shapes[i]), d[1], tuple(d)))
    return in_shapes, [(d[1],), tuple(d)], list(aux_shapes)


def _infer_shape(attrs, in_shapes):
    return _infer_full(attrs, list(in_shapes), [])[1]


def _infer_type(attrs, in_dtypes):
    dt = in_dtypes[0]
    if dt is not None and np.dtype(dt).name not in _FLOATS:
        raise MXNetError("CTCLoss: data has dtype {}; floating point data is required".format(np.dtype(dt).name))
    return [dt, dt]


def _lengths(xp, attrs, inputs, T, N, Lmax):
    lab = inputs[1]
    k = 2
    if attrs.use_data_lengths:
        dlen = inputs[k].astype(np.int64)
        k += 1
    else:
        dlen = xp.full((N,), T, dtype=np.int64)
    lab = lab.astype(np.int64)
    if attrs.use_label_lengths:
        llen = inputs[k].astype(np.int64)
    else:
        is_pad = lab == (0 if attrs.blank_label == "first" else -1)
        llen = xp.where(is_pad.any(axis=1), xp.argmax(is_pad.astype(np.int8), axis=1), Lmax)
    return lab, xp.clip(dlen, 0, T), xp.clip(llen, 0, Lmax)


def _log_softmax(xp, x):
    m = x.max(axis=2, keepdims=True)
    z = x - m
    return z - xp.log(xp.exp(z).sum(axis=2, keepdims=True))


def _shift(xp, a, k, fill):
    """a shifted right by k along axis 1 (a[:, s-k] at s; ``fill`` in the first k)."""
    pad = xp.full((a.shape[0], k), fill, dtype=a.dtype)
    return xp.concatenate([pad, a[:, :a.shape[1] - k]], axis=1)


def _shift_left(xp, a, k, fill):
    pad = xp.full((a.shape[0], k), fill, dtype=a.dtype)
    return xp.concatenate([a[:, k:], pad], axis=1)


def _ctc(xp, attrs, inputs):
    """(loss (N,), grad (T, N, A)) in the compute dtype."""
    data = inputs[0]
    T, N, A = data.shape
    cdt = np.dtype(np.float32) if data.dtype == np.float16 else data.dtype
    x = data.astype(cdt, copy=False)
    Lmax = inputs[1].shape[1]
    blank = 0 if attrs.blank_label == "first" else A - 1
    lab, dlen, llen = _lengths(xp, attrs, inputs, T, N, Lmax)
    pos = xp.arange(Lmax)
    valid = pos[None, :] < llen[:, None]
    lab = xp.where(valid, xp.clip(lab, 0, A - 1), blank)
    S = 2 * Lmax + 1
    ext = xp.full((N, S), blank, dtype=np.int64)
    ext[:, 1::2] = lab
    nidx = xp.arange(N)
    last = 2 * llen                                  # index of the final blank of each sequence
    has_label = llen > 0
    repeats = ((lab[:, 1:] == lab[:, :-1]) & valid[:, 1:]).sum(axis=1) if Lmax > 1 else xp.zeros((N,), np.int64)
    feasible = (llen + repeats <= dlen) & (dlen > 0)
    skip = xp.zeros((N, S), dtype=bool)
    if S > 2:
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])

    logp = _log_softmax(xp, x)                       # (T, N, A)
    lp = logp[:, nidx[:, None], ext]                 # (T, N, S): log y_t(l'_s)
    ninf = cdt.type(-np.inf)
    tcol = dlen[:, None]

    # forward variables (emission at t included)
    la = xp.empty((T, N, S), dtype=cdt)
    a = xp.full((N, S), ninf, dtype=cdt)
    a[:, 0] = lp[0, :, 0]
    if S > 1:
        a[:, 1] = lp[0, :, 1]
    la[0] = a
    for t in range(1, T):
        p1 = _shift(xp, a, 1, ninf)
        p2 = xp.where(skip, _shift(xp, a, 2, ninf), ninf)
        new = xp.logaddexp(xp.logaddexp(a, p1), p2) + lp[t]
        a = xp.where(t < tcol, new, a)
        la[t] = a
    end_a = a[nidx, last]
    end_b = xp.where(has_label, a[nidx, xp.maximum(last - 1, 0)], ninf)
    logP = xp.logaddexp(end_a, end_b)                # (N,)

    # backward variables (emission at t excluded)
    init = xp.full((N, S), ninf, dtype=cdt)
    init[nidx, xp.maximum(last - 1, 0)] = xp.where(has_label, cdt.type(0), ninf)
    init[nidx, last] = 0
    skip_next = _shift_left(xp, skip, 2, False)     # s -> s+2 allowed
    lb = xp.empty((T, N, S), dtype=cdt)
    b = init
    lb[T - 1] = b
    for t in range(T - 2, -1, -1):
        e = b + lp[t + 1]
        n1 = _shift_left(xp, e, 1, ninf)
        n2 = xp.where(skip_next, _shift_left(xp, e, 2, ninf), ninf)
        new = xp.logaddexp(xp.logaddexp(e, n1), n2)
        b = xp.where(t >= tcol - 1, init, new)
        lb[t] = b

    ok = feasible & xp.isfinite(logP)
    safe_logP = xp.where(ok, logP, 0)
    occ = xp.exp(la + lb - safe_logP[None, :, None])          # posterior of (t, s)
    tmask = (xp.arange(T)[:, None] < dlen[None, :]) & ok[None, :]   # (T, N)
    occ = occ * tmask[:, :, None]
    flat = ((xp.arange(T)[:, None, None] * N + nidx[None, :, None]) * A + ext[None, :, :]).reshape(-1)
    post = xp.bincount(flat, weights=occ.reshape(-1).astype(np.float64), minlength=T * N * A)
    post = post.reshape(T, N, A).astype(cdt, copy=False)
    grad = (xp.exp(logp) * tmask[:, :, None] - post).astype(cdt, copy=False)
    loss = xp.where(ok, -logP, 0).astype(cdt, copy=False)
    return loss, grad


def _forward(env, attrs, inputs, aux):
    data = inputs[0]
    if data.ndim != 3:
        raise MXNetError("CTCLoss: data must be 3-D, got shape {}".format(data.shape))
    loss, grad = _ctc(env.xp, attrs, inputs)
    return loss.astype(data.dtype, copy=False), grad.astype(data.dtype, copy=False)


def _backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    g = outputs[1] * out_grads[0].astype(outputs[1].dtype, copy=False)[None, :, None]
    grads = [g.astype(inputs[0].dtype, copy=False)]
    grads += [xp.zeros_like(x) for x in inputs[1:]]
    return grads


register(OpDef(
    "CTCLoss", _forward,
    params=(Param("use_data_lengths", Bool, False, "Whether the data lenghts are decided by `data_lengths`. "
                  "If false, the lengths are equal to the max sequence length."),
            Param("use_label_lengths", Bool, False, "Whether the label lenghts are decided by `label_lengths`, "
                  "or derived from `padding_mask`. If false, the lengths are derived from the first occurrence "
                  "of the value of `padding_mask`. The value of `padding_mask` is ``0`` when first CTC label is "
                  "reserved for blank, and ``-1`` when last label is reserved for blank. See `blank_label`."),
            Param("blank_label", Enum("first", "last"), "first", "Set the label that is reserved for blank label."
                  "If \"first\", 0-th label is reserved, and label values for tokens in the vocabulary are between "
                  "``1`` and ``alphabet_size-1``, and the padding mask is ``-1``. If \"last\", last label value "
                  "``alphabet_size-1`` is reserved for blank label instead, and label values for tokens in the "
                  "vocabulary are between ``0`` and ``alphabet_size-2``, and the padding mask is ``0``.")),
    inputs=_inputs, all_inputs=("data", "label", "data_lengths", "label_lengths"),
    outputs=("output0", "output1"), num_visible_outputs=1,
    infer_shape=_infer_shape, infer_shape_full=_infer_full, infer_type=_infer_type,
    backward=_backward, aliases=("ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss"),
    doc="Connectionist Temporal Classification Loss."))
