"""``mx.io.ImageRecordIter``: batches of decoded, augmented images from a RecordIO ``.rec`` file.

MXNet's C++ iterator, in NumPy: each record (``recordio.pack_img``) is decoded to RGB, its shorter
edge resized to ``resize`` (bilinear, when > 0), cropped to ``data_shape`` (centre, or at a random
offset with ``rand_crop``), mirrored with probability 0.5 under ``rand_mirror``, then normalised
``(pixel - mean_c) / std_c * scale`` into float32 NCHW. Labels are ``label_width`` floats from the
record header. ``round_batch`` fills the last batch from the start of the file (``pad`` counts the
repeats); otherwise the last batch is zero-filled. Decoding runs in this thread
(``preprocess_threads`` is accepted for compatibility). Random choices use a NumPy generator
seeded with ``seed``.
"""
import numpy as np

from ..base import MXNetError
from .. import ndarray as nd
from .. import recordio
from ..ops import image_codec, image_ops
from .io import DataIter, DataBatch, DataDesc, _BatchFieldsMixin

__all__ = ["ImageRecordIter"]


class ImageRecordIter(_BatchFieldsMixin, DataIter):
    """Iterate over a RecordIO file of images (see the module docstring)."""

    def __init__(self, path_imgrec=None, data_shape=None, batch_size=None, shuffle=False,
                 rand_crop=False, rand_mirror=False, mean_r=0.0, mean_g=0.0, mean_b=0.0,
                 mean_a=0.0, std_r=1.0, std_g=1.0, std_b=1.0, std_a=1.0, scale=1.0, label_width=1,
                 resize=-1, round_batch=True, preprocess_threads=4, data_name="data",
                 label_name="softmax_label", seed=0, path_imgidx=None, inter_method=1,
                 num_parts=1, part_index=0, dtype="float32", **kwargs):
        if path_imgrec is None or data_shape is None or batch_size is None:
            raise MXNetError("ImageRecordIter: path_imgrec, data_shape and batch_size are required")
        data_shape = tuple(int(d) for d in data_shape)
        if len(data_shape) != 3 or data_shape[0] not in (1, 3, 4):
            raise MXNetError("ImageRecordIter: data_shape must be (channels, height, width) with 1, 3 or 4 "
                             "channels, got {}".format(data_shape))
        super().__init__(batch_size)
        self._rec = recordio.MXRecordIO(path_imgrec, "r")
        offsets = []          # one pass to find where each record starts (records stay on disk)
        while True:
            pos = self._rec.tell()
            if self._rec.read() is None:
                break
            offsets.append(pos)
        if num_parts > 1:
            n = len(offsets) // num_parts
            offsets = offsets[part_index * n:(part_index + 1) * n]
        if not offsets:
            raise MXNetError("ImageRecordIter: no records in {}".format(path_imgrec))
        self._offsets = offsets
        self.data_shape = data_shape
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rand_crop = rand_crop
        self.rand_mirror = rand_mirror
        c = data_shape[0]
        self._mean = np.array([mean_r, mean_g, mean_b, mean_a][:c], np.float32).reshape(c, 1, 1)
        self._std = np.array([std_r, std_g, std_b, std_a][:c], np.float32).reshape(c, 1, 1)
        self._scale = np.float32(scale)
        self.label_width = label_width
        self.resize = resize
        self.round_batch = round_batch
        self.inter_method = inter_method
        self._dtype = np.dtype(dtype)
        self._rng = np.random.RandomState(seed)
        self.provide_data = [DataDesc(data_name, (batch_size,) + data_shape)]
        self.provide_label = [DataDesc(label_name, (batch_size, label_width) if label_width > 1
                                       else (batch_size,))]
        self._order = np.arange(len(offsets))
        self._cur = 0
        self._overflow = 0          # records the last batch borrowed from the start (round_batch)
        self.current_batch = None
        self.reset()

    def reset(self):
        if self.shuffle:
            self._rng.shuffle(self._order)
            self._cur = 0
        else:
            # as MXNet: after a wrapped-around last batch the next epoch continues after the
            # records that batch borrowed
            self._cur = self._overflow if self.round_batch else 0
        self._overflow = 0

    def _sample(self, k):
        header, buf = recordio.unpack(self._rec._read_at(self._offsets[k])[0])
        c, h, w = self.data_shape
        img = image_codec.decode(buf, 0 if c == 1 else 1, True, "ImageRecordIter")
        if self.resize > 0:
            nh, nw = image_ops.short_edge_hw(img.shape[0], img.shape[1], self.resize)
            img = image_ops.resize(np, img, nh, nw, self.inter_method)
        ih, iw = img.shape[:2]
        if ih < h or iw < w:
            raise MXNetError("ImageRecordIter: image {} of size {}x{} is smaller than data_shape {}; set "
                             "resize".format(k, ih, iw, self.data_shape))
        if self.rand_crop:
            y0 = int(self._rng.randint(0, ih - h + 1))
            x0 = int(self._rng.randint(0, iw - w + 1))
        else:
            y0, x0 = (ih - h) // 2, (iw - w) // 2
        img = img[y0:y0 + h, x0:x0 + w]
        if self.rand_mirror and self._rng.rand() < 0.5:
            img = img[:, ::-1]
        chw = img.transpose(2, 0, 1).astype(np.float32)
        chw = (chw - self._mean) / self._std * self._scale
        label = np.zeros(self.label_width, np.float32)
        lab = np.asarray(header.label, np.float32).reshape(-1)
        label[:min(lab.size, self.label_width)] = lab[:self.label_width]
        return chw, label

    def iter_next(self):
        n = len(self._offsets)
        if self._cur >= n:
            return False
        idx = list(range(self._cur, min(self._cur + self.batch_size, n)))
        pad = self.batch_size - len(idx)
        data = np.zeros((self.batch_size,) + self.data_shape, np.float32)
        label = self._empty_labels()
        fill = idx + ([i % n for i in range(pad)] if self.round_batch else [])
        if self.round_batch:
            self._overflow = pad % n if n else 0
        for j, i in enumerate(fill):
            data[j], label[j] = self._sample(int(self._order[i]))
        self._cur += self.batch_size
        self.current_batch = DataBatch([nd.array(data, dtype=self._dtype)], [nd.array(self._batch_label(label))],
                                       pad=pad, index=self._batch_index(fill),
                                       provide_data=self.provide_data, provide_label=self.provide_label)
        return True

    # the parts ImageDetRecordIter changes
    def _empty_labels(self):
        return np.zeros((self.batch_size, self.label_width), np.float32)

    def _batch_label(self, label):
        return label if self.label_width > 1 else label[:, 0]

    def _batch_index(self, fill):
        return np.asarray(fill + [0] * (self.batch_size - len(fill)), np.int64)

    def next(self):
        if self.iter_next():
            return self.current_batch
        raise StopIteration
