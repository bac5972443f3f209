"""Higher-order gradients: autograd.grad(..., create_graph=True) returns gradients with a
recorded history, differentiated again by backward() or grad().

Expectations are closed-form derivatives (NumPy), central finite differences of the
first-order gradient, and values printed by MXNet 1.9.1 for the same inputs."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, nd
from mxnet.base import MXNetError

X = np.array([[0.5, -1.2, 2.0], [0.3, 0.7, -0.4]])


def _var(a, dtype=np.float64):
    v = nd.array(a, dtype=dtype)
    v.attach_grad()
    return v


def _second(f, x):
    """(g, x.grad) for g = d f(x) / dx with create_graph=True, then z = sum(g * g) backward."""
    with autograd.record():
        y = f(x)
        g = autograd.grad(y, [x], create_graph=True, retain_graph=True)[0]
        z = (g * g).sum()
    z.backward()
    return g.asnumpy(), x.grad.asnumpy()


# op: (forward, f'(x), f''(x)) on inputs where each is defined
_UNARY = {
    "sin": (nd.sin, np.cos, lambda x: -np.sin(x)),
    "cos": (nd.cos, lambda x: -np.sin(x), lambda x: -np.cos(x)),
    "tan": (nd.tan, lambda x: 1 / np.cos(x) ** 2, lambda x: 2 * np.tan(x) / np.cos(x) ** 2),
    "exp": (nd.exp, np.exp, np.exp),
    "log": (nd.log, lambda x: 1 / x, lambda x: -1 / x ** 2),
    "log1p": (nd.log1p, lambda x: 1 / (1 + x), lambda x: -1 / (1 + x) ** 2),
    "expm1": (nd.expm1, np.exp, np.exp),
    "sigmoid": (nd.sigmoid, lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
                lambda x: np.exp(-x) * (np.exp(-x) - 1) / (1 + np.exp(-x)) ** 3),
    "tanh": (nd.tanh, lambda x: 1 - np.tanh(x) ** 2, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    "relu": (nd.relu, lambda x: (x > 0) * 1.0, lambda x: 0 * x),
    "square": (nd.square, lambda x: 2 * x, lambda x: 2 + 0 * x),
    "sqrt": (nd.sqrt, lambda x: 0.5 / np.sqrt(x), lambda x: -0.25 * x ** -1.5),
    "cbrt": (nd.cbrt, lambda x: 1 / (3 * np.cbrt(x) ** 2), lambda x: -2 / (9 * np.cbrt(x) ** 5)),
    "rsqrt": (nd.rsqrt, lambda x: -0.5 * x ** -1.5, lambda x: 0.75 * x ** -2.5),
    "reciprocal": (nd.reciprocal, lambda x: -1 / x ** 2, lambda x: 2 / x ** 3),
    "abs": (nd.abs, np.sign, lambda x: 0 * x),
    "softsign": (nd.softsign, lambda x: 1 / (1 + np.abs(x)) ** 2, lambda x: -2 * np.sign(x) / (1 + np.abs(x)) ** 3),
    "sinh": (nd.sinh, np.cosh, np.sinh),
    "cosh": (nd.cosh, np.sinh, np.cosh),
    "log2": (nd.log2, lambda x: 1 / (x * np.log(2)), lambda x: -1 / (x ** 2 * np.log(2))),
    "log10": (nd.log10, lambda x: 1 / (x * np.log(10)), lambda x: -1 / (x ** 2 * np.log(10))),
    "rcbrt": (nd.rcbrt, lambda x: -1 / (3 * np.cbrt(x) ** 4), lambda x: 4 / (9 * np.cbrt(x) ** 7)),
    "arcsin": (lambda x: nd.arcsin(x * 0.4), lambda x: 0.4 / np.sqrt(1 - (0.4 * x) ** 2),
               lambda x: 0.064 * x / (1 - (0.4 * x) ** 2) ** 1.5),
    "arccos": (lambda x: nd.arccos(x * 0.4), lambda x: -0.4 / np.sqrt(1 - (0.4 * x) ** 2),
               lambda x: -0.064 * x / (1 - (0.4 * x) ** 2) ** 1.5),
    "arctan": (nd.arctan, lambda x: 1 / (1 + x ** 2), lambda x: -2 * x / (1 + x ** 2) ** 2),
    # (MXNet 1.9.1's second derivatives of arcsinh and arccosh have the wrong sign; these are
    # the closed forms)
    "arcsinh": (nd.arcsinh, lambda x: 1 / np.sqrt(x ** 2 + 1), lambda x: -x / (x ** 2 + 1) ** 1.5),
    "arccosh": (lambda x: nd.arccosh(x + 2.5), lambda x: 1 / np.sqrt((x + 2.5) ** 2 - 1),
                lambda x: -(x + 2.5) / ((x + 2.5) ** 2 - 1) ** 1.5),
    "arctanh": (lambda x: nd.arctanh(x * 0.4), lambda x: 0.4 / (1 - (0.4 * x) ** 2),
                lambda x: 0.128 * x / (1 - (0.4 * x) ** 2) ** 2),
    "radians": (nd.radians, lambda x: np.pi / 180 + 0 * x, lambda x: 0 * x),
    "erf": (nd.erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x ** 2), lambda x: -4 * x / np.sqrt(np.pi) * np.exp(-x ** 2)),
    "erfinv": (lambda x: nd.erfinv(x * 0.4), lambda x: 0.4 * np.sqrt(np.pi) / 2 * np.exp(_erfinv(0.4 * x) ** 2),
               lambda x: 0.16 * np.pi / 2 * _erfinv(0.4 * x) * np.exp(2 * _erfinv(0.4 * x) ** 2)),
    "clip": (lambda x: nd.clip(x, -1.0, 1.0), lambda x: ((x >= -1) & (x <= 1)) * 1.0, lambda x: 0 * x),
    "Activation(sigmoid)": (lambda x: nd.Activation(x, act_type="sigmoid"),
                            lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
                            lambda x: np.exp(-x) * (np.exp(-x) - 1) / (1 + np.exp(-x)) ** 3),
    "Activation(softrelu)": (lambda x: nd.Activation(x, act_type="softrelu"),
                             lambda x: 1 / (1 + np.exp(-x)), lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
}
_POSITIVE_ONLY = {"log", "sqrt", "rsqrt", "log2", "log10"}


def _erfinv(y):
    """erfinv by Newton steps on erf (math.erf), to double precision."""
    from math import erf
    y = np.asarray(y, dtype=np.float64)
    x = np.zeros_like(y)
    for _ in range(60):
        x = x - (np.vectorize(erf)(x) - y) / (2 / np.sqrt(np.pi) * np.exp(-x ** 2))
    return x


@pytest.mark.parametrize("name", sorted(_UNARY))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_second_derivative_of_unary_ops(name, dtype):
    fwd, d1, d2 = _UNARY[name]
    a = np.abs(X) + 0.5 if name in _POSITIVE_ONLY else X
    if name == "log1p":
        a = np.abs(X)
    g, xg = _second(fwd, _var(a, dtype))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(g, d1(a), rtol=tol, atol=tol)
    np.testing.assert_allclose(xg, 2 * d1(a) * d2(a), rtol=tol, atol=tol)


def test_values_printed_by_mxnet():
    # MXNet 1.9.1, float32, x = X: z = sum(grad(f)(x) ** 2) differentiated (first four entries)
    expected = {
        nd.sin: [-0.84147, 0.67546, 0.7568, -0.56464],
        nd.tan: [3.68418, -596.7694, -291.429, 1.48548],
        nd.exp: [5.43656, 0.18144, 109.19629, 3.64424],
        nd.sigmoid: [-0.02705, 0.03399, -0.01679, -0.01779],
        nd.reciprocal: [-128.0, 1.60751, -0.125, -1646.0905],
        nd.relu: [0.0, 0.0, 0.0, 0.0],
        nd.radians: [0.0, 0.0, 0.0, 0.0],
    }
    for f, want in expected.items():
        _, xg = _second(f, _var(X, np.float32))
        np.testing.assert_allclose(xg.ravel()[:4], want, rtol=2e-4, atol=1e-5)


def _grad_fn(f):
    """x -> first-order gradient of sum(f(x)) (NumPy in, NumPy out), no history."""
    def g(a):
        x = _var(a)
        with autograd.record():
            y = f(x)
        y.backward()
        return x.grad.asnumpy()
    return g


W = np.array([[0.1, 0.2, 0.3], [0.4, -0.5, 0.6]])
_COMPOSED = {
    "x*x*w": lambda x: x * x * nd.array(W, dtype=x.dtype),
    "x/(1+x*x)": lambda x: x / (x * x + 1),
    "broadcast": lambda x: nd.broadcast_mul(x, nd.sum(x * x, axis=1, keepdims=True)),
    "broadcast_sub_div": lambda x: nd.broadcast_div(x, nd.mean(x, axis=0, keepdims=True) - 3.0),
    "scalars": lambda x: 2.0 / (3.0 - x) ** 3 + (x - 1) * 0.5,
    "sum_mean": lambda x: nd.sum(x ** 3, axis=0) * nd.mean(nd.exp(x), axis=1, exclude=True),
    "FullyConnected": lambda x: nd.tanh(nd.FullyConnected(x * x, nd.array(W, dtype=x.dtype),
                                                          nd.array([0.1, -0.2], dtype=x.dtype), num_hidden=2)),
    "dot_transposed": lambda x: nd.sin(nd.dot(x, x, transpose_a=True)),
    "dot": lambda x: nd.dot(nd.sin(x), nd.array(W.T, dtype=x.dtype)) ** 2,
    "reshape_flatten": lambda x: nd.square(x.reshape((3, 2))).reshape((6,)) * nd.Flatten(nd.exp(x)).reshape((6,)),
    "broadcast_to": lambda x: nd.broadcast_to(nd.sum(nd.sin(x), axis=0, keepdims=True), shape=(4, 3)) * 2,
}


@pytest.mark.parametrize("name", sorted(_COMPOSED))
def test_hessian_vector_products_match_finite_differences(name):
    f = _COMPOSED[name]
    rng = np.random.RandomState(1)
    v = rng.randn(*X.shape)
    x = _var(X)
    with autograd.record():
        y = f(x)
        g = autograd.grad(y, [x], create_graph=True)[0]
        s = (g * nd.array(v, dtype=np.float64)).sum()
    s.backward()
    first = _grad_fn(f)
    np.testing.assert_allclose(g.asnumpy(), first(X), rtol=1e-10)
    eps = 1e-6
    fd = (first(X + eps * v) - first(X - eps * v)) / (2 * eps)   # H v by central differences
    np.testing.assert_allclose(x.grad.asnumpy(), fd, rtol=1e-5, atol=1e-7)


def test_third_derivative_through_repeated_grad():
    x = _var([0.3, 1.1, -0.7])
    with autograd.record():
        y = nd.sin(x)
        d1 = autograd.grad(y, [x], create_graph=True)[0]
        d2 = autograd.grad(d1, [x], create_graph=True)[0]
    d2.backward()
    np.testing.assert_allclose(d1.asnumpy(), np.cos([0.3, 1.1, -0.7]), rtol=1e-12)
    np.testing.assert_allclose(d2.asnumpy(), -np.sin([0.3, 1.1, -0.7]), rtol=1e-12)
    np.testing.assert_allclose(x.grad.asnumpy(), -np.cos([0.3, 1.1, -0.7]), rtol=1e-12)


def test_two_variables_and_head_gradients():
    a, b = _var([1.0, 2.0]), _var([0.5, -1.5])
    hg = nd.array([2.0, 3.0], dtype=np.float64)
    with autograd.record():
        y = a * a * b
        ga, gb = autograd.grad(y, [a, b], head_grads=hg, create_graph=True)
        z = (ga + gb).sum()
    z.backward()
    av, bv, h = np.array([1.0, 2.0]), np.array([0.5, -1.5]), np.array([2.0, 3.0])
    np.testing.assert_allclose(ga.asnumpy(), 2 * av * bv * h)
    np.testing.assert_allclose(gb.asnumpy(), av * av * h)
    np.testing.assert_allclose(a.grad.asnumpy(), (2 * bv + 2 * av) * h)     # d/da (2ab + a^2) h
    np.testing.assert_allclose(b.grad.asnumpy(), 2 * av * h)


def test_grad_leaves_the_variables_gradient_and_the_graph_alone():
    x = _var([0.2, 0.4])
    x.grad[:] = 7.0
    with autograd.record():
        y = nd.exp(x)
        g = autograd.grad(y, [x], create_graph=True)[0]
    np.testing.assert_allclose(x.grad.asnumpy(), [7.0, 7.0])     # grad() writes no .grad
    y.backward()                                                 # the forward graph is kept
    np.testing.assert_allclose(x.grad.asnumpy(), np.exp([0.2, 0.4]))
    g.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), np.exp([0.2, 0.4]))


def test_a_custom_function_written_in_nd_operators_is_differentiated_again():
    class Cube(autograd.Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x * x * x

        def backward(self, dy):
            (x,) = self.saved_tensors
            return dy * x * x * 3

    x = _var([0.5, -2.0])
    with autograd.record():
        y = Cube()(x)
        g = autograd.grad(y, [x], create_graph=True)[0]
    g.backward()
    np.testing.assert_allclose(g.asnumpy(), 3 * np.array([0.5, -2.0]) ** 2)
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * np.array([0.5, -2.0]))


@pytest.mark.parametrize("f,op", [(lambda x: nd.softmax(x), "softmax"),
                                  (lambda x: nd.gammaln(nd.abs(x) + 0.5), "gammaln"),
                                  (lambda x: nd.LeakyReLU(x), "LeakyReLU")])
def test_differentiating_through_an_op_without_a_second_order_rule_raises(f, op):
    x = _var(X, np.float32)
    with autograd.record():
        y = f(x)
        g = autograd.grad(y, [x], create_graph=True)[0]
        z = (g * g).sum()
    # the first-order values are right ...
    np.testing.assert_allclose(g.asnumpy(), _grad_fn(f)(X), rtol=1e-5, atol=1e-6)
    # ... and MXNet's error names the backward operator, raised when backward is called
    with pytest.raises(MXNetError, match="Operator _backward_{} is non-differentiable".format(op)):
        z.backward()
    with pytest.raises(MXNetError, match="_backward_{}".format(op)):
        autograd.grad(z, [x])


def test_a_gradient_that_does_not_depend_on_the_variable_cannot_be_differentiated():
    x = _var([1.0, 2.0])
    with autograd.record():
        y = x * 3
        g = autograd.grad(y, [x], create_graph=True)[0]
    np.testing.assert_allclose(g.asnumpy(), [3.0, 3.0])
    with pytest.raises(MXNetError):
        g.backward()


def test_gradient_penalty_of_a_gluon_net_reaches_its_parameters():
    # WGAN-GP style: loss = sum(d out / d x ** 2), differentiated w.r.t. the layer weights
    # (MXNet 1.9.1 refuses this one: Activation has no second-order rule there)
    net = mx.gluon.nn.Sequential()
    net.add(mx.gluon.nn.Dense(4, activation="tanh"), mx.gluon.nn.Dense(1))
    net.initialize(mx.init.Constant(0.3))
    net.cast("float64")
    w0 = np.linspace(-1, 1, 12).reshape(4, 3)
    xv = np.array([[0.1, -0.2, 0.3], [0.5, 0.4, -0.6]])

    def penalty(w, create_graph):
        net[0].weight.set_data(nd.array(w, dtype=np.float64))
        x = _var(xv)
        with autograd.record():
            g = autograd.grad(net(x), [x], create_graph=create_graph)[0]
            loss = (g ** 2).sum()
        return loss

    loss = penalty(w0, True)
    loss.backward()
    got = net[0].weight.grad().asnumpy()
    eps = 1e-6
    fd = np.zeros_like(w0)
    for i in np.ndindex(*w0.shape):
        e = np.zeros_like(w0)
        e[i] = eps
        fd[i] = (penalty(w0 + e, False).asscalar() - penalty(w0 - e, False).asscalar()) / (2 * eps)
    np.testing.assert_allclose(got, fd, rtol=1e-6, atol=1e-9)


def _penalty_net(hybridize, dropout=False):
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(4))
    if dropout:
        net.add(mx.gluon.nn.Dropout(0.5))
    net.add(mx.gluon.nn.Dense(1))
    net.initialize(mx.init.Constant(0.3))       # (biases keep their own 'zeros' initializer)
    net.cast("float64")
    net[0].weight.set_data(nd.array(np.linspace(-1, 1, 12).reshape(4, 3), dtype=np.float64))
    if hybridize:
        net.hybridize()
    return net


@pytest.mark.parametrize("hybridize", [False, True])
def test_gradient_penalty_through_a_hybridized_block(hybridize):
    # out = sin(W2 (W1 x)); loss = sum((d out / d x) ** 2), differentiated w.r.t. W1. A
    # hybridized block is run again operator by operator for the second-order sweep.
    net = _penalty_net(hybridize)
    xv = np.array([[0.1, -0.2, 0.3], [0.5, 0.4, -0.6]])
    x = _var(xv)
    with autograd.record():
        g = autograd.grad(nd.sin(net(x)), [x], create_graph=True)[0]
        loss = (g ** 2).sum()
    loss.backward()
    w1, w2 = np.linspace(-1, 1, 12).reshape(4, 3), np.full((1, 4), 0.3)

    def penalty(w):
        z = xv @ w.T @ w2.T
        return ((np.cos(z) * (w2 @ w)) ** 2).sum()

    # first-order values as MXNet 1.9.1 prints them
    np.testing.assert_allclose(g.asnumpy(), [[-0.217974, 0, 0.217974], [-0.211928, 0, 0.211928]], atol=1e-6)
    eps = 1e-6
    fd = np.zeros_like(w1)
    for i in np.ndindex(*w1.shape):
        e = np.zeros_like(w1)
        e[i] = eps
        fd[i] = (penalty(w1 + e) - penalty(w1 - e)) / (2 * eps)
    # (MXNet 1.9.1 returns [-0.254172, 0, 0.254172] per row here: it drops the path through
    # cos(z)'s dependence on W1; the finite differences give the values below)
    np.testing.assert_allclose(net[0].weight.grad().asnumpy(), fd, rtol=1e-6, atol=1e-9)


def test_a_hybridized_block_drawing_random_numbers_stays_first_order():
    net = _penalty_net(True, dropout=True)
    x = _var([[0.1, -0.2, 0.3]])
    with autograd.record():
        g = autograd.grad(net(x), [x], create_graph=True)[0]
        loss = (g ** 2).sum()
    assert g.shape == (1, 3)
    with pytest.raises(MXNetError, match="_backward__CachedOp is non-differentiable"):
        loss.backward()
