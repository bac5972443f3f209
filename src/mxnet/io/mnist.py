"""MNISTIter: batches from MNIST's IDX files (plain or gzip-compressed), as MXNet reads them."""
import gzip
import os

import numpy as np

from ..base import MXNetError
from ..ops.params import Int, Bool, Str
from .native import IterParam, PREFETCH_PARAMS, Batch, Handle, make_creator, log_info

__all__ = ["MNISTIter"]

_IMAGE_MAGIC = 0x00000803   # uint8, 3 dimensions
_LABEL_MAGIC = 0x00000801   # uint8, 1 dimension

MNIST_PARAMS = (
    IterParam("image", Str, "./train-images-idx3-ubyte", "Dataset Param: Mnist image path."),
    IterParam("label", Str, "./train-labels-idx1-ubyte", "Dataset Param: Mnist label path."),
    IterParam("batch_size", Int, 128, "Batch Param: Batch Size.", lower=1),
    IterParam("shuffle", Bool, True, "Augmentation Param: Whether to shuffle data."),
    IterParam("flat", Bool, False, "Augmentation Param: Whether to flat the data into 1D."),
    IterParam("seed", Int, 0, "Augmentation Param: Random Seed."),
    IterParam("silent", Bool, False, "Auxiliary Param: Whether to print out data info."),
    IterParam("num_parts", Int, 1, "partition the data into multiple parts"),
    IterParam("part_index", Int, 0, "the index of the part will read"),
) + PREFETCH_PARAMS


def _read_bytes(path, what):
    """The (decompressed) content of ``path``; ``path + '.gz'`` is tried when ``path`` is
    missing, so the usual uncompressed names also find the compressed files."""
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path = path + ".gz"
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise MXNetError('MNISTIter: cannot open {} file "{}": {}'.format(
            what, path, e.strerror or e)) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, ValueError) as e:
            raise MXNetError('MNISTIter: corrupt gzip {} file "{}": {}'.format(
                what, path, e)) from None
    return raw


def read_idx(path, magic, what):
    """An IDX file as a uint8 array of the shape its header gives; MXNetError naming the file
    when the magic number or the size is wrong."""
    raw = _read_bytes(path, what)
    ndim = magic & 0xFF
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MXNetError('MNISTIter: {} file "{}" is too short ({} bytes) for an IDX header'
                         .format(what, path, len(raw)))
    got = int.from_bytes(raw[:4], "big")
    if got != magic:
        raise MXNetError('MNISTIter: {} file "{}" has IDX magic number 0x{:08x}, expected '
                         '0x{:08x}'.format(what, path, got, magic))
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    size = int(np.prod(shape))
    if len(raw) - header < size:
        raise MXNetError('MNISTIter: {} file "{}" is truncated: its header says shape {} '
                         '({} bytes) but only {} bytes follow'.format(
                             what, path, shape, size, len(raw) - header))
    return np.frombuffer(raw, dtype=np.uint8, count=size, offset=header).reshape(shape)


def _mt19937_raw(seed, count):
    """``count`` raw outputs of ``std::mt19937(seed)`` (NumPy's legacy seeding is the same)."""
    state = np.random.RandomState(seed % (1 << 32)).get_state()
    gen = np.random.MT19937()
    gen.state = {"bit_generator": "MT19937", "state": {"key": state[1], "pos": state[2]}}
    return gen.random_raw(count).astype(np.uint64)


def std_shuffle_permutation(n, seed):
    """The permutation ``std::shuffle(v.begin(), v.end(), std::mt19937(seed))`` applies to
    ``v = [0, n)`` with the libstdc++ MXNet 1.9.1 was built with: Fisher-Yates from the front,
    swap ``v[i]`` with ``v[j]``, ``j`` uniform in ``[0, i]`` by rejection-downscaling a 32-bit
    draw. This reproduces MNISTIter's shuffled order exactly."""
    if n < 2:
        return np.arange(n)
    ranges = np.arange(2, n + 1, dtype=np.uint64)           # i + 1 for i = 1 .. n-1
    scaling = np.uint64(0xFFFFFFFF) // ranges
    past = ranges * scaling
    js = np.empty(n - 1, dtype=np.int64)
    raws = _mt19937_raw(seed, n + 64)
    done, used = 0, 0
    while done < n - 1:
        need = n - 1 - done
        if used + need > raws.shape[0]:
            raws = np.concatenate([raws, _mt19937_raw(seed, used + need + 64)[raws.shape[0]:]])
        r = raws[used:used + need]
        rejected = np.nonzero(r >= past[done:])[0]
        k = need if rejected.size == 0 else int(rejected[0])
        js[done:done + k] = r[:k] // scaling[done:done + k]
        done += k
        used += k + (rejected.size != 0)    # a rejected draw is skipped, position retried
    perm = list(range(n))
    for i, j in enumerate(js.tolist(), 1):
        perm[i], perm[j] = perm[j], perm[i]
    return np.array(perm, dtype=np.int64)


class MNISTHandle(Handle):
    """The decoded images (float32 in [0, 1): pixel / 256) and labels (float32) of one part,
    cut into full batches; the incomplete last batch is dropped, as in MXNet."""

    def __init__(self, p):
        if p["dtype"] not in (None, "float32"):
            raise MXNetError("MNISTIter: dtype {} is not supported: MNIST data are float32"
                             .format(p["dtype"]))
        if p["num_parts"] < 1 or not 0 <= p["part_index"] < p["num_parts"]:
            raise MXNetError("MNISTIter: need num_parts > part_index >= 0, got num_parts={} "
                             "part_index={}".format(p["num_parts"], p["part_index"]))
        images = read_idx(p["image"], _IMAGE_MAGIC, "image")
        labels = read_idx(p["label"], _LABEL_MAGIC, "label")
        if labels.shape[0] != images.shape[0]:
            raise MXNetError('MNISTIter: image file "{}" has {} images but label file "{}" has {}'
                             ' labels'.format(p["image"], images.shape[0], p["label"],
                                              labels.shape[0]))
        count = images.shape[0]
        start = int(count / p["num_parts"] * p["part_index"])
        end = int(count / p["num_parts"] * (p["part_index"] + 1))
        images, labels = images[start:end], labels[start:end]
        if p["shuffle"]:
            perm = std_shuffle_permutation(images.shape[0], p["seed"])
            images, labels = images[perm], labels[perm]
        rows, cols = images.shape[1:]
        self.batch_size = p["batch_size"]
        self.images = images.astype(np.float32) * np.float32(1.0 / 256.0)
        self.labels = labels.astype(np.float32)
        self.sample_shape = (rows * cols,) if p["flat"] else (1, rows, cols)
        self.loc = 0
        self._index = np.zeros(self.batch_size, dtype=np.uint64)   # MXNet reports zeros
        if not p["silent"]:
            shape = (self.batch_size,) + self.sample_shape
            shape_str = ("({})" if p["flat"] else "[{}]").format(",".join(map(str, shape)))
            log_info("MNISTIter: load {} images, shuffle={}, shape={}".format(
                images.shape[0], int(p["shuffle"]), shape_str))

    def describe(self):
        return (((self.batch_size,) + self.sample_shape, np.float32),
                ((self.batch_size,), np.float32))

    def before_first(self):
        self.loc = 0

    def next(self):
        if self.loc + self.batch_size <= self.images.shape[0]:
            self._cur = self.loc
            self.loc += self.batch_size
            return True
        return False

    def value(self):
        s = slice(self._cur, self._cur + self.batch_size)
        data = self.images[s].reshape((self.batch_size,) + self.sample_shape)
        return Batch(data, self.labels[s], 0, self._index)


MNISTIter = make_creator(
    "MNISTIter",
    "Iterating on the MNIST dataset.\n\nOne can download the dataset from "
    "http://yann.lecun.com/exdb/mnist/\n\nReads the IDX files, plain or gzip-compressed. "
    "Images are float32 pixel/256, shape (batch_size, 1, 28, 28), or (batch_size, 784) with "
    "``flat=True``; labels float32, shape (batch_size,). ``shuffle`` reorders the examples "
    "once, at construction, in MXNet's order for the same ``seed``; ``num_parts`` / "
    "``part_index`` read one contiguous part.",
    MNIST_PARAMS, MNISTHandle)
