"""``_contrib_backward_quadratic`` / ``_contrib_backward_index_copy`` / ``_contrib_backward_hawkesll``
(ops/contrib_ops.py): the backward nodes MXNet 1.9.1 lists in mx.nd.contrib, run through the forward
operators' backward rules. Values from MXNet 1.9.1 (called with explicit outputs through its C API)
and agreement with autograd through the forward operators."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd
from mxnet.ndarray.imperative import invoke
from mxnet.ops.registry import get_op


def call(name, inputs, **kwargs):
    out = invoke(get_op("_contrib_backward_" + name), inputs, kwargs)
    return [o.asnumpy() for o in (out if isinstance(out, list) else [out])]


def test_backward_quadratic_matches_mxnet():
    g, x = mx.nd.array([1.0, 10.0, 100.0]), mx.nd.array([1.0, 2.0, 3.0])
    assert call("quadratic", [g, x], a=1, b=2, c=3)[0].tolist() == [4.0, 60.0, 800.0]       # MXNet 1.9.1
    assert call("quadratic", [g, x], a=0.5, b=2)[0].tolist() == [3.0, 40.0, 500.0]
    x.attach_grad()
    with autograd.record():
        y = mx.nd.contrib.quadratic(x, a=0.5, b=2, c=7)
    y.backward(g)
    assert x.grad.asnumpy().tolist() == [3.0, 40.0, 500.0]
    with pytest.raises(mx.MXNetError, match="_contrib_backward_quadratic.*'foo'.*a, b, c"):
        call("quadratic", [g, x], foo=3)


def test_backward_index_copy_matches_mxnet():
    old = mx.nd.arange(12).reshape((4, 3))
    idx = mx.nd.array([2, 0], dtype="int64")
    new = mx.nd.arange(6).reshape((2, 3)) + 100
    og = mx.nd.arange(12).reshape((4, 3)) * 10
    g_old, g_idx, g_new = call("index_copy", [og, old, idx, new])
    # MXNet 1.9.1 (its index gradient is typed like the head gradient: float32)
    assert g_old.tolist() == [[0, 0, 0], [30, 40, 50], [0, 0, 0], [90, 100, 110]]
    assert g_idx.dtype == np.float32 and g_idx.tolist() == [0, 0]
    assert g_new.tolist() == [[60, 70, 80], [0, 10, 20]]
    old.attach_grad()
    new.attach_grad()
    with autograd.record():
        y = mx.nd.contrib.index_copy(old, idx, new)
    y.backward(og)
    assert (old.grad.asnumpy() == g_old).all() and (new.grad.asnumpy() == g_new).all()


def test_backward_hawkesll_is_the_forward_ops_gradient():
    rs = np.random.RandomState(0)
    n, k, t = 2, 3, 4
    ins = [mx.nd.array(rs.rand(n, k) + 0.5), mx.nd.array(rs.rand(k) * 0.5), mx.nd.array(rs.rand(k) + 1),
           mx.nd.array(rs.rand(n, k)), mx.nd.array(rs.rand(n, t)),
           mx.nd.array(rs.randint(0, k, (n, t)), dtype="int32"), mx.nd.array([4, 3]), mx.nd.array([5.0, 4.0])]
    heads = [mx.nd.array(rs.rand(n)), mx.nd.array(rs.rand(n, k))]
    op = get_op("_contrib_backward_hawkesll")
    assert op.input_names(op.parse({})) == ["ograd_output", "ograd_out_state", "lda", "alpha", "beta", "state",
                                            "lags", "marks", "valid_length", "max_time"]
    grads = call("hawkesll", heads + ins)
    assert len(grads) == 8 and all(g.shape == x.shape and g.dtype == np.float32 for g, x in zip(grads, ins))
    for x in ins[:4]:
        x.attach_grad()
    with autograd.record():
        ll, state = mx.nd.contrib.hawkesll(*ins)
    autograd.backward([ll, state], heads)
    for g, x in zip(grads[:4], ins[:4]):
        np.testing.assert_allclose(g, x.grad.asnumpy(), rtol=1e-6)
    assert not any(g.any() for g in grads[4:])


def test_published_signature_is_empty_like_mxnet():
    # MXNet's generated mx.nd.contrib.backward_* take no inputs (only out= and name=)
    for name in ("quadratic", "index_copy", "hawkesll"):
        op = get_op("_contrib_backward_" + name)
        assert op.params == () and op.all_input_names() == []
        assert getattr(mx.nd.contrib, "backward_" + name).op is op
        assert getattr(mx.sym.contrib, "backward_" + name).op is op
    with pytest.raises(TypeError):
        mx.nd.contrib.backward_quadratic(mx.nd.ones(3), mx.nd.ones(3))


def test_backward_node_in_a_graph():
    s = mx.sym.contrib.backward_quadratic(a=1, b=2, name="bq")
    assert s.list_arguments() == ["bq_ograd_output", "bq_data"]
    s = mx.sym.load_json(s.tojson())
    ex = s.bind(mx.cpu(), {"bq_ograd_output": mx.nd.array([1, 10, 100]), "bq_data": mx.nd.array([1, 2, 3])})
    assert ex.forward()[0].asnumpy().tolist() == [4.0, 60.0, 800.0]
