"""mx.nd.random: sampling functions over the registry's random operators.

Distribution parameters are either all numbers (one distribution: the ``_random_*`` operators,
whose output shape is ``shape``) or all NDArrays (one distribution per element: the ``_sample_*``
operators, whose output shape is ``params.shape + shape``).
"""
from ..base import _Null, numeric_types
from ..context import current_context
from .ndarray import NDArray, _op
from .register import make_function
from ..ops.registry import get_op

__all__ = ["uniform", "normal", "randn", "randint", "exponential", "gamma", "poisson",
           "negative_binomial", "generalized_negative_binomial", "shuffle", "multinomial",
           "uniform_like", "normal_like", "exponential_like", "gamma_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]


def _check_same_type(params, types):
    first = params[0]
    for p in params[1:]:
        if not isinstance(p, types):
            raise AssertionError("Distribution parameters must all have the same type, but got "
                                 "both {} and {}.".format(type(first), type(p)))


def _random_helper(random_op, sample_op, params, shape, dtype, ctx, out, kwargs):
    """Dispatch to ``random_op`` (numeric parameters) or ``sample_op`` (NDArray parameters)."""
    first = params[0]
    if isinstance(first, NDArray):
        _check_same_type(params, NDArray)
        if sample_op is None:
            raise TypeError("this distribution takes numeric parameters only, got NDArrays")
        if shape is _Null and out is not None:
            n = first.ndim
            if out.shape[:n] == first.shape:
                shape = out.shape[n:]
        return _op(sample_op)(*params, shape=shape, dtype=dtype, out=out, **kwargs)
    if isinstance(first, numeric_types):
        _check_same_type(params, numeric_types)
        if ctx is None:
            ctx = current_context()
        if shape is _Null:
            shape = out.shape if out is not None else 1
        return _op(random_op)(*params, shape=shape, dtype=dtype, ctx=str(ctx), out=out, **kwargs)
    raise ValueError("Distribution parameters must be either NDArray or numbers, but got "
                     "{}.".format(type(first)))


def uniform(low=0, high=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Draw samples from a uniform distribution on [low, high).

    ``low``/``high`` are numbers (output shape ``shape``, default ``(1,)``) or NDArrays of one
    shape (``low.shape + shape`` samples, one distribution per element). Example::

        >>> mx.nd.random.uniform(-1, 1, shape=(2, 2))
    """
    return _random_helper("_random_uniform", "_sample_uniform", [low, high], shape, dtype, ctx,
                          out, kwargs)


def normal(loc=0, scale=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Draw samples from a normal (Gaussian) distribution with mean ``loc`` and standard
    deviation ``scale`` (numbers, or NDArrays for one distribution per element)."""
    return _random_helper("_random_normal", "_sample_normal", [loc, scale], shape, dtype, ctx,
                          out, kwargs)


def randn(*shape, **kwargs):
    """Samples of shape ``shape`` from a normal distribution; ``loc``, ``scale``, ``dtype``,
    ``ctx`` and ``out`` are keyword arguments: ``mx.nd.random.randn(2, 3, loc=1)``."""
    loc = kwargs.pop("loc", 0)
    scale = kwargs.pop("scale", 1)
    dtype = kwargs.pop("dtype", _Null)
    ctx = kwargs.pop("ctx", None)
    out = kwargs.pop("out", None)
    return _random_helper("_random_normal", "_sample_normal", [loc, scale], shape, dtype, ctx,
                          out, kwargs)


def randint(low, high, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Draw integers uniformly from [low, high) (int32 unless ``dtype='int64'``)."""
    return _random_helper("_random_randint", None, [low, high], shape, dtype, ctx, out, kwargs)


def exponential(scale=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Draw samples from an exponential distribution with mean ``scale`` (rate ``1/scale``)."""
    return _random_helper("_random_exponential", "_sample_exponential", [1.0 / scale], shape,
                          dtype, ctx, out, kwargs)


def gamma(alpha=1, beta=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Draw samples from a gamma distribution with shape ``alpha`` and scale ``beta``."""
    return _random_helper("_random_gamma", "_sample_gamma", [alpha, beta], shape, dtype, ctx,
                          out, kwargs)


def poisson(lam=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Draw samples from a Poisson distribution with rate ``lam`` (as floating point numbers)."""
    return _random_helper("_random_poisson", "_sample_poisson", [lam], shape, dtype, ctx, out,
                          kwargs)


def negative_binomial(k=1, p=1, shape=_Null, dtype=_Null, ctx=None, out=None, **kwargs):
    """Number of failures before the ``k``-th success, each trial succeeding with probability ``p``."""
    return _random_helper("_random_negative_binomial", "_sample_negative_binomial", [k, p], shape,
                          dtype, ctx, out, kwargs)


def generalized_negative_binomial(mu=1, alpha=1, shape=_Null, dtype=_Null, ctx=None, out=None,
                                  **kwargs):
    """Draw samples from a negative binomial distribution with mean ``mu`` and dispersion
    ``alpha`` (variance ``mu + alpha * mu**2``)."""
    return _random_helper("_random_generalized_negative_binomial",
                          "_sample_generalized_negative_binomial", [mu, alpha], shape, dtype, ctx,
                          out, kwargs)


def multinomial(data, shape=_Null, get_prob=False, out=None, dtype="int32", **kwargs):
    """Sample category indices from the distributions in the last axis of ``data`` (..., k).

    The output has shape ``data.shape[:-1] + shape``; with ``get_prob=True`` a second output
    holds the log-probabilities of the sampled categories (differentiable w.r.t. ``data``)."""
    return _op("_sample_multinomial")(data, shape=shape, get_prob=get_prob, out=out, dtype=dtype,
                                      **kwargs)


def shuffle(data, **kwargs):
    """A copy of ``data`` with its rows (first axis) randomly permuted."""
    return _op("_shuffle")(data, **kwargs)


def _like(dist):
    fn = make_function(get_op("_random_{}_like".format(dist)), "{}_like".format(dist))
    fn.__module__ = __name__
    return fn


# the ``<dist>_like`` functions (samples shaped like ``data``); mx.sym.random makes the same ones
_LIKE_DISTRIBUTIONS = ("uniform", "normal", "exponential", "gamma", "poisson", "negative_binomial",
                      "generalized_negative_binomial")
for _dist in _LIKE_DISTRIBUTIONS:
    globals()[_dist + "_like"] = _like(_dist)
del _dist
