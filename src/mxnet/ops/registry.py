"""The operator registry: every operator is defined once, here or in ``ops/<family>.py``.

An :class:`OpDef` bundles an operator's rules (cf. MXNet's NNVM_REGISTER_OP chain):

- ``name`` and ``aliases`` (``broadcast_plus`` -> ``broadcast_add``);
- ``params``: the typed schema (``Param``); ``parse`` validates user kwargs or JSON strings;
- ``inputs`` / ``aux`` / ``outputs``: names, fixed or computed from the parsed attrs;
  ``key_var_num_args`` names the parameter counting variadic inputs (``Concat(num_args=)``);
- ``infer_shape(attrs, in_shapes) -> out_shapes`` and ``infer_type(attrs, in_dtypes) -> out_dtypes``
  (both on complete information); ``infer_shape_full`` additionally fills unknown input shapes
  (``None`` entries) from the others, as FullyConnected does for its weight;
- ``forward(env, attrs, inputs, aux) -> tuple of arrays`` on raw ``xp`` arrays;
- ``backward(env, attrs, inputs, outputs, out_grads, req) -> list of input gradients`` (a
  vector-Jacobian product; ``req[i]`` is False where the gradient of input i is not needed and the
  rule may return None there). ``backward=None`` means "not differentiable" (gradient zero).
- ``fill_types(attrs, types)``: the types of inputs (then aux states) the op decides itself where
  the graph does not give them (Embedding's weight, BatchNorm's float32 statistics for float16
  data); other unknown inputs take the type of the first known one.
- ``update_aux(env, attrs, inputs, outputs, aux)``: auxiliary states an operator changes when its
  backward runs (BatchNorm's moving statistics: MXNet 1.9.1 updates them in backward on the
  CPU, so a training forward without a backward leaves them alone). The backward sweeps of the
  executor, cached graphs and autograd call it, in place, each time they run the op's backward.

``env`` is an :class:`OpEnv`: the array module ``xp``, ``is_train``, the context and its RNG.
"""
import numpy as np

from ..base import MXNetError, _Null
from .params import Param, REQUIRED

__all__ = ["OpDef", "OpEnv", "Attrs", "register", "get_op", "find_op", "list_ops", "alias"]

_REGISTRY = {}
_CANONICAL = {}


class Attrs(dict):
    """Parsed operator parameters; readable as attributes (``attrs.axis``).

    The dict is its own ``__dict__``, so ``attrs.axis`` is a C-level lookup (kernels read
    parameters on every call; a Python ``__getattr__`` cost ~20x more). No operator parameter
    is named like a dict method (the registry meta-test checks it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.__dict__ = self

    def __reduce__(self):      # copy/deepcopy/pickle rebuild through __init__
        return (Attrs, (dict(self),))

    def __hash__(self):
        return hash(tuple(sorted((k, _hashable(v)) for k, v in self.items())))


def _hashable(v):
    return tuple(v) if isinstance(v, list) else v


class OpEnv:
    """What a kernel sees besides its arrays: ``xp``, ``is_train``, ``ctx`` and ``rng``."""
    __slots__ = ("xp", "is_train", "ctx", "_rng")

    def __init__(self, xp, is_train=False, ctx=None, rng=None):
        self.xp = xp
        self.is_train = is_train
        self.ctx = ctx
        self._rng = rng

    @property
    def rng(self):
        if self._rng is None:
            from .. import random as _random
            self._rng = _random.generator_for(self.ctx)
        return self._rng


def _same_shape_infer(attrs, in_shapes):
    return [in_shapes[0]]


def _same_type_infer(attrs, in_dtypes):
    return [in_dtypes[0]]


class OpDef:
    """One operator's bundle of rules (see the module docstring)."""
    dynamic_shape = False     # output shapes depend on input values (boolean_mask)

    def __init__(self, name, forward, *, params=(), inputs=("data",), aux=(), outputs=("output",),
                 infer_shape=_same_shape_infer, infer_type=_same_type_infer, infer_shape_full=None,
                 backward=None, aliases=(), key_var_num_args=None, num_visible_outputs=None,
                 needs_rng=False, doc="", all_inputs=None, mutate_inputs=None, elementwise=False,
                 var_attrs=None, infer_shape_back=None, ufunc=None, update_aux=None, fill_types=None,
                 ignores_head_grad=False):
        self.name = name
        self.forward = forward
        self.params = tuple(params)
        self.param_map = {p.name: p for p in self.params}
        self._inputs = inputs
        self._all_inputs = all_inputs
        self._aux = aux
        self._outputs = outputs
        self.infer_shape = infer_shape
        self.infer_type = infer_type
        self.infer_shape_full = infer_shape_full
        # (attrs, in_shapes, out_shapes) -> in_shapes: unknown input dims from known outputs
        self.infer_shape_back = infer_shape_back
        self.backward = backward
        self.update_aux = update_aux
        # (attrs, types of inputs then aux, None where unknown) -> the same list with the unknown
        # ones this op decides (Embedding's weight: its dtype parameter); the graph's type
        # inference otherwise gives unknown inputs the type of the first known one
        self.fill_types = fill_types
        self.aliases = tuple(aliases)
        self.key_var_num_args = key_var_num_args
        self._num_visible = num_visible_outputs
        self.needs_rng = needs_rng
        self.doc = doc
        self.mutate_inputs = mutate_inputs
        self.elementwise = elementwise      # all inputs and outputs share one shape
        # (xp ufunc name, scalar side or None): the forward of same-shape float operands is that
        # ufunc, so it may write into a temporary input's memory (``a - b * lr``: imperative.py)
        self.ufunc = ufunc
        self.var_attrs = var_attrs or {}    # attrs of auto-created input variables (e.g. __init__)
        # a loss layer (or a zero gradient): its backward ignores the head gradient
        self.ignores_head_grad = ignores_head_grad
        self._cache = {}
        self._defaults = None
        self._arity = {}      # id(attrs) -> (attrs, (n_in, n_aux, n_visible)), see imperative.invoke
        self._inferred = {}   # (id(attrs), input shapes/dtypes) -> inferred outputs, see invoke

    # -- parameters -------------------------------------------------------------------------
    def parse(self, kwargs):
        """Validate ``kwargs`` (Python values or MXNet strings) into an :class:`Attrs`."""
        if not kwargs:
            if self._defaults is None:
                self._defaults = self._parse({})
            return self._defaults
        try:
            key = tuple(kwargs.items())
            hit = self._cache.get(key)
        except TypeError:  # unhashable value (list); parse without caching
            return self._parse(kwargs)
        if hit is None:
            hit = self._parse(kwargs)
            if len(self._cache) < 4096:
                self._cache[key] = hit
        return hit

    def _parse(self, kwargs):
        attrs = Attrs()
        pmap = self.param_map
        for k, v in kwargs.items():
            p = pmap.get(k)
            if p is None:
                if not pmap:        # MXNet: an operator without parameters ignores other keywords
                    continue
                raise MXNetError("Operator {} got an unknown parameter '{}'; valid parameters: {}".format(
                    self.name, k, ", ".join(pmap)))
            if v is _Null:
                continue
            attrs[k] = p.parse(v, self.name)
        for p in self.params:
            if p.name not in attrs:
                if p.default is REQUIRED:
                    raise MXNetError("Operator {}: required parameter '{}' ({}) is missing".format(
                        self.name, p.name, p.type.doc))
                attrs[p.name] = p.default
        return attrs

    def attrs_to_strings(self, attrs, only=None):
        """MXNet's string form of parameters, as written in symbol JSON."""
        out = {}
        for k in (only if only is not None else attrs):
            p = self.param_map.get(k)
            v = attrs[k]
            out[k] = p.type.to_str(v) if (p is not None and v is not None) else str(v)
        return out

    # -- arity and names ----------------------------------------------------------------------
    def input_names(self, attrs):
        if self.key_var_num_args is not None and not callable(self._inputs):
            return ["arg%d" % i for i in range(attrs[self.key_var_num_args])]
        return list(self._inputs(attrs) if callable(self._inputs) else self._inputs)

    def all_input_names(self):
        """Every input an instance may take, auxiliary states last (the ``mx.nd`` signature);
        callable ``inputs`` need ``all_inputs`` (FullyConnected: data, weight, bias)."""
        if self._all_inputs is not None:
            return list(self._all_inputs)
        if callable(self._inputs) or callable(self._aux):
            raise MXNetError("operator {} has computed inputs but no all_inputs".format(self.name))
        return [] if self.key_var_num_args is not None else list(self._inputs) + list(self._aux)

    def aux_names(self, attrs):
        return list(self._aux(attrs) if callable(self._aux) else self._aux)

    def output_names(self, attrs):
        return list(self._outputs(attrs) if callable(self._outputs) else self._outputs)

    def num_outputs(self, attrs):
        return len(self.output_names(attrs))

    def num_visible_outputs(self, attrs):
        if self._num_visible is None:
            return self.num_outputs(attrs)
        return self._num_visible(attrs) if callable(self._num_visible) else self._num_visible

    def needs_head_grad(self, attrs):
        """Whether an executor's backward needs the head gradient of this op's outputs: MXNet
        requires one unless the op is a loss layer (its backward ignores it) or has no gradient."""
        return self.backward is not None and not self.ignores_head_grad

    # -- inference -----------------------------------------------------------------------------
    def infer_shapes(self, attrs, in_shapes, aux_shapes=()):
        """(in_shapes, out_shapes, aux_shapes) with unknowns (None) filled where possible.

        Raises MXNetError naming the operator on inconsistent shapes."""
        try:
            if self.infer_shape_full is not None:
                return self.infer_shape_full(attrs, list(in_shapes), list(aux_shapes))
            if any(s is None for s in in_shapes):
                return list(in_shapes), [None] * self.num_outputs(attrs), list(aux_shapes)
            return list(in_shapes), list(self.infer_shape(attrs, in_shapes)), list(aux_shapes)
        except MXNetError:
            raise
        except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
            raise MXNetError("{}: shape inference failed for input shapes {}: {}".format(
                self.name, list(in_shapes), e)) from None

    def infer_types(self, attrs, in_dtypes):
        return list(self.infer_type(attrs, in_dtypes))

    def __repr__(self):
        return "<OpDef {}>".format(self.name)


def register(op):
    """Add ``op`` (and its aliases) to the registry; returns it."""
    for n in (op.name,) + op.aliases:
        if n in _REGISTRY and _REGISTRY[n] is not op:
            raise MXNetError("operator {} registered twice".format(n))
        _REGISTRY[n] = op
    _CANONICAL[op.name] = op
    return op


def alias(name, *aliases):
    """Register extra names for an existing operator."""
    op = _REGISTRY[name]
    op.aliases = op.aliases + tuple(aliases)
    for a in aliases:
        _REGISTRY[a] = op


def find_op(name):
    return _REGISTRY.get(name)


def get_op(name):
    """The OpDef registered under ``name`` (or an alias); MXNetError listing close names if unknown."""
    op = _REGISTRY.get(name)
    if op is None:
        import difflib
        close = difflib.get_close_matches(name, list(_REGISTRY), n=5)
        raise MXNetError("Cannot find operator '{}'{}".format(
            name, "; did you mean: " + ", ".join(close) if close else ""))
    return op


def list_ops(canonical=True):
    """Names of registered operators (canonical names only by default)."""
    return sorted(_CANONICAL if canonical else _REGISTRY)


def force_array(xp, x, dtype=None):
    """Kernels return arrays, never NumPy scalars (cf. Chainer's force_array)."""
    if not isinstance(x, xp.ndarray):
        x = xp.asarray(x, dtype=dtype)
    elif dtype is not None and x.dtype != dtype:
        x = x.astype(dtype)
    return x
