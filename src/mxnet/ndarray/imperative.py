"""Running a registry operator imperatively: validate, infer, allocate outputs, push the kernel."""
import sys
from operator import attrgetter

import numpy as np

from .. import autograd, engine
from ..backend import for_context
from ..backend.fpstate import quiet_enter, quiet_exit
from ..base import MXNetError
from ..context import current_context
from ..ops.registry import OpEnv
from ..autograd import _state as _autograd_state
from .ndarray import NDArray, Chunk, _parse_ctx, _INLINE_MAX

__all__ = ["invoke"]


def _finalize(xp, r, shape, dtype, raw_inputs, opname):
    """Make a kernel result safe to own: an xp array of the inferred shape/dtype that shares no
    memory with the inputs (kernels may return views such as ``x.T``)."""
    if type(r) is not xp.ndarray and not isinstance(r, xp.ndarray):
        r = xp.asarray(r, dtype=dtype)
    if r.dtype != dtype:
        r = r.astype(dtype)
    elif (r.base is not None and not _sole_view(r)) or not r.flags.c_contiguous \
            or id(r) in map(id, raw_inputs):   # a kernel returning an input itself
        r = r.copy()
    if r.shape != shape:
        if r.size != int(np.prod(shape, dtype=np.int64)):
            raise MXNetError("{}: kernel produced shape {} but shape inference gave {}".format(
                opname, r.shape, shape))
        r = r.reshape(shape)
    return r


def _owned(r, o, raw, name):
    """Kernel result ``r`` for output NDArray ``o``: as is when it is already a fresh, owned,
    contiguous NumPy array of o's shape and dtype (the common case, checked without a call),
    else through ``_finalize``."""
    if type(r) is not _ndarray or r.base is not None or r.dtype != o._dtype \
            or r.shape != o._shape or not r.flags.c_contiguous or id(r) in map(id, raw):
        return _finalize(np, r, o._shape, o._dtype, raw, name)
    return r


def _unshared(r, taken):
    """Result ``r`` to store as one of several gradients: a copy when ``taken`` (ids of arrays
    already stored by this sweep, and of the caller's head gradients) holds it -- ``a + b`` hands
    both inputs the head's gradient object, an identity passes the head gradient itself."""
    if id(r) in taken:
        r = r.copy()
    taken.add(id(r))
    return r


def shared_env(ctx, is_train):
    """The OpEnv kernels that draw no random numbers share per (context, train mode): read-only
    for them (only ``rng`` is lazily cached state)."""
    envs = ctx._envs
    if envs is None:
        xp = (ctx._backend or for_context(ctx)).xp
        envs = ctx._envs = [OpEnv(xp, False, ctx), OpEnv(xp, True, ctx)]
    return envs[1 if is_train else 0]


def _sole_view(r):
    """Whether view ``r`` covers a whole base array that nothing else holds (a kernel's
    ``y.reshape(...)`` of a temporary it made): then keeping it shares memory with nothing, and a
    copy would be waste. The base's references are ``r.base`` and getrefcount's argument; a view
    of an input, of a cached array or of another output's base has more."""
    return r.base.base is None and r.base.size == r.size and sys.getrefcount(r.base) <= 2


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


_sig = attrgetter("_shape", "_dtype")      # C-level: no Python frame per input
_var_of = attrgetter("_chunk.var")
_data_of = attrgetter("_chunk.data")
_view_of = attrgetter("_view")
_ndarray = np.ndarray


def invoke(op, inputs, kwargs, out=None, donate=None):
    """Run ``op`` on NDArray ``inputs`` (data inputs, then aux states) with parameters ``kwargs``.

    Returns one NDArray or a list (for several visible outputs); writes into ``out`` if given.
    ``donate``: the index of an input nothing else references (see ``invoke_dense``)."""
    n = len(inputs)
    if list(map(type, inputs)).count(NDArray) != n:    # a subclass: sparse storage?
        for x in inputs:
            if type(x) is not NDArray and x.stype != "default":
                if out is not None and _autograd_state.recording:    # (invoke_dense checks its own)
                    autograd._check_assign(out if isinstance(out, (list, tuple)) else [out], op.name)
                from .sparse import dispatch
                return dispatch(op, inputs, kwargs, out)
        return invoke_dense(op, inputs, kwargs, out)
    return invoke_dense(op, inputs, kwargs, out, list(map(_view_of, inputs)).count(None) == n, donate)


def invoke_dense(op, inputs, kwargs, out=None, plain=False, donate=None):
    """``invoke`` for default-storage arrays (sparse inputs are dispatched by ``invoke``);
    ``plain``: every input is an NDArray (not a subclass) without a view. ``donate``: the index
    of an input only the caller's expression references; for a ufunc op on same-shape float
    operands its memory (if still unshared when the op runs) receives the result."""
    attrs = op._defaults if not kwargs and op._defaults is not None else op.parse(kwargs)
    # Arity, shape/type inference and the inline hint are a pure function of (attrs, input
    # shapes and dtypes): remembered per operator (the entry holds attrs, so its id cannot be
    # reused while cached). This is the hot path of every imperative call.
    key = (id(attrs), tuple(map(_sig, inputs)))
    meta = op._inferred.get(key)
    if meta is None or meta[0] is not attrs:
        meta = _infer(op, attrs, inputs)
        if len(op._inferred) >= 1024:
            op._inferred.clear()
        op._inferred[key] = meta
    _, n_in, n_aux, n_vis, out_shapes, out_dtypes, size = meta
    if n_aux:
        data_in, aux = inputs[:n_in], inputs[n_in:]
    else:
        data_in, aux = inputs, ()
    if inputs:
        ctx = inputs[0]._ctx
        for x in inputs:
            if x._ctx is not ctx:
                _check_same_context(op, inputs)
                break
    else:
        ctx = _context_of(op, attrs)
    if op.dynamic_shape:
        return _invoke_dynamic(op, attrs, data_in, ctx, n_vis)

    if donate is not None and (op.ufunc is None or not plain or _autograd_state.recording
                               or not _can_donate(data_in, donate, out_shapes[0], out_dtypes[0])):
        donate = None
    if out is None and plain and not n_aux and ctx.device_typeid == 1 and not op.needs_rng \
            and size <= _RUN_NOW_MAX:
        eng = engine.caller_engine()
        if eng is not None:
            done = _run_now(eng, op, attrs, data_in, ctx, out_shapes, out_dtypes, donate)
            if done is not None:
                if _autograd_state.recording:
                    autograd._record_op(op, attrs, list(data_in), done, ())
                return done[0] if n_vis == 1 else done[:n_vis]

    if out is None:
        if len(out_shapes) == 1:
            outs = [NDArray(Chunk(), out_shapes[0], out_dtypes[0], ctx)]
        else:
            outs = [NDArray(Chunk(), s, d, ctx) for s, d in zip(out_shapes, out_dtypes)]
    else:
        outs = _given_outputs(op, out, n_vis, out_shapes, out_dtypes, ctx)
        if _autograd_state.recording:
            autograd._check_assign(outs, op.name)
    if (n_aux or out is not None) and plain and ctx.device_typeid == 1 and not op.needs_rng \
            and size <= _RUN_NOW_MAX:
        eng = engine.caller_engine()
        if eng is not None and _run_now_into(eng, op, attrs, data_in, aux, outs, ctx):
            if _autograd_state.recording:
                autograd._record_op(op, attrs, list(data_in), outs, aux)
            return outs[0] if n_vis == 1 else outs[:n_vis]
    backend = ctx._backend or for_context(ctx)
    state = _autograd_state
    is_train = state.training
    if op.needs_rng:
        env = OpEnv(backend.xp, is_train, ctx)
    else:
        env = shared_env(ctx, is_train)
    forward = op.forward
    name = op.name
    if backend.is_gpu:
        run = _gpu_runner(backend, forward, env, attrs, data_in, aux, outs, name)
    elif donate is not None:
        run = _donating_runner(op, env, attrs, data_in, donate, outs[0], name)
    else:
        # plain NDArrays (no view, no sparse subclass with its own _read): raw data directly
        def run():
            raw = list(map(_data_of, data_in)) if plain else [x._read() for x in data_in]
            res = forward(env, attrs, raw, [a._read() for a in aux] if aux else aux)
            for o, r in zip(outs, res):
                r = _owned(r, o, raw, name)
                if o._view is None and type(o) is NDArray:
                    o._chunk.data = r
                else:
                    o._assign(r)       # out= a view (write into its base) or sparse storage

    writes = list(map(_var_of, outs))
    if aux:
        writes += map(_var_of, aux)
    if op.needs_rng:
        from ..random import rng_var
        writes.append(rng_var(ctx))
    # (the run-now rule: registry kernels up to _RUN_NOW_MAX elements may run under the lock)
    inline = False if ctx.device_typeid == 2 else (True if size <= _RUN_NOW_MAX else "idle")
    (engine._engine or engine.get()).push(run, list(map(_var_of, data_in)), writes, ctx,
                                          "compute", inline, name)
    if state.recording:
        autograd._record_op(op, attrs, list(data_in), outs, aux)
    if n_vis == 1:
        return outs[0]
    return outs[:n_vis]


# Registry kernels touching at most this many elements (inputs + outputs, ~4 MB of float32: a
# few hundred us at most) may hold the engine lock while they run (see _run_now).
_RUN_NOW_MAX = 1 << 20


def _run_now(eng, op, attrs, data_in, ctx, out_shapes, out_dtypes, donate):
    """Run a CPU registry op on the calling thread right away when its inputs are ready: what the
    engine's inline path does (under its lock), without building an engine op. Returns the
    outputs, or None to go through the engine. As in the engine, a failing kernel's error is
    stored on the outputs and raised at the next sync point. Registry kernels never wait for
    other threads, so holding the lock cannot deadlock; ops above _RUN_NOW_MAX elements keep the
    engine's "idle" path (registered, then run outside the lock, so other threads may push
    meanwhile), as do executor graphs and Custom operators (user code)."""
    with eng._lock:
        if not engine.runnable(list(map(_var_of, data_in))):
            return None             # (pending, lazy or failed inputs: the engine's path)
        if len(out_shapes) == 1:
            outs = [NDArray(Chunk(), out_shapes[0], out_dtypes[0], ctx)]
        else:
            outs = [NDArray(Chunk(), s, d, ctx) for s, d in zip(out_shapes, out_dtypes)]
        raw = [data_in[0]._chunk.data] if len(data_in) == 1 else list(map(_data_of, data_in))
        if donate is None or not _lend(op, attrs.get("scalar"), raw, donate, outs[0]):
            _run_kernel(eng, op, attrs, ctx, raw, (), outs, None)
    return outs


def _run_kernel(eng, op, attrs, ctx, raw, aux_raw, outs, writes):
    """Run ``op``'s kernel now (under the engine lock) and store its results in ``outs``; a
    failure is stored on ``writes`` (default: the outputs' vars), raised at the next sync point
    as an engine op's error is."""
    quiet = quiet_enter()
    try:
        res = op.forward(shared_env(ctx, _autograd_state.training), attrs, raw, aux_raw)
        for o, r in zip(outs, res):
            o._chunk.data = _owned(r, o, raw, op.name)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - stored like an engine op's error
        eng._record_error(engine._wrap_error(e, op.name),
                          [o._chunk.var for o in outs] if writes is None else writes)
    finally:
        quiet_exit(quiet)


def _run_now_into(eng, op, attrs, data_in, aux, outs, ctx):
    """``_run_now`` for an op that writes given arrays (``out=``) or updates auxiliary states in
    place (the optimizer updates): run it at once when its inputs are ready and nothing is
    still to read or write the arrays it writes (what the engine's inline path checks); True
    when it ran (a failing kernel's error is stored on the written arrays, as in the engine)."""
    for o in outs:
        if type(o) is not NDArray or o._view is not None:
            return False
    writes = [o._chunk.var for o in outs]
    writes += map(_var_of, aux)
    with eng._lock:
        if not engine.runnable(list(map(_var_of, data_in)), writes):
            return False
        _run_kernel(eng, op, attrs, ctx, list(map(_data_of, data_in)), list(map(_data_of, aux)), outs, writes)
    return True


def ufunc_now(op, a, b, scalar, donate):
    """The fast path of NDArray arithmetic (``W - G * lr``): registry op ``op``, whose kernel on
    same-shape float operands is the ufunc ``op.ufunc`` names, on the plain CPU NDArray ``a`` and
    the NDArray ``b`` (same shape, dtype and context) or, when ``b`` is None, the number
    ``scalar``, computed at once by that ufunc (into operand ``donate``'s memory when it may be
    lent, see ``_lend``). Returns the result, or None where ``invoke_dense`` must run: autograd
    recording, a profiler, NaiveEngine, other devices or dtypes, large arrays, or inputs with
    pending, lazy or failed writes."""
    eng = engine.caller_engine()
    if eng is None or _autograd_state.recording:
        return None
    ctx = a._ctx
    dtype = a._dtype
    if ctx.device_typeid != 1 or dtype.kind != "f" or (b is not None and (
            b._dtype != dtype or b._shape != a._shape or b._ctx is not ctx)):
        return None
    with eng._lock:
        if not engine.runnable((a._chunk.var,) if b is None else (a._chunk.var, b._chunk.var)):
            return None
        if b is None:
            raw = [a._chunk.data]
            scalar = float(scalar)          # (the kernel's Float parameter)
        else:
            raw = [a._chunk.data, b._chunk.data]
            scalar = None
        if raw[0].size * (len(raw) + 1) > _RUN_NOW_MAX:
            return None
        o = NDArray(Chunk(), a._shape, dtype, ctx)
        # (the donor's chunk: its NDArray and getrefcount's argument -- no view of it)
        if donate is not None and sys.getrefcount((a if donate == 0 else b)._chunk) <= 2 \
                and _lend(op, scalar, raw, donate, o):
            return o
        r = _apply_ufunc(op, raw, scalar)
        o._chunk.data = r if type(r) is _ndarray and r.dtype == dtype else np.asarray(r, dtype=dtype)
    return o


def _apply_ufunc(op, raw, scalar, out=None):
    """The ufunc ``op.ufunc`` names on operands ``raw`` (two arrays, or one array and the number
    ``scalar`` on the side the op says), into ``out`` if given."""
    ufunc_name, side = op.ufunc
    ufunc = _UFUNC_OF[ufunc_name]
    quiet = quiet_enter()       # (``x / 0`` is inf without a warning, as in MXNet)
    try:
        if side is None:
            return ufunc(raw[0], raw[1], out=out)
        return ufunc(raw[0], scalar, out=out) if side == "rhs" else ufunc(scalar, raw[0], out=out)
    finally:
        quiet_exit(quiet)


_UFUNC_OF = {n: getattr(np, n) for n in ("add", "subtract", "multiply", "true_divide")}


def _can_donate(data_in, donate, shape, dtype):
    x = data_in[donate]
    return (x._shape == shape and x._dtype == dtype and dtype.kind == "f"
            and (len(data_in) == 1 or (data_in[1 - donate]._shape == shape and data_in[1 - donate]._dtype == dtype))
            and sys.getrefcount(x._chunk) <= 2)     # (the array and the argument: no view of it)


def _lend(op, scalar, raw, donate, o):
    """Compute ufunc op ``op`` (operands ``raw``, and the number ``scalar`` for a scalar op) into
    ``raw[donate]`` and make it ``o``'s storage, if that memory is a whole array nothing but its
    (dying) operand holds; False (nothing done) otherwise."""
    buf = raw[donate]
    # (references to buf: the donor's chunk, raw, buf, the argument)
    if type(buf) is not _ndarray or buf.base is not None or sys.getrefcount(buf) > 4:
        return False
    _apply_ufunc(op, raw, scalar, buf)
    o._chunk.data = buf
    return True


def _donating_runner(op, env, attrs, data_in, donate, o, name):
    """The run function of a ufunc op writing into input ``donate``'s memory when, at run time,
    that memory is a whole fresh array nothing else holds (``_lend``); otherwise the op's own
    kernel."""
    forward = op.forward

    def run():
        raw = list(map(_data_of, data_in))
        if _lend(op, attrs.get("scalar"), raw, donate, o):
            return
        (r,) = forward(env, attrs, raw, [])
        o._chunk.data = _finalize(np, r, o._shape, o._dtype, raw, name)
    return run


def _gpu_runner(backend, forward, env, attrs, data_in, aux, outs, name):
    xp = backend.xp

    def run():
        raw = [x._read() for x in data_in]
        with backend.device_scope():
            res = forward(env, attrs, raw, [a._read() for a in aux] if aux else aux)
        for o, r in zip(outs, res):
            o._assign(_finalize(xp, r, o._shape, o._dtype, raw, name))
    return run


def _check_same_context(op, inputs):
    ctx = inputs[0]._ctx
    for i, x in enumerate(inputs[1:], 1):
        c = x._ctx
        if c is not ctx and (c.device_id != ctx.device_id or c.device_typeid != ctx.device_typeid):
            raise MXNetError("{}: all inputs must be on the same context; input 0 is on {}, "
                             "input {} is on {}".format(op.name, ctx, i, x._ctx))


def _context_of(op, attrs):
    ctx = attrs.get("ctx")
    if ctx:
        return _parse_ctx(ctx) if isinstance(ctx, str) else ctx
    return current_context()


def _given_outputs(op, out, n_vis, out_shapes, out_dtypes, ctx):
    given = list(out) if isinstance(out, (list, tuple)) else [out]
    if len(given) != n_vis:
        raise MXNetError("{}: out= needs {} arrays, got {}".format(op.name, n_vis, len(given)))
    for i, (o, s) in enumerate(zip(given, out_shapes)):
        if not isinstance(o, NDArray):
            raise TypeError("{}: out must be NDArray, got {}".format(op.name, type(o)))
        if o._shape != s:
            raise MXNetError("{}: out[{}] has shape {}, expected {}".format(op.name, i, o._shape, s))
    return given + [NDArray(Chunk(), s, d, ctx) for s, d in zip(out_shapes[n_vis:], out_dtypes[n_vis:])]


def _infer(op, attrs, inputs):
    """(attrs, n_in, n_aux, n_visible, output shapes, output dtypes, elements touched) of ``op``
    on these inputs; raises MXNetError for a wrong number of inputs or bad shapes."""
    n_in, n_aux = len(op.input_names(attrs)), len(op.aux_names(attrs))
    n_vis = op.num_visible_outputs(attrs)
    if len(inputs) != n_in + n_aux:
        raise MXNetError("Operator {} expects {} inputs ({}){}, got {}".format(
            op.name, n_in, ", ".join(op.input_names(attrs)),
            " and {} auxiliary states".format(n_aux) if n_aux else "", len(inputs)))
    data_in, aux = inputs[:n_in], inputs[n_in:]
    in_shapes = [x._shape for x in data_in]
    if op.dynamic_shape:
        return attrs, n_in, n_aux, n_vis, None, None, 0
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
    return attrs, n_in, n_aux, n_vis, out_shapes, [np.dtype(d) for d in out_dtypes], size


def _invoke_dynamic(op, attrs, data_in, ctx, n_vis):
    """Ops whose output shape depends on input values (``boolean_mask``): wait for the inputs,
    run the kernel now, and size the outputs from its results."""
    for x in data_in:
        x.wait_to_read()
    backend = for_context(ctx)
    xp = backend.xp
    raw = [x._read() for x in data_in]
    quiet = quiet_enter()
    try:
        with backend.device_scope():
            res = op.forward(OpEnv(xp, autograd.is_training(), ctx), attrs, raw, [])
    finally:
        quiet_exit(quiet)
    outs = []
    for r in res:
        r = xp.asarray(r)
        outs.append(NDArray(Chunk(_finalize(xp, r, tuple(r.shape), r.dtype, raw, op.name)),
                            tuple(r.shape), np.dtype(r.dtype), ctx))
    if autograd.is_recording():
        autograd._record_op(op, attrs, list(data_in), outs, ())
    return outs[0] if n_vis == 1 else outs[:n_vis]
