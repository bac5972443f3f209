"""Data iterators: the DataIter protocol, DataDesc/DataBatch, NDArrayIter, ResizeIter,
PrefetchingIter, and MXDataIter (the Python face of the built-in iterators such as MNISTIter)."""
from collections import namedtuple
import logging
import threading
import weakref

import numpy as np

from ..base import MXNetError
from ..ndarray import array, concat, tile
from .utils import _init_data, _getdata_by_idx, _slice_along_batch_axis

__all__ = ["DataDesc", "DataBatch", "DataIter", "ResizeIter", "PrefetchingIter", "NDArrayIter",
           "MXDataIter"]

_LAST_BATCH_HANDLES = ("pad", "discard", "roll_over")


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    """Name, shape, dtype and layout of one input of a data iterator.

    A 2-tuple ``(name, shape)`` (so ``name, shape = desc`` works) that also carries
    ``dtype`` (default float32) and ``layout`` (default ``'NCHW'``; the batch axis is where
    ``'N'`` is)."""

    def __new__(cls, name, shape, dtype=np.float32, layout="NCHW"):
        ret = super(DataDesc, cls).__new__(cls, name, shape)
        ret.dtype = dtype
        ret.layout = layout
        return ret

    def __repr__(self):
        return "DataDesc[%s,%s,%s,%s]" % (self.name, self.shape, self.dtype, self.layout)

    @staticmethod
    def get_batch_axis(layout):
        """The batch axis of ``layout`` (the position of ``'N'``; 0 when layout is None)."""
        if layout is None:
            return 0
        return layout.find("N")

    @staticmethod
    def get_list(shapes, types):
        """DataDescs from a list of (name, shape) and an optional list of (name, dtype)."""
        if types is not None:
            type_dict = dict(types)
            return [DataDesc(x[0], x[1], type_dict[x[0]]) for x in shapes]
        return [DataDesc(x[0], x[1]) for x in shapes]


class DataBatch:
    """One batch: lists of data and label NDArrays, the number of padding examples at the end
    (``pad``), example indices, and optionally a bucket key and the batch's DataDescs."""

    def __init__(self, data, label=None, pad=None, index=None,
                 bucket_key=None, provide_data=None, provide_label=None):
        if data is not None:
            assert isinstance(data, (list, tuple)), "Data must be list of NDArrays"
        if label is not None:
            assert isinstance(label, (list, tuple)), "Label must be list of NDArrays"
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label

    def __str__(self):
        data_shapes = [d.shape for d in self.data]
        label_shapes = [l.shape for l in self.label] if self.label else None
        return "{}: data shapes: {} label shapes: {}".format(
            self.__class__.__name__, data_shapes, label_shapes)


class DataIter:
    """Base class of data iterators: ``for batch in it`` / ``it.next()`` yield DataBatch objects
    until the epoch ends; ``reset()`` starts the next epoch.

    Subclasses implement ``iter_next`` (advance; False at the end) and ``getdata``,
    ``getlabel``, ``getpad``, ``getindex`` (the current batch), or override ``next``."""

    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self):
        """Reset the iterator to the beginning of the data."""

    def next(self):
        """The next DataBatch; raises StopIteration at the end of the epoch."""
        if self.iter_next():
            return DataBatch(data=self.getdata(), label=self.getlabel(),
                             pad=self.getpad(), index=self.getindex())
        raise StopIteration

    def __next__(self):
        return self.next()

    def iter_next(self):
        """Move to the next batch; False when the epoch is over."""

    def getdata(self):
        """The data of the current batch (list of NDArrays)."""

    def getlabel(self):
        """The labels of the current batch (list of NDArrays)."""

    def getindex(self):
        """The indices of the examples of the current batch (None if unknown)."""
        return None

    def getpad(self):
        """The number of padding examples at the end of the current batch."""


class _BatchFieldsMixin:
    """``getdata``/``getlabel``/``getindex``/``getpad`` of an iterator that keeps the whole
    current DataBatch in ``self.current_batch``."""

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


class ResizeIter(_BatchFieldsMixin, DataIter):
    """Make ``data_iter`` yield exactly ``size`` batches per epoch, wrapping around (reset)
    when it runs out early and stopping early when it has more.

    With ``reset_internal=False``, ``reset()`` does not reset ``data_iter``: the next epoch
    continues where this one stopped."""

    def __init__(self, data_iter, size, reset_internal=True):
        super().__init__()
        self.data_iter = data_iter
        self.size = size
        self.reset_internal = reset_internal
        self.cur = 0
        self.current_batch = None
        self.provide_data = data_iter.provide_data
        self.provide_label = data_iter.provide_label
        self.batch_size = data_iter.batch_size
        if hasattr(data_iter, "default_bucket_key"):
            self.default_bucket_key = data_iter.default_bucket_key

    def reset(self):
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def iter_next(self):
        if self.cur == self.size:
            return False
        try:
            self.current_batch = self.data_iter.next()
        except StopIteration:
            self.data_iter.reset()
            self.current_batch = self.data_iter.next()
        self.cur += 1
        return True


class _Prefetcher:
    """One background thread that fetches the next batch of each of ``iters`` ahead of time.

    The thread holds a reference to this object only (not to the PrefetchingIter), so the
    iterator can be garbage-collected, which stops the thread. Whatever the producer raises is
    handed to the consumer and re-raised there; the thread itself never dies of it."""

    def __init__(self, iters):
        self.iters = iters
        self._cv = threading.Condition()
        self._busy = False      # a fetch is requested or running
        self._ready = False     # a result is waiting to be taken
        self._result = None     # (batches or None, exception or None)
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="mxnet-io-prefetch", daemon=True)
        self._thread.start()

    def _fetch_all(self):
        out = []
        for it in self.iters:
            try:
                out.append(it.next())
            except StopIteration:
                out.append(None)
        return out

    def _run(self):
        while True:
            with self._cv:
                while not (self._busy and not self._ready) and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
            try:
                result = (self._fetch_all(), None)
            except BaseException as e:  # noqa: B902 -- handed to the consumer, never lost
                result = (None, e)
            with self._cv:
                self._result = result
                self._ready = True
                self._busy = False
                self._cv.notify_all()

    def _request(self):
        # caller holds self._cv
        if not self._busy and not self._ready:
            self._busy = True
            self._cv.notify_all()

    def _wait(self, predicate):
        # caller holds self._cv; the timeout only guards against a thread that vanished
        while not predicate():
            if self._stop or not self._thread.is_alive():
                raise MXNetError("PrefetchingIter: the prefetching thread has stopped")
            self._cv.wait(timeout=1.0)

    def take(self):
        """The next list of batches (None entries for iterators that ended); re-raises the
        producer's exception. Taking batches starts fetching the following ones; the end of
        the epoch is sticky: it is returned again, without touching the iterators, until
        ``restart`` (so a roll_over iterator is not advanced past its end)."""
        with self._cv:
            self._request()
            self._wait(lambda: self._ready)
            batches, err = self._result
            if err is None and None in batches:
                return batches
            self._result = None
            self._ready = False
            if err is None:
                self._request()
        if err is not None:
            raise err
        return batches

    def restart(self, reset_fn):
        """Wait for the fetch in flight, drop its result, run ``reset_fn``, prefetch again."""
        with self._cv:
            self._wait(lambda: not self._busy)
            self._result = None
            self._ready = False
            reset_fn()
            self._request()

    def close(self):
        with self._cv:
            self._stop = True
            self._cv.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10.0)


class PrefetchingIter(_BatchFieldsMixin, DataIter):
    """Fetch the next batch of one or several iterators in a background thread.

    With several iterators, each batch is the concatenation of their data and label lists
    (all must have the same number of batches and the same ``pad``). ``rename_data`` /
    ``rename_label``: one dict old name -> new name per iterator."""

    def __init__(self, iters, rename_data=None, rename_label=None):
        super().__init__()
        if not isinstance(iters, list):
            iters = [iters]
        self.n_iter = len(iters)
        assert self.n_iter > 0
        self.iters = iters
        self.rename_data = rename_data
        self.rename_label = rename_label
        self.batch_size = self.provide_data[0][1][0]
        self.current_batch = None
        self._prefetcher = _Prefetcher(iters)
        self._finalizer = weakref.finalize(self, self._prefetcher.close)
        with self._prefetcher._cv:
            self._prefetcher._request()

    def close(self):
        """Stop the prefetching thread (also done when the iterator is garbage-collected)."""
        self._finalizer()

    @staticmethod
    def _renamed(descs_per_iter, renames):
        if renames is None:
            return sum(descs_per_iter, [])
        return sum([[DataDesc(r[x.name], x.shape, x.dtype) if isinstance(x, DataDesc)
                     else DataDesc(*x) for x in descs]
                    for r, descs in zip(renames, descs_per_iter)], [])

    @property
    def provide_data(self):
        return self._renamed([i.provide_data for i in self.iters], self.rename_data)

    @property
    def provide_label(self):
        return self._renamed([i.provide_label for i in self.iters], self.rename_label)

    def reset(self):
        def reset_all():
            for i in self.iters:
                i.reset()
        self._prefetcher.restart(reset_all)

    def iter_next(self):
        batches = self._prefetcher.take()
        if batches[0] is None:
            if any(b is not None for b in batches):
                raise MXNetError("PrefetchingIter: number of entries mismatches between iterators")
            return False
        for batch in batches:
            if batch is None or batch.pad != batches[0].pad:
                raise MXNetError("PrefetchingIter: number of entries mismatches between iterators")
        self.current_batch = DataBatch(sum([list(b.data) for b in batches], []),
                                       sum([list(b.label or []) for b in batches], []),
                                       batches[0].pad, batches[0].index,
                                       provide_data=self.provide_data,
                                       provide_label=self.provide_label)
        return True

    def next(self):
        if self.iter_next():
            return self.current_batch
        raise StopIteration


class NDArrayIter(DataIter):
    """Iterate over NDArrays / NumPy arrays (or lists / dicts of them) in mini-batches.

    ``last_batch_handle`` decides what happens to the examples left when the data size is not
    a multiple of ``batch_size``:

    - ``'pad'``: the last batch is filled up with examples from the beginning (``pad`` tells
      how many);
    - ``'discard'``: the incomplete last batch is dropped;
    - ``'roll_over'``: it is dropped in this epoch and its examples start the next one (the
      first batch after ``reset()`` then has ``pad`` = the number of carried examples).

    ``shuffle=True`` reorders the examples at construction and at every ``reset()`` with
    NumPy's global RNG (``np.random.seed`` makes it reproducible, as in MXNet). As in MXNet,
    shuffled arrays come back as float32. Data are named ``data_name`` and labels
    ``label_name`` (``_0_data``, ``_1_data``, ... for lists; the keys for dicts, sorted)."""

    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle="pad",
                 data_name="data", label_name="softmax_label", layout="NCHW"):
        super().__init__(batch_size)
        if last_batch_handle not in _LAST_BATCH_HANDLES:
            raise ValueError("NDArrayIter: last_batch_handle must be one of {}, got {!r}".format(
                list(_LAST_BATCH_HANDLES), last_batch_handle))
        self._data_order = self._label_order = None
        self.data = _init_data(data, allow_empty=False, default_name=data_name)
        self.label = _init_data(label, allow_empty=True, default_name=label_name)
        num = self.data[0][1].shape[0]
        for k, v in self.data + self.label:
            if v.shape[0] != num:
                raise ValueError("NDArrayIter: all data and labels must have the same number of "
                                 "examples (shape[0]): {} has shape {} but {} has shape {}".format(
                                     self.data[0][0], self.data[0][1].shape, k, v.shape))
        self.idx = np.arange(num)
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.batch_size = batch_size
        self.cursor = -self.batch_size
        self.num_data = self.idx.shape[0]
        self.layout = layout
        self._cache_data = None
        self._cache_label = None
        self.reset()
        self.data_list = [x[1] for x in self.data] + [x[1] for x in self.label]
        self.num_source = len(self.data_list)

    # Shuffling is lazy: the arrays stay as given and ``_*_order`` holds the cumulative
    # permutation (MXNet re-gathers the whole dataset at every reset); a batch gathers its rows.
    # ``data`` / ``label`` still read as the shuffled arrays (materialised on first access).
    @property
    def data(self):
        """(name, NDArray) pairs of the data, in the current (shuffled) order."""
        if self._data_order is not None:
            self._data, self._data_order = _getdata_by_idx(self._data, self._data_order), None
        return self._data

    @data.setter
    def data(self, pairs):
        self._data, self._data_order = pairs, None

    @property
    def label(self):
        """(name, NDArray) pairs of the labels, in the current (shuffled) order."""
        if self._label_order is not None:
            self._label, self._label_order = _getdata_by_idx(self._label, self._label_order), None
        return self._label

    @label.setter
    def label(self, pairs):
        self._label, self._label_order = pairs, None

    def _descs(self, pairs, order):
        batch_axis = self.layout.find("N")
        return [DataDesc(k, tuple(list(v.shape[:batch_axis]) + [self.batch_size] +
                                  list(v.shape[batch_axis + 1:])),
                         v.dtype if order is None else np.float32, layout=self.layout)
                for k, v in pairs]

    @property
    def provide_data(self):
        return self._descs(self._data, self._data_order)

    @property
    def provide_label(self):
        return self._descs(self._label, self._label_order)

    def hard_reset(self):
        """Reset to the very beginning, dropping the examples kept for ``roll_over``."""
        if self.shuffle:
            self._shuffle_data()
        self.cursor = -self.batch_size
        self._cache_data = None
        self._cache_label = None

    def reset(self):
        if self.shuffle:
            self._shuffle_data()
        if self.last_batch_handle == "roll_over" and \
                self.num_data - self.batch_size < self.cursor < self.num_data:
            # the carried-over examples fill the start of the first batch of the new epoch
            self.cursor = self.cursor - self.num_data - self.batch_size
        else:
            self.cursor = -self.batch_size

    def iter_next(self):
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def next(self):
        if not self.iter_next():
            raise StopIteration
        data = self.getdata()
        label = self.getlabel()
        if data[0].shape[self.layout.find("N")] != self.batch_size:
            # incomplete last batch ('discard' / 'roll_over'): keep it for roll_over
            self._cache_data = data
            self._cache_label = label
            raise StopIteration
        return DataBatch(data=data, label=label, pad=self.getpad(), index=None)

    def _getdata(self, data_source, start=None, end=None):
        assert start is not None or end is not None, "should at least specify start or end"
        pairs, order = data_source
        start = start if start is not None else 0
        if end is None:
            end = pairs[0][1].shape[0] if pairs else 0
        if order is not None:
            return [v for _, v in _getdata_by_idx(pairs, order[start:end])]
        s = slice(start, end)
        return [_slice_along_batch_axis(x[1], s, self.layout.find("N")) for x in pairs]

    def _source(self, which):
        """(pairs, order) to batch from; gathering rows lazily only works along axis 0 (the
        axis MXNet shuffles), so other layouts batch from the materialised shuffled arrays."""
        if self.layout.find("N") != 0:
            return (self.data if which == "data" else self.label), None
        if which == "data":
            return self._data, self._data_order
        return self._label, self._label_order

    def _concat(self, first_data, second_data):
        if (not first_data) or (not second_data):
            return first_data if first_data else second_data
        assert len(first_data) == len(second_data), "data source should contain the same size"
        return [concat(a, b, dim=self.layout.find("N")) for a, b in zip(first_data, second_data)]

    def _tile(self, data, repeats):
        res = []
        for datum in data:
            reps = [1] * len(datum.shape)
            reps[self.layout.find("N")] = repeats
            res.append(tile(datum, reps=tuple(reps)))
        return res

    def _batchify(self, data_source):
        assert self.cursor < self.num_data, "DataIter needs reset."
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            # first batch of an epoch after roll_over: the cached examples, then the new ones.
            # getdata consumes the data cache, then getlabel the label cache.
            assert self._cache_data is not None or self._cache_label is not None, \
                "next epoch should have cached data"
            cache = self._cache_data if self._cache_data is not None else self._cache_label
            second = self._getdata(data_source, end=self.cursor + self.batch_size)
            if self._cache_data is not None:
                self._cache_data = None
            else:
                self._cache_label = None
            return self._concat(cache, second)
        if self.last_batch_handle == "pad" and self.cursor + self.batch_size > self.num_data:
            pad = self.batch_size - self.num_data + self.cursor
            first = self._getdata(data_source, start=self.cursor)
            if pad > self.num_data:
                second = self._tile(self._getdata(data_source, end=self.num_data),
                                    pad // self.num_data)
                if pad % self.num_data != 0:
                    second = self._concat(second, self._getdata(data_source,
                                                                end=pad % self.num_data))
            else:
                second = self._getdata(data_source, end=pad)
            return self._concat(first, second)
        end_idx = min(self.cursor + self.batch_size, self.num_data)
        return self._getdata(data_source, self.cursor, end_idx)

    def getdata(self):
        return self._batchify(self._source("data"))

    def getlabel(self):
        return self._batchify(self._source("label"))

    def getpad(self):
        if self.last_batch_handle == "pad" and self.cursor + self.batch_size > self.num_data:
            return self.cursor + self.batch_size - self.num_data
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            return -self.cursor
        return 0

    def _shuffle_data(self):
        # MXNet shuffles the permutation in place and re-gathers the already shuffled arrays
        np.random.shuffle(self.idx)
        self._data_order = self.idx.copy() if self._data_order is None else self._data_order[self.idx]
        self._label_order = self.idx.copy() if self._label_order is None else self._label_order[self.idx]


class MXDataIter(DataIter):
    """A built-in iterator (``MNISTIter``, ``CSVIter``, ...), driven through ``handle``.

    As in MXNet, the first batch is read at construction (so bad files fail early) and its
    shapes give ``provide_data`` / ``provide_label``; ``getdata``/``getlabel`` return single
    NDArrays and ``next`` wraps them in lists."""

    def __init__(self, handle, data_name="data", label_name="softmax_label", **_):
        super().__init__()
        self.handle = handle
        self._debug_skip_load = False
        self._debug_at_begin = True
        self._cur = None            # NDArray views of the handle's current batch, made lazily
        self.first_batch = None
        try:
            self.first_batch = self.next()
        except StopIteration:       # fewer examples than one batch: an empty iterator
            self.first_batch = None
        (dshape, dtype), (lshape, ltype) = handle.describe()
        self.provide_data = [DataDesc(data_name, dshape, dtype)]
        self.provide_label = [DataDesc(label_name, lshape, ltype)]
        self.batch_size = dshape[0]

    def debug_skip_load(self):
        """Debugging aid: after the first batch, keep returning it without reading data."""
        self._debug_skip_load = True
        logging.info("Set debug_skip_load to be true, will simply return first batch")

    def reset(self):
        self._debug_at_begin = True
        self.first_batch = None
        self._cur = None
        self.handle.before_first()

    def _advance(self):
        self._cur = None
        return self.handle.next()

    def next(self):
        if self._debug_skip_load and not self._debug_at_begin:
            return DataBatch(data=[self.getdata()], label=[self.getlabel()],
                             pad=self.getpad(), index=self.getindex())
        if self.first_batch is not None:
            batch = self.first_batch
            self.first_batch = None
            return batch
        self._debug_at_begin = False
        if self._advance():
            return DataBatch(data=[self.getdata()], label=[self.getlabel()],
                             pad=self.getpad(), index=self.getindex())
        raise StopIteration

    def iter_next(self):
        if self.first_batch is not None:
            # the handle still holds the first batch: hand it out through getdata & co.
            self.first_batch = None
            return True
        return self._advance()

    def _current(self):
        if self._cur is None:
            value = self.handle.value()
            self._cur = (array(value.data, dtype=value.data.dtype),
                         array(value.label, dtype=value.label.dtype))
        return self._cur

    def getdata(self):
        return self._current()[0]

    def getlabel(self):
        return self._current()[1]

    def getindex(self):
        return self.handle.value().index.copy()

    def getpad(self):
        return self.handle.value().pad
