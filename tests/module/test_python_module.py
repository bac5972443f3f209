"""mx.mod.PythonModule / PythonLossModule (values match MXNet 1.9.1 on the same setup)."""
import logging

import numpy as np
import pytest

import mxnet as mx


def _softmax_ce_grad(scores, labels):
    return scores - mx.nd.one_hot(labels, 3)


def _setup():
    fc = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    mod = mx.mod.Module(fc, data_names=["data"], label_names=None)
    loss = mx.mod.PythonLossModule(grad_func=_softmax_ce_grad)
    seq = mx.mod.SequentialModule().add(mod).add(loss, take_labels=True, auto_wiring=True)
    seq.bind(data_shapes=[("data", (4, 5))], label_shapes=[("softmax_label", (4,))])
    seq.init_params(mx.init.Constant(0.1))
    seq.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1})
    return seq, mod, loss


def test_loss_module_after_module_in_sequential():
    seq, mod, loss = _setup()
    x = np.arange(20, dtype=np.float32).reshape(4, 5) / 10
    y = np.array([0, 1, 2, 0], np.float32)
    seq.forward(mx.io.DataBatch([mx.nd.array(x)], [mx.nd.array(y)]), is_train=True)
    scores = x @ np.full((5, 3), 0.1, np.float32)     # biases start at 0 (name-based init)
    np.testing.assert_allclose(seq.get_outputs()[0].asnumpy(), scores, rtol=1e-5)
    seq.backward()
    grad = scores - np.eye(3, dtype=np.float32)[y.astype(int)]
    np.testing.assert_allclose(loss.get_input_grads()[0].asnumpy(), grad, rtol=1e-5, atol=1e-6)
    seq.update()
    w = np.full((3, 5), 0.1, np.float32) - 0.1 * grad.T @ x / 4     # SGD, rescale_grad = 1 / batch
    np.testing.assert_allclose(seq.get_params()[0]["fc_weight"].asnumpy(), w, rtol=1e-5)
    # MXNet 1.9.1's updated weight, row 0
    np.testing.assert_allclose(w[0], [0.08625, 0.0865, 0.08675, 0.087, 0.08725], rtol=1e-5)


def test_python_loss_module_properties():
    loss = mx.mod.PythonLossModule(name="ce", grad_func=lambda s, l: np.ones((2, 3)))
    assert loss.data_names == ["data"] and loss.output_names == ["ce_output"]
    assert loss.get_params() == ({}, {})
    loss.bind(data_shapes=[("data", (2, 3))], label_shapes=[("softmax_label", (2,))])
    assert loss.output_shapes == [("ce_output", (2, 3))]
    assert loss.label_shapes == [("softmax_label", (2,))]
    x = mx.nd.ones((2, 3))
    loss.forward(mx.io.DataBatch([x], [mx.nd.zeros(2)]))
    assert loss.get_outputs()[0] is x
    loss.backward()
    g = loss.get_input_grads()[0]
    assert isinstance(g, mx.nd.NDArray) and g.shape == (2, 3)
    metric = mx.metric.create("acc")
    loss.update_metric(metric, [mx.nd.zeros(2)])
    assert metric.get()[1] == 1.0


def test_python_module_subclass_and_errors():
    class Twice(mx.mod.PythonModule):
        def _compute_output_shapes(self):
            return [("twice_output", self._data_shapes[0][1])]

    m = Twice(["data"], None, ["twice_output"], logger=logging)
    m.bind([("data", (2, 2))])
    assert m.binded and m.output_shapes == [("twice_output", (2, 2))]
    m.init_params()
    m.init_optimizer()
    m.update()
    with pytest.raises(NotImplementedError):
        mx.mod.PythonModule(["data"], None, ["o"]).bind([("data", (1,))])
    with pytest.raises(AssertionError):
        Twice(["data"], None, ["o"]).bind([("x", (2, 2))])
    loss = mx.mod.PythonLossModule(grad_func=_softmax_ce_grad)
    loss.bind([("data", (2, 3))], [("softmax_label", (2,))])
    with pytest.raises(AssertionError, match="out_grads should be None"):
        loss.backward(out_grads=[mx.nd.ones((2, 3))])
    with pytest.raises(RuntimeError, match="presliced"):
        loss.update_metric(mx.metric.create("acc"), [mx.nd.zeros(2)], pre_sliced=True)
    no_grad = mx.mod.PythonLossModule()
    no_grad.bind([("data", (2, 3))], [("softmax_label", (2,))])
    no_grad.forward(mx.io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.zeros(2)]))
    with pytest.raises(NotImplementedError):
        no_grad.backward()
