"""SGD and its relatives: SGD (with momentum), NAG, Signum, LARS, LBSGD, DCASGD, SGLD, ccSGD.

The updates run as registry operators (``sgd_update``, ``sgd_mom_update``, ``nag_mom_update``,
``signum_update`` and their ``mp_`` forms); DCASGD, SGLD and LBSGD's gradient accumulation use
NDArray arithmetic, as in MXNet.
"""
import logging
import math

import numpy

from .. import ndarray as nd
from ..ndarray import NDArray, imperative as _imperative
from .. import engine as _engine
from ..backend.fpstate import quiet_enter, quiet_exit
from ..autograd import _state as _autograd_state
from ..ops.optimizer_ops import sgd_mom_step
from ..ops.registry import get_op
from .optimizer import (Optimizer, register, _zeros_like, _fp16_warning, _check_nd, _update_kwargs,
                        _rescaled, _ImplUpdateMixin, _aggregation_size)

__all__ = ["SGD", "ccSGD", "NAG", "Signum", "LARS", "LBSGD", "DCASGD", "SGLD"]


def _as_lists(indices, weights, grads, states):
    if isinstance(indices, (tuple, list)):
        return list(indices), list(weights), list(grads), list(states)
    return [indices], [weights], [grads], [states]


def _sgd_step(weight, grad, state, lr, wd, multi_precision, kwargs, lazy_update=True):
    """One SGD(-momentum) operator call; ``state`` is the momentum (or None), or
    ``(momentum, weight32)`` with ``multi_precision``."""
    if not multi_precision:
        if state is not None:
            nd.sgd_mom_update(weight, grad, state, out=weight, lazy_update=lazy_update, lr=lr,
                              wd=wd, **kwargs)
        else:
            nd.sgd_update(weight, grad, out=weight, lazy_update=lazy_update, lr=lr, wd=wd, **kwargs)
    elif state[0] is not None:
        nd.mp_sgd_mom_update(weight, grad, state[0], state[1], out=weight, lr=lr, wd=wd, **kwargs)
    else:
        nd.mp_sgd_update(weight, grad, state[1], out=weight, lr=lr, wd=wd, **kwargs)


def _sgd_multi_step(weights, grads, states, lrs, wds, multi_precision, kwargs):
    """One ``multi_[mp_]sgd_[mom_]update`` call for several weights (MXNet's aggregated path,
    ``MXNET_OPTIMIZER_AGGREGATION_SIZE`` weights per call): same arithmetic as ``_sgd_step``."""
    mom = states[0] is not None and (not multi_precision or states[0][0] is not None)
    arrays = []
    for w, g, st in zip(weights, grads, states):
        arrays += [w, g]
        if multi_precision:
            arrays += ([st[0]] if mom else []) + [st[1]]
        elif mom:
            arrays.append(st)
    op = _MULTI_OPS[bool(multi_precision), mom]
    _imperative.invoke(op, arrays, dict(kwargs, num_weights=len(weights), lrs=tuple(lrs), wds=tuple(wds)),
                       weights)


def fused_update(updater, entries):
    """Trainer's fast path for momentum SGD on one device: apply ``updater``'s SGD to ``entries``
    ``[(index, grad, weight), ...]`` exactly as ``updater(indices, grads, weights)`` would
    (update counts, learning rates and weight decays per group of ``aggregate_num`` weights, and
    the kernel of ``multi_sgd_mom_update``), calling the kernel on the arrays right away under
    the engine lock instead of going through the Updater, the optimizer and an operator call.
    Returns False, having changed nothing, unless everything is plain: dense float arrays without
    views, of one dtype and matching shapes, momentum states that exist already, no float16
    master copies, and ready arrays (nothing pending on them: the engine's inline-path check)."""
    opt = updater.optimizer
    if type(opt) is not SGD or not opt.momentum or not updater.aggregate_updates or opt.aggregate_num <= 0:
        return False
    eng = _engine.caller_engine()
    if eng is None or _autograd_state.recording:
        return False
    states, synced = updater.states, updater.states_synced
    dtype = entries[0][2]._dtype
    if dtype.kind != "f" or (dtype == numpy.float16 and opt.multi_precision):
        return False
    arrays = []
    for i, g, w in entries:
        m = states.get(i)
        if type(w) is not NDArray or type(g) is not NDArray or type(m) is not NDArray \
                or not synced.get(i) or w._view is not None or g._view is not None or m._view is not None \
                or w._dtype != dtype or g._dtype != dtype or m._dtype != dtype \
                or g._shape != w._shape or m._shape != w._shape or g._ctx is not w._ctx:
            return False
        arrays.append((w, g, m))
    writes = [a._chunk.var for w, _, m in arrays for a in (w, m)]
    with eng._lock:
        if not _engine.runnable([g._chunk.var for _, g, _ in arrays], writes):
            return False
        opt._set_current_context(arrays[0][0]._ctx.device_id)
        t = dtype.type
        rescale, momentum = t(opt.rescale_grad), t(opt.momentum)
        clip = opt.clip_gradient if opt.clip_gradient else -1.0
        n = opt.aggregate_num
        quiet = quiet_enter()
        try:
            for start in range(0, len(entries), n):
                idxs = [e[0] for e in entries[start:start + n]]
                opt._update_count(idxs)
                for (w, g, m), lr, wd in zip(arrays[start:start + n], opt._get_lrs(idxs), opt._get_wds(idxs)):
                    w._chunk.data = sgd_mom_step(numpy, w._chunk.data, g._chunk.data, m._chunk.data,
                                                 t(lr), t(wd), rescale, momentum, clip)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as e:  # noqa: BLE001 - stored like an engine op's error
            eng._record_error(_engine._wrap_error(e, "multi_sgd_mom_update"), writes)
        finally:
            quiet_exit(quiet)
    return True


_MULTI_OPS = {(mp, mom): get_op("multi_{}sgd_{}update".format("mp_" if mp else "", "mom_" if mom else ""))
              for mp in (False, True) for mom in (False, True)}


def _momentum_zeros(opt, weight, dtype=None):
    """The momentum state: zeros like ``weight`` (of ``dtype``), or None without momentum."""
    return _zeros_like(weight, dtype) if opt.momentum != 0.0 else None


class _MomentumState(object):
    """``create_state``: the momentum buffer, or None when ``momentum`` is 0."""

    def create_state(self, index, weight):
        return _momentum_zeros(self, weight)


class _MasterCopyMixin(_ImplUpdateMixin):
    """States ``(state, weight32)`` for float16 weights with ``multi_precision`` (SGD's layout,
    the reverse of the base class's ``(weight32, state)``)."""

    def create_state_multi_precision(self, index, weight):
        if self.multi_precision and weight.dtype == numpy.float16:
            weight_master_copy = weight.astype(numpy.float32)
            return (self.create_state(index, weight_master_copy), weight_master_copy)
        if weight.dtype == numpy.float16 and not self.multi_precision:
            _fp16_warning(self._fp16_name)
        return self.create_state(index, weight)


@register
class SGD(_MasterCopyMixin, _MomentumState, Optimizer):
    """Stochastic gradient descent with momentum and weight decay::

        rescaled_grad = lr * (clip(rescale_grad * grad, clip_gradient) + wd * weight)
        state = momentum * state + rescaled_grad
        weight = weight - state

    Parameters
    ----------
    momentum : float
        The momentum (0: plain SGD, no state).
    lazy_update : bool
        With a row_sparse gradient, update only its rows (weight and states), as MXNet.
    multi_precision : bool
        Update float16 weights through a float32 master copy.
    """
    _fp16_name = "SGD"

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super(SGD, self).__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        self.aggregate_num = _aggregation_size("4")

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = _as_lists(indices, weights, grads, states)
        for w, g in zip(weights, grads):
            if not (isinstance(w, NDArray) and isinstance(g, NDArray)):
                _check_nd(w, g)
        self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        kwargs = _update_kwargs(self)
        if len(weights) > 1 and _all_dense(weights, grads):
            _sgd_multi_step(weights, grads, states, lrs, wds, multi_precision, kwargs)
            return
        for weight, grad, state, lr, wd in zip(weights, grads, states, lrs, wds):
            _sgd_step(weight, grad, state, lr, wd, multi_precision, kwargs, self.lazy_update)


def _all_dense(weights, grads):
    """Whether every weight and gradient has default storage: only then do updates aggregate
    (a row_sparse gradient takes the single-weight op and its lazy update, as in MXNet)."""
    arrays = weights + grads
    return list(map(type, arrays)).count(NDArray) == len(arrays) or \
        all(a.stype == "default" for a in arrays)


@register
class ccSGD(SGD):  # pylint: disable=invalid-name
    """[DEPRECATED] Same as `SGD`. Left here for backward compatibility."""

    def __init__(self, *args, **kwargs):
        super(ccSGD, self).__init__(*args, **kwargs)


@register
class NAG(_MasterCopyMixin, _MomentumState, Optimizer):
    """Nesterov accelerated gradient::

        state = momentum * state + lr * (clip(rescale_grad * grad) + wd * weight)
        weight = weight - (momentum * state + lr * (clip(rescale_grad * grad) + wd * weight))

    (``nag_mom_update``: the state holds the negative, lr-scaled velocity.)

    Parameters
    ----------
    momentum : float
        The momentum (0: plain SGD).
    multi_precision : bool
        Update float16 weights through a float32 master copy.
    """
    _fp16_name = "NAG"

    def __init__(self, momentum=0.0, **kwargs):
        super(NAG, self).__init__(**kwargs)
        self.momentum = momentum

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        lr, wd = self._begin_update(index, weight, grad)
        kwargs = _update_kwargs(self)
        if not multi_precision:
            if state is not None:
                nd.nag_mom_update(weight, grad, state, out=weight, lr=lr, wd=wd, **kwargs)
            else:
                nd.sgd_update(weight, grad, out=weight, lr=lr, wd=wd, **kwargs)
        elif state[0] is not None:
            nd.mp_nag_mom_update(weight, grad, state[0], state[1], out=weight, lr=lr, wd=wd,
                                 **kwargs)
        else:
            nd.mp_sgd_update(weight, grad, state[1], out=weight, lr=lr, wd=wd, **kwargs)

    def update_multi_precision(self, index, weight, grad, state):
        use_mp = (self.multi_precision and weight.dtype == numpy.float16
                  and isinstance(state, (tuple, list)))
        self._update_impl(index, weight, grad, state, multi_precision=use_mp)


@register
class Signum(_MomentumState, Optimizer):
    """SignSGD / Signum: steps of size ``lr`` along the sign of the gradient or momentum::

        state = momentum * state + (1 - momentum) * (rescale_grad * clip(grad) + wd * weight)
        weight = (1 - lr * wd_lh) * weight - lr * sign(state)

    Parameters
    ----------
    momentum : float
        The momentum (0: SignSGD, no state).
    wd_lh : float
        Decoupled weight decay (https://arxiv.org/abs/1711.05101).
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super(Signum, self).__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        kwargs = _update_kwargs(self)
        if self.wd_lh:
            kwargs["wd_lh"] = self.wd_lh
        if state is not None:
            nd.signum_update(weight, grad, state, out=weight, lr=lr, wd=wd, **kwargs)
        else:
            kwargs.pop("wd_lh", None)
            nd.signsgd_update(weight, grad, out=weight, lr=lr, wd=wd, **kwargs)


def _no_lars(name):
    return name.endswith("gamma") or name.endswith("beta") or name.endswith("bias")


@register
class LARS(_MasterCopyMixin, _MomentumState, Optimizer):
    """LARS (https://arxiv.org/abs/1708.03888): SGD whose learning rate is scaled per layer by
    ``eta * |w| / (|g| + wd * |w| + eps)`` (``|g|`` of the rescaled gradient), except for
    parameters named ``*gamma``, ``*beta`` or ``*bias``.

    Parameters
    ----------
    momentum : float
        The momentum.
    lazy_update : bool
        With a row_sparse gradient, update only its rows (weight and states), as MXNet.
    eta : float
        The LARS coefficient.
    eps : float
        Added to the denominator.
    momentum_correction : bool
        Scale the momentum by ``lr / previous lr`` when the scheduled rate changes
        (https://arxiv.org/abs/1706.02677).
    """
    _fp16_name = "SGD"

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0,
                 momentum_correction=True, **kwargs):
        super(LARS, self).__init__(**kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.aggregate_num = _aggregation_size("4")
        self.eta = eta
        self.eps = eps
        self.skip = 0
        self.last_lr = None
        self.cur_lr = None

    def _get_lrs(self, indices):
        if self.cur_lr is not None:
            self.last_lr = self.cur_lr
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        if self.cur_lr is None:
            self.last_lr = lr
        self.cur_lr = lr
        return [lr * self._mult(i, self.lr_mult, "lr_mult") for i in indices]

    def set_wd_mult(self, args_wd_mult):
        """As ``Optimizer.set_wd_mult``, except that only ``*_weight`` parameters keep their
        decay by default."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not n.endswith("_weight"):
                self.wd_mult[n] = 0.0
        self._sym_wd_mult()
        self.wd_mult.update(args_wd_mult)

    def _l2norm(self, v, rescale=False):
        v = v.astype("float32")
        if rescale:
            v *= self.rescale_grad
        return nd.norm(v).asnumpy()[0]

    def _get_lars(self, i, weight, g, lr, wd):
        """The learning rate of layer ``i`` scaled by its LARS trust ratio."""
        name = self.idx2name[i] if i in self.idx2name else str(i)
        if _no_lars(name):
            return lr
        w_norm = self._l2norm(weight)
        g_norm = self._l2norm(g, rescale=True)
        if w_norm > 0.0 and g_norm > 0.0:
            return self.eta * w_norm / (g_norm + wd * w_norm + self.eps) * lr
        return lr

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = _as_lists(indices, weights, grads, states)
        for w, g in zip(weights, grads):
            if not (isinstance(w, NDArray) and isinstance(g, NDArray)):
                _check_nd(w, g)
        self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        kwargs = _update_kwargs(self)
        if "momentum" in kwargs and self.momentum_correction and self.last_lr != 0:
            kwargs["momentum"] = self.momentum * (self.cur_lr / self.last_lr)
        lrs = [self._get_lars(i, w, g, lr, wd)
               for i, w, g, lr, wd in zip(indices, weights, grads, lrs, wds)]
        for weight, grad, state, lr, wd in zip(weights, grads, states, lrs, wds):
            _sgd_step(weight, grad, state, lr, wd, multi_precision, kwargs, self.lazy_update)


@register
class LBSGD(Optimizer):
    """Large-batch SGD: SGD with momentum whose learning rate warms up over ``warmup_epochs``
    ('linear', 'power2', 'sqrt') or follows LARS ('lars'), accumulating gradients over
    ``batch_scale`` calls before each real update.

    Parameters
    ----------
    momentum : float
        The momentum.
    multi_precision : bool
        Update float16 weights through a float32 master copy.
    warmup_strategy : {'linear', 'power2', 'sqrt', 'lars'}
        How the learning-rate multiplier grows to ``batch_scale``.
    warmup_epochs : int
        Length of the warm-up in epochs.
    batch_scale : int
        Number of gradients accumulated per update (the large-batch factor).
    updates_per_epoch : int
        Updates per epoch (for the warm-up).
    begin_epoch : int
        The starting epoch.
    num_epochs : int
        The total number of epochs.
    """

    def __init__(self, momentum=0.0, multi_precision=False, warmup_strategy="linear",
                 warmup_epochs=5, batch_scale=1, updates_per_epoch=32, begin_epoch=0, num_epochs=60,
                 **kwargs):
        super(LBSGD, self).__init__(**kwargs)
        logging.info("Running Large-Batch SGD Algorithm")
        logging.info("(Batch_scale=%f, warmup_epochs=%d, warmup_strategy=%s, updates_per_epoch=%d)",
                     batch_scale, warmup_epochs, warmup_strategy, updates_per_epoch)
        self.momentum = momentum
        self.multi_precision = multi_precision
        self.warmup_strategy = warmup_strategy
        self.warmup_epochs = warmup_epochs
        self.batch_scale = batch_scale
        self.updates_per_epoch = updates_per_epoch
        self.init_updates = begin_epoch * updates_per_epoch
        self.num_epochs = num_epochs
        self.lbmult = 1
        self.cumgrads = {}
        self.adaptive = False
        self.admult = 1

    def create_state(self, index, weight):
        if self.multi_precision and weight.dtype == numpy.float16:
            master = nd.array(weight, ctx=weight.context, dtype=numpy.float32)
            return (_momentum_zeros(self, weight, numpy.float32), master)
        if weight.dtype == numpy.float16 and not self.multi_precision:
            _fp16_warning("SGD")
        return _momentum_zeros(self, weight)

    def _get_lbmult(self, nup):
        """The warm-up learning-rate multiplier after ``nup`` accumulated updates."""
        nwup = self.warmup_epochs * self.updates_per_epoch
        maxmult = float(self.batch_scale)
        if nup >= nwup:
            return maxmult
        if nwup <= 1:
            return 1.0
        if self.warmup_strategy == "linear":
            return 1.0 + (maxmult - 1) * nup / nwup
        if self.warmup_strategy == "power2":
            return 1.0 + (maxmult - 1) * (nup * nup) / (nwup * nwup)
        if self.warmup_strategy == "sqrt":
            return 1.0 + (maxmult - 1) * math.sqrt(float(nup) / nwup)
        return 1.0

    def _get_lars(self, weight, g, wd):
        """The LARS multiplier ``sqrt(|w|^2 / (|g|^2 + wd * |w|^2))`` clipped to [0.01, 100]."""
        w2 = self._l2norm(weight)
        g2 = self._l2norm(g)
        lars = math.sqrt(w2 / (g2 + wd * w2 + 1e-18))
        return min(max(lars, 0.01), 100)

    def _l2norm(self, v):
        return nd.multiply(v, v).asnumpy().sum()

    def _reset_cum_gradient(self, index):
        self.cumgrads[index]["cum_grad"] = 0

    def _get_cum_gradient(self, index):
        return self.cumgrads.get(index, {})

    def _put_cum_gradient(self, index, cgrad):
        self.cumgrads[index] = cgrad

    def _cumulate_gradient(self, grad, index):
        cgrad = self._get_cum_gradient(index)
        if cgrad and cgrad["num_cums"] > 0:
            cum_grad = cgrad["cum_grad"] + grad
            num_cums = cgrad["num_cums"] + 1
        else:
            cum_grad = grad
            num_cums = self.init_updates + 1
        cgrad = {"cum_grad": cum_grad, "num_cums": num_cums}
        self._put_cum_gradient(index, cgrad)
        return cgrad

    def update(self, index, weight, grad, state):
        _check_nd(weight, grad)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        self._update_count(index)
        cgrad = self._cumulate_gradient(grad, index)
        if cgrad["num_cums"] % self.batch_scale == 0:
            grad = cgrad["cum_grad"] / self.batch_scale
            if self.warmup_strategy == "lars":
                lbmult = self._get_lars(weight, grad, wd)
            else:
                lbmult = self._get_lbmult(cgrad["num_cums"])
            kwargs = _update_kwargs(self)
            mp = isinstance(state, (list, tuple))
            _sgd_step(weight, grad, state, lr * lbmult, wd, mp, kwargs)
            self._reset_cum_gradient(index)
        else:
            nd.sgd_update(weight, grad, out=weight, lr=0.0, wd=wd)


@register
class DCASGD(Optimizer):
    """Delay-compensated asynchronous SGD (https://arxiv.org/abs/1609.08326)::

        mom = momentum * mom - lr * (g + wd * w + lamda * g * g * (w - previous_w))
        previous_w = w;  w += mom

    with ``g = clip(rescale_grad * grad)``.

    Parameters
    ----------
    momentum : float
        The momentum.
    lamda : float
        Scale of the delay compensation.
    """

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super(DCASGD, self).__init__(**kwargs)
        self.momentum = momentum
        self.weight_previous = {}
        self.lamda = lamda

    def create_state(self, index, weight):
        return (_momentum_zeros(self, weight), weight.copy())

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        grad = _rescaled(self, grad)
        mom, previous_weight = state
        step = -lr * (grad + wd * weight + self.lamda * grad * grad * (weight - previous_weight))
        # MXNet 1.9.1 tests `if mom:` (an error for arrays of several elements); None is meant.
        if mom is not None:
            mom[:] *= self.momentum
            mom[:] += step
        else:
            mom = step
        previous_weight[:] = weight
        weight[:] += mom


@register
class SGLD(Optimizer):
    """Stochastic gradient Langevin dynamics: ``w += -lr/2 * (g + wd * w) + N(0, sqrt(lr))``
    with ``g = clip(rescale_grad * grad)``; the noise comes from ``mx.random`` (seedable)."""

    def __init__(self, **kwargs):
        super(SGLD, self).__init__(**kwargs)

    def create_state(self, index, weight):
        return None

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        grad = _rescaled(self, grad)
        weight[:] += -lr / 2 * (grad + wd * weight)
        weight[:] += nd.random.normal(0, math.sqrt(lr), shape=weight.shape, dtype=weight.dtype,
                                      ctx=weight.context)
