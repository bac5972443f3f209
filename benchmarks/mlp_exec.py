"""The seed's MLP training loop (Symbol + simple_bind + imperative SGD) on synthetic data.

Written against the MXNet 1.x API only, so the same file runs on real MXNet 1.9.1:

    python benchmarks/mlp_exec.py                      # neomx
    ~/mxref/bin/python benchmarks/mlp_exec.py          # real MXNet
    python benchmarks/mlp_exec.py --compare ~/mxref/bin/python   # both, with ratios

Reports samples/s for batch sizes 32, 128 and 512.
"""
import argparse
import json
import sys
import time

import numpy as np

import mxnet as mx
from _compare import run_other


def build():
    data = mx.sym.Variable("data")
    w1 = mx.sym.Variable("layer1_weight")
    b1 = mx.sym.Variable("layer1_bias")
    l1 = mx.sym.FullyConnected(data=data, num_hidden=128, name="layer1", weight=w1, bias=b1)
    a1 = mx.sym.Activation(data=l1, act_type="relu", name="act1")
    l2 = mx.sym.FullyConnected(data=a1, num_hidden=10, name="layer2")
    return mx.sym.SoftmaxOutput(data=l2, label=mx.sym.Variable("softmax_label"), name="softmax")


def run(batch, seconds=2.0):
    net = build()
    ex = net.simple_bind(ctx=mx.cpu(), grad_req="write", data=(batch, 784), softmax_label=(batch,))
    rng = np.random.RandomState(0)
    for name, r in zip(net.list_arguments(), ex.arg_arrays):
        r[:] = rng.randn(*r.shape) * 0.02
    x = rng.rand(batch, 784).astype(np.float32)
    y = rng.randint(0, 10, batch).astype(np.float32)
    names = net.list_arguments()

    def step():
        ex.arg_dict["data"][:] = x
        ex.arg_dict["softmax_label"][:] = y
        ex.forward(is_train=True)
        ex.backward()
        for name, W, G in zip(names, ex.arg_arrays, ex.grad_arrays):
            if name in ("data", "softmax_label"):
                continue
            W[:] = W - G * (0.1 / batch)

    for _ in range(10):
        step()
    mx.nd.waitall()
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(10):
            step()
        mx.nd.waitall()
        n += 10
    return n * batch / (time.perf_counter() - start)


def measure():
    return {str(b): run(b) for b in (32, 128, 512)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compare", help="another Python interpreter (e.g. one with real MXNet)")
    p.add_argument("--json", action="store_true", help="print only a JSON line")
    a = p.parse_args()
    ours = measure()
    if a.json:
        print(json.dumps(ours))
        return
    print("{:>8} {:>14}".format("batch", "samples/s"))
    for b, v in ours.items():
        print("{:>8} {:>14.0f}".format(b, v))
    if a.compare:
        theirs = run_other(a.compare, __file__)
        print("\n{:>8} {:>14} {:>14} {:>8}".format("batch", "this", "other", "ratio"))
        for b in ours:
            print("{:>8} {:>14.0f} {:>14.0f} {:>8.2f}".format(b, ours[b], theirs[b], ours[b] / theirs[b]))
        print(json.dumps({"this": ours, "other": theirs}))


if __name__ == "__main__":
    main()
