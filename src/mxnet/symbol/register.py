"""Generate the ``mx.sym.<op>`` functions from the registry (closures with signatures and docs)."""
import inspect

import numpy as np

from .. import attribute, name as _name
from ..base import MXNetError, _Null
from ..ndarray.register import make_doc
from .symbol import Node, Symbol, Variable

__all__ = ["make_function", "param_str"]


def param_str(v):
    """MXNet's string form of a parameter value as written into the graph (``str(v)``)."""
    if isinstance(v, str):
        return v
    if isinstance(v, type) or isinstance(v, np.dtype):
        return np.dtype(v).name
    if isinstance(v, list):
        v = tuple(v)
    return str(v)


def _signature(op):
    P = inspect.Parameter
    if op.key_var_num_args is not None:
        params = [P("args", P.VAR_POSITIONAL)]
    else:
        params = [P(n, P.POSITIONAL_OR_KEYWORD, default=None) for n in op.all_input_names()]
    kind = P.KEYWORD_ONLY if op.key_var_num_args is not None else P.POSITIONAL_OR_KEYWORD
    params += [P(p.name, kind, default=_Null) for p in op.params]
    params += [P("name", kind, default=None), P("attr", kind, default=None), P("out", kind, default=None),
               P("kwargs", P.VAR_KEYWORD)]
    return inspect.Signature(params)


def _auto_var_attrs(params, attr, extra):
    """Attributes of an auto-created input variable: the op's parameters and attributes (an
    ``attr={'lr_mult': '0'}`` given to a layer reaches its weight and bias, as in MXNet) and the
    op's own defaults for that input (``__init__``)."""
    va = dict(params)
    if attr:
        va.update(attr)
    if extra:
        va.update(extra)
    return va


def _set_input_var_attrs(node_name, input_name, s, attrs):
    """MXNet's compose-time rule for inputs with their own initializer (BatchNorm's moving
    statistics, PReLU's gamma, bilinear UpSampling's weight): a given variable gets the op's
    ``__init__`` unless it has one; anything but a variable there is an error."""
    node = s._outputs[0][0] if len(s._outputs) == 1 else None
    if node is None or node.op is not None:
        raise MXNetError("{}: input '{}' must be a Variable (its initializer is set on it); got the "
                         "output of another operator".format(node_name, input_name))
    for k, v in attrs.items():
        node.attrs.setdefault(k, v)


def create(op, hint, inputs_by_name, positional, params, name, attr):
    """Create the op node: auto-create missing inputs as ``<name>_<input>`` variables."""
    params = {k: param_str(v) for k, v in params.items() if v is not _Null}
    parsed = op.parse(params)
    node_name = _name.current().get(name, hint)
    attrs = attribute.current().get(attr)
    var_attrs = getattr(op, "var_attrs", None) or {}
    if op.key_var_num_args is not None:
        entries = []
        input_names = op.input_names(parsed)
        for k, s in enumerate(positional):
            if len(s._outputs) != 1:
                raise MXNetError("{}: input symbols must have one output, got {}".format(hint, len(s._outputs)))
            if k < len(input_names) and input_names[k] in var_attrs:
                _set_input_var_attrs(node_name, input_names[k], s, var_attrs[input_names[k]])
            entries.append(s._outputs[0])
        # a variadic op may take extra named inputs (UpSampling's bilinear weight): auto-create them
        for n in input_names[len(entries):]:
            va = _auto_var_attrs(params, attr, var_attrs.get(n))
            entries.append(Variable("{}_{}".format(node_name, n), attr=va)._outputs[0])
    else:
        names = op.input_names(parsed) + op.aux_names(parsed)
        given = dict(zip(op.all_input_names(), positional))
        given.update(inputs_by_name)
        unknown = set(given) - set(op.all_input_names()) - set(names)   # (auxiliary states by name too)
        if unknown:
            raise MXNetError("{}: unknown input(s) {}; inputs are {}".format(hint, sorted(unknown), names))
        entries = []
        for n in names:
            s = given.get(n)
            if s is None:
                va = _auto_var_attrs(params, attr, var_attrs.get(n))
                s = Variable("{}_{}".format(node_name, n), attr=va)
            elif n in var_attrs:
                _set_input_var_attrs(node_name, n, s, var_attrs[n])
            if len(s._outputs) != 1:
                raise MXNetError("{}: input '{}' must be a single-output symbol, got {} outputs".format(
                    node_name, n, len(s._outputs)))
            entries.append(s._outputs[0])
    node = Node(op, node_name, params, attrs, entries)
    node._parsed = parsed
    return Symbol([(node, i) for i in range(op.num_visible_outputs(parsed))])


def make_function(op, public_name):
    """The symbolic function for ``op`` (``mx.sym.FullyConnected(data=..., num_hidden=...)``)."""
    input_names = op.all_input_names()
    n_inputs = len(input_names)
    param_names = [p.name for p in op.params]
    varargs = op.key_var_num_args
    hint = public_name.lower()

    def fn(*args, name=None, attr=None, out=None, **kwargs):
        # (``out``: accepted and ignored, as by MXNet's generated symbol functions)
        inputs_by_name = {}
        positional = []
        if varargs is not None:
            if len(args) == 1 and isinstance(args[0], (list, tuple)):
                args = tuple(args[0])
            for a in args:
                if not isinstance(a, Symbol):
                    raise TypeError("{}: positional arguments must be Symbols, got {}".format(
                        public_name, type(a).__name__))
            positional = list(args)
            if kwargs.get(varargs, _Null) is _Null:
                kwargs[varargs] = len(positional)
        else:
            for i, a in enumerate(args):
                if i < n_inputs:
                    if a is not None and not isinstance(a, Symbol):
                        raise TypeError("{}: input '{}' must be a Symbol, got {}".format(
                            public_name, input_names[i], type(a).__name__))
                    positional.append(a)
                elif i - n_inputs < len(param_names):
                    kwargs[param_names[i - n_inputs]] = a
                else:
                    raise TypeError("{}: too many positional arguments".format(public_name))
            positional = [p for p in positional]
        for k in list(kwargs):
            v = kwargs[k]
            if isinstance(v, Symbol):
                inputs_by_name[k] = kwargs.pop(k)
            elif v is None and k in input_names:
                kwargs.pop(k)
            elif k.startswith("__") and k.endswith("__"):
                attr = dict(attr or {})
                attr[k] = str(kwargs.pop(k))   # e.g. __layout__: a node attribute, as in MXNet
        given_pos = {n: s for n, s in zip(input_names, positional) if s is not None}
        if varargs is None:
            positional = []
            inputs_by_name = {**given_pos, **inputs_by_name}
        return create(op, hint, inputs_by_name, positional, kwargs, name, attr)

    fn.__name__ = public_name
    fn.__qualname__ = public_name
    fn.__doc__ = make_doc(op, public_name).replace("NDArray", "Symbol").replace(
        "    The output array.", "    Accepted and ignored, as in MXNet.")
    fn.__signature__ = _signature(op)
    fn.op = op
    return fn
