"""The ``Optimizer`` base class, the optimizer registry and ``create``.

An optimizer turns (index, weight, grad, state) into an in-place weight update. The base class
holds what every optimizer shares, with MXNet 1.9.1's semantics:

- the learning rate (``learning_rate``, or an ``lr_scheduler`` called with ``num_update``, the
  largest number of updates any weight has received);
- per-parameter multipliers: ``lr_mult`` / ``wd_mult`` by index or name, read from the
  ``__lr_mult__`` / ``__wd_mult__`` attributes of ``sym``'s arguments, or from
  ``param_dict[index].lr_mult`` (Gluon); with ``param_idx2name``, parameters whose name ends
  neither in ``_weight`` nor in ``_gamma`` get ``wd_mult = 0`` (no decay of biases, betas...);
- update counts per weight index (``_index_update_count``), one table per device;
- mixed precision (``multi_precision=True``): float16 weights are updated through a float32
  master copy kept in the state.
"""
import os
import warnings

import numpy

from ..ndarray import NDArray, zeros as _nd_zeros, cast as _nd_cast, clip as _nd_clip

__all__ = ["Optimizer", "register", "create", "Test"]


def _zeros_like(weight, dtype=None):
    """Dense zeros with ``weight``'s shape and context (MXNet's ``zeros(..., stype=...)``; neomx
    arrays are always dense)."""
    return _nd_zeros(weight.shape, weight.context, dtype=weight.dtype if dtype is None else dtype)


def _zeros_states(weight, n, dtype=None):
    """A tuple of ``n`` states: ``_zeros_like(weight, dtype)`` each."""
    return tuple(_zeros_like(weight, dtype) for _ in range(n))


def _aggregation_size(default):
    """``MXNET_OPTIMIZER_AGGREGATION_SIZE``: how many weights one aggregated update takes."""
    return int(os.getenv("MXNET_OPTIMIZER_AGGREGATION_SIZE", default))


def _fp16_warning(name=None):
    warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy or slow "
                  "convergence. Consider using multi_precision=True option of the " +
                  ("{} optimizer".format(name) if name else "optimizer"))


class Optimizer(object):
    """Base class of optimizers.

    Parameters
    ----------
    rescale_grad : float
        Gradients are multiplied by this before the update (often ``1.0 / batch_size``).
    param_idx2name : dict of int to str
        Names of the weights by index (enables name-based multipliers and the default
        ``wd_mult = 0`` of non-weight parameters).
    wd : float
        The weight decay (L2 regularization) coefficient.
    clip_gradient : float or None
        Clip (rescaled) gradients to ``[-clip_gradient, clip_gradient]``.
    learning_rate : float or None
        The learning rate; overrides ``lr_scheduler.base_lr``. Defaults to 0.01 without a scheduler.
    lr_scheduler : LRScheduler or None
        Gives the learning rate from the number of updates.
    sym : Symbol or None
        Its arguments' ``__lr_mult__`` / ``__wd_mult__`` attributes set the multipliers.
    begin_num_update : int
        The initial update count.
    multi_precision : bool
        Keep a float32 master copy of float16 weights and update that.
    param_dict : dict of int to gluon.Parameter
        Parameters whose ``lr_mult`` / ``wd_mult`` override everything else (not serialized).
    """
    opt_registry = {}

    def __init__(self, rescale_grad=1., param_idx2name=None, wd=0., clip_gradient=None,
                 learning_rate=None, lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None):
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if lr_scheduler is not None and learning_rate is not None:
            if lr_scheduler.base_lr != learning_rate:
                print(UserWarning("learning rate from ``lr_scheduler`` has been overwritten by "
                                  "``learning_rate`` in optimizer."))
                lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.lr_mult = {}
        self.wd_mult = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0
        if param_idx2name is None:
            param_idx2name = {}
        assert isinstance(param_idx2name, dict), \
            "param_idx2name should be a dict of param indexes to names."
        self.idx2name = param_idx2name.copy()
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.param_dict = param_dict if param_dict else {}
        self.allow_np_array = False
        self.set_lr_mult({})
        self.set_wd_mult({})

    # -- registry -------------------------------------------------------------------------------
    @staticmethod
    def register(klass):
        """Register an optimizer class under its lower-cased name (for ``create``)."""
        assert isinstance(klass, type)
        name = klass.__name__.lower()
        old = Optimizer.opt_registry.get(name)
        if old is not None and old is not klass:
            warnings.warn("WARNING: New optimizer %s.%s is overriding existing optimizer %s.%s" % (
                klass.__module__, klass.__name__, old.__module__, old.__name__))
        Optimizer.opt_registry[name] = klass
        return klass

    @staticmethod
    def create_optimizer(name, **kwargs):
        """An instance of the optimizer registered as ``name`` (case-insensitive)."""
        klass = Optimizer.opt_registry.get(name.lower())
        if klass is None:
            raise ValueError("Cannot find optimizer %s" % name)
        return klass(**kwargs)

    # -- learning rate --------------------------------------------------------------------------
    @property
    def learning_rate(self):
        """The current learning rate (from the scheduler at ``num_update`` if there is one)."""
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        """Set the learning rate; not allowed when an ``lr_scheduler`` drives it."""
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been defined. Note that "
                              "set_learning_rate can mutate the value of the learning rate of the "
                              "optimizer only when the LRScheduler of the optimizer is undefined.")
        self.lr = lr

    def set_lr_scale(self, args_lrscale):  # pylint: disable=unused-argument
        """[DEPRECATED] Use ``set_lr_mult``."""
        raise DeprecationWarning

    def set_lr_mult(self, args_lr_mult):
        """Set learning-rate multipliers by parameter name or index; the ``__lr_mult__``
        attributes of ``sym``'s arguments come first, ``args_lr_mult`` overrides them."""
        self.lr_mult = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__lr_mult__" in attr[name]:
                    self.lr_mult[name] = float(attr[name]["__lr_mult__"])
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        """Set weight-decay multipliers by parameter name or index.

        Named parameters (``param_idx2name``) not ending in ``_weight`` or ``_gamma`` get 0; then
        ``sym``'s ``__wd_mult__`` attributes apply; ``args_wd_mult`` overrides both."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not (n.endswith("_weight") or n.endswith("_gamma")):
                self.wd_mult[n] = 0.0
        self._sym_wd_mult()
        self.wd_mult.update(args_wd_mult)

    def _sym_wd_mult(self):
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__wd_mult__" in attr[name]:
                    self.wd_mult[name] = float(attr[name]["__wd_mult__"])

    # -- update counts --------------------------------------------------------------------------
    def _set_current_context(self, device_id):
        """Switch the update-count table to device ``device_id`` (one table per device)."""
        if device_id not in self._all_index_update_counts:
            self._all_index_update_counts[device_id] = {}
        self._index_update_count = self._all_index_update_counts[device_id]

    def _update_count(self, index):
        """Count one more update of ``index`` (an int or a list) and refresh ``num_update``."""
        for idx in (index if isinstance(index, (list, tuple)) else [index]):
            count = self._index_update_count.get(idx, self.begin_num_update) + 1
            self._index_update_count[idx] = count
            self.num_update = max(count, self.num_update)

    def _mult(self, index, table, attr):
        if index in self.param_dict:
            return getattr(self.param_dict[index], attr)
        if index in table:
            return table[index]
        if index in self.idx2name:
            return table.get(self.idx2name[index], 1.0)
        return 1.0

    def _mults(self, indices, table, attr):
        """``_mult`` of every index (one call per update, not per weight)."""
        params = self.param_dict
        if params and len(params) >= len(indices):
            out = [getattr(params[i], attr) if i in params else None for i in indices]
            if None not in out:      # (floats: the test is by value, and never None)
                return out
        return [self._mult(i, table, attr) for i in indices]

    def _get_lrs(self, indices):
        """Learning rates of the weights ``indices``: the scheduled rate times ``lr_mult``."""
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        return [lr * m for m in self._mults(indices, self.lr_mult, "lr_mult")]

    def _get_lr(self, index):
        """The learning rate of weight ``index``."""
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        """Weight decays of the weights ``indices``: ``wd`` times ``wd_mult``."""
        wd = self.wd
        return [wd * m for m in self._mults(indices, self.wd_mult, "wd_mult")]

    def _get_wd(self, index):
        """The weight decay of weight ``index``."""
        return self._get_wds([index])[0]

    def _begin_update(self, index, weight, grad):
        """Check the arrays and count one more update of ``index``; returns its ``(lr, wd)``."""
        _check_nd(weight, grad)
        self._update_count(index)
        return self._get_lr(index), self._get_wd(index)

    # -- states and updates ---------------------------------------------------------------------
    def create_state(self, index, weight):
        """The optimizer state for ``weight`` (None, an NDArray or a tuple); called once per
        weight."""

    def create_state_multi_precision(self, index, weight):
        """``create_state``, plus a float32 master copy for float16 weights when
        ``multi_precision`` is on: ``(weight32, state)``."""
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = weight.astype(numpy.float32)
            return (weight_master_copy,) + (self.create_state(index, weight_master_copy),)
        if weight.dtype == numpy.float16 and not self.multi_precision:
            _fp16_warning()
        return self.create_state(index, weight)

    def update(self, index, weight, grad, state):
        """Update ``weight`` in place from ``grad`` and ``state``; subclasses implement it."""
        raise NotImplementedError()

    def update_multi_precision(self, index, weight, grad, state):
        """``update``, through the float32 master copy for float16 weights when
        ``multi_precision`` is on."""
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy, original_state = state
            self.update(index, weight_master_copy, grad.astype(numpy.float32), original_state)
            _nd_cast(weight_master_copy, dtype=weight.dtype, out=weight)
        else:
            self.update(index, weight, grad, state)

    # -- pickling (param_dict holds live Gluon parameters and is never saved) ---------------------
    def __getstate__(self):
        ret = self.__dict__.copy()
        ret.pop("param_dict", None)
        return ret

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}


register = Optimizer.register  # pylint: disable=invalid-name
create = Optimizer.create_optimizer  # pylint: disable=invalid-name


def _check_nd(weight, grad):
    if not isinstance(weight, NDArray):
        raise TypeError("weight must be an NDArray, got {}".format(type(weight).__name__))
    if not isinstance(grad, NDArray):
        raise TypeError("grad must be an NDArray, got {}".format(type(grad).__name__))


def _update_kwargs(opt, momentum=True):
    """The common operator arguments: rescale_grad, plus momentum/clip_gradient when active (as
    MXNet, which leaves them out when 0/None)."""
    kwargs = {"rescale_grad": opt.rescale_grad}
    if momentum and opt.momentum > 0:
        kwargs["momentum"] = opt.momentum
    if opt.clip_gradient:
        kwargs["clip_gradient"] = opt.clip_gradient
    return kwargs


def _clipped(opt, grad):
    """``grad`` clipped to ``[-clip_gradient, clip_gradient]`` (itself when not clipping)."""
    if opt.clip_gradient is not None:
        grad = _nd_clip(grad, -opt.clip_gradient, opt.clip_gradient)
    return grad


def _rescaled(opt, grad, weight=None, wd=0.0):
    """``clip(grad * rescale_grad [+ wd * weight])`` as a new array."""
    grad = grad * opt.rescale_grad if weight is None else grad * opt.rescale_grad + wd * weight
    return _clipped(opt, grad)


def _clip_kwargs(opt, kwargs, key="clip_gradient"):
    if opt.clip_gradient:
        kwargs[key] = opt.clip_gradient
    return kwargs


def _ema(state, decay, value, *factors):
    """``state = decay * state + (1 - decay) * value * factors...``, in place (in that order of
    operations)."""
    state[:] *= decay
    term = (1. - decay) * value
    for f in factors:
        term = term * f
    state[:] += term


class _ImplUpdateMixin(object):
    """``update`` / ``update_multi_precision`` through one ``_update_impl(..., multi_precision)``
    (which also takes lists of indices, weights, gradients and states)."""

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        first = weight[0] if isinstance(index, (tuple, list)) else weight
        self._update_impl(index, weight, grad, state,
                          multi_precision=self.multi_precision and first.dtype == numpy.float16)


@register
class Test(Optimizer):
    """The test optimizer: ``weight += rescale_grad * grad``; the state mirrors the weight."""

    def __init__(self, **kwargs):
        super(Test, self).__init__(**kwargs)

    def create_state(self, index, weight):
        """A float32 array that will mirror the weight."""
        return _nd_zeros(weight.shape, weight.context)

    def update(self, index, weight, grad, state):
        """Perform ``weight += rescale_grad * grad``."""
        weight[:] += grad * self.rescale_grad
        state[:] = weight
