"""Gluon Estimator: a high-level fit/evaluate loop driven by event handlers."""
from .estimator import *  # noqa: F401,F403
from .event_handler import *  # noqa: F401,F403
from .batch_processor import *  # noqa: F401,F403
from . import estimator, event_handler, batch_processor  # noqa: F401

__all__ = (estimator.__all__ + event_handler.__all__ + batch_processor.__all__)
