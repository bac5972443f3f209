"""MXNet RecordIO files (``.rec`` + ``.idx``), read and written in pure Python.

Each record is stored as ``magic (uint32 0xced7230a) | lrec (uint32) | payload | zero padding to 4
bytes``, little-endian, where ``lrec = cflag << 29 | length``. A payload that contains the magic
number at a 4-byte aligned offset is split there into parts (cflag 1 = first, 2 = middle, 3 = last;
0 = a whole record) and the magic is dropped from the data; the reader puts it back. The ``.idx``
file has one ``key<TAB>byte offset`` line per record.

Reads use ``os.pread`` at an offset this object tracks itself, so a reader shared by forked
DataLoader workers never races on a shared file position.
"""
import numbers
import os
import struct
from collections import namedtuple

import numpy as np

from .base import MXNetError

__all__ = ["MXRecordIO", "MXIndexedRecordIO", "IRHeader", "pack", "unpack", "pack_img", "unpack_img"]

_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", _MAGIC)
_LEN_MASK = (1 << 29) - 1


def _encode_lrec(cflag, length):
    return (cflag << 29) | length


class MXRecordIO:
    """Sequential reader (``flag='r'``) or writer (``flag='w'``) of a RecordIO file."""

    def __init__(self, uri, flag):
        self.uri = str(uri)
        self.flag = flag
        self.is_open = False
        self._fd = None      # reader: raw file descriptor (pread)
        self._file = None    # writer: buffered file
        self._pos = 0
        self.open()

    def open(self):
        """(Re)open the file: a reader starts at the first record, a writer truncates."""
        if self.flag == "w":
            try:
                self._file = open(self.uri, "wb")
            except OSError as e:
                raise MXNetError("RecordIO: cannot open {} for writing: {}".format(self.uri, e)) from None
            self.writable = True
        elif self.flag == "r":
            try:
                self._fd = os.open(self.uri, os.O_RDONLY)
            except OSError as e:
                raise MXNetError("RecordIO: cannot open {} for reading: {}".format(self.uri, e)) from None
            self._size = os.fstat(self._fd).st_size
            self.writable = False
        else:
            raise ValueError("Invalid flag %s" % self.flag)
        self._pos = 0
        self.is_open = True

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_fd"] = None
        d["_file"] = None
        return d

    def __setstate__(self, d):
        self.__dict__ = d
        if self.is_open:
            pos = self._pos
            self.is_open = False
            if self.writable:
                raise MXNetError("RecordIO: a writer cannot be pickled")
            self.open()
            self._pos = pos

    def close(self):
        """Close the file (a no-op when closed)."""
        if not self.is_open:
            return
        if self.writable:
            self._file.close()
            self._file = None
        else:
            os.close(self._fd)
            self._fd = None
        self.is_open = False

    def reset(self):
        """Close and reopen: a reader goes back to the first record."""
        self.close()
        self.open()

    def _check(self, writing):
        if not self.is_open:
            raise MXNetError("RecordIO: {} is closed".format(self.uri))
        if writing != self.writable:
            raise MXNetError("RecordIO: {} is opened with flag '{}'; cannot {}".format(
                self.uri, self.flag, "write" if writing else "read"))

    # -- writing ---------------------------------------------------------------------------------
    def write(self, buf):
        """Append one record (bytes)."""
        self._check(True)
        buf = bytes(buf)
        n = len(buf)
        if n >= 1 << 29:
            raise MXNetError("RecordIO only accepts records of less than 2^29 bytes, got %d" % n)
        out = []
        start = 0
        # aligned occurrences of the magic number split the record
        aligned = np.frombuffer(buf, dtype="<u4", count=n // 4) if n >= 4 else np.zeros(0, "<u4")
        for i in (np.nonzero(aligned == _MAGIC)[0] * 4).tolist():
            out.append(struct.pack("<II", _MAGIC, _encode_lrec(1 if start == 0 else 2, i - start)))
            out.append(buf[start:i])
            start = i + 4
        out.append(struct.pack("<II", _MAGIC, _encode_lrec(3 if start else 0, n - start)))
        out.append(buf[start:])
        out.append(b"\0" * (-n % 4))
        data = b"".join(out)
        self._file.write(data)
        self._pos += len(data)

    def tell(self):
        """Byte offset where the next record goes (writer) or is read from (reader)."""
        return self._pos

    # -- reading ---------------------------------------------------------------------------------
    def _read_at(self, pos):
        """The record starting at byte ``pos`` and the offset after it; None at the end."""
        parts = []
        while True:
            head = os.pread(self._fd, 8, pos)
            if not head:
                if parts:
                    raise MXNetError("RecordIO: {} ends inside a multi-part record".format(self.uri))
                return None, pos
            if len(head) < 8:
                raise MXNetError("RecordIO: {} is truncated at byte {}".format(self.uri, pos))
            magic, lrec = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise MXNetError("RecordIO: invalid record at byte {} of {}: magic 0x{:08x}, expected "
                                 "0x{:08x}".format(pos, self.uri, magic, _MAGIC))
            cflag, length = lrec >> 29, lrec & _LEN_MASK
            data = os.pread(self._fd, length, pos + 8) if length else b""
            if len(data) < length:
                raise MXNetError("RecordIO: {} is truncated: the record at byte {} needs {} bytes".format(
                    self.uri, pos, length))
            pos += 8 + length + (-length % 4)
            if cflag in (0, 1):
                parts = [data]
            else:
                parts.append(_MAGIC_BYTES)
                parts.append(data)
            if cflag in (0, 3):
                return b"".join(parts), pos

    def read(self):
        """The next record as bytes, or None after the last one."""
        self._check(False)
        rec, self._pos = self._read_at(self._pos)
        return rec


class MXIndexedRecordIO(MXRecordIO):
    """RecordIO with an index file (``key<TAB>offset`` lines) for random access."""

    def __init__(self, idx_path, uri, flag, key_type=int):
        self.idx_path = str(idx_path)
        self.idx = {}
        self.keys = []
        self.key_type = key_type
        self.fidx = None
        super().__init__(uri, flag)

    def open(self):
        super().open()
        self.idx = {}
        self.keys = []
        if self.writable:
            self.fidx = open(self.idx_path, "w")
            return
        try:
            with open(self.idx_path, "r") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise MXNetError("RecordIO: cannot open index file {}: {}".format(self.idx_path, e)) from None
        for n, line in enumerate(lines, 1):
            fields = line.strip().split("\t")
            if fields == [""]:
                continue
            if len(fields) < 2:
                raise MXNetError("RecordIO: line {} of index file {} is not 'key<TAB>offset': {!r}".format(
                    n, self.idx_path, line))
            key = self.key_type(fields[0])
            self.idx[key] = int(fields[1])
            self.keys.append(key)

    def close(self):
        if not self.is_open:
            return
        super().close()
        if self.fidx is not None:
            self.fidx.close()
            self.fidx = None

    def __getstate__(self):
        d = super().__getstate__()
        d["fidx"] = None
        return d

    def seek(self, idx):
        """Position the reader at the record with key ``idx``."""
        self._check(False)
        self._pos = self.idx[idx]

    def read_idx(self, idx):
        """The record with key ``idx``."""
        self._check(False)
        try:
            pos = self.idx[idx]
        except KeyError:
            raise KeyError("RecordIO: no record with key {!r} in {}".format(idx, self.idx_path)) from None
        rec, _ = self._read_at(pos)
        return rec

    def write_idx(self, idx, buf):
        """Append a record under key ``idx``."""
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        self.fidx.write("%s\t%d\n" % (str(key), pos))
        self.idx[key] = pos
        self.keys.append(key)


IRHeader = namedtuple("HEADER", ["flag", "label", "id", "id2"])
IRHeader.__doc__ = """Header of an image record: ``flag`` (number of float labels, 0 for one scalar),
``label`` (float or array), ``id`` and ``id2`` (uint64)."""
_IR_FORMAT = "IfQQ"
_IR_SIZE = struct.calcsize(_IR_FORMAT)


def pack(header, s):
    """Prefix the bytes ``s`` with an :class:`IRHeader` (array labels are stored after it)."""
    header = IRHeader(*header)
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
    else:
        label = np.asarray(header.label, dtype=np.float32)
        header = header._replace(flag=label.size, label=0)
        s = label.tobytes() + s
    return struct.pack(_IR_FORMAT, *header) + s


def unpack(s):
    """Split a packed record into ``(IRHeader, payload bytes)``."""
    if len(s) < _IR_SIZE:
        raise MXNetError("recordio.unpack: record of {} bytes is shorter than its {}-byte header".format(
            len(s), _IR_SIZE))
    header = IRHeader(*struct.unpack(_IR_FORMAT, s[:_IR_SIZE]))
    s = s[_IR_SIZE:]
    if header.flag > 0:
        header = header._replace(label=np.frombuffer(s, np.float32, header.flag))
        s = s[header.flag * 4:]
    return header, s


def unpack_img(s, iscolor=-1):
    """``(IRHeader, image)`` from a packed image record: an HWC uint8 array in OpenCV's BGR order
    (``iscolor`` 1 colour, 0 greyscale, -1 as stored; one-channel images come back 2-D, as
    OpenCV returns them). PNG and PPM are decoded built in; JPEG needs Pillow."""
    from .ops import image_codec
    header, s = unpack(s)
    img = image_codec.decode(s, iscolor, False, "recordio.unpack_img")
    return header, img[:, :, 0] if img.shape[2] == 1 else img


def pack_img(header, img, quality=95, img_fmt=".jpg"):
    """Encode ``img`` (HWC uint8, BGR as OpenCV) as JPEG (needs Pillow), PNG or PPM and pack it
    with ``header``."""
    from .ops import image_codec
    return pack(header, image_codec.encode(img, img_fmt, quality, bgr=True, who="recordio.pack_img"))
