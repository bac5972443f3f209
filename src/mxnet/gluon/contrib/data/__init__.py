"""Contrib Gluon data: :py:class:`IntervalSampler` and the ``text`` datasets (WikiText)."""
from .sampler import *  # noqa: F401,F403
from . import sampler  # noqa: F401
from . import text  # noqa: F401

__all__ = list(sampler.__all__) + ["text"]
