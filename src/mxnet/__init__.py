"""neomx: the Apache MXNet 1.x programming model in Python (NumPy on the CPU, CuPy on GPUs)."""
__version__ = "1.9.1"

from .base import MXNetError
from . import base, context, engine
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
from . import test_utils

__all__ = ["MXNetError", "Context", "cpu", "gpu", "cpu_pinned", "current_context", "nd", "ndarray",
           "random", "autograd", "engine", "context", "test_utils", "sym", "symbol", "name",
           "attribute", "AttrScope", "executor"]
