"""Shape operators (ops/shape_ops.py): Reshape with MXNet's special values, Flatten, expand_dims,
transpose; against NumPy, finite differences, MXNet 1.9.1's checks and the golden fixtures."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from mxnet.ops.shape_ops import infer_reshape
from tests.ops.harness import check_forward, check_grad, run_nd, fixture_cases

DTYPES = ("float32", "float64", "int32")


def _inputs(shapes, dtype, seed=0):
    rng = np.random.RandomState(seed)
    if np.dtype(dtype).kind == "f":
        return [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    return [rng.randint(-5, 6, s).astype(dtype) for s in shapes]


# (input shape, Reshape kwargs, output shape): every row checked with real MXNet 1.9.1
RESHAPE = [
    ((2, 3, 4, 5), dict(shape=(0, -1)), (2, 60)),
    ((2, 3, 4, 5), dict(shape=(-1,)), (120,)),
    ((2, 3, 4, 5), dict(shape=(0, 0, -2)), (2, 3, 4, 5)),
    ((2, 3, 4, 5), dict(shape=(-3, -2)), (6, 4, 5)),
    ((2, 3, 4, 5), dict(shape=(0, -3, 0)), (2, 12, 5)),
    ((2, 3, 4, 5), dict(shape=(0, -4, 1, 3, 0, 0)), (2, 1, 3, 4, 5)),
    ((2, 3, 4, 5), dict(shape=(-4, -1, 1, -2)), (2, 1, 3, 4, 5)),
    ((2, 3, 4, 5), dict(shape=(-4, 1, -1, -2)), (1, 2, 3, 4, 5)),
    ((2, 3, 4, 5), dict(shape=(4, 30)), (4, 30)),
    ((2, 3, 4), dict(shape=(6, 1, -1)), (6, 1, 4)),
    ((2, 3, 4), dict(shape=(1, -1, 0)), (1, 6, 4)),
    ((2, 3, 4), dict(shape=(0, -1, -2)), (2, 3, 4)),
    ((2, 3, 4), dict(shape=(-3, 0)), (6, 4)),
    ((2, 3, 4), dict(shape=(0, -3)), (2, 12)),
    ((3, 4, 8), dict(shape=(0, 0, -4, 2, -1)), (3, 4, 2, 4)),
    ((3, 4, 8), dict(shape=(0, 0, -4, -1, 2)), (3, 4, 4, 2)),
    ((10, 5, 4), dict(shape=(-1, 0), reverse=True), (50, 4)),
    ((2, 3, 4, 5), dict(shape=(-1, 0), reverse=True), (24, 5)),
    ((2, 3, 4, 5), dict(shape=(0, -3, -1), reverse=True), (2, 12, 5)),
    ((2, 3, 4, 5), dict(shape=(-2, -3), reverse=True), (2, 3, 20)),
    ((2, 3, 4), dict(shape=(-3, 0), reverse=True), (6, 4)),
    ((2, 3, 4), dict(shape=(6, 1, -1), reverse=True), (6, 1, 4)),
    ((2, 3, 4), dict(shape=(-2, -1), reverse=True), (2, 3, 4)),
    ((2, 3, 4), dict(shape="(0, -1)"), (2, 12)),                            # symbol-JSON string
    ((2, 3, 4), dict(target_shape=(0, 12)), (2, 12)),                       # deprecated form
    ((2, 3, 4), dict(target_shape=(4, 0), keep_highest=True), (2, 12)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,kwargs,out", RESHAPE, ids=lambda v: str(v))
def test_reshape(shape, kwargs, out, dtype):
    got = check_forward("Reshape", _inputs([shape], dtype), kwargs, lambda x: x.reshape(out), rtol=0, atol=0)
    assert got[0].dtype == np.dtype(dtype)


def test_reshape_alias_and_method():
    x = mx.nd.array(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    assert mx.nd.reshape(x, shape=(-3, 0)).shape == (6, 4)
    assert x.reshape((0, -1)).shape == (2, 12) and x.reshape(-1, 0, reverse=True).shape == (6, 4)
    assert infer_reshape((2, 3, 4, 5), (-4, -1, 1, -2)) == (2, 1, 3, 4, 5)
    assert get_op("reshape") is get_op("Reshape")
    assert [p.name for p in get_op("Reshape").params] == ["shape", "reverse", "target_shape", "keep_highest"]


# (op, input shape, kwargs, reference)
OTHERS = [
    ("Flatten", (2, 3, 4), {}, lambda x: x.reshape(2, 12)),
    ("flatten", (5,), {}, lambda x: x.reshape(5, 1)),
    ("Flatten", (2, 3), {}, lambda x: x),
    ("Flatten", (2, 1, 1, 3), {}, lambda x: x.reshape(2, 3)),
    ("expand_dims", (2, 3), dict(axis=0), lambda x: x[None]),
    ("expand_dims", (2, 3), dict(axis=2), lambda x: x[:, :, None]),
    ("expand_dims", (2, 3), dict(axis=-1), lambda x: x[:, :, None]),
    ("expand_dims", (2, 3), dict(axis=-3), lambda x: x[None]),
    ("transpose", (2, 3, 4), {}, lambda x: x.transpose()),
    ("transpose", (2, 3, 4), dict(axes=(1, 2, 0)), lambda x: x.transpose(1, 2, 0)),
    ("transpose", (2, 3, 4), dict(axes=(0, 2, 1)), lambda x: x.transpose(0, 2, 1)),
    ("transpose", (2, 3, 4, 5), dict(axes=(3, 0, 2, 1)), lambda x: x.transpose(3, 0, 2, 1)),
    ("transpose", (5,), {}, lambda x: x),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op,shape,kwargs,ref", OTHERS, ids=lambda v: str(v))
def test_forward(op, shape, kwargs, ref, dtype):
    got = check_forward(op, _inputs([shape], dtype), kwargs, ref, rtol=0, atol=0)
    assert got[0].dtype == np.dtype(dtype)


GRAD = [
    ("Reshape", (2, 3, 4), dict(shape=(0, -4, 1, 3, -1))),
    ("Reshape", (10, 5, 4), dict(shape=(-1, 0), reverse=True)),
    ("Flatten", (2, 3, 4), {}),
    ("expand_dims", (2, 3), dict(axis=-2)),
    ("transpose", (2, 3, 4), {}),
    ("transpose", (2, 3, 4), dict(axes=(1, 2, 0))),
]


@pytest.mark.parametrize("op,shape,kwargs", GRAD, ids=lambda v: str(v))
def test_grad(op, shape, kwargs):
    check_grad(op, _inputs([shape], "float64", seed=2), kwargs)


# MXNet 1.9.1 refuses these (Reshape's size mismatches it does not check imperatively and returns
# garbage or corrupts memory; neomx refuses them too).
ERRORS = [
    ("Reshape", (2, 3, 4), dict(shape=(-1, -1))),
    ("Reshape", (2, 3, 4), dict(shape=(0, 0, 0, 0))),
    ("Reshape", (2, 3, 4), dict(shape=(-4, -1, -1, 3, 4))),
    ("Reshape", (2, 3, 4), dict(shape=(-4, 1, 1, 3, 4))),
    ("Reshape", (2, 3, 4), dict(shape=(-5,))),
    ("Reshape", (2, 3, 4), dict(shape=(5, 5))),
    ("Reshape", (2, 3, 4), dict(shape=(5, -1))),
    ("Reshape", (2, 3, 4), dict(shape=(-3, -3))),
    ("Reshape", (2, 3, 4), {}),
    ("Reshape", (2, 3, 4), dict(shape=(0, 0, 0), bogus=1)),
    ("expand_dims", (2, 3), dict(axis=3)),
    ("expand_dims", (2, 3), dict(axis=-4)),
    ("expand_dims", (2, 3), {}),
    ("transpose", (2, 3, 4), dict(axes=(1, 0))),
    ("transpose", (2, 3, 4), dict(axes=(0, 0, 1))),
    ("transpose", (2, 3, 4), dict(axes=(1, -1, 0))),      # MXNet 1.x: no negative axes
    ("transpose", (2, 3, 4), dict(axes=(0, 1, 3))),
]


@pytest.mark.parametrize("op,shape,kwargs", ERRORS, ids=lambda v: str(v))
def test_errors(op, shape, kwargs):
    with pytest.raises(mx.MXNetError) as e:
        run_nd(op, _inputs([shape], "float32"), **kwargs)
    assert op in str(e.value) or get_op(op).name in str(e.value)


FIXTURE_OPS = {"Reshape", "Flatten", "expand_dims", "transpose"}


@pytest.mark.parametrize("case", [c for c in fixture_cases()[0] if c["op"] in FIXTURE_OPS],
                         ids=lambda c: c["id"])
def test_fixture(case):
    npz = fixture_cases()[1]
    op = get_op(case["op"])
    assert op.name == case["op_in_symbol_json"]
    attrs = op.parse(case["kwargs"])
    assert ["{}_{}".format(case["node_name"], n) for n in op.output_names(attrs)] == case["list_outputs"]
    xs = [npz[i["key"]] for i in case["inputs"]]
    outs = run_nd(case["op"], xs, **case["kwargs"])
    for o, e in zip(outs, case["outputs"]):
        np.testing.assert_array_equal(o, npz[e["key"]], err_msg=case["id"])
    env = OpEnv(np, case["is_train"], mx.cpu())
    heads = [npz[h["key"]] for h in case["backward"]["head_grads"]]
    grads = op.backward(env, attrs, xs, op.forward(env, attrs, xs, []), heads, [True] * len(xs))
    for g, e in zip(grads, case["backward"]["grads"]):
        np.testing.assert_array_equal(np.asarray(g), npz[e["key"]], err_msg=case["id"])
