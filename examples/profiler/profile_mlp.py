"""Profile a few training steps of an MLP with ``mx.profiler``.

    python examples/profiler/profile_mlp.py --steps 5 --filename profile_mlp.json
    python examples/profiler/profile_mlp.py --api module      # the symbolic Module instead of Gluon

``mx.profiler.set_config`` (all events, aggregate statistics, a Chrome-trace ``filename``) and
``mx.profiler.set_state('run')`` / ``set_state('stop')`` bracket a few training steps of the classic
784-128-64-10 MLP on random data: by default a Gluon ``nn.Sequential`` of ``Dense`` layers trained
imperatively with ``autograd`` and a ``Trainer`` (as MXNet's profiler tutorial does), or with
``--api module`` the same network as a symbol bound in ``mx.mod.Module`` (MXNet only shows the
graph executor's individual operators with ``MXNET_EXEC_BULK_EXEC_TRAIN=0``, which this script
sets before importing mxnet). ``mx.profiler.dump()`` writes the trace file (open it in
chrome://tracing or Perfetto), ``mx.profiler.dumps()`` prints the aggregate table, and the script
checks that the trace holds FullyConnected events.
Only the public MXNet 1.x API is used, so it runs unchanged on MXNet 1.9.1.
"""
import argparse
import collections
import json
import os

os.environ.setdefault("MXNET_EXEC_BULK_EXEC_TRAIN", "0")   # per-operator events from the executor

import numpy as np  # noqa: E402

import mxnet as mx  # noqa: E402
from mxnet import autograd, gluon  # noqa: E402


def get_mlp_symbol():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name="fc2", num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, name="relu2", act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, name="fc3", num_hidden=10)
    return mx.sym.SoftmaxOutput(data=fc3, name="softmax")


def gluon_steps(x, y, steps):
    """Returns a function running ``steps`` imperative Gluon training steps."""
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(128, activation="relu"), gluon.nn.Dense(64, activation="relu"), gluon.nn.Dense(10))
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    net(x).wait_to_read()     # deferred initialisation happens outside the profiled region

    def run():
        for _ in range(steps):
            with autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
            trainer.step(x.shape[0])
    return run


def module_steps(x, y, steps):
    """Returns a function running ``steps`` forward/backward/update steps of a Module."""
    batch = mx.io.DataBatch(data=[x], label=[y])
    mod = mx.mod.Module(get_mlp_symbol(), context=mx.cpu())
    mod.bind(data_shapes=[("data", x.shape)], label_shapes=[("softmax_label", y.shape)])
    mod.init_params(initializer=mx.init.Xavier())
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1})
    metric = mx.metric.Accuracy()

    def run():
        for _ in range(steps):
            mod.forward_backward(batch)
            mod.update()
            mod.update_metric(metric, batch.label)
    return run


def get_parser():
    parser = argparse.ArgumentParser(description="Profile MLP training steps with mx.profiler",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--api", choices=["gluon", "module"], default="gluon", help="how the MLP is trained")
    parser.add_argument("--steps", type=int, default=5, help="training steps to profile")
    parser.add_argument("--batch-size", type=int, default=64, help="batch size")
    parser.add_argument("--filename", type=str, default="profile_mlp.json", help="trace file written by dump()")
    return parser


def main(argv=None):
    args = get_parser().parse_args(argv)
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.rand(args.batch_size, 784))
    y = mx.nd.array(rng.randint(0, 10, size=(args.batch_size,)))
    run = (gluon_steps if args.api == "gluon" else module_steps)(x, y, args.steps)

    mx.profiler.set_config(profile_all=True, aggregate_stats=True, filename=args.filename)
    mx.profiler.set_state("run")
    run()
    mx.nd.waitall()
    mx.profiler.set_state("stop")
    mx.profiler.dump()
    print(mx.profiler.dumps())

    with open(args.filename) as f:
        trace = json.load(f)
    counts = collections.Counter(e.get("name", "") for e in trace["traceEvents"])
    result = {"events": sum(counts.values()), "FullyConnected": counts["FullyConnected"],
              "_backward_FullyConnected": counts["_backward_FullyConnected"]}
    print("trace %s: %d events, %d FullyConnected, %d _backward_FullyConnected"
          % (args.filename, result["events"], result["FullyConnected"], result["_backward_FullyConnected"]))
    assert result["FullyConnected"] > 0, "no FullyConnected events in the trace"
    return result


if __name__ == "__main__":
    main()
