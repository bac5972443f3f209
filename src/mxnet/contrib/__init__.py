"""Contrib: experimental and legacy APIs of MXNet 1.x (``mx.contrib``).

``nd``/``ndarray`` and ``sym``/``symbol`` are the contrib operator namespaces (``mx.nd.contrib``,
``mx.sym.contrib``); ``autograd`` is the pre-1.0 autograd API; ``io.DataLoaderIter`` wraps a Gluon
DataLoader as a DataIter; ``text`` indexes tokens and loads embeddings; ``tensorboard`` logs
metrics; ``onnx`` exports to and imports from ONNX.
"""
import sys as _sys

from ..ndarray import contrib as ndarray
from ..symbol import contrib as symbol

nd = ndarray
sym = symbol
# `import mxnet.contrib.ndarray` / `mxnet.contrib.symbol` find the same modules
_sys.modules[__name__ + ".ndarray"] = ndarray
_sys.modules[__name__ + ".symbol"] = symbol

from . import autograd  # noqa: E402
from . import io  # noqa: E402
from . import tensorboard  # noqa: E402
from . import text  # noqa: E402
from . import onnx  # noqa: E402

__all__ = ["autograd", "io", "nd", "ndarray", "onnx", "sym", "symbol", "tensorboard", "text"]

from . import quantization  # noqa: E402
quant = quantization
