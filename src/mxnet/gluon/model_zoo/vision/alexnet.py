"""AlexNet (Krizhevsky, "One weird trick for parallelizing convolutional neural networks", 2014)."""
import os

from ....context import cpu
from ... import nn
from ..model_store import data_dir
from ._blocks import FeaturesOutput, load_pretrained

__all__ = ["AlexNet", "alexnet"]


class AlexNet(FeaturesOutput):
    """Five convolutions (11x11/4, 5x5, three 3x3; ReLU) with three 3x3/2 max-pools, then Dense 4096-ReLU-
    Dropout twice and a ``classes``-way Dense layer. Needs inputs of at least 63x63 (224x224 nominal)."""

    def __init__(self, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            with self.features.name_scope():
                self.features.add(nn.Conv2D(64, kernel_size=11, strides=4, padding=2, activation="relu"))
                self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Conv2D(192, kernel_size=5, padding=2, activation="relu"))
                self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Conv2D(384, kernel_size=3, padding=1, activation="relu"))
                self.features.add(nn.Conv2D(256, kernel_size=3, padding=1, activation="relu"))
                self.features.add(nn.Conv2D(256, kernel_size=3, padding=1, activation="relu"))
                self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Flatten())
                self.features.add(nn.Dense(4096, activation="relu"))
                self.features.add(nn.Dropout(0.5))
                self.features.add(nn.Dense(4096, activation="relu"))
                self.features.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)


def alexnet(pretrained=False, ctx=cpu(), root=os.path.join(data_dir(), "models"), **kwargs):
    """AlexNet; ``pretrained`` loads ``alexnet`` from the model store in ``root`` onto ``ctx``."""
    return load_pretrained(AlexNet(**kwargs), pretrained, "alexnet", ctx, root)
