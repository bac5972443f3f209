"""CSVIter on small CSV files. Expected batches were observed with MXNet 1.9.1."""
import numpy as np
import pytest

import mxnet as mx

ROWS = "1,2,3\n2,3,4\n3,4,5\n4,5,6\n"


@pytest.fixture
def csv(tmp_path):
    def make(text=ROWS, name="d.csv"):
        p = tmp_path / name
        p.write_text(text)
        return str(p)
    return make


def epochs(it, n):
    out = []
    for _ in range(n):
        out.append([(b.data[0].asnumpy().tolist(), b.label[0].asnumpy().ravel().tolist(), b.pad,
                     b.index.tolist()) for b in it])
        it.reset()
    return out


R1, R2, R3, R4 = [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]


def test_round_batch_continues_after_reset(csv):
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=3)
    assert repr(it.provide_data) == "[DataDesc[data,(3, 3),<class 'numpy.float32'>,NCHW]]"
    assert repr(it.provide_label) == \
        "[DataDesc[softmax_label,(3,),<class 'numpy.float32'>,NCHW]]"
    z = [0, 0, 0]
    assert epochs(it, 4) == [
        [([R1, R2, R3], z, 0, [0, 1, 2]), ([R4, R1, R2], z, 2, [3, 0, 1])],
        [([R3, R4, R1], z, 1, [2, 3, 0])],
        [([R2, R3, R4], z, 0, [1, 2, 3])],
        [([R1, R2, R3], z, 0, [0, 1, 2]), ([R4, R1, R2], z, 2, [3, 0, 1])]]


def test_no_round_batch_keeps_stale_rows(csv):
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=3, round_batch=False)
    z = [0, 0, 0]
    assert epochs(it, 2) == [
        [([R1, R2, R3], z, 0, [0, 1, 2]), ([R4, R2, R3], z, 2, [3, 1, 2])]] * 2


def test_labels(csv):
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(3,), label_csv=csv("10\n20\n30\n40\n", "l.csv"),
                       batch_size=3, round_batch=False)
    assert [b.label[0].asnumpy().tolist() for b in it] == [[10, 20, 30], [40, 20, 30]]
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=2, label_shape=(2,),
                       label_csv=csv("1,2\n2,3\n3,4\n4,5\n", "l2.csv"))
    assert repr(it.provide_label) == \
        "[DataDesc[softmax_label,(2, 2),<class 'numpy.float32'>,NCHW]]"
    assert [b.label[0].asnumpy().tolist() for b in it] == [[[1, 2], [2, 3]], [[3, 4], [4, 5]]]
    # one value per example comes as (batch,), even with label_shape (1, 1); extra rows ignored
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(1, 3), batch_size=2, label_shape=(1, 1),
                       label_csv=csv("1\n2\n3\n4\n5\n6\n", "l3.csv"))
    assert it.provide_label[0].shape == (2,) and it.provide_data[0].shape == (2, 1, 3)
    assert [b.label[0].asnumpy().tolist() for b in it] == [[1, 2], [3, 4]]


def test_wrap_with_batch_larger_than_data(csv):
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(1, 3), batch_size=5)
    assert [(np.asarray(d).reshape(5, 3).tolist(), p, i) for d, _, p, i in epochs(it, 2)[1]] == \
        [([R2, R3, R4, R1, R2], 2, [1, 2, 3, 0, 1])]
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(1, 3), batch_size=5, round_batch=False)
    b = it.next()
    assert b.pad == 1 and b.data[0].shape == (5, 1, 3)
    assert b.data[0].asnumpy()[:4].reshape(4, 3).tolist() == [R1, R2, R3, R4]


@pytest.mark.parametrize("dtype, np_dtype", [("int32", np.int32), ("int64", np.int64),
                                             ("float32", np.float32)])
def test_dtype(csv, dtype, np_dtype):
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=2, dtype=dtype)
    assert it.provide_data[0].dtype is np_dtype and it.provide_label[0].dtype is np_dtype
    b = it.next()
    assert b.data[0].dtype == np_dtype and b.label[0].dtype == np_dtype
    assert b.data[0].asnumpy().tolist() == [R1, R2]


def test_directory_whitespace_and_names(csv, tmp_path):
    d = tmp_path / "dir"
    d.mkdir()
    (d / "a.csv").write_text("1,2\n")
    (d / "b.csv").write_text("3, 4 \n\n5,6e1\n")
    (d / "c.csv").write_text("")                  # empty files are skipped
    it = mx.io.CSVIter(data_csv=str(d), data_shape=(2,), batch_size=3, data_name="x",
                       label_name="y")
    assert [x.name for x in it.provide_data + it.provide_label] == ["x", "y"]
    assert it.next().data[0].asnumpy().tolist() == [[1, 2], [3, 4], [5, 60]]


def test_iter_next_protocol(csv):
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=2)
    rows = []
    while it.iter_next():
        rows += it.getdata().asnumpy().tolist()
        assert it.getpad() == 0 and it.getlabel().shape == (2,)
    assert rows == [R1, R2, R3, R4]


def test_errors(csv, tmp_path):
    with pytest.raises(mx.MXNetError, match="Cannot find any files.*nope.csv"):
        mx.io.CSVIter(data_csv=str(tmp_path / "nope.csv"), data_shape=(3,), batch_size=2)
    with pytest.raises(mx.MXNetError, match="Cannot find any files"):
        mx.io.CSVIter(data_csv=csv("", "empty.csv"), data_shape=(3,), batch_size=2)
    with pytest.raises(mx.MXNetError, match=r"d.csv line 1.*shape=\(4,\), the csv row-length=3"):
        mx.io.CSVIter(data_csv=csv(), data_shape=(4,), batch_size=2)
    with pytest.raises(mx.MXNetError, match=r"bad.csv line 3: cannot parse '4,x,6'"):
        mx.io.CSVIter(data_csv=csv("1,2,3\n\n4,x,6\n", "bad.csv"), data_shape=(3,), batch_size=2)
    with pytest.raises(mx.MXNetError, match="label_csv .*l.csv has 2 rows but data_csv"):
        mx.io.CSVIter(data_csv=csv(), data_shape=(3,), label_csv=csv("1\n2\n", "l.csv"),
                      batch_size=2)
    with pytest.raises(mx.MXNetError, match="must be bigger than batch size"):
        mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=9)
    with pytest.raises(mx.MXNetError, match="float64 is not supported for CSVIter"):
        mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=2, dtype="float64")
    with pytest.raises(mx.MXNetError, match="Required parameter data_csv"):
        mx.io.CSVIter(data_shape=(3,), batch_size=2)
    with pytest.raises(mx.MXNetError, match="Required parameter batch_size"):
        mx.io.CSVIter(data_csv=csv(), data_shape=(3,))
    with pytest.raises(mx.MXNetError, match="Invalid Parameter format for data_shape"):
        mx.io.CSVIter(data_csv=csv(), data_shape="abc", batch_size=2)


def test_debug_skip_load(csv):
    it = mx.io.CSVIter(data_csv=csv(), data_shape=(3,), batch_size=2)
    it.debug_skip_load()
    for _ in range(5):                                  # the first batch, again and again
        assert it.next().data[0].asnumpy().tolist() == [R1, R2]
