"""A HybridBlock unrolling a cell in hybrid_forward: the begin states are ``zeros((0, H))`` whose
batch size the cached graph fills from the input (per input shape, as an executor at bind)."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon


class _Unrolled(gluon.HybridBlock):
    def __init__(self, cell, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.cell = cell

    def hybrid_forward(self, F, x):
        out, _ = self.cell.unroll(3, x, layout="NTC", merge_outputs=True)
        return out


def _run(net, x):
    with autograd.record():
        y = net(x)
    y.backward(mx.nd.ones(y.shape) * 0.5)
    return y.asnumpy(), [p.grad().asnumpy().copy() for p in net.collect_params().values()]


@pytest.mark.parametrize("make", [lambda: gluon.rnn.RNNCell(4, input_size=2),
                                  lambda: gluon.rnn.LSTMCell(4, input_size=2),
                                  lambda: gluon.rnn.GRUCell(4, input_size=2)])
def test_hybridized_unroll_equals_imperative_for_each_batch_size(make):
    nets = []
    for hybridize in (False, True):
        net = _Unrolled(make(), prefix="u_")
        net.initialize(mx.init.Uniform(0.4))
        nets.append(net)
    for p, q in zip(nets[0].collect_params().values(), nets[1].collect_params().values()):
        q.set_data(p.data())
    nets[1].hybridize()
    rng = np.random.RandomState(0)
    for batch in (5, 2, 5):               # a new batch size gets its own sized plan
        x = mx.nd.array(rng.rand(batch, 3, 2))
        (y0, g0), (y1, g1) = _run(nets[0], x), _run(nets[1], x)
        assert y1.shape == (batch, 3, 4)
        np.testing.assert_allclose(y1, y0, rtol=1e-5, atol=1e-6)
        for a, b in zip(g1, g0):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
