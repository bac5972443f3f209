"""autograd: recording, backward through ops and views, grad_req, grad(), scopes and errors."""
import json

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd


def test_backward_elementwise_chain(any_engine):
    x = mx.nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = x * x + mx.nd.exp(x) / 2
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * x.asnumpy() + np.exp(x.asnumpy()) / 2, rtol=1e-5)


def test_head_gradient_and_broadcast():
    a = mx.nd.array(np.random.rand(2, 3))
    b = mx.nd.array(np.random.rand(1, 3))
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        c = a * b - b
    head = np.random.rand(2, 3).astype(np.float32)
    c.backward(mx.nd.array(head))
    np.testing.assert_allclose(a.grad.asnumpy(), head * b.asnumpy(), rtol=1e-5)
    np.testing.assert_allclose(b.grad.asnumpy(), (head * (a.asnumpy() - 1)).sum(0, keepdims=True), rtol=1e-5)


def test_views_reshape_and_indexing_are_differentiable():
    x = mx.nd.array(np.arange(6, dtype=np.float32).reshape(2, 3))
    x.attach_grad()
    with autograd.record():
        y = x.reshape((3, 2))[1:3] * 3 + x[0].reshape((3, 1))[0:2] + x[:, 1:2].reshape((2, 1))[0]
    y.backward()
    ref = np.zeros(6)
    ref[2:6] += 3
    ref[0:2] += 2
    ref[1] += 4
    np.testing.assert_allclose(x.grad.asnumpy().ravel(), ref)


def test_grad_req_add_accumulates_and_write_overwrites():
    x = mx.nd.ones((2,))
    x.attach_grad(grad_req="add")
    for _ in range(3):
        with autograd.record():
            y = x * 2
        y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [6, 6])
    x.attach_grad()
    with autograd.record():
        y = x * 5
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [5, 5])


def test_grad_function_returns_new_arrays():
    x = mx.nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = mx.nd.square(x)
    g = autograd.grad(y, x)       # a list of one for a single variable too, as MXNet 1.9.1
    assert isinstance(g, list) and len(g) == 1
    np.testing.assert_array_equal(g[0].asnumpy(), [2, 4])
    np.testing.assert_array_equal(x.grad.asnumpy(), [0, 0])


def _ones_var():
    x = mx.nd.ones((3,))
    x.attach_grad()
    return x


def test_gradients_of_two_inputs_never_share_memory():
    # add's backward hands both inputs the head gradient object: each stores its own copy
    a, b = _ones_var(), _ones_var()
    with autograd.record():
        y = a + b
    y.backward()
    a.grad[:] = 5
    np.testing.assert_array_equal(b.grad.asnumpy(), [1, 1, 1])
    with autograd.record():
        y = a + b
    ga, gb = autograd.grad(y, [a, b])
    ga[:] = 4
    np.testing.assert_array_equal(gb.asnumpy(), [1, 1, 1])


@pytest.mark.parametrize("how", ["backward", "grad"])
def test_a_gradient_never_is_the_callers_head_gradient(how):
    # identity passes the head gradient through: the stored gradient is a copy of it
    a = _ones_var()
    with autograd.record():
        y = mx.nd.identity(a)
    head = mx.nd.array([1.0, 2.0, 3.0])
    if how == "backward":
        y.backward(head)
        g = a.grad
    else:
        g = autograd.grad(y, [a], head_grads=[head])[0]
    head[:] = 9
    np.testing.assert_array_equal(g.asnumpy(), [1, 2, 3])


@pytest.mark.parametrize("copy", [lambda a: a.copy(), lambda a: a.copyto(mx.cpu()),
                                  lambda a: a.copyto(mx.nd.zeros((3,)))], ids=["copy", "copyto ctx", "copyto array"])
def test_copies_are_recorded(copy):
    # MXNet records copy()/copyto() as _copyto: the gradient passes through
    a = _ones_var()
    with autograd.record():
        y = copy(a) * mx.nd.array([1.0, 2.0, 3.0])
    y.backward()
    np.testing.assert_array_equal(a.grad.asnumpy(), [1, 2, 3])


@pytest.mark.parametrize("write", [
    lambda y, a: y.__iadd__(1),                       # +=
    lambda y, a: y.__setitem__(1, 10.0),              # y[idx] = x
    lambda y, a: y.__setitem__(slice(None), 10.0),
    lambda y, a: mx.nd.relu(a, out=y),                # out= a recorded result
    lambda y, a: a.__iadd__(1),                       # a marked variable
    lambda y, a: a.copyto(y),
], ids=["iadd", "setitem", "setitem all", "out=", "variable iadd", "copyto"])
def test_in_place_writes_into_the_graph_while_recording_raise(write):
    # MXNet refuses them (the recorded history would no longer describe the values)
    a = _ones_var()
    with autograd.record():
        y = a * 2
        with pytest.raises(mx.MXNetError, match="already in a computational graph"):
            write(y, a)
        # outside the graph, or paused, in-place writes are fine
        free = mx.nd.zeros((3,))
        free += 1
        free[0] = 5
        with autograd.pause():
            y += 1
    np.testing.assert_array_equal(free.asnumpy(), [5, 1, 1])
    np.testing.assert_array_equal(y.asnumpy(), [3, 3, 3])
    with autograd.record():
        z = y * a
    z.backward()                              # the graph is freed: y may be written again
    with autograd.record():
        y[0] = 7
    np.testing.assert_array_equal(y.asnumpy(), [7, 3, 3])


def test_unused_variable_gets_zero_and_pause():
    x = mx.nd.ones((2,))
    z = mx.nd.ones((2,))
    x.attach_grad()
    z.attach_grad()
    with autograd.record():
        y = x * 3
        with autograd.pause():
            w = z * 4      # not recorded
        y = y + w
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [3, 3])
    np.testing.assert_array_equal(z.grad.asnumpy(), [0, 0])


def test_scopes_flags():
    assert not autograd.is_recording() and not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        with autograd.predict_mode():
            assert not autograd.is_training()
    with autograd.record(train_mode=False):
        assert autograd.is_recording() and not autograd.is_training()
    with autograd.train_mode():
        assert autograd.is_training() and not autograd.is_recording()
    assert autograd.set_recording(True) is False
    assert autograd.set_recording(False) is True


def test_mark_variables_and_detach():
    x = mx.nd.array([2.0])
    g = mx.nd.zeros((1,))
    autograd.mark_variables([x], [g])
    with autograd.record():
        y = x * x
        d = y.detach() * x
    d.backward()
    np.testing.assert_array_equal(g.asnumpy(), [4])   # y treated as a constant


def test_errors():
    x = mx.nd.ones((2,))
    with pytest.raises(mx.MXNetError, match="not in a computational graph"):
        (x * 2).backward()
    x.attach_grad()
    with autograd.record():
        y = x * 2
    with pytest.raises(mx.MXNetError, match="head gradients"):
        autograd.backward([y], [mx.nd.ones((2,)), mx.nd.ones((2,))])
    with pytest.raises(mx.MXNetError):
        x.attach_grad(grad_req="bogus")


class _Sigmoid(autograd.Function):
    def forward(self, x):
        y = 1 / (1 + mx.nd.exp(-x))
        self.save_for_backward(y)
        return y

    def backward(self, dy):
        y, = self.saved_tensors
        return dy * y * (1 - y)


@pytest.mark.parametrize("n", [10, 100000], ids=["inline-size", "queued-size"])
def test_custom_function(any_engine, n):
    x = mx.nd.array(np.random.RandomState(0).randn(n))
    x.attach_grad()
    f = _Sigmoid()
    with autograd.record():
        y = f(x) * 2
    y.backward()
    s = 1 / (1 + np.exp(-x.asnumpy()))
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * s * (1 - s), rtol=1e-5, atol=1e-7)
    with pytest.raises(mx.MXNetError, match="only be called once"):
        f(x)


def test_backward_twice_needs_retain_graph():
    x = mx.nd.ones((2,))
    x.attach_grad(grad_req="add")
    with autograd.record():
        y = x * 2
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [4, 4])
    with pytest.raises(mx.MXNetError, match="not in a computational graph"):
        y.backward()


def test_views_of_one_variable_accumulate_into_its_gradient():
    # mx.np functions (and Gluon's np parameter views) see a variable through view objects that
    # share its gradient buffer: their contributions must add up, not overwrite each other
    from mxnet import np as mnp
    w = mx.nd.array([1.0, 2.0, 3.0])
    w.attach_grad()
    with mx.autograd.record():
        y = (mnp.multiply(w, 2.0) + mnp.multiply(w, 3.0)).sum() + (w * 4).sum()
    y.backward()
    np.testing.assert_array_equal(w.grad.asnumpy(), [9, 9, 9])


# -- sparse gradient buffers (attach_grad(stype=...)) ----------------------------------------------

def test_attach_grad_row_sparse_keeps_the_nonzero_rows():
    x = mx.nd.array(np.arange(12, dtype=np.float32).reshape(3, 4))
    x.attach_grad(stype="row_sparse")
    assert isinstance(x.grad, mx.nd.sparse.RowSparseNDArray) and x.grad.indices.shape == (0,)
    with autograd.record():
        y = (x[1:2] * 3).sum()
    y.backward()
    want = np.zeros((3, 4), np.float32)
    want[1] = 3
    assert x.grad.stype == "row_sparse"
    np.testing.assert_array_equal(x.grad.asnumpy(), want)
    np.testing.assert_array_equal(x.grad.indices.asnumpy(), [1])
    np.testing.assert_array_equal(x.grad.data.asnumpy(), want[1:2])


def test_attach_grad_row_sparse_add_accumulates():
    x = mx.nd.ones((3, 2))
    x.attach_grad(grad_req="add", stype="row_sparse")
    for rows in ([0], [2]):
        with autograd.record():
            y = (mx.nd.take(x, mx.nd.array(rows)) * 2).sum()
        y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[2, 2], [0, 0], [2, 2]])
    np.testing.assert_array_equal(x.grad.indices.asnumpy(), [0, 2])


def _weight(grad_req="write", stype="row_sparse"):
    w = mx.nd.array(np.arange(20, dtype=np.float32).reshape(5, 4))
    w.attach_grad(grad_req=grad_req, stype=stype)
    return w


def _emb(idx, w, op=mx.nd.Embedding, **kw):
    return op(mx.nd.array(idx), w, input_dim=5, output_dim=4, **kw)


def test_embedding_sparse_grad_lists_every_looked_up_row():
    """MXNet 1.9.1: the row_sparse gradient stores the looked-up rows, sorted, also row 3 whose
    head gradient is zero (oracle: indices [0 1 3], data [[1]*4, [2]*4, [0]*4])."""
    w = _weight()
    with autograd.record():
        y = _emb([[3, 1], [1, 0]], w, sparse_grad=True)
    head = np.ones((2, 2, 4), np.float32)
    head[0, 0] = 0
    y.backward(mx.nd.array(head))
    assert w.grad.stype == "row_sparse"
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [0, 1, 3])
    np.testing.assert_array_equal(w.grad.data.asnumpy(), [[1] * 4, [2] * 4, [0] * 4])
    with autograd.record():              # the next backward writes its own rows
        y = _emb([2], w, sparse_grad=True)
    y.backward(mx.nd.ones((1, 4)))
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [2])


def test_embedding_sparse_grad_rows_combine_as_in_mxnet():
    # (oracle values) several row_sparse contributions: the union of their rows
    w = _weight()
    with autograd.record():
        y = _emb([3], w, sparse_grad=True) + _emb([0], w, sparse_grad=True) + \
            _emb([0, 2], w, sparse_grad=True).sum(axis=0, keepdims=True)
    y.backward(mx.nd.zeros((1, 4)))
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [0, 2, 3])
    # a dense contribution makes the sum dense: only its rows that are not all zero are stored
    w = _weight()
    with autograd.record():
        y = _emb([3], w, sparse_grad=True).sum() + (w * 0).sum()
    y.backward()
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [3])
    np.testing.assert_array_equal(w.grad.data.asnumpy(), [[1] * 4])
    # a zero head gradient further down the graph
    w = _weight()
    v = mx.nd.ones((2,))
    v.attach_grad()
    with autograd.record():
        y = (v * 2).sum() + _emb([1], w, sparse_grad=True).sum() * 0
    y.backward()
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [1])
    np.testing.assert_array_equal(v.grad.asnumpy(), [2, 2])
    # _contrib_SparseEmbedding's gradient is always row_sparse
    w = _weight()
    with autograd.record():
        y = _emb([3, 1], w, op=mx.nd.contrib.SparseEmbedding)
    y.backward(mx.nd.zeros((2, 4)))
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [1, 3])


def test_embedding_sparse_grad_errors_at_the_gradient_read():
    w = _weight(grad_req="add")
    with autograd.record():
        y = _emb([3, 1], w, sparse_grad=True)
    y.backward(mx.nd.zeros((2, 4)))
    with pytest.raises(mx.base.MXNetError, match="doesn't support weight gradient calculation with req != write"):
        w.grad.indices.asnumpy()
    for idx in ([7, 1], [-1, 1], [-0.5, 1], [4.9]):   # checked on the raw values, as MXNet does
        w = _weight()
        with autograd.record():
            y = _emb(idx, w, sparse_grad=True)
        y.backward()
        with pytest.raises(mx.base.MXNetError, match="Embedding input contains data out of bound"):
            w.grad.wait_to_read()
    w = _weight()                         # in range: truncated toward zero
    with autograd.record():
        y = _emb([4.0, 0.9], w, sparse_grad=True)
    y.backward()
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [0, 4])


def test_grad_of_sparse_embedding_is_row_sparse():
    """autograd.grad returns MXNet's row_sparse gradient (whatever the variable's buffer)."""
    for stype in ("row_sparse", "default"):
        w = _weight(stype=stype)
        with autograd.record():
            y = _emb([3, 1], w, sparse_grad=True) * 2
        g = autograd.grad(y, [w], head_grads=mx.nd.ones((2, 4)))[0]
        assert g.stype == "row_sparse"
        np.testing.assert_array_equal(g.indices.asnumpy(), [1, 3])
        np.testing.assert_array_equal(g.data.asnumpy(), [[2] * 4] * 2)
    w = _weight()
    with autograd.record():
        y = _emb([3, 1], w, sparse_grad=True)
    g = autograd.grad(y, w, head_grads=mx.nd.zeros((2, 4)))[0]
    np.testing.assert_array_equal(g.indices.asnumpy(), [1, 3])
    with autograd.record():
        y = (w * 2).sum()
    assert autograd.grad(y, [w])[0].stype == "default"


def test_attach_grad_csr_and_unknown_stype():
    x = mx.nd.array(np.eye(3, dtype=np.float32))
    x.attach_grad(stype="csr")
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    assert x.grad.stype == "csr"
    np.testing.assert_array_equal(x.grad.asnumpy(), 2 * np.eye(3))
    with pytest.raises(ValueError, match="unknown storage type"):
        x.attach_grad(stype="dense")
    x.attach_grad(stype="default")
    assert x.grad.stype == "default"


@pytest.mark.parametrize("sparse_grad, stype", [(True, None), (False, "row_sparse")])
def test_embedding_sparse_grad_must_match_the_gradient_buffer(sparse_grad, stype):
    """As MXNet: Embedding(sparse_grad=True) needs a row_sparse weight gradient buffer and
    sparse_grad=False a dense one (the message names both)."""
    w = mx.nd.ones((6, 3))
    w.attach_grad(stype=stype)
    with autograd.record():
        y = mx.nd.Embedding(mx.nd.array([1, 4]), w, input_dim=6, output_dim=3, sparse_grad=sparse_grad)
    with pytest.raises(mx.MXNetError, match="Cannot use sparse_grad = {}, while stype of gradients w.r.t "
                       "embedding weight is {}".format(int(sparse_grad), stype or "default")):
        y.backward()


def test_get_symbol_rebuilds_the_recorded_graph_as_mxnet_names_it():
    """Names as MXNet 1.9.1 gives them in a fresh process (var<i> for marked variables, null<i>
    for other inputs, node_<i> per operator; checked with the oracle); the Symbol computes the
    recorded value."""
    c = mx.nd.ones(3)
    x = mx.nd.array([1., 2., 3.])
    w = mx.nd.array([1., 1., 1.])
    x.attach_grad()
    w.attach_grad()
    fc_w, fc_b = mx.nd.array(np.arange(6).reshape(2, 3)), mx.nd.array([0.5, -1])
    with autograd.record():
        y = mx.nd.relu(x - 2) * w + c
        z = mx.nd.FullyConnected(y.reshape((1, 3)), fc_w, fc_b, num_hidden=2)
    s = autograd.get_symbol(z)
    assert s.list_arguments() == ["var0", "var1", "null2", "null3", "null4"]
    assert s.list_outputs() == ["node_5_output"]
    nodes = [(n["op"], n["name"], n.get("attrs")) for n in json.loads(s.tojson())["nodes"]]
    assert nodes[1] == ("_minus_scalar", "node_0", {"scalar": "2.0"})
    assert nodes[-1] == ("FullyConnected", "node_5", {"num_hidden": "2"})
    out = s.eval(ctx=mx.cpu(), var0=x, var1=w, null2=c, null3=fc_w, null4=fc_b)[0]
    np.testing.assert_allclose(out.asnumpy(), z.asnumpy(), rtol=1e-6)
    with pytest.raises(mx.MXNetError, match="no recorded history"):
        autograd.get_symbol(mx.nd.ones(2))
