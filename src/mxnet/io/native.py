"""Machinery shared by the built-in iterators (MNISTIter, CSVIter): keyword parameters parsed
like MXNet's C++ iterators, the iterator "handle" protocol behind MXDataIter, and the batch
loader that cuts an in-memory dataset into batches (``round_batch`` semantics)."""
from collections import namedtuple
import sys
import time

import numpy as np

from ..base import MXNetError
from ..ops.params import REQUIRED, Int, Enum
from .io import MXDataIter

__all__ = []

# One batch as produced by a handle: NumPy data and label, number of padding examples at the
# end, and the example indices (uint64), as MXNet's C++ iterators report them.
Batch = namedtuple("Batch", ["data", "label", "pad", "index"])

IO_DTYPES = ("bfloat16", "float16", "float32", "float64", "int32", "int64", "int8", "uint8")


class IterParam:
    """One keyword parameter of a built-in iterator (a dmlc::Parameter field)."""
    __slots__ = ("name", "type", "default", "doc", "lower")

    def __init__(self, name, ptype, default=REQUIRED, doc="", lower=None):
        self.name = name
        self.type = ptype
        self.default = default
        self.doc = doc
        self.lower = lower

    def type_doc(self):
        tdoc = self.type.doc
        if self.lower == 0:
            tdoc += " (non-negative)"
        if self.default is REQUIRED:
            return "{}, required".format(tdoc)
        return "{}, optional, default={!r}".format(tdoc, self.default)


# The parameters MXNet's PrefetcherIter adds to every built-in iterator.
PREFETCH_PARAMS = (
    IterParam("prefetch_buffer", Int, 4, "Maximum number of batches to prefetch.", lower=0),
    IterParam("ctx", Enum("cpu", "gpu"), "gpu", "Context data loader optimized for."),
    IterParam("dtype", Enum(*IO_DTYPES, none=True), None,
              "Output data type. ``None`` means no change."),
)


def parse_params(iter_name, params, kwargs):
    """Values of ``params`` from ``kwargs`` (Python values or their string forms).

    Unknown keywords are ignored, as MXNet's iterators do; bad values raise MXNetError naming
    the iterator and the parameter."""
    out = {}
    for p in params:
        if p.name not in kwargs:
            if p.default is REQUIRED:
                raise MXNetError("{}: Required parameter {} of {} is not presented".format(
                    iter_name, p.name, p.type.doc))
            out[p.name] = p.default
            continue
        raw = kwargs[p.name]
        try:
            value = p.type.parse(raw)
        except (ValueError, TypeError) as e:
            raise MXNetError("{}: Invalid Parameter format for {} expect {} but value={!r}: {}"
                             .format(iter_name, p.name, p.type.doc, raw, e)) from None
        if p.lower is not None and value < p.lower:
            raise MXNetError("{}: value {} for Parameter {} should be greater equal to {}".format(
                iter_name, value, p.name, p.lower))
        out[p.name] = value
    return out


def make_doc(summary, params):
    lines = [summary, "", "Parameters", "----------"]
    for p in params:
        lines.append("{} : {}".format(p.name, p.type_doc()))
        lines.append("    " + p.doc)
    lines += ["", "Returns", "-------", "MXDataIter", "    The result iterator."]
    return "\n".join(lines)


def make_creator(name, summary, params, build):
    """The public ``mx.io.<name>(**kwargs)`` function: parse, build the handle, wrap it."""

    def creator(*args, **kwargs):
        if args:
            raise TypeError("%s can only accept keyword arguments" % name)
        handle = build(parse_params(name, params, kwargs))
        return MXDataIter(handle, **kwargs)

    creator.__name__ = creator.__qualname__ = name
    creator.__module__ = "mxnet.io"
    creator.__doc__ = make_doc(summary, params)
    return creator


def log_info(msg):
    """Print an info line the way MXNet's C++ LOG(INFO) does (time-stamped, on stderr)."""
    sys.stderr.write("[{}] {}\n".format(time.strftime("%H:%M:%S"), msg))


class Handle:
    """What MXDataIter drives: ``before_first()``, ``next() -> bool``, ``value() -> Batch``,
    ``describe() -> ((data_shape, data_dtype), (label_shape, label_dtype))``."""

    def before_first(self):
        raise NotImplementedError

    def next(self):
        raise NotImplementedError

    def value(self):
        raise NotImplementedError

    def describe(self):
        raise NotImplementedError


class BatchLoader(Handle):
    """Cut N in-memory examples into batches, as MXNet's C++ BatchLoader does.

    The last, incomplete batch of an epoch:
    - ``round_batch=True``: is completed with examples from the beginning (``pad`` of them),
      and, after ``reset``, the next epoch continues from where that wrap-around stopped;
    - ``round_batch=False``: keeps the batch shape; the ``pad`` slots at the end hold whatever
      the previous batch left in the buffer (zeros for the very first batch), as in MXNet.
    """

    def __init__(self, data, label, batch_size, round_batch, label_shape, out_dtype,
                 name="BatchLoader"):
        self.name = name
        self.data = data
        self.label = label
        self.n = data.shape[0]
        self.batch_size = batch_size
        self.round_batch = round_batch
        self.pos = 0
        self.num_overflow = 0
        self._data_buf = np.zeros((batch_size,) + data.shape[1:], dtype=out_dtype)
        self._label_buf = np.zeros((batch_size,) + label_shape, dtype=out_dtype)
        self._index_buf = np.zeros(batch_size, dtype=np.uint64)
        self._pad = 0

    def describe(self):
        return ((self._data_buf.shape, self._data_buf.dtype.type),
                (self._label_buf.shape, self._label_buf.dtype.type))

    def before_first(self):
        if not self.round_batch or self.num_overflow == 0:
            self.pos = 0
        else:
            # the wrap-around already started the next epoch
            self.num_overflow = 0

    def _copy(self, top, start, count):
        self._data_buf[top:top + count] = self.data[start:start + count]
        self._label_buf[top:top + count] = self.label[start:start + count].reshape(
            (count,) + self._label_buf.shape[1:])
        self._index_buf[top:top + count] = np.arange(start, start + count, dtype=np.uint64)

    def next(self):
        self._pad = 0
        if self.num_overflow != 0:
            return False
        top = min(self.batch_size, self.n - self.pos)
        if top <= 0:
            return False
        self._copy(0, self.pos, top)
        self.pos += top
        if top == self.batch_size:
            return True
        if self.round_batch:
            need = self.batch_size - top
            if need > self.n:
                raise MXNetError("{}: number of input must be bigger than batch size: batch_size={}"
                                 " but only {} examples".format(self.name, self.batch_size, self.n))
            self._copy(top, 0, need)
            self.pos = need
            self.num_overflow = need
            self._pad = need
        else:
            self._pad = self.batch_size - top
        return True

    def value(self):
        return Batch(self._data_buf, self._label_buf, self._pad, self._index_buf)
