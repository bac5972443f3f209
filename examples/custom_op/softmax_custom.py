"""MXNet's documented custom softmax operator, written in Python, as the loss of an MNIST MLP.

    python examples/custom_op/softmax_custom.py --num-epochs 10

The operator is the one of MXNet's example/numpy-ops/custom_softmax.py: a ``mx.operator.CustomOp``
whose ``forward`` computes the softmax with NumPy and whose ``backward`` writes the softmax
cross-entropy gradient ``p - onehot(label)`` (no head gradient: ``need_top_grad=False``), and a
``mx.operator.CustomOpProp`` registered under the name "softmax" with ``mx.operator.register``.
``mx.sym.Custom(op_type="softmax")`` then replaces ``SoftmaxOutput`` at the top of the classic
784-128-64-10 MLP, trained by ``mx.mod.Module.fit`` on the real MNIST (``mx.test_utils.get_mnist()``;
``--num-examples`` takes a subset of the training set for speed). Before training, the custom
operator's output and input gradient are checked against the built-in ``SoftmaxOutput``.
Only the public MXNet 1.x API is used, so the script runs unchanged on MXNet 1.9.1.
"""
import argparse
import logging

import numpy as np

import mxnet as mx


class Softmax(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        x = in_data[0].asnumpy()
        y = np.exp(x - x.max(axis=1).reshape((x.shape[0], 1)))
        y /= y.sum(axis=1).reshape((x.shape[0], 1))
        self.assign(out_data[0], req[0], mx.nd.array(y))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        label = in_data[1].asnumpy().ravel().astype(np.int64)
        y = out_data[0].asnumpy()
        y[np.arange(label.shape[0]), label] -= 1.0
        self.assign(in_grad[0], req[0], mx.nd.array(y))


@mx.operator.register("softmax")
class SoftmaxProp(mx.operator.CustomOpProp):
    def __init__(self):
        super(SoftmaxProp, self).__init__(need_top_grad=False)

    def list_arguments(self):
        return ["data", "label"]

    def list_outputs(self):
        return ["output"]

    def infer_shape(self, in_shape):
        data_shape = in_shape[0]
        label_shape = (in_shape[0][0],)
        output_shape = in_shape[0]
        return [data_shape, label_shape], [output_shape], []

    def infer_type(self, in_type):
        return in_type, [in_type[0]], []

    def create_operator(self, ctx, shapes, dtypes):
        return Softmax()


def get_mlp(loss="custom"):
    data = mx.sym.Variable("data")
    data = mx.sym.Flatten(data=data)
    fc1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name="fc2", num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, name="relu2", act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, name="fc3", num_hidden=10)
    if loss == "custom":
        return mx.sym.Custom(data=fc3, name="softmax", op_type="softmax")
    return mx.sym.SoftmaxOutput(data=fc3, name="softmax")


def check_against_softmax_output():
    """The custom op's forward output and data gradient equal SoftmaxOutput's."""
    rng = np.random.RandomState(0)
    x = rng.randn(8, 10).astype(np.float32)
    label = rng.randint(0, 10, size=(8,)).astype(np.float32)
    results = []
    for sym in (mx.sym.Custom(data=mx.sym.Variable("data"), name="softmax", op_type="softmax"),
                mx.sym.SoftmaxOutput(data=mx.sym.Variable("data"), name="softmax")):
        ex = sym.simple_bind(mx.cpu(), data=x.shape, softmax_label=label.shape)
        ex.arg_dict["data"][:] = x
        ex.arg_dict["softmax_label"][:] = label
        ex.forward(is_train=True)
        ex.backward()
        results.append((ex.outputs[0].asnumpy(), ex.grad_dict["data"].asnumpy()))
    (out_c, grad_c), (out_b, grad_b) = results
    np.testing.assert_allclose(out_c, out_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(grad_c, grad_b, rtol=1e-5, atol=1e-6)
    print("custom softmax matches SoftmaxOutput (output and gradient)")


def get_parser():
    parser = argparse.ArgumentParser(description="Train an MLP on MNIST with a custom softmax operator",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--num-epochs", type=int, default=10, help="epochs")
    parser.add_argument("--num-examples", type=int, default=60000, help="training images used (subset)")
    parser.add_argument("--batch-size", type=int, default=100, help="batch size")
    parser.add_argument("--lr", type=float, default=0.1, help="learning rate (sgd)")
    parser.add_argument("--disp-batches", type=int, default=200, help="Speedometer period in batches")
    return parser


def main(argv=None):
    args = get_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    mx.random.seed(42)
    np.random.seed(42)
    check_against_softmax_output()

    mnist = mx.test_utils.get_mnist()
    n = args.num_examples
    train = mx.io.NDArrayIter(mnist["train_data"][:n], mnist["train_label"][:n], args.batch_size,
                              shuffle=True)
    val = mx.io.NDArrayIter(mnist["test_data"], mnist["test_label"], args.batch_size)

    mod = mx.mod.Module(get_mlp(), context=mx.cpu())
    mod.fit(train, eval_data=val, eval_metric="acc", optimizer="sgd",
            optimizer_params={"learning_rate": args.lr, "momentum": 0.9, "wd": 1e-4},
            initializer=mx.init.Xavier(factor_type="in", magnitude=2.34),
            num_epoch=args.num_epochs,
            batch_end_callback=mx.callback.Speedometer(args.batch_size, args.disp_batches))
    acc = dict(mod.score(val, mx.metric.Accuracy()))["accuracy"]
    print("test accuracy %.4f" % acc)
    return acc


if __name__ == "__main__":
    main()
