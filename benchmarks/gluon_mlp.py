"""Gluon training loop: MLP 784-128-64-10, autograd.record + backward + Trainer('sgd').step, on
synthetic data, imperative and hybridized.

Written against the MXNet 1.x API only, so the same file runs on real MXNet 1.9.1:

    python benchmarks/gluon_mlp.py                                  # neomx
    ~/mxref/bin/python benchmarks/gluon_mlp.py                      # real MXNet
    python benchmarks/gluon_mlp.py --compare ~/mxref/bin/python     # both, with ratios

Reports training samples/s (best of --repeat runs of --seconds each) for batch 128 (--batch);
with --compare the two libraries' runs alternate (the other interpreter stays up, --serve).
"""
import argparse
import json

import numpy as np

import mxnet as mx
from _compare import Other, interleaved, serve, throughput
from mxnet import autograd, gluon
from mxnet.gluon import nn


def build():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(128, activation="relu"))
        net.add(nn.Dense(64, activation="relu"))
        net.add(nn.Dense(10))
    return net


def run(batch, hybridize, seconds):
    mx.random.seed(0)
    net = build()
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05, "momentum": 0.9})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.rand(batch, 784).astype(np.float32))
    y = mx.nd.array(rng.randint(0, 10, batch).astype(np.float32))

    def step():
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(batch)

    return throughput(step, batch, seconds, sync=mx.nd.waitall)


def measure(batch, repeat, seconds):
    return {mode: max(run(batch, mode == "hybridized", seconds) for _ in range(repeat))
            for mode in ("imperative", "hybridized")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compare", help="another Python interpreter (e.g. one with real MXNet)")
    p.add_argument("--json", action="store_true", help="print only a JSON line")
    p.add_argument("--serve", action="store_true", help="measure cases read from stdin (for --compare)")
    p.add_argument("--batch", type=int, default=128, help="batch size")
    p.add_argument("--repeat", type=int, default=3, help="runs per mode; the best is reported")
    p.add_argument("--seconds", type=float, default=2.0, help="length of one run")
    a = p.parse_args()
    if a.serve:
        serve(lambda case: run(case["batch"], case["mode"] == "hybridized", case["seconds"]))
        return
    if not a.compare:
        ours = measure(a.batch, a.repeat, a.seconds)
        if a.json:
            print(json.dumps(ours))
            return
        print("batch %d, samples/s (best of %d)" % (a.batch, a.repeat))
        for mode, v in ours.items():
            print("{:>12} {:>12.0f}".format(mode, v))
        return
    # the two libraries take turns, mode by mode, ``repeat`` times (see _compare.interleaved)
    other = Other(a.compare, __file__)
    try:
        res = interleaved(["imperative", "hybridized"],
                          lambda m: run(a.batch, m == "hybridized", a.seconds),
                          lambda m: other.measure({"batch": a.batch, "mode": m, "seconds": a.seconds}),
                          repeat=a.repeat)
    finally:
        other.close()
    ours, theirs = res["this"], res["other"]
    print("batch %d, samples/s (best of %d, alternating)" % (a.batch, a.repeat))
    print("{:>12} {:>12} {:>12} {:>8}".format("mode", "this", "other", "ratio"))
    for mode in ours:
        print("{:>12} {:>12.0f} {:>12.0f} {:>8.2f}".format(mode, ours[mode], theirs[mode], ours[mode] / theirs[mode]))
    print(json.dumps({"this": ours, "other": theirs}))


if __name__ == "__main__":
    main()
