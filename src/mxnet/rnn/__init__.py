"""Legacy symbolic RNN API of MXNet 1.x (``mx.rnn``): cells that build unrolled graphs with
``mx.sym``, the fused-RNN cell, bucketing sentence iterator and RNN checkpoints."""
from . import rnn_cell, io, rnn
from .rnn_cell import *  # noqa: F401,F403
from .io import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
