"""The fused recurrent layer ``RNN`` (MXNet 1.9.1): vanilla RNN (relu/tanh), LSTM and GRU, stacked
and optionally bidirectional, with MXNet's flat parameter vector.

Parameter packing (MXNet's and cuDNN's canonical order, checked against MXNet 1.9.1): first every
weight matrix, layer by layer and direction by direction, ``W_i2h`` (G*H, in) then ``W_h2h``
(G*H, R) (then ``W_proj`` (P, H) with ``projection_size``); then every bias, in the same order,
``b_i2h`` (G*H,) then ``b_h2h`` (G*H,). G is 1 (rnn), 4 (lstm: gates i, f, g, o) or 3 (gru: r, z, n);
R is P with a projection and H otherwise.

GRU follows cuDNN: ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``.

The forward pass runs one GEMM over all time steps for the input part of a layer/direction, then
a Python loop over time steps with one GEMM per step for the recurrent part. Everything backward
needs (activated gates, cell states, states after every step, the inputs of the upper layers and
the dropout masks) is kept in a hidden output ``reserve`` (cuDNN's reserve space), so backward is
back-propagation through time without recomputation: one loop over time steps with one GEMM per
step, then one GEMM each for the weight and input gradients.

With ``use_sequence_length`` every sequence stops at its length (cuDNN semantics): outputs past it
are zero, the states stop changing, the reverse direction starts at the sequence's last element.
``p`` drops outputs of every layer but the last in training; ``lstm_state_clip_min/max`` clip the
cell state after each step (``lstm_state_clip_nan`` turns NaN into the maximum first).

These three follow MXNet's documentation and its GPU (cuDNN) build on every device: MXNet 1.9.1's
CPU build (oneDNN) silently ignores ``use_sequence_length``, the clipping and ``p``, and its
native CPU kernels fail outright. Projection (``projection_size``, LSTM only) trains here; MXNet's
CPU build supports it for inference only.
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Int, Bool, Float, Enum, IntOrNone, FloatOrNone
from .nn_basic import _Bounded
from .registry import OpDef, register
from ._shapes import shape_str as _shape_str  # noqa: F401  (shared shape helpers)

__all__ = ["rnn_param_size"]

_GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}
_FLOATS = ("float16", "float32", "float64")
_NonNegInt = _Bounded(Int, lo=0)
_NonNegInt.doc = "int (non-negative)"


class _Cfg:
    """Sizes of one RNN configuration (T, N, C known from the data)."""
    __slots__ = ("mode", "G", "H", "P", "R", "L", "D", "C", "T", "N", "E", "S", "lstm", "gru")

    def __init__(self, attrs, dshape):
        self.mode = attrs.mode
        self.G = _GATES[attrs.mode]
        self.H = attrs.state_size
        self.P = attrs.projection_size
        self.R = self.P if self.P else self.H
        self.L = attrs.num_layers
        self.D = 2 if attrs.bidirectional else 1
        self.T, self.N, self.C = (int(v) for v in dshape)
        self.lstm = attrs.mode == "lstm"
        self.gru = attrs.mode == "gru"
        self.E = self.H if (self.lstm or self.gru) else 0     # extra slot: c_t (lstm), W_hn h + b_hn (gru)
        self.S = self.G * self.H + self.E + self.R              # reserve width per (layer, dir, t, n)

    def in_size(self, layer):
        return self.C if layer == 0 else self.D * self.R

    def weight_sizes(self, layer):
        """Sizes of W_i2h, W_h2h (and W_proj) of one direction of ``layer``."""
        gh = self.G * self.H
        s = [gh * self.in_size(layer), gh * self.R]
        if self.P:
            s.append(self.P * self.H)
        return s

    def param_size(self):
        n = 0
        for layer in range(self.L):
            n += self.D * (sum(self.weight_sizes(layer)) + 2 * self.G * self.H)
        return n

    def reserve_size(self, with_masks):
        per_layer_io = self.T * self.N * self.D * self.R
        return (self.L * self.D * self.T * self.N * self.S
                + (self.L - 1) * per_layer_io * (2 if with_masks else 1))


def rnn_param_size(mode, state_size, num_layers, input_size, bidirectional=False, projection_size=None):
    """Length of the flat ``parameters`` vector of an RNN layer."""
    class A(dict):
        __getattr__ = dict.__getitem__
    a = A(mode=mode, state_size=state_size, num_layers=num_layers, bidirectional=bidirectional,
          projection_size=projection_size)
    return _Cfg(a, (1, 1, input_size)).param_size()


def _check_attrs(attrs):
    if attrs.state_size < 1:
        raise MXNetError("RNN: state_size must be positive, got {}".format(attrs.state_size))
    if attrs.num_layers < 1:
        raise MXNetError("RNN: num_layers must be positive, got {}".format(attrs.num_layers))
    if attrs.projection_size is not None:
        if attrs.mode != "lstm":
            raise MXNetError("RNN: projection_size is only supported with mode='lstm', got mode='{}'".format(
                attrs.mode))
        if not 0 < attrs.projection_size < attrs.state_size:
            raise MXNetError("RNN: projection_size ({}) must be positive and smaller than state_size ({})".format(
                attrs.projection_size, attrs.state_size))
    lo, hi = attrs.lstm_state_clip_min, attrs.lstm_state_clip_max
    if (lo is None) != (hi is None):
        raise MXNetError("RNN: lstm_state_clip_min and lstm_state_clip_max must be set together")
    if lo is not None:
        if attrs.mode != "lstm":
            raise MXNetError("RNN: lstm_state_clip_min/max are only supported with mode='lstm'")
        if lo > hi:
            raise MXNetError("RNN: lstm_state_clip_min ({}) must not exceed lstm_state_clip_max ({})".format(lo, hi))


def _with_masks(attrs):
    return attrs.p > 0 and attrs.num_layers > 1


def _inputs(attrs):
    names = ["data", "parameters", "state"]
    if attrs.mode == "lstm":
        names.append("state_cell")
    if attrs.use_sequence_length:
        names.append("sequence_length")
    return names


def _outputs(attrs):
    names = ["output"]
    if attrs.state_outputs:
        names.append("state_output")
        if attrs.mode == "lstm":
            names.append("statecell_output")
    return names + ["reserve"]


def _num_visible(attrs):
    return len(_outputs(attrs)) - 1


def _infer_full(attrs, in_shapes, aux_shapes):
    _check_attrs(attrs)
    in_shapes = list(in_shapes)
    names = _inputs(attrs)
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None] * len(_outputs(attrs)), list(aux_shapes)
    if len(d) != 3:
        raise MXNetError("RNN: data must be 3-D (sequence_length, batch_size, input_size), got shape {}".format(
            _shape_str(d)))
    cfg = _Cfg(attrs, d)
    want = {"parameters": (cfg.param_size(),), "state": (cfg.L * cfg.D, cfg.N, cfg.R),
            "state_cell": (cfg.L * cfg.D, cfg.N, cfg.H), "sequence_length": (cfg.N,)}
    for i, n in enumerate(names[1:], 1):
        got = in_shapes[i]
        if got is None or (len(got) == len(want[n]) and all(g in (0, w) for g, w in zip(got, want[n]))):
            in_shapes[i] = want[n]       # unknown, or partly known (0 = unknown dim, as MXNet)
        elif tuple(got) != want[n]:
            raise MXNetError("RNN: shape inconsistent for argument '{}': provided {}, inferred {} from data {} "
                             "(mode={}, state_size={}, num_layers={}, bidirectional={}{})".format(
                                 n, _shape_str(got), want[n], tuple(d), attrs.mode, attrs.state_size,
                                 attrs.num_layers, attrs.bidirectional,
                                 ", projection_size={}".format(attrs.projection_size) if attrs.projection_size else ""))
    outs = [(cfg.T, cfg.N, cfg.D * cfg.R)]
    if attrs.state_outputs:
        outs.append(want["state"])
        if cfg.lstm:
            outs.append(want["state_cell"])
    outs.append((cfg.reserve_size(_with_masks(attrs)),))
    return in_shapes, outs, list(aux_shapes)


def _infer_shape(attrs, in_shapes):
    return _infer_full(attrs, list(in_shapes), [])[1]


def _compute_dtype(dt):
    return np.dtype(np.float32) if np.dtype(dt) == np.float16 else np.dtype(dt)


def _infer_type(attrs, in_dtypes):
    dt = in_dtypes[0]
    if dt is not None and np.dtype(dt).name not in _FLOATS:
        raise MXNetError("RNN: data has dtype {}; RNN supports float16, float32 and float64".format(
            np.dtype(dt).name))
    for n, t in zip(_inputs(attrs)[1:], in_dtypes[1:]):
        if n != "sequence_length" and t is not None and dt is not None and np.dtype(t) != np.dtype(dt):
            raise MXNetError("RNN: all inputs must have the same dtype: data is {}, {} is {}".format(
                np.dtype(dt).name, n, np.dtype(t).name))
    outs = [dt] * (_num_visible(attrs))
    return outs + [None if dt is None else _compute_dtype(dt)]


# -- parameter views ---------------------------------------------------------------------------


def _unpack(cfg, flat):
    """Per (layer, dir): dict of views Wx, Wh, (Wr), bx, bh into the flat parameter vector."""
    out = []
    off = 0
    gh = cfg.G * cfg.H
    for layer in range(cfg.L):
        for _ in range(cfg.D):
            sizes = cfg.weight_sizes(layer)
            w = {"Wx": flat[off:off + sizes[0]].reshape(gh, cfg.in_size(layer))}
            off += sizes[0]
            w["Wh"] = flat[off:off + sizes[1]].reshape(gh, cfg.R)
            off += sizes[1]
            if cfg.P:
                w["Wr"] = flat[off:off + sizes[2]].reshape(cfg.P, cfg.H)
                off += sizes[2]
            out.append(w)
    for k in range(cfg.L * cfg.D):
        out[k]["bx"] = flat[off:off + gh]
        out[k]["bh"] = flat[off + gh:off + 2 * gh]
        off += 2 * gh
    return out


def _reserve_views(cfg, res, with_masks):
    """(per (layer, dir) blocks (T, N, S), layer inputs [None, (T,N,D*R) ...], masks)."""
    blk = cfg.T * cfg.N * cfg.S
    blocks = [res[k * blk:(k + 1) * blk].reshape(cfg.T, cfg.N, cfg.S) for k in range(cfg.L * cfg.D)]
    off = cfg.L * cfg.D * blk
    io = cfg.T * cfg.N * cfg.D * cfg.R
    ins, masks = [None], [None]
    for _ in range(1, cfg.L):
        ins.append(res[off:off + io].reshape(cfg.T, cfg.N, cfg.D * cfg.R))
        off += io
    for _ in range(1, cfg.L):
        if with_masks:
            masks.append(res[off:off + io].reshape(cfg.T, cfg.N, cfg.D * cfg.R))
            off += io
        else:
            masks.append(None)
    return blocks, ins, masks


def _sigmoid(xp, x):
    return 0.5 * xp.tanh(0.5 * x) + 0.5


def _step_masks(xp, cfg, seq_len, dtype):
    """(T, N, 1) float mask, 1 where t < sequence_length (None without sequence lengths)."""
    if seq_len is None:
        return None
    lens = seq_len.astype(np.int64)
    return (xp.arange(cfg.T).reshape(cfg.T, 1, 1) < lens.reshape(1, cfg.N, 1)).astype(dtype)


def _clip(xp, attrs, c):
    lo, hi = attrs.lstm_state_clip_min, attrs.lstm_state_clip_max
    if lo is None:
        return c
    if attrs.lstm_state_clip_nan:
        c = xp.where(xp.isnan(c), c.dtype.type(hi), c)
    return xp.clip(c, c.dtype.type(lo), c.dtype.type(hi))


# -- forward -----------------------------------------------------------------------------------


def _run_direction(xp, attrs, cfg, w, X, h, c, blk, reverse, m):
    """One layer/direction over all steps. X: (T, N, in); h: (N, R); c: (N, H) or None.

    Writes activated gates, extra slot and h_t into ``blk`` (T, N, S); returns (h_T, c_T)."""
    G, H, R, T = cfg.G, cfg.H, cfg.R, cfg.T
    gh = G * H
    xw = (X.reshape(T * cfg.N, -1) @ w["Wx"].T).reshape(T, cfg.N, gh)
    if cfg.gru:
        xw += w["bx"]
        bh = w["bh"]
    else:
        xw += w["bx"] + w["bh"]
    WhT = w["Wh"].T
    steps = range(T - 1, -1, -1) if reverse else range(T)
    for t in steps:
        g = blk[t, :, :gh]
        if cfg.lstm:
            pre = xw[t] + h @ WhT
            g[:, :2 * H] = _sigmoid(xp, pre[:, :2 * H])
            g[:, 2 * H:3 * H] = xp.tanh(pre[:, 2 * H:3 * H])
            g[:, 3 * H:] = _sigmoid(xp, pre[:, 3 * H:])
            cn = _clip(xp, attrs, g[:, H:2 * H] * c + g[:, :H] * g[:, 2 * H:3 * H])
            hn = g[:, 3 * H:] * xp.tanh(cn)
            if cfg.P:
                hn = hn @ w["Wr"].T
            if m is not None:
                cn = m[t] * cn + (1 - m[t]) * c
            blk[t, :, gh:gh + H] = cn
            c = blk[t, :, gh:gh + H]
        elif cfg.gru:
            hw = h @ WhT + bh
            g[:, :2 * H] = _sigmoid(xp, xw[t, :, :2 * H] + hw[:, :2 * H])
            blk[t, :, gh:gh + H] = hw[:, 2 * H:]
            g[:, 2 * H:] = xp.tanh(xw[t, :, 2 * H:] + g[:, :H] * hw[:, 2 * H:])
            z = g[:, H:2 * H]
            hn = (1 - z) * g[:, 2 * H:] + z * h
        else:
            pre = xw[t] + h @ WhT
            g[...] = xp.maximum(pre, 0) if attrs.mode == "rnn_relu" else xp.tanh(pre)
            hn = g
        if m is not None:
            hn = m[t] * hn + (1 - m[t]) * h
        blk[t, :, cfg.S - R:] = hn
        h = blk[t, :, cfg.S - R:]
    return h, c


def _forward(env, attrs, inputs, aux):
    xp = env.xp
    _check_attrs(attrs)
    x = inputs[0]
    cfg = _Cfg(attrs, x.shape)
    cdt = _compute_dtype(x.dtype)
    flat = inputs[1].astype(cdt, copy=False)
    hx = inputs[2].astype(cdt, copy=False)
    cx = inputs[3].astype(cdt, copy=False) if cfg.lstm else None
    seq = inputs[-1] if attrs.use_sequence_length else None
    m = _step_masks(xp, cfg, seq, cdt)
    with_masks = _with_masks(attrs)
    weights = _unpack(cfg, flat)
    res = xp.empty((cfg.reserve_size(with_masks),), dtype=cdt)
    blocks, layer_in, masks = _reserve_views(cfg, res, with_masks)
    out = xp.empty((cfg.T, cfg.N, cfg.D * cfg.R), dtype=cdt)
    hy = xp.empty((cfg.L * cfg.D, cfg.N, cfg.R), dtype=cdt) if attrs.state_outputs else None
    cy = xp.empty((cfg.L * cfg.D, cfg.N, cfg.H), dtype=cdt) if (attrs.state_outputs and cfg.lstm) else None
    X = x.astype(cdt, copy=False)
    for layer in range(cfg.L):
        Y = out if layer == cfg.L - 1 else layer_in[layer + 1]
        for d in range(cfg.D):
            k = layer * cfg.D + d
            blk = blocks[k]
            h, c = _run_direction(xp, attrs, cfg, weights[k], X, hx[k], cx[k] if cfg.lstm else None, blk,
                                  d == 1, m)
            Y[:, :, d * cfg.R:(d + 1) * cfg.R] = blk[:, :, cfg.S - cfg.R:]
            if hy is not None:
                hy[k] = h
                if cy is not None:
                    cy[k] = c
        if m is not None:
            Y *= m
        if layer < cfg.L - 1 and with_masks:
            mk = masks[layer + 1]
            if env.is_train:
                keep = 1.0 - attrs.p
                scale = cdt.type(1.0 / keep) if keep > 0 else cdt.type(0)
                mk[...] = (env.rng.random(mk.shape, dtype=np.float32) < keep).astype(cdt) * scale
                Y *= mk
            else:
                mk[...] = 1
        X = Y
    res_out = [out.astype(x.dtype, copy=False)]
    if hy is not None:
        res_out.append(hy.astype(x.dtype, copy=False))
        if cy is not None:
            res_out.append(cy.astype(x.dtype, copy=False))
    res_out.append(res)
    return tuple(res_out)


# -- backward ----------------------------------------------------------------------------------


def _bptt_direction(xp, attrs, cfg, w, gw, X, h0, c0, blk, reverse, m, dY, dhy, dcy, dX, need_x):
    """Gradients of one layer/direction: accumulates into gw (weight grads) and dX; returns (dh0, dc0)."""
    G, H, R, T, N, S = cfg.G, cfg.H, cfg.R, cfg.T, cfg.N, cfg.S
    gh = G * H
    dt = blk.dtype
    dGx = xp.empty((T, N, gh), dtype=dt)
    dGh = xp.empty((T, N, gh), dtype=dt) if cfg.gru else dGx
    Hprev = xp.empty((T, N, R), dtype=dt)
    Wh = w["Wh"]
    dh = xp.zeros((N, R), dtype=dt) if dhy is None else dhy.astype(dt, copy=True)
    dc = None
    if cfg.lstm:
        dc = xp.zeros((N, H), dtype=dt) if dcy is None else dcy.astype(dt, copy=True)
    lo, hi = attrs.lstm_state_clip_min, attrs.lstm_state_clip_max
    steps = list(range(T - 1, -1, -1) if reverse else range(T))
    for j in range(T - 1, -1, -1):
        t = steps[j]
        tp = steps[j - 1] if j > 0 else None
        hp = h0 if tp is None else blk[tp, :, S - R:]
        Hprev[t] = hp
        g = blk[t, :, :gh]
        dh = dh + dY[t]
        if m is not None:
            mt = m[t]
            dh_pass = (1 - mt) * dh
            dh = mt * dh
        if cfg.lstm:
            cp = c0 if tp is None else blk[tp, :, gh:gh + H]
            ct = blk[t, :, gh:gh + H]
            if m is not None:
                dc_pass = (1 - mt) * dc
                dc = mt * dc
            i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
            if cfg.P:
                # with sequence masks c_t already equals the candidate where mt == 1
                dr = dh @ w["Wr"]
                gw["Wr"] += dh.T @ (o * xp.tanh(ct))
            else:
                dr = dh
            tc = xp.tanh(ct)
            dc = dc + dr * o * (1 - tc * tc)
            if lo is not None:
                dc = dc * ((ct > lo) & (ct < hi))
            d = dGx[t]
            d[:, :H] = dc * gg * i * (1 - i)
            d[:, H:2 * H] = dc * cp * f * (1 - f)
            d[:, 2 * H:3 * H] = dc * i * (1 - gg * gg)
            d[:, 3 * H:] = dr * tc * o * (1 - o)
            dc = dc * f
            if m is not None:
                dc = dc + dc_pass
            dh = d @ Wh
        elif cfg.gru:
            r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            hwn = blk[t, :, gh:gh + H]
            dn = dh * (1 - z) * (1 - n * n)
            dz = dh * (hp - n) * z * (1 - z)
            dr = dn * hwn * r * (1 - r)
            dx = dGx[t]
            dx[:, :H] = dr
            dx[:, H:2 * H] = dz
            dx[:, 2 * H:] = dn
            dhh = dGh[t]
            dhh[:, :2 * H] = dx[:, :2 * H]
            dhh[:, 2 * H:] = dn * r
            dh = dh * z + dhh @ Wh
        else:
            if attrs.mode == "rnn_relu":
                d = dh * (g > 0)
            else:
                d = dh * (1 - g * g)
            dGx[t] = d
            dh = d @ Wh
        if m is not None:
            dh = dh + dh_pass
    dGx2 = dGx.reshape(T * N, gh)
    dGh2 = dGh.reshape(T * N, gh)
    gw["Wx"] += dGx2.T @ X.reshape(T * N, -1)
    gw["Wh"] += dGh2.T @ Hprev.reshape(T * N, R)
    gw["bx"] += dGx2.sum(axis=0)
    gw["bh"] += dGh2.sum(axis=0)
    if need_x:
        dX += (dGx2 @ w["Wx"]).reshape(dX.shape)
    return dh, dc


def _backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x = inputs[0]
    cfg = _Cfg(attrs, x.shape)
    cdt = _compute_dtype(x.dtype)
    flat = inputs[1].astype(cdt, copy=False)
    hx = inputs[2].astype(cdt, copy=False)
    cx = inputs[3].astype(cdt, copy=False) if cfg.lstm else None
    seq = inputs[-1] if attrs.use_sequence_length else None
    m = _step_masks(xp, cfg, seq, cdt)
    with_masks = _with_masks(attrs)
    weights = _unpack(cfg, flat)
    gflat = xp.zeros(flat.shape, dtype=cdt)
    gweights = _unpack(cfg, gflat)
    blocks, layer_in, masks = _reserve_views(cfg, outputs[-1], with_masks)
    dY = out_grads[0].astype(cdt, copy=False)
    if m is not None:
        dY = dY * m
    dhy = out_grads[1].astype(cdt, copy=False) if attrs.state_outputs else None
    dcy = out_grads[2].astype(cdt, copy=False) if (attrs.state_outputs and cfg.lstm) else None
    dhx = xp.empty(hx.shape, dtype=cdt)
    dcx = xp.empty(cx.shape, dtype=cdt) if cfg.lstm else None
    X0 = x.astype(cdt, copy=False)
    dX = None
    for layer in range(cfg.L - 1, -1, -1):
        X = X0 if layer == 0 else layer_in[layer]
        need_x = layer > 0 or req[0]
        dX = xp.zeros(X.shape, dtype=cdt) if need_x else None
        for d in range(cfg.D):
            k = layer * cfg.D + d
            sl = slice(d * cfg.R, (d + 1) * cfg.R)
            dh0, dc0 = _bptt_direction(
                xp, attrs, cfg, weights[k], gweights[k], X, hx[k], cx[k] if cfg.lstm else None, blocks[k],
                d == 1, m, dY[:, :, sl], None if dhy is None else dhy[k], None if dcy is None else dcy[k],
                dX, need_x)
            dhx[k] = dh0
            if cfg.lstm:
                dcx[k] = dc0
        if layer > 0:
            if masks[layer] is not None:
                dX *= masks[layer]
            if m is not None:
                dX *= m
            dY = dX
    grads = [dX.astype(x.dtype, copy=False) if req[0] else None,
             gflat.astype(inputs[1].dtype, copy=False) if req[1] else None,
             dhx.astype(inputs[2].dtype, copy=False) if req[2] else None]
    if cfg.lstm:
        grads.append(dcx.astype(inputs[3].dtype, copy=False) if req[3] else None)
    if attrs.use_sequence_length:
        grads.append(xp.zeros_like(inputs[-1]))
    return grads


register(OpDef(
    "RNN", _forward,
    params=(Param("state_size", _NonNegInt, doc="size of the state for each layer"),
            Param("num_layers", _NonNegInt, doc="number of stacked layers"),
            Param("bidirectional", Bool, False, "whether to use bidirectional recurrent layers"),
            Param("mode", Enum("gru", "lstm", "rnn_relu", "rnn_tanh"), doc="the type of RNN to compute"),
            Param("p", _Bounded(Float, 0.0, 1.0), 0.0, "drop rate of the dropout on the outputs of each RNN "
                  "layer, except the last layer."),
            Param("state_outputs", Bool, False, "Whether to have the states as symbol outputs."),
            Param("projection_size", IntOrNone, None, "size of project size"),
            Param("lstm_state_clip_min", FloatOrNone, None, "Minimum clip value of LSTM states. This option "
                  "must be used together with lstm_state_clip_max."),
            Param("lstm_state_clip_max", FloatOrNone, None, "Maximum clip value of LSTM states. This option "
                  "must be used together with lstm_state_clip_min."),
            Param("lstm_state_clip_nan", Bool, False, "Whether to stop NaN from propagating in state by "
                  "clipping it to min/max. If clipping range is not specified, this option is ignored."),
            Param("use_sequence_length", Bool, False, "If set to true, this layer takes in an extra input "
                  "parameter `sequence_length` to specify variable length sequence")),
    inputs=_inputs, all_inputs=("data", "parameters", "state", "state_cell", "sequence_length"),
    outputs=_outputs, num_visible_outputs=_num_visible, needs_rng=True,
    infer_shape=_infer_shape, infer_shape_full=_infer_full, infer_type=_infer_type,
    backward=_backward,
    doc="Applies recurrent layers to input data. Currently, vanilla RNN, LSTM and GRU are implemented, "
        "with both multi-layer and bidirectional support."))
