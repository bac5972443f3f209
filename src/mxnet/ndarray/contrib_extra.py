"""Python functions of MXNet's ``mx.nd.contrib``: ``isfinite``, ``isinf``, ``isnan`` and the
optimizer-update wrappers (``adamw_update``, ``mp_adamw_update``, ``multi_adamw_update``,
``multi_mp_adamw_update``, ``multi_lamb_update``, ``multi_mp_lamb_update``) over the registered
``_adamw_update`` ... kernels: scalars ``rescale_grad`` become (1,) arrays, lists of tensors are
interleaved per weight as the multi-tensor kernels take them."""
import math

import numpy as np

__all__ = ["isfinite", "isinf", "isnan", "rand_zipfian", "adamw_update", "mp_adamw_update", "multi_adamw_update",
           "multi_mp_adamw_update", "multi_lamb_update", "multi_mp_lamb_update"]


def _nd():
    from .. import ndarray
    return ndarray


def zipfian(F, true_classes, num_sampled, range_max, **ctx):
    """``rand_zipfian`` written against ``F`` (mx.nd or mx.sym): samples by inverting the
    log-uniform CDF log(c + 1) / log(range_max + 1); expected counts are num_sampled times
    P(c) = log((c + 2) / (c + 1)) / log(range_max + 1)."""
    log_range = math.log(range_max + 1)
    u = F.random.uniform(0, log_range, shape=(num_sampled,), dtype="float64", **ctx)
    sampled = (u.exp() - 1).astype("int64") % range_max

    def expected(c):
        c = c.astype("float64")
        return ((c + 2.0) / (c + 1.0)).log() / log_range * num_sampled
    return sampled, expected(true_classes), expected(sampled)


def rand_zipfian(true_classes, num_sampled, range_max, ctx=None):
    """Draw ``num_sampled`` classes in [0, range_max) with replacement from the approximately
    log-uniform (Zipfian) distribution P(class) = (log(class + 2) - log(class + 1)) /
    log(range_max + 1), for sampled softmax over classes sorted by decreasing frequency.

    Returns the samples (int64), the expected counts of ``true_classes`` and of the samples
    (float64: num_sampled * P(class)), on ``ctx`` (default: the current context)."""
    from ..context import current_context
    ctx = current_context() if ctx is None else ctx
    return zipfian(_nd(), true_classes.as_in_context(ctx), num_sampled, range_max, ctx=ctx)


def isinf(data):
    """1 where ``data`` is +inf or -inf, else 0 (same shape and dtype as ``data``)."""
    return data.abs() == np.inf


def isnan(data):
    """1 where ``data`` is NaN, else 0 (same shape and dtype as ``data``)."""
    return data != data  # pylint: disable=comparison-with-itself


def isfinite(data):
    """1 where ``data`` is neither infinite nor NaN, else 0 (same shape and dtype as ``data``)."""
    return _nd().logical_and(data.abs() != np.inf, data == data)  # pylint: disable=comparison-with-itself


def _rescale(rescale_grad, ctx):
    nd = _nd()
    if isinstance(rescale_grad, nd.NDArray):
        return rescale_grad.as_in_context(ctx)
    return nd.full(shape=(1,), val=rescale_grad, ctx=ctx)


def _interleave(*lists):
    return [a for group in zip(*lists) for a in group]


def adamw_update(weight, grad, mean, var, rescale_grad, lr, eta, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0,
                 clip_gradient=-1, out=None, name=None, **kwargs):
    """AdamW update of ``weight`` (in place by default; see ``mx.nd._internal._adamw_update``)."""
    return _nd()._internal._adamw_update(
        weight=weight, grad=grad, mean=mean, var=var, rescale_grad=_rescale(rescale_grad, weight.context),
        lr=lr, eta=eta, beta1=beta1, beta2=beta2, epsilon=epsilon, wd=wd, clip_gradient=clip_gradient,
        out=out, name=name, **kwargs)


def mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad, lr, eta, beta1=0.9, beta2=0.999,
                    epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None, **kwargs):
    """Mixed-precision AdamW update (float32 master copy ``weight32``)."""
    return _nd()._internal._mp_adamw_update(
        weight=weight, grad=grad, mean=mean, var=var, weight32=weight32,
        rescale_grad=_rescale(rescale_grad, weight.context), lr=lr, eta=eta, beta1=beta1, beta2=beta2,
        epsilon=epsilon, wd=wd, clip_gradient=clip_gradient, out=out, name=name, **kwargs)


def multi_adamw_update(weights, grads, mean, var, rescale_grad, lrs, wds, etas, out=None, name=None, size=0,
                       **kwargs):
    """AdamW update of several weights at once (lists of weights, grads, means, vars)."""
    size = size or len(weights)
    inputs = _interleave(weights, grads, mean, var) + [_rescale(rescale_grad, weights[0].context)]
    return _nd()._internal._multi_adamw_update(*inputs, out=out, num_weights=size, lrs=lrs, wds=wds,
                                               etas=etas, name=name, **kwargs)


def multi_mp_adamw_update(weights, grads, mean, var, weights32, rescale_grad, lrs, wds, etas, out=None,
                          name=None, size=0, **kwargs):
    """Mixed-precision AdamW update of several weights at once."""
    size = size or len(weights)
    inputs = _interleave(weights, grads, mean, var, weights32) + [_rescale(rescale_grad, weights[0].context)]
    return _nd()._internal._multi_mp_adamw_update(*inputs, out=out, num_weights=size, lrs=lrs, wds=wds,
                                                  etas=etas, name=name, **kwargs)


def multi_lamb_update(weights, grads, mean, var, step_count, lrs, wds, out=None, num_tensors=0, **kwargs):
    """LAMB update of several weights at once (``step_count``: per tensor update count)."""
    num_tensors = num_tensors or len(weights)
    return _nd()._internal._multi_lamb_update(*_interleave(weights, grads, mean, var), out=out,
                                              num_tensors=num_tensors, step_count=step_count,
                                              learning_rates=lrs, wds=wds, **kwargs)


def multi_mp_lamb_update(weights, grads, mean, var, weights32, step_count, lrs, wds, out=None, num_tensors=0,
                         **kwargs):
    """Mixed-precision LAMB update of several weights at once."""
    num_tensors = num_tensors or len(weights)
    return _nd()._internal._multi_mp_lamb_update(*_interleave(weights, grads, mean, var, weights32), out=out,
                                                 num_tensors=num_tensors, step_count=step_count,
                                                 learning_rates=lrs, wds=wds, **kwargs)


def _install(module):
    """Expose the functions in ``mx.nd.contrib``."""
    for n in __all__:
        setattr(module, n, globals()[n])
        getattr(module, n).__module__ = "mxnet.ndarray.contrib"
