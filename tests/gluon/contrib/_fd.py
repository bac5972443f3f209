"""Finite-difference gradient check for a Gluon block's parameters and input (float32, central
differences on sum(out * proj))."""
import numpy as np

import mxnet as mx
from mxnet import autograd


def check_block_grad(block, x, forward=None, eps=1e-2, rtol=2e-2, atol=2e-3, max_entries=12):
    forward = forward or (lambda b, v: b(v))
    out = forward(block, x)
    proj = mx.nd.array(np.random.RandomState(7).uniform(-1, 1, out.shape))
    x = x.copy()
    x.attach_grad()
    with autograd.record():
        loss = (forward(block, x) * proj).sum()
    loss.backward()
    rng = np.random.RandomState(3)
    targets = [("x", x, x.grad.asnumpy())]
    for name, p in sorted(block.collect_params().items()):
        if p.grad_req != "null":
            targets.append((name, p.data(), p.grad().asnumpy()))

    def value():
        return float((forward(block, x) * proj).sum().asscalar())

    for name, arr, grad in targets:
        flat = arr.size
        for idx in rng.choice(flat, min(flat, max_entries), replace=False):
            pos = np.unravel_index(idx, arr.shape)
            orig = arr.asnumpy()[pos]
            arr[pos] = orig + eps
            up = value()
            arr[pos] = orig - eps
            down = value()
            arr[pos] = orig
            num = (up - down) / (2 * eps)
            assert abs(num - grad[pos]) <= atol + rtol * abs(num), (name, pos, num, grad[pos])
