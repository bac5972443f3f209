"""topk, sort, argsort: forward vs NumPy references, MXNet's tie order, backward vs finite
differences, MXNet 1.9.1 golden fixtures, output arity and errors."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd, fixture_cases, check_fixture_case, run_fixture_case

DTYPES = ["float32", "float64", "float16", "int32", "uint8"]


def _data(shape, dtype, seed=0, ties=False):
    rng = np.random.RandomState(seed)
    if ties:
        return rng.randint(0, 4, shape).astype(dtype)
    if np.dtype(dtype).kind in "iu":
        return rng.permutation(np.prod(shape)).reshape(shape).astype(dtype)
    return rng.uniform(-3, 3, shape).astype(dtype)


# -- NumPy references ----------------------------------------------------------------------------


def ref_order(x, axis, is_ascend):
    """Stable sort permutation along ``axis`` (None: flattened), equal values in index order."""
    if axis is None:
        x = x.reshape(-1)
        axis = 0
    key = x.astype(np.float64)
    return np.argsort(key if is_ascend else -key, axis=axis, kind="stable"), x, axis


def ref_topk(x, axis=-1, k=1, ret_typ="indices", is_ascend=False, dtype="float32"):
    order, flat, ax = ref_order(x, axis, is_ascend)
    n = flat.shape[ax]
    k = n if k <= 0 else k
    sel = np.take(order, np.arange(k), axis=ax)
    values = np.take_along_axis(flat, sel, axis=ax)
    if ret_typ == "mask":
        mask = np.zeros(flat.shape, dtype=x.dtype)
        np.put_along_axis(mask, sel, 1, axis=ax)
        return mask.reshape(x.shape)
    if ret_typ == "indices":
        return sel.astype(dtype)
    if ret_typ == "value":
        return values
    return [values, sel.astype(dtype)]


def ref_sort(x, axis=-1, is_ascend=True):
    order, flat, ax = ref_order(x, axis, is_ascend)
    return np.take_along_axis(flat, order, axis=ax)


def ref_argsort(x, axis=-1, is_ascend=True, dtype="float32"):
    return ref_order(x, axis, is_ascend)[0].astype(dtype)


REFS = {"topk": ref_topk, "sort": ref_sort, "argsort": ref_argsort}

# -- forward ----------------------------------------------------------------------------------------

# (op, shape, kwargs)
FORWARD = [
    ("topk", (3, 5), {}),
    ("topk", (3, 5), {"k": 2, "ret_typ": "value"}),
    ("topk", (4, 3), {"k": 3, "ret_typ": "both", "is_ascend": True, "axis": 0}),
    ("topk", (3, 5), {"k": 2, "ret_typ": "mask"}),
    ("topk", (2, 3, 4), {"k": 2, "ret_typ": "both", "axis": 1, "dtype": "int32"}),
    ("topk", (2, 3, 4), {"k": 0, "ret_typ": "both", "axis": -1, "dtype": "int64"}),
    ("topk", (3, 4), {"k": 5, "axis": None, "ret_typ": "both", "dtype": "float64"}),
    ("topk", (3, 4), {"k": 3, "axis": None, "ret_typ": "mask"}),
    ("topk", (3, 4), {"k": -1, "axis": None, "is_ascend": True}),
    ("topk", (6,), {"k": 4, "ret_typ": "indices", "dtype": "uint8"}),
    ("topk", (2, 5), {"k": 3, "ret_typ": "indices", "dtype": "float16", "is_ascend": True}),
    # k * 8 <= n: the partition path (no full sort) must give the same order, ties included
    ("topk", (4, 40), {"k": 3, "ret_typ": "both"}),
    ("topk", (4, 40), {"k": 2, "is_ascend": True, "ret_typ": "mask"}),
    ("topk", (40, 3), {"k": 4, "axis": 0, "ret_typ": "value", "is_ascend": True}),
    ("sort", (3, 5), {}),
    ("sort", (3, 5), {"axis": 0, "is_ascend": False}),
    ("sort", (2, 3, 4), {"axis": 1}),
    ("sort", (3, 4), {"axis": None, "is_ascend": False}),
    ("argsort", (3, 5), {}),
    ("argsort", (3, 5), {"axis": 0, "is_ascend": False, "dtype": "int32"}),
    ("argsort", (2, 3, 4), {"axis": -2, "dtype": "int64"}),
    ("argsort", (3, 4), {"axis": None, "dtype": "float64"}),
]


def _id(case):
    return case[0] + "-" + "-".join("{}={}".format(k, v) for k, v in case[2].items())


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", FORWARD, ids=[_id(c) for c in FORWARD])
def test_forward(case, dtype, ties):
    op, shape, kwargs = case
    x = _data(shape, dtype, ties=ties)
    got = check_forward(op, [x], kwargs, lambda a: REFS[op](a, **kwargs), rtol=0, atol=0)
    value_out = op == "sort" or kwargs.get("ret_typ") in ("value", "both", "mask")
    assert got[0].dtype == (np.dtype(dtype) if value_out else np.dtype(kwargs.get("dtype", "float32")))


# Results of real MXNet 1.9.1 (CPU) on rows with ties: equal values keep their index order.
MXNET_TIES = [
    ("topk", {"k": 2}, [[0, 2], [1, 2]]),
    ("topk", {"k": 2, "is_ascend": True}, [[1, 3], [0, 3]]),
    ("topk", {"k": 3, "axis": None, "ret_typ": "value"}, [5, 5, 3]),
    ("topk", {"k": 3, "axis": None}, [5, 6, 0]),
    ("topk", {"axis": 0}, [[0, 1, 1, 1]]),
    ("argsort", {}, [[1, 3, 2, 0], [0, 3, 1, 2]]),
    ("argsort", {"is_ascend": False}, [[0, 2, 1, 3], [1, 2, 3, 0]]),
    ("argsort", {"axis": None}, [4, 1, 3, 2, 7, 0, 5, 6]),
    ("sort", {"axis": 0, "is_ascend": False}, [[3, 5, 5, 2], [0, 1, 2, 1]]),
]


@pytest.mark.parametrize("dtype", ["float32", "int32", "uint8"])
@pytest.mark.parametrize("op,kwargs,expected", MXNET_TIES)
def test_tie_order_matches_mxnet(op, kwargs, expected, dtype):
    x = np.array([[3, 1, 2, 1], [0, 5, 5, 2]], dtype=dtype)
    check_forward(op, [x], kwargs, np.array(expected), rtol=0, atol=0)


def test_signed_zero_and_extremes():
    check_forward("topk", [np.array([-0.0, 0.0, 0.0, -0.0], np.float32)], {"k": 4, "ret_typ": "indices"},
                  np.array([0, 1, 2, 3], np.float32), rtol=0, atol=0)
    x = np.array([np.iinfo(np.int32).min, 0, np.iinfo(np.int32).max, np.iinfo(np.int32).min], np.int32)
    check_forward("argsort", [x], {"is_ascend": False, "dtype": "int32"}, np.array([2, 1, 0, 3]), rtol=0, atol=0)
    check_forward("sort", [np.array([1, np.nan, 0, -np.inf], np.float32)], {},
                  np.array([-np.inf, 0, 1, np.nan], np.float32), rtol=0, atol=0)


def test_fluent_methods():
    x = mx.nd.array(_data((3, 4), "float32"))
    a = x.asnumpy()
    np.testing.assert_array_equal(x.sort(axis=0).asnumpy(), ref_sort(a, axis=0))
    np.testing.assert_array_equal(x.argsort().asnumpy(), ref_argsort(a))
    vals, idx = x.topk(k=2, ret_typ="both")
    np.testing.assert_array_equal(vals.asnumpy(), ref_topk(a, k=2, ret_typ="value"))
    np.testing.assert_array_equal(idx.asnumpy(), ref_topk(a, k=2))


# -- outputs ----------------------------------------------------------------------------------------

ARITY = [
    ("topk", {}, ["output"], 1, [(2, 1)], ["float32"]),
    ("topk", {"ret_typ": "mask"}, ["output"], 1, [(2, 3)], ["float64"]),
    ("topk", {"ret_typ": "value"}, ["output0", "output1"], 1, [(2, 1), (2, 1)], ["float64", "int64"]),
    ("topk", {"ret_typ": "both", "dtype": "int32"}, ["output0", "output1"], 2, [(2, 1), (2, 1)], ["float64", "int32"]),
    ("sort", {}, ["output0", "output1"], 1, [(2, 3), (2, 3)], ["float64", "int64"]),
    ("argsort", {}, ["output"], 1, [(2, 3)], ["float32"]),
]


@pytest.mark.parametrize("op,kwargs,names,n_vis,shapes,dtypes", ARITY)
def test_outputs(op, kwargs, names, n_vis, shapes, dtypes):
    """As in MXNet: topk value/sort keep a hidden index output (list_outputs shows 'output0')."""
    o = get_op(op)
    attrs = o.parse(kwargs)
    assert o.output_names(attrs) == names
    assert o.num_visible_outputs(attrs) == n_vis
    assert o.infer_shapes(attrs, [(2, 3)])[1] == shapes
    assert o.infer_types(attrs, [np.dtype("float64")]) == [np.dtype(d) for d in dtypes]
    out = getattr(mx.nd, op)(mx.nd.ones((2, 3), dtype="float64"), **kwargs)
    assert len(out) == 2 if n_vis == 2 else isinstance(out, mx.nd.NDArray)


# -- backward ---------------------------------------------------------------------------------------

GRAD = [
    ("topk", (3, 5), {"k": 2, "ret_typ": "value"}),
    ("topk", (4, 3), {"k": 3, "ret_typ": "both", "is_ascend": True, "axis": 0}),
    ("topk", (2, 3, 4), {"k": 2, "ret_typ": "value", "axis": 1}),
    ("topk", (3, 4), {"k": 5, "ret_typ": "value", "axis": None}),
    ("topk", (3, 4), {"k": 0, "ret_typ": "both", "dtype": "int32"}),
    ("topk", (3, 24), {"k": 2, "ret_typ": "value"}),
    ("sort", (3, 5), {"axis": -1}),
    ("sort", (3, 5), {"axis": 0, "is_ascend": False}),
    ("sort", (2, 3, 2), {"axis": None}),
]


@pytest.mark.parametrize("case", GRAD, ids=[_id(c) for c in GRAD])
def test_grad(case):
    op, shape, kwargs = case
    check_grad(op, [_data(shape, "float64")], kwargs, wrt=[0])


def _backward(op, kwargs, x, heads, keep_hidden=True):
    o = get_op(op)
    attrs = o.parse(kwargs)
    env = OpEnv(np, True, mx.cpu())
    outs = list(o.forward(env, attrs, [x], []))
    n = len(outs) if keep_hidden else o.num_visible_outputs(attrs)
    if o.backward is None:
        return np.zeros_like(x)
    return o.backward(env, attrs, [x], outs[:n], heads, [True])[0]


@pytest.mark.parametrize("dtype", ["float32", "float16", "int32"])
@pytest.mark.parametrize("op,kwargs", [("sort", {"axis": 0, "is_ascend": False}),
                                        ("topk", {"k": 2, "ret_typ": "value"}),
                                        ("topk", {"k": 3, "ret_typ": "both", "axis": None})])
def test_backward_scatters_head_gradient(op, kwargs, dtype):
    """The head gradient lands on the selected positions (ties included), with or without the
    hidden index output (autograd keeps only visible outputs)."""
    x = _data((3, 4), dtype, ties=True)
    o = get_op(op)
    out_shape = o.infer_shapes(o.parse(kwargs), [x.shape])[1][0]
    head = np.arange(1, np.prod(out_shape) + 1).reshape(out_shape).astype(dtype)
    order, _, ax = ref_order(x, kwargs.get("axis", -1), kwargs.get("is_ascend", op == "sort"))
    k = kwargs.get("k", x.size)
    want = np.zeros(x.size if kwargs.get("axis", -1) is None else x.shape, dtype=dtype)
    np.put_along_axis(want, np.take(order, np.arange(min(k, order.shape[ax])), axis=ax), head, axis=ax)
    want = want.reshape(x.shape)
    heads = [head, np.zeros(out_shape)]
    for keep in (True, False):
        got = _backward(op, kwargs, x, heads, keep_hidden=keep)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("op,kwargs", [("topk", {"k": 2}), ("topk", {"k": 2, "ret_typ": "mask"}), ("argsort", {})])
def test_index_outputs_have_zero_gradient(op, kwargs):
    x = _data((3, 5), "float32")
    o = get_op(op)
    shape = o.infer_shapes(o.parse(kwargs), [x.shape])[1][0]
    np.testing.assert_array_equal(_backward(op, kwargs, x, [np.ones(shape, np.float32)]), np.zeros_like(x))


# -- golden fixtures (real MXNet 1.9.1) ------------------------------------------------------------


FIXTURE_CASES = [c for c in fixture_cases()[0] if c["op"] in ("topk", "sort", "argsort")]


@pytest.mark.parametrize("case", FIXTURE_CASES, ids=[c["id"] for c in FIXTURE_CASES])
def test_mxnet_fixture(case):
    """Forward through mx.nd, backward through the registry rule with MXNet's head gradients;
    values within the stored tolerance, dtypes exact."""
    check_fixture_case(case)
    npz = fixture_cases()[1]
    for key, got in run_fixture_case(case).items():
        assert got.dtype == npz[key].dtype, key


# -- errors -----------------------------------------------------------------------------------------

ERRORS = [
    ("topk", {"axis": 2}, "Invalid axis"),
    ("topk", {"axis": -3}, "found axis=-1"),
    ("topk", {"k": 6}, "k must be"),
    ("topk", {"k": 16, "axis": None}, "k must be"),
    ("topk", {"ret_typ": "values"}, "ret_typ"),
    ("topk", {"dtype": "int8"}, "dtype"),
    ("sort", {"axis": 2}, "Invalid axis"),
    ("sort", {"is_ascend": "maybe"}, "is_ascend"),
    ("argsort", {"axis": -3}, "Invalid axis"),
    ("argsort", {"dtype": "bool"}, "dtype"),
    ("argsort", {"k": 1}, "unknown parameter"),
]


@pytest.mark.parametrize("op,kwargs,match", ERRORS)
def test_errors(op, kwargs, match):
    with pytest.raises(mx.MXNetError, match=match):
        run_nd(op, [_data((3, 5), "float32")], **kwargs)
