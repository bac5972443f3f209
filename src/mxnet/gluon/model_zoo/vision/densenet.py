"""DenseNet 121/161/169/201 (Huang et al. 2016, "Densely Connected Convolutional Networks")."""
import os

from ....context import cpu
from ... import nn
from ..model_store import data_dir
from ._blocks import FeaturesOutput, HybridConcurrent, Identity, load_pretrained, model_constructor

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201"]


def _add_bn_relu_conv(out, channels, kernel_size, padding=0):
    """BatchNorm, ReLU and a bias-free ``kernel_size`` convolution to ``channels``, appended to ``out``."""
    out.add(nn.BatchNorm())
    out.add(nn.Activation("relu"))
    out.add(nn.Conv2D(channels, kernel_size=kernel_size, padding=padding, use_bias=False))


def _make_dense_block(num_layers, bn_size, growth_rate, dropout, stage_index):
    out = nn.HybridSequential(prefix="stage%d_" % stage_index)
    with out.name_scope():
        for _ in range(num_layers):
            out.add(_make_dense_layer(growth_rate, bn_size, dropout))
    return out


def _make_dense_layer(growth_rate, bn_size, dropout):
    """BN-ReLU-conv1x1 (bn_size * growth_rate), BN-ReLU-conv3x3 (growth_rate); the result is
    concatenated to the layer's input."""
    new_features = nn.HybridSequential(prefix="")
    _add_bn_relu_conv(new_features, bn_size * growth_rate, 1)
    _add_bn_relu_conv(new_features, growth_rate, 3, padding=1)
    if dropout:
        new_features.add(nn.Dropout(dropout))
    out = HybridConcurrent(axis=1, prefix="")
    out.add(Identity())
    out.add(new_features)
    return out


def _make_transition(num_output_features):
    out = nn.HybridSequential(prefix="")
    _add_bn_relu_conv(out, num_output_features, 1)
    out.add(nn.AvgPool2D(pool_size=2, strides=2))
    return out


class DenseNet(FeaturesOutput):
    """DenseNet: a 7x7/2 conv-BN-ReLU stem with 3x3/2 max-pool, dense blocks of ``block_config[i]`` layers
    adding ``growth_rate`` channels each, transitions halving the channels and the resolution between
    them, BN-ReLU, a 7x7 average pool (224x224 inputs) and a ``classes``-way Dense layer."""

    def __init__(self, num_init_features, growth_rate, block_config, bn_size=4, dropout=0, classes=1000,
                 **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.Conv2D(num_init_features, kernel_size=7, strides=2, padding=3, use_bias=False))
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2, padding=1))
            num_features = num_init_features
            for i, num_layers in enumerate(block_config):
                self.features.add(_make_dense_block(num_layers, bn_size, growth_rate, dropout, i + 1))
                num_features = num_features + num_layers * growth_rate
                if i != len(block_config) - 1:
                    self.features.add(_make_transition(num_features // 2))
                    num_features = num_features // 2
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.AvgPool2D(pool_size=7))
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes)


# num_layers -> (num_init_features, growth_rate, layers per dense block)
densenet_spec = {121: (64, 32, [6, 12, 24, 16]),
                 161: (96, 48, [6, 12, 36, 24]),
                 169: (64, 32, [6, 12, 32, 32]),
                 201: (64, 32, [6, 12, 48, 32])}


def get_densenet(num_layers, pretrained=False, ctx=cpu(), root=os.path.join(data_dir(), "models"), **kwargs):
    """DenseNet with ``num_layers`` (121, 161, 169, 201); ``pretrained`` loads ``densenet<num_layers>``
    from the model store in ``root`` onto ``ctx``."""
    if num_layers not in densenet_spec:
        raise KeyError("Invalid number of layers: %s. Options are %s" % (num_layers, sorted(densenet_spec)))
    num_init_features, growth_rate, block_config = densenet_spec[num_layers]
    net = DenseNet(num_init_features, growth_rate, block_config, **kwargs)
    return load_pretrained(net, pretrained, "densenet%d" % num_layers, ctx, root)


densenet121 = model_constructor(get_densenet, "densenet121", "DenseNet-121", 121)
densenet161 = model_constructor(get_densenet, "densenet161", "DenseNet-161", 161)
densenet169 = model_constructor(get_densenet, "densenet169", "DenseNet-169", 169)
densenet201 = model_constructor(get_densenet, "densenet201", "DenseNet-201", 201)
