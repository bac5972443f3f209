"""vision.transforms against outputs of MXNet 1.9.1 (OpenCV 3.4.2 resize) on fixed inputs."""
import random

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd
from mxnet.gluon import nn
from mxnet.gluon.data.vision import transforms as T
from mxnet.gluon.data.vision import _image

IMG = np.random.RandomState(0).randint(0, 256, (5, 7, 3)).astype(np.uint8)


def _x():
    return mx.nd.array(IMG, dtype="uint8")


# Literals printed by MXNet 1.9.1 for the same transforms of IMG.
RESIZE_CASES = [
    # (transform, channel, expected[..., channel])
    (T.Resize((9, 4)), 0, [[155, 171, 177, 176, 186, 86, 148, 172, 75], [105, 79, 67, 71, 78, 155, 209, 217, 181],
                           [152, 72, 87, 142, 96, 67, 104, 121, 80], [71, 60, 85, 114, 77, 115, 131, 116, 77]]),
    (T.Resize(3), 1, [[68, 63, 108], [157, 9, 247], [116, 138, 121]]),
    (T.Resize((6, 4), interpolation=0), 2, [[117, 251, 9, 242, 70, 140], [174, 165, 72, 115, 197, 175],
                                            [243, 147, 32, 185, 31, 151], [28, 128, 133, 244, 132, 186]]),
    (T.CenterCrop((4, 3)), 0, [[88, 25, 9, 208], [29, 142, 193, 127], [34, 164, 38, 17]]),
    (T.CenterCrop(9), 0, [[192, 193, 194, 202, 211, 114, 56, 156, 216], [157, 151, 140, 140, 144, 116, 108, 183, 228],
                          [99, 81, 50, 38, 31, 119, 195, 229, 250], [62, 67, 75, 83, 91, 136, 178, 211, 231],
                          [29, 67, 129, 165, 193, 156, 135, 177, 202], [32, 72, 141, 133, 107, 84, 75, 121, 148],
                          [36, 77, 145, 107, 43, 36, 40, 83, 109], [49, 78, 124, 104, 67, 86, 103, 119, 128],
                          [57, 78, 112, 103, 82, 115, 142, 141, 140]]),
    (T.CropResize(2, 1, 3, 2), 0, [[25, 9, 208], [142, 193, 127]]),
    (T.CropResize(2, 1, 3, 2, size=(5, 4), interpolation=1), 0,
     [[25, 18, 9, 128, 208], [54, 54, 55, 135, 188], [113, 126, 147, 147, 147], [142, 162, 193, 153, 127]]),
]


@pytest.mark.parametrize("t, ch, expected", RESIZE_CASES)
def test_resize_and_crops_match_mxnet(t, ch, expected):
    out = t(_x())
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out.asnumpy()[..., ch], np.array(expected))


# OpenCV's bicubic / area / Lanczos differ from these by at most 1 on rare pixels (float rounding order).
APPROX_CASES = [
    (2, (9, 4), [[155, 174, 181, 182, 188, 65, 152, 192, 63], [98, 68, 46, 45, 63, 173, 244, 238, 202],
                 [177, 55, 79, 172, 101, 39, 92, 124, 67], [70, 51, 87, 120, 76, 115, 142, 118, 73]]),
    (3, (3, 2), [[122, 123, 172], [88, 103, 106]]),
    (4, (9, 4), [[150, 177, 175, 187, 183, 56, 151, 201, 56], [95, 67, 47, 38, 65, 184, 255, 237, 212],
                 [192, 54, 78, 196, 113, 21, 87, 124, 56], [67, 47, 92, 117, 70, 109, 148, 113, 72]]),
]


@pytest.mark.parametrize("interp, size, expected", APPROX_CASES)
def test_resize_other_filters_match_mxnet(interp, size, expected):
    out = T.Resize(size, interpolation=interp)(_x()).asnumpy()[..., 0].astype(int)
    assert np.abs(out - np.array(expected)).max() <= 1


def test_resize_float_and_keep_ratio_and_batch():
    xf = mx.nd.array(IMG[..., :1].astype(np.float32) / 7)
    expected = [[26.4761905670166, 30.142860412597656, 23.333330154418945],
                [19.372020721435547, 17.517860412597656, 27.708330154418945],
                [10.413689613342285, 2.928570032119751, 32.9375],
                [12.169639587402344, 19.357139587402344, 28.97916030883789],
                [11.678569793701172, 20.651779174804688, 22.1488094329834],
                [8.94048023223877, 6.8125, 12.446430206298828],
                [8.586310386657715, 8.964289665222168, 14.770830154418945],
                [8.523810386657715, 11.714289665222168, 17.333330154418945]]
    out = T.Resize((3, 8))(xf)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy()[..., 0], expected, rtol=1e-5)
    assert T.Resize(3, keep_ratio=True)(_x()).shape == (3, 4, 3)
    assert T.Resize((2, 4), keep_ratio=True)(_x()).shape == (4, 2, 3)
    batch = mx.nd.array(np.stack([IMG, IMG[::-1]]), dtype="uint8")
    np.testing.assert_array_equal(T.Resize((3, 2))(batch).asnumpy()[..., 0],
                                  [[[100, 60, 216], [60, 49, 90]], [[60, 49, 90], [100, 60, 216]]])


def test_resize_halving_is_box_filter():
    x = np.random.RandomState(1).randint(0, 256, (6, 8, 3)).astype(np.uint8)
    out = T.Resize((4, 3))(mx.nd.array(x, dtype="uint8")).asnumpy()
    box = x.reshape(3, 2, 4, 2, 3).astype(int).sum(axis=(1, 3))
    np.testing.assert_array_equal(out, (box + 2) >> 2)


@pytest.mark.parametrize("size, match", [(0, "greater than 0"), ((2, 3, 4), "1 or 2 elements")])
def test_resize_bad_size(size, match):
    with pytest.raises(mx.MXNetError, match=match):
        T.Resize(size)(_x())


def test_resize_errors():
    with pytest.raises(mx.MXNetError, match="dimension should be 3 or 4"):
        T.Resize(2)(mx.nd.zeros((6, 2), dtype="uint8"))
    with pytest.raises(mx.MXNetError, match="float16"):
        T.Resize(2)(_x().astype("float16"))
    with pytest.raises(mx.MXNetError, match="interp"):
        T.Resize(2, interpolation=7)(_x())


def test_crop_errors():
    with pytest.raises(mx.MXNetError, match="x \\+ width"):
        T.CropResize(5, 0, 3, 2)(_x())
    with pytest.raises(mx.MXNetError, match="greater than 0"):
        T.CropResize(1, 0, 0, 2)(_x())
    with pytest.raises(mx.MXNetError, match="1 or 3"):
        T.CropResize(0, 0, 2, 2)(mx.nd.zeros((4, 4, 2), dtype="uint8"))


def test_random_resized_crop_follows_python_random():
    random.seed(7)
    r = T.RandomResizedCrop(4)
    got = [r(_x()).asnumpy()[..., 0].tolist() for _ in range(3)]
    assert got == [[[172, 185, 193, 195], [39, 70, 64, 25], [216, 99, 71, 142], [114, 64, 83, 164]],
                   [[175, 193, 205, 58], [45, 64, 15, 183], [193, 71, 174, 135], [104, 83, 85, 20]],
                   [[192, 193, 194, 195], [166, 163, 156, 153], [114, 102, 79, 68], [88, 72, 41, 25]]]
    random.seed(7)
    out = T.RandomResizedCrop((3, 2), scale=(0.1, 0.3))(_x())
    assert out.asnumpy()[..., 1].tolist() == [[86, 125, 165], [203, 207, 211]]


def test_to_tensor():
    out = T.ToTensor()(_x())
    assert out.shape == (3, 5, 7) and out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy()[:, 0, :3], [
        [0.6745098233222961, 0.7529411911964417, 0.7647058963775635],
        [0.18431372940540314, 0.26274511218070984, 0.40392157435417175],
        [0.4588235318660736, 0.9843137264251709, 0.03529411926865578]], rtol=1e-7)
    batch = mx.nd.array(np.stack([IMG, IMG]), dtype="uint8")
    assert T.ToTensor()(batch).shape == (2, 3, 5, 7)
    # float16 input: MXNet divides in half precision
    x16 = mx.nd.array((np.arange(18).reshape(2, 3, 3) * 7 % 256), dtype="float16")
    assert T.ToTensor()(x16).asnumpy().ravel()[:6].tolist() == [
        0.0, 0.08233642578125, 0.1646728515625, 0.2470703125, 0.329345703125, 0.411865234375]
    with pytest.raises(mx.MXNetError, match="height, width, channels"):
        T.ToTensor()(mx.nd.zeros((6, 2)))


def test_normalize():
    c = mx.nd.array(IMG.transpose(2, 0, 1)[:, :2, :3].astype(np.float32) / 255)
    out = T.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))(c)
    np.testing.assert_allclose(out.asnumpy(), [
        [[1.1490195989608765, 1.3058823347091675, 1.3294117450714111],
         [0.10588236153125763, 0.4901961088180542, -0.003921568393707275]],
        [[-0.0627450942993164, 0.2509804368019104, 0.8156862854957581],
         [0.5647059082984924, 0.4705882668495178, 0.4078431725502014]],
        [[0.07941175997257233, 0.34215685725212097, -0.13235294818878174],
         [0.19117647409439087, 0.17352941632270813, -0.00882352888584137]]], rtol=1e-6, atol=1e-7)
    ints = mx.nd.array(IMG.transpose(2, 0, 1)[:, :2, :3], dtype="int32")
    out = T.Normalize(10.0, 3.0)(ints)
    assert out.dtype == np.int32
    assert out.asnumpy().tolist() == [[[54, 60, 61], [9, 26, 5]], [[12, 19, 31], [25, 23, 22]],
                                      [[35, 80, 0], [54, 51, 20]]]
    norm = T.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))
    np.testing.assert_allclose(norm(mx.nd.stack(c, c)).asnumpy()[1], norm(c).asnumpy())


@pytest.mark.parametrize("shape, mean, std, match", [
    ((3, 2, 2), (1.0, 2.0), (1.0,), "mean must have either 1 or 3"),
    ((3, 4), (1.0,), (1.0,), "channels, height, width"),
    ((5, 2, 2), (1.0,), (1.0,), "1 or 3 elements"),
])
def test_normalize_errors(shape, mean, std, match):
    with pytest.raises(mx.MXNetError, match=match):
        T.Normalize(mean, std)(mx.nd.ones(shape))


def test_normalize_gradient():
    x = mx.nd.array(np.random.RandomState(2).rand(3, 2, 2))
    x.attach_grad()
    with autograd.record():
        y = T.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0))(x)
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy()[:, 0, 0], [2.0, 4.0, 0.5])


def test_cast():
    out = T.Cast("float16")(_x())
    assert out.dtype == np.float16 and out.asnumpy().tolist() == IMG.astype(np.float16).tolist()
    assert T.Cast()(_x()).dtype == np.float32


def test_random_flips():
    x = _x()
    for t, flipped in ((T.RandomFlipLeftRight(), IMG[:, ::-1]), (T.RandomFlipTopBottom(), IMG[::-1])):
        mx.random.seed(5)
        outs = [t(x).asnumpy() for _ in range(16)]
        kinds = [0 if np.array_equal(o, IMG) else 1 if np.array_equal(o, flipped) else -1 for o in outs]
        assert -1 not in kinds and 0 in kinds and 1 in kinds
        mx.random.seed(5)
        assert [t(x).asnumpy().tolist() for _ in range(16)] == [o.tolist() for o in outs]
    with pytest.raises(mx.MXNetError, match="height, width, channels"):
        T.RandomFlipLeftRight()(mx.nd.zeros((1, 2, 3, 3)))


def test_compose_groups_hybrid_runs_like_mxnet():
    c = T.Compose([T.Resize((6, 4)), T.CenterCrop(3), T.ToTensor(), T.Normalize(0.5, 0.25)])
    assert isinstance(c[0], T.Resize) and isinstance(c[1], T.CenterCrop)
    assert isinstance(c[2], nn.HybridSequential) and len(c) == 3      # ToTensor + Normalize, hybridized
    np.testing.assert_allclose(c(_x()).asnumpy()[1], [
        [-0.7921568155288696, -0.854901909828186, -0.7921568155288696],
        [-0.3215686082839966, -0.3686274290084839, 0.11764717102050781],
        [-0.039215683937072754, -0.16470587253570557, -0.4784313440322876]], rtol=1e-6, atol=1e-7)


def test_hybridized_equals_imperative():
    def make():
        net = nn.HybridSequential()
        net.add(T.Resize((6, 4)), T.ToTensor(), T.Normalize((0.1, 0.2, 0.3), (0.5, 0.25, 2.0)),
                T.Cast("float64"))
        return net
    imperative = make()(_x()).asnumpy()
    net = make()
    net.hybridize()
    hybrid = net(_x())
    assert hybrid.dtype == np.float64
    np.testing.assert_allclose(hybrid.asnumpy(), imperative, rtol=1e-7)


def test_random_apply():
    ra = T.RandomApply(T.Cast("float16"), p=0.5)
    random.seed(0)
    kinds = {np.dtype(ra(_x()).dtype) for _ in range(12)}
    assert kinds == {np.dtype(np.uint8), np.dtype(np.float16)}


def test_decoder_needs_pillow(monkeypatch):
    monkeypatch.setattr(_image, "_pil", lambda: None)
    with pytest.raises(mx.MXNetError, match="Pillow"):
        _image.decode_image(b"\x89PNG", 1, "test")


# Colour operators with a fixed factor (min_factor == max_factor), literals from MXNet 1.9.1.
def _op(name, x, **kw):
    from mxnet.ndarray.imperative import invoke
    from mxnet.gluon.data.vision.transforms import _LOCAL_OPS
    return invoke(_LOCAL_OPS[name], [x], kw).asnumpy()


COLOR_CASES = [
    ("_image_random_brightness", dict(min_factor=1.3, max_factor=1.3), 0,
     [[223, 61, 152], [249, 87, 255], [253, 133, 11], [255, 27, 255], [46, 113, 91], [255, 114, 182], [75, 250, 255]]),
    ("_image_random_contrast", dict(min_factor=1.4, max_factor=1.4), 1,
     [[6, 74, 195], [75, 65, 183], [0, 60, 53], [0, 159, 113], [243, 255, 228], [255, 62, 197], [221, 67, 90]]),
    ("_image_random_saturation", dict(min_factor=1.5, max_factor=1.5), 2,
     [[255, 251, 255], [35, 212, 212], [211, 248, 46], [255, 2, 255], [188, 46, 44], [255, 255, 217], [232, 255, 255]]),
    ("_image_random_hue", dict(min_factor=0.25, max_factor=0.25), 3,
     [[27, 183, 174], [81, 33, 128], [164, 139, 52], [153, 37, 244], [127, 16, 132], [186, 41, 50], [0, 90, 120]]),
    ("_image_random_hue", dict(min_factor=1.7, max_factor=1.7), 4,
     [[231, 202, 64], [34, 102, 70], [10, 174, 151], [81, 128, 82], [116, 52, 142], [120, 170, 149], [203, 79, 67]]),
    ("_image_adjust_lighting", dict(alpha=(0.1, -0.2, 0.3)), 4,
     [[61, 227, 166], [53, 31, 99], [115, 7, 171], [78, 87, 125], [138, 95, 50], [136, 117, 167], [80, 199, 65]]),
]


@pytest.mark.parametrize("name, kw, row, expected", COLOR_CASES)
def test_color_ops_match_mxnet(name, kw, row, expected):
    out = _op(name, _x(), **kw)
    assert out.dtype == np.uint8
    assert out[row].tolist() == expected


def test_color_ops_float_and_gray():
    xf = mx.nd.array(IMG.astype(np.float32) / 255)
    np.testing.assert_allclose(_op("_image_random_contrast", xf, min_factor=0.6, max_factor=0.6)[0, :2], [
        [0.5916165113449097, 0.297498881816864, 0.4622047543525696],
        [0.638675332069397, 0.3445577025413513, 0.7774989008903503]], rtol=1e-6)
    np.testing.assert_allclose(_op("_image_random_hue", xf, min_factor=0.6, max_factor=0.6)[0, :2], [
        [0.18431374430656433, 0.6549015045166016, 0.6745098233222961],
        [0.2627451419830322, 0.9843137264251709, 0.46431416273117065]], rtol=1e-6)
    gray = _x()[:, :, :1]
    assert _op("_image_random_saturation", gray, min_factor=1.5, max_factor=1.5).tolist() == IMG[:, :, :1].tolist()
    with pytest.raises(mx.MXNetError, match="1 or 3"):
        _op("_image_random_brightness", _x()[:, :, :2], min_factor=1.0, max_factor=1.0)
    with pytest.raises(mx.MXNetError, match="greater or equal to 0"):
        _op("_image_random_hue", _x(), min_factor=-0.4, max_factor=-0.4)


def test_random_color_transforms_are_seeded():
    ts = [T.RandomBrightness(0.3), T.RandomContrast(0.3), T.RandomSaturation(0.3), T.RandomHue(0.1),
          T.RandomColorJitter(0.2, 0.2, 0.2, 0.1), T.RandomLighting(0.1)]
    for t in ts:
        mx.random.seed(11)
        a = [t(_x()).asnumpy() for _ in range(2)]
        mx.random.seed(11)
        b = [t(_x()).asnumpy() for _ in range(2)]
        assert a[0].shape == (5, 7, 3) and a[0].dtype == np.uint8
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    assert np.array_equal(T.RandomBrightness(0)(_x()).asnumpy(), IMG)


def test_rotate_matches_mxnet():
    x = mx.nd.array(np.random.RandomState(0).rand(3, 5, 7).astype(np.float32))
    np.testing.assert_allclose(T.Rotate(30)(x).asnumpy()[0, :2], [
        [0.0, 0.1573543, 0.4059699, 0.4518538, 0.57517254, 0.86187154, 0.38838518],
        [0.44306695, 0.61401165, 0.6143866, 0.6797468, 0.7134808, 0.8193961, 0.8632273]], rtol=1e-5, atol=1e-6)
    np.random.seed(0)
    diff = np.abs(T.RandomRotation((-20, 20))(x).asnumpy() - x.asnumpy()).sum()
    assert abs(diff - 13.381982) < 1e-4
    rot = T.Rotate(90, zoom_out=True)(x)
    assert rot.shape == (3, 5, 7)
    batch = T.Rotate(15)(mx.nd.stack(x, x))
    np.testing.assert_allclose(batch.asnumpy()[1], T.Rotate(15)(x).asnumpy(), rtol=1e-6)
    with pytest.raises(TypeError, match="float32"):
        T.Rotate(30)(x.astype("uint8"))
    with pytest.raises(ValueError, match="cannot be both True"):
        T.Rotate(30, zoom_in=True, zoom_out=True)(x)
    with pytest.raises(ValueError, match="ordered tuple"):
        T.RandomRotation((10, 5))
    assert T.RandomRotation((1, 2), rotate_with_proba=0.0)(x) is x
