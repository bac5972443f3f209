"""NDArray creation, attributes, conversion, Python operators, views and errors."""
import pickle

import numpy as np
import pytest

import mxnet as mx

DTYPES = ["float32", "float64", "float16", "uint8", "int8", "int32", "int64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_creation_dtypes(dtype):
    for f, ref in ((mx.nd.zeros, np.zeros), (mx.nd.ones, np.ones)):
        a = f((2, 3), dtype=dtype)
        assert a.dtype == np.dtype(dtype).type and a.shape == (2, 3)
        np.testing.assert_array_equal(a.asnumpy(), ref((2, 3), dtype=dtype))
    f = mx.nd.full((3,), 7, dtype=dtype)
    np.testing.assert_array_equal(f.asnumpy(), np.full((3,), 7, dtype=dtype))
    e = mx.nd.empty((4, 1), dtype=dtype)
    assert e.shape == (4, 1) and e.dtype == np.dtype(dtype).type
    x = mx.nd.array([[1, 2], [3, 4]], dtype=dtype)
    np.testing.assert_array_equal(x.asnumpy(), np.array([[1, 2], [3, 4]], dtype=dtype))


def test_array_default_dtype_is_float32():
    # MXNet 1.x: float32 unless dtype is given, even for int64/float64 NumPy sources.
    assert mx.nd.array(np.arange(4)).dtype == np.float32
    assert mx.nd.array(np.arange(4, dtype=np.float64)).dtype == np.float32
    assert mx.nd.array(mx.nd.ones((2,), dtype="int32")).dtype == np.int32
    assert mx.nd.zeros((1,)).dtype == np.float32


def test_arange_eye_like():
    np.testing.assert_array_equal(mx.nd.arange(0, 10, 3).asnumpy(), [0, 3, 6, 9])
    np.testing.assert_array_equal(mx.nd.arange(2, repeat=2).asnumpy(), [0, 0, 1, 1])
    np.testing.assert_array_equal(mx.nd.arange(5).asnumpy(), np.arange(5, dtype=np.float32))
    np.testing.assert_array_equal(mx.nd.arange(1, 2, 0.25).asnumpy(), [1, 1.25, 1.5, 1.75])
    # start + i * step in float32, as MXNet 1.9.1 prints it (0.9 computed in float64 is 0.8999999762)
    assert mx.nd.arange(0, 1, 0.3).asnumpy().tolist() == [0.0, 0.30000001192092896, 0.6000000238418579,
                                                          0.9000000357627869]
    np.testing.assert_array_equal(mx.nd.eye(2, 3, 1).asnumpy(), np.eye(2, 3, 1))
    np.testing.assert_array_equal(mx.nd.eye(3).asnumpy(), np.eye(3))
    x = mx.nd.array([[1, 2, 3]], dtype="int32")
    z, o = mx.nd.zeros_like(x), mx.nd.ones_like(x)
    assert z.dtype == np.int32 and o.shape == (1, 3)
    np.testing.assert_array_equal(z.asnumpy(), [[0, 0, 0]])
    np.testing.assert_array_equal(o.asnumpy(), [[1, 1, 1]])


def test_attributes():
    a = mx.nd.ones((2, 3, 4), ctx=mx.cpu(1))
    assert a.shape == (2, 3, 4) and a.size == 24 and a.ndim == 3 and len(a) == 2
    assert a.context == mx.cpu(1) and a.ctx == mx.cpu(1)
    assert a.stype == "default"
    assert mx.nd.ones((2,)).context == mx.cpu(0)
    with mx.cpu(3):
        assert mx.nd.zeros((1,)).context == mx.cpu(3)


def test_repr_matches_mxnet():
    a = mx.nd.ones((2, 3))
    assert repr(a) == "\n[[1. 1. 1.]\n [1. 1. 1.]]\n<NDArray 2x3 @cpu(0)>"
    assert repr(mx.nd.array([1, 2, 3], ctx=mx.cpu(1))) == "\n[1. 2. 3.]\n<NDArray 3 @cpu(1)>"


def test_asscalar_bool_len_iter():
    assert mx.nd.array([7]).asscalar() == 7.0
    assert isinstance(mx.nd.array([7]).asscalar(), np.float32)
    with pytest.raises(ValueError):
        mx.nd.ones((2,)).asscalar()
    assert bool(mx.nd.array([1])) and not bool(mx.nd.array([0]))
    with pytest.raises(ValueError):
        bool(mx.nd.ones((2,)))
    rows = [r.asnumpy() for r in mx.nd.array([[1, 2], [3, 4]])]
    np.testing.assert_array_equal(rows, [[1, 2], [3, 4]])
    assert np.asarray(mx.nd.ones((2,))).tolist() == [1.0, 1.0]


def test_copy_copyto_as_in_context_astype():
    a = mx.nd.array([1.5, 2.5])
    b = a.copy()
    b[:] = 0
    np.testing.assert_array_equal(a.asnumpy(), [1.5, 2.5])
    c = mx.nd.zeros((2,))
    assert a.copyto(c) is c
    np.testing.assert_array_equal(c.asnumpy(), [1.5, 2.5])
    d = a.copyto(mx.cpu(1))
    assert d.context == mx.cpu(1)
    np.testing.assert_array_equal(d.asnumpy(), [1.5, 2.5])
    assert a.as_in_context(mx.cpu(0)) is a
    assert a.as_in_context(mx.cpu(2)).context == mx.cpu(2)
    i = a.astype("int32")
    assert i.dtype == np.int32
    np.testing.assert_array_equal(i.asnumpy(), [1, 2])
    assert a.astype(np.float32, copy=False) is a
    with pytest.raises(mx.MXNetError):
        a.copyto(mx.nd.zeros((3,)))


def test_reshape_special_values_share_memory():
    x = mx.nd.ones((2, 3, 4))
    assert x.reshape((-2,)).shape == (2, 3, 4)
    assert x.reshape((-3, 4)).shape == (6, 4)
    assert x.reshape((-4, 1, 2, -2)).shape == (1, 2, 3, 4)
    assert x.reshape((-1, 4), reverse=True).shape == (6, 4)
    assert x.reshape((0, -1)).shape == (2, 12)
    assert x.reshape(24).shape == (24,)
    assert x.reshape(4, 6).shape == (4, 6)
    assert x.reshape(shape=(6, 4)).shape == (6, 4)
    y = x.reshape((6, 4))
    y[:] = 3          # a reshape is a view: writes show through the base
    assert x.asnumpy().sum() == 72
    with pytest.raises(mx.MXNetError):
        x.reshape((5, 5))


def test_axis0_views_share_memory():
    c = mx.nd.ones((4,))
    d = c[1:3]
    d[:] = 5
    np.testing.assert_array_equal(c.asnumpy(), [1, 5, 5, 1])
    m = mx.nd.zeros((3, 2))
    row = m[1]
    row[:] = 7
    np.testing.assert_array_equal(m.asnumpy(), [[0, 0], [7, 7], [0, 0]])
    m[:] = 1          # writing the base shows through the view
    np.testing.assert_array_equal(row.asnumpy(), [1, 1])


def test_getitem():
    a_np = np.arange(24, dtype=np.float32).reshape(4, 6)
    a = mx.nd.array(a_np)
    cases = [np.s_[::2], np.s_[:, 1], np.s_[1:3, 2:5], np.s_[-1], np.s_[None], np.s_[..., 1],
             np.s_[::-1, ::2], np.s_[1, 2:4]]
    for key in cases:
        np.testing.assert_array_equal(a[key].asnumpy(), a_np[key], err_msg=str(key))
    np.testing.assert_array_equal(a[[0, 2]].asnumpy(), a_np[[0, 2]])
    np.testing.assert_array_equal(a[mx.nd.array([3, 0])].asnumpy(), a_np[[3, 0]])
    # MXNet 1.x returns shape (1,) rather than a 0-d array
    assert a[1, 2].shape == (1,) and a[1, 2].asscalar() == 8
    assert mx.nd.array([1, 2, 3])[1].shape == (1,)
    with pytest.raises(IndexError):
        a[5]
    with pytest.raises(IndexError):
        a[1, 7]


def test_setitem():
    a = mx.nd.zeros((4, 3))
    a[1:3] = 5
    a[0, 1] = 2
    a[:, 2] = mx.nd.ones((4,))
    a[3] = np.array([9, 8, 7])
    ref = np.zeros((4, 3))
    ref[1:3] = 5
    ref[0, 1] = 2
    ref[:, 2] = 1
    ref[3] = [9, 8, 7]
    np.testing.assert_array_equal(a.asnumpy(), ref)
    a[:] = 3
    np.testing.assert_array_equal(a.asnumpy(), np.full((4, 3), 3))
    a[[0, 2]] = 0
    assert a.asnumpy()[[0, 2]].sum() == 0 and a.asnumpy()[1].sum() == 9
    with pytest.raises(mx.MXNetError):
        a[1:3] = mx.nd.ones((3, 3))


ARITH = [
    ("+", lambda a, b: a + b), ("-", lambda a, b: a - b), ("*", lambda a, b: a * b),
    ("/", lambda a, b: a / b), ("%", lambda a, b: a % b), ("**", lambda a, b: a ** b),
    ("==", lambda a, b: a == b), ("!=", lambda a, b: a != b), (">", lambda a, b: a > b),
    (">=", lambda a, b: a >= b), ("<", lambda a, b: a < b), ("<=", lambda a, b: a <= b),
]


@pytest.mark.parametrize("name,f", ARITH, ids=[a[0] for a in ARITH])
@pytest.mark.parametrize("rshape", [(2, 3), (3,), (1, 3), (2, 1)])
def test_python_operators_broadcast(name, f, rshape, any_engine):
    rng = np.random.RandomState(0)
    x = rng.uniform(0.5, 2, (2, 3)).astype(np.float32)
    y = rng.uniform(0.5, 2, rshape).astype(np.float32)
    got = f(mx.nd.array(x), mx.nd.array(y))
    ref = np.asarray(f(x, y)).astype(np.float32)
    assert got.dtype == np.float32 and got.shape == ref.shape
    np.testing.assert_allclose(got.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    # scalars on either side
    np.testing.assert_allclose(f(mx.nd.array(x), 1.5).asnumpy(), np.asarray(f(x, np.float32(1.5))), rtol=1e-5)
    np.testing.assert_allclose(f(1.5, mx.nd.array(x)).asnumpy(), np.asarray(f(np.float32(1.5), x)), rtol=1e-5)


def test_inplace_and_unary_operators():
    a = mx.nd.array([1.0, 2.0, 3.0])
    b = a
    a += 1
    a *= 2
    a -= mx.nd.array([1, 1, 1])
    a /= 2
    assert a is b
    np.testing.assert_allclose(a.asnumpy(), [1.5, 2.5, 3.5])
    np.testing.assert_array_equal((-a).asnumpy(), [-1.5, -2.5, -3.5])
    np.testing.assert_array_equal(abs(-a).asnumpy(), [1.5, 2.5, 3.5])
    v = mx.nd.zeros((4,))
    w = v[1:3]
    w += 1              # in-place op through a view writes the base
    np.testing.assert_array_equal(v.asnumpy(), [0, 1, 1, 0])


def test_integer_semantics():
    i = mx.nd.array([-3, 3], dtype="int32")
    np.testing.assert_array_equal((i / 2).asnumpy(), [-1, 1])     # truncation, like MXNet
    assert (i / 2).dtype == np.int32
    np.testing.assert_array_equal((mx.nd.array([5, -5]) % 3).asnumpy(), [2, 1])
    assert (mx.nd.ones((2,), dtype="int32") > 0).dtype == np.int32


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(mx.MXNetError, match=r"broadcast_add.*\(2, 3\).*\(4,\)"):
        mx.nd.ones((2, 3)) + mx.nd.ones((4,))
    with pytest.raises(mx.MXNetError, match="same context"):
        mx.nd.ones((2,), ctx=mx.cpu(0)) + mx.nd.ones((2,), ctx=mx.cpu(1))


def test_T_flatten_expand_dims_broadcast_to():
    x = mx.nd.array(np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(x.T.asnumpy(), np.arange(6).reshape(2, 3).T)
    assert mx.nd.ones((2, 3, 4)).flatten().shape == (2, 12)
    assert x.expand_dims(1).shape == (2, 1, 3)
    assert x.expand_dims(-1).shape == (2, 3, 1)


def test_pickle_roundtrip():
    a = mx.nd.array([[1, 2], [3, 4]], ctx=mx.cpu(1), dtype="int64")
    b = pickle.loads(pickle.dumps(a))
    assert b.dtype == np.int64 and b.context == mx.cpu(1)
    np.testing.assert_array_equal(b.asnumpy(), a.asnumpy())


def test_numpy_helpers():
    a = mx.nd.array([1, 5, 3])
    np.testing.assert_array_equal(mx.nd.maximum(a, 2).asnumpy(), [2, 5, 3])
    np.testing.assert_array_equal(mx.nd.minimum(2, a).asnumpy(), [1, 2, 2])
    np.testing.assert_array_equal(mx.nd.subtract(10, a).asnumpy(), [9, 5, 7])
    np.testing.assert_array_equal(mx.nd.power(a, mx.nd.array([2, 1, 0])).asnumpy(), [1, 5, 1])
    np.testing.assert_array_equal(mx.nd.greater(3, a).asnumpy(), [1, 0, 0])
    assert mx.nd.add(1, 2) == 3


def test_waitall_and_wait_to_read():
    a = mx.nd.ones((100, 100))
    for _ in range(10):
        a = a * 1.01
    a.wait_to_read()
    mx.nd.waitall()
    np.testing.assert_allclose(a.asnumpy(), np.full((100, 100), 1.01 ** 10), rtol=1e-5)


def test_split_v2_histogram_linspace():
    parts = mx.nd.split_v2(mx.nd.arange(6), (2, 4))
    assert [p.asnumpy().tolist() for p in parts] == [[0, 1], [2, 3], [4, 5]]
    assert [p.shape for p in mx.nd.split_v2(mx.nd.arange(6), 3)] == [(2,), (2,), (2,)]
    counts, edges = mx.nd.histogram(mx.nd.array([1, 2, 2, 3, 5]), bins=mx.nd.array([0, 2, 4, 6]))
    assert counts.asnumpy().tolist() == [1, 3, 1]
    counts, edges = mx.nd.histogram(mx.nd.array([1, 2, 2, 3, 5]), bins=3, range=(1, 5))
    assert counts.asnumpy().tolist() == [3, 1, 1]
    np.testing.assert_allclose(edges.asnumpy(), [1, 2.3333333, 3.6666667, 5], rtol=1e-6)
    np.testing.assert_allclose(mx.nd.linspace(0, 1, 5).asnumpy(), [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_allclose(mx.nd.linspace(0, 1, 5, endpoint=False).asnumpy(), [0, 0.2, 0.4, 0.6, 0.8],
                               rtol=1e-6)
    with pytest.raises(ValueError):
        mx.nd.split_v2(mx.nd.arange(6), [2, 4])


def test_setitem_drops_leading_unit_axes_of_the_value():
    # MXNet accepts x1d[i] = nd.array([v]) and row[i] = nd.array([[...]])
    x = mx.nd.zeros((4,))
    x[1] = mx.nd.array([5.0])
    np.testing.assert_array_equal(x.asnumpy(), [0, 5, 0, 0])
    y = mx.nd.zeros((2, 3))
    y[1] = mx.nd.array([[1, 2, 3]])
    np.testing.assert_array_equal(y.asnumpy(), [[0, 0, 0], [1, 2, 3]])
    with pytest.raises(mx.MXNetError, match=r"shape \(2,\)"):
        x[1] = mx.nd.array([1.0, 2.0])


def test_whole_assignment_keeps_a_buffer_someone_else_holds():
    """``W[:] = <temporary>`` writes into W's memory when another holder shares it (a store that
    gave W its buffer, a NumPy view): the holder sees the new values, as with MXNet's copy."""
    w, g = mx.nd.ones((4, 3)), mx.nd.ones((4, 3))
    w.wait_to_read()
    holder = w._chunk.data                # e.g. a KVStore's record of the buffer it gave out
    view = holder[1:3]
    w[:] = w - g * 0.25
    w.wait_to_read()
    assert w._chunk.data is holder
    np.testing.assert_array_equal(view, np.full((2, 3), 0.75))
    np.testing.assert_array_equal(w.asnumpy(), np.full((4, 3), 0.75))


def test_whole_assignment_of_a_temporary_takes_its_buffer_and_never_aliases_named_arrays():
    w, g = mx.nd.ones((4, 3)), mx.nd.ones((4, 3))
    w.wait_to_read()
    before = w._chunk.data.ctypes.data    # (its address: holding the buffer would pin it)
    w[:] = w - g * 0.25                   # a temporary: w adopts its buffer (no copy pass)
    w.wait_to_read()
    assert w._chunk.data.ctypes.data != before
    np.testing.assert_array_equal(w.asnumpy(), np.full((4, 3), 0.75))
    t = w - g                             # a named array: copied, later writes stay separate
    kept = w._chunk.data
    w[:] = t
    w.wait_to_read()
    assert w._chunk.data is kept
    t[:] = 7
    np.testing.assert_array_equal(w.asnumpy(), np.full((4, 3), -0.25))
    views = []

    def temporary_with_a_view():
        r = w - g
        views.append(r[1:2])              # shares r's storage: r's buffer must not be taken
        return r
    w[:] = temporary_with_a_view()
    views[0][:] = 0
    np.testing.assert_array_equal(w.asnumpy(), np.full((4, 3), -1.25))


@pytest.mark.parametrize("bad", [
    lambda: mx.nd.ones((2, 3)).reshape((4,)),
    lambda: mx.nd.ones((2, 3)).reshape((4, -1)),
    lambda: mx.nd.ones((2, 3)).__setitem__(slice(None), mx.nd.ones((3, 2))),
    lambda: mx.nd.ones((2, 3)).__setitem__(slice(None), np.ones((3, 2))),
    lambda: mx.nd.ones((2, 3)).__setitem__(0, mx.nd.ones((2,))),
], ids=["reshape", "reshape -1", "setitem", "setitem numpy", "setitem row"])
def test_shape_mismatches_raise_value_error_as_mxnet(bad):
    """MXNet 1.9.1 raises ValueError here; the error is also an MXNetError naming both shapes."""
    with pytest.raises(ValueError, match=r"\(2, 3\)|\(3,\)") as info:
        bad()
    assert isinstance(info.value, mx.MXNetError)


def test_boolean_index_in_legacy_mode_raises_as_mxnet():
    """MXNet 1.9.1 refuses boolean NDArray indices on mx.nd arrays (without npx.set_np()); they
    were taken as integer indices here and failed later in the kernel."""
    a = mx.nd.ones((2, 3))
    mask = mx.nd.array([1, 0], dtype="bool")
    with pytest.raises(ValueError, match="Cannot perform boolean indexing in legacy mode"):
        a[mask]
    with pytest.raises(ValueError, match="Cannot perform boolean indexing in legacy mode"):
        a[mask] = 5
