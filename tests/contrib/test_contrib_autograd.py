"""mx.contrib.autograd: the pre-1.0 autograd API (values checked against MXNet 1.9.1)."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.contrib import autograd as cag


def test_namespace():
    assert mx.contrib.nd is mx.nd.contrib and mx.contrib.ndarray is mx.nd.contrib
    assert mx.contrib.sym is mx.sym.contrib and mx.contrib.symbol is mx.sym.contrib
    for name in ("autograd", "io", "onnx", "tensorboard", "text"):
        assert hasattr(mx.contrib, name)


def test_grad_and_loss():
    x = mx.nd.array([1., 2., 3.])
    grads, loss = cag.grad_and_loss(lambda a: (a * a).sum())(x)
    np.testing.assert_allclose(grads[0].asnumpy(), [2., 4., 6.])
    np.testing.assert_allclose(loss.asnumpy(), [14.])


def test_grad_argnum():
    x, y = mx.nd.array([1., 2., 3.]), mx.nd.array([4., 5., 6.])
    g = cag.grad(lambda a, b: (a * b).sum(), argnum=1)(x, y)
    assert len(g) == 1
    np.testing.assert_allclose(g[0].asnumpy(), [1., 2., 3.])
    g = cag.grad(lambda a, b: (a * b).sum(), argnum=[0, 1])(x, y)
    np.testing.assert_allclose(g[0].asnumpy(), [4., 5., 6.])


def test_grad_rejects_non_ndarray():
    with pytest.raises(AssertionError):
        cag.grad(lambda a: a)(np.ones(3))


def test_sections_and_set_is_training():
    assert cag.set_is_training(True) is False
    assert mx.autograd.is_training() and mx.autograd.is_recording()
    assert cag.set_is_training(False) is True
    assert not mx.autograd.is_training() and not mx.autograd.is_recording()
    with cag.train_section():
        assert mx.autograd.is_recording() and mx.autograd.is_training()
        with cag.test_section():
            assert not mx.autograd.is_recording() and not mx.autograd.is_training()
        assert mx.autograd.is_recording()
    assert not mx.autograd.is_recording()


def test_mark_variables_backward_out_grads():
    x = mx.nd.array([[1., 2.], [3., 4.]])
    gx = mx.nd.zeros_like(x)
    cag.mark_variables([x], [gx])
    with cag.train_section():
        y = x * 3
    cag.backward([y], [mx.nd.array([[1., 0.], [2., 1.]])])
    np.testing.assert_allclose(gx.asnumpy(), [[3., 0.], [6., 3.]])


def test_grad_req_add_and_compute_gradient():
    x = mx.nd.array([1., 2.])
    gx = mx.nd.ones((2,))
    cag.mark_variables([x], [gx], grad_reqs="add")
    with cag.train_section():
        y = (x * x).sum()
    cag.compute_gradient([y])
    np.testing.assert_allclose(gx.asnumpy(), [3., 5.])


def test_backward_needs_list():
    with pytest.raises(AssertionError):
        cag.backward(mx.nd.ones((1,)))
