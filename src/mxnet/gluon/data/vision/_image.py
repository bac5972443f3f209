"""Decoding hooks of the vision datasets (``ImageFolderDataset``, ``ImageRecordDataset``).

The image operators behind ``vision.transforms`` live in the registry (``mxnet/ops/image_ops.py``)
and the codecs in ``mxnet/ops/image_codec.py``; this module only keeps the two entry points the
datasets call, with ``_pil`` as the one place that looks Pillow up (tests replace it).
"""
from ....ops import image_codec

__all__ = ["decode_image", "encode_image"]


def _pil():
    return image_codec._pillow()


def decode_image(data, flag=1, who="imdecode", to_rgb=True):
    """Decode image bytes (or read a file path) into an HWC uint8 NumPy array: 3 channels for
    ``flag=1``, (H, W, 1) greyscale for ``flag=0``, as stored for ``flag=-1``; RGB order, or
    OpenCV's BGR with ``to_rgb=False``. PNG and PPM/PGM are built in; JPEG and others need Pillow."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        data = image_codec.read_file(data, who)
    return image_codec.decode(data, flag, to_rgb, who, pil=_pil())


def encode_image(img, fmt=".jpg", quality=95, who="imencode", bgr=False):
    """Encode an HWC uint8 array (RGB, or BGR with ``bgr=True``) as JPEG (needs Pillow) or PNG bytes."""
    return image_codec.encode(img, fmt, quality, bgr, who, pil=_pil())
