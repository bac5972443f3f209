"""``mx.gluon.contrib``: experimental Gluon layers (``nn``, ``cnn``, ``rnn``), the ``estimator``
training loop and ``data`` helpers."""
from . import nn  # noqa: F401
from . import cnn  # noqa: F401
from . import rnn  # noqa: F401
from . import data  # noqa: F401
from . import estimator  # noqa: F401
