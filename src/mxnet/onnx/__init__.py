"""``mx.onnx``: MXNet 1.9.1's top-level ONNX exporter (the same converter as ``mx.contrib.onnx``;
needs the optional ``onnx`` package)."""
from ..contrib.onnx._export import export_model, get_operator_support  # noqa: F401
from ..contrib.onnx import _export as mx2onnx  # noqa: F401

__all__ = ["export_model", "get_operator_support"]
