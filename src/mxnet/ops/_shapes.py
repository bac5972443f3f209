"""Small shape helpers shared by the operator families (one definition each)."""


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
