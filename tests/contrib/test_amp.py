"""mxnet.contrib.amp: operator patching, graph conversion, dynamic loss scaling."""
import json

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.contrib import amp
from mxnet.contrib.amp.loss_scaler import LossScaler


@pytest.fixture
def amp_on():
    amp.init()
    yield
    amp._reset()


def _nodes(sym):
    return [(n["op"], n["name"], n.get("attrs", {}).get("dtype"), n.get("attrs", {}).get("__dtype__"))
            for n in json.loads(sym.tojson())["nodes"]]


def test_lists():
    assert amp.list_lp16_ops("float16") == ["Convolution", "Deconvolution", "FullyConnected", "RNN"]
    assert amp.list_lp16_ops("bfloat16") == ["Convolution", "FullyConnected"]
    assert ("Activation", "act_type", ["softrelu"]) in amp.list_conditional_fp32_ops("float16")
    assert amp.list_loss_output_functions("float16") == [
        "SoftmaxOutput", "LinearRegressionOutput", "LogisticRegressionOutput", "MAERegressionOutput"]
    assert amp.list_lp16_use_fp32_params("float16") is None
    assert "BatchNorm" in amp.list_lp16_use_fp32_params("bfloat16")
    assert "exp" in amp.list_fp32_ops("float16") and "softmax" in amp.list_fp32_ops("float16")
    assert "elemwise_add" in amp.list_widest_type_cast("float16")
    assert "relu" in amp.list_lp16_fp32_ops("float16")
    for name in amp.list_fp32_ops("float16") + amp.list_widest_type_cast("float16"):
        assert mx.ops.registry.find_op(name) is not None


def test_init_patches_ndarray_and_restores(amp_on):
    x, w = mx.nd.ones((2, 3)), mx.nd.ones((4, 3))
    y = mx.nd.FullyConnected(x, w, num_hidden=4, no_bias=True)
    assert y.dtype == np.float16
    assert mx.nd.exp(y).dtype == np.float32                       # fp32 op
    assert mx.nd.elemwise_add(y, mx.nd.ones((2, 4))).dtype == np.float32   # widest type
    assert mx.nd.elemwise_add(y, y).dtype == np.float16
    assert mx.nd.Activation(y, act_type="relu").dtype == np.float16
    assert mx.nd.Activation(y, act_type="softrelu").dtype == np.float32   # conditional fp32
    amp._reset()
    assert mx.nd.FullyConnected(x, w, num_hidden=4, no_bias=True).dtype == np.float32


def test_init_patches_symbol(amp_on):
    s = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=4, name="fc")
    ops = [n["op"] for n in json.loads(s.tojson())["nodes"]]
    assert ops.count("amp_cast") == 3
    _, out, _ = s.infer_type(data="float32", fc_weight="float32", fc_bias="float32")
    assert out == [np.float16]
    m = mx.sym.elemwise_add(s, mx.sym.var("b"))
    assert "amp_multicast" in [n["op"] for n in json.loads(m.tojson())["nodes"]]


def _graph():
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=4, name="fc")
    act = mx.sym.Activation(fc, act_type="relu", name="relu")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    x = mx.sym.elemwise_add(fc2, act.slice_axis(axis=1, begin=0, end=3), name="add")
    e = mx.sym.exp(x, name="exp")
    return mx.sym.softmax(e, name="sm")


# node lists as MXNet 1.9.1 produces them (tojson(remove_amp_cast=False))
ORACLE_NODES = [
    ("null", "data", None, None), ("amp_cast", "data_amp_cast_float16", "float16", None),
    ("null", "fc_weight", None, "0"), ("amp_cast", "fc_weight_amp_cast_float16", "float16", None),
    ("null", "fc_bias", None, "0"), ("amp_cast", "fc_bias_amp_cast_float16", "float16", None),
    ("FullyConnected", "fc", None, None), ("Activation", "relu", None, None),
    ("null", "fc2_weight", None, "0"), ("amp_cast", "fc2_weight_amp_cast_float16", "float16", None),
    ("null", "fc2_bias", None, "0"), ("amp_cast", "fc2_bias_amp_cast_float16", "float16", None),
    ("FullyConnected", "fc2", None, None), ("slice_axis", "slice_axis0", None, None),
    ("elemwise_add", "add", None, None),
    ("amp_cast", "add_output_amp_cast_float32", "float32", None),
    ("exp", "exp", None, None), ("softmax", "sm", None, None)]
ORACLE_NODES_OPTIONAL = [
    ("null", "data", None, None), ("amp_cast", "data_amp_cast_float16", "float16", None),
    ("null", "fc_weight", None, "2"), ("null", "fc_bias", None, "2"),
    ("FullyConnected", "fc", None, None), ("Activation", "relu", None, None),
    ("null", "fc2_weight", None, "2"), ("null", "fc2_bias", None, "2"),
    ("FullyConnected", "fc2", None, None), ("slice_axis", "slice_axis0", None, None),
    ("elemwise_add", "add", None, None),
    ("amp_cast", "add_output_amp_cast_float32", "float32", None),
    ("exp", "exp", None, None), ("softmax", "sm", None, None)]


def test_convert_symbol_matches_mxnet():
    with mx.name.NameManager():
        g = _graph()
    s = amp.convert_symbol(g, data_names=["data"])
    assert _nodes(s) == ORACLE_NODES
    internals = s.get_internals()
    _, types, _ = internals.infer_type(**{n: "float32" for n in g.list_inputs()})
    got = dict(zip(internals.list_outputs(), types))
    assert got["fc_output"] == np.float16 and got["add_output"] == np.float16
    assert got["exp_output"] == np.float32 and got["sm_output"] == np.float32
    s2 = amp.convert_symbol(g, data_names=["data"], cast_optional_params=True)
    assert _nodes(s2) == ORACLE_NODES_OPTIONAL
    # excluded names run in float32
    s3 = amp.convert_symbol(g, data_names=["data"], excluded_sym_names=["fc", "fc2"])
    assert "amp_cast" not in [n[0] for n in _nodes(s3)]


def test_convert_model_casts_params():
    with mx.name.NameManager():
        g = _graph()
    args = {"fc_weight": mx.nd.ones((4, 5)), "fc_bias": mx.nd.zeros((4,)),
            "fc2_weight": mx.nd.ones((3, 4)), "fc2_bias": mx.nd.zeros((3,))}
    s, a, _ = amp.convert_model(g, args, {}, cast_optional_params=True)
    assert all(v.dtype == np.float16 for v in a.values())
    s, a, _ = amp.convert_model(g, args, {})
    assert all(v.dtype == np.float32 for v in a.values())


def test_loss_scaler_sequence():
    p = gluon.Parameter("w", shape=(2,))
    p.initialize()
    ls = LossScaler()
    ls._scale_seq_len = 3
    seq = []
    for bad in [True, True, False, False, False, False, True, False]:
        p.grad()[:] = np.inf if bad else 1.0
        seq.append((ls.has_overflow([p]), ls.loss_scale))
    assert seq == [(True, 65536.0), (True, 32768.0), (False, 16384.0), (False, 16384.0),
                   (False, 16384.0), (False, 32768.0), (True, 32768.0), (False, 16384.0)]
    assert LossScaler()._scale_seq_len == 2000 and LossScaler()._max_loss_scale == 2.**24


@pytest.mark.filterwarnings("ignore:overflow encountered")   # (the forced float16 overflow)
def test_gluon_training_with_amp(amp_on):
    mx.random.seed(0)
    np.random.seed(0)
    X = np.random.randn(64, 8).astype("float32")
    Y = (X[:, :4].sum(1) > 0).astype("float32")
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(16, activation="relu"), gluon.nn.Dense(2))
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    amp.init_trainer(trainer)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    x, y = mx.nd.array(X), mx.nd.array(Y)
    assert net(x).dtype == np.float16
    losses = []
    for _ in range(30):
        with autograd.record():
            loss = loss_fn(net(x), y)
            with amp.scale_loss(loss, trainer) as scaled:
                assert abs(float(scaled.mean().asscalar()) / float(loss.mean().asscalar())
                           - trainer._amp_loss_scaler.loss_scale) < 1e-2 * 65536
                autograd.backward(scaled)
        trainer.step(64)
        losses.append(float(loss.mean().asscalar()))
    assert losses[-1] < 0.3 < losses[0]
    # forced overflow: the update is skipped and the scale halves
    w = net[0].weight.data().copy()
    scale = trainer._amp_loss_scaler.loss_scale
    with autograd.record():
        loss = loss_fn(net(x), y)
        with amp.scale_loss(loss, trainer) as scaled:
            autograd.backward(scaled)
    net[0].weight.grad()[:] = np.inf
    trainer.step(64)
    assert np.array_equal(net[0].weight.data().asnumpy(), w.asnumpy())
    assert trainer._amp_loss_scaler._next_loss_scale == scale / 2


def test_unscale(amp_on):
    net = gluon.nn.Dense(2, in_units=3)
    net.initialize(mx.init.One())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    amp.init_trainer(trainer)
    with autograd.record():
        out = net(mx.nd.ones((1, 3)) * 0.0625).astype("float32").sum() * 0.25
        with amp.scale_loss(out, trainer) as scaled:
            scaled.backward()
    assert float(net.weight.grad()[0, 0].asscalar()) == 1024.0
    amp.unscale(trainer)
    assert float(net.weight.grad()[0, 0].asscalar()) == 0.015625 and trainer._scale == 1.0


def test_convert_hybrid_block_close_to_fp32():
    mx.random.seed(1)
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(16, activation="relu"), gluon.nn.Dense(4))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.array(np.random.RandomState(0).randn(5, 8))
    ref = net(x).asnumpy()
    for cop in (False, True):
        conv = amp.convert_hybrid_block(net, cast_optional_params=cop)
        out = conv(x)
        assert out.dtype == np.float16
        np.testing.assert_allclose(out.asnumpy().astype("float32"), ref, rtol=1e-2, atol=1e-2)
        dts = {np.dtype(p.dtype).type for p in conv.collect_params().values()}
        assert dts == ({np.float16} if cop else {np.float32})
