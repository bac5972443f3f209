"""MNISTIter on the real MNIST files (data/mnist) and on tiny IDX files.

Expected labels and pixels were observed with MXNet 1.9.1 on the same data."""
import gzip
import os
import struct

import numpy as np
import pytest

import mxnet as mx
from mxnet.io.mnist import std_shuffle_permutation

MNIST_DIR = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "data", "mnist")
T10K = dict(image=os.path.join(MNIST_DIR, "t10k-images-idx3-ubyte.gz"),
            label=os.path.join(MNIST_DIR, "t10k-labels-idx1-ubyte.gz"), silent=True)
TRAIN = dict(image=os.path.join(MNIST_DIR, "train-images-idx3-ubyte.gz"),
             label=os.path.join(MNIST_DIR, "train-labels-idx1-ubyte.gz"), silent=True)


def labels(batch):
    return batch.label[0].asnumpy().astype(int).tolist()


@pytest.fixture(scope="module")
def t10k():
    it = mx.io.MNISTIter(batch_size=7, shuffle=False, **T10K)
    batches = [(b.data[0].asnumpy(), b.label[0].asnumpy(), b.pad) for b in it]
    return it, batches


def test_t10k_in_order(t10k):
    it, batches = t10k
    assert type(it) is mx.io.MXDataIter and it.batch_size == 7
    assert repr(it.provide_data) == "[DataDesc[data,(7, 1, 28, 28),<class 'numpy.float32'>,NCHW]]"
    assert repr(it.provide_label) == "[DataDesc[softmax_label,(7,),<class 'numpy.float32'>,NCHW]]"
    assert len(batches) == 1428                 # 10000 // 7: the incomplete last batch is dropped
    x, y, pad = batches[0]
    assert x.dtype == np.float32 and x.shape == (7, 1, 28, 28) and y.dtype == np.float32
    assert y.tolist() == [7, 2, 1, 0, 4, 1, 4] and pad == 0
    assert (x[0, 0, 14, 10:20] * 256).tolist() == [0, 0, 0, 0, 0, 0, 59, 249, 254, 62]
    assert x.max() == np.float32(255 / 256) and x.min() == 0      # pixel / 256, as MXNet
    assert batches[-1][1].tolist() == [6, 7, 8, 9, 0, 1, 2] and batches[-1][2] == 0
    counts = np.bincount(np.concatenate([b[1] for b in batches]).astype(int), minlength=10)
    assert counts.sum() == 9996


def test_reset_and_protocol(t10k):
    it, batches = t10k
    it.reset()
    b = it.next()
    assert labels(b) == [7, 2, 1, 0, 4, 1, 4] and b.pad == 0
    assert b.index.dtype == np.uint64 and b.index.tolist() == [0] * 7     # MXNet reports zeros
    assert it.iter_next() and it.getlabel().asnumpy().tolist() == [9, 5, 9, 0, 6, 9, 0]
    assert it.getdata().shape == (7, 1, 28, 28) and it.getpad() == 0


@pytest.mark.parametrize("seed, expected", [
    (0, [8, 2, 1, 5, 6, 2, 9, 4, 7, 3]),
    (3, [4, 9, 1, 6, 3, 6, 9, 6, 0, 9]),
])
def test_shuffle_matches_mxnet(seed, expected):
    it = mx.io.MNISTIter(batch_size=10, shuffle=True, seed=seed, **T10K)
    assert labels(it.next()) == expected
    for _ in it:
        pass
    it.reset()                                  # shuffled once, at construction
    assert labels(it.next()) == expected


def test_train_file_shuffled():
    it = mx.io.MNISTIter(batch_size=10, shuffle=True, seed=0, **TRAIN)
    assert labels(it.next()) == [0, 1, 7, 8, 2, 3, 9, 3, 2, 5]
    assert sum(1 for _ in it) + 1 == 6000


def test_flat():
    it = mx.io.MNISTIter(batch_size=10, shuffle=False, flat=True, **T10K)
    assert repr(it.provide_data) == "[DataDesc[data,(10, 784),<class 'numpy.float32'>,NCHW]]"
    x = it.next().data[0].asnumpy()
    assert x.shape == (10, 784)
    assert (x[0, 200:210] * 256).tolist() == [0, 0, 84, 185, 159, 151, 60, 36, 0, 0]


@pytest.mark.parametrize("num_parts, part_index, shuffle, first, nbatch", [
    (3, 0, False, [7, 2, 1, 0, 4], 666),
    (3, 1, False, [7, 5, 5, 5, 2], 666),
    (3, 2, False, [7, 6, 6, 6, 1], 666),
    (7, 6, False, [5, 6, 7, 8, 1], 285),
    (3, 1, True, [1, 4, 1, 9, 8], 666),      # seed 2
])
def test_parts(num_parts, part_index, shuffle, first, nbatch):
    it = mx.io.MNISTIter(batch_size=5, shuffle=shuffle, seed=2, num_parts=num_parts,
                         part_index=part_index, **T10K)
    assert labels(it.next()) == first
    assert sum(1 for _ in it) + 1 == nbatch


def test_kwargs_like_mxnet():
    it = mx.io.MNISTIter(batch_size="5", shuffle="False", data_name="img", label_name="lab",
                         input_shape=(1, 28, 28), ctx="cpu", dtype="float32", **T10K)
    assert [d.name for d in it.provide_data + it.provide_label] == ["img", "lab"]
    assert it.provide_data[0].shape == (5, 1, 28, 28)
    with pytest.raises(TypeError, match="keyword arguments"):
        mx.io.MNISTIter(T10K["image"])


def test_log_line(capfd):
    mx.io.MNISTIter(batch_size=5, shuffle=True, num_parts=2, image=T10K["image"],
                    label=T10K["label"])
    err = capfd.readouterr().err
    assert "MNISTIter: load 5000 images, shuffle=1, shape=[5,1,28,28]" in err


# -- tiny IDX files ----------------------------------------------------------------------------

def write_idx(tmp_path, n=7, rows=2, cols=3, compress=False):
    img = (np.arange(n * rows * cols).reshape(n, rows, cols) * 6).astype(np.uint8)
    ibytes = struct.pack(">iiii", 0x803, n, rows, cols) + img.tobytes()
    lbytes = struct.pack(">ii", 0x801, n) + np.arange(n, dtype=np.uint8).tobytes()
    suffix = ".gz" if compress else ""
    ipath, lpath = tmp_path / ("img" + suffix), tmp_path / ("lab" + suffix)
    ipath.write_bytes(gzip.compress(ibytes) if compress else ibytes)
    lpath.write_bytes(gzip.compress(lbytes) if compress else lbytes)
    return str(ipath), str(lpath)


@pytest.mark.parametrize("compress", [False, True])
def test_tiny_plain_and_gzip(tmp_path, compress):
    image, label = write_idx(tmp_path, compress=compress)
    it = mx.io.MNISTIter(image=image, label=label, batch_size=3, shuffle=False, flat=True,
                         silent=True)
    assert repr(it.provide_data) == "[DataDesc[data,(3, 6),<class 'numpy.float32'>,NCHW]]"
    b = it.next()
    assert b.data[0].asnumpy()[1].tolist() == [0.140625, 0.1640625, 0.1875, 0.2109375,
                                               0.234375, 0.2578125]
    assert [labels(b)] + [labels(x) for x in it] == [[0, 1, 2], [3, 4, 5]]


def test_gz_fallback_for_uncompressed_name(tmp_path):
    image, label = write_idx(tmp_path, compress=True)
    it = mx.io.MNISTIter(image=image[:-3], label=label[:-3], batch_size=7, shuffle=False,
                         silent=True)
    assert labels(it.next()) == list(range(7))


@pytest.mark.parametrize("seed, expected", [
    (0, [[0, 2], [3, 5], [4, 1]]),
    (5, [[2, 5], [6, 3], [4, 0]]),
    (-1, [[2, 0], [4, 6], [5, 1]]),
])
def test_tiny_shuffle_matches_mxnet(tmp_path, seed, expected):
    image, label = write_idx(tmp_path)
    it = mx.io.MNISTIter(image=image, label=label, batch_size=2, shuffle=True, seed=seed,
                         silent=True)
    assert [labels(b) for b in it] == expected


def test_std_shuffle_permutation_is_a_permutation():
    for n in (0, 1, 2, 9, 1000):
        p = std_shuffle_permutation(n, 123)
        assert sorted(p.tolist()) == list(range(n))


def test_batch_larger_than_data_is_empty(tmp_path):
    image, label = write_idx(tmp_path)
    it = mx.io.MNISTIter(image=image, label=label, batch_size=8, silent=True)
    assert it.provide_data[0].shape == (8, 1, 2, 3) and list(it) == []


def test_bad_files(tmp_path):
    image, label = write_idx(tmp_path)
    missing = str(tmp_path / "nope")
    with pytest.raises(mx.MXNetError, match="cannot open image file.*nope"):
        mx.io.MNISTIter(image=missing, label=label, silent=True)
    with pytest.raises(mx.MXNetError, match="cannot open label file.*nope"):
        mx.io.MNISTIter(image=image, label=missing, silent=True)
    with pytest.raises(mx.MXNetError, match="label file .*img.* magic number 0x00000803"):
        mx.io.MNISTIter(image=image, label=image, silent=True)
    trunc = tmp_path / "trunc"
    trunc.write_bytes(struct.pack(">iiii", 0x803, 5, 28, 28) + b"\0" * 20)
    with pytest.raises(mx.MXNetError, match=r"trunc.*truncated.*\(5, 28, 28\)"):
        mx.io.MNISTIter(image=str(trunc), label=label, silent=True)
    short = tmp_path / "short"
    short.write_bytes(b"\0\0\x08")
    with pytest.raises(mx.MXNetError, match="short.*too short"):
        mx.io.MNISTIter(image=str(short), label=label, silent=True)
    badgz = tmp_path / "bad.gz"
    badgz.write_bytes(b"\x1f\x8b" + b"garbage")
    with pytest.raises(mx.MXNetError, match="corrupt gzip image file.*bad.gz"):
        mx.io.MNISTIter(image=str(badgz), label=label, silent=True)
    few = tmp_path / "few"
    few.write_bytes(struct.pack(">ii", 0x801, 3) + bytes([1, 2, 3]))
    with pytest.raises(mx.MXNetError, match="has 7 images but label file.*few.*has 3"):
        mx.io.MNISTIter(image=image, label=str(few), silent=True)


def test_bad_params(tmp_path):
    image, label = write_idx(tmp_path)
    kw = dict(image=image, label=label, silent=True)
    with pytest.raises(mx.MXNetError, match="batch_size should be greater equal to 1"):
        mx.io.MNISTIter(batch_size=0, **kw)
    with pytest.raises(mx.MXNetError, match="Invalid Parameter format for batch_size"):
        mx.io.MNISTIter(batch_size="abc", **kw)
    with pytest.raises(mx.MXNetError, match="num_parts=2 part_index=2"):
        mx.io.MNISTIter(num_parts=2, part_index=2, **kw)
    with pytest.raises(mx.MXNetError, match="dtype float64 is not supported"):
        mx.io.MNISTIter(dtype="float64", **kw)
