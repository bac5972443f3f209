"""``mx.nd.imdecode``: MXNet's deprecated one-call decoder (use ``mx.image.imdecode``).

Decodes ``str_img`` (PNG/PPM built in; JPEG and others need Pillow), crops it to ``clip_rect``
(x0, y0, x1, y1; zeros mean the whole image), subtracts ``mean`` (broadcast against (C, H, W))
and returns float32 (1, channels, H, W) in RGB order, or writes it into ``out[index]``.
(MXNet 1.9.1's own ``mx.nd.imdecode`` fails with "Shape is unknown"; this is what it documents.)
"""
import numpy as np

from ..base import MXNetError
from ..ops import image_codec
from .ndarray import NDArray, array

__all__ = ["imdecode"]


def imdecode(str_img, clip_rect=(0, 0, 0, 0), out=None, index=0, channels=3, mean=None):
    """DEPRECATED, use mx.image.imdecode: decode, clip, subtract ``mean`` -> (1, C, H, W) float32."""
    if channels not in (1, 3):
        raise MXNetError("imdecode: channels must be 1 or 3, got {}".format(channels))
    img = image_codec.decode(bytes(str_img), 0 if channels == 1 else 1, True, "imdecode")
    x0, y0, x1, y1 = (int(v) for v in clip_rect)
    h, w = img.shape[:2]
    x1, y1 = (x1 or w), (y1 or h)
    if not (0 <= x0 < x1 <= w and 0 <= y0 < y1 <= h):
        raise MXNetError("imdecode: clip_rect {} is outside the {}x{} image".format(tuple(clip_rect), w, h))
    chw = img[y0:y1, x0:x1].transpose(2, 0, 1).astype(np.float32)
    if mean is not None:
        m = mean.asnumpy() if isinstance(mean, NDArray) else np.asarray(mean, np.float32)
        chw = chw - m.reshape(m.shape if m.ndim == 3 else (-1, 1, 1)).astype(np.float32)
    if out is None:
        return array(chw[None], dtype=np.float32)
    if tuple(out.shape[1:]) != chw.shape:
        raise MXNetError("imdecode: out has shape {}, the image needs (N,) + {}".format(out.shape, chw.shape))
    out[index] = array(chw, dtype=out.dtype)
    return out
