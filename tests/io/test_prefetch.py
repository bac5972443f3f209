"""PrefetchingIter: same batches as the wrapped iterators, errors re-raised, clean shutdown."""
import gc

import numpy as np
import pytest

import mxnet as mx
from mxnet.io import DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter


def flat(b):
    return ([d.asnumpy().ravel().tolist() for d in b.data],
            [l.asnumpy().ravel().tolist() for l in b.label], b.pad)


def data10():
    return np.arange(10, dtype=np.float32).reshape(10, 1), np.arange(10) * 10


@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
def test_same_batches_as_wrapped(handle):
    d, l = data10()
    ref = NDArrayIter(d, l, batch_size=3, last_batch_handle=handle)
    pre = PrefetchingIter(NDArrayIter(d, l, batch_size=3, last_batch_handle=handle))
    for _ in range(4):
        assert [flat(b) for b in pre] == [flat(b) for b in ref]
        ref.reset()
        pre.reset()
    pre.close()


def test_roll_over_not_advanced_past_the_end():
    d, l = data10()
    pre = PrefetchingIter(NDArrayIter(d, l, batch_size=3, last_batch_handle="roll_over"))
    assert len(list(pre)) == 3
    with pytest.raises(StopIteration):           # the end is sticky until reset
        pre.next()
    pre.reset()
    b = pre.next()
    assert b.data[0].asnumpy().ravel().tolist() == [9, 0, 1] and b.pad == 1


def test_several_iterators_and_renames():
    d, l = data10()
    pre = PrefetchingIter([NDArrayIter(d, l, batch_size=4),
                           NDArrayIter({"x": d * 2, "y": d * 3}, {"z": l + 1}, batch_size=4)])
    assert [x.name for x in pre.provide_data] == ["data", "x", "y"]
    assert [x.name for x in pre.provide_label] == ["softmax_label", "z"]
    assert pre.batch_size == 4
    batches = [flat(b) for b in pre]
    assert batches[2] == ([[8, 9, 0, 1], [16, 18, 0, 2], [24, 27, 0, 3]],
                          [[80, 90, 0, 10], [81, 91, 1, 11]], 2)
    assert len(batches) == 3
    pre = PrefetchingIter(NDArrayIter(d, l, batch_size=4), rename_data=[{"data": "img"}],
                          rename_label=[{"softmax_label": "lab"}])
    assert repr(pre.provide_data) == "[DataDesc[img,(4, 1),<class 'numpy.float32'>,NCHW]]"
    b = pre.next()
    assert b.provide_label[0].name == "lab" and pre.getpad() == 0 and pre.getindex() is None
    assert len(pre.getdata()) == 1 and len(pre.getlabel()) == 1


def test_mismatched_iterators():
    d, l = data10()
    pre = PrefetchingIter([NDArrayIter(d, l, batch_size=4), NDArrayIter(d[:4], l[:4],
                                                                         batch_size=4)])
    pre.next()
    with pytest.raises(mx.MXNetError, match="mismatch"):
        pre.next()


def test_wraps_builtin_iterator(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("1,2,3\n2,3,4\n3,4,5\n4,5,6\n")
    ref = mx.io.CSVIter(data_csv=str(p), data_shape=(3,), batch_size=3)
    pre = PrefetchingIter(mx.io.CSVIter(data_csv=str(p), data_shape=(3,), batch_size=3))
    for _ in range(3):
        assert [flat(b) for b in pre] == [flat(b) for b in ref]
        pre.reset()
        ref.reset()


class Failing(DataIter):
    """Raises ValueError on its second batch, then goes on."""

    def __init__(self):
        super().__init__(2)
        self.i = 0
        self.provide_data = [DataDesc("data", (2, 3))]
        self.provide_label = []

    def reset(self):
        self.i = 0

    def next(self):
        self.i += 1
        if self.i == 2:
            raise ValueError("boom at 2")
        if self.i > 3:
            raise StopIteration
        return DataBatch([mx.nd.ones((2, 3)) * self.i], [], pad=0)


def test_error_in_producer_is_reraised():
    pre = PrefetchingIter(Failing())
    assert pre.next().data[0].asnumpy()[0, 0] == 1
    with pytest.raises(ValueError, match="boom at 2"):
        pre.next()
    assert pre.next().data[0].asnumpy()[0, 0] == 3     # the iterator can go on
    with pytest.raises(StopIteration):
        pre.next()
    pre.reset()
    assert pre.next().data[0].asnumpy()[0, 0] == 1


def test_threads_stop_on_close_and_gc():
    pres = [PrefetchingIter(NDArrayIter(np.zeros((10, 2)), batch_size=3)) for _ in range(3)]
    threads = [p._prefetcher._thread for p in pres]
    pres[0].next()
    assert all(t.is_alive() and t.name == "mxnet-io-prefetch" for t in threads)
    pres[0].close()
    pres[0].close()                                  # idempotent
    assert not threads[0].is_alive()
    del pres                                         # the thread does not keep them alive
    gc.collect()
    for t in threads:
        t.join(timeout=5)
    assert not any(t.is_alive() for t in threads)


def test_use_after_close_raises():
    pre = PrefetchingIter(NDArrayIter(np.zeros((10, 2)), batch_size=3))
    pre.close()
    with pytest.raises(mx.MXNetError, match="stopped"):
        pre.next()
