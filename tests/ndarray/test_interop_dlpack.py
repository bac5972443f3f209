"""DLPack memory sharing (mx.nd.to_dlpack_for_read / to_dlpack_for_write / from_dlpack): writes
through either side show in the other, in-place ops write into the shared buffer, NumPy arrays
and capsules interoperate. Expected values from MXNet 1.9.1's docstrings and runs (noted) or
NumPy."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ndarray.interop import _writable


class _Producer:
    """A bare ``__dlpack__`` producer around a capsule (what numpy.from_dlpack consumes)."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
        return self.capsule

    def __dlpack_device__(self):
        return (1, 0)


def _numpy_view(x):
    """A NumPy array on x's memory, through a DLPack read capsule."""
    return np.from_dlpack(_Producer(x.to_dlpack_for_read()))


def test_write_capsule_docstring_example(any_engine):
    x = mx.nd.ones((2, 3))
    w = mx.nd.to_dlpack_for_write(x)
    assert type(w).__name__ == "PyCapsule"
    u = mx.nd.from_dlpack(w)
    u += 1
    np.testing.assert_array_equal(x.asnumpy(), np.full((2, 3), 2, np.float32))   # MXNet's docstring


def test_writes_through_the_consumer_show_in_the_producer(any_engine):
    x = mx.nd.ones((2, 3))
    u = mx.nd.from_dlpack(x.to_dlpack_for_write())
    u[:] = 3
    mx.nd.waitall()                      # (a read-only buffer failed here under NumPy 2)
    np.testing.assert_array_equal(x.asnumpy(), np.full((2, 3), 3))
    u[0] = 0
    u *= 2
    mx.nd.elemwise_add(u, u, out=u)
    np.testing.assert_array_equal(x.asnumpy(), [[0, 0, 0], [12, 12, 12]])
    u[:] = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(x.asnumpy(), np.arange(6).reshape(2, 3))


def test_writes_through_the_producer_show_in_the_consumer(any_engine):
    x = mx.nd.zeros((2, 3))
    u = mx.nd.from_dlpack(x.to_dlpack_for_write())
    x += 1
    np.testing.assert_array_equal(u.asnumpy(), np.ones((2, 3)))
    x[:] = 7
    np.testing.assert_array_equal(u.asnumpy(), np.full((2, 3), 7))
    x[:] = x * 2 - 4                     # (a temporary W[:] = ... may otherwise adopt its buffer)
    mx.nd.sgd_update(x, mx.nd.ones((2, 3)), lr=0.5, out=x)
    np.testing.assert_array_equal(u.asnumpy(), np.full((2, 3), 9.5))


def test_in_place_ops_keep_the_shared_buffer(any_engine):
    # an outside consumer (NumPy) holds x's memory: in-place ops on x or u must write into it
    x = mx.nd.zeros((2, 3))
    seen = _numpy_view(x)
    u = mx.nd.from_dlpack(x.to_dlpack_for_write())
    u += 1
    u[1] = 5
    mx.nd.waitall()
    np.testing.assert_array_equal(seen, [[1, 1, 1], [5, 5, 5]])
    x *= 3
    x[:] = x + 1
    mx.nd.waitall()
    np.testing.assert_array_equal(seen, [[4, 4, 4], [16, 16, 16]])
    np.testing.assert_array_equal(u.asnumpy(), seen)


def test_read_capsule_shares_memory_both_ways():
    # MXNet 1.9.1 (with waitall between steps): z += 1 -> x 2; z[:] = 5 -> x 5; x[:] = 7 -> z 7;
    # x += 1 -> z 8 (a read capsule is the same view of the memory as a write capsule)
    x = mx.nd.ones((2, 3))
    z = mx.nd.from_dlpack(mx.nd.to_dlpack_for_read(x))
    z += 1
    np.testing.assert_array_equal(x.asnumpy(), np.full((2, 3), 2))
    z[:] = 5
    np.testing.assert_array_equal(x.asnumpy(), np.full((2, 3), 5))
    x[:] = 7
    np.testing.assert_array_equal(z.asnumpy(), np.full((2, 3), 7))
    x += 1
    np.testing.assert_array_equal(z.asnumpy(), np.full((2, 3), 8))


def test_view_producer_and_dead_producer():
    b = mx.nd.arange(12).reshape((4, 3))
    u = mx.nd.from_dlpack(b[1:3].to_dlpack_for_write())
    assert u.shape == (2, 3)
    u[:] = -1
    expect = np.arange(12, dtype=np.float32).reshape(4, 3)
    expect[1:3] = -1
    np.testing.assert_array_equal(b.asnumpy(), expect)
    b += 1
    np.testing.assert_array_equal(u.asnumpy(), np.zeros((2, 3)))
    # the producer is gone before the capsule is consumed: the capsule keeps the memory alive
    v = mx.nd.from_dlpack(mx.nd.arange(4).to_dlpack_for_write())
    v += 1
    np.testing.assert_array_equal(v.asnumpy(), [1, 2, 3, 4])


def test_capsule_consumed_once_and_bad_arguments():
    cap = mx.nd.ones(2).to_dlpack_for_read()
    mx.nd.from_dlpack(cap)
    with pytest.raises(AssertionError, match="consumed only once"):      # MXNet's check
        mx.nd.from_dlpack(cap)
    foreign = np.ones(2).__dlpack__()
    np.from_dlpack(_Producer(foreign))                                   # consumed by NumPy
    with pytest.raises(AssertionError, match="consumed only once"):
        mx.nd.from_dlpack(foreign)
    with pytest.raises(TypeError):
        mx.nd.from_dlpack(np.ones(2).tolist())
    with pytest.raises(TypeError):
        mx.nd.to_dlpack_for_write(np.ones(2))


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int32", "int64", "int8", "uint8"])
def test_dtypes_round_trip(dtype):
    x = mx.nd.array([1, 2, 3], dtype=dtype)
    u = mx.nd.from_dlpack(x.to_dlpack_for_write())
    assert u.dtype == np.dtype(dtype) and u.shape == (3,) and u.context == mx.cpu()
    u[:] = 4
    np.testing.assert_array_equal(x.asnumpy(), np.full(3, 4, dtype))


def test_numpy_producer_shares_writable_memory(any_engine):
    src = np.arange(6.0).reshape(2, 3)
    u = mx.nd.from_dlpack(src)                     # an object with __dlpack__
    assert u.dtype == np.float64 and u.shape == (2, 3)
    u += 1
    u[0] = 0
    mx.nd.waitall()
    np.testing.assert_array_equal(src, [[0, 0, 0], [4, 5, 6]])
    src[1, 2] = 42
    assert u.asnumpy()[1, 2] == 42
    cap_src = np.arange(3, dtype=np.int32)
    w = mx.nd.from_dlpack(cap_src.__dlpack__())    # NumPy's own capsule
    w *= 10
    mx.nd.waitall()
    np.testing.assert_array_equal(cap_src, [0, 10, 20])
    strided = np.arange(12.0).reshape(3, 4)[:, ::2]
    s = mx.nd.from_dlpack(strided)
    s += 100
    mx.nd.waitall()
    np.testing.assert_array_equal(strided, np.arange(12.0).reshape(3, 4)[:, ::2] + 100)


def test_read_only_numpy_producer_is_copied():
    src = np.arange(3.0)
    src.flags.writeable = False
    u = mx.nd.from_dlpack(src)
    u += 1
    np.testing.assert_array_equal(u.asnumpy(), [1, 2, 3])
    np.testing.assert_array_equal(src, [0, 1, 2])


def test_numpy_consumer_sees_writes():
    x = mx.nd.arange(4)
    seen = _numpy_view(x)
    np.testing.assert_array_equal(seen, [0, 1, 2, 3])
    x[:] = 9
    x += 1
    mx.nd.waitall()
    np.testing.assert_array_equal(seen, [10, 10, 10, 10])


def test_writable_route_for_read_only_views():
    # what from_dlpack does when NumPy marks an array from a legacy capsule read-only
    base = np.arange(6.0).reshape(2, 3)
    ro = base[:, 1:]
    ro.flags.writeable = False
    w = _writable(ro)
    assert w.flags.writeable and w.shape == (2, 2) and w.strides == ro.strides
    w[0, 0] = -5
    assert base[0, 1] == -5
    assert _writable(base) is base
    empty = np.zeros((0, 3))
    empty.flags.writeable = False
    assert _writable(empty).shape == (0, 3)


def test_sparse_producer_exports_its_dense_form():
    x = mx.nd.array([[0, 1], [2, 0]]).tostype("csr")
    np.testing.assert_array_equal(mx.nd.from_dlpack(x.to_dlpack_for_read()).asnumpy(), [[0, 1], [2, 0]])


def test_forgotten_export_still_shares_memory():
    # a capsule whose export record is gone (registry bounded) wraps the memory like an outside one
    from mxnet.ndarray import interop
    x = mx.nd.zeros(3)
    cap = x.to_dlpack_for_write()
    with interop._EXPORTS_LOCK:
        interop._EXPORTS.clear()
    u = mx.nd.from_dlpack(cap)
    assert u._chunk is not x._chunk
    u += 2
    mx.nd.waitall()
    np.testing.assert_array_equal(x.asnumpy(), [2, 2, 2])
    x += 1
    mx.nd.waitall()
    np.testing.assert_array_equal(u.asnumpy(), [3, 3, 3])


@pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2, reason="versioned DLPack needs NumPy 2")
def test_versioned_only_producer_shares_writable_memory():
    class Versioned:                     # exports only with max_version (DLPack 1.x producers)
        def __init__(self, arr):
            self.arr = arr

        def __dlpack__(self, stream=None, max_version=None, dl_device=None, copy=None):
            if max_version is None:
                raise TypeError("a max_version is required")
            return self.arr.__dlpack__(max_version=max_version)

        def __dlpack_device__(self):
            return self.arr.__dlpack_device__()

    src = np.zeros(3, np.float32)
    u = mx.nd.from_dlpack(Versioned(src))
    u += 4
    mx.nd.waitall()
    np.testing.assert_array_equal(src, [4, 4, 4])
