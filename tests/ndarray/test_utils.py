"""mx.nd.power's MXNet parameter names and mx.nd.from_numpy (zero-copy sharing, array_cls).
Expected values from NumPy or MXNet 1.9.1 (noted)."""
import inspect

import numpy as np
import pytest

import mxnet as mx


def test_power_takes_base_and_exp():
    assert list(inspect.signature(mx.nd.power).parameters) == ["base", "exp"]     # MXNet 1.9.1
    r = mx.nd.power(base=mx.nd.ones(2) * 2, exp=3)
    np.testing.assert_array_equal(r.asnumpy(), [8, 8])                           # MXNet 1.9.1
    np.testing.assert_array_equal(mx.nd.power(2, mx.nd.array([1, 2])).asnumpy(), [2, 4])
    np.testing.assert_array_equal(mx.nd.power(mx.nd.array([1, 2]), exp=2).asnumpy(), [1, 4])
    assert mx.nd.power(2, 3) == 8
    with pytest.raises(TypeError):
        mx.nd.power(lhs=mx.nd.ones(2), rhs=2)


def test_from_numpy_zero_copy_shares_memory(any_engine):
    a = np.arange(4.0)
    x = mx.nd.from_numpy(a)
    assert x.dtype == np.float64 and x.shape == (4,)
    assert not a.flags.writeable            # MXNet 1.9.1: NumPy may no longer write it
    x += 1
    mx.nd.waitall()
    np.testing.assert_array_equal(a, [1, 2, 3, 4])                                # MXNet 1.9.1
    x[:] = 5
    mx.nd.waitall()
    np.testing.assert_array_equal(a, [5, 5, 5, 5])                                # MXNet 1.9.1


def test_from_numpy_copy_and_errors():
    b = np.arange(4.0)
    y = mx.nd.from_numpy(b, zero_copy=False)
    assert b.flags.writeable
    y += 1
    np.testing.assert_array_equal(b, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="Only c-contiguous arrays are supported for zero-copy"):
        mx.nd.from_numpy(np.ones((2, 2)).T)
    np.testing.assert_array_equal(mx.nd.from_numpy(np.ones((2, 2)).T, zero_copy=False).asnumpy(), np.ones((2, 2)))
    ro = np.arange(3.0)
    ro.flags.writeable = False
    np.testing.assert_array_equal(mx.nd.from_numpy(ro).asnumpy(), [0, 1, 2])
    assert mx.nd.from_numpy(np.zeros((0, 3), np.float32)).shape == (0, 3)


def test_from_numpy_array_cls():
    a = np.ones(2, dtype=np.float32)
    z = mx.nd.from_numpy(a, array_cls=mx.np.ndarray)
    assert type(z) is mx.np.ndarray                                               # MXNet 1.9.1
    z += 1
    mx.nd.waitall()
    np.testing.assert_array_equal(a, [2, 2])
    assert type(mx.nd.from_numpy(np.ones(2, np.float32), zero_copy=False, array_cls=mx.np.ndarray)) is mx.nd.NDArray
