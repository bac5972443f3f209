"""ResNet v1 (He et al. 2015, "Deep Residual Learning for Image Recognition") and v2 (He et al. 2016,
"Identity Mappings in Deep Residual Networks"), 18 to 152 layers."""
import os

from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ..model_store import data_dir
from ._blocks import FeaturesOutput, load_pretrained, model_constructor

__all__ = ["ResNetV1", "ResNetV2", "BasicBlockV1", "BasicBlockV2", "BottleneckV1", "BottleneckV2",
           "resnet18_v1", "resnet34_v1", "resnet50_v1", "resnet101_v1", "resnet152_v1",
           "resnet18_v2", "resnet34_v2", "resnet50_v2", "resnet101_v2", "resnet152_v2", "get_resnet"]


def _conv3x3(channels, stride, in_channels):
    return nn.Conv2D(channels, kernel_size=3, strides=stride, padding=1, use_bias=False, in_channels=in_channels)


class _BlockV1(HybridBlock):
    """Shared part of the v1 blocks: ``body`` (made by ``_add_body``) plus an identity or 1x1 conv+BN
    ``downsample`` shortcut, ReLU after the sum."""

    _residual_first = False  # the order of the summands (it names the inputs of the exported graph)

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self.body = nn.HybridSequential(prefix="")
        self._add_body(channels, stride, in_channels)
        if downsample:
            self.downsample = nn.HybridSequential(prefix="")
            self.downsample.add(nn.Conv2D(channels, kernel_size=1, strides=stride, use_bias=False,
                                          in_channels=in_channels))
            self.downsample.add(nn.BatchNorm())
        else:
            self.downsample = None

    def hybrid_forward(self, F, x):
        residual = x
        x = self.body(x)
        if self.downsample:
            residual = self.downsample(residual)
        return F.Activation(residual + x if self._residual_first else x + residual, act_type="relu")


class BasicBlockV1(_BlockV1):
    """Two 3x3 conv+BN layers with an identity (or 1x1 conv+BN ``downsample``) shortcut, ReLU after the sum
    (ResNet-18/34, v1)."""

    _residual_first = True

    def _add_body(self, channels, stride, in_channels):
        self.body.add(_conv3x3(channels, stride, in_channels))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(_conv3x3(channels, 1, channels))
        self.body.add(nn.BatchNorm())


class BottleneckV1(_BlockV1):
    """1x1 (stride) -> 3x3 -> 1x1 conv+BN bottleneck with ``channels // 4`` inner channels (ResNet-50+, v1)."""

    def _add_body(self, channels, stride, in_channels):
        self.body.add(nn.Conv2D(channels // 4, kernel_size=1, strides=stride))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(_conv3x3(channels // 4, 1, channels // 4))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation("relu"))
        self.body.add(nn.Conv2D(channels, kernel_size=1, strides=1))
        self.body.add(nn.BatchNorm())


class _BlockV2(HybridBlock):
    """Shared part of the pre-activation blocks: BN-ReLU-conv pairs ``bn1/conv1``, ``bn2/conv2`` (and
    ``bn3/conv3`` in the bottleneck, made by ``_add_layers``), an identity or 1x1-conv shortcut taken
    after the first BN-ReLU."""

    bn3 = None  # the basic block has no third layer

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self._add_layers(channels, stride, in_channels)
        if downsample:
            self.downsample = nn.Conv2D(channels, 1, stride, use_bias=False, in_channels=in_channels)
        else:
            self.downsample = None

    def hybrid_forward(self, F, x):
        residual = x
        x = self.bn1(x)
        x = F.Activation(x, act_type="relu")
        if self.downsample:
            residual = self.downsample(x)
        x = self.conv1(x)
        x = self.bn2(x)
        x = F.Activation(x, act_type="relu")
        x = self.conv2(x)
        if self.bn3 is not None:
            x = self.bn3(x)
            x = F.Activation(x, act_type="relu")
            x = self.conv3(x)
        return x + residual


class BasicBlockV2(_BlockV2):
    """Pre-activation basic block: BN-ReLU-conv3x3 twice, identity or 1x1-conv shortcut (ResNet-18/34, v2)."""

    def _add_layers(self, channels, stride, in_channels):
        self.bn1 = nn.BatchNorm()
        self.conv1 = _conv3x3(channels, stride, in_channels)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(channels, 1, channels)


class BottleneckV2(_BlockV2):
    """Pre-activation bottleneck: BN-ReLU-conv1x1, BN-ReLU-conv3x3 (stride), BN-ReLU-conv1x1 (ResNet-50+, v2)."""

    def _add_layers(self, channels, stride, in_channels):
        self.bn1 = nn.BatchNorm()
        self.conv1 = nn.Conv2D(channels // 4, kernel_size=1, strides=1, use_bias=False)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(channels // 4, stride, channels // 4)
        self.bn3 = nn.BatchNorm()
        self.conv3 = nn.Conv2D(channels, kernel_size=1, strides=1, use_bias=False)


def _make_layer(block, layers, channels, stride, stage_index, in_channels):
    layer = nn.HybridSequential(prefix="stage%d_" % stage_index)
    with layer.name_scope():
        layer.add(block(channels, stride, channels != in_channels, in_channels=in_channels, prefix=""))
        for _ in range(layers - 1):
            layer.add(block(channels, 1, False, in_channels=channels, prefix=""))
    return layer


def _add_stem_and_stages(features, block, layers, channels, thumbnail):
    """The stem (7x7/2 conv-BN-ReLU and 3x3/2 max-pool, or one 3x3 conv if ``thumbnail``) and the four
    stages, stage ``i`` taking ``channels[i]`` channels to ``channels[i+1]``."""
    assert len(layers) == len(channels) - 1
    if thumbnail:
        features.add(_conv3x3(channels[0], 1, 0))
    else:
        features.add(nn.Conv2D(channels[0], 7, 2, 3, use_bias=False))
        features.add(nn.BatchNorm())
        features.add(nn.Activation("relu"))
        features.add(nn.MaxPool2D(3, 2, 1))
    for i, num_layer in enumerate(layers):
        stride = 1 if i == 0 else 2
        features.add(_make_layer(block, num_layer, channels[i + 1], stride, i + 1, in_channels=channels[i]))


class ResNetV1(FeaturesOutput):
    """ResNet v1: 7x7/2 conv-BN-ReLU, 3x3/2 max-pool (or one 3x3 conv if ``thumbnail``, for 32x32 images),
    four stages of ``block`` repeated ``layers[i]`` times with ``channels[i+1]`` channels, global average
    pooling and a ``classes``-way Dense layer."""

    def __init__(self, block, layers, channels, classes=1000, thumbnail=False, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            _add_stem_and_stages(self.features, block, layers, channels, thumbnail)
            self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.Dense(classes, in_units=channels[-1])


class ResNetV2(FeaturesOutput):
    """ResNet v2 (pre-activation): an input BatchNorm without scale/shift, the v1 stem and stages made of
    pre-activation blocks, then BN-ReLU, global average pooling, Flatten and a ``classes``-way Dense."""

    def __init__(self, block, layers, channels, classes=1000, thumbnail=False, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.BatchNorm(scale=False, center=False))
            _add_stem_and_stages(self.features, block, layers, channels, thumbnail)
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.GlobalAvgPool2D())
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes, in_units=channels[-1])


# num_layers -> (block type, repeats per stage, channels: stem then per stage)
resnet_spec = {18: ("basic_block", [2, 2, 2, 2], [64, 64, 128, 256, 512]),
               34: ("basic_block", [3, 4, 6, 3], [64, 64, 128, 256, 512]),
               50: ("bottle_neck", [3, 4, 6, 3], [64, 256, 512, 1024, 2048]),
               101: ("bottle_neck", [3, 4, 23, 3], [64, 256, 512, 1024, 2048]),
               152: ("bottle_neck", [3, 8, 36, 3], [64, 256, 512, 1024, 2048])}

resnet_net_versions = [ResNetV1, ResNetV2]
resnet_block_versions = [{"basic_block": BasicBlockV1, "bottle_neck": BottleneckV1},
                         {"basic_block": BasicBlockV2, "bottle_neck": BottleneckV2}]


def get_resnet(version, num_layers, pretrained=False, ctx=cpu(), root=os.path.join(data_dir(), "models"),
               **kwargs):
    """ResNet ``version`` (1 or 2) with ``num_layers`` (18, 34, 50, 101, 152); ``pretrained`` loads
    ``resnet<num_layers>_v<version>`` from the model store in ``root`` onto ``ctx``."""
    assert num_layers in resnet_spec, "Invalid number of layers: %d. Options are %s" % (
        num_layers, str(resnet_spec.keys()))
    block_type, layers, channels = resnet_spec[num_layers]
    assert 1 <= version <= 2, "Invalid resnet version: %d. Options are 1 and 2." % version
    resnet_class = resnet_net_versions[version - 1]
    block_class = resnet_block_versions[version - 1][block_type]
    net = resnet_class(block_class, layers, channels, **kwargs)
    return load_pretrained(net, pretrained, "resnet%d_v%d" % (num_layers, version), ctx, root)


resnet18_v1 = model_constructor(get_resnet, "resnet18_v1", "ResNet-18 v1", 1, 18)
resnet34_v1 = model_constructor(get_resnet, "resnet34_v1", "ResNet-34 v1", 1, 34)
resnet50_v1 = model_constructor(get_resnet, "resnet50_v1", "ResNet-50 v1", 1, 50)
resnet101_v1 = model_constructor(get_resnet, "resnet101_v1", "ResNet-101 v1", 1, 101)
resnet152_v1 = model_constructor(get_resnet, "resnet152_v1", "ResNet-152 v1", 1, 152)
resnet18_v2 = model_constructor(get_resnet, "resnet18_v2", "ResNet-18 v2", 2, 18)
resnet34_v2 = model_constructor(get_resnet, "resnet34_v2", "ResNet-34 v2", 2, 34)
resnet50_v2 = model_constructor(get_resnet, "resnet50_v2", "ResNet-50 v2", 2, 50)
resnet101_v2 = model_constructor(get_resnet, "resnet101_v2", "ResNet-101 v2", 2, 101)
resnet152_v2 = model_constructor(get_resnet, "resnet152_v2", "ResNet-152 v2", 2, 152)
