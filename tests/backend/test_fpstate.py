"""Kernels run without NumPy's floating-point warnings (MXNet's kernels print none), and the
caller's own NumPy error state stays as it was."""
import warnings

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.backend import fpstate


def _big(v):
    # (above the engine's run-now size: the op goes through the engine's own run path)
    return mx.nd.full((1100, 1000), v)


# (name, computation, expected value of its first element)
CASES = [
    ("log(0)", lambda: mx.nd.log(mx.nd.zeros((3,))), -np.inf),
    ("log(0) via engine", lambda: mx.nd.log(_big(0.0)), -np.inf),
    ("sqrt(-1)", lambda: mx.nd.sqrt(mx.nd.array([-1.0])), np.nan),
    ("sigmoid(-100)", lambda: mx.nd.sigmoid(mx.nd.array([-100.0])), 0.0),
    ("exp(100)", lambda: mx.nd.exp(mx.nd.array([100.0])), np.inf),
    ("x / 0", lambda: mx.nd.array([1.0]) / 0, np.inf),
    ("0 / 0 arrays", lambda: mx.nd.array([0.0]) / mx.nd.array([0.0]), np.nan),
    ("overflow *", lambda: mx.nd.array([1e38]) * mx.nd.array([1e38]), np.inf),
    ("power(0, -1)", lambda: mx.nd.power(mx.nd.array([0.0]), -1), np.inf),
    ("mx.np log", lambda: mx.np.log(mx.np.zeros((2,))), -np.inf),
]


def _no_runtime_warning(fn):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        out = fn()
        value = out.asnumpy().ravel()[0]
    assert [w for w in seen if issubclass(w.category, RuntimeWarning)] == []
    return value


@pytest.mark.parametrize("name,fn,want", CASES, ids=[c[0] for c in CASES])
def test_kernels_do_not_warn(name, fn, want):
    got = _no_runtime_warning(fn)
    np.testing.assert_equal(np.float32(got), np.float32(want))


def test_executor_and_gradients_do_not_warn():
    x = mx.sym.Variable("x")
    ex = mx.sym.log(x).bind(mx.cpu(), {"x": mx.nd.zeros((2,))}, args_grad={"x": mx.nd.zeros((2,))})
    assert _no_runtime_warning(lambda: ex.forward(is_train=True)[0]) == -np.inf
    ex.backward(mx.nd.ones((2,)))
    assert _no_runtime_warning(lambda: ex.grad_arrays[0]) == np.inf
    a = mx.nd.zeros((2,))
    a.attach_grad()

    def grad_of_log():
        with autograd.record():
            y = mx.nd.log(a)
        y.backward()
        return a.grad
    assert _no_runtime_warning(grad_of_log) == np.inf


def test_hybridized_block_does_not_warn():
    net = gluon.nn.HybridLambda(lambda F, v: F.log(v))
    net.hybridize()
    assert _no_runtime_warning(lambda: net(mx.nd.zeros((2,)))) == -np.inf


def test_caller_error_state_is_kept():
    before = np.geterr()
    with np.errstate(all="raise"):
        mx.nd.log(mx.nd.zeros((2,))).asnumpy()      # MXNet never raises FloatingPointError
        (mx.nd.array([1.0]) / 0).asnumpy()
        with pytest.raises(FloatingPointError):      # the caller's NumPy still raises
            np.log(np.zeros(1))
    assert np.geterr() == before
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        np.log(np.zeros(1))
    assert any(issubclass(w.category, RuntimeWarning) for w in seen)


def test_quiet_scope_nests_and_restores():
    before = np.geterr()
    outer = fpstate.quiet_enter()
    assert set(np.geterr().values()) == {"ignore"}
    inner = fpstate.quiet_enter()
    fpstate.quiet_exit(inner)
    assert set(np.geterr().values()) == {"ignore"}
    fpstate.quiet_exit(outer)
    assert np.geterr() == before
