"""Gradients in row_sparse storage: Parameter(grad_stype=...), Embedding(sparse_grad=True) and
the lazy SGD update they get from the Trainer (MXNet's behaviour: only the rows present in the
gradient move, momentum and weight decay included)."""
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
