"""Image operators (MXNet's ``_image_*`` family, ``mx.nd.image`` / ``mx.sym.image``) and the OpenCV
front ops behind ``mx.image`` (``_cvimdecode``, ``_cvimread``, ``_cvimresize``, ``_cvcopyMakeBorder``,
the legacy ``_imdecode``).

Resizing reproduces OpenCV 3.4's ``cv::resize`` (what MXNet 1.9.1 calls): half-pixel-centred taps,
11-bit fixed-point coefficients for uint8, the 2x2 box filter for exact halving, and OpenCV's
filters by their OpenCV numbers: 0 nearest, 1 bilinear, 2 bicubic (A=-0.75), 3 area, 4 Lanczos-4.
Kernels are written once against ``xp`` (NumPy or CuPy); the tap tables are tiny and built with
NumPy. Decoding is in ``ops/image_codec.py`` (PNG/PPM in NumPy + zlib; JPEG through Pillow/cv2).
``_image_rotate`` (``image.imrotate``, ``transforms.Rotate``) is not an MXNet operator: it stays an
unregistered OpDef run through ``ndarray.imperative.invoke``.
"""

import numpy as np

from ..backend import to_numpy
from ..base import MXNetError
from .params import Param, Int, Bool, Float, Shape, Tuple, Str
from .registry import OpDef, register
from . import image_codec

_COEF_BITS = 11
_COEF_SCALE = 1 << _COEF_BITS


# -- checks ------------------------------------------------------------------------------------------
def _hwc_check(op, shape, batch_ok=True, channels=(1, 3)):
    if len(shape) != 3 and not (batch_ok and len(shape) == 4):
        if batch_ok:
            raise MXNetError("{}: input image must have shape (height, width, channels) or "
                             "(N, height, width, channels), but got {}".format(op, shape))
        raise MXNetError("{}: input image must have shape (height, width, channels), but got {}".format(
            op, shape))
    if channels and shape[-1] not in channels:
        raise MXNetError("{}: the last dimension of the input image must be the channel dimension "
                         "with either 1 or 3 elements, but got input with shape {}".format(op, shape))


# -- to_tensor ---------------------------------------------------------------------------------------
def _to_tensor_shape(attrs, in_shapes):
    s = in_shapes[0]
    _hwc_check("_image_to_tensor", s, channels=None)
    return [s[:-3] + (s[-1], s[-3], s[-2])]


def _to_tensor_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    if x.dtype.kind == "f":       # MXNet divides in the input's float type, then casts
        y = x / x.dtype.type(255)
    else:
        y = x.astype(np.float32) / np.float32(255)
    return (xp.moveaxis(y, -1, -3).astype(np.float32),)


TO_TENSOR = OpDef("_image_to_tensor", _to_tensor_forward, infer_shape=_to_tensor_shape,
                  infer_type=lambda attrs, t: [np.dtype(np.float32)],
                  doc="Converts an image NDArray of shape (H x W x C) or (N x H x W x C) with values "
                      "in [0, 255] to a tensor of shape (C x H x W) or (N x C x H x W) in [0, 1].")


# -- normalize ---------------------------------------------------------------------------------------
def _norm_channels(attrs, shape):
    if len(shape) not in (3, 4):
        raise MXNetError("_image_normalize: input tensor must have shape (channels, height, width), or "
                         "(N, channels, height, width), but got {}".format(shape))
    c = shape[-3]
    if c not in (1, 3):
        raise MXNetError("_image_normalize: the channel dimension of the input tensor must have either "
                         "1 or 3 elements, but got input with shape {}".format(shape))
    for name in ("mean", "std"):
        v = attrs[name]
        if len(v) not in (1, c):
            raise MXNetError("_image_normalize: invalid {} for input with shape {}. {} must have either "
                             "1 or {} elements, but got {}".format(name, shape, name, c, list(v)))
    return c


def _norm_consts(xp, attrs, c, dtype):
    ct = np.float64 if dtype == np.float64 else np.float32
    mean = np.broadcast_to(np.asarray(attrs["mean"], ct), (c,)).reshape(c, 1, 1)
    std = np.broadcast_to(np.asarray(attrs["std"], ct), (c,)).reshape(c, 1, 1)
    return xp.asarray(mean), xp.asarray(std)


def _normalize_shape(attrs, in_shapes):
    _norm_channels(attrs, in_shapes[0])
    return [in_shapes[0]]


def _normalize_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    mean, std = _norm_consts(xp, attrs, x.shape[-3], x.dtype)
    if x.dtype.kind == "f":
        y = (x - mean.astype(x.dtype)) / std.astype(x.dtype)
    else:   # integer images: computed in float, truncated back (MXNet's C++ cast)
        y = xp.trunc((x.astype(np.float32) - mean) / std)
    return (y.astype(x.dtype),)


def _normalize_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    _, std = _norm_consts(xp, attrs, inputs[0].shape[-3], out_grads[0].dtype)
    return [(out_grads[0] / std).astype(out_grads[0].dtype)]


NORMALIZE = OpDef("_image_normalize", _normalize_forward,
                  params=(Param("mean", Tuple, (0.0, 0.0, 0.0, 0.0)), Param("std", Tuple, (1.0, 1.0, 1.0, 1.0))),
                  infer_shape=_normalize_shape, backward=_normalize_backward,
                  doc="Normalize a tensor of shape (C x H x W) or (N x C x H x W) with mean and standard "
                      "deviation.")


# -- flips -------------------------------------------------------------------------------------------
def _flip_shape(name):
    def infer(attrs, in_shapes):
        _hwc_check(name, in_shapes[0], batch_ok=False)
        return [in_shapes[0]]
    return infer


def _flip(axis):
    return lambda env, attrs, inputs, aux: (env.xp.flip(inputs[0], axis=axis),)


def _flip_backward(axis):
    return lambda env, attrs, inputs, outputs, og, req: [env.xp.flip(og[0], axis=axis)]


def _random_flip(axis):
    def forward(env, attrs, inputs, aux):
        x = inputs[0]
        if float(env.rng.random()) < 0.5:
            return (env.xp.flip(x, axis=axis),)
        return (x.copy(),)
    return forward


FLIP_LEFT_RIGHT = OpDef("_image_flip_left_right", _flip(1), infer_shape=_flip_shape("_image_flip_left_right"),
                        backward=_flip_backward(1), doc="Flip an image (H x W x C) left to right.")
FLIP_TOP_BOTTOM = OpDef("_image_flip_top_bottom", _flip(0), infer_shape=_flip_shape("_image_flip_top_bottom"),
                        backward=_flip_backward(0), doc="Flip an image (H x W x C) top to bottom.")
RANDOM_FLIP_LEFT_RIGHT = OpDef("_image_random_flip_left_right", _random_flip(1), needs_rng=True,
                               infer_shape=_flip_shape("_image_random_flip_left_right"),
                               doc="Randomly flip an image (H x W x C) left to right with probability 0.5.")
RANDOM_FLIP_TOP_BOTTOM = OpDef("_image_random_flip_top_bottom", _random_flip(0), needs_rng=True,
                               infer_shape=_flip_shape("_image_random_flip_top_bottom"),
                               doc="Randomly flip an image (H x W x C) top to bottom with probability 0.5.")


# -- crop --------------------------------------------------------------------------------------------
def _crop_shape(attrs, in_shapes):
    s = in_shapes[0]
    _hwc_check("_image_crop", s)
    x, y, w, h = attrs["x"], attrs["y"], attrs["width"], attrs["height"]
    if h <= 0 or w <= 0:
        raise MXNetError("_image_crop: height and width must be greater than 0, got height={}, "
                         "width={}".format(h, w))
    if x < 0 or y < 0:
        raise MXNetError("_image_crop: x and y must not be negative, got x={}, y={}".format(x, y))
    if x + w > s[-2]:
        raise MXNetError("_image_crop: x + width should not be greater than input width: x={}, width={}, "
                         "input shape {}".format(x, w, s))
    if y + h > s[-3]:
        raise MXNetError("_image_crop: y + height should not be greater than input height: y={}, "
                         "height={}, input shape {}".format(y, h, s))
    return [s[:-3] + (h, w, s[-1])]


def _crop_forward(env, attrs, inputs, aux):
    x, y, w, h = attrs["x"], attrs["y"], attrs["width"], attrs["height"]
    return (inputs[0][..., y:y + h, x:x + w, :],)


def _crop_backward(env, attrs, inputs, outputs, out_grads, req):
    x, y, w, h = attrs["x"], attrs["y"], attrs["width"], attrs["height"]
    g = env.xp.zeros(inputs[0].shape, dtype=out_grads[0].dtype)
    g[..., y:y + h, x:x + w, :] = out_grads[0]
    return [g]


CROP = OpDef("_image_crop", _crop_forward, infer_shape=_crop_shape, backward=_crop_backward,
             params=(Param("x", Int), Param("y", Int), Param("width", Int), Param("height", Int)),
             doc="Crop an image (H x W x C) or a batch (N x H x W x C) at (x, y) to width x height.")


# -- colour ------------------------------------------------------------------------------------------
_GRAY = np.array([0.299, 0.587, 0.114], np.float32)
_EIG = np.array([[55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
                 [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
                 [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203]], np.float32)
_HLS_SECTORS = np.array([[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]])
_F = np.float32


def _saturate(xp, y, dtype):
    """MXNet's saturate_cast from float: uint8 clamps to [0, 255]; integers truncate."""
    if dtype == np.uint8:
        y = xp.clip(y, 0, 255)
    if dtype.kind in "iu":
        y = xp.trunc(y)
    return y.astype(dtype)


def adjust_brightness(xp, x, alpha):
    return _saturate(xp, x.astype(np.float32) * _F(alpha), x.dtype)


def adjust_contrast(xp, x, alpha):
    xf = x.astype(np.float32)
    if x.shape[-1] == 3:
        total = (xf[..., 0] * _GRAY[0] + xf[..., 1] * _GRAY[1] + xf[..., 2] * _GRAY[2]).sum(dtype=np.float64)
    else:
        total = xf.sum(dtype=np.float64)
    gray_mean = total.astype(np.float32) / _F(x.shape[0] * x.shape[1])     # stays on the device
    return _saturate(xp, xf * _F(alpha) + (_F(1) - _F(alpha)) * gray_mean, x.dtype)


def adjust_saturation(xp, x, alpha):
    if x.shape[-1] == 1:
        return x.copy()
    # MXNet 1.9.1 assigns (not adds) each channel's share of the grey value, so only blue counts
    gray = x[..., 2:3].astype(np.float32) * _GRAY[2]
    return _saturate(xp, x.astype(np.float32) * _F(alpha) + (_F(1) - _F(alpha)) * gray, x.dtype)


def adjust_hue(xp, x, alpha):
    """Rotate the hue by ``alpha`` turns through RGB -> HLS -> RGB (float32, as MXNet)."""
    if x.shape[-1] == 1:
        return x.copy()
    xf = x.astype(np.float32) / _F(255)
    r, g, b = xf[..., 0], xf[..., 1], xf[..., 2]
    vmax = xp.maximum(xp.maximum(r, g), b)
    vmin = xp.minimum(xp.minimum(r, g), b)
    diff = vmax - vmin
    light = (vmax + vmin) * _F(0.5)
    chroma = diff > np.finfo(np.float32).eps
    safe = xp.where(chroma, diff, _F(1))
    sat = xp.where(light < _F(0.5), diff / xp.where(chroma, vmax + vmin, _F(1)),
                   diff / xp.where(chroma, _F(2) - vmax - vmin, _F(1)))
    d = _F(60) / safe
    h = xp.where(vmax == r, (g - b) * d, xp.where(vmax == g, (b - r) * d + _F(120), (r - g) * d + _F(240)))
    h = xp.where(h < 0, h + _F(360), h)
    h = xp.where(chroma, h, _F(0))
    sat = xp.where(chroma, sat, _F(0))
    h = (h + _F(alpha) * _F(360)) * (_F(1) / _F(60))
    h = xp.mod(h, _F(6))
    sector = xp.minimum(h.astype(np.int64), 5)
    h = h - sector.astype(np.float32)
    p2 = xp.where(light <= _F(0.5), light * (_F(1) + sat), light + sat - light * sat)
    p1 = _F(2) * light - p2
    tab = xp.stack([p2, p1, p1 + (p2 - p1) * (_F(1) - h), p1 + (p2 - p1) * h], axis=-1)
    idx = xp.asarray(_HLS_SECTORS[:, ::-1].copy())[sector]          # (r, g, b) entries of tab
    return _saturate(xp, xp.take_along_axis(tab, idx, axis=-1) * _F(255), x.dtype)


def adjust_lighting(xp, x, alpha):
    """Add the AlexNet PCA colour noise ``eigvec * eigval * alpha``."""
    if x.shape[-1] == 1:
        return x.copy()
    a = np.asarray(alpha, np.float32)
    pca = (_EIG[:, 0] * a[0] + _EIG[:, 1] * a[1]) + _EIG[:, 2] * a[2]
    return _saturate(xp, x.astype(np.float32) + xp.asarray(pca), x.dtype)


def _color_shape(name):
    def infer(attrs, in_shapes):
        _hwc_check(name, in_shapes[0], batch_ok=False)
        return [in_shapes[0]]
    return infer


def _factor_params():
    return (Param("min_factor", Float), Param("max_factor", Float))


def _check_factors(name, attrs):
    for k in ("min_factor", "max_factor"):
        if attrs[k] < 0:
            raise MXNetError("{}: {} should be greater or equal to 0, got {}".format(name, k, attrs[k]))
    if attrs["max_factor"] < attrs["min_factor"]:
        raise MXNetError("{}: max_factor {} is smaller than min_factor {}".format(
            name, attrs["max_factor"], attrs["min_factor"]))


# Host scalars drawn from the context's generator with the methods NumPy's and CuPy's generators
# share (``random``, ``standard_normal``); NumPy's ``uniform``/``normal`` compute exactly these
# expressions, so CPU draws are unchanged.
def _uniform(rng, low, high):
    return float(low + (high - low) * float(rng.random()))


def _normal3(rng, scale):
    return (0.0 + scale * to_numpy(rng.standard_normal(3))).tolist()


def _permutation(xp, rng, n):
    perm = getattr(rng, "permutation", None)      # NumPy-only; CuPy: argsort of uniform keys
    return to_numpy(perm(n) if perm is not None else xp.argsort(rng.random(n))).tolist()


def _random_factor_op(name, adjust, doc):
    def forward(env, attrs, inputs, aux):
        _check_factors(name, attrs)
        alpha = _uniform(env.rng, attrs["min_factor"], attrs["max_factor"])
        return (adjust(env.xp, inputs[0], alpha),)
    return OpDef(name, forward, params=_factor_params(), infer_shape=_color_shape(name), needs_rng=True, doc=doc)


RANDOM_BRIGHTNESS = _random_factor_op("_image_random_brightness", adjust_brightness,
                                      "Multiply an image (H x W x C) by a random factor in [min_factor, max_factor].")
RANDOM_CONTRAST = _random_factor_op("_image_random_contrast", adjust_contrast,
                                    "Blend an image (H x W x C) with its mean grey level by a random factor.")
RANDOM_SATURATION = _random_factor_op("_image_random_saturation", adjust_saturation,
                                      "Blend an image (H x W x C) with its grey version by a random factor.")
RANDOM_HUE = _random_factor_op("_image_random_hue", adjust_hue,
                               "Rotate the hue of an image (H x W x C) by a random factor of a full turn.")


def _jitter_forward(env, attrs, inputs, aux):
    x, xp, rng = inputs[0], env.xp, env.rng
    for k in (int(i) for i in _permutation(xp, rng, 4)):
        if k == 0 and attrs["brightness"] > 0:
            x = adjust_brightness(xp, x, 1.0 + _uniform(rng, -attrs["brightness"], attrs["brightness"]))
        elif k == 1 and attrs["contrast"] > 0:
            x = adjust_contrast(xp, x, 1.0 + _uniform(rng, -attrs["contrast"], attrs["contrast"]))
        elif k == 2 and attrs["saturation"] > 0:
            x = adjust_saturation(xp, x, 1.0 + _uniform(rng, -attrs["saturation"], attrs["saturation"]))
        elif k == 3 and attrs["hue"] > 0:
            x = adjust_hue(xp, x, _uniform(rng, -attrs["hue"], attrs["hue"]))
    return (x.copy(),)


RANDOM_COLOR_JITTER = OpDef("_image_random_color_jitter", _jitter_forward, needs_rng=True,
                            params=(Param("brightness", Float), Param("contrast", Float),
                                    Param("saturation", Float), Param("hue", Float)),
                            infer_shape=_color_shape("_image_random_color_jitter"),
                            doc="Randomly change brightness, contrast, saturation and hue, in random order.")
ADJUST_LIGHTING = OpDef("_image_adjust_lighting",
                        lambda env, attrs, inputs, aux: (adjust_lighting(env.xp, inputs[0], attrs["alpha"]),),
                        params=(Param("alpha", Tuple),), infer_shape=_color_shape("_image_adjust_lighting"),
                        doc="Add AlexNet-style PCA colour noise with the given alpha (3 values).")


def _random_lighting_forward(env, attrs, inputs, aux):
    alpha = _normal3(env.rng, attrs["alpha_std"])
    return (adjust_lighting(env.xp, inputs[0], alpha),)


RANDOM_LIGHTING = OpDef("_image_random_lighting", _random_lighting_forward, needs_rng=True,
                        params=(Param("alpha_std", Float, 0.05),),
                        infer_shape=_color_shape("_image_random_lighting"),
                        doc="Add AlexNet-style PCA colour noise with alpha drawn from N(0, alpha_std).")


# -- rotation ----------------------------------------------------------------------------------------
def rotate(xp, src, degrees, zoom_in=False, zoom_out=False):
    """Rotate (N, C, H, W) float32 images by ``degrees`` (one per image) about their centres,
    sampling bilinearly with zeros outside, as MXNet's ``image.imrotate`` (GridGenerator +
    BilinearSampler) does; ``zoom_in`` scales so no border shows, ``zoom_out`` so all content does."""
    n, _, h, w = src.shape
    rad = (_F(np.pi) * xp.asarray(np.asarray(degrees, np.float32)) / _F(180)).reshape(n, 1, 1)
    hscale, wscale = _F((h - 1) / 2), _F((w - 1) / 2)
    hm = (xp.arange(h, dtype=np.float32).reshape(1, h, 1) - hscale) * xp.ones((1, 1, w), np.float32)
    wm = (xp.arange(w, dtype=np.float32).reshape(1, 1, w) - wscale) * xp.ones((1, h, 1), np.float32)
    c, s = xp.cos(rad), xp.sin(rad)
    gx = (wm * c - hm * s) / wscale
    gy = (wm * s + hm * c) / hscale
    if zoom_in or zoom_out:
        fh, fw = _F(h), _F(w)
        rho = xp.sqrt(_F(fh * fh + fw * fw))
        ang = _F(np.arctan(fh / fw))
        x1 = xp.abs(rho * xp.cos(ang + xp.abs(rad)))
        y1 = xp.abs(rho * xp.sin(ang + xp.abs(rad)))
        x2 = xp.abs(rho * xp.cos(ang - xp.abs(rad)))
        y2 = xp.abs(rho * xp.sin(ang - xp.abs(rad)))
        mx_, my_ = xp.maximum(x1, x2), xp.maximum(y1, y2)
        scale = xp.maximum(mx_ / fw, my_ / fh) if zoom_out else xp.minimum(fw / mx_, fh / my_)
        gx, gy = gx * scale, gy * scale
    # BilinearSampler
    x = (gx + _F(1)) * _F(w - 1) / _F(2)
    y = (gy + _F(1)) * _F(h - 1) / _F(2)
    x0 = xp.floor(x)
    y0 = xp.floor(y)
    wx = _F(1) - (x - x0)
    wy = _F(1) - (y - y0)
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    bidx = xp.arange(n).reshape(n, 1, 1)

    def tap(yy, xx):
        ok = (xx >= 0) & (xx <= w - 1) & (yy >= 0) & (yy <= h - 1)
        v = src[bidx, :, xp.clip(yy, 0, h - 1), xp.clip(xx, 0, w - 1)]       # (n, h, w, c)
        return xp.where(ok[..., None], v, _F(0))
    wx, wy = wx[..., None], wy[..., None]
    out = (tap(y0, x0) * wy * wx + tap(y0, x0 + 1) * wy * (_F(1) - wx)
           + tap(y0 + 1, x0) * (_F(1) - wy) * wx + tap(y0 + 1, x0 + 1) * (_F(1) - wy) * (_F(1) - wx))
    return xp.moveaxis(out, -1, 1).astype(np.float32)


def _rotate_shape(attrs, in_shapes):
    s = in_shapes[0]
    if len(s) not in (3, 4):
        raise MXNetError("image rotate: only 3D (C, H, W) and 4D (N, C, H, W) images are supported, got "
                         "shape {}".format(s))
    n = 1 if len(s) == 3 else s[0]
    if len(attrs["degrees"]) != n:
        raise MXNetError("image rotate: the number of images ({}) must equal the number of rotation "
                         "angles ({})".format(n, len(attrs["degrees"])))
    return [s]


def _rotate_forward(env, attrs, inputs, aux):
    x = inputs[0]
    batch = x if x.ndim == 4 else x[None]
    out = rotate(env.xp, batch, attrs["degrees"], attrs["zoom_in"], attrs["zoom_out"])
    return (out if x.ndim == 4 else out[0],)


ROTATE = OpDef("_image_rotate", _rotate_forward, infer_shape=_rotate_shape,
               infer_type=lambda attrs, t: [np.dtype(np.float32)],
               params=(Param("degrees", Tuple), Param("zoom_in", Bool, False), Param("zoom_out", Bool, False)),
               doc="Rotate float32 images (C x H x W or N x C x H x W) by angles in degrees (image.imrotate).")


# -- resize ------------------------------------------------------------------------------------------
def resized_hw(op, h, w, size, keep_ratio):
    """(new height, new width) for ``size`` (w,) or (w, h), as MXNet's image resize computes it."""
    if len(size) not in (1, 2):
        raise MXNetError("{}: size must have 1 or 2 elements (width, height), but got {}".format(op, size))
    if any(s <= 0 for s in size):
        raise MXNetError("{}: size should be greater than 0, but got {}".format(op, size))
    if len(size) == 2:
        return size[1], size[0]
    if not keep_ratio:
        return size[0], size[0]
    return short_edge_hw(h, w, size[0])


def short_edge_hw(h, w, size):
    """(new height, new width) of an ``h`` x ``w`` image whose shorter edge is resized to ``size``
    (the other edge scales by size / short edge, floored)."""
    if h > w:
        return h * size // w, size
    return size, w * size // h


def _resize_shape(attrs, in_shapes):
    s = in_shapes[0]
    if len(s) not in (3, 4):
        raise MXNetError("_image_resize: input image dimension should be 3 or 4 but got {} (shape {})".format(
            len(s), s))
    if attrs["interp"] not in (0, 1, 2, 3, 4):
        raise MXNetError("_image_resize: unknown interp method {}; expected 0 (nearest), 1 (bilinear), "
                         "2 (bicubic), 3 (area) or 4 (lanczos)".format(attrs["interp"]))
    h, w = resized_hw("_image_resize", s[-3], s[-2], attrs["size"], attrs["keep_ratio"])
    return [s[:-3] + (h, w, s[-1])]


def _resize_type(attrs, in_dtypes):
    dt = np.dtype(in_dtypes[0])
    if dt not in (np.uint8, np.int8, np.float32, np.float64):
        raise MXNetError("_image_resize: OpenCV resize does not support {} images; use uint8, int8, "
                         "float32 or float64".format(dt.name))
    return [dt]


def _resize_forward(env, attrs, inputs, aux):
    x = inputs[0]
    h, w = resized_hw("_image_resize", x.shape[-3], x.shape[-2], attrs["size"], attrs["keep_ratio"])
    return (resize(env.xp, x, h, w, attrs["interp"]),)


RESIZE = OpDef("_image_resize", _resize_forward, infer_shape=_resize_shape, infer_type=_resize_type,
               params=(Param("size", Shape, ()), Param("keep_ratio", Bool, False), Param("interp", Int, 1)),
               doc="Resize an image (H x W x C) or a batch (N x H x W x C) to the given size.")


def _linear_taps(n_in, n_out, area_mode=False, vertical=False):
    """OpenCV's 2-tap tables: source indices (n_out, 2) and float32 weights (n_out, 2).

    Horizontally OpenCV moves taps that fall off the image onto the edge pixel with weight 1;
    vertically it keeps the weights and repeats the edge row."""
    inv = n_out / n_in
    scale = 1.0 / inv
    d = np.arange(n_out, dtype=np.float64)
    if area_mode:    # INTER_AREA when enlarging
        s = np.floor(d * scale).astype(np.int64)
        f = ((d + 1) - (s + 1) * inv).astype(np.float32)
        f = np.where(f <= 0, np.float32(0), f - np.floor(f)).astype(np.float32)
    else:
        f = ((d + 0.5) * scale - 0.5).astype(np.float32)
        s = np.floor(f).astype(np.int64)
        f = (f - s.astype(np.float32)).astype(np.float32)
    if not vertical:
        low = s < 0
        f[low] = 0
        s[low] = 0
        high = s >= n_in - 1
        f[high] = 0
        s[high] = n_in - 1
    idx = np.clip(np.stack([s, s + 1], axis=1), 0, n_in - 1)
    return idx, np.stack([np.float32(1) - f, f], axis=1).astype(np.float32)


def _cubic_taps(n_in, n_out):
    scale = 1.0 / (n_out / n_in)
    f = ((np.arange(n_out) + 0.5) * scale - 0.5).astype(np.float32)
    s = np.floor(f).astype(np.int64)
    x = (f - s.astype(np.float32)).astype(np.float32)
    a = np.float32(-0.75)
    x1 = x + 1
    c0 = ((a * x1 - 5 * a) * x1 + 8 * a) * x1 - 4 * a
    c1 = ((a + 2) * x - (a + 3)) * x * x + 1
    x2 = 1 - x
    c2 = ((a + 2) * x2 - (a + 3)) * x2 * x2 + 1
    c3 = 1 - c0 - c1 - c2
    idx = np.clip(s[:, None] + np.arange(-1, 3)[None, :], 0, n_in - 1)
    return idx, np.stack([c0, c1, c2, c3], axis=1).astype(np.float32)


def _lanczos_taps(n_in, n_out):
    scale = 1.0 / (n_out / n_in)
    f = ((np.arange(n_out) + 0.5) * scale - 0.5).astype(np.float32)
    s = np.floor(f).astype(np.int64)
    x = (f - s.astype(np.float32)).astype(np.float64)
    s45 = 0.70710678118654752440084436210485
    cs = np.array([[1, 0], [-s45, -s45], [0, 1], [s45, -s45], [-1, 0], [s45, s45], [0, -1], [-s45, s45]])
    y0 = -(x + 3) * np.pi * 0.25
    s0, c0 = np.sin(y0), np.cos(y0)
    y = -(x[:, None] + 3 - np.arange(8)[None, :]) * np.pi * 0.25
    with np.errstate(divide="ignore", invalid="ignore"):
        coef = ((cs[None, :, 0] * s0[:, None] + cs[None, :, 1] * c0[:, None]) / (y * y)).astype(np.float32)
        coef = coef * (np.float32(1) / coef.sum(axis=1, dtype=np.float32))[:, None]
    tiny = x.astype(np.float32) < np.finfo(np.float32).eps
    coef[tiny] = 0
    coef[tiny, 3] = 1
    idx = np.clip(s[:, None] + np.arange(-3, 5)[None, :], 0, n_in - 1)
    return idx, coef.astype(np.float32)


def _area_weights(n_in, n_out):
    """Dense (n_out, n_in) INTER_AREA weights for shrinking (OpenCV's computeResizeAreaTab)."""
    scale = n_in / n_out
    lo = np.arange(n_out)[:, None] * scale
    hi = lo + scale
    cell = np.minimum(scale, n_in - lo)
    i = np.arange(n_in)[None, :]
    overlap = np.clip(np.minimum(i + 1, hi) - np.maximum(i, lo), 0, None)
    overlap[overlap <= 1e-3] = 0
    return (overlap / cell).astype(np.float32)


def _taps_for(n_in, n_out, interp, vertical=False):
    if interp == 2:
        return _cubic_taps(n_in, n_out)
    if interp == 4:
        return _lanczos_taps(n_in, n_out)
    return _linear_taps(n_in, n_out, area_mode=interp == 3, vertical=vertical)


def _apply_taps(xp, x, axis, idx, w):
    """Sum over taps k of ``x`` gathered at ``idx[:, k]`` along ``axis`` times ``w[:, k]``."""
    shape = [1] * x.ndim
    shape[axis] = idx.shape[0]
    acc = None
    for k in range(idx.shape[1]):
        t = xp.take(x, xp.asarray(idx[:, k]), axis=axis) * xp.asarray(w[:, k]).reshape(shape)
        acc = t if acc is None else acc + t
    return acc


def _vertical_u8_linear(xp, r0, r1, b0, b1):
    """OpenCV's uint8 vertical pass (VResizeLinearVec_32s8u): 16-bit SIMD arithmetic that drops
    the low bits of each product before rounding."""
    return ((((r0 >> 4) * b0) >> 16) + (((r1 >> 4) * b1) >> 16) + 2) >> 2


def _resize_u8(xp, x, oh, ow, interp, ih, iw):
    """uint8 resizing with OpenCV's 11-bit fixed-point coefficients."""
    hax, wax = x.ndim - 3, x.ndim - 2
    if interp in (1, 3):     # bilinear, or area when enlarging: 2-tap tables
        xi, xw = _linear_taps(iw, ow, area_mode=interp == 3)
        yi, yw = _linear_taps(ih, oh, area_mode=interp == 3, vertical=True)
        ax = np.rint(xw * _COEF_SCALE).astype(np.int32)
        by = np.rint(yw * _COEF_SCALE).astype(np.int32)
        rows = _apply_taps(xp, x.astype(np.int32), wax, xi, ax)        # (..., ih, ow, c) int32
        r0 = xp.take(rows, xp.asarray(yi[:, 0]), axis=hax)
        r1 = xp.take(rows, xp.asarray(yi[:, 1]), axis=hax)
        out = _vertical_u8_linear(xp, r0, r1, xp.asarray(by[:, 0]).reshape(oh, 1, 1),
                                  xp.asarray(by[:, 1]).reshape(oh, 1, 1))
        return xp.clip(out, 0, 255).astype(np.uint8)
    # cubic / Lanczos-4: fixed-point horizontal pass, rounded vertical pass
    xi, xw = _taps_for(iw, ow, interp)
    yi, yw = _taps_for(ih, oh, interp, vertical=True)
    ax = np.rint(xw * _COEF_SCALE).astype(np.int32)
    by = np.rint(yw * _COEF_SCALE).astype(np.int32)
    rows = _apply_taps(xp, x.astype(np.int32), wax, xi, ax)
    if interp == 2:     # VResizeCubicVec_32s8u: float32 sums, rounded to nearest even
        out = xp.rint(_apply_taps(xp, rows.astype(np.float32), hax, yi,
                                  (by * np.float32(1.0 / (_COEF_SCALE * _COEF_SCALE))).astype(np.float32)))
    else:
        out = (_apply_taps(xp, rows.astype(np.int64), hax, yi, by) + (1 << 21)) >> 22
    return xp.clip(out, 0, 255).astype(np.uint8)


def _round_cast(xp, y, dtype):
    if dtype.kind == "f":
        return y.astype(dtype)
    info = np.iinfo(dtype)
    return xp.clip(xp.rint(y), info.min, info.max).astype(dtype)


def resize(xp, x, oh, ow, interp=1):
    """``x`` (..., H, W, C) resized to (..., oh, ow, C) the way OpenCV's ``cv::resize`` does."""
    ih, iw = x.shape[-3], x.shape[-2]
    if (ih, iw) == (oh, ow):
        return x.copy()
    hax, wax = x.ndim - 3, x.ndim - 2
    dtype = x.dtype
    if interp == 0:
        sx = np.minimum(np.floor(np.arange(ow) * (1.0 / (ow / iw))).astype(np.int64), iw - 1)
        sy = np.minimum(np.floor(np.arange(oh) * (1.0 / (oh / ih))).astype(np.int64), ih - 1)
        return xp.take(xp.take(x, xp.asarray(sy), axis=hax), xp.asarray(sx), axis=wax)
    scale_x, scale_y = 1.0 / (ow / iw), 1.0 / (oh / ih)
    fast_x, fast_y = abs(scale_x - round(scale_x)) < 2.2e-16, abs(scale_y - round(scale_y)) < 2.2e-16
    if interp == 1 and fast_x and fast_y and round(scale_x) == 2 and round(scale_y) == 2:
        interp = 3      # OpenCV: halving with INTER_LINEAR is the 2x2 box filter (INTER_AREA)
    ct = np.float64 if dtype == np.float64 else np.float32
    if interp == 3 and scale_x >= 1 and scale_y >= 1:
        if fast_x and fast_y:        # integer factors: box sums
            fx, fy = int(round(scale_x)), int(round(scale_y))
            lead = x.shape[:-3]
            blocks = x[..., :oh * fy, :ow * fx, :].reshape(lead + (oh, fy, ow, fx, x.shape[-1]))
            if dtype.kind == "f":
                return (blocks.sum(axis=(-4, -2), dtype=ct) * ct(1.0 / (fx * fy))).astype(dtype)
            s = blocks.sum(axis=(-4, -2), dtype=np.int64)
            if fx == 2 and fy == 2 and dtype == np.uint8 and x.shape[-1] in (1, 3, 4):
                return ((s + 2) >> 2).astype(np.uint8)
            return _round_cast(xp, s.astype(np.float32) * np.float32(1.0 / (fx * fy)), dtype)
        wx = xp.asarray(_area_weights(iw, ow).astype(ct))
        wy = xp.asarray(_area_weights(ih, oh).astype(ct))
        y = xp.moveaxis(xp.tensordot(x.astype(ct), wx, axes=([wax], [1])), -1, wax)
        y = xp.moveaxis(xp.tensordot(y, wy, axes=([hax], [1])), -1, hax)
        return _round_cast(xp, y, dtype)
    if dtype == np.uint8:
        return _resize_u8(xp, x, oh, ow, interp, ih, iw)
    xi, xw = _taps_for(iw, ow, interp)
    yi, yw = _taps_for(ih, oh, interp, vertical=True)
    y = _apply_taps(xp, x.astype(ct), wax, xi, xw.astype(ct))
    y = _apply_taps(xp, y, hax, yi, yw.astype(ct))
    return _round_cast(xp, y, dtype)



# -- OpenCV front ops (mx.image) -------------------------------------------------------------------
def _dynamic(op):
    op.dynamic_shape = True      # the output shape is known only once the image is decoded
    return op


def _check_flag(name, attrs):
    if attrs["flag"] < 0:
        raise MXNetError("{}: value {} for Parameter flag should be greater equal to 0 (0: greyscale, "
                         "1: colour)".format(name, attrs["flag"]))


def _cvimdecode_forward(env, attrs, inputs, aux):
    _check_flag("_cvimdecode", attrs)
    buf = inputs[0]
    if buf.ndim != 1:
        raise MXNetError("_cvimdecode: buf must be a 1-D uint8 array of encoded bytes, got shape {}".format(
            tuple(buf.shape)))
    raw = buf.get() if hasattr(buf, "get") else buf        # CuPy -> host
    img = image_codec.decode(np.asarray(raw).astype(np.uint8).tobytes(), attrs["flag"], attrs["to_rgb"],
                             "_cvimdecode")
    return (env.xp.asarray(img),)


def _cvimread_forward(env, attrs, inputs, aux):
    _check_flag("_cvimread", attrs)
    data = image_codec.read_file(attrs["filename"], "_cvimread")
    img = image_codec.decode(data, attrs["flag"], attrs["to_rgb"], "_cvimread " + attrs["filename"])
    return (env.xp.asarray(img),)


def _u8_type(attrs, in_dtypes):
    return [np.dtype(np.uint8)]


def _unknown_shape(name):
    def infer(attrs, in_shapes):
        raise MXNetError("{}: the output shape depends on the image bytes; it is known only after "
                         "decoding (imperative mx.nd use only)".format(name))
    return infer


CVIMDECODE = _dynamic(OpDef(
    "_cvimdecode", _cvimdecode_forward, inputs=("buf",),
    params=(Param("flag", Int, 1), Param("to_rgb", Bool, True)),
    infer_shape=_unknown_shape("_cvimdecode"), infer_type=_u8_type,
    doc="Decode image with OpenCV. Note: return image in RGB by default, instead of OpenCV's default BGR."))
CVIMREAD = _dynamic(OpDef(
    "_cvimread", _cvimread_forward, inputs=(),
    params=(Param("filename", Str), Param("flag", Int, 1), Param("to_rgb", Bool, True)),
    infer_shape=_unknown_shape("_cvimread"), infer_type=lambda attrs, t: [np.dtype(np.uint8)],
    doc="Read and decode image with OpenCV. Note: return image in RGB by default, instead of OpenCV's "
        "default BGR."))


def _check_interp(name, interp):
    if interp not in (0, 1, 2, 3, 4):
        raise MXNetError("{}: unknown interp method {}; expected 0 (nearest), 1 (bilinear), 2 (bicubic), "
                         "3 (area) or 4 (lanczos)".format(name, interp))


def _cvimresize_shape(attrs, in_shapes):
    s = in_shapes[0]
    if len(s) not in (2, 3):
        raise MXNetError("_cvimresize: src must be an image (H, W) or (H, W, C), got shape {}".format(s))
    if attrs["w"] <= 0 or attrs["h"] <= 0:
        raise MXNetError("_cvimresize: w and h must be positive, got w={}, h={}".format(attrs["w"], attrs["h"]))
    _check_interp("_cvimresize", attrs["interp"])
    return [(attrs["h"], attrs["w"]) + tuple(s[2:])]


def _cvimresize_forward(env, attrs, inputs, aux):
    x = inputs[0]
    y = resize(env.xp, x if x.ndim == 3 else x[:, :, None], attrs["h"], attrs["w"], attrs["interp"])
    return (y if x.ndim == 3 else y[:, :, 0],)


CVIMRESIZE = OpDef("_cvimresize", _cvimresize_forward, inputs=("src",),
                   params=(Param("w", Int), Param("h", Int), Param("interp", Int, 1)),
                   infer_shape=_cvimresize_shape, infer_type=_resize_type,
                   doc="Resize image with OpenCV.")

_BORDER_MODES = {1: "edge", 2: "symmetric", 3: "wrap", 4: "reflect"}


def _border_shape(attrs, in_shapes):
    s = in_shapes[0]
    if len(s) not in (2, 3):
        raise MXNetError("_cvcopyMakeBorder: src must be an image (H, W) or (H, W, C), got shape {}".format(s))
    t, b, l, r = attrs["top"], attrs["bot"], attrs["left"], attrs["right"]
    if min(t, b, l, r) < 0:
        raise MXNetError("_cvcopyMakeBorder: top, bot, left and right must not be negative, got {}".format(
            (t, b, l, r)))
    if attrs["type"] & ~16 not in (0, 1, 2, 3, 4):      # 16: OpenCV's BORDER_ISOLATED flag (no effect here)
        raise MXNetError("_cvcopyMakeBorder: unknown border type {}; expected 0 (constant), 1 (replicate), "
                         "2 (reflect), 3 (wrap) or 4 (reflect_101)".format(attrs["type"]))
    return [(s[0] + t + b, s[1] + l + r) + tuple(s[2:])]


def _border_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    t, b, l, r = attrs["top"], attrs["bot"], attrs["left"], attrs["right"]
    pad = ((t, b), (l, r)) + ((0, 0),) * (x.ndim - 2)
    kind = attrs["type"] & ~16
    if kind in _BORDER_MODES:
        return (xp.pad(x, pad, mode=_BORDER_MODES[kind]),)
    values = list(attrs["values"]) if attrs["values"] else [attrs["value"]]
    c = x.shape[2] if x.ndim == 3 else 1
    fill = np.asarray((values + [0.0] * c)[:c] if len(values) > 1 else values * c, np.float64)
    if x.dtype.kind in "iu":
        info = np.iinfo(x.dtype)
        fill = np.clip(np.rint(fill), info.min, info.max)
    out = xp.empty((x.shape[0] + t + b, x.shape[1] + l + r) + tuple(x.shape[2:]), dtype=x.dtype)
    out[...] = xp.asarray(fill.astype(x.dtype).reshape(c) if x.ndim == 3 else fill.astype(x.dtype)[0])
    out[t:t + x.shape[0], l:l + x.shape[1]] = x
    return (out,)


CV_COPY_MAKE_BORDER = OpDef(
    "_cvcopyMakeBorder", _border_forward, inputs=("src",),
    params=(Param("top", Int), Param("bot", Int), Param("left", Int), Param("right", Int),
            Param("type", Int, 0), Param("value", Float, 0.0), Param("values", Tuple, ())),
    infer_shape=_border_shape,
    doc="Pad image border with OpenCV.")


def _imdecode_forward(env, attrs, inputs, aux):
    raise MXNetError("_imdecode: the encoded image bytes travel outside the operator parameters; use "
                     "mx.nd.imdecode(str_img, ...) or mx.image.imdecode(buf)")


IMDECODE = OpDef(
    "_imdecode", _imdecode_forward, inputs=("mean",),
    params=tuple(Param(n, Int) for n in ("index", "x0", "y0", "x1", "y1", "c", "size")),
    infer_shape=_unknown_shape("_imdecode"), infer_type=lambda attrs, t: [np.dtype(np.float32)],
    doc="Decode an image, clip to (x0, y0, x1, y1), subtract mean, and write to buffer (legacy; "
        "reached through mx.nd.imdecode).")


for _op in (TO_TENSOR, NORMALIZE, FLIP_LEFT_RIGHT, FLIP_TOP_BOTTOM, RANDOM_FLIP_LEFT_RIGHT,
            RANDOM_FLIP_TOP_BOTTOM, CROP, RANDOM_BRIGHTNESS, RANDOM_CONTRAST, RANDOM_SATURATION, RANDOM_HUE,
            RANDOM_COLOR_JITTER, ADJUST_LIGHTING, RANDOM_LIGHTING, RESIZE,
            CVIMDECODE, CVIMREAD, CVIMRESIZE, CV_COPY_MAKE_BORDER, IMDECODE):
    register(_op)
