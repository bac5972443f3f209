"""The seed's MLP training loop (Symbol + simple_bind + imperative SGD) on synthetic data.

Written against the MXNet 1.x API only, so the same file runs on real MXNet 1.9.1:

    python benchmarks/mlp_exec.py                      # neomx
    ~/mxref/bin/python benchmarks/mlp_exec.py          # real MXNet
    python benchmarks/mlp_exec.py --compare ~/mxref/bin/python   # both, with ratios

Reports samples/s for batch sizes 32, 128 and 512, each the best of ``--repeat`` runs of
``--seconds`` (the same for every column: this 2-core VM varies a lot between runs). With
``--compare`` the other interpreter stays up (``--serve``) and the columns take turns, batch
size by batch size, so a drift of the VM's speed hits both libraries alike; it also times a
hand-written NumPy loop of the same math in the same rotation (``numpy loop``, which computes
the data gradient the seed binds with grad_req='write' and never reads; neomx computes that
gradient only when it is read, see docs/architecture.md).
"""
import argparse
import json

import numpy as np

import mxnet as mx
from _compare import Other, interleaved, serve, throughput


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

    return throughput(step, batch, seconds, sync=mx.nd.waitall)


def run_numpy(batch, seconds=2.0):
    """The same training step written by hand in NumPy (forward, backward incl. the data
    gradient the executor also computes, SGD): the bound a NumPy-based executor can approach."""
    rng = np.random.RandomState(0)
    w1 = (rng.randn(128, 784) * 0.02).astype(np.float32)
    b1 = np.zeros(128, np.float32)
    w2 = (rng.randn(10, 128) * 0.02).astype(np.float32)
    b2 = np.zeros(10, np.float32)
    x = rng.rand(batch, 784).astype(np.float32)
    y = rng.randint(0, 10, batch)
    rows = np.arange(batch)
    lr = np.float32(0.1 / batch)

    def step():
        h = x @ w1.T + b1
        a = np.maximum(h, 0)
        o = a @ w2.T + b2
        e = np.exp(o - o.max(axis=1, keepdims=True))
        g = e / e.sum(axis=1, keepdims=True)
        g[rows, y] -= 1
        gw2, gb2 = g.T @ a, g.sum(axis=0)
        gh = (g @ w2) * (h > 0)
        gw1, gb1 = gh.T @ x, gh.sum(axis=0)
        gh @ w1                         # the data gradient
        for w, gw in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2)):
            w[:] = w - gw * lr

    return throughput(step, batch, seconds)


def best(fn, batch, repeat, seconds):
    return max(fn(batch, seconds) for _ in range(repeat))


def measure(repeat, seconds):
    return {str(b): best(run, b, repeat, seconds) for b in (32, 128, 512)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compare", help="another Python interpreter (e.g. one with real MXNet)")
    p.add_argument("--json", action="store_true", help="print only a JSON line")
    p.add_argument("--serve", action="store_true", help="measure batch sizes read from stdin (for --compare)")
    p.add_argument("--repeat", type=int, default=3, help="runs per batch size; the best is reported")
    p.add_argument("--seconds", type=float, default=1.0, help="length of one run")
    a = p.parse_args()
    if a.serve:
        serve(lambda case: run(case["batch"], case["seconds"]))
        return
    if not a.compare:
        ours = measure(a.repeat, a.seconds)
        if a.json:
            print(json.dumps(ours))
            return
        print("{:>8} {:>14}".format("batch", "samples/s"))
        for b, v in ours.items():
            print("{:>8} {:>14.0f}".format(b, v))
        return
    # Both libraries (and the NumPy loop) take turns, batch size by batch size, ``repeat`` times:
    # each column is the best of its runs, all from the same stretch of time.
    other = Other(a.compare, __file__)
    try:
        res = interleaved([32, 128, 512], lambda b: run(b, a.seconds),
                          lambda b: other.measure({"batch": b, "seconds": a.seconds}),
                          lambda b: run_numpy(b, a.seconds), a.repeat)
    finally:
        other.close()
    ours, theirs, numpy_loop = res["this"], res["other"], res["extra"]
    print("{:>8} {:>14} {:>14} {:>8} {:>14} {:>12}".format(
        "batch", "this", "other", "ratio", "numpy loop", "numpy/other"))
    for b in ours:
        print("{:>8} {:>14.0f} {:>14.0f} {:>8.2f} {:>14.0f} {:>12.2f}".format(
            b, ours[b], theirs[b], ours[b] / theirs[b], numpy_loop[b], numpy_loop[b] / theirs[b]))
    print(json.dumps({"this": ours, "other": theirs, "numpy_loop": numpy_loop}))


if __name__ == "__main__":
    main()
