"""``gluon.contrib.rnn``: contributed recurrent cells."""
from .rnn_cell import *  # noqa: F401,F403
from . import rnn_cell  # noqa: F401
from .rnn_cell import __all__  # noqa: F401
