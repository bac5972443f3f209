"""``mx.sym.random``: sampling functions; scalar parameters use ``_random_*`` operators, Symbol
parameters the per-element ``_sample_*`` ones (as ``mx.nd.random``)."""
from ..base import _Null, numeric_types
from ..ndarray.random import _LIKE_DISTRIBUTIONS
from .symbol import Symbol

__all__ = ["uniform", "normal", "randn", "randint", "exponential", "gamma", "poisson",
           "negative_binomial", "generalized_negative_binomial", "multinomial", "shuffle",
           "uniform_like", "normal_like", "exponential_like", "gamma_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]


def _internal():
    from . import _internal as mod
    return mod


def _helper(name, params, shape, dtype, kwargs):
    values = list(params.values())
    if all(isinstance(v, numeric_types) for v in values):
        return getattr(_internal(), "_random_" + name)(shape=shape, dtype=dtype, **params, **kwargs)
    if all(isinstance(v, Symbol) for v in values):
        return getattr(_internal(), "_sample_" + name)(*values, shape=shape, dtype=dtype, **kwargs)
    raise ValueError("Distribution parameters must be all Symbols or all numbers, got {}".format(
        [type(v).__name__ for v in values]))


def uniform(low=0, high=1, shape=_Null, dtype=_Null, **kwargs):
    """Samples from U[low, high)."""
    return _helper("uniform", {"low": low, "high": high}, shape, dtype, kwargs)


def normal(loc=0, scale=1, shape=_Null, dtype=_Null, **kwargs):
    """Samples from N(loc, scale**2)."""
    return _helper("normal", {"loc": loc, "scale": scale}, shape, dtype, kwargs)


def randn(*shape, **kwargs):
    """Standard normal samples of ``shape`` (``loc``/``scale`` keywords allowed)."""
    loc = kwargs.pop("loc", 0)
    scale = kwargs.pop("scale", 1)
    return normal(loc, scale, shape or _Null, **kwargs)


def randint(low, high, shape=_Null, dtype=_Null, **kwargs):
    """Integers uniformly drawn from [low, high)."""
    return _internal()._random_randint(low=low, high=high, shape=shape, dtype=dtype, **kwargs)


def exponential(scale=1, shape=_Null, dtype=_Null, **kwargs):
    """Samples from an exponential distribution with mean ``scale``."""
    if isinstance(scale, Symbol):
        return _internal()._sample_exponential(1.0 / scale, shape=shape, dtype=dtype, **kwargs)
    return _internal()._random_exponential(lam=1.0 / scale, shape=shape, dtype=dtype, **kwargs)


def gamma(alpha=1, beta=1, shape=_Null, dtype=_Null, **kwargs):
    """Samples from Gamma(alpha, beta)."""
    return _helper("gamma", {"alpha": alpha, "beta": beta}, shape, dtype, kwargs)


def poisson(lam=1, shape=_Null, dtype=_Null, **kwargs):
    """Samples from Poisson(lam)."""
    return _helper("poisson", {"lam": lam}, shape, dtype, kwargs)


def negative_binomial(k=1, p=1, shape=_Null, dtype=_Null, **kwargs):
    """Samples from a negative binomial distribution."""
    return _helper("negative_binomial", {"k": k, "p": p}, shape, dtype, kwargs)


def generalized_negative_binomial(mu=1, alpha=1, shape=_Null, dtype=_Null, **kwargs):
    """Samples from a generalized negative binomial distribution."""
    return _helper("generalized_negative_binomial", {"mu": mu, "alpha": alpha}, shape, dtype, kwargs)


def multinomial(data, shape=_Null, get_prob=True, dtype="int32", **kwargs):
    """Category indices drawn from the probabilities in ``data`` (last axis); with ``get_prob``
    (the default here, as in MXNet) a second output holds their log likelihoods."""
    return _internal()._sample_multinomial(data, shape=shape, get_prob=get_prob, dtype=dtype, **kwargs)


def shuffle(data, **kwargs):
    """``data`` shuffled along its first axis."""
    return _internal()._shuffle(data, **kwargs)


def _like(dist):
    """``mx.sym.random.<dist>_like``: the ``_random_<dist>_like`` operator (samples shaped like
    ``data``), with the operator's signature and a ``<dist>_like`` node name, as in MXNet."""
    from ..ops.registry import get_op
    from .register import make_function
    fn = make_function(get_op("_random_{}_like".format(dist)), "{}_like".format(dist))
    fn.__module__ = __name__
    return fn


for _dist in _LIKE_DISTRIBUTIONS:
    globals()[_dist + "_like"] = _like(_dist)
del _dist
