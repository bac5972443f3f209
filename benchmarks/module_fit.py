"""One epoch of ``Module.fit`` over 60,000 MNIST-shaped samples with the seed's MLP (samples/s).

Written against the MXNet 1.x API only:

    python benchmarks/module_fit.py                             # neomx
    ~/mxref/bin/python benchmarks/module_fit.py                 # real MXNet 1.9.1
    python benchmarks/module_fit.py --compare ~/mxref/bin/python
"""
import argparse
import json
import logging
import time

import numpy as np

import mxnet as mx
from _compare import run_other


def build():
    data = mx.sym.Variable("data")
    l1 = mx.sym.FullyConnected(data=data, num_hidden=128, name="layer1")
    a1 = mx.sym.Activation(data=l1, act_type="relu", name="act1")
    l2 = mx.sym.FullyConnected(data=a1, num_hidden=10, name="layer2")
    return mx.sym.SoftmaxOutput(data=l2, name="softmax")


def measure(batch_size=100, n=60000):
    rng = np.random.RandomState(0)
    x = rng.rand(n, 784).astype(np.float32)
    y = rng.randint(0, 10, n).astype(np.float32)
    it = mx.io.NDArrayIter(x, y, batch_size=batch_size, shuffle=True)
    mod = mx.mod.Module(build(), context=mx.cpu())
    logging.getLogger().setLevel(logging.WARNING)
    # warm-up on a few batches (binding, first allocations)
    warm = mx.io.NDArrayIter(x[:10 * batch_size], y[:10 * batch_size], batch_size=batch_size)
    mod.fit(warm, num_epoch=1, optimizer="sgd", optimizer_params={"learning_rate": 0.1},
            initializer=mx.init.Xavier())
    mx.nd.waitall()
    start = time.perf_counter()
    mod.fit(it, num_epoch=1, optimizer="sgd", optimizer_params={"learning_rate": 0.1},
            force_init=False)
    mx.nd.waitall()
    return n / (time.perf_counter() - start)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compare", help="another Python interpreter (e.g. one with real MXNet)")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    ours = measure()
    if a.json:
        print(json.dumps({"samples_per_s": ours}))
        return
    print("Module.fit, 1 epoch of 60000: %.0f samples/s" % ours)
    if a.compare:
        theirs = run_other(a.compare, __file__)["samples_per_s"]
        print("other: %.0f samples/s; ratio this/other = %.2f" % (theirs, ours / theirs))
        print(json.dumps({"this": ours, "other": theirs, "ratio": ours / theirs}))


if __name__ == "__main__":
    main()
