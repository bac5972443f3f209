"""mx.nd.save / mx.nd.load in MXNet 1.x's binary format (see docs/architecture.md)."""

__all__ = ["save", "load", "load_frombuffer"]


def save(fname, data):
    """Save an NDArray, a list of NDArrays or a dict of str -> NDArray to ``fname``."""
    raise NotImplementedError("nd.save lands with the serialization module")


def load(fname):
    """Load what ``save`` wrote: a list or a dict of NDArrays."""
    raise NotImplementedError("nd.load lands with the serialization module")


def load_frombuffer(buf):
    """Load from a bytes buffer (the content of a file written by ``save``)."""
    raise NotImplementedError("nd.load_frombuffer lands with the serialization module")
