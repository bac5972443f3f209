"""DataLoader: mini-batches from a Dataset, loaded in this process or by worker processes.

With ``num_workers > 0`` the loader forks worker processes (the engine survives ``fork``) when it
is created, as MXNet does, so each worker holds a copy of the dataset. Batches are sent to the
workers through one task queue and come back pickled through one result queue; the parent puts
them back in sampler order, so the batches equal the single-process ones.

A loader never hangs its caller: an exception in a worker is re-raised in the parent, naming the
worker and the batch, with the worker's traceback; a worker that dies is noticed within a fraction
of a second; and a batch that takes longer than ``timeout`` seconds raises a timeout error.
"""
import itertools
import multiprocessing
import pickle
import queue
import random
import signal
import threading
import time
import traceback
import warnings
import weakref

import numpy as np

from ... import context
from ... import ndarray as nd
from ... import util as _util
from ...base import MXNetError
from . import sampler as _sampler

__all__ = ["DataLoader"]

_POLL_S = 0.05          # how often a waiting parent checks that its workers are alive


def default_batchify_fn(data):
    """Collate samples into a batch: NDArrays are stacked, tuples are collated element-wise
    (into a list), anything else goes through ``np.asarray`` into an NDArray of its dtype.
    With ``npx.set_np()`` on, arrays come out as ``mx.np.ndarray``."""
    if isinstance(data[0], tuple):
        return [default_batchify_fn(list(i)) for i in zip(*data)]
    if isinstance(data[0], nd.NDArray):
        out = nd.stack(*data)
    else:
        data = np.asarray(data)
        out = nd.array(data, dtype=data.dtype)
    return out.as_np_ndarray() if _util.is_np_array() else out


# MXNet stacks into shared memory in workers; batches here travel pickled, so it is the same.
default_mp_batchify_fn = default_batchify_fn


def _as_in_context(data, ctx):
    if isinstance(data, nd.NDArray):
        return data.as_in_context(ctx)
    if isinstance(data, (list, tuple)):
        return [_as_in_context(d, ctx) for d in data]
    return data


class DataLoaderTimeoutError(MXNetError, multiprocessing.TimeoutError):
    """A batch took longer than the DataLoader's ``timeout`` (also a
    ``multiprocessing.TimeoutError``, which MXNet raises)."""


# -- workers -------------------------------------------------------------------------------------
class _Failure:
    """What a worker sends back instead of a batch when loading it raised."""

    def __init__(self, exc):
        self.type_name = type(exc).__name__
        self.message = str(exc)
        self.traceback = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        try:
            self.exc_type = pickle.loads(pickle.dumps(type(exc)))
        except Exception:  # noqa: BLE001 - local classes do not pickle
            self.exc_type = None


def _worker_seed(wid):
    """A per-worker seed derived (without drawing from it) from the parent's NumPy random state,
    so random augmentations differ between workers yet repeat under ``np.random.seed``."""
    key = sum(int(v) << (32 * i) for i, v in enumerate(np.random.get_state()[1][:4]))
    return (key * 2654435761 + wid + 1) % (2 ** 31 - 1)


def _process_worker(wid, dataset, batchify_fn, task_q, result_q, seed):
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl-C is the parent's to handle
    np.random.seed(seed)
    random.seed(seed)
    from ... import random as _mxrandom
    _mxrandom.seed(seed)
    while True:
        task = task_q.get()
        if task is None:
            break
        key, indices = task
        try:
            batch = batchify_fn([dataset[i] for i in indices])
            payload = pickle.dumps(batch, pickle.HIGHEST_PROTOCOL)
            result_q.put((key, wid, True, payload))
        except Exception as e:  # noqa: BLE001 - reported to the parent
            result_q.put((key, wid, False, _Failure(e)))
        del task


def _thread_worker(wid, dataset, batchify_fn, task_q, result_q):
    while True:
        task = task_q.get()
        if task is None:
            break
        key, indices = task
        try:
            result_q.put((key, wid, True, batchify_fn([dataset[i] for i in indices])))
        except Exception as e:  # noqa: BLE001 - reported to the caller
            result_q.put((key, wid, False, _Failure(e)))


class _WorkerPool:
    """``num_workers`` processes (or threads) running batchify_fn over dataset samples."""

    def __init__(self, num_workers, dataset, batchify_fn, thread_pool):
        self.threaded = thread_pool
        self.results = {}               # (iterator id, batch idx) -> (wid, ok, payload)
        self.live_iters = set()
        self.broken = None
        if thread_pool:
            self.task_q, self.result_q = queue.Queue(), queue.Queue()
            self.workers = [threading.Thread(target=_thread_worker, daemon=True,
                                             args=(i, dataset, batchify_fn, self.task_q, self.result_q))
                            for i in range(num_workers)]
            for w in self.workers:
                w.start()
            self._finalizer = None
            return
        methods = multiprocessing.get_all_start_methods()
        mp = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.task_q, self.result_q = mp.Queue(), mp.Queue()
        nd.waitall()     # fork with no engine work in flight
        self.workers = []
        for i in range(num_workers):
            w = mp.Process(target=_process_worker, daemon=True,
                           args=(i, dataset, batchify_fn, self.task_q, self.result_q, _worker_seed(i)))
            with warnings.catch_warnings():
                # Python 3.12+ warns about forking a threaded process; the engine is fork-safe
                warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
                w.start()
            self.workers.append(w)
        self._finalizer = weakref.finalize(self, _shutdown_processes, self.workers, self.task_q,
                                           self.result_q)

    def _check_usable(self):
        if self.broken:
            raise MXNetError("DataLoader workers were stopped ({}); start a new iteration".format(self.broken))

    def submit(self, key, indices):
        self._check_usable()
        self.task_q.put((key, indices))

    def _worker_name(self, wid):
        w = self.workers[wid]
        return "DataLoader worker {}{}".format(wid, "" if self.threaded else " (pid {})".format(w.pid))

    def _check_alive(self):
        if self.threaded:
            return
        for wid, w in enumerate(self.workers):
            if not w.is_alive():
                code = w.exitcode
                how = "was killed by signal {}".format(-code) if code is not None and code < 0 else \
                    "exited with code {}".format(code)
                self.broken = "{} {} unexpectedly".format(self._worker_name(wid), how)
                self.shutdown(graceful=False)
                raise MXNetError(self.broken + "; the DataLoader restarts its workers at the next "
                                 "iteration")

    def get(self, key, indices, timeout):
        """The result for ``key``: waits at most ``timeout`` seconds, checking the workers."""
        deadline = time.monotonic() + timeout
        while key not in self.results:
            self._check_usable()
            try:
                rkey, wid, ok, payload = self.result_q.get(timeout=_POLL_S)
            except queue.Empty:
                self._check_alive()
                if time.monotonic() > deadline:
                    if not self.threaded:
                        self.broken = "timeout"
                        self.shutdown(graceful=False)
                    raise DataLoaderTimeoutError(
                        "DataLoader: batch {} (samples {}) was not loaded within timeout={} s. A slow "
                        "transform needs a larger `timeout`.".format(key[1], _short(indices), timeout))
                continue
            if rkey[0] in self.live_iters:
                self.results[rkey] = (wid, ok, payload)
        wid, ok, payload = self.results.pop(key)
        if ok:
            return payload if self.threaded else pickle.loads(payload)
        msg = "{} raised {} while loading batch {} (samples {}): {}\n\nWorker traceback:\n{}".format(
            self._worker_name(wid), payload.type_name, key[1], _short(indices), payload.message,
            payload.traceback)
        exc = None
        if payload.exc_type is not None and issubclass(payload.exc_type, Exception):
            try:
                exc = payload.exc_type(msg)
            except Exception:  # noqa: BLE001 - constructor wants other arguments
                exc = None
        raise (exc if exc is not None else MXNetError(msg)) from None

    def forget(self, iter_id):
        """Drop the results of an iterator that will not be read further."""
        self.live_iters.discard(iter_id)
        for k in [k for k in self.results if k[0] == iter_id]:
            del self.results[k]

    def shutdown(self, graceful=True):
        if self._finalizer is not None:
            if not graceful:
                for w in self.workers:
                    if w.is_alive():
                        w.terminate()
            self._finalizer()
        elif self.threaded:
            for _ in self.workers:
                self.task_q.put(None)


def _short(indices):
    indices = [int(i) for i in indices]
    return str(indices) if len(indices) <= 8 else "[{}, ...]".format(", ".join(map(str, indices[:8])))


def _shutdown_processes(workers, task_q, result_q):
    for _ in workers:
        try:
            task_q.put(None)
        except (OSError, ValueError):
            break
    deadline = time.monotonic() + 1.0
    for w in workers:
        w.join(max(0.0, deadline - time.monotonic()))
    for w in workers:
        if w.is_alive():
            w.terminate()
            w.join(1.0)
    for q in (task_q, result_q):
        q.cancel_join_thread()
        q.close()


_iter_ids = itertools.count()


class _MultiWorkerIter:
    """One pass over the batch sampler through the worker pool, in order."""

    def __init__(self, pool, batch_sampler, pin_memory=False, pin_device_id=0, prefetch=0, timeout=120):
        self._pool = pool
        self._id = next(_iter_ids)
        pool.live_iters.add(self._id)
        self._iter = iter(batch_sampler)
        self._batch_sampler = batch_sampler
        self._pending = {}             # batch idx -> indices
        self._rcvd_idx = 0
        self._sent_idx = 0
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._timeout = timeout
        self._done = False
        for _ in range(prefetch):
            self._push_next()

    def __len__(self):
        return len(self._batch_sampler)

    def _push_next(self):
        r = next(self._iter, None)
        if r is None:
            return
        self._pool.submit((self._id, self._sent_idx), r)
        self._pending[self._sent_idx] = r
        self._sent_idx += 1

    def __next__(self):
        if self._done:
            raise StopIteration
        self._push_next()
        if self._rcvd_idx == self._sent_idx:
            self._finish()
            raise StopIteration
        idx = self._rcvd_idx
        try:
            batch = self._pool.get((self._id, idx), self._pending.pop(idx), self._timeout)
        except BaseException:
            self._finish()
            raise
        self._rcvd_idx += 1
        if self._pin_memory:
            batch = _as_in_context(batch, context.cpu_pinned(self._pin_device_id))
        return batch

    def next(self):
        return self.__next__()

    def __iter__(self):
        return self

    def _finish(self):
        if not self._done:
            self._done = True
            self._pool.forget(self._id)

    def __del__(self):
        try:
            self._finish()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


class DataLoader:
    """Loads mini-batches from ``dataset``.

    Parameters
    ----------
    dataset : Dataset (or NumPy array, NDArray, list)
    batch_size : int; required unless ``batch_sampler`` is given.
    shuffle : bool; draw the samples in a random order (NumPy's global random state).
    sampler : Sampler of indices; excludes ``shuffle``.
    last_batch : {'keep', 'discard', 'rollover'}, default 'keep'.
    batch_sampler : Sampler of index lists; excludes batch_size, shuffle, sampler, last_batch.
    batchify_fn : callable(list of samples) -> batch; default :func:`default_batchify_fn`.
    num_workers : int; worker processes (0 loads in this process).
    pin_memory, pin_device_id : return batches on ``cpu_pinned(pin_device_id)``.
    prefetch : int, default ``2 * num_workers``; batches requested ahead.
    thread_pool : bool; use threads instead of processes.
    timeout : seconds to wait for one batch before raising.
    auto_reload : bool; start prefetching the next epoch when one ends (and at creation).
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None, last_batch=None,
                 batch_sampler=None, batchify_fn=None, num_workers=0, pin_memory=False, pin_device_id=0,
                 prefetch=None, thread_pool=False, timeout=120, auto_reload=False):
        self._dataset = dataset
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._thread_pool = thread_pool
        self._timeout = timeout
        assert timeout > 0, "timeout must be positive, given {}".format(timeout)
        if batch_sampler is None:
            if batch_size is None:
                raise ValueError("batch_size must be specified unless batch_sampler is specified")
            if sampler is None:
                sampler = _sampler.RandomSampler(len(dataset)) if shuffle else \
                    _sampler.SequentialSampler(len(dataset))
            elif shuffle:
                raise ValueError("shuffle must not be specified if sampler is specified")
            batch_sampler = _sampler.BatchSampler(sampler, batch_size, last_batch if last_batch else "keep")
        elif batch_size is not None or shuffle or sampler is not None or last_batch is not None:
            raise ValueError("batch_size, shuffle, sampler and last_batch must not be specified if "
                             "batch_sampler is specified.")
        self._batch_sampler = batch_sampler
        self._num_workers = num_workers if num_workers >= 0 else 0
        self._prefetch = max(0, int(prefetch) if prefetch is not None else 2 * self._num_workers)
        if batchify_fn is None:
            batchify_fn = default_mp_batchify_fn if num_workers > 0 else default_batchify_fn
        self._batchify_fn = batchify_fn
        self._worker_pool = None
        if self._num_workers > 0:
            self._worker_pool = self._new_pool()
        self.auto_reload = auto_reload
        self._iter = None
        if self.auto_reload:
            self.refresh()

    def _new_pool(self):
        return _WorkerPool(self._num_workers, self._dataset, self._batchify_fn, self._thread_pool)

    def __iter__(self):
        if self._iter is None:
            self.refresh()
        t = self._iter
        self._iter = None        # an iterator is used once
        for item in t:
            yield item
        if self._iter is None and self.auto_reload:
            self.refresh()

    def _prefetch_iter(self):
        if self._num_workers == 0:
            def same_process_iter():
                for batch in self._batch_sampler:
                    ret = self._batchify_fn([self._dataset[idx] for idx in batch])
                    if self._pin_memory:
                        ret = _as_in_context(ret, context.cpu_pinned(self._pin_device_id))
                    yield ret
            return same_process_iter()
        if self._worker_pool.broken:
            self._worker_pool.shutdown()
            self._worker_pool = self._new_pool()
        return _MultiWorkerIter(self._worker_pool, self._batch_sampler, pin_memory=self._pin_memory,
                                pin_device_id=self._pin_device_id, prefetch=self._prefetch,
                                timeout=self._timeout)

    def __len__(self):
        return len(self._batch_sampler)

    def refresh(self):
        """Create (and start prefetching) the iterator the next ``iter()`` returns."""
        self._iter = self._prefetch_iter()

    def clean(self):
        """Drop the prefetched iterator."""
        self._iter = None

    def _close(self):
        """Stop the worker processes now (they also stop when the loader is collected)."""
        if self._worker_pool is not None:
            self._worker_pool.shutdown()

    def __del__(self):
        try:
            self._close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass
