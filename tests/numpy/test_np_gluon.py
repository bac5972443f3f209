"""Gluon in np mode (npx.set_np()): blocks take and return mx.np arrays; d2l-style training."""
import numpy as onp
import pytest

import mxnet as mx
from mxnet import np, npx, autograd, gluon, init
from mxnet.gluon import nn


def test_linear_regression_concise():
    npx.random.seed(0)
    true_w, true_b = np.array([2, -3.4]), 4.2
    X = np.random.normal(0, 1, (500, 2))
    y = (np.dot(X, true_w) + true_b + np.random.normal(0, 0.01, (500,))).reshape(-1, 1)
    it = gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=10, shuffle=True)
    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(init.Normal(sigma=0.01))
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.03})
    for _ in range(3):
        for Xb, yb in it:
            with autograd.record():
                l = loss(net(Xb), yb)
            assert isinstance(l, np.ndarray)
            l.backward()
            trainer.step(10)
    final = loss(net(X), y).mean()
    assert final.shape == () and float(final) < 1e-2
    w = net[0].weight.data()
    assert isinstance(w, np.ndarray) and isinstance(net[0].weight.grad(), np.ndarray)
    onp.testing.assert_allclose((true_w - w.reshape(true_w.shape)).asnumpy(), 0, atol=0.05)


def test_linear_regression_scratch():
    npx.random.seed(1)
    X = np.random.normal(0, 1, (200, 2))
    y = np.dot(X, np.array([2, -3.4])) + 4.2
    w = np.random.normal(0, 0.01, (2, 1))
    b = np.zeros(1)
    w.attach_grad()
    b.attach_grad()
    for _ in range(5):
        for i in range(0, 200, 10):
            with autograd.record():
                l = (np.dot(X[i:i + 10], w) + b - y[i:i + 10].reshape(-1, 1)) ** 2 / 2
            l.backward()
            for p in (w, b):
                p[:] = p - 0.1 * p.grad / 10
    assert float(((np.dot(X, w) + b - y.reshape(-1, 1)) ** 2).mean()) < 1e-3


@pytest.mark.parametrize("hybridize", [False, True])
def test_softmax_regression(hybridize):
    npx.random.seed(2)
    n, d, k = 300, 4, 3
    centers = np.random.normal(0, 3, (k, d))
    labels = np.random.randint(0, k, size=(n,))
    X = centers[labels] + np.random.normal(0, 0.5, (n, d))
    net = nn.HybridSequential()
    net.add(nn.Dense(16, activation="relu"), nn.Dense(k))
    net.initialize(init.Normal(0.1))
    if hybridize:
        net.hybridize()
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    for _ in range(20):
        for i in range(0, n, 50):
            with autograd.record():
                l = loss(net(X[i:i + 50]), labels[i:i + 50])
            l.backward()
            trainer.step(50)
    out = net(X)
    assert isinstance(out, np.ndarray) and out.shape == (n, k)
    acc = float((out.argmax(axis=1) == labels).astype("float32").mean())
    assert acc > 0.9


def test_hybridized_matches_imperative_conv():
    npx.random.seed(3)
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, padding=1, activation="relu"), nn.MaxPool2D(2), nn.BatchNorm(),
            nn.Flatten(), nn.Dense(5))
    net.initialize()
    x = np.random.uniform(size=(2, 1, 6, 6))
    outs, grads = [], []
    for hyb in (False, True):
        if hyb:
            net.hybridize()
        with autograd.record():
            y = net(x)
            s = (y * y).sum()
        s.backward()
        assert isinstance(y, np.ndarray)
        outs.append(y.asnumpy())
        grads.append(net[0].weight.grad().asnumpy().copy())
    onp.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)
    onp.testing.assert_allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)


def test_custom_block_with_np_ops():
    class MLP(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = nn.Dense(8)
            self.weight = self.params.get("w", shape=(8, 2))

        def forward(self, X):
            h = npx.relu(self.hidden(X))
            return np.dot(h, self.weight.data()) + np.dot(h, self.weight.data()).sum(axis=1, keepdims=True)

    net = MLP()
    net.initialize()
    x = np.random.uniform(size=(3, 5))
    with autograd.record():
        y = net(x)
    y.backward()
    assert isinstance(y, np.ndarray) and y.shape == (3, 2)
    g = net.weight.grad().asnumpy()
    # the parameter used twice: one variable, gradients summed
    h = npx.relu(net.hidden(x)).asnumpy()
    # d/dW of sum(hW) + sum(broadcast(rowsum(hW))) = h^T 1 + 2 h^T 1
    onp.testing.assert_allclose(g, 3 * h.T @ onp.ones((3, 2)), rtol=1e-5)


def test_legacy_mode_unchanged():
    npx.reset_np()
    net = nn.Dense(2)
    net.initialize()
    y = net(mx.nd.ones((1, 3)))
    assert type(y) is mx.nd.NDArray and type(net.weight.data()) is mx.nd.NDArray


def test_hybrid_forward_with_F_npx():
    class Net(nn.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.hidden = nn.Dense(4)
                self.output = nn.Dense(2)

        def hybrid_forward(self, F, x):
            return self.output(F.npx.relu(self.hidden(x)))

    net = Net()
    net.initialize()
    x = np.random.normal(size=(3, 5))
    y1 = net(x)
    net.hybridize()
    y2 = net(x)
    assert isinstance(y1, np.ndarray) and isinstance(y2, np.ndarray)
    onp.testing.assert_allclose(y1.asnumpy(), y2.asnumpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("num_workers,thread_pool", [(0, False), (2, True)])
def test_dataloader_yields_np_arrays(num_workers, thread_pool):
    X = np.ones((10, 2))
    y = onp.arange(10, dtype="int32")          # NumPy labels come out as mx.np too
    it = gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=5, num_workers=num_workers,
                               thread_pool=thread_pool)
    for xb, yb in it:
        assert isinstance(xb, np.ndarray) and isinstance(yb, np.ndarray)
        assert xb.shape == (5, 2) and yb.dtype == onp.int32
    npx.reset_np()
    xb, yb = next(iter(gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=5)))
    assert type(xb) is mx.nd.NDArray
