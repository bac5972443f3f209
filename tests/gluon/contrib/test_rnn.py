"""gluon.contrib.rnn: LSTMPCell (NumPy step reference, MXNet 1.9.1 unroll values, names/states,
hybridize, finite-difference gradients) and VariationalDropoutCell (masks shared over time)."""
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
