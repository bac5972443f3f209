"""Kernel results become NDArray storage without sharing memory with anything else: views of
inputs (or of arrays other outputs or caches hold) are copied; a kernel's reshape of a temporary
it alone holds is kept as is (copying it would be waste)."""
import numpy as np

import mxnet as mx
from mxnet.ndarray.imperative import _finalize

F32 = np.dtype(np.float32)


def test_view_of_an_input_is_copied():
    x = np.ones((4, 4), np.float32)
    for view in (x.reshape(16), x.T.reshape(16), x[1:].reshape(12)):
        out = _finalize(np, view, view.shape, F32, [x], "t")
        assert not np.shares_memory(out, x)


def test_sole_reshape_of_a_temporary_is_kept():
    def kernel():
        y = np.ones((4, 4), np.float32)
        return y.reshape(16)
    r = kernel()
    assert _finalize(np, r, (16,), F32, [], "t") is r


def test_views_sharing_a_base_are_copied():
    y = np.ones(8, np.float32)
    a, b = y.reshape(2, 4), y.reshape(8)
    assert _finalize(np, a, (2, 4), F32, [], "t") is not a
    del y
    assert _finalize(np, b, (8,), F32, [], "t") is not b      # a still holds the base


def test_reshape_op_result_is_independent_of_its_input():
    a = mx.nd.ones((2, 3))
    b = mx.nd.reshape(a, shape=(3, 2))
    a[:] = 5
    np.testing.assert_array_equal(b.asnumpy(), np.ones((3, 2)))
