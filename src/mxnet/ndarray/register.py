"""Generate the ``mx.nd.<op>`` functions and the fluent ``NDArray.<op>`` methods from the registry.

Closures, not exec'd source: each function gets a ``__signature__`` and a docstring built from
the operator's parameter schema.
"""
import inspect

from ..base import _Null
from ..ops import registry
from .ndarray import NDArray
from .imperative import invoke

__all__ = ["make_function", "make_doc", "populate", "FLUENT_METHODS"]


def make_doc(op, public_name):
    """Numpy-style docstring from the op's summary and parameter schema."""
    lines = [(op.doc or "Operator {}.".format(op.name)).strip(), "", "Parameters", "----------"]
    if op.key_var_num_args is not None:
        lines += ["*data : NDArray[]", "    Positional input arrays."]
    else:
        for n in op.all_input_names():
            lines += ["{} : NDArray".format(n), "    Input array ``{}``.".format(n)]
    for p in op.params:
        lines.append("{} : {}".format(p.name, p.type_doc()))
        if p.doc:
            lines.append("    " + p.doc)
    lines += ["out : NDArray, optional", "    The output array.", "", "Returns", "-------",
              "out : NDArray or list of NDArrays", "    The output of this function."]
    if public_name != op.name:
        lines += ["", "Registered operator name: ``{}``.".format(op.name)]
    return "\n".join(lines)


def _signature(op):
    P = inspect.Parameter
    params = []
    if op.key_var_num_args is not None:
        params.append(P("data", P.VAR_POSITIONAL))
    else:
        params += [P(n, P.POSITIONAL_OR_KEYWORD, default=None) for n in op.all_input_names()]
    kind = P.KEYWORD_ONLY if op.key_var_num_args is not None else P.POSITIONAL_OR_KEYWORD
    params += [P(p.name, kind, default=_Null) for p in op.params]
    params += [P("out", kind, default=None), P("name", kind, default=None), P("kwargs", P.VAR_KEYWORD)]
    return inspect.Signature(params)


def make_function(op, public_name):
    """The imperative function for ``op``: inputs (positional or by name), then parameters."""
    input_names = op.all_input_names()
    n_inputs = len(input_names)
    param_names = [p.name for p in op.params]
    varargs = op.key_var_num_args

    def fn(*args, out=None, name=None, **kwargs):
        if varargs is not None:
            inputs = [a for a in args if isinstance(a, NDArray)]
            if len(inputs) != len(args):
                raise TypeError("{}: positional arguments must be NDArrays".format(public_name))
            if len(inputs) == 1 and isinstance(args[0], (list, tuple)):
                inputs = list(args[0])
            if varargs not in kwargs or kwargs[varargs] is _Null:
                kwargs[varargs] = len(inputs)
            return invoke(op, inputs, kwargs, out)
        slots = [None] * n_inputs
        for i, a in enumerate(args):
            if i < n_inputs:
                if a is not None and not isinstance(a, NDArray):
                    raise TypeError("{}: input '{}' must be an NDArray, got {}".format(
                        public_name, input_names[i], type(a).__name__))
                slots[i] = a
            elif i - n_inputs < len(param_names):
                kwargs[param_names[i - n_inputs]] = a
            else:
                raise TypeError("{}: too many positional arguments".format(public_name))
        for k in list(kwargs):
            v = kwargs[k]
            if isinstance(v, NDArray):
                if k not in input_names:
                    raise TypeError("{}: unexpected NDArray argument '{}'; inputs are {}".format(
                        public_name, k, input_names))
                slots[input_names.index(k)] = kwargs.pop(k)
            elif k.startswith("__") and k.endswith("__"):
                kwargs.pop(k)     # symbol attributes such as __layout__ mean nothing here
        inputs = slots
        while inputs and inputs[-1] is None:
            inputs = inputs[:-1]
        skipped = False
        for x in inputs:
            if x is None:
                skipped = True
                break
        if skipped:
            # optional inputs may be skipped (RNN's state_cell for gru): keep the ones the
            # parameters select, in order
            wanted = op.input_names(op.parse(kwargs)) + op.aux_names(op.parse(kwargs))
            given = {n: x for n, x in zip(input_names, inputs) if x is not None}
            missing = [n for n in wanted if n not in given]
            if missing:
                raise TypeError("{}: missing input(s) {}".format(public_name, missing))
            inputs = [given[n] for n in wanted]
        return invoke(op, inputs, kwargs, out)

    fn.__name__ = public_name
    fn.__qualname__ = public_name
    fn.__doc__ = make_doc(op, public_name)
    fn.__signature__ = _signature(op)
    fn.op = op
    return fn


# NDArray methods that forward to the op of the same name with the array as first input.
FLUENT_METHODS = (
    "abs arccos arccosh arcsin arcsinh arctan arctanh argmax argmax_channel argmin argsort "
    "broadcast_axes cbrt ceil clip cos cosh degrees depth_to_space exp expm1 fix flip floor "
    "log log10 log1p log2 log_softmax max mean min nanprod nansum norm one_hot ones_like pad pick "
    "prod radians rcbrt reciprocal relu repeat rint round rsqrt shape_array sigmoid sign sin sinh "
    "size_array slice slice_axis slice_like softmax softmin space_to_depth sort sqrt square "
    "squeeze sum swapaxes take tan tanh tile topk transpose trunc zeros_like"
).split()


def populate(namespaces):
    """Fill the ``mx.nd`` namespaces from the registry; returns the list of names added.

    ``namespaces`` maps 'top', 'internal', 'contrib', 'linalg', 'random', 'image' to dicts."""
    added = []
    for name in registry.list_ops(canonical=False):
        op = registry.find_op(name)
        for prefix, ns in (("_contrib_", "contrib"), ("_linalg_", "linalg"), ("_image_", "image")):
            if name.startswith(prefix):
                namespaces[ns][name[len(prefix):]] = make_function(op, name[len(prefix):])
                namespaces["internal"][name] = make_function(op, name)
                break
        else:
            if name.startswith(("_random_", "_sample_")):
                if not name.endswith("_like"):   # MXNet exposes the *_like ones only in mx.nd.random
                    namespaces["top"][name[1:]] = make_function(op, name[1:])
                namespaces["internal"][name] = make_function(op, name)
            elif name.startswith("_"):
                namespaces["internal"][name] = make_function(op, name)
            else:
                namespaces["top"][name] = make_function(op, name)
                added.append(name)
    for m in FLUENT_METHODS:
        op = registry.find_op(m)
        if op is not None and not hasattr(NDArray, m):
            setattr(NDArray, m, _fluent(namespaces["top"].get(m) or make_function(op, m), m))
    return added


def _fluent(fn, name):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    method.__name__ = name
    method.__doc__ = "Convenience method for ``mx.nd.{}(self, ...)``.".format(name)
    return method
