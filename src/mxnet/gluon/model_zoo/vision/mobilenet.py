"""MobileNet v1 (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for Mobile
Vision Applications") and v2 (Sandler et al. 2018, "Inverted Residuals and Linear Bottlenecks"), with
width multipliers 1.0, 0.75, 0.5 and 0.25."""
import os

from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ..model_store import data_dir
from ._blocks import FeaturesOutput, load_pretrained, model_constructor

__all__ = ["MobileNet", "MobileNetV2", "mobilenet1_0", "mobilenet_v2_1_0", "mobilenet0_75", "mobilenet_v2_0_75",
           "mobilenet0_5", "mobilenet_v2_0_5", "mobilenet0_25", "mobilenet_v2_0_25", "get_mobilenet",
           "get_mobilenet_v2"]


class RELU6(HybridBlock):
    """``min(max(x, 0), 6)``."""

    def hybrid_forward(self, F, x):
        return F.clip(x, 0, 6, name="relu6")


def _add_conv(out, channels=1, kernel=1, stride=1, pad=0, num_group=1, active=True, relu6=False):
    out.add(nn.Conv2D(channels, kernel, stride, pad, groups=num_group, use_bias=False))
    out.add(nn.BatchNorm(scale=True))
    if active:
        out.add(RELU6() if relu6 else nn.Activation("relu"))


def _add_conv_dw(out, dw_channels, channels, stride, relu6=False):
    """Depthwise 3x3 conv-BN-ReLU, then pointwise 1x1 conv-BN-ReLU."""
    _add_conv(out, channels=dw_channels, kernel=3, stride=stride, pad=1, num_group=dw_channels, relu6=relu6)
    _add_conv(out, channels=channels, relu6=relu6)


class LinearBottleneck(HybridBlock):
    """MobileNetV2 block: 1x1 expansion (x ``t``), 3x3 depthwise (``stride``), 1x1 linear projection;
    a residual connection when the shape is kept."""

    def __init__(self, in_channels, channels, t, stride, **kwargs):
        super().__init__(**kwargs)
        self.use_shortcut = stride == 1 and in_channels == channels
        with self.name_scope():
            self.out = nn.HybridSequential()
            _add_conv(self.out, in_channels * t, relu6=True)
            _add_conv(self.out, in_channels * t, kernel=3, stride=stride, pad=1, num_group=in_channels * t,
                      relu6=True)
            _add_conv(self.out, channels, active=False, relu6=True)

    def hybrid_forward(self, F, x):
        out = self.out(x)
        if self.use_shortcut:
            out = F.elemwise_add(out, x)
        return out


class MobileNet(FeaturesOutput):
    """MobileNet v1: a 3x3/2 conv, 13 depthwise-separable conv pairs, global average pooling and a
    ``classes``-way Dense layer; channel counts are scaled by ``multiplier``."""

    def __init__(self, multiplier=1.0, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            with self.features.name_scope():
                _add_conv(self.features, channels=int(32 * multiplier), kernel=3, pad=1, stride=2)
                dw_channels = [int(x * multiplier) for x in [32, 64] + [128] * 2 + [256] * 2 + [512] * 6 + [1024]]
                channels = [int(x * multiplier) for x in [64] + [128] * 2 + [256] * 2 + [512] * 6 + [1024] * 2]
                strides = [1, 2] * 3 + [1] * 5 + [2, 1]
                for dwc, c, s in zip(dw_channels, channels, strides):
                    _add_conv_dw(self.features, dw_channels=dwc, channels=c, stride=s)
                self.features.add(nn.GlobalAvgPool2D())
                self.features.add(nn.Flatten())
            self.output = nn.Dense(classes)


class MobileNetV2(FeaturesOutput):
    """MobileNet v2: a 3x3/2 conv, 17 LinearBottleneck blocks, a 1x1 conv to 1280 channels, global average
    pooling and a 1x1 ``classes``-channel conv; channel counts are scaled by ``multiplier``."""

    def __init__(self, multiplier=1.0, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="features_")
            with self.features.name_scope():
                _add_conv(self.features, int(32 * multiplier), kernel=3, stride=2, pad=1, relu6=True)
                in_channels_group = [int(x * multiplier) for x in
                                     [32] + [16] + [24] * 2 + [32] * 3 + [64] * 4 + [96] * 3 + [160] * 3]
                channels_group = [int(x * multiplier) for x in
                                  [16] + [24] * 2 + [32] * 3 + [64] * 4 + [96] * 3 + [160] * 3 + [320]]
                ts = [1] + [6] * 16
                strides = [1, 2] * 2 + [1, 1, 2] + [1] * 6 + [2] + [1] * 3
                for in_c, c, t, s in zip(in_channels_group, channels_group, ts, strides):
                    self.features.add(LinearBottleneck(in_channels=in_c, channels=c, t=t, stride=s))
                last_channels = int(1280 * multiplier) if multiplier > 1.0 else 1280
                _add_conv(self.features, last_channels, relu6=True)
                self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.HybridSequential(prefix="output_")
            with self.output.name_scope():
                self.output.add(nn.Conv2D(classes, 1, use_bias=False, prefix="pred_"), nn.Flatten())


def _multiplier_suffix(multiplier):
    suffix = "{0:.2f}".format(multiplier)
    return suffix[:-1] if suffix in ("1.00", "0.50") else suffix


def get_mobilenet(multiplier, pretrained=False, ctx=cpu(), root=os.path.join(data_dir(), "models"), **kwargs):
    """MobileNet v1 with width ``multiplier``; ``pretrained`` loads ``mobilenet<multiplier>`` (1.0, 0.75,
    0.5, 0.25) from the model store in ``root`` onto ``ctx``."""
    net = MobileNet(multiplier, **kwargs)
    return load_pretrained(net, pretrained, "mobilenet%s" % _multiplier_suffix(multiplier), ctx, root)


def get_mobilenet_v2(multiplier, pretrained=False, ctx=cpu(), root=os.path.join(data_dir(), "models"),
                     **kwargs):
    """MobileNet v2 with width ``multiplier``; ``pretrained`` loads ``mobilenetv2_<multiplier>`` from the
    model store in ``root`` onto ``ctx``."""
    net = MobileNetV2(multiplier, **kwargs)
    return load_pretrained(net, pretrained, "mobilenetv2_%s" % _multiplier_suffix(multiplier), ctx, root)


mobilenet1_0 = model_constructor(get_mobilenet, "mobilenet1_0", "MobileNet v1, width 1.0", 1.0)
mobilenet_v2_1_0 = model_constructor(get_mobilenet_v2, "mobilenet_v2_1_0", "MobileNet v2, width 1.0", 1.0)
mobilenet0_75 = model_constructor(get_mobilenet, "mobilenet0_75", "MobileNet v1, width 0.75", 0.75)
mobilenet_v2_0_75 = model_constructor(get_mobilenet_v2, "mobilenet_v2_0_75", "MobileNet v2, width 0.75", 0.75)
mobilenet0_5 = model_constructor(get_mobilenet, "mobilenet0_5", "MobileNet v1, width 0.5", 0.5)
mobilenet_v2_0_5 = model_constructor(get_mobilenet_v2, "mobilenet_v2_0_5", "MobileNet v2, width 0.5", 0.5)
mobilenet0_25 = model_constructor(get_mobilenet, "mobilenet0_25", "MobileNet v1, width 0.25", 0.25)
mobilenet_v2_0_25 = model_constructor(get_mobilenet_v2, "mobilenet_v2_0_25", "MobileNet v2, width 0.25", 0.25)
