"""Random expression graphs (shared subexpressions, several heads, broadcasting) differentiated
three ways -- autograd on NDArrays, a bound Symbol executor, a hybridized block -- which must
agree with each other and with a central finite difference along a random direction."""
import random

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd

UNARY = ("tanh", "sigmoid", "square", "exp", "negative", "sin")
BINARY = ("add", "sub", "mul", "div", "maximum", "broadcast_add")


def _unary(F, op, x):
    if op == "exp":
        return F.exp(x * 0.3)
    if op == "negative":
        return -x
    return getattr(F, op)(x)


def _binary(F, op, x, y):
    if op == "add":
        return x + y
    if op == "sub":
        return x - y
    if op == "mul":
        return x * y
    if op == "div":
        return x / (F.square(y) + 1)
    if op == "maximum":
        return F.maximum(x, y)
    return F.broadcast_add(x, F.sum(y, axis=0, keepdims=True))


def _program(rnd, n_in=3, n_nodes=8):
    steps = []
    for i in range(n_nodes):
        if rnd.random() < 0.4:
            steps.append(("u", rnd.choice(UNARY), rnd.randrange(n_in + i)))
        else:
            steps.append(("b", rnd.choice(BINARY), rnd.randrange(n_in + i), rnd.randrange(n_in + i)))
    heads = sorted(rnd.sample(range(n_in, n_in + n_nodes), 2))
    return steps, heads


def _run(F, inputs, steps, heads):
    vals = list(inputs)
    for s in steps:
        vals.append(_unary(F, s[1], vals[s[2]]) if s[0] == "u" else _binary(F, s[1], vals[s[2]], vals[s[3]]))
    return [vals[h] for h in heads]


@pytest.mark.parametrize("seed", range(40))
def test_autograd_executor_and_hybridized_block_agree(seed):
    rnd, rng = random.Random(seed), np.random.RandomState(seed)
    steps, heads = _program(rnd)
    xs = [rng.randn(3, 4).astype(np.float32) for _ in range(3)]
    head_grads = [rng.randn(3, 4).astype(np.float32) for _ in heads]

    arrays = [mx.nd.array(x) for x in xs]
    for a in arrays:
        a.attach_grad()
    with autograd.record():
        ys = _run(mx.nd, arrays, steps, heads)
    autograd.backward(ys, [mx.nd.array(h) for h in head_grads])
    outs, grads = [y.asnumpy() for y in ys], [a.grad.asnumpy() for a in arrays]

    variables = [mx.sym.Variable("x%d" % i) for i in range(3)]
    group = mx.sym.Group(_run(mx.sym, variables, steps, heads))
    used = group.list_arguments()
    ex = group.bind(mx.cpu(), {n: mx.nd.array(xs[int(n[1:])]) for n in used},
                    args_grad={n: mx.nd.zeros((3, 4)) for n in used})
    ex.forward(is_train=True)
    ex.backward([mx.nd.array(h) for h in head_grads])
    for got, want in zip(ex.outputs, outs):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)
    for i in range(3):
        name = "x%d" % i
        got = ex.grad_dict[name].asnumpy() if name in used else np.zeros((3, 4), np.float32)
        np.testing.assert_allclose(got, grads[i], rtol=1e-4, atol=1e-5)

    block = mx.gluon.nn.HybridLambda(lambda F, a, b, c: tuple(_run(F, [a, b, c], steps, heads)))
    block.hybridize(static_alloc=seed % 2 == 0)
    arrays = [mx.nd.array(x) for x in xs]
    for a in arrays:
        a.attach_grad()
    for _ in range(2):          # (the second call runs the cached graph again)
        with autograd.record():
            ys = block(*arrays)
        autograd.backward(list(ys), [mx.nd.array(h) for h in head_grads])
    for got, want in zip(list(ys) + [a.grad for a in arrays], outs + grads):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)

    # finite difference along a random direction, in float64
    def objective(point):
        vals = _run(mx.nd, [mx.nd.array(p, dtype="float64") for p in point], steps, heads)
        return sum(float((v.asnumpy() * h).sum()) for v, h in zip(vals, head_grads))
    direction = [rng.randn(3, 4) for _ in xs]
    eps = 1e-5
    x64 = [x.astype(np.float64) for x in xs]
    numeric = (objective([x + eps * d for x, d in zip(x64, direction)])
               - objective([x - eps * d for x, d in zip(x64, direction)])) / (2 * eps)
    analytic = sum(float((g * d).sum()) for g, d in zip(grads, direction))
    assert numeric == pytest.approx(analytic, rel=1e-2, abs=1e-2)
