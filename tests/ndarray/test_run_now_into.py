"""Registry ops that write given arrays (``out=``) or update auxiliary states in place (the
optimizer updates, BatchNorm's moving statistics) run at once when nothing is pending on what
they read or write (``imperative._run_now_into``); otherwise the engine orders them. Results
must not depend on the path."""
import threading

import numpy as np
import pytest

import mxnet as mx
import mxnet.ops.registry  # noqa: F401  (mx.ops.registry)
from mxnet import engine
from tests.ndarray.spy import ops_through


@pytest.fixture
def now(monkeypatch):
    """The operator names that ran through _run_now_into."""
    return ops_through(monkeypatch, "_run_now_into", op_arg=1)


def test_out_and_state_updates_run_now_and_match_numpy(now):
    w = np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4)
    g = np.full((3, 4), 0.5, np.float32)
    W, G, M = mx.nd.array(w), mx.nd.array(g), mx.nd.zeros((3, 4))
    for _ in range(2):
        mx.nd.sgd_mom_update(W, G, M, out=W, lr=0.1, momentum=0.9)
    mom = -0.1 * g
    mom = 0.9 * mom - 0.1 * g
    np.testing.assert_allclose(M.asnumpy(), mom, rtol=1e-6)
    np.testing.assert_allclose(W.asnumpy(), w - 0.1 * g + mom, rtol=1e-6)
    C = mx.nd.zeros((3, 4))
    mx.nd.elemwise_add(W, G, out=C)
    np.testing.assert_allclose(C.asnumpy(), W.asnumpy() + g)
    assert now == ["sgd_mom_update", "sgd_mom_update", "elemwise_add"]


def test_waits_for_a_pending_reader_of_the_output(now):
    """An op still reading the array an ``out=`` op overwrites must see the old value."""
    src = mx.nd.array(np.arange(4, dtype=np.float32))
    dst = mx.nd.zeros((4,))
    gate = threading.Event()
    seen = []

    def slow_read():
        gate.wait(5)
        seen.append(src._chunk.data.copy())

    engine.push(slow_read, [src._chunk.var], [], src.context)    # queued: the lane is busy
    mx.nd.elemwise_add(dst, dst + 1, out=src)                        # writes src
    gate.set()
    np.testing.assert_array_equal(src.asnumpy(), np.ones(4))
    np.testing.assert_array_equal(seen[0], np.arange(4))
    assert "elemwise_add" not in now


def test_kernel_errors_surface_at_the_next_sync(now, monkeypatch):
    op = mx.ops.registry.get_op("elemwise_add")

    def broken(env, attrs, inputs, aux):
        raise ValueError("kernel failed")

    monkeypatch.setattr(op, "forward", broken)
    x = mx.nd.ones((2, 2))
    out = mx.nd.zeros((2, 2))
    mx.nd.elemwise_add(x, x, out=out)            # returns; the error waits on ``out``
    assert now == ["elemwise_add"]
    with pytest.raises(mx.base.MXNetError, match="elemwise_add.*kernel failed"):
        out.asnumpy()


def test_batchnorm_moving_statistics(now):
    x = np.random.RandomState(0).randn(8, 3).astype(np.float32)
    gamma, beta = mx.nd.ones((3,)), mx.nd.zeros((3,))
    mean, var = mx.nd.zeros((3,)), mx.nd.ones((3,))
    gamma.attach_grad()
    with mx.autograd.record():      # (MXNet moves the statistics when the backward runs)
        y = mx.nd.BatchNorm(mx.nd.array(x), gamma, beta, mean, var, momentum=0.5, fix_gamma=False)
    y.backward()
    np.testing.assert_allclose(mean.asnumpy(), 0.5 * x.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var.asnumpy(), 0.5 + 0.5 * x.var(0), rtol=1e-4)
    assert now == ["BatchNorm"]
