"""The fused RNN operator: forward against MXNet 1.9.1 literals (which pin the parameter packing
and gate order) and an independent per-sample NumPy reference, backward against MXNet literals and
finite differences, sequence lengths, state clipping, projection, dropout, shape/type inference,
errors, and the symbolic path."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from mxnet.ops.rnn import rnn_param_size
from tests.ops.harness import check_grad, run_nd

GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def _shapes(kw, dshape):
    op = get_op("RNN")
    attrs = op.parse(kw)
    n_in = len(op.input_names(attrs))
    return op.infer_shapes(attrs, [tuple(dshape)] + [None] * (n_in - 1))[0]


def _inputs(kw, dshape, seed, dtype=np.float32):
    rs = np.random.RandomState(seed)
    return [rs.uniform(-1, 1, s).astype(dtype) for s in _shapes(kw, dshape)]


# -- an independent NumPy reference (one sample at a time, gates written out) -----------------


def _sig(x):
    return 1 / (1 + np.exp(-x))


def np_rnn(x, params, h0, c0=None, *, mode, state_size, num_layers, bidirectional=False, seq=None,
           projection_size=None, clip=None):
    T, N, C = x.shape
    H, G, L, D = state_size, GATES[mode], num_layers, 2 if bidirectional else 1
    R = projection_size or H
    params = params.astype(np.float64)
    mats, off = [], 0
    for layer in range(L):
        inp = C if layer == 0 else D * R
        for _ in range(D):
            m = {"Wx": params[off:off + G * H * inp].reshape(G * H, inp)}
            off += G * H * inp
            m["Wh"] = params[off:off + G * H * R].reshape(G * H, R)
            off += G * H * R
            if projection_size:
                m["Wr"] = params[off:off + R * H].reshape(R, H)
                off += R * H
            mats.append(m)
    for m in mats:
        m["bx"], m["bh"] = params[off:off + G * H], params[off + G * H:off + 2 * G * H]
        off += 2 * G * H
    assert off == params.size
    out = np.zeros((T, N, D * R))
    hy = np.zeros((L * D, N, R))
    cy = np.zeros((L * D, N, H))
    for n in range(N):
        Tn = T if seq is None else int(seq[n])
        inp = x[:Tn, n].astype(np.float64)
        for layer in range(L):
            ys = np.zeros((Tn, D * R))
            for d in range(D):
                k = layer * D + d
                m = mats[k]
                h = h0[k, n].astype(np.float64)
                c = None if c0 is None else c0[k, n].astype(np.float64)
                for t in (range(Tn - 1, -1, -1) if d else range(Tn)):
                    a = m["Wx"] @ inp[t] + m["bx"]
                    b = m["Wh"] @ h + m["bh"]
                    if mode == "lstm":
                        i, f, g, o = np.split(a + b, 4)
                        c = _sig(f) * c + _sig(i) * np.tanh(g)
                        if clip:
                            c = np.clip(c, *clip)
                        h = _sig(o) * np.tanh(c)
                        if projection_size:
                            h = m["Wr"] @ h
                    elif mode == "gru":
                        ar, az, an = np.split(a, 3)
                        br, bz, bn = np.split(b, 3)
                        r, z = _sig(ar + br), _sig(az + bz)
                        h = (1 - z) * np.tanh(an + r * bn) + z * h
                    else:
                        h = np.maximum(a + b, 0) if mode == "rnn_relu" else np.tanh(a + b)
                    ys[t, d * R:(d + 1) * R] = h
                hy[k, n] = h
                if c is not None:
                    cy[k, n] = c
            inp = ys
        out[:Tn, n] = inp
    return out, hy, cy


def _ref(kw, ins):
    kw = dict(kw)
    so = kw.pop("state_outputs", False)
    seq = ins[-1] if kw.pop("use_sequence_length", False) else None
    lo, hi = kw.pop("lstm_state_clip_min", None), kw.pop("lstm_state_clip_max", None)
    kw.pop("p", None)
    c0 = ins[3] if kw["mode"] == "lstm" else None
    out, hy, cy = np_rnn(ins[0], ins[1], ins[2], c0, seq=seq, clip=None if lo is None else (lo, hi), **kw)
    if not so:
        return [out]
    return [out, hy, cy] if kw["mode"] == "lstm" else [out, hy]


# -- MXNet 1.9.1 literals ----------------------------------------------------------------------

# RNN(state_size=2, num_layers=2, bidirectional=True, state_outputs=True), data (3, 2, 3), inputs
# RandomState(seed).uniform(-1, 1) in infer_shape order (data, parameters, state[, state_cell]).
MX_FORWARD = {
    ("lstm", 10): [
        [0.393175, 0.4463066, 0.4059782, -0.3367888, -0.1525176, 0.09478583, 0.2933129, -0.3668751, 0.2343186,
         0.5194156, 0.361159, -0.3780971, -0.05943848, 0.2480882, 0.2560108, -0.4148385, 0.1495293, 0.498997,
         0.2366855, -0.246424, -0.03344952, 0.3230202, 0.1056697, -0.3093114],
        [-0.06423835, -0.2527557, 0.236707, -0.2382322, 0.1180944, -0.1689792, 0.1185013, -0.183421, 0.1495293,
         0.498997, -0.03344952, 0.3230202, 0.4059782, -0.3367888, 0.2933129, -0.3668751],
        [-0.09214829, -0.3971151, 0.3621721, -0.3385261, 0.2754349, -1.038131, 0.3057408, -0.8761235, 0.2361064,
         1.090223, -0.06325412, 0.6855958, 1.106141, -1.197614, 0.6227779, -0.8843387]],
    ("gru", 11): [
        [0.4777052, -0.07190639, -0.7988998, -0.6393373, 0.2512911, -0.3468578, -0.5974498, -0.5187866, 0.1694538,
         -0.1523163, -0.7894828, -0.5358118, -0.08069989, -0.2339349, -0.4156094, -0.5574873, -0.1119758, -0.1454544,
         -0.7315915, -0.4840631, -0.2721508, -0.1005418, -0.1212741, -0.5966204],
        [-0.1224139, 0.4850323, -0.6690634, 0.3847997, -0.1844706, -0.2793073, 0.7340451, -0.3551222, -0.1119758,
         -0.1454544, -0.2721508, -0.1005418, -0.7988998, -0.6393373, -0.5974498, -0.5187866]],
    ("rnn_tanh", 12): [
        [0.250635, 0.9359916, -0.8159744, 0.6260895, 0.745462, 0.3232541, -0.9954459, 0.2515662, 0.4620906,
         -0.9145408, -0.9992976, 0.9480923, 0.6894831, 0.6182261, -0.9596587, 0.5955963, -0.1949865, 0.8539226,
         -0.2511814, 0.9138142, 0.4575611, -0.3436027, -0.9884134, 0.7980325],
        [-0.9234238, -0.9177923, -0.2011729, -0.3023099, 0.9331768, 0.1075922, 0.9396124, 0.9817885, -0.1949865,
         0.8539226, 0.4575611, -0.3436027, -0.8159744, 0.6260895, -0.9954459, 0.2515662]],
    ("rnn_relu", 13): [
        [0.6040066, 0, 0, 0, 0.2750021, 0.03660297, 0, 0.461604, 0, 0, 0, 0.7077254, 0.1887074, 0, 0, 0.1050395,
         0.8980728, 0, 0, 2.887938, 1.418125, 0, 0, 1.421807],
        [0.4047756, 0, 0, 0, 0.4126783, 0, 0.3917173, 0, 0.8980728, 0, 1.418125, 0, 0, 0, 0, 0.461604]],
}


@pytest.mark.parametrize("mode,seed", list(MX_FORWARD))
def test_forward_matches_mxnet(mode, seed):
    kw = dict(mode=mode, state_size=2, num_layers=2, bidirectional=True, state_outputs=True)
    ins = _inputs(kw, (3, 2, 3), seed)
    got = run_nd("RNN", ins, **kw)
    want = MX_FORWARD[(mode, seed)]
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g.ravel(), w, rtol=1e-5, atol=2e-6)
    for g, r in zip(got, _ref(kw, ins)):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-6)


# RNN(state_size=2, num_layers=1), data (3, 2, 2), inputs RandomState(seed), head RandomState(seed + 10)
MX_GRADS = {
    ("lstm", 20): [
        [0.05570545, 0.09600898, 0.1020907, 0.1141695, 0.139999, 0.1407969, 0.1308235, 0.1825728, 0.01831064,
         0.0789003, -0.1034412, -0.09934435],
        [0.04030461, 0.06271326, 0.0206974, 0.06412062, -0.04734347, 0.008533182, 0.01918604, 0.0220855,
         -0.04771842, 0.01712441, -0.0616259, -0.1126836, -0.08968664, 0.07287788, 0.04065906, 0.07780929,
         0.04149913, -0.03833878, 0.03548443, -0.02362409, 0.02815433, -0.04398933, 0.02502397, -0.004917857,
         0.0656736, -0.04222326, -0.09087849, 0.09466058, 0.1124401, -0.088775, 0.09283978, -0.02393847,
         0.1395766, 0.1139299, 0.08681399, 0.06623761, 0.1649802, -0.3152739, 0.2971774, 0.2405203, 0.1395766,
         0.1139299, 0.08681399, 0.06623761, 0.1649802, -0.3152739, 0.2971774, 0.2405203],
        [0.04352211, 0.02410812, 0.04897229, 0.04514566],
        [0.1653982, -0.1220104, 0.09237026, -0.1476641]],
    ("gru", 21): [
        [-0.1520866, 0.1211347, -0.03366158, 0.1913455, 0.1538635, -0.609655, 0.2436366, -0.3242736, 0.06327029,
         0.01449335, 0.09631325, -0.03764475],
        [0.03609601, -0.008347009, -0.07012293, -0.0580312, 0.1335784, 0.1464441, -0.1223484, 0.09333599, 1.209919,
         0.586314, -0.1513499, -0.208283, -0.00273762, -0.01829091, 0.06794747, 0.1064761, -0.06235218, -0.138842,
         0.1135111, -0.0225685, -0.4369926, -0.8163464, 0.0380651, 0.1303663, -0.02822646, 0.05596342,
         -0.07075962, 0.2888353, -1.399111, 0.03812387, -0.02822646, 0.05596342, -0.07075962, 0.2888353,
         -1.311303, -0.07884748],
        [-0.3300533, 0.7449645, 0.268762, 0.1726807]],
}


@pytest.mark.parametrize("mode,seed", list(MX_GRADS))
def test_backward_matches_mxnet(mode, seed):
    kw = dict(mode=mode, state_size=2, num_layers=1)
    ins = _inputs(kw, (3, 2, 2), seed)
    nds = [mx.nd.array(a) for a in ins]
    for a in nds:
        a.attach_grad()
    with mx.autograd.record():
        out = mx.nd.RNN(*nds, **kw)
    head = np.random.RandomState(seed + 10).uniform(-1, 1, out.shape).astype(np.float32)
    out.backward(mx.nd.array(head))
    for a, want in zip(nds, MX_GRADS[(mode, seed)]):
        np.testing.assert_allclose(a.grad.asnumpy().ravel(), want, rtol=1e-4, atol=1e-6)


def test_projection_matches_mxnet():
    kw = dict(mode="lstm", state_size=3, projection_size=2, num_layers=1, bidirectional=True, state_outputs=True)
    ins = _inputs(kw, (2, 2, 2), 40)
    assert [a.shape for a in ins] == [(2, 2, 2), (156,), (2, 2, 2), (2, 2, 3)]
    want = [[-0.06239627, 0.07576859, 0.2271152, 0.1916623, 0.07501575, 0.1421521, 0.1547011, 0.08220565,
             -0.1039666, 0.1682687, 0.2720206, 0.2444157, -0.15683, 0.3507533, 0.3064523, 0.2482179],
            [-0.1039666, 0.1682687, -0.15683, 0.3507533, 0.2271152, 0.1916623, 0.1547011, 0.08220565],
            [-0.5804938, -0.2188987, -0.5073069, -0.6589915, -0.6514414, -0.7261065, 0.8843104, -0.6768801,
             -0.2186005, 1.091351, -0.6951818, -0.3364522]]
    for g, w in zip(run_nd("RNN", ins, **kw), want):
        np.testing.assert_allclose(g.ravel(), w, rtol=1e-5, atol=2e-6)


# -- NumPy reference and finite differences ----------------------------------------------------

CASES = [  # (kwargs, data shape)
    (dict(mode="lstm", state_size=3, num_layers=1), (4, 2, 3)),
    (dict(mode="lstm", state_size=2, num_layers=3, state_outputs=True), (3, 2, 2)),
    (dict(mode="gru", state_size=3, num_layers=2, bidirectional=True, state_outputs=True), (3, 2, 2)),
    (dict(mode="gru", state_size=2, num_layers=1), (5, 1, 3)),
    (dict(mode="rnn_tanh", state_size=3, num_layers=2, state_outputs=True), (3, 3, 2)),
    (dict(mode="rnn_relu", state_size=2, num_layers=2, bidirectional=True), (3, 2, 2)),
    (dict(mode="lstm", state_size=3, num_layers=2, bidirectional=True, projection_size=2, state_outputs=True),
     (3, 2, 2)),
    (dict(mode="lstm", state_size=2, num_layers=1, lstm_state_clip_min=-0.25, lstm_state_clip_max=0.3,
          state_outputs=True), (4, 2, 3)),
]


@pytest.mark.parametrize("kw,dshape", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_reference(kw, dshape, dtype):
    ins = _inputs(kw, dshape, 3, dtype)
    got = run_nd("RNN", ins, **kw)
    want = _ref(kw, ins)
    assert len(got) == len(want)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for g, w in zip(got, want):
        assert g.dtype == dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("kw,dshape", CASES)
def test_backward_finite_differences(kw, dshape):
    ins = _inputs(kw, dshape, 4, np.float64)
    check_grad("RNN", ins, kw, rtol=1e-4, atol=1e-7, eps=1e-6)


SEQ_CASES = [
    dict(mode="lstm", state_size=2, num_layers=2, bidirectional=True, state_outputs=True),
    dict(mode="gru", state_size=2, num_layers=2, bidirectional=True, state_outputs=True),
    dict(mode="rnn_tanh", state_size=3, num_layers=1, bidirectional=True, state_outputs=True),
]


@pytest.mark.parametrize("kw", SEQ_CASES)
def test_sequence_length(kw):
    """cuDNN semantics: each sequence stops at its length (outputs past it are zero, the reverse
    direction starts at its last element, the states are those at its last element)."""
    kw = dict(kw, use_sequence_length=True)
    ins = _inputs(kw, (4, 3, 2), 5, np.float64)
    ins[-1] = np.array([4, 2, 1], dtype=np.float64)
    got = run_nd("RNN", ins, **kw)
    for g, w in zip(got, _ref(kw, ins)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    assert np.all(got[0][2:, 1] == 0) and np.all(got[0][1:, 2] == 0)
    # full lengths equal the plain layer
    ins[-1] = np.array([4, 4, 4], dtype=np.float64)
    plain = dict(kw, use_sequence_length=False)
    for g, w in zip(run_nd("RNN", ins, **kw), run_nd("RNN", ins[:-1], **plain)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    ins[-1] = np.array([3, 1, 2], dtype=np.float64)
    check_grad("RNN", ins, kw, wrt=range(len(ins) - 1), rtol=1e-4, atol=1e-7, eps=1e-6)


def test_sequence_length_int_dtype():
    kw = dict(mode="gru", state_size=2, num_layers=1, use_sequence_length=True)
    ins = _inputs(kw, (3, 2, 2), 6)
    ins[-1] = np.array([3, 2], dtype=np.int32)
    got = run_nd("RNN", ins, **kw)[0]
    np.testing.assert_allclose(got, _ref(kw, ins)[0], rtol=1e-5, atol=1e-6)


def test_dropout(monkeypatch):
    kw = dict(mode="lstm", state_size=3, num_layers=3, p=0.5)
    ins = _inputs(kw, (4, 2, 3), 7)
    plain = run_nd("RNN", ins, **dict(kw, p=0.0))[0]
    np.testing.assert_array_equal(run_nd("RNN", ins, **kw)[0], plain)   # inference: no dropout
    with mx.autograd.train_mode():
        a = run_nd("RNN", ins, **kw)[0]
        b = run_nd("RNN", ins, **kw)[0]
    assert not np.allclose(a, plain) and not np.allclose(a, b)
    # p=1 drops every output of the lower layers: the top layer sees zeros
    op = get_op("RNN")
    env = OpEnv(np, True, mx.cpu())
    full = op.forward(env, op.parse(dict(kw, p=1.0)), [x.astype(np.float64) for x in ins], [])[0]
    top = dict(mode="lstm", state_size=3, num_layers=1)
    w = np.asarray(ins[1], np.float64)
    top_params = np.concatenate([w[144:216], w[-24:]])     # layer 2's weights, then its biases
    want = np_rnn(np.zeros((4, 2, 3)), top_params, ins[2][2:], ins[3][2:], **top)[0]
    np.testing.assert_allclose(full, want, rtol=1e-10, atol=1e-12)
    # a fixed generator makes dropout deterministic: gradients through the masks
    import mxnet.random as mxrandom
    monkeypatch.setattr(mxrandom, "generator_for", lambda ctx: np.random.default_rng(0))
    check_grad("RNN", _inputs(kw, (3, 2, 2), 8, np.float64), kw, is_train=True, rtol=1e-4, atol=1e-7, eps=1e-6)


def test_float16_computes_in_float32():
    kw = dict(mode="lstm", state_size=3, num_layers=1, state_outputs=True)
    ins = _inputs(kw, (3, 2, 4), 9, np.float16)
    got = run_nd("RNN", ins, **kw)
    assert all(g.dtype == np.float16 for g in got)
    for g, w in zip(got, _ref(kw, ins)):
        np.testing.assert_allclose(g.astype(np.float64), w, rtol=2e-3, atol=2e-3)


# -- inference and errors ----------------------------------------------------------------------


def test_infer_shape_full():
    op = get_op("RNN")
    a = op.parse(dict(mode="lstm", state_size=4, num_layers=2, bidirectional=True, state_outputs=True,
                      use_sequence_length=True))
    ins, outs, _ = op.infer_shapes(a, [(5, 3, 6), None, None, None, None])
    assert ins == [(5, 3, 6), (rnn_param_size("lstm", 4, 2, 6, True),), (4, 3, 4), (4, 3, 4), (3,)]
    assert outs[:3] == [(5, 3, 8), (4, 3, 4), (4, 3, 4)]
    # MXNet's parameter counts
    for mode, size in (("lstm", 352), ("gru", 264), ("rnn_tanh", 88)):
        assert rnn_param_size(mode, 4, 2, 6) == size
    assert rnn_param_size("lstm", 3, 2, 4, projection_size=2) == 180
    a = op.parse(dict(mode="gru", state_size=4, num_layers=1))
    ins, outs, _ = op.infer_shapes(a, [None, (12 * 4 + 12 * 4 + 24,), None])
    assert outs == [None, None]


@pytest.mark.parametrize("kw,shapes,match", [
    (dict(mode="lstm", state_size=3, num_layers=2), [(5, 2, 4), (5,), None, None], "parameters"),
    (dict(mode="gru", state_size=3, num_layers=1), [(5, 2, 4), None, (1, 3, 3)], "state"),
    (dict(mode="gru", state_size=3, num_layers=1), [(5, 4), None, None], "3-D"),
    (dict(mode="gru", state_size=3, num_layers=1, projection_size=2), [(5, 2, 4), None, None], "projection"),
    (dict(mode="lstm", state_size=3, num_layers=1, lstm_state_clip_min=-1.0), [(5, 2, 4), None, None, None],
     "together"),
    (dict(mode="lstm", state_size=3, num_layers=0), [(5, 2, 4), None, None, None], "num_layers"),
])
def test_infer_shape_errors(kw, shapes, match):
    op = get_op("RNN")
    with pytest.raises(mx.MXNetError, match=match):
        op.infer_shapes(op.parse(kw), shapes)


def test_errors():
    with pytest.raises(mx.MXNetError, match="mode"):
        mx.nd.RNN(mx.nd.ones((2, 1, 2)), mx.nd.ones((5,)), mx.nd.ones((1, 1, 2)), state_size=2, num_layers=1,
                  mode="lstmx")
    with pytest.raises(mx.MXNetError, match="state_size"):
        mx.nd.RNN(mx.nd.ones((2, 1, 2)), mx.nd.ones((5,)), mx.nd.ones((1, 1, 2)), num_layers=1, mode="gru")
    with pytest.raises(mx.MXNetError, match="float"):
        get_op("RNN").infer_types(get_op("RNN").parse(dict(mode="gru", state_size=2, num_layers=1)),
                                  [np.int32, np.int32, np.int32])
    with pytest.raises(mx.MXNetError):
        mx.nd.RNN(mx.nd.ones((2, 1, 2)), mx.nd.ones((7,)), mx.nd.ones((1, 1, 2)), state_size=2, num_layers=1,
                  mode="gru").wait_to_read()


# -- symbolic ----------------------------------------------------------------------------------


def test_symbol_simple_bind():
    data = mx.sym.var("data")
    sym = mx.sym.RNN(data, state_size=3, num_layers=2, mode="lstm", bidirectional=True, state_outputs=True,
                     name="rnn")
    assert sym.list_arguments() == ["data", "rnn_parameters", "rnn_state", "rnn_state_cell"]
    assert sym.list_outputs() == ["rnn_output", "rnn_state_output", "rnn_statecell_output"]
    gru = mx.sym.RNN(data, state_size=3, num_layers=1, mode="gru", use_sequence_length=True, name="g")
    assert gru.list_arguments() == ["data", "g_parameters", "g_state", "g_sequence_length"]
    assert gru.list_outputs() == ["g_output"]
    ex = sym.simple_bind(mx.cpu(), data=(4, 2, 5))
    rs = np.random.RandomState(11)
    vals = {k: rs.uniform(-1, 1, v.shape).astype(np.float32) for k, v in ex.arg_dict.items()}
    for k, v in vals.items():
        ex.arg_dict[k][:] = v
    outs = ex.forward(is_train=True)
    ins = [vals[k] for k in sym.list_arguments()]
    kw = dict(mode="lstm", state_size=3, num_layers=2, bidirectional=True, state_outputs=True)
    for o, w in zip(outs, _ref(kw, ins)):
        np.testing.assert_allclose(o.asnumpy(), w, rtol=1e-5, atol=1e-6)
    heads = [rs.uniform(-1, 1, o.shape).astype(np.float32) for o in outs]
    ex.backward([mx.nd.array(h) for h in heads])
    op = get_op("RNN")
    attrs = op.parse(kw)
    env = OpEnv(np, True, mx.cpu())
    fo = list(op.forward(env, attrs, ins, []))
    want = op.backward(env, attrs, ins, fo, heads + [np.zeros_like(fo[-1])], [True] * 4)
    for name, w in zip(sym.list_arguments(), want):
        np.testing.assert_allclose(ex.grad_dict[name].asnumpy(), w, rtol=1e-5, atol=1e-6)
    assert np.abs(ex.grad_dict["rnn_parameters"].asnumpy()).sum() > 0
