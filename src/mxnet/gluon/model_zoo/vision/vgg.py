"""VGG 11/13/16/19, with or without BatchNorm (Simonyan & Zisserman 2014, "Very Deep Convolutional
Networks for Large-Scale Image Recognition")."""
import os

from ....context import cpu
from ....initializer import Xavier
from ... import nn
from ..model_store import data_dir
from ._blocks import FeaturesOutput, load_pretrained, model_constructor

__all__ = ["VGG", "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
           "get_vgg"]


class VGG(FeaturesOutput):
    """Stages of ``layers[i]`` 3x3 convolutions with ``filters[i]`` channels (each followed by BatchNorm if
    ``batch_norm``, then ReLU) and a 2x2 max-pool, then Dense 4096-ReLU-Dropout twice and a
    ``classes``-way Dense layer."""

    def __init__(self, layers, filters, classes=1000, batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        assert len(layers) == len(filters)
        with self.name_scope():
            self.features = self._make_features(layers, filters, batch_norm)
            for _ in range(2):
                self.features.add(nn.Dense(4096, activation="relu", weight_initializer="normal",
                                           bias_initializer="zeros"))
                self.features.add(nn.Dropout(rate=0.5))
            self.output = nn.Dense(classes, weight_initializer="normal", bias_initializer="zeros")

    def _make_features(self, layers, filters, batch_norm):
        featurizer = nn.HybridSequential(prefix="")
        for i, num in enumerate(layers):
            for _ in range(num):
                featurizer.add(nn.Conv2D(filters[i], kernel_size=3, padding=1,
                                         weight_initializer=Xavier(rnd_type="gaussian", factor_type="out",
                                                                   magnitude=2),
                                         bias_initializer="zeros"))
                if batch_norm:
                    featurizer.add(nn.BatchNorm())
                featurizer.add(nn.Activation("relu"))
            featurizer.add(nn.MaxPool2D(strides=2))
        return featurizer


# num_layers -> (convolutions per stage, channels per stage)
vgg_spec = {11: ([1, 1, 2, 2, 2], [64, 128, 256, 512, 512]),
            13: ([2, 2, 2, 2, 2], [64, 128, 256, 512, 512]),
            16: ([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]),
            19: ([2, 2, 4, 4, 4], [64, 128, 256, 512, 512])}


def get_vgg(num_layers, pretrained=False, ctx=cpu(), root=os.path.join(data_dir(), "models"), **kwargs):
    """VGG with ``num_layers`` (11, 13, 16, 19); ``batch_norm=True`` adds BatchNorm; ``pretrained`` loads
    ``vgg<num_layers>[_bn]`` from the model store in ``root`` onto ``ctx``."""
    if num_layers not in vgg_spec:
        raise KeyError("Invalid number of layers: %s. Options are %s" % (num_layers, sorted(vgg_spec)))
    layers, filters = vgg_spec[num_layers]
    net = VGG(layers, filters, **kwargs)
    suffix = "_bn" if kwargs.get("batch_norm") else ""
    return load_pretrained(net, pretrained, "vgg%d%s" % (num_layers, suffix), ctx, root)


vgg11 = model_constructor(get_vgg, "vgg11", "VGG-11", 11)
vgg13 = model_constructor(get_vgg, "vgg13", "VGG-13", 13)
vgg16 = model_constructor(get_vgg, "vgg16", "VGG-16", 16)
vgg19 = model_constructor(get_vgg, "vgg19", "VGG-19", 19)
vgg11_bn = model_constructor(get_vgg, "vgg11_bn", "VGG-11 with BatchNorm", 11, batch_norm=True)
vgg13_bn = model_constructor(get_vgg, "vgg13_bn", "VGG-13 with BatchNorm", 13, batch_norm=True)
vgg16_bn = model_constructor(get_vgg, "vgg16_bn", "VGG-16 with BatchNorm", 16, batch_norm=True)
vgg19_bn = model_constructor(get_vgg, "vgg19_bn", "VGG-19 with BatchNorm", 19, batch_norm=True)
