"""Core of ``mx.np``: the NumPy-semantics ``ndarray`` and the machinery that runs NumPy functions on it.

``ndarray`` is a subclass of the classic :class:`~mxnet.ndarray.NDArray` with the same storage (a
chunk + engine variable), so ``nd.as_np_ndarray()`` / ``x.as_nd_ndarray()`` are zero-copy and every
registry operator accepts it. Functions run in one of two ways:

* through a registry operator (``_reg``): lazy, recorded by autograd with the operator's backward;
* through a private (unregistered) operator wrapping a NumPy function (``_apply``): the inputs are
  waited for, the function runs, and the results are wrapped; the call is recorded on the autograd
  tape with a hand-written vector-Jacobian product when there is one, otherwise with a backward that
  raises a clear MXNetError (and ``backward()`` checks that before it starts).
"""
import numpy as _onp

from .. import engine as _engine
from .. import autograd as _ag
from ..base import MXNetError, integer_types
from ..context import current_context
from ..ndarray.ndarray import NDArray, Chunk, _parse_ctx, _basic_view, inline_hint
from ..ndarray import imperative as _imperative
from ..ops.registry import OpDef, Attrs, get_op

__all__ = ["ndarray"]

_SUPPORTED = {_onp.dtype(t) for t in ("float16", "float32", "float64", "uint8", "int8", "int32",
                                      "int64", "bool")}


def _ctx_of(ctx):
    if ctx is None:
        return current_context()
    if isinstance(ctx, str):
        return _parse_ctx(ctx)
    return ctx


def _is_arr(x):
    return isinstance(x, NDArray)


def _np_dtype(dtype, default=None):
    """A numpy.dtype for ``dtype`` (name, type, mx dtype); None -> ``default``."""
    if dtype is None:
        return None if default is None else _onp.dtype(default)
    dt = _onp.dtype(dtype)
    if dt not in _SUPPORTED:
        raise MXNetError("mx.np: dtype {} is not supported; supported: {}".format(
            dt, ", ".join(sorted(str(d) for d in _SUPPORTED))))
    return dt


def _wrap_raw(r, ctx, dtype=None):
    """An ``ndarray`` owning the xp array ``r`` (converted to ``dtype`` when given)."""
    from ..backend import for_context
    xp = for_context(ctx).xp
    if not isinstance(r, xp.ndarray):
        r = xp.asarray(r)
    if dtype is not None and r.dtype != dtype:
        r = r.astype(dtype)
    if r.dtype not in _SUPPORTED:
        if r.dtype.kind == "f":
            r = r.astype(_onp.float64)
        elif r.dtype.kind in "iu":
            r = r.astype(_onp.int64)
        else:
            raise MXNetError("mx.np: result dtype {} is not supported".format(r.dtype))
    if not r.flags.c_contiguous or r.base is not None:
        r = xp.ascontiguousarray(r).copy() if r.base is not None else xp.ascontiguousarray(r)
    return ndarray(Chunk(r), tuple(r.shape), _onp.dtype(r.dtype), ctx)


def _as_np(x):
    """``x`` (a fresh op output or any NDArray) as an ``ndarray``; fresh outputs switch class."""
    if type(x) is ndarray or x is None:
        return x
    if type(x) is NDArray:
        x.__class__ = ndarray
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_as_np(v) for v in x)
    return x


def _np_view(x):
    """A zero-copy ``ndarray`` sharing ``x``'s storage (and its autograd identity)."""
    if isinstance(x, ndarray):
        return x
    out = ndarray(x._chunk, x._shape, x._dtype, x._ctx, x._view)
    out._grad, out._grad_req, out._ag_node = x._grad, x._grad_req, x._ag_node
    return out


def _nd_view(x):
    out = NDArray(x._chunk, x._shape, x._dtype, x._ctx, x._view)
    out._grad, out._grad_req, out._ag_node = x._grad, x._grad_req, x._ag_node
    return out


def _reg(name, inputs, out=None, **kwargs):
    """Run registry operator ``name`` (lazy, differentiable) and return ``ndarray`` outputs."""
    res = _imperative.invoke(get_op(name), list(inputs), kwargs or None, out)
    return _as_np(res)


# -- private operators wrapping NumPy functions -------------------------------------------------

class _NpFuncOp(OpDef):
    """An unregistered operator: ``attrs['fn'](xp, raw_inputs) -> array or tuple``;
    ``attrs['vjp'](xp, raw_inputs, raw_outputs, out_grads) -> input grads`` (or None)."""

    def __init__(self, name):
        super().__init__("_np_" + name, self._forward, params=(),
                         inputs=lambda attrs: ["arg%d" % i for i in range(attrs["n"])],
                         backward=self._backward)
        self.np_name = name

    def parse(self, kwargs):
        return kwargs

    @staticmethod
    def _forward(env, attrs, inputs, aux):
        r = attrs["fn"](env.xp, list(inputs))
        return tuple(r) if isinstance(r, (tuple, list)) else (r,)

    def _backward(self, env, attrs, inputs, outputs, out_grads, req):
        vjp = attrs.get("vjp")
        if vjp is None:
            raise MXNetError("mx.np.{} is not differentiable: its result cannot be backpropagated "
                             "through (compute it outside autograd.record() or detach it)".format(
                                 self.np_name))
        grads = vjp(env.xp, list(inputs), list(outputs), list(out_grads))
        res = []
        for g, x in zip(grads, inputs):
            if g is None:
                res.append(None)
                continue
            g = env.xp.asarray(g)
            if g.shape != x.shape:
                g = _reduce_to(env.xp, g, x.shape)
            res.append(g.astype(x.dtype, copy=False))
        return res


_OPS = {}


def _opdef(name):
    op = _OPS.get(name)
    if op is None:
        op = _OPS[name] = _NpFuncOp(name)
    return op


def _reduce_to(xp, g, shape):
    """Sum a broadcast gradient ``g`` down to ``shape``."""
    if g.shape == tuple(shape):
        return g
    nd = g.ndim - len(shape)
    if nd > 0:
        g = g.sum(axis=tuple(range(nd)))
    axes = tuple(i for i, (a, b) in enumerate(zip(g.shape, shape)) if b == 1 and a != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape)


def _tracked(x):
    return x._ag_node is not None or (x._grad is not None and x._grad_req != "null")


def _apply(name, fn, inputs, vjp=None, out_dtypes=None, out=None, ctx=None, shapes=None):
    """Run ``fn(xp, raw_inputs)`` on the ``ndarray`` inputs and wrap its result(s).

    ``out_dtypes``: a dtype (or list) forced on the results; ``shapes``: the output shapes when
    known in advance (the call is then pushed lazily to the engine instead of waiting)."""
    inputs = list(inputs)
    if ctx is None:
        ctx = inputs[0]._ctx if inputs else current_context()
    op = _opdef(name)
    attrs = Attrs(fn=fn, vjp=vjp, n=len(inputs))
    from ..backend import for_context
    backend = for_context(ctx)
    if shapes is not None:
        single = not isinstance(shapes, list)
        shapes_l = [shapes] if single else shapes
        dts = out_dtypes if isinstance(out_dtypes, list) else [out_dtypes] * len(shapes_l)
        outs = [ndarray(Chunk(), tuple(s), _onp.dtype(d), ctx) for s, d in zip(shapes_l, dts)]

        def run():
            raw = [x._read() for x in inputs]
            with backend.device_scope():
                res = fn(backend.xp, raw)
            res = res if isinstance(res, (tuple, list)) else (res,)
            for o, r in zip(outs, res):
                r = backend.xp.asarray(r)
                if r.dtype != o._dtype:
                    r = r.astype(o._dtype)
                if r.shape != o._shape:
                    r = r.reshape(o._shape)
                if r.base is not None or not r.flags.c_contiguous or any(r is q for q in raw):
                    r = r.copy()
                o._chunk.data = r

        size = sum(x.size for x in inputs) + sum(o.size for o in outs)
        _engine.push(run, [x._chunk.var for x in inputs], [o._chunk.var for o in outs], ctx,
                     inline=inline_hint(ctx, size), name="_np_" + name)
        result = outs[0] if single else outs
    else:
        for x in inputs:
            x.wait_to_read()
        raw = [x._read() for x in inputs]
        with backend.device_scope():
            try:
                res = fn(backend.xp, raw)
            except MXNetError:
                raise
            except (ValueError, IndexError, TypeError) as e:
                raise type(e)("mx.np.{}: {}".format(name, e)) from None
        single = not isinstance(res, (tuple, list))
        res = [res] if single else list(res)
        if out_dtypes is None:
            dts = [None] * len(res)
        elif isinstance(out_dtypes, list):
            dts = out_dtypes
        else:
            dts = [out_dtypes] * len(res)
        outs = [_wrap_raw(r, ctx, d) for r, d in zip(res, dts)]
        result = outs[0] if single else outs
    if _ag.is_recording() and any(_tracked(x) for x in inputs) and (
            vjp is not None or any(o._dtype.kind == "f" for o in outs)):
        # (integer/boolean results of non-differentiable functions carry no gradient: unrecorded)
        _ag._record_op(op, attrs, inputs, outs, [])
    if out is not None:
        _copy_into(out, result)
        return out
    return result


def _copy_into(out, res):
    if not isinstance(out, NDArray):
        raise TypeError("out must be an mx.np.ndarray, got {}".format(type(out)))
    if out.shape != res.shape:
        raise MXNetError("out has shape {} but the result has shape {}".format(out.shape, res.shape))
    res.copyto(out)


def _check_differentiable(heads):
    """Raise MXNetError now when the graph of ``heads`` crosses a non-differentiable mx.np call."""
    seen, stack = set(), [h._ag_node[0] for h in heads if h._ag_node is not None]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.op, _NpFuncOp) and node.attrs.get("vjp") is None:
            raise MXNetError("mx.np.{} is not differentiable: its result cannot be backpropagated "
                             "through".format(node.op.np_name))
        for x in node.inputs:
            if x._ag_node is not None:
                stack.append(x._ag_node[0])


# -- dtype rules (MXNet's np front end) ---------------------------------------------------------

def _result_type(*dts):
    """MXNet np promotion for array-array operations: a float beats any int (keeping its own
    width), otherwise the wider type wins; bool yields to anything."""
    dts = [_onp.dtype(d) for d in dts]
    floats = [d for d in dts if d.kind == "f"]
    if floats:
        return max(floats, key=lambda d: d.itemsize)
    ints = [d for d in dts if d.kind in "iu"]
    if ints:
        return _onp.result_type(*ints)
    return dts[0]


# -- the ndarray ---------------------------------------------------------------------------------

def _key_inputs(key):
    """Replace mx arrays inside an index ``key`` by placeholders; returns (template, arrays)."""
    arrays = []

    def sub(k):
        if isinstance(k, NDArray):
            arrays.append(k)
            return _Slot(len(arrays) - 1)
        if isinstance(k, tuple):
            return tuple(sub(v) for v in k)
        if isinstance(k, list):
            return [sub(v) for v in k]
        return k
    return sub(key), arrays


class _Slot:
    __slots__ = ("i",)

    def __init__(self, i):
        self.i = i


def _fill_key(tmpl, raw):
    if isinstance(tmpl, _Slot):
        return raw[tmpl.i]
    if isinstance(tmpl, tuple):
        return tuple(_fill_key(v, raw) for v in tmpl)
    if isinstance(tmpl, list):
        r = [_fill_key(v, raw) for v in tmpl]
        return r
    return tmpl


def _index_vjp(fn_of_x, n_in_arrays=1):
    """VJP for functions that only move/copy elements of their first input (indexing, flips,
    tiles...): trace them on an array of element ids and scatter the gradient back."""
    def vjp(xp, ins, outs, ogs):
        x = ins[0]
        ids = xp.arange(1, x.size + 1, dtype=xp.int64).reshape(x.shape)
        m = fn_of_x(xp, [ids] + ins[1:])
        g = xp.bincount(xp.asarray(m).ravel(), weights=ogs[0].ravel().astype(xp.float64),
                        minlength=x.size + 1)[1:]
        return [g.reshape(x.shape)] + [None] * (len(ins) - 1)
    return vjp


class ndarray(NDArray):
    """An array with NumPy semantics (``mx.np.ndarray``): 0-d arrays, NumPy broadcasting, dtype
    promotion, indexing and reductions; shares storage with the classic NDArray."""
    __slots__ = ()

    @property
    def dtype(self):
        """Data type as a ``numpy.dtype`` (``dtype('float32')``), as NumPy and MXNet's np."""
        return self._dtype

    # -- conversion --------------------------------------------------------------------------
    def as_nd_ndarray(self):
        """The classic NDArray over the same storage (zero-copy)."""
        return _nd_view(self)

    def as_np_ndarray(self):
        return self

    def asnumpy(self):
        return super().asnumpy()

    def item(self, *args):
        return self.asnumpy().item(*args)

    def __float__(self):
        if self.size != 1:
            raise TypeError("only size-1 arrays can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self.size != 1:
            raise TypeError("only size-1 arrays can be converted to Python scalars")
        return int(self.item())

    def __index__(self):
        if self.ndim == 0 and self._dtype.kind in "iu":
            return int(self.item())
        raise TypeError("only integer scalar arrays can be converted to a scalar index")

    def __bool__(self):
        if self.size == 1:
            return bool(self.item())
        if self.size == 0:
            return False
        raise ValueError("The truth value of an ndarray with multiple elements is ambiguous.")

    def __repr__(self):
        a = self.asnumpy()
        s = repr(a)
        dt = self._dtype
        if dt == _onp.float32:
            s = s.replace(", dtype=float32", "")
        elif "dtype=" not in s and dt.kind != "b":
            s = s[:-1] + ", dtype={})".format(dt.name)
        if self._ctx.device_typeid != 1:
            s = s[:-1] + ", ctx={})".format(self._ctx)
        return s

    def __str__(self):
        return str(self.asnumpy())

    def __format__(self, spec):
        if self.ndim == 0:
            return format(self.item(), spec)
        return format(str(self), spec)

    def __hash__(self):
        raise NotImplementedError("mxnet.numpy.ndarray is not hashable")

    def __reduce__(self):
        return (_np_from_state, (self.asnumpy(), str(self._ctx.device_type), self._ctx.device_id))

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of unsized object")
        return self._shape[0]

    def __array__(self, dtype=None, copy=None):
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype, copy=False)

    def tolist(self):
        return self.asnumpy().tolist()

    @property
    def T(self):
        return self.transpose()

    def copy(self, order="C"):
        return _as_np(super().copy())

    def copyto(self, other):
        return _as_np(super().copyto(other))

    def as_in_context(self, context):
        return _as_np(super().as_in_context(context))

    as_in_ctx = as_in_context
    to_device = as_in_context

    @property
    def ctx(self):
        return self._ctx

    @property
    def device(self):
        return self._ctx

    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True):
        dt = _np_dtype(dtype)
        if not copy and dt == self._dtype:
            return self
        if dt.kind == "b" or self._dtype.kind == "b":
            return _apply("astype", lambda xp, r: r[0].astype(dt), [self], out_dtypes=dt,
                          shapes=self._shape)
        return _reg("Cast", [self], dtype=dt.name)

    def detach(self):
        return ndarray(self._chunk, self._shape, self._dtype, self._ctx, self._view)

    def attach_grad(self, grad_req="write"):    # pylint: disable=arguments-differ
        """Attach a gradient buffer (MXNet's np arrays take no ``stype``: always dense)."""
        super().attach_grad(grad_req)
        self._grad = _as_np(self._grad)

    @property
    def grad(self):
        g = self._grad
        return None if g is None else (g if type(g) is ndarray else _np_view(g))

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        _check_differentiable([self])
        super().backward(out_grad, retain_graph, train_mode)

    def wait_to_read(self):
        super().wait_to_read()

    # -- shape manipulation --------------------------------------------------------------------
    def reshape(self, *shape, order="C", **kwargs):
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        elif not shape:
            shape = kwargs.pop("newshape", kwargs.pop("shape", None))
            if shape is None:
                raise TypeError("reshape() missing required argument 'shape'")
            shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
        if kwargs:
            raise TypeError("reshape() got unexpected keyword arguments: " + ", ".join(kwargs))
        shape = tuple(int(s) for s in shape)
        n_unknown = sum(1 for s in shape if s == -1)
        if n_unknown > 1 or any(s < -1 for s in shape):
            raise MXNetError("reshape: invalid target shape {} (at most one -1, no other negative "
                             "sizes)".format(shape))
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if n_unknown:
            if known == 0 or self.size % known:
                raise MXNetError("reshape: cannot reshape array of size {} into shape {}".format(
                    self.size, shape))
            shape = tuple(self.size // known if s == -1 else s for s in shape)
        elif known != self.size:
            raise MXNetError("reshape: cannot reshape array of size {} into shape {}".format(
                self.size, shape))
        return _as_np(self._reshape_view(shape))

    def _reshape_view(self, new_shape):
        return _as_np(NDArray._reshape_view(self, tuple(new_shape)))

    def flatten(self, order="C"):
        return self.reshape(-1)

    def ravel(self, order="C"):
        return self.reshape(-1)

    def __getitem__(self, key):
        return _getitem(self, key)

    def __setitem__(self, key, value):
        _setitem(self, key, value)

    def __iter__(self):
        if not self._shape:
            raise TypeError("iteration over a 0-d array")
        for i in range(self._shape[0]):
            yield self[i]

    # -- operators -----------------------------------------------------------------------------
    def __add__(self, o): return _F.add(self, o)
    def __radd__(self, o): return _F.add(o, self)
    def __sub__(self, o): return _F.subtract(self, o)
    def __rsub__(self, o): return _F.subtract(o, self)
    def __mul__(self, o): return _F.multiply(self, o)
    def __rmul__(self, o): return _F.multiply(o, self)
    def __truediv__(self, o): return _F.true_divide(self, o)
    def __rtruediv__(self, o): return _F.true_divide(o, self)
    __div__, __rdiv__ = __truediv__, __rtruediv__
    def __floordiv__(self, o): return _F.floor_divide(self, o)
    def __rfloordiv__(self, o): return _F.floor_divide(o, self)
    def __mod__(self, o): return _F.mod(self, o)
    def __rmod__(self, o): return _F.mod(o, self)
    def __pow__(self, o): return _F.power(self, o)
    def __rpow__(self, o): return _F.power(o, self)
    def __matmul__(self, o): return _F.matmul(self, o)
    def __rmatmul__(self, o): return _F.matmul(o, self)
    def __neg__(self): return _F.negative(self)
    def __pos__(self): return self
    def __abs__(self): return _F.absolute(self)
    def __invert__(self): return _F.invert(self)
    def __and__(self, o): return _F.bitwise_and(self, o)
    def __or__(self, o): return _F.bitwise_or(self, o)
    def __xor__(self, o): return _F.bitwise_xor(self, o)
    __rand__, __ror__, __rxor__ = __and__, __or__, __xor__
    def __eq__(self, o): return _F.equal(self, o)
    def __ne__(self, o): return _F.not_equal(self, o)
    def __lt__(self, o): return _F.less(self, o)
    def __le__(self, o): return _F.less_equal(self, o)
    def __gt__(self, o): return _F.greater(self, o)
    def __ge__(self, o): return _F.greater_equal(self, o)

    def _inplace(self, res):
        if res.shape != self.shape:
            raise ValueError("non-broadcastable output operand with shape {} doesn't match the "
                             "broadcast shape {}".format(self.shape, res.shape))
        if _ag.is_recording() and _tracked(self):
            raise MXNetError("in-place operation on an array that autograd is recording is not "
                             "supported; use x = x + y")
        if res._dtype != self._dtype:
            res = res.astype(self._dtype)
        res.copyto(self)
        return self

    def __iadd__(self, o): return self._inplace(_F.add(self, o))
    def __isub__(self, o): return self._inplace(_F.subtract(self, o))
    def __imul__(self, o): return self._inplace(_F.multiply(self, o))
    def __itruediv__(self, o): return self._inplace(_F.true_divide(self, o))
    __idiv__ = __itruediv__
    def __imod__(self, o): return self._inplace(_F.mod(self, o))
    def __ipow__(self, o): return self._inplace(_F.power(self, o))

    # -- fluent methods (NumPy's ndarray methods) -------------------------------------------
    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        return _F.sum(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        return _F.mean(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    def max(self, axis=None, out=None, keepdims=False):
        return _F.max(self, axis=axis, out=out, keepdims=keepdims)

    def min(self, axis=None, out=None, keepdims=False):
        return _F.min(self, axis=axis, out=out, keepdims=keepdims)

    def prod(self, axis=None, dtype=None, out=None, keepdims=False):
        return _F.prod(self, axis=axis, dtype=dtype, out=out, keepdims=keepdims)

    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return _F.std(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)

    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return _F.var(self, axis=axis, dtype=dtype, out=out, ddof=ddof, keepdims=keepdims)

    def argmax(self, axis=None, out=None):
        return _F.argmax(self, axis=axis, out=out)

    def argmin(self, axis=None, out=None):
        return _F.argmin(self, axis=axis, out=out)

    def cumsum(self, axis=None, dtype=None, out=None):
        return _F.cumsum(self, axis=axis, dtype=dtype, out=out)

    def all(self, axis=None, out=None, keepdims=False):
        return _F.all(self, axis=axis, out=out, keepdims=keepdims)

    def any(self, axis=None, out=None, keepdims=False):
        return _F.any(self, axis=axis, out=out, keepdims=keepdims)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (list, tuple))):
            axes = axes[0]
        return _F.transpose(self, axes if axes else None)

    def swapaxes(self, axis1, axis2):
        return _F.swapaxes(self, axis1, axis2)

    def squeeze(self, axis=None):
        return _F.squeeze(self, axis=axis)

    def expand_dims(self, axis):
        return _F.expand_dims(self, axis)

    def repeat(self, repeats, axis=None):
        return _F.repeat(self, repeats, axis=axis)

    def tile(self, reps):
        return _F.tile(self, reps)

    def clip(self, min=None, max=None, out=None):
        return _F.clip(self, min, max, out=out)

    def dot(self, b, out=None):
        return _F.dot(self, b, out=out)

    def take(self, indices, axis=None, mode="raise"):
        return _F.take(self, indices, axis=axis, mode=mode)

    def argsort(self, axis=-1, kind=None, order=None):
        return _F.argsort(self, axis=axis)

    def sort(self, axis=-1, kind=None, order=None):
        res = _F.sort(self, axis=axis)
        res.copyto(self)

    def round(self, decimals=0, out=None):
        return _F.round(self, decimals=decimals, out=out)

    def nonzero(self):
        return _F.nonzero(self)

    def broadcast_to(self, shape):
        return _F.broadcast_to(self, shape)

    def split(self, indices_or_sections, axis=0):
        return _F.split(self, indices_or_sections, axis=axis)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _F.diagonal(self, offset, axis1, axis2)

    def trace(self, offset=0, axis1=0, axis2=1, out=None):
        return _F.trace(self, offset, axis1, axis2, out=out)

    def flip(self, axis=None):
        return _F.flip(self, axis)

    def abs(self):
        return _F.absolute(self)

    def exp(self):
        return _F.exp(self)

    def log(self):
        return _F.log(self)

    def sqrt(self):
        return _F.sqrt(self)

    def square(self):
        return _F.square(self)

    def sign(self):
        return _F.sign(self)

    def sin(self):
        return _F.sin(self)

    def cos(self):
        return _F.cos(self)

    def tanh(self):
        return _F.tanh(self)

    def sigmoid(self):
        from .. import numpy_extension as _npx
        return _npx.sigmoid(self)

    def relu(self):
        from .. import numpy_extension as _npx
        return _npx.relu(self)

    def softmax(self, axis=-1):
        from .. import numpy_extension as _npx
        return _npx.softmax(self, axis=axis)

    def log_softmax(self, axis=-1):
        from .. import numpy_extension as _npx
        return _npx.log_softmax(self, axis=axis)

    def reshape_like(self, other):
        return self.reshape(other.shape)

    def broadcast_like(self, other):
        return self.broadcast_to(other.shape)

    def fill(self, value):
        self[...] = value

    def zeros_like(self):
        return _F.zeros_like(self)

    def ones_like(self):
        return _F.ones_like(self)

    def reshape_view(self, *shape, **kwargs):
        """A reshaped view sharing memory (same as ``reshape`` here)."""
        return self.reshape(*shape, **kwargs)

    def slice_assign(self, rhs, begin, end, step):
        """``self[begin:end:step] = rhs`` (per axis; None entries mean the whole axis)."""
        self[_slices(begin, end, step)] = rhs
        return self

    def slice_assign_scalar(self, value, begin, end, step):
        self[_slices(begin, end, step)] = value
        return self

    def split_v2(self, indices_or_sections, axis=0, squeeze_axis=False):
        parts = _F.split(self, indices_or_sections, axis=axis)
        return [p.squeeze(axis) for p in parts] if squeeze_axis else parts

    def to_dlpack_for_read(self):
        raise MXNetError("to_dlpack_for_read is not supported by neomx")

    to_dlpack_for_write = to_dlpack_for_read

    def tostype(self, stype):
        if stype != "default":
            raise MXNetError("mx.np.ndarray only supports the default storage type")
        return self


def _np_from_state(a, devtype, devid):
    from ..context import _shared
    from ..backend import for_context
    ctx = _shared(devtype, devid)
    data = for_context(ctx).asarray(a, dtype=a.dtype)
    return ndarray(Chunk(data), tuple(data.shape), _onp.dtype(data.dtype), ctx)


# -- indexing ----------------------------------------------------------------------------------

def _slices(begin, end, step):
    step = step if step else [None] * len(begin)
    return tuple(slice(b, e, st) for b, e, st in zip(begin, end, step))


def _getitem(x, key):
    if isinstance(key, NDArray) and key._dtype.kind == "b":
        return _apply("getitem", lambda xp, r: r[0][r[1].astype(bool)], [x, key],
                      vjp=_bool_index_vjp)
    if isinstance(key, integer_types) and not isinstance(key, bool) and x._shape:
        n = x._shape[0]
        if not -n <= key < n:
            raise IndexError("index {} is out of bounds for axis 0 with size {}".format(key, n))
        if x.ndim > 1:
            return _as_np(_basic_view(x, key))
        v = _basic_view(x, slice(key % n, key % n + 1))
        return _as_np(v)._reshape_view(())
    if isinstance(key, slice) and (key.step is None or key.step == 1) and x._shape:
        return _as_np(_basic_view(x, key))
    if key is Ellipsis or (isinstance(key, tuple) and len(key) == 0):
        return x
    tmpl, arrs = _key_inputs(key)

    def idx(r):     # float index arrays (d2l's np.array(list_of_ints)) index as integers, as MXNet
        return [a.astype("int64") if a.dtype.kind == "f" else a for a in r]

    def fn(xp, r):
        return r[0][_fill_key(tmpl, idx(r[1:]))]

    def vjp(xp, ins, outs, ogs):
        return _index_vjp(lambda xp_, r: r[0][_fill_key(tmpl, idx(r[1:]))])(xp, ins, outs, ogs)

    try:
        with _onp.errstate(all="ignore"):
            shape = _onp.empty(x._shape, dtype=bool)[_fill_key(tmpl, [
                _onp.zeros(a._shape, dtype=_onp.int64) for a in arrs])].shape if not arrs else None
    except IndexError as e:
        raise IndexError(str(e)) from None
    return _apply("getitem", fn, [x] + arrs, vjp=vjp, shapes=shape, out_dtypes=x._dtype)


def _bool_index_vjp(xp, ins, outs, ogs):
    x, m = ins
    g = xp.zeros(x.shape, dtype=ogs[0].dtype)
    g[m.astype(bool)] = ogs[0]
    return [g, None]


def _setitem(x, key, value):
    tmpl, arrs = _key_inputs(key)
    if isinstance(value, NDArray):
        vals = [value]
    else:
        vals = []
        value = _onp.asarray(value)
    n = len(arrs)
    ctx = x._ctx
    from ..backend import for_context
    backend = for_context(ctx)

    def run():
        data = x._read()
        raw = [a._read() for a in arrs]
        v = vals[0]._read() if vals else backend.xp.asarray(value)
        k = _fill_key(tmpl, [r.astype(bool) if a._dtype.kind == "b" else
                             (r.astype("int64") if a._dtype.kind == "f" else r) for r, a in zip(raw, arrs)])
        data[k] = v
    reads = [a._chunk.var for a in arrs] + [v._chunk.var for v in vals]
    try:      # shape errors now, not at the next sync
        probe = _onp.empty(x._shape, dtype=bool)[_fill_key(tmpl, [
            _onp.zeros(a._shape, dtype=bool if a._dtype.kind == "b" else _onp.int64) for a in arrs])]
        _onp.broadcast_to(_onp.empty(vals[0].shape if vals else value.shape, dtype=bool), probe.shape)
    except IndexError:
        if not arrs:
            raise
    except ValueError as e:
        if not arrs:
            raise ValueError("could not assign a value of shape {} to the region {} of an array "
                             "of shape {}: {}".format(vals[0].shape if vals else value.shape, key,
                                                      x.shape, e)) from None
    _engine.push(run, reads, [x._chunk.var], ctx, name="_np_setitem")


class _Lazy:
    """Late binding of the function module (it imports this one)."""

    def __getattr__(self, name):
        from . import multiarray
        return getattr(multiarray, name)


_F = _Lazy()


ndarray.__module__ = "mxnet.numpy"


# -- Gluon boundary helpers (np mode) -----------------------------------------------------------

def to_np_tree(out):
    """Classic NDArrays in a (nested) result as mx.np arrays (zero-copy; autograd history kept)."""
    if type(out) is NDArray:
        return _np_view(out)
    if isinstance(out, (list, tuple)):
        return type(out)(to_np_tree(o) for o in out)
    return out


def to_nd_tree(args):
    """mx.np arrays in (nested) arguments as classic NDArrays (zero-copy; autograd history kept)."""
    if isinstance(args, ndarray):
        return _nd_view(args)
    if isinstance(args, (list, tuple)):
        return type(args)(to_nd_tree(a) for a in args)
    return args


_PARAM_VIEWS = {}


def param_view(d):
    """The mx.np view of a Parameter's array ``d``: one cached view per array, so a parameter used
    twice in a graph is one autograd variable."""
    if d is None or isinstance(d, ndarray):
        return d
    key = id(d)
    ent = _PARAM_VIEWS.get(key)
    if ent is not None and ent[0]() is d:
        w = ent[1]
        if w._grad is not d._grad or w._grad_req != d._grad_req:
            w._grad, w._grad_req = d._grad, d._grad_req
        return w
    import weakref
    w = _np_view(d)
    _PARAM_VIEWS[key] = (weakref.ref(d, lambda r, k=key: _PARAM_VIEWS.pop(k, None)), w)
    return w
