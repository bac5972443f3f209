"""gluon.contrib.rnn: the convolutional cells Conv{1,2,3}D{RNN,LSTM,GRU}Cell (MXNet 1.9.1 names,
shapes, reprs and unroll values; NumPy step references; finite-difference gradients), LSTMPCell
(NumPy step reference, MXNet 1.9.1 unroll values, names/states, hybridize, finite-difference
gradients) and VariationalDropoutCell (masks shared over time)."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon.contrib import rnn as crnn

from ._fd import check_block_grad

# MXNet 1.9.1 oracle: LSTMPCell(3, 2) unrolled (NTC, merge_outputs=True) over
# RandomState(1).uniform(-1, 1, (2, 3, 2)) with parameters, in sorted name order, set to
# RandomState(5 + i).uniform(-0.5, 0.5, shape) (float32).
LSTMP_OUT = [[[0.004673, -0.017206], [-0.004987, -0.062902], [-0.038496, -0.065874]], [[-0.015648, -0.03376], [-0.020751, -0.032586], [-0.011059, -0.032571]]]
LSTMP_STATES = [[[-0.038496, -0.065874], [-0.011059, -0.032571]], [[0.097632, -0.364054, -0.491358], [0.00571, -0.140348, -0.205244]]]


def _sig(v):
    return 1 / (1 + np.exp(-v))


def _set_params(block, seed):
    for i, (_, p) in enumerate(sorted(block.collect_params().items())):
        p.set_data(mx.nd.array(np.random.RandomState(seed + i).uniform(-0.5, 0.5, p.shape)))


def np_lstmp(x, r, c, p):
    g = x @ p["i2h_weight"].T + p["i2h_bias"] + r @ p["h2h_weight"].T + p["h2h_bias"]
    i, f, gg, o = np.split(g, 4, axis=1)
    c2 = _sig(f) * c + _sig(i) * np.tanh(gg)
    h = _sig(o) * np.tanh(c2)
    r2 = h @ p["h2r_weight"].T
    return r2, [r2, c2]


def test_lstmp_names_states_repr():
    cell = crnn.LSTMPCell(5, 3)
    p = cell.prefix
    assert p.startswith("lstmp")
    cell.initialize()
    out, states = cell(mx.nd.ones((2, 4)), [mx.nd.ones((2, 3)), mx.nd.ones((2, 5))])
    assert out.shape == (2, 3) and [s.shape for s in states] == [(2, 3), (2, 5)]
    assert [(k, v.shape) for k, v in cell.collect_params().items()] == [
        (p + "i2h_weight", (20, 4)), (p + "h2h_weight", (20, 3)), (p + "h2r_weight", (3, 5)),
        (p + "i2h_bias", (20,)), (p + "h2h_bias", (20,))]
    assert cell.state_info(2) == [{"shape": (2, 3), "__layout__": "NC"}, {"shape": (2, 5), "__layout__": "NC"}]
    assert repr(cell) == "LSTMPCell(4 -> 20 -> 3)"
    assert [s.shape for s in cell.begin_state(batch_size=2)] == [(2, 3), (2, 5)]
    assert isinstance(cell, gluon.rnn.HybridRecurrentCell)


@pytest.mark.parametrize("hybridize", [False, True])
def test_lstmp_step_numpy(hybridize):
    cell = crnn.LSTMPCell(3, 2, input_size=4)
    cell.initialize()
    _set_params(cell, 1)
    if hybridize:
        cell.hybridize()
    rng = np.random.RandomState(2)
    x, r, c = rng.uniform(-1, 1, (2, 4)), rng.uniform(-1, 1, (2, 2)), rng.uniform(-1, 1, (2, 3))
    out, states = cell(mx.nd.array(x), [mx.nd.array(r), mx.nd.array(c)])
    params = {k[len(cell.prefix):]: v.data().asnumpy() for k, v in cell.collect_params().items()}
    ref, ref_states = np_lstmp(x, r, c, params)
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    for a, b in zip(states, ref_states):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("hybridize", [False, True])
def test_lstmp_unroll_oracle(hybridize):
    cell = crnn.LSTMPCell(3, 2)
    cell.initialize()
    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, (2, 3, 2)))
    cell.unroll(3, x)
    _set_params(cell, 5)
    if hybridize:
        cell.hybridize()
    out, states = cell.unroll(3, x, merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), LSTMP_OUT, rtol=1e-4, atol=1e-6)
    for a, b in zip(states, LSTMP_STATES):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-4, atol=1e-6)


def test_lstmp_symbolic_unroll():
    cell = crnn.LSTMPCell(3, 2, prefix="p_")
    outs, states = cell.unroll(3, mx.sym.var("data"), layout="NTC", merge_outputs=True)
    assert sorted(outs.list_arguments()) == sorted(["data", "p_i2h_weight", "p_i2h_bias", "p_h2h_weight",
                                                    "p_h2h_bias", "p_h2r_weight"])
    _, out_shapes, _ = outs.infer_shape(data=(2, 3, 4))
    assert out_shapes == [(2, 3, 2)]


class _StepBlock(gluon.HybridBlock):
    """One LSTMP step from zero states, for the gradient check."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cell = crnn.LSTMPCell(3, 2, input_size=4)

    def hybrid_forward(self, F, x):
        out, states = self.cell.unroll(2, x, merge_outputs=True)
        return out + states[1].sum()


def test_lstmp_grad_finite_difference():
    blk = _StepBlock()
    blk.initialize()
    _set_params(blk, 20)
    check_block_grad(blk, mx.nd.array(np.random.RandomState(3).uniform(-1, 1, (2, 2, 4))), eps=1e-2)


def test_variational_dropout_repr_states():
    base = gluon.rnn.LSTMCell(3)
    cell = crnn.VariationalDropoutCell(base, 0.1, 0.2, 0.3)
    assert cell.prefix == base.prefix + "vardrop"
    assert repr(cell) == "VariationalDropoutCell(p_out = 0.3, p_state = 0.2)"
    assert cell.state_info(2) == base.state_info(2)
    assert cell.params is base.params
    with pytest.raises(AssertionError):
        crnn.VariationalDropoutCell(base)  # already modified


def test_variational_dropout_inference_identity():
    base = gluon.rnn.LSTMCell(3, input_size=2)
    base.initialize()
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 4, 2)))
    ref_out, ref_states = base.unroll(4, x, merge_outputs=True)
    cell = crnn.VariationalDropoutCell(base, 0.5, 0.5, 0.5)
    out, states = cell.unroll(4, x, merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), ref_out.asnumpy(), rtol=1e-6)
    for a, b in zip(states, ref_states):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-6)


class _Echo(gluon.rnn.HybridRecurrentCell):
    """Output = input; keeps a zero state (to see the dropout masks directly)."""

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size, 6), "__layout__": "NC"}]

    def hybrid_forward(self, F, inputs, states):
        return inputs, states


@pytest.mark.parametrize("drop_inputs,drop_outputs", [(0.5, 0.0), (0.0, 0.5), (0.3, 0.3)])
def test_variational_dropout_mask_shared_over_time(drop_inputs, drop_outputs):
    cell = crnn.VariationalDropoutCell(_Echo(), drop_inputs=drop_inputs, drop_outputs=drop_outputs)
    x = mx.nd.ones((3, 5, 6))
    with autograd.train_mode():
        out, _ = cell.unroll(5, x, merge_outputs=True)
        out = out.asnumpy()
        out2, _ = cell.unroll(5, x, merge_outputs=True)
    for t in range(1, 5):
        np.testing.assert_array_equal(out[:, t], out[:, 0])  # one mask for the whole sequence
    assert (out == 0).any() and (out != 0).any()
    kept = out[out != 0]
    scale = 1.0 / ((1 - drop_inputs) * (1 - drop_outputs))
    np.testing.assert_allclose(np.unique(kept), [scale], rtol=1e-5)  # input mask, then output mask
    assert out2.shape == out.shape


def test_variational_dropout_state_mask():
    cell = crnn.VariationalDropoutCell(_Echo(), drop_states=0.5)
    with autograd.train_mode():
        _, states = cell(mx.nd.ones((2, 6)), [mx.nd.ones((2, 6))])
        s1 = states[0].asnumpy()
        _, states = cell(mx.nd.ones((2, 6)), [mx.nd.ones((2, 6))])
    np.testing.assert_array_equal(states[0].asnumpy(), s1)
    assert set(np.unique(s1)) <= {0.0, 2.0}


# -- convolutional cells ------------------------------------------------------------------------

CONV_NAMES = ["Conv1DRNNCell", "Conv2DRNNCell", "Conv3DRNNCell", "Conv1DLSTMCell", "Conv2DLSTMCell",
              "Conv3DLSTMCell", "Conv1DGRUCell", "Conv2DGRUCell", "Conv3DGRUCell"]

# MXNet 1.9.1 oracle: each cell unrolled over RandomState(1).uniform(-1, 1, xshape) (layout NTC,
# merge_outputs=True) with parameters, in sorted name order, set to RandomState(5 + i).uniform(-0.5,
# 0.5, shape): (merged outputs, states after the first one), rounded to 6 decimals. Same values
# hybridized.
CONV_CASES = {
    "rnn1": ("Conv1DRNNCell", dict(input_shape=(2, 4), hidden_channels=2, i2h_kernel=3, h2h_kernel=3, h2h_dilate=2), (2, 3, 2, 4)),
    "lstm1": ("Conv1DLSTMCell", dict(input_shape=(2, 4), hidden_channels=2, i2h_kernel=3, h2h_kernel=3, i2h_pad=1), (2, 3, 2, 4)),
    "gru1": ("Conv1DGRUCell", dict(input_shape=(2, 4), hidden_channels=2, i2h_kernel=2, h2h_kernel=3, i2h_dilate=2), (2, 3, 2, 4)),
    "rnn2": ("Conv2DRNNCell", dict(input_shape=(2, 4, 3), hidden_channels=2, i2h_kernel=(3, 2), h2h_kernel=(3, 1), i2h_pad=(1, 0), activation="relu"), (1, 2, 2, 4, 3)),
    "lstm2": ("Conv2DLSTMCell", dict(input_shape=(2, 4, 3), hidden_channels=2, i2h_kernel=(3, 2), h2h_kernel=(3, 1), i2h_pad=(1, 0)), (1, 2, 2, 4, 3)),
    "gru2": ("Conv2DGRUCell", dict(input_shape=(2, 4, 3), hidden_channels=2, i2h_kernel=(3, 2), h2h_kernel=(1, 3), i2h_pad=(1, 0)), (1, 2, 2, 4, 3)),
    "lstm3": ("Conv3DLSTMCell", dict(input_shape=(1, 2, 2, 2), hidden_channels=1, i2h_kernel=1, h2h_kernel=3), (1, 2, 1, 2, 2, 2)),
}

CONV_ORACLE = {
'rnn1': ([[[[-0.399975, -0.695261], [0.492534, 0.590319]], [[-0.595825, -0.549085], [0.584581, 0.561824]], [[-0.818636, -0.886481], [0.584488, 0.594536]]], [[[-0.185064, -0.675645], [0.480557, 0.528641]], [[-0.04102, -0.600244], [0.509229, 0.519948]], [[-0.693656, -0.559144], [0.495187, 0.615849]]]], []),
'lstm1': ([[[[0.057384, 0.013178, 0.03947, 0.094386], [-0.008324, -0.020344, -0.077609, 0.072061]], [[0.161168, -0.034325, 0.229559, 0.027598], [-0.05621, 0.117829, -0.091772, 0.067923]], [[0.139054, 0.03904, 0.193332, 0.09107], [0.076787, 0.311368, 0.022216, 0.220722]]], [[[0.162367, -0.092282, 0.127619, 0.078202], [-0.072328, 0.019869, -0.037359, 0.094262]], [[0.136914, -0.163353, 0.224316, 0.01904], [-0.022011, 0.071688, -0.054313, 0.083062]], [[0.174411, -0.103294, 0.053045, 0.189901], [-0.044408, -0.124396, 0.096546, 0.109671]]]], [[[[0.261575, 0.091562, 0.321437, 0.15593], [0.150611, 0.663003, 0.04113, 0.551854]], [[0.281896, -0.208408, 0.107147, 0.305874], [-0.201333, -0.369054, 0.168198, 0.359387]]]]),
'gru1': ([[[[0.19151, 0.235665], [0.037148, 0.032557]], [[0.465188, 0.335382], [0.209123, 0.025173]], [[0.285748, 0.142985], [0.070342, -0.093894]]], [[[0.150964, -0.118452], [-0.074375, -0.23285]], [[0.429767, -0.024219], [-0.069054, -0.308446]], [[0.181813, 0.411838], [-0.139489, -0.141773]]]], []),
'rnn2': ([[[[[0.0, 0.050839], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [[0.871188, 0.0], [0.724587, 0.882603], [0.0, 1.098632], [0.145109, 0.758479]]], [[[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [[0.482108, 0.300229], [1.174915, 1.119321], [0.481634, 0.0], [0.72831, 0.537698]]]]], []),
'lstm2': ([[[[[0.144531, 0.118844], [0.057417, 0.072124], [0.078165, 0.047434], [0.133382, 0.066228]], [[0.171543, 0.062715], [0.071222, 0.047366], [0.039349, 0.034708], [-0.038626, 0.063027]]], [[[0.311752, 0.073915], [0.120647, 0.148803], [0.085787, 0.222302], [0.175203, 0.204007]], [[0.274942, 0.128313], [0.144744, -0.048736], [0.025027, 0.01215], [0.027009, 0.059682]]]]], [[[[[0.636483, 0.113623], [0.273641, 0.279108], [0.151923, 0.29939], [0.330821, 0.308625]], [[0.896864, 0.304863], [0.627118, -0.118481], [0.075263, 0.029721], [0.052129, 0.159383]]]]]),
'gru2': ([[[[[0.43065, 0.28639], [0.193175, 0.443471], [0.354833, 0.242111], [0.353823, 0.207045]], [[0.160847, 0.196037], [0.174327, 0.095271], [0.048309, 0.031543], [-0.074002, 0.066707]]], [[[0.636765, 0.242218], [0.404041, 0.584782], [0.451685, 0.559541], [0.494564, 0.501568]], [[0.243297, 0.202536], [0.366826, 0.037547], [0.031869, -0.033729], [-0.003598, 0.076655]]]]], []),
'lstm3': ([[[[[[-0.081418, -0.046023], [-0.101319, -0.089878]], [[-0.097555, -0.099313], [-0.09599, -0.086985]]]], [[[[-0.129901, -0.07953], [-0.152856, -0.08483]], [[-0.16851, -0.110944], [-0.164445, -0.116125]]]]]], [[[[[[-0.197256, -0.12138], [-0.232762, -0.126446]], [[-0.260946, -0.171429], [-0.25422, -0.173273]]]]]]),
}


def _np_conv(x, w, b, pad, dilate):
    """Stride-1 channels-first convolution: x (N, C, *S), w (O, C, *K)."""
    nd = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    kernel = w.shape[2:]
    size = [xp.shape[2 + i] - dilate[i] * (kernel[i] - 1) for i in range(nd)]
    out = np.zeros((x.shape[0], w.shape[0]) + tuple(size)) + b.reshape((1, -1) + (1,) * nd)
    for k in np.ndindex(*kernel):
        patch = xp[(slice(None), slice(None)) + tuple(slice(i * d, i * d + s) for i, d, s in zip(k, dilate, size))]
        out += np.einsum("nc...,oc->no...", patch, w[(slice(None), slice(None)) + k])
    return out


def _np_products(x, h, p, i2h_pad, i2h_dilate, h2h_dilate):
    hk = p["h2h_weight"].shape[2:]
    h2h_pad = [d * (k - 1) // 2 for d, k in zip(h2h_dilate, hk)]
    return (_np_conv(x, p["i2h_weight"], p["i2h_bias"], i2h_pad, i2h_dilate),
            _np_conv(h, p["h2h_weight"], p["h2h_bias"], h2h_pad, h2h_dilate))


def np_conv_rnn(x, states, p, act, **conv):
    i2h, h2h = _np_products(x, states[0], p, **conv)
    out = act(i2h + h2h)
    return out, [out]


def np_conv_lstm(x, states, p, **conv):
    i2h, h2h = _np_products(x, states[0], p, **conv)
    i, f, g, o = np.split(i2h + h2h, 4, axis=1)
    c = _sig(f) * states[1] + _sig(i) * np.tanh(g)
    h = _sig(o) * np.tanh(c)
    return h, [h, c]


def np_conv_gru(x, states, p, **conv):
    i2h, h2h = _np_products(x, states[0], p, **conv)
    ir, iz, i_n = np.split(i2h, 3, axis=1)
    hr, hz, hn = np.split(h2h, 3, axis=1)
    r, z = _sig(ir + hr), _sig(iz + hz)
    n = np.tanh(i_n + r * hn)
    h = (1 - z) * n + z * states[0]
    return h, [h]


def _params(cell):
    return {k[len(cell.prefix):]: v.data().asnumpy().astype(np.float64) for k, v in cell.collect_params().items()}


def test_conv_exposed_and_signature():
    assert crnn.__all__ == CONV_NAMES + ["VariationalDropoutCell", "LSTMPCell"]
    import inspect
    for name in CONV_NAMES:
        dims = int(name[4])
        sig = inspect.signature(getattr(crnn, name))
        assert list(sig.parameters) == [
            "input_shape", "hidden_channels", "i2h_kernel", "h2h_kernel", "i2h_pad", "i2h_dilate", "h2h_dilate",
            "i2h_weight_initializer", "h2h_weight_initializer", "i2h_bias_initializer", "h2h_bias_initializer",
            "conv_layout", "activation", "prefix", "params"]
        d = {k: v.default for k, v in sig.parameters.items()}
        assert d["i2h_pad"] == (0,) * dims and d["i2h_dilate"] == d["h2h_dilate"] == (1,) * dims
        assert d["conv_layout"] == {1: "NCW", 2: "NCHW", 3: "NCDHW"}[dims] and d["activation"] == "tanh"
        assert d["i2h_bias_initializer"] == "zeros" and d["i2h_weight_initializer"] is None
        assert issubclass(getattr(crnn, name), gluon.rnn.HybridRecurrentCell)


def test_conv_names_shapes_repr():
    # all values from MXNet 1.9.1
    cell = crnn.Conv2DLSTMCell((3, 8, 8), 16, (3, 3), (3, 3))
    p = cell.prefix
    assert p.startswith("conv_lstm")
    assert [(k, v.shape) for k, v in cell.collect_params().items()] == [
        (p + "i2h_weight", (64, 3, 3, 3)), (p + "h2h_weight", (64, 16, 3, 3)), (p + "i2h_bias", (64,)),
        (p + "h2h_bias", (64,))]
    assert cell.state_info(2) == [{"shape": (2, 16, 6, 6), "__layout__": "NCHW"}] * 2
    assert repr(cell) == "Conv2DLSTMCell(3 -> 64, tanh, NCHW)"

    cell = crnn.Conv1DRNNCell((3, 8), 4, 3, 5, i2h_dilate=2)
    assert cell.prefix.startswith("conv_rnn")
    assert [v.shape for v in cell.collect_params().values()] == [(4, 3, 3), (4, 4, 5), (4,), (4,)]
    assert cell.state_info(2) == [{"shape": (2, 4, 4), "__layout__": "NCW"}]
    assert repr(cell) == "Conv1DRNNCell(3 -> 4, tanh, NCW)"

    cell = crnn.Conv3DGRUCell((2, 5, 4, 3), 3, (1, 3, 3), (3, 1, 3), i2h_pad=(0, 1, 0), h2h_dilate=(2, 1, 1),
                              activation="relu")
    assert cell.prefix.startswith("conv_gru")
    assert [v.shape for v in cell.collect_params().values()] == [(9, 2, 1, 3, 3), (9, 3, 3, 1, 3), (9,), (9,)]
    assert cell.state_info(2) == [{"shape": (2, 3, 5, 4, 1), "__layout__": "NCDHW"}]
    assert repr(cell) == "Conv3DGRUCell(2 -> 9, relu, NCDHW)"
    assert repr(crnn.Conv2DRNNCell((2, 5, 4), 3, 3, 3, activation=gluon.nn.LeakyReLU(0.1))) == \
        "Conv2DRNNCell(2 -> 3, LeakyReLU(0.1), NCHW)"


def test_conv_channel_last_layout():
    # input_shape is channel-last; weights (out, *kernel, in)  (MXNet 1.9.1 values)
    cell = crnn.Conv2DLSTMCell((5, 6, 3), 4, (3, 1), 3, conv_layout="NHWC", prefix="x_")
    assert [(k, v.shape) for k, v in cell.collect_params().items()] == [
        ("x_i2h_weight", (16, 3, 1, 3)), ("x_h2h_weight", (16, 3, 3, 4)), ("x_i2h_bias", (16,)),
        ("x_h2h_bias", (16,))]
    assert cell.state_info(2) == [{"shape": (2, 3, 6, 4), "__layout__": "NHWC"}] * 2
    assert repr(cell) == "Conv2DLSTMCell(3 -> 16, tanh, NHWC)"
    cell = crnn.Conv1DGRUCell((5, 3), 4, 3, 3, i2h_pad=1, conv_layout="NWC")
    assert [v.shape for v in cell.collect_params().values()] == [(12, 3, 3), (12, 3, 4), (12,), (12,)]
    assert cell.state_info(2) == [{"shape": (2, 5, 4), "__layout__": "NWC"}]
    # MXNet 1.9.1's CPU Convolution runs channels-first layouts only (NWC is not even a valid layout)
    cell.initialize()
    with pytest.raises(mx.base.MXNetError):
        cell(mx.nd.ones((2, 5, 3)), cell.begin_state(2))[0].asnumpy()


def test_conv_argument_checks():
    with pytest.raises(AssertionError, match="Only support odd number, get h2h_kernel= 4"):
        crnn.Conv1DRNNCell((3, 8), 4, 3, 4)
    with pytest.raises(AssertionError, match="Only support odd number"):
        crnn.Conv2DGRUCell((3, 8, 8), 4, 3, (3, 2))
    with pytest.raises(AssertionError, match="For 2D convolution, the convolution settings can only be either "
                                             "int or list/tuple of length 2"):
        crnn.Conv2DGRUCell((2, 5, 4), 3, (1, 3, 3), 3)


def test_conv_deferred_in_channels():
    cell = crnn.Conv2DRNNCell((0, 6, 6), 4, 3, 3)
    assert cell.i2h_weight.shape == (4, 0, 3, 3)
    assert cell.state_info(1) == [{"shape": (1, 4, 4, 4), "__layout__": "NCHW"}]
    cell.initialize()
    out, states = cell(mx.nd.ones((1, 2, 6, 6)), cell.begin_state(1))
    assert out.shape == (1, 4, 4, 4) and cell.i2h_weight.shape == (4, 2, 3, 3)
    assert repr(cell) == "Conv2DRNNCell(2 -> 4, tanh, NCHW)"


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name", sorted(CONV_CASES))
def test_conv_unroll_oracle(name, hybridize):
    cls, kw, xshape = CONV_CASES[name]
    cell = getattr(crnn, cls)(**kw)
    cell.initialize()
    _set_params(cell, 5)
    if hybridize:
        cell.hybridize()
    x = mx.nd.array(np.random.RandomState(1).uniform(-1, 1, xshape))
    out, states = cell.unroll(xshape[1], x, merge_outputs=True)
    ref_out, ref_rest = CONV_ORACLE[name]
    np.testing.assert_allclose(out.asnumpy(), ref_out, rtol=1e-4, atol=2e-6)
    # the first state is the last output; the others come from the oracle
    np.testing.assert_allclose(states[0].asnumpy(), out.asnumpy()[:, -1], rtol=1e-6)
    assert len(states) == 1 + len(ref_rest)
    for a, b in zip(states[1:], ref_rest):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-4, atol=2e-6)


_STEP_CASES = [
    (crnn.Conv1DRNNCell, dict(input_shape=(2, 7), hidden_channels=3, i2h_kernel=3, h2h_kernel=3, i2h_pad=1,
                              h2h_dilate=2, activation="relu"),
     lambda x, s, p: np_conv_rnn(x, s, p, lambda v: np.maximum(v, 0), i2h_pad=(1,), i2h_dilate=(1,),
                                 h2h_dilate=(2,))),
    (crnn.Conv2DLSTMCell, dict(input_shape=(3, 5, 4), hidden_channels=2, i2h_kernel=(3, 2), h2h_kernel=(1, 3),
                               i2h_dilate=(1, 2)),
     lambda x, s, p: np_conv_lstm(x, s, p, i2h_pad=(0, 0), i2h_dilate=(1, 2), h2h_dilate=(1, 1))),
    (crnn.Conv1DGRUCell, dict(input_shape=(2, 6), hidden_channels=3, i2h_kernel=2, h2h_kernel=5),
     lambda x, s, p: np_conv_gru(x, s, p, i2h_pad=(0,), i2h_dilate=(1,), h2h_dilate=(1,))),
    (crnn.Conv3DGRUCell, dict(input_shape=(1, 3, 4, 3), hidden_channels=2, i2h_kernel=(1, 2, 1),
                              h2h_kernel=3, i2h_pad=(1, 0, 0)),
     lambda x, s, p: np_conv_gru(x, s, p, i2h_pad=(1, 0, 0), i2h_dilate=(1, 1, 1), h2h_dilate=(1, 1, 1))),
]


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("cls,kw,ref", _STEP_CASES, ids=lambda v: getattr(v, "__name__", ""))
def test_conv_step_numpy(cls, kw, ref, hybridize):
    cell = cls(**kw)
    cell.initialize()
    _set_params(cell, 11)
    if hybridize:
        cell.hybridize()
    rng = np.random.RandomState(4)
    x = rng.uniform(-1, 1, (2,) + kw["input_shape"])
    states = [rng.uniform(-1, 1, info["shape"]) for info in cell.state_info(2)]
    out, new_states = cell(mx.nd.array(x), [mx.nd.array(s) for s in states])
    ref_out, ref_states = ref(x, states, _params(cell))
    np.testing.assert_allclose(out.asnumpy(), ref_out, rtol=1e-5, atol=1e-5)
    assert len(new_states) == len(ref_states)
    for a, b in zip(new_states, ref_states):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-5)


def test_conv_symbolic_unroll():
    cell = crnn.Conv1DLSTMCell((2, 6), 3, 3, 3, prefix="cl_")
    outs, states = cell.unroll(2, mx.sym.var("data"), merge_outputs=True)
    assert sorted(outs.list_arguments()) == ["cl_h2h_bias", "cl_h2h_weight", "cl_i2h_bias", "cl_i2h_weight",
                                             "data"]
    assert outs.infer_shape(data=(4, 2, 2, 6))[1] == [(4, 2, 3, 4)]
    assert len(states) == 2


class _ConvStepBlock(gluon.HybridBlock):
    """Two Conv2DLSTMCell steps from zero states, for the gradient check."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cell = crnn.Conv2DLSTMCell((2, 4, 3), 2, (3, 2), 3, i2h_pad=(1, 0))

    def hybrid_forward(self, F, x):
        out, states = self.cell.unroll(2, x, merge_outputs=True)
        return F.broadcast_add(out, states[1].sum())


@pytest.mark.parametrize("hybridize", [False, True])
def test_conv_grad_finite_difference(hybridize):
    blk = _ConvStepBlock()
    blk.initialize()
    _set_params(blk, 30)
    if hybridize:
        blk.cell.hybridize()  # the cell's step graph (a hybridized outer block's backward is not covered)
    check_block_grad(blk, mx.nd.array(np.random.RandomState(3).uniform(-1, 1, (2, 2, 2, 4, 3))), eps=1e-2)
