"""``mx.sym``: symbolic graphs. Operator functions are generated from the registry."""
import types as _types

from .symbol import Symbol, Variable, var, Group
from .serialization import load, load_json
from . import register as _register
from .. import ops as _ops
from ..ops import registry as _registry

_internal = _types.ModuleType("mxnet.symbol._internal", "Internal (underscore-prefixed) operators.")
contrib = _types.ModuleType("mxnet.symbol.contrib", "Contrib operators.")
linalg = _types.ModuleType("mxnet.symbol.linalg", "Linear algebra operators.")
image = _types.ModuleType("mxnet.symbol.image", "Image operators.")
op = _types.ModuleType("mxnet.symbol.op", "All generated operator functions.")


def _populate():
    for name in _registry.list_ops(canonical=False):
        opdef = _registry.find_op(name)
        for prefix, mod in (("_contrib_", contrib), ("_linalg_", linalg), ("_image_", image)):
            if name.startswith(prefix):
                setattr(mod, name[len(prefix):], _register.make_function(opdef, name[len(prefix):]))
                setattr(_internal, name, _register.make_function(opdef, name))
                break
        else:
            if name.startswith(("_random_", "_sample_")):
                if not name.endswith("_like"):
                    globals()[name[1:]] = _register.make_function(opdef, name[1:])
                setattr(_internal, name, _register.make_function(opdef, name))
            elif name.startswith("_"):
                setattr(_internal, name, _register.make_function(opdef, name))
            else:
                f = _register.make_function(opdef, name)
                globals()[name] = f
                setattr(op, name, f)


_populate()
for _m in (_internal, contrib, linalg, image, op):   # `import mxnet.symbol.contrib` works
    import sys as _sys
    _sys.modules[_m.__name__] = _m
from . import random  # noqa: E402
from ..attribute import AttrScope as _AttrScope  # noqa: E402
contrib.AttrScope, contrib.Symbol, contrib.uniform = _AttrScope, Symbol, random.uniform   # as in MXNet


def _add_fluent_methods():
    """``sym.sum(axis=1)``, ``sym.reshape((0, -1))``...: the op of that name on this symbol."""
    from ..ndarray.register import FLUENT_METHODS
    names = list(FLUENT_METHODS) + ["reshape", "flatten", "expand_dims", "broadcast_to", "broadcast_like",
                                    "split", "reshape_like", "diag", "astype"]
    aliases = {"flatten": "Flatten", "astype": "Cast", "reshape": "Reshape"}
    for m in names:
        opname = aliases.get(m, m)
        if _registry.find_op(opname) is None or hasattr(Symbol, m):
            continue
        fn = _register.make_function(_registry.find_op(opname), opname)

        def method(self, *args, _fn=fn, _m=m, **kwargs):
            if _m == "reshape" and args and not isinstance(args[0], Symbol):
                kwargs["shape"] = args[0] if len(args) == 1 else args
                args = ()
            if _m == "astype" and args:
                kwargs["dtype"] = args[0]
                args = ()
            return _fn(self, *args, **kwargs)
        method.__name__ = m
        method.__doc__ = "Convenience method for ``mx.sym.{}(self, ...)``.".format(opname)
        setattr(Symbol, m, method)


_add_fluent_methods()


def zeros(shape, dtype=None, **kwargs):
    """A symbol of zeros of ``shape``."""
    return _internal._zeros(shape=shape, dtype="float32" if dtype is None else dtype, **kwargs)


def ones(shape, dtype=None, **kwargs):
    """A symbol of ones of ``shape``."""
    return _internal._ones(shape=shape, dtype="float32" if dtype is None else dtype, **kwargs)


def full(shape, val, dtype=None, **kwargs):
    """A symbol filled with ``val``."""
    return _internal._full(shape=shape, value=val, dtype="float32" if dtype is None else dtype, **kwargs)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=False, name=None, dtype=None):
    """Evenly spaced values as a symbol."""
    return _internal._arange(start=start, stop=stop, step=step, repeat=repeat, infer_range=infer_range,
                             name=name, dtype="float32" if dtype is None else dtype)


def _binary(lhs, rhs, sym_name, lscalar, rscalar):
    if isinstance(lhs, Symbol) and isinstance(rhs, Symbol):
        return getattr(_internal, sym_name)(lhs, rhs)
    if isinstance(lhs, Symbol):
        return getattr(_internal, lscalar)(lhs, scalar=rhs)
    if isinstance(rhs, Symbol):
        return getattr(_internal, rscalar)(rhs, scalar=lhs)
    raise TypeError("at least one argument must be a Symbol")


def maximum(left, right):
    """Element-wise maximum of symbols and/or scalars."""
    return _binary(left, right, "_Maximum", "_MaximumScalar", "_MaximumScalar")


def minimum(left, right):
    """Element-wise minimum of symbols and/or scalars."""
    return _binary(left, right, "_Minimum", "_MinimumScalar", "_MinimumScalar")


def pow(base, exp):  # noqa: A001 - MXNet's name
    """Element-wise base ** exp for symbols and/or scalars."""
    return _binary(base, exp, "_Power", "_PowerScalar", "_RPowerScalar")


power = pow


def hypot(left, right):
    """Element-wise sqrt(left**2 + right**2)."""
    return _binary(left, right, "_Hypot", "_HypotScalar", "_HypotScalar")


# -- MXNet's hand-written mx.sym functions over _eye, _linspace, _histogram, _split_v2 ------------
def eye(N, M=0, k=0, dtype=None, **kwargs):
    """A 2-D symbol of shape (N, M or N) with ones on the k-th diagonal and zeros elsewhere."""
    import numpy as _np
    return _internal._eye(N=N, M=M, k=k, dtype=_np.dtype(dtype or _np.float32).name, **kwargs)


def linspace(start, stop, num, endpoint=True, name=None, dtype=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` (included when ``endpoint``)."""
    import numpy as _np
    return _internal._linspace(start=start, stop=stop, num=num, endpoint=endpoint, name=name,
                               dtype=_np.dtype(dtype or _np.float32).name)


def histogram(a, bins=10, range=None, **kwargs):  # noqa: A002 - MXNet's argument name
    """(counts, bin edges) of ``a``: ``bins`` equal bins over ``range``, or the edges in Symbol ``bins``."""
    if isinstance(bins, Symbol):
        return _internal._histogram(data=a, bins=bins, **kwargs)
    if isinstance(bins, int):
        if range is None:
            raise ValueError("null range is not supported in symbol mode")
        return _internal._histogram(data=a, bin_cnt=bins, range=range, **kwargs)
    raise ValueError("bins argument should be either an integer or an NDArray")


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Split ``ary`` into equal sections (an int) or at the given indices (a tuple of ints)."""
    if isinstance(indices_or_sections, int):
        return _internal._split_v2(ary, axis=axis, squeeze_axis=squeeze_axis, sections=indices_or_sections,
                                   indices=())
    if isinstance(indices_or_sections, tuple):
        return _internal._split_v2(ary, axis=axis, squeeze_axis=squeeze_axis,
                                   indices=(0,) + tuple(indices_or_sections))
    raise ValueError("indices_or_sections must either int or tuple of ints")


from . import sparse  # noqa: E402
from .contrib_flow import _install as _install_flow; _install_flow(contrib)  # noqa: E402
from .contrib_extra import _install as _install_extra; _install_extra(contrib)  # noqa: E402
