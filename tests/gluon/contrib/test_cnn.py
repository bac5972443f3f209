"""gluon.contrib.cnn: DeformableConvolution / ModulatedDeformableConvolution: parameter names and
shapes, zero-offset == plain convolution (NumPy), MXNet 1.9.1 outputs with non-zero offsets,
hybridize, gradients by finite differences."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.gluon.contrib import cnn as ccnn

from ._fd import check_block_grad

# MXNet 1.9.1 oracle: C(2, kernel_size=(2, 2), padding=(1, 1), strides=(2, 2)) on X, parameters in
# sorted name order set to RandomState(3 + i).uniform(-0.5, 0.5, shape) (float32).
DEFORMABLECONVOLUTION_OUT = [[[[0.287113, -0.121378, 0.050798], [-0.293495, 0.089505, 0.968584], [0.108324, 0.363363, 0.166074]], [[0.108208, 0.203917, 0.208148], [0.629493, 0.651557, 0.023337], [0.116835, 0.360892, 0.533936]]]]
MODULATEDDEFORMABLECONVOLUTION_OUT = [[[[0.222994, 0.292228, 0.258636], [-0.268544, 0.203633, 0.492595], [0.145833, 0.212436, 0.103129]], [[0.183184, 0.190249, 0.090416], [0.737132, 0.452679, 0.134857], [0.075186, 0.248343, 0.356042]]]]


def _x():
    return mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (1, 2, 4, 4)))


def _set_params(block, seed):
    for i, (_, p) in enumerate(sorted(block.collect_params().items())):
        p.set_data(mx.nd.array(np.random.RandomState(seed + i).uniform(-0.5, 0.5, p.shape)))


def test_exposed():
    assert mx.gluon.contrib.cnn is ccnn
    assert ccnn.__all__ == ["DeformableConvolution", "ModulatedDeformableConvolution"]


def test_deformable_names_shapes_repr():
    d = ccnn.DeformableConvolution(4, kernel_size=(3, 3), padding=(1, 1))
    p = d.prefix
    assert p.startswith("deformable_conv")
    d.initialize()
    assert d(mx.nd.ones((1, 2, 5, 5))).shape == (1, 4, 5, 5)
    assert [(k, v.shape) for k, v in d.collect_params().items()] == [
        (p + "offset_weight", (18, 2, 3, 3)), (p + "offset_bias", (18,)),
        (p + "deformable_conv_weight", (4, 2, 3, 3)), (p + "deformable_conv_bias", (4,))]
    assert repr(d) == "DeformableConvolution(2 -> 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    d2 = ccnn.DeformableConvolution(4, kernel_size=3, num_deformable_group=2, use_bias=False,
                                    offset_use_bias=False, activation="relu")
    d2.initialize()
    d2(mx.nd.ones((1, 2, 5, 5)))
    q = d2.prefix
    assert [(k, v.shape) for k, v in d2.collect_params().items()] == [
        (q + "offset_weight", (36, 2, 3, 3)), (q + "deformable_conv_weight", (4, 2, 3, 3))]
    assert repr(d2) == ("DeformableConvolution(2 -> 4, kernel_size=(3, 3), stride=(1, 1), bias=False, "
                        "Activation(relu))")
    # offset branch starts at zero (offset_weight_initializer='zeros')
    assert not d2.offset_weight.data().asnumpy().any()


def test_modulated_names_shapes():
    d = ccnn.ModulatedDeformableConvolution(4, kernel_size=(3, 3), padding=(1, 1))
    p = d.prefix
    assert p.startswith("modulated_deformable_conv")
    d.initialize()
    assert d(mx.nd.ones((1, 2, 5, 5))).shape == (1, 4, 5, 5)
    assert [(k, v.shape) for k, v in d.collect_params().items()] == [
        (p + "deformable_conv_weight", (4, 2, 3, 3)), (p + "deformable_conv_bias", (4,)),
        (p + "offset_weight", (27, 2, 3, 3)), (p + "offset_bias", (27,))]
    assert repr(d) == "ModulatedDeformableConvolution(\n\n)"


def _np_conv(x, w, b, stride, pad):
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = (h - kh) // stride + 1, (wd - kw) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b.reshape(1, -1, 1, 1)


@pytest.mark.parametrize("cls,mask_scale", [(ccnn.DeformableConvolution, 1.0),
                                            (ccnn.ModulatedDeformableConvolution, 2.0)])
def test_zero_offset_is_convolution(cls, mask_scale):
    # zero offset weights/bias: offsets 0 (and mask 2 * sigmoid(0) = 1), i.e. a plain convolution
    d = cls(3, kernel_size=(2, 2), padding=(1, 1), strides=(2, 2))
    d.initialize()
    x = _x()
    d(x)
    w = np.random.RandomState(1).uniform(-0.5, 0.5, (3, 2, 2, 2)).astype(np.float32)
    b = np.random.RandomState(2).uniform(-0.5, 0.5, (3,)).astype(np.float32)
    d.deformable_conv_weight.set_data(mx.nd.array(w))
    d.deformable_conv_bias.set_data(mx.nd.array(b))
    ref = _np_conv(x.asnumpy(), w, b, 2, 1)
    np.testing.assert_allclose(d(x).asnumpy(), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cls,ref", [(ccnn.DeformableConvolution, DEFORMABLECONVOLUTION_OUT),
                                     (ccnn.ModulatedDeformableConvolution, MODULATEDDEFORMABLECONVOLUTION_OUT)])
@pytest.mark.parametrize("hybridize", [False, True])
def test_oracle_values(cls, ref, hybridize):
    d = cls(2, kernel_size=(2, 2), padding=(1, 1), strides=(2, 2))
    d.initialize()
    x = _x()
    d(x)
    _set_params(d, 3)
    if hybridize:
        d.hybridize()
    np.testing.assert_allclose(d(x).asnumpy(), np.array(ref), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("cls", [ccnn.DeformableConvolution, ccnn.ModulatedDeformableConvolution])
def test_grad_finite_difference(cls):
    d = cls(2, kernel_size=(2, 2), padding=(1, 1), in_channels=2)
    d.initialize()
    x = mx.nd.array(np.random.RandomState(4).uniform(-1, 1, (1, 2, 3, 3)))
    d(x)
    for i, (_, p) in enumerate(sorted(d.collect_params().items())):
        # small offsets keep the bilinear sampling away from its kinks
        scale = 0.05 if "offset" in p.name else 0.5
        p.set_data(mx.nd.array(np.random.RandomState(10 + i).uniform(-scale, scale, p.shape)))
    check_block_grad(d, x, eps=1e-3, rtol=5e-2, atol=5e-3)
