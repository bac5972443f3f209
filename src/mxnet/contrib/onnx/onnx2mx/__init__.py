"""ONNX -> MXNet import (MXNet's ``mxnet.contrib.onnx.onnx2mx`` layout)."""
from . import import_model, import_onnx, import_to_gluon  # noqa: F401
