"""The ``Custom`` operator: runs a Python operator registered with ``mx.operator.register``.

``Custom(*data, op_type=..., **kwargs)`` looks up the :class:`~mxnet.operator.CustomOpProp`
subclass registered as ``op_type``, builds it from ``kwargs`` (all strings, as MXNet passes
them) and takes its inputs, outputs, auxiliary states and shape/type rules from it.

This module is the registry side only (names, arity, inference); the kernels wrap the raw arrays
as NDArrays and call the user's ``CustomOp``, which is the NDArray layer's business: they are
installed by :mod:`mxnet.operator` through :data:`KERNELS` (the operator layer sits above the
NDArray layer, which sits above this one).
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Str
from .registry import Attrs, OpDef, register

__all__ = ["PROPS", "KERNELS", "get_prop", "CustomOpDef"]

#: op_type -> CustomOpProp subclass (filled by ``mx.operator.register``)
PROPS = {}
#: "forward"/"backward" -> kernel, installed by mxnet.operator
KERNELS = {}

_PROP_CACHE = {}
_DUNDER_KEYS = ("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage")


class _AnyParams(dict):
    """``param_map`` of Custom: every non-reserved key is a parameter (passed to the prop), so
    symbol JSON keeps them as parameters when loaded back."""

    def __contains__(self, key):
        return isinstance(key, str) and not key.startswith("__") and key not in _DUNDER_KEYS

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return _STR_PARAM if key in self else default


_STR_PARAM = Param("kwarg", Str, None, doc="a keyword argument of the custom operator's prop")


def _kwarg_str(v):
    """MXNet hands the prop's constructor the string form of each keyword argument."""
    if isinstance(v, str):
        return v
    if isinstance(v, (type, np.dtype)):
        try:
            return np.dtype(v).name
        except TypeError:
            pass
    if isinstance(v, list):
        v = tuple(v)
    return str(v)


def get_prop(attrs):
    """The prop instance for parsed Custom ``attrs`` (built once per distinct kwargs)."""
    key = (attrs["op_type"], attrs["kwargs"])
    prop = _PROP_CACHE.get(key)
    if prop is None:
        cls = PROPS.get(attrs["op_type"])
        if cls is None:
            raise MXNetError("Custom: cannot find custom operator '{}'; registered: {}".format(
                attrs["op_type"], ", ".join(sorted(PROPS)) or "(none)"))
        try:
            prop = cls(**dict(attrs["kwargs"]))
        except TypeError as e:
            raise MXNetError("Custom operator '{}': cannot create {} from {}: {}".format(
                attrs["op_type"], cls.__name__, dict(attrs["kwargs"]), e)) from None
        if len(_PROP_CACHE) > 4096:
            _PROP_CACHE.clear()
        _PROP_CACHE[key] = prop
    return prop


class CustomOpDef(OpDef):
    """``Custom``: accepts arbitrary keyword parameters (kept as strings for the prop)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pm = _AnyParams()
        pm.update(self.param_map)
        self.param_map = pm

    def _parse(self, kwargs):
        op_type = kwargs.get("op_type")
        if op_type is None or op_type == "":
            raise MXNetError("Operator Custom: required parameter 'op_type' (string) is missing")
        op_type = _kwarg_str(op_type)
        if op_type not in PROPS:
            raise MXNetError("Custom: cannot find custom operator '{}'; registered: {}".format(
                op_type, ", ".join(sorted(PROPS)) or "(none)"))
        rest = tuple(sorted((k, _kwarg_str(v)) for k, v in kwargs.items() if k != "op_type"))
        return Attrs(op_type=op_type, kwargs=rest)

    def forget(self, op_type):
        """Drop everything cached for ``op_type`` (it was registered again)."""
        for k in [k for k in _PROP_CACHE if k[0] == op_type]:
            del _PROP_CACHE[k]
        self._cache.clear()
        self._arity.clear()
        self._inferred.clear()

    def needs_head_grad(self, attrs):
        """The prop's ``need_top_grad`` (MXNet: False makes it a loss layer)."""
        return bool(getattr(get_prop(attrs), "need_top_grad_", True))

    def attrs_to_strings(self, attrs, only=None):
        out = {"op_type": attrs["op_type"]}
        out.update(dict(attrs["kwargs"]))
        if only is not None:
            out = {k: v for k, v in out.items() if k in only}
        return out


def _prop_inputs(attrs):
    return list(get_prop(attrs).list_arguments())


def _prop_outputs(attrs):
    return list(get_prop(attrs).list_outputs())


def _prop_aux(attrs):
    return list(get_prop(attrs).list_auxiliary_states())


def _check_counts(attrs, what, got, want):
    if len(got) != len(want):
        raise MXNetError("Custom operator '{}': {} returned {} {}, expected {} ({})".format(
            attrs["op_type"], what[0], len(got), what[1], len(want), ", ".join(want) or "none"))


def _to_shape(s):
    if s is None:
        return None
    s = tuple(int(d) for d in s)
    if len(s) == 0 or any(d == 0 for d in s):
        return None        # MXNet: an empty shape / 0 dims mean "unknown"
    return s


def _infer_shape_full(attrs, in_shapes, aux_shapes):
    prop = get_prop(attrs)
    names_in, names_out, names_aux = (prop.list_arguments(), prop.list_outputs(),
                                      prop.list_auxiliary_states())
    if len(aux_shapes) < len(names_aux):
        aux_shapes = list(aux_shapes) + [None] * (len(names_aux) - len(aux_shapes))
    arg = [list(s) if s is not None else [] for s in in_shapes]
    if any(s is None for s in in_shapes) and all(s is None for s in in_shapes):
        return list(in_shapes), [None] * len(names_out), list(aux_shapes)
    try:
        res = prop.infer_shape(arg)
    except MXNetError:
        raise
    except Exception as e:  # noqa: BLE001 - the user's rule failed: name the op
        if any(s is None for s in in_shapes):
            return list(in_shapes), [None] * len(names_out), list(aux_shapes)
        raise MXNetError("Custom operator '{}': infer_shape failed for input shapes {}: {}: {}".format(
            attrs["op_type"], list(in_shapes), type(e).__name__, e)) from None
    if not isinstance(res, (list, tuple)) or len(res) not in (2, 3):
        raise MXNetError("Custom operator '{}': infer_shape must return (in_shapes, out_shapes"
                         "[, aux_shapes]), got {!r}".format(attrs["op_type"], res))
    ins, outs = list(res[0]), list(res[1])
    auxs = list(res[2]) if len(res) == 3 else []
    _check_counts(attrs, ("infer_shape", "input shapes"), ins, names_in)
    _check_counts(attrs, ("infer_shape", "output shapes"), outs, names_out)
    _check_counts(attrs, ("infer_shape", "auxiliary shapes"), auxs, names_aux)
    new_in = []
    for given, s, n in zip(in_shapes, ins, names_in):
        s = _to_shape(s)
        if given is not None and s is not None and tuple(given) != s:
            raise MXNetError("Custom operator '{}': infer_shape gives input '{}' shape {} but it "
                             "has shape {}".format(attrs["op_type"], n, s, tuple(given)))
        new_in.append(tuple(given) if given is not None else s)
    new_aux = []
    for given, s in zip(aux_shapes, auxs):
        s = _to_shape(s)
        new_aux.append(tuple(given) if given is not None else s)
    return new_in, [_to_shape(s) for s in outs], new_aux


def _infer_shape(attrs, in_shapes):
    return _infer_shape_full(attrs, list(in_shapes), [])[1]


def _infer_type(attrs, in_dtypes):
    prop = get_prop(attrs)
    n_out = len(prop.list_outputs())
    try:
        res = prop.infer_type([np.dtype(t).type for t in in_dtypes])
    except MXNetError:
        raise
    except Exception as e:  # noqa: BLE001
        raise MXNetError("Custom operator '{}': infer_type failed for input types {}: {}: {}".format(
            attrs["op_type"], [np.dtype(t).name for t in in_dtypes], type(e).__name__, e)) from None
    if not isinstance(res, (list, tuple)) or len(res) not in (2, 3):
        raise MXNetError("Custom operator '{}': infer_type must return (in_types, out_types"
                         "[, aux_types]), got {!r}".format(attrs["op_type"], res))
    outs = list(res[1])
    if len(outs) != n_out:
        raise MXNetError("Custom operator '{}': infer_type returned {} output types, expected {}".format(
            attrs["op_type"], len(outs), n_out))
    return [np.dtype(t) for t in outs]


def _forward(env, attrs, inputs, aux):
    return KERNELS["forward"](env, attrs, inputs, aux)


def _backward(env, attrs, inputs, outputs, out_grads, req):
    return KERNELS["backward"](env, attrs, inputs, outputs, out_grads, req)


CUSTOM = register(CustomOpDef(
    "Custom", _forward,
    params=(Param("op_type", Str, doc="Name of the custom operator, the name it was registered "
                                      "under with mx.operator.register."),),
    inputs=_prop_inputs, all_inputs=("data",), aux=_prop_aux, outputs=_prop_outputs,
    infer_shape=_infer_shape, infer_type=_infer_type, infer_shape_full=_infer_shape_full,
    backward=_backward,
    doc="Apply a custom operator implemented in a frontend language (such as Python)."))
