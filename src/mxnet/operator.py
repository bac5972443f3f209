"""Custom operators written in Python (``mx.operator``), as in MXNet 1.9.1.

Subclass :class:`CustomOp` (the computation) and :class:`CustomOpProp` (names, shapes, types,
and the factory of the op), register the prop with ``@mx.operator.register("name")``, then use
``mx.nd.Custom(*inputs, op_type="name", **kwargs)`` or ``mx.sym.Custom(...)`` (the keyword
arguments reach the prop's constructor as strings, as in MXNet).

The user's ``forward``/``backward`` get NDArrays wrapping the kernel's arrays and may call any
``mx.nd`` operator on them; they run inside the engine op of ``Custom`` (nested engine pushes
of ready operations run at once on the running thread). The op instance made by
``create_operator`` for a forward call is the one that runs the matching backward (state kept
on ``self`` between them works), through the arrays the forward produced.

The legacy ``PythonOp`` / ``NumpyOp`` / ``NDArrayOp`` classes are provided on top of ``Custom``.
"""
import collections
import weakref

import numpy as np

from . import autograd, engine
from . import attribute as _attribute
from . import name as _name
from .base import MXNetError, DTYPE_TO_FLAG, _Null
from .context import current_context
from .ndarray.ndarray import NDArray, Chunk, array as _nd_array
from .ndarray.imperative import _finalize
from .ops import custom as _custom
from .ops.registry import OpEnv, list_ops, get_op
from .backend import for_context
from .symbol.symbol import Node, Symbol, Variable
from .symbol.register import param_str as _param_str

__all__ = ["CustomOp", "CustomOpProp", "register", "get_all_registered_operators",
           "get_operator_arguments", "OperatorArguments", "PythonOp", "NumpyOp", "NDArrayOp"]

_OP = _custom.CUSTOM


# ---------------------------------------------------------------------------------------------
# the user-facing base classes
# ---------------------------------------------------------------------------------------------
class CustomOp(object):
    """Base class for operators implemented in Python."""

    def __init__(self):
        pass

    def forward(self, is_train, req, in_data, out_data, aux):
        """Forward interface. Can override when creating new operators.

        Parameters
        ----------
        is_train : bool
            whether this is for training
        req : list of str
            how to assign to out_data: 'null', 'write', 'inplace' or 'add'.
        in_data : list of NDArray
            input data.
        out_data : list of NDArray
            pre-allocated output buffers.
        aux : list of NDArray
            auxiliary states (may be updated in place).
        """
        pass

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        """Backward interface. Can override when creating new operators.

        Parameters
        ----------
        req : list of str
            how to assign to in_grad: 'null', 'write', 'inplace' or 'add'.
        out_grad : list of NDArray
            gradient with respect to each output.
        in_data : list of NDArray
            input data.
        out_data : list of NDArray
            the outputs of forward.
        in_grad : list of NDArray
            buffers for the gradient with respect to each input.
        aux : list of NDArray
            auxiliary states.
        """
        pass

    def assign(self, dst, req, src):
        """Helper function for assigning into dst depending on requirements."""
        if req == "null":
            return
        elif req in ("write", "inplace"):
            dst[:] = src
        elif req == "add":
            dst[:] += src
        else:
            raise MXNetError("CustomOp.assign: unknown req '{}'; use 'null', 'write', 'inplace' "
                             "or 'add'".format(req))


class CustomOpProp(object):
    """Base class for operator property classes implemented in Python.

    Parameters
    ----------
    need_top_grad : bool
        The default declare_backward_dependency function. Use this value to determine whether
        this operator needs gradient input (False for loss layers).
    """

    def __init__(self, need_top_grad=True):
        self.need_top_grad_ = need_top_grad

    def infer_shape(self, in_shape):
        """Shapes of (inputs, outputs, auxiliary states) from the input shapes.
        Default: every output has the first input's shape."""
        return in_shape, (in_shape[0],) * len(self.list_outputs()), ()

    def infer_type(self, in_type):
        """Types of (inputs, outputs, auxiliary states). Default: all the first input's type."""
        return in_type, [in_type[0]] * len(self.list_outputs()), \
            [in_type[0]] * len(self.list_auxiliary_states())

    def infer_storage_type(self, in_stype):
        """Storage types of (inputs, outputs, auxiliary states); only 'default' is supported."""
        for i, stype in enumerate(in_stype):
            if stype != "default":
                raise MXNetError("Custom operator: storage type '{}' of input {} is not supported; "
                                 "only 'default' (dense)".format(stype, i))
        return in_stype, ["default"] * len(self.list_outputs()), \
            ["default"] * len(self.list_auxiliary_states())

    def infer_storage_type_backward(self, ograd_stype, in_stype, out_stype, igrad_stype, aux_stype):
        """Storage types for backward; only 'default' is supported."""
        for stype in list(ograd_stype) + list(in_stype) + list(out_stype) + list(aux_stype):
            if stype != "default":
                raise MXNetError("Custom operator: only the 'default' storage type is supported")
        return ograd_stype, in_stype, out_stype, ["default"] * len(in_stype), aux_stype

    def list_outputs(self):
        """Names of the outputs (default ``['output']``)."""
        return ["output"]

    def list_arguments(self):
        """Names of the inputs (default ``['data']``)."""
        return ["data"]

    def list_auxiliary_states(self):
        """Names of the auxiliary states (default none)."""
        return []

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        """Dependencies of backward (all of them are kept here; this only informs)."""
        deps = []
        if self.need_top_grad_:
            deps.extend(out_grad)
        deps.extend(in_data)
        deps.extend(out_data)
        return deps

    def create_operator(self, ctx, in_shapes, in_dtypes):
        """Create an operator that carries out the real computation given the context, input
        shapes and input data types."""
        return CustomOp()


def register(reg_name):
    """Register a subclass of CustomOpProp to the registry with name reg_name."""
    def do_register(prop_cls):
        if not (isinstance(prop_cls, type) and issubclass(prop_cls, CustomOpProp)):
            raise MXNetError("mx.operator.register('{}'): {!r} is not a CustomOpProp subclass".format(
                reg_name, prop_cls))
        _custom.PROPS[reg_name] = prop_cls
        _OP.forget(reg_name)
        return prop_cls
    return do_register


def get_all_registered_operators():
    """Names of all registered (built-in) operators, aliases included."""
    return list_ops(canonical=False)


OperatorArguments = collections.namedtuple("OperatorArguments", ["narg", "names", "types"])


def get_operator_arguments(op_name):
    """The arguments (inputs, then parameters) of a registered operator and their types."""
    op = get_op(op_name)
    if op.key_var_num_args is not None or op is _OP:
        names, types = ["data"], ["NDArray-or-Symbol[]"]
    else:
        names = op.all_input_names()
        types = ["NDArray-or-Symbol"] * len(names)
    for p in op.params:
        names.append(p.name)
        if isinstance(p.default, bool):        # MXNet prints booleans as 0/1
            types.append("{}, optional, default={}".format(p.type.doc, int(p.default)))
        else:
            types.append(p.type_doc())
    return OperatorArguments(len(names), names, types)


# ---------------------------------------------------------------------------------------------
# kernels (run inside the engine op of Custom)
# ---------------------------------------------------------------------------------------------
_LINKS = {}     # id(first output array) -> (weakref to it, CustomOp, aux arrays)


def _link(arr, op, aux):
    key = id(arr)

    def drop(ref, key=key):
        hit = _LINKS.get(key)
        if hit is not None and hit[0] is ref:
            del _LINKS[key]
    try:
        ref = weakref.ref(arr, drop)
    except TypeError:     # an array type without weak references: backward makes a new op
        return
    _LINKS[key] = (ref, op, aux)


def _linked(arr):
    hit = _LINKS.get(id(arr))
    if hit is not None and hit[0]() is arr:
        return hit[1], hit[2]
    return None, None


def _wrap(x, ctx):
    return NDArray(Chunk(x), tuple(x.shape), np.dtype(x.dtype), ctx)


def _ctx_of(env):
    return env.ctx if env.ctx is not None else current_context()


def _create(prop, attrs, ctx, inputs):
    shapes = [list(x.shape) for x in inputs]
    dtypes = [DTYPE_TO_FLAG.get(np.dtype(x.dtype), -1) for x in inputs]
    try:
        op = prop.create_operator(ctx, shapes, dtypes)
    except MXNetError:
        raise
    except Exception as e:  # noqa: BLE001
        raise MXNetError("Custom operator '{}': create_operator failed: {}: {}".format(
            attrs["op_type"], type(e).__name__, e)) from e
    if not isinstance(op, CustomOp):
        raise MXNetError("Custom operator '{}': create_operator must return a CustomOp, got {}".format(
            attrs["op_type"], type(op).__name__))
    return op


_META = {}     # (attrs, input shapes/dtypes, aux shapes) -> (output shapes, output dtypes)


def _out_meta(attrs, inputs, aux):
    """Output shapes and dtypes from the prop's rules (remembered per input signature)."""
    in_shapes = [tuple(x.shape) for x in inputs]
    in_dtypes = [np.dtype(x.dtype) for x in inputs]
    aux_shapes = [tuple(a.shape) for a in aux]
    key = (attrs, tuple(in_shapes), tuple(in_dtypes), tuple(aux_shapes))
    hit = _META.get(key)
    if hit is not None and _custom.PROPS.get(attrs["op_type"]) is hit[0]:
        return hit[1], hit[2]
    _, shapes, _ = _OP.infer_shapes(attrs, in_shapes, aux_shapes)
    if any(s is None for s in shapes):
        raise MXNetError("Custom operator '{}': cannot infer the output shapes from input shapes {}".format(
            attrs["op_type"], in_shapes))
    shapes = [tuple(s) for s in shapes]
    dtypes = [np.dtype(d) for d in _OP.infer_types(attrs, in_dtypes)]
    if len(_META) > 1024:
        _META.clear()
    _META[key] = (_custom.PROPS.get(attrs["op_type"]), shapes, dtypes)
    return shapes, dtypes


def _settle(nd, xp, keep=()):
    """The finished array behind wrapper ``nd``: owned, contiguous, not one of ``keep``."""
    nd.wait_to_read()
    r = nd._read()
    if r.base is not None or not r.flags.c_contiguous or any(r is k for k in keep):
        r = xp.array(r, copy=True, order="C")
    return r


def _forward_kernel(env, attrs, inputs, aux):
    xp = env.xp
    ctx = _ctx_of(env)
    prop = _custom.get_prop(attrs)
    op = _create(prop, attrs, ctx, inputs)
    shapes, dtypes = _out_meta(attrs, inputs, aux)
    in_data = [_wrap(x, ctx) for x in inputs]
    out_data = [_wrap(xp.zeros(s, dtype=d), ctx) for s, d in zip(shapes, dtypes)]
    aux_data = [_wrap(a, ctx) for a in aux]
    req = ["write"] * len(out_data)
    with autograd.pause(train_mode=env.is_train):
        op.forward(is_train=int(bool(env.is_train)), req=req, in_data=in_data, out_data=out_data,
                   aux=aux_data)
    keep = list(inputs) + list(aux)
    outs = [_settle(o, xp, keep) for o in out_data]
    for a_nd, a in zip(aux_data, aux):
        a_nd.wait_to_read()
        r = a_nd._read()
        if r is not a:          # the user's update replaced the buffer: copy it back in place
            a[...] = r
    if outs:
        _link(outs[0], op, list(aux))
    return outs


def _backward_kernel(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    ctx = _ctx_of(env)
    prop = _custom.get_prop(attrs)
    op, aux = _linked(outputs[0]) if outputs else (None, None)
    if op is None:
        op = _create(prop, attrs, ctx, inputs)
        _, _, aux_shapes = _OP.infer_shapes(attrs, [tuple(x.shape) for x in inputs], [])
        aux = [xp.zeros(s, dtype=inputs[0].dtype) for s in aux_shapes if s is not None]
    in_data = [_wrap(x, ctx) for x in inputs]
    out_data = [_wrap(o, ctx) for o in outputs]
    out_grad = [_wrap(g, ctx) for g in out_grads]
    in_grad = [_wrap(xp.zeros(x.shape, dtype=x.dtype), ctx) for x in inputs]
    aux_data = [_wrap(a, ctx) for a in aux]
    reqs = ["write" if r else "null" for r in req]
    with autograd.pause(train_mode=env.is_train):
        op.backward(req=reqs, out_grad=out_grad, in_data=in_data, out_data=out_data,
                    in_grad=in_grad, aux=aux_data)
    keep = list(inputs) + list(outputs) + list(out_grads) + list(aux)
    grads = []
    for g, r in zip(in_grad, req):
        grads.append(_settle(g, xp, keep) if r else None)
    return grads


_custom.KERNELS["forward"] = _forward_kernel
_custom.KERNELS["backward"] = _backward_kernel


# ---------------------------------------------------------------------------------------------
# mx.nd.Custom and mx.sym.Custom
# ---------------------------------------------------------------------------------------------
def _split_kwargs(kwargs, tensor_type):
    named, params = {}, {}
    for k, v in kwargs.items():
        if isinstance(v, tensor_type):
            named[k] = v
        elif v is _Null or (k.startswith("__") and k.endswith("__")):
            continue
        else:
            params[k] = v
    return named, params


def _arrange(attrs, positional, named, what):
    """Inputs in the prop's order (arguments, then auxiliary states)."""
    prop = _custom.get_prop(attrs)
    names = list(prop.list_arguments()) + list(prop.list_auxiliary_states())
    if len(positional) > len(names):
        raise MXNetError("Custom operator '{}' takes {} inputs ({}), got {}".format(
            attrs["op_type"], len(names), ", ".join(names), len(positional)))
    slots = list(positional) + [None] * (len(names) - len(positional))
    for k, v in named.items():
        if k not in names:
            raise MXNetError("Custom operator '{}': unknown input '{}'; inputs are {}".format(
                attrs["op_type"], k, names))
        i = names.index(k)
        if slots[i] is not None:
            raise MXNetError("Custom operator '{}': input '{}' given twice".format(attrs["op_type"], k))
        slots[i] = v
    return names, slots


def _nd_custom(*data, **kwargs):
    out = kwargs.pop("out", None)
    kwargs.pop("name", None)
    if len(data) == 1 and isinstance(data[0], (list, tuple)):
        data = tuple(data[0])
    for i, x in enumerate(data):
        if not isinstance(x, NDArray):
            raise TypeError("Custom: positional input {} must be an NDArray, got {}".format(
                i, type(x).__name__))
    named, params = _split_kwargs(kwargs, NDArray)
    attrs = _OP.parse(params)
    names, slots = _arrange(attrs, data, named, "NDArray")
    missing = [n for n, s in zip(names, slots) if s is None]
    if missing:
        raise MXNetError("Custom operator '{}' expects {} inputs ({}), missing {}".format(
            attrs["op_type"], len(names), ", ".join(names), ", ".join(missing)))
    return _invoke(attrs, slots, out)


def _inputs_context(attrs, inputs):
    if not inputs:
        return current_context()
    ctx = inputs[0].context
    for i, x in enumerate(inputs[1:], 1):
        if x.context != ctx:
            raise MXNetError("Custom operator '{}': all inputs must be on the same context; input 0 "
                             "is on {}, input {} is on {}".format(attrs["op_type"], ctx, i, x.context))
    return ctx


def _on_engine_worker():
    eng = engine.get()
    local = getattr(eng, "_local", None)
    return bool(getattr(eng, "threaded", False) and local is not None and local.is_worker)


def _invoke(attrs, inputs, out=None):
    prop = _custom.get_prop(attrs)
    n_in = len(prop.list_arguments())
    data_in, aux = list(inputs[:n_in]), list(inputs[n_in:])
    ctx = _inputs_context(attrs, inputs)
    out_shapes, out_dtypes = _out_meta(attrs, data_in, aux)
    n_out = len(out_shapes)
    if out is None:
        outs = [NDArray(Chunk(), tuple(s), d, ctx) for s, d in zip(out_shapes, out_dtypes)]
    else:
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(outs) != n_out:
            raise MXNetError("Custom: out= needs {} arrays, got {}".format(n_out, len(outs)))
        for i, (o, s) in enumerate(zip(outs, out_shapes)):
            if not isinstance(o, NDArray) or o.shape != tuple(s):
                raise MXNetError("Custom: out[{}] must be an NDArray of shape {}".format(i, tuple(s)))
    backend = for_context(ctx)
    xp = backend.xp
    env = OpEnv(xp, autograd.is_training(), ctx)

    def run():
        raw = [x._read() for x in data_in]
        raw_aux = [a._read() for a in aux]
        with backend.device_scope():
            res = _forward_kernel(env, attrs, raw, raw_aux)
        for o, r in zip(outs, res):
            o._assign(_finalize(xp, r, o._shape, o._dtype, raw, "Custom"))

    reads = [x._chunk.var for x in data_in]
    writes = [o._chunk.var for o in outs] + [a._chunk.var for a in aux]
    if _on_engine_worker():
        # Called from inside a running engine op (a custom op calling Custom): run right here;
        # pushing would run it under the engine's lock, where its own pushes would block.
        for x in list(data_in) + list(aux):
            x.wait_to_read()
        run()
    else:
        engine.push(run, reads, writes, ctx, inline="idle" if not backend.is_gpu else False,
                    name="Custom")
    if autograd.is_recording():
        autograd._record_op(_OP, attrs, data_in, outs, aux)
    return outs[0] if n_out == 1 else outs


def _sym_custom(*data, **kwargs):
    name = kwargs.pop("name", None)
    attr = kwargs.pop("attr", None)
    if len(data) == 1 and isinstance(data[0], (list, tuple)):
        data = tuple(data[0])
    for i, s in enumerate(data):
        if not isinstance(s, Symbol):
            raise TypeError("Custom: positional input {} must be a Symbol, got {}".format(
                i, type(s).__name__))
    for k in list(kwargs):
        if k.startswith("__") and k.endswith("__"):
            attr = dict(attr or {})
            attr[k] = str(kwargs.pop(k))
    named, params = _split_kwargs(kwargs, Symbol)
    named = {k: v for k, v in named.items()}
    params = {k: _param_str(v) for k, v in params.items() if v is not None}
    attrs = _OP.parse(params)
    names, slots = _arrange(attrs, data, named, "Symbol")
    node_name = _name.current().get(name, "custom")
    node_attrs = _attribute.current().get(attr)
    entries = []
    for n, s in zip(names, slots):
        if s is None:
            s = Variable("{}_{}".format(node_name, n), attr=dict(params))
        if len(s._outputs) != 1:
            raise MXNetError("{}: input '{}' must be a single-output symbol, got {} outputs".format(
                node_name, n, len(s._outputs)))
        entries.append(s._outputs[0])
    node = Node(_OP, node_name, params, node_attrs, entries)
    node._parsed = attrs
    return Symbol([(node, i) for i in range(_OP.num_visible_outputs(attrs))])


_DOC = """Apply a custom operator implemented in Python (registered with mx.operator.register).

Parameters
----------
*data : {0}[]
    Input arrays, in the order of the prop's list_arguments() then list_auxiliary_states()
    (or by name as keyword arguments).
op_type : string
    Name of the custom operator, the name it was registered under.
**kwargs :
    Other keyword arguments, passed (as strings) to the prop's constructor.{1}

Returns
-------
{0} or list of {0}s
"""


def _install():
    import inspect
    from . import ndarray as _nd, symbol as _sym
    P = inspect.Parameter
    _nd_custom.__name__ = _nd_custom.__qualname__ = "Custom"
    _nd_custom.__doc__ = _DOC.format("NDArray", "\nout : NDArray, optional\n    The output array.")
    _nd_custom.__signature__ = inspect.Signature([
        P("data", P.VAR_POSITIONAL), P("op_type", P.KEYWORD_ONLY, default=_Null),
        P("out", P.KEYWORD_ONLY, default=None), P("name", P.KEYWORD_ONLY, default=None),
        P("kwargs", P.VAR_KEYWORD)])
    _nd_custom.op = _OP
    _sym_custom.__name__ = _sym_custom.__qualname__ = "Custom"
    _sym_custom.__doc__ = _DOC.format("Symbol", "\nname : string, optional\n    Name of the node.")
    _sym_custom.__signature__ = inspect.Signature([
        P("data", P.VAR_POSITIONAL), P("op_type", P.KEYWORD_ONLY, default=_Null),
        P("name", P.KEYWORD_ONLY, default=None), P("attr", P.KEYWORD_ONLY, default=None),
        P("kwargs", P.VAR_KEYWORD)])
    _sym_custom.op = _OP
    for ns in (_nd, getattr(_nd, "op", None)):
        if ns is not None:
            setattr(ns, "Custom", _nd_custom)
    for ns in (_sym, getattr(_sym, "op", None)):
        if ns is not None:
            setattr(ns, "Custom", _sym_custom)


_install()


# ---------------------------------------------------------------------------------------------
# legacy PythonOp / NumpyOp / NDArrayOp (MXNet's pre-CustomOp interface), built on Custom
# ---------------------------------------------------------------------------------------------
class PythonOp(object):
    """Base class for legacy Python operators (use CustomOp/CustomOpProp in new code)."""
    _ref_holder = []

    def __init__(self, need_top_grad=True):
        self.info_ = None
        self.need_top_grad_ = need_top_grad

    def __call__(self, *args, **kwargs):
        return self.get_symbol(*args, **kwargs)

    def get_symbol(self, *args, **kwargs):
        """Create a symbol from this operator."""
        raise NotImplementedError("Must override this")

    def forward(self, in_data, out_data):
        """Forward interface: override to write ``out_data`` from ``in_data``."""
        out_data[0][:] = in_data[0]

    def backward(self, out_grad, in_data, out_data, in_grad):
        """Backward interface: override to write ``in_grad``."""
        in_grad[0][:] = 1.0

    def infer_shape(self, in_shape):
        """(input shapes, output shapes) from the input shapes."""
        return in_shape, [in_shape[0]]

    def list_outputs(self):
        """Names of the outputs."""
        return ["output"]

    def list_arguments(self):
        """Names of the inputs."""
        return ["data"]

    def need_top_grad(self):
        """Whether backward needs the gradient of the outputs."""
        return self.need_top_grad_


class _LegacyOp(CustomOp):
    def __init__(self, pyop, numpy_io):
        super().__init__()
        self.pyop = pyop
        self.numpy_io = numpy_io

    def _outs(self, bufs, targets, req):
        for t, b, r in zip(targets, bufs, req):
            self.assign(t, r, _nd_array(b, ctx=t.context, dtype=t.dtype))

    def forward(self, is_train, req, in_data, out_data, aux):
        if not self.numpy_io:
            self.pyop.forward(in_data=in_data, out_data=out_data)
            return
        ins = [x.asnumpy() for x in in_data]
        outs = [np.zeros(o.shape, dtype=o.dtype) for o in out_data]
        self.pyop.forward(in_data=ins, out_data=outs)
        self._outs(outs, out_data, req)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        if not self.numpy_io:
            self.pyop.backward(out_grad=out_grad, in_data=in_data, out_data=out_data, in_grad=in_grad)
            return
        grads = [np.zeros(g.shape, dtype=g.dtype) for g in in_grad]
        self.pyop.backward(out_grad=[g.asnumpy() for g in out_grad],
                           in_data=[x.asnumpy() for x in in_data],
                           out_data=[o.asnumpy() for o in out_data], in_grad=grads)
        self._outs(grads, in_grad, req)


def _legacy_prop(pyop, numpy_io):
    class _LegacyProp(CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=pyop.need_top_grad())

        def list_arguments(self):
            return pyop.list_arguments()

        def list_outputs(self):
            return pyop.list_outputs()

        def infer_shape(self, in_shape):
            res = pyop.infer_shape(in_shape)
            return (res[0], res[1], []) if len(res) == 2 else res

        def create_operator(self, ctx, in_shapes, in_dtypes):
            return _LegacyOp(pyop, numpy_io)
    return _LegacyProp


class _LegacyMixin(object):
    _numpy_io = True

    def get_symbol(self, *args, **kwargs):
        """A Custom symbol running this operator (MXNet's ``_Native`` / ``_NDArray`` node)."""
        op_type = getattr(self, "_op_type", None)
        if op_type is None:
            op_type = "_{}_{}_{}".format("numpy" if self._numpy_io else "ndarray",
                                         type(self).__name__, id(self))
            register(op_type)(_legacy_prop(self, self._numpy_io))
            self._op_type = op_type
            PythonOp._ref_holder.append(self)
        return _sym_custom(*args, op_type=op_type, **kwargs)


class NumpyOp(_LegacyMixin, PythonOp):
    """Base class for legacy numpy operators: ``forward(in_data, out_data)`` and
    ``backward(out_grad, in_data, out_data, in_grad)`` get NumPy arrays and write the outputs
    (``out_data[0][:] = ...``). Use CustomOp in new code."""

    def __init__(self, need_top_grad=True):
        super().__init__(need_top_grad)


class NDArrayOp(_LegacyMixin, PythonOp):
    """Base class for legacy NDArray operators: like NumpyOp with NDArrays.
    Use CustomOp in new code."""
    _numpy_io = False

    def __init__(self, need_top_grad=True):
        super().__init__(need_top_grad)

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        """Dependencies of backward (everything is kept; this only informs)."""
        deps = []
        if self.need_top_grad():
            deps.extend(out_grad)
        deps.extend(in_data)
        deps.extend(out_data)
        return deps

