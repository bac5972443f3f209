"""NDArray.slice_assign / slice_assign_scalar / split_v2 / to_dlpack_for_*, MXNet's indexing helpers
in mx.nd (get_indexing_dispatch_code, get_oshape_of_gather_nd_op, indexing_key_expand_implicit_axes)
and the names mx.nd.contrib re-exports. Expected values come from NumPy or from MXNet 1.9.1 (noted)."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.base import MXNetError


def test_slice_assign_in_place_returns_self():
    x = mx.nd.arange(12).reshape((3, 4))
    ref = np.arange(12, dtype=np.float32).reshape(3, 4)
    r = x.slice_assign(mx.nd.ones((2, 2)) * 7, (0, 1), (2, 3), (None, None))
    ref[0:2, 1:3] = 7
    assert r is x
    np.testing.assert_array_equal(x.asnumpy(), ref)


def test_slice_assign_with_steps_and_none():
    x = mx.nd.zeros((4, 6))
    ref = np.zeros((4, 6), np.float32)
    rhs = np.arange(6, dtype=np.float32).reshape(2, 3)
    x.slice_assign(mx.nd.array(rhs), (None, 0), (None, None), (2, 2))
    ref[::2, 0::2] = rhs
    np.testing.assert_array_equal(x.asnumpy(), ref)


def test_slice_assign_shape_mismatch_raises():
    x = mx.nd.ones((4, 4))
    with pytest.raises(MXNetError):
        x.slice_assign(mx.nd.ones((3, 3)), (0, 0), (2, 2), (None, None))


def test_slice_assign_scalar():
    x = mx.nd.ones((4, 4))
    r = x.slice_assign_scalar(5, (None, None), (None, None), (2, -1))
    ref = np.ones((4, 4), np.float32)
    ref[::2, ::-1] = 5
    assert r is x and type(r) is mx.nd.NDArray
    np.testing.assert_array_equal(x.asnumpy(), ref)


def test_slice_assign_scalar_casts_to_dtype():
    x = mx.nd.zeros((2, 3), dtype="int32")
    x.slice_assign_scalar(2.7, (0, 0), (1, 2), (None, None))
    # MXNet 1.9.1: [[2 2 0] [0 0 0]], dtype kept
    assert x.dtype == np.int32
    np.testing.assert_array_equal(x.asnumpy(), [[2, 2, 0], [0, 0, 0]])


def test_split_v2_method():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    x = mx.nd.array(a)
    parts = x.split_v2(3, axis=1)
    assert len(parts) == 3
    for p, e in zip(parts, np.split(a, 3, axis=1)):
        np.testing.assert_array_equal(p.asnumpy(), e)
    parts = x.split_v2((1, 3))
    for p, e in zip(parts, np.split(a, (1, 3))):
        np.testing.assert_array_equal(p.asnumpy(), e)
    sq = mx.nd.array(a[:, :2]).split_v2(2, axis=1, squeeze_axis=True)
    assert [p.shape for p in sq] == [(4,), (4,)]
    np.testing.assert_array_equal(sq[1].asnumpy(), a[:, 1])
    one = x.split_v2(1)              # a single output is an NDArray, not a list (as in MXNet)
    assert isinstance(one, mx.nd.NDArray)
    np.testing.assert_array_equal(one.asnumpy(), a)
    with pytest.raises(ValueError):
        x.split_v2([1, 2])


def test_dlpack_methods():
    x = mx.nd.arange(6).reshape((2, 3)) * 2
    cap = x.to_dlpack_for_read()
    assert type(cap).__name__ == "PyCapsule"
    np.testing.assert_array_equal(mx.nd.from_dlpack(cap).asnumpy(), x.asnumpy())
    y = mx.nd.ones((2, 3)) + 4                 # pending write: the export waits for it
    w = mx.nd.from_dlpack(y.to_dlpack_for_write())
    np.testing.assert_array_equal(w.asnumpy(), np.full((2, 3), 5, np.float32))


def test_sparse_classes_inherit_the_methods():
    from mxnet.ndarray import sparse
    for name in ("slice_assign", "slice_assign_scalar", "split_v2", "to_dlpack_for_read",
                 "to_dlpack_for_write"):
        for cls in (sparse.BaseSparseNDArray, sparse.CSRNDArray, sparse.RowSparseNDArray):
            assert getattr(cls, name) is getattr(mx.nd.NDArray, name)
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = mx.nd.array(a).tostype("row_sparse")
    r = x.slice_assign_scalar(3, (0,), (1,), (None,))
    assert r is x and r.stype == "row_sparse"
    a[0] = 3
    np.testing.assert_array_equal(x.asnumpy(), a)
    parts = x.split_v2(3)
    for p, e in zip(parts, np.split(a, 3)):
        np.testing.assert_array_equal(p.asnumpy(), e)


# -- indexing helpers (results checked against MXNet 1.9.1) ------------------------------------
def test_get_indexing_dispatch_code():
    f = mx.nd.get_indexing_dispatch_code
    assert f(()) == 0 and f((0, 1)) == 0 and f((None, slice(1, 2), True)) == 0
    assert f((0, [1])) == 1 and f((mx.nd.array([1]), 0)) == 1 and f((range(2),)) == 1
    assert f((slice(None), np.array([1, 2]))) == 1 and f((np.array(1),)) == 1 and f(([],)) == 1
    assert f(((),)) == 2
    assert f((np.array([1]), 1.5)) == 1            # the first array decides
    with pytest.raises(ValueError, match="NDArray does not support slicing with key 1.5 of type "
                                         "<class 'float'>."):
        f((1.5, np.array([1])))
    with pytest.raises(ValueError, match="key Ellipsis"):
        f((slice(None), None, Ellipsis))
    with pytest.raises(AssertionError):
        f(0)


def test_get_oshape_of_gather_nd_op():
    f = mx.nd.get_oshape_of_gather_nd_op
    assert f((3, 4, 5), (2, 6)) == (6, 5)
    assert f((3, 4, 5), (3,)) == ()
    assert f((3, 4, 5), (1, 2, 2)) == (2, 2, 4, 5)
    assert f([3, 4], [1, 2]) == (2, 4)
    with pytest.raises(AssertionError):
        f((3, 4), ())
    # agrees with the gather_nd operator
    data = mx.nd.array(np.arange(60).reshape(3, 4, 5))
    idx = mx.nd.array([[0, 2], [1, 3]])
    assert mx.nd.gather_nd(data, idx).shape == f(data.shape, idx.shape)


def test_indexing_key_expand_implicit_axes():
    f = mx.nd.indexing_key_expand_implicit_axes
    s = slice(None)
    shape = (3, 4, 5)
    assert f((2, 1, 1), shape) == ((2, 1, 1), -1)
    assert f(0, shape) == ((0, s, s), -1)
    assert f((0, Ellipsis), shape) == ((0, s, s), -1)
    assert f((slice(None, 2), None, 0, Ellipsis), shape) == ((slice(None, 2), None, 0, s), -1)
    assert f((None, Ellipsis, None), shape) == ((None, s, s, s, None), -1)
    assert f((Ellipsis, 0), shape) == ((s, s, 0), -1)
    assert f((), shape) == ((s, s, s), -1)
    assert f((0, 0, 0, 0), shape) == ((0, 0, 0, 0), -1)
    # Python bools leave the key; the flag is the last one's value
    assert f(True, shape) == ((s, s, s), 1)
    assert f((0, True), shape) == ((0, s, s), 1)
    assert f((True, False), shape) == ((s, s, s), 0)
    assert f((False, True), shape) == ((s, s, s), 1)
    with pytest.raises(IndexError, match="Cannot use more than one ellipsis"):
        f((Ellipsis, Ellipsis), shape)


def test_indexing_key_expand_boolean_arrays():
    f = mx.nd.indexing_key_expand_implicit_axes
    s = slice(None)
    shape = (3, 4, 5)
    with pytest.raises(IndexError, match="boolean index did not match indexed array along axis 1; "
                                         "size is 4 but corresponding boolean size is 3"):
        f((s, mx.nd.array([1, 0, 1], dtype="bool")), shape)
    with pytest.raises(ValueError, match="Cannot perform boolean indexing in legacy mode"):
        f(mx.nd.array([1, 0, 1], dtype="bool"), shape)
    mask = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [1, 0, 1, 0]], dtype=bool)
    with mx.util.np_array(True):
        key, flag = f((mx.np.array(mask), 0), shape)
        rows, cols = np.nonzero(mask)
        assert flag == -1 and len(key) == 3 and key[2] == 0
        np.testing.assert_array_equal(key[0].asnumpy(), rows)
        np.testing.assert_array_equal(key[1].asnumpy(), cols)
        key, _ = f((Ellipsis, mx.np.array([1, 0, 1, 1, 1], dtype=bool)), shape)
        assert key[:2] == (s, s)
        np.testing.assert_array_equal(key[2].asnumpy(), [0, 2, 3, 4])


def test_contrib_reexports():
    assert mx.nd.contrib.current_context is mx.context.current_context
    assert mx.nd.contrib.uniform is mx.nd.random.uniform
    from mxnet.ndarray.contrib import uniform, current_context  # noqa: F401
