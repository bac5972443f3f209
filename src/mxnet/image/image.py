"""``mx.image``: image decoding, resizing, cropping, augmenters and ``ImageIter``.

Images are HWC NDArrays (uint8 after decoding, float32 after ``CastAug``). The array work runs
through registered operators (``_cvimdecode``, ``_cvimresize``, ``_cvcopyMakeBorder``, ``slice``,
``dot``...); random choices use Python's ``random`` module (crops, flips, jitter factors, as
MXNet does) and NumPy's global state (``LightingAug``, ``random_rotate``).
"""
import json
import logging
from numbers import Number  # noqa: F401  (MXNet's mx.image exposes it)
import os
import random
import warnings

import numpy as np

from ..base import numeric_types
from .. import ndarray as nd
from ..ndarray import _internal
from ..ndarray.imperative import invoke
from ..ops import image_ops
from .. import io
from .. import recordio

__all__ = ["imread", "imresize", "imdecode", "scale_down", "copyMakeBorder", "resize_short",
           "fixed_crop", "random_crop", "center_crop", "color_normalize", "random_size_crop",
           "imrotate", "random_rotate", "Augmenter", "SequentialAug", "ResizeAug", "ForceResizeAug",
           "RandomCropAug", "RandomSizedCropAug", "CenterCropAug", "RandomOrderAug",
           "BrightnessJitterAug", "ContrastJitterAug", "SaturationJitterAug", "HueJitterAug",
           "ColorJitterAug", "LightingAug", "ColorNormalizeAug", "RandomGrayAug", "HorizontalFlipAug",
           "CastAug", "CreateAugmenter", "ImageIter", "is_np_array"]

cv2 = None      # MXNet exposes its optional cv2 module here; neomx needs none


def is_np_array():
    return False


def imread(filename, *args, **kwargs):
    """Read and decode an image file to an HWC uint8 NDArray (``flag`` 1 colour / 0 grey,
    ``to_rgb`` True for RGB order)."""
    return _internal._cvimread(filename, *args, **kwargs)


def imresize(src, w, h, *args, **kwargs):
    """Resize an HWC image to ``w`` x ``h`` (``interp`` 0 nearest, 1 bilinear, 2 bicubic, 3 area,
    4 Lanczos; OpenCV's arithmetic)."""
    return _internal._cvimresize(src, w, h, *args, **kwargs)


def imdecode(buf, *args, **kwargs):
    """Decode image bytes (bytes, bytearray, uint8 numpy array or NDArray) to an HWC uint8 NDArray.
    PNG and PPM/PGM are built in; JPEG and others need Pillow (``pip install neomx[image]``)."""
    if not isinstance(buf, nd.NDArray):
        if not isinstance(buf, (bytes, bytearray, np.ndarray)):
            raise ValueError("buf must be of type bytes, bytearray or numpy.ndarray,"
                             "if you would like to input type str, please convert to bytes")
        buf = nd.array(np.frombuffer(bytes(buf), dtype=np.uint8), dtype=np.uint8)
    return _internal._cvimdecode(buf, *args, **kwargs)


copyMakeBorder = _internal._cvcopyMakeBorder
"""Pad an HWC image: ``type`` 0 constant (``value`` / per-channel ``values``), 1 replicate,
2 reflect, 3 wrap, 4 reflect-101 (the ``_cvcopyMakeBorder`` operator)."""


def scale_down(src_size, size):
    """Shrink the crop ``size`` (w, h) to fit ``src_size`` (w, h), keeping its aspect ratio."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def _get_interp_method(interp, sizes=()):
    """0-4 as given; 9: bicubic to enlarge, area to shrink, else bilinear; 10: random 0-4."""
    if interp == 9:
        if sizes:
            assert len(sizes) == 4
            oh, ow, nh, nw = sizes
            if nh > oh and nw > ow:
                return 2
            if nh < oh and nw < ow:
                return 3
            return 1
        return 2
    if interp == 10:
        return random.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise ValueError("Unknown interp method %d" % interp)
    return interp


def resize_short(src, size, interp=2):
    """Resize so that the shorter edge is ``size`` (the other edge scales by size/short, floored)."""
    h, w, _ = src.shape
    new_h, new_w = image_ops.short_edge_hw(h, w, size)
    return imresize(src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w)))


def fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    """Crop ``w`` x ``h`` at (``x0``, ``y0``), then resize to ``size`` (w, h) when given."""
    out = nd.slice(src, begin=(y0, x0, 0), end=(y0 + h, x0 + w, int(src.shape[2])))
    if size is not None and (w, h) != tuple(size):
        sizes = (h, w, size[1], size[0])
        out = imresize(out, *size, interp=_get_interp_method(interp, sizes))
    return out


def _center_box(w, h, size):
    """(x0, y0, w, h) of the centre ``size`` (w, h) region of a ``w`` x ``h`` image (scaled down
    to fit)."""
    new_w, new_h = scale_down((w, h), size)
    return int((w - new_w) / 2), int((h - new_h) / 2), new_w, new_h


def _random_size_box(h, w, area, ratio):
    """(x0, y0, w, h) of a random region covering ``area`` (fraction or (min, max)) of an
    ``h`` x ``w`` image with aspect ratio in ``ratio`` (Python's ``random``); None after 10
    failed draws."""
    src_area = h * w
    if isinstance(area, numeric_types):
        area = (area, 1.0)
    for _ in range(10):
        target_area = random.uniform(area[0], area[1]) * src_area
        log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
        new_ratio = np.exp(random.uniform(*log_ratio))
        new_w = int(round(np.sqrt(target_area * new_ratio)))
        new_h = int(round(np.sqrt(target_area / new_ratio)))
        if new_w <= w and new_h <= h:
            x0 = random.randint(0, w - new_w)
            y0 = random.randint(0, h - new_h)
            return x0, y0, new_w, new_h
    return None


def random_crop(src, size, interp=2):
    """Crop a random ``size`` (w, h) region (scaled down to fit); returns (image, (x, y, w, h))."""
    h, w, _ = src.shape
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src, size, interp=2):
    """Crop the centre ``size`` (w, h) region (scaled down to fit); returns (image, (x, y, w, h))."""
    h, w, _ = src.shape
    box = _center_box(w, h, size)
    return fixed_crop(src, *box, size, interp), box


def color_normalize(src, mean, std=None):
    """``(src - mean) / std`` (in place on ``src``)."""
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


def random_size_crop(src, size, area, ratio, interp=2, **kwargs):
    """Crop a random region covering ``area`` (fraction or (min, max)) of the image with aspect
    ratio in ``ratio``, resized to ``size``; a centre crop after 10 failed draws."""
    h, w, _ = src.shape
    area = _pop_min_area(kwargs, area)
    assert not kwargs, "unexpected keyword arguments for `random_size_crop`."
    box = _random_size_box(h, w, area, ratio)
    if box is None:
        return center_crop(src, size, interp)
    return fixed_crop(src, *box, size, interp), box


def _pop_min_area(kwargs, area):
    """``area``, or the deprecated ``min_area`` keyword (popped from ``kwargs``) when given."""
    if "min_area" in kwargs:
        warnings.warn("`min_area` is deprecated. Please use `area` instead.", DeprecationWarning)
        return kwargs.pop("min_area")
    return area


def imrotate(src, rotation_degrees, zoom_in=False, zoom_out=False):
    """Rotate a float32 CHW image (or NCHW batch) by ``rotation_degrees`` (scalar, or one per image)
    about its centre; ``zoom_in`` hides the empty corners, ``zoom_out`` keeps all content."""
    if zoom_in and zoom_out:
        raise ValueError("`zoom_in` and `zoom_out` cannot be both True")
    if np.dtype(src.dtype) != np.float32:
        raise TypeError("Only `float32` images are supported by this function")
    if len(src.shape) not in (3, 4):
        raise ValueError("Only 3D and 4D images are supported by this function, got shape {}".format(src.shape))
    n = 1 if len(src.shape) == 3 else src.shape[0]
    if isinstance(rotation_degrees, nd.NDArray):
        rotation_degrees = rotation_degrees.asnumpy()
    deg = np.asarray(rotation_degrees, np.float64).reshape(-1)
    if deg.size == 1:
        deg = np.repeat(deg, n)
    elif len(src.shape) == 3 or deg.size != n:
        raise ValueError("The number of rotation angles ({}) must match the number of images ({})".format(
            deg.size, n))
    return _rotate(src, deg.tolist(), zoom_in, zoom_out)


def _rotate(src, degrees, zoom_in, zoom_out):
    """The ``_image_rotate`` kernel on ``src`` with one angle per image (a list)."""
    return invoke(image_ops.ROTATE, [src], {"degrees": degrees, "zoom_in": zoom_in, "zoom_out": zoom_out})


def random_rotate(src, angle_limits, zoom_in=False, zoom_out=False):
    """``imrotate`` by angles drawn uniformly (NumPy's global state) from ``angle_limits``."""
    if len(src.shape) == 3:
        rotation_degrees = np.random.uniform(*angle_limits)
    else:
        rotation_degrees = np.random.uniform(*angle_limits, size=src.shape[0])
    return imrotate(src, rotation_degrees, zoom_in=zoom_in, zoom_out=zoom_out)


# -- augmenters --------------------------------------------------------------------------------------
class _KwargsAugmenter:
    """What image and detection augmenters share: the constructor keywords (arrays as lists)
    kept for ``dumps()``, which describes the augmenter as JSON."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        for k, v in self._kwargs.items():
            if isinstance(v, nd.NDArray):
                v = v.asnumpy()
            if isinstance(v, np.ndarray):
                self._kwargs[k] = v.tolist()

    def dumps(self):
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def _dumps_list(self, augs):
        """``dumps()`` of an augmenter made of the augmenters ``augs``."""
        return [self.__class__.__name__.lower(), [x.dumps() for x in augs]]


class Augmenter(_KwargsAugmenter):
    """Image augmenter base: ``aug(src) -> src``; ``dumps()`` describes it as JSON."""

    def __call__(self, src):
        raise NotImplementedError("Must override implementation.")


class _ListAug(Augmenter):
    """An augmenter applying the augmenters ``ts``."""

    def __init__(self, ts):
        super().__init__()
        self.ts = ts

    def dumps(self):
        return self._dumps_list(self.ts)


class SequentialAug(_ListAug):
    """Apply the augmenters ``ts`` in order."""

    def __call__(self, src):
        for aug in self.ts:
            src = aug(src)
        return src


class _SizeAug(Augmenter):
    """An augmenter of a target ``size`` and interpolation ``interp``."""

    def __init__(self, size, interp=2):
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp


class ResizeAug(_SizeAug):
    """Resize the shorter edge to ``size``."""

    def __call__(self, src):
        return resize_short(src, self.size, self.interp)


class ForceResizeAug(_SizeAug):
    """Resize to ``size`` (w, h) regardless of the aspect ratio."""

    def __call__(self, src):
        sizes = (src.shape[0], src.shape[1], self.size[1], self.size[0])
        return imresize(src, *self.size, interp=_get_interp_method(self.interp, sizes))


class RandomCropAug(_SizeAug):
    """Random crop of ``size`` (w, h)."""

    def __call__(self, src):
        return random_crop(src, self.size, self.interp)[0]


class RandomSizedCropAug(Augmenter):
    """Random crop of ``area`` and aspect ``ratio``, resized to ``size``."""

    def __init__(self, size, area, ratio, interp=2, **kwargs):
        super().__init__(size=size, area=area, ratio=ratio, interp=interp)
        self.size = size
        self.area = _pop_min_area(kwargs, area)
        self.ratio = ratio
        self.interp = interp
        assert not kwargs, "unexpected keyword arguments for `RandomSizedCropAug`."

    def __call__(self, src):
        return random_size_crop(src, self.size, self.area, self.ratio, self.interp)[0]


class CenterCropAug(_SizeAug):
    """Centre crop of ``size`` (w, h)."""

    def __call__(self, src):
        return center_crop(src, self.size, self.interp)[0]


class RandomOrderAug(_ListAug):
    """Apply the augmenters ``ts`` in a random order (Python's ``random.shuffle``)."""

    def __call__(self, src):
        random.shuffle(self.ts)
        for t in self.ts:
            src = t(src)
        return src


_GRAY_COEF = [0.299, 0.587, 0.114]      # RGB -> grey weights of the contrast and saturation jitters


class _JitterAug(Augmenter):
    """A colour jitter of strength ``amount`` (kept as the attribute and keyword ``name``):
    ``src * alpha + (1 - alpha) * grey(src)`` in place, alpha = 1 + U(-amount, amount)."""

    def __init__(self, name, amount):
        super().__init__(**{name: amount})
        setattr(self, name, amount)
        self._amount = amount

    def _gray(self, src, alpha):
        """The grey term, already scaled by ``1 - alpha``."""
        raise NotImplementedError

    def __call__(self, src):
        alpha = 1.0 + random.uniform(-self._amount, self._amount)
        gray = self._gray(src, alpha)
        src *= alpha
        if gray is not None:
            src += gray
        return src


class BrightnessJitterAug(_JitterAug):
    """Multiply by 1 + U(-brightness, brightness) (float images, in place)."""

    def __init__(self, brightness):
        super().__init__("brightness", brightness)

    def _gray(self, src, alpha):
        return None


class ContrastJitterAug(_JitterAug):
    """Blend with the mean grey level by 1 + U(-contrast, contrast)."""

    def __init__(self, contrast):
        super().__init__("contrast", contrast)
        self.coef = nd.array([[_GRAY_COEF]])

    def _gray(self, src, alpha):
        gray = src * self.coef
        return (3.0 * (1.0 - alpha) / gray.size) * nd.sum(gray)


class SaturationJitterAug(_JitterAug):
    """Blend with the grey image by 1 + U(-saturation, saturation)."""

    def __init__(self, saturation):
        super().__init__("saturation", saturation)
        self.coef = nd.array([[_GRAY_COEF]])

    def _gray(self, src, alpha):
        gray = nd.sum(src * self.coef, axis=2, keepdims=True)
        gray *= (1.0 - alpha)
        return gray


class HueJitterAug(Augmenter):
    """Rotate the hue by U(-hue, hue) half-turns in YIQ space."""

    def __init__(self, hue):
        super().__init__(hue=hue)
        self.hue = hue
        self.tyiq = np.array([[0.299, 0.587, 0.114],
                              [0.596, -0.274, -0.321],
                              [0.211, -0.523, 0.311]])
        self.ityiq = np.array([[1.0, 0.956, 0.621],
                               [1.0, -0.272, -0.647],
                               [1.0, -1.107, 1.705]])

    def __call__(self, src):
        alpha = random.uniform(-self.hue, self.hue)
        u = np.cos(alpha * np.pi)
        w = np.sin(alpha * np.pi)
        bt = np.array([[1.0, 0.0, 0.0], [0.0, u, -w], [0.0, w, u]])
        t = np.dot(np.dot(self.ityiq, bt), self.tyiq).T
        return nd.dot(src, nd.array(t))


class ColorJitterAug(RandomOrderAug):
    """Brightness, contrast and saturation jitter in a random order."""

    def __init__(self, brightness, contrast, saturation):
        ts = []
        if brightness > 0:
            ts.append(BrightnessJitterAug(brightness))
        if contrast > 0:
            ts.append(ContrastJitterAug(contrast))
        if saturation > 0:
            ts.append(SaturationJitterAug(saturation))
        super().__init__(ts)


class LightingAug(Augmenter):
    """AlexNet PCA noise: add ``eigvec @ (alpha * eigval)``, alpha ~ N(0, alphastd) (NumPy)."""

    def __init__(self, alphastd, eigval, eigvec):
        super().__init__(alphastd=alphastd, eigval=eigval, eigvec=eigvec)
        self.alphastd = alphastd
        self.eigval = eigval
        self.eigvec = eigvec

    def __call__(self, src):
        alpha = np.random.normal(0, self.alphastd, size=(3,))
        rgb = np.dot(self.eigvec * alpha, self.eigval)
        src += nd.array(rgb)
        return src


class ColorNormalizeAug(Augmenter):
    """``(src - mean) / std``."""

    def __init__(self, mean, std):
        super().__init__(mean=mean, std=std)
        self.mean = mean if mean is None or isinstance(mean, nd.NDArray) else nd.array(mean)
        self.std = std if std is None or isinstance(std, nd.NDArray) else nd.array(std)

    def __call__(self, src):
        return color_normalize(src, self.mean, self.std)


class RandomGrayAug(Augmenter):
    """With probability ``p``, replace each channel by 0.21 R + 0.72 G + 0.07 B."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p
        self.mat = nd.array([[0.21, 0.21, 0.21], [0.72, 0.72, 0.72], [0.07, 0.07, 0.07]])

    def __call__(self, src):
        if random.random() < self.p:
            src = nd.dot(src, self.mat)
        return src


class HorizontalFlipAug(Augmenter):
    """With probability ``p``, flip left to right."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src):
        if random.random() < self.p:
            src = nd.flip(src, axis=1)
        return src


class CastAug(Augmenter):
    """Cast to ``typ``."""

    def __init__(self, typ="float32"):
        super().__init__(type=typ)
        self.typ = typ

    def __call__(self, src):
        return src.astype(self.typ)


def CreateAugmenter(data_shape, resize=0, rand_crop=False, rand_resize=False, rand_mirror=False,
                    mean=None, std=None, brightness=0, contrast=0, saturation=0, hue=0, pca_noise=0,
                    rand_gray=0, inter_method=2):
    """The standard augmenter list: resize, crop (random / random-sized / centre), mirror, cast to
    float32, colour jitter, hue, PCA noise, random grey, normalisation (``mean=True``/``std=True``
    for ImageNet's)."""
    auglist = []
    if resize > 0:
        auglist.append(ResizeAug(resize, inter_method))
    crop_size = (data_shape[2], data_shape[1])
    if rand_resize:
        assert rand_crop
        auglist.append(RandomSizedCropAug(crop_size, 0.08, (3.0 / 4.0, 4.0 / 3.0), inter_method))
    elif rand_crop:
        auglist.append(RandomCropAug(crop_size, inter_method))
    else:
        auglist.append(CenterCropAug(crop_size, inter_method))
    if rand_mirror:
        auglist.append(HorizontalFlipAug(0.5))
    auglist.append(CastAug())
    auglist.extend(_color_augs(brightness, contrast, saturation, hue, pca_noise, rand_gray, mean, std, nd.array))
    return auglist


def _color_augs(brightness, contrast, saturation, hue, pca_noise, rand_gray, mean, std, to_array):
    """The colour part of the standard augmenter lists (:func:`CreateAugmenter`,
    ``CreateDetAugmenter``): jitter, hue, PCA noise, random grey, normalisation; ``to_array``
    makes ImageNet's mean / std for ``mean=True`` / ``std=True``."""
    auglist = []
    if brightness or contrast or saturation:
        auglist.append(ColorJitterAug(brightness, contrast, saturation))
    if hue:
        auglist.append(HueJitterAug(hue))
    if pca_noise > 0:
        eigval = np.array([55.46, 4.794, 1.148])
        eigvec = np.array([[-0.5675, 0.7192, 0.4009],
                           [-0.5808, -0.0045, -0.8140],
                           [-0.5836, -0.6948, 0.4203]])
        auglist.append(LightingAug(pca_noise, eigval, eigvec))
    if rand_gray > 0:
        auglist.append(RandomGrayAug(rand_gray))
    if mean is True:
        mean = to_array([123.68, 116.28, 103.53])
    elif mean is not None:
        assert isinstance(mean, (np.ndarray, nd.NDArray)) and mean.shape[0] in [1, 3]
    if std is True:
        std = to_array([58.395, 57.12, 57.375])
    elif std is not None:
        assert isinstance(std, (np.ndarray, nd.NDArray)) and std.shape[0] in [1, 3]
    if mean is not None or std is not None:
        auglist.append(ColorNormalizeAug(mean, std))
    return auglist


# -- ImageIter ---------------------------------------------------------------------------------------
class ImageIter(io.DataIter):
    """Batches of augmented images (NCHW float32) and labels from a RecordIO file
    (``path_imgrec``, optionally indexed by ``path_imgidx``), an image list file
    (``path_imglist``: ``index<TAB>label(s)<TAB>path`` lines, files under ``path_root``) or a
    Python list ``imglist`` of ``[label(s)..., path]``. ``last_batch_handle``: 'pad' (fill the
    last batch from the start, then stop), 'discard' or 'roll_over' (carry it to the next epoch).
    Extra keyword arguments go to :func:`CreateAugmenter` when ``aug_list`` is None."""

    def __init__(self, batch_size, data_shape, label_width=1, path_imgrec=None, path_imglist=None,
                 path_root=None, path_imgidx=None, shuffle=False, part_index=0, num_parts=1,
                 aug_list=None, imglist=None, data_name="data", label_name="softmax_label",
                 dtype="float32", last_batch_handle="pad", **kwargs):
        super().__init__(batch_size)
        assert path_imgrec or path_imglist or isinstance(imglist, list)
        assert dtype in ["int32", "float32", "int64", "float64"], dtype + " label not supported"
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise ValueError("last_batch_handle must be 'pad', 'discard' or 'roll_over', got {!r}".format(
                last_batch_handle))
        logging.info("Using %s threads for decoding...", os.environ.get("MXNET_CPU_WORKER_NTHREADS", 1))
        if path_imgrec:
            logging.info("%s: loading recordio %s...", type(self).__name__, path_imgrec)
            if path_imgidx:
                self.imgrec = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
                self.imgidx = list(self.imgrec.keys)
            else:
                self.imgrec = recordio.MXRecordIO(path_imgrec, "r")
                self.imgidx = None
        else:
            self.imgrec = None
        imgkeys = []
        if path_imglist:
            logging.info("%s: loading image list %s...", type(self).__name__, path_imglist)
            table = {}
            with open(path_imglist) as fin:
                for line in iter(fin.readline, ""):
                    fields = line.strip().split("\t")
                    if len(fields) < 3:
                        continue
                    key = int(fields[0])
                    table[key] = (nd.array([float(v) for v in fields[1:-1]], dtype=dtype), fields[-1])
                    imgkeys.append(key)
            self.imglist = table
        elif isinstance(imglist, list):
            logging.info("%s: loading image list...", type(self).__name__)
            table = {}
            for index, img in enumerate(imglist, 1):
                key = str(index)
                if len(img) > 2:
                    label = nd.array(img[:-1], dtype=dtype)
                elif isinstance(img[0], numeric_types):
                    label = nd.array([img[0]], dtype=dtype)
                else:
                    label = nd.array(img[0], dtype=dtype)
                table[key] = (label, img[-1])
                imgkeys.append(key)
            self.imglist = table
        else:
            self.imglist = None
        self.path_root = path_root
        self.check_data_shape(data_shape)
        self.provide_data = [io.DataDesc(data_name, (batch_size,) + tuple(data_shape))]
        if label_width > 1:
            self.provide_label = [io.DataDesc(label_name, (batch_size, label_width))]
        else:
            self.provide_label = [io.DataDesc(label_name, (batch_size,))]
        self.batch_size = batch_size
        self.data_shape = tuple(data_shape)
        self.label_width = label_width
        self.shuffle = shuffle
        if self.imgrec is None:
            self.seq = imgkeys
        elif shuffle or num_parts > 1 or path_imgidx:
            assert self.imgidx is not None, "shuffling or partitioning a .rec needs path_imgidx"
            self.seq = self.imgidx
        else:
            self.seq = None
        if num_parts > 1:
            assert part_index < num_parts
            n = len(self.seq) // num_parts
            self.seq = self.seq[part_index * n:(part_index + 1) * n]
        self.auglist = CreateAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        self.cur = 0
        self._allow_read = True
        self.last_batch_handle = last_batch_handle
        self.num_image = len(self.seq) if self.seq is not None else None
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None
        self.reset()

    def reset(self):
        """Next epoch (reshuffles when ``shuffle``); a rolled-over partial batch is kept."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.last_batch_handle != "roll_over" or self._cache_data is None:
            if self.imgrec is not None:
                self.imgrec.reset()
            self.cur = 0
            self._allow_read = True

    def hard_reset(self):
        """Reset and drop any rolled-over partial batch."""
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None
        self.reset()

    def next_sample(self):
        """(label, encoded image bytes) of the next sample; StopIteration at the end."""
        if self._allow_read is False:
            raise StopIteration
        if self.seq is not None:
            if self.cur < self.num_image:
                idx = self.seq[self.cur]
            else:
                if self.last_batch_handle != "discard":
                    self.cur = 0
                raise StopIteration
            self.cur += 1
            if self.imgrec is not None:
                header, img = recordio.unpack(self.imgrec.read_idx(idx))
                if self.imglist is None:
                    return header.label, img
                return self.imglist[idx][0], img
            label, fname = self.imglist[idx]
            return label, self.read_image(fname)
        s = self.imgrec.read()
        if s is None:
            if self.last_batch_handle != "discard":
                self.imgrec.reset()
            raise StopIteration
        header, img = recordio.unpack(s)
        return header.label, img

    def _checked_sample(self, data, label):
        """Validate a decoded sample (RuntimeError: skip it); returns (data, label)."""
        self.check_valid_image(data)
        return data, label

    def _transformed_sample(self, data, label, batch_label):
        """Augment a valid sample; returns (data, its row of ``batch_label``)."""
        data = self.augmentation_transform(data)
        if isinstance(label, nd.NDArray) and self.label_width == 1:
            label = float(label.asnumpy().reshape(-1)[0])     # a (1,) label into a scalar slot
        return data, label

    def _empty_label_batch(self):
        return nd.zeros(self.provide_label[0][1])

    def _batchify(self, batch_data, batch_label, start=0):
        i = start
        try:
            while i < self.batch_size:
                label, s = self.next_sample()
                data = self.imdecode(s)
                try:
                    data, label = self._checked_sample(data, label)
                except RuntimeError as e:
                    logging.debug("Invalid image, skipping:  %s", str(e))
                    continue
                data, label = self._transformed_sample(data, label, batch_label)
                assert i < self.batch_size, "Batch size must be multiples of augmenter output length"
                batch_data[i] = self.postprocess_data(data)
                batch_label[i] = label
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def next(self):
        c, h, w = self.data_shape
        if self._cache_data is not None:
            batch_data, batch_label, i = self._cache_data, self._cache_label, self._cache_idx
        else:
            batch_data = nd.zeros((self.batch_size, c, h, w))
            batch_label = self._empty_label_batch()
            i = self._batchify(batch_data, batch_label)
        pad = self.batch_size - i
        if pad != 0:
            if self.last_batch_handle == "discard":
                raise StopIteration
            if self.last_batch_handle == "roll_over" and self._cache_data is None:
                self._cache_data, self._cache_label, self._cache_idx = batch_data, batch_label, i
                raise StopIteration
            self._batchify(batch_data, batch_label, i)
            if self.last_batch_handle == "pad":
                self._allow_read = False
            else:
                self._cache_data = self._cache_label = self._cache_idx = None
        return io.DataBatch([batch_data], [batch_label], pad=pad)

    def check_data_shape(self, data_shape):
        if not len(data_shape) == 3:
            raise ValueError("data_shape should have length 3, with dimensions CxHxW")
        if not data_shape[0] == 3:
            raise ValueError("This iterator expects inputs to have 3 channels.")

    def check_valid_image(self, data):
        if len(data[0].shape) == 0:
            raise RuntimeError("Data shape is wrong")

    def imdecode(self, s):
        """Decode bytes ``s``; a failure names the image (file name or index)."""
        try:
            return imdecode(s)
        except Exception as e:       # report which sample broke, as MXNet does
            if self.seq is not None:
                idx = self.seq[(self.cur % self.num_image) - 1]
            else:
                idx = self.cur - 1
            if self.imglist is not None:
                msg = "filename: {}".format(self.imglist[idx][1])
            else:
                msg = "index: {}".format(idx)
            raise RuntimeError("Broken image {}, {}".format(msg, e)) from None

    def read_image(self, fname):
        with open(os.path.join(self.path_root, fname) if self.path_root else fname, "rb") as fin:
            return fin.read()

    def augmentation_transform(self, data):
        for aug in self.auglist:
            data = aug(data)
        return data

    def postprocess_data(self, datum):
        return nd.transpose(datum, axes=(2, 0, 1))
