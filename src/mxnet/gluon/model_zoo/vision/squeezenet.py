"""SqueezeNet 1.0 and 1.1 (Iandola et al. 2016, "SqueezeNet: AlexNet-level accuracy with 50x fewer
parameters and <0.5MB model size")."""
import os

from ....context import cpu
from ... import nn
from ..model_store import data_dir
from ._blocks import FeaturesOutput, HybridConcurrent, load_pretrained, model_constructor

__all__ = ["SqueezeNet", "squeezenet1_0", "squeezenet1_1"]


def _make_fire(squeeze_channels, expand1x1_channels, expand3x3_channels):
    """Fire module: a 1x1 squeeze conv, then 1x1 and 3x3 expand convs concatenated on channels."""
    out = nn.HybridSequential(prefix="")
    out.add(_make_fire_conv(squeeze_channels, 1))
    paths = HybridConcurrent(axis=1, prefix="")
    paths.add(_make_fire_conv(expand1x1_channels, 1))
    paths.add(_make_fire_conv(expand3x3_channels, 3, 1))
    out.add(paths)
    return out


def _make_fire_conv(channels, kernel_size, padding=0):
    out = nn.HybridSequential(prefix="")
    out.add(nn.Conv2D(channels, kernel_size, padding=padding))
    out.add(nn.Activation("relu"))
    return out


# version -> (stem conv channels, stem kernel, squeeze channels of the Fire modules of each stage; a
# ceil-mode 3x3/2 max-pool before every stage; Fire(s) expands to 4s + 4s channels)
_squeezenet_spec = {"1.0": (96, 7, [[16, 16, 32], [32, 48, 48, 64], [64]]),
                    "1.1": (64, 3, [[16, 16], [32, 32], [48, 48, 64, 64]])}


class SqueezeNet(FeaturesOutput):
    """SqueezeNet ``version`` '1.0' or '1.1': a conv stem, eight Fire modules with ceil-mode max-pools,
    Dropout, a 1x1 ``classes``-channel conv, ReLU and a 13x13 average pool (224x224 inputs)."""

    def __init__(self, version, classes=1000, **kwargs):
        super().__init__(**kwargs)
        assert version in ["1.0", "1.1"], ("Unsupported SqueezeNet version {version}:"
                                           "1.0 or 1.1 expected".format(version=version))
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            stem_channels, stem_kernel, stages = _squeezenet_spec[version]
            self.features.add(nn.Conv2D(stem_channels, kernel_size=stem_kernel, strides=2))
            self.features.add(nn.Activation("relu"))
            for squeeze_channels in stages:
                self.features.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                for channels in squeeze_channels:
                    self.features.add(_make_fire(channels, 4 * channels, 4 * channels))
            self.features.add(nn.Dropout(0.5))

            self.output = nn.HybridSequential(prefix="")
            self.output.add(nn.Conv2D(classes, kernel_size=1))
            self.output.add(nn.Activation("relu"))
            self.output.add(nn.AvgPool2D(13))
            self.output.add(nn.Flatten())


def get_squeezenet(version, pretrained=False, ctx=cpu(), root=os.path.join(data_dir(), "models"), **kwargs):
    """SqueezeNet ``version`` ('1.0' or '1.1'); ``pretrained`` loads ``squeezenet<version>`` from the model
    store in ``root`` onto ``ctx``."""
    return load_pretrained(SqueezeNet(version, **kwargs), pretrained, "squeezenet%s" % version, ctx, root)


squeezenet1_0 = model_constructor(get_squeezenet, "squeezenet1_0", "SqueezeNet 1.0", "1.0")
squeezenet1_1 = model_constructor(get_squeezenet, "squeezenet1_1", "SqueezeNet 1.1", "1.1")
