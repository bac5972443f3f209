"""Contexts and devices: cpu/gpu/cpu_pinned, the default-context stack, GPU without CuPy."""
import threading

import numpy as np
import pytest

import mxnet as mx


def test_context_basics():
    assert mx.cpu() == mx.cpu(0) == mx.Context("cpu", 0)
    assert mx.cpu(1) != mx.cpu(0) and mx.gpu(0) != mx.cpu(0)
    assert str(mx.gpu(2)) == "gpu(2)" and repr(mx.cpu_pinned()) == "cpu_pinned(0)"
    assert mx.gpu(1).device_type == "gpu" and mx.gpu(1).device_id == 1
    assert mx.Context(mx.gpu(3)) == mx.gpu(3)
    assert len({mx.cpu(0), mx.cpu(0), mx.cpu(1)}) == 2
    with pytest.raises(mx.MXNetError, match="unknown device type"):
        mx.Context("tpu", 0)


def test_with_context_sets_default_and_nests():
    assert mx.current_context() == mx.cpu(0)
    with mx.cpu(2):
        assert mx.current_context() == mx.cpu(2)
        with mx.cpu_pinned(0) as c:
            assert mx.current_context() == c
            assert mx.nd.ones((1,)).context == mx.cpu_pinned(0)
        assert mx.nd.zeros((1,)).context == mx.cpu(2)
    assert mx.current_context() == mx.cpu(0)


def test_default_context_is_per_thread():
    seen = []
    with mx.cpu(5):
        t = threading.Thread(target=lambda: seen.append(mx.current_context()))
        t.start()
        t.join()
    assert seen == [mx.cpu(0)]


def _has_gpu():
    return mx.context.num_gpus() > 0


@pytest.mark.skipif(_has_gpu(), reason="checks the error raised when no GPU/CuPy is present")
def test_gpu_without_cupy_raises_clear_error():
    assert mx.context.num_gpus() == 0
    with pytest.raises(mx.MXNetError, match="CuPy"):
        mx.nd.zeros((2,), ctx=mx.gpu())
    with pytest.raises(mx.MXNetError, match="gpu"):
        mx.nd.ones((2,)).as_in_context(mx.gpu(0)).asnumpy()


@pytest.mark.gpu
@pytest.mark.skipif(not _has_gpu(), reason="needs CuPy and an NVIDIA GPU")
def test_gpu_roundtrip():
    a = mx.nd.array(np.arange(6).reshape(2, 3), ctx=mx.gpu(0))
    b = (a * 2 + 1).as_in_context(mx.cpu())
    np.testing.assert_array_equal(b.asnumpy(), np.arange(6).reshape(2, 3) * 2 + 1)


def test_copies_across_cpu_contexts_are_ordered():
    a = mx.nd.zeros((1000,), ctx=mx.cpu(0))
    for i in range(20):
        a += 1
    b = a.as_in_context(mx.cpu(1))
    a += 100               # after the copy was pushed: must not show in b
    np.testing.assert_array_equal(b.asnumpy(), np.full(1000, 20))
    np.testing.assert_array_equal(a.asnumpy(), np.full(1000, 120))
