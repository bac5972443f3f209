"""Image operators (_image_*, _cvimdecode, _cvimread, _cvimresize, _cvcopyMakeBorder, _imdecode)."""
import os

import numpy as np
import pytest

import mxnet as mx
from tests.ops.harness import check_forward, check_grad

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "image")
EXP = np.load(os.path.join(FIX, "expected.npz"))
RNG = np.random.RandomState(0)
IMG = RNG.randint(0, 256, (5, 6, 3)).astype(np.uint8)
CHW = RNG.rand(3, 4, 5).astype(np.float32)


def _png(name="rgb_filters.png"):
    with open(os.path.join(FIX, name), "rb") as f:
        return f.read()


FORWARD = [
    ("_image_to_tensor", [IMG], {}, lambda x: x.transpose(2, 0, 1).astype(np.float32) / 255),
    ("_image_to_tensor", [IMG[None].astype(np.float64)], {}, lambda x: (x / 255).transpose(0, 3, 1, 2)),
    ("_image_normalize", [CHW], dict(mean=(0.1, 0.2, 0.3), std=(1, 2, 4)),
     lambda x: (x - np.array([.1, .2, .3], np.float32).reshape(3, 1, 1)) / np.array([1, 2, 4.]).reshape(3, 1, 1)),
    ("_image_normalize", [CHW.astype(np.float64)[None]], dict(mean=(0.5,), std=(2,)), lambda x: (x - 0.5) / 2),
    ("_image_flip_left_right", [IMG], {}, lambda x: x[:, ::-1]),
    ("_image_flip_top_bottom", [IMG.astype(np.float32)], {}, lambda x: x[::-1]),
    ("_image_crop", [IMG], dict(x=1, y=2, width=3, height=2), lambda x: x[2:4, 1:4]),
    ("_image_crop", [IMG[None].astype(np.float32)], dict(x=0, y=0, width=6, height=1), lambda x: x[:, :1]),
    ("_image_random_brightness", [IMG], dict(min_factor=0.5, max_factor=0.5),
     lambda x: np.trunc(x * np.float32(0.5)).astype(np.uint8)),
    ("_image_adjust_lighting", [IMG.astype(np.float32)], dict(alpha=(0, 0, 0)), lambda x: x),
    ("_image_resize", [IMG], dict(size=(6, 5)), lambda x: x),
    ("_image_resize", [IMG], dict(size=(3,), keep_ratio=True), lambda x: (3, 3)),
    ("_cvimresize", [IMG], dict(w=6, h=5, interp=0), lambda x: x),
]


@pytest.mark.parametrize("op, inputs, kw, ref", FORWARD, ids=[r[0] for r in FORWARD])
def test_forward(op, inputs, kw, ref):
    expected = ref(*inputs)
    if isinstance(expected, tuple):      # only the output (h, w)
        out = getattr(mx.nd.image, op[len("_image_"):])(mx.nd.array(inputs[0], dtype=inputs[0].dtype), **kw)
        assert out.shape[:2] == expected
        return
    check_forward(op, inputs, kw, expected)


@pytest.mark.parametrize("op, kw", [("_image_normalize", dict(mean=(0.1, 0.2, 0.3), std=(1, 2, 4))),
                                    ("_image_crop", dict(x=1, y=1, width=2, height=2)),
                                    ("_image_flip_left_right", {}), ("_image_flip_top_bottom", {})])
def test_grad(op, kw):
    x = CHW if op == "_image_normalize" else CHW.transpose(1, 2, 0)
    check_grad(op, [x.astype(np.float64)], kw)


def test_namespaces_and_random_ops():
    for name in ("to_tensor", "normalize", "flip_left_right", "flip_top_bottom", "random_flip_left_right",
                 "random_flip_top_bottom", "random_brightness", "random_contrast", "random_saturation",
                 "random_hue", "random_color_jitter", "random_lighting", "adjust_lighting", "crop", "resize"):
        assert callable(getattr(mx.nd.image, name)) and callable(getattr(mx.sym.image, name))
    x = mx.nd.array(IMG, dtype=np.uint8)
    mx.random.seed(1)
    seen = set()
    for _ in range(12):
        y = mx.nd.image.random_flip_left_right(x).asnumpy()
        assert (y == IMG).all() or (y == IMG[:, ::-1]).all()
        seen.add(bool((y == IMG).all()))
    assert seen == {True, False}
    for name in ("random_brightness", "random_contrast", "random_saturation", "random_hue"):
        y = getattr(mx.nd.image, name)(x, min_factor=0.5, max_factor=1.5)
        assert y.shape == IMG.shape and y.dtype == np.uint8
    y = mx.nd.image.random_color_jitter(x, brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1)
    assert y.shape == IMG.shape
    assert mx.nd.image.random_lighting(x.astype("float32"), alpha_std=0.1).shape == IMG.shape


def test_errors():
    with pytest.raises(mx.MXNetError, match="_image_crop"):
        mx.nd.image.crop(mx.nd.array(IMG), x=4, y=0, width=3, height=2)
    with pytest.raises(mx.MXNetError, match="_image_normalize"):
        mx.nd.image.normalize(mx.nd.zeros((2, 4, 4)), mean=(0, 0, 0))
    with pytest.raises(mx.MXNetError, match="_image_resize"):
        mx.nd.image.resize(mx.nd.array(IMG), size=(2, 2), interp=7)
    with pytest.raises(mx.MXNetError, match="flag"):
        mx.nd._internal._cvimdecode(mx.nd.array(np.frombuffer(_png(), np.uint8), dtype=np.uint8), flag=-1).asnumpy()
    with pytest.raises(mx.MXNetError, match="Decoding failed"):
        mx.nd._internal._cvimdecode(mx.nd.array(np.arange(20), dtype=np.uint8)).asnumpy()
    with pytest.raises(mx.MXNetError, match="_cvcopyMakeBorder"):
        mx.nd._internal._cvcopyMakeBorder(mx.nd.array(IMG), top=1, bot=1, left=1, right=1, type=9)
    with pytest.raises(mx.MXNetError, match="_imdecode"):
        mx.nd._internal._imdecode(mx.nd.zeros((1,)), index=0, x0=0, y0=0, x1=0, y1=0, c=3, size=0).asnumpy()


def test_symbol_bind_forward_backward():
    data = mx.sym.var("data")
    tensor = mx.sym.image.to_tensor(data)
    ex = tensor.simple_bind(mx.cpu(), data=(5, 6, 3))
    ex.arg_dict["data"][:] = IMG.astype(np.float32)
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), IMG.transpose(2, 0, 1) / np.float32(255), rtol=1e-6)
    net = mx.sym.image.normalize(mx.sym.transpose(data, axes=(2, 0, 1)), mean=(0.5, 0.5, 0.5), std=(2, 2, 2))
    net = mx.sym.image.flip_left_right(mx.sym.transpose(net, axes=(1, 2, 0)))
    ex = net.simple_bind(mx.cpu(), data=(5, 6, 3))
    ex.arg_dict["data"][:] = IMG.astype(np.float32)
    out = ex.forward(is_train=True)[0].asnumpy()
    np.testing.assert_allclose(out, ((IMG.astype(np.float32) - 0.5) / 2)[:, ::-1], rtol=1e-6)
    ex.backward(mx.nd.ones((5, 6, 3)))
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), np.full((5, 6, 3), 0.5, np.float32), rtol=1e-6)
    crop = mx.sym.image.crop(data, x=1, y=1, width=2, height=3)
    ex = crop.simple_bind(mx.cpu(), data=(5, 6, 3))
    ex.arg_dict["data"][:] = IMG.astype(np.float32)
    np.testing.assert_array_equal(ex.forward(is_train=True)[0].asnumpy(), IMG[1:4, 1:3])
    ex.backward(mx.nd.ones((3, 2, 3)))
    assert ex.grad_dict["data"].asnumpy().sum() == 18


@pytest.mark.parametrize("flag, to_rgb", [(0, 1), (1, 0), (1, 1)])
def test_cvimdecode_and_cvimread(flag, to_rgb):
    want = EXP["decode/rgb_filters.png/%d/%d" % (flag, to_rgb)]
    buf = mx.nd.array(np.frombuffer(_png(), np.uint8), dtype=np.uint8)
    got = mx.nd._internal._cvimdecode(buf, flag=flag, to_rgb=to_rgb)
    assert got.dtype == np.uint8
    np.testing.assert_allclose(got.asnumpy(), want, atol=1 if flag == 0 else 0)
    got = mx.nd._internal._cvimread(os.path.join(FIX, "rgb_filters.png"), flag=flag, to_rgb=to_rgb)
    np.testing.assert_allclose(got.asnumpy(), want, atol=1 if flag == 0 else 0)


RESIZE_KEYS = sorted(k for k in EXP.files if k.startswith(("resize/", "resizef/")))


@pytest.mark.parametrize("key", RESIZE_KEYS)
def test_cvimresize_matches_mxnet(key):
    kind, interp, size = key.split("/")
    w, h = map(int, size.split("x"))
    src = EXP["decode/rgb_filters.png/1/1"]
    if kind == "resizef":
        src = src.astype(np.float32)
    got = mx.nd._internal._cvimresize(mx.nd.array(src, dtype=src.dtype), w=w, h=h, interp=int(interp)).asnumpy()
    np.testing.assert_allclose(got, EXP[key], rtol=1e-5, atol=1e-3)
    if kind == "resize" and int(interp) != 0:   # same kernel as mx.nd.image.resize
        got = mx.nd.image.resize(mx.nd.array(src, dtype=src.dtype), size=(w, h), interp=int(interp)).asnumpy()
        np.testing.assert_array_equal(got, EXP[key])


@pytest.mark.parametrize("btype", [0, 1, 2, 3, 4, "values"])
def test_cvcopymakeborder_matches_mxnet(btype):
    src = mx.nd.array(EXP["decode/rgb_filters.png/1/1"], dtype=np.uint8)
    if btype == "values":
        got = mx.nd._internal._cvcopyMakeBorder(src, top=1, bot=1, left=2, right=2, type=0, values=(1, 2, 3))
    else:
        got = mx.nd._internal._cvcopyMakeBorder(src, top=2, bot=3, left=4, right=1, type=btype, value=7)
    np.testing.assert_array_equal(got.asnumpy(), EXP["border/%s" % btype])
