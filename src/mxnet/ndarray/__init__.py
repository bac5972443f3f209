"""``mx.nd``: imperative arrays. Operator functions are generated from the registry."""
import types as _types

from . import ndarray as _ndarray_mod
from .ndarray import NDArray, empty, array, waitall
from . import register as _register
from .. import ops as _ops  # noqa: F401  (registers every operator)

_internal = _types.ModuleType("mxnet.ndarray._internal", "Internal (underscore-prefixed) operators.")
contrib = _types.ModuleType("mxnet.ndarray.contrib", "Contrib operators.")
linalg = _types.ModuleType("mxnet.ndarray.linalg", "Linear algebra operators.")
image = _types.ModuleType("mxnet.ndarray.image", "Image operators.")
_op_module = _types.ModuleType("mxnet.ndarray.op", "All generated operator functions.")

_spaces = {"top": {}, "internal": {}, "contrib": {}, "linalg": {}, "image": {}, "random": {}}
_register.populate(_spaces)
globals().update(_spaces["top"])
_op_module.__dict__.update(_spaces["top"])
_internal.__dict__.update(_spaces["internal"])
contrib.__dict__.update(_spaces["contrib"])
linalg.__dict__.update(_spaces["linalg"])
image.__dict__.update(_spaces["image"])
op = _op_module
for _m in (_internal, contrib, linalg, image, _op_module):   # `import mxnet.ndarray.contrib` works
    import sys as _sys
    _sys.modules[_m.__name__] = _m

from .utils import *  # noqa: E402,F401,F403  (creation and arithmetic helpers)
from . import utils as _utils  # noqa: E402
from . import random  # noqa: E402
from ..context import current_context as _current_context  # noqa: E402
contrib.current_context, contrib.uniform = _current_context, random.uniform   # imported there in MXNet
from .serialization import save, load, load_frombuffer  # noqa: E402
from . import sparse  # noqa: E402
from .contrib_flow import _install as _install_flow; _install_flow(contrib)  # noqa: E402
from .legacy_image import imdecode  # noqa: E402
from .indexing import (get_indexing_dispatch_code, get_oshape_of_gather_nd_op,  # noqa: E402,F401
                       indexing_key_expand_implicit_axes)
from .interop import from_dlpack, to_dlpack_for_read, to_dlpack_for_write, CachedOp  # noqa: E402,F401
from .contrib_extra import _install as _install_extra; _install_extra(contrib)  # noqa: E402
