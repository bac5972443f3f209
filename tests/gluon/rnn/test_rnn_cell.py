"""gluon.rnn cells: gate formulas vs NumPy, unroll (merge/layout/valid_length), wrappers
(Sequential, Bidirectional, Dropout, Residual, Zoneout), hybridize, naming, begin_state, errors."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd
from mxnet.gluon import rnn

# MXNet 1.9.1 oracle literals (parameters from np.random.RandomState(seed).uniform(-0.5, 0.5) in
# sorted name order, float32): BidirectionalCell(LSTMCell(2, prefix='l_'), GRUCell(2, prefix='r_'))
# with seed 11 and a HybridSequentialRNNCell(GRU(3), Residual(RNN(3, softsign)), LSTM(2, relu, tanh))
# with seed 12, both unrolled over X_CELL (NTC) with valid_length [2, 4], merge_outputs=True.
X_CELL = [[[-0.847383, 0.559838, -0.123182], [0.44693, 0.955979, 0.076992], [0.002241, -0.855898, -0.463122], [-0.000235, 0.35846, 0.607478]], [[-0.238118, -0.868127, -0.423709], [0.819187, -0.573229, -0.095752], [0.862412, -0.950202, 0.201098], [0.900259, -0.539394, 0.09698]]]
BI_VL_OUT = [[[-0.029812, -0.037964, -0.00886, 0.279523], [-0.098997, 0.098196, -0.117676, 0.127324], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]], [[-0.042186, -0.046381, -0.460272, 0.403189], [-0.104095, -0.00195, -0.588614, 0.353064], [-0.107659, 0.007884, -0.559172, 0.351599], [-0.125922, 0.036917, -0.361402, 0.238329]]]
BI_VL_STATES = [[[-0.098997, 0.098196], [-0.125922, 0.036917]], [[-0.310223, 0.15864], [-0.338531, 0.069599]], [[-0.00886, 0.279523], [-0.460272, 0.403189]]]
SEQ_VL_OUT = [[[-0.0, 0.0], [-0.0, 0.00896], [0.0, 0.0], [0.0, 0.0]], [[-0.0, 0.000451], [-0.0, 0.016488], [-0.0, 0.007564], [-0.0, 0.009789]]]
SEQ_VL_STATES = [[[-0.032263, 0.164048, 0.082373], [-0.39607, 0.155986, 0.065761]], [[0.029552, 0.08591, 0.29112], [0.150487, 0.150312, 0.271901]], [[-0.0, 0.00896], [-0.0, 0.009789]], [[0.0, 0.043383], [0.0, 0.128429]]]


# ---- NumPy references ---------------------------------------------------------------------------
def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


_ACTS = {"tanh": np.tanh, "relu": lambda v: np.maximum(v, 0), "sigmoid": _sig,
         "softsign": lambda v: v / (1 + np.abs(v))}


def np_rnn(x, states, p, act="tanh"):
    h = _ACTS[act](x @ p["i2h_weight"].T + p["i2h_bias"] + states[0] @ p["h2h_weight"].T + p["h2h_bias"])
    return h, [h]


def np_lstm(x, states, p, act="tanh", rec="sigmoid"):
    h, c = states
    g = x @ p["i2h_weight"].T + p["i2h_bias"] + h @ p["h2h_weight"].T + p["h2h_bias"]
    i, f, gg, o = np.split(g, 4, axis=1)
    c2 = _ACTS[rec](f) * c + _ACTS[rec](i) * _ACTS[act](gg)
    h2 = _ACTS[rec](o) * _ACTS[act](c2)
    return h2, [h2, c2]


def np_gru(x, states, p):
    h = states[0]
    xi = x @ p["i2h_weight"].T + p["i2h_bias"]
    hh = h @ p["h2h_weight"].T + p["h2h_bias"]
    xr, xz, xn = np.split(xi, 3, axis=1)
    hr, hz, hn = np.split(hh, 3, axis=1)
    r = _sig(xr + hr)
    z = _sig(xz + hz)
    n = np.tanh(xn + r * hn)
    h2 = (1 - z) * n + z * h
    return h2, [h2]


def _params(cell):
    pre = cell.prefix
    return {k[len(pre):]: v.data().asnumpy().astype(np.float64) for k, v in cell.collect_params().items()}


def _set_params(block, seed):
    rs = np.random.RandomState(seed)
    for _, p in sorted(block.collect_params().items()):
        p.set_data(mx.nd.array(rs.uniform(-0.5, 0.5, p.shape).astype(np.float32)))


CELLS = {
    "rnn_tanh": (lambda **kw: rnn.RNNCell(4, **kw), lambda x, s, p: np_rnn(x, s, p, "tanh"), 1),
    "rnn_relu": (lambda **kw: rnn.RNNCell(4, activation="relu", **kw), lambda x, s, p: np_rnn(x, s, p, "relu"), 1),
    "rnn_softsign": (lambda **kw: rnn.RNNCell(4, activation="softsign", **kw),
                     lambda x, s, p: np_rnn(x, s, p, "softsign"), 1),
    "lstm": (lambda **kw: rnn.LSTMCell(4, **kw), np_lstm, 2),
    "lstm_relu_tanh": (lambda **kw: rnn.LSTMCell(4, activation="relu", recurrent_activation="tanh", **kw),
                       lambda x, s, p: np_lstm(x, s, p, "relu", "tanh"), 2),
    "gru": (lambda **kw: rnn.GRUCell(4, **kw), np_gru, 1),
}


def _make_cell(name, seed=0, hybridize=False, **kw):
    make, ref, nstates = CELLS[name]
    cell = make(input_size=3, **kw)
    cell.initialize()
    _set_params(cell, seed)
    if hybridize:
        cell.hybridize()
    return cell, ref, nstates


def _rand(shape, seed):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


def _np_unroll(ref, p, x_ntc, states):
    outs = []
    for t in range(x_ntc.shape[1]):
        o, states = ref(x_ntc[:, t].astype(np.float64), states, p)
        outs.append(o)
    return np.stack(outs, axis=1), states


# ---- single steps -------------------------------------------------------------------------------
@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name", list(CELLS))
def test_cell_step_matches_numpy(name, hybridize):
    cell, ref, nstates = _make_cell(name, seed=1, hybridize=hybridize)
    x = _rand((2, 3), 2)
    states = [_rand((2, 4), 3 + i) for i in range(nstates)]
    out, new_states = cell(mx.nd.array(x), [mx.nd.array(s) for s in states])
    want, want_states = ref(x.astype(np.float64), [s.astype(np.float64) for s in states], _params(cell))
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
    assert len(new_states) == nstates
    for a, b in zip(new_states, want_states):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-6)


def test_parameter_names_shapes_and_repr():
    lstm = rnn.LSTMCell(4, prefix="lstm0_")
    assert list(lstm.collect_params().keys()) == ["lstm0_i2h_weight", "lstm0_h2h_weight", "lstm0_i2h_bias",
                                                  "lstm0_h2h_bias"]
    assert lstm.i2h_weight.shape == (16, 0) and lstm.h2h_weight.shape == (16, 4)
    assert repr(lstm) == "LSTMCell(None -> 16)"
    gru = rnn.GRUCell(4, input_size=3, prefix="g_")
    assert gru.i2h_weight.shape == (12, 3) and gru.h2h_bias.shape == (12,)
    assert repr(gru) == "GRUCell(3 -> 12)"
    cell = rnn.RNNCell(4, "relu", prefix="r_")
    assert repr(cell) == "RNNCell(None -> 4, relu)"
    assert rnn.RNNCell(2).prefix.startswith("rnn") and rnn.GRUCell(2).prefix.startswith("gru")
    assert rnn.LSTMCell(2).prefix.startswith("lstm") and rnn.DropoutCell(0.1).prefix.startswith("dropout")


def test_begin_state_and_state_info():
    cell = rnn.LSTMCell(3, prefix="lstm0_")
    assert cell.state_info(2) == [{"shape": (2, 3), "__layout__": "NC"}] * 2
    states = cell.begin_state(batch_size=2)
    assert [s.shape for s in states] == [(2, 3), (2, 3)] and all((s.asnumpy() == 0).all() for s in states)
    syms = cell.begin_state(batch_size=2, func=mx.sym.zeros)
    assert [s.name for s in syms] == ["lstm0_begin_state_2", "lstm0_begin_state_3"]
    cell.reset()
    assert [s.name for s in cell.begin_state(func=mx.sym.zeros)] == ["lstm0_begin_state_0",
                                                                     "lstm0_begin_state_1"]
    ones = rnn.GRUCell(2).begin_state(batch_size=3, func=mx.nd.ones)
    assert ones[0].shape == (3, 2) and (ones[0].asnumpy() == 1).all()
    f64 = rnn.RNNCell(2).begin_state(batch_size=1, dtype="float64")
    assert f64[0].dtype == np.float64
    assert rnn.DropoutCell(0.5).state_info() == [] and rnn.DropoutCell(0.5).begin_state() == []


# ---- unroll -------------------------------------------------------------------------------------
@pytest.mark.parametrize("layout", ["NTC", "TNC"])
@pytest.mark.parametrize("form", ["tensor", "list"])
@pytest.mark.parametrize("merge", [None, True, False])
@pytest.mark.parametrize("name", ["lstm", "gru"])
def test_unroll_forms(name, merge, form, layout):
    cell, ref, nstates = _make_cell(name, seed=4)
    x = _rand((2, 5, 3), 5)                                     # NTC
    want, want_states = _np_unroll(ref, _params(cell), x, [np.zeros((2, 4))] * nstates)
    xin = x if layout == "NTC" else x.transpose(1, 0, 2)
    t_axis = layout.find("T")
    inputs = mx.nd.array(xin)
    if form == "list":
        inputs = [mx.nd.array(np.take(xin, t, axis=t_axis)) for t in range(5)]
    out, states = cell.unroll(5, inputs, layout=layout, merge_outputs=merge)
    if merge is True:
        assert isinstance(out, mx.nd.NDArray)
        got = out.asnumpy() if layout == "NTC" else out.asnumpy().transpose(1, 0, 2)
    else:
        assert isinstance(out, list) and len(out) == 5 and out[0].shape == (2, 4)   # None keeps steps
        got = np.stack([o.asnumpy() for o in out], axis=1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert len(states) == nstates
    for a, b in zip(states, want_states):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-6)


def test_unroll_with_begin_state_and_counters():
    cell, ref, _ = _make_cell("gru", seed=6)
    x = _rand((3, 4, 3), 7)
    h0 = _rand((3, 4), 8)
    out, states = cell.unroll(4, mx.nd.array(x), begin_state=[mx.nd.array(h0)], merge_outputs=True)
    want, want_states = _np_unroll(ref, _params(cell), x, [h0.astype(np.float64)])
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0].asnumpy(), want_states[0], rtol=1e-5, atol=1e-6)
    assert cell._counter == 3
    cell.reset()
    assert cell._counter == -1 and cell._init_counter == -1


@pytest.mark.parametrize("merge", [True, False, None])
def test_unroll_valid_length(merge):
    cell, ref, _ = _make_cell("lstm", seed=9)
    x = _rand((3, 4, 3), 10)
    vl = [1, 4, 2]
    out, states = cell.unroll(4, mx.nd.array(x), merge_outputs=merge, valid_length=mx.nd.array(vl))
    got = np.stack([o.asnumpy() for o in out], axis=1) if isinstance(out, list) else out.asnumpy()
    assert isinstance(out, list) == (merge is False)
    p = _params(cell)
    for b, n in enumerate(vl):
        want, want_states = _np_unroll(ref, p, x[b:b + 1, :n], [np.zeros((1, 4))] * 2)
        np.testing.assert_allclose(got[b, :n], want[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(got[b, n:], 0)
        for s, w in zip(states, want_states):
            np.testing.assert_allclose(s.asnumpy()[b], w[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["lstm", "gru", "rnn_relu"])
def test_hybridized_unroll_equals_imperative_with_grads(name):
    results = []
    for hybridize in (False, True):
        cell, _, _ = _make_cell(name, seed=13, hybridize=hybridize)
        x = mx.nd.array(_rand((2, 3, 3), 14))
        x.attach_grad()
        with autograd.record():
            out, states = cell.unroll(3, x, merge_outputs=True)
            loss = (out * out).sum() + (states[-1] * 2).sum()
        loss.backward()
        grads = {k[len(cell.prefix):]: p.grad().asnumpy() for k, p in cell.collect_params().items()}
        results.append((out.asnumpy(), x.grad.asnumpy(), grads))
    (o1, dx1, g1), (o2, dx2, g2) = results
    np.testing.assert_allclose(o1, o2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx1, dx2, rtol=1e-5, atol=1e-6)
    for k in g1:
        assert np.abs(g1[k]).sum() > 0
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-5, atol=1e-6)


def test_gradients_match_finite_differences():
    cell, ref, _ = _make_cell("gru", seed=15)
    x = _rand((2, 3, 3), 16)
    cell.i2h_weight.grad_req = "write"
    with autograd.record():
        out, _ = cell.unroll(3, mx.nd.array(x), merge_outputs=True)
        loss = (out * out).sum()
    loss.backward()
    g = cell.i2h_weight.grad().asnumpy()
    p = _params(cell)
    eps = 1e-5
    for idx in [(0, 0), (4, 2), (11, 1)]:
        for sign in (1, -1):
            p["i2h_weight"][idx] += sign * eps
            val = (_np_unroll(ref, p, x, [np.zeros((2, 4))])[0] ** 2).sum()
            if sign == 1:
                plus = val
            else:
                minus = val
            p["i2h_weight"][idx] -= sign * eps
        np.testing.assert_allclose(g[idx], (plus - minus) / (2 * eps), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("hybridize", [False, True])
def test_deferred_input_size(hybridize):
    cell = rnn.LSTMCell(3)
    cell.initialize()
    if hybridize:
        cell.hybridize()
    out, states = cell.unroll(2, mx.nd.ones((4, 2, 5)), merge_outputs=True)
    assert out.shape == (4, 2, 3) and cell.i2h_weight.shape == (12, 5)
    assert repr(cell) == "LSTMCell(5 -> 12)"


def test_symbolic_unroll():
    cell = rnn.GRUCell(3, prefix="gru0_")
    x = mx.sym.var("x")
    outs, states = cell.unroll(4, x, merge_outputs=None)
    assert [o.name for o in outs] == ["gru0_t%d_out" % t for t in range(4)]
    assert [s.name for s in states] == ["gru0_t3_out"]
    out, states = cell.unroll(4, x, begin_state=[mx.sym.var("h0")], merge_outputs=True)
    assert out.list_arguments() == ["x", "gru0_i2h_weight", "gru0_i2h_bias", "h0", "gru0_h2h_weight",
                                    "gru0_h2h_bias"]
    _, out_shapes, _ = out.infer_shape(x=(2, 4, 5), h0=(2, 3))
    assert out_shapes == [(2, 4, 3)]
    arg_shapes, _, _ = out.infer_shape(x=(2, 4, 5), h0=(2, 3))
    assert arg_shapes[1] == (9, 5)


def test_symbolic_unroll_default_begin_state_infers_batch():
    cell = rnn.LSTMCell(3)
    out, _ = cell.unroll(4, mx.sym.var("x"), merge_outputs=True)
    _, out_shapes, _ = out.infer_shape(x=(2, 4, 5))
    assert out_shapes == [(2, 4, 3)]


# ---- containers and modifiers -------------------------------------------------------------------
def _seq(cls):
    seq = cls(prefix="seq_")
    with seq.name_scope():
        seq.add(rnn.LSTMCell(4, input_size=3))
        seq.add(rnn.DropoutCell(0.5))
        seq.add(rnn.GRUCell(4, input_size=4))
    seq.initialize()
    _set_params(seq, 17)
    return seq


@pytest.mark.parametrize("cls", [rnn.SequentialRNNCell, rnn.HybridSequentialRNNCell])
def test_sequential_cells(cls):
    seq = _seq(cls)
    assert list(seq.collect_params().keys()) == [
        "seq_lstm0_i2h_weight", "seq_lstm0_h2h_weight", "seq_lstm0_i2h_bias", "seq_lstm0_h2h_bias",
        "seq_gru0_i2h_weight", "seq_gru0_h2h_weight", "seq_gru0_i2h_bias", "seq_gru0_h2h_bias"]
    assert len(seq) == 3 and isinstance(seq[1], rnn.DropoutCell)
    assert repr(seq) == "%s(\n(0): LSTMCell(3 -> 16)\n(1): DropoutCell(rate=0.5, axes=())\n(2): GRUCell(4 -> 12)\n)" % (
        cls.__name__)
    assert [i["shape"] for i in seq.state_info(2)] == [(2, 4)] * 3
    assert len(seq.begin_state(batch_size=2)) == 3
    x = _rand((2, 3, 3), 18)
    p_lstm, p_gru = _params(seq[0]), _params(seq[2])

    def ref(xt, states, _):
        o, s1 = np_lstm(xt, states[:2], p_lstm)
        o, s2 = np_gru(o, states[2:], p_gru)
        return o, s1 + s2
    want, want_states = _np_unroll(ref, None, x, [np.zeros((2, 4))] * 3)
    out, states = seq.unroll(3, mx.nd.array(x), merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
    for a, b in zip(states, want_states):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-6)
    # stepping
    out, states = seq(mx.nd.array(x[:, 0]), seq.begin_state(batch_size=2))
    want, _ = ref(x[:, 0].astype(np.float64), [np.zeros((2, 4))] * 3, None)
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
    assert len(states) == 3


def test_sequential_save_parameters_keys(tmp_path):
    seq = _seq(rnn.SequentialRNNCell)
    f = str(tmp_path / "s.params")
    seq.save_parameters(f)
    assert sorted(mx.nd.load(f).keys()) == sorted(
        "%d.%s" % (i, n) for i in (0, 2) for n in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"))


def test_hybrid_sequential_hybridized_matches():
    a, b = _seq(rnn.HybridSequentialRNNCell), _seq(rnn.HybridSequentialRNNCell)
    b.hybridize()
    x = mx.nd.array(_rand((2, 3, 3), 19))
    oa, sa = a.unroll(3, x, merge_outputs=True)
    ob, sb = b.unroll(3, x, merge_outputs=True)
    np.testing.assert_allclose(oa.asnumpy(), ob.asnumpy(), rtol=1e-5, atol=1e-6)


def test_sequential_with_bidirectional_cannot_step():
    seq = rnn.HybridSequentialRNNCell()
    seq.add(rnn.BidirectionalCell(rnn.GRUCell(2, input_size=2), rnn.GRUCell(2, input_size=2)))
    seq.initialize()
    with pytest.raises(AssertionError):
        seq(mx.nd.ones((1, 2)), seq.begin_state(batch_size=1))


@pytest.mark.parametrize("merge", [True, False, None])
def test_bidirectional_cell(merge):
    l_cell, r_cell = rnn.LSTMCell(3, input_size=2, prefix="l_"), rnn.GRUCell(3, input_size=2, prefix="r_")
    bi = rnn.BidirectionalCell(l_cell, r_cell)
    assert bi.prefix == "" and list(bi.collect_params().keys())[:2] == ["l_i2h_weight", "l_h2h_weight"]
    assert repr(bi) == "BidirectionalCell(forward=LSTMCell(2 -> 12), backward=GRUCell(2 -> 9))"
    assert len(bi.state_info(2)) == 3 and len(bi.begin_state(batch_size=2)) == 3
    bi.initialize()
    _set_params(bi, 20)
    x = _rand((2, 4, 2), 21)
    out, states = bi.unroll(4, mx.nd.array(x), merge_outputs=merge)
    fw, fw_s = _np_unroll(np_lstm, _params(l_cell), x, [np.zeros((2, 3))] * 2)
    bw, bw_s = _np_unroll(np_gru, _params(r_cell), x[:, ::-1], [np.zeros((2, 3))])
    want = np.concatenate([fw, bw[:, ::-1]], axis=2)
    got = out.asnumpy() if merge else np.stack([o.asnumpy() for o in out], axis=1)
    assert isinstance(out, list) == (not merge)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    for a, b in zip(states, fw_s + bw_s):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError, match="Bidirectional cannot be stepped"):
        bi(mx.nd.array(x[:, 0]), [])


def test_bidirectional_valid_length_matches_oracle():
    bi = rnn.BidirectionalCell(rnn.LSTMCell(2, input_size=3, prefix="l_"), rnn.GRUCell(2, input_size=3, prefix="r_"))
    bi.initialize()
    _set_params(bi, 11)
    out, states = bi.unroll(4, mx.nd.array(X_CELL), merge_outputs=True, valid_length=mx.nd.array([2, 4]))
    np.testing.assert_allclose(out.asnumpy(), BI_VL_OUT, rtol=1e-4, atol=1e-5)
    for a, b in zip(states, BI_VL_STATES):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("hybridize", [False, True])
def test_hybrid_sequential_residual_valid_length_matches_oracle(hybridize):
    seq = rnn.HybridSequentialRNNCell(prefix="s_")
    with seq.name_scope():
        seq.add(rnn.GRUCell(3, input_size=3))
        seq.add(rnn.ResidualCell(rnn.RNNCell(3, activation="softsign", input_size=3)))
        seq.add(rnn.LSTMCell(2, input_size=3, activation="relu", recurrent_activation="tanh"))
    seq.initialize()
    _set_params(seq, 12)
    if hybridize:
        seq.hybridize()
    out, states = seq.unroll(4, mx.nd.array(X_CELL), merge_outputs=True, valid_length=mx.nd.array([2, 4]))
    np.testing.assert_allclose(out.asnumpy(), SEQ_VL_OUT, rtol=1e-4, atol=1e-5)
    for a, b in zip(states, SEQ_VL_STATES):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-4, atol=1e-5)


def test_dropout_cell():
    cell = rnn.DropoutCell(0.5)
    assert repr(cell) == "DropoutCell(rate=0.5, axes=())"
    x = mx.nd.ones((4, 3, 50))
    out, states = cell.unroll(3, x, merge_outputs=None)
    assert isinstance(out, mx.nd.NDArray) and states == []
    np.testing.assert_array_equal(out.asnumpy(), 1)              # inference: identity
    outs, _ = cell.unroll(3, x, merge_outputs=False)
    assert isinstance(outs, list) and len(outs) == 3
    with autograd.train_mode():
        out, _ = cell(mx.nd.ones((10, 100)), [])
    vals = set(np.unique(out.asnumpy()).tolist())
    assert vals <= {0.0, 2.0} and len(vals) == 2
    with pytest.raises(AssertionError, match="rate must be a number"):
        rnn.DropoutCell("0.5")


@pytest.mark.parametrize("merge", [True, False])
def test_residual_cell(merge):
    base = rnn.GRUCell(3, input_size=3, prefix="g_")
    res = rnn.ResidualCell(base)
    assert res.prefix == "g_residualcell" and list(res.collect_params().keys())[0] == "g_i2h_weight"
    assert repr(res) == "ResidualCell(GRUCell(3 -> 9))"
    res.initialize()
    _set_params(res, 22)
    x = _rand((2, 3, 3), 23)
    out, states = res.unroll(3, mx.nd.array(x), merge_outputs=merge)
    want, want_s = _np_unroll(np_gru, _params(base), x, [np.zeros((2, 3))])
    got = out.asnumpy() if merge else np.stack([o.asnumpy() for o in out], axis=1)
    np.testing.assert_allclose(got, want + x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0].asnumpy(), want_s[0], rtol=1e-5, atol=1e-6)
    step, _ = res(mx.nd.array(x[:, 0]), res.begin_state(batch_size=2, func=mx.nd.zeros))
    np.testing.assert_allclose(step.asnumpy(), want[:, 0] + x[:, 0], rtol=1e-5, atol=1e-6)


def test_modifier_cell_rules():
    base = rnn.RNNCell(3, input_size=2)
    zone = rnn.ZoneoutCell(base, 0.2, 0.3)
    assert repr(zone) == "ZoneoutCell(p_out=0.2, p_state=0.3, RNNCell(2 -> 3, tanh))"
    assert zone.params is base.params
    with pytest.raises(AssertionError, match="already modified"):
        rnn.ResidualCell(base)
    with pytest.raises(AssertionError, match="base cell cannot be called directly"):
        base.begin_state()
    states = zone.begin_state(batch_size=2, func=mx.nd.zeros)
    assert [s.shape for s in states] == [(2, 3)]
    assert base._modified                                      # restored after begin_state
    with pytest.raises(AssertionError, match="doesn't support zoneout"):
        rnn.ZoneoutCell(rnn.BidirectionalCell(rnn.GRUCell(2), rnn.GRUCell(2)))


def test_zoneout_cell():
    base = rnn.LSTMCell(4, input_size=3)
    zone = rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    zone.initialize()
    _set_params(zone, 24)
    x = _rand((20, 5, 3), 25)
    want, _ = _np_unroll(np_lstm, _params(base), x, [np.zeros((20, 4))] * 2)
    out, states = zone.unroll(5, mx.nd.array(x), merge_outputs=True)      # inference: no zoneout
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
    assert len(states) == 2
    with autograd.train_mode():
        out, _ = zone.unroll(5, mx.nd.array(x), merge_outputs=True)
    got = out.asnumpy()
    assert got.shape == (20, 5, 4) and np.isfinite(got).all()
    # step 0: each element is either the cell's output or the previous output (zeros)
    kept_new = np.isclose(got[:, 0], want[:, 0], rtol=1e-5, atol=1e-6)
    zeroed = got[:, 0] == 0
    assert (kept_new | zeroed).all() and kept_new.any() and zeroed.any()
    zone.reset()
    assert zone._prev_output is None


def test_unroll_errors():
    cell = rnn.GRUCell(3, input_size=2)
    cell.initialize()
    with pytest.raises(AssertionError):
        cell.unroll(3, mx.nd.ones((2, 4, 2)))              # length does not match the inputs
    with pytest.raises(AssertionError):
        cell.unroll(3, [mx.nd.ones((2, 2))] * 4)
    with pytest.raises(AssertionError, match="deprecated"):
        cell.unroll(3, None)
    with pytest.raises(NotImplementedError):
        rnn.RecurrentCell().state_info()


def test_activation_block_and_callable():
    x, h = _rand((2, 3), 30), _rand((2, 4), 31)
    leaky = getattr(mx.gluon.nn, "LeakyReLU", None)
    acts = [(lambda v, **kw: mx.nd.relu(v), lambda v: np.maximum(v, 0))]
    if leaky is not None:
        acts.append((leaky(0.1), lambda v: np.where(v >= 0, v, 0.1 * v)))
    for act, ref in acts:
        cell = rnn.RNNCell(4, activation=act, input_size=3)
        cell.initialize()
        _set_params(cell, 32)
        p = _params(cell)
        out, _ = cell(mx.nd.array(x), [mx.nd.array(h)])
        want = ref(x @ p["i2h_weight"].T + p["i2h_bias"] + h @ p["h2h_weight"].T + p["h2h_bias"])
        np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5, atol=1e-6)
