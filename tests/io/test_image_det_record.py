"""mx.io.ImageDetRecordIter and the ImageRecord dtype variants against MXNet 1.9.1 (values recorded
from the real library for the same generated images)."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import recordio

LABELS = [[2, 5, 0, 0.1, 0.2, 0.5, 0.6], [2, 5, 1, 0.2, 0.3, 0.4, 0.9, 2, 0.0, 0.0, 1.0, 1.0],
          [2, 5, 3, 0.5, 0.5, 0.7, 0.8]]


def _images():
    rng = np.random.RandomState(0)
    return [rng.randint(0, 255, (8, 10, 3)).astype(np.uint8) for _ in range(3)]   # RGB


def _write(path, labels):
    w = recordio.MXRecordIO(str(path), "w")
    for i, (img, lab) in enumerate(zip(_images(), labels)):
        w.write(recordio.pack_img(recordio.IRHeader(0, np.array(lab, np.float32), i, 0), img[:, :, ::-1],
                                  img_fmt=".png"))     # pack_img takes BGR, as OpenCV
    w.close()
    return str(path)


@pytest.fixture
def det_rec(tmp_path):
    return _write(tmp_path / "det.rec", LABELS)


@pytest.fixture
def cls_rec(tmp_path):
    return _write(tmp_path / "cls.rec", [0.0, 1.0, 2.0])


def _row(hw, lab, width, pad=-1.0):
    row = np.full(width, pad, np.float32)
    row[:4] = (3,) + hw + (len(lab),)
    row[4:4 + len(lab)] = lab
    return row


def test_det_labels_and_pixels_match_mxnet(det_rec):
    it = mx.io.ImageDetRecordIter(path_imgrec=det_rec, data_shape=(3, 8, 10), batch_size=2)
    # MXNet: label = [C, H, W, label length] + raw label padded to the longest (12) with -1
    assert it.provide_data[0].shape == (2, 3, 8, 10) and it.provide_label[0].shape == (2, 16)
    b1, b2 = list(it)
    np.testing.assert_allclose(b1.label[0].asnumpy(), [_row((8, 10), LABELS[0], 16), _row((8, 10), LABELS[1], 16)],
                               rtol=1e-6)
    np.testing.assert_allclose(b2.label[0].asnumpy(), [_row((8, 10), LABELS[2], 16), _row((8, 10), LABELS[0], 16)],
                               rtol=1e-6)
    assert (b1.pad, b2.pad) == (0, 1)
    np.testing.assert_array_equal(b2.index, [2, 0])
    imgs = _images()
    np.testing.assert_array_equal(b1.data[0].asnumpy()[0], imgs[0].transpose(2, 0, 1))
    np.testing.assert_array_equal(b2.data[0].asnumpy()[0], imgs[2].transpose(2, 0, 1))


def test_det_resize_pad_mirror_normalise(det_rec):
    it = mx.io.ImageDetRecordIter(path_imgrec=det_rec, data_shape=(3, 4, 5), batch_size=2, label_pad_width=20,
                                  label_pad_value=-2)
    assert it.provide_label[0].shape == (2, 24)
    b = next(it)
    np.testing.assert_allclose(b.label[0].asnumpy()[1], _row((4, 5), LABELS[1], 24, -2.0), rtol=1e-6)
    # MXNet's force-resized (bilinear) red channel of image 0
    np.testing.assert_allclose(b.data[0].asnumpy()[0, 0], [[145, 213, 124, 108, 111], [120, 120, 36, 117, 126],
                                                           [46, 89, 167, 143, 108], [55, 78, 93, 78, 150]], atol=1)
    it = mx.io.ImageDetRecordIter(path_imgrec=det_rec, data_shape=(3, 8, 10), batch_size=2, rand_mirror_prob=1.0)
    b = next(it)
    # mirrored boxes: xmin' = 1 - xmax, xmax' = 1 - xmin (MXNet: [0, 0.5, 0.2, 0.9, 0.6])
    np.testing.assert_allclose(b.label[0].asnumpy()[0, 6:11], [0, 0.5, 0.2, 0.9, 0.6], rtol=1e-6)
    np.testing.assert_allclose(b.label[0].asnumpy()[1, 11:16], [2, 0, 0, 1, 1], rtol=1e-6)
    np.testing.assert_array_equal(b.data[0].asnumpy()[0], _images()[0].transpose(2, 0, 1)[:, :, ::-1])
    it = mx.io.ImageDetRecordIter(path_imgrec=det_rec, data_shape=(3, 8, 10), batch_size=2, mean_r=10, std_r=2,
                                  std_g=4, scale=0.5)
    d = next(it).data[0].asnumpy()[0]
    np.testing.assert_allclose(d[0, 0, :4], [40.5, 45.5, 46.25, 50.25])      # MXNet's values
    np.testing.assert_allclose(d[2], _images()[0][:, :, 2] * 0.5)             # std 0 means 1


def test_det_errors(det_rec):
    with pytest.raises(mx.MXNetError, match="label_pad_width"):
        mx.io.ImageDetRecordIter(path_imgrec=det_rec, data_shape=(3, 8, 10), batch_size=2, label_pad_width=5)
    with pytest.raises(mx.MXNetError, match="rand_crop_prob"):
        mx.io.ImageDetRecordIter(path_imgrec=det_rec, data_shape=(3, 8, 10), batch_size=2, rand_crop_prob=0.5)
    with pytest.raises(TypeError):
        mx.io.ImageDetRecordIter(det_rec)


def test_dtype_variants_match_mxnet(cls_rec):
    first = [172, 47, 117]          # pixel (0, 0) of image 0, RGB
    cases = [("ImageRecordUInt8Iter", np.uint8, {"mean_r": 100, "scale": 0.5}, first),
             ("ImageRecordUInt8Iter_v1", np.uint8, {}, first),
             ("ImageRecordInt8Iter", np.int8, {}, [127, 47, 117]),
             ("ImageRecordInt8Iter", np.int8, {"mean_r": 300, "mean_g": 10, "std_g": 2, "scale": 0.5},
              [-128, 37, 117]),
             ("ImageRecordIter_v1", np.float32, {"mean_r": 100, "scale": 0.5}, [36, 23.5, 58.5])]
    for name, dtype, kw, pixel in cases:
        it = getattr(mx.io, name)(path_imgrec=cls_rec, data_shape=(3, 8, 10), batch_size=2, **kw)
        assert it.provide_data[0].dtype == dtype and it.provide_label[0].shape == (2,)
        b = next(it)
        assert b.data[0].dtype == dtype
        np.testing.assert_array_equal(b.data[0].asnumpy()[0, :, 0, 0], pixel)
        np.testing.assert_array_equal(b.label[0].asnumpy(), [0, 1])
    with pytest.raises(TypeError):
        mx.io.ImageRecordUInt8Iter(cls_rec)


def test_next_epoch_continues_after_the_wrapped_batch():
    # MXNet 1.9.1 on its own det.rec fixture (4 records, batch 3): pads per epoch [0, 2], [1], [0]
    import os
    rec = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "image", "det.rec")
    it = mx.io.ImageDetRecordIter(path_imgrec=rec, data_shape=(3, 16, 16), batch_size=3)
    pads = []
    for _ in range(3):
        pads.append([b.pad for b in it])
        it.reset()
    assert pads == [[0, 2], [1], [0]]
