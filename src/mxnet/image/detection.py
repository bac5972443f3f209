"""``mx.image`` for object detection: augmenters that move boxes with the pixels, and
``ImageDetIter``.

A detection label is a (num_objects, width >= 5) float array ``[class, xmin, ymin, xmax, ymax,
...]`` with corners normalised to [0, 1]. In a record or list, the raw label is
``[header_width, object_width, <header extras>, object 0, object 1, ...]``. Batches pad the
object axis with -1. Random choices use Python's ``random`` (as MXNet does).
"""
import logging
import random
import warnings
from math import sqrt

import numpy as np

from ..base import numeric_types, MXNetError
from .. import ndarray as nd
from .image import (ImageIter, Augmenter, ResizeAug, ForceResizeAug, CastAug, fixed_crop, copyMakeBorder,
                    _KwargsAugmenter, _color_augs)

__all__ = ["DetAugmenter", "DetBorrowAug", "DetRandomSelectAug", "DetHorizontalFlipAug", "DetRandomCropAug",
           "DetRandomPadAug", "CreateMultiRandCropAugmenter", "CreateDetAugmenter", "ImageDetIter"]


class DetAugmenter(_KwargsAugmenter):
    """Detection augmenter base: ``aug(src, label) -> (src, label)``."""

    def __call__(self, src, label):
        raise NotImplementedError("Must override implementation.")


class DetBorrowAug(DetAugmenter):
    """Apply an image-only :class:`Augmenter` (labels unchanged)."""

    def __init__(self, augmenter):
        if not isinstance(augmenter, Augmenter):
            raise TypeError("Borrowing from invalid Augmenter")
        super().__init__(augmenter=augmenter.dumps())
        self.augmenter = augmenter

    def dumps(self):
        return [self.__class__.__name__.lower(), self.augmenter.dumps()]

    def __call__(self, src, label):
        return self.augmenter(src), label


class DetRandomSelectAug(DetAugmenter):
    """Apply one augmenter of ``aug_list`` picked at random, or none with probability ``skip_prob``."""

    def __init__(self, aug_list, skip_prob=0):
        super().__init__(skip_prob=skip_prob)
        if not isinstance(aug_list, (list, tuple)):
            aug_list = [aug_list]
        for aug in aug_list:
            if not isinstance(aug, DetAugmenter):
                raise ValueError("Allow DetAugmenter in list only")
        if not aug_list:
            skip_prob = 1
        self.aug_list = aug_list
        self.skip_prob = skip_prob

    def dumps(self):
        return self._dumps_list(self.aug_list)

    def __call__(self, src, label):
        if random.random() < self.skip_prob:
            return src, label
        random.shuffle(self.aug_list)
        return self.aug_list[0](src, label)


class DetHorizontalFlipAug(DetAugmenter):
    """Flip image and boxes left to right with probability ``p``."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src, label):
        if random.random() < self.p:
            src = nd.flip(src, axis=1)
            label[:, (1, 3)] = 1.0 - label[:, (3, 1)]      # in place, as MXNet does
        return src, label


def _areas(boxes):
    return np.maximum(0, boxes[:, 3] - boxes[:, 1]) * np.maximum(0, boxes[:, 2] - boxes[:, 0])


def _pair(v):
    return v if isinstance(v, (tuple, list)) else (v, v)


class _DetRandomBoxAug(DetAugmenter):
    """What the random crop and pad share: boxes drawn with an aspect ratio in
    ``aspect_ratio_range`` and an area of ``area_range`` times the image's (Python's ``random``),
    at most ``max_attempts`` times."""

    def _set_ranges(self, who, aspect_ratio_range, area_range, max_attempts, min_top_area, area_what):
        self.aspect_ratio_range = aspect_ratio_range
        self.area_range = area_range
        self.max_attempts = max_attempts
        self.enabled = False
        if area_range[1] <= min_top_area or area_range[0] > area_range[1]:
            warnings.warn("Skip {} due to invalid {}: {}".format(who, area_what, area_range))
        elif aspect_ratio_range[0] <= 0 or aspect_ratio_range[0] > aspect_ratio_range[1]:
            warnings.warn("Skip {} due to invalid aspect_ratio_range: {}".format(who, aspect_ratio_range))
        else:
            self.enabled = True

    def _draws(self, height, width):
        """Per attempt: (ratio, height at the least area, height at the most area, least area,
        most area); nothing when disabled or the image is empty."""
        if not self.enabled or height <= 0 or width <= 0:
            return
        min_area = self.area_range[0] * height * width
        max_area = self.area_range[1] * height * width
        for _ in range(self.max_attempts):
            ratio = random.uniform(*self.aspect_ratio_range)
            if ratio <= 0:
                continue
            yield ratio, int(round(sqrt(min_area / ratio))), int(round(sqrt(max_area / ratio))), min_area, max_area

    @staticmethod
    def _pick_height(h, max_h, ratio):
        """(height, width): a height drawn from [min(h, max_h), max_h], the width by ``ratio``."""
        h = min(h, max_h)
        if h < max_h:
            h = random.randint(h, max_h)
        return h, int(round(h * ratio))


class DetRandomCropAug(_DetRandomBoxAug):
    """Random crop keeping objects covered at least ``min_object_covered``; boxes whose kept part
    is below ``min_eject_coverage`` are dropped (no crop after ``max_attempts`` failures)."""

    def __init__(self, min_object_covered=0.1, aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 1.0),
                 min_eject_coverage=0.3, max_attempts=50):
        aspect_ratio_range, area_range = _pair(aspect_ratio_range), _pair(area_range)
        super().__init__(min_object_covered=min_object_covered, aspect_ratio_range=aspect_ratio_range,
                         area_range=area_range, min_eject_coverage=min_eject_coverage, max_attempts=max_attempts)
        self.min_object_covered = min_object_covered
        self.min_eject_coverage = min_eject_coverage
        self._set_ranges("DetRandomCropAug", aspect_ratio_range, area_range, max_attempts, 0, "area_range")

    def __call__(self, src, label):
        crop = self._random_crop_proposal(label, src.shape[0], src.shape[1])
        if crop:
            x, y, w, h, label = crop
            src = fixed_crop(src, x, y, w, h, None)
        return src, label

    @staticmethod
    def _intersect(boxes, xmin, ymin, xmax, ymax):
        left = np.maximum(boxes[:, 0], xmin)
        right = np.minimum(boxes[:, 2], xmax)
        top = np.maximum(boxes[:, 1], ymin)
        bot = np.minimum(boxes[:, 3], ymax)
        out = np.stack([left, top, right, bot], axis=1)
        out[(left >= right) | (top >= bot)] = 0
        return out

    def _check_satisfy_constraints(self, label, xmin, ymin, xmax, ymax, width, height):
        if (xmax - xmin) * (ymax - ymin) < 2:
            return False
        x1, y1 = float(xmin) / width, float(ymin) / height
        x2, y2 = float(xmax) / width, float(ymax) / height
        object_areas = _areas(label[:, 1:])
        valid = np.where(object_areas * width * height > 2)[0]
        if valid.size < 1:
            return False
        coverages = _areas(self._intersect(label[valid, 1:], x1, y1, x2, y2)) / object_areas[valid]
        coverages = coverages[coverages > 0]
        return coverages.size > 0 and np.amin(coverages) > self.min_object_covered

    def _update_labels(self, label, crop_box, height, width):
        xmin, ymin = float(crop_box[0]) / width, float(crop_box[1]) / height
        w, h = float(crop_box[2]) / width, float(crop_box[3]) / height
        out = label.copy()
        out[:, (1, 3)] -= xmin
        out[:, (2, 4)] -= ymin
        out[:, (1, 3)] /= w
        out[:, (2, 4)] /= h
        out[:, 1:5] = np.clip(out[:, 1:5], 0, 1)
        coverage = _areas(out[:, 1:]) * w * h / _areas(label[:, 1:])
        valid = (out[:, 3] > out[:, 1]) & (out[:, 4] > out[:, 2]) & (coverage > self.min_eject_coverage)
        if not valid.any():
            return None
        return out[valid]

    def _random_crop_proposal(self, label, height, width):
        for ratio, h, max_h, min_area, max_area in self._draws(height, width):
            if round(max_h * ratio) > width:
                max_h = int((width + 0.4999999) / ratio)
            h, w = self._pick_height(h, min(max_h, height), ratio)
            area = w * h
            if area < min_area:
                h += 1
                w = int(round(h * ratio))
                area = w * h
            if area > max_area:
                h -= 1
                w = int(round(h * ratio))
                area = w * h
            if not (min_area <= area <= max_area and 0 <= w <= width and 0 <= h <= height):
                continue
            y = random.randint(0, max(0, height - h))
            x = random.randint(0, max(0, width - w))
            if self._check_satisfy_constraints(label, x, y, x + w, y + h, width, height):
                new_label = self._update_labels(label, (x, y, w, h), height, width)
                if new_label is not None:
                    return x, y, w, h, new_label
        return ()


class DetRandomPadAug(_DetRandomBoxAug):
    """Random zoom-out: place the image on a larger canvas filled with ``pad_val``."""

    def __init__(self, aspect_ratio_range=(0.75, 1.33), area_range=(1.0, 3.0), max_attempts=50,
                 pad_val=(128, 128, 128)):
        if not isinstance(pad_val, (list, tuple)):
            assert isinstance(pad_val, numeric_types)
            pad_val = (pad_val,)
        aspect_ratio_range, area_range = _pair(aspect_ratio_range), _pair(area_range)
        super().__init__(aspect_ratio_range=aspect_ratio_range, area_range=area_range,
                         max_attempts=max_attempts, pad_val=pad_val)
        self.pad_val = pad_val
        self._set_ranges("DetRandomPadAug", aspect_ratio_range, area_range, max_attempts, 1.0, "parameters")

    def __call__(self, src, label):
        height, width, _ = src.shape
        pad = self._random_pad_proposal(label, height, width)
        if pad:
            x, y, w, h, label = pad
            src = copyMakeBorder(src, y, h - y - height, x, w - x - width, 16, values=self.pad_val)
        return src, label

    @staticmethod
    def _update_labels(label, pad_box, height, width):
        out = label.copy()
        out[:, (1, 3)] = (out[:, (1, 3)] * width + pad_box[0]) / pad_box[2]
        out[:, (2, 4)] = (out[:, (2, 4)] * height + pad_box[1]) / pad_box[3]
        return out

    def _random_pad_proposal(self, label, height, width):
        for ratio, h, max_h, _, _ in self._draws(height, width):
            if round(h * ratio) < width:
                h = int((width + 0.499999) / ratio)
            h, w = self._pick_height(max(h, height), max_h, ratio)
            if (h - height) < 2 or (w - width) < 2:
                continue
            y = random.randint(0, max(0, h - height))
            x = random.randint(0, max(0, w - width))
            return x, y, w, h, self._update_labels(label, (x, y, w, h), height, width)
        return ()


def CreateMultiRandCropAugmenter(min_object_covered=0.1, aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 1.0),
                                 min_eject_coverage=0.3, max_attempts=50, skip_prob=0):
    """A :class:`DetRandomSelectAug` over :class:`DetRandomCropAug`s; list-valued arguments give
    one crop augmenter per entry (scalars are repeated)."""
    params = [min_object_covered, aspect_ratio_range, area_range, min_eject_coverage, max_attempts]
    params = [p if isinstance(p, list) else [p] for p in params]
    num = max(len(p) for p in params)
    for k, p in enumerate(params):
        if len(p) != num:
            assert len(p) == 1, "parameter lists must have equal lengths"
            params[k] = p * num
    augs = [DetRandomCropAug(min_object_covered=moc, aspect_ratio_range=arr, area_range=ar,
                             min_eject_coverage=mec, max_attempts=ma) for moc, arr, ar, mec, ma in zip(*params)]
    return DetRandomSelectAug(augs, skip_prob=skip_prob)


def CreateDetAugmenter(data_shape, resize=0, rand_crop=0, rand_pad=0, rand_gray=0, rand_mirror=False, mean=None,
                       std=None, brightness=0, contrast=0, saturation=0, pca_noise=0, hue=0, inter_method=2,
                       min_object_covered=0.1, aspect_ratio_range=(0.75, 1.33), area_range=(0.05, 3.0),
                       min_eject_coverage=0.3, max_attempts=50, pad_val=(127, 127, 127)):
    """The standard detection augmenter list (resize, random crop / pad / mirror, force resize
    to ``data_shape``, cast, colour, normalisation)."""
    auglist = []
    if resize > 0:
        auglist.append(DetBorrowAug(ResizeAug(resize, inter_method)))
    if rand_crop > 0:
        auglist.append(CreateMultiRandCropAugmenter(min_object_covered, aspect_ratio_range, area_range,
                                                    min_eject_coverage, max_attempts, skip_prob=(1 - rand_crop)))
    if rand_mirror > 0:
        auglist.append(DetHorizontalFlipAug(0.5))
    if rand_pad > 0:
        pad_aug = DetRandomPadAug(aspect_ratio_range, (1.0, area_range[1]), max_attempts, pad_val)
        auglist.append(DetRandomSelectAug([pad_aug], 1 - rand_pad))
    auglist.append(DetBorrowAug(ForceResizeAug((data_shape[2], data_shape[1]), inter_method)))
    auglist.append(DetBorrowAug(CastAug()))
    auglist.extend(DetBorrowAug(aug) for aug in _color_augs(brightness, contrast, saturation, hue, pca_noise,
                                                             rand_gray, mean, std, np.array))
    return auglist


class ImageDetIter(ImageIter):
    """Detection batches: data (N, 3, H, W), label (N, max_objects, object_width) padded with -1.
    Sources and ``last_batch_handle`` as :class:`ImageIter`; extra keyword arguments go to
    :func:`CreateDetAugmenter` when ``aug_list`` is None."""

    def __init__(self, batch_size, data_shape, path_imgrec=None, path_imglist=None, path_root=None,
                 path_imgidx=None, shuffle=False, part_index=0, num_parts=1, aug_list=None, imglist=None,
                 data_name="data", label_name="label", last_batch_handle="pad", **kwargs):
        super().__init__(batch_size=batch_size, data_shape=data_shape, path_imgrec=path_imgrec,
                         path_imglist=path_imglist, path_root=path_root, path_imgidx=path_imgidx,
                         shuffle=shuffle, part_index=part_index, num_parts=num_parts, aug_list=[],
                         imglist=imglist, data_name=data_name, label_name=label_name,
                         last_batch_handle=last_batch_handle)
        self.auglist = CreateDetAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        label_shape = self._estimate_label_shape()
        self.provide_label = [(label_name, (self.batch_size, label_shape[0], label_shape[1]))]
        self.label_shape = label_shape

    def _check_valid_label(self, label):
        if len(label.shape) != 2 or label.shape[1] < 5:
            raise RuntimeError("Label with shape (1+, 5+) required, %s received." % str(label))
        valid = np.where((label[:, 0] >= 0) & (label[:, 3] > label[:, 1]) & (label[:, 4] > label[:, 2]))[0]
        if valid.size < 1:
            raise RuntimeError("Invalid label occurs.")

    def _estimate_label_shape(self):
        max_count, width = 0, 5
        self.reset()
        try:
            while True:
                label, _ = self.next_sample()
                label = self._parse_label(label)
                max_count = max(max_count, label.shape[0])
                width = label.shape[1]
        except StopIteration:
            pass
        self.reset()
        return max_count, width

    def _parse_label(self, label):
        if isinstance(label, nd.NDArray):
            label = label.asnumpy()
        raw = np.asarray(label, np.float64).ravel()
        if raw.size < 7:
            raise RuntimeError("Label shape is invalid: " + str(raw.shape))
        header_width, obj_width = int(raw[0]), int(raw[1])
        if obj_width < 5 or (raw.size - header_width) % obj_width != 0:
            raise RuntimeError("Label shape %s inconsistent with annotation width %d." % (str(raw.shape), obj_width))
        out = np.reshape(raw[header_width:], (-1, obj_width))
        valid = np.where((out[:, 3] > out[:, 1]) & (out[:, 4] > out[:, 2]))[0]
        if valid.size < 1:
            raise RuntimeError("Encounter sample with no valid label.")
        return out[valid, :]

    def reshape(self, data_shape=None, label_shape=None):
        """Change the data shape (C, H, W) and/or label shape (max_objects, width)."""
        if data_shape is not None:
            self.check_data_shape(data_shape)
            self.provide_data = [(self.provide_data[0][0], (self.batch_size,) + tuple(data_shape))]
            self.data_shape = tuple(data_shape)
        if label_shape is not None:
            self.check_label_shape(label_shape)
            self.provide_label = [(self.provide_label[0][0], (self.batch_size,) + tuple(label_shape))]
            self.label_shape = tuple(label_shape)

    def _checked_sample(self, data, label):
        self.check_valid_image([data])
        label = self._parse_label(label)
        data, label = self.augmentation_transform(data, label)
        self._check_valid_label(label)
        return data, label

    def _transformed_sample(self, data, label, batch_label):
        rows = np.full(batch_label.shape[1:], -1, np.float32)
        n = min(label.shape[0], rows.shape[0])
        rows[:n] = label[:n, :rows.shape[1]]
        return data, nd.array(rows)

    def _empty_label_batch(self):
        return nd.full(self.provide_label[0][1], -1)

    def augmentation_transform(self, data, label):
        for aug in self.auglist:
            data, label = aug(data, label)
        return data, label

    def check_label_shape(self, label_shape):
        if not len(label_shape) == 2:
            raise ValueError("label_shape should have length 2")
        if label_shape[0] < self.label_shape[0]:
            raise ValueError("Attempts to reduce label count from %d to %d, not allowed."
                             % (self.label_shape[0], label_shape[0]))
        if label_shape[1] != self.provide_label[0][1][2]:
            raise ValueError("label_shape object width inconsistent: %d vs %d."
                             % (self.provide_label[0][1][2], label_shape[1]))

    def sync_label_shape(self, it, verbose=False):
        """Give this iterator and ``it`` the same (larger) max object count."""
        assert isinstance(it, ImageDetIter), "Synchronize with invalid iterator."
        train, val = self.label_shape, it.label_shape
        assert train[1] == val[1], "object width mismatch."
        max_count = max(train[0], val[0])
        if max_count > train[0]:
            self.reshape(None, (max_count, train[1]))
        if max_count > val[0]:
            it.reshape(None, (max_count, val[1]))
        if verbose and max_count > min(train[0], val[0]):
            logging.info("Resized label_shape to (%d, %d).", max_count, train[1])
        return it

    def draw_next(self, color=None, thickness=2, mean=None, std=None, clip=True, waitKey=None,
                  window_name="draw_next", id2labels=None):
        raise MXNetError("ImageDetIter.draw_next needs OpenCV's drawing and window functions (cv2), which "
                         "neomx does not use")
