"""The seed's MNIST MLP, written with Symbol + Executor and an imperative SGD update.

    python examples/seed/mnist_executor.py [--epochs 10] [--lr 0.1]

Reads MNIST from data/mnist (the four idx .gz files). Reaches >= 97% test accuracy in 10 epochs.
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST_DIR = os.path.join(HERE, "..", "..", "data", "mnist")


def read_idx(name):
    """An idx file (MNIST's format) as a NumPy array."""
    with gzip.open(os.path.join(MNIST_DIR, name), "rb") as f:
        raw = f.read()
    _, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_mnist():
    x_train = read_idx("train-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y_train = read_idx("train-labels-idx1-ubyte.gz").astype(np.float32)
    x_test = read_idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255
    y_test = read_idx("t10k-labels-idx1-ubyte.gz").astype(np.float32)
    return x_train, y_train, x_test, y_test


def build_net():
    """The seed's network: explicit variables for layer 1, auto-created ones for layer 2."""
    data = mx.sym.Variable("data")
    w1 = mx.sym.Variable("layer1_weight")
    b1 = mx.sym.Variable("layer1_bias")
    label = mx.sym.Variable("softmax_label")
    l1 = mx.sym.FullyConnected(data=data, num_hidden=128, name="layer1", weight=w1, bias=b1)
    a1 = mx.sym.Activation(data=l1, act_type="relu", name="act1")
    l2 = mx.sym.FullyConnected(data=a1, num_hidden=10, name="layer2")
    return mx.sym.SoftmaxOutput(data=l2, label=label, name="softmax")


def main(epochs=10, lr=0.5, batch_size=128, seed=0, verbose=True):
    np.random.seed(seed)
    x_train, y_train, x_test, y_test = load_mnist()
    net = build_net()
    ctx = mx.cpu()
    executor = net.simple_bind(ctx=ctx, grad_req="write", data=(batch_size, 784), softmax_label=(batch_size,))
    # a test executor sharing the weights (and the data/label buffers) of the training one
    test_exec = net.bind(ctx=ctx, args=executor.arg_arrays, grad_req="null")
    for name, r in zip(net.list_arguments(), executor.arg_arrays):
        if name not in ("data", "softmax_label"):
            r[:] = np.random.randn(*r.shape) * 0.02
    n_train = (len(x_train) // batch_size) * batch_size
    acc = 0.0
    for epoch in range(epochs):
        start = time.time()
        perm = np.random.permutation(len(x_train))[:n_train]
        for i in range(0, n_train, batch_size):
            idx = perm[i:i + batch_size]
            executor.arg_dict["data"][:] = x_train[idx]
            executor.arg_dict["softmax_label"][:] = y_train[idx]
            executor.forward(is_train=True)
            executor.backward()
            for name, W, G in zip(net.list_arguments(), executor.arg_arrays, executor.grad_arrays):
                if name in ("data", "softmax_label"):
                    continue
                W[:] = W - G * (lr / batch_size)
        correct = 0
        n_test = (len(x_test) // batch_size) * batch_size
        for i in range(0, n_test, batch_size):
            test_exec.arg_dict["data"][:] = x_test[i:i + batch_size]
            prob = test_exec.forward(is_train=False)[0].asnumpy()
            correct += int((prob.argmax(axis=1) == y_test[i:i + batch_size]).sum())
        acc = correct / n_test
        if verbose:
            print("epoch %d: test accuracy %.4f (%.1fs)" % (epoch, acc, time.time() - start))
    return acc


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.5)
    p.add_argument("--batch-size", type=int, default=128)
    a = p.parse_args()
    final = main(a.epochs, a.lr, a.batch_size)
    print("final test accuracy: %.4f" % final)
