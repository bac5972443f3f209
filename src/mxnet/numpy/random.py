"""``mx.np.random``: random sampling drawing from MXNet's per-context generators (``mx.random.seed``
/ ``npx.random.seed`` reproduce the draws)."""
import numpy as _onp

from .. import engine as _engine
from ..base import integer_types
from ..ndarray.ndarray import NDArray, Chunk
from ._core import ndarray, _ctx_of, _np_dtype

__all__ = ["normal", "uniform", "randn", "rand", "randint", "choice", "shuffle", "seed", "gamma",
           "exponential", "multinomial", "beta", "chisquare", "laplace", "gumbel", "logistic",
           "lognormal", "pareto", "power", "rayleigh", "weibull", "bernoulli", "permutation",
           "multivariate_normal"]

_f32 = _onp.dtype(_onp.float32)


def _size(size):
    if size is None:
        return ()
    if isinstance(size, integer_types):
        return (int(size),)
    return tuple(int(s) for s in size)


def _draw(draw, shape, dtype, ctx, inputs=()):
    """Push ``draw(gen, raw_inputs) -> array`` writing a new array (and the generator's var)."""
    from ..random import generator_for, rng_var
    ctx = _ctx_of(ctx if ctx is not None else (inputs[0]._ctx if inputs else None))
    out = ndarray(Chunk(), tuple(shape), _onp.dtype(dtype), ctx)

    def run():
        from ..backend import for_context
        b = for_context(ctx)
        with b.device_scope():      # draw and allocate on ctx's device (gpu(i), not the current one)
            r = draw(generator_for(ctx), [x._read() for x in inputs])
            out._chunk.data = b.xp.asarray(r).astype(dtype).reshape(shape)
    _engine.push(run, [x._chunk.var for x in inputs], [out._chunk.var, rng_var(ctx)], ctx,
                 name="_np_random")
    return out


def _param(v):
    if isinstance(v, NDArray):
        return v
    return float(v)


def _shape_with(size, *params):
    if size is not None:
        return _size(size)
    shapes = [p.shape for p in params if isinstance(p, NDArray)]
    return _onp.broadcast_shapes(*shapes) if shapes else ()


def _two_param(name, method):
    def f(a, b, size=None, dtype=None, ctx=None, out=None):
        a, b = _param(a), _param(b)
        shape = _shape_with(size, a, b)
        arrs = [p for p in (a, b) if isinstance(p, NDArray)]

        def draw(gen, raw):
            it = iter(raw)
            pa = next(it) if isinstance(a, NDArray) else a
            pb = next(it) if isinstance(b, NDArray) else b
            return getattr(gen, method)(pa, pb, size=shape)
        res = _draw(draw, shape, _np_dtype(dtype, _f32), ctx, arrs)
        if out is not None:
            res.copyto(out)
            return out
        return res
    f.__name__ = name
    return f


_normal = _two_param("normal", "normal")
_uniform = _two_param("uniform", "uniform")


def normal(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    """Samples from N(loc, scale**2) (float32 by default)."""
    if not isinstance(scale, NDArray) and scale < 0:
        raise ValueError("normal: scale must be non-negative, got {}".format(scale))
    return _normal(loc, scale, size, dtype, ctx, out)


def uniform(low=0.0, high=1.0, size=None, dtype=None, ctx=None, out=None):
    """Samples from U[low, high) (float32 by default)."""
    return _uniform(low, high, size, dtype, ctx, out)


def lognormal(mean=0.0, sigma=1.0, size=None, dtype=None, ctx=None, out=None):
    return _two_param("lognormal", "lognormal")(mean, sigma, size, dtype, ctx, out)


def laplace(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    return _two_param("laplace", "laplace")(loc, scale, size, dtype, ctx, out)


def gumbel(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    return _two_param("gumbel", "gumbel")(loc, scale, size, dtype, ctx, out)


def logistic(loc=0.0, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    return _two_param("logistic", "logistic")(loc, scale, size, dtype, ctx, out)


def gamma(shape, scale=1.0, size=None, dtype=None, ctx=None, out=None):
    return _two_param("gamma", "gamma")(shape, scale, size, dtype, ctx, out)


def beta(a, b, size=None, dtype=None, ctx=None):
    return _two_param("beta", "beta")(a, b, size, dtype, ctx)


def _one_param(name, method):
    def f(a=1.0, size=None, dtype=None, ctx=None, out=None):
        a = _param(a)
        shape = _shape_with(size, a)
        arrs = [a] if isinstance(a, NDArray) else []
        res = _draw(lambda gen, raw: getattr(gen, method)(raw[0] if arrs else a, size=shape), shape,
                    _np_dtype(dtype, _f32), ctx, arrs)
        if out is not None:
            res.copyto(out)
            return out
        return res
    f.__name__ = name
    return f


exponential = _one_param("exponential", "exponential")
chisquare = _one_param("chisquare", "chisquare")
pareto = _one_param("pareto", "pareto")
power = _one_param("power", "power")
rayleigh = _one_param("rayleigh", "rayleigh")
weibull = _one_param("weibull", "weibull")


def randn(*size, **kwargs):
    return normal(0.0, 1.0, size=size, **kwargs)


def rand(*size, **kwargs):
    return uniform(0.0, 1.0, size=size, **kwargs)


def randint(low, high=None, size=None, dtype=None, ctx=None, out=None):
    """Random integers in [low, high) (int64 by default, as NumPy)."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError("randint: low >= high ({} >= {})".format(low, high))
    shape = _size(size)
    res = _draw(lambda gen, raw: gen.integers(low, high, size=shape), shape,
                _np_dtype(dtype, _onp.int64), ctx)
    if out is not None:
        res.copyto(out)
        return out
    return res


def choice(a, size=None, replace=True, p=None, ctx=None, out=None):
    """Random sample from ``a`` (an int n means arange(n))."""
    shape = _size(size)
    arrs = []
    if isinstance(a, NDArray):
        arrs.append(a)
        n = a.shape[0]
        dt = a._dtype
    else:
        n = int(a)
        dt = _onp.dtype(_onp.int64)
    if isinstance(p, NDArray):
        arrs.append(p)
    if not replace and int(_onp.prod(shape)) > n:
        raise ValueError("choice: cannot take a larger sample than population when replace=False")

    def draw(gen, raw):
        it = iter(raw)
        src = next(it) if isinstance(a, NDArray) else n
        pp = next(it) if isinstance(p, NDArray) else p
        if pp is not None:      # an mx array's raw data stays on its device
            pp = pp.astype(_onp.float64) if isinstance(p, NDArray) else _onp.asarray(pp, dtype=_onp.float64)
            pp = pp / pp.sum()
        return gen.choice(src, size=shape, replace=replace, p=pp)
    res = _draw(draw, shape, dt, ctx, arrs)
    if out is not None:
        res.copyto(out)
        return out
    return res


def multivariate_normal(mean, cov, size=None, check_valid=None, tol=None):
    """Samples from N(mean, cov) (float32 unless ``mean`` is an array of another float dtype)."""
    arrs = [v for v in (mean, cov) if isinstance(v, NDArray)]
    m = mean.shape[-1] if isinstance(mean, NDArray) else len(mean)
    shape = _size(size) + (m,)
    dt = mean._dtype if isinstance(mean, NDArray) else _f32

    def draw(gen, raw):
        it = iter(raw)
        mu = next(it) if isinstance(mean, NDArray) else _onp.asarray(mean, dtype=_onp.float64)
        cv = next(it) if isinstance(cov, NDArray) else _onp.asarray(cov, dtype=_onp.float64)
        return gen.multivariate_normal(mu, cv, size=_size(size) or None)
    return _draw(draw, shape, dt, None, arrs)


def multinomial(n, pvals, size=None, **kwargs):
    """Counts of ``n`` draws over the categories of ``pvals`` (int64)."""
    if isinstance(pvals, NDArray):
        pvals = pvals.asnumpy().tolist()
    shape = _size(size) + (len(pvals),)
    return _draw(lambda gen, raw: gen.multinomial(n, _onp.asarray(pvals, dtype=_onp.float64), size=size),
                 shape, _onp.int64, None)


def bernoulli(prob=None, logit=None, size=None, dtype=None, ctx=None, out=None):
    if prob is None:
        p = 1 / (1 + _onp.exp(-float(logit)))
    else:
        p = float(prob)
    shape = _size(size)
    return _draw(lambda gen, raw: gen.random(size=shape) < p, shape, _np_dtype(dtype, _f32), ctx)


def shuffle(x):
    """Shuffle ``x`` in place along its first axis."""
    if not isinstance(x, NDArray):
        raise TypeError("shuffle: x must be an mx.np.ndarray")
    from ..random import generator_for, rng_var
    ctx = x._ctx

    def run():
        from ..backend import for_context
        b = for_context(ctx)
        with b.device_scope():
            d = x._read()
            if d.ndim:
                gen = generator_for(ctx)
                perm = getattr(gen, "permutation", None)     # NumPy-only; CuPy: argsort of uniform keys
                d[...] = d[perm(d.shape[0]) if perm is not None else b.xp.argsort(gen.random(d.shape[0]))]
    _engine.push(run, [], [x._chunk.var, rng_var(ctx)], ctx, name="_np_shuffle")


def permutation(x):
    if isinstance(x, integer_types):
        from .multiarray import arange
        x = arange(x, dtype=_onp.int64)
    y = x.copy()
    shuffle(y)
    return y


def seed(seed=None, ctx="all"):
    from .. import random as _r
    _r.seed(seed if seed is not None else _onp.random.randint(0, 2 ** 31), ctx)
