"""``mx.nd.sparse``: compressed sparse row (``csr``) and row-sparse (``row_sparse``) NDArrays.

Design (pragmatic, see the project notes): a sparse NDArray's chunk holds a :class:`_Store` (the
values array plus the index arrays, ``xp`` arrays on the array's device) instead of a dense
array. Operators see sparse inputs densified (``_read`` builds the dense array), so every
registry operator accepts them, and a dense result written into a sparse array (``_assign``) is
compressed again. The storage type of each result follows MXNet 1.9.1's storage-type rules
(:func:`_out_stype`); zero-preserving unary operators run on the stored values only, so the
sparsity structure is kept exactly as MXNet keeps it. Operators with a CSR-native kernel
(``op.csr_forward``, e.g. the DGL graph operators) get the stored structure instead
(:func:`_invoke_csr`). All work goes through the engine.

Layout (as MXNet): ``csr`` (2-D only): ``data`` (nnz,), ``indices`` (nnz,) int64 column indices,
``indptr`` (rows + 1,) int64. ``row_sparse``: ``data`` (nnr,) + shape[1:], ``indices`` (nnr,)
int64 row indices (ascending; a ``retain`` result stores the requested ids as given, ids out of
range included: densified, those have no row, where MXNet writes out of bounds).

Not like MXNet: results computed through a dense intermediate (``elemwise_add`` of two csr, dot
with a sparse result, ...) drop explicitly stored zeros; ``retain`` on an array and autograd
never record sparse results; a csr array must be 2-D.
"""
import numpy as np

from .. import engine
from ..backend import for_context, to_numpy
from ..base import MXNetError, NotSupportedForSparseNDArray, numeric_types, integer_types, \
    to_dtype, _Null
from ..context import Context, current_context
from ..ops import registry as _registry
from ..ops.registry import OpEnv
from ..ops.sparse_ops import CSR as _CSR
from .ndarray import NDArray, Chunk, _parse_ctx, inline_hint
from .ndarray import array as _dense_array, empty as _dense_empty
from . import imperative as _imperative
from .. import autograd as _autograd

__all__ = ["BaseSparseNDArray", "CSRNDArray", "RowSparseNDArray", "csr_matrix", "row_sparse_array",
           "zeros", "empty", "array", "add", "subtract", "multiply", "divide",
           "NotSupportedForSparseNDArray"]

_STYPES = ("default", "row_sparse", "csr")
py_slice = slice          # the builtins (``slice`` and ``sum`` below are operators)
py_sum = sum
mx_real_t = np.float32
_IDX = np.dtype(np.int64)


# ---------------------------------------------------------------------------------------------
# storage
# ---------------------------------------------------------------------------------------------
class _Store:
    """The components of a sparse array: ``values`` and ``aux`` (csr: [indptr, indices];
    row_sparse: [indices]), all ``xp`` arrays on the array's device."""
    __slots__ = ("values", "aux")

    def __init__(self, values, aux):
        self.values = values
        self.aux = list(aux)


class _PartChunk:
    """A chunk-like view on one component of a sparse array's store (``.data``, ``.indices``,
    ``.indptr``): it shares the owner's engine variable, so reads and writes stay ordered."""
    __slots__ = ("_owner", "_part")

    def __init__(self, owner, part):
        self._owner = owner
        self._part = part

    @property
    def var(self):
        return self._owner.var

    @property
    def data(self):
        store = self._owner.data
        return store.values if self._part < 0 else store.aux[self._part]

    @data.setter
    def data(self, value):
        store = self._owner.data
        if self._part < 0:
            store.values = value
        else:
            store.aux[self._part] = value


def _empty_store(xp, stype, shape, dtype):
    if stype == "csr":
        return _Store(xp.zeros((0,), dtype=dtype), [xp.zeros((shape[0] + 1,), dtype=_IDX),
                                                    xp.zeros((0,), dtype=_IDX)])
    return _Store(xp.zeros((0,) + tuple(shape[1:]), dtype=dtype), [xp.zeros((0,), dtype=_IDX)])


def _dense_to_store(xp, stype, dense):
    """Compress a dense ``xp`` array (its exact zeros are dropped)."""
    if stype == "csr":
        if dense.ndim != 2:
            raise MXNetError("cast_storage: csr storage needs a 2-D array, got shape {}".format(
                tuple(dense.shape)))
        rows, cols = xp.nonzero(dense)
        counts = xp.bincount(rows, minlength=dense.shape[0]) if rows.size else \
            xp.zeros((dense.shape[0],), dtype=_IDX)
        indptr = xp.zeros((dense.shape[0] + 1,), dtype=_IDX)
        indptr[1:] = xp.cumsum(counts)
        return _Store(dense[rows, cols].copy(), [indptr, cols.astype(_IDX)])
    if dense.ndim == 0:
        raise MXNetError("cast_storage: row_sparse storage needs at least 1 dimension")
    flat = dense.reshape((dense.shape[0], -1))
    keep = xp.nonzero(xp.any(flat != 0, axis=1))[0]
    return _Store(dense[keep].copy(), [keep.astype(_IDX)])


def _row_of(xp, indptr, nnz):
    """The row of each stored csr value (``searchsorted``: CuPy's ``repeat`` takes no array)."""
    return xp.searchsorted(indptr, xp.arange(nnz, dtype=indptr.dtype), side="right") - 1


def _store_to_dense(xp, stype, shape, dtype, store):
    values = store.values
    if stype != "csr":
        (indices,) = store.aux
        if not values.shape[0]:
            return xp.zeros(shape, dtype=dtype)
        # row ids outside [0, rows) (``retain`` stores them, as MXNet does) land in a spare row
        n = shape[0]
        out = xp.zeros((n + 1,) + tuple(shape[1:]), dtype=dtype)
        out[xp.where((indices >= 0) & (indices < n), indices, n)] = values
        return out[:n]
    out = xp.zeros(shape, dtype=dtype)
    if stype == "csr":
        indptr, indices = store.aux
        if indptr.shape[0] != shape[0] + 1 or indices.shape != values.shape:
            raise MXNetError("csr array of shape {}: indptr {} / indices {} / data {} do not "
                             "fit".format(shape, tuple(indptr.shape), tuple(indices.shape),
                                          tuple(values.shape)))
        if values.size:
            counts = xp.diff(indptr)
            if bool((counts < 0).any()) or int(indptr[-1]) != values.size:
                raise MXNetError("csr array: invalid indptr (check_format() tells more)")
            rows = _row_of(xp, indptr, values.size)
            out[rows, indices] = values
    return out


def _check_store(stype, shape, store):
    """MXNet's check_format (full check), on the host."""
    values = to_numpy(store.values)
    if stype == "csr":
        indptr, idx = (to_numpy(a) for a in store.aux)
        if indptr.ndim != 1 or indptr.shape[0] != shape[0] + 1 or idx.ndim != 1 or \
                values.ndim != 1 or idx.shape[0] != values.shape[0]:
            raise MXNetError("Check failed: kCSRShapeErr: the shapes of data {}, indices {} and "
                             "indptr {} do not fit a csr array of shape {}".format(
                                 values.shape, idx.shape, indptr.shape, shape))
        if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != idx.shape[0]:
            raise MXNetError("Check failed: err != kCSRIndPtrErr: IndPtr of csr NDArray should be "
                             "non-negative, in non-decreasing order, start with 0, and end with "
                             "value equal with size of indices.")
        if idx.size:
            rows = np.repeat(np.arange(shape[0]), np.diff(indptr))
            same_row = rows[1:] == rows[:-1]
            if idx.min() < 0 or idx.max() >= shape[1] or np.any((np.diff(idx) <= 0) & same_row):
                raise MXNetError("Check failed: err != kCSRIdxErr: Indices of csr NDArray should "
                                 "be non-negative, in ascending order per row  and less than the "
                                 "number of columns.")
        return
    (idx,) = (to_numpy(a) for a in store.aux)
    if idx.ndim != 1 or values.shape != (idx.shape[0],) + tuple(shape[1:]):
        raise MXNetError("Check failed: kRSPShapeErr: the shapes of data {} and indices {} do not "
                         "fit a row_sparse array of shape {}".format(values.shape, idx.shape, shape))
    if idx.size and (idx.min() < 0 or idx.max() >= shape[0] or np.any(np.diff(idx) <= 0)):
        raise MXNetError("Check failed: err != kRSPIdxErr: Indices of row_sparse NDArray should be "
                         "non-negative, less than the size of first dimension and in ascending order")


# ---------------------------------------------------------------------------------------------
# the classes
# ---------------------------------------------------------------------------------------------
def _st(x):
    """The store of sparse array ``x`` (inside an engine op reading it, or after a sync). A dense
    array found in its chunk (written there by a code path that bypassed ``_assign``) is
    compressed on the spot."""
    d = x._chunk.data
    if type(d) is _Store:
        return d
    if d is None:
        raise MXNetError("{} has no data (its producing operation failed)".format(type(x).__name__))
    if tuple(d.shape) != x._shape:
        raise MXNetError("{} of shape {}: its storage holds a dense array of shape {}".format(
            type(x).__name__, x._shape, tuple(d.shape)))
    store = _dense_to_store(for_context(x._ctx).xp, x.stype, d.astype(x._dtype, copy=False))
    x._chunk.data = store
    return store


def _new(stype, shape, dtype, ctx, store=None):
    cls = CSRNDArray if stype == "csr" else RowSparseNDArray
    return cls(Chunk(store), tuple(shape), np.dtype(dtype), ctx)


def _push(fn, reads, writes, ctx, name):
    engine.push(fn, [x._chunk.var for x in reads], [w._chunk.var for w in writes], ctx,
                inline=inline_hint(ctx), name=name)


def _record(opname, kwargs, inputs, outputs):
    """Put a sparse-producing step on the autograd tape (as the dense operator it computes)."""
    if _autograd.is_recording():
        op = _registry.get_op(opname)
        _autograd._record_op(op, op.parse(kwargs), list(inputs), list(outputs), ())


def _not_supported(name):
    def method(self, *args, **kwargs):
        raise NotSupportedForSparseNDArray(method, None, *args)
    method.__name__ = name
    return method


class BaseSparseNDArray(NDArray):
    """The base class of sparse NDArrays (``CSRNDArray``, ``RowSparseNDArray``)."""
    __slots__ = ()
    stype = "undefined"

    # -- raw access: operators see the dense array ---------------------------------------------
    def _read(self):
        return _store_to_dense(for_context(self._ctx).xp, self.stype, self._shape, self._dtype,
                               _st(self))

    def _assign(self, value):
        xp = for_context(self._ctx).xp
        if value.dtype != self._dtype:
            value = value.astype(self._dtype)
        self._chunk.data = _dense_to_store(xp, self.stype, value)

    def _store(self):
        """The store, after waiting for pending writes."""
        self.wait_to_read()
        return _st(self)

    def _part(self, i, shape_of=None):
        store = self._store()
        arr = store.values if i < 0 else store.aux[i]
        return NDArray(_PartChunk(self._chunk, i), tuple(arr.shape), np.dtype(arr.dtype), self._ctx)

    # -- python protocol -----------------------------------------------------------------------
    def __repr__(self):
        shape_info = "x".join("%d" % s for s in self._shape)
        return "\n<%s %s @%s>" % (type(self).__name__, shape_info, self._ctx)

    def __reduce__(self):
        store = self._store()
        parts = [to_numpy(store.values)] + [to_numpy(a) for a in store.aux]
        return (_rebuild, (self.stype, self._shape, self._dtype.name, parts,
                           str(self._ctx.device_type), self._ctx.device_id))

    def __iter__(self):
        raise NotSupportedForSparseNDArray(self.__iter__, None)

    def __setitem__(self, key, value):
        """``x[:] = value`` (MXNet's only sparse assignment): an NDArray of any storage type or a
        NumPy array (stored compressed); a number fills a row_sparse array, storing every row."""
        kind = type(self).__name__
        if not isinstance(key, py_slice):
            raise TypeError("{} only supports [:] for assignment".format(kind))
        if key.start is not None or key.stop is not None or key.step is not None:
            raise ValueError("Assignment with slice for {} is not implemented yet.".format(kind))
        if isinstance(value, NDArray):
            if value._shape != self._shape:
                raise MXNetError("{}[:] = value: shape mismatch: {} vs {}".format(kind, value._shape, self._shape))
            if value is not self:
                _copy_into(value, self)
            return
        if isinstance(value, numeric_types):
            if self.stype == "csr":
                raise ValueError("Assigning numeric types to CSRNDArray is not implemented yet.")
            xp, n, dst = for_context(self._ctx).xp, self._shape[0], self

            def fill():
                dst._chunk.data = _Store(xp.full(dst._shape, value, dtype=dst._dtype), [xp.arange(n, dtype=_IDX)])
            _push(fill, [], [self], self._ctx, "_set_value")
            return
        if not isinstance(value, np.ndarray):
            raise TypeError("type {} not supported".format(type(value)))
        src = _dense_array(np.broadcast_to(np.asarray(value, dtype=self._dtype), self._shape),
                           ctx=self._ctx, dtype=self._dtype)
        _copy_into(src, self)

    # -- copies and conversion -----------------------------------------------------------------
    def copyto(self, other):
        """Copy into ``other`` (an NDArray of any storage type, returned) or onto a Context."""
        if isinstance(other, Context):
            out = _new(self.stype, self._shape, self._dtype, other)
            b = for_context(other)
            src = self

            def fn():
                store = _st(src)
                out._chunk.data = _Store(b.asarray(store.values), [b.asarray(a) for a in store.aux])
            _push(fn, [src], [out], other, "_copyto")
            return out
        if isinstance(other, NDArray):
            if other is self:
                return other
            if other._shape != self._shape:
                raise MXNetError("copyto: shape mismatch: source {} vs destination {}".format(
                    self._shape, other._shape))
            _copy_into(self, other)
            return other
        raise TypeError("copyto does not support type " + str(type(other)))

    def copy(self):
        return self.copyto(self._ctx)

    def astype(self, dtype, copy=True):
        """A copy with values cast to ``dtype`` (same storage type)."""
        dt = to_dtype(dtype)
        if not copy and dt == self._dtype:
            return self
        out = _new(self.stype, self._shape, dt, self._ctx)
        src = self

        def fn():
            store = _st(src)
            out._chunk.data = _Store(store.values.astype(dt), [a.copy() for a in store.aux])
        _push(fn, [src], [out], self._ctx, "astype")
        return out

    def tostype(self, stype):
        """This array in storage type ``stype`` ('default', 'csr', 'row_sparse')."""
        return cast_storage(self, stype=stype)

    def detach(self):
        return type(self)(self._chunk, self._shape, self._dtype, self._ctx)

    def check_format(self, full_check=True):
        """Raise MXNetError if the indices are invalid (``full_check=False``: shapes only)."""
        store = self._store()
        if full_check:
            _check_store(self.stype, self._shape, store)
        else:
            aux = store.aux
            ok = (aux[0].shape[0] == self._shape[0] + 1 and aux[1].shape == store.values.shape) \
                if self.stype == "csr" else (aux[0].shape[0] == store.values.shape[0])
            if not ok:
                raise MXNetError("check_format: components do not fit shape {}".format(self._shape))

    # -- arithmetic ----------------------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    __radd__ = __add__

    def __sub__(self, other):
        return subtract(self, other)

    def __rsub__(self, other):
        return subtract(other, self)

    def __mul__(self, other):
        return multiply(self, other)

    __rmul__ = __mul__

    def __truediv__(self, other):
        return divide(self, other)

    def __rtruediv__(self, other):
        return divide(other, self)

    __div__ = __truediv__
    __rdiv__ = __rtruediv__

    def __iadd__(self, other):
        self[:] = add(self, other)
        return self

    def __isub__(self, other):
        self[:] = subtract(self, other)
        return self

    def __imul__(self, other):
        self[:] = multiply(self, other)
        return self

    def __itruediv__(self, other):
        self[:] = divide(self, other)
        return self

    __idiv__ = __itruediv__

    def __neg__(self):
        return _invoke("negative", [self], {})

    def __abs__(self):
        return _invoke("abs", [self], {})

    reshape = _not_supported("reshape")
    _reshape_view = _not_supported("_reshape_view")
    broadcast_to = _not_supported("broadcast_to")
    expand_dims = _not_supported("expand_dims")
    flatten = _not_supported("flatten")


class CSRNDArray(BaseSparseNDArray):
    """A 2-D array in compressed sparse row format."""
    __slots__ = ()
    stype = "csr"

    @property
    def data(self):
        """The stored values, shape (nnz,)."""
        return self._part(-1)

    @property
    def indptr(self):
        """Row pointers (int64), shape (rows + 1,)."""
        return self._part(0)

    @property
    def indices(self):
        """Column indices (int64) of the stored values, shape (nnz,)."""
        return self._part(1)

    def __getitem__(self, key):
        n = self._shape[0]
        if isinstance(key, integer_types) and not isinstance(key, bool):
            k = int(key)
            if not -n <= k < n:
                raise IndexError("index {} is out of bounds for axis 0 with size {}".format(key, n))
            k %= n
            return _csr_rows(self, k, k + 1)
        if isinstance(key, py_slice):
            if key.step is not None and key.step != 1:
                raise ValueError("CSRNDArray only supports continuous slicing on axis 0")
            start, stop, _ = key.indices(n)
            if key.start is None and key.stop is None:
                return self
            return _csr_rows(self, start, max(stop, start))
        if isinstance(key, tuple):
            raise ValueError("Multi-dimension indexing is not supported")
        raise ValueError("Undefined behaviour for {}".format(key))

    def asscipy(self):
        """A ``scipy.sparse.csr_matrix`` copy (needs SciPy)."""
        try:
            import scipy.sparse as spsp
        except ImportError:
            raise ImportError("scipy could not be imported. Please make sure that the scipy is "
                              "installed.") from None
        store = self._store()
        return spsp.csr_matrix((to_numpy(store.values), to_numpy(store.aux[1]),
                                to_numpy(store.aux[0])), shape=self._shape, dtype=self._dtype)


class RowSparseNDArray(BaseSparseNDArray):
    """An array whose non-zero rows (slices on axis 0) are stored with their row indices."""
    __slots__ = ()
    stype = "row_sparse"

    @property
    def data(self):
        """The stored rows, shape (nnr,) + shape[1:]."""
        return self._part(-1)

    @property
    def indices(self):
        """Row indices (int64) of the stored rows, shape (nnr,)."""
        return self._part(0)

    def __getitem__(self, key):
        if isinstance(key, py_slice) and key.start is None and key.stop is None and key.step is None:
            return self
        raise ValueError("RowSparseNDArray only supports [:] for __getitem__")

    def _assign_rows(self, value, rows):
        """Store the rows ``rows`` (sorted unique int64 ids) of the dense ``value``, all-zero rows
        included: a gradient that is row_sparse by construction (autograd, see
        ``ops/sparse_ops.row_sparse_grad``)."""
        xp = for_context(self._ctx).xp
        self._chunk.data = _Store(value[rows].astype(self._dtype, copy=False),
                                  [xp.asarray(rows, dtype=_IDX)])

    def retain(self, *args, **kwargs):
        """The rows of this array listed in ``indices`` (``mx.nd.sparse.retain``)."""
        return retain(self, *args, **kwargs)


def _rebuild(stype, shape, dtype, parts, devtype, devid):
    from ..context import _shared
    ctx = _shared(devtype, devid)
    b = for_context(ctx)
    return _new(stype, shape, dtype, ctx,
                _Store(b.asarray(parts[0]), [b.asarray(p) for p in parts[1:]]))


def _copy_into(src, dst):
    """Copy ``src`` (any storage type) into ``dst`` (any storage type) through the engine."""
    b = for_context(dst._ctx)
    same_sparse = isinstance(src, BaseSparseNDArray) and src.stype == dst.stype

    def fn():
        if same_sparse:
            store = _st(src)
            dst._chunk.data = _Store(b.asarray(store.values, dtype=dst._dtype),
                                     [b.asarray(a) for a in store.aux])
        else:
            dst._assign(b.asarray(src._read(), dtype=dst._dtype))
    _push(fn, [src], [dst], dst._ctx, "_copyto")


def _csr_rows(src, start, stop):
    out = _new("csr", (stop - start, src._shape[1]), src._dtype, src._ctx)

    def fn():
        store = _st(src)
        indptr, indices = store.aux
        lo, hi = int(indptr[start]), int(indptr[stop])
        out._chunk.data = _Store(store.values[lo:hi].copy(),
                                 [indptr[start:stop + 1] - indptr[start], indices[lo:hi].copy()])
    _push(fn, [src], [out], src._ctx, "slice")
    return out


# ---------------------------------------------------------------------------------------------
# creation
# ---------------------------------------------------------------------------------------------
def _ctx_of(ctx):
    ctx = current_context() if ctx is None else ctx
    return _parse_ctx(ctx) if isinstance(ctx, str) else ctx


def _src_dtype(x):
    if isinstance(x, NDArray):
        return x._dtype
    if isinstance(x, np.ndarray):
        return x.dtype
    return np.dtype(np.float32)


def _host(x, dtype=None):
    if isinstance(x, NDArray):
        x = x.asnumpy()
    return np.asarray(x, dtype=dtype)


def _from_parts(stype, shape, dtype, ctx, values, aux):
    b = for_context(ctx)
    return _new(stype, shape, dtype, ctx,
                _Store(b.asarray(values, dtype=dtype), [b.asarray(a, dtype=_IDX) for a in aux]))


def _is_shape(arg):
    return isinstance(arg, tuple) and len(arg) > 0 and all(
        isinstance(s, integer_types) and not isinstance(s, bool) for s in arg)


def _scipy_csr(arg):
    try:
        import scipy.sparse as spsp
    except ImportError:
        return None
    return arg if spsp.issparse(arg) else None


def csr_matrix(arg1, shape=None, ctx=None, dtype=None):
    """A CSRNDArray from ``(data, indices, indptr)``, ``(data, (row, col))``, a shape
    ``(M, N)`` (all zeros), a dense NDArray / NumPy array, a CSRNDArray or a SciPy sparse matrix.

    The dtype defaults to the source array's dtype (NDArray / NumPy), else float32."""
    ctx = _ctx_of(ctx)
    if isinstance(arg1, tuple) and len(arg1) == 3 and not _is_shape(arg1):
        data, indices, indptr = arg1
        dt = to_dtype(dtype, _src_dtype(data))
        values = _host(data, dt).reshape(-1)
        idx = _host(indices).astype(_IDX).reshape(-1)
        ptr = _host(indptr).astype(_IDX).reshape(-1)
        if shape is None:
            if ptr.size == 0:
                raise ValueError("invalid indptr: cannot infer the shape")
            shape = (ptr.size - 1, int(idx.max()) + 1 if idx.size else 0)
        shape = tuple(int(s) for s in shape)
        if len(shape) != 2:
            raise ValueError("csr_matrix: shape must be 2-D, got {}".format(shape))
        if idx.shape != values.shape:
            raise ValueError("csr_matrix: data {} and indices {} must have the same length".format(
                values.shape, idx.shape))
        if ptr.size != shape[0] + 1:
            raise ValueError("csr_matrix: indptr has {} entries, shape {} needs {}".format(
                ptr.size, shape, shape[0] + 1))
        return _from_parts("csr", shape, dt, ctx, values, [ptr, idx])
    if isinstance(arg1, tuple) and len(arg1) == 2 and isinstance(arg1[1], (tuple, list)) \
            and len(arg1[1]) == 2 and not _is_shape(arg1):
        data, (row, col) = arg1
        dt = to_dtype(dtype, _src_dtype(data))
        values = _host(data, dt).reshape(-1)
        row = _host(row).astype(_IDX).reshape(-1)
        col = _host(col).astype(_IDX).reshape(-1)
        if not values.shape == row.shape == col.shape:
            raise ValueError("csr_matrix: data, row and col must have the same length")
        if shape is None:
            shape = (int(row.max()) + 1 if row.size else 0, int(col.max()) + 1 if col.size else 0)
        shape = tuple(int(s) for s in shape)
        if row.size and (row.min() < 0 or row.max() >= shape[0] or col.min() < 0 or col.max() >= shape[1]):
            raise ValueError("csr_matrix: row/col index out of range for shape {}".format(shape))
        # COO -> CSR with duplicates summed (as scipy does)
        key = row * max(shape[1], 1) + col
        uniq, inv = np.unique(key, return_inverse=True)
        vals = np.zeros(uniq.shape, dtype=dt)
        np.add.at(vals, inv.reshape(-1), values)
        urow, ucol = uniq // max(shape[1], 1), uniq % max(shape[1], 1)
        ptr = np.zeros(shape[0] + 1, dtype=_IDX)
        ptr[1:] = np.cumsum(np.bincount(urow, minlength=shape[0]))
        return _from_parts("csr", shape, dt, ctx, vals, [ptr, ucol])
    if _is_shape(arg1):
        if len(arg1) != 2:
            raise ValueError("csr_matrix: shape must be 2-D, got {}".format(arg1))
        return zeros("csr", arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, CSRNDArray):
        out = arg1.as_in_context(ctx) if arg1._ctx != ctx else arg1.copy()
        return out.astype(dtype) if dtype is not None and to_dtype(dtype) != out._dtype else out
    if isinstance(arg1, BaseSparseNDArray):
        raise ValueError("csr_matrix: cannot create a CSRNDArray from a {}".format(type(arg1).__name__))
    sp = _scipy_csr(arg1)
    if sp is not None:
        sp = sp.tocsr()
        sp.sort_indices()
        dt = to_dtype(dtype, sp.dtype)
        return _from_parts("csr", sp.shape, dt, ctx, sp.data, [sp.indptr, sp.indices])
    if isinstance(arg1, NDArray):
        src = arg1 if arg1._ctx == ctx else arg1.as_in_context(ctx)
        if dtype is not None:
            src = src.astype(dtype)
        return cast_storage(src, stype="csr")
    if isinstance(arg1, (np.ndarray, list)) or (isinstance(arg1, tuple) and not _is_shape(arg1)):
        dense = np.asarray(arg1)
        dt = to_dtype(dtype, dense.dtype if isinstance(arg1, np.ndarray) else np.float32)
        return cast_storage(_dense_array(dense, ctx=ctx, dtype=dt), stype="csr")
    raise ValueError("Unexpected input type: {}".format(type(arg1)))


def row_sparse_array(arg1, shape=None, ctx=None, dtype=None):
    """A RowSparseNDArray from ``(data, indices)``, a shape (all zeros), a dense NDArray /
    NumPy array or a RowSparseNDArray. ``data`` has shape (len(indices),) + shape[1:]."""
    ctx = _ctx_of(ctx)
    if isinstance(arg1, tuple) and len(arg1) == 2 and not _is_shape(arg1):
        data, indices = arg1
        dt = to_dtype(dtype, _src_dtype(data))
        values = _host(data, dt)
        idx = _host(indices).astype(_IDX).reshape(-1)
        if values.ndim == 0 or values.shape[0] != idx.shape[0]:
            raise ValueError("row_sparse_array: data {} must have one row per index ({})".format(
                values.shape, idx.shape[0]))
        if shape is None:
            shape = (int(idx.max()) + 1 if idx.size else 0,) + values.shape[1:]
        shape = tuple(int(s) for s in shape)
        if values.shape[1:] != shape[1:]:
            raise ValueError("invalid shape: data {} does not fit shape {}".format(values.shape, shape))
        return _from_parts("row_sparse", shape, dt, ctx, values, [idx])
    if _is_shape(arg1):
        return zeros("row_sparse", arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, RowSparseNDArray):
        out = arg1.as_in_context(ctx) if arg1._ctx != ctx else arg1.copy()
        return out.astype(dtype) if dtype is not None and to_dtype(dtype) != out._dtype else out
    if isinstance(arg1, BaseSparseNDArray):
        raise ValueError("row_sparse_array: cannot create a RowSparseNDArray from a {}".format(
            type(arg1).__name__))
    if isinstance(arg1, NDArray):
        src = arg1 if arg1._ctx == ctx else arg1.as_in_context(ctx)
        if dtype is not None:
            src = src.astype(dtype)
        return cast_storage(src, stype="row_sparse")
    if isinstance(arg1, (np.ndarray, list)):
        dense = np.asarray(arg1)
        dt = to_dtype(dtype, dense.dtype if isinstance(arg1, np.ndarray) else np.float32)
        return cast_storage(_dense_array(dense, ctx=ctx, dtype=dt), stype="row_sparse")
    raise ValueError("Unexpected input type: {}".format(type(arg1)))


def zeros(stype, shape, ctx=None, dtype=None, **kwargs):
    """An all-zero array of storage type ``stype`` ('csr', 'row_sparse' or 'default')."""
    if stype == "default":
        from .utils import zeros as _dense_zeros
        return _dense_zeros(shape, ctx=ctx, dtype=dtype, **kwargs)
    if stype not in ("csr", "row_sparse"):
        raise ValueError("unknown storage type" + str(stype))
    ctx = _ctx_of(ctx)
    if isinstance(shape, integer_types):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    if stype == "csr" and len(shape) != 2:
        raise MXNetError("sparse.zeros: csr arrays must be 2-D, got shape {}".format(shape))
    if not shape:
        raise MXNetError("sparse.zeros: row_sparse arrays need at least 1 dimension")
    dt = to_dtype(dtype)
    b = for_context(ctx)
    with b.device_scope():
        store = _empty_store(b.xp, stype, shape, dt)
    return _new(stype, shape, dt, ctx, store)


def empty(stype, shape, ctx=None, dtype=None):
    """An array of storage type ``stype`` with no stored values (all zeros for sparse types)."""
    if stype == "default":
        return _dense_empty(shape, ctx=ctx, dtype=dtype)
    return zeros(stype, shape, ctx=ctx, dtype=dtype)


def array(source_array, ctx=None, dtype=None):
    """A sparse array copied from a sparse NDArray or a SciPy sparse matrix."""
    if isinstance(source_array, CSRNDArray):
        return csr_matrix(source_array, ctx=ctx, dtype=dtype)
    if isinstance(source_array, RowSparseNDArray):
        return row_sparse_array(source_array, ctx=ctx, dtype=dtype)
    if isinstance(source_array, NDArray):
        raise AssertionError("Please use `tostype` to create RowSparseNDArray or CSRNDArray from "
                             "an NDArray")
    if _scipy_csr(source_array) is not None:
        return csr_matrix(source_array, ctx=ctx, dtype=dtype)
    if isinstance(source_array, np.ndarray):
        raise ValueError("Please use mx.nd.array to create an NDArray with source_array of type "
                         "{}".format(type(source_array)))
    raise ValueError("Unexpected source_array type: {}".format(type(source_array)))


# ---------------------------------------------------------------------------------------------
# storage-type inference and dispatch
# ---------------------------------------------------------------------------------------------
# unary operators that map 0 to 0: on sparse input they run on the stored values only
_KEEP_UNARY = frozenset(
    "abs arcsin arcsinh arctan arctanh cbrt ceil degrees expm1 fix floor log1p negative radians "
    "relu rint round sign sin sinh sqrt square tan tanh trunc BlockGrad make_loss "
    "_contrib_round_ste _contrib_sign_ste _mul_scalar _div_scalar".split())


def _stype(x):
    return x.stype if isinstance(x, NDArray) else "default"


def _out_stype(name, st, attrs):
    """MXNet 1.9.1's output storage type of operator ``name`` for input storage types ``st``."""
    if name == "cast_storage":
        return attrs["stype"]
    if all(s == "default" for s in st):
        return "default"
    if len(st) == 1:
        s = st[0]
        if name in _KEEP_UNARY or name == "zeros_like":
            return s
        if name in ("_plus_scalar", "_minus_scalar") and attrs["scalar"] == 0:
            return s
        if name == "clip":
            if not attrs["a_min"] <= 0 <= attrs["a_max"]:
                raise MXNetError("clip: a sparse ({}) input needs a_min <= 0 <= a_max, got a_min={} "
                                 "a_max={}".format(s, attrs["a_min"], attrs["a_max"]))
            return s
        if name == "slice" and s == "csr":
            return "csr"
        return "default"
    if name in ("elemwise_add", "elemwise_sub"):
        return st[0] if st[0] == st[1] else "default"
    if name == "elemwise_mul":
        if st[0] == st[1]:
            return st[0]
        return st[1] if st[0] == "default" else (st[0] if st[1] == "default" else "default")
    if name in ("broadcast_mul", "broadcast_div"):
        return "csr" if list(st) == ["csr", "default"] else "default"
    if name == "add_n":
        return "row_sparse" if all(s == "row_sparse" for s in st) else "default"
    if name == "_sparse_retain":
        return "row_sparse" if st[0] == "row_sparse" else "default"
    if name == "dot":
        if attrs["forward_stype"] is not None:
            return attrs["forward_stype"]
        ta, tb = attrs["transpose_a"], attrs["transpose_b"]
        if list(st) == ["csr", "default"]:
            return "row_sparse" if ta and not tb else "default"
        if list(st) == ["default", "csr"]:
            return "csr" if not ta and not tb else "default"
        return "default"
    return "default"


_UPDATE_STATES = {"sgd_update": 0, "sgd_mom_update": 1, "adam_update": 2, "ftrl_update": 2,
                  "_sparse_adagrad_update": 1}
_ALWAYS_LAZY = ("ftrl_update", "_sparse_adagrad_update")


def _dense_invoke():
    """The imperative path without the sparse hook (``imperative.invoke_dense`` once the hook
    exists, else ``imperative.invoke``)."""
    return getattr(_imperative, "invoke_dense", _imperative.invoke)


def dispatch(op, inputs, kwargs, out=None):
    """Hook for ``imperative.invoke`` when an input is a sparse NDArray: runs registry ``op``
    with MXNet's output storage types (and lazy row_sparse optimizer updates)."""
    return _invoke(op.name, list(inputs), dict(kwargs), out)


def _invoke(name, inputs, kwargs, out=None):
    """Run registry operator ``name`` on inputs of any storage type, with MXNet's output storage
    type. Dense outputs go straight through the imperative path (sparse inputs densified)."""
    op = _registry.get_op(name)
    kwargs = {k: v for k, v in kwargs.items() if v is not _Null}
    attrs = op.parse(dict(kwargs))
    if getattr(op, "csr_forward", None) is not None:
        return _invoke_csr(op, attrs, inputs, out)
    st = [_stype(x) for x in inputs]
    if op.name == "_sparse_adagrad_update" and (len(st) < 2 or st[1] != "row_sparse" or attrs["wd"] != 0):
        raise MXNetError("_sparse_adagrad_update: only a row_sparse gradient and wd=0 are supported "
                         "(got grad storage {}, wd={})".format(st[1] if len(st) > 1 else None, attrs["wd"]))
    if op.name in _UPDATE_STATES and len(st) > 1 and st[1] == "row_sparse" and \
            (op.name in _ALWAYS_LAZY or attrs.get("lazy_update", False)):
        return _lazy_update(op, attrs, inputs, out)
    if op.name == "_sparse_retain" and (len(st) != 2 or st != ["row_sparse", "default"]):
        raise MXNetError("Check failed: infer_stype_success: Operator not implemented: operator = "
                         "_sparse_retain\ninput storage types = [{}]\noutput storage types = [unknown, ]\n"
                         "params = {{}}\ncontext.dev_mask = {}".format(
                             "".join(s + ", " for s in st), inputs[0]._ctx.device_type if inputs else "cpu"))
    ostype = _out_stype(op.name, st, attrs)
    if ostype == "default":
        if out is not None and isinstance(out, BaseSparseNDArray):
            res = _dense_invoke()(op, inputs, kwargs)
            _copy_into(res, out)
            return out
        if op.name == "cast_storage":
            kwargs = dict(kwargs, stype="default")
        return _dense_invoke()(op, inputs, kwargs, out)
    if ostype == "csr" and len(inputs) and op.name != "dot":
        shape = inputs[0]._shape if op.name != "slice" else None
        if shape is not None and len(shape) != 2:
            raise MXNetError("{}: csr storage needs a 2-D array, got shape {}".format(op.name, shape))
    x = inputs[0]
    if op.name == "zeros_like":
        res = zeros(x.stype, x._shape, ctx=x._ctx, dtype=x._dtype)
    elif len(inputs) == 1 and st[0] == ostype and op.name != "slice":
        res = _map_values(op, attrs, x)
    elif op.name == "cast_storage":
        if st[0] != "default" and st[0] != ostype:
            raise ValueError("cast_storage from {} to {} is not supported".format(st[0], ostype))
        res = _to_sparse(x, ostype)
    elif op.name == "slice" and st[0] == "csr":
        res = _csr_slice(x, attrs)
    elif op.name == "_sparse_retain":
        res = _rsp_retain(x, inputs[1])
    elif ostype == "row_sparse":
        # MXNet stores the rows its inputs store (zeros included): the union of the row_sparse
        # inputs' rows, or for dot(csr.T, dense) the columns csr stores
        if op.name == "dot" and st[0] == "csr" and attrs["transpose_a"]:
            sources = [(inputs[0], "cols")]
        else:
            sources = [(x, "rows") for x, s in zip(inputs, st) if s == "row_sparse"]
        res = _rsp_on_rows(_dense_invoke()(op, inputs, kwargs), sources)
    else:
        res = _to_sparse(_dense_invoke()(op, inputs, kwargs), ostype)
    if out is not None:
        if out._shape != res._shape:
            raise MXNetError("{}: out has shape {}, expected {}".format(op.name, out._shape, res._shape))
        _copy_into(res, out)
        return out
    return res


def _invoke_csr(op, attrs, inputs, out):
    """Run an operator with a CSR-native kernel (``op.csr_forward``, see ops/sparse_ops.py): its
    csr inputs reach the kernel as stored (explicit zeros are entries: DGL's edge id 0), its csr
    outputs become CSRNDArrays with the structure the kernel returns."""
    n_in = len(op.input_names(attrs))
    if len(inputs) != n_in:
        raise MXNetError("{}: expected {} inputs, got {}".format(op.name, n_in, len(inputs)))
    ctx = inputs[0]._ctx
    _, shapes, _ = op.infer_shapes(attrs, [x._shape for x in inputs])
    dtypes = [np.dtype(d) for d in op.infer_types(attrs, [x._dtype for x in inputs])]
    csr_in, csr_out = set(op.csr_inputs(attrs)), set(op.csr_outputs(attrs))
    outs = [_new("csr", s, d, ctx) if i in csr_out else NDArray(Chunk(), tuple(s), d, ctx)
            for i, (s, d) in enumerate(zip(shapes, dtypes))]
    b = for_context(ctx)
    env = OpEnv(b.xp, False, ctx)

    def fn():
        xp = b.xp
        raw = []
        for i, x in enumerate(inputs):
            if i not in csr_in:
                raw.append(x._read())
            elif isinstance(x, CSRNDArray):
                store = _st(x)
                raw.append(_CSR(store.values, store.aux[1], store.aux[0], x._shape))
            else:
                raw.append(_CSR.from_dense(xp, x._read()))
        for i, (o, r) in enumerate(zip(outs, op.csr_forward(env, attrs, raw))):
            if i in csr_out:     # (copies: a result may share an input's index arrays)
                o._chunk.data = _Store(xp.array(r.data, dtype=o._dtype),
                                       [xp.array(r.indptr, dtype=_IDX), xp.array(r.indices, dtype=_IDX)])
            else:
                o._chunk.data = xp.array(r, dtype=o._dtype)
    writes = [o._chunk.var for o in outs]
    if op.needs_rng:
        from ..random import rng_var
        writes.append(rng_var(ctx))
    engine.push(fn, [x._chunk.var for x in inputs], writes, ctx, inline=inline_hint(ctx), name=op.name)
    n_vis = op.num_visible_outputs(attrs)
    outs = outs[:n_vis]
    if out is not None:
        given = [out] if isinstance(out, NDArray) else list(out)
        if len(given) != n_vis or any(g._shape != o._shape for g, o in zip(given, outs)):
            raise MXNetError("{}: out must be {} array(s) of shape(s) {}".format(
                op.name, n_vis, [o._shape for o in outs]))
        for o, g in zip(outs, given):
            _copy_into(o, g)
        return out
    return outs[0] if n_vis == 1 else outs


def _to_sparse(src, stype):
    if src.ndim == 0 or (stype == "csr" and src.ndim != 2):
        raise MXNetError("cast_storage: {} storage needs a {} array, got shape {}".format(
            stype, "2-D" if stype == "csr" else "non-scalar", src._shape))
    out = _new(stype, src._shape, src._dtype, src._ctx)
    b = for_context(src._ctx)
    same = isinstance(src, BaseSparseNDArray) and src.stype == stype

    def fn():
        if same:
            store = _st(src)
            out._chunk.data = _Store(store.values.copy(), [a.copy() for a in store.aux])
        else:
            out._chunk.data = _dense_to_store(b.xp, stype, src._read())
    _push(fn, [src], [out], src._ctx, "cast_storage")
    _record("cast_storage", {"stype": "default"}, [src], [out])
    return out


def _rsp_on_rows(dense, sources):
    """Row_sparse array of ``dense`` storing the rows that the ``sources`` store (rows of
    row_sparse arrays, columns of csr arrays); stored zeros are kept, as MXNet keeps them."""
    if not sources:
        return _to_sparse(dense, "row_sparse")
    out = _new("row_sparse", dense._shape, dense._dtype, dense._ctx)
    b = for_context(dense._ctx)

    def fn():
        xp = b.xp
        parts = [_st(x).aux[0] if kind == "rows" else _st(x).aux[1]
                 for x, kind in sources]
        idx = xp.unique(xp.concatenate(parts)).astype(_IDX) if parts else xp.zeros((0,), _IDX)
        out._chunk.data = _Store(xp.ascontiguousarray(dense._read()[idx]), [idx])
    _push(fn, [dense] + [x for x, _ in sources], [out], dense._ctx, "row_sparse")
    _record("cast_storage", {"stype": "default"}, [dense], [out])
    return out


def _rsp_retain(x, indices):
    """The rows ``indices`` of row_sparse ``x``, as MXNet does: every requested id is stored as
    given (order, repeats, ids out of range), with ``x``'s row where ``x`` stores it and zeros
    elsewhere; an ``x`` storing no rows gives no rows."""
    out = _new("row_sparse", x._shape, x._dtype, x._ctx)
    b = for_context(x._ctx)

    def fn():
        xp = b.xp
        store = _st(x)
        nnr = store.values.shape[0]
        if not nnr:
            out._chunk.data = _empty_store(xp, "row_sparse", x._shape, x._dtype)
            return
        idx = indices._read().reshape(-1).astype(_IDX)
        have = store.aux[0]                   # ascending: binary search, as MXNet's kernel
        pos = xp.clip(xp.searchsorted(have, idx), 0, nnr - 1)
        found = (have[pos] == idx).reshape((-1,) + (1,) * (len(x._shape) - 1))
        vals = xp.where(found, store.values[pos], xp.zeros((), dtype=store.values.dtype))
        out._chunk.data = _Store(vals.astype(x._dtype, copy=False), [idx])
    _push(fn, [x, indices], [out], x._ctx, "_sparse_retain")
    _record("_sparse_retain", {}, [x, indices], [out])
    return out


def _map_values(op, attrs, x):
    """A zero-preserving unary op on the stored values only (same structure)."""
    dt = np.dtype(op.infer_type(attrs, [x._dtype])[0])
    out = _new(x.stype, x._shape, dt, x._ctx)
    b = for_context(x._ctx)
    env = OpEnv(b.xp, False, x._ctx)

    def fn():
        store = _st(x)
        vals = op.forward(env, attrs, [store.values], [])[0]
        out._chunk.data = _Store(b.xp.asarray(vals, dtype=dt).copy(), [a.copy() for a in store.aux])
    _push(fn, [x], [out], x._ctx, op.name)
    if _autograd.is_recording():
        _autograd._record_op(op, attrs, [x], [out], ())
    return out


def _csr_slice(x, attrs):
    begin, end = tuple(attrs["begin"]), tuple(attrs["end"])
    step = tuple(attrs["step"] or ())
    if any(s not in (None, 1) for s in step):
        raise MXNetError("slice: csr input supports step 1 only, got step {}".format(step))
    if not 1 <= len(begin) <= 2 or len(begin) != len(end):
        raise MXNetError("slice: csr input needs begin/end of length 1 or 2, got {} and {}".format(
            begin, end))
    bounds = []
    for ax, (b0, e0) in enumerate(zip(begin, end)):
        n = x._shape[ax]
        s, e, _ = py_slice(b0, e0).indices(n)
        bounds.append((s, max(e, s)))
    if len(bounds) == 1:
        bounds.append((0, x._shape[1]))
    (r0, r1), (c0, c1) = bounds
    rows = _csr_rows(x, r0, r1)
    if (c0, c1) == (0, x._shape[1]):
        return rows
    out = _new("csr", (r1 - r0, c1 - c0), x._dtype, x._ctx)
    b = for_context(x._ctx)

    def fn():
        xp = b.xp
        store = _st(rows)
        indptr, indices = store.aux
        keep = (indices >= c0) & (indices < c1)
        row_of = _row_of(xp, indptr, indices.size)
        ptr = xp.zeros((r1 - r0 + 1,), dtype=_IDX)
        ptr[1:] = xp.cumsum(xp.bincount(row_of[keep], minlength=r1 - r0)) if bool(keep.any()) else 0
        out._chunk.data = _Store(store.values[keep].copy(), [ptr, (indices[keep] - c0).astype(_IDX)])
    _push(fn, [rows], [out], x._ctx, "slice")
    return out


def _lazy_update(op, attrs, inputs, out):
    """An optimizer update with a row_sparse gradient: only the gradient's rows of the weight and
    of the states change (MXNet's lazy update)."""
    n_states = _UPDATE_STATES[op.name]
    if len(inputs) != 2 + n_states:
        raise MXNetError("{}: expects {} inputs, got {}".format(op.name, 2 + n_states, len(inputs)))
    weight, grad = inputs[0], inputs[1]
    states = list(inputs[2:])
    if grad._shape != weight._shape or any(s._shape != weight._shape for s in states):
        raise MXNetError("{}: shape mismatch: weight {}, grad {}, states {}".format(
            op.name, weight._shape, grad._shape, [s._shape for s in states]))
    if out is None:
        out = NDArray(Chunk(), weight._shape, weight._dtype, weight._ctx)
    elif isinstance(out, (list, tuple)):
        out = out[0]
    b = for_context(weight._ctx)
    env = OpEnv(b.xp, False, weight._ctx)

    def fn():
        store = _st(grad)
        idx = store.aux[0]
        w = weight._read()
        g = store.values.astype(weight._dtype, copy=False)
        dense_states = [s._read() for s in states]
        sub_states = [s[idx] for s in dense_states]
        res = op.forward(env, attrs, [w[idx], g], sub_states)[0]
        for s, sub in zip(dense_states, sub_states):
            s[idx] = sub
        for s, d in zip(states, dense_states):
            if isinstance(s, BaseSparseNDArray):
                s._assign(d)
        new_w = w if out is weight and not isinstance(weight, BaseSparseNDArray) else w.copy()
        new_w[idx] = res
        if new_w is not w or out is not weight:
            out._assign(new_w)
    writes = [out] + states
    _push(fn, [weight, grad], writes, weight._ctx, op.name)
    return out


# ---------------------------------------------------------------------------------------------
# functions of mx.nd.sparse
# ---------------------------------------------------------------------------------------------
def cast_storage(data=None, stype=_Null, out=None, name=None, **kwargs):
    """Casts tensor storage type to ``stype`` ('default', 'csr' or 'row_sparse')."""
    if stype is _Null:
        stype = kwargs.pop("stype", _Null)
    if stype is _Null:
        raise MXNetError("Operator cast_storage: required parameter 'stype' is missing")
    if stype not in _STYPES:
        raise MXNetError("Operator cast_storage: invalid value for parameter 'stype': expected one "
                         "of ['csr', 'default', 'row_sparse'], got {!r}".format(stype))
    if not isinstance(data, NDArray):
        raise TypeError("cast_storage: data must be an NDArray, got {}".format(type(data).__name__))
    return _invoke("cast_storage", [data], {"stype": stype}, out)


from .register import _signature as _op_signature  # noqa: E402


def _make(public, opname):
    op = _registry.find_op(opname)
    if op is None:
        return None
    input_names = op.all_input_names()
    param_names = [p.name for p in op.params]
    varargs = op.key_var_num_args

    def fn(*args, out=None, name=None, **kwargs):
        if varargs is not None:
            inputs = list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)
            if any(not isinstance(a, NDArray) for a in inputs):
                raise TypeError("{}: positional arguments must be NDArrays".format(public))
            if kwargs.get(varargs, _Null) is _Null:
                kwargs[varargs] = len(inputs)
            return _invoke(opname, inputs, kwargs, out)
        slots = {}
        for i, a in enumerate(args):
            if i < len(input_names):
                slots[input_names[i]] = a
            elif i - len(input_names) < len(param_names):
                kwargs[param_names[i - len(input_names)]] = a
            else:
                raise TypeError("{}: too many positional arguments".format(public))
        for k in list(kwargs):
            if k in input_names:
                slots[k] = kwargs.pop(k)
        inputs = [slots[n] for n in input_names if slots.get(n) is not None]
        for n, x in slots.items():
            if x is not None and not isinstance(x, NDArray):
                raise TypeError("{}: input '{}' must be an NDArray, got {}".format(
                    public, n, type(x).__name__))
        return _invoke(opname, inputs, kwargs, out)

    fn.__name__ = fn.__qualname__ = public
    fn.__doc__ = "{} (storage-type aware; operator ``{}``).\n\n{}".format(
        public, op.name, op.doc or "")
    fn.__signature__ = _op_signature(op)       # the operator's inputs and parameters, as mx.nd.<op>
    return fn


_FUNCS = {
    "ElementWiseSum": "add_n", "add_n": "add_n", "concat": "Concat", "stop_gradient": "BlockGrad",
    "retain": "_sparse_retain", "gs_retain": "_sparse_retain",
    "adagrad_update": "_sparse_adagrad_update", "broadcast_minus": "broadcast_sub",
    "broadcast_plus": "broadcast_add",
}
for _n in ("Embedding FullyConnected LinearRegressionOutput LogisticRegressionOutput "
           "MAERegressionOutput adam_update broadcast_add broadcast_div broadcast_mul "
           "broadcast_sub clip dot elemwise_add elemwise_div elemwise_mul elemwise_sub "
           "ftrl_update make_loss mean norm sgd_mom_update sgd_update slice sum where "
           "zeros_like").split():
    _FUNCS[_n] = _n
from ..ops.sparse_ops import UNARY as _UNARY  # noqa: E402
for _n in _UNARY:
    _FUNCS[_n] = _n
for _pub, _opn in _FUNCS.items():
    _f = _make(_pub, _opn)
    if _f is not None:
        globals()[_pub] = _f
        __all__.append(_pub)


def _arith(lhs, rhs, ew, bc, lscalar, rscalar, pyfn):
    if isinstance(lhs, NDArray) and isinstance(rhs, NDArray):
        if lhs._shape == rhs._shape:
            return _invoke(ew, [lhs, rhs], {})
        return _invoke(bc, [lhs, rhs], {})
    if isinstance(lhs, NDArray) and isinstance(rhs, numeric_types):
        return _invoke(lscalar, [lhs], {"scalar": rhs})
    if isinstance(rhs, NDArray) and isinstance(lhs, numeric_types):
        if rscalar is None:
            raise TypeError("unsupported operand types")
        return _invoke(rscalar, [rhs], {"scalar": lhs})
    if isinstance(lhs, numeric_types) and isinstance(rhs, numeric_types):
        return pyfn(lhs, rhs)
    if isinstance(rhs, np.ndarray) and isinstance(lhs, NDArray):
        return _arith(lhs, _dense_array(rhs, ctx=lhs._ctx, dtype=lhs._dtype), ew, bc, lscalar,
                      rscalar, pyfn)
    if isinstance(lhs, np.ndarray) and isinstance(rhs, NDArray):
        return _arith(_dense_array(lhs, ctx=rhs._ctx, dtype=rhs._dtype), rhs, ew, bc, lscalar,
                      rscalar, pyfn)
    raise TypeError("type {} and {} not supported".format(type(lhs), type(rhs)))


def add(lhs, rhs):
    """lhs + rhs (arrays of any storage type, or scalars); sparse-aware like MXNet."""
    return _arith(lhs, rhs, "elemwise_add", "broadcast_add", "_plus_scalar", "_plus_scalar",
                  lambda a, b: a + b)


def subtract(lhs, rhs):
    """lhs - rhs (arrays of any storage type, or scalars)."""
    return _arith(lhs, rhs, "elemwise_sub", "broadcast_sub", "_minus_scalar", "_rminus_scalar",
                  lambda a, b: a - b)


def multiply(lhs, rhs):
    """lhs * rhs (arrays of any storage type, or scalars)."""
    return _arith(lhs, rhs, "elemwise_mul", "broadcast_mul", "_mul_scalar", "_mul_scalar",
                  lambda a, b: a * b)


def divide(lhs, rhs):
    """lhs / rhs (arrays of any storage type, or scalars)."""
    return _arith(lhs, rhs, "elemwise_div", "broadcast_div", "_div_scalar", "_rdiv_scalar",
                  lambda a, b: a / b)


def _add_fluent_methods():
    """Fluent methods of sparse arrays keep MXNet's output storage types."""
    from .register import FLUENT_METHODS
    for m in FLUENT_METHODS:
        op = _registry.find_op(m)
        if op is None or m in ("size_array", "shape_array"):
            continue
        f = _make(m, m)

        def method(self, *args, _f=f, **kwargs):
            return _f(self, *args, **kwargs)
        method.__name__ = m
        method.__doc__ = "Convenience method for ``mx.nd.sparse.{}(self, ...)``.".format(m)
        setattr(BaseSparseNDArray, m, method)


_add_fluent_methods()


# ---------------------------------------------------------------------------------------------
# mx.nd.save / mx.nd.load support (called from serialization.py)
# ---------------------------------------------------------------------------------------------
_STYPE_FLAG = {"row_sparse": 1, "csr": 2}


def _record_chunks(arr):
    """Byte chunks of a V2 sparse record (MXNet's layout: values, then aux data)."""
    import struct
    from ..base import DTYPE_TO_FLAG
    store = arr._store()
    values = np.ascontiguousarray(to_numpy(store.values))
    aux = [np.ascontiguousarray(to_numpy(a)) for a in store.aux]   # csr: indptr, indices
    flag = DTYPE_TO_FLAG.get(np.dtype(values.dtype))
    if flag is None:
        raise MXNetError("mx.nd.save: dtype {} cannot be saved".format(values.dtype))

    def tshape(shape):
        return struct.pack("<i", len(shape)) + struct.pack("<%dq" % len(shape), *shape)
    ctx = arr.context
    head = struct.pack("<Ii", 0xF993FAC9, _STYPE_FLAG[arr.stype]) + tshape(values.shape) + \
        tshape(arr.shape) + struct.pack("<iii", ctx.device_typeid, ctx.device_id, flag)
    for a in aux:
        head += struct.pack("<i", DTYPE_TO_FLAG[np.dtype(a.dtype)]) + tshape(a.shape)
    out = [head]
    for a in [values] + aux:
        if a.dtype.itemsize > 1 and a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        out.append(a.reshape(-1).view(np.uint8))
    return out


def _from_record(stype_flag, shape, values, aux, ctx):
    """A sparse NDArray from a validated loaded record (``aux`` as stored: csr indptr, indices)."""
    stype = "row_sparse" if stype_flag == 1 else "csr"
    return _from_parts(stype, shape, values.dtype, ctx, values, [np.asarray(a, dtype=_IDX) for a in aux])


def _install():
    """``mx.nd.cast_storage`` with MXNet's result storage types (the generated registry function
    can only return dense arrays)."""
    from .. import ndarray as _nd
    _nd.cast_storage = cast_storage
    _nd.op.cast_storage = cast_storage


_install()
