"""Small shape helpers shared by the operator families (one definition each), and a cache of
read-only constant arrays the kernels reuse."""

import numpy as np

_CONSTANTS = {}


def constant(xp, key, make):
    """The array ``make()`` for ``key`` on ``xp``, made once and kept (read-only on NumPy): row
    ranges, ones columns. At most 256 are kept; others are made per call."""
    full = (xp.__name__,) + key
    c = _CONSTANTS.get(full)
    if c is None:
        c = make()
        if xp is np:
            c.flags.writeable = False
        if len(_CONSTANTS) < 256:
            _CONSTANTS[full] = c
    return c


def prod(shape):
    """Number of elements of ``shape`` (1 for ``()``), as a Python int."""
    n = 1
    for s in shape:
        n *= int(s)
    return n


def fmt(shape):
    """MXNet's text for a shape in error messages: ``(2,3)``, ``(5,)``."""
    return "(" + ",".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def shape_str(s):
    """A possibly unknown (None) shape as text."""
    return "None" if s is None else str(tuple(s))
