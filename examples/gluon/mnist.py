"""Train a Gluon MLP or a hybridized LeNet on MNIST with autograd and a Trainer.

    python examples/gluon/mnist.py --model mlp --epochs 10
    python examples/gluon/mnist.py --model lenet --epochs 5

Reads the real MNIST in data/mnist/ through ``gluon.data.vision.MNIST`` and a ``DataLoader``;
prints the loss and the train/test accuracy after each epoch (and shows a progress bar when tqdm is
installed). Written against the MXNet 1.x API only: it runs unchanged on Apache MXNet 1.9.1.
"""
import argparse
import os
import sys
import time

import numpy as np

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon import nn
from mxnet.gluon.data.vision import transforms

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(HERE, "..", "..", "data", "mnist")


def mlp():
    """784-256-128-10 with ReLU (Dense flattens the (1, 28, 28) images)."""
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(256, activation="relu"))
        net.add(nn.Dense(128, activation="relu"))
        net.add(nn.Dense(10))
    return net


def lenet():
    """LeNet: two 5x5 conv/ReLU/2x2 max-pool stages, Dense 500 with ReLU, Dense 10."""
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(20, kernel_size=5, activation="relu"))
        net.add(nn.MaxPool2D(pool_size=2, strides=2))
        net.add(nn.Conv2D(50, kernel_size=5, activation="relu"))
        net.add(nn.MaxPool2D(pool_size=2, strides=2))
        net.add(nn.Flatten())
        net.add(nn.Dense(500, activation="relu"))
        net.add(nn.Dense(10))
    return net


def _read_idx(path):
    """An IDX file (gzip-compressed or not) as a NumPy array."""
    import gzip
    import struct
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    shape = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def mnist_dataset(root, train):
    """``gluon.data.vision.MNIST``; if that fails (MXNet 1.9.1 insists on the SHA-1 of the .gz files it
    publishes and tries to download them again), the same samples from the IDX files in ``root``."""
    try:
        return gluon.data.vision.MNIST(root=root, train=train)
    except Exception as e:  # noqa: BLE001 - any download/check failure
        print("gluon.data.vision.MNIST failed (%s); reading the IDX files directly" % str(e).splitlines()[0][:100])
    prefix = "train" if train else "t10k"
    images = _read_idx(os.path.join(root, prefix + "-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(root, prefix + "-labels-idx1-ubyte.gz")).astype(np.int32)
    return gluon.data.ArrayDataset(mx.nd.array(images[..., None], dtype=np.uint8), labels)


def data_loaders(batch_size, root):
    """Loaders of (batch, 28, 28, 1) uint8 images and int32 labels."""
    train = mnist_dataset(root, train=True)
    test = mnist_dataset(root, train=False)
    return (gluon.data.DataLoader(train, batch_size=batch_size, shuffle=True, last_batch="discard"),
            gluon.data.DataLoader(test, batch_size=batch_size, shuffle=False))


# ToTensor: (N, 28, 28, 1) uint8 -> (N, 1, 28, 28) float32 in [0, 1]; then the usual MNIST mean/std.
# Applied to whole batches (one call per batch instead of one per image).
_prepare = transforms.Compose([transforms.ToTensor(), transforms.Normalize(0.13, 0.31)])


def prepare(data, ctx):
    return _prepare(data.as_in_context(ctx))


def evaluate(net, loader, ctx):
    metric = mx.metric.Accuracy()
    for data, label in loader:
        out = net(prepare(data, ctx))
        metric.update([label.as_in_context(ctx)], [out])
    return metric.get()[1]


def _progress(loader, desc):
    try:
        from tqdm import tqdm
    except ImportError:
        return loader
    return tqdm(loader, desc=desc, unit="batch", leave=False, file=sys.stderr)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="MNIST with Gluon", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="mlp", choices=["mlp", "lenet"], help="the network")
    p.add_argument("--epochs", type=int, default=None, help="epochs (default: 10 for mlp, 5 for lenet)")
    p.add_argument("--batch-size", type=int, default=100, help="samples per batch")
    p.add_argument("--lr", type=float, default=None, help="SGD learning rate (default: 0.1 mlp, 0.05 lenet)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum")
    p.add_argument("--wd", type=float, default=1e-4, help="weight decay")
    p.add_argument("--no-hybridize", action="store_true", help="run imperatively")
    p.add_argument("--gpu", action="store_true", help="train on mx.gpu(0)")
    p.add_argument("--data-dir", default=DATA_DIR, help="folder with the four MNIST .gz files")
    p.add_argument("--seed", type=int, default=42, help="random seed")
    return p.parse_args(argv)


def main(argv=None):
    """Train; returns the final test accuracy."""
    args = parse_args(argv)
    epochs = args.epochs if args.epochs is not None else (10 if args.model == "mlp" else 5)
    lr = args.lr if args.lr is not None else (0.1 if args.model == "mlp" else 0.05)
    mx.random.seed(args.seed)
    np.random.seed(args.seed)
    ctx = mx.gpu(0) if args.gpu else mx.cpu()

    net = mlp() if args.model == "mlp" else lenet()
    net.initialize(mx.init.Xavier(magnitude=2.24), ctx=ctx)
    if not args.no_hybridize:
        net.hybridize()
    train_data, test_data = data_loaders(args.batch_size, args.data_dir)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    steps_per_epoch = 60000 // args.batch_size
    # learning rate x0.3 every third of the run
    schedule = mx.lr_scheduler.FactorScheduler(step=max(1, steps_per_epoch * max(1, epochs // 3)), factor=0.3,
                                               base_lr=lr)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"momentum": args.momentum, "wd": args.wd,
                                                          "lr_scheduler": schedule})
    metric = mx.metric.Accuracy()
    start = time.time()
    test_acc = float("nan")
    for epoch in range(epochs):
        tic = time.time()
        metric.reset()
        total_loss, n = 0.0, 0
        for data, label in _progress(train_data, "epoch %d" % epoch):
            data = prepare(data, ctx)
            label = label.as_in_context(ctx)
            with autograd.record():
                out = net(data)
                loss = loss_fn(out, label)
            loss.backward()
            trainer.step(data.shape[0])
            metric.update([label], [out])
            total_loss += float(loss.sum().asscalar())
            n += data.shape[0]
        train_acc = metric.get()[1]
        test_acc = evaluate(net, test_data, ctx)
        print("[epoch %d] loss=%.4f train-acc=%.4f test-acc=%.4f lr=%.4g time=%.1fs" % (
            epoch, total_loss / n, train_acc, test_acc, trainer.learning_rate, time.time() - tic))
        sys.stdout.flush()
    print("final test accuracy (%s): %.4f after %d epochs in %.1fs" % (args.model, test_acc, epochs,
                                                                     time.time() - start))
    return test_acc


if __name__ == "__main__":
    main()
