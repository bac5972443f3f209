"""Writes reference.py (the literals test_vision.py compares against) from real MXNet 1.9.1:

    ~/mxref/bin/python tests/gluon/model_zoo/make_reference.py

For every model of the zoo: parameter count, first and last name, and SHA-1 digests of the
parameter names, of the ``save_parameters`` keys, of the parameter shapes (224x224 input, 299
for Inception) and of ``repr(net)``. For a set of (model, input size) cases: the output of a 10-class model for a fixed
input with every parameter set by ``fill_params`` (inference mode). For some models: the SHA-1 of
the nodes of the exported symbol JSON. Also importable (no MXNet needed) for its helpers."""
import hashlib
import json
import os
import sys

import numpy as np

MODELS = ["resnet18_v1", "resnet34_v1", "resnet50_v1", "resnet101_v1", "resnet152_v1",
          "resnet18_v2", "resnet34_v2", "resnet50_v2", "resnet101_v2", "resnet152_v2",
          "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "alexnet",
          "squeezenet1.0", "squeezenet1.1", "densenet121", "densenet161", "densenet169", "densenet201",
          "mobilenet1.0", "mobilenet0.75", "mobilenet0.5", "mobilenet0.25",
          "mobilenetv2_1.0", "mobilenetv2_0.75", "mobilenetv2_0.5", "mobilenetv2_0.25", "inceptionv3"]

# (model, input side): the smallest convenient inputs (SqueezeNet and DenseNet end in fixed-size
# average pools that need 224, Inception v3 needs 299)
VALUE_CASES = [("resnet18_v1", 32), ("resnet18_v2", 32), ("resnet50_v1", 32), ("resnet50_v2", 32),
               ("vgg11", 32), ("vgg11_bn", 32), ("alexnet", 64), ("squeezenet1.0", 224), ("squeezenet1.1", 224),
               ("densenet121", 224), ("mobilenet0.25", 32), ("mobilenetv2_0.25", 32), ("inceptionv3", 299)]

EXPORT_CASES = [("resnet18_v1", 32), ("resnet50_v2", 32), ("mobilenetv2_0.25", 32), ("squeezenet1.1", 224),
                ("densenet121", 224), ("inceptionv3", 299)]


def digest(lines):
    return hashlib.sha1("\n".join(lines).encode()).hexdigest()


def input_side(name):
    return 299 if name == "inceptionv3" else 224


def fill_params(net, nd):
    """Set every parameter (shapes known) from a seeded uniform draw: weights scaled by
    sqrt(6 / fan_in), BatchNorm statistics and scales near 1, biases near 0."""
    for i, (name, p) in enumerate(net.collect_params().items()):
        shape = p.shape
        r = np.random.RandomState(i).uniform(-1, 1, int(np.prod(shape))).astype(np.float32).reshape(shape)
        if name.endswith("weight"):
            v = r * np.sqrt(6.0 / int(np.prod(shape[1:])))
        elif name.endswith("running_var"):
            v = 1.0 + 0.5 * np.abs(r)
        elif name.endswith("gamma"):
            v = 1.0 + 0.2 * r
        else:  # bias, beta, running_mean
            v = 0.1 * r
        p.set_data(nd.array(v.astype(np.float32)))


def make_input(side, batch=2):
    return np.random.RandomState(123).uniform(-1, 1, (batch, 3, side, side)).astype(np.float32)


def export_digest(symbol_file):
    with open(symbol_file) as f:
        nodes = json.load(f)["nodes"]
    return hashlib.sha1(json.dumps(nodes, sort_keys=True).encode()).hexdigest()


def main():
    import tempfile

    import mxnet as mx
    from mxnet.gluon.model_zoo import vision
    params, reprs = {}, {}
    for name in MODELS:
        with mx.name.NameManager():
            net = vision.get_model(name)
        reprs[name] = hashlib.sha1(repr(net).encode()).hexdigest()
        net.initialize()
        side = input_side(name)
        net(mx.nd.zeros((1, 3, side, side))).wait_to_read()
        ps = net.collect_params()
        keys = list(ps.keys())
        structural = list(net._collect_params_with_prefix().keys())
        shapes = ["%s:%s" % (k, tuple(p.shape)) for k, p in ps.items()]
        params[name] = (len(keys), keys[0], keys[-1], digest(keys), digest(structural), digest(shapes))
        print(name, len(keys), file=sys.stderr)
    values = {}
    for name, side in VALUE_CASES:
        with mx.name.NameManager():
            net = vision.get_model(name, classes=10)
        net.initialize()
        x = mx.nd.array(make_input(side))
        net(x).wait_to_read()
        fill_params(net, mx.nd)
        y = net(x).asnumpy()
        values[name] = (side, [[float("%.6g" % v) for v in row] for row in y])
    exports = {}
    tmp = tempfile.mkdtemp()
    for name, side in EXPORT_CASES:
        with mx.name.NameManager():
            net = vision.get_model(name, classes=10)
        net.initialize()
        net.hybridize()
        net(mx.nd.zeros((1, 3, side, side))).wait_to_read()
        net.export(os.path.join(tmp, name))
        exports[name] = (side, export_digest(os.path.join(tmp, name + "-symbol.json")))
    with mx.name.NameManager():
        alex = list(vision.alexnet().collect_params().keys())
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.py")
    with open(out, "w") as f:
        f.write('"""Made by make_reference.py from real MXNet %s; do not edit."""\n\n' % mx.__version__)
        f.write("# name: (count, first, last, sha1 of names, sha1 of save_parameters keys, sha1 of name:shape)\n")
        f.write("PARAMS = {\n")
        for k, v in params.items():
            f.write("    %r: %r,\n" % (k, v))
        f.write("}\n\n# name: sha1 of repr(net) before initialization\nREPRS = {\n")
        for k, v in reprs.items():
            f.write("    %r: %r,\n" % (k, v))
        f.write("}\n\nALEXNET_KEYS = [\n")
        for k in alex:
            f.write("    %r,\n" % k)
        f.write("]\n\n# name: (input side, output of the 10-class model for make_input(side) after fill_params)\n")
        f.write("VALUES = {\n")
        for k, (side, rows) in values.items():
            f.write("    %r: (%d, [\n" % (k, side))
            for row in rows:
                f.write("        %r,\n" % row)
            f.write("    ]),\n")
        f.write("}\n\n# name: (input side, sha1 of the exported symbol JSON's nodes, 10 classes)\n")
        f.write("EXPORTS = {\n")
        for k, v in exports.items():
            f.write("    %r: %r,\n" % (k, v))
        f.write("}\n")
    print("wrote", out, file=sys.stderr)


if __name__ == "__main__":
    main()
