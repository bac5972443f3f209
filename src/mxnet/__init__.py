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
from . import rnn
from . import contrib
from . import _aliases  # noqa: E402,F401  (mx.img, mx.rnd, mx.error, mx.log, mx.registry, mx.library, mx.libinfo, mx.notebook)
from . import onnx  # noqa: E402,F401  (mx.onnx.export_model, as MXNet 1.9.1)
