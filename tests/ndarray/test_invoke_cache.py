"""The imperative layer remembers shape/type inference per (parameters, input shapes, dtypes):
results must follow every change of those, and errors must be raised every time."""
import numpy as np
import pytest

import mxnet as mx


def test_inference_follows_shapes_dtypes_and_params():
    for shape in [(2, 3), (4, 3), (2, 3), (5,)]:
        for dtype in ["float32", "float64", "float32"]:
            a = mx.nd.ones(shape, dtype=dtype)
            out = mx.nd.sum(a, axis=0, keepdims=True)
            assert out.shape == (1,) + shape[1:] and out.dtype == np.dtype(dtype)
            assert (a * 2).shape == shape and (a * 2).dtype == np.dtype(dtype)
    x = mx.nd.ones((2, 3, 4))
    assert mx.nd.sum(x, axis=1).shape == (2, 4)
    assert mx.nd.sum(x, axis=2).shape == (2, 3)
    assert mx.nd.sum(x, axis=1).shape == (2, 4)


def test_errors_are_raised_every_time():
    for _ in range(3):
        with pytest.raises(mx.MXNetError):
            mx.nd.dot(mx.nd.ones((2, 3)), mx.nd.ones((4, 5)))
    np.testing.assert_allclose(mx.nd.dot(mx.nd.ones((2, 3)), mx.nd.ones((3, 5))).asnumpy(), 3.0)
