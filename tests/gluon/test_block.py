"""Gluon core: Parameter, ParameterDict, Block naming, hybridize, export/imports, Trainer."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon import nn


def _net():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(8, activation="relu"), nn.Dense(3))
    return net


def test_names_and_deferred_init():
    with mx.name.NameManager():
        net = _net()
    assert net.prefix == "hybridsequential0_"
    assert list(net.collect_params().keys()) == [
        "hybridsequential0_dense0_weight", "hybridsequential0_dense0_bias",
        "hybridsequential0_dense1_weight", "hybridsequential0_dense1_bias"]
    assert list(net.collect_params(".*weight").keys())[0].endswith("dense0_weight")
    net.initialize()
    with pytest.raises(gluon.DeferredInitializationError):
        net[0].weight.data()
    net(mx.nd.ones((2, 5)))
    assert net[0].weight.shape == (8, 5) and net[1].weight.shape == (3, 8)


def test_parameter_api():
    p = gluon.Parameter("w", shape=(2, 3), init=mx.init.One())
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    assert p.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    np.testing.assert_array_equal(p.data(mx.cpu(1)).asnumpy(), np.ones((2, 3)))
    p.set_data(mx.nd.full((2, 3), 5))
    assert all((d.asnumpy() == 5).all() for d in p.list_data())
    p.zero_grad()
    assert p.grad(mx.cpu(0)).shape == (2, 3)
    p.reset_ctx(mx.cpu(2))
    assert p.list_ctx() == [mx.cpu(2)] and (p.data().asnumpy() == 5).all()
    p.cast("float64")
    assert p.data().dtype == np.float64
    with pytest.raises(ValueError):
        gluon.Parameter("x", grad_req="bogus")
    c = gluon.Constant("c", [1, 2])
    c.initialize()
    assert c.grad_req == "null" and c.data().asnumpy().tolist() == [1, 2]
    assert p.var().attr("__shape__") == "(2, 3)"


def test_hybridized_equals_imperative_with_gradients():
    net = _net()
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(0).randn(4, 5))
    grads = []
    for hybrid in (False, True):
        if hybrid:
            net.hybridize()
        with autograd.record():
            y = net(x)
            loss = (y * y).sum()
        loss.backward()
        grads.append((y.asnumpy(), [p.grad().asnumpy().copy() for p in net.collect_params().values()]))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-6)
    for a, b in zip(grads[0][1], grads[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_save_load_parameters_and_export(tmp_path):
    net = _net()
    net.initialize()
    x = mx.nd.ones((2, 5))
    ref = net(x).asnumpy()
    f = str(tmp_path / "net.params")
    net.save_parameters(f)
    assert sorted(mx.nd.load(f)) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    other = _net()
    other.load_parameters(f)
    np.testing.assert_allclose(other(x).asnumpy(), ref, rtol=1e-6)
    net.hybridize()
    net(x)
    net.export(str(tmp_path / "exp"), epoch=2)
    sb = gluon.SymbolBlock.imports(str(tmp_path / "exp-symbol.json"), ["data"], str(tmp_path / "exp-0002.params"))
    np.testing.assert_allclose(sb(x).asnumpy(), ref, rtol=1e-6)
    net.save(str(tmp_path / "whole"))
    again = _net()
    again.load(str(tmp_path / "whole"))
    np.testing.assert_allclose(again(x).asnumpy(), ref, rtol=1e-6)
    with pytest.raises(AssertionError, match="missing"):
        nn.Dense(3, in_units=2).load_parameters(f)


def test_trainer_multi_context_equals_single():
    X = np.random.RandomState(1).randn(16, 5).astype(np.float32)
    results = []
    for ctxs in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]):
        mx.random.seed(3)
        net = _net()
        net.initialize(mx.init.Xavier(), ctx=ctxs)
        tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9})
        for _ in range(3):
            parts = gluon.utils.split_and_load(mx.nd.array(X), ctxs)
            with autograd.record():
                losses = [(net(p) ** 2).sum() for p in parts]
            for l in losses:
                l.backward()
            tr.step(16)
        results.append(net[0].weight.data(ctxs[0]).asnumpy())
    np.testing.assert_allclose(results[0], results[1], rtol=1e-5, atol=1e-6)


def test_op_hook_and_optimize_for():
    net = _net()
    net.initialize()
    seen = []
    net.register_op_hook(lambda name, op, arr: seen.append((name, arr.shape)))
    out = net.optimize_for(mx.nd.ones((2, 5)))
    mx.nd.waitall()
    assert out.shape == (2, 3)
    assert [s[1] for s in seen][-1] == (2, 3)


def test_op_hook_names_as_mxnet():
    # MXNet 1.9.1 passes (output name, operator name) as bytes; monitor_all adds the inputs
    net = nn.HybridSequential(prefix="")
    net.add(nn.Dense(3, activation="relu", prefix="dense0_"), nn.Dense(2, prefix="dense1_"))
    net.initialize()
    net.hybridize()
    for monitor_all, want in ((False, [(b"dense0_fwd_output", b"FullyConnected"),
                                       (b"dense0_relu_fwd_output", b"Activation"),
                                       (b"dense1_fwd_output", b"FullyConnected")]),
                              (True, [(b"dense0_fwd_data", b"FullyConnected"),
                                      (b"dense0_fwd_weight", b"FullyConnected"),
                                      (b"dense0_fwd_bias", b"FullyConnected"),
                                      (b"dense0_fwd_output", b"FullyConnected")])):
        seen = []
        net.register_op_hook(lambda name, op, arr: seen.append((name, op)), monitor_all=monitor_all)
        net(mx.nd.ones((2, 4)))
        mx.nd.waitall()
        assert seen[:len(want)] == want


def test_block_errors():
    class Bad(gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.inner = nn.Dense(2)

    with pytest.raises(TypeError):
        b = Bad()
        b.inner = gluon.Parameter("p")
    with pytest.raises(ValueError, match="HybridBlock"):
        nn.HybridSequential().add(nn.Sequential())
    with pytest.raises(RuntimeError, match="not been initialized"):
        nn.Dense(2, in_units=3).weight.data()
