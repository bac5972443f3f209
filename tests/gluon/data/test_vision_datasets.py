"""Vision datasets: MNIST from the repository's data/mnist, the others from tiny files made here."""
import gzip
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet.gluon.data import DataLoader, vision
from mxnet import recordio
from mxnet.gluon.data.vision import _image
from mxnet.gluon.data.vision import datasets as vd

MNIST_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data", "mnist")


@pytest.fixture
def offline(monkeypatch):
    def fail(url, path, sha1_hash=None):
        raise OSError("network disabled in tests")
    monkeypatch.setattr(vd, "_download", fail)


def test_mnist_test_set_as_mxnet_shows_it():
    ds = vision.MNIST(root=MNIST_ROOT, train=False)
    assert len(ds) == 10000
    x, y = ds[0]
    assert isinstance(x, mx.nd.NDArray) and x.shape == (28, 28, 1) and x.dtype == np.uint8
    assert isinstance(y, np.int32) and y == 7
    assert [int(ds[i][1]) for i in range(10)] == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert int(x.asnumpy().sum()) == 18454
    assert np.bincount(ds._label).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_mnist_train_labels_and_transform():
    ds = vision.MNIST(root=MNIST_ROOT, train=True, transform=lambda d, l: (d.astype("float32") / 255, l + 1))
    assert len(ds) == 60000
    assert [int(ds[i][1]) - 1 for i in range(10)] == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert ds[0][0].dtype == np.float32
    assert int(round(float(ds[0][0].asnumpy().sum()) * 255)) == 27525


def test_mnist_default_root():
    import inspect
    root = inspect.signature(vision.MNIST).parameters["root"].default
    assert root.replace(os.sep, "/").endswith(".mxnet/datasets/mnist")


def test_mnist_missing_files_error(tmp_path, offline):
    with pytest.raises(mx.MXNetError) as info:
        vision.MNIST(root=str(tmp_path), train=False)
    msg = str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert str(tmp_path) in msg and "network disabled" in msg


def _write_idx(path, arr, gz=True):
    head = (0x800 | arr.ndim).to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
    data = head + arr.astype(np.uint8).tobytes()
    if gz:
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)


def test_fashion_mnist_from_idx_files(tmp_path):
    imgs = np.random.RandomState(0).randint(0, 256, (3, 28, 28))
    _write_idx(str(tmp_path / "t10k-images-idx3-ubyte.gz"), imgs)
    _write_idx(str(tmp_path / "t10k-labels-idx1-ubyte"), np.array([3, 1, 4]), gz=False)   # uncompressed
    ds = vision.FashionMNIST(root=str(tmp_path), train=False)
    assert len(ds) == 3 and [int(ds[i][1]) for i in range(3)] == [3, 1, 4]
    np.testing.assert_array_equal(ds[2][0].asnumpy()[:, :, 0], imgs[2])


def test_mnist_corrupt_file(tmp_path):
    _write_idx(str(tmp_path / "t10k-images-idx3-ubyte.gz"), np.zeros((2, 28, 28)))
    _write_idx(str(tmp_path / "t10k-labels-idx1-ubyte.gz"), np.zeros((2, 2)))   # wrong rank
    with pytest.raises(mx.MXNetError, match="not an IDX file with 1 dimension"):
        vision.MNIST(root=str(tmp_path), train=False)


def _cifar_records(n, n_labels, seed):
    rs = np.random.RandomState(seed)
    labels = rs.randint(0, 10, (n, n_labels))
    pixels = rs.randint(0, 256, (n, 3, 32, 32))
    raw = np.concatenate([labels, pixels.reshape(n, -1)], axis=1).astype(np.uint8).tobytes()
    return raw, labels, pixels


def test_cifar10_binary_batches(tmp_path):
    sub = tmp_path / "cifar-10-batches-bin"
    sub.mkdir()
    raw, labels, pixels = _cifar_records(4, 1, 0)
    (sub / "test_batch.bin").write_bytes(raw)
    ds = vision.CIFAR10(root=str(tmp_path), train=False)
    assert len(ds) == 4
    x, y = ds[1]
    assert x.shape == (32, 32, 3) and x.dtype == np.uint8 and y == labels[1, 0] and ds._label.dtype == np.int32
    np.testing.assert_array_equal(x.asnumpy(), pixels[1].transpose(1, 2, 0))
    for i in range(1, 6):
        (tmp_path / ("data_batch_%d.bin" % i)).write_bytes(_cifar_records(2, 1, i)[0])
    assert len(vision.CIFAR10(root=str(tmp_path), train=True)) == 10


def test_cifar100_fine_and_coarse(tmp_path):
    raw, labels, pixels = _cifar_records(3, 2, 1)
    (tmp_path / "train.bin").write_bytes(raw)
    coarse = vision.CIFAR100(root=str(tmp_path))
    fine = vision.CIFAR100(root=str(tmp_path), fine_label=True)
    assert [int(coarse[i][1]) for i in range(3)] == labels[:, 0].tolist()
    assert [int(fine[i][1]) for i in range(3)] == labels[:, 1].tolist()
    np.testing.assert_array_equal(fine[2][0].asnumpy(), pixels[2].transpose(1, 2, 0))


def test_cifar_missing_and_corrupt(tmp_path, offline):
    with pytest.raises(mx.MXNetError, match="test_batch.bin"):
        vision.CIFAR10(root=str(tmp_path), train=False)
    (tmp_path / "test_batch.bin").write_bytes(b"\0" * 100)
    with pytest.raises(mx.MXNetError, match="multiple of the 3073-byte record"):
        vision.CIFAR10(root=str(tmp_path), train=False)


def _fake_decoder(source, flag=1, who="", to_rgb=True):
    """Stands in for Pillow: the 'image' is its file name length (or byte count) painted on 2x3."""
    n = len(source) if isinstance(source, bytes) else len(os.path.basename(source))
    return np.full((2, 3, 3 if flag else 1), n, dtype=np.uint8)


def test_image_folder_dataset(tmp_path, monkeypatch):
    for cls, files in (("cat", ["b.png", "a.jpg", "notes.txt"]), ("ant", ["x.JPEG"])):
        (tmp_path / cls).mkdir()
        for f in files:
            (tmp_path / cls / f).write_bytes(b"")
    (tmp_path / "README").write_text("not a class")
    with pytest.warns(UserWarning):
        ds = vision.ImageFolderDataset(str(tmp_path))
    assert ds.synsets == ["ant", "cat"]
    assert [(os.path.basename(f), l) for f, l in ds.items] == [("x.JPEG", 0), ("a.jpg", 1), ("b.png", 1)]
    with pytest.raises(mx.MXNetError, match="Pillow"):
        monkeypatch.setattr(_image, "_pil", lambda: None)
        ds[0]
    monkeypatch.setattr(_image, "decode_image", _fake_decoder)
    img, label = ds[1]
    assert isinstance(img, mx.nd.NDArray) and img.shape == (2, 3, 3) and img.dtype == np.uint8 and label == 1
    with pytest.warns(UserWarning):
        gray = vision.ImageFolderDataset(str(tmp_path), flag=0, transform=lambda d, l: (d, l * 10))
    assert gray[2][0].shape == (2, 3, 1) and gray[2][1] == 10
    data, labels = next(iter(DataLoader(ds, batch_size=3)))
    assert data.shape == (3, 2, 3, 3) and labels.asnumpy().tolist() == [0, 1, 1]


def test_image_record_dataset(tmp_path, monkeypatch):
    w = recordio.MXIndexedRecordIO(str(tmp_path / "i.idx"), str(tmp_path / "i.rec"), "w")
    for i in range(3):
        w.write_idx(i, recordio.pack(recordio.IRHeader(0, float(i), i, 0), b"x" * (i + 1)))
    w.close()
    monkeypatch.setattr(_image, "decode_image", _fake_decoder)
    ds = vision.ImageRecordDataset(str(tmp_path / "i.rec"))
    img, label = ds[2]
    assert label == 2.0 and img.shape == (2, 3, 3) and int(img.asnumpy()[0, 0, 0]) == 3
    # forked workers read the shared record file at their own offsets
    got = [b[1].asnumpy().tolist() for b in DataLoader(ds, batch_size=1, num_workers=2)]
    assert got == [[0.0], [1.0], [2.0]]


class _FakePIL:
    """Minimal stand-in for PIL.Image that 'encodes' images as .npy files."""

    class _Img:
        def __init__(self, arr):
            self.arr = arr

        def load(self):
            pass

        def convert(self, mode):
            a = self.arr if self.arr.ndim == 3 else np.repeat(self.arr[:, :, None], 3, axis=2)
            if mode == "L":
                return _FakePIL._Img(a[:, :, :3].mean(axis=2).astype(np.uint8))
            return _FakePIL._Img(a[:, :, :3])

        def __array__(self, dtype=None, copy=None):
            return self.arr if dtype is None else self.arr.astype(dtype)

        def save(self, buf, format=None, quality=None):
            np.save(buf, self.arr)

    @staticmethod
    def open(source):
        return _FakePIL._Img(np.load(source))

    @staticmethod
    def fromarray(arr):
        return _FakePIL._Img(np.asarray(arr))


def test_decode_and_pack_img_channel_order(monkeypatch):
    monkeypatch.setattr(_image, "_pil", lambda: _FakePIL)
    rgb = np.random.RandomState(0).randint(0, 256, (2, 3, 3)).astype(np.uint8)
    png = _image.encode_image(rgb, ".png")
    np.testing.assert_array_equal(_image.decode_image(png, 1), rgb)
    np.testing.assert_array_equal(_image.decode_image(png, 1, to_rgb=False), rgb[:, :, ::-1])
    assert _image.decode_image(png, 0).shape == (2, 3, 1)
    bgr = rgb[:, :, ::-1]
    header, img = recordio.unpack_img(recordio.pack_img((0, 4.0, 1, 0), bgr, img_fmt=".png"))
    assert header.label == 4.0
    np.testing.assert_array_equal(img, bgr)          # OpenCV order in, OpenCV order out
    with pytest.raises(mx.MXNetError, match="unsupported image format"):
        _image.encode_image(rgb, ".bmp")
