"""gluon.nn layers beyond basic_layers: activations, normalisation, Embedding, convolution, pooling,
padding. Every case of layer_cases.py is checked against real MXNet 1.9.1 (fixtures made by
tests/fixtures/gluon/make_layers.py: our saved parameters loaded into MXNet) and hybridized against
imperative (outputs, input and parameter gradients, running statistics)."""
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon import nn

from .layer_cases import CASES, NOT_IN_ORACLE, case_input, case_head, export_net

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "fixtures", "gluon")
_ORACLE = {}


def oracle(key):
    if not _ORACLE:
        with np.load(os.path.join(FIXTURES, "layers_oracle.npz")) as f:
            _ORACLE.update({k: f[k] for k in f.files})
    return _ORACLE.get(key)


def load_case(name):
    factory, _, kind, train = CASES[name]
    net = factory(nn)
    if net.collect_params():
        net.load_parameters(os.path.join(FIXTURES, "layers", name + ".params"))
    else:
        # nothing to load (Block.load_parameters rejects the empty file MXNet accepts; see report)
        net.initialize()
    return net, kind, train


def run(net, name, kind, train):
    """Forward + backward with the case's fixed head; returns (out, dx, {param: grad}, {param: value})."""
    x = mx.nd.array(case_input(name))
    if kind == "normal":
        x.attach_grad()
    with autograd.record(train_mode=train):
        y = net(x)
    y.backward(mx.nd.array(case_head(name, y.shape)), train_mode=train)
    grads, after = {}, {}
    for k, p in net._collect_params_with_prefix().items():
        if p.grad_req != "null":
            grads[k] = p.grad().asnumpy()
        else:
            after[k] = p.data().asnumpy()
    return y.asnumpy(), (x.grad.asnumpy() if kind == "normal" else None), grads, after


ORACLE_CASES = [n for n in CASES if n not in NOT_IN_ORACLE]
# MXNet 1.9.1's SELU backward computes lambda * (y + alpha) for x < 0 where the derivative is
# y + lambda * alpha; neomx's LeakyReLU(act_type='selu') returns the true derivative.
TRUE_GRAD_NOT_MXNET = {"selu"}


@pytest.mark.parametrize("name", ORACLE_CASES)
def test_matches_mxnet(name):
    net, kind, train = load_case(name)
    out, dx, grads, after = run(net, name, kind, train)
    tol = dict(rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out, oracle(name + "/out"), err_msg=name + " output", **tol)
    if dx is not None and name not in TRUE_GRAD_NOT_MXNET:
        np.testing.assert_allclose(dx, oracle(name + "/dx"), err_msg=name + " input gradient", **tol)
    for k, g in grads.items():
        np.testing.assert_allclose(g, oracle(name + "/grad/" + k), err_msg=name + " grad " + k, **tol)
    for k, v in after.items():
        if k == "gamma" and net._kwargs.get("fix_gamma"):
            continue    # MXNet's training-mode BatchNorm overwrites a fixed gamma with ones in place
        np.testing.assert_allclose(v, oracle(name + "/after/" + k), err_msg=name + " " + k, **tol)


def test_selu_gradient_is_the_derivative():
    lam, alpha = 1.0507009873554804934193349852946, 1.6732632423543772848170429916717
    x = case_input("selu").astype(np.float64)
    head = case_head("selu", x.shape)
    _, dx, _, _ = run(nn.SELU(), "selu", "normal", True)
    np.testing.assert_allclose(dx, np.where(x > 0, lam, lam * alpha * np.exp(x)) * head, rtol=1e-5)
    y = np.where(x > 0, lam * x, lam * alpha * np.expm1(x))
    np.testing.assert_allclose(oracle("selu/dx"), np.where(x > 0, lam, lam * (y + alpha)) * head, rtol=1e-5)


@pytest.mark.parametrize("name", list(CASES))
def test_hybridized_equals_imperative(name):
    net, kind, train = load_case(name)
    ref = run(net, name, kind, train)
    net, kind, train = load_case(name)
    net.hybridize()
    got = run(net, name, kind, train)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-5, atol=1e-6)
    if ref[1] is not None:
        np.testing.assert_allclose(got[1], ref[1], rtol=1e-5, atol=1e-6)
    for i in (2, 3):
        assert got[i].keys() == ref[i].keys()
        for k in ref[i]:
            np.testing.assert_allclose(got[i][k], ref[i][k], rtol=1e-5, atol=1e-6, err_msg=k)


def test_batchnormrelu_is_batchnorm_then_relu():
    # the oracle's CPU build cannot run BatchNormReLU (MKL-DNN only), so compare with its parts
    a, b = nn.BatchNormReLU(in_channels=3), nn.BatchNorm(in_channels=3)
    for blk in (a, b):
        blk.initialize(mx.init.Normal(1.0))
    b.gamma.set_data(a.gamma.data())
    b.beta.set_data(a.beta.data())
    x = mx.nd.array(case_input("batchnormrelu"))
    with autograd.record():
        ya, yb = a(x), b(x)
    np.testing.assert_allclose(ya.asnumpy(), np.maximum(yb.asnumpy(), 0), rtol=1e-6, atol=1e-6)


# -- names, shapes, reprs (literals printed by MXNet 1.9.1) ----------------------------------------
REPRS = [
    (lambda: nn.Embedding(10, 4, dtype="float16"), "Embedding(10 -> 4, float16)"),
    (lambda: nn.BatchNorm(), "BatchNorm(axis=1, eps=1e-05, momentum=0.9, fix_gamma=False, "
                             "use_global_stats=False, in_channels=None)"),
    (lambda: nn.BatchNorm(in_channels=3, momentum=0.8, scale=False),
     "BatchNorm(axis=1, eps=1e-05, momentum=0.8, fix_gamma=True, use_global_stats=False, in_channels=3)"),
    (lambda: nn.InstanceNorm(), "InstanceNorm(eps=1e-05, axis=1, center=True, scale=False, in_channels=0)"),
    (lambda: nn.LayerNorm(in_channels=5, center=False),
     "LayerNorm(eps=1e-05, axis=-1, center=False, scale=True, in_channels=5)"),
    (lambda: nn.GroupNorm(3, epsilon=1e-3), "GroupNorm(eps=0.001, num_groups=3, center=True, scale=True)"),
    (lambda: nn.LeakyReLU(0.1), "LeakyReLU(0.1)"),
    (lambda: nn.ELU(), "ELU(\n\n)"),
    (lambda: nn.Conv1D(4, 3), "Conv1D(None -> 4, kernel_size=(3,), stride=(1,))"),
    (lambda: nn.Conv2D(4, 3, in_channels=2, activation="relu"),
     "Conv2D(2 -> 4, kernel_size=(3, 3), stride=(1, 1), Activation(relu))"),
    (lambda: nn.Conv3D(4, 3, strides=2, padding=1, dilation=2, groups=2, use_bias=False),
     "Conv3D(None -> 4, kernel_size=(3, 3, 3), stride=(2, 2, 2), padding=(1, 1, 1), dilation=(2, 2, 2), "
     "groups=2, bias=False)"),
    (lambda: nn.Conv2DTranspose(4, 3, output_padding=1, strides=2),
     "Conv2DTranspose(4 -> 0, kernel_size=(3, 3), stride=(2, 2))"),
    (lambda: nn.Conv2DTranspose(6, 3, in_channels=4, groups=2),
     "Conv2DTranspose(3 -> 4, kernel_size=(3, 3), stride=(1, 1), groups=2)"),
    (lambda: nn.MaxPool2D(3, 2, 1, layout="NHWC"),
     "MaxPool2D(size=(3, 3), stride=(2, 2), padding=(1, 1), ceil_mode=False, global_pool=False, "
     "pool_type=max, layout=NHWC)"),
    (lambda: nn.AvgPool2D(ceil_mode=True),
     "AvgPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), ceil_mode=True, global_pool=False, "
     "pool_type=avg, layout=NCHW)"),
    (lambda: nn.GlobalAvgPool1D(),
     "GlobalAvgPool1D(size=(1,), stride=(1,), padding=(0,), ceil_mode=True, global_pool=True, "
     "pool_type=avg, layout=NCW)"),
]


@pytest.mark.parametrize("make,expected", REPRS)
def test_repr(make, expected):
    assert repr(make()) == expected


SHAPES = [  # (layer, {param suffix: (shape, grad_req)}) as MXNet 1.9.1 creates them
    (lambda: nn.BatchNorm(scale=False, center=False),
     {"gamma": ((0,), "null"), "beta": ((0,), "null"), "running_mean": ((0,), "null"),
      "running_var": ((0,), "null")}),
    (lambda: nn.InstanceNorm(in_channels=3), {"gamma": ((3,), "null"), "beta": ((3,), "write")}),
    (lambda: nn.GroupNorm(3), {"gamma": ((3,), "write"), "beta": ((3,), "write")}),
    (lambda: nn.PReLU(in_channels=3), {"alpha": ((3,), "write")}),
    (lambda: nn.Conv2D(6, (3, 5), in_channels=4, groups=2), {"weight": ((6, 2, 3, 5), "write"),
                                                             "bias": ((6,), "write")}),
    (lambda: nn.Conv2D(4, 3, layout="NHWC", in_channels=6, groups=2), {"weight": ((4, 3, 3, 3), "write"),
                                                                       "bias": ((4,), "write")}),
    (lambda: nn.Conv2DTranspose(4, 3, layout="NHWC", in_channels=6, groups=2),
     {"weight": ((6, 3, 3, 2), "write"), "bias": ((4,), "write")}),
    (lambda: nn.Conv3DTranspose(4, 3, use_bias=False), {"weight": ((0, 4, 3, 3, 3), "write")}),
    (lambda: nn.Embedding(10, 4), {"weight": ((10, 4), "write")}),
]


@pytest.mark.parametrize("make,expected", SHAPES)
def test_param_names_and_shapes(make, expected):
    blk = make()
    got = {k[len(blk.prefix):]: (p.shape, p.grad_req) for k, p in blk.collect_params().items()}
    assert got == expected
    assert list(got) == list(expected)      # creation order (= .params and export order)


def test_prefixes():
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(), nn.Embedding(3, 2))
    assert [b.name for b in net._children.values()] == ["net_conv0", "net_batchnorm0", "net_pool0",
                                                         "net_embedding0"]
    assert net[0].act.name == "net_conv0_relu"


def test_deferred_shapes():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, groups=2), nn.BatchNorm(), nn.LayerNorm(axis=1), nn.InstanceNorm(),
                nn.Conv2DTranspose(3, 2), nn.GlobalAvgPool2D())
    net.initialize()
    y = net(mx.nd.ones((2, 6, 5, 5)))
    assert y.shape == (2, 3, 1, 1)
    shapes = [p.shape for p in net.collect_params().values()]
    assert shapes == [(4, 3, 3, 3), (4,), (4,), (4,), (4,), (4,), (4,), (4,), (4,), (4,), (4, 3, 2, 2), (3,)]


def test_batchnorm_running_stats_and_inference():
    bn = nn.BatchNorm(in_channels=2, momentum=0.5)
    bn.initialize()
    x = np.arange(16, dtype=np.float32).reshape(2, 2, 4)
    with autograd.record():
        y = bn(mx.nd.array(x))
    # MXNet 1.9.1 (CPU) moves the running statistics in backward, not in the forward
    np.testing.assert_array_equal(bn.running_mean.data().asnumpy(), [0, 0])
    y.backward()
    mean = x.transpose(1, 0, 2).reshape(2, -1).mean(1)
    var = x.transpose(1, 0, 2).reshape(2, -1).var(1)
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), 0.5 * mean, rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data().asnumpy(), 0.5 + 0.5 * var, rtol=1e-5)
    # inference uses the running statistics and leaves them alone
    y = bn(mx.nd.array(x)).asnumpy()
    rm, rv = 0.5 * mean, 0.5 + 0.5 * var
    np.testing.assert_allclose(y, (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), rm, rtol=1e-6)


def test_batchnorm_export_aux_and_float16_cast(tmp_path):
    net = nn.HybridSequential(prefix="s_")
    with net.name_scope():
        net.add(nn.Conv2D(2, 3), nn.BatchNorm())
    net.initialize()
    net.hybridize()
    with autograd.record():
        y = net(mx.nd.ones((1, 1, 4, 4)))
    y.backward()
    path = os.path.join(str(tmp_path), "m")
    net.export(path)
    saved = mx.nd.load(path + "-0000.params")
    assert sorted(saved) == ["arg:s_batchnorm0_beta", "arg:s_batchnorm0_gamma", "arg:s_conv0_bias",
                             "arg:s_conv0_weight", "aux:s_batchnorm0_running_mean",
                             "aux:s_batchnorm0_running_var"]
    assert np.abs(saved["aux:s_batchnorm0_running_mean"].asnumpy()).sum() > 0   # updated by the pass
    bn = nn.BatchNorm(in_channels=2)
    bn.initialize()
    bn.cast("float16")
    assert bn.gamma.data().dtype == np.float32


@pytest.mark.parametrize("hybridize", [False, True])
def test_batchnorm_running_stats_move_when_its_backward_runs(hybridize):
    """MXNet 1.9.1's CPU BatchNorm moves its running statistics in backward (values from the
    oracle's behaviour): not in a training forward, once per backward run (retain_graph twice:
    twice), and not at all when no gradient flows through the layer."""
    x = mx.nd.array(np.arange(24, dtype=np.float32).reshape(4, 3, 2) / 10)
    mean = x.asnumpy().transpose(1, 0, 2).reshape(3, -1).mean(1)
    net = nn.HybridSequential()
    net.add(nn.BatchNorm(momentum=0.5), nn.Dense(2))
    net.initialize()
    if hybridize:
        net.hybridize()
    bn = net[0]
    with autograd.record():
        y = net(x)
    np.testing.assert_array_equal(bn.running_mean.data().asnumpy(), np.zeros(3))
    y.backward(retain_graph=True)
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), 0.5 * mean, rtol=1e-6)
    y.backward()
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), 0.75 * mean, rtol=1e-6)
    with autograd.train_mode():     # a training forward outside record: no backward, no move
        net(x)
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), 0.75 * mean, rtol=1e-6)
    # frozen BatchNorm on the input: nothing below it needs a gradient, so its backward never runs
    bn.collect_params().setattr("grad_req", "null")
    with autograd.record():
        y = net(x)
    y.backward()
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), 0.75 * mean, rtol=1e-6)


def test_embedding_index_shapes_and_grad():
    emb = nn.Embedding(5, 3)
    emb.initialize()
    idx = mx.nd.array([[0, 4], [4, 2]])
    with autograd.record():
        y = emb(idx)
    y.backward()
    assert y.shape == (2, 2, 3)
    np.testing.assert_array_equal(emb.weight.grad().asnumpy()[:, 0], [1, 0, 1, 0, 2])
    assert nn.Embedding(5, 3, sparse_grad=True).weight._grad_stype == "row_sparse"


LAYOUT_ERRORS = [
    (lambda: nn.Conv2D(4, 3, layout="NCW"), "NCHW"),
    (lambda: nn.Conv1DTranspose(4, 3, layout="NCHW"), "NCW"),
    (lambda: nn.Conv2D(4, (3, 3, 3)), "kernel_size"),
    (lambda: nn.MaxPool2D(layout="NCW"), "2D Pooling"),
    (lambda: nn.MaxPool1D(layout="NCHW"), "1D Pooling"),
    (lambda: nn.AvgPool3D(layout="NCHW"), "3D Pooling"),
    (lambda: nn.GlobalMaxPool3D(layout="NCW"), "3D Pooling"),
    (lambda: nn.LeakyReLU(-1), "no less than 0"),
    (lambda: nn.ReflectionPad2D((1, 2)), "padding"),
]


@pytest.mark.parametrize("make,match", LAYOUT_ERRORS)
def test_bad_arguments_raise_assertion(make, match):
    with pytest.raises(AssertionError, match=match):
        make()


def test_bad_shapes_raise_mxnet_error():
    with pytest.raises(mx.MXNetError):
        nn.Conv2D(4, 3, in_channels=5, groups=2)        # channels not divisible by groups
    with pytest.raises(mx.MXNetError):
        nn.Conv2DTranspose(4, 3, output_padding=1)      # output_padding must be < stride
    conv = nn.Conv2D(4, 3, in_channels=2)
    conv.initialize()
    with pytest.raises(mx.MXNetError):
        conv(mx.nd.ones((1, 3, 5, 5)))                  # 3 channels given, 2 declared
    conv = nn.Conv2D(4, 3, layout="NHWC", in_channels=2)
    conv.initialize()
    with pytest.raises(mx.MXNetError, match="NHWC"):
        conv(mx.nd.ones((1, 5, 5, 2)))                  # MXNet's CPU build has no channel-last conv


def test_hybrid_symbol_trace_names():
    net = nn.HybridSequential(prefix="m_")
    with net.name_scope():
        net.add(nn.Conv2D(2, 3), nn.BatchNorm(), nn.LeakyReLU(0.1), nn.MaxPool2D(), nn.Embedding(3, 2))
    out = net(mx.sym.var("data"))
    assert out.list_arguments() == ["data", "m_conv0_weight", "m_conv0_bias", "m_batchnorm0_gamma",
                                    "m_batchnorm0_beta", "m_embedding0_weight"]
    assert out.list_auxiliary_states() == ["m_batchnorm0_running_mean", "m_batchnorm0_running_var"]
    assert [n for n in out.get_internals().list_outputs() if n.endswith("_output")] == [
        "m_conv0_fwd_output", "m_batchnorm0_fwd_output", "m_leakyrelu0_fwd_output", "m_pool0_fwd_output",
        "m_embedding0_fwd_output"]


def _strip_storage_type(graph):
    for node in graph["nodes"]:
        node.get("attrs", {}).pop("__storage_type__", None)
    return graph


def test_export_json_matches_mxnet(tmp_path):
    import json
    net = export_net(nn)
    net.initialize()
    net.hybridize()
    net(mx.nd.ones((1, 3, 8, 8)))
    path = os.path.join(str(tmp_path), "net")
    net.export(path)
    with open(path + "-symbol.json") as f:
        ours = json.load(f)
    with open(os.path.join(FIXTURES, "export_net-symbol.json")) as f:
        theirs = json.load(f)
    # MXNet writes __storage_type__ on parameter variables; neomx's Parameter.var does not (reported)
    assert _strip_storage_type(ours) == _strip_storage_type(theirs)


def _spec_classes(module, names):
    import inspect
    import json
    with open(os.path.join(FIXTURES, "..", "spec", "mxnet-1.9.1-api.json")) as f:
        spec = json.load(f)["modules"][module]
    for name in names:
        members = spec[name]["members"]
        for method in ("__init__", "hybrid_forward"):
            want = members[method].replace("<mxnet.initializer.Constant object>", "CONST")
            got = str(inspect.signature(getattr(getattr(nn if module.endswith("nn") else gluon.loss, name),
                                                method)))
            got = got.replace(repr(nn.PReLU.__init__.__defaults__[0]), "CONST") if name == "PReLU" else got
            yield name, method, got, want


MY_LAYERS = ["Embedding", "BatchNorm", "BatchNormReLU", "InstanceNorm", "LayerNorm", "GroupNorm", "LeakyReLU",
             "PReLU", "ELU", "SELU", "Swish", "GELU", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose",
             "Conv2DTranspose", "Conv3DTranspose", "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D",
             "AvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D",
             "GlobalAvgPool2D", "GlobalAvgPool3D", "ReflectionPad2D"]
MY_LOSSES = ["Loss", "L2Loss", "L1Loss", "SigmoidBinaryCrossEntropyLoss", "SigmoidBCELoss",
             "SoftmaxCrossEntropyLoss", "SoftmaxCELoss", "KLDivLoss", "CTCLoss", "HuberLoss", "HingeLoss",
             "SquaredHingeLoss", "LogisticLoss", "TripletLoss", "PoissonNLLLoss", "CosineEmbeddingLoss", "SDMLLoss"]


def test_signatures_match_the_api_spec():
    rows = list(_spec_classes("mxnet.gluon.nn", MY_LAYERS)) + list(_spec_classes("mxnet.gluon.loss", MY_LOSSES))
    assert [r for r in rows if r[2] != r[3]] == []
    assert {"Block", "HybridBlock", "SymbolBlock"} <= set(dir(nn))


def test_summary_prints_mxnets_table(capsys):
    """The table MXNet 1.9.1 prints for this net (copied from the oracle's output), including
    its first row: the activation inside Conv2D seen while deferred shapes are inferred."""
    net = nn.HybridSequential(prefix="hybridsequential0_")
    with net.name_scope():
        net.add(nn.Conv2D(8, 3, padding=1, activation="relu"), nn.BatchNorm(), nn.MaxPool2D(), nn.Flatten(),
                nn.Dense(10))
    net.initialize()
    net.summary(mx.nd.ones((2, 3, 8, 8)))
    assert capsys.readouterr().out == (
    "--------------------------------------------------------------------------------\n"
    "        Layer (type)                                Output Shape         Param #\n"
    "================================================================================\n"
    "               Input                                (2, 3, 8, 8)               0\n"
    "        Activation-1   <Symbol hybridsequential0_conv0_relu_fwd>               0\n"
    "        Activation-2                                (2, 8, 8, 8)               0\n"
    "            Conv2D-3                                (2, 8, 8, 8)             224\n"
    "         BatchNorm-4                                (2, 8, 8, 8)              32\n"
    "         MaxPool2D-5                                (2, 8, 4, 4)               0\n"
    "           Flatten-6                                    (2, 128)               0\n"
    "             Dense-7                                     (2, 10)            1290\n"
    "================================================================================\n"
    "Parameters in forward computation graph, duplicate included\n"
    "   Total params: 1546\n"
    "   Trainable params: 1530\n"
    "   Non-trainable params: 16\n"
    "Shared params in forward computation graph: 0\n"
    "Unique parameters in model: 1546\n"
    "--------------------------------------------------------------------------------\n")
    net.hybridize()
    net(mx.nd.ones((2, 3, 8, 8)))
    with pytest.raises(AssertionError, match='"hybridsequential0_conv0_relu" must not be hybridized'):
        net.summary(mx.nd.ones((2, 3, 8, 8)))
