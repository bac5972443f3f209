"""take, pick, one_hot, gather_nd, scatter_nd, batch_take: forward vs NumPy references, backward
vs finite differences, MXNet 1.9.1 golden fixtures, shape inference and errors."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from mxnet.ops.indexing import IndexOutOfBoundsError
from tests.ops.harness import check_forward, check_grad, run_nd, fixture_cases, check_fixture_case, run_fixture_case

DTYPES = ["float32", "float64", "float16", "int32"]


def _data(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    return rng.uniform(-5, 5, shape).round(2).astype(dtype)


def _f32(values):
    return np.array(values, dtype=np.float32)


# -- NumPy references (loops over small inputs: independent of the kernels) ---------------------


def ref_take(a, idx, axis=0, mode="clip"):
    n = a.shape[axis]
    i = np.trunc(idx).astype(np.int64)
    i = np.mod(i, n) if mode == "wrap" else np.clip(i, 0, n - 1)
    return np.take(a, i, axis=axis)


def ref_pick(data, index, axis=-1, keepdims=False, mode="clip"):
    axis %= data.ndim
    n = data.shape[axis]
    moved = np.moveaxis(data, axis, -1)
    flat = moved.reshape(-1, n)
    idx = np.trunc(index).astype(np.int64).reshape(-1)
    idx = np.mod(idx, n) if mode == "wrap" else np.clip(idx, 0, n - 1)
    out = np.array([flat[r, idx[r]] for r in range(flat.shape[0])], dtype=data.dtype).reshape(moved.shape[:-1])
    if keepdims:
        out = np.expand_dims(out, axis)
    return out if out.ndim else out.reshape(1)


def ref_one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype="float32"):
    out = np.full(indices.shape + (depth,), off_value, dtype=np.float64)
    for pos in np.ndindex(*indices.shape):
        k = int(np.trunc(indices[pos]))
        if 0 <= k < depth:
            out[pos + (k,)] = on_value
    return np.trunc(out).astype(dtype) if np.dtype(dtype).kind in "iu" else out.astype(dtype)


def ref_gather_nd(data, indices):
    m = indices.shape[0]
    idx = np.trunc(indices).astype(np.int64)
    lead = indices.shape[1:]
    out = np.empty(lead + data.shape[m:], dtype=data.dtype)
    for pos in np.ndindex(*lead):
        key = tuple(int(idx[(j,) + pos]) for j in range(m))
        out[pos] = data[key]
    return out


def ref_scatter_nd(data, indices, shape):
    m = indices.shape[0]
    idx = np.trunc(indices).astype(np.int64)
    out = np.zeros(shape, dtype=data.dtype)
    for pos in np.ndindex(*indices.shape[1:]):
        out[tuple(int(idx[(j,) + pos]) for j in range(m))] = data[pos]
    return out


def ref_batch_take(a, indices):
    rows = a.reshape(-1, a.shape[-1])
    idx = np.clip(indices.reshape(-1), 0, a.shape[-1] - 1)
    return np.array([rows[i, idx[i]] for i in range(rows.shape[0])], dtype=a.dtype).reshape(indices.shape)


# -- forward ----------------------------------------------------------------------------------------

# (id, op, data shape, index array, kwargs, reference)
FORWARD = [
    ("take_axis0_clip", "take", (5, 3), _f32([[1.7, -1.5], [7, 0], [4.9, 2]]), {}, ref_take),
    ("take_axis1_wrap", "take", (3, 4), _f32([-1.5, 5, 7, -7, 2]), {"axis": 1, "mode": "wrap"}, ref_take),
    ("take_axis_neg_raise", "take", (2, 3, 4), _f32([[0, 3], [2, 1]]), {"axis": -1, "mode": "raise"}, ref_take),
    ("take_3d_axis1", "take", (2, 3, 2), _f32([2, 0, 2, 1]), {"axis": 1}, ref_take),
    ("take_int_indices", "take", (4, 2), np.array([3, 0, 1], dtype=np.int32), {}, ref_take),
    ("pick_last", "pick", (3, 4), _f32([0, 1.7, -1.2]), {}, ref_pick),
    ("pick_axis0_keepdims", "pick", (3, 4), _f32([0, 1, 2, 5]), {"axis": 0, "keepdims": True}, ref_pick),
    ("pick_wrap", "pick", (3, 4), _f32([-1.5, 4.5, -5]), {"mode": "wrap"}, ref_pick),
    ("pick_last_keepdims", "pick", (3, 4), _f32([2, 0, 9]), {"keepdims": True}, ref_pick),
    ("pick_3d_axis1", "pick", (2, 3, 4), _f32([[0, 1, 2, 0], [2, 2, 1, 0]]), {"axis": 1}, ref_pick),
    ("pick_keepdims_index", "pick", (3, 4), _f32([[0], [3], [2]]), {}, ref_pick),
    ("pick_1d", "pick", (5,), _f32([3]), {"axis": 0}, ref_pick),
    ("gather_nd_2", "gather_nd", (2, 3, 4), _f32([[1, 0], [2, 1]]), {}, ref_gather_nd),
    ("gather_nd_full", "gather_nd", (2, 3, 4), _f32([[1, 0], [2, 1], [3, 0]]), {}, ref_gather_nd),
    ("gather_nd_3d_index", "gather_nd", (3, 4), _f32([[[1, 0], [2, 2]]]), {}, ref_gather_nd),
    ("gather_nd_repeat", "gather_nd", (4, 2), _f32([[1, 3, 1, 0]]), {}, ref_gather_nd),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", FORWARD, ids=[c[0] for c in FORWARD])
def test_forward(case, dtype):
    _, op, shape, idx, kwargs, ref = case
    x = _data(shape, dtype)
    got = check_forward(op, [x, idx], kwargs, lambda a, i: ref(a, i, **kwargs), rtol=0, atol=0)
    assert got[0].dtype == np.dtype(dtype)


def test_gather_nd_negative_indices():
    x = _data((2, 3, 4), "float32")
    idx = _f32([[-1, -2, -0.5], [0, -3, 2]])
    expected = np.stack([x[1, 0], x[0, 0], x[1, 2]])
    check_forward("gather_nd", [x, idx], {}, expected, rtol=0, atol=0)


SCATTER = [
    ("vector", (3,), _f32([[1, 0, 0], [2, 1, 0]]), (2, 3)),
    ("rows", (2, 2), _f32([[1, 0]]), (2, 2)),
    ("float_idx", (2,), _f32([[1.7, 0], [0, 1.2]]), (2, 3)),
    ("partial", (2, 4), _f32([[2, 0], [1, 1]]), (3, 2, 4)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", SCATTER, ids=[c[0] for c in SCATTER])
def test_scatter_nd_forward(case, dtype):
    _, dshape, idx, shape = case
    x = _data(dshape, dtype)
    got = check_forward("scatter_nd", [x, idx], {"shape": shape}, ref_scatter_nd(x, idx, shape), rtol=0, atol=0)
    assert got[0].dtype == np.dtype(dtype)


def test_scatter_nd_repeated_index_last_write_wins():
    # MXNet's CPU kernel writes in order; the last duplicate wins.
    x = _f32([1, 2, 3])
    out = run_nd("scatter_nd", [x, _f32([[1, 1, 0], [2, 2, 0]])], shape=(2, 3))[0]
    np.testing.assert_array_equal(out, [[3, 0, 0], [0, 0, 2]])


ONE_HOT = [
    ("basic", _f32([0, 1.7, -1, -0.5, 3, 4]), {"depth": 4}),
    ("2d_values", _f32([[0, 2], [5, 1]]), {"depth": 4, "on_value": 2.5, "off_value": -1.0}),
    ("int32", _f32([0, 2, 3]), {"depth": 3, "on_value": 2.5, "off_value": -1.0, "dtype": "int32"}),
    ("uint8_wraps", _f32([0, 2]), {"depth": 3, "on_value": 2.0, "off_value": -1.0, "dtype": "uint8"}),
    ("float16", _f32([1, 0]), {"depth": 2, "dtype": "float16"}),
    ("float64", np.array([2, 0], dtype=np.int32), {"depth": 3, "dtype": "float64"}),
    ("int64", np.array([[1, 9]], dtype=np.int64), {"depth": 2, "dtype": "int64"}),
    ("depth0", _f32([1, 0]), {"depth": 0}),
]


@pytest.mark.parametrize("case", ONE_HOT, ids=[c[0] for c in ONE_HOT])
def test_one_hot(case):
    _, idx, kwargs = case
    got = check_forward("one_hot", [idx], kwargs, ref_one_hot(idx, **kwargs), rtol=0, atol=0)
    assert got[0].dtype == np.dtype(kwargs.get("dtype", "float32"))


def test_one_hot_uint8_wraps_negative_off_value():
    out = run_nd("one_hot", [_f32([1])], depth=2, off_value=-1.0, dtype="uint8")[0]
    np.testing.assert_array_equal(out, [[255, 1]])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("shape,idx", [((3, 4), [0, 1.7, 9]), ((3, 4), [[-1], [2], [3]]),
                                       ((2, 3, 5), [4, 0, 1, 2, 3, 7])])
def test_batch_take(shape, idx, dtype):
    x = _data(shape, dtype)
    i = np.array(idx, dtype=np.float64).astype(np.int32)
    check_forward("batch_take", [x, i], {}, ref_batch_take(x, i), rtol=0, atol=0)


def test_choose_element_0index_is_pick():
    x = _data((3, 4), "float32")
    idx = _f32([3, 0, 2])
    np.testing.assert_array_equal(mx.nd.choose_element_0index(mx.nd.array(x), mx.nd.array(idx)).asnumpy(),
                                  ref_pick(x, idx))


def test_fluent_methods():
    x = mx.nd.array(_data((3, 4), "float32"))
    i = mx.nd.array([2, 0, 1])
    np.testing.assert_array_equal(x.take(i).asnumpy(), ref_take(x.asnumpy(), i.asnumpy()))
    np.testing.assert_array_equal(x.pick(i, axis=1).asnumpy(), ref_pick(x.asnumpy(), i.asnumpy(), axis=1))
    assert i.one_hot(3).shape == (3, 3)


# -- backward ---------------------------------------------------------------------------------------

GRAD = [
    ("take_repeat_clip", "take", (4, 3), _f32([[1, 1], [-2, 9], [1, 0]]), {}),
    ("take_axis1_wrap", "take", (2, 3, 2), _f32([4, -1, 0, 2]), {"axis": 1, "mode": "wrap"}),
    ("take_axis_last", "take", (3, 4), _f32([3, 3, 0]), {"axis": -1}),
    ("pick_last", "pick", (3, 4), _f32([0, 5, -1]), {}),
    ("pick_last_keepdims_wrap", "pick", (3, 4), _f32([1, 6, -2]), {"keepdims": True, "mode": "wrap"}),
    ("pick_axis0_keepdims", "pick", (3, 4), _f32([0, 1, 2, 1]), {"axis": 0, "keepdims": True}),
    ("pick_3d_wrap", "pick", (2, 3, 4), _f32([[0, 4, 2, -1], [2, 2, 1, 0]]), {"axis": 1, "mode": "wrap"}),
    ("gather_nd_repeat", "gather_nd", (2, 3), _f32([[1, 1, 0, -1], [2, 2, 0, 1]]), {}),
    ("gather_nd_slices", "gather_nd", (3, 2, 2), _f32([[0, 2, 0]]), {}),
    ("scatter_nd", "scatter_nd", (3, 2), _f32([[1, 0, 2]]), {"shape": (3, 2)}),
    ("scatter_nd_elems", "scatter_nd", (3,), _f32([[1, 0, 1], [2, 2, 0]]), {"shape": (2, 3)}),
]


@pytest.mark.parametrize("case", GRAD, ids=[c[0] for c in GRAD])
def test_grad(case):
    _, op, shape, idx, kwargs = case
    grads = check_grad(op, [_data(shape, "float64"), idx], kwargs, wrt=[0])
    assert grads[0].shape == shape


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32"])
@pytest.mark.parametrize("op,kwargs", [("take", {}), ("gather_nd", {})])
def test_backward_accumulates_repeats(op, kwargs, dtype):
    """Repeated indices add their head gradients (a scatter-add), in the data's dtype."""
    o = get_op(op)
    x = np.zeros((3, 2), dtype=dtype)
    idx = _f32([0, 2, 0, 0]) if op == "take" else _f32([[0, 2, 0, 0]])
    env = OpEnv(np, True, mx.cpu())
    attrs = o.parse(kwargs)
    head = np.ones((4, 2), dtype=dtype)
    gx, gi = o.backward(env, attrs, [x, idx], list(o.forward(env, attrs, [x, idx], [])), [head], [True, False])
    np.testing.assert_array_equal(gx, [[3, 3], [0, 0], [1, 1]])
    assert gx.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(gi, np.zeros_like(idx))


# -- golden fixtures (real MXNet 1.9.1) ------------------------------------------------------------


FIXTURE_CASES = [c for c in fixture_cases()[0] if c["op"] in ("take", "pick", "one_hot")]


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=[c["id"] for c in FIXTURE_CASES])
def test_mxnet_fixture(case):
    """Forward through mx.nd, backward through the registry rule with MXNet's head gradients;
    values within the stored tolerance, dtypes exact."""
    check_fixture_case(case)
    npz = fixture_cases()[1]
    for key, got in run_fixture_case(case).items():
        assert got.dtype == npz[key].dtype, key


# -- shape inference --------------------------------------------------------------------------------


def test_pick_infers_index_shape():
    op = get_op("pick")
    ins, outs, _ = op.infer_shapes(op.parse({}), [(3, 4), None])
    assert ins == [(3, 4), (3,)] and outs == [(3,)]
    ins, outs, _ = op.infer_shapes(op.parse({"axis": 0, "keepdims": True}), [(3, 4), None])
    assert ins == [(3, 4), (4,)] and outs == [(1, 4)]


def test_scatter_nd_infers_data_shape():
    op = get_op("scatter_nd")
    ins, outs, _ = op.infer_shapes(op.parse({"shape": (2, 3, 5)}), [None, (2, 4)])
    assert ins == [(4, 5), (2, 4)] and outs == [(2, 3, 5)]


def test_infer_types():
    take = get_op("take")
    assert take.infer_types(take.parse({}), [np.dtype("float16"), np.dtype("float32")]) == [np.float16]
    assert get_op("one_hot").infer_types(get_op("one_hot").parse({"depth": 2, "dtype": "int64"}),
                                         [np.dtype("float32")]) == [np.int64]


# -- errors -----------------------------------------------------------------------------------------

ERRORS = [
    ("take_axis", "take", [(5, 3), [0]], {"axis": 2}, "axis 2"),
    ("take_axis_neg", "take", [(5, 3), [0]], {"axis": -3}, "axis -3"),
    ("take_raise", "take", [(5, 3), [1, 5]], {"mode": "raise"}, "out of bounds"),
    ("take_raise_negative", "take", [(5, 3), [1, -1]], {"mode": "raise"}, "out of bounds"),
    ("take_bad_mode", "take", [(5, 3), [0]], {"mode": "nope"}, "mode"),
    ("pick_axis_none", "pick", [(3, 4), [0, 1, 2]], {"axis": None}, "axis=None"),
    ("pick_axis", "pick", [(3, 4), [0, 1, 2]], {"axis": 2}, "axis 2"),
    ("pick_index_shape", "pick", [(3, 4), [0, 1]], {}, "index shape"),
    ("pick_index_shape_kd", "pick", [(3, 4), [[0, 1, 2]]], {}, "index shape"),
    ("pick_raise_mode", "pick", [(3, 4), [0, 1, 2]], {"mode": "raise"}, "mode"),
    ("one_hot_depth", "one_hot", [[0, 1]], {"depth": -1}, "depth"),
    ("one_hot_no_depth", "one_hot", [[0, 1]], {}, "depth"),
    ("one_hot_bfloat16", "one_hot", [[0, 1]], {"depth": 2, "dtype": "bfloat16"}, "dtype"),
    ("gather_nd_1d_index", "gather_nd", [(2, 3), [1, 0]], {}, "at least 2 dimensions"),
    ("gather_nd_too_many", "gather_nd", [(2, 3), [[1], [0], [0]]], {}, "exceeds data dimension"),
    ("gather_nd_oob", "gather_nd", [(2, 3), [[2], [0]]], {}, "index 2 is out of bounds for axis 0"),
    ("gather_nd_oob_float", "gather_nd", [(2, 3), [[1.7], [0]]], {}, "index 1.7 is out of bounds"),
    ("gather_nd_oob_neg", "gather_nd", [(2, 3), [[0], [-4]]], {}, "index -4 is out of bounds for axis 1"),
    ("scatter_nd_shape", "scatter_nd", [(3,), [[1, 0], [0, 1]]], {"shape": (2, 3)}, "Invalid data"),
    ("scatter_nd_too_many", "scatter_nd", [(1,), [[1], [0], [0]]], {"shape": (2, 3)}, "exceeds output"),
    ("scatter_nd_1d_index", "scatter_nd", [(1,), [1, 0]], {"shape": (2, 3)}, "at least 2 dimensions"),
    ("scatter_nd_oob", "scatter_nd", [(2,), [[1, 2], [0, 1]]], {"shape": (2, 3)}, "out of bounds"),
    ("scatter_nd_no_shape", "scatter_nd", [(2,), [[1, 0], [0, 1]]], {}, "shape"),
    ("batch_take_float_index", "batch_take", [(3, 4), [0, 1, 2]], {}, "int32"),
    ("batch_take_size", "batch_take", [(3, 4), np.array([0, 1], np.int32)], {}, "size"),
    ("batch_take_1d", "batch_take", [(3,), np.array([0], np.int32)], {}, "at least 2 dimensions"),
]


@pytest.mark.parametrize("case", ERRORS, ids=[c[0] for c in ERRORS])
def test_errors(case):
    _, op, ins, kwargs, match = case
    arrays = [(_data(x, "float32") if isinstance(x, tuple) else
               (x if isinstance(x, np.ndarray) else _f32(x))) for x in ins]
    with pytest.raises(mx.MXNetError, match=match):
        run_nd(op, arrays, **kwargs)


def test_gather_nd_out_of_bounds_is_index_error():
    # MXNet raises IndexError here; neomx's error is both an IndexError and an MXNetError.
    with pytest.raises(IndexError, match="out of bounds"):
        run_nd("gather_nd", [_data((2, 3), "float32"), _f32([[-3], [0]])])
    assert issubclass(IndexOutOfBoundsError, mx.MXNetError)
