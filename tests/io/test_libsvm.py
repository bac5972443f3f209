"""mx.io.LibSVMIter against batches MXNet 1.9.1 gave for the same small files (values recorded
from the real library)."""
import numpy as np
import pytest

import mxnet as mx

DATA = "1 0:0.5 2:1.5\n0 1:2.0\n-1 0:1 1:2 2:3\n2\n3 2:7\n"
LABEL = "1 0:1\n0 1:1\n1 2:1\n0 3:1\n1 0:2\n"

# MXNet 1.9.1, batch_size=2: (dense data, indptr, indices, values, label, pad, index), two epochs
EXPECTED = [
    ([[0.5, 0, 1.5], [0, 2, 0]], [0, 2, 3], [0, 2, 1], [0.5, 1.5, 2], [1, 0], 0, [0, 1]),
    ([[1, 2, 3], [0, 0, 0]], [0, 3, 3], [0, 1, 2], [1, 2, 3], [-1, 2], 0, [2, 3]),
    ([[0, 0, 7], [0.5, 0, 1.5]], [0, 1, 3], [2, 0, 2], [7, 0.5, 1.5], [3, 1], 1, [4, 0]),
    # the wrap-around already started epoch 2
    ([[0, 2, 0], [1, 2, 3]], [0, 1, 4], [1, 0, 1, 2], [2, 1, 2, 3], [0, -1], 0, [1, 2]),
    ([[0, 0, 0], [0, 0, 7]], [0, 0, 1], [2], [7], [2, 3], 0, [3, 4]),
]


@pytest.fixture
def files(tmp_path):
    d, l = tmp_path / "d.t", tmp_path / "l.t"
    d.write_text(DATA)
    l.write_text(LABEL)
    return str(d), str(l)


def test_batches_match_mxnet(files):
    it = mx.io.LibSVMIter(data_libsvm=files[0], data_shape=(3,), batch_size=2)
    assert it.provide_data[0].shape == (2, 3) and it.provide_data[0].name == "data"
    assert it.provide_label[0].shape == (2,) and it.provide_label[0].name == "softmax_label"
    got = list(it)
    it.reset()
    got += list(it)
    assert len(got) == len(EXPECTED)
    for b, (dense, indptr, indices, values, label, pad, index) in zip(got, EXPECTED):
        x = b.data[0]
        assert isinstance(x, mx.nd.sparse.CSRNDArray) and x.stype == "csr" and x.shape == (2, 3)
        np.testing.assert_array_equal(x.asnumpy(), np.array(dense, np.float32))
        np.testing.assert_array_equal(x.indptr.asnumpy(), indptr)
        np.testing.assert_array_equal(x.indices.asnumpy(), indices)
        np.testing.assert_array_equal(x.data.asnumpy(), np.array(values, np.float32))
        assert b.label[0].stype == "default" and b.label[0].dtype == np.float32
        np.testing.assert_array_equal(b.label[0].asnumpy(), label)
        assert b.pad == pad
        np.testing.assert_array_equal(b.index, index)


def test_label_file_gives_csr_labels(files):
    it = mx.io.LibSVMIter(data_libsvm=files[0], data_shape=(3,), label_libsvm=files[1], label_shape=(4,),
                          batch_size=2)
    assert it.provide_label[0].shape == (2, 4)
    labels = [(b.label[0].stype, b.label[0].asnumpy().tolist(), b.pad) for b in it]
    assert labels == [("csr", [[1, 0, 0, 0], [0, 1, 0, 0]], 0), ("csr", [[0, 0, 1, 0], [0, 0, 0, 1]], 0),
                      ("csr", [[2, 0, 0, 0], [1, 0, 0, 0]], 1)]


def test_parts_and_large_batch(files):
    # MXNet splits the 45-byte file at byte 23, moved to the next line start: rows 0-2 | rows 3-4
    rows = []
    for part in range(2):
        it = mx.io.LibSVMIter(data_libsvm=files[0], data_shape=(3,), batch_size=1, num_parts=2, part_index=part)
        rows.append([b.label[0].asnumpy()[0] for b in it])
    assert rows == [[1, 0, -1], [2, 3]]
    b = next(iter(mx.io.LibSVMIter(data_libsvm=files[0], data_shape=(3,), batch_size=7)))
    assert b.pad == 2
    np.testing.assert_array_equal(b.index, [0, 1, 2, 3, 4, 0, 1])
    np.testing.assert_array_equal(b.label[0].asnumpy(), [1, 0, -1, 2, 3, 1, 0])


def test_errors(files, tmp_path):
    with pytest.raises(mx.MXNetError, match="round_batch"):
        mx.io.LibSVMIter(data_libsvm=files[0], data_shape=(3,), batch_size=2, round_batch=False)
    with pytest.raises(mx.MXNetError, match="No such file"):
        mx.io.LibSVMIter(data_libsvm=str(tmp_path / "missing.t"), data_shape=(3,), batch_size=2)
    with pytest.raises(mx.MXNetError, match="out of range"):     # MXNet reads past the row silently
        mx.io.LibSVMIter(data_libsvm=files[0], data_shape=(2,), batch_size=2)
    with pytest.raises(mx.MXNetError, match="Required parameter data_shape"):
        mx.io.LibSVMIter(data_libsvm=files[0], batch_size=2)
    with pytest.raises(TypeError):
        mx.io.LibSVMIter(files[0])
