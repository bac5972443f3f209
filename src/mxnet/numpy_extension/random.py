"""``npx.random``: seeding (shared with ``mx.random``) and the np samplers."""
from ..numpy.random import (normal, uniform, randint, choice, shuffle, bernoulli,  # noqa: F401
                            exponential, gamma)


def seed(seed, ctx="all"):
    """Seed the random generators of every context (or of ``ctx``)."""
    from .. import random as _r
    _r.seed(seed, ctx)


def _batched(sampler):
    def f(a=0.0, b=1.0, batch_shape=None, dtype=None, ctx=None):
        from ..ndarray.ndarray import NDArray
        import numpy as _onp
        shp = [p.shape for p in (a, b) if isinstance(p, NDArray)]
        pshape = _onp.broadcast_shapes(*shp) if shp else ()
        bs = () if batch_shape is None else ((batch_shape,) if isinstance(batch_shape, int) else tuple(batch_shape))
        return sampler(a, b, size=bs + tuple(pshape), dtype=dtype, ctx=ctx)
    return f


_normal_n = _batched(normal)
_uniform_n = _batched(uniform)


def normal_n(loc=0.0, scale=1.0, batch_shape=None, dtype=None, ctx=None):
    """Normal samples of shape ``batch_shape + broadcast(loc, scale).shape``."""
    return _normal_n(loc, scale, batch_shape, dtype, ctx)


def uniform_n(low=0.0, high=1.0, batch_shape=None, dtype=None, ctx=None):
    """Uniform samples of shape ``batch_shape + broadcast(low, high).shape``."""
    return _uniform_n(low, high, batch_shape, dtype, ctx)
