"""Train an MLP or LeNet on MNIST with ``mx.mod.Module.fit`` (the flags of MXNet's own script).

    python examples/image_classification/train_mnist.py --network mlp --num-epochs 10
    python examples/image_classification/train_mnist.py --network lenet --num-epochs 10 --lr 0.05

Reads the real MNIST in data/mnist/. Logs Speedometer lines while training (and a tqdm progress
bar when tqdm is installed), the validation accuracy after each epoch, and optionally saves the
learning curves (``--plot curves.png``, needs matplotlib) and checkpoints (``--model-prefix``).
"""
import argparse
import logging
import os
import sys

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "..", "..", "data", "mnist")


def get_mlp(num_classes=10):
    """The classic 784-128-64-10 MLP."""
    data = mx.sym.Variable("data")
    data = mx.sym.Flatten(data=data)
    fc1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name="fc2", num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, name="relu2", act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, name="fc3", num_hidden=num_classes)
    return mx.sym.SoftmaxOutput(data=fc3, name="softmax")


def get_lenet(num_classes=10):
    """LeNet-5: two conv/tanh/max-pool stages, then FC 500 and FC 10."""
    data = mx.sym.Variable("data")
    conv1 = mx.sym.Convolution(data=data, kernel=(5, 5), num_filter=20, name="conv1")
    tanh1 = mx.sym.Activation(data=conv1, act_type="tanh", name="tanh1")
    pool1 = mx.sym.Pooling(data=tanh1, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    conv2 = mx.sym.Convolution(data=pool1, kernel=(5, 5), num_filter=50, name="conv2")
    tanh2 = mx.sym.Activation(data=conv2, act_type="tanh", name="tanh2")
    pool2 = mx.sym.Pooling(data=tanh2, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    flatten = mx.sym.Flatten(data=pool2)
    fc1 = mx.sym.FullyConnected(data=flatten, num_hidden=500, name="fc1")
    tanh3 = mx.sym.Activation(data=fc1, act_type="tanh", name="tanh3")
    fc2 = mx.sym.FullyConnected(data=tanh3, num_hidden=num_classes, name="fc2")
    return mx.sym.SoftmaxOutput(data=fc2, name="softmax")


def get_iterators(batch_size, flat, kv=None):
    def path(name):
        return os.path.join(DATA_DIR, name)
    # with a distributed KVStore each worker reads its own shard of the training set
    parts = dict(num_parts=kv.num_workers, part_index=kv.rank) if kv is not None else {}
    train = mx.io.MNISTIter(image=path("train-images-idx3-ubyte.gz"), label=path("train-labels-idx1-ubyte.gz"),
                            batch_size=batch_size, shuffle=True, flat=flat, seed=10, **parts)
    val = mx.io.MNISTIter(image=path("t10k-images-idx3-ubyte.gz"), label=path("t10k-labels-idx1-ubyte.gz"),
                          batch_size=batch_size, shuffle=False, flat=flat)
    return train, val


class _Curves:
    """Collects per-epoch train/validation accuracy for --plot."""

    def __init__(self):
        self.train, self.val = [], []

    def train_end(self, metric):
        self.train.append(dict(metric.get_name_value())["accuracy"])

    def val_end(self, param):
        self.val.append(dict(param.eval_metric.get_name_value())["accuracy"])
        logging.info("Epoch[%d] Validation-accuracy=%f", param.epoch, self.val[-1])


def _progress_bar(total):
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    bar = tqdm(total=total, unit="batch", leave=False, file=sys.stderr)

    def callback(param):
        if param.nbatch == 0:
            bar.reset()
        bar.update(1)
    return callback


def _lr_scheduler(args, kv):
    """MultiFactorScheduler stepping at --lr-step-epochs (in updates), as MXNet's fit.py does."""
    epoch_size = 60000 // args.batch_size // max(kv.num_workers, 1)
    begin = args.load_epoch or 0
    steps = [epoch_size * (int(e) - begin) for e in args.lr_step_epochs.split(",") if e and int(e) > begin]
    if not steps or args.lr_factor >= 1:
        return None
    return mx.lr_scheduler.MultiFactorScheduler(step=steps, factor=args.lr_factor, base_lr=args.lr)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="train an image classifier on mnist",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--network", default="mlp", choices=["mlp", "lenet"], help="the neural network to use")
    p.add_argument("--num-epochs", type=int, default=10, help="max num of epochs")
    p.add_argument("--batch-size", type=int, default=64, help="the batch size")
    p.add_argument("--lr", type=float, default=None,
                   help="initial learning rate (default 0.1 for mlp, 0.05 for lenet)")
    p.add_argument("--lr-factor", type=float, default=0.1, help="the ratio to reduce lr on each step")
    p.add_argument("--lr-step-epochs", default="4,7", help="the epochs to reduce the lr, e.g. 30,60")
    p.add_argument("--mom", type=float, default=0.9, help="momentum for sgd")
    p.add_argument("--wd", type=float, default=0.0001, help="weight decay for sgd")
    p.add_argument("--gpus", default=None, help="list of gpus to run, e.g. 0 or 0,2,5; empty means using cpu")
    p.add_argument("--kv-store", default="device", help="key-value store type")
    p.add_argument("--model-prefix", default=None, help="model prefix for checkpoints")
    p.add_argument("--load-epoch", type=int, default=None, help="load the model saved at this epoch")
    p.add_argument("--disp-batches", type=int, default=100, help="show progress for every n batches")
    p.add_argument("--plot", default=None, help="write the learning curves to this PNG (needs matplotlib)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.lr is None:
        args.lr = 0.1 if args.network == "mlp" else 0.05
    logging.basicConfig(level=logging.INFO, format="%(asctime)-15s %(message)s")
    logging.info("start with arguments %s", args)
    mx.random.seed(args.seed)
    net = get_mlp() if args.network == "mlp" else get_lenet()
    kv = mx.kv.create(args.kv_store)
    train, val = get_iterators(args.batch_size, flat=args.network == "mlp", kv=kv)
    ctx = [mx.gpu(int(i)) for i in args.gpus.split(",")] if args.gpus else [mx.cpu()]
    arg_params = aux_params = None
    begin_epoch = 0
    if args.load_epoch is not None:
        if not args.model_prefix:
            raise SystemExit("--load-epoch needs --model-prefix")
        _, arg_params, aux_params = mx.model.load_checkpoint(args.model_prefix, args.load_epoch)
        begin_epoch = args.load_epoch
    mod = mx.mod.Module(symbol=net, context=ctx)
    curves = _Curves()
    batch_cbs = [mx.callback.Speedometer(args.batch_size, args.disp_batches)]
    bar = _progress_bar(60000 // args.batch_size)
    if bar is not None:
        batch_cbs.append(bar)
    epoch_cbs = [lambda epoch, sym, arg, aux: curves.train_end(train_metric)]
    if args.model_prefix and kv.rank == 0:     # one writer for the checkpoints
        epoch_cbs.append(mx.callback.do_checkpoint(args.model_prefix))
    train_metric = mx.metric.Accuracy()
    mod.fit(train, eval_data=val, eval_metric=train_metric, validation_metric="acc",
            epoch_end_callback=epoch_cbs, batch_end_callback=batch_cbs, eval_end_callback=curves.val_end,
            kvstore=kv if "dist" in kv.type else args.kv_store, optimizer="sgd",
            optimizer_params={"learning_rate": args.lr, "momentum": args.mom, "wd": args.wd,
                              "lr_scheduler": _lr_scheduler(args, kv)},
            initializer=mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2),
            arg_params=arg_params, aux_params=aux_params, begin_epoch=begin_epoch, num_epoch=args.num_epochs)
    final = curves.val[-1] if curves.val else float("nan")
    print("final validation accuracy: %.4f" % final)
    if args.plot:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            logging.warning("--plot needs matplotlib; skipping the plot")
        else:
            epochs = range(begin_epoch + 1, begin_epoch + 1 + len(curves.val))
            plt.plot(epochs, curves.train, label="train")
            plt.plot(epochs, curves.val, label="validation")
            plt.xlabel("epoch")
            plt.ylabel("accuracy")
            plt.legend()
            plt.savefig(args.plot)
            logging.info("learning curves written to %s", args.plot)
    return final


if __name__ == "__main__":
    main()
