"""Gluon parameters: one array per context plus gradients, with deferred shape inference."""
import re
from collections import OrderedDict

import numpy as np

from .. import autograd
from .. import ndarray as nd
from .. import util as _util
from ..base import MXNetError, mx_real_t  # noqa: F401  (mx_real_t, is_np_array, shape_is_known:
from ..context import Context, cpu, current_context  # names MXNet's gluon.parameter has)
from ..symbol import Symbol as _Symbol
from ..util import is_np_array, is_np_shape  # noqa: F401
from .utils import shape_is_known  # noqa: F401

tensor_types = (_Symbol, nd.NDArray)

__all__ = ["Parameter", "Constant", "ParameterDict", "DeferredInitializationError"]



class _ShapeMismatch(ValueError, AssertionError):
    """A Parameter given data of another shape: MXNet 1.9.1 asserts the shape (AssertionError);
    neomx's ValueError is kept as well."""

class DeferredInitializationError(MXNetError):
    """A parameter's shape is not known yet: run a forward pass first."""


_STYPES = ("default", "row_sparse", "csr")
_NAMING = "https://mxnet.io/api/python/docs/tutorials/packages/gluon/blocks/naming.html"


def _ctx_list(ctx):
    if ctx is None:
        return [current_context()]
    if isinstance(ctx, Context):
        return [ctx]
    return list(ctx)


class Parameter:
    """A trainable array of a Block: ``data(ctx)``, ``grad(ctx)``, ``initialize``, ``set_data``.

    Unknown dimensions (0) in ``shape`` are completed from the data at the first forward pass.
    A ``stype='row_sparse'`` parameter holds RowSparseNDArrays, read through ``row_sparse_data``
    (rows pulled from its Trainer's KVStore) instead of ``data``."""

    def __init__(self, name, grad_req="write", shape=None, dtype=np.float32, lr_mult=1.0, wd_mult=1.0,
                 init=None, allow_deferred_init=False, differentiable=True, stype="default",
                 grad_stype="default"):
        self.name = name
        self._shape = tuple(shape) if isinstance(shape, (tuple, list)) else ((shape,) if shape else None)
        self._dtype = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.init = init
        self.allow_deferred_init = allow_deferred_init
        self._differentiable = differentiable
        self._grad_req = grad_req if differentiable else "null"
        if self._grad_req not in ("write", "add", "null"):
            raise ValueError("grad_req must be one of 'write', 'add', or 'null', but got '%s'" % grad_req)
        self._data = None
        self._grad = None
        self._ctx_list = None
        self._deferred_init = ()
        for what, st in (("grad_stype", grad_stype), ("stype", stype)):
            assert st in _STYPES, "%s for Parameter '%s' must be one of 'default', 'row_sparse', or " \
                "'csr', but got '%s'" % (what, name, st)
        self._stype = stype
        self._grad_stype = grad_stype
        self._var = None
        self._trainer = None

    def __repr__(self):
        return "Parameter {name} (shape={shape}, dtype={dtype})".format(
            name=self.name, shape=self.shape, dtype=self.dtype)      # (MXNet prints the dtype as given)

    # -- attributes -----------------------------------------------------------------------------
    @property
    def dtype(self):
        """The type of the parameter. Setting the dtype value is equivalent to casting the value
        of the parameter (``cast``)."""
        return self._dtype

    @dtype.setter
    def dtype(self, dtype):
        self.cast(dtype)

    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in ("write", "add", "null"):
            raise ValueError("grad_req must be one of 'write', 'add', or 'null', but got '%s'" % req)
        if not self._differentiable:
            req = "null"
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == "null" and self._grad is not None:
            self._grad = None
            for d in self._data or []:
                d._grad = None
                d._grad_req = "null"
        elif self._data is not None:
            self._init_grad()

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(new_shape)
        if self._shape is None:
            self._shape = new_shape
            return
        if len(self._shape) != len(new_shape) or any(
                i != j and i != 0 for i, j in zip(self._shape, new_shape)):
            raise _ShapeMismatch("Expected shape %s is incompatible with given shape %s for Parameter %s" % (
                str(new_shape), str(self._shape), self.name))
        self._shape = new_shape

    def _shape_known(self):
        return self._shape is not None and all(s > 0 for s in self._shape)

    # -- initialisation -------------------------------------------------------------------------
    def initialize(self, init=None, ctx=None, default_init=None, force_reinit=False):
        """Allocate and initialise on ``ctx`` (deferred until the shape is known if needed)."""
        from .. import initializer
        if default_init is None:
            default_init = initializer.Uniform()
        if self._data is not None and not force_reinit:
            return
        self._data = self._grad = None
        ctx = _ctx_list(ctx)
        if init is None:
            init = default_init if self.init is None else self.init
        if not self._shape_known():
            if self.allow_deferred_init:
                self._deferred_init = (init, ctx, default_init, None)
                return
            raise ValueError("Cannot initialize Parameter '%s' because it has invalid shape: %s." % (
                self.name, str(self.shape)))
        self._deferred_init = (init, ctx, default_init, None)
        self._finish_deferred_init()

    def _finish_deferred_init(self):
        if not self._deferred_init:
            return
        from .. import initializer
        init, ctx, default_init, data = self._deferred_init
        self._deferred_init = ()
        if not self._shape_known():
            raise DeferredInitializationError(
                "Cannot initialize Parameter '%s' because it has invalid shape: %s. Please specify "
                "in_units, in_channels, etc for `Block`s." % (self.name, str(self.shape)))
        with autograd.pause():
            if data is None:
                data = nd.zeros(self._shape, ctx=cpu(), dtype=self.dtype)
                # the parameter's own initializer (object or name) overrides the default
                initializer.create(default_init)(
                    initializer.InitDesc(self.name, {"__init__": init if init is not None else ""}), data)
            self._init_impl(data, ctx)

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        if self._stype != "default" and data.stype != self._stype:
            data = data.tostype(self._stype)
        self._data = [data.copyto(c) if data.context != c or len(ctx_list) > 1 else data.copy()
                      for c in self._ctx_list]
        self._init_grad()

    def _init_grad(self):
        if self._grad_req == "null":
            self._grad = None
            return
        if self._grad_stype != "default":
            self._grad = [nd.sparse.zeros(self._grad_stype, d.shape, ctx=d.context, dtype=d.dtype)
                          for d in self._data]
        else:
            self._grad = [nd.zeros(d.shape, ctx=d.context, dtype=d.dtype) for d in self._data]
        autograd.mark_variables(self._data, self._grad, self._grad_req)

    def _check_initialized(self, ctx=None):
        if self._data is not None:
            if ctx is not None and ctx is not self._ctx_list[0] and ctx not in self._ctx_list:
                raise RuntimeError(
                    "Parameter '%s' was not initialized on context %s. It was only initialized on %s." % (
                        self.name, str(ctx), str(self._ctx_list)))
            return
        if self._deferred_init:
            raise DeferredInitializationError(
                "Parameter '%s' has not been initialized yet because initialization was deferred. "
                "Actual initialization happens during the first forward pass. Please pass one batch of "
                "data through the network before accessing Parameters. You can also avoid deferred "
                "initialization by specifying in_units, num_features, etc., for network layers." % self.name)
        raise RuntimeError(
            "Parameter '%s' has not been initialized. Note that you should initialize parameters and "
            "create Trainer with Block.collect_params() instead of Block.params because the later does "
            "not include Parameters of nested child Blocks" % self.name)

    # -- access ---------------------------------------------------------------------------------
    def data(self, ctx=None):
        """The value on ``ctx`` (default: the current context, or the only one)."""
        if self._stype != "default":
            raise RuntimeError("Cannot return a copy of Parameter '%s' on ctx %s via data() because its "
                               "storage type is %s. Please use row_sparse_data() instead." % (
                                   self.name, str(ctx), self._stype))
        data = self._data
        if data is not None and (ctx is self._ctx_list[0] or (ctx is None and len(data) == 1)):
            d = data[0]       # the common case, without a call
        else:
            if ctx is None:
                ctx = current_context()
            self._check_initialized(ctx)
            d = self._data[0] if ctx is self._ctx_list[0] else self._data[self._ctx_list.index(ctx)]
        if _util.is_np_array():     # npx.set_np(): an mx.np view of the same array
            from ..numpy._core import param_view
            return param_view(d)
        return d

    def list_data(self):
        """Values on every context, in initialisation order."""
        if self._stype != "default":
            raise RuntimeError("Cannot return copies of Parameter '%s' on all contexts via list_data() "
                               "because its storage type is %s. Please use row_sparse_data() instead." % (
                                   self.name, self._stype))
        return self._all_data()

    def _all_data(self):
        """The arrays on every context, whatever the storage type (errors when not initialised)."""
        if self._data is None:
            self._check_initialized()
        return list(self._data)

    def row_sparse_data(self, row_id):
        """A copy of the 'row_sparse' parameter on ``row_id``'s context keeping only the rows
        ``row_id`` (an NDArray of row indices), pulled from the KVStore of the parameter's Trainer.
        The parameter must have been initialized on that context."""
        if self._stype != "row_sparse":
            raise RuntimeError("Cannot return a copy of Parameter %s via row_sparse_data() because its "
                               "storage type is %s. Please use data() instead." % (self.name, self._stype))
        return self._get_row_sparse(row_id, False)

    def list_row_sparse_data(self, row_id):
        """Copies of the 'row_sparse' parameter on every context (in creation order), each keeping
        only the rows ``row_id``, pulled from the KVStore of the parameter's Trainer."""
        if self._stype != "row_sparse":
            raise RuntimeError("Cannot return copies of Parameter '%s' on all contexts via "
                               "list_row_sparse_data() because its storage type is %s. Please use data() "
                               "instead." % (self.name, self._stype))
        return self._get_row_sparse(row_id, True)

    def _get_row_sparse(self, row_id, all_contexts):
        if not isinstance(row_id, nd.NDArray):
            raise TypeError("row_id must have NDArray type, but %s is given" % (type(row_id)))
        if not self._trainer:
            raise RuntimeError("Cannot get row_sparse data for Parameter '%s' when no Trainer is created "
                               "with it." % self.name)
        if all_contexts:
            results = self._all_data()
        else:
            ctx = row_id.context
            self._check_initialized(ctx)
            results = self._data[self._ctx_list.index(ctx)]
        self._trainer._row_sparse_pull(self, results, row_id)
        return results

    def _set_trainer(self, trainer):
        """Link the Trainer that updates this parameter (a sparse one takes a single Trainer)."""
        if self._stype != "default" and self._trainer and trainer and self._trainer is not trainer:
            raise RuntimeError("Failed to set the trainer for Parameter '%s' because it was already set. "
                               "More than one trainers for a %s Parameter is not supported." % (
                                   self.name, self._stype))
        self._trainer = trainer

    def grad(self, ctx=None):
        """The gradient buffer on ``ctx``."""
        if self._data is not None and self._grad is None:
            raise RuntimeError("Cannot get gradient array for Parameter '%s' because grad_req='null'" % self.name)
        if ctx is None and self._data is not None and len(self._ctx_list) == 1:
            g = self._grad[0]
        else:
            if ctx is None:
                ctx = current_context()
            self._check_initialized(ctx)
            g = self._grad[self._ctx_list.index(ctx)]
        if _util.is_np_array():     # npx.set_np(): an mx.np view of the same buffer
            from ..numpy._core import _np_view
            return _np_view(g)
        return g

    def list_grad(self):
        """Gradient buffers on every context."""
        if self._data is None:
            self._check_initialized()
        if self._grad is None:
            raise RuntimeError("Cannot get gradient array for Parameter '%s' because grad_req='null'" % self.name)
        return list(self._grad)

    def list_ctx(self):
        """Contexts this parameter lives on."""
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise RuntimeError("Parameter '%s' has not been initialized" % self.name)
        return list(self._ctx_list)

    def set_data(self, data):
        """Set the value on every context."""
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise RuntimeError("Parameter '%s' has not been initialized" % self.name)
            init, ctx, default_init, _ = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data if isinstance(data, nd.NDArray) else nd.array(data))
            return
        trainer = self._trainer
        if trainer is not None and trainer._kv_initialized and trainer._update_on_kvstore:
            trainer._reset_kvstore()     # the KVStore's copy is re-initialised from the new value
        for arr in self._data:
            arr[:] = data

    def zero_grad(self):
        """Set the gradient buffers to zero (a sparse buffer then stores no rows, as MXNet)."""
        for g in self._grad or []:
            if g.stype == "default":
                g[:] = 0
            else:
                g[:] = nd.sparse.zeros(g.stype, g.shape, ctx=g.context, dtype=g.dtype)

    def reset_ctx(self, ctx):
        """Move the parameter to other contexts (keeping its value)."""
        ctx = _ctx_list(ctx)
        if self._data is not None:
            data = self._reduce()
            with autograd.pause():
                self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise ValueError("Cannot reset context for Parameter '%s' because it has not been initialized." % self.name)

    def cast(self, dtype):
        """Cast data and gradients (keeping their values) to ``dtype``."""
        self._dtype = dtype
        if self._data is None:
            return
        with autograd.pause():
            self._data = [d.astype(dtype) for d in self._data]
            if self._grad is None:
                return
            self._grad = [g.astype(dtype) for g in self._grad]
            autograd.mark_variables(self._data, self._grad, self._grad_req)

    def _reduce(self):
        """The value averaged over contexts, on the CPU (a row_sparse one: every row, pulled
        from the Trainer's KVStore)."""
        ctx = cpu()
        if self._stype == "default":
            block = self.list_data()
            if len(block) == 1:
                return block[0].copyto(ctx)
            return nd.add_n(*[d.as_in_context(ctx) for d in block]) / len(block)
        if not self._trainer:
            raise RuntimeError("Cannot reduce row_sparse data for Parameter '%s' when no Trainer is "
                               "created with it." % self.name)
        all_row_ids = nd.arange(0, self.shape[0], dtype="int64", ctx=ctx)
        data = nd.sparse.zeros("row_sparse", self.shape, ctx=ctx, dtype=self.dtype)
        self._trainer._row_sparse_pull(self, data, all_row_ids, full_idx=True)
        return data

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source="current"):
        """(Re)initialise from loaded ``data`` on ``ctx``: shapes must agree (unknown dimensions
        are filled), dtypes too unless ``cast_dtype`` (to this parameter's dtype with
        dtype_source='current', or adopting the saved one with 'saved')."""
        if cast_dtype:
            assert dtype_source in ("current", "saved")
        if self._shape:
            unknown = -1 if is_np_shape() else 0
            assert len(self._shape) == len(data.shape) and all(
                a in (unknown, b) for a, b in zip(self._shape, data.shape)), \
                "Failed loading Parameter '%s' from saved params: shape incompatible expected %s vs saved " \
                "%s" % (self.name, str(self.shape), str(data.shape))
        self._shape = tuple(data.shape)
        if self._dtype is not None:
            if cast_dtype and np.dtype(self._dtype).type != data.dtype:
                if dtype_source == "current":
                    data = data.astype(self._dtype, copy=False)
                else:
                    self.dtype = data.dtype
            else:
                assert np.dtype(self._dtype).type == data.dtype, \
                    "Failed loading Parameter '%s' from saved params: dtype incompatible expected %s vs " \
                    "saved %s. Set cast_dtype=True to cast the dtype of saved params." % (
                        self.name, str(self._dtype), str(data.dtype))
        if self._stype != data.stype:
            data = data.tostype(self._stype)
        if isinstance(ctx, Context):
            ctx = [ctx]
        if self._data is None:
            if self._deferred_init:
                assert ctx is None or set(ctx) == set(self._deferred_init[1]), \
                    "Failed to load Parameter '%s' on %s because it was previous initialized on %s." % (
                        self.name, str(ctx), str(self.list_ctx()))
                ctx = self._deferred_init[1]
            elif ctx is None:
                ctx = [cpu()]
            self._init_impl(data, ctx)
        else:
            assert ctx is None or set(ctx) == set(self.list_ctx()), \
                "Failed to load Parameter '%s' on %s because it was previous initialized on %s." % (
                    self.name, str(ctx), str(self.list_ctx()))
            self.set_data(data)
        self._deferred_init = ()

    def var(self):
        """A Symbol variable for this parameter (shape, dtype, lr/wd multipliers, init)."""
        from .. import symbol
        if self._var is None:
            self._var = symbol.var(self.name, shape=self.shape, dtype=self.dtype, lr_mult=self.lr_mult,
                                   wd_mult=self.wd_mult, init=self.init, stype=self._stype)
        return self._var


class Constant(Parameter):
    """A parameter that is never updated (grad_req='null'), initialised to ``value``."""

    def __init__(self, name, value):
        if not isinstance(value, nd.NDArray):
            value = nd.array(value)
        self.value = value
        from .. import initializer

        class _Init(initializer.Initializer):
            def _init_weight(self, _, arr):
                value.copyto(arr)

            def dumps(self):
                return '["constant", {}]'
        super().__init__(name, grad_req="null", shape=value.shape, dtype=value.dtype, init=_Init())

    @property
    def grad_req(self):
        return "null"

    @grad_req.setter
    def grad_req(self, req):
        if req != "null":
            import warnings
            warnings.warn("Constant parameter \"{}\" does not support grad_req other than \"null\", "
                          "and new value \"{}\" is ignored.".format(self.name, req))


class ParameterDict:
    """An ordered name -> Parameter map with a name prefix (``dense0_``)."""

    def __init__(self, prefix="", shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    def __repr__(self):
        s = "{name}(\n{content}\n)"
        name = self._prefix + " " if self._prefix else ""
        return s.format(name=name, content="\n".join("  " + repr(v) for v in self.values()))

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def __contains__(self, key):
        return key in self._params

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self):
        return self._prefix

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._shared._params[name]
        return None

    def get(self, name, **kwargs):
        """The parameter ``prefix + name`` (created with ``kwargs`` if missing)."""
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            param = Parameter(name, **kwargs)
            self._params[name] = param
        else:
            for k, v in kwargs.items():
                if hasattr(param, k) and getattr(param, k) is not None:
                    existing = getattr(param, k)
                    if k == "shape" and len(v) == len(existing):
                        inferred = []
                        for a, b in zip(v, existing):
                            if a != b and a != 0 and b != 0:
                                raise AssertionError("Cannot retrieve Parameter '%s' because desired attribute "
                                                     "does not match with stored for attribute '%s': desired "
                                                     "'%s' vs stored '%s'." % (name, k, str(v), str(existing)))
                            inferred.append(a or b)
                        param._shape = tuple(inferred)
                        continue
                    if k == "dtype" and np.dtype(v) == np.dtype(existing):
                        continue
                    if v is not None and v != existing and k != "init":
                        raise AssertionError("Cannot retrieve Parameter '%s' because desired attribute does "
                                             "not match with stored for attribute '%s': desired '%s' vs stored "
                                             "'%s'." % (name, k, str(v), str(existing)))
                else:
                    setattr(param, k, v)
        return param

    def get_constant(self, name, value=None):
        """The Constant ``prefix + name`` (created from ``value`` if missing)."""
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise KeyError("No constant named '{}'. Please specify value if you want to create a new "
                               "constant.".format(name))
            param = Constant(name, value)
            self._params[name] = param
        return param

    def update(self, other):
        """Copy the parameters of ``other`` into this dict."""
        for k, v in other.items():
            if k in self._params and self._params[k] is not v:
                raise ValueError("Cannot update self with other because they have different Parameters "
                                 "with the same name '%s'" % k)
        for k, v in other.items():
            self._params[k] = v

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialise every parameter."""
        from .. import initializer
        if init is None:
            init = initializer.Uniform()
        for v in self.values():
            v.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        for v in self.values():
            v.zero_grad()

    def reset_ctx(self, ctx):
        for v in self.values():
            v.reset_ctx(ctx)

    def list_ctx(self):
        out = []
        for v in self.values():
            for c in v.list_ctx():
                if c not in out:
                    out.append(c)
        return out

    def setattr(self, name, value):
        """Set an attribute (``grad_req``, ``lr_mult``...) on every parameter."""
        for v in self.values():
            setattr(v, name, value)

    def save(self, filename, strip_prefix=""):
        """Save every parameter's value (names with ``strip_prefix`` removed)."""
        arg_dict = {}
        for param in self.values():
            weight = param._reduce()
            if not param.name.startswith(strip_prefix):
                raise ValueError("Prefix '%s' is to be striped before saving, but Parameter's name '%s' "
                                 "does not start with '%s'." % (strip_prefix, param.name, strip_prefix))
            arg_dict[param.name[len(strip_prefix):]] = weight
        nd.save(filename, arg_dict)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False, restore_prefix="",
             cast_dtype=False, dtype_source="current"):
        """Load values saved by ``save`` from ``filename`` (names get ``restore_prefix``
        prepended; see ``load_dict``)."""
        if restore_prefix:
            for name in self.keys():
                assert name.startswith(restore_prefix), \
                    "restore_prefix is '%s' but Parameters name '%s' does not start with '%s'. For more " \
                    "info on naming, please see %s" % (restore_prefix, name, restore_prefix, _NAMING)
        loaded = nd.load(filename)
        if not isinstance(loaded, dict) and loaded:
            raise MXNetError("%s holds no parameter names" % filename)
        self.load_dict(loaded, ctx, allow_missing, ignore_extra, restore_prefix, filename, cast_dtype,
                       dtype_source)

    def load_dict(self, param_dict, ctx=None, allow_missing=False, ignore_extra=False, restore_prefix="",
                  filename=None, cast_dtype=False, dtype_source="current"):
        """Load parameters from ``param_dict`` ({name: NDArray}, names optionally prefixed with
        ``arg:``/``aux:``, or a list of (name, NDArray) pairs) onto ``ctx``. ``restore_prefix``
        is prepended to the stored names; ``allow_missing``/``ignore_extra`` tolerate parameters
        absent from the dict / entries absent from this ParameterDict; ``cast_dtype`` casts
        (dtype_source 'current': to the parameter's dtype, 'saved': the parameter takes the
        saved dtype); ``filename`` only names the source in error messages."""
        lprefix = len(restore_prefix)
        items = param_dict.items() if isinstance(param_dict, dict) else param_dict
        arg_dict = {restore_prefix + (k[4:] if k.startswith(("arg:", "aux:")) else k): v for k, v in items}
        source = "file: %s" % filename if filename else "param_dict"
        if not allow_missing:
            for name in self.keys():
                assert name in arg_dict, \
                    "Parameter '%s' is missing in %s, which contains parameters: %s. Please make sure " \
                    "source and target networks have the same prefix.For more info on naming, please " \
                    "see %s" % (name[lprefix:], source, _brief(arg_dict.keys()), _NAMING)
        for name, value in arg_dict.items():
            if name not in self._params:
                assert ignore_extra, \
                    "Parameter '%s' loaded from %s is not present in ParameterDict, choices are: %s. Set " \
                    "ignore_extra to True to ignore. Please make sure source and target networks have " \
                    "the same prefix.For more info on naming, please see %s" % (
                        name[lprefix:], source, _brief(self._params.keys()), _NAMING)
                continue
            self._params[name]._load_init(value, ctx, cast_dtype=cast_dtype, dtype_source=dtype_source)


def _brief(names, limit=7):
    """Quoted names, the middle elided beyond ``limit`` (MXNet's message format)."""
    names = list(names)
    if len(names) > limit:
        return _brief(names[:limit // 2], limit) + ", ..., " + _brief(names[-limit // 2:], limit)
    return ", ".join("'%s'" % str(n) for n in names)


def select_params(params, select):
    """Parameters whose names fully match the regex ``select`` (or all when None)."""
    if select is None:
        return params
    pattern = re.compile(select)
    out = ParameterDict(params.prefix)
    out._params.update((k, v) for k, v in params.items() if pattern.match(k))
    return out


