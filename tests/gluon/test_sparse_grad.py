"""Gradients in row_sparse storage: Parameter(grad_stype=...), Embedding(sparse_grad=True) and
the lazy SGD update they get from the Trainer (MXNet's behaviour: only the rows present in the
gradient move, momentum and weight decay included)."""
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon


def _embedding(sparse):
    e = gluon.nn.Embedding(6, 3, sparse_grad=sparse)
    e.initialize(mx.init.Uniform(0.5))
    return e


def test_parameter_grad_stype_allocates_sparse_buffers():
    p = gluon.Parameter("w", shape=(4, 2), grad_stype="row_sparse")
    p.initialize()
    assert isinstance(p.grad(), mx.nd.sparse.RowSparseNDArray)
    assert p.grad().indices.shape == (0,)
    q = gluon.Parameter("v", shape=(4, 2))
    q.initialize()
    assert q.grad().stype == "default"


def test_embedding_sparse_grad_rows_and_values():
    e = _embedding(True)
    idx = mx.nd.array([4, 1, 4])
    head = np.arange(9, dtype=np.float32).reshape(3, 3)
    with autograd.record():
        out = e(idx)
    out.backward(mx.nd.array(head))
    g = e.weight.grad()
    want = np.zeros((6, 3), np.float32)
    np.add.at(want, [4, 1, 4], head)
    assert g.stype == "row_sparse"
    np.testing.assert_array_equal(g.indices.asnumpy(), [1, 4])
    np.testing.assert_allclose(g.asnumpy(), want)
    e.weight.zero_grad()
    assert e.weight.grad().indices.shape == (0,)
    np.testing.assert_array_equal(e.weight.grad().asnumpy(), np.zeros((6, 3)))


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_trainer_lazy_update_moves_only_the_gradient_rows(momentum):
    lr, wd = 0.1, 0.05
    e = _embedding(True)
    dense = _embedding(False)               # the same net with a dense gradient: every row decays
    dense.weight.set_data(e.weight.data())
    tr = gluon.Trainer(e.collect_params(), "sgd", {"learning_rate": lr, "momentum": momentum, "wd": wd})
    tr_dense = gluon.Trainer(dense.collect_params(), "sgd", {"learning_rate": lr, "momentum": momentum, "wd": wd})
    w = e.weight.data().asnumpy()
    mom = np.zeros_like(w)
    idx = [0, 3]
    for step in range(2):
        for net, trainer in ((e, tr), (dense, tr_dense)):
            with autograd.record():
                loss = net(mx.nd.array(idx)).sum()
            loss.backward()
            trainer.step(1)
        g = np.zeros_like(w)
        g[idx] = 1.0
        rows = np.array(idx)
        mom[rows] = momentum * mom[rows] - lr * (g[rows] + wd * w[rows])
        w[rows] += mom[rows]
        np.testing.assert_allclose(e.weight.data().asnumpy(), w, rtol=1e-5, atol=1e-6)
    untouched = [1, 2, 4, 5]
    moved = dense.weight.data().asnumpy()[untouched] - e.weight.data().asnumpy()[untouched]
    assert np.all(np.abs(moved) > 0)        # weight decay changed them in the dense update only


def test_sgd_aggregates_dense_gradients_only():
    """A list of weights with one row_sparse gradient goes through the single-weight ops."""
    opt = mx.optimizer.SGD(learning_rate=0.5, wd=0.1, momentum=0.0)
    w_dense = mx.nd.ones((2, 2))
    w_sparse = mx.nd.ones((3, 2))
    g_dense = mx.nd.ones((2, 2))
    g_sparse = mx.nd.sparse.row_sparse_array((np.ones((1, 2), np.float32), [1]), shape=(3, 2))
    opt.update([0, 1], [w_dense, w_sparse], [g_dense, g_sparse], [None, None])
    np.testing.assert_allclose(w_dense.asnumpy(), np.full((2, 2), 1 - 0.5 * (1 + 0.1)))
    np.testing.assert_allclose(w_sparse.asnumpy(), [[1, 1], [1 - 0.5 * 1.1] * 2, [1, 1]])


# -- against MXNet 1.9.1 (tests/fixtures/mxnet-1.9.1/embedding_sparse_grad/) ---------------------
_FIXTURE = os.path.join(os.path.dirname(__file__), os.pardir, "fixtures", "mxnet-1.9.1",
                        "embedding_sparse_grad", "expected.npz")
_OPTS = {
    "sgd_mom": ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01}),
    "sgd_mom_dense": ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01, "lazy_update": False}),
    "adam": ("adam", {"learning_rate": 0.01, "wd": 0.01}),
}


@pytest.mark.parametrize("tag", sorted(_OPTS))
def test_trainer_steps_on_sparse_embedding_match_mxnet(tag):
    """Looked-up rows with an all-zero gradient are listed in the row_sparse gradient, so the
    lazy updates move them (momentum decay, Adam's moments, weight decay) as MXNet does."""
    want = np.load(_FIXTURE, allow_pickle=False)
    opt, kw = _OPTS[tag]
    emb = gluon.nn.Embedding(8, 3, sparse_grad=True)
    emb.initialize()
    emb.weight.set_data(mx.nd.array(want["init"]))
    trainer = gluon.Trainer(emb.collect_params(), opt, dict(kw))
    for i in range(4):
        with autograd.record():
            loss = (emb(mx.nd.array(want["x%d" % i])) * mx.nd.array(want["h%d" % i])).sum()
        loss.backward()
        g = emb.weight.grad()
        assert g.stype == "row_sparse"
        np.testing.assert_array_equal(g.indices.asnumpy(), want["%s/rows%d" % (tag, i)])
        np.testing.assert_allclose(g.data.asnumpy(), want["%s/grad%d" % (tag, i)], rtol=1e-5, atol=1e-6)
        trainer.step(2)
        np.testing.assert_allclose(emb.weight.data().asnumpy(), want["%s/after%d" % (tag, i)],
                                   rtol=1e-5, atol=1e-6)


def test_sparse_embedding_grad_req_add_is_refused():
    """MXNet's SparseEmbedding backward only writes its gradient (error at the next read)."""
    e = _embedding(True)
    e.weight.grad_req = "add"
    with autograd.record():
        out = e(mx.nd.array([1, 2]))
    out.backward()
    with pytest.raises(mx.base.MXNetError, match="SparseEmbedding layer doesn't support weight gradient "
                       "calculation with req != write"):
        e.weight.grad().asnumpy()


class _EmbedScale(gluon.HybridBlock):
    """Embedding(sparse_grad) scaled per column: its weight is read by the embedding only."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.emb = gluon.nn.Embedding(6, 3, sparse_grad=True)

    def hybrid_forward(self, F, x, w):
        return F.broadcast_mul(self.emb(x), w)


@pytest.mark.parametrize("hybridize", [False, True])
def test_sparse_embedding_rows_in_a_hybridized_graph(hybridize):
    """A cached graph stores the rows its Embedding(sparse_grad=True) looked up, zero gradient
    included (row 2's head gradient is 0 here), as MXNet's CachedOp and the imperative path."""
    net = _EmbedScale()
    net.initialize(mx.init.Uniform(0.5))
    if hybridize:
        net.hybridize()
    idx = mx.nd.array([[4, 1], [2, 4]])
    scale = mx.nd.array([[1.0, 2.0, 3.0]])
    head = np.ones((2, 2, 3), np.float32)
    head[1, 0] = 0                          # row 2: looked up, gradient exactly zero
    with autograd.record():
        out = net(idx, scale)
    out.backward(mx.nd.array(head))
    g = net.emb.weight.grad()
    want = np.zeros((6, 3), np.float32)
    np.add.at(want, [4, 1, 2, 4], head.reshape(4, 3) * [1.0, 2.0, 3.0])
    assert g.stype == "row_sparse"
    np.testing.assert_array_equal(g.indices.asnumpy(), [1, 2, 4])
    np.testing.assert_allclose(g.asnumpy(), want)
