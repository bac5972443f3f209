"""LeNet training step (Symbol + simple_bind + imperative SGD) on synthetic MNIST-sized data.

Conv(20, 5x5) - tanh - MaxPool 2x2/2 - Conv(50, 5x5) - tanh - MaxPool 2x2/2 - Flatten - FC 500 -
tanh - FC 10 - SoftmaxOutput, batch 64, data (64, 1, 28, 28).

Written against the MXNet 1.x API only, so the same file runs on real MXNet 1.9.1:

    python benchmarks/lenet_exec.py                      # neomx
    ~/mxref/bin/python benchmarks/lenet_exec.py          # real MXNet
    python benchmarks/lenet_exec.py --compare ~/mxref/bin/python   # both, with the ratio

Reports the best of ``--repeat`` timed runs (samples/s): the machine may be shared, and the
best run is the one least disturbed by other load.
"""
import argparse
import json
import sys

import numpy as np

import mxnet as mx
from _compare import run_other, throughput


def build():
    data = mx.sym.Variable("data")
    c1 = mx.sym.Convolution(data=data, kernel=(5, 5), num_filter=20, name="conv1")
    t1 = mx.sym.Activation(data=c1, act_type="tanh", name="tanh1")
    p1 = mx.sym.Pooling(data=t1, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    c2 = mx.sym.Convolution(data=p1, kernel=(5, 5), num_filter=50, name="conv2")
    t2 = mx.sym.Activation(data=c2, act_type="tanh", name="tanh2")
    p2 = mx.sym.Pooling(data=t2, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    f = mx.sym.Flatten(data=p2, name="flatten")
    fc1 = mx.sym.FullyConnected(data=f, num_hidden=500, name="fc1")
    t3 = mx.sym.Activation(data=fc1, act_type="tanh", name="tanh3")
    fc2 = mx.sym.FullyConnected(data=t3, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(data=fc2, label=mx.sym.Variable("softmax_label"), name="softmax")


def make_step(batch):
    net = build()
    ex = net.simple_bind(ctx=mx.cpu(), grad_req="write", data=(batch, 1, 28, 28), softmax_label=(batch,))
    rng = np.random.RandomState(0)
    for r in ex.arg_arrays:
        r[:] = rng.randn(*r.shape) * 0.05
    x = rng.rand(batch, 1, 28, 28).astype(np.float32)
    y = rng.randint(0, 10, batch).astype(np.float32)
    names = net.list_arguments()
    lr = 0.1 / batch

    def step():
        ex.arg_dict["data"][:] = x
        ex.arg_dict["softmax_label"][:] = y
        ex.forward(is_train=True)
        ex.backward()
        for name, W, G in zip(names, ex.arg_arrays, ex.grad_arrays):
            if name in ("data", "softmax_label"):
                continue
            W[:] = W - G * lr
    return step


def run(batch, seconds):
    return throughput(make_step(batch), batch, seconds, chunk=5, sync=mx.nd.waitall)


def measure(batch, seconds, repeat):
    runs = [run(batch, seconds) for _ in range(repeat)]
    return {"batch": batch, "best": max(runs), "runs": runs}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compare", help="another Python interpreter (e.g. one with real MXNet)")
    p.add_argument("--json", action="store_true", help="print only a JSON line")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seconds", type=float, default=2.0, help="length of one timed run")
    p.add_argument("--repeat", type=int, default=3, help="timed runs; the best is reported")
    a = p.parse_args()
    ours = measure(a.batch, a.seconds, a.repeat)
    if a.json:
        print(json.dumps(ours))
        return
    print("LeNet batch {}: {:.0f} samples/s (best of {}: {})".format(
        a.batch, ours["best"], a.repeat, ", ".join("{:.0f}".format(r) for r in ours["runs"])))
    if a.compare:
        theirs = run_other(a.compare, __file__, "--batch", a.batch, "--seconds", a.seconds, "--repeat", a.repeat)
        print("other ({}): {:.0f} samples/s (best of {}: {})".format(
            a.compare, theirs["best"], a.repeat, ", ".join("{:.0f}".format(r) for r in theirs["runs"])))
        print("ratio this/other: {:.2f}".format(ours["best"] / theirs["best"]))
        print(json.dumps({"this": ours, "other": theirs}))


if __name__ == "__main__":
    sys.exit(main())
