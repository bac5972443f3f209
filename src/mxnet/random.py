"""Random number state: ``mx.random.seed`` and one generator per context.

Random operators (``_random_uniform``, ``_shuffle``...) draw from the generator of the context they
run on. Each generator has an engine variable that every random op writes, so draws happen in
program order and a seed reproduces the same numbers with any engine.
"""
import numpy as np

from .base import MXNetError
from .context import Context

__all__ = ["seed", "uniform", "normal", "randn", "randint", "shuffle", "multinomial",
           "exponential", "gamma", "poisson", "negative_binomial", "generalized_negative_binomial"]

_generators = {}
_vars = {}
_base_seed = [None]


def _make_generator(ctx, seed_state):
    from .backend import for_context
    xp = for_context(ctx).xp
    if seed_state is None:
        return xp.random.default_rng()
    # Mix the device into the seed so cpu(0) and cpu(1) draw different streams.
    return xp.random.default_rng([int(seed_state), ctx.device_typeid, ctx.device_id])


def generator_for(ctx):
    """The random generator used by kernels running on ``ctx``."""
    g = _generators.get(ctx)
    if g is None:
        g = _generators[ctx] = _make_generator(ctx, _base_seed[0])
    return g


def rng_var(ctx):
    """Engine variable guarding the generator of ``ctx`` (written by every random op)."""
    v = _vars.get(ctx)
    if v is None:
        from . import engine
        v = _vars[ctx] = engine.new_var()
    return v


def seed(seed_state, ctx="all"):
    """Seed the random generators: of every context (``ctx='all'``) or of one context.

    The same seed gives the same sequence of draws on the same context."""
    if not isinstance(seed_state, (int, np.integer)):
        raise ValueError("seed_state must be int")
    from . import engine
    engine.wait_all()
    if ctx == "all":
        _base_seed[0] = int(seed_state)
        _generators.clear()
    else:
        if not isinstance(ctx, Context):
            raise MXNetError("ctx must be 'all' or a Context, got {!r}".format(ctx))
        _generators[ctx] = _make_generator(ctx, seed_state)


def __getattr__(name):
    # mx.random.uniform & co. are the mx.nd.random functions.
    if name in __all__:
        from .ndarray import random as _ndr
        return getattr(_ndr, name)
    raise AttributeError("module 'mxnet.random' has no attribute {!r}".format(name))
