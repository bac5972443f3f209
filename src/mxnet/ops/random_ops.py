"""Random operators: sampling from distributions with scalar parameters (``_random_*``), with
per-element parameter arrays (``_sample_*``), shaped like an input (``_random_*_like``),
``_random_randint``, ``_shuffle`` and ``_sample_multinomial``.

Every kernel draws from ``env.rng``, the ``xp.random.Generator`` of the context it runs on
(``mxnet.random.generator_for``); ``needs_rng=True`` makes the imperative layer write that
generator's engine variable, so draws happen in program order and ``mx.random.seed`` reproduces
them. Only Generator methods that NumPy and CuPy share are used (``random``, ``standard_normal``,
``standard_exponential``, ``standard_gamma``, ``poisson``, ``integers``); half precision samples
are drawn in float32 and rounded.

Scalar parameters are validated when the op is invoked (MXNet checks them in the kernel); array
parameters are not checked, as in MXNet: invalid values give NaN (or 0 for Poisson rates <= 0).
"""
import numpy as np

from ..base import MXNetError
from .params import Param, REQUIRED, Bool, DType, Float, Int, Shape, ShapeOrNone, Str
from .registry import OpDef, register

_CTX = Param("ctx", Str, "", "Context of output, in format [cpu|gpu|cpu_pinned](n). "
             "Only used for imperative calls.")
_RANDOM_SHAPE = Param("shape", ShapeOrNone, None, "Shape of the output.")
_SAMPLE_SHAPE = Param("shape", Shape, (), "Shape to be sampled from each random distribution.")
_FLOAT_DTYPE = DType("float16", "float32", "float64", none=True)


def _dtype_param(doc="DType of the output in case this can't be inferred. "
                     "Defaults to float32 if not defined (dtype=None)."):
    return Param("dtype", _FLOAT_DTYPE, None, doc)


def _compute_dtype(dtype):
    """Draw half precision in float32 (generators have no float16)."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


# -- distributions: draw(xp, rng, params, size, cdtype) -----------------------------------------
# ``params`` are Python floats (scalar ops) or arrays broadcastable to ``size`` (sample ops).


def _draw_uniform(xp, rng, p, size, cdt):
    low, high = p
    return low + (high - low) * rng.random(size, dtype=cdt)


def _draw_normal(xp, rng, p, size, cdt):
    loc, scale = p
    return loc + scale * rng.standard_normal(size, dtype=cdt)


def _draw_exponential(xp, rng, p, size, cdt):
    return rng.standard_exponential(size, dtype=cdt) / p[0]


def _standard_gamma(xp, rng, alpha, size, cdt):
    """Gamma(alpha, 1); 0 where alpha == 0 and NaN where alpha < 0 (arrays only)."""
    if not hasattr(alpha, "shape"):
        return rng.standard_gamma(alpha, size, dtype=cdt) if alpha > 0 else xp.zeros(size, cdt)
    alpha = xp.broadcast_to(alpha, size)
    g = rng.standard_gamma(xp.where(alpha > 0, alpha, 1), size, dtype=cdt)
    return xp.where(alpha > 0, g, xp.where(alpha == 0, 0, np.nan)).astype(cdt, copy=False)


def _draw_gamma(xp, rng, p, size, cdt):
    alpha, beta = p
    return _standard_gamma(xp, rng, alpha, size, cdt) * beta


def _poisson(xp, rng, lam, size, cdt):
    """Poisson counts as floats; rates <= 0 give 0 and NaN rates give NaN."""
    if not hasattr(lam, "shape"):
        return rng.poisson(max(lam, 0.0), size).astype(cdt)
    lam = xp.broadcast_to(lam, size)
    ok = lam == lam
    safe = xp.where(ok & (lam > 0), xp.minimum(lam, 1e18), 0)
    return xp.where(ok, rng.poisson(safe, size), np.nan).astype(cdt)


def _draw_poisson(xp, rng, p, size, cdt):
    return _poisson(xp, rng, p[0], size, cdt)


def _draw_negative_binomial(xp, rng, p, size, cdt):
    # Failures before the k-th success: Poisson(Gamma(k, (1 - p) / p)).
    k, prob = p
    if not hasattr(prob, "shape"):
        if prob == 0:
            return xp.full(size, np.nan, dtype=cdt)
        return _poisson(xp, rng, _standard_gamma(xp, rng, k, size, np.float64) * ((1 - prob) / prob),
                        size, cdt)
    prob = xp.broadcast_to(prob, size).astype(np.float64)
    safe = xp.where(prob > 0, prob, 1)
    lam = _standard_gamma(xp, rng, k, size, np.float64) * ((1 - safe) / safe)
    return xp.where(prob > 0, _poisson(xp, rng, lam, size, np.float64), np.nan).astype(cdt)


def _draw_gen_negative_binomial(xp, rng, p, size, cdt):
    # Mean mu, variance mu + alpha * mu^2: Poisson(Gamma(1 / alpha, alpha * mu)); Poisson(mu) at 0.
    mu, alpha = p
    if not hasattr(alpha, "shape"):
        if alpha == 0:
            return _poisson(xp, rng, mu, size, cdt)
        lam = _standard_gamma(xp, rng, 1.0 / alpha, size, np.float64) * (alpha * mu)
        return _poisson(xp, rng, lam, size, cdt)
    alpha = xp.broadcast_to(alpha, size).astype(np.float64)
    safe = xp.where(alpha > 0, alpha, 1)
    lam = _standard_gamma(xp, rng, 1.0 / safe, size, np.float64) * (safe * mu)
    lam = xp.where(alpha > 0, lam, xp.where(alpha == 0, xp.broadcast_to(mu, size), np.nan))
    return _poisson(xp, rng, lam, size, cdt)


# -- checks on scalar parameters (MXNet's messages) ----------------------------------------------


def _require(cond, op, msg):
    if not cond:
        raise MXNetError("{}: {}".format(op, msg))


def _check_uniform(op, a):
    _require(a.high >= a.low, op, "low must be less or equal to high in uniform distribution "
             "(low={}, high={})".format(a.low, a.high))


def _check_normal(op, a):
    _require(a.scale > 0, op, "scale parameter in gaussian has to be positive (scale={})".format(a.scale))


def _check_exponential(op, a):
    _require(a.lam > 0, op, "lambda parameter in exponential distribution has to be positive "
             "(lam={})".format(a.lam))


def _check_gamma(op, a):
    _require(a.alpha > 0, op, "alpha parameter in gamma distribution has to be positive "
             "(alpha={})".format(a.alpha))
    _require(a.beta > 0, op, "beta parameter in gamma distribution has to be positive "
             "(beta={})".format(a.beta))


def _check_poisson(op, a):
    _require(a.lam >= 0, op, "lambda parameter in poisson distribution has to be non-negative "
             "(lam={})".format(a.lam))


def _check_negative_binomial(op, a):
    _require(a.k >= 0, op, "k parameter in negative binomial distribution has to be non-negative "
             "(k={})".format(a.k))
    _require(a.p >= 0, op, "p parameter in negative binomial distribution has to be non-negative "
             "(p={})".format(a.p))


def _check_gen_negative_binomial(op, a):
    _require(a.mu >= 0, op, "mu parameter in generalized negative binomial distribution has to be "
             "non-negative (mu={})".format(a.mu))
    _require(a.alpha >= 0, op, "alpha parameter in generalized negative binomial distribution has "
             "to be non-negative (alpha={})".format(a.alpha))


# name, parameters (name, type, default, doc), sampler, check, summary
_DISTRIBUTIONS = (
    ("uniform", (("low", Float, 0.0, "Lower bound of the distribution."),
                 ("high", Float, 1.0, "Upper bound of the distribution.")),
     _draw_uniform, _check_uniform, "a uniform distribution"),
    ("normal", (("loc", Float, 0.0, "Mean of the distribution."),
                ("scale", Float, 1.0, "Standard deviation of the distribution.")),
     _draw_normal, _check_normal, "a normal (Gaussian) distribution"),
    ("gamma", (("alpha", Float, 1.0, "Alpha parameter (shape) of the gamma distribution."),
               ("beta", Float, 1.0, "Beta parameter (scale) of the gamma distribution.")),
     _draw_gamma, _check_gamma, "a gamma distribution"),
    ("exponential", (("lam", Float, 1.0, "Lambda parameter (rate) of the exponential distribution."),),
     _draw_exponential, _check_exponential, "an exponential distribution"),
    ("poisson", (("lam", Float, 1.0, "Lambda parameter (rate) of the Poisson distribution."),),
     _draw_poisson, _check_poisson, "a Poisson distribution"),
    ("negative_binomial", (("k", Int, 1, "Limit of unsuccessful experiments."),
                           ("p", Float, 1.0, "Failure probability in each experiment.")),
     _draw_negative_binomial, _check_negative_binomial, "a negative binomial distribution"),
    ("generalized_negative_binomial",
     (("mu", Float, 1.0, "Mean of the negative binomial distribution."),
      ("alpha", Float, 1.0, "Alpha (dispersion) parameter of the negative binomial distribution.")),
     _draw_gen_negative_binomial, _check_gen_negative_binomial,
     "a generalized negative binomial distribution"),
)

# Sample ops name their array inputs as MXNet does (mu/sigma for the normal distribution).
_SAMPLE_INPUTS = {"normal": ("mu", "sigma")}

# MXNet's extra public names of the scalar-parameter ops.
_ALIASES = {"uniform": ("uniform", "random_uniform"), "normal": ("normal", "random_normal")}


def _zero_grads(env, a, inputs, outputs, out_grads, req):
    return [env.xp.zeros_like(x) if r else None for x, r in zip(inputs, req)]


def _random_op(dist, pspec, draw, check, summary):
    name = "_random_" + dist
    pnames = [p[0] for p in pspec]

    def infer_shape(a, in_shapes):
        shape = a.shape
        if shape is None or len(shape) == 0 or any(d <= 0 for d in shape):
            raise MXNetError("{}: shape must be given with positive dimensions, got shape={}".format(
                name, shape))
        check(name, a)
        return [tuple(shape)]

    def forward(env, a, inputs, aux):
        dtype = np.dtype(a.dtype or "float32")
        cdt = _compute_dtype(dtype)
        with np.errstate(all="ignore"):
            out = draw(env.xp, env.rng, [a[p] for p in pnames], a.shape, cdt)
        return (out.astype(dtype, copy=False),)

    register(OpDef(
        name, forward,
        params=tuple(Param(*p) for p in pspec) + (_RANDOM_SHAPE, _CTX, _dtype_param()),
        inputs=(), infer_shape=infer_shape,
        infer_type=lambda a, t: [np.dtype(a.dtype or "float32")],
        aliases=_ALIASES.get(dist, ("random_" + dist,)), needs_rng=True,
        doc="Draw random samples from {}.".format(summary)))

    def like_infer_type(a, in_dtypes):
        dt = np.dtype(in_dtypes[0])
        if dt.kind != "f":
            raise MXNetError("{}_like: this operation only supports floating point types, not {}".format(
                name, dt.name))
        return [dt]

    def like_infer_shape(a, in_shapes):
        check(name + "_like", a)
        return [tuple(in_shapes[0])]

    def like_forward(env, a, inputs, aux):
        x = inputs[0]
        with np.errstate(all="ignore"):
            out = draw(env.xp, env.rng, [a[p] for p in pnames], x.shape, _compute_dtype(x.dtype))
        return (out.astype(x.dtype, copy=False),)

    register(OpDef(
        name + "_like", like_forward, params=tuple(Param(*p) for p in pspec), inputs=("data",),
        infer_shape=like_infer_shape, infer_type=like_infer_type, backward=_zero_grads,
        needs_rng=True,
        doc="Draw random samples from {}, with the shape and dtype of the input.".format(summary)))


def _sample_op(dist, pspec, draw, summary):
    name = "_sample_" + dist
    inames = _SAMPLE_INPUTS.get(dist, tuple(p[0] for p in pspec))

    def infer_shape(a, in_shapes):
        first = tuple(in_shapes[0])
        for n, s in zip(inames[1:], in_shapes[1:]):
            if tuple(s) != first:
                raise MXNetError("{}: all parameter arrays must have the same shape; {} has shape {} "
                                 "but {} has shape {}".format(name, inames[0], first, n, tuple(s)))
        return [first + tuple(a.shape)]

    def infer_type(a, in_dtypes):
        first = np.dtype(in_dtypes[0])
        for n, t in zip(inames[1:], in_dtypes[1:]):
            if np.dtype(t) != first:
                raise MXNetError("{}: all parameter arrays must have the same dtype; {} is {} but {} "
                                 "is {}".format(name, inames[0], first.name, n, np.dtype(t).name))
        return [np.dtype(a.dtype or "float32")]

    def forward(env, a, inputs, aux):
        xp = env.xp
        dtype = np.dtype(a.dtype or "float32")
        cdt = _compute_dtype(dtype)
        extra = (1,) * len(a.shape)
        params = [x.astype(cdt, copy=False).reshape(x.shape + extra) for x in inputs]
        size = tuple(inputs[0].shape) + tuple(a.shape)
        with np.errstate(all="ignore"):
            out = draw(xp, env.rng, params, size, cdt)
        return (out.astype(dtype, copy=False),)

    register(OpDef(
        name, forward, params=(_SAMPLE_SHAPE, _dtype_param()), inputs=inames,
        infer_shape=infer_shape, infer_type=infer_type, backward=_zero_grads,
        aliases=("sample_" + dist,), needs_rng=True,
        doc="Concurrent sampling from multiple {} distributions with parameters given as "
            "arrays.".format(summary.split(" ", 1)[1])))


for _d in _DISTRIBUTIONS:
    _random_op(*_d)
    _sample_op(_d[0], _d[1], _d[2], _d[4])


# -- randint -------------------------------------------------------------------------------------


def _randint_shape(a, in_shapes):
    shape = a.shape
    if shape is None or len(shape) == 0 or any(d <= 0 for d in shape):
        raise MXNetError("_random_randint: shape must be given with positive dimensions, got "
                         "shape={}".format(shape))
    _require(a.high >= a.low, "_random_randint", "low must be less or equal to high in uniform "
             "distribution (low={}, high={})".format(a.low, a.high))
    _require(a.high > a.low, "_random_randint", "the interval [low, high) is empty (low={}, "
             "high={})".format(a.low, a.high))
    info = np.iinfo(np.dtype(a.dtype or "int32"))
    _require(info.min <= a.low and a.high - 1 <= info.max, "_random_randint",
             "[low, high) = [{}, {}) does not fit dtype {}".format(a.low, a.high, a.dtype or "int32"))
    return [tuple(shape)]


def _randint_forward(env, a, inputs, aux):
    dtype = np.dtype(a.dtype or "int32")
    return (env.rng.integers(a.low, a.high, a.shape, dtype=dtype),)


register(OpDef(
    "_random_randint", _randint_forward,
    params=(Param("low", Int, REQUIRED, "Lower bound of the distribution."),
            Param("high", Int, REQUIRED, "Upper bound of the distribution (exclusive)."),
            _RANDOM_SHAPE, _CTX,
            Param("dtype", DType("int32", "int64", none=True), None,
                  "DType of the output in case this can't be inferred. Defaults to int32 if not "
                  "defined (dtype=None).")),
    inputs=(), infer_shape=_randint_shape,
    infer_type=lambda a, t: [np.dtype(a.dtype or "int32")],
    aliases=("random_randint",), needs_rng=True,
    doc="Draw random samples from a discrete uniform distribution on [low, high)."))


# -- shuffle -------------------------------------------------------------------------------------


def _permutation(xp, rng, n):
    # Generator.permutation is NumPy-only; argsort of uniform keys is a uniform permutation.
    return xp.argsort(rng.random(n))


def _shuffle_forward(env, a, inputs, aux):
    x = inputs[0]
    if x.ndim == 0 or x.shape[0] <= 1:
        return (x.copy(),)
    return (x[_permutation(env.xp, env.rng, x.shape[0])],)


def _shuffle_shape(a, in_shapes):
    if len(in_shapes[0]) == 0:
        raise MXNetError("_shuffle: the input must have at least one dimension, got shape ()")
    return [tuple(in_shapes[0])]


register(OpDef(
    "_shuffle", _shuffle_forward, inputs=("data",), infer_shape=_shuffle_shape,
    aliases=("shuffle",), needs_rng=True,
    doc="Randomly shuffle the elements along the first axis of the input."))


# -- multinomial ---------------------------------------------------------------------------------


def _multinomial_shape(a, in_shapes):
    s = tuple(in_shapes[0])
    if len(s) == 0 or s[-1] <= 0:
        raise MXNetError("_sample_multinomial: data must have shape (..., k) with k > 0 categories, "
                         "got {}".format(s))
    out = s[:-1] + tuple(a.shape)
    if not out:
        out = (1,)
    return [out, out] if a.get_prob else [out]


def _multinomial_type(a, in_dtypes):
    dt = np.dtype(in_dtypes[0])
    if dt.kind != "f":
        raise MXNetError("_sample_multinomial: probabilities must be a floating point array, not "
                         "{}".format(dt.name))
    return [np.dtype(a.dtype), dt] if a.get_prob else [np.dtype(a.dtype)]


def _multinomial_forward(env, a, inputs, aux):
    xp = env.xp
    p = inputs[0]
    k = p.shape[-1]
    batch = int(np.prod(p.shape[:-1], dtype=np.int64))
    nsamp = int(np.prod(a.shape, dtype=np.int64))
    flat = p.reshape(batch, k)
    cum = xp.cumsum(flat.astype(np.float64), axis=1)
    u = env.rng.random((batch, nsamp))
    # Index of the first category whose cumulative probability exceeds u (the last if none does).
    idx = (cum[:, None, :] <= u[:, :, None]).sum(axis=2)
    idx = xp.minimum(idx, k - 1)
    out_shape = p.shape[:-1] + tuple(a.shape) or (1,)
    sample = idx.reshape(out_shape).astype(a.dtype)
    if not a.get_prob:
        return (sample,)
    logp = xp.log(xp.take_along_axis(flat, idx, axis=1))
    return (sample, logp.reshape(out_shape).astype(p.dtype, copy=False))


def _multinomial_backward(env, a, inputs, outputs, out_grads, req):
    xp = env.xp
    p = inputs[0]
    if not a.get_prob or not req[0]:
        return [xp.zeros_like(p) if req[0] else None]
    # d log p[idx] / d p = 1 / p[idx] at the sampled category (the sample itself is held fixed).
    k = p.shape[-1]
    batch = int(np.prod(p.shape[:-1], dtype=np.int64))
    flat = p.reshape(batch, k)
    idx = outputs[0].reshape(batch, -1).astype(np.int64)
    g = out_grads[1].reshape(batch, -1) / xp.take_along_axis(flat, idx, axis=1)
    onehot = idx[:, :, None] == xp.arange(k)[None, None, :]
    grad = (onehot * g[:, :, None]).sum(axis=1)
    return [grad.reshape(p.shape).astype(p.dtype, copy=False)]


register(OpDef(
    "_sample_multinomial", _multinomial_forward,
    params=(Param("shape", Shape, (), "Shape to be sampled from each random distribution."),
            Param("get_prob", Bool, False, "Whether to also return the log probability of sampled "
                  "result. This is usually used for differentiating through stochastic variables, "
                  "e.g. in reinforcement learning."),
            Param("dtype", DType("float16", "float32", "float64", "int32", "uint8"), "int32",
                  "DType of the output in case this can't be inferred.")),
    inputs=("data",), outputs=lambda a: ["output0", "output1"] if a.get_prob else ["output"],
    infer_shape=_multinomial_shape, infer_type=_multinomial_type, backward=_multinomial_backward,
    aliases=("sample_multinomial",), needs_rng=True,
    doc="Concurrent sampling from multiple multinomial distributions."))
