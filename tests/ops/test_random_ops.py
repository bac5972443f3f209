"""Random operators and mx.nd.random: the parameter schema against the MXNet 1.9.1 spec,
reproducibility under mx.random.seed (per context), moments over ~10^5 draws, shapes, dtypes,
dispatch to the _sample_* operators, multinomial (frequencies, log-probabilities, gradient),
shuffle, errors, and one symbolic case per family."""
import inspect
import json
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv

SPEC = os.path.join(os.path.dirname(__file__), "..", "fixtures", "spec", "mxnet-1.9.1-api.json")
N = 100000

DISTS = ["uniform", "normal", "gamma", "exponential", "poisson", "negative_binomial",
         "generalized_negative_binomial"]
RANDOM_OPS = ["_random_" + d for d in DISTS] + ["_random_randint"]
SAMPLE_OPS = ["_sample_" + d for d in DISTS] + ["_sample_multinomial"]
LIKE_OPS = ["_random_{}_like".format(d) for d in DISTS]


@pytest.fixture(scope="module")
def spec():
    with open(SPEC) as f:
        return json.load(f)


def _default_str(p):
    d = p.default
    if d is None:
        return "None"
    if isinstance(d, bool):
        return str(int(d))
    return str(d)


# -- the schema matches MXNet --------------------------------------------------------------------


@pytest.mark.parametrize("name", RANDOM_OPS + SAMPLE_OPS + LIKE_OPS + ["_shuffle"])
def test_param_names_and_order_match_spec(spec, name):
    op = get_op(name)
    entries = spec["operators"][name]
    spec_params = [n for n, t in entries if "NDArray-or-Symbol" not in t]
    spec_inputs = [n for n, t in entries if "NDArray-or-Symbol" in t]
    assert [p.name for p in op.params] == spec_params
    assert op.all_input_names() == spec_inputs
    for (n, t), p in zip([e for e in entries if "NDArray" not in e[1]], op.params):
        if "required" in t:
            assert p.required, n
            continue
        assert not p.required, n
        want = t.split("default=")[1].strip("'")
        if want in ("None", "[]", ""):
            assert p.default in (None, (), ""), n
        elif want.replace(".", "").replace("-", "").isdigit():
            assert float(p.default) == float(want), n
        else:
            assert str(p.default) == want, n


@pytest.mark.parametrize("alias,name", [
    ("uniform", "_random_uniform"), ("random_uniform", "_random_uniform"),
    ("normal", "_random_normal"), ("random_normal", "_random_normal"),
    ("random_gamma", "_random_gamma"), ("random_exponential", "_random_exponential"),
    ("random_poisson", "_random_poisson"), ("random_randint", "_random_randint"),
    ("random_negative_binomial", "_random_negative_binomial"),
    ("random_generalized_negative_binomial", "_random_generalized_negative_binomial"),
    ("sample_uniform", "_sample_uniform"), ("sample_normal", "_sample_normal"),
    ("sample_multinomial", "_sample_multinomial"), ("shuffle", "_shuffle")])
def test_aliases(alias, name):
    assert get_op(alias) is get_op(name)
    assert hasattr(mx.nd, alias)


@pytest.mark.parametrize("fn", ["uniform", "normal", "randn", "randint", "exponential", "gamma",
                                "poisson", "negative_binomial", "generalized_negative_binomial",
                                "multinomial", "shuffle", "uniform_like", "normal_like",
                                "exponential_like", "gamma_like", "poisson_like",
                                "negative_binomial_like", "generalized_negative_binomial_like"])
def test_wrapper_signatures_match_spec(spec, fn):
    want = spec["modules"]["mxnet.ndarray.random"][fn]["signature"]
    assert str(inspect.signature(getattr(mx.nd.random, fn))) == want
    if fn in spec["modules"]["mxnet.random"]:
        assert getattr(mx.random, fn) is getattr(mx.nd.random, fn)


# -- reproducibility -----------------------------------------------------------------------------

DRAWS = {
    "uniform": lambda ctx: mx.nd.random.uniform(-1, 2, shape=(50,), ctx=ctx),
    "normal": lambda ctx: mx.nd.random.normal(1, 2, shape=(50,), ctx=ctx),
    "randn": lambda ctx: mx.nd.random.randn(5, 10, ctx=ctx),
    "randint": lambda ctx: mx.nd.random.randint(0, 1000, shape=(50,), ctx=ctx),
    "exponential": lambda ctx: mx.nd.random.exponential(2, shape=(50,), ctx=ctx),
    "gamma": lambda ctx: mx.nd.random.gamma(2, 3, shape=(50,), ctx=ctx),
    "poisson": lambda ctx: mx.nd.random.poisson(30, shape=(50,), ctx=ctx),
    "negative_binomial": lambda ctx: mx.nd.random.negative_binomial(20, 0.3, shape=(50,), ctx=ctx),
    "gen_negative_binomial": lambda ctx: mx.nd.random.generalized_negative_binomial(
        20, 0.5, shape=(50,), ctx=ctx),
    "shuffle": lambda ctx: mx.nd.random.shuffle(mx.nd.arange(50, ctx=ctx)),
    "multinomial": lambda ctx: mx.nd.random.multinomial(mx.nd.ones((50,), ctx=ctx) / 50, shape=50),
    "sample_uniform": lambda ctx: mx.nd.random.uniform(mx.nd.zeros((5,), ctx=ctx),
                                                       mx.nd.ones((5,), ctx=ctx), shape=10),
    "uniform_like": lambda ctx: mx.nd.random.uniform_like(mx.nd.zeros((50,), ctx=ctx)),
}


@pytest.mark.parametrize("kind", sorted(DRAWS))
def test_same_seed_same_numbers_and_streams_differ(kind):
    draw = DRAWS[kind]
    mx.random.seed(42)
    a0, b0 = draw(mx.cpu(0)).asnumpy(), draw(mx.cpu(0)).asnumpy()
    a1 = draw(mx.cpu(1)).asnumpy()
    mx.random.seed(42)
    a0_again, b0_again = draw(mx.cpu(0)).asnumpy(), draw(mx.cpu(0)).asnumpy()
    a1_again = draw(mx.cpu(1)).asnumpy()
    np.testing.assert_array_equal(a0, a0_again)
    np.testing.assert_array_equal(b0, b0_again)
    np.testing.assert_array_equal(a1, a1_again)
    assert not np.array_equal(a0, b0)       # the stream advances
    assert not np.array_equal(a0, a1)       # cpu(0) and cpu(1) draw different streams
    mx.random.seed(43)
    assert not np.array_equal(a0, draw(mx.cpu(0)).asnumpy())


def test_seed_one_context_leaves_others():
    mx.random.seed(7)
    mx.nd.random.uniform(shape=10, ctx=mx.cpu(1)).wait_to_read()
    b = mx.nd.random.uniform(shape=10, ctx=mx.cpu(1)).asnumpy()
    mx.random.seed(7)
    mx.nd.random.uniform(shape=10, ctx=mx.cpu(1)).wait_to_read()
    mx.random.seed(123, ctx=mx.cpu(0))           # reseeding cpu(0) only
    np.testing.assert_array_equal(mx.nd.random.uniform(shape=10, ctx=mx.cpu(1)).asnumpy(), b)
    mx.random.seed(123, ctx=mx.cpu(0))
    x = mx.nd.random.uniform(shape=10).asnumpy()
    mx.random.seed(123, ctx=mx.cpu(0))
    np.testing.assert_array_equal(mx.nd.random.uniform(shape=10).asnumpy(), x)


def test_reproducible_under_both_engines(any_engine):
    mx.random.seed(5)
    outs = [mx.nd.random.normal(shape=(100,)) for _ in range(5)]
    first = [o.asnumpy() for o in outs]
    mx.random.seed(5)
    again = [mx.nd.random.normal(shape=(100,)).asnumpy() for _ in range(5)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


# -- moments -------------------------------------------------------------------------------------

# (function, kwargs, mean, variance)
MOMENTS = [
    (mx.nd.random.uniform, dict(low=-2, high=3), 0.5, 25 / 12),
    (mx.nd.random.normal, dict(loc=1.5, scale=2), 1.5, 4.0),
    (mx.nd.random.exponential, dict(scale=2), 2.0, 4.0),
    (mx.nd.random.gamma, dict(alpha=3, beta=2), 6.0, 12.0),
    (mx.nd.random.gamma, dict(alpha=0.5, beta=1), 0.5, 0.5),
    (mx.nd.random.poisson, dict(lam=4), 4.0, 4.0),
    (mx.nd.random.negative_binomial, dict(k=5, p=0.4), 7.5, 18.75),
    (mx.nd.random.generalized_negative_binomial, dict(mu=3, alpha=0.5), 3.0, 7.5),
    (mx.nd.random.generalized_negative_binomial, dict(mu=3, alpha=0), 3.0, 3.0),
]


@pytest.mark.parametrize("fn,kwargs,mean,var", MOMENTS, ids=lambda v: getattr(v, "__name__", None))
def test_moments(fn, kwargs, mean, var):
    mx.random.seed(0)
    x = fn(shape=(N,), dtype="float64", **kwargs).asnumpy()
    assert abs(x.mean() - mean) < 5 * np.sqrt(var / N)
    assert abs(x.var() / var - 1) < 0.05


def test_uniform_and_randint_ranges():
    mx.random.seed(1)
    u = mx.nd.random.uniform(2, 3, shape=(N,)).asnumpy()
    assert u.min() >= 2 and u.max() < 3
    r = mx.nd.random.randint(-3, 4, shape=(N,)).asnumpy()
    assert r.dtype == np.int32 and r.min() == -3 and r.max() == 3
    freq = np.bincount(r + 3) / N
    np.testing.assert_allclose(freq, np.full(7, 1 / 7), atol=0.01)
    big = mx.nd.random.randint(0, 2 ** 40, shape=(1000,), dtype="int64").asnumpy()
    assert big.dtype == np.int64 and big.max() > 2 ** 32


def test_poisson_and_binomial_draws_are_integers():
    for x in (mx.nd.random.poisson(3.5, shape=1000), mx.nd.random.negative_binomial(3, 0.5, shape=1000)):
        a = x.asnumpy()
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, np.round(a))
        assert a.min() >= 0


# -- shapes, dtypes, contexts, out= --------------------------------------------------------------


@pytest.mark.parametrize("dist", DISTS)
@pytest.mark.parametrize("dtype", [None, "float16", "float32", "float64"])
def test_random_op_dtypes(dist, dtype):
    kwargs = {} if dtype is None else {"dtype": dtype}
    x = getattr(mx.nd._internal, "_random_" + dist)(shape=(3, 4), **kwargs)
    assert x.shape == (3, 4)
    assert x.dtype == np.dtype(dtype or "float32")
    assert np.isfinite(x.asnumpy()).all()


def test_random_op_contexts_and_default_shape():
    assert mx.nd.random.uniform().shape == (1,)
    assert mx.nd.random.normal(shape=5).shape == (5,)
    assert mx.nd.random.uniform(shape=[2, 3]).shape == (2, 3)
    x = mx.nd.random.uniform(0, 1, (2, 2), ctx=mx.cpu(2), dtype=np.float64)
    assert x.context == mx.cpu(2) and x.dtype == np.float64
    with mx.cpu(3):
        assert mx.nd.random.randn(2).context == mx.cpu(3)
    y = mx.nd._internal._random_uniform(shape=(2,), ctx="cpu(1)")
    assert y.context == mx.cpu(1)
    assert mx.nd.random.randn(2, 3, loc=10, scale=0.01).asnumpy().min() > 9.5


def test_out_argument():
    out = mx.nd.zeros((3,))
    r = mx.nd.random.uniform(5, 6, out=out)
    assert r is out
    assert (out.asnumpy() >= 5).all()
    mx.nd.random.normal(out=out)
    assert out.shape == (3,)
    with pytest.raises(mx.MXNetError):
        mx.nd.random.uniform(shape=(4,), out=out)
    out2 = mx.nd.zeros((2, 3))
    mx.nd.random.uniform(mx.nd.array([0, 10]), mx.nd.array([1, 11]), out=out2)
    a = out2.asnumpy()
    assert (a[0] < 1).all() and (a[1] >= 10).all()


def test_randint_dtypes():
    assert mx.nd.random.randint(0, 10, shape=3).dtype == np.int32
    assert mx.nd.random.randint(0, 10, shape=3, dtype="int64").dtype == np.int64
    assert mx.nd.random.randint(0, 10).shape == (1,)


# -- errors --------------------------------------------------------------------------------------

ERRORS = [
    (mx.nd.random.uniform, dict(low=2, high=1), "low must be less or equal to high"),
    (mx.nd.random.normal, dict(scale=-1), "scale"),
    (mx.nd.random.normal, dict(scale=0), "scale"),
    (mx.nd.random.exponential, dict(scale=-2), "lambda"),
    (mx.nd.random.gamma, dict(alpha=-2), "alpha"),
    (mx.nd.random.gamma, dict(beta=0), "beta"),
    (mx.nd.random.poisson, dict(lam=-3), "lambda"),
    (mx.nd.random.negative_binomial, dict(k=-1, p=0.5), "k parameter"),
    (mx.nd.random.negative_binomial, dict(k=1, p=-0.5), "p parameter"),
    (mx.nd.random.negative_binomial, dict(k=1.5, p=0.5), "k"),
    (mx.nd.random.generalized_negative_binomial, dict(mu=-1), "mu parameter"),
    (mx.nd.random.generalized_negative_binomial, dict(alpha=-1), "alpha parameter"),
    (mx.nd.random.randint, dict(low=5, high=2), "low must be less or equal to high"),
    (mx.nd.random.randint, dict(low=5, high=5), "empty"),
    (mx.nd.random.randint, dict(low=0, high=2 ** 40), "does not fit"),
    (mx.nd.random.randint, dict(low=0, high=2, dtype="float32"), "dtype"),
    (mx.nd.random.uniform, dict(dtype="int32"), "dtype"),
    (mx.nd.random.uniform, dict(shape=(0, 3)), "shape"),
    (mx.nd.random.uniform, dict(shape=(2, -1)), "shape"),
    (mx.nd.random.randn, dict(), "shape"),
]


@pytest.mark.parametrize("fn,kwargs,match", ERRORS, ids=lambda v: getattr(v, "__name__", None))
def test_errors(fn, kwargs, match):
    with pytest.raises(mx.MXNetError, match=match):
        fn(**kwargs)


def test_missing_shape_on_the_operator():
    with pytest.raises(mx.MXNetError, match="shape"):
        mx.nd._internal._random_uniform()


def test_parameter_type_errors():
    with pytest.raises(AssertionError, match="same type"):
        mx.nd.random.uniform(mx.nd.array([0, 1]), 2)
    with pytest.raises(AssertionError, match="same type"):
        mx.nd.random.normal(0, mx.nd.array([1, 2]))
    with pytest.raises(ValueError, match="NDArray or numbers"):
        mx.nd.random.uniform("a", 2)
    with pytest.raises(TypeError):
        mx.nd.random.randint(mx.nd.array([0]), mx.nd.array([10]))


# -- _sample_* (per-element parameters) ----------------------------------------------------------

SAMPLE_CASES = [
    # wrapper, parameter arrays, per-distribution (mean, var)
    (mx.nd.random.uniform, ([0.0, 10.0], [1.0, 14.0]), [(0.5, 1 / 12), (12.0, 16 / 12)]),
    (mx.nd.random.normal, ([0.0, -5.0], [1.0, 0.5]), [(0.0, 1.0), (-5.0, 0.25)]),
    (mx.nd.random.gamma, ([2.0, 9.0], [1.0, 0.5]), [(2.0, 2.0), (4.5, 2.25)]),
    (mx.nd.random.exponential, ([1.0, 4.0],), [(1.0, 1.0), (4.0, 16.0)]),
    (mx.nd.random.poisson, ([1.0, 20.0],), [(1.0, 1.0), (20.0, 20.0)]),
    (mx.nd.random.negative_binomial, ([2.0, 10.0], [0.5, 0.8]), [(2.0, 4.0), (2.5, 3.125)]),
    (mx.nd.random.generalized_negative_binomial, ([2.0, 5.0], [0.25, 0.0]), [(2.0, 3.0), (5.0, 5.0)]),
]


@pytest.mark.parametrize("fn,params,moments", SAMPLE_CASES, ids=lambda v: getattr(v, "__name__", None))
def test_sample_ops_per_element_moments(fn, params, moments):
    mx.random.seed(3)
    n = N // 2
    x = fn(*[mx.nd.array(p) for p in params], shape=n).asnumpy()
    assert x.shape == (2, n) and x.dtype == np.float32
    for row, (mean, var) in zip(x.astype(np.float64), moments):
        assert abs(row.mean() - mean) < 5 * np.sqrt(var / n)
        assert abs(row.var() / var - 1) < 0.06


def test_sample_op_shapes_and_dtypes():
    lo = mx.nd.zeros((2, 3))
    hi = mx.nd.ones((2, 3))
    assert mx.nd.sample_uniform(lo, hi).shape == (2, 3)
    assert mx.nd.sample_uniform(lo, hi, shape=(4, 5)).shape == (2, 3, 4, 5)
    assert mx.nd.sample_uniform(lo, hi, shape=4, dtype="float64").dtype == np.float64
    assert mx.nd.sample_uniform(lo, hi, dtype="float16").dtype == np.float16
    # float32 unless dtype is given, whatever the parameters' dtype (as MXNet)
    assert mx.nd.sample_normal(lo.astype("float64"), hi.astype("float64")).dtype == np.float32
    assert mx.nd.sample_poisson(mx.nd.array([1, 2], dtype="int32")).dtype == np.float32
    x = mx.nd.random.gamma(mx.nd.array([2.0]), mx.nd.array([2.0]), shape=(5,))
    assert x.shape == (1, 5)


def test_sample_op_errors():
    with pytest.raises(mx.MXNetError, match="same shape"):
        mx.nd.sample_uniform(mx.nd.zeros((2,)), mx.nd.ones((3,)))
    with pytest.raises(mx.MXNetError, match="same dtype"):
        mx.nd.sample_uniform(mx.nd.zeros((2,)), mx.nd.ones((2,), dtype="float64"))
    with pytest.raises(mx.MXNetError):
        mx.nd.sample_uniform(mx.nd.zeros((2,)), mx.nd.ones((2,)), dtype="int32")


def test_sample_op_degenerate_parameters():
    # MXNet does not check array parameters; zero rates/shapes give 0, invalid ones NaN.
    g = mx.nd.sample_gamma(mx.nd.array([0, -1]), mx.nd.array([1, 1]), shape=3).asnumpy()
    np.testing.assert_array_equal(g[0], 0)
    assert np.isnan(g[1]).all()
    np.testing.assert_array_equal(mx.nd.sample_poisson(mx.nd.array([0, -1]), shape=3).asnumpy(), 0)
    assert np.isinf(mx.nd.sample_exponential(mx.nd.array([0.0]), shape=2).asnumpy()).all()
    u = mx.nd.sample_uniform(mx.nd.array([1.0]), mx.nd.array([1.0]), shape=3).asnumpy()
    np.testing.assert_array_equal(u, 1)


# -- _random_*_like ------------------------------------------------------------------------------


@pytest.mark.parametrize("dist", DISTS)
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_like_ops(dist, dtype):
    data = mx.nd.zeros((3, 4), dtype=dtype)
    x = getattr(mx.nd.random, dist + "_like")(data)
    assert x.shape == (3, 4) and x.dtype == np.dtype(dtype)


def test_like_ops_parameters_and_errors():
    mx.random.seed(0)
    x = mx.nd.random.uniform_like(mx.nd.zeros((1000,)), low=3, high=4).asnumpy()
    assert x.min() >= 3 and x.max() < 4
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.random.normal_like(mx.nd.zeros((2,), dtype="int32"))
    with pytest.raises(mx.MXNetError, match="low must be less"):
        mx.nd.random.uniform_like(mx.nd.zeros((2,)), low=3, high=1)


# -- shuffle -------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float32", "int32", "float64"])
def test_shuffle_is_a_row_permutation(dtype):
    mx.random.seed(11)
    data = np.arange(60).reshape(20, 3).astype(dtype)
    out = mx.nd.random.shuffle(mx.nd.array(data, dtype=dtype)).asnumpy()
    assert out.dtype == np.dtype(dtype) and out.shape == data.shape
    assert not np.array_equal(out, data)
    rows = sorted(map(tuple, out.tolist()))
    assert rows == sorted(map(tuple, data.tolist()))       # rows kept intact, permuted
    one = mx.nd.random.shuffle(mx.nd.array([5.0])).asnumpy()
    np.testing.assert_array_equal(one, [5.0])


def test_shuffle_is_uniform():
    mx.random.seed(2)
    x = mx.nd.arange(4)
    firsts = np.array([mx.nd.shuffle(x).asnumpy()[0] for _ in range(2000)])
    np.testing.assert_allclose(np.bincount(firsts.astype(int)) / 2000, np.full(4, 0.25), atol=0.04)


def test_shuffle_does_not_modify_input():
    x = mx.nd.arange(10)
    mx.nd.random.shuffle(x).wait_to_read()
    np.testing.assert_array_equal(x.asnumpy(), np.arange(10))


# -- multinomial ---------------------------------------------------------------------------------


def test_multinomial_frequencies():
    mx.random.seed(4)
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]], dtype=np.float32)
    s = mx.nd.random.multinomial(mx.nd.array(p), shape=N // 2).asnumpy()
    assert s.shape == (2, N // 2) and s.dtype == np.int32
    for row, probs in zip(s, p):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / row.size, probs, atol=0.01)
    assert (s[1] != 2).all()


def test_multinomial_shapes_dtypes_and_log_prob():
    p = mx.nd.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    assert mx.nd.random.multinomial(mx.nd.array([0.2, 0.8])).shape == (1,)
    assert mx.nd.random.multinomial(mx.nd.array([0.2, 0.8]), shape=(2, 3)).shape == (2, 3)
    assert mx.nd.random.multinomial(p).shape == (2,)
    assert mx.nd.random.multinomial(mx.nd.ones((1, 1, 2)) / 2, shape=(2, 3)).shape == (1, 1, 2, 3)
    assert mx.nd.random.multinomial(p, dtype="uint8").dtype == np.uint8
    assert mx.nd.random.multinomial(p, dtype="float32").dtype == np.float32
    s, logp = mx.nd.random.multinomial(p, shape=5, get_prob=True)
    assert logp.dtype == np.float32 and logp.shape == (2, 5)
    idx = s.asnumpy()
    np.testing.assert_allclose(logp.asnumpy(), np.log(np.take_along_axis(p.asnumpy(), idx, axis=1)),
                               rtol=1e-6)
    s64, lp64 = mx.nd.random.multinomial(p.astype("float64"), get_prob=True)
    assert s64.dtype == np.int32 and lp64.dtype == np.float64


def test_multinomial_unnormalised_uses_cumulative_sums():
    # MXNet compares a uniform draw with cumulative sums: [2, 8] always picks category 0.
    out = mx.nd.random.multinomial(mx.nd.array([2.0, 8.0]), shape=100).asnumpy()
    np.testing.assert_array_equal(out, 0)


def test_multinomial_errors():
    with pytest.raises(mx.MXNetError, match="floating point"):
        mx.nd.random.multinomial(mx.nd.array([1, 2], dtype="int32"))
    with pytest.raises(mx.MXNetError, match="dtype"):
        mx.nd.random.multinomial(mx.nd.array([0.5, 0.5]), dtype="int64")
    with pytest.raises(mx.MXNetError, match="categories"):
        mx.nd.random.multinomial(mx.nd.zeros((2, 0)))


def test_multinomial_backward_matches_finite_differences():
    op = get_op("_sample_multinomial")
    attrs = op.parse({"shape": (4,), "get_prob": True})
    p = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])

    def run(x):
        env = OpEnv(np, True, mx.cpu(), rng=np.random.default_rng(0))   # same draws each time
        return op.forward(env, attrs, [x], [])

    sample, logp = run(p)
    head = np.random.RandomState(0).uniform(-1, 1, logp.shape)
    grad = op.backward(OpEnv(np, True, mx.cpu()), attrs, [p], [sample, logp],
                       [np.zeros(sample.shape), head], [True])[0]
    eps = 1e-6
    num = np.zeros_like(p)
    for j in range(p.size):
        hi, lo = p.copy(), p.copy()
        hi.flat[j] += eps
        lo.flat[j] -= eps
        num.flat[j] = ((head * run(hi)[1]).sum() - (head * run(lo)[1]).sum()) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)


def test_multinomial_autograd_counts_over_probability():
    mx.random.seed(0)
    p = mx.nd.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]])
    p.attach_grad()
    with mx.autograd.record():
        s, logp = mx.nd.random.multinomial(p, shape=6, get_prob=True)
    logp.backward()
    idx = s.asnumpy()
    counts = np.stack([np.bincount(r, minlength=3) for r in idx])
    np.testing.assert_allclose(p.grad.asnumpy(), counts / p.asnumpy(), rtol=1e-5)
    p.attach_grad()
    with mx.autograd.record():
        s = mx.nd.random.multinomial(p, shape=6)
    s.backward()
    np.testing.assert_array_equal(p.grad.asnumpy(), 0)


# -- gradients of the other random ops are zero ----------------------------------------------


def test_sample_and_like_ops_have_zero_gradients():
    lo, hi = mx.nd.array([0.0, 1.0]), mx.nd.array([2.0, 3.0])
    lo.attach_grad()
    hi.attach_grad()
    with mx.autograd.record():
        y = mx.nd.random.uniform(lo, hi, shape=3)
    y.backward()
    np.testing.assert_array_equal(lo.grad.asnumpy(), 0)
    np.testing.assert_array_equal(hi.grad.asnumpy(), 0)
    d = mx.nd.array([1.0, 2.0])
    d.attach_grad()
    with mx.autograd.record():
        z = mx.nd.random.normal_like(d) * 3
    z.backward()
    np.testing.assert_array_equal(d.grad.asnumpy(), 0)


# -- generated namespaces and symbols ------------------------------------------------------------


def test_generated_functions():
    for name in ("_random_uniform", "_random_randint", "_sample_multinomial", "_shuffle",
                 "_sample_normal", "_random_gamma_like"):
        assert hasattr(mx.nd._internal, name)
    for name in ("uniform", "normal", "random_uniform", "random_randint", "sample_uniform",
                 "sample_multinomial", "shuffle"):
        assert callable(getattr(mx.nd, name))
    mx.random.seed(9)
    a = mx.nd.random_uniform(shape=(3,)).asnumpy()
    mx.random.seed(9)
    np.testing.assert_array_equal(mx.nd.uniform(shape=(3,)).asnumpy(), a)


def test_symbolic_random_ops():
    d = mx.sym.var("d")
    s = mx.sym.random_uniform(low=1, high=2, shape=(2, 3)) + d
    ex = s.simple_bind(mx.cpu(), d=(2, 3))
    mx.random.seed(1)
    out1 = ex.forward()[0].asnumpy()
    assert out1.shape == (2, 3) and (out1 >= 1).all() and (out1 < 2).all()
    mx.random.seed(1)
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), out1)


def test_symbolic_multinomial_forward_backward():
    d = mx.sym.var("d")
    s = mx.sym.sample_multinomial(d, get_prob=True, shape=3, name="mn")
    assert s.list_outputs() == ["mn_output0", "mn_output1"]
    ex = s.simple_bind(mx.cpu(), d=(2, 3))
    p = np.array([[0.1, 0.2, 0.7], [0.5, 0.25, 0.25]], dtype=np.float32)
    ex.arg_dict["d"][:] = p
    idx, logp = [o.asnumpy() for o in ex.forward(is_train=True)]
    np.testing.assert_allclose(logp, np.log(np.take_along_axis(p, idx, axis=1)), rtol=1e-6)
    ex.backward([mx.nd.zeros((2, 3)), mx.nd.ones((2, 3))])
    counts = np.stack([np.bincount(r, minlength=3) for r in idx])
    np.testing.assert_allclose(ex.grad_dict["d"].asnumpy(), counts / p, rtol=1e-5)


def test_symbolic_sample_and_shuffle():
    lo, hi = mx.sym.var("lo"), mx.sym.var("hi")
    s = mx.sym.sample_normal(lo, hi, shape=(4,))
    assert s.list_arguments() == ["lo", "hi"]
    ex = s.simple_bind(mx.cpu(), lo=(2,), hi=(2,))
    ex.arg_dict["lo"][:] = mx.nd.array([0, 100])
    ex.arg_dict["hi"][:] = mx.nd.array([1, 1])
    out = ex.forward()[0].asnumpy()
    assert out.shape == (2, 4) and (out[1] > 90).all()
    x = mx.sym.var("x")
    ex2 = mx.sym.shuffle(x).bind(mx.cpu(), {"x": mx.nd.arange(10)})
    np.testing.assert_array_equal(np.sort(ex2.forward()[0].asnumpy()), np.arange(10))


# -- GPU -----------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.skipif(mx.context.num_gpus() == 0, reason="needs CuPy and an NVIDIA GPU")
def test_random_ops_on_gpu():
    ctx = mx.gpu(0)
    mx.random.seed(10)
    draws = [
        mx.nd.random.uniform(-1, 1, shape=(N,), ctx=ctx),
        mx.nd.random.normal(2, 3, shape=(N,), ctx=ctx, dtype="float16"),
        mx.nd.random.gamma(2, 2, shape=(N,), ctx=ctx),
        mx.nd.random.exponential(2, shape=(N,), ctx=ctx),
        mx.nd.random.poisson(3, shape=(N,), ctx=ctx),
        mx.nd.random.negative_binomial(5, 0.4, shape=(N,), ctx=ctx),
        mx.nd.random.generalized_negative_binomial(3, 0.5, shape=(N,), ctx=ctx),
        mx.nd.random.randint(0, 10, shape=(N,), ctx=ctx),
        mx.nd.random.uniform(mx.nd.zeros((2,), ctx=ctx), mx.nd.ones((2,), ctx=ctx), shape=10),
        mx.nd.random.shuffle(mx.nd.arange(100, ctx=ctx)),
        mx.nd.random.multinomial(mx.nd.array([0.2, 0.8], ctx=ctx), shape=N, get_prob=True)[0],
    ]
    means = [d.asnumpy().astype(np.float64).mean() for d in draws]
    np.testing.assert_allclose(means[:8], [0, 2, 4, 2, 3, 7.5, 3, 4.5], atol=0.1)
    assert draws[0].context == ctx
    np.testing.assert_array_equal(np.sort(draws[9].asnumpy()), np.arange(100))
    assert abs(means[10] - 0.8) < 0.01
    mx.random.seed(10)
    np.testing.assert_array_equal(mx.nd.random.uniform(-1, 1, shape=(N,), ctx=ctx).asnumpy(),
                                  draws[0].asnumpy())


# -- mx.nd.contrib.rand_zipfian / mx.sym.contrib.rand_zipfian ----------------------------------------

def _zipf_p(c, range_max):
    return (np.log(c + 2.0) - np.log(c + 1.0)) / np.log(range_max + 1.0)


def test_rand_zipfian_distribution_and_expected_counts():
    mx.random.seed(3)
    n, r = 200000, 10
    true = np.array([3, 0, 9], np.float32)
    samples, exp_true, exp_sampled = mx.nd.contrib.rand_zipfian(mx.nd.array(true), n, r)
    s = samples.asnumpy()
    assert samples.dtype == np.int64 and exp_true.dtype == np.float64 and exp_sampled.dtype == np.float64
    assert s.shape == (n,) and exp_true.shape == (3,) and s.min() >= 0 and s.max() < r
    p = _zipf_p(np.arange(r), r)
    np.testing.assert_allclose(p.sum(), 1.0)
    freq = np.bincount(s, minlength=r) / n
    assert np.all(np.abs(freq - p) <= 4 * np.sqrt(p * (1 - p) / n)), (freq, p)    # within 4 sigma
    np.testing.assert_allclose(exp_true.asnumpy(), n * _zipf_p(true, r), rtol=1e-6)
    np.testing.assert_allclose(exp_sampled.asnumpy(), n * _zipf_p(s, r), rtol=1e-6)
    # MXNet 1.9.1's expected count for class 3 of 5 with 4 samples (checked with the oracle)
    _, e, _ = mx.nd.contrib.rand_zipfian(mx.nd.array([3]), 4, 5, ctx=mx.cpu())
    np.testing.assert_allclose(e.asnumpy(), [0.49815515], rtol=1e-7)


def test_rand_zipfian_symbol():
    out = mx.sym.contrib.rand_zipfian(mx.sym.var("t"), 6, 20)
    assert isinstance(out, tuple) and len(out) == 3
    ex = mx.sym.Group(list(out)).bind(mx.cpu(), {"t": mx.nd.array([1, 5])})
    samples, exp_true, exp_sampled = [o.asnumpy() for o in ex.forward()]
    assert samples.shape == (6,) and 0 <= samples.min() and samples.max() < 20
    np.testing.assert_allclose(exp_true, 6 * _zipf_p(np.array([1.0, 5.0]), 20), rtol=1e-6)
    np.testing.assert_allclose(exp_sampled, 6 * _zipf_p(samples, 20), rtol=1e-6)
