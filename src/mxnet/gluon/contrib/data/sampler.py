"""Contrib samplers."""
from ...data import sampler as _sampler

__all__ = ["IntervalSampler"]


class IntervalSampler(_sampler.Sampler):
    """Samples ``[0, length)`` at a fixed ``interval``: 0, interval, 2*interval, ... then, if
    ``rollover``, 1, 1+interval, ... and so on until every index has been returned.

    Parameters
    ----------
    length : int
        Length of the sequence.
    interval : int
        Step between consecutive samples (must be <= length).
    rollover : bool, default True
        Whether to start again from the skipped items at the end; otherwise iteration stops
        after the first pass.

    Examples
    --------
    >>> list(IntervalSampler(13, interval=3))
    [0, 3, 6, 9, 12, 1, 4, 7, 10, 2, 5, 8, 11]
    >>> list(IntervalSampler(13, interval=3, rollover=False))
    [0, 3, 6, 9, 12]
    """

    def __init__(self, length, interval, rollover=True):
        assert interval <= length, \
            "Interval {} must be smaller than or equal to length {}".format(interval, length)
        self._length = length
        self._interval = interval
        self._rollover = rollover

    def __iter__(self):
        starts = range(self._interval) if self._rollover else range(1)
        for start in starts:
            yield from range(start, self._length, self._interval)

    def __len__(self):
        # MXNet 1.9.1 reports ``length`` even when rollover=False
        return self._length
