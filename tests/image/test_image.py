"""mx.image: decoding (PNG/PPM built in), geometry helpers, augmenters and ImageIter, checked
against arrays made by MXNet 1.9.1 (tests/fixtures/mxnet-1.9.1/image/README.md)."""
import os
import random

import numpy as np
import pytest

import mxnet as mx
from mxnet import recordio
from mxnet.ops import image_codec

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "image")
EXP = np.load(os.path.join(FIX, "expected.npz"))
PNGS = ["rgb_filters.png", "rgb_paeth.png", "rgba.png", "gray.png", "gray_alpha.png", "rgb16.png",
        "palette4.png"]


def _read(name):
    with open(os.path.join(FIX, name), "rb") as f:
        return f.read()


def _img():
    return mx.image.imdecode(_read("rgb_filters.png"))


@pytest.mark.parametrize("name", PNGS)
@pytest.mark.parametrize("flag, to_rgb", [(0, 0), (0, 1), (1, 0), (1, 1)])
def test_imdecode_png_matches_mxnet(name, flag, to_rgb):
    got = mx.image.imdecode(_read(name), flag=flag, to_rgb=to_rgb)
    want = EXP["decode/%s/%d/%d" % (name, flag, to_rgb)]
    assert got.dtype == np.uint8 and got.shape == want.shape
    # libpng's colour -> grey differs from its fixed-point formula by 1 on a few pixels
    np.testing.assert_allclose(got.asnumpy(), want, atol=1 if flag == 0 and name not in ("gray.png",) else 0)


def test_imdecode_ppm_pgm_and_inputs():
    rgb, gray = EXP["raw/rgb"], EXP["raw/gray"]
    np.testing.assert_array_equal(mx.image.imdecode(_read("rgb.ppm")).asnumpy(), rgb)
    np.testing.assert_array_equal(mx.image.imdecode(_read("rgb.ppm"), to_rgb=0).asnumpy(), rgb[:, :, ::-1])
    np.testing.assert_array_equal(mx.image.imdecode(_read("gray.pgm"), flag=0).asnumpy(), gray[:, :, None])
    np.testing.assert_array_equal(mx.image.imdecode(_read("gray.pgm")).asnumpy(), np.repeat(gray[:, :, None], 3, 2))
    # bytearray, numpy and NDArray buffers; imread
    arr = np.frombuffer(_read("rgb_paeth.png"), np.uint8)
    for buf in (bytearray(arr.tobytes()), arr, mx.nd.array(arr, dtype=np.uint8)):
        np.testing.assert_array_equal(mx.image.imdecode(buf).asnumpy(), EXP["decode/rgb_paeth.png/1/1"])
    np.testing.assert_array_equal(mx.image.imread(os.path.join(FIX, "rgba.png")).asnumpy(),
                                  EXP["decode/rgba.png/1/1"])
    with pytest.raises(ValueError, match="bytes"):
        mx.image.imdecode("not bytes")
    with pytest.raises(mx.MXNetError, match="Decoding failed"):
        mx.image.imdecode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 30).asnumpy()
    with pytest.raises(mx.MXNetError):
        mx.image.imread(os.path.join(FIX, "missing.png")).asnumpy()


def test_jpeg_without_pillow_says_what_to_install(monkeypatch):
    monkeypatch.setattr(image_codec, "_pillow", lambda: None)
    monkeypatch.setattr(image_codec, "_cv2", lambda: None)
    with pytest.raises(mx.MXNetError, match=r"JPEG needs Pillow: pip install neomx\[image\]"):
        mx.image.imdecode(b"\xff\xd8\xff\xe0" + b"\x00" * 20).asnumpy()
    with pytest.raises(mx.MXNetError, match="Pillow"):
        image_codec.encode(np.zeros((2, 2, 3), np.uint8), ".jpg")


@pytest.mark.parametrize("shape", [(3, 4, 3), (2, 5, 1), (4, 3, 4), (1, 1, 2)])
def test_png_ppm_roundtrip_and_recordio(shape):
    a = np.random.RandomState(sum(shape)).randint(0, 256, shape).astype(np.uint8)
    back = image_codec.decode(image_codec.encode(a, ".png"), flag=-1)
    np.testing.assert_array_equal(back, a)
    if shape[2] in (1, 3):
        np.testing.assert_array_equal(image_codec.decode(image_codec.encode(a, ".ppm"), flag=-1), a)
        bgr = a if shape[2] == 1 else a[:, :, ::-1]
        header, img = recordio.unpack_img(recordio.pack_img((0, 2.0, 7, 0), bgr, img_fmt=".png"),
                                          iscolor=1 if shape[2] == 3 else 0)
        assert header.label == 2.0 and header.id == 7
        np.testing.assert_array_equal(img, bgr if shape[2] == 3 else a[:, :, 0])


def test_geometry_helpers_match_mxnet():
    img = _img()
    np.testing.assert_array_equal(mx.image.resize_short(img, 10).asnumpy(), EXP["resize_short/10"])
    np.testing.assert_array_equal(mx.image.center_crop(img, (8, 6))[0].asnumpy(), EXP["center_crop/8x6"])
    out, rect = mx.image.center_crop(img, (20, 20))
    np.testing.assert_array_equal(out.asnumpy(), EXP["center_crop/20x20"])
    assert rect == (2, 0, 13, 13)
    np.testing.assert_array_equal(mx.image.fixed_crop(img, 2, 3, 9, 5, size=(12, 8)).asnumpy(), EXP["fixed_crop"])
    np.testing.assert_array_equal(mx.image.copyMakeBorder(img, 2, 3, 4, 1, type=1, value=7).asnumpy(),
                                  EXP["border/1"])
    np.testing.assert_array_equal(mx.image.imresize(img, 9, 7, interp=2).asnumpy(), EXP["resize/2/9x7"])
    assert mx.image.scale_down((640, 480), (720, 120)) == (640, 106)
    random.seed(3)
    out, (x0, y0, w, h) = mx.image.random_crop(img, (6, 5))
    np.testing.assert_array_equal(out.asnumpy(), img.asnumpy()[y0:y0 + 5, x0:x0 + 6])
    out, _ = mx.image.random_size_crop(img, (7, 7), 0.3, (0.75, 1.33))
    assert out.shape == (7, 7, 3)
    f = img.astype("float32")
    normed = mx.image.color_normalize(f.copy(), mx.nd.array([1, 2, 3]), mx.nd.array([2, 2, 2]))
    np.testing.assert_allclose(normed.asnumpy(),
                               (img.asnumpy() - np.array([1, 2, 3])) / 2, rtol=1e-6)
    with pytest.raises(ValueError):
        mx.image._get_interp_method(7)


def test_imrotate():
    x = mx.nd.array(np.random.RandomState(0).rand(3, 6, 6))
    np.testing.assert_allclose(mx.image.imrotate(x, 0).asnumpy(), x.asnumpy(), atol=1e-6)
    np.testing.assert_allclose(mx.image.imrotate(x, 180).asnumpy(), x.asnumpy()[:, ::-1, ::-1], atol=1e-5)
    assert mx.image.random_rotate(mx.nd.stack(x, x), (-10, 10)).shape == (2, 3, 6, 6)
    with pytest.raises(TypeError):
        mx.image.imrotate(x.astype("uint8"), 10)
    with pytest.raises(ValueError):
        mx.image.imrotate(x, 10, zoom_in=True, zoom_out=True)


def test_augmenters():
    img = _img()
    random.seed(0)
    np.random.seed(0)
    augs = mx.image.CreateAugmenter((3, 8, 8), resize=10, rand_crop=True, rand_resize=True, rand_mirror=True,
                                    mean=True, std=True, brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1,
                                    pca_noise=0.1, rand_gray=0.5)
    assert [type(a).__name__ for a in augs] == [
        "ResizeAug", "RandomSizedCropAug", "HorizontalFlipAug", "CastAug", "ColorJitterAug", "HueJitterAug",
        "LightingAug", "RandomGrayAug", "ColorNormalizeAug"]
    out = mx.image.SequentialAug(augs)(img)
    assert out.shape == (8, 8, 3) and out.dtype == np.float32 and np.isfinite(out.asnumpy()).all()
    assert [type(a).__name__ for a in mx.image.CreateAugmenter((3, 4, 4))] == ["CenterCropAug", "CastAug"]
    assert augs[0].dumps() == '["resizeaug", {"size": 10, "interp": 2}]'
    f = img.astype("float32")
    # fixed factors: brightness 0 jitter is identity, flip p=1 flips, gray p=1 is the weighted sum
    np.testing.assert_array_equal(mx.image.BrightnessJitterAug(0)(f.copy()).asnumpy(), f.asnumpy())
    np.testing.assert_array_equal(mx.image.HorizontalFlipAug(1)(img).asnumpy(), img.asnumpy()[:, ::-1])
    g = mx.image.RandomGrayAug(1)(f).asnumpy()
    np.testing.assert_allclose(g[..., 0], f.asnumpy() @ np.array([0.21, 0.72, 0.07]), rtol=1e-5)
    assert mx.image.ForceResizeAug((5, 4))(img).shape == (4, 5, 3)
    assert mx.image.CastAug("float64")(img).dtype == np.float64
    np.testing.assert_allclose(mx.image.HueJitterAug(0)(f).asnumpy(), f.asnumpy(), atol=1)
    for aug in (mx.image.ContrastJitterAug(0.3), mx.image.SaturationJitterAug(0.3),
                mx.image.ColorNormalizeAug([1, 2, 3], [4, 5, 6]), mx.image.RandomCropAug((5, 5)),
                mx.image.CenterCropAug((5, 5)), mx.image.ResizeAug(6)):
        assert aug(f.copy()).ndim == 3


def test_imageiter_recordio_matches_mxnet():
    it = mx.image.ImageIter(batch_size=2, data_shape=(3, 8, 10), path_imgrec=os.path.join(FIX, "images.rec"))
    assert it.provide_data[0].shape == (2, 3, 8, 10) and it.provide_label[0].shape == (2,)
    batches = list(it)
    assert len(batches) == 3
    for k, b in enumerate(batches):
        np.testing.assert_array_equal(b.data[0].asnumpy(), EXP["imageiter/%d/data" % k])
        np.testing.assert_array_equal(b.label[0].asnumpy(), EXP["imageiter/%d/label" % k])
        assert b.pad == int(EXP["imageiter/%d/pad" % k])
    it.reset()
    assert len(list(it)) == 3


def test_imageiter_lists_shuffle_and_last_batch(tmp_path):
    names = PNGS[:5]
    lst = tmp_path / "list.lst"
    lst.write_text("".join("%d\t%d.0\t%s\n" % (i, i, n) for i, n in enumerate(names)))
    it = mx.image.ImageIter(2, (3, 6, 6), path_imglist=str(lst), path_root=FIX, last_batch_handle="discard")
    got = [b.label[0].asnumpy().tolist() for b in it]
    assert got == [[0, 1], [2, 3]]
    it = mx.image.ImageIter(2, (3, 6, 6), imglist=[[float(i), n] for i, n in enumerate(names)], path_root=FIX,
                            last_batch_handle="roll_over")
    assert [b.label[0].asnumpy().tolist() for b in it] == [[0, 1], [2, 3]]
    it.reset()
    assert next(it).label[0].asnumpy().tolist() == [4, 0]
    it = mx.image.ImageIter(3, (3, 6, 6), label_width=2, imglist=[[1.0, 2.0, n] for n in names], path_root=FIX)
    b = next(it)
    assert b.label[0].shape == (3, 2) and b.label[0].asnumpy().tolist() == [[1, 2]] * 3
    random.seed(1)
    it = mx.image.ImageIter(5, (3, 6, 6), path_imgrec=os.path.join(FIX, "images.rec"),
                            path_imgidx=os.path.join(FIX, "images.idx"), shuffle=True, rand_mirror=True)
    labels = next(it).label[0].asnumpy()
    assert sorted(labels.tolist()) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError):
        mx.image.ImageIter(2, (1, 6, 6), imglist=[[0.0, names[0]]], path_root=FIX)


EIG = (np.array([55.46, 4.794, 1.148]), np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                                                  [-0.5836, -0.6948, 0.4203]]))
SEEDED_AUGS = [("randomcrop", lambda: mx.image.RandomCropAug((7, 6))),
               ("randomsizedcrop", lambda: mx.image.RandomSizedCropAug((8, 8), 0.3, (0.75, 1.33))),
               ("flip", lambda: mx.image.HorizontalFlipAug(0.5)),
               ("colorjitter", lambda: mx.image.ColorJitterAug(0.3, 0.3, 0.3)),
               ("hue", lambda: mx.image.HueJitterAug(0.3)),
               ("lighting", lambda: mx.image.LightingAug(0.1, *EIG)),
               ("gray", lambda: mx.image.RandomGrayAug(0.5))]


@pytest.mark.parametrize("name, make", SEEDED_AUGS, ids=[a[0] for a in SEEDED_AUGS])
def test_seeded_augmenters_match_mxnet(name, make):
    """Same seeds of Python's random / NumPy -> the same draws and outputs as MXNet."""
    f = _img().astype("float32")
    aug = make()
    random.seed(5)
    np.random.seed(5)
    np.testing.assert_allclose(np.stack([aug(f.copy()).asnumpy() for _ in range(3)]), EXP["aug/" + name],
                               rtol=1e-5, atol=1e-3)


def test_create_augmenter_pipeline_matches_mxnet():
    random.seed(7)
    np.random.seed(7)
    out = _img()
    for aug in mx.image.CreateAugmenter((3, 8, 8), resize=10, rand_crop=True, rand_mirror=True, mean=True,
                                        std=True, brightness=0.2, contrast=0.2, saturation=0.2, hue=0.1,
                                        pca_noise=0.1):
        out = aug(out)
    np.testing.assert_allclose(out.asnumpy(), EXP["aug/create"], rtol=1e-5, atol=1e-5)


def test_nd_imdecode_legacy():
    from mxnet.ndarray.legacy_image import imdecode
    rgb = EXP["decode/rgb_filters.png/1/1"].astype(np.float32)
    y = imdecode(_read("rgb_filters.png"), clip_rect=(1, 2, 5, 6), mean=mx.nd.array([1, 2, 3]))
    assert y.shape == (1, 3, 4, 4) and y.dtype == np.float32
    np.testing.assert_array_equal(y.asnumpy()[0],
                                  rgb[2:6, 1:5].transpose(2, 0, 1) - np.array([1, 2, 3]).reshape(3, 1, 1))
    out = mx.nd.zeros((2, 3, 13, 17))
    imdecode(_read("rgb_filters.png"), out=out, index=1)
    np.testing.assert_array_equal(out.asnumpy()[1], rgb.transpose(2, 0, 1))
    with pytest.raises(mx.MXNetError, match="clip_rect"):
        imdecode(_read("rgb_filters.png"), clip_rect=(0, 0, 40, 40))


def test_image_det_iter_matches_mxnet():
    it = mx.image.ImageDetIter(batch_size=3, data_shape=(3, 8, 10), path_imgrec=os.path.join(FIX, "det.rec"))
    assert it.provide_label[0][1] == tuple(EXP["detiter/label_shape"])
    batches = list(it)
    assert len(batches) == 2
    for k, b in enumerate(batches):
        np.testing.assert_array_equal(b.data[0].asnumpy(), EXP["detiter/%d/data" % k])
        np.testing.assert_allclose(b.label[0].asnumpy(), EXP["detiter/%d/label" % k], rtol=1e-6)
        assert b.pad == int(EXP["detiter/%d/pad" % k])
    random.seed(2)
    it = mx.image.ImageDetIter(batch_size=2, data_shape=(3, 8, 8), path_imgrec=os.path.join(FIX, "det.rec"),
                               rand_crop=0.5, rand_pad=0.5, rand_mirror=True, mean=True, std=True,
                               brightness=0.1, hue=0.1, last_batch_handle="discard")
    b = next(it)
    assert b.data[0].shape == (2, 3, 8, 8) and b.label[0].shape == (2, 3, 5)
    other = mx.image.ImageDetIter(batch_size=2, data_shape=(3, 8, 8),
                                  imglist=[[2, 5, 0, .1, .1, .5, .5, "rgb_filters.png"]],
                                  path_root=FIX)
    assert other.label_shape == (1, 5)
    it.sync_label_shape(other)
    assert other.provide_label[0][1] == (2, 3, 5)
    np.testing.assert_allclose(next(other).label[0].asnumpy()[0],
                               [[0, .1, .1, .5, .5], [-1] * 5, [-1] * 5], rtol=1e-6)


@pytest.mark.parametrize("name, make", [
    ("crop", lambda: mx.image.DetRandomCropAug(min_object_covered=0.3, area_range=(0.3, 1.0))),
    ("pad", lambda: mx.image.DetRandomPadAug(area_range=(1.0, 2.0), pad_val=(1, 2, 3))),
    ("flip", lambda: mx.image.DetHorizontalFlipAug(0.5))])
def test_seeded_det_augmenters_match_mxnet(name, make):
    img = _img()
    label = np.array([[0, .2, .2, .4, .4], [1, .5, .1, .9, .6], [3, .1, .6, .3, .9]], np.float32)
    aug = make()
    random.seed(11)
    for j in range(3):
        out, lab = aug(img, label)      # the flip changes `label` in place, as MXNet's does
        np.testing.assert_array_equal(out.asnumpy(), EXP["detaug/%s/%d/img" % (name, j)])
        np.testing.assert_allclose(np.asarray(lab), EXP["detaug/%s/%d/label" % (name, j)], rtol=1e-6)
    assert [type(a).__name__ for a in mx.image.CreateDetAugmenter((3, 8, 8), resize=10, rand_crop=0.5, rand_pad=0.5,
                                                                   rand_mirror=True, mean=True)] == [
        "DetBorrowAug", "DetRandomSelectAug", "DetHorizontalFlipAug", "DetRandomSelectAug", "DetBorrowAug",
        "DetBorrowAug", "DetBorrowAug"]
