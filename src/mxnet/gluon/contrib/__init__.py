"""``mx.gluon.contrib``: experimental Gluon layers (``nn``, ``cnn``, ``rnn``), plus ``data`` and
``estimator`` when present."""
from . import nn  # noqa: F401
from . import cnn  # noqa: F401
from . import rnn  # noqa: F401

try:  # written separately; a missing module must not break ``import mxnet``
    from . import data  # noqa: F401
except ImportError:  # pragma: no cover
    pass
try:
    from . import estimator  # noqa: F401
except ImportError:  # pragma: no cover
    pass
