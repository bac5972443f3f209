"""mx.visualization: print_summary reproduces MXNet 1.9.1's table (golden text from the
oracle for an MLP and a LeNet-style net with multi-input layers), its totals equal the real
parameter counts, and plot_network builds a graphviz graph (or raises ImportError without it)."""
import json
import sys

import numpy as np
import pytest

import mxnet as mx

# Printed by MXNet 1.9.1 (trailing spaces stripped; every table line is padded to line_length).
MLP_GOLDEN = """\
________________________________________________________________________________________________________________________
Layer (type)                                        Output Shape            Param #     Previous Layer
========================================================================================================================
data(null)                                          784                     0
________________________________________________________________________________________________________________________
fc1(FullyConnected)                                 128                     100480      data
________________________________________________________________________________________________________________________
relu1(Activation)                                   128                     0           fc1
________________________________________________________________________________________________________________________
fc2(FullyConnected)                                 10                      1290        relu1
________________________________________________________________________________________________________________________
softmax(SoftmaxOutput)                              10                      0           fc2
========================================================================================================================
Total params: 101770
________________________________________________________________________________________________________________________
"""

LENET80_GOLDEN = """\
________________________________________________________________________________
Layer (type)            Output Shape            Param #         Previous Layer
================================================================================
data(null)              1x28x28                 0
________________________________________________________________________________
conv1(Convolution)      20x24x24                520             data
________________________________________________________________________________
tanh1(Activation)       20x24x24                0               conv1
________________________________________________________________________________
pool1(Pooling)          20x12x12                0               tanh1
________________________________________________________________________________
conv2(Convolution)      50x8x8                  25050           pool1
________________________________________________________________________________
bn2(BatchNorm)          50x8x8                  100             conv2
________________________________________________________________________________
tanh2(Activation)       50x8x8                  0               bn2
________________________________________________________________________________
pool2(Pooling)          50x4x4                  0               tanh2
________________________________________________________________________________
flat(Flatten)           800                     0               pool2
________________________________________________________________________________
fc1(FullyConnected)     500                     400500          flat
________________________________________________________________________________
tanh3(Activation)       500                     0               fc1
________________________________________________________________________________
fc2(FullyConnected)     10                      5010            tanh3
________________________________________________________________________________
emb(Embedding)          4x3                     21
________________________________________________________________________________
sum0(sum)               3                       0               emb
________________________________________________________________________________
cat(Concat)             13                      0               fc2
                                                                sum0
________________________________________________________________________________
_mulscalar0(_mul_scalar)13                      0               cat
________________________________________________________________________________
_plusscalar0(_plus_scala13                      0               _mulscalar0
________________________________________________________________________________
softmax(SoftmaxOutput)  13                      0               _plusscalar0
================================================================================
Total params: 431201
________________________________________________________________________________
"""


def _mlp():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=128, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def _lenet():
    data = mx.sym.var("data")
    c1 = mx.sym.Convolution(data, kernel=(5, 5), num_filter=20, name="conv1")
    t1 = mx.sym.Activation(c1, act_type="tanh", name="tanh1")
    p1 = mx.sym.Pooling(t1, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool1")
    c2 = mx.sym.Convolution(p1, kernel=(5, 5), num_filter=50, name="conv2")
    bn = mx.sym.BatchNorm(c2, name="bn2")
    t2 = mx.sym.Activation(bn, act_type="tanh", name="tanh2")
    p2 = mx.sym.Pooling(t2, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool2")
    f = mx.sym.Flatten(p2, name="flat")
    f1 = mx.sym.FullyConnected(f, num_hidden=500, name="fc1")
    t3 = mx.sym.Activation(f1, act_type="tanh", name="tanh3")
    f2 = mx.sym.FullyConnected(t3, num_hidden=10, name="fc2")
    e = mx.sym.Embedding(mx.sym.var("idx"), input_dim=7, output_dim=3, name="emb")
    cc = mx.sym.Concat(f2, mx.sym.sum(e, axis=1), name="cat")
    d = cc * 2 + 1
    return mx.sym.SoftmaxOutput(d, name="softmax")


LENET_SHAPES = {"data": (2, 1, 28, 28), "idx": (2, 4)}


def _summary(capsys, *args, **kwargs):
    mx.viz.print_summary(*args, **kwargs)
    return capsys.readouterr().out


def _check_text(out, golden, width):
    lines = out.rstrip("\n").split("\n")
    assert [line.rstrip() for line in lines] == golden.rstrip("\n").split("\n")
    for line in lines:
        if not line.startswith("Total params"):
            assert len(line) == width, repr(line)


def _real_param_count(sym, shapes):
    arg_shapes, _, _ = sym.infer_shape(**shapes)
    inputs = set(shapes) | {n for n in sym.list_arguments() if n.endswith("_label")}
    return sum(int(np.prod(s)) for n, s in zip(sym.list_arguments(), arg_shapes) if n not in inputs)


def test_mlp_summary_matches_mxnet(capsys):
    out = _summary(capsys, _mlp(), shape={"data": (1, 784)})
    _check_text(out, MLP_GOLDEN, 120)
    assert "Total params: {}".format(_real_param_count(_mlp(), {"data": (1, 784)})) in out


def test_lenet_summary_matches_mxnet(capsys):
    with mx.name.NameManager():
        net = _lenet()
    out = _summary(capsys, net, shape=LENET_SHAPES, line_length=80, positions=[.3, .6, .8, 1.])
    _check_text(out, LENET80_GOLDEN, 80)
    # conv/fc/embedding weights+biases and BatchNorm's gamma+beta: the real trainable count
    assert "Total params: {}".format(_real_param_count(net, LENET_SHAPES)) in out
    wide = _summary(capsys, net, shape=LENET_SHAPES)
    assert "Total params: 431201" in wide and "cat(Concat)" in wide


def test_summary_without_shapes(capsys):
    out = _summary(capsys, _mlp())
    # without shapes MXNet counts only the biases of FullyConnected layers
    assert "Total params: 138" in out
    row = next(line for line in out.split("\n") if line.startswith("fc1(FullyConnected)"))
    assert row.split() == ["fc1(FullyConnected)", "128", "data"]


def test_summary_errors():
    with pytest.raises(TypeError):
        mx.viz.print_summary("not a symbol")
    with pytest.raises(TypeError):
        mx.viz.print_summary(_mlp(), shape=[1])


def test_plot_network_needs_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match="graphviz"):
        mx.viz.plot_network(_mlp())


def test_plot_network_graph():
    pytest.importorskip("graphviz")
    dot = mx.viz.plot_network(_mlp(), shape={"data": (1, 784)}, dtype={"data": np.float32})
    src = dot.source
    assert dot.name == "plot"
    for node in ("data", "fc1", "relu1", "fc2", "softmax_label", "softmax"):
        assert "\t{} [".format(node) in src
    assert "fc1_weight" not in src
    assert "fc1 -> data [label=\"784(float32)\"" in src
    assert "FullyConnected\n128" in src


def test_signatures_match_mxnet():
    import inspect
    import os
    spec_path = os.path.join(os.path.dirname(__file__), "fixtures", "spec", "mxnet-1.9.1-api.json")
    with open(spec_path) as f:
        spec = json.load(f)["modules"]["mxnet.visualization"]
    checked = 0
    for name, entry in spec.items():
        if entry.get("kind") == "function" and name not in ():
            assert str(inspect.signature(getattr(mx.visualization, name))) == entry["signature"], name
            checked += 1
        elif entry.get("kind") == "class" and name in ():
            for member, sig in entry["members"].items():
                if sig and sig.startswith("("):
                    assert str(inspect.signature(getattr(getattr(mx.visualization, name), member))) == sig, (name, member)
                    checked += 1
    assert checked >= 2
