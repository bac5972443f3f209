"""DataDesc, DataBatch, the DataIter protocol, NDArrayIter and ResizeIter.

Expected batches were observed with MXNet 1.9.1 and are written here as literals."""
import pickle

import numpy as np
import pytest

import mxnet as mx
from mxnet.io import DataDesc, DataBatch, DataIter, NDArrayIter, ResizeIter


def epochs(it, n):
    """n epochs of (data values, label values or None, pad) per batch, resetting in between."""
    out = []
    for _ in range(n):
        ep = []
        for b in it:
            ep.append((b.data[0].asnumpy().ravel().astype(int).tolist(),
                       b.label[0].asnumpy().ravel().astype(int).tolist() if b.label else None,
                       b.pad))
        out.append(ep)
        it.reset()
    return out


def ten(n=10):
    return np.arange(n, dtype=np.float32).reshape(n, 1), np.arange(n) * 10


# -- DataDesc / DataBatch ---------------------------------------------------------------------

def test_datadesc_tuple_and_repr():
    d = DataDesc("x", (1, 2))
    assert repr(d) == str(d) == "DataDesc[x,(1, 2),<class 'numpy.float32'>,NCHW]"
    assert d == ("x", (1, 2)) and len(d) == 2 and tuple(d) == ("x", (1, 2))
    name, shape = d
    assert (name, shape) == ("x", (1, 2)) and d.name == "x" and d.shape == (1, 2)
    assert d.dtype is np.float32 and d.layout == "NCHW" and d._fields == ("name", "shape")
    assert repr(DataDesc("x", (1, 2), "float16", "NTC")) == "DataDesc[x,(1, 2),float16,NTC]"
    d2 = pickle.loads(pickle.dumps(DataDesc("y", (3,), np.int32, "NC")))
    assert d2 == ("y", (3,)) and d2.dtype is np.int32 and d2.layout == "NC"


def test_datadesc_static_helpers():
    assert DataDesc.get_batch_axis("TNC") == 1
    assert DataDesc.get_batch_axis(None) == 0
    assert DataDesc.get_batch_axis("HW") == -1
    lst = DataDesc.get_list([("a", (1, 2)), ("b", (3,))], [("a", np.int32), ("b", "float16")])
    assert repr(lst) == ("[DataDesc[a,(1, 2),<class 'numpy.int32'>,NCHW], "
                         "DataDesc[b,(3,),float16,NCHW]]")
    assert repr(DataDesc.get_list([("a", (1, 2))], None)) == \
        "[DataDesc[a,(1, 2),<class 'numpy.float32'>,NCHW]]"


def test_databatch():
    b = DataBatch([mx.nd.zeros((2, 3))], [mx.nd.zeros((2,))], pad=1)
    assert str(b) == "DataBatch: data shapes: [(2, 3)] label shapes: [(2,)]"
    assert repr(b).startswith("<mxnet.io.io.DataBatch object")
    b = DataBatch([mx.nd.zeros((2, 3))])
    assert str(b) == "DataBatch: data shapes: [(2, 3)] label shapes: None"
    assert (b.label, b.pad, b.index, b.bucket_key, b.provide_data, b.provide_label) == \
        (None,) * 6
    with pytest.raises(AssertionError, match="Data must be list of NDArrays"):
        DataBatch(mx.nd.zeros((2, 3)))
    with pytest.raises(AssertionError, match="Label must be list"):
        DataBatch([mx.nd.zeros((2, 3))], mx.nd.zeros((2,)))


class CountIter(DataIter):
    """A DataIter written against the base-class protocol (iter_next + get*)."""

    def __init__(self, n):
        super().__init__(batch_size=2)
        self.n, self.i = n, 0

    def reset(self):
        self.i = 0

    def iter_next(self):
        self.i += 1
        return self.i <= self.n

    def getdata(self):
        return [mx.nd.ones((2, 1)) * self.i]

    def getlabel(self):
        return [mx.nd.zeros((2,))]

    def getpad(self):
        return 0


def test_dataiter_protocol():
    base = DataIter()
    assert base.batch_size == 0 and iter(base) is base
    assert not hasattr(base, "provide_data")      # as in MXNet 1.9.1
    assert base.getindex() is None and base.iter_next() is None
    with pytest.raises(StopIteration):
        base.next()
    it = CountIter(3)
    vals = [b.data[0].asnumpy()[0, 0] for b in it]
    assert vals == [1, 2, 3]
    it.reset()
    b = next(it)
    assert b.pad == 0 and b.index is None and b.label[0].shape == (2,)


# -- NDArrayIter -------------------------------------------------------------------------------

PAD_10_3 = [([0, 1, 2], [0, 10, 20], 0), ([3, 4, 5], [30, 40, 50], 0),
            ([6, 7, 8], [60, 70, 80], 0), ([9, 0, 1], [90, 0, 10], 2)]
DISCARD_10_3 = PAD_10_3[:3]
ROLL_10_3 = [
    [([0, 1, 2], [0, 10, 20], 0), ([3, 4, 5], [30, 40, 50], 0), ([6, 7, 8], [60, 70, 80], 0)],
    [([9, 0, 1], [90, 0, 10], 1), ([2, 3, 4], [20, 30, 40], 0), ([5, 6, 7], [50, 60, 70], 0)],
    [([8, 9, 0], [80, 90, 0], 2), ([1, 2, 3], [10, 20, 30], 0), ([4, 5, 6], [40, 50, 60], 0),
     ([7, 8, 9], [70, 80, 90], 0)],
    [([0, 1, 2], [0, 10, 20], 0), ([3, 4, 5], [30, 40, 50], 0), ([6, 7, 8], [60, 70, 80], 0)],
]
ROLL_7_3 = [[([0, 1, 2], [0, 1, 2], 0), ([3, 4, 5], [3, 4, 5], 0)],
            [([6, 0, 1], [6, 0, 1], 1), ([2, 3, 4], [2, 3, 4], 0)],
            [([5, 6, 0], [5, 6, 0], 2), ([1, 2, 3], [1, 2, 3], 0), ([4, 5, 6], [4, 5, 6], 0)],
            [([0, 1, 2], [0, 1, 2], 0), ([3, 4, 5], [3, 4, 5], 0)],
            [([6, 0, 1], [6, 0, 1], 1), ([2, 3, 4], [2, 3, 4], 0)]]


@pytest.mark.parametrize("handle, expected", [
    ("pad", [PAD_10_3] * 3),
    ("discard", [DISCARD_10_3] * 3),
    ("roll_over", ROLL_10_3),
])
def test_ndarrayiter_last_batch_handle(handle, expected):
    d, l = ten()
    it = NDArrayIter(d, l, batch_size=3, last_batch_handle=handle)
    assert epochs(it, len(expected)) == expected


def test_ndarrayiter_roll_over_cycle():
    x = np.arange(7).reshape(7, 1)
    assert epochs(NDArrayIter(x, np.arange(7), batch_size=3, last_batch_handle="roll_over"),
                  5) == ROLL_7_3


def test_ndarrayiter_roll_over_without_label_and_hard_reset():
    it = NDArrayIter(ten()[0], batch_size=4, last_batch_handle="roll_over")
    assert epochs(it, 3) == [
        [([0, 1, 2, 3], None, 0), ([4, 5, 6, 7], None, 0)],
        [([8, 9, 0, 1], None, 2), ([2, 3, 4, 5], None, 0), ([6, 7, 8, 9], None, 0)],
        [([0, 1, 2, 3], None, 0), ([4, 5, 6, 7], None, 0)]]
    it = NDArrayIter(ten()[0], batch_size=4, last_batch_handle="roll_over")
    epochs(it, 1)                                  # leaves [8, 9] to roll over
    it.hard_reset()
    assert [b.data[0].asnumpy().ravel().tolist() for b in it] == [[0, 1, 2, 3], [4, 5, 6, 7]]


@pytest.mark.parametrize("bs, expected", [
    (8, [([0, 1, 2, 0, 1, 2, 0, 1], [0, 1, 2, 0, 1, 2, 0, 1], 5)]),
    (7, [([0, 1, 2, 0, 1, 2, 0], [0, 1, 2, 0, 1, 2, 0], 4)]),
])
def test_ndarrayiter_pad_larger_than_data(bs, expected):
    it = NDArrayIter(np.arange(3).reshape(3, 1), np.arange(3), batch_size=bs)
    assert epochs(it, 1) == [expected]


def test_ndarrayiter_discard_larger_than_data():
    it = NDArrayIter(np.arange(3).reshape(3, 1), np.arange(3), batch_size=8,
                     last_batch_handle="discard")
    assert epochs(it, 2) == [[], []]


SHUF_PAD_SEED0 = [
    [([2, 8, 4, 9], [2, 8, 4, 9], 0), ([1, 6, 7, 3], [1, 6, 7, 3], 0),
     ([0, 5, 2, 8], [0, 5, 2, 8], 2)],
    [([5, 7, 0, 1], [5, 7, 0, 1], 0), ([6, 2, 4, 3], [6, 2, 4, 3], 0),
     ([9, 8, 5, 7], [9, 8, 5, 7], 2)],
    [([9, 6, 1, 2], [9, 6, 1, 2], 0), ([5, 4, 8, 0], [5, 4, 8, 0], 0),
     ([7, 3, 9, 6], [7, 3, 9, 6], 2)]]
SHUF_ROLL_SEED1 = [
    [([2, 9, 6, 4], [2, 9, 6, 4], 0), ([0, 3, 1, 7], [0, 3, 1, 7], 0)],
    [([8, 5, 3, 4], [8, 5, 3, 4], 2), ([0, 6, 8, 2], [0, 6, 8, 2], 0),
     ([1, 5, 9, 7], [1, 5, 9, 7], 0)],
    [([4, 0, 3, 5], [4, 0, 3, 5], 0), ([2, 1, 6, 7], [2, 1, 6, 7], 0)]]
SHUF_DISCARD_SEED2 = [[([4, 1], [4, 1], 0), ([3, 2], [3, 2], 0), ([6, 5], [6, 5], 0)],
                      [([4, 5], [4, 5], 0), ([0, 3], [0, 3], 0), ([1, 2], [1, 2], 0)]]


@pytest.mark.parametrize("seed, n, bs, handle, expected", [
    (0, 10, 4, "pad", SHUF_PAD_SEED0),
    (1, 10, 4, "roll_over", SHUF_ROLL_SEED1),
    (2, 7, 2, "discard", SHUF_DISCARD_SEED2),
])
def test_ndarrayiter_shuffle_matches_mxnet(seed, n, bs, handle, expected):
    # MXNet shuffles with NumPy's global RNG: the same seed gives MXNet's exact order
    np.random.seed(seed)
    it = NDArrayIter(np.arange(n).reshape(n, 1), np.arange(n), batch_size=bs, shuffle=True,
                     last_batch_handle=handle)
    assert epochs(it, len(expected)) == expected


def test_ndarrayiter_shuffle_keeps_pairs_and_casts_to_float32():
    d = mx.nd.array(np.arange(10).reshape(10, 1), dtype="float64")
    l = mx.nd.array(np.arange(10), dtype="int32")
    np.random.seed(5)
    it = NDArrayIter(d, l, batch_size=5, shuffle=True)
    assert it.provide_data[0].dtype is np.float32 and it.provide_label[0].dtype is np.float32
    seen = []
    for b in it:
        x, y = b.data[0].asnumpy().ravel(), b.label[0].asnumpy()
        assert b.data[0].dtype == np.float32 and (x == y).all()
        seen += x.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))


def test_ndarrayiter_names_and_descs():
    d, l = ten()
    it = NDArrayIter({"b": d, "a": d * 2}, {"y": l}, batch_size=4)
    assert [x.name for x in it.provide_data] == ["a", "b"]       # dict keys, sorted
    assert repr(it.provide_label) == "[DataDesc[y,(4,),<class 'numpy.float32'>,NCHW]]"
    b = it.next()
    assert b.data[0].asnumpy().ravel().tolist() == [0, 2, 4, 6]
    it = NDArrayIter([d, d * 2], [l], batch_size=4)
    assert [x.name for x in it.provide_data] == ["_0_data", "_1_data"]
    assert [x.name for x in it.provide_label] == ["softmax_label"]
    it = NDArrayIter(mx.nd.array(d, dtype="float64"), batch_size=4, data_name="x",
                     label_name="y", layout="NTC")
    assert repr(it.provide_data) == "[DataDesc[x,(4, 1),<class 'numpy.float64'>,NTC]]"
    assert it.provide_label == [] and it.next().label == []
    assert (it.num_data, it.num_source, it.cursor, it.batch_size) == (10, 1, 0, 4)


def test_ndarrayiter_batch_is_a_copy_and_getters():
    d, l = ten()
    it = NDArrayIter(d, l, batch_size=4)
    b = it.next()
    b.data[0][:] = -1                                # must not write into the iterator's data
    it.reset()
    assert it.next().data[0].asnumpy().ravel().tolist() == [0, 1, 2, 3]
    assert it.getpad() == 0 and it.getindex() is None
    assert it.getdata()[0].shape == (4, 1) and it.getlabel()[0].shape == (4,)


def test_ndarrayiter_layout_tnc_slices_axis_1():
    x = np.arange(2 * 6 * 3).reshape(2, 6, 3)
    it = NDArrayIter(x, batch_size=2, layout="TNC")
    assert repr(it.provide_data) == "[DataDesc[data,(2, 2, 3),<class 'numpy.float32'>,TNC]]"
    b = it.next()          # MXNet counts examples on axis 0 but slices the batch axis
    np.testing.assert_array_equal(b.data[0].asnumpy(), x[:, 0:2])


def test_ndarrayiter_errors():
    with pytest.raises(AssertionError):
        NDArrayIter(None)
    with pytest.raises(TypeError, match="Input must be NDArray"):
        NDArrayIter("abc")
    with pytest.raises(ValueError, match="last_batch_handle"):
        NDArrayIter(np.zeros((3, 1)), last_batch_handle="foo")
    with pytest.raises(ValueError, match=r"softmax_label has shape \(4,\)"):
        NDArrayIter(np.zeros((3, 1)), np.zeros(4))


# -- ResizeIter --------------------------------------------------------------------------------

@pytest.mark.parametrize("size, reset_internal, expected", [
    (2, True, [PAD_10_3[:2], PAD_10_3[:2]]),
    (5, True, [PAD_10_3 + PAD_10_3[:1]] * 2),
    (5, False, [PAD_10_3 + PAD_10_3[:1], PAD_10_3[1:] + PAD_10_3[:2]]),
    (2, False, [PAD_10_3[:2], PAD_10_3[2:4]]),
])
def test_resizeiter(size, reset_internal, expected):
    d, l = ten()
    it = ResizeIter(NDArrayIter(d, l, batch_size=3), size, reset_internal=reset_internal)
    assert it.batch_size == 3 and it.provide_data[0].shape == (3, 1)
    assert epochs(it, 2) == expected
