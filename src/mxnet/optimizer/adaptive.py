"""Optimizers with per-coordinate step sizes: Adam, AdaGrad, RMSProp, AdaDelta, Ftrl, Adamax,
Nadam, FTML, LAMB (and contrib's GroupAdaGrad).

Adam, RMSProp, Ftrl, FTML and LAMB run as registry operators (``adam_update``, ...); AdaGrad,
AdaDelta, Adamax, Nadam and GroupAdaGrad are NDArray arithmetic, as in MXNet.
"""
import math

import numpy

from .. import ndarray as nd
from .optimizer import (Optimizer, register, _zeros_like, _zeros_states, _check_nd, _clipped,
                        _rescaled, _clip_kwargs, _ema, _ImplUpdateMixin, _aggregation_size)

__all__ = ["Adam", "AdaGrad", "RMSProp", "AdaDelta", "Ftrl", "Adamax", "Nadam", "FTML", "LAMB",
           "GroupAdaGrad"]


class _AdamFamily(Optimizer):
    """What the Adam family shares: the decay rates ``beta1``/``beta2`` of the moment estimates
    and ``_num_states`` zero states in the weight's dtype (mean, variance[, ...])."""
    _num_states = 2

    def __init__(self, beta1, beta2, **kwargs):
        super(_AdamFamily, self).__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def create_state(self, index, weight):
        return _zeros_states(weight, self._num_states)


class _History(Optimizer):
    """AdaGrad's and GroupAdaGrad's ``eps`` (kept as ``float_stable_eps``, as MXNet)."""

    def __init__(self, eps, **kwargs):
        super(_History, self).__init__(**kwargs)
        self.float_stable_eps = eps


@register
class Adam(_AdamFamily):
    """Adam (http://arxiv.org/abs/1412.6980)::

        g = clip(rescale_grad * grad + wd * weight, clip_gradient)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        weight -= lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m / (sqrt(v) + epsilon)

    Parameters
    ----------
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
        Small value to avoid division by 0.
    lazy_update : bool
        With a row_sparse gradient, update only its rows (weight and states), as MXNet.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super(Adam, self).__init__(beta1, beta2, learning_rate=learning_rate, **kwargs)
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        t = self._index_update_count[index]
        coef1 = 1. - self.beta1 ** t
        coef2 = 1. - self.beta2 ** t
        lr *= math.sqrt(coef2) / coef1
        kwargs = _clip_kwargs(self, {"beta1": self.beta1, "beta2": self.beta2,
                                     "epsilon": self.epsilon, "rescale_grad": self.rescale_grad})
        mean, var = state
        nd.adam_update(weight, grad, mean, var, out=weight, lazy_update=self.lazy_update, lr=lr,
                       wd=wd, **kwargs)


@register
class AdaGrad(_History):
    """AdaGrad (http://www.jmlr.org/papers/volume12/duchi11a/duchi11a.pdf)::

        g = clip(rescale_grad * grad, clip_gradient)
        history += g**2
        weight -= lr * (g / sqrt(history + eps) + wd * weight)

    Parameters
    ----------
    eps : float
        Added to the history under the square root.
    """

    def __init__(self, eps=1e-7, **kwargs):
        super(AdaGrad, self).__init__(eps, **kwargs)

    def create_state(self, index, weight):
        return _zeros_like(weight, numpy.float32)  # history (float32, as MXNet)

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        grad = _rescaled(self, grad)
        state[:] += nd.square(grad)
        div = grad / nd.sqrt(state + self.float_stable_eps)
        weight[:] += (div + weight * wd) * -lr


@register
class RMSProp(Optimizer):
    """RMSProp: Tieleman & Hinton's (``centered=False``, ``rmsprop_update``) or Graves's
    (``centered=True``, ``rmspropalex_update``, http://arxiv.org/pdf/1308.0850v5.pdf)::

        g = clip(rescale_grad * grad + wd * weight, clip_gradient)
        n = (1 - gamma1) * g**2 + gamma1 * n
        not centered:  weight -= lr * g / sqrt(n + epsilon)
        centered:      gm = (1 - gamma1) * g + gamma1 * gm
                       delta = gamma2 * delta - lr * g / sqrt(n - gm**2 + epsilon)
                       weight += delta

    Parameters
    ----------
    gamma1 : float
        Decay of the moving averages.
    gamma2 : float
        The momentum of the centered version.
    epsilon : float
        Small value to avoid division by 0.
    centered : bool
        Use Graves's centered version.
    clip_weights : float or None
        Clip the weights to ``[-clip_weights, clip_weights]`` after each update.
    """

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-8, centered=False,
                 clip_weights=None, **kwargs):
        super(RMSProp, self).__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight):
        n = 3 if self.centered else 1  # n[, g, delta] (float32, as MXNet)
        return _zeros_states(weight, n, numpy.float32)

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        kwargs = {"gamma1": self.gamma1, "epsilon": self.epsilon, "rescale_grad": self.rescale_grad}
        if self.centered:
            kwargs["gamma2"] = self.gamma2
        _clip_kwargs(self, kwargs)
        if self.clip_weights:
            kwargs["clip_weights"] = self.clip_weights
        if not self.centered:
            (n,) = state
            nd.rmsprop_update(weight, grad, n, out=weight, lr=lr, wd=wd, **kwargs)
        else:
            n, g, delta = state
            nd.rmspropalex_update(weight, grad, n, g, delta, out=weight, lr=lr, wd=wd, **kwargs)


@register
class AdaDelta(Optimizer):
    """AdaDelta (https://arxiv.org/abs/1212.5701)::

        g = clip(grad * rescale_grad, clip_gradient)
        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta**2
        weight -= delta + wd * weight

    Like MXNet 1.9.1, the rescaling is applied to ``grad`` in place (the caller's gradient array
    is multiplied by ``rescale_grad``).

    Parameters
    ----------
    rho : float
        Decay rate of both accumulators.
    epsilon : float
        Small value to avoid division by 0.
    """

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super(AdaDelta, self).__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return _zeros_states(weight, 2, numpy.float32)  # accumulated g, accumulated delta

    def update(self, index, weight, grad, state):
        _check_nd(weight, grad)
        wd = self._get_wd(index)
        self._update_count(index)
        grad *= self.rescale_grad
        grad = _clipped(self, grad)
        acc_g, acc_delta = state
        _ema(acc_g, self.rho, grad, grad)
        current_delta = nd.sqrt(acc_delta + self.epsilon) / nd.sqrt(acc_g + self.epsilon) * grad
        _ema(acc_delta, self.rho, current_delta, current_delta)
        weight[:] -= current_delta + wd * weight


@register
class Ftrl(Optimizer):
    """FTRL-Proximal (http://dl.acm.org/citation.cfm?id=2488200), ``ftrl_update``::

        g = clip(grad * rescale_grad, clip_gradient)
        z += g - (sqrt(n + g**2) - sqrt(n)) * weight / lr
        n += g**2
        weight = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (abs(z) > lamda1)

    Parameters
    ----------
    lamda1 : float
        L1 regularization coefficient.
    learning_rate : float
        The initial learning rate.
    beta : float
        Per-coordinate learning-rate parameter.
    """

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super(Ftrl, self).__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def create_state(self, index, weight):
        return _zeros_states(weight, 2, numpy.float32)  # z, n

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        kwargs = _clip_kwargs(self, {"lamda1": self.lamda1, "beta": self.beta,
                                     "rescale_grad": self.rescale_grad})
        z, n = state
        nd.ftrl_update(weight, grad, z, n, out=weight, lr=lr, wd=wd, **kwargs)


@register
class Adamax(_AdamFamily):
    """AdaMax, Adam with the infinity norm (http://arxiv.org/abs/1412.6980, section 7)::

        g = clip(grad * rescale_grad + wd * weight, clip_gradient)
        m = beta1 * m + (1 - beta1) * g
        u = maximum(beta2 * u, abs(g))
        weight -= lr / (1 - beta1**t) * m / u

    Parameters
    ----------
    beta1, beta2 : float
        Decay rates of the first moment and of the infinity norm.
    """

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super(Adamax, self).__init__(beta1, beta2, learning_rate=learning_rate, **kwargs)

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        t = self._index_update_count[index]
        lr /= (1. - self.beta1 ** t)
        grad = _rescaled(self, grad, weight, wd)
        m_t, u_t = state  # mean, infinity norm
        _ema(m_t, self.beta1, grad)
        u_t[:] = nd.maximum(self.beta2 * u_t, nd.abs(grad))
        weight[:] -= lr * m_t / u_t


@register
class Nadam(_AdamFamily):
    """Nesterov Adam (http://cs229.stanford.edu/proj2015/054_report.pdf), with the momentum
    schedule ``mu_t = beta1 * (1 - 0.5 * 0.96**(t * schedule_decay))``.

    Parameters
    ----------
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
        Small value to avoid division by 0.
    schedule_decay : float
        Decay rate of the momentum schedule.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super(Nadam, self).__init__(beta1, beta2, learning_rate=learning_rate, **kwargs)
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.   # shared by all weights, as in MXNet

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        t = self._index_update_count[index]
        grad = _rescaled(self, grad, weight, wd)
        momentum_t = self.beta1 * (1. - 0.5 * (pow(0.96, t * self.schedule_decay)))
        momentum_t_1 = self.beta1 * (1. - 0.5 * (pow(0.96, (t + 1) * self.schedule_decay)))
        self.m_schedule = self.m_schedule * momentum_t
        m_schedule_next = self.m_schedule * momentum_t_1
        m_t, v_t = state
        _ema(m_t, self.beta1, grad)
        _ema(v_t, self.beta2, grad, grad)
        grad_prime = grad / (1. - self.m_schedule)
        m_t_prime = m_t / (1. - m_schedule_next)
        v_t_prime = v_t / (1. - pow(self.beta2, t))
        m_t_bar = (1. - momentum_t) * grad_prime + momentum_t_1 * m_t_prime
        weight[:] -= lr * m_t_bar / (nd.sqrt(v_t_prime) + self.epsilon)


@register
class FTML(_AdamFamily):
    """FTML, Follow the Moving Leader (http://proceedings.mlr.press/v70/zheng17a/zheng17a.pdf),
    ``ftml_update``::

        g = clip(grad * rescale_grad + wd * weight, clip_gradient)
        v = beta2 * v + (1 - beta2) * g**2
        d_t = (1 - beta1**t) / lr * (sqrt(v / (1 - beta2**t)) + epsilon)
        z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d_(t-1)) * weight
        weight = -z / d_t

    Parameters
    ----------
    beta1 : float
        0 < beta1 < 1, generally close to 0.5.
    beta2 : float
        0 < beta2 < 1, generally close to 1.
    epsilon : float
        Small value to avoid division by 0.
    """

    _num_states = 3  # d, v, z

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super(FTML, self).__init__(beta1, beta2, **kwargs)
        self.epsilon = epsilon

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        t = self._index_update_count[index]
        kwargs = _clip_kwargs(self, {"beta1": self.beta1, "beta2": self.beta2,
                                     "epsilon": self.epsilon, "rescale_grad": self.rescale_grad,
                                     "t": t}, key="clip_grad")
        prev_d, prev_v, prev_z = state
        nd.ftml_update(weight, grad, prev_d, prev_v, prev_z, out=weight, lr=lr, wd=wd, **kwargs)


@register
class LAMB(_ImplUpdateMixin, _AdamFamily):
    """LAMB (https://arxiv.org/abs/1904.00962): Adam directions scaled per layer by the trust
    ratio ``|w| / |step|`` (``lamb_update_phase1`` then ``lamb_update_phase2``).

    Parameters
    ----------
    beta1, beta2 : float
        Decay rates of the first and second moment estimates.
    epsilon : float
        Small value to avoid division by 0.
    lower_bound, upper_bound : float or None
        Bounds of ``|w|`` in the trust ratio.
    bias_correction : bool
        Correct the moment estimates for their zero initialisation.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super(LAMB, self).__init__(beta1, beta2, learning_rate=learning_rate, **kwargs)
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction
        self.aggregate_num = max(1, min(45, _aggregation_size("45")))

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        if not isinstance(index, (tuple, list)):
            index, weight, grad, state = [index], [weight], [grad], [state]
        for w, g in zip(weight, grad):
            _check_nd(w, g)
        steps = []
        for i in index:
            self._update_count(i)
            steps.append((self._index_update_count[i], self._get_lr(i), self._get_wd(i)))
        kwargs = {"beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon,
                  "bias_correction": self.bias_correction, "rescale_grad": self.rescale_grad}
        _clip_kwargs(self, kwargs)
        bounds = {}
        if self.lower_bound:
            bounds["lower_bound"] = self.lower_bound
        if self.upper_bound:
            bounds["upper_bound"] = self.upper_bound
        for w, g, st, (t, lr, wd) in zip(weight, grad, state, steps):
            if multi_precision:
                w32, (mean, var) = st
                step = nd.mp_lamb_update_phase1(w, g, mean, var, w32, t=t, wd=wd, **kwargs)
                nd.mp_lamb_update_phase2(w, step, w32.norm(), step.norm(), w32, lr=lr, out=w,
                                         **bounds)
            else:
                mean, var = st
                step = nd.lamb_update_phase1(w, g, mean, var, t=t, wd=wd, **kwargs)
                nd.lamb_update_phase2(w, step, w.norm(), step.norm(), lr=lr, out=w, **bounds)


@register
class GroupAdaGrad(_History):
    """AdaGrad with one learning rate per row of a 2-D weight (``mx.optimizer.contrib``)::

        g = clip(grad * rescale_grad, clip_gradient)
        history += mean(g**2, axis=1, keepdims=True)
        weight -= lr * g / sqrt(history + eps)

    Weight decay is not supported.

    Parameters
    ----------
    eps : float
        Added to the history under the square root.
    """

    def __init__(self, eps=1e-5, **kwargs):
        super(GroupAdaGrad, self).__init__(eps, **kwargs)

    def create_state(self, index, weight):
        assert len(weight.shape) == 2
        return nd.zeros((weight.shape[0], 1), weight.context)  # (float32, as MXNet)

    def update(self, index, weight, grad, state):
        lr, wd = self._begin_update(index, weight, grad)
        assert wd == 0, "Weight decay is not supported for GroupAdaGrad"
        grad = _rescaled(self, grad)
        state[:] += nd.mean(nd.square(grad), axis=1, keepdims=True)
        weight[:] -= lr * grad / nd.sqrt(state + self.float_stable_eps)
