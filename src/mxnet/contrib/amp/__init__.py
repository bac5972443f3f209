"""Automatic Mixed Precision (AMP): run listed operators in float16 (or bfloat16).

``init`` patches the ``mx.nd``/``mx.sym`` operator functions, ``init_trainer`` and ``scale_loss``
add dynamic loss scaling to a Gluon Trainer, ``convert_symbol``/``convert_model``/
``convert_hybrid_block`` insert ``amp_cast``/``amp_multicast`` nodes into a graph.
"""
from .amp import *  # noqa: F401,F403
from .amp import _reset  # noqa: F401
from . import lists  # noqa: F401
from . import loss_scaler  # noqa: F401
