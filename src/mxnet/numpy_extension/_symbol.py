"""``mx.sym.npx``: the npx operators for symbolic graphs (``F.npx.relu`` inside a hybridized
``hybrid_forward``), mapped to the registry operators they wrap."""
from . import _OPS

__all__ = []


def _make(npx_name, op_name):
    def f(*args, **kwargs):
        from .. import symbol
        fn = getattr(symbol, op_name, None)
        if fn is None:
            fn = getattr(symbol._internal, op_name)
        return fn(*args, **kwargs)
    f.__name__ = npx_name
    f.__doc__ = "Symbolic ``npx.{}`` (the ``{}`` operator).".format(npx_name, op_name)
    return f


for _n, _op, _doc, _arr in _OPS:
    globals()[_n] = _make(_n, _op)
    __all__.append(_n)
softmax = _make("softmax", "softmax")
__all__.append("softmax")
del _n, _op, _doc, _arr
