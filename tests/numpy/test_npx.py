"""mx.npx operators vs the classic mx.nd operators, the np switches and npx helpers."""
import os

import numpy as onp
import pytest

import mxnet as mx
from mxnet import np, npx

RNG = onp.random.RandomState(2)


def _x(*shape):
    return RNG.uniform(-1, 1, shape).astype("float32")


def same(npx_out, nd_out, rtol=1e-6, atol=1e-6):
    assert isinstance(npx_out, np.ndarray)
    onp.testing.assert_allclose(npx_out.asnumpy(), nd_out.asnumpy(), rtol=rtol, atol=atol)


CASES = [
    ("relu", "relu", [(2, 3)], {}),
    ("sigmoid", "sigmoid", [(2, 3)], {}),
    ("softmax", "softmax", [(2, 3)], {"axis": 0}),
    ("log_softmax", "log_softmax", [(2, 3)], {}),
    ("activation", "Activation", [(2, 3)], {"act_type": "tanh"}),
    ("leaky_relu", "LeakyReLU", [(2, 3)], {"slope": 0.1}),
    ("batch_dot", "batch_dot", [(2, 3, 4), (2, 4, 5)], {}),
    ("batch_flatten", "Flatten", [(2, 3, 4)], {}),
    ("fully_connected", "FullyConnected", [(2, 5), (3, 5), (3,)], {"num_hidden": 3}),
    ("convolution", "Convolution", [(1, 2, 5, 5), (3, 2, 3, 3), (3,)], {"kernel": (3, 3), "num_filter": 3}),
    ("pooling", "Pooling", [(1, 2, 4, 4)], {"kernel": (2, 2), "stride": (2, 2), "pool_type": "max"}),
    ("layer_norm", "LayerNorm", [(2, 4), (4,), (4,)], {}),
    ("reshape_like", "reshape_like", [(2, 6), (3, 4)], {}),
    ("gamma", "gamma", [(2, 3)], {}),
    ("gammaln", "gammaln", [(2, 3)], {}),
    ("erf", "erf", [(2, 3)], {}),
    ("erfinv", "erfinv", [(2, 3)], {}),
    ("smooth_l1", "smooth_l1", [(2, 3)], {"scalar": 1.0}),
    ("topk", "topk", [(2, 5)], {"k": 2, "ret_typ": "value"}),
]




@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_npx_matches_classic(case):
    npx_name, nd_name, shapes, kw = case
    arrays = [_x(*s) + (2.0 if npx_name in ("gamma", "gammaln") else 0) for s in shapes]
    if npx_name == "erfinv":
        arrays = [a * 0.9 for a in arrays]
    res = getattr(npx, npx_name)(*[np.array(a) for a in arrays], **kw)
    ref = getattr(mx.nd, nd_name)(*[mx.nd.array(a) for a in arrays], **kw)
    same(res, ref, rtol=1e-5, atol=1e-5)


def test_npx_index_ops():
    x = _x(3, 4)
    idx = onp.array([0, 3, 1], dtype="float32")
    same(npx.pick(np.array(x), np.array(idx), axis=1), mx.nd.pick(mx.nd.array(x), mx.nd.array(idx), axis=1))
    same(npx.one_hot(np.array(idx), 4), mx.nd.one_hot(mx.nd.array(idx), 4))
    w = _x(5, 2)
    same(npx.embedding(np.array(idx), np.array(w), input_dim=5, output_dim=2),
         mx.nd.Embedding(mx.nd.array(idx), mx.nd.array(w), input_dim=5, output_dim=2))
    seq = _x(4, 2, 3)
    ln = onp.array([2, 3], dtype="float32")
    same(npx.sequence_mask(np.array(seq), np.array(ln), use_sequence_length=True, value=-1),
         mx.nd.SequenceMask(mx.nd.array(seq), mx.nd.array(ln), use_sequence_length=True, value=-1))
    same(npx.softmax(np.array(x), np.array([2, 4, 1], dtype="int32"), use_length=True),
         mx.nd.softmax(mx.nd.array(x), mx.nd.array([2, 4, 1], dtype="int32"), use_length=True))


def test_npx_norm_dropout():
    x = _x(4, 3)
    g, b = onp.ones(3, "float32"), onp.zeros(3, "float32")
    mm, mv = onp.zeros(3, "float32"), onp.ones(3, "float32")
    res = npx.batch_norm(np.array(x), np.array(g), np.array(b), np.array(mm), np.array(mv),
                         use_global_stats=True)
    ref = mx.nd.BatchNorm(mx.nd.array(x), mx.nd.array(g), mx.nd.array(b), mx.nd.array(mm), mx.nd.array(mv),
                          use_global_stats=True)
    same(res, ref)
    d = npx.dropout(np.ones((100,)), p=0.5)       # inference mode: identity
    same(d, mx.nd.ones((100,)))
    with mx.autograd.train_mode():
        d = npx.dropout(np.ones((1000,)), p=0.5)
    v = d.asnumpy()
    assert set(onp.unique(v).tolist()) <= {0.0, 2.0} and 300 < (v == 0).sum() < 700


def test_npx_reshape_and_helpers(tmp_path):
    x = np.ones((2, 3, 4))
    assert npx.reshape(x, (-2, -1)).shape == (2, 12)
    assert npx.reshape(x, (-5, -2)).shape == (6, 4)
    assert npx.reshape(x, (-4,)).shape == (2, 3, 4)
    assert npx.reshape(x, (-6, 1, 2, -2, -2)).shape == (1, 2, 3, 4)
    assert npx.reshape(np.ones((2, 1, 4)), (-2, -3, -2)).shape == (2, 4)
    with pytest.raises(mx.MXNetError):
        npx.reshape(x, (-3, -1))
    assert npx.shape_array(x).asnumpy().tolist() == [2, 3, 4]
    npx.waitall()
    assert npx.cpu() == mx.cpu() and npx.num_gpus() >= 0 and npx.current_context() == mx.cpu()
    f = str(tmp_path / "a.npy")
    npx.save(f, {"a": np.arange(3), "b": np.array(2.0)})
    d = npx.load(f)
    assert isinstance(d["a"], np.ndarray) and d["b"].shape == () and d["a"].asnumpy().tolist() == [0, 1, 2]
    with pytest.raises(mx.MXNetError):
        npx.fully_connected(np.ones((2, 3)), np.ones((4, 5)), np.ones(4), num_hidden=4)


def test_np_flags():
    assert npx.is_np_array() and npx.is_np_shape() and mx.is_np_array()
    npx.reset_np()
    assert not mx.util.is_np_array() and not mx.util.is_np_shape()
    with mx.util.np_array(True):
        assert mx.is_np_array()
    assert not mx.is_np_array()
    with pytest.raises(ValueError):
        npx.set_np(shape=False, array=True)

    @mx.use_np
    def f():
        return mx.is_np_array(), mx.is_np_shape()
    assert f() == (True, True) and not mx.is_np_array()

    @mx.use_np_shape
    class C:
        def m(self):
            return mx.is_np_shape()
    assert C().m() and not mx.is_np_shape()
    assert mx.util.set_np_shape(True) is False and mx.is_np_shape()
    npx.set_np()
    with pytest.raises(ValueError):
        mx.util.set_np_shape(False)
    assert mx.np is mx.numpy and mx.npx is mx.numpy_extension


def test_np_random_seed_reproducible():
    npx.random.seed(7)
    a = np.random.uniform(size=(5,)).asnumpy()
    mx.random.seed(7)
    b = np.random.uniform(size=(5,)).asnumpy()
    onp.testing.assert_array_equal(a, b)
