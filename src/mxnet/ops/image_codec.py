"""Image file decoding and encoding for ``mx.image`` / ``_cvimdecode`` / ``recordio.pack_img``.

PNG (8- and 16-bit and 1/2/4-bit grey or palette, non-interlaced) and PPM/PGM (P2, P3, P5, P6) are
decoded and encoded here with NumPy and zlib only. Everything else (JPEG, BMP, interlaced PNG...)
goes through Pillow, or OpenCV's ``cv2``, when one of them is importable (``pip install
neomx[image]``); otherwise an MXNetError says what to install.

Results follow OpenCV's ``cv::imdecode`` as MXNet calls it: HWC uint8; ``flag`` 0 is greyscale
(H, W, 1), ``flag`` 1 colour (H, W, 3) with alpha dropped, ``flag`` -1 (internal: recordio's
``iscolor=-1``) the channels as stored; channel order RGB, or OpenCV's BGR with ``to_rgb=False``.
16-bit samples keep their high byte (libpng's strip_16). PNG colour to grey uses libpng's
fixed-point weights (floor((9798 R + 19235 G + 3735 B) / 2^15)), other formats OpenCV's
cvtColor weights; PNG filters are undone on anti-diagonal wavefronts (one NumPy step per
diagonal, no loop over pixels).
"""
import io
import struct
import zlib

import numpy as np

from ..base import MXNetError

__all__ = ["decode", "encode", "read_file", "sniff"]

_PNG_SIG = b"\x89PNG\r\n\x1a\n"
_INSTALL = "pip install neomx[image]"


class _Unsupported(Exception):
    """A valid file this module does not decode itself (handed to Pillow / cv2)."""


# -- format sniffing --------------------------------------------------------------------------------
def sniff(data):
    """'png', 'ppm', 'jpeg', 'bmp', 'gif', 'webp', 'tiff' or None from the first bytes."""
    b = bytes(data[:12])
    if b.startswith(_PNG_SIG):
        return "png"
    if b[:2] in (b"P2", b"P3", b"P5", b"P6", b"P1", b"P4") and len(b) > 2 and b[2:3].isspace():
        return "ppm"
    if b.startswith(b"\xff\xd8"):
        return "jpeg"
    if b.startswith(b"BM"):
        return "bmp"
    if b[:4] in (b"GIF8",):
        return "gif"
    if b[:4] == b"RIFF" and b[8:12] == b"WEBP":
        return "webp"
    if b[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    return None


# -- PNG --------------------------------------------------------------------------------------------
def _unfilter(data, h, stride, bpp):
    """Undo the PNG row filters of ``data`` (h rows of 1 + stride bytes) -> (h, stride) uint8."""
    rows = data.reshape(h, stride + 1)
    ftype = rows[:, 0].astype(np.int64)
    raw = rows[:, 1:]
    if (ftype > 4).any():
        raise ValueError("bad PNG filter type {}".format(int(ftype.max())))
    if not ftype.any():
        return raw.copy()
    w = stride // bpp
    raw = raw.reshape(h, w, bpp).astype(np.int16)
    out = np.zeros((h + 1, w + 1, bpp), np.int16)       # row 0 / column 0: the zero border
    ys_all = np.arange(h)
    for d in range(h + w - 1):
        ys = ys_all[max(0, d - w + 1):min(h - 1, d) + 1]
        xs = d - ys
        r = raw[ys, xs]
        a = out[ys + 1, xs]
        b = out[ys, xs + 1]
        c = out[ys, xs]
        f = ftype[ys][:, None]
        p = a + b - c
        pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
        paeth = np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))
        pred = np.select([f == 1, f == 2, f == 3, f == 4], [a, b, (a + b) >> 1, paeth], 0)
        out[ys + 1, xs + 1] = (r + pred) & 0xFF
    return out[1:, 1:].reshape(h, stride).astype(np.uint8)


def _decode_png(buf):
    pos = 8
    n = len(buf)
    ihdr = None
    plte = None
    idat = []
    while pos + 8 <= n:
        length, ctype = struct.unpack(">I4s", buf[pos:pos + 8])
        body = buf[pos + 8:pos + 8 + length]
        crc = buf[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            raise ValueError("truncated PNG chunk {!r}".format(ctype))
        if ctype[0] < 97 and struct.unpack(">I", crc)[0] != (zlib.crc32(ctype + body) & 0xFFFFFFFF):
            raise ValueError("CRC error in PNG chunk {!r}".format(ctype))
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"PLTE":
            plte = np.frombuffer(body, np.uint8).reshape(-1, 3)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
        pos += 12 + length
    if ihdr is None or not idat:
        raise ValueError("PNG without IHDR or IDAT")
    w, h, depth, ctype, _, _, interlace = ihdr
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(ctype)
    if channels is None or depth not in (1, 2, 4, 8, 16) or w == 0 or h == 0:
        raise ValueError("bad PNG header: colour type {}, bit depth {}".format(ctype, depth))
    if interlace:
        raise _Unsupported("interlaced PNG")
    if ctype == 3 and plte is None:
        raise ValueError("palette PNG without PLTE")
    bits = channels * depth
    stride = (w * bits + 7) // 8
    try:
        data = np.frombuffer(zlib.decompress(b"".join(idat)), np.uint8)
    except zlib.error as e:
        raise ValueError("corrupt PNG data: {}".format(e)) from None
    if data.size < h * (stride + 1):
        raise ValueError("truncated PNG data")
    rows = _unfilter(data[:h * (stride + 1)], h, stride, max(1, bits // 8))
    if depth == 16:
        px = rows.reshape(h, w, channels, 2)[..., 0]                # high byte
    elif depth == 8:
        px = rows.reshape(h, w, channels)
    else:
        px = np.unpackbits(rows, axis=1).reshape(h, -1, depth)[:, :w]
        px = (px * (1 << np.arange(depth - 1, -1, -1, dtype=np.uint8))).sum(axis=2).astype(np.uint8)
        if ctype == 0:
            px = (px.astype(np.uint16) * (255 // ((1 << depth) - 1))).astype(np.uint8)
        px = px[:, :, None]
    if ctype == 3:
        idx = np.minimum(px[:, :, 0], len(plte) - 1)
        px = plte[idx]
    return np.ascontiguousarray(px), "png"


def _encode_png(img):
    """HWC (or HW) uint8 array (grey, grey+alpha, RGB, RGBA) -> PNG bytes (no filtering)."""
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    ctype = {1: 0, 2: 4, 3: 2, 4: 6}[c]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * c)], axis=1).tobytes()

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    return (_PNG_SIG + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, ctype, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


# -- PPM / PGM --------------------------------------------------------------------------------------
def _decode_ppm(buf):
    magic = buf[:2]
    if magic in (b"P1", b"P4"):
        raise _Unsupported("PBM bitmaps")
    tokens = []
    pos = 2
    n = len(buf)
    while len(tokens) < 3:
        while pos < n and (buf[pos:pos + 1].isspace() or buf[pos:pos + 1] == b"#"):
            if buf[pos:pos + 1] == b"#":
                while pos < n and buf[pos:pos + 1] not in (b"\n", b"\r"):
                    pos += 1
            else:
                pos += 1
        start = pos
        while pos < n and not buf[pos:pos + 1].isspace() and buf[pos:pos + 1] != b"#":
            pos += 1
        if start == pos:
            raise ValueError("truncated PPM header")
        tokens.append(int(buf[start:pos]))
    w, h, maxval = tokens
    if w <= 0 or h <= 0 or not 0 < maxval < 65536:
        raise ValueError("bad PPM header {}".format(tokens))
    c = 3 if magic in (b"P3", b"P6") else 1
    count = w * h * c
    if magic in (b"P5", b"P6"):
        pos += 1                                   # the single whitespace after maxval
        dt = np.dtype(">u2") if maxval > 255 else np.dtype(np.uint8)
        if n - pos < count * dt.itemsize:
            raise ValueError("truncated PPM data")
        v = np.frombuffer(buf, dt, count, pos).astype(np.int64)
    else:
        v = np.array(buf[pos:].split()[:count], dtype=np.int64)
        if v.size < count:
            raise ValueError("truncated PPM data")
    if maxval != 255:
        v = (v * 255 + maxval // 2) // maxval
    return np.clip(v, 0, 255).astype(np.uint8).reshape(h, w, c), "ppm"


def _encode_ppm(img):
    img = np.ascontiguousarray(img, dtype=np.uint8)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    magic = b"P5" if img.ndim == 2 else b"P6"
    if img.ndim == 3 and img.shape[2] != 3:
        raise MXNetError("imencode: PPM needs 1 or 3 channels, got shape {}".format(img.shape))
    return b"%s\n%d %d\n255\n" % (magic, img.shape[1], img.shape[0]) + img.tobytes()


# -- optional libraries ------------------------------------------------------------------------------
def _pillow():
    try:
        from PIL import Image
    except ImportError:
        return None
    return Image


def _cv2():
    try:
        import cv2
    except ImportError:
        return None
    return cv2


_LOOKUP = object()


def _decode_external(buf, kind, who, pil=_LOOKUP):
    """(array as stored: grey (H,W,1), grey+alpha, RGB or RGBA) via Pillow or cv2."""
    Image = _pillow() if pil is _LOOKUP else pil
    if Image is not None:
        try:
            img = Image.open(io.BytesIO(buf))
            img.load()
        except Exception as e:       # Pillow raises many types on bad data
            raise MXNetError("{}: Decoding failed. Invalid image file: {}".format(who, e)) from None
        if img.mode in ("1", "I", "I;16", "F"):
            img = img.convert("L")
        elif img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode not in ("L", "LA", "RGB", "RGBA"):
            img = img.convert("RGB")
        arr = np.asarray(img, dtype=np.uint8)
        return arr[:, :, None] if arr.ndim == 2 else arr
    cv2 = _cv2()
    if cv2 is not None:
        arr = cv2.imdecode(np.frombuffer(buf, np.uint8), -1)
        if arr is None:
            raise MXNetError("{}: Decoding failed. Invalid image file.".format(who))
        if arr.dtype != np.uint8:
            arr = (arr >> 8).astype(np.uint8) if arr.dtype == np.uint16 else arr.astype(np.uint8)
        if arr.ndim == 2:
            return arr[:, :, None]
        return np.concatenate([arr[:, :, 2::-1], arr[:, :, 3:]], axis=2)
    if kind is None:
        raise MXNetError("{}: Decoding failed. Invalid image file: not PNG or PPM/PGM (decoded built in); "
                         "JPEG and other formats need Pillow: {}".format(who, _INSTALL))
    raise MXNetError("{}: decoding {} needs Pillow: {} (PNG and PPM/PGM are decoded without "
                     "it)".format(who, "JPEG" if kind == "jpeg" else kind.upper(), _INSTALL))


def _to_gray(px, kind):
    rgb = px[:, :, :3].astype(np.int64)
    if kind == "png":       # libpng's png_set_rgb_to_gray(0.299, 0.587)
        g = (rgb[..., 0] * 9798 + rgb[..., 1] * 19235 + rgb[..., 2] * 3735) >> 15
    else:                   # cv::cvtColor(BGR2GRAY)
        g = (rgb[..., 0] * 4899 + rgb[..., 1] * 9617 + rgb[..., 2] * 1868 + 8192) >> 14
    return g.astype(np.uint8)[:, :, None]


def decode(data, flag=1, to_rgb=True, who="imdecode", pil=_LOOKUP):
    """Image bytes -> HWC uint8 NumPy array (see the module docstring for ``flag``/``to_rgb``)."""
    if isinstance(data, np.ndarray):
        data = data.astype(np.uint8, copy=False).tobytes()
    buf = bytes(data)
    kind = sniff(buf)
    try:
        if kind == "png":
            px, kind = _decode_png(buf)
        elif kind == "ppm":
            px, kind = _decode_ppm(buf)
        else:
            px = _decode_external(buf, kind, who, pil)
    except _Unsupported:
        px = _decode_external(buf, kind, who, pil)
    except (ValueError, struct.error, IndexError) as e:
        raise MXNetError("{}: Decoding failed. Invalid image file: {}".format(who, e)) from None
    c = px.shape[2]
    if flag == 0:
        out = px[:, :, :1] if c <= 2 else _to_gray(px, kind)
        return np.ascontiguousarray(out)
    if flag > 0:
        out = np.repeat(px[:, :, :1], 3, axis=2) if c <= 2 else px[:, :, :3]
        return np.ascontiguousarray(out if to_rgb else out[:, :, ::-1])
    if c >= 3 and not to_rgb:
        px = np.concatenate([px[:, :, 2::-1], px[:, :, 3:]], axis=2)
    return np.ascontiguousarray(px)


def read_file(filename, who="imread"):
    try:
        with open(filename, "rb") as f:
            return f.read()
    except OSError as e:
        raise MXNetError("{}: cannot read image file {}: {}".format(who, filename, e)) from None


def encode(img, fmt=".jpg", quality=95, bgr=False, who="imencode", pil=_LOOKUP):
    """HWC (or HW) uint8 array -> image bytes; ``bgr=True`` when the channels are in OpenCV's order.
    PNG and PPM/PGM are written here; JPEG and the rest need Pillow (or cv2)."""
    arr = np.asarray(img)
    if arr.dtype != np.uint8:
        arr = np.clip(arr, 0, 255).astype(np.uint8)
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if bgr and arr.ndim == 3 and arr.shape[2] >= 3:
        arr = np.concatenate([arr[:, :, 2::-1], arr[:, :, 3:]], axis=2)
    kind = fmt.lower().lstrip(".")
    if kind == "png":
        return _encode_png(arr)
    if kind in ("ppm", "pgm", "pnm"):
        return _encode_ppm(arr)
    if kind not in ("jpg", "jpeg"):
        raise MXNetError("{}: unsupported image format {!r}; use '.jpg', '.png' or '.ppm'".format(who, fmt))
    Image = _pillow() if pil is _LOOKUP else pil
    if Image is not None:
        out = io.BytesIO()
        Image.fromarray(arr).save(out, format="JPEG", quality=quality)
        return out.getvalue()
    cv2 = _cv2()
    if cv2 is not None:
        if arr.ndim == 3 and arr.shape[2] >= 3:
            arr = np.concatenate([arr[:, :, 2::-1], arr[:, :, 3:]], axis=2)
        ok, enc = cv2.imencode(".jpg", arr, [int(cv2.IMWRITE_JPEG_QUALITY), int(quality)])
        if not ok:
            raise MXNetError("{}: cannot encode {!r}".format(who, fmt))
        return enc.tobytes()
    raise MXNetError("{}: encoding JPEG needs Pillow: {} (PNG and PPM/PGM are written without "
                     "it)".format(who, _INSTALL))
