"""mx.contrib.quantization: graph rewrite, calibration and quantize_model on the LeNet checkpoint."""
import json
import os

import numpy as np
import pytest

import mxnet as mx

M = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "models")


@pytest.fixture(scope="module")
def lenet():
    sym, arg, aux = mx.model.load_checkpoint(os.path.join(M, "lenet"), 1)
    io = np.load(os.path.join(M, "lenet-io.npz"), allow_pickle=False)
    return sym, arg, aux, io["data"], io["out_infer/softmax_output"]


def _ops(qsym):
    return [(n["op"], n["name"]) for n in json.loads(qsym.tojson())["nodes"] if n["op"] != "null"]


# the nodes real MXNet 1.9.1 writes for LeNet (quantize_model, calib_mode='naive', int8, 'smart')
LENET_NODES = [
    ("_contrib_quantize_v2", "data_quantize"), ("_contrib_quantized_conv", "quantized_conv1"),
    ("_contrib_requantize", "requantize_conv1"), ("_contrib_dequantize", "conv1_dequantize"),
    ("Activation", "tanh1"), ("Pooling", "pool1"), ("_contrib_quantize_v2", "pool1_output_quantize"),
    ("_contrib_quantized_conv", "quantized_conv2"), ("_contrib_requantize", "requantize_conv2"),
    ("_contrib_dequantize", "conv2_dequantize"), ("Activation", "tanh2"), ("Pooling", "pool2"),
    ("Flatten", "flatten"), ("_contrib_quantize_v2", "flatten_0_quantize"),
    ("_contrib_quantized_fully_connected", "quantized_fc1"), ("_contrib_requantize", "requantize_fc1"),
    ("_contrib_dequantize", "fc1_dequantize"), ("Activation", "tanh3"),
    ("_contrib_quantize_v2", "tanh3_output_quantize"), ("_contrib_quantized_fully_connected", "quantized_fc2"),
    ("_contrib_requantize", "requantize_fc2"), ("_contrib_dequantize", "fc2_dequantize"),
    ("SoftmaxOutput", "softmax")]


def _run(qsym, qarg, x):
    ex = qsym.bind(mx.cpu(), args=dict(qarg, data=mx.nd.array(x), softmax_label=mx.nd.zeros((x.shape[0],))),
                   grad_req="null")
    return ex.forward()[0].asnumpy()


def test_quantize_model_lenet_naive(lenet):
    sym, arg, aux, x, want = lenet
    it = mx.io.NDArrayIter(data=x, batch_size=4, label_name="softmax_label")
    qsym, qarg, qaux = mx.contrib.quantization.quantize_model(sym, arg, aux, ctx=mx.cpu(), calib_mode="naive",
                                                              calib_data=it, num_calib_examples=4)
    assert _ops(qsym) == LENET_NODES
    nodes = {n["name"]: n for n in json.loads(qsym.tojson())["nodes"]}
    # calibrated ranges MXNet writes (min/max of the float layer outputs, "%f")
    assert nodes["data_quantize"]["attrs"] == {"max_calib_range": "0.999600", "min_calib_range": "0.000148",
                                               "out_type": "int8"}
    assert nodes["pool1_output_quantize"]["attrs"]["min_calib_range"] == "-0.941165"
    assert nodes["flatten_0_quantize"]["attrs"]["max_calib_range"] == "0.912419"
    names = sorted(k for k in qarg)
    assert names == sorted(p + s for p in ("conv1_weight", "conv1_bias", "conv2_weight", "conv2_bias", "fc1_weight",
                                           "fc1_bias", "fc2_weight", "fc2_bias")
                           for s in ("_quantize", "_quantize_min", "_quantize_max"))
    assert qarg["conv1_weight_quantize"].dtype == np.int8 and qarg["conv1_weight_quantize_min"].shape == (1,)
    got = _run(qsym, qarg, x)
    # int8 softmax outputs vs float32 ones: within 0.01 absolute, same predicted classes
    np.testing.assert_allclose(got, want, atol=1e-2)
    assert (got.argmax(1) == want.argmax(1)).all()


def test_quantize_model_none_and_excluded(lenet):
    sym, arg, aux, x, want = lenet
    qsym, qarg, _ = mx.contrib.quantization.quantize_model(sym, arg, aux, calib_mode="none",
                                                           excluded_sym_names=["fc2"])
    ops = dict((n, o) for o, n in _ops(qsym))
    assert ops["fc2"] == "FullyConnected" and "quantized_fc2" not in ops
    assert "min_calib_range" not in json.loads(qsym.tojson())["nodes"][1].get("attrs", {})
    got = _run(qsym, dict(qarg, fc2_weight=arg["fc2_weight"], fc2_bias=arg["fc2_bias"]), x)
    np.testing.assert_allclose(got, want, atol=3e-2)   # runtime ranges: a little coarser


def test_quantize_graph_full_relu_entropy():
    data = mx.sym.var("data")
    c = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, name="conv")
    r = mx.sym.Activation(c, act_type="relu", name="relu")
    p = mx.sym.Pooling(r, kernel=(2, 2), stride=(2, 2), pool_type="avg", name="pool")
    f = mx.sym.Flatten(p, name="flat")
    out = mx.sym.FullyConnected(f, num_hidden=3, name="fc")
    rs = np.random.RandomState(0)
    arg = {"conv_weight": mx.nd.array(rs.normal(0, 0.3, (4, 2, 3, 3))), "conv_bias": mx.nd.array(rs.normal(0, .1, 4)),
           "fc_weight": mx.nd.array(rs.normal(0, 0.3, (3, 36))), "fc_bias": mx.nd.array(rs.normal(0, .1, 3))}
    x = rs.uniform(-1, 1, (8, 2, 8, 8)).astype(np.float32)
    qsym, qarg, _, coll = mx.contrib.quantization.quantize_graph(out, arg, {}, calib_mode="naive",
                                                                 quantize_mode="full")
    assert [o for o, _ in _ops(qsym)] == ["_contrib_quantize_v2", "_contrib_quantized_conv", "_contrib_requantize",
                                          "_contrib_quantized_act", "_contrib_quantized_pooling",
                                          "_contrib_quantized_flatten", "_contrib_quantized_fully_connected",
                                          "_contrib_requantize", "_contrib_dequantize"]
    ref = out.bind(mx.cpu(), args=dict(arg, data=mx.nd.array(x))).forward()[0].asnumpy()
    for mode, cls, tol in (("naive", mx.contrib.quantization.LayerOutputMinMaxCollector, 0.05),
                           ("entropy", mx.contrib.quantization.LayerHistogramCollector, 0.2)):  # KL thresholds clip tails
        coll = cls() if mode == "naive" else cls(num_bins=1001)
        it = mx.io.NDArrayIter(data=x, batch_size=8)
        mx.contrib.quantization.collect_layer_statistics(out, arg, {}, it, coll, qsym)
        csym, carg, _ = mx.contrib.quantization.calib_graph(qsym, qarg, {}, coll, calib_mode=mode)
        assert "min_calib_range" in json.loads(csym.tojson())["nodes"][1]["attrs"]
        got = csym.bind(mx.cpu(), args=dict(carg, data=mx.nd.array(x))).forward()[0].asnumpy()
        np.testing.assert_allclose(got, ref, atol=tol * np.abs(ref).max())


def test_errors_and_alias():
    assert mx.contrib.quant is mx.contrib.quantization
    sym = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=2, name="fc")
    with pytest.raises(ValueError):
        mx.contrib.quantization.quantize_model(sym, {}, {}, calib_mode="bogus")
    with pytest.raises(ValueError):
        mx.contrib.quantization.quantize_model(sym, {}, {}, quantized_dtype="int4")
    with pytest.raises(ValueError):
        mx.contrib.quantization.quantize_model(sym, {}, {}, excluded_sym_names="fc")
    with pytest.raises(ValueError):
        mx.contrib.quantization.quantize_model(sym, {}, {}, calib_mode="naive", calib_data=None)


# -- Gluon: quantize_net / quantize_net_v2 -----------------------------------------------------------

def _gluon_mlp():
    mx.random.seed(0)
    net = mx.gluon.nn.HybridSequential(prefix="qnet_")
    with net.name_scope():
        net.add(mx.gluon.nn.Dense(16, activation="relu"))
        net.add(mx.gluon.nn.Dense(4))
    net.initialize(mx.init.Xavier())
    x = np.random.RandomState(0).rand(32, 8).astype(np.float32)
    return net, x, net(mx.nd.array(x)).asnumpy()


# the quantized graph's parameters, as MXNet 1.9.1 names them for this net (checked with the oracle)
_QNET_PARAMS = sorted("qnet_dense{}_{}_quantize{}".format(i, p, s) for i in (0, 1)
                      for p in ("weight", "bias") for s in ("", "_min", "_max"))


@pytest.mark.parametrize("calib", ["none", "naive-loader", "naive-iter", "entropy-iter"])
def test_quantize_net_matches_the_float_net(calib):
    net, x, ref = _gluon_mlp()
    q = mx.contrib.quantization
    if calib == "none":
        qnet = q.quantize_net_v2(net, data_shapes=[mx.io.DataDesc("data", (8, 8))])
    elif calib == "naive-loader":
        loader = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(mx.nd.array(x), mx.nd.zeros(32)), batch_size=8)
        qnet = q.quantize_net_v2(net, calib_data=loader, calib_mode="naive", num_calib_examples=32)
    else:
        qnet = q.quantize_net_v2(net, calib_data=mx.io.NDArrayIter(x, batch_size=8),
                                 calib_mode=calib.split("-")[0])
    assert isinstance(qnet, mx.gluon.SymbolBlock)
    assert sorted(qnet.collect_params().keys()) == _QNET_PARAMS
    nodes = json.loads(qnet._cached_symbol.tojson())["nodes"]
    assert {"_contrib_quantized_fully_connected", "_contrib_quantize_v2"} <= {n["op"] for n in nodes}
    if calib != "none":
        assert any("min_calib_range" in n.get("attrs", {}) for n in nodes)
    got = qnet(mx.nd.array(x[:8])).asnumpy()
    np.testing.assert_allclose(got, ref[:8], atol=0.03 * np.abs(ref).max())


def test_quantize_net_exclusions_and_errors():
    net, x, ref = _gluon_mlp()
    q = mx.contrib.quantization
    # an excluded layer keeps its float parameters (MXNet 1.9.1 gives the same parameter set)
    kept = sorted(n for n in _QNET_PARAMS if "dense0" in n) + ["qnet_dense1_bias", "qnet_dense1_weight"]
    for kw in ({"exclude_layers": ["qnet_dense1_fwd"]}, {"exclude_layers_match": ["dense1"]},
               {"exclude_layers_match": ["*dense1*"]}, {"exclude_operators": ["FullyConnected"]}):
        qnet = q.quantize_net_v2(net, data_shapes=[(8, 8)], **kw)
        ops = {n["name"]: n["op"] for n in json.loads(qnet._cached_symbol.tojson())["nodes"]}
        assert ops.get("qnet_dense1_fwd") == "FullyConnected"      # kept in float
        if "exclude_operators" in kw:
            assert "_contrib_quantized_fully_connected" not in ops.values()
        else:
            assert sorted(qnet.collect_params().keys()) == sorted(kept)
        np.testing.assert_allclose(qnet(mx.nd.array(x[:8])).asnumpy(), ref[:8], atol=0.03 * np.abs(ref).max())
    with pytest.warns(UserWarning, match="quantize_net_v2"):
        q.quantize_net(net, data_shapes=[("data", (8, 8))])
    with pytest.raises(ValueError, match="HybridBlock"):
        q.quantize_net_v2(mx.gluon.nn.Sequential(), data_shapes=[(8, 8)])
    with pytest.raises(ValueError, match="data_shapes"):
        q.quantize_net_v2(net)
    with pytest.raises(ValueError, match="calib_data"):
        q.quantize_net_v2(net, data_shapes=[(8, 8)], calib_mode="naive")
