"""Functions for enabling AMP (automatic mixed precision)."""
import contextlib
import logging
import types

import numpy as np

from . import lists
from .loss_scaler import LossScaler

__all__ = ["init", "init_trainer", "scale_loss", "unscale", "convert_model", "convert_hybrid_block",
           "list_lp16_ops", "list_fp32_ops", "list_lp16_fp32_ops", "list_conditional_fp32_ops",
           "list_widest_type_cast", "list_loss_output_functions", "list_lp16_use_fp32_params",
           "convert_symbol"]

_FLOATS = (np.dtype(np.float16), np.dtype(np.float32))
_MX_DTYPE_CODE = {np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.float16): 2}
_MX_CODE_DTYPE = {v: k for k, v in _MX_DTYPE_CODE.items()}

_amp_initialized = False
_amp_loss_scale_initialized = False
_loss_scaler = None
_patched = []          # (module, name, original function): undone by _reset()


def _is_bf16(target_dtype):
    return str(target_dtype) == "bfloat16"


def _lists_of(target_dtype):
    if _is_bf16(target_dtype):
        return lists.symbol_bf16
    assert target_dtype in ("float16", np.float16) or np.dtype(target_dtype) == np.float16, \
        "not supported type"
    return lists.symbol_fp16


def list_lp16_ops(target_dtype):
    """Get the default list of LP16 ops for AMP."""
    m = _lists_of(target_dtype)
    return m.BF16_FUNCS if m is lists.symbol_bf16 else m.FP16_FUNCS


def list_fp32_ops(target_dtype):
    """Get the default list of FP32 ops for AMP."""
    return _lists_of(target_dtype).FP32_FUNCS


def list_lp16_fp32_ops(target_dtype):
    """Get the default list of ops which run in both LP16 and FP32."""
    m = _lists_of(target_dtype)
    return m.BF16_FP32_FUNCS if m is lists.symbol_bf16 else m.FP16_FP32_FUNCS


def list_conditional_fp32_ops(target_dtype):
    """Get the conditional fp32 ops list: (op name, parameter, values making it run in FP32)."""
    return _lists_of(target_dtype).CONDITIONAL_FP32_FUNCS


def list_widest_type_cast(target_dtype):
    """Get the widest type cast ops list."""
    return _lists_of(target_dtype).WIDEST_TYPE_CASTS


def list_loss_output_functions(target_dtype):
    """Get loss function list."""
    return _lists_of(target_dtype).LOSS_OUTPUT_FUNCTIONS


def list_lp16_use_fp32_params(target_dtype):
    """Get the params restrict for LP16 (None for float16)."""
    m = _lists_of(target_dtype)
    return m.BF16_USE_FP32_PARAMS if m is lists.symbol_bf16 else None


# -- init: wrapping the generated operator functions ------------------------------------------
def _cast(x, dtype):
    from ...ndarray import NDArray
    from ...symbol import Symbol
    if isinstance(x, Symbol):
        return _orig("symbol", "amp_cast")(x, dtype=dtype)
    if isinstance(x, NDArray):
        if x.dtype != np.dtype(dtype) and np.dtype(x.dtype) in _FLOATS:
            return _orig("ndarray", "amp_cast")(x, dtype=dtype)
    return x


def _orig(kind, name):
    from ... import ndarray, symbol
    mod = ndarray if kind == "ndarray" else symbol
    for m, n, f in _patched:
        if m is mod and n == name:
            return f
    return getattr(mod, name)


def _nd_wrapper(f, dtype, fp32_param=None, cond_arg=None):
    def _new_fun(*args, **kwargs):
        if cond_arg is not None and kwargs.get(cond_arg[0]) not in cond_arg[1]:
            return f(*args, **kwargs)
        names = [""] + list(fp32_param or [])
        if fp32_param:   # BF16_USE_FP32_PARAMS: positional flags by index, keyword ones by name
            args = [x if (i < len(fp32_param) and fp32_param[i]) else _cast(x, dtype)
                    for i, x in enumerate(args)]
            kwargs = {k: (v if k in names else _cast(v, dtype)) for k, v in kwargs.items()}
        else:
            args = [_cast(x, dtype) for x in args]
            kwargs = {k: _cast(v, dtype) for k, v in kwargs.items()}
        return f(*args, **kwargs)
    return _named(_new_fun, f)


def _sym_wrapper(f, dtype, fp32_param=None, cond_arg=None):
    from ...symbol import Symbol

    def _new_fun(*args, **kwargs):
        if cond_arg is not None and kwargs.get(cond_arg[0]) not in cond_arg[1]:
            return f(*args, **kwargs)
        sym = f(*args, **kwargs)
        node = sym._outputs[0][0]
        n_in = node.num_inputs()   # auxiliary states keep their type
        for i in range(n_in):
            if fp32_param and i < len(fp32_param) and fp32_param[i]:
                continue
            src = Symbol([node.inputs[i]])
            node.inputs[i] = _cast(src, dtype)._outputs[0]
        return sym
    return _named(_new_fun, f)


def _widest_wrapper(f, target_dtype):
    from ...ndarray import NDArray
    from ...symbol import Symbol

    def _new_fun(*args, **kwargs):
        args = list(args)
        found = [(args, i, a) for i, a in enumerate(args) if isinstance(a, (Symbol, NDArray))]
        found += [(kwargs, k, a) for k, a in kwargs.items() if isinstance(a, (Symbol, NDArray))]
        if any(isinstance(a, Symbol) for _, _, a in found):
            casted = _orig("symbol", "amp_multicast")(*[a for _, _, a in found],
                                                      num_outputs=len(found))
            for (c, k, _), s in zip(found, casted):
                c[k] = s
        else:
            widest = np.dtype(target_dtype)
            if any(a.dtype == np.float32 for _, _, a in found):
                widest = np.dtype(np.float32)
            for c, k, a in found:
                if a.dtype != widest and a.dtype == np.dtype(target_dtype):
                    c[k] = _orig("ndarray", "amp_cast")(a, dtype=widest)
        return f(*args, **kwargs)
    return _named(_new_fun, f)


def _named(new, f):
    new.__name__ = getattr(f, "__name__", "amp_fun")
    new.__doc__ = f.__doc__
    new.__wrapped__ = f
    return new


def _targets(module, name):
    """The (namespace, function name) pairs where operator ``name`` is exposed in ``module``."""
    out = []
    for prefix, sub in (("_contrib_", "contrib"), ("_linalg_", "linalg"), ("_image_", "image"),
                        ("_sparse_", "sparse"), ("_random_", "random")):
        if name.startswith(prefix) and hasattr(module, sub):
            out.append((getattr(module, sub), name[len(prefix):]))
    if name.startswith("_"):
        out.append((module._internal, name))
    else:
        out.append((module, name))
        if hasattr(module, "op") and isinstance(module.op, types.ModuleType):
            out.append((module.op, name))
    return [(m, n) for m, n in out if callable(m.__dict__.get(n))]


def _patch(module, name, make):
    for m, n in _targets(module, name):
        f = getattr(m, n)
        _patched.append((m, n, f))
        setattr(m, n, make(f))


def _wrap_symbol_functions(module, target_dtype, target_precision_ops=None,
                           conditional_fp32_ops=None, fp32_ops=None):
    from ... import symbol
    wrap = _sym_wrapper if module is symbol else _nd_wrapper
    fp32_params = list_lp16_use_fp32_params(target_dtype) or {}
    for name in (target_precision_ops if target_precision_ops is not None
                 else list_lp16_ops(target_dtype)):
        _patch(module, name, lambda f, n=name: wrap(f, target_dtype, fp32_param=fp32_params.get(n)))
    for name in fp32_ops if fp32_ops is not None else list_fp32_ops(target_dtype):
        _patch(module, name, lambda f: wrap(f, np.float32))
    for name, arg, values in (conditional_fp32_ops if conditional_fp32_ops is not None
                              else list_conditional_fp32_ops(target_dtype)):
        _patch(module, name, lambda f, a=arg, v=values: wrap(f, np.float32, cond_arg=(a, v)))
    for name in list_widest_type_cast(target_dtype):
        _patch(module, name, lambda f: _widest_wrapper(f, target_dtype))


def _wrap_loss_output_functions(module, ls, target_dtype):
    from ... import ndarray

    def nd_wrap(f):
        def _scaling_wrapper(*args, **kwargs):
            kwargs["grad_scale"] = kwargs.get("grad_scale", 1.0) * ls.loss_scale
            return f(*args, **kwargs)
        return _named(_scaling_wrapper, f)

    def sym_wrap(f):
        def _warning_wrapper(*args, **kwargs):
            logging.warning("%s does not support dynamic loss scaling "
                            "in symbolic and hybridized execution.", f.__name__)
            return f(*args, **kwargs)
        return _named(_warning_wrapper, f)

    for name in list_loss_output_functions(target_dtype):
        if callable(module.__dict__.get(name)):
            f = getattr(module, name)
            _patched.append((module, name, f))
            setattr(module, name, (nd_wrap if module is ndarray else sym_wrap)(f))


def init(target_dtype='float16', target_precision_ops=None, conditional_fp32_ops=None,
         fp32_ops=None, layout_optimization=False):
    """Initialize AMP (automatic mixed precision). This needs to be done before model creation.

    Parameters
    ----------
    target_dtype : {'float16', 'bfloat16'}
        Target low precision type for AMP.
    target_precision_ops : list of string
        Override the list of functions casted to target_dtype.
    conditional_fp32_ops : list of (string, string, list of string)
        Override the list of functions conditionally casted to FP32: (name of the function,
        name of the parameter, values of the parameter that make the function run in FP32).
    fp32_ops : list of string
        Override the list of functions casted to FP32.
    layout_optimization : bool
        Accepted for compatibility; no layout optimization is done.
    """
    global _amp_initialized, _loss_scaler
    if _amp_initialized:
        return
    assert str(target_dtype) in ("float16", "bfloat16") or target_dtype is np.float16, \
        "AMP currently supports only float16 or bfloat16 as a target_dtype"
    from ... import ndarray, symbol
    _amp_initialized = True
    logging.info("Using AMP")
    target_dtype = "bfloat16" if _is_bf16(target_dtype) else np.dtype(np.float16)
    _wrap_symbol_functions(symbol, target_dtype, target_precision_ops, conditional_fp32_ops,
                           fp32_ops)
    _wrap_symbol_functions(ndarray, target_dtype, target_precision_ops, conditional_fp32_ops,
                           fp32_ops)
    _loss_scaler = LossScaler()
    _wrap_loss_output_functions(ndarray, _loss_scaler, target_dtype)
    _wrap_loss_output_functions(symbol, _loss_scaler, target_dtype)


def _reset():
    """Undo ``init`` (restore the original operator functions); for tests."""
    global _amp_initialized, _amp_loss_scale_initialized, _loss_scaler
    while _patched:
        m, n, f = _patched.pop()
        setattr(m, n, f)
    _amp_initialized = False
    _amp_loss_scale_initialized = False
    _loss_scaler = None


# -- dynamic loss scaling with a Gluon Trainer ---------------------------------------------------
def init_trainer(optimizer_or_trainer):
    """Initialize a Gluon Trainer to work with AMP dynamic loss scaling: ``step`` then skips the
    update when the gradients overflow and adjusts the loss scale."""
    global _amp_loss_scale_initialized
    from ...gluon import trainer
    from ... import optimizer as opt
    assert _amp_initialized, "AMP not initialized, did you forget to call amp.init()?"
    if not _amp_loss_scale_initialized:
        _amp_loss_scale_initialized = True
        scaler = _loss_scaler
    else:
        scaler = LossScaler()
    if isinstance(optimizer_or_trainer, trainer.Trainer):
        t = optimizer_or_trainer
        t._amp_loss_scaler = scaler
        t._amp_original_scale = t._scale
        if "_update" not in t.__dict__:
            plain_update = t._update

            def _update(ignore_stale_grad=False):
                ls = getattr(t, "_amp_loss_scaler", None)
                if ls is not None and ls.has_overflow(t._params):
                    return   # skip the update on overflow
                return plain_update(ignore_stale_grad)
            t._update = _update
    elif isinstance(optimizer_or_trainer, opt.Optimizer):
        raise TypeError("AMP is currently only compatible with Gluon Trainer")
    else:
        raise TypeError("optimizer_or_trainer should be a Gluon Trainer or "
                        "an optimizer, instead is %s" % type(optimizer_or_trainer))


@contextlib.contextmanager
def scale_loss(loss, optimizer_or_trainer):
    """Scale the loss (or list of losses) by the trainer's loss scale; ``step`` divides it back."""
    t = optimizer_or_trainer
    assert getattr(t, "_amp_loss_scaler", None) is not None, \
        'Loss scaler is not initialized, did you forget to call amp.init_trainer()?'
    scale = t._amp_loss_scaler.loss_scale
    t._scale = t._amp_original_scale / scale
    if isinstance(loss, (list, tuple)):
        yield [l * scale for l in loss]
    else:
        yield scale * loss


def unscale(optimizer_or_trainer):
    """Check and unscale the gradients manually (e.g. before gradient clipping)."""
    from ...gluon import trainer
    from ... import optimizer as opt
    t = optimizer_or_trainer
    if isinstance(t, trainer.Trainer):
        for p in t._params:
            if p._grad is not None:
                for g in p._grad:
                    g[:] *= t._scale
        t._scale = 1.
    elif isinstance(t, opt.Optimizer):
        raise TypeError("AMP is currently only compatible with Gluon Trainer")
    else:
        raise TypeError("optimizer_or_trainer should be a Gluon Trainer or "
                        "an optimizer, instead is %s" % type(t))


# -- graph conversion ---------------------------------------------------------------------------
def convert_symbol(sym, target_dtype="float16", target_dtype_ops=None, fp32_ops=None,
                   conditional_fp32_ops=None, excluded_sym_names=None, data_names=None,
                   cast_optional_params=False):
    """Return a copy of ``sym`` with ``amp_cast``/``amp_multicast`` nodes inserted: inputs of
    ``target_dtype_ops`` are cast to ``target_dtype``, inputs of ``fp32_ops`` (and matching
    ``conditional_fp32_ops``, and ``excluded_sym_names``) back to float32, mixed inputs of
    widest-type ops to the widest type. Casts are named ``<input>_amp_cast_<dtype>``.

    ``data_names`` are the inputs that are data (float32); the other inputs are parameters and
    get a ``__dtype__`` attribute. With ``cast_optional_params``, parameters only used in
    ``target_dtype`` are stored in ``target_dtype`` instead of being cast."""
    from ...symbol.symbol import Node, Symbol, topo_order
    from ...ops.registry import find_op
    assert not _is_bf16(target_dtype), "convert_symbol supports float16 only in neomx"
    lp = np.dtype(np.float16)
    f32 = np.dtype(np.float32)
    lp_ops = set(target_dtype_ops if target_dtype_ops is not None else list_lp16_ops(lp))
    fp32 = set(fp32_ops if fp32_ops is not None else list_fp32_ops(lp))
    cond = conditional_fp32_ops if conditional_fp32_ops is not None \
        else list_conditional_fp32_ops(lp)
    widest = set(list_widest_type_cast(lp))
    excluded = set(excluded_sym_names or [])
    inputs = sym.list_inputs()
    explicit_data = data_names is not None
    data_names = set(data_names if explicit_data else inputs)
    cast_op = find_op("amp_cast")
    multi_op = find_op("amp_multicast")

    new, dtype, casts = {}, {}, {}     # old node id -> new node; new entry -> dtype; cache

    def entry_name(e):
        node, i = e
        return node.name if node.op is None else node.output_name(i)

    def cast(e, dt):
        if dtype.get((id(e[0]), e[1]), f32) == dt:
            return e
        key = (id(e[0]), e[1], dt.name)
        if key not in casts:
            c = Node(cast_op, "{}_amp_cast_{}".format(entry_name(e), dt.name), {"dtype": dt.name},
                     inputs=[e])
            casts[key] = (c, 0)
            dtype[(id(c), 0)] = dt
        return casts[key]

    def is_cond(n):
        return any(n.op.name == name and str(n.params.get(arg)) in vals
                   for name, arg, vals in cond)

    for n in topo_order(sym._outputs):
        if n.op is None:
            c = Node(None, n.name, dict(n.params), dict(n.attrs))
            new[id(n)] = c
            dtype[(id(c), 0)] = f32
            continue
        ins = [(new[id(s)], i) for s, i in n.inputs]
        c = Node(n.op, n.name, dict(n.params), dict(n.attrs), [], n.subgraphs)
        k = n.num_inputs()
        name = n.op.name
        if n.name in excluded or name in fp32 or is_cond(n):
            ins = [cast(e, f32) if j < k else e for j, e in enumerate(ins)]
            out_dt = f32
        elif name in lp_ops:
            ins = [cast(e, lp) if j < k else e for j, e in enumerate(ins)]
            out_dt = lp
        elif name in widest and len({dtype.get((id(e[0]), e[1]), f32) for e in ins[:k]}) > 1:
            ins = [cast(e, f32) if j < k else e for j, e in enumerate(ins)]
            out_dt = f32
        else:
            out_dt = dtype.get((id(ins[0][0]), ins[0][1]), f32) if ins else f32
        c.inputs = ins
        new[id(n)] = c
        for i in range(n.num_outputs()):
            dtype[(id(c), i)] = out_dt
    out = Symbol([(new[id(n)], i) for n, i in sym._outputs])
    if cast_optional_params:   # parameters only read in low precision: stored in low precision
        order = topo_order(out._outputs)
        users = {}
        for m in order:
            for e in m.inputs:
                users.setdefault(id(e[0]), []).append(m)
        for m in order:
            if m.op is None or m.op is not cast_op or m.params.get("dtype") != lp.name:
                continue
            v = m.inputs[0][0]
            if v.op is None and v.name not in data_names and all(
                    u.op is cast_op and u.params.get("dtype") == lp.name for u in users[id(v)]):
                v.attrs["__dtype__"] = str(_MX_DTYPE_CODE[lp])
                for u in order:
                    u.inputs = [(v, 0) if s is m else (s, i) for s, i in u.inputs]
        out = Symbol(list(out._outputs))
    if explicit_data:
        for m in topo_order(out._outputs):
            if m.op is None and m.name not in data_names:
                m.attrs.setdefault("__dtype__", str(_MX_DTYPE_CODE[f32]))
    return out


def _param_dtype(sym, name):
    for m in sym._topo():
        if m.op is None and m.name == name and "__dtype__" in m.attrs:
            return _MX_CODE_DTYPE.get(int(m.attrs["__dtype__"]))
    return None


def convert_model(sym, arg_params, aux_params, target_dtype="float16", target_dtype_ops=None,
                  fp32_ops=None, conditional_fp32_ops=None, excluded_sym_names=None,
                  cast_optional_params=False):
    """API for converting a model from FP32 model to a mixed precision model: returns
    ``(sym, arg_params, aux_params)`` with parameters cast as the new graph stores them."""
    param_names = list(arg_params.keys()) + list(aux_params.keys())
    data_names = [n for n in sym.list_inputs() if n not in param_names]
    sym = convert_symbol(sym, target_dtype, target_dtype_ops, fp32_ops, conditional_fp32_ops,
                         excluded_sym_names, data_names, cast_optional_params)

    def cast_params(params):
        out = {}
        for k, v in params.items():
            dt = _param_dtype(sym, k)
            out[k] = v.astype(dt) if dt is not None and v.dtype != dt else v
        return out
    return sym, cast_params(arg_params), cast_params(aux_params)


def convert_hybrid_block(block, target_dtype="float16", target_dtype_ops=None, fp32_ops=None,
                         conditional_fp32_ops=None, excluded_sym_names=None, ctx=None,
                         cast_optional_params=False):
    """Given a hybridized HybridBlock that has been run once, return a SymbolBlock running the
    converted (mixed precision) graph with the block's parameters."""
    from ...gluon import SymbolBlock
    from ... import symbol
    from ...context import cpu
    ctx = ctx or cpu()
    sym, input_names = block._cached_symbol, block._cached_input_names
    if sym is None:
        raise RuntimeError("Please first call block.hybridize() and then run forward with "
                           "this block at least once before calling convert_hybrid_block")
    sym = convert_symbol(sym, target_dtype, target_dtype_ops, fp32_ops, conditional_fp32_ops,
                         excluded_sym_names, input_names, cast_optional_params)
    inputs = [symbol.var(n) for n in input_names]
    ret = SymbolBlock(sym, inputs)
    params = block.collect_params()
    by_name = {p.name: p for p in params.values()}
    for name, p in ret.collect_params().items():
        src = by_name[name]
        dt = _param_dtype(sym, name) or np.dtype(src.dtype)
        p.initialize(ctx=ctx)
        if np.dtype(p.dtype) != np.dtype(dt):
            p.cast(dt)
        p.set_data(src.data().astype(dt).as_in_context(ctx))
    return ret
