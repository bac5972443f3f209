"""NDArray: an n-dimensional array on a device, computed lazily by the engine.

Storage lives in a :class:`Chunk` (backing ``xp`` array + engine variable). An NDArray is a chunk
plus an optional *view*: basic slices on axis 0 and reshapes share their base's chunk (and so its
engine variable), as in MXNet. ``chunk.data`` is only touched from engine ops (or after a sync).
"""
import sys

import numpy as np

from .. import engine
from ..backend import for_context, to_numpy
from ..base import MXNetError, numeric_types, integer_types, to_dtype, _Null
from ..context import Context, current_context, _shared as _shared_ctx

__all__ = ["NDArray", "Chunk", "empty", "array", "waitall"]


class Chunk:
    """Storage shared by an NDArray and its views: the backing array and its engine variable."""
    __slots__ = ("var", "data", "__weakref__")     # (weak: DLPack exports find their chunk)

    def __init__(self, data=None):
        self.var = engine.Var()
        self.data = data


def _resolve(data, view):
    for step in view:
        kind = step[0]
        if kind == "s":
            data = data[step[1]:step[2]]
        elif kind == "i":
            data = data[step[1]]
        else:
            data = data.reshape(step[1])
    return data


class NDArray:
    """An array on a context (``mx.cpu()``/``mx.gpu()``); operations on it run lazily."""
    __slots__ = ("_chunk", "_view", "_shape", "_dtype", "_ctx", "_grad", "_grad_req", "_ag_node",
                 "_fresh", "__weakref__")
    __array_priority__ = 1000.0

    def __init__(self, chunk, shape, dtype, ctx, view=None):
        self._chunk = chunk
        self._view = view
        self._shape = shape
        self._dtype = dtype
        self._ctx = ctx
        self._grad = None
        self._grad_req = "null"
        self._ag_node = None
        self._fresh = 0

    # -- raw access (inside engine ops) ---------------------------------------------------------
    def _read(self):
        """The backing xp array (a view for sliced/reshaped arrays). Only valid inside an engine
        op that reads this array, or after a sync."""
        d = self._chunk.data
        return d if self._view is None else _resolve(d, self._view)

    def _assign(self, value):
        """Store a finished result (exact shape and dtype, owned memory) into this array."""
        if self._view is None:
            self._chunk.data = value
        else:
            self._read()[...] = value

    @property
    def _var(self):
        return self._chunk.var

    # -- attributes -----------------------------------------------------------------------------
    @property
    def shape(self):
        """Tuple of array dimensions."""
        return self._shape

    @property
    def dtype(self):
        """Data type as a NumPy type (``numpy.float32`` ...)."""
        return self._dtype.type

    @property
    def size(self):
        """Number of elements."""
        n = 1
        for s in self._shape:
            n *= s
        return n

    @property
    def ndim(self):
        """Number of dimensions."""
        return len(self._shape)

    @property
    def context(self):
        """The device context of this array."""
        return self._ctx

    ctx = context

    @property
    def stype(self):
        """Storage type; always 'default' (dense)."""
        return "default"

    @property
    def handle(self):
        return self._chunk

    @property
    def writable(self):
        return True

    @property
    def T(self):
        """The transpose (for arrays with at least 2 dimensions; others are returned as is)."""
        if self.ndim < 2:
            return self
        return _op("transpose")(self)

    # -- sync -----------------------------------------------------------------------------------
    def wait_to_read(self):
        """Block until the pending writes of this array finished (raises their errors)."""
        engine.wait_for_var(self._chunk.var)

    def asnumpy(self):
        """A NumPy copy of the array (waits for pending writes)."""
        engine.wait_for_var(self._chunk.var)
        return np.array(to_numpy(self._read()), copy=True)

    def asscalar(self):
        """The value of a one-element array as a NumPy scalar."""
        if self.size != 1:
            raise ValueError("The current array is not a scalar")
        return self.asnumpy().reshape(())[()]

    def __array__(self, dtype=None, copy=None):
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def tolist(self):
        return self.asnumpy().tolist()

    # -- python protocol ------------------------------------------------------------------------
    def __repr__(self):
        shape_info = "x".join("%d" % s for s in self._shape)
        return "\n%s\n<%s %s @%s>" % (str(self.asnumpy()), type(self).__name__, shape_info, self._ctx)

    def __str__(self):
        return self.__repr__()

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of unsized object")
        return self._shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __bool__(self):
        n = self.size
        if n == 0:
            return False
        if n == 1:
            return bool(self.asscalar())
        raise ValueError("The truth value of an NDArray with multiple elements is ambiguous.")

    __hash__ = object.__hash__

    def __reduce__(self):
        return (_from_numpy_state, (self.asnumpy(), str(self._ctx.device_type), self._ctx.device_id))

    # -- copies and conversion ------------------------------------------------------------------
    def copy(self):
        """A deep copy on the same context."""
        return self.copyto(self._ctx)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray, returned) or onto a Context (a new array)."""
        if isinstance(other, Context):
            dst = empty(self._shape, other, self._dtype)
        elif isinstance(other, NDArray):
            if other is self or (other._chunk is self._chunk and other._view == self._view):
                return other
            if other._shape != self._shape:
                raise MXNetError("copyto: shape mismatch: source {} vs destination {}".format(
                    self._shape, other._shape))
            if _autograd.is_recording():
                _autograd._check_assign([other], "_copyto")
            dst = other
        else:
            raise TypeError("copyto does not support type " + str(type(other)))
        _push_copy(self, dst)
        if _autograd.is_recording() and self._ctx == dst._ctx:
            # recorded as MXNet's _copyto (its gradient passes through); a copy to another
            # device is not recorded: the sweep runs on one device
            op = _opdef("_copyto")
            _autograd._record_op(op, op.parse({}), [self], [dst])
        return dst

    def as_in_context(self, context):
        """This array on ``context`` (itself if already there, else a copy)."""
        if self._ctx == context:
            return self
        return self.copyto(context)

    def as_nd_ndarray(self):
        return self

    def as_np_ndarray(self):
        """An ``mx.np.ndarray`` sharing this array's storage and autograd identity (no copy)."""
        from ..numpy._core import _np_view
        return _np_view(self)

    def tostype(self, stype):
        """This array in storage type ``stype`` ('default', 'csr' or 'row_sparse')."""
        from .sparse import cast_storage
        return cast_storage(self, stype=stype)

    def astype(self, dtype, copy=True):
        """A copy cast to ``dtype`` (no copy when ``copy=False`` and the dtype already matches)."""
        dt = to_dtype(dtype)
        if not copy and dt == self._dtype:
            return self
        return _op("Cast")(self, dtype=dt.name)

    def detach(self):
        """The same data, detached from the autograd graph."""
        out = NDArray(self._chunk, self._shape, self._dtype, self._ctx, self._view)
        return out

    # -- shape manipulation ---------------------------------------------------------------------
    def reshape(self, *shape, **kwargs):
        """A view with a new shape; accepts MXNet's special values 0, -1, -2, -3, -4 and ``reverse``."""
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        elif not shape:
            shape = kwargs.pop("shape", None)
            if shape is None:
                raise TypeError("reshape() missing shape")
            shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
        reverse = kwargs.pop("reverse", False)
        if kwargs:
            raise TypeError("reshape() got unexpected keyword arguments: " + ", ".join(kwargs))
        from ..ops.shape_ops import infer_reshape
        new_shape = infer_reshape(self._shape, tuple(shape), reverse, "reshape")
        return self._reshape_view(new_shape)

    def _reshape_view(self, new_shape):
        view = (self._view or ()) + (("r", new_shape),)
        out = NDArray(self._chunk, new_shape, self._dtype, self._ctx, view)
        _record_view(self, out, "reshape", {"shape": new_shape})
        return out

    def reshape_like(self, *args, **kwargs):
        return _op("reshape_like")(self, *args, **kwargs)

    def broadcast_to(self, shape):
        """Broadcast to ``shape`` (dimensions of size 1 are expanded; 0 keeps the size); leading
        dimensions are added when ``shape`` has more of them, as in MXNet."""
        shape = tuple(shape)
        cur = self._shape
        if len(shape) > len(cur):
            cur = (1,) * (len(shape) - len(cur)) + cur
            if any(c != 1 and c != s and s != 0 for c, s in zip(cur, shape)):
                raise ValueError("operands could not be broadcast together with remapped shapes "
                                 "[original->remapped]: {} and requested shape {}".format(self._shape, shape))
            return self.reshape(cur).broadcast_to(shape)
        return _op("broadcast_to")(self, shape=shape)

    def broadcast_like(self, other):
        return _op("broadcast_like")(self, other)

    def expand_dims(self, axis, inplace=False):
        """Insert a dimension of size 1 at ``axis``."""
        nd = self.ndim + 1
        if not -nd <= axis < nd:
            raise MXNetError("expand_dims: axis {} out of range for {}-d input".format(axis, self.ndim))
        axis %= nd
        return self._reshape_view(self._shape[:axis] + (1,) + self._shape[axis:]) if inplace \
            else _op("expand_dims")(self, axis=axis)

    def flatten(self, inplace=False):
        """Collapse all dimensions but the first: shape (d0, d1*...*dk)."""
        shape = (self._shape[0], int(np.prod(self._shape[1:], dtype=np.int64))) if self._shape else (1, 1)
        return self._reshape_view(shape) if inplace else _op("Flatten")(self)

    def diag(self, k=0, **kwargs):
        return _op("diag")(self, k=k, **kwargs)

    def split(self, *args, **kwargs):
        return _op("split")(self, *args, **kwargs)

    def split_v2(self, indices_or_sections, axis=0, squeeze_axis=False):
        """Convenience method for ``mx.nd.split_v2(self, ...)``: equal sections or split points."""
        from .utils import split_v2
        return split_v2(self, indices_or_sections, axis=axis, squeeze_axis=squeeze_axis)

    # -- slice assignment and DLPack ------------------------------------------------------------
    def slice_assign(self, rhs, begin, end, step):
        """Assign ``rhs`` to the crop ``begin:end:step`` (tuples, ``None`` entries allowed) of this
        array in place; ``rhs`` has the crop's shape and this array's dtype. Returns this array."""
        return _op("_slice_assign")(self, rhs, begin=begin, end=end, step=step, out=self)

    def slice_assign_scalar(self, value, begin, end, step):
        """Assign the scalar ``value`` (cast to this array's dtype) to the crop ``begin:end:step``
        of this array in place. Returns this array."""
        return _op("_slice_assign_scalar")(self, scalar=value, begin=begin, end=end, step=step, out=self)

    def to_dlpack_for_read(self):
        """A DLPack capsule of this array for reading (see ``mx.nd.to_dlpack_for_read``)."""
        from .interop import to_dlpack_for_read
        return to_dlpack_for_read(self)

    def to_dlpack_for_write(self):
        """A DLPack capsule of this array for writing (see ``mx.nd.to_dlpack_for_write``)."""
        from .interop import to_dlpack_for_write
        return to_dlpack_for_write(self)

    # -- indexing -------------------------------------------------------------------------------
    def __getitem__(self, key):
        view = _basic_view(self, key)
        if view is not None:
            return view
        return _indexing.getitem(self, key)

    def __setitem__(self, key, value):
        _indexing.setitem(self, key, value)

    # -- arithmetic -----------------------------------------------------------------------------
    def __add__(self, other):
        return _binary(self, other, "broadcast_add", "_plus_scalar")

    __radd__ = __add__

    def __iadd__(self, other):
        return _binary(self, other, "broadcast_add", "_plus_scalar", out=self)

    def __sub__(self, other):
        return _binary(self, other, "broadcast_sub", "_minus_scalar")

    def __rsub__(self, other):
        return _binary(self, other, None, "_rminus_scalar")

    def __isub__(self, other):
        return _binary(self, other, "broadcast_sub", "_minus_scalar", out=self)

    def __mul__(self, other):
        return _binary(self, other, "broadcast_mul", "_mul_scalar")

    __rmul__ = __mul__

    def __imul__(self, other):
        return _binary(self, other, "broadcast_mul", "_mul_scalar", out=self)

    def __truediv__(self, other):
        return _binary(self, other, "broadcast_div", "_div_scalar")

    def __rtruediv__(self, other):
        return _binary(self, other, None, "_rdiv_scalar")

    def __itruediv__(self, other):
        return _binary(self, other, "broadcast_div", "_div_scalar", out=self)

    __div__ = __truediv__
    __rdiv__ = __rtruediv__
    __idiv__ = __itruediv__

    def __mod__(self, other):
        return _binary(self, other, "broadcast_mod", "_mod_scalar")

    def __rmod__(self, other):
        return _binary(self, other, None, "_rmod_scalar")

    def __imod__(self, other):
        return _binary(self, other, "broadcast_mod", "_mod_scalar", out=self)

    def __pow__(self, other):
        return _binary(self, other, "broadcast_power", "_power_scalar")

    def __rpow__(self, other):
        return _binary(self, other, None, "_rpower_scalar")

    def __neg__(self):
        return _op("negative")(self)

    def __abs__(self):
        return _op("abs")(self)

    def __eq__(self, other):
        return _binary(self, other, "broadcast_equal", "_equal_scalar")

    def __ne__(self, other):
        return _binary(self, other, "broadcast_not_equal", "_not_equal_scalar")

    def __gt__(self, other):
        return _binary(self, other, "broadcast_greater", "_greater_scalar")

    def __ge__(self, other):
        return _binary(self, other, "broadcast_greater_equal", "_greater_equal_scalar")

    def __lt__(self, other):
        return _binary(self, other, "broadcast_lesser", "_lesser_scalar")

    def __le__(self, other):
        return _binary(self, other, "broadcast_lesser_equal", "_lesser_equal_scalar")

    # -- autograd hooks (the tape itself lives in mxnet.autograd) --------------------------------
    def attach_grad(self, grad_req="write", stype=None):
        """Allocate a gradient buffer (zeros) and mark this array as a variable for autograd.
        ``stype`` 'row_sparse' or 'csr' makes the buffer sparse: backward then stores the
        gradient in that storage type (a row_sparse gradient keeps the rows that are not all zero,
        or, from Embedding(sparse_grad=True), every looked-up row as MXNet)."""
        if grad_req not in ("write", "add", "null"):
            raise MXNetError("attach_grad: grad_req must be 'write', 'add' or 'null', got %r" % grad_req)
        if stype is not None and stype != "default":
            from .sparse import zeros as sparse_zeros      # (ValueError for an unknown stype)
            self._grad = sparse_zeros(stype, self._shape, ctx=self._ctx, dtype=self._dtype)
        else:
            self._grad = _op("zeros_like")(self)
        self._grad_req = grad_req
        self._ag_node = None
        self._fresh = 0

    @property
    def _fresh_grad(self):
        """1 once a ``backward`` wrote this variable's gradient, until reset (Gluon's Trainer
        resets it at each update and refuses stale gradients, as MXNet)."""
        return self._fresh

    @_fresh_grad.setter
    def _fresh_grad(self, state):
        self._fresh = int(bool(state))

    @property
    def grad(self):
        """The gradient buffer attached by ``attach_grad`` (None otherwise)."""
        return self._grad

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Compute gradients of this array with respect to the marked variables."""
        _autograd.backward([self], [out_grad] if out_grad is not None else None,
                           retain_graph=retain_graph, train_mode=train_mode)


_OPS = {}


def _op(name):
    """The generated ``mx.nd`` function of registry op ``name`` (cached)."""
    f = _OPS.get(name)
    if f is None:
        from .register import make_function
        from ..ops.registry import get_op
        f = _OPS[name] = make_function(get_op(name), name)
    return f


_OPDEFS = {}


def _opdef(name):
    d = _OPDEFS.get(name)
    if d is None:
        from ..ops.registry import get_op
        d = _OPDEFS[name] = get_op(name)
    return d


def _binary(lhs, rhs, nd_op, scalar_op, out=None):
    # Python operators call the registry op directly (they are the hottest path of all).
    # An operand only this expression holds (``W - G * lr``'s right side) may lend its memory to
    # the result: one allocation and one pass over fresh memory less (see invoke_dense).
    limit = _DONATE_REFS if _DONATE_REFS is not None else _donate_refs()
    if isinstance(rhs, NDArray):
        if nd_op is None:
            raise TypeError("unsupported operand types")
        donate = None
        if out is None:
            if _getrefcount(rhs) <= limit:
                donate = 1
            elif _getrefcount(lhs) <= limit:
                donate = 0
        if _calibration is not None:
            _calibration.append(_getrefcount(rhs))
        op = _OPDEFS.get(nd_op) or _opdef(nd_op)
        if type(lhs) is NDArray and type(rhs) is NDArray and lhs._view is None and rhs._view is None:
            if out is None and op.ufunc is not None:
                r = _imperative.ufunc_now(op, lhs, rhs, None, donate)
                if r is not None:
                    return r
            return _imperative.invoke_dense(op, [lhs, rhs], None, out, True, donate)
        return _imperative.invoke(op, [lhs, rhs], None, out, donate)
    if isinstance(rhs, numeric_types):
        donate = 0 if out is None and _getrefcount(lhs) <= limit else None
        op = _OPDEFS.get(scalar_op) or _opdef(scalar_op)
        if type(lhs) is NDArray and lhs._view is None:
            if out is None and op.ufunc is not None:
                r = _imperative.ufunc_now(op, lhs, None, rhs, donate)
                if r is not None:
                    return r
            return _imperative.invoke_dense(op, [lhs], {"scalar": rhs}, out, True, donate)
        return _imperative.invoke(op, [lhs], {"scalar": rhs}, out, donate)
    if isinstance(rhs, np.ndarray):
        return _binary(lhs, array(rhs, ctx=lhs._ctx, dtype=lhs._dtype), nd_op, scalar_op, out)
    return NotImplemented


_getrefcount = sys.getrefcount
_DONATE_REFS = None     # references an unnamed operand has inside _binary (see _donate_refs)
_calibration = None


def _donate_refs():
    """How many references an operand only the expression holds has inside ``_binary``,
    measured once on this interpreter (``a - (b * 1)`` against ``a - b``); 0 (never lend
    memory) when a temporary and a named array cannot be told apart."""
    global _DONATE_REFS, _calibration
    _DONATE_REFS = 0            # (no lending while probing)
    seen = _calibration = []
    try:
        a = NDArray(Chunk(np.zeros(1, np.float32)), (1,), np.dtype(np.float32), Context("cpu", 0))
        b = NDArray(Chunk(np.zeros(1, np.float32)), (1,), np.dtype(np.float32), Context("cpu", 0))
        a - NDArray(Chunk(np.zeros(1, np.float32)), (1,), np.dtype(np.float32), Context("cpu", 0))
        a - b
    finally:
        _calibration = None
    temp, named = seen
    _DONATE_REFS = temp if temp < named else 0
    return _DONATE_REFS


def _record_view(src, out, kind, params):
    if _autograd.is_recording():
        _autograd._record_view(src, out, kind, params)


def _basic_view(arr, key):
    """A memory-sharing view for an int or step-1 slice on axis 0, else None."""
    if not arr._shape:
        return None
    n = arr._shape[0]
    if isinstance(key, integer_types) and not isinstance(key, bool):
        k = int(key)
        if not -n <= k < n:
            raise IndexError("index {} is out of bounds for axis 0 with size {}".format(key, n))
        k %= n
        if arr.ndim == 1:   # MXNet 1.x has no 0-d results here: x[i] has shape (1,)
            step, shape = ("s", k, k + 1), (1,)
        else:
            step, shape = ("i", k), arr._shape[1:]
    elif isinstance(key, slice) and (key.step is None or key.step == 1):
        start, stop, _ = key.indices(n)
        stop = max(stop, start)
        step, shape = ("s", start, stop), (stop - start,) + arr._shape[1:]
    else:
        return None
    out = NDArray(arr._chunk, shape, arr._dtype, arr._ctx, (arr._view or ()) + (step,))
    _record_view(arr, out, "index", {"key": key})
    return out


def _push_copy(src, dst):
    """Copy src into dst through the engine (across devices too)."""
    b = for_context(dst._ctx)
    dtype = dst._dtype
    same = src._ctx == dst._ctx

    def fn():
        data = src._read()
        if same:
            r = data.astype(dtype, copy=True)
        else:
            r = b.asarray(data, dtype=dtype)
        dst._assign(r)

    engine.push(fn, (src._chunk.var,), (dst._chunk.var,), dst._ctx,
                kind="compute" if same else "copy", inline=inline_hint(dst._ctx, src.size) if same else False,
                name="_copyto")


_INLINE_MAX = 16384


def inline_hint(ctx, size=None):
    """The engine's ``inline`` hint for an op on ``ctx`` touching ``size`` elements: tiny CPU ops
    run inline when ready, larger CPU ops on the pushing thread only when the device's queue is
    idle (a hand-off to the worker costs more than it saves under the GIL), GPU ops always queue."""
    if ctx.device_typeid == 2:      # gpu
        return False
    return True if size is not None and size <= _INLINE_MAX else "idle"


def _from_numpy_state(a, devtype, devid):
    return array(a, ctx=_shared_ctx(devtype, devid), dtype=a.dtype)


def empty(shape, ctx=None, dtype=None, stype=None):
    """An uninitialised array of ``shape`` (float32 by default); ``stype`` 'csr'/'row_sparse'
    gives an empty sparse array."""
    if stype is not None and stype != "default":
        from .sparse import empty as _sparse_empty
        return _sparse_empty(stype, shape, ctx=ctx, dtype=dtype)
    if isinstance(shape, integer_types):
        shape = (int(shape),)
    shape = tuple(int(s) for s in shape)
    ctx = current_context() if ctx is None else ctx
    if isinstance(ctx, str):
        ctx = _parse_ctx(ctx)
    dt = to_dtype(dtype)
    b = for_context(ctx)
    with b.device_scope():
        data = b.xp.empty(shape, dtype=dt)
    return NDArray(Chunk(data), shape, dt, ctx)


def _parse_ctx(s):
    s = s.strip()
    if "(" in s:
        name, rest = s.split("(", 1)
        return _shared_ctx(name, int(rest.rstrip(")") or 0))
    return _shared_ctx(s, 0)


def array(source_array, ctx=None, dtype=None):
    """An NDArray copied from ``source_array`` (NDArray, NumPy array, list or scalar).

    The dtype defaults to the source NDArray/NumPy array's dtype, else float32."""
    ctx = current_context() if ctx is None else ctx
    if isinstance(source_array, NDArray):
        dt = to_dtype(dtype, source_array._dtype)
        src = source_array.as_in_context(ctx) if source_array._ctx != ctx else source_array
        return src.astype(dt) if dt != src._dtype else src.copy()
    dt = to_dtype(dtype)   # MXNet: float32 unless given, whatever the source's dtype
    if not isinstance(source_array, np.ndarray):
        try:
            source_array = np.array(source_array, dtype=dt)
        except (ValueError, TypeError) as e:
            raise TypeError("source_array must be array like object: {}".format(e)) from None
    b = for_context(ctx)
    data = b.asarray(source_array, dtype=dt)
    return NDArray(Chunk(data), tuple(data.shape), dt, ctx)




def waitall():
    """Wait for all pending operations to finish; raises the first error not raised yet."""
    engine.wait_all()


# Bound after the definitions above (these modules import this one); module attributes, so the
# hot paths (operators, indexing, views) skip a per-call import.
from .. import autograd as _autograd  # noqa: E402
from . import imperative as _imperative  # noqa: E402
from . import indexing as _indexing  # noqa: E402
