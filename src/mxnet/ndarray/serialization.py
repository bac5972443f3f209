"""``mx.nd.save`` / ``mx.nd.load`` / ``mx.nd.load_frombuffer`` in MXNet 1.x's binary format.

File layout (all little-endian; see the project's format notes)::

    uint64 0x112 | uint64 reserved (0) | uint64 N | N array records | uint64 K (0 or N) | K names
    name: uint64 length + UTF-8 bytes

Array records, told apart by their first uint32:

- V2 ``0xF993FAC9`` (written by ``save``): int32 stype, [storage TShape if sparse], TShape
  (int32 ndim + ndim x int64), int32 dev_type, int32 dev_id, int32 type_flag,
  [per aux: int32 type_flag + TShape], raw C-order data, [raw aux data].
- V3 ``0xF993FACA``: as V2, written under np-shape semantics; ndim 0 is a 0-d array.
- V1 ``0xF993FAC8``: no stype; int32 ndim + int64 dims, context, type_flag, data.
- V0 (pre-magic): the first uint32 *is* ndim, then ndim x uint32 dims, context, type_flag, data.

Loading never unpickles nor executes anything: the bytes are parsed by a bounded reader that
checks every length against what is left before reading it, so a corrupt or hostile file raises
:class:`MXNetError` (naming the file, the record and the problem) instead of hanging or allocating
absurd amounts of memory.

Differences from MXNet 1.9.1, all on inputs MXNet rejects or mis-reads:

- Sparse records (row_sparse / csr) load as ``RowSparseNDArray`` / ``CSRNDArray``; their
  shapes and index ranges are validated first (MXNet trusts them).
- Trailing bytes after the name table are an error (MXNet ignores them).
- "None" records (V2 ndim 0, unknown dims) raise at once; MXNet returns an unusable array or
  mis-parses the rest of the file.
- ``save`` also accepts a tuple of NDArrays and ``os.PathLike`` file names; ``load_frombuffer``
  also accepts ``bytearray`` and ``memoryview``.
- A 0-d NDArray is saved as a V3 record (MXNet writes a V2 record it cannot read back).
"""
import os
import struct

import numpy as np

from ..base import MXNetError, DTYPE_TO_FLAG, FLAG_TO_DTYPE, string_types
from ..context import cpu, _shared as _shared_ctx
from ..util import atomic_write
from .ndarray import NDArray, array

__all__ = ["save", "load", "load_frombuffer"]

LIST_MAGIC = 0x112
V0_MAX_NDIM = 64                     # larger "V0 ndim" values are treated as a bad magic
MAGIC_V1 = 0xF993FAC8
MAGIC_V2 = 0xF993FAC9
MAGIC_V3 = 0xF993FACA
MAX_NDIM = 64                        # NumPy's limit
MIN_RECORD_BYTES = 20                # smallest loadable record: V0, ndim 1, zero-size data
_MAX_BYTES = 2 ** 63 - 1             # NumPy refuses arrays whose nbytes (ignoring 0 dims) exceed this

_STYPE_DEFAULT, _STYPE_ROW_SPARSE, _STYPE_CSR = 0, 1, 2
_STYPE_NAMES = {-1: "undefined", 0: "default", 1: "row_sparse", 2: "csr"}
_NUM_AUX = {_STYPE_ROW_SPARSE: 1, _STYPE_CSR: 2}
_CPU_DEV_TYPES = (1, 3, 5)           # cpu, cpu_pinned, cpu_shared: MXNet loads them onto cpu(0)
_GPU_DEV_TYPE = 2


# ---------------------------------------------------------------------------------------------
# save
# ---------------------------------------------------------------------------------------------
def save(fname, data):
    """Save an NDArray, a list of NDArrays or a dict of str -> NDArray to ``fname``.

    The file is MXNet 1.x's ``.params`` format (byte-identical to what MXNet 1.9.1 writes):
    a single NDArray is stored as a one-element list; a dict keeps its insertion order and its
    keys as names. Data is copied to the host (pending writes are waited for), but each record
    keeps its array's context, as in MXNet.

    Raises TypeError for a dict with non-str keys or non-NDArray values, or a list holding
    something other than NDArrays; ValueError for any other ``data``.
    """
    path = _fspath(fname, "fname")
    chunks = _save_chunks(data, np_shape=False)
    try:
        atomic_write(path, chunks)
    except OSError as e:
        raise MXNetError("mx.nd.save: cannot write {!r}: {}".format(path, e)) from e


def _save_to_bytes(data, np_shape=False):
    """The bytes ``save`` writes (``np_shape=True`` writes V3 records, as ``npx.save`` does)."""
    return b"".join(_save_chunks(data, np_shape))


def _save_chunks(data, np_shape):
    arrays, names = _check_save_data(data)
    out = [struct.pack("<QQQ", LIST_MAGIC, 0, len(arrays))]
    for arr in arrays:
        out.extend(_record_chunks(arr, np_shape))
    out.append(struct.pack("<Q", len(names)))
    for name in names:
        raw = name.encode("utf-8")
        out.append(struct.pack("<Q", len(raw)))
        out.append(raw)
    return out


def _check_save_data(data):
    """(list of NDArrays, list of names) with MXNet's type checks and errors."""
    if isinstance(data, NDArray):
        return [data], []
    if isinstance(data, dict):
        if any(not isinstance(k, string_types) for k in data.keys()) or \
                any(not isinstance(v, NDArray) for v in data.values()):
            raise TypeError("save only accept dict str->NDArray or list of NDArray")
        return list(data.values()), list(data.keys())
    if isinstance(data, (list, tuple)):
        if any(not isinstance(v, NDArray) for v in data):
            raise TypeError("save only accept dict str->NDArray or list of NDArray")
        return list(data), []
    raise ValueError("data needs to either be a NDArray, dict of str, NDArray pairs "
                     "or a list of NDarrays.")


def _record_chunks(arr, np_shape):
    """Byte chunks of one dense record: V2, or V3 under np-shape semantics or for 0-d arrays."""
    if arr.stype != "default":                          # sparse: always a V2 record
        from . import sparse
        return sparse._record_chunks(arr)
    host = arr.asnumpy()                                # waits for pending writes
    if not host.flags.c_contiguous:                     # (np.ascontiguousarray makes 0-d 1-d)
        host = host.copy(order="C")
    dt = np.dtype(host.dtype)
    flag = DTYPE_TO_FLAG.get(dt)
    if flag is None:
        raise MXNetError("mx.nd.save: dtype {} cannot be saved".format(dt))
    shape = tuple(host.shape)
    magic = MAGIC_V3 if (np_shape or not shape) else MAGIC_V2
    ctx = arr.context
    head = struct.pack("<Iii", magic, _STYPE_DEFAULT, len(shape))
    head += struct.pack("<%dq" % len(shape), *shape)
    head += struct.pack("<iii", ctx.device_typeid, ctx.device_id, flag)
    if dt.itemsize > 1 and dt.byteorder == ">":
        host = host.astype(dt.newbyteorder("<"))
    return [head, host.reshape(-1).view(np.uint8)]


# ---------------------------------------------------------------------------------------------
# load
# ---------------------------------------------------------------------------------------------
def load(fname):
    """Load a file written by ``save`` (or by MXNet 1.x): a list of NDArrays, or a dict
    str -> NDArray when the file holds names.

    Arrays saved from a GPU load onto that GPU when it is available, every other array onto
    ``cpu(0)`` (as MXNet does). Corrupt, truncated or hostile files raise MXNetError."""
    if not isinstance(fname, string_types) and not isinstance(fname, os.PathLike):
        raise TypeError("fname required to be a string")
    path = os.fspath(fname)
    try:
        with open(path, "rb") as f:
            buf = f.read()
    except OSError as e:
        raise MXNetError("mx.nd.load: cannot read {!r}: {}".format(path, e)) from e
    return _load_bytes(buf, "mx.nd.load: {!r}".format(path))


def load_frombuffer(buf):
    """Load from a bytes buffer (the content of a file written by ``save``): a list or a dict."""
    if isinstance(buf, str):
        buf = buf.encode("utf-8")
    elif isinstance(buf, memoryview):
        buf = buf.cast("B") if buf.c_contiguous else buf.tobytes()
    elif not isinstance(buf, (bytes, bytearray)):
        raise TypeError("buf required to be a string or bytes")
    return _load_bytes(buf, "mx.nd.load_frombuffer: buffer")


def _load_bytes(buf, source):
    r = _Reader(buf, source)
    magic = r.u64("file header")
    if magic != LIST_MAGIC:
        r.fail("not an MXNet NDArray file: header magic 0x{:x}, expected 0x{:x}"
               .format(magic, LIST_MAGIC), at=0)
    r.u64("reserved header field")                      # MXNet ignores its value too
    count = r.u64("array count")
    if count and count * MIN_RECORD_BYTES + 8 > r.left:
        r.fail("header claims {} arrays but only {} bytes follow (each array record takes "
               "at least {}, the name table 8)".format(count, r.left, MIN_RECORD_BYTES), at=16)
    records = []
    for i in range(count):
        r.where = "array record {} of {}".format(i, count)
        records.append(_read_record(r))
    r.where = "name table"
    n_names = r.u64("name count")
    if n_names not in (0, count):
        r.fail("name count is {} but the file holds {} arrays (must be 0 or equal)"
               .format(n_names, count), at=r.pos - 8)
    names = []
    for i in range(n_names):
        r.where = "name {} of {}".format(i, n_names)
        start = r.pos
        length = r.u64("name length")
        raw = r.take(length, "name bytes")
        try:
            names.append(bytes(raw).decode("utf-8"))
        except UnicodeDecodeError:
            r.fail("name is not valid UTF-8", at=start)
    r.where = None
    if r.left:
        r.fail("{} unexpected trailing bytes after the name table".format(r.left))
    arrays = [_to_ndarray(a, dev) for a, dev in records]
    if not names:
        return arrays
    return dict(zip(names, arrays))                     # a repeated name: the last one wins


class _Reader:
    """Bounded little-endian reader over a bytes-like object; every read checks what is left.

    ``source`` (function and file) and ``where`` (record or name) prefix every error message."""
    __slots__ = ("mv", "pos", "end", "source", "where")

    def __init__(self, buf, source):
        self.mv = memoryview(buf)
        self.pos = 0
        self.end = len(self.mv)
        self.source = source
        self.where = None

    @property
    def left(self):
        return self.end - self.pos

    def fail(self, msg, at=None):
        at = self.pos if at is None else at
        ctx = "{}: ".format(self.source)
        if self.where:
            ctx += "{}: ".format(self.where)
        raise MXNetError("{}{} (at byte offset {} of {})".format(ctx, msg, at, self.end))

    def take(self, n, what):
        if n > self.left:
            self.fail("file is truncated: {} needs {} bytes but only {} are left"
                      .format(what, n, self.left))
        out = self.mv[self.pos:self.pos + n]
        self.pos += n
        return out

    def _unpack(self, fmt, size, what):
        (v,) = struct.unpack_from(fmt, self.take(size, what))
        return v

    def u32(self, what):
        return self._unpack("<I", 4, what)

    def i32(self, what):
        return self._unpack("<i", 4, what)

    def u64(self, what):
        return self._unpack("<Q", 8, what)

    def dims(self, ndim, fmt, what):
        size = struct.calcsize("<%d%s" % (ndim, fmt))
        return struct.unpack_from("<%d%s" % (ndim, fmt), self.take(size, what))


def _read_shape(r, what, v3=False, legacy=False):
    """A TShape (int32 ndim + int64 dims); raise on "none"/unknown/absurd shapes."""
    start = r.pos
    ndim = r.i32(what + " ndim")
    if ndim == 0 and not v3:
        r.fail("{} has ndim 0: a 'none' array (or a 0-d array saved outside np-shape mode), "
               "which MXNet 1.x cannot load either".format(what), at=start)
    if ndim == -1:
        r.fail("{} is unknown (ndim -1): a 'none' array cannot be loaded".format(what), at=start)
    if ndim < 0 or ndim > MAX_NDIM:
        r.fail("{} has invalid ndim {} (must be 0..{})".format(what, ndim, MAX_NDIM), at=start)
    dims = r.dims(ndim, "q", what + " dims")
    return _check_dims(r, dims, what, start)


def _check_dims(r, dims, what, start):
    if any(d < 0 for d in dims):
        r.fail("{} {} has negative or unknown dimensions".format(what, tuple(dims)), at=start)
    return tuple(int(d) for d in dims)


def _type_flag(r, what):
    start = r.pos
    flag = r.i32(what)
    dt = FLAG_TO_DTYPE.get(flag)
    if dt is None:
        extra = " (bfloat16 is not supported)" if flag == 12 else ""
        r.fail("unknown {} {}{}; known: {}".format(
            what, flag, extra, ", ".join("{} {}".format(k, v) for k, v in
                                         sorted(FLAG_TO_DTYPE.items()))), at=start)
    return dt


def _read_data(r, shape, dt, what):
    """Raw C-order data of ``shape``/``dt`` as a read-only NumPy view (bounded first)."""
    size = 1
    nonzero = 1
    for d in shape:
        size *= d
        nonzero *= max(d, 1)
    if nonzero * dt.itemsize > _MAX_BYTES:
        r.fail("{} shape {} is too large for a {} array".format(what, shape, dt))
    raw = r.take(size * dt.itemsize, "{} of {} x {}".format(what, shape, dt))
    if dt == np.bool_:
        return np.frombuffer(raw, dtype=np.uint8).reshape(shape) != 0
    le = dt.newbyteorder("<")
    out = np.frombuffer(raw, dtype=le).reshape(shape)
    return out if le == dt else out.astype(dt)          # big-endian hosts: to native order


def _read_record(r):
    """One array record -> (NumPy array, (dev_type, dev_id))."""
    start = r.pos
    magic = r.u32("record magic")
    if magic in (MAGIC_V2, MAGIC_V3):
        v3 = magic == MAGIC_V3
        stype_at = r.pos
        stype = r.i32("storage type")
        if stype not in (_STYPE_DEFAULT, _STYPE_ROW_SPARSE, _STYPE_CSR):
            r.fail("unknown storage type {} ({})".format(
                stype, _STYPE_NAMES.get(stype, "not -1, 0, 1 or 2")), at=stype_at)
        if v3 and stype != _STYPE_DEFAULT:
            r.fail("V3 (np-shape) record with sparse storage type {}".format(stype), at=stype_at)
        sshape = _read_shape(r, "storage shape") if stype != _STYPE_DEFAULT else None
        shape = _read_shape(r, "shape", v3=v3)
    elif magic == MAGIC_V1:
        stype, sshape = _STYPE_DEFAULT, None
        shape = _read_shape(r, "shape")
    else:                                               # V0: the magic is ndim, dims are uint32
        stype, sshape = _STYPE_DEFAULT, None
        ndim = magic
        if ndim > V0_MAX_NDIM:
            r.fail("bad record magic 0x{:08x}: not a V1/V2/V3 NDArray record (0x{:08x}, "
                   "0x{:08x}, 0x{:08x}) nor a legacy V0 record (ndim <= {})".format(
                       magic, MAGIC_V1, MAGIC_V2, MAGIC_V3, V0_MAX_NDIM), at=start)
        if ndim == 0:
            r.fail("legacy V0 record has ndim 0: a 'none' array cannot be loaded", at=start)
        shape = tuple(int(d) for d in r.dims(ndim, "I", "legacy shape dims"))
    dev = (r.i32("context dev_type"), r.i32("context dev_id"))
    dt = _type_flag(r, "type flag")
    if stype == _STYPE_DEFAULT:
        return _read_data(r, shape, dt, "data"), dev
    aux = []
    for j in range(_NUM_AUX[stype]):
        adt = _type_flag(r, "aux {} type flag".format(j))
        aux.append((adt, _read_shape(r, "aux {} shape".format(j))))
    values = _read_data(r, sshape, dt, "sparse values")
    aux_data = [_read_data(r, ashape, adt, "aux {} data".format(j))
                for j, (adt, ashape) in enumerate(aux)]
    _check_sparse(r, stype, shape, values, aux_data, start)
    return ("sparse", stype, shape, values, aux_data), dev


def _check_sparse(r, stype, shape, values, aux, start):
    """Validate a row_sparse or csr record (shapes, index ranges)."""
    for a in aux:
        if a.dtype.kind not in "iu":
            r.fail("sparse index arrays must be integers, got {}".format(a.dtype), at=start)
    if stype == _STYPE_ROW_SPARSE:
        (idx,) = aux
        if not shape or values.shape[1:] != shape[1:] or idx.shape != values.shape[:1]:
            r.fail("row_sparse record: values {} and indices {} do not fit shape {}".format(
                values.shape, idx.shape, shape), at=start)
        if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= shape[0]):
            r.fail("row_sparse record: row index out of range for shape {}".format(shape),
                   at=start)
        return
    indptr, idx = aux
    if len(shape) != 2 or values.ndim != 1 or idx.shape != values.shape or \
            indptr.shape != (shape[0] + 1,):
        r.fail("csr record: values {}, indptr {} and indices {} do not fit shape {}".format(
            values.shape, indptr.shape, idx.shape, shape), at=start)
    indptr = indptr.astype(np.int64)
    if indptr[0] != 0 or indptr[-1] != values.size or np.any(np.diff(indptr) < 0):
        r.fail("csr record: indptr is not a non-decreasing 0..nnz sequence", at=start)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= shape[1]):
        r.fail("csr record: column index out of range for shape {}".format(shape), at=start)


def _to_ndarray(a, dev):
    """MXNet's placement: a gpu record goes to that GPU if it exists, everything else to cpu(0)."""
    dev_type, dev_id = dev
    ctx = cpu(0)
    if dev_type == _GPU_DEV_TYPE and dev_id >= 0:
        from ..context import num_gpus
        if dev_id < num_gpus():
            ctx = _shared_ctx("gpu", dev_id)
    if isinstance(a, tuple):                            # ("sparse", stype, shape, values, aux)
        from . import sparse
        return sparse._from_record(a[1], a[2], a[3], a[4], ctx)
    return array(a, ctx=ctx, dtype=a.dtype)


def _fspath(fname, what):
    if isinstance(fname, string_types) or isinstance(fname, os.PathLike):
        return os.fspath(fname)
    raise TypeError("{} required to be a string".format(what))
