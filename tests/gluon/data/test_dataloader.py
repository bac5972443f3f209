"""DataLoader: batching, samplers, worker processes (same batches as in-process), failures that
are reported instead of hanging."""
import multiprocessing
import os
import time

import numpy as np
import pytest

import mxnet as mx
from mxnet.gluon.data import ArrayDataset, BatchSampler, DataLoader, Dataset, SequentialSampler, SimpleDataset
from mxnet.gluon.data.vision import MNIST
from mxnet.gluon.data.vision import transforms as T

MNIST_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data", "mnist")


def _np(batches):
    return [[t.asnumpy() for t in b] if isinstance(b, (list, tuple)) else b.asnumpy() for b in batches]


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, list):
            assert len(x) == len(y)
            for p, q in zip(x, y):
                assert p.dtype == q.dtype
                np.testing.assert_array_equal(p, q)
        else:
            np.testing.assert_array_equal(x, y)


@pytest.fixture(scope="module")
def mnist_small():
    return MNIST(root=MNIST_ROOT, train=False).take(40)


def test_default_batchify_types():
    b = next(iter(DataLoader(SimpleDataset([(mx.nd.ones((2,)), 1, 2.5), (mx.nd.zeros((2,)), 3, 0.5)]),
                             batch_size=2)))
    assert isinstance(b, list) and [(t.dtype, t.shape) for t in b] == [
        (np.float32, (2, 2)), (np.int64, (2,)), (np.float64, (2,))]
    b = next(iter(DataLoader(SimpleDataset([[1, 2], [3, 4]]), batch_size=2)))
    assert b.dtype == np.int64 and b.shape == (2, 2)
    b = next(iter(DataLoader(np.arange(6).reshape(3, 2).astype(np.float64), batch_size=2)))
    assert b.dtype == np.float64 and b.shape == (2, 2)
    b = next(iter(DataLoader(mx.nd.arange(6).reshape((3, 2)), batch_size=2)))
    assert b.dtype == np.float32 and b.shape == (2, 2)


def test_mnist_batches(mnist_small):
    data, label = next(iter(DataLoader(mnist_small, batch_size=4)))
    assert data.shape == (4, 28, 28, 1) and data.dtype == np.uint8
    assert label.dtype == np.int32 and label.asnumpy().tolist() == [7, 2, 1, 0]


def test_shuffle_order_matches_mxnet():
    np.random.seed(42)
    dl = DataLoader(ArrayDataset(np.arange(10), np.arange(10) * 2), batch_size=4, shuffle=True)
    assert [[t.asnumpy().tolist() for t in b] for b in dl] == [
        [[8, 1, 5, 0], [16, 2, 10, 0]], [[7, 2, 9, 4], [14, 4, 18, 8]], [[3, 6], [6, 12]]]
    assert [b[0].asnumpy().tolist() for b in dl] == [[0, 1, 8, 5], [3, 4, 7, 9], [6, 2]]


@pytest.mark.parametrize("last_batch, sizes", [("keep", [4, 4, 2]), ("discard", [4, 4]), (None, [4, 4, 2])])
def test_last_batch(last_batch, sizes):
    dl = DataLoader(np.arange(10), batch_size=4, last_batch=last_batch)
    assert [len(b) for b in dl] == sizes and len(dl) == len(sizes)


def test_rollover_and_batch_sampler():
    dl = DataLoader(np.arange(10), batch_size=4, last_batch="rollover")
    assert [b.asnumpy().tolist() for b in dl] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert [b.asnumpy().tolist() for b in dl][0] == [8, 9, 0, 1]
    dl = DataLoader(np.arange(7), batch_sampler=BatchSampler(SequentialSampler(3, 4), 2))
    assert [b.asnumpy().tolist() for b in dl] == [[4, 5], [6]]


@pytest.mark.parametrize("kwargs", [
    dict(batch_sampler=BatchSampler(SequentialSampler(4), 2), batch_size=2),
    dict(batch_sampler=BatchSampler(SequentialSampler(4), 2), shuffle=True),
    dict(batch_size=2, sampler=SequentialSampler(4), shuffle=True),
    dict(),
])
def test_argument_errors(kwargs):
    with pytest.raises(ValueError):
        DataLoader(np.arange(4), **kwargs)


def test_workers_give_the_same_batches(mnist_small):
    ds = mnist_small.transform_first(T.ToTensor())
    ref = _np(DataLoader(ds, batch_size=6))
    dl = DataLoader(ds, batch_size=6, num_workers=2)
    _assert_same(_np(dl), ref)
    _assert_same(_np(dl), ref)              # second epoch, same workers
    assert ref[0][0].shape == (6, 1, 28, 28) and ref[0][0].dtype == np.float32 and len(ref) == 7


def test_workers_shuffle_with_seed(mnist_small):
    np.random.seed(7)
    ref = _np(DataLoader(mnist_small, batch_size=5, shuffle=True))
    np.random.seed(7)
    got = _np(DataLoader(mnist_small, batch_size=5, shuffle=True, num_workers=2, prefetch=1))
    _assert_same(got, ref)


def test_thread_pool_and_custom_batchify(mnist_small):
    def batchify(samples):
        return np.stack([s[0].asnumpy() for s in samples]), [int(s[1]) for s in samples]
    ref = list(DataLoader(mnist_small, batch_size=8, batchify_fn=batchify))
    for kw in (dict(num_workers=2), dict(num_workers=2, thread_pool=True)):
        got = list(DataLoader(mnist_small, batch_size=8, batchify_fn=batchify, **kw))
        assert len(got) == len(ref)
        for (a, la), (b, lb) in zip(got, ref):
            np.testing.assert_array_equal(a, b)
            assert la == lb


def test_concurrent_iterators_and_auto_reload():
    dl = DataLoader(np.arange(20), batch_size=3, num_workers=2, auto_reload=True)
    it1, it2 = iter(dl), iter(dl)
    got1, got2 = [], []
    for _ in range(7):
        got2.append(next(it2).asnumpy().tolist())
        got1.append(next(it1).asnumpy().tolist())
    expected = [list(range(i, min(i + 3, 20))) for i in range(0, 20, 3)]
    assert got1 == expected and got2 == expected
    dl.clean()
    dl.refresh()
    assert len(list(dl)) == 7


def test_pin_memory():
    b = next(iter(DataLoader(np.arange(4), batch_size=2, pin_memory=True)))
    assert b.context == mx.context.cpu_pinned(0)
    b = next(iter(DataLoader(np.arange(4), batch_size=2, pin_memory=True, num_workers=1)))
    assert b.context == mx.context.cpu_pinned(0) and b.asnumpy().tolist() == [0, 1]


class _Raising(Dataset):
    def __len__(self):
        return 20

    def __getitem__(self, i):
        if i == 13:
            raise ValueError("bad sample %d" % i)
        return np.float32(i)


class _OddError(Exception):
    def __init__(self, a, b):
        super().__init__("odd %s %s" % (a, b))


class _RaisingOdd(_Raising):
    def __getitem__(self, i):
        if i == 5:
            raise _OddError(1, 2)
        return np.float32(i)


@pytest.mark.parametrize("thread_pool", [False, True])
def test_worker_exception_is_reraised_naming_the_worker(thread_pool):
    dl = DataLoader(_Raising(), batch_size=4, num_workers=2, thread_pool=thread_pool)
    start = time.monotonic()
    got = []
    with pytest.raises(ValueError, match=r"DataLoader worker \d.*batch 3 \(samples \[12, 13, 14, 15\]\): "
                                         r"bad sample 13") as info:
        for b in dl:
            got.append(b.asnumpy().tolist())
    assert got == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert "Worker traceback" in str(info.value) and time.monotonic() - start < 10
    with pytest.raises(ValueError):            # the loader stays usable: the next epoch runs again
        list(dl)


def test_worker_exception_of_unusual_type_becomes_mxnet_error():
    with pytest.raises(mx.MXNetError, match="raised _OddError .*odd 1 2"):
        list(DataLoader(_RaisingOdd(), batch_size=4, num_workers=2))


class _DiesOnce(Dataset):
    def __init__(self, flag):
        self._flag = flag

    def __len__(self):
        return 12

    def __getitem__(self, i):
        if i == 5 and not os.path.exists(self._flag):
            open(self._flag, "w").close()
            os._exit(3)
        return np.float32(i)


def test_dead_worker_is_reported_and_replaced(tmp_path):
    dl = DataLoader(_DiesOnce(str(tmp_path / "died")), batch_size=2, num_workers=2)
    start = time.monotonic()
    with pytest.raises(mx.MXNetError, match=r"DataLoader worker \d \(pid \d+\) exited with code 3"):
        list(dl)
    assert time.monotonic() - start < 10
    assert [b.asnumpy().tolist() for b in dl][2] == [4, 5]     # fresh workers next epoch


class _Slow(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            time.sleep(20)
        return np.float32(i)


def test_timeout():
    dl = DataLoader(_Slow(), batch_size=2, num_workers=2, timeout=0.5)
    start = time.monotonic()
    with pytest.raises(multiprocessing.TimeoutError, match="timeout=0.5"):
        list(dl)
    assert time.monotonic() - start < 8
