"""gluon.model_zoo.vision against real MXNet 1.9.1 (literals in reference.py, made by
make_reference.py with the oracle): parameter names, save_parameters keys and shapes of every
model, ``repr``, outputs for fixed parameters, exported graphs; hybridized == imperative for ResNet-18
(outputs, gradients, running statistics); pretrained files from a local ``root``."""
import hashlib
import json
import os
import zipfile

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd
from mxnet.gluon.model_zoo import model_store, vision

from .make_reference import MODELS, digest, export_digest, fill_params, input_side, make_input
from .reference import ALEXNET_KEYS, EXPORTS, PARAMS, REPRS, VALUES

SLOW_VALUES = {"densenet121", "inceptionv3"}  # 1-4 s each on the 2-core VM


def build(name, **kwargs):
    """The model as a fresh process would name it (``resnetv10_...``)."""
    with mx.name.NameManager():
        return vision.get_model(name, **kwargs)


def ready(name, side, **kwargs):
    """A 10-class model with every parameter set by fill_params, and its input."""
    net = build(name, classes=10, **kwargs)
    net.initialize()
    x = mx.nd.array(make_input(side))
    net(x).wait_to_read()
    fill_params(net, mx.nd)
    return net, x


# -- names, keys, shapes ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", MODELS)
def test_parameter_names_keys_and_shapes(name):
    net = build(name)
    params = net.collect_params()
    keys = list(params.keys())
    count, first, last, names_sha, structural_sha, shapes_sha = PARAMS[name]
    assert (len(keys), keys[0], keys[-1]) == (count, first, last)
    assert digest(keys) == names_sha
    assert digest(list(net._collect_params_with_prefix().keys())) == structural_sha
    side = input_side(name)
    net.infer_shape(mx.nd.zeros((1, 3, side, side)))
    assert digest(["%s:%s" % (k, tuple(p.shape)) for k, p in params.items()]) == shapes_sha


@pytest.mark.parametrize("name", MODELS)
def test_repr_equals_mxnet(name):
    assert hashlib.sha1(repr(build(name)).encode()).hexdigest() == REPRS[name]


def test_alexnet_names_literal():
    assert list(build("alexnet").collect_params().keys()) == ALEXNET_KEYS


def test_names_follow_the_global_counter_and_prefix():
    with mx.name.NameManager():
        a, b = vision.resnet18_v1(), vision.resnet18_v1()
        c = vision.mobilenet_v2_0_25()
    assert (a.prefix, b.prefix, c.prefix) == ("resnetv10_", "resnetv11_", "mobilenetv20_")
    net = vision.resnet18_v1(prefix="foo_")
    assert list(net.collect_params().keys())[0] == "foo_conv0_weight"


def test_initializers_and_grad_req():
    net = build("vgg11_bn")
    params = net.collect_params()
    conv_init = params["vgg0_conv0_weight"].init
    assert isinstance(conv_init, mx.init.Xavier)
    assert (conv_init.rnd_type, conv_init.factor_type, conv_init.magnitude) == ("gaussian", "out", 2)
    assert params["vgg0_dense0_weight"].init == "normal"
    assert params["vgg0_batchnorm0_running_mean"].grad_req == "null"
    v2 = build("resnet18_v2").collect_params()
    # the input BatchNorm of ResNet v2 has no scale and no shift
    assert v2["resnetv20_batchnorm0_gamma"].grad_req == "null"
    assert v2["resnetv20_batchnorm0_beta"].grad_req == "null"
    assert v2["resnetv20_batchnorm1_gamma"].grad_req == "write"


# -- values -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in SLOW_VALUES else n
                                  for n in VALUES])
def test_output_equals_mxnet(name):
    side, expected = VALUES[name]
    net, x = ready(name, side)
    out = net(x).asnumpy()
    assert out.shape == (2, 10)
    expected = np.array(expected, dtype=np.float32)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("name", ["resnet18_v2", "mobilenetv2_0.25", "alexnet"])
def test_hybridized_output_equals_mxnet(name):
    side, expected = VALUES[name]
    net, x = ready(name, side)
    net.hybridize()
    expected = np.array(expected, dtype=np.float32)
    np.testing.assert_allclose(net(x).asnumpy(), expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


@pytest.mark.parametrize("name,side,classes", [("resnet18_v1", 64, 1000), ("resnet34_v2", 32, 7),
                                               ("mobilenet0.5", 32, 1000), ("vgg11", 32, 3)])
def test_output_shape(name, side, classes):
    net = build(name, classes=classes)
    net.initialize()
    assert net(mx.nd.ones((2, 3, side, side))).shape == (2, classes)


def test_thumbnail_resnet():
    net = build("resnet18_v1", classes=10, thumbnail=True)
    net.initialize()
    assert net(mx.nd.ones((1, 3, 32, 32))).shape == (1, 10)
    assert net.collect_params()["resnetv10_conv0_weight"].shape == (64, 3, 3, 3)


@pytest.mark.parametrize("name", list(EXPORTS))
def test_graph_equals_mxnet_export(name):
    _, expected = EXPORTS[name]
    nodes = json.loads(build(name, classes=10)(mx.sym.var("data")).tojson())["nodes"]
    assert hashlib.sha1(json.dumps(nodes, sort_keys=True).encode()).hexdigest() == expected


def test_export_file_equals_mxnet(tmp_path):
    side, expected = EXPORTS["resnet18_v1"]
    net = build("resnet18_v1", classes=10)
    net.initialize()
    net.hybridize()
    net(mx.nd.zeros((1, 3, side, side)))
    net.export(str(tmp_path / "r18"))
    assert export_digest(str(tmp_path / "r18-symbol.json")) == expected
    saved = mx.nd.load(str(tmp_path / "r18-0000.params"))
    assert "arg:resnetv10_conv0_weight" in saved and "aux:resnetv10_batchnorm0_running_var" in saved


# -- training: hybridized == imperative ---------------------------------------------------------------
def _train_step(net, x, head):
    x = x.copy()
    x.attach_grad()
    with autograd.record():
        out = net(x)
        loss = (out * head).sum()
    loss.backward()
    params = net.collect_params()
    grads = {k: p.grad().asnumpy() for k, p in params.items() if p.grad_req != "null"}
    stats = {k: p.data().asnumpy() for k, p in params.items() if k.endswith(("running_mean", "running_var"))}
    return out.asnumpy(), x.grad.asnumpy(), grads, stats


def test_resnet18_v1_forward_backward_hybridized_equals_imperative():
    head = mx.nd.array(np.random.RandomState(7).uniform(-1, 1, (2, 10)))
    imp, x = ready("resnet18_v1", 32)
    hyb, _ = ready("resnet18_v1", 32)
    hyb.hybridize()
    before = imp.collect_params()["resnetv10_batchnorm0_running_mean"].data().asnumpy()
    out_i, dx_i, g_i, s_i = _train_step(imp, x, head)
    out_h, dx_h, g_h, s_h = _train_step(hyb, x, head)
    np.testing.assert_allclose(out_h, out_i, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx_h, dx_i, rtol=1e-3, atol=1e-5 * np.abs(dx_i).max())
    assert len(g_i) == 62 and g_i.keys() == g_h.keys()
    for k in g_i:
        np.testing.assert_allclose(g_h[k], g_i[k], rtol=1e-3, atol=1e-4 * (np.abs(g_i[k]).max() + 1e-6),
                                   err_msg=k)
        assert np.abs(g_i[k]).max() > 0, k
    for k in s_i:
        np.testing.assert_allclose(s_h[k], s_i[k], rtol=1e-5, atol=1e-6, err_msg=k)
    # training mode used batch statistics and moved the running ones
    assert not np.allclose(s_i["resnetv10_batchnorm0_running_mean"], before)


def test_resnet18_v1_trains():
    net = build("resnet18_v1", classes=4, thumbnail=True)
    net.initialize(mx.init.Xavier())
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.05})
    rng = np.random.RandomState(0)
    x = mx.nd.array(rng.uniform(-1, 1, (8, 3, 8, 8)))
    y = mx.nd.array(rng.randint(0, 4, 8))
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    net.hybridize()
    losses = []
    for _ in range(8):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(8)
        losses.append(float(loss.mean().asscalar()))
    assert losses[-1] < losses[0]


# -- pretrained files -------------------------------------------------------------------------------
def _save_as_pretrained(net, name, root):
    path = os.path.join(root, "%s-%s.params" % (name, model_store.short_hash(name)))
    net.save_parameters(path)
    return path


def test_pretrained_loads_from_root(tmp_path):
    src, x = ready("resnet18_v1", 32)
    _save_as_pretrained(src, "resnet18_v1", str(tmp_path))
    with pytest.warns(UserWarning, match="differs from the file MXNet publishes"):
        net = vision.get_model("resnet18_v1", classes=10, pretrained=True, root=str(tmp_path))
    for (k1, p1), (k2, p2) in zip(src.collect_params().items(), net.collect_params().items()):
        np.testing.assert_array_equal(p1.data().asnumpy(), p2.data().asnumpy(), err_msg=k1)
    np.testing.assert_array_equal(net(x).asnumpy(), src(x).asnumpy())


def test_pretrained_ctx_and_zip(tmp_path):
    src = build("mobilenetv2_0.25", classes=10)
    src.initialize()
    src(mx.nd.zeros((1, 3, 32, 32)))
    name = "mobilenetv2_0.25"
    params = os.path.join(str(tmp_path), "%s-%s.params" % (name, model_store.short_hash(name)))
    src.save_parameters(params)
    with zipfile.ZipFile(params[:-len(".params")] + ".zip", "w") as zf:
        zf.write(params, os.path.basename(params))
    os.remove(params)
    with pytest.warns(UserWarning):
        net = vision.mobilenet_v2_0_25(classes=10, pretrained=True, ctx=mx.cpu(1), root=str(tmp_path))
    assert os.path.exists(params)
    p = net.collect_params()["mobilenetv20_features_conv0_weight"]
    assert p.list_ctx() == [mx.cpu(1)]
    np.testing.assert_array_equal(p.data(mx.cpu(1)).asnumpy(),
                                  src.collect_params()["mobilenetv20_features_conv0_weight"].data().asnumpy())


@pytest.mark.parametrize("ctor,file_name", [
    (vision.resnet50_v2, "resnet50_v2-ecdde353.params"),
    (vision.vgg16_bn, "vgg16_bn-7f01cf05.params"),
    (vision.vgg19, "vgg19-ad2f660d.params"),
    (vision.alexnet, "alexnet-44335d1f.params"),
    (vision.squeezenet1_1, "squeezenet1.1-33ba0f93.params"),
    (vision.densenet169, "densenet169-2603f878.params"),
    (vision.mobilenet0_5, "mobilenet0.5-8e9d539c.params"),
    (vision.mobilenet0_75, "mobilenet0.75-529b2c7f.params"),
    (vision.mobilenet_v2_1_0, "mobilenetv2_1.0-36da4ff1.params"),
    (vision.inception_v3, "inceptionv3-ed47ec45.params"),
])
def test_missing_pretrained_file_says_what_to_put_where(tmp_path, ctor, file_name):
    with pytest.raises(mx.MXNetError) as e:
        ctor(pretrained=True, root=str(tmp_path))
    msg = str(e.value)
    assert os.path.join(str(tmp_path), file_name) in msg
    assert "gluon/models/%s.zip" % file_name[:-len(".params")] in msg


def test_model_store_helpers(tmp_path):
    assert model_store.short_hash("resnet18_v1") == "a0666292"
    with pytest.raises(ValueError, match="Pretrained model for foo is not available"):
        model_store.short_hash("foo")
    with pytest.raises(ValueError, match="Pretrained model for foo is not available"):
        model_store.get_model_file("foo", root=str(tmp_path))
    (tmp_path / "a.params").write_bytes(b"x")
    (tmp_path / "keep.txt").write_bytes(b"x")
    model_store.purge(str(tmp_path))
    assert sorted(os.listdir(str(tmp_path))) == ["keep.txt"]


def test_get_model_errors_and_names():
    with pytest.raises(ValueError, match="Model foo is not supported. Available options are\n\talexnet"):
        vision.get_model("foo")
    assert isinstance(vision.get_model("ResNet18_V1"), vision.ResNetV1)
    assert isinstance(vision.get_model("mobilenetv2_0.5"), vision.MobileNetV2)
    with pytest.raises(AssertionError, match="Invalid resnet version: 3"):
        vision.get_resnet(3, 18)
    with pytest.raises(AssertionError, match="Invalid number of layers: 19"):
        vision.get_resnet(1, 19)
    with pytest.raises(KeyError):
        vision.get_vgg(12)
    with pytest.raises(AssertionError, match="Unsupported SqueezeNet version 1.2"):
        vision.SqueezeNet("1.2")
    assert mx.gluon.model_zoo.vision is vision
