"""mx.contrib.onnx: export to / import from ONNX.

Every case checks (1) the round trip (export, import, same outputs on random input), and
(2) the exported file against onnx's own reference evaluator (independent of our importer).
Also: files exported by MXNet 1.9.1's mx.onnx (tests/contrib/fixtures/oracle_*.onnx) import here
and give MXNet's outputs."""
import json
import os
import sys

import numpy as np
import pytest

import mxnet as mx

onnx = pytest.importorskip("onnx", reason="the optional 'onnx' package is not installed "
                           "(pip install onnx, or the neomx[onnx] extra)")
from mxnet.contrib.onnx import (export_model_, import_model_, import_to_gluon_,  # noqa: E402
                                get_model_metadata_)

HERE = os.path.dirname(__file__)
MODELS = os.path.join(HERE, "..", "fixtures", "mxnet-1.9.1", "models")
FIX = os.path.join(HERE, "fixtures")


def _run(sym, arg, aux, feed):
    args = dict(arg)
    args.update({k: mx.nd.array(v) for k, v in feed.items()})
    args = {k: v for k, v in args.items() if k in sym.list_arguments()}
    ex = sym.bind(mx.cpu(), args, aux_states=dict(aux), grad_req="null")
    return [o.asnumpy() for o in ex.forward(is_train=False)]


def _reference(path, feed):
    """Outputs of onnx's reference evaluator. (Opset 13's BatchNormalization there mixes batch
    statistics into the running ones when momentum is set; opset 14 has the same inference
    semantics without that quirk.)"""
    from onnx.reference import ReferenceEvaluator
    model = onnx.load(path)
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx") and o.version == 13:
            o.version = 14
    return ReferenceEvaluator(model).run(None, feed)


def _check(sym, arg, aux, shapes, tmp_path, rtol=1e-5, atol=1e-6, label_shapes=None):
    path = str(tmp_path / "model.onnx")
    rng = np.random.RandomState(0)
    feed = {k: rng.uniform(-1, 1, s).astype(np.float32) for k, s in shapes.items()}
    assert export_model_(sym, [arg, aux], list(shapes.values()), np.float32, path) == path
    model = onnx.load(path)
    onnx.checker.check_model(model)
    full = dict(feed)
    for k, s in (label_shapes or {}).items():
        full[k] = np.zeros(s, np.float32)
    expected = _run(sym, arg, aux, full)
    sym2, arg2, aux2 = import_model_(path)
    got = _run(sym2, arg2, aux2, feed)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=rtol, atol=atol)
    for g, e in zip(_reference(path, feed), expected):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)
    return model, sym2, arg2, aux2


def _params(sym, shapes, seed=1):
    arg_shapes, _, aux_shapes = sym.infer_shape(**shapes)
    rng = np.random.RandomState(seed)
    arg = {n: mx.nd.array(rng.uniform(-1, 1, s)) for n, s in zip(sym.list_arguments(), arg_shapes)
           if n not in shapes}
    aux = {n: mx.nd.array(rng.uniform(0.5, 1.5, s))
           for n, s in zip(sym.list_auxiliary_states(), aux_shapes)}
    return arg, aux


@pytest.mark.parametrize("name", ["mlp", "lenet", "smallcnn"])
def test_checkpoint_round_trip(name, tmp_path):
    sym, arg, aux = mx.model.load_checkpoint(os.path.join(MODELS, name), 1)
    meta = json.load(open(os.path.join(MODELS, name + "-meta.json")))
    shape = tuple(meta["data_shape"])
    model, sym2, arg2, aux2 = _check(sym, arg, aux, {"data": shape}, tmp_path,
                                     label_shapes={"softmax_label": shape[:1]})
    assert sorted(arg2) == sorted(arg) and sorted(aux2) == sorted(aux)
    assert [i.name for i in model.graph.input][0] == "data"   # the label input is dropped
    assert "softmax_label" not in [i.name for i in model.graph.input]
    assert [o.name for o in model.graph.output] == ["softmax"]
    assert get_model_metadata_(str(tmp_path / "model.onnx")) == {
        "input_tensor_data": [("data", shape)],
        "output_tensor_data": [("softmax", (shape[0], 10 if name != "smallcnn" else 5))]}
    net = import_to_gluon_(str(tmp_path / "model.onnx"), mx.cpu())
    x = mx.nd.random.uniform(shape=shape)
    want = _run(sym, arg, aux, {"data": x.asnumpy(), "softmax_label": np.zeros(shape[:1])})[0]
    np.testing.assert_allclose(net(x).asnumpy(), want, rtol=1e-5, atol=1e-6)


def test_gluon_resnet18_round_trip(tmp_path):
    net = mx.gluon.model_zoo.vision.resnet18_v1()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.random.uniform(shape=(1, 3, 32, 32))
    y = net(x).asnumpy()
    net.export(str(tmp_path / "r18"))
    sym, arg, aux = mx.model.load_checkpoint(str(tmp_path / "r18"), 0)
    path = export_model_(sym, [arg, aux], [(1, 3, 32, 32)], np.float32,
                         str(tmp_path / "r18.onnx"))
    net2 = import_to_gluon_(path, mx.cpu())
    assert sorted(net2.collect_params().keys()) == sorted(net.collect_params().keys())
    np.testing.assert_allclose(net2(x).asnumpy(), y, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_reference(path, {"data": x.asnumpy()})[0], y, rtol=1e-4,
                               atol=1e-5)


def test_import_files_exported_by_mxnet(tmp_path):
    """Exported by MXNet 1.9.1's mx.onnx.export_model (onnx 1.14.1): the MLP / SmallCNN
    checkpoints with SoftmaxOutput replaced by softmax(name='prob')."""
    io = np.load(os.path.join(FIX, "oracle_onnx_io.npz"))
    path = os.path.join(FIX, "oracle_mlp.onnx")
    sym, arg, aux = import_model_(path)
    y = _run(sym, arg, aux, {"data": io["mlp_x"]})[0]
    np.testing.assert_allclose(y, io["mlp_y"], rtol=1e-5, atol=1e-6)
    assert get_model_metadata_(path) == {"input_tensor_data": [("data", (4, 784))],
                                         "output_tensor_data": [("prob", (4, 10))]}
    # MXNet's exporter ignores BatchNorm's fix_gamma (bn2 has fix_gamma=True), so the file
    # differs from MXNet's own output; compare with the ONNX semantics of the file instead.
    path = os.path.join(FIX, "oracle_smallcnn.onnx")
    sym, arg, aux = import_model_(path)
    y = _run(sym, arg, aux, {"data": io["smallcnn_x"]})[0]
    np.testing.assert_allclose(y, _reference(path, {"data": io["smallcnn_x"]})[0], rtol=1e-5,
                               atol=1e-6)
    net = import_to_gluon_(path, mx.cpu())
    np.testing.assert_allclose(net(mx.nd.array(io["smallcnn_x"])).asnumpy(), y, rtol=1e-6)


D = mx.sym.var("data")
X4 = {"data": (2, 3, 8, 8)}
X2 = {"data": (3, 5)}
OPS = [
    ("fc_flatten", mx.sym.FullyConnected(D, num_hidden=4, name="fc"), X4),
    ("fc_noflatten", mx.sym.FullyConnected(D, num_hidden=4, flatten=False, name="fc"),
     {"data": (2, 3, 5)}),
    ("fc_nobias", mx.sym.FullyConnected(D, num_hidden=4, no_bias=True, name="fc"), X2),
    ("conv", mx.sym.Convolution(D, kernel=(3, 3), num_filter=4, pad=(1, 1), stride=(2, 2),
                                name="c"), X4),
    ("conv_group_dilate", mx.sym.Convolution(D, kernel=(3, 3), num_filter=6, num_group=3,
                                             dilate=(2, 2), no_bias=True, name="c"), X4),
    ("conv1d", mx.sym.Convolution(D, kernel=(3,), num_filter=2, name="c"), {"data": (2, 3, 9)}),
    ("deconv", mx.sym.Deconvolution(D, kernel=(3, 3), num_filter=2, stride=(2, 2), pad=(1, 1),
                                    adj=(1, 1), name="d"), X4),
    ("maxpool", mx.sym.Pooling(D, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max"), X4),
    ("avgpool", mx.sym.Pooling(D, kernel=(2, 2), stride=(2, 2), pool_type="avg"), X4),
    ("avgpool_pad", mx.sym.Pooling(D, kernel=(3, 3), pad=(1, 1), pool_type="avg"), X4),
    ("avgpool_nopadcount", mx.sym.Pooling(D, kernel=(3, 3), pad=(1, 1), pool_type="avg",
                                          count_include_pad=False), X4),
    ("maxpool_full", mx.sym.Pooling(D, kernel=(3, 3), stride=(2, 2), pool_type="max",
                                    pooling_convention="full"), {"data": (1, 2, 8, 8)}),
    ("global_max", mx.sym.Pooling(D, kernel=(1, 1), global_pool=True, pool_type="max"), X4),
    ("global_avg", mx.sym.Pooling(D, kernel=(1, 1), global_pool=True, pool_type="avg"), X4),
    ("batchnorm", mx.sym.BatchNorm(D, fix_gamma=False, eps=1e-3, name="bn"), X4),
    ("batchnorm_fix_gamma", mx.sym.BatchNorm(D, name="bn"), X4),
    ("relu", mx.sym.Activation(D, act_type="relu"), X4),
    ("sigmoid", mx.sym.Activation(D, act_type="sigmoid"), X4),
    ("tanh", mx.sym.Activation(D, act_type="tanh"), X4),
    ("softrelu", mx.sym.Activation(D, act_type="softrelu"), X4),
    ("softsign", mx.sym.Activation(D, act_type="softsign"), X2),
    ("leaky", mx.sym.LeakyReLU(D, act_type="leaky", slope=0.2), X4),
    ("elu", mx.sym.LeakyReLU(D, act_type="elu", slope=0.7), X4),
    ("prelu", mx.sym.LeakyReLU(D, act_type="prelu", name="pr"), X4),
    ("selu", mx.sym.LeakyReLU(D, act_type="selu"), X2),
    ("gelu", mx.sym.LeakyReLU(D, act_type="gelu"), X2),
    ("softmax_output_4d", mx.sym.SoftmaxOutput(D, name="softmax"), X4),
    ("softmax_output_2d", mx.sym.SoftmaxOutput(D, name="softmax"), X2),
    ("softmax_axis", mx.sym.softmax(D, axis=1), X4),
    ("softmax_temperature", mx.sym.softmax(D, temperature=2.0), X2),
    ("log_softmax", mx.sym.log_softmax(D), X2),
    ("flatten", mx.sym.Flatten(D), X4),
    ("reshape", mx.sym.Reshape(D, shape=(0, -1, 4)), X4),
    ("reshape_special", mx.sym.Reshape(D, shape=(0, -3, -2)), X4),
    ("concat", mx.sym.Concat(D, D * 2, dim=1), X4),
    ("elemwise", mx.sym.elemwise_sub(mx.sym.elemwise_add(D, D * D), D / 3), X4),
    ("elemwise_mul_div", mx.sym.elemwise_div(mx.sym.elemwise_mul(D, D), D + 3), X4),
    ("broadcast", mx.sym.broadcast_mul(D, mx.sym.var("w", shape=(1, 3, 1, 1))), X4),
    ("scalars", 2 - (1 + D * 3) / 4, X2),
    ("rdiv_maximum", mx.sym.maximum(1.0 / (D + 3), 0.3), X2),
    ("dropout", mx.sym.Dropout(D, p=0.5) + 1, X2),
    ("clip", mx.sym.clip(D, -0.3, 0.5), X2),
    ("transpose", mx.sym.transpose(D, axes=(0, 2, 3, 1)), X4),
    ("transpose_default", mx.sym.transpose(D), X2),
    ("expand_squeeze", mx.sym.squeeze(mx.sym.expand_dims(D, axis=1), axis=1), X2),
    ("add_n", mx.sym.add_n(D, D, D), X2),
    ("reductions", mx.sym.broadcast_add(mx.sym.sum(D, axis=1, keepdims=True),
                                        mx.sym.mean(D, axis=(1, 2), keepdims=True)), X4),
    ("full_reduction", mx.sym.broadcast_mul(mx.sym.max(D), mx.sym.sum(D, axis=1)), X2),
    ("lrn", mx.sym.LRN(D, nsize=3), X4),
    ("unary", mx.sym.exp(mx.sym.abs(D)) + mx.sym.sqrt(mx.sym.abs(D)) - mx.sym.negative(D), X2),
]


@pytest.mark.parametrize("name,sym,shapes", OPS, ids=[o[0] for o in OPS])
def test_operator_round_trip(name, sym, shapes, tmp_path):
    arg, aux = _params(sym, shapes)
    labels = None
    if name.startswith("softmax_output"):
        labels = {"softmax_label": arg.pop("softmax_label").shape}
    _check(sym, arg, aux, shapes, tmp_path, label_shapes=labels)


def test_fix_gamma_exports_ones(tmp_path):
    sym = mx.sym.BatchNorm(D, name="bn")
    arg, aux = _params(sym, X4)
    model, _, arg2, _ = _check(sym, arg, aux, X4, tmp_path)
    np.testing.assert_array_equal(arg2["bn_gamma"].asnumpy(), np.ones(3))


def test_dynamic_batch(tmp_path):
    sym, arg, aux = mx.model.load_checkpoint(os.path.join(MODELS, "lenet"), 1)
    path = export_model_(sym, [arg, aux], [(4, 1, 28, 28)], np.float32,
                         str(tmp_path / "dyn.onnx"), dynamic=True)
    meta = get_model_metadata_(path)
    assert meta["input_tensor_data"] == [("data", (None, None, None, None))]
    sym2, arg2, aux2 = import_model_(path)
    x = np.random.uniform(size=(3, 1, 28, 28)).astype(np.float32)
    want = _run(sym, arg, aux, {"data": x, "softmax_label": np.zeros(3)})[0]
    np.testing.assert_allclose(_run(sym2, arg2, aux2, {"data": x})[0], want, rtol=1e-5,
                               atol=1e-6)
    path = export_model_(sym, [arg, aux], [(4, 1, 28, 28)], np.float32,
                         str(tmp_path / "dyn2.onnx"), dynamic=True,
                         dynamic_input_shapes=[("batch", 1, 28, 28)])
    assert get_model_metadata_(path)["input_tensor_data"] == [("data", (None, 1, 28, 28))]


def test_export_from_files_and_old_argument_names(tmp_path, capsys):
    prefix = os.path.join(MODELS, "mlp")
    path = mx.contrib.onnx.export_model(prefix + "-symbol.json", prefix + "-0001.params",
                                        input_shape=[(2, 784)], input_type=np.float32,
                                        onnx_file_path=str(tmp_path / "m.onnx"),
                                        run_shape_inference=True)
    assert "mxnet.onnx.export_model is the preferred path" in capsys.readouterr().out
    sym, arg, aux = mx.contrib.onnx.import_model(path)
    assert "Calling mxnet.contrib.onnx.import_model..." in capsys.readouterr().out
    assert sorted(arg) == ["layer1_bias", "layer1_weight", "layer2_bias", "layer2_weight"]


def test_errors(tmp_path):
    sym = mx.sym.FullyConnected(D, num_hidden=2, name="fc")
    arg, aux = _params(sym, X2)
    with pytest.raises(mx.MXNetError, match="input shapes"):
        export_model_(sym, arg, [(3, 5), (3, 5)], np.float32, str(tmp_path / "a.onnx"))
    bad = mx.sym.topk(D, k=2)
    with pytest.raises(mx.MXNetError, match="no ONNX conversion for operator topk"):
        export_model_(bad, {}, [(3, 5)], np.float32, str(tmp_path / "b.onnx"))
    node = onnx.helper.make_node("Hardmax", ["x"], ["y"])
    graph = onnx.helper.make_graph([node], "g", [onnx.helper.make_tensor_value_info("x", 1, [2])],
                                   [onnx.helper.make_tensor_value_info("y", 1, [2])])
    with pytest.raises(mx.MXNetError, match="operator Hardmax"):
        import_model_(onnx.helper.make_model(graph))


def test_missing_onnx_package(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match="Onnx and protobuf need to be installed"):
        export_model_(mx.sym.relu(D), {}, [(2,)], np.float32, str(tmp_path / "x.onnx"))


def test_top_level_mx_onnx_is_the_same_exporter():
    # MXNet 1.9.1 also has mx.onnx.export_model / get_operator_support
    from mxnet.contrib.onnx import _export
    assert mx.onnx.export_model is _export.export_model
    assert "FullyConnected" in mx.onnx.get_operator_support()
