"""The seed's FeedForward program: an MLP on MNIST with ``mx.model.FeedForward.fit``.

    python examples/seed/mnist_feedforward.py [--epochs 10] [--lr 0.1]

NumPy arrays in, the classic API: FeedForward(symbol, num_epoch, ctx, learning_rate=...)
then fit(X, y, eval_data=(Xv, yv), eval_metric="acc", logger=logger).
"""
import argparse
import logging
import os
import sys

import mxnet as mx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mnist_executor import load_mnist  # noqa: E402


def build_net():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name="fc2", num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, name="relu2", act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, name="fc3", num_hidden=10)
    return mx.sym.SoftmaxOutput(data=fc3, name="softmax")


def main(epochs=10, lr=0.1):
    logging.basicConfig(level=logging.INFO, format="%(asctime)-15s %(message)s")
    logger = logging.getLogger()
    mx.random.seed(0)
    x_train, y_train, x_test, y_test = load_mnist()
    model = mx.model.FeedForward(symbol=build_net(), num_epoch=epochs, ctx=mx.cpu(), learning_rate=lr,
                                 momentum=0.9, wd=0.0001, numpy_batch_size=100,
                                 initializer=mx.init.Xavier(factor_type="in", magnitude=2.34))
    model.fit(X=x_train, y=y_train, eval_data=(x_test, y_test), eval_metric="acc", logger=logger,
              batch_end_callback=mx.callback.Speedometer(100, 200))
    prob = model.predict(x_test)
    acc = float((prob.argmax(axis=1) == y_test).mean())
    print("final test accuracy: %.4f" % acc)
    return acc


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.1)
    a = p.parse_args()
    main(a.epochs, a.lr)
