"""neomx: the Apache MXNet 1.x programming model in Python (NumPy on the CPU, CuPy on GPUs)."""
__version__ = "1.9.1"

from .base import MXNetError
from . import base, context, engine, util
from .backend import blas as _blas, cpu_pool as _cpu_pool
_blas.configure_from_env()
_cpu_pool.configure_from_env()
from .context import Context, cpu, gpu, cpu_pinned, current_context
from . import ops
from . import ndarray
from . import ndarray as nd
from . import random
from . import autograd
from . import name, attribute
from .attribute import AttrScope
from . import symbol
from . import symbol as sym
from . import executor
from . import io
from . import test_utils
from . import initializer
from . import initializer as init
from . import lr_scheduler
from . import optimizer
from . import metric
from . import callback
from . import kvstore
from . import kvstore as kv
from . import model
from . import module
from . import module as mod
from . import gluon
from . import recordio
from . import operator, profiler, monitor, image, visualization
from . import visualization as viz

__all__ = ["MXNetError", "Context", "cpu", "gpu", "cpu_pinned", "current_context", "nd", "ndarray",
           "random", "autograd", "engine", "context", "test_utils", "sym", "symbol", "name",
           "attribute", "AttrScope", "executor", "io", "init", "initializer", "lr_scheduler",
           "optimizer", "metric", "callback", "kv", "kvstore", "model", "mod", "module", "gluon", "recordio", "operator",
           "profiler", "monitor", "image", "visualization", "viz"]
from . import monitor as mon
from . import runtime
from . import rtc
from . import rnn
from . import registry
from . import contrib
# NumPy-compatible front end (mx.np / mx.npx) and the np-semantics switches
from . import numpy, numpy_extension  # noqa: E402
from . import numpy as np, numpy_extension as npx  # noqa: E402
from .util import (is_np_array, is_np_shape, use_np, use_np_array, use_np_shape, np_array,  # noqa: E402
                   np_shape, set_np_shape)
ndarray.np, ndarray.npx = numpy, numpy_extension     # F.np / F.npx inside hybrid_forward (as MXNet's mx.nd.np)
from . import _aliases  # noqa: E402,F401  (mx.img, mx.rnd, mx.error, mx.log, mx.library, mx.libinfo, mx.notebook)
from . import onnx  # noqa: E402,F401  (mx.onnx.export_model, as MXNet 1.9.1)
from .numpy_extension import _symbol as _sym_npx  # noqa: E402
symbol.npx = _sym_npx                                  # F.npx in a hybridized hybrid_forward
from .numpy import _symbol as _sym_np  # noqa: E402
symbol.np = _sym_np                                    # F.np in a hybridized hybrid_forward
