"""Datasets, samplers and RecordIO files, against MXNet 1.9.1's behaviour."""
import struct

import numpy as np
import pytest

import mxnet as mx
from mxnet.gluon.data import (ArrayDataset, BatchSampler, Dataset, FilterSampler, RandomSampler,
                              RecordFileDataset, Sampler, SequentialSampler, SimpleDataset)
from mxnet import recordio

MAGIC = struct.pack("<I", 0xCED7230A)


# -- samplers ----------------------------------------------------------------------------------------
def test_sequential_sampler():
    assert list(SequentialSampler(4)) == [0, 1, 2, 3]
    assert list(SequentialSampler(4, 3)) == [3, 4, 5, 6]
    assert len(SequentialSampler(4, 3)) == 4


def test_random_sampler_is_a_permutation_from_numpy_state():
    np.random.seed(3)
    a = list(RandomSampler(20))
    np.random.seed(3)
    b = list(RandomSampler(20))
    assert a == b and sorted(a) == list(range(20)) and len(RandomSampler(20)) == 20


def test_filter_sampler():
    s = FilterSampler(lambda x: x % 3 == 0, list(range(10)))
    assert list(s) == [0, 3, 6, 9] and len(s) == 4


@pytest.mark.parametrize("last_batch, batches, length", [
    ("keep", [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]], 4),
    ("discard", [[0, 1, 2], [3, 4, 5], [6, 7, 8]], 3),
])
def test_batch_sampler(last_batch, batches, length):
    bs = BatchSampler(SequentialSampler(10), 3, last_batch)
    assert list(bs) == batches and len(bs) == length


def test_batch_sampler_rollover():
    # MXNet 1.9.1: the leftover indices start the next epoch
    bs = BatchSampler(SequentialSampler(10), 3, "rollover")
    assert list(bs) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]] and len(bs) == 3
    assert list(bs) == [[9, 0, 1], [2, 3, 4], [5, 6, 7]] and len(bs) == 4
    assert list(bs) == [[8, 9, 0], [1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_batch_sampler_bad_last_batch():
    with pytest.raises(ValueError, match="last_batch must be one of"):
        list(BatchSampler(SequentialSampler(10), 3, "foo"))
    with pytest.raises(ValueError, match="last_batch must be one of"):
        len(BatchSampler(SequentialSampler(10), 3, "foo"))


def test_sampler_base_is_abstract():
    with pytest.raises(NotImplementedError):
        iter(Sampler())
    with pytest.raises(NotImplementedError):
        len(Sampler())


# -- datasets ----------------------------------------------------------------------------------------
def test_dataset_base_is_abstract():
    with pytest.raises(NotImplementedError):
        Dataset()[0]
    with pytest.raises(NotImplementedError):
        len(Dataset())


def test_simple_dataset_views():
    ds = SimpleDataset(list(range(10)))
    assert len(ds) == 10 and ds[4] == 4
    assert [list(ds.shard(3, i)) for i in range(3)] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert [len(ds.shard(3, i)) for i in range(3)] == [4, 3, 3]
    assert list(ds.take(3)) == [0, 1, 2] and len(ds.take(None)) == 10 and len(ds.take(99)) == 10
    assert list(ds.filter(lambda x: x % 3 == 0)) == [0, 3, 6, 9]
    assert list(ds.sample(SequentialSampler(3, 5))) == [5, 6, 7]
    with pytest.raises(TypeError, match="Invalid sampler type"):
        ds.sample([1, 2])
    with pytest.raises(AssertionError):
        ds.shard(3, 3)


def test_transform_lazy_and_eager():
    calls = []

    def double(x):
        calls.append(x)
        return x * 2
    ds = SimpleDataset(list(range(5)))
    lazy = ds.transform(double)
    assert calls == [] and lazy[3] == 6 and calls == [3]
    eager = ds.transform(double, lazy=False)
    assert type(eager).__name__ == "SimpleDataset" and list(eager) == [0, 2, 4, 6, 8]


def test_transform_first_and_tuple_unpacking():
    pairs = ArrayDataset(np.arange(4), np.arange(4) + 10)
    tf = pairs.transform_first(lambda x: x * 100)
    assert [tf[i] for i in range(2)] == [(0, 10), (100, 11)]
    assert pairs.transform(lambda a, b: a + b)[3] == 16
    single = SimpleDataset([1, 2]).transform_first(lambda x: -x)
    assert single[1] == -2


def test_array_dataset():
    ad = ArrayDataset(mx.nd.arange(3), np.arange(3))
    a, b = ad[0]
    assert isinstance(a, np.float32) and a == 0 and b == 0       # 1-d NDArray becomes NumPy
    one = ArrayDataset(mx.nd.arange(6).reshape((3, 2)))
    assert isinstance(one[1], mx.nd.NDArray) and one[1].asnumpy().tolist() == [2, 3]
    assert len(one) == 3
    with pytest.raises(AssertionError, match="same length"):
        ArrayDataset(np.arange(3), np.arange(4))
    with pytest.raises(AssertionError):
        ArrayDataset()


# -- RecordIO ----------------------------------------------------------------------------------------
def _records():
    return [b"hello", b"", b"abcd" + MAGIC + b"xyz", MAGIC, MAGIC + MAGIC + b"12", b"ab" + MAGIC + b"cd",
            b"x" * 13, recordio.pack(recordio.IRHeader(0, 3.0, 7, 0), b"img"),
            recordio.pack(recordio.IRHeader(0, [1.0, 2.0], 8, 1), b"im2")]


# written by MXNet 1.9.1's MXIndexedRecordIO from _records() with keys 0, 10, 20...
ORACLE_REC = bytes.fromhex(
    "0a23d7ce0500000068656c6c6f0000000a23d7ce000000000a23d7ce04000020616263640a23d7ce0300006078797a00"
    "0a23d7ce000000200a23d7ce000000600a23d7ce000000200a23d7ce000000400a23d7ce02000060313200000a23d7ce"
    "0800000061620a23d7ce63640a23d7ce0d000000787878787878787878787878780000000a23d7ce1b00000000000000"
    "0000404007000000000000000000000000000000696d67000a23d7ce2300000002000000000000000800000000000000"
    "01000000000000000000803f00000040696d3200")
ORACLE_IDX = "0\t0\n10\t16\n20\t24\n30\t48\n40\t64\n50\t92\n60\t108\n70\t132\n80\t168\n"


def test_recordio_write_matches_mxnet(tmp_path):
    rec, idx = str(tmp_path / "a.rec"), str(tmp_path / "a.idx")
    w = recordio.MXIndexedRecordIO(idx, rec, "w")
    for i, r in enumerate(_records()):
        w.write_idx(i * 10, r)
    w.close()
    assert open(rec, "rb").read() == ORACLE_REC
    assert open(idx).read() == ORACLE_IDX


def test_recordio_read(tmp_path):
    (tmp_path / "a.rec").write_bytes(ORACLE_REC)
    (tmp_path / "a.idx").write_text(ORACLE_IDX)
    recs = _records()
    r = recordio.MXIndexedRecordIO(str(tmp_path / "a.idx"), str(tmp_path / "a.rec"), "r")
    assert r.keys == [0, 10, 20, 30, 40, 50, 60, 70, 80]
    assert [r.read_idx(k) for k in reversed(r.keys)] == recs[::-1]
    r.seek(20)
    assert r.read() == recs[2] and r.read() == recs[3]
    seq = recordio.MXRecordIO(str(tmp_path / "a.rec"), "r")
    got = []
    while True:
        b = seq.read()
        if b is None:
            break
        got.append(b)
    assert got == recs
    seq.reset()
    assert seq.read() == recs[0]
    seq.close()
    with pytest.raises(mx.MXNetError, match="closed"):
        seq.read()


def test_recordio_pack_unpack():
    h, s = recordio.unpack(recordio.pack(recordio.IRHeader(0, [1.0, 2.0], 8, 1), b"im2"))
    assert h.flag == 2 and h.label.tolist() == [1.0, 2.0] and (h.id, h.id2) == (8, 1) and s == b"im2"
    h, s = recordio.unpack(recordio.pack((0, 3.0, 7, 0), b"img"))
    assert h.flag == 0 and h.label == 3.0 and s == b"img"


def test_recordio_errors(tmp_path):
    with pytest.raises(ValueError, match="Invalid flag"):
        recordio.MXRecordIO(str(tmp_path / "x.rec"), "a")
    with pytest.raises(mx.MXNetError, match="cannot open"):
        recordio.MXRecordIO(str(tmp_path / "missing.rec"), "r")
    (tmp_path / "bad.rec").write_bytes(b"\x00" * 12)
    with pytest.raises(mx.MXNetError, match="magic"):
        recordio.MXRecordIO(str(tmp_path / "bad.rec"), "r").read()
    (tmp_path / "cut.rec").write_bytes(ORACLE_REC[:10])
    with pytest.raises(mx.MXNetError, match="truncated"):
        recordio.MXRecordIO(str(tmp_path / "cut.rec"), "r").read()
    w = recordio.MXRecordIO(str(tmp_path / "w.rec"), "w")
    with pytest.raises(mx.MXNetError, match="cannot read"):
        w.read()


def test_record_file_dataset(tmp_path):
    (tmp_path / "a.rec").write_bytes(ORACLE_REC)
    (tmp_path / "a.idx").write_text(ORACLE_IDX)
    ds = RecordFileDataset(str(tmp_path / "a.rec"))
    assert len(ds) == 9 and ds[2] == b"abcd" + MAGIC + b"xyz" and ds[-1] == _records()[-1]
