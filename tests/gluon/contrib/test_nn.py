"""gluon.contrib.nn: Concurrent / HybridConcurrent, Identity, SparseEmbedding, SyncBatchNorm and
PixelShuffle{1,2,3}D against NumPy; names, shapes and reprs as MXNet 1.9.1."""
import warnings

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon.contrib import nn as cnn

from ._fd import check_block_grad


def _rand(shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, shape).astype(np.float32)


def test_exposed():
    assert mx.gluon.contrib.nn is cnn
    assert cnn.__all__ == ["Concurrent", "HybridConcurrent", "Identity", "SparseEmbedding", "SyncBatchNorm",
                           "PixelShuffle1D", "PixelShuffle2D", "PixelShuffle3D"]


@pytest.mark.parametrize("hybridize", [False, True])
def test_hybrid_concurrent(hybridize):
    net = cnn.HybridConcurrent(axis=1)
    assert net.prefix.startswith("hybridconcurrent")
    with net.name_scope():
        net.add(gluon.nn.Dense(3, in_units=4))
        net.add(gluon.nn.Dense(2, in_units=4))
        net.add(cnn.Identity())
    net.initialize()
    p = net.prefix
    assert [(k, v.shape) for k, v in net.collect_params().items()] == [
        (p + "dense0_weight", (3, 4)), (p + "dense0_bias", (3,)), (p + "dense1_weight", (2, 4)),
        (p + "dense1_bias", (2,))]
    x = _rand((2, 4))
    if hybridize:
        net.hybridize()
    out = net(mx.nd.array(x)).asnumpy()
    d0, d1 = net[0], net[1]
    ref = np.concatenate([x @ d0.weight.data().asnumpy().T + d0.bias.data().asnumpy(),
                          x @ d1.weight.data().asnumpy().T + d1.bias.data().asnumpy(), x], axis=1)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)
    assert repr(net) == ("HybridConcurrent(\n  (0): Dense(4 -> 3, linear)\n  (1): Dense(4 -> 2, linear)\n"
                         "  (2): Identity(\n  \n  )\n)")


def test_concurrent_default_axis_and_grad():
    net = cnn.Concurrent()
    assert net.prefix.startswith("concurrent") and net.axis == -1
    with net.name_scope():
        net.add(gluon.nn.Dense(3, in_units=4))
        net.add(cnn.Identity())
    net.initialize()
    x = _rand((2, 4))
    out = net(mx.nd.array(x))
    assert out.shape == (2, 7)
    np.testing.assert_allclose(out.asnumpy()[:, 3:], x)
    check_block_grad(net, mx.nd.array(x))


def test_identity():
    x = _rand((2, 3))
    blk = cnn.Identity()
    assert blk.prefix.startswith("identity")
    np.testing.assert_array_equal(blk(mx.nd.array(x)).asnumpy(), x)
    blk.hybridize()
    np.testing.assert_array_equal(blk(mx.nd.array(x)).asnumpy(), x)
    assert list(blk.collect_params()) == []


def test_sparse_embedding():
    emb = cnn.SparseEmbedding(10, 3)
    assert emb.prefix.startswith("sparseembedding")
    assert emb.weight._grad_stype == "row_sparse"
    assert emb._kwargs == {"input_dim": 10, "output_dim": 3, "dtype": "float32", "sparse_grad": True}
    assert repr(emb) == "SparseEmbedding(10 -> 3, float32)"
    emb.initialize()
    w = _rand((10, 3))
    emb.weight.set_data(mx.nd.array(w))
    idx = np.array([[1, 4], [4, 9]])
    x = mx.nd.array(idx)
    with autograd.record():
        out = emb(x)
        out.backward()
    np.testing.assert_allclose(out.asnumpy(), w[idx])
    g = emb.weight.grad().asnumpy()
    ref = np.zeros((10, 3), np.float32)
    np.add.at(ref, idx.ravel(), 1.0)
    np.testing.assert_allclose(g, ref)


def _np_bn(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=(0, 2, 3), keepdims=True)
    var = x.var(axis=(0, 2, 3), keepdims=True)
    sh = (1, -1, 1, 1)
    return gamma.reshape(sh) * (x - mean) / np.sqrt(var + eps) + beta.reshape(sh)


def test_sync_batch_norm_names_repr():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bn = cnn.SyncBatchNorm(in_channels=3)
    p = bn.prefix
    assert p.startswith("syncbatchnorm")
    assert [(k, v.shape, v.grad_req) for k, v in bn.collect_params().items()] == [
        (p + "gamma", (3,), "write"), (p + "beta", (3,), "write"), (p + "running_mean", (3,), "null"),
        (p + "running_var", (3,), "null")]
    assert bn._kwargs == {"eps": 1e-5, "momentum": 0.9, "fix_gamma": False, "use_global_stats": False,
                          "ndev": 1, "key": p}
    assert repr(bn) == ("SyncBatchNorm(eps=1e-05, momentum=0.9, fix_gamma=False, use_global_stats=False, "
                        "ndev=1, key='%s', in_channels=3)" % p)
    bn2 = cnn.SyncBatchNorm(num_devices=2, scale=False)
    assert bn2._kwargs["ndev"] == 2 and bn2._kwargs["fix_gamma"] is True
    assert bn2.gamma.grad_req == "null"


@pytest.mark.parametrize("hybridize", [False, True])
def test_sync_batch_norm_values(hybridize):
    bn = cnn.SyncBatchNorm(in_channels=3, num_devices=1)
    bn.initialize()
    gamma, beta = _rand((3,), 1), _rand((3,), 2)
    rm, rv = _rand((3,), 3), np.abs(_rand((3,), 4)) + 0.5
    bn.gamma.set_data(mx.nd.array(gamma))
    bn.beta.set_data(mx.nd.array(beta))
    bn.running_mean.set_data(mx.nd.array(rm))
    bn.running_var.set_data(mx.nd.array(rv))
    if hybridize:
        bn.hybridize()
    x = _rand((2, 3, 2, 2), 5)
    # inference: running statistics
    out = bn(mx.nd.array(x)).asnumpy()
    sh = (1, -1, 1, 1)
    ref = gamma.reshape(sh) * (x - rm.reshape(sh)) / np.sqrt(rv.reshape(sh) + 1e-5) + beta.reshape(sh)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)
    # training: batch statistics
    with autograd.record():
        out = bn(mx.nd.array(x))
    np.testing.assert_allclose(out.asnumpy(), _np_bn(x, gamma, beta), rtol=1e-4, atol=1e-4)


def test_sync_batch_norm_matches_batch_norm_grad():
    x = mx.nd.array(_rand((2, 3, 2, 2), 6))
    sbn = cnn.SyncBatchNorm(in_channels=3, num_devices=1)
    bn = gluon.nn.BatchNorm(in_channels=3)
    outs = []
    for blk in (sbn, bn):
        blk.initialize()
        blk.gamma.set_data(mx.nd.array(_rand((3,), 1)))
        xx = x.copy()
        xx.attach_grad()
        with autograd.record():
            y = blk(xx)
            (y * y).sum().backward()
        outs.append((y.asnumpy(), xx.grad.asnumpy(), blk.gamma.grad().asnumpy()))
    for a, b in zip(*outs):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def _np_pixel_shuffle(x, f):
    n, c = x.shape[:2]
    sp = x.shape[2:]
    nd = len(f)
    oc = c // int(np.prod(f))
    y = x.reshape((n, oc) + tuple(f) + tuple(sp))
    axes = [0, 1] + sum([[2 + nd + i, 2 + i] for i in range(nd)], [])
    return y.transpose(axes).reshape((n, oc) + tuple(s * k for s, k in zip(sp, f)))


@pytest.mark.parametrize("cls,factor,shape,factors", [
    (cnn.PixelShuffle1D, 2, (2, 6, 3), (2,)),
    (cnn.PixelShuffle2D, (2, 3), (1, 12, 2, 3), (2, 3)),
    (cnn.PixelShuffle2D, 2, (2, 8, 3, 2), (2, 2)),
    (cnn.PixelShuffle3D, (1, 2, 3), (1, 12, 2, 1, 2), (1, 2, 3)),
    (cnn.PixelShuffle3D, 2, (1, 16, 1, 2, 2), (2, 2, 2)),
])
@pytest.mark.parametrize("hybridize", [False, True])
def test_pixel_shuffle(cls, factor, shape, factors, hybridize):
    blk = cls(factor)
    x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    if hybridize:
        blk.hybridize()
    out = blk(mx.nd.array(x)).asnumpy()
    np.testing.assert_array_equal(out, _np_pixel_shuffle(x, factors))


def test_pixel_shuffle_known_values_and_repr():
    # MXNet 1.9.1: PixelShuffle1D(2) on arange(12).reshape(1, 4, 3)
    out = cnn.PixelShuffle1D(2)(mx.nd.arange(12).reshape((1, 4, 3))).asnumpy()
    np.testing.assert_array_equal(out.ravel(), [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11])
    assert repr(cnn.PixelShuffle1D(2)) == "PixelShuffle1D(2)"
    assert repr(cnn.PixelShuffle2D((2, 3))) == "PixelShuffle2D((2, 3))"
    assert repr(cnn.PixelShuffle3D(2)) == "PixelShuffle3D((2, 2, 2))"
    assert cnn.PixelShuffle2D(2).prefix.startswith("pixelshuffle2d")


def test_pixel_shuffle_grad():
    check_block_grad(cnn.PixelShuffle2D((2, 1)), mx.nd.array(_rand((1, 4, 2, 2))))


# MXNet 1.9.1, one CPU device: SyncBatchNorm(in_channels=3, num_devices=1) trained on
# RandomState(0).uniform(-1, 2, (4, 3, 2, 2)); running statistics after one and two
# record + backward steps (momentum 0.9, biased batch variance). Same for nn.BatchNorm.
SBN_STATS_1 = ([0.06433, 0.058055, 0.069223], [0.973767, 0.963148, 0.966267])
SBN_STATS_2 = ([0.122227, 0.110305, 0.131524], [0.950158, 0.929981, 0.935907])


@pytest.mark.parametrize("hybridize", [False, True])
def test_sync_batch_norm_running_stats(hybridize):
    # MXNet moves the statistics in the backward pass (a training forward without backward leaves
    # them alone there); neomx moves them in the training forward, as its BatchNorm does (see
    # mxnet/ops/norm.py), so the two agree after every forward + backward step checked here.
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 2, (4, 3, 2, 2)))
    bn = cnn.SyncBatchNorm(in_channels=3, num_devices=1)
    bn.initialize()
    if hybridize:
        bn.hybridize()
    for ref in (SBN_STATS_1, SBN_STATS_2):
        with autograd.record():
            y = bn(x)
        y.backward()
        np.testing.assert_allclose(bn.running_mean.data().asnumpy(), ref[0], rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(bn.running_var.data().asnumpy(), ref[1], rtol=1e-4, atol=1e-6)
    bn(x).wait_to_read()  # inference leaves them alone
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), SBN_STATS_2[0], rtol=1e-4, atol=1e-6)
    frozen = cnn.SyncBatchNorm(in_channels=3, num_devices=1, use_global_stats=True)
    frozen.initialize()
    with autograd.record():
        y = frozen(x)
    y.backward()
    np.testing.assert_array_equal(frozen.running_mean.data().asnumpy(), np.zeros(3))
    np.testing.assert_array_equal(frozen.running_var.data().asnumpy(), np.ones(3))
