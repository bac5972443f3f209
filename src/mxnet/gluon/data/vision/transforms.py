"""Image transforms: Blocks applied to images (HWC NDArrays) or tensors (CHW).

HybridBlock transforms (ToTensor, Normalize, Resize, CropResize, the random flips, Cast) call the
registered ``_image_*`` operators through ``F.image`` (``mx.nd.image`` / ``mx.sym.image``) and can
be hybridized; the others (CenterCrop,
RandomResizedCrop) are plain Blocks, as in MXNet. Random crops draw from Python's ``random``
module (as MXNet does), random flips from MXNet's generator (``mx.random.seed``).
"""
import random

import numpy as np

from .... import ndarray as nd
from ....base import numeric_types
from ....image.image import _get_interp_method, _center_box, _random_size_box, _rotate
from ....ops import image_ops
from ....ops.registry import get_op, list_ops
from ...block import Block, HybridBlock
from ...nn import Sequential, HybridSequential

__all__ = ["Compose", "Cast", "ToTensor", "Normalize", "Resize", "CenterCrop", "CropResize",
           "RandomResizedCrop", "RandomFlipLeftRight", "RandomFlipTopBottom", "RandomBrightness",
           "RandomContrast", "RandomSaturation", "RandomHue", "RandomColorJitter", "RandomLighting",
           "Rotate", "RandomRotation", "RandomApply"]

# name -> OpDef of the image operators (the registry's, plus the unregistered _image_rotate)
_LOCAL_OPS = dict({n: get_op(n) for n in list_ops() if n.startswith("_image_")},
                  _image_rotate=image_ops.ROTATE)


class Compose(Sequential):
    """Applies ``transforms`` in order; runs of consecutive HybridBlocks are grouped into a
    hybridized HybridSequential.

    >>> transformer = transforms.Compose([transforms.Resize(300), transforms.CenterCrop(256),
    ...                                   transforms.ToTensor()])
    """

    def __init__(self, transforms):
        super().__init__()
        hybrid = []
        for t in list(transforms) + [None]:
            if isinstance(t, HybridBlock):
                hybrid.append(t)
                continue
            if len(hybrid) == 1:
                self.add(hybrid[0])
            elif len(hybrid) > 1:
                hblock = HybridSequential()
                for j in hybrid:
                    hblock.add(j)
                hblock.hybridize()
                self.add(hblock)
            hybrid = []
            if t is not None:
                self.add(t)


class Cast(HybridBlock):
    """Cast the input to ``dtype`` (default float32)."""

    def __init__(self, dtype="float32"):
        super().__init__()
        self._dtype = dtype

    def hybrid_forward(self, F, x):
        return F.cast(x, self._dtype)


class ToTensor(HybridBlock):
    """(H x W x C) or (N x H x W x C) images with values in [0, 255] to float32 tensors
    (C x H x W) or (N x C x H x W) with values in [0, 1]."""

    def __init__(self):
        super().__init__()

    def hybrid_forward(self, F, x):
        return F.image.to_tensor(x)


class Normalize(HybridBlock):
    """``(x[c] - mean[c]) / std[c]`` for each channel c of a (C x H x W) or (N x C x H x W) tensor;
    a scalar mean or std applies to every channel."""

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self._mean = mean
        self._std = std

    def hybrid_forward(self, F, x):
        return F.image.normalize(x, mean=self._mean, std=self._std)


class Resize(HybridBlock):
    """Resize an image (H x W x C) or a batch (N x H x W x C) to ``size``: an int (a square, or
    with ``keep_ratio`` the length of the shorter edge) or ``(width, height)``.
    ``interpolation`` is OpenCV's: 0 nearest, 1 bilinear (default), 2 bicubic, 3 area, 4 Lanczos."""

    def __init__(self, size, keep_ratio=False, interpolation=1):
        super().__init__()
        self._keep = keep_ratio
        self._size = size
        self._interpolation = interpolation

    def hybrid_forward(self, F, x):
        return F.image.resize(x, size=self._size, keep_ratio=self._keep, interp=self._interpolation)


class CropResize(HybridBlock):
    """Crop ``width`` x ``height`` at (``x``, ``y``) of an image (H x W x C) or a batch
    (N x H x W x C), then resize to ``size`` when given (``interpolation`` None is bilinear)."""

    def __init__(self, x, y, width, height, size=None, interpolation=None):
        super().__init__()
        self._x = x
        self._y = y
        self._width = width
        self._height = height
        self._size = size
        self._interpolation = interpolation

    def hybrid_forward(self, F, x):
        out = F.image.crop(x, x=self._x, y=self._y, width=self._width, height=self._height)
        if self._size:
            out = F.image.resize(out, size=self._size, keep_ratio=False,
                                 interp=1 if self._interpolation is None else self._interpolation)
        return out


class RandomFlipLeftRight(HybridBlock):
    """Flip an image (H x W x C) left to right with probability 0.5."""

    def __init__(self):
        super().__init__()

    def hybrid_forward(self, F, x):
        return F.image.random_flip_left_right(x)


class RandomFlipTopBottom(HybridBlock):
    """Flip an image (H x W x C) top to bottom with probability 0.5."""

    def __init__(self):
        super().__init__()

    def hybrid_forward(self, F, x):
        return F.image.random_flip_top_bottom(x)


class _RandomFactor(HybridBlock):
    _op = None

    def __init__(self, amount):
        super().__init__()
        self._args = (max(0, 1 - amount), 1 + amount)

    def hybrid_forward(self, F, x):
        return getattr(F.image, self._op)(x, min_factor=self._args[0], max_factor=self._args[1])


class RandomBrightness(_RandomFactor):
    """Multiply an image (H x W x C) by a factor drawn from [max(0, 1 - brightness), 1 + brightness]."""
    _op = "random_brightness"

    def __init__(self, brightness):
        super().__init__(brightness)


class RandomContrast(_RandomFactor):
    """Blend an image (H x W x C) with its mean grey level by a factor drawn from
    [max(0, 1 - contrast), 1 + contrast]."""
    _op = "random_contrast"

    def __init__(self, contrast):
        super().__init__(contrast)


class RandomSaturation(_RandomFactor):
    """Blend an image (H x W x C) with its grey version by a factor drawn from
    [max(0, 1 - saturation), 1 + saturation] (MXNet 1.9.1's grey is 0.114 * blue)."""
    _op = "random_saturation"

    def __init__(self, saturation):
        super().__init__(saturation)


class RandomHue(_RandomFactor):
    """Rotate the hue of an image (H x W x C) by a factor of a turn drawn from
    [max(0, 1 - hue), 1 + hue] (as MXNet 1.9.1 does)."""
    _op = "random_hue"

    def __init__(self, hue):
        super().__init__(hue)


class RandomColorJitter(HybridBlock):
    """Randomly change brightness, contrast, saturation (factors 1 +- the amount) and hue
    (+- ``hue`` turns) of an image (H x W x C), in a random order."""

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        self._args = (brightness, contrast, saturation, hue)

    def hybrid_forward(self, F, x):
        b, c, s, h = self._args
        return F.image.random_color_jitter(x, brightness=b, contrast=c, saturation=s, hue=h)


class RandomLighting(HybridBlock):
    """AlexNet-style PCA colour noise with alpha drawn from N(0, ``alpha``)."""

    def __init__(self, alpha):
        super().__init__()
        self._alpha = alpha

    def hybrid_forward(self, F, x):
        return F.image.random_lighting(x, alpha_std=self._alpha)


def _fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    out = src[y0:y0 + h, x0:x0 + w]
    if size is not None and (w, h) != tuple(size):
        interp = _get_interp_method(interp, (h, w, size[1], size[0]))
        out = nd.image.resize(out, size=tuple(size), keep_ratio=False, interp=interp)
    return out


def _hw(x, who):
    if len(x.shape) != 3:
        raise ValueError("{}: expected an image of shape (height, width, channels), got shape {}".format(
            who, x.shape))
    return x.shape[0], x.shape[1]


def _center_crop(src, size, interp):
    h, w = _hw(src, "CenterCrop")
    return _fixed_crop(src, *_center_box(w, h, size), size, interp)


class CenterCrop(Block):
    """Crop the centre of an image (H x W x C) to ``size`` (int or (width, height)), scaling up
    when the image is smaller.

    >>> transforms.CenterCrop(size=(1000, 500))(image)     # image 2321x3482x3
    <NDArray 500x1000x3 @cpu(0)>
    """

    def __init__(self, size, interpolation=1):
        super().__init__()
        if isinstance(size, numeric_types):
            size = (size, size)
        self._args = (tuple(size), interpolation)

    def forward(self, x):
        return _center_crop(x, *self._args)


class RandomResizedCrop(Block):
    """Crop a random area (``scale`` of the image area, aspect ratio in ``ratio``) of an image
    (H x W x C) and resize it to ``size``; after 10 failed draws, a centre crop."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=1):
        super().__init__()
        if isinstance(size, numeric_types):
            size = (size, size)
        self._args = (tuple(size), scale, ratio, interpolation)

    def forward(self, x):
        size, area, ratio, interp = self._args
        h, w = _hw(x, "RandomResizedCrop")
        box = _random_size_box(h, w, area, ratio)
        if box is None:
            return _center_crop(x, size, interp)
        return _fixed_crop(x, *box, size, interp)


def _imrotate(x, degrees, zoom_in, zoom_out):
    if zoom_in and zoom_out:
        raise ValueError("`zoom_in` and `zoom_out` cannot be both True")
    if np.dtype(x.dtype) != np.float32:
        raise TypeError("This transformation only supports float32. Consider calling it after ToTensor")
    n = 1 if len(x.shape) == 3 else x.shape[0]
    return _rotate(x, np.broadcast_to(np.asarray(degrees, np.float64), (n,)).tolist(), zoom_in, zoom_out)


class Rotate(Block):
    """Rotate a float32 image (C x H x W) or batch (N x C x H x W) by ``rotation_degrees``,
    keeping its shape (``zoom_in``: no empty corners; ``zoom_out``: nothing cut off)."""

    def __init__(self, rotation_degrees, zoom_in=False, zoom_out=False):
        super().__init__()
        self._args = (rotation_degrees, zoom_in, zoom_out)

    def forward(self, x):
        return _imrotate(x, *self._args)


class RandomRotation(Block):
    """Rotate a float32 image (C x H x W) or batch by angles drawn uniformly from ``angle_limits``
    (NumPy's random state), with probability ``rotate_with_proba``."""

    def __init__(self, angle_limits, zoom_in=False, zoom_out=False, rotate_with_proba=1.0):
        super().__init__()
        lower, upper = angle_limits
        if lower >= upper:
            raise ValueError("`angle_limits` must be an ordered tuple")
        if rotate_with_proba < 0 or rotate_with_proba > 1:
            raise ValueError("Probability of rotating the image should be between 0 and 1")
        self._args = (angle_limits, zoom_in, zoom_out)
        self._rotate_with_proba = rotate_with_proba

    def forward(self, x):
        if np.random.random() > self._rotate_with_proba:
            return x
        if np.dtype(x.dtype) != np.float32:
            raise TypeError("This transformation only supports float32. Consider calling it after ToTensor")
        limits, zoom_in, zoom_out = self._args
        if len(x.shape) == 3:
            degrees = np.random.uniform(*limits)
        else:
            degrees = np.random.uniform(*limits, size=x.shape[0])
        return _imrotate(x, degrees, zoom_in, zoom_out)


class RandomApply(Sequential):
    """Apply the Block ``transforms`` with probability ``p`` (Python's ``random``)."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, x):
        if self.p < random.random():
            return x
        return self.transforms(x)
