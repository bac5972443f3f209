"""``GraphProto``: the ONNX graph translator."""
from .._import import GraphProto  # noqa: F401
