"""Array manipulation operators (ops/array_ops.py) against NumPy references, finite differences,
MXNet 1.9.1's checks, and the golden fixtures made by real MXNet."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from tests.ops.harness import check_forward, check_grad, run_nd, fixture_cases

N = None
ALL = ("float32", "float64", "int32")
FLOAT = ("float32", "float64")


def _inputs(shapes, dtype, seed=0):
    rng = np.random.RandomState(seed)
    if np.dtype(dtype).kind == "f":
        return [rng.uniform(-1, 1, s).astype(dtype) for s in shapes]
    return [rng.randint(-5, 6, s).astype(dtype) for s in shapes]


def _np_d2s(x, b):
    n, c, h, w = x.shape
    c2 = c // (b * b)
    out = np.empty((n, c2, h * b, w * b), x.dtype)
    for i in range(b):
        for j in range(b):
            out[:, :, i::b, j::b] = x[:, (i * b + j) * c2:(i * b + j + 1) * c2]
    return out


def _np_s2d(x, b):
    n, c, h, w = x.shape
    out = np.empty((n, c * b * b, h // b, w // b), x.dtype)
    for i in range(b):
        for j in range(b):
            out[:, (i * b + j) * c:(i * b + j + 1) * c] = x[:, :, i::b, j::b]
    return out


def _np_diag_nd(x, k, a1, a2):
    return np.diagonal(x, k, a1, a2).copy()


# (op, input shapes, kwargs, reference(*inputs) -> output or list of outputs, dtypes)
FORWARD = [
    ("swapaxes", [(2, 3, 4)], dict(dim1=0, dim2=2), lambda x: np.swapaxes(x, 0, 2), ALL),
    ("SwapAxis", [(2, 3, 4)], dict(dim1=-1, dim2=1), lambda x: np.swapaxes(x, 2, 1), ALL),
    ("swapaxes", [(2, 3)], {}, lambda x: x, ALL),
    ("flip", [(2, 3, 4)], dict(axis=1), lambda x: x[:, ::-1], ALL),
    ("reverse", [(2, 3, 4)], dict(axis=(0, 2)), lambda x: x[::-1, :, ::-1], ALL),
    ("flip", [(2, 3, 4)], dict(axis=(0, 0, 1)), lambda x: x[:, ::-1], ALL),   # listed twice: flipped twice
    ("flip", [(2, 3, 4)], dict(axis=()), lambda x: x, ALL),
    ("tile", [(2, 3)], dict(reps=(2, 1, 2)), lambda x: np.tile(x, (2, 1, 2)), ALL),
    ("tile", [(2, 3)], dict(reps=(3,)), lambda x: np.tile(x, 3), ALL),
    ("tile", [(2, 3, 4)], dict(reps=(2, 3)), lambda x: np.tile(x, (2, 3)), ALL),
    ("tile", [(2, 3)], dict(reps=()), lambda x: x, ALL),
    ("repeat", [(2, 3)], dict(repeats=2), lambda x: np.repeat(x, 2), ALL),
    ("repeat", [(2, 3)], dict(repeats=3, axis=-1), lambda x: np.repeat(x, 3, axis=1), ALL),
    ("repeat", [(2, 3, 2)], dict(repeats=2, axis=0), lambda x: np.repeat(x, 2, axis=0), ALL),
    ("repeat", [(2, 3)], dict(repeats=0, axis=0), lambda x: np.zeros((0,), x.dtype), ALL),  # MXNet: (0,)
    ("pad", [(1, 2, 3, 4)], dict(mode="constant", pad_width=(0, 0, 0, 0, 1, 2, 2, 1), constant_value=0.5),
     lambda x: np.pad(x, ((0, 0), (0, 0), (1, 2), (2, 1)), constant_values=0.5), FLOAT),
    ("Pad", [(1, 2, 3, 4)], dict(mode="constant", pad_width=(0, 0, 0, 0, 1, 0, 0, 3)),
     lambda x: np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 3))), FLOAT),
    ("pad", [(2, 1, 3, 4)], dict(mode="edge", pad_width=(0, 0, 0, 0, 4, 1, 2, 5)),
     lambda x: np.pad(x, ((0, 0), (0, 0), (4, 1), (2, 5)), mode="edge"), FLOAT),
    ("pad", [(1, 2, 3, 4)], dict(mode="reflect", pad_width=(0, 0, 0, 0, 2, 1, 3, 2)),
     lambda x: np.pad(x, ((0, 0), (0, 0), (2, 1), (3, 2)), mode="reflect"), FLOAT),
    ("pad", [(1, 2, 2, 3, 4)], dict(mode="reflect", pad_width=(0, 0, 0, 0, 1, 1, 2, 0, 3, 3)),
     lambda x: np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 0), (3, 3)), mode="reflect"), FLOAT),
    ("pad", [(1, 2, 2, 3, 4)], dict(mode="edge", pad_width=(0, 0, 0, 0, 1, 1, 2, 0, 3, 3)),
     lambda x: np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 0), (3, 3)), mode="edge"), FLOAT),
    ("slice", [(3, 4, 5)], dict(begin=(0, 1), end=(2, 3)), lambda x: x[0:2, 1:3], ALL),
    ("slice", [(3, 4, 5)], dict(begin=(N, 3, N), end=(N, 0, N), step=(1, -1, 2)), lambda x: x[:, 3:0:-1, ::2], ALL),
    ("slice", [(3, 4, 5)], dict(begin=(-2,), end=(N,)), lambda x: x[-2:], ALL),
    ("slice", [(3, 4, 5)], dict(begin=(N, N), end=(N, N), step=(-1, -2)), lambda x: x[::-1, ::-2], ALL),
    ("slice", [(3, 4, 5)], dict(begin=(10, 1), end=(N, N), step=(-1, 2)), lambda x: x[10::-1, 1::2], ALL),
    ("slice", [(3, 4, 5)], dict(begin=(-1, -1), end=(-10, -5), step=(-2, -3)), lambda x: x[-1:-10:-2, -1:-5:-3], ALL),
    ("slice", [(3, 4, 5)], dict(begin=(2,), end=(1,)), lambda x: x[2:1], ALL),          # empty, as MXNet
    ("slice", [(3, 4, 5)], dict(begin=(-10,), end=(10,)), lambda x: x, ALL),            # clamped
    ("crop", [(3, 4, 5)], dict(begin=(1,), end=(3,)), lambda x: x[1:3], ALL),
    ("slice", [(3, 4, 5)], dict(begin="(None, 3, None)", end="(None, 0, None)", step="(1, -1, 2)"),
     lambda x: x[:, 3:0:-1, ::2], ("float32",)),                                      # symbol-JSON strings
    ("slice_axis", [(3, 4, 5)], dict(axis=1, begin=1, end=3), lambda x: x[:, 1:3], ALL),
    ("slice_axis", [(3, 4, 5)], dict(axis=-1, begin=-3, end=N), lambda x: x[..., -3:], ALL),
    ("slice_axis", [(3, 4, 5)], dict(axis=0, begin=-2, end=-1), lambda x: x[-2:-1], ALL),
    ("slice_like", [(3, 4, 5), (2, 3, 4)], {}, lambda x, y: x[:2, :3, :4], ALL),
    ("slice_like", [(3, 4, 5), (2, 3, 4)], dict(axes=(0, -1)), lambda x, y: x[:2, :, :4], ALL),
    ("slice_like", [(3, 4, 5), (2, 3)], dict(axes=(1,)), lambda x, y: x[:, :3], ALL),
    ("Concat", [(2, 2, 3), (2, 1, 3), (2, 3, 3)], {}, lambda *xs: np.concatenate(xs, axis=1), ALL),
    ("concat", [(2, 3), (1, 3)], dict(dim=0), lambda *xs: np.concatenate(xs, axis=0), ALL),
    ("concat", [(2, 3), (2, 4)], dict(dim=-1), lambda *xs: np.concatenate(xs, axis=-1), ALL),
    ("concat", [(2, 3)], dict(dim=0), lambda x: x, ALL),
    ("stack", [(2, 3), (2, 3), (2, 3)], dict(axis=1), lambda *xs: np.stack(xs, axis=1), ALL),
    ("stack", [(2, 3), (2, 3)], {}, lambda *xs: np.stack(xs, axis=0), ALL),
    ("stack", [(2, 3), (2, 3)], dict(axis=-1), lambda *xs: np.stack(xs, axis=-1), ALL),
    ("split", [(2, 6, 3)], dict(num_outputs=3), lambda x: np.split(x, 3, axis=1), ALL),
    ("split", [(2, 3, 4)], dict(num_outputs=3, axis=1, squeeze_axis=True),
     lambda x: [x[:, i] for i in range(3)], ALL),
    ("SliceChannel", [(2, 3, 4)], dict(num_outputs=2, axis=-1), lambda x: np.split(x, 2, axis=-1), ALL),
    ("split", [(2, 3, 4)], dict(num_outputs=1, axis=0), lambda x: x, ALL),
    ("split", [(4,)], dict(num_outputs=4, axis=0, squeeze_axis=True),                 # MXNet gives 0-d pieces
     lambda x: [x[i] for i in range(4)], ALL),
    ("squeeze", [(2, 1, 3, 1)], {}, lambda x: x.reshape(2, 3), ALL),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=1), lambda x: x.reshape(2, 3, 1), ALL),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=(1, -1)), lambda x: x.reshape(2, 3), ALL),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=()), lambda x: x, ALL),
    ("squeeze", [(1, 1)], {}, lambda x: x.reshape(1), ALL),                           # never 0-d
    ("squeeze", [(1, 1)], dict(axis=(0, 1)), lambda x: x.reshape(1), ALL),
    ("diag", [(3, 4)], {}, lambda x: np.diag(x), ALL),
    ("diag", [(3, 4)], dict(k=2), lambda x: np.diag(x, 2), ALL),
    ("diag", [(3, 4)], dict(k=-1), lambda x: np.diag(x, -1), ALL),
    ("diag", [(3, 4)], dict(k=4), lambda x: np.zeros((0,), x.dtype), ALL),
    ("diag", [(3,)], {}, lambda x: np.diag(x), ALL),
    ("diag", [(3,)], dict(k=-2), lambda x: np.diag(x, -2), ALL),
    ("diag", [(3,)], dict(k=1, axis1=5), lambda x: np.diag(x, 1), ALL),               # axes ignored for 1-D
    ("diag", [(2, 3, 4)], dict(axis1=-1, axis2=0, k=1), lambda x: _np_diag_nd(x, 1, 2, 0), ALL),
    ("diag", [(2, 3, 4, 5)], dict(axis1=3, axis2=1, k=-2), lambda x: _np_diag_nd(x, -2, 3, 1), ALL),
    ("shape_array", [(2, 3, 4)], {}, lambda x: np.array([2, 3, 4], np.int64), ALL),
    ("size_array", [(2, 3, 4)], {}, lambda x: np.array([24], np.int64), ALL),
    ("reshape_like", [(2, 3, 4), (6, 4)], {}, lambda x, y: x.reshape(6, 4), ALL),
    ("reshape_like", [(2, 3, 4), (5, 6, 4)], dict(lhs_begin=-3, lhs_end=-1, rhs_begin=-2, rhs_end=-1),
     lambda x, y: x.reshape(6, 4), ALL),
    ("reshape_like", [(2, 3, 4), (3, 2, 5)], dict(lhs_begin=0, lhs_end=2, rhs_end=2),
     lambda x, y: x.reshape(3, 2, 4), ALL),
    ("reshape_like", [(2, 3, 4), (2, 12)], dict(lhs_begin=1, rhs_begin=1), lambda x, y: x.reshape(2, 12), ALL),
    ("depth_to_space", [(2, 12, 2, 3)], dict(block_size=2), lambda x: _np_d2s(x, 2), ALL),
    ("depth_to_space", [(1, 18, 1, 2)], dict(block_size=3), lambda x: _np_d2s(x, 3), ALL),
    ("space_to_depth", [(2, 3, 4, 6)], dict(block_size=2), lambda x: _np_s2d(x, 2), ALL),
    ("space_to_depth", [(1, 12, 2, 2)], dict(block_size=1), lambda x: x, ALL),
]


def _id(row):
    return "{}-{}".format(row[0], "-".join("{}={}".format(k, v) for k, v in row[2].items()) or "default")


# Only the dtypes each row supports in MXNet (e.g. Pad refuses integer inputs).
FORWARD_CASES = [(r, d) for r in FORWARD for d in ALL if d in r[4]]


@pytest.mark.parametrize("row,dtype", FORWARD_CASES, ids=["{}-{}".format(_id(r), d) for r, d in FORWARD_CASES])
def test_forward(row, dtype):
    op, shapes, kwargs, ref, dtypes = row
    xs = _inputs(shapes, dtype)
    got = check_forward(op, xs, kwargs, ref, rtol=0, atol=0)   # pure data movement: exact
    want_dtype = np.int64 if op in ("shape_array", "size_array") else np.dtype(dtype)
    assert all(g.dtype == want_dtype for g in got)


def test_oracle_values():
    """Values printed by real MXNet 1.9.1 for the block permutations."""
    x = mx.nd.array(np.arange(48).reshape(1, 12, 2, 2))
    d2s = mx.nd.depth_to_space(x, block_size=2).asnumpy()
    assert d2s.shape == (1, 3, 4, 4)
    assert d2s[0, 0, 0].tolist() == [0, 12, 1, 13] and d2s[0, 0, 1].tolist() == [24, 36, 25, 37]
    s2d = mx.nd.space_to_depth(x, block_size=2).asnumpy()
    assert s2d.shape == (1, 48, 1, 1) and s2d[0, :4, 0, 0].tolist() == [0, 4, 8, 12]
    assert s2d[0, 12:14, 0, 0].tolist() == [1, 5]


# (op, input shapes, kwargs): registry backward vs finite differences
GRAD = [
    ("swapaxes", [(2, 3, 4)], dict(dim1=0, dim2=-1)),
    ("flip", [(2, 3, 4)], dict(axis=(0, 2))),
    ("flip", [(2, 3)], dict(axis=(1, 1))),
    ("tile", [(2, 3)], dict(reps=(2, 1, 2))),
    ("tile", [(2, 3, 2)], dict(reps=(3,))),
    ("tile", [(2, 3)], dict(reps=())),
    ("repeat", [(2, 3)], dict(repeats=3)),
    ("repeat", [(2, 3, 2)], dict(repeats=2, axis=1)),
    ("repeat", [(2, 3)], dict(repeats=0, axis=1)),
    ("pad", [(1, 2, 3, 4)], dict(mode="constant", pad_width=(0, 0, 0, 0, 1, 2, 2, 1), constant_value=3.0)),
    ("pad", [(1, 2, 3, 4)], dict(mode="edge", pad_width=(0, 0, 0, 0, 4, 1, 2, 5))),
    ("pad", [(1, 2, 3, 4)], dict(mode="reflect", pad_width=(0, 0, 0, 0, 2, 1, 3, 2))),
    ("pad", [(1, 1, 2, 3, 4)], dict(mode="reflect", pad_width=(0, 0, 0, 0, 1, 1, 2, 0, 3, 3))),
    ("slice", [(3, 4, 5)], dict(begin=(N, 3, N), end=(N, 0, N), step=(1, -1, 2))),
    ("slice", [(3, 4, 5)], dict(begin=(2,), end=(1,))),
    ("slice_axis", [(3, 4, 5)], dict(axis=-1, begin=1, end=N)),
    ("slice_like", [(3, 4, 5), (2, 3, 4)], dict(axes=(0, 2))),
    ("Concat", [(2, 2, 3), (2, 1, 3), (2, 3, 3)], {}),
    ("concat", [(2, 3), (2, 4)], dict(dim=-1)),
    ("stack", [(2, 3), (2, 3), (2, 3)], dict(axis=1)),
    ("stack", [(2, 3), (2, 3)], dict(axis=-1)),
    ("split", [(2, 6, 3)], dict(num_outputs=3)),
    ("split", [(2, 3, 4)], dict(num_outputs=3, axis=1, squeeze_axis=True)),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=(-1,))),
    ("diag", [(3, 4)], dict(k=1)),
    ("diag", [(4,)], dict(k=-1)),
    ("diag", [(2, 3, 4)], dict(axis1=2, axis2=0, k=-1)),
    ("shape_array", [(2, 3)], {}),
    ("size_array", [(2, 3)], {}),
    ("reshape_like", [(2, 3, 4), (6, 4)], {}),
    ("depth_to_space", [(1, 8, 2, 3)], dict(block_size=2)),
    ("space_to_depth", [(1, 2, 4, 6)], dict(block_size=2)),
]


@pytest.mark.parametrize("op,shapes,kwargs", GRAD, ids=[_id(r) for r in GRAD])
def test_grad(op, shapes, kwargs):
    xs = _inputs(shapes, "float64", seed=1)
    if get_op(op).key_var_num_args:
        kwargs = dict(kwargs, num_args=len(xs))
    grads = check_grad(op, xs, kwargs)
    if op in ("shape_array", "size_array", "slice_like", "reshape_like") and len(xs) > 1:
        assert not np.any(grads[1])          # shape-only input: zero gradient


# (op, input shapes, kwargs, dtype): MXNet 1.9.1 refuses all of these
ERRORS = [
    ("swapaxes", [(2, 3, 4)], dict(dim1=3, dim2=0), "float32"),
    ("swapaxes", [(2, 3, 4)], dict(dim1=0, dim2=-4), "float32"),
    ("flip", [(2, 3, 4)], dict(axis=3), "float32"),
    ("flip", [(2, 3, 4)], dict(axis=-1), "float32"),          # no negative axes in MXNet 1.x reverse
    ("tile", [(2, 3)], dict(reps=(0, 2)), "float32"),
    ("tile", [(2, 3)], dict(reps=(-1, 2)), "float32"),
    ("repeat", [(2, 3)], dict(repeats=-1), "float32"),
    ("repeat", [(2, 3)], dict(repeats=2, axis=2), "float32"),
    ("pad", [(2, 3, 4)], dict(mode="edge", pad_width=(0, 0, 1, 1, 1, 1)), "float32"),
    ("pad", [(1, 2, 3, 4)], dict(mode="constant", pad_width=(0, 0, 0, 0, 1, 1)), "float32"),
    ("pad", [(1, 2, 3, 4)], dict(mode="constant", pad_width=(1, 0, 0, 0, 1, 1, 1, 1)), "float32"),
    ("pad", [(1, 2, 3, 4)], dict(mode="constant", pad_width=(0, 0, 1, 0, 1, 1, 1, 1)), "float32"),
    ("pad", [(1, 2, 3, 4)], dict(mode="reflect", pad_width=(0, 0, 0, 0, 3, 1, 0, 0)), "float32"),
    ("pad", [(1, 2, 3, 4)], dict(mode="reflect", pad_width=(0, 0, 0, 0, 0, 0, 1, 4)), "float32"),
    ("pad", [(1, 2, 3, 4)], dict(mode="foo", pad_width=(0, 0, 0, 0, 1, 1, 1, 1)), "float32"),
    ("pad", [(1, 2, 3, 4)], dict(mode="constant", pad_width=(0, 0, 0, 0, 1, 1, 1, 1)), "int32"),
    ("slice", [(3, 4, 5)], dict(begin=(1,), end=(2,), step=(0,)), "float32"),
    ("slice", [(3, 4, 5)], dict(begin=(0, 0, 0, 0), end=(1, 1, 1, 1)), "float32"),
    ("slice", [(3, 4, 5)], dict(begin=(0, 0), end=(1,)), "float32"),
    ("slice", [(3, 4, 5)], dict(begin=(0,), end=(1,), step=(1, 1)), "float32"),
    ("slice_axis", [(3, 4, 5)], dict(axis=0, begin=2, end=1), "float32"),
    ("slice_axis", [(3, 4, 5)], dict(axis=0, begin=2, end=2), "float32"),
    ("slice_axis", [(3, 4, 5)], dict(axis=0, begin=0, end=5), "float32"),
    ("slice_axis", [(3, 4, 5)], dict(axis=0, begin=-5, end=2), "float32"),
    ("slice_axis", [(3, 4, 5)], dict(axis=3, begin=0, end=1), "float32"),
    ("slice_axis", [(3, 4, 5)], dict(axis=0, begin=N, end=1), "float32"),      # begin is a required int
    ("slice_like", [(3, 4, 5), (2, 3)], {}, "float32"),
    ("slice_like", [(3, 4, 5), (4, 3, 4)], {}, "float32"),
    ("slice_like", [(3, 4, 5), (2, 3)], dict(axes=(2,)), "float32"),
    ("slice_like", [(3, 4, 5), (2, 3, 4)], dict(axes=(-4,)), "float32"),
    ("concat", [(2, 3), (2, 2)], dict(dim=0), "float32"),
    ("concat", [(2, 3), (2, 3, 1)], dict(dim=0), "float32"),
    ("concat", [(2, 3), (2, 2)], dict(dim=2), "float32"),
    ("concat", [(2, 3), (2, 2)], dict(dim=-3), "float32"),
    ("concat", [(2, 3), (2, 2)], dict(num_args=3), "float32"),
    ("stack", [(2, 3), (2, 3)], dict(axis=3), "float32"),
    ("stack", [(2, 3), (2, 3)], dict(axis=-4), "float32"),
    ("stack", [(2, 3), (2, 2)], {}, "float32"),
    ("split", [(2, 3, 4)], dict(num_outputs=2, axis=1), "float32"),
    ("split", [(2, 3, 4)], dict(num_outputs=1, axis=0, squeeze_axis=True), "float32"),
    ("split", [(2, 3, 4)], dict(num_outputs=2, axis=3), "float32"),
    ("split", [(2, 3, 4)], dict(num_outputs=0, axis=0), "float32"),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=0), "float32"),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=4), "float32"),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=(1, 1)), "float32"),
    ("squeeze", [(2, 1, 3, 1)], dict(axis=(1, -3)), "float32"),
    ("diag", [(3, 4)], dict(k=5), "float32"),
    ("diag", [(3, 4)], dict(k=-4), "float32"),
    ("diag", [(2, 3, 4)], dict(axis1=1, axis2=1), "float32"),
    ("diag", [(2, 3, 4)], dict(axis1=-1, axis2=2), "float32"),
    ("diag", [(2, 3, 4)], dict(axis1=3, axis2=1), "float32"),
    ("reshape_like", [(2, 3, 4), (6, 5)], {}, "float32"),
    ("reshape_like", [(2, 3, 4), (2, 12)], dict(lhs_begin=2, lhs_end=1), "float32"),
    ("reshape_like", [(2, 3, 4), (2, 12)], dict(lhs_begin=1, lhs_end=1), "float32"),
    ("reshape_like", [(2, 3, 4), (2, 12)], dict(lhs_begin=-5), "float32"),
    ("reshape_like", [(2, 3, 4), (2, 12)], dict(rhs_end=5), "float32"),
    ("depth_to_space", [(1, 12, 2, 2)], dict(block_size=3), "float32"),
    ("depth_to_space", [(1, 12, 2, 2)], dict(block_size=0), "float32"),
    ("depth_to_space", [(12, 2, 2)], dict(block_size=2), "float32"),
    ("space_to_depth", [(1, 12, 2, 2)], dict(block_size=3), "float32"),
    ("space_to_depth", [(1, 12, 2, 2)], dict(block_size=-1), "float32"),
    ("space_to_depth", [(2, 2, 2)], dict(block_size=2), "float32"),
]


@pytest.mark.parametrize("op,shapes,kwargs,dtype", ERRORS, ids=[_id(r) for r in ERRORS])
def test_errors(op, shapes, kwargs, dtype):
    with pytest.raises(mx.MXNetError) as e:
        run_nd(op, _inputs(shapes, dtype), **kwargs)
    msg = str(e.value)
    assert get_op(op).name in msg or op in msg, msg       # the message names the operator


def test_missing_required_params():
    x = mx.nd.ones((2, 3))
    for op, kw in [("tile", {}), ("repeat", {}), ("flip", {}), ("slice", dict(begin=(0,))),
                   ("slice_axis", dict(axis=0, begin=0)), ("split", {}), ("pad", dict(mode="edge")),
                   ("depth_to_space", {})]:
        with pytest.raises(mx.MXNetError):
            getattr(mx.nd, op)(x, **kw)


def test_names_and_aliases():
    for alias, name in [("swapaxes", "SwapAxis"), ("flip", "reverse"), ("pad", "Pad"), ("crop", "slice"),
                        ("concat", "Concat"), ("split", "SliceChannel")]:
        assert get_op(alias) is get_op(name) and get_op(alias).name == name
    split = get_op("split")
    assert split.output_names(split.parse(dict(num_outputs=3))) == ["output0", "output1", "output2"]
    assert get_op("Concat").key_var_num_args == "num_args"
    assert [p.name for p in get_op("stack").params] == ["axis", "num_args"]
    assert [p.name for p in get_op("Concat").params] == ["num_args", "dim"]
    assert get_op("slice").attrs_to_strings(get_op("slice").parse(dict(begin=(N, 1), end=(2, N)))) == \
        {"begin": "(None, 1)", "end": "(2, None)", "step": "()"}
    sa = get_op("slice_axis")
    assert sa.attrs_to_strings(sa.parse(dict(axis=0, begin=0, end=N)))["end"] == "None"


def test_ndarray_calls():
    x = mx.nd.array(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    parts = mx.nd.split(x, num_outputs=3)
    assert isinstance(parts, list) and [p.shape for p in parts] == [(2, 1, 4)] * 3
    one = mx.nd.split(x, num_outputs=1, axis=0)          # one output: an NDArray, not a list
    assert isinstance(one, mx.nd.NDArray) and one.shape == (2, 3, 4)
    assert [p.shape for p in x.split(num_outputs=2, axis=-1)] == [(2, 3, 2)] * 2
    c = mx.nd.concat(*parts, dim=1)
    np.testing.assert_array_equal(c.asnumpy(), x.asnumpy())
    np.testing.assert_array_equal(mx.nd.stack(x, x, axis=1).asnumpy(), np.stack([x.asnumpy()] * 2, 1))
    np.testing.assert_array_equal(x.flip(axis=0).asnumpy(), x.asnumpy()[::-1])
    np.testing.assert_array_equal(x.slice(begin=(N, 1), end=(N, N)).asnumpy(), x.asnumpy()[:, 1:])
    np.testing.assert_array_equal(x.slice_axis(axis=2, begin=1, end=3).asnumpy(), x.asnumpy()[..., 1:3])
    assert x.swapaxes(dim1=0, dim2=1).shape == (3, 2, 4)
    assert x.tile(reps=(2,)).shape == (2, 3, 8) and x.repeat(repeats=2, axis=0).shape == (4, 3, 4)
    assert x.shape_array().asnumpy().tolist() == [2, 3, 4] and x.size_array().dtype == np.int64
    assert x.diag().shape == (4, 2) and x.reshape_like(mx.nd.zeros((6, 4))).shape == (6, 4)
    assert x.squeeze().shape == (2, 3, 4)
    out = mx.nd.zeros((2, 3, 2))
    mx.nd.slice_axis(x, axis=2, begin=0, end=2, out=out)
    np.testing.assert_array_equal(out.asnumpy(), x.asnumpy()[..., :2])


# -- golden fixtures from real MXNet 1.9.1 -----------------------------------------------------

FIXTURE_OPS = {"Concat", "SliceChannel", "split", "pad", "repeat", "slice", "slice_axis", "squeeze", "stack", "tile"}


@pytest.mark.parametrize("case", [c for c in fixture_cases()[0] if c["op"] in FIXTURE_OPS],
                         ids=lambda c: c["id"])
def test_fixture(case):
    npz = fixture_cases()[1]
    op = get_op(case["op"])
    assert op.name == case["op_in_symbol_json"]
    kwargs = dict(case["kwargs"])
    xs = [npz[i["key"]] for i in case["inputs"]]
    if op.key_var_num_args:
        kwargs[op.key_var_num_args] = len(xs)
    attrs = op.parse(kwargs)
    names = ["{}_{}".format(case["node_name"], n) for n in op.output_names(attrs)]
    assert names == case["list_outputs"]
    tol = case["tolerance"]
    # forward through mx.nd: pure data movement, exact
    outs = run_nd(case["op"], xs, **case["kwargs"])
    assert len(outs) == len(case["outputs"])
    for o, e in zip(outs, case["outputs"]):
        np.testing.assert_array_equal(o, npz[e["key"]], err_msg=case["id"])
        assert o.dtype == np.dtype(e["dtype"])
    # backward: the registry rule with MXNet's head gradients
    env = OpEnv(np, case["is_train"], mx.cpu())
    raw = op.forward(env, attrs, xs, [])
    heads = [npz[h["key"]] for h in case["backward"]["head_grads"]]
    grads = op.backward(env, attrs, xs, raw, heads, [True] * len(xs))
    for g, e in zip(grads, case["backward"]["grads"]):
        np.testing.assert_allclose(np.asarray(g), npz[e["key"]], rtol=tol["rtol"], atol=tol["atol"],
                                   err_msg=case["id"] + " grad " + e["name"])
