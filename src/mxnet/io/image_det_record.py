"""``mx.io.ImageDetRecordIter`` (object-detection RecordIO iterator) and the dtype variants of
``ImageRecordIter`` (``ImageRecordUInt8Iter``, ``ImageRecordInt8Iter``, the ``_v1`` names).

ImageDetRecordIter, as MXNet's C++ iterator: each record's header label is a detection label
``[header_width, object_width, (extra header), obj0..., obj1..., ...]`` with boxes normalised to
[0, 1]. Images are decoded to RGB and resized to ``data_shape`` (``resize_mode='force'``;
``'shrink'`` / ``'fit'`` keep the aspect ratio and pad with ``fill_value``), mirrored with
probability ``rand_mirror_prob`` (boxes become ``xmin' = 1 - xmax``, ``xmax' = 1 - xmin``), then
normalised ``(pixel - mean_c) / std_c * scale`` (``std_c = 0`` means 1). The label of a batch is
``(batch_size, 4 + label_pad_width)``: per example ``[channels, height, width, label length]``
followed by the raw label padded with ``label_pad_value``; ``label_pad_width=0`` uses the longest
label of the file. The random crop / pad / colour augmentations of MXNet's ``det_aug_default``
(``rand_crop_prob``, ``rand_pad_prob``, ``random_*_prob``) are not implemented: a non-zero
probability raises MXNetError.

The uint8 variants return raw pixels (``mean``/``std``/``scale`` are ignored); the int8 variant
returns ``pixel - mean_c`` clipped to [-128, 127], as MXNet's.
"""
import numpy as np

from ..base import MXNetError
from .. import ndarray as nd
from .. import recordio
from ..ops import image_codec, image_ops
from .io import DataBatch, DataDesc
from .image_record import ImageRecordIter

__all__ = ["ImageDetRecordIter", "ImageRecordUInt8Iter", "ImageRecordInt8Iter", "ImageRecordIter_v1",
           "ImageRecordUInt8Iter_v1"]

_UNSUPPORTED_AUG = ("rand_crop_prob", "rand_pad_prob", "random_hue_prob", "random_saturation_prob",
                    "random_illumination_prob", "random_contrast_prob")


class _DetRecordIter(ImageRecordIter):
    """ImageRecordIter's reading, batching and normalisation with detection labels."""

    def __init__(self, path_imgrec="./data/imgrec.rec", data_shape=None, batch_size=None, label_pad_width=0,
                 label_pad_value=-1.0, rand_mirror_prob=0.0, resize_mode="force", fill_value=127,
                 std_r=0.0, std_g=0.0, std_b=0.0, std_a=0.0, **kwargs):
        for k in _UNSUPPORTED_AUG:
            if float(kwargs.pop(k, 0) or 0) > 0:
                raise MXNetError("ImageDetRecordIter: {} > 0 is not supported (random crop/pad/colour "
                                 "augmentation is not implemented)".format(k))
        if resize_mode not in ("force", "shrink", "fit"):
            raise MXNetError("ImageDetRecordIter: resize_mode must be one of 'fit', 'force', 'shrink', got {!r}"
                             .format(resize_mode))
        for k in ("resize", "rand_crop", "rand_mirror", "label_width"):
            kwargs.pop(k, None)
        stds = [s if s else 1.0 for s in (std_r, std_g, std_b, std_a)]
        super().__init__(path_imgrec=path_imgrec, data_shape=data_shape, batch_size=batch_size,
                         std_r=stds[0], std_g=stds[1], std_b=stds[2], std_a=stds[3], **kwargs)
        self.rand_mirror_prob = float(rand_mirror_prob)
        self.resize_mode = resize_mode
        self.fill_value = fill_value
        lengths = [np.asarray(recordio.unpack(self._rec._read_at(o)[0])[0].label).size for o in self._offsets]
        longest = max(lengths)
        if label_pad_width <= 0:
            label_pad_width = longest
        elif label_pad_width < longest:
            raise MXNetError("ImageDetRecordIter: label_pad_width {} is smaller than the longest label in {} "
                             "({})".format(label_pad_width, path_imgrec, longest))
        self.label_pad_width = int(label_pad_width)
        self.label_pad_value = np.float32(label_pad_value)
        self.label_width = 4 + self.label_pad_width
        self.provide_label = [DataDesc(self.provide_label[0].name, (self.batch_size, self.label_width))]

    def _resize(self, img):
        c, h, w = self.data_shape
        ih, iw = img.shape[:2]
        if self.resize_mode == "force" or (self.resize_mode == "shrink" and ih <= h and iw <= w):
            if self.resize_mode == "force" and (ih, iw) != (h, w):
                img = image_ops.resize(np, img, h, w, self.inter_method)
            if img.shape[:2] == (h, w):
                return img
        r = min(h / ih, w / iw)
        if self.resize_mode == "shrink":
            r = min(r, 1.0)
        nh, nw = max(1, int(ih * r)), max(1, int(iw * r))
        if (nh, nw) != (ih, iw):
            img = image_ops.resize(np, img, nh, nw, self.inter_method)
        out = np.full((h, w, img.shape[2]), self.fill_value, img.dtype)
        out[:img.shape[0], :img.shape[1]] = img
        return out

    def _sample(self, k):
        header, buf = recordio.unpack(self._rec._read_at(self._offsets[k])[0])
        c, h, w = self.data_shape
        img = self._resize(image_codec.decode(buf, 0 if c == 1 else 1, True, "ImageDetRecordIter"))
        raw = np.asarray(header.label, np.float32).reshape(-1).copy()
        if self.rand_mirror_prob > 0 and self._rng.rand() < self.rand_mirror_prob:
            img = img[:, ::-1]
            if raw.size >= 2:
                start, width = int(raw[0]), int(raw[1])
                objs = raw[start:start + (raw.size - start) // width * width].reshape(-1, width)
                xmin = objs[:, 1].copy()
                objs[:, 1] = 1 - objs[:, 3]
                objs[:, 3] = 1 - xmin
                raw[start:start + objs.size] = objs.reshape(-1)
        chw = img.transpose(2, 0, 1).astype(np.float32)
        chw = (chw - self._mean) / self._std * self._scale
        label = np.full(self.label_width, self.label_pad_value, np.float32)
        label[:4] = (c, h, w, raw.size)
        label[4:4 + raw.size] = raw
        return chw, label

    def _empty_labels(self):
        return np.full((self.batch_size, self.label_width), self.label_pad_value, np.float32)

    def _batch_label(self, label):
        return label

    def _batch_index(self, fill):
        return np.asarray([int(self._order[i]) for i in fill] + [0] * (self.batch_size - len(fill)), np.int64)


def ImageDetRecordIter(*args, **kwargs):  # noqa: N802 - MXNet's name
    if args:
        raise TypeError("ImageDetRecordIter can only accept keyword arguments")
    return _DetRecordIter(**kwargs)


ImageDetRecordIter.__doc__ = "Create iterator for image detection dataset packed in recordio.\n\n" + __doc__


class _Int8RecordIter(ImageRecordIter):
    def _sample(self, k):
        chw, label = super()._sample(k)
        return np.clip(chw, -128, 127), label


def _raw(kwargs, **fixed):
    out = dict(kwargs)
    for k in ("std_r", "std_g", "std_b", "std_a", "scale"):
        out.pop(k, None)
    out.update(fixed)
    return out


def _typed(it, dtype):
    """``provide_data`` of ``it`` with its output dtype, as MXNet reports it."""
    it.provide_data = [DataDesc(d.name, d.shape, np.dtype(dtype).type) for d in it.provide_data]
    return it


def ImageRecordUInt8Iter(*args, **kwargs):  # noqa: N802 - MXNet's name
    """ImageRecordIter returning raw uint8 pixels (mean, std and scale are ignored)."""
    if args:
        raise TypeError("ImageRecordUInt8Iter can only accept keyword arguments")
    kw = _raw(kwargs, dtype="uint8")
    for k in ("mean_r", "mean_g", "mean_b", "mean_a"):
        kw.pop(k, None)
    return _typed(ImageRecordIter(**kw), np.uint8)


def ImageRecordInt8Iter(*args, **kwargs):  # noqa: N802 - MXNet's name
    """ImageRecordIter returning int8 ``pixel - mean`` clipped to [-128, 127] (std and scale ignored)."""
    if args:
        raise TypeError("ImageRecordInt8Iter can only accept keyword arguments")
    return _typed(_Int8RecordIter(**_raw(kwargs, dtype="int8")), np.int8)


def ImageRecordIter_v1(*args, **kwargs):  # noqa: N802 - MXNet's name
    """The legacy name of ImageRecordIter (float32 output)."""
    if args:
        raise TypeError("ImageRecordIter_v1 can only accept keyword arguments")
    return ImageRecordIter(**kwargs)


def ImageRecordUInt8Iter_v1(*args, **kwargs):  # noqa: N802 - MXNet's name
    """The legacy name of ImageRecordUInt8Iter."""
    if args:
        raise TypeError("ImageRecordUInt8Iter_v1 can only accept keyword arguments")
    return ImageRecordUInt8Iter(**kwargs)


for _f in (ImageDetRecordIter, ImageRecordUInt8Iter, ImageRecordInt8Iter, ImageRecordIter_v1,
           ImageRecordUInt8Iter_v1):
    _f.__module__ = "mxnet.io"
