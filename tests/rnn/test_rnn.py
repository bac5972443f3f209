"""Legacy symbolic RNN package ``mx.rnn``: names (taken from MXNet 1.9.1), unrolled graphs vs
NumPy recurrences, FusedRNNCell vs its unfused stack, weight packing, the FusedRNN initializer,
BucketSentenceIter, BucketingModule training and RNN checkpoints."""
import os
import random
import warnings

import numpy as np
import pytest

import mxnet as mx
from mxnet.base import MXNetError


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _run(sym, feed, params, is_train=False, grads=False):
    """Bind ``sym`` with the shapes of ``feed`` (inputs), set ``params``, run forward; returns
    the outputs as NumPy arrays (and the executor)."""
    shapes = {k: v.shape for k, v in feed.items()}
    ex = sym.simple_bind(mx.cpu(), grad_req="write" if grads else "null", **shapes)
    for k, v in list(feed.items()) + list(params.items()):
        ex.arg_dict[k][:] = v
    ex.forward(is_train=is_train)
    return [o.asnumpy() for o in ex.outputs], ex


def _zeros(cell, n):
    """Zero begin states with the batch size ``n`` filled in (see test_default_begin_state_runs)."""
    return [mx.sym.zeros(tuple(n if d == 0 else d for d in info["shape"]))
            for info in cell.state_info]


def _flat(states):
    out = []
    for s in states:
        out.extend(_flat(s) if isinstance(s, list) else [s])
    return out


# -- names (lists taken from MXNet 1.9.1) ----------------------------------------------------------

def test_module_contents():
    for name in ["BaseConvRNNCell", "BaseRNNCell", "BidirectionalCell", "BucketSentenceIter",
                 "ConvGRUCell", "ConvLSTMCell", "ConvRNNCell", "DropoutCell", "FusedRNNCell",
                 "GRUCell", "LSTMCell", "ModifierCell", "RNNCell", "RNNParams", "ResidualCell",
                 "SequentialRNNCell", "ZoneoutCell", "do_rnn_checkpoint", "encode_sentences",
                 "load_rnn_checkpoint", "save_rnn_checkpoint", "rnn_cell", "io", "rnn"]:
        assert hasattr(mx.rnn, name), name


@pytest.mark.parametrize("make,prefix,nstates", [
    (lambda: mx.rnn.LSTMCell(4, prefix="lstm_"), "lstm", 2),
    (lambda: mx.rnn.GRUCell(4, prefix="gru_"), "gru", 1),
    (lambda: mx.rnn.RNNCell(4, prefix="rnn_"), "rnn", 1),
])
def test_cell_names(make, prefix, nstates):
    cell = make()
    outs, states = cell.unroll(3, inputs=mx.sym.Variable("data"), layout="NTC")
    g = mx.sym.Group(outs)
    assert g.list_arguments() == ["data"] + ["%s_%s" % (prefix, n) for n in
                                             ("i2h_weight", "i2h_bias", "h2h_weight", "h2h_bias")]
    assert g.list_outputs() == ["%s_t%d_out_output" % (prefix, t) for t in range(3)]
    names = ["%s_t2_out_output" % prefix, "%s_t2_state_output" % prefix][:nstates]
    assert [s.list_outputs()[0] for s in states] == names
    internals = g.get_internals().list_outputs()
    assert [n for n in internals if "begin" in n] == \
        ["%s_begin_state_%d_output" % (prefix, k) for k in range(nstates)]
    assert cell.state_info == [{"shape": (0, 4), "__layout__": "NC"}] * nstates
    assert cell.state_shape == [(0, 4)] * nstates


def test_lstm_params_and_begin_state():
    cell = mx.rnn.LSTMCell(4, prefix="lstm_")
    assert list(cell.params._params) == ["lstm_i2h_weight", "lstm_h2h_weight", "lstm_i2h_bias",
                                         "lstm_h2h_bias"]
    assert [s.name for s in cell.begin_state()] == ["lstm_begin_state_0", "lstm_begin_state_1"]
    assert [s.name for s in cell.begin_state()] == ["lstm_begin_state_2", "lstm_begin_state_3"]
    vs = cell.begin_state(func=mx.sym.Variable)
    assert [v.list_attr() for v in vs] == [{"__shape__": "(0, 4)", "__layout__": "NC"}] * 2
    cell.reset()
    assert cell.begin_state()[0].name == "lstm_begin_state_0"
    # the forget bias travels as an initializer attribute
    init = cell.params.get("i2h_bias").attr("__init__")
    assert init == mx.init.LSTMBias(forget_bias=1.0).dumps()


def test_merge_outputs_names_and_shapes():
    for layout, shape in (("NTC", (2, 3, 5)), ("TNC", (3, 2, 5))):
        cell = mx.rnn.LSTMCell(4, prefix="lstm_")
        out, _ = cell.unroll(3, inputs=mx.sym.Variable("data"), layout=layout, merge_outputs=True)
        assert len(out.list_outputs()) == 1
        _, oshape, _ = out.infer_shape(data=shape)
        assert oshape == [shape[:2] + (4,)]
        outs, _ = cell.unroll(3, inputs=mx.sym.Variable("data"), layout=layout,
                              merge_outputs=False)
        assert isinstance(outs, list) and len(outs) == 3


def test_fused_names():
    cell = mx.rnn.FusedRNNCell(4, num_layers=2, mode="lstm", prefix="lstm_", get_next_state=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, states = cell.unroll(3, inputs=mx.sym.Variable("data"), layout="NTC")
    assert out.list_arguments() == ["data", "lstm_parameters"]
    assert [s.list_outputs() for s in states] == [["lstm_rnn_state_output"],
                                                  ["lstm_rnn_statecell_output"]]
    assert [s.attr("__layout__") for s in states] == ["LNC", "LNC"]
    assert cell.state_info == [{"shape": (2, 0, 4), "__layout__": "LNC"}] * 2
    assert [n for n in out.get_internals().list_outputs() if "begin" in n] == \
        ["lstm_begin_state_0_output", "lstm_begin_state_1_output"]
    gru = mx.rnn.FusedRNNCell(4, num_layers=2, mode="gru", bidirectional=True)
    assert gru._prefix == "gru_"
    assert gru.state_info == [{"shape": (4, 0, 4), "__layout__": "LNC"}]
    assert gru.params.get("parameters").attr("__init__") == mx.init.FusedRNN(
        None, 4, 2, "gru", True, 1.0).dumps()


def test_unfuse_names():
    cell = mx.rnn.FusedRNNCell(4, num_layers=2, mode="lstm", bidirectional=True, prefix="lstm_")
    stack = cell.unfuse()
    outs, states = stack.unroll(3, inputs=mx.sym.Variable("data"))
    g = mx.sym.Group(outs)
    args = ["data"]
    for layer in range(2):
        for d in "lr":
            args += ["lstm_%s%d_%s" % (d, layer, n)
                     for n in ("i2h_weight", "i2h_bias", "h2h_weight", "h2h_bias")]
    assert g.list_arguments() == args
    assert g.list_outputs() == ["lstm_bi_l1_t%d_output" % t for t in range(3)]
    assert [s.list_outputs()[0] for s in _flat(states)] == \
        ["lstm_%s%d_t2_%s_output" % (d, layer, k) for layer in range(2) for d in "lr"
         for k in ("out", "state")]
    drop = mx.rnn.FusedRNNCell(4, num_layers=3, mode="gru", dropout=0.5, prefix="g_").unfuse()
    assert [type(c).__name__ for c in drop._cells] == ["GRUCell", "DropoutCell", "GRUCell",
                                                       "DropoutCell", "GRUCell"]
    assert drop._cells[1]._prefix == "g__dropout0_"


def test_sequential_residual_bidirectional_names():
    seq = mx.rnn.SequentialRNNCell()
    seq.add(mx.rnn.LSTMCell(4, prefix="l0_"))
    seq.add(mx.rnn.DropoutCell(0.5, prefix="d_"))
    seq.add(mx.rnn.ResidualCell(mx.rnn.LSTMCell(4, prefix="l1_")))
    outs, states = seq.unroll(3, inputs=mx.sym.Variable("data"))
    g = mx.sym.Group(outs)
    assert g.list_outputs() == ["l1_t%d_out_plus_residual_output" % t for t in range(3)]
    assert [s.list_outputs()[0] for s in states] == ["l0_t2_out_output", "l0_t2_state_output",
                                                     "l1_t2_out_output", "l1_t2_state_output"]
    assert sorted(seq.params._params) == sorted(
        "l%d_%s" % (i, n) for i in range(2)
        for n in ("i2h_weight", "i2h_bias", "h2h_weight", "h2h_bias"))
    bi = mx.rnn.BidirectionalCell(mx.rnn.LSTMCell(4, prefix="l_"), mx.rnn.GRUCell(4, prefix="r_"),
                                  output_prefix="bi_")
    outs, states = bi.unroll(3, inputs=mx.sym.Variable("data"))
    assert mx.sym.Group(outs).list_outputs() == ["bi_t%d_output" % t for t in range(3)]
    assert [[s.list_outputs()[0] for s in part] for part in states] == \
        [["l_t2_out_output", "l_t2_state_output"], ["r_t2_out_output"]]
    with pytest.raises(NotImplementedError):
        bi(mx.sym.Variable("x"), [])


def test_modifier_cell_guards():
    base = mx.rnn.LSTMCell(4, prefix="z_")
    zone = mx.rnn.ZoneoutCell(base, 0.2, 0.3)
    with pytest.raises(AssertionError):
        base.begin_state()
    assert [s.name for s in zone.begin_state()] == ["z_begin_state_0", "z_begin_state_1"]
    with pytest.raises(AssertionError):
        mx.rnn.ZoneoutCell(mx.rnn.FusedRNNCell(4))
    with pytest.raises(NotImplementedError):
        mx.rnn.FusedRNNCell(4)(mx.sym.Variable("x"), [])


# -- numerics vs NumPy -------------------------------------------------------------------------------

def _np_lstm(x, W, R, b, c0h=None):
    """x (T, N, C); W (4H, C), R (4H, H), b (4H,) summed biases; gates i, f, c, o."""
    T, N, _ = x.shape
    H = R.shape[1]
    h = np.zeros((N, H))
    c = np.zeros((N, H))
    outs = []
    for t in range(T):
        g = x[t] @ W.T + h @ R.T + b
        i, f, gg, o = (g[:, k * H:(k + 1) * H] for k in range(4))
        c = _sig(f) * c + _sig(i) * np.tanh(gg)
        h = _sig(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs), h, c


def _np_gru(x, W, R, bi, bh):
    T, N, _ = x.shape
    H = R.shape[1]
    h = np.zeros((N, H))
    outs = []
    for t in range(T):
        a = x[t] @ W.T + bi
        b = h @ R.T + bh
        r = _sig(a[:, :H] + b[:, :H])
        z = _sig(a[:, H:2 * H] + b[:, H:2 * H])
        n = np.tanh(a[:, 2 * H:] + r * b[:, 2 * H:])
        h = (1 - z) * n + z * h
        outs.append(h)
    return np.stack(outs), h


def _rand_params(rng, prefix, gates, H, C):
    return {prefix + "i2h_weight": rng.uniform(-0.5, 0.5, (gates * H, C)),
            prefix + "i2h_bias": rng.uniform(-0.5, 0.5, (gates * H,)),
            prefix + "h2h_weight": rng.uniform(-0.5, 0.5, (gates * H, H)),
            prefix + "h2h_bias": rng.uniform(-0.5, 0.5, (gates * H,))}


def test_lstm_unroll_vs_numpy_ntc_merged():
    rng = np.random.RandomState(0)
    T, N, C, H = 4, 3, 5, 6
    cell = mx.rnn.LSTMCell(H, prefix="lstm_")
    out, states = cell.unroll(T, inputs=mx.sym.Variable("data"), layout="NTC", merge_outputs=True,
                              begin_state=_zeros(cell, N))
    x = rng.uniform(-1, 1, (N, T, C))
    p = _rand_params(rng, "lstm_", 4, H, C)
    (y, h, c), _ = _run(mx.sym.Group([out] + states), {"data": x}, p)
    ref, rh, rc = _np_lstm(x.transpose(1, 0, 2), p["lstm_i2h_weight"], p["lstm_h2h_weight"],
                           p["lstm_i2h_bias"] + p["lstm_h2h_bias"])
    np.testing.assert_allclose(y, ref.transpose(1, 0, 2), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(h, rh, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(c, rc, rtol=1e-4, atol=1e-5)


def test_gru_unroll_vs_numpy_tnc_list():
    rng = np.random.RandomState(1)
    T, N, C, H = 3, 2, 4, 5
    cell = mx.rnn.GRUCell(H, prefix="gru_")
    outs, states = cell.unroll(T, inputs=mx.sym.Variable("data"), layout="TNC",
                               begin_state=_zeros(cell, N))
    x = rng.uniform(-1, 1, (T, N, C))
    p = _rand_params(rng, "gru_", 3, H, C)
    res, _ = _run(mx.sym.Group(outs + states), {"data": x}, p)
    ref, rh = _np_gru(x, p["gru_i2h_weight"], p["gru_h2h_weight"], p["gru_i2h_bias"],
                      p["gru_h2h_bias"])
    for t in range(T):
        np.testing.assert_allclose(res[t], ref[t], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(res[T], rh, rtol=1e-4, atol=1e-5)


def test_rnn_relu_cell_and_list_inputs():
    rng = np.random.RandomState(2)
    T, N, C, H = 3, 2, 3, 4
    cell = mx.rnn.RNNCell(H, activation="relu", prefix="rnn_")
    inputs = [mx.sym.Variable("x%d" % t) for t in range(T)]
    out, _ = cell.unroll(T, inputs=inputs, merge_outputs=True, begin_state=_zeros(cell, N))
    xs = {"x%d" % t: rng.uniform(-1, 1, (N, C)) for t in range(T)}
    p = _rand_params(rng, "rnn_", 1, H, C)
    (y,), _ = _run(out, xs, p)
    h = np.zeros((N, H))
    for t in range(T):
        h = np.maximum(xs["x%d" % t] @ p["rnn_i2h_weight"].T + p["rnn_i2h_bias"]
                       + h @ p["rnn_h2h_weight"].T + p["rnn_h2h_bias"], 0)
        np.testing.assert_allclose(y[:, t], h, rtol=1e-4, atol=1e-5)


def test_residual_zoneout_dropout_numerics():
    rng = np.random.RandomState(3)
    T, N, H = 3, 2, 4
    x = rng.uniform(-1, 1, (N, T, H))
    p = _rand_params(rng, "l_", 4, H, H)
    ref, _, _ = _np_lstm(x.transpose(1, 0, 2), p["l_i2h_weight"], p["l_h2h_weight"],
                         p["l_i2h_bias"] + p["l_h2h_bias"])
    ref = ref.transpose(1, 0, 2)
    res = mx.rnn.ResidualCell(mx.rnn.LSTMCell(H, prefix="l_"))
    out, _ = res.unroll(T, inputs=mx.sym.Variable("data"), merge_outputs=True,
                        begin_state=_zeros(res, N))
    (y,), _ = _run(out, {"data": x}, p)
    np.testing.assert_allclose(y, ref + x, rtol=1e-4, atol=1e-5)
    # zoneout and dropout are the identity in inference
    seq = mx.rnn.SequentialRNNCell()
    seq.add(mx.rnn.ZoneoutCell(mx.rnn.LSTMCell(H, prefix="l_"), 0.5, 0.5))
    seq.add(mx.rnn.DropoutCell(0.5))
    out, _ = seq.unroll(T, inputs=mx.sym.Variable("data"), merge_outputs=True,
                        begin_state=_zeros(seq, N))
    (y,), _ = _run(out, {"data": x}, p)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    # zoneout in training: each output is either the new value or the previous output
    mx.random.seed(5)
    (y,), _ = _run(out, {"data": x}, p, is_train=True)
    assert np.all(np.isfinite(y))


def test_bidirectional_merged_equals_list():
    rng = np.random.RandomState(4)
    T, N, C, H = 3, 2, 3, 4
    x = rng.uniform(-1, 1, (N, T, C))
    p = dict(_rand_params(rng, "l_", 4, H, C), **_rand_params(rng, "r_", 3, H, C))

    def build(merge):
        bi = mx.rnn.BidirectionalCell(mx.rnn.LSTMCell(H, prefix="l_"),
                                      mx.rnn.GRUCell(H, prefix="r_"))
        return bi.unroll(T, inputs=mx.sym.Variable("data"), merge_outputs=merge,
                         begin_state=_zeros(bi, N))[0]
    (merged,), _ = _run(build(True), {"data": x}, p)
    listed, _ = _run(mx.sym.Group(build(False)), {"data": x}, p)
    assert merged.shape == (N, T, 2 * H)
    for t in range(T):
        np.testing.assert_allclose(merged[:, t], listed[t], rtol=1e-5, atol=1e-6)
    lref, _, _ = _np_lstm(x.transpose(1, 0, 2), p["l_i2h_weight"], p["l_h2h_weight"],
                          p["l_i2h_bias"] + p["l_h2h_bias"])
    rref, _ = _np_gru(x.transpose(1, 0, 2)[::-1], p["r_i2h_weight"], p["r_h2h_weight"],
                      p["r_i2h_bias"], p["r_h2h_bias"])
    np.testing.assert_allclose(merged[:, :, :H], lref.transpose(1, 0, 2), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(merged[:, :, H:], rref[::-1].transpose(1, 0, 2), rtol=1e-4,
                               atol=1e-5)


# -- FusedRNNCell -------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode,layers,bidir", [
    ("lstm", 2, True), ("gru", 2, False), ("rnn_tanh", 1, True), ("rnn_relu", 2, False),
    ("gru", 1, True)])
def test_fused_equals_unfused(mode, layers, bidir):
    rng = np.random.RandomState(5)
    T, N, C, H = 3, 2, 4, 3
    D = 2 if bidir else 1
    fused = mx.rnn.FusedRNNCell(H, num_layers=layers, mode=mode, bidirectional=bidir,
                                prefix="f_", get_next_state=True)
    nstate = 2 if mode == "lstm" else 1
    f_begin = fused.begin_state(func=mx.sym.Variable)
    f_out, f_states = fused.unroll(T, inputs=mx.sym.Variable("data"), begin_state=f_begin,
                                   layout="TNC", merge_outputs=True)
    stack = fused.unfuse()
    u_begin = stack.begin_state(func=mx.sym.Variable)
    u_out, u_states = stack.unroll(T, inputs=mx.sym.Variable("data"), begin_state=u_begin,
                                   layout="TNC", merge_outputs=True)
    _, fshapes, _ = f_out.infer_shape(data=(T, N, C))
    assert fshapes == [(T, N, D * H)]
    size = f_out.infer_shape(data=(T, N, C))[0][1][0]
    packed = mx.nd.array(rng.uniform(-0.5, 0.5, (size,)))
    x = rng.uniform(-1, 1, (T, N, C))
    init = [rng.uniform(-1, 1, (layers * D, N, H)) for _ in range(nstate)]
    f_feed = {"data": x}
    f_feed.update({s.name: v for s, v in zip(f_begin, init)})
    f_res, _ = _run(mx.sym.Group([f_out] + f_states), f_feed, {"f_parameters": packed})
    # same weights for the stack: unpack the fused vector, pack per cell
    args = stack.pack_weights(fused.unpack_weights({"f_parameters": packed}))
    assert sorted(args) == sorted(n for n in stack.params._params)
    u_feed = {"data": x}
    for k, s in enumerate(u_begin):       # per cell: state kinds in order, cells layer/dir major
        cell_idx, kind = divmod(k, nstate)
        u_feed[s.name] = init[kind][cell_idx]
    u_res, _ = _run(mx.sym.Group([u_out] + _flat(u_states)), u_feed,
                    {k: v.asnumpy() for k, v in args.items()})
    np.testing.assert_allclose(f_res[0], u_res[0], rtol=1e-4, atol=1e-5)
    u_final = u_res[1:]
    for kind in range(nstate):
        want = np.stack([u_final[c * nstate + kind] for c in range(layers * D)])
        np.testing.assert_allclose(f_res[1 + kind], want, rtol=1e-4, atol=1e-5)


def test_fused_ntc_list_outputs_and_default_state():
    """NTC input, per-step outputs, default (zero) begin states given with full shapes."""
    rng = np.random.RandomState(6)
    T, N, C, H = 3, 2, 3, 4
    fused = mx.rnn.FusedRNNCell(H, mode="lstm", prefix="lstm_")
    begin = [mx.sym.zeros((1, N, H)), mx.sym.zeros((1, N, H))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outs, states = fused.unroll(T, inputs=mx.sym.Variable("data"), begin_state=begin,
                                    layout="NTC", merge_outputs=False)
    assert states == [] and len(outs) == T
    x = rng.uniform(-1, 1, (N, T, C))
    size = 4 * H * (C + H + 2)
    packed = rng.uniform(-0.5, 0.5, (size,))
    res, _ = _run(mx.sym.Group(outs), {"data": x}, {"lstm_parameters": packed})
    args = fused.unpack_weights({"lstm_parameters": mx.nd.array(packed)})
    W = np.concatenate([args["lstm_l0_i2h%s_weight" % g].asnumpy() for g in "_i _f _c _o".split()])
    R = np.concatenate([args["lstm_l0_h2h%s_weight" % g].asnumpy() for g in "_i _f _c _o".split()])
    b = sum(np.concatenate([args["lstm_l0_%s%s_bias" % (k, g)].asnumpy()
                            for g in "_i _f _c _o".split()]) for k in ("i2h", "h2h"))
    ref, _, _ = _np_lstm(x.transpose(1, 0, 2), W, R, b)
    for t in range(T):
        np.testing.assert_allclose(res[t], ref[t], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make,layout", [
    (lambda: mx.rnn.LSTMCell(4, prefix="lstm_"), "NTC"),
    (lambda: mx.rnn.FusedRNNCell(4, mode="gru", prefix="g_", get_next_state=True), "TNC")])
def test_default_begin_state_runs(make, layout):
    """MXNet's default begin states are zeros of shape (0, H) / (L*D, 0, H): 0 is the batch size,
    left to shape inference."""
    cell = make()
    out, states = cell.unroll(3, inputs=mx.sym.Variable("data"), layout=layout,
                              merge_outputs=True)
    shape = (2, 3, 5) if layout == "NTC" else (3, 2, 5)
    data = np.random.RandomState(0).rand(*shape)
    res, ex = _run(mx.sym.Group([out] + states), {"data": data}, {})
    assert res[0].shape == shape[:2] + (4,)
    # the same as explicit zero states of the real batch size
    cell.reset()
    out2, states2 = cell.unroll(3, inputs=mx.sym.Variable("data"), layout=layout, merge_outputs=True,
                                begin_state=_zeros(cell, 2))
    params = {k: np.random.RandomState(1).rand(*v.shape) * 0.2 for k, v in ex.arg_dict.items() if k != "data"}
    res, _ = _run(mx.sym.Group([out] + states), {"data": data}, params)
    ref, _ = _run(mx.sym.Group([out2] + states2), {"data": data}, params)
    for r, e in zip(res, ref):
        np.testing.assert_allclose(r, e, rtol=1e-5)


def test_fused_unpack_layout():
    """The packed vector: every weight (layer, direction, i2h gates then h2h gates), then every
    bias in the same order (names, shapes and offsets as MXNet 1.9.1)."""
    cell = mx.rnn.FusedRNNCell(3, num_layers=2, mode="gru", bidirectional=True, prefix="g_")
    n = 3 * 3 * (5 + 3 + 2) * 2 + 3 * 3 * (2 * 3 + 3 + 2) * 2
    args = cell.unpack_weights({"g_parameters": mx.nd.arange(n)})
    names = []
    for kind in ("weight", "bias"):
        for layer in range(2):
            for d in "lr":
                for group in ("i2h", "h2h"):
                    names += ["g_%s%d_%s_%s_%s" % (d, layer, group, g, kind) for g in "rzo"]
    assert list(args) == names
    assert args["g_l0_i2h_r_weight"].shape == (3, 5)
    assert args["g_l1_i2h_o_weight"].shape == (3, 6)
    assert args["g_r1_h2h_z_weight"].shape == (3, 3)
    assert args["g_r1_h2h_z_bias"].asnumpy().tolist() == [372, 373, 374]
    assert args["g_l1_i2h_r_weight"].asnumpy()[0].tolist() == [144, 145, 146, 147, 148, 149]
    back = cell.pack_weights(args)
    assert list(back) == ["g_parameters"]
    np.testing.assert_array_equal(back["g_parameters"].asnumpy(), np.arange(n))


def test_pack_unpack_round_trip_cells():
    rng = np.random.RandomState(7)
    cell = mx.rnn.LSTMCell(3, prefix="lstm_")
    p = {k: mx.nd.array(v) for k, v in _rand_params(rng, "lstm_", 4, 3, 2).items()}
    p["other"] = mx.nd.ones((2,))
    un = cell.unpack_weights(p)
    assert sorted(un) == sorted(["other"] + ["lstm_%s%s_%s" % (grp, g, k) for grp in ("i2h", "h2h")
                                             for g in ("_i", "_f", "_c", "_o")
                                             for k in ("weight", "bias")])
    np.testing.assert_array_equal(un["lstm_h2h_f_weight"].asnumpy(),
                                  p["lstm_h2h_weight"].asnumpy()[3:6])
    back = cell.pack_weights(un)
    assert sorted(back) == sorted(p)
    for k in p:
        np.testing.assert_array_equal(back[k].asnumpy(), p[k].asnumpy())
    # cells without gates (dropout) pass the dict through
    assert mx.rnn.DropoutCell(0.1).unpack_weights(p).keys() == p.keys()


# -- FusedRNN initializer ------------------------------------------------------------------------------

def test_fused_rnn_initializer_layout():
    """Weights from the global initializer, biases zero, both LSTM forget-gate biases (i2h and
    h2h) set to forget_bias (values checked against MXNet 1.9.1)."""
    arr = mx.nd.zeros((48,))
    fused = mx.init.FusedRNN(None, 2, 1, "lstm", forget_bias=3.0)
    mx.init.Constant(0.2)(mx.init.InitDesc("lstm_parameters",
                                           attrs={"__init__": fused.dumps()}), arr)
    want = np.zeros(48, np.float32)
    want[:32] = 0.2                      # W_i2h (8, 2) then W_h2h (8, 2)
    want[32 + 2:32 + 4] = 3.0            # i2h bias gates i, f, c, o: f
    want[40 + 2:40 + 4] = 3.0            # h2h bias: f
    np.testing.assert_allclose(arr.asnumpy(), want)
    # a given init is used for the weights; gru has no forget bias
    arr = mx.nd.zeros((2 * 3 * 3 * (2 + 3 + 2),))
    fused = mx.init.FusedRNN(mx.init.One(), 3, 1, "gru", bidirectional=True)
    mx.init.Constant(0.2)(mx.init.InitDesc("gru_parameters",
                                           attrs={"__init__": fused.dumps()}), arr)
    nw = 2 * 3 * 3 * (2 + 3)
    np.testing.assert_allclose(arr.asnumpy()[:nw], 1.0)
    np.testing.assert_allclose(arr.asnumpy()[nw:], 0.0)
    assert mx.init.FusedRNN(mx.init.Constant(0.1), 2, 1, "lstm", forget_bias=3.0).dumps() == \
        '["fusedrnn", {"init": "[\\"constant\\", {\\"value\\": 0.1}]", "num_hidden": 2, ' \
        '"num_layers": 1, "mode": "lstm", "bidirectional": false, "forget_bias": 3.0}]'


def test_fused_initializer_through_module():
    cell = mx.rnn.FusedRNNCell(2, num_layers=1, mode="lstm", prefix="f_", forget_bias=2.5)
    out, _ = cell.unroll(3, mx.sym.Variable("data"), layout="TNC", merge_outputs=True,
                         begin_state=[mx.sym.zeros((1, 1, 2))] * 2)
    mod = mx.mod.Module(out, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", (3, 1, 2))])
    mod.init_params(mx.init.Constant(0.5))
    got = mod.get_params()[0]["f_parameters"].asnumpy()
    want = np.zeros(48, np.float32)
    want[:32] = 0.5
    want[34:36] = want[42:44] = 2.5
    np.testing.assert_allclose(got, want)


# -- data iteration -------------------------------------------------------------------------------------

def test_encode_sentences():
    coded, vocab = mx.rnn.encode_sentences([["a", "b", "c"], ["b", "d"]], invalid_label=0,
                                           start_label=1)
    assert coded == [[1, 2, 3], [2, 4]]
    assert vocab == {"\n": 0, "a": 1, "b": 2, "c": 3, "d": 4}
    coded, vocab = mx.rnn.encode_sentences([["a", "x"]], vocab={"a": 1, "<unk>": 2},
                                           unknown_token="<unk>")
    assert coded == [[1, 0]] and vocab == {"a": 1, "<unk>": 0}     # MXNet's behaviour
    with pytest.raises(AssertionError):
        mx.rnn.encode_sentences([["zz"]], vocab={"a": 1})


def test_bucket_sentence_iter(capsys):
    random.seed(0)
    np.random.seed(0)
    sents = [[1, 2, 3], [4, 5], [6, 7, 8, 9], [1, 2], [3, 4, 5], [6, 7, 8, 9, 1, 2, 3]]
    it = mx.rnn.BucketSentenceIter(sents, 2, buckets=[2, 3, 5], invalid_label=0)
    assert "discarded 1 sentences" in capsys.readouterr().out
    assert it.buckets == [2, 3, 5] and it.default_bucket_key == 5
    assert it.provide_data[0].name == "data" and it.provide_data[0].shape == (2, 5)
    assert it.provide_label[0].name == "softmax_label" and it.provide_label[0].shape == (2, 5)
    assert [d.shape for d in it.data] == [(2, 2), (2, 3), (1, 5)]
    assert len(it.idx) == 2                            # the 5-bucket has a single sentence
    seen = {}
    for batch in it:
        d, l = batch.data[0].asnumpy(), batch.label[0].asnumpy()
        assert d.shape == (2, batch.bucket_key)
        assert batch.provide_data[0].shape == d.shape
        np.testing.assert_array_equal(l[:, :-1], d[:, 1:])
        assert np.all(l[:, -1] == 0)
        seen[batch.bucket_key] = sorted(map(tuple, d.astype(int).tolist()))
    assert seen == {2: [(1, 2), (4, 5)], 3: [(1, 2, 3), (3, 4, 5)]}
    it.reset()
    assert len(list(it)) == 2
    # automatic buckets (lengths with >= batch_size sentences) and time-major layout
    it2 = mx.rnn.BucketSentenceIter(sents, 1, invalid_label=0, layout="TN", data_name="x",
                                    label_name="y")
    assert it2.buckets == [2, 3, 4, 7]
    assert it2.provide_data[0].shape == (7, 1) and it2.provide_data[0].layout == "TN"
    batch = next(iter(it2))
    assert batch.data[0].shape == (batch.bucket_key, 1)
    assert batch.provide_label[0].name == "y"
    with pytest.raises(ValueError):
        mx.rnn.BucketSentenceIter(sents, 1, layout="TT")


# -- training and checkpoints -----------------------------------------------------------------------------

def test_bucketing_module_trains():
    """Next-token prediction on counting sequences (a -> a+1 mod V) with an LSTM, buckets 4/6."""
    random.seed(1)
    np.random.seed(1)
    mx.random.seed(1)
    V, H, E, N = 6, 16, 8, 4
    rng = np.random.RandomState(1)
    sents = []
    for _ in range(24):
        n = rng.choice([3, 4, 5, 6])
        s = rng.randint(V)
        sents.append([1 + (s + k) % V for k in range(n)])     # tokens 1..V, 0 = padding
    it = mx.rnn.BucketSentenceIter(sents, N, buckets=[4, 6], invalid_label=0)
    cell = mx.rnn.LSTMCell(H, prefix="lstm_")

    def sym_gen(seq_len):
        data = mx.sym.Variable("data")
        label = mx.sym.Variable("softmax_label")
        emb = mx.sym.Embedding(data, input_dim=V + 1, output_dim=E, name="embed")
        cell.reset()
        out, _ = cell.unroll(seq_len, inputs=emb, merge_outputs=True, begin_state=_zeros(cell, N))
        pred = mx.sym.FullyConnected(mx.sym.Reshape(out, shape=(-1, H)), num_hidden=V + 1,
                                     name="pred")
        pred = mx.sym.SoftmaxOutput(pred, mx.sym.Reshape(label, shape=(-1,)), name="softmax",
                                    use_ignore=True, ignore_label=0)
        return pred, ("data",), ("softmax_label",)

    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=it.default_bucket_key,
                                 context=mx.cpu())
    mod.bind(data_shapes=it.provide_data, label_shapes=it.provide_label)
    mod.init_params(mx.init.Xavier(magnitude=2.0))
    mod.init_optimizer(optimizer="adam", optimizer_params={"learning_rate": 0.05})
    assert "lstm_i2h_weight" in mod.get_params()[0]
    losses = []
    for _ in range(6):
        it.reset()
        metric = mx.metric.Perplexity(ignore_label=0)
        for batch in it:
            mod.forward(batch, is_train=True)
            mod.backward()
            mod.update()
            mod.update_metric(metric, batch.label)
        losses.append(metric.get()[1])
    assert losses[-1] < losses[0] * 0.7, losses


def test_rnn_checkpoint_round_trip(tmp_path):
    rng = np.random.RandomState(8)
    cell = mx.rnn.FusedRNNCell(3, num_layers=1, mode="lstm", prefix="lstm_")
    out, _ = cell.unroll(2, mx.sym.Variable("data"), layout="TNC", merge_outputs=True,
                         begin_state=[mx.sym.zeros((1, 1, 3))] * 2)
    size = 4 * 3 * (2 + 3 + 2)
    args = {"lstm_parameters": mx.nd.array(rng.uniform(-1, 1, (size,))),
            "pred_weight": mx.nd.ones((2, 3))}
    aux = {"bn_moving_mean": mx.nd.zeros((2,))}
    prefix = os.path.join(str(tmp_path), "rnn")
    mx.rnn.save_rnn_checkpoint(cell, prefix, 3, out, args, aux)
    saved = mx.nd.load(prefix + "-0003.params")
    assert "arg:lstm_l0_i2h_f_weight" in saved and "arg:lstm_parameters" not in saved
    assert "aux:bn_moving_mean" in saved and "arg:pred_weight" in saved
    sym, arg2, aux2 = mx.rnn.load_rnn_checkpoint([cell], prefix, 3)
    assert sym.list_arguments() == out.list_arguments()
    assert sorted(arg2) == sorted(args) and sorted(aux2) == sorted(aux)
    for k in args:
        np.testing.assert_allclose(arg2[k].asnumpy(), args[k].asnumpy())
    # the unfused stack reads the same checkpoint
    _, arg3, _ = mx.rnn.load_rnn_checkpoint(cell.unfuse(), prefix, 3)
    assert "lstm_l0_i2h_weight" in arg3 and arg3["lstm_l0_i2h_weight"].shape == (12, 2)
    # epoch-end callback every 2 epochs
    cb = mx.rnn.do_rnn_checkpoint(cell, prefix + "cb", period=2)
    for epoch in range(4):
        cb(epoch, out, args, aux)
    assert sorted(f for f in os.listdir(str(tmp_path)) if f.startswith("rnncb-0")) == \
        ["rnncb-0002.params", "rnncb-0004.params"]


# -- convolutional cells -----------------------------------------------------------------------------------

def test_conv_cells():
    cell = mx.rnn.ConvLSTMCell((1, 2, 5, 5), 3, prefix="cl_")
    assert cell.state_info == [{"shape": (0, 3, 5, 5), "__layout__": "NCHW"}] * 2
    out, states = cell.unroll(2, mx.sym.Variable("data"), layout="NTC", merge_outputs=True)
    assert out.list_arguments() == ["data", "cl_i2h_weight", "cl_i2h_bias", "cl_h2h_weight",
                                    "cl_h2h_bias"]
    assert [s.list_outputs() for s in states] == [["cl_t1_out_output"], ["cl_t1_state_output"]]
    assert out.infer_shape(data=(1, 2, 2, 5, 5))[1] == [(1, 2, 3, 5, 5)]
    gru = mx.rnn.ConvGRUCell((1, 2, 5, 5), 3, prefix="cg_")
    assert gru.state_info == [{"shape": (0, 3, 5, 5), "__layout__": "NCHW"}]
    # ConvRNNCell with a linear activation vs NumPy (1x1 kernels: a dense map per pixel)
    rng = np.random.RandomState(9)
    rnn = mx.rnn.ConvRNNCell((2, 2, 3, 3), 2, h2h_kernel=(1, 1), i2h_kernel=(1, 1),
                             i2h_pad=(0, 0), activation="tanh", prefix="cr_")
    outs, _ = rnn.unroll(2, mx.sym.Variable("data"), layout="TNC", begin_state=_zeros(rnn, 2))
    x = rng.uniform(-1, 1, (2, 2, 2, 3, 3))
    p = {"cr_i2h_weight": rng.uniform(-1, 1, (2, 2, 1, 1)), "cr_i2h_bias": rng.uniform(-1, 1, 2),
         "cr_h2h_weight": rng.uniform(-1, 1, (2, 2, 1, 1)), "cr_h2h_bias": rng.uniform(-1, 1, 2)}
    res, _ = _run(mx.sym.Group(outs), {"data": x}, p)
    h = np.zeros((2, 2, 3, 3))
    for t in range(2):
        h = np.tanh(np.einsum("oc,nchw->nohw", p["cr_i2h_weight"][:, :, 0, 0], x[t])
                    + p["cr_i2h_bias"][None, :, None, None]
                    + np.einsum("oc,nchw->nohw", p["cr_h2h_weight"][:, :, 0, 0], h)
                    + p["cr_h2h_bias"][None, :, None, None])
        np.testing.assert_allclose(res[t], h, rtol=1e-4, atol=1e-5)
    with pytest.raises(AssertionError):
        mx.rnn.ConvRNNCell((1, 2, 5, 5), 3, h2h_kernel=(2, 2))
