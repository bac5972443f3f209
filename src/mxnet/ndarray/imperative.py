"""Running a registry operator imperatively: validate, infer, allocate outputs, push the kernel."""
import sys

import numpy as np

from .. import autograd, engine
from ..backend import for_context
from ..base import MXNetError
from ..context import current_context
from ..ops.registry import OpEnv
from .ndarray import NDArray, Chunk, _parse_ctx, inline_hint

__all__ = ["invoke"]


def _finalize(xp, r, shape, dtype, raw_inputs, opname):
    """Make a kernel result safe to own: an xp array of the inferred shape/dtype that shares no
    memory with the inputs (kernels may return views such as ``x.T``)."""
    if not isinstance(r, xp.ndarray):
        r = xp.asarray(r, dtype=dtype)
    if r.dtype != dtype:
        r = r.astype(dtype)
    elif (r.base is not None and not _sole_view(r)) or not r.flags.c_contiguous \
            or _aliases(r, raw_inputs):
        r = r.copy()
    if r.shape != shape:
        if r.size != int(np.prod(shape, dtype=np.int64)):
            raise MXNetError("{}: kernel produced shape {} but shape inference gave {}".format(
                opname, r.shape, shape))
        r = r.reshape(shape)
    return r


def _sole_view(r):
    """Whether view ``r`` covers a whole base array that nothing else holds (a kernel's
    ``y.reshape(...)`` of a temporary it made): then keeping it shares memory with nothing, and a
    copy would be waste. The base's references are ``r.base`` and getrefcount's argument; a view
    of an input, of a cached array or of another output's base has more."""
    return r.base.base is None and r.base.size == r.size and sys.getrefcount(r.base) <= 2


def _aliases(r, arrays):
    for x in arrays:
        if r is x:
            return True
    return False


def _context_of(op, attrs, inputs):
    if inputs:
        ctx = inputs[0]._ctx
        for i, x in enumerate(inputs[1:], 1):
            c = x._ctx
            if c is not ctx and (c.device_id != ctx.device_id or c.device_typeid != ctx.device_typeid):
                raise MXNetError("{}: all inputs must be on the same context; input 0 is on {}, "
                                 "input {} is on {}".format(op.name, ctx, i, x._ctx))
        return ctx
    ctx = attrs.get("ctx")
    if ctx:
        return _parse_ctx(ctx) if isinstance(ctx, str) else ctx
    return current_context()


def _arity(op, attrs):
    """(n_inputs, n_aux, n_visible) of ``op`` for ``attrs``, cached per parsed attrs object."""
    key = id(attrs)
    hit = op._arity.get(key)
    if hit is not None and hit[0] is attrs:
        return hit[1]
    meta = (len(op.input_names(attrs)), len(op.aux_names(attrs)), op.num_visible_outputs(attrs))
    if len(op._arity) < 4096:
        op._arity[key] = (attrs, meta)
    return meta


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def invoke(op, inputs, kwargs, out=None):
    """Run ``op`` on NDArray ``inputs`` (data inputs, then aux states) with parameters ``kwargs``.

    Returns one NDArray or a list (for several visible outputs); writes into ``out`` if given."""
    attrs = op.parse(kwargs)
    n_in, n_aux, n_vis = _arity(op, attrs)
    if len(inputs) != n_in + n_aux:
        raise MXNetError("Operator {} expects {} inputs ({}){}, got {}".format(
            op.name, n_in, ", ".join(op.input_names(attrs)),
            " and {} auxiliary states".format(n_aux) if n_aux else "", len(inputs)))
    data_in = inputs[:n_in] if n_aux else inputs
    aux = inputs[n_in:] if n_aux else ()
    ctx = _context_of(op, attrs, inputs)
    if op.dynamic_shape:
        return _invoke_dynamic(op, attrs, data_in, ctx, n_vis)
    # Shape/type inference is a pure function of (attrs, input shapes and dtypes): remembered
    # per operator (the entry holds attrs, so its id cannot be reused while cached).
    key = (id(attrs), tuple([(x._shape, x._dtype) for x in data_in]),
           tuple([a._shape for a in aux]) if aux else ())
    meta = op._inferred.get(key)
    if meta is None or meta[0] is not attrs:
        meta = _infer(op, attrs, data_in, aux)
        if len(op._inferred) >= 1024:
            op._inferred.clear()
        op._inferred[key] = meta
    _, out_shapes, out_dtypes, size = meta

    if out is None:
        outs = [NDArray(Chunk(), s, d, ctx) for s, d in zip(out_shapes, out_dtypes)]
    else:
        given = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(given) != n_vis:
            raise MXNetError("{}: out= needs {} arrays, got {}".format(op.name, n_vis, len(given)))
        for i, (o, s) in enumerate(zip(given, out_shapes)):
            if not isinstance(o, NDArray):
                raise TypeError("{}: out must be NDArray, got {}".format(op.name, type(o)))
            if o._shape != s:
                raise MXNetError("{}: out[{}] has shape {}, expected {}".format(op.name, i, o._shape, s))
        outs = given + [NDArray(Chunk(), s, d, ctx)
                        for s, d in zip(out_shapes[n_vis:], out_dtypes[n_vis:])]
    backend = for_context(ctx)
    xp = backend.xp
    is_train = autograd.is_training()
    if op.needs_rng:
        env = OpEnv(xp, is_train, ctx)
    else:
        # kernels that draw no random numbers share one OpEnv per (context, train mode): it is
        # read-only for them (only ``rng`` is lazily cached state)
        envs = ctx._envs
        if envs is None:
            envs = ctx._envs = [OpEnv(xp, False, ctx), OpEnv(xp, True, ctx)]
        env = envs[1 if is_train else 0]
    name = op.name
    forward = op.forward

    def run():
        raw = [x._read() for x in data_in]
        raw_aux = [a._read() for a in aux] if aux else aux
        if backend.is_gpu:
            with backend.device_scope():
                res = forward(env, attrs, raw, raw_aux)
        else:
            res = forward(env, attrs, raw, raw_aux)
        for o, r in zip(outs, res):
            o._assign(_finalize(xp, r, o._shape, o._dtype, raw, name))

    reads = [x._chunk.var for x in data_in]
    writes = [o._chunk.var for o in outs]
    if aux:
        writes += [a._chunk.var for a in aux]
    if op.needs_rng:
        from ..random import rng_var
        writes.append(rng_var(ctx))
    engine.push(run, reads, writes, ctx, inline=inline_hint(ctx, size), name=name)
    if autograd.is_recording():
        autograd._record_op(op, attrs, list(data_in), outs, aux)
    if n_vis == 1:
        return outs[0]
    return outs[:n_vis]


def _infer(op, attrs, data_in, aux):
    """(attrs, output shapes, output dtypes, elements touched) of ``op`` on these inputs."""
    in_shapes = [x._shape for x in data_in]
    if op.infer_shape_full is not None:
        _, out_shapes, _ = op.infer_shapes(attrs, in_shapes, [a._shape for a in aux])
    else:
        try:
            out_shapes = op.infer_shape(attrs, in_shapes)
        except MXNetError:
            raise
        except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
            raise MXNetError("{}: shape inference failed for input shapes {}: {}".format(
                op.name, in_shapes, e)) from None
    out_dtypes = op.infer_type(attrs, [x._dtype for x in data_in])
    out_shapes = [tuple(s) for s in out_shapes]
    size = sum(_size(s) for s in in_shapes) + sum(_size(s) for s in out_shapes)
    return attrs, out_shapes, [np.dtype(d) for d in out_dtypes], size


def _invoke_dynamic(op, attrs, data_in, ctx, n_vis):
    """Ops whose output shape depends on input values (``boolean_mask``): wait for the inputs,
    run the kernel now, and size the outputs from its results."""
    for x in data_in:
        x.wait_to_read()
    backend = for_context(ctx)
    xp = backend.xp
    raw = [x._read() for x in data_in]
    with backend.device_scope():
        res = op.forward(OpEnv(xp, autograd.is_training(), ctx), attrs, raw, [])
    outs = []
    for r in res:
        r = xp.asarray(r)
        outs.append(NDArray(Chunk(_finalize(xp, r, tuple(r.shape), r.dtype, raw, op.name)),
                            tuple(r.shape), np.dtype(r.dtype), ctx))
    if autograd.is_recording():
        autograd._record_op(op, attrs, list(data_in), outs, ())
    return outs[0] if n_vis == 1 else outs[:n_vis]
