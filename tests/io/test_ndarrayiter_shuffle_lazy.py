"""NDArrayIter shuffles lazily (a cumulative permutation, rows gathered per batch); the batches
must be exactly MXNet's eager re-gather at every reset (``data = data[shuffled idx]``)."""
import numpy as np
import pytest

import mxnet as mx


def _eager_epochs(x, y, batch, epochs, handle, seed):
    """MXNet's algorithm in NumPy: shuffle idx in place, re-gather the shuffled arrays."""
    rs = np.random.RandomState(seed)
    idx = np.arange(len(x))
    out = []
    for _ in range(epochs):
        rs.shuffle(idx)
        x, y = x[idx], y[idx]
        n = len(x)
        ep = []
        for start in range(0, n, batch):
            end = start + batch
            if end <= n:
                ep.append((x[start:end], y[start:end], 0))
            elif handle == "pad":
                pad = end - n
                ep.append((np.concatenate([x[start:], x[:pad]]), np.concatenate([y[start:], y[:pad]]), pad))
        out.append(ep)
    return out


@pytest.mark.parametrize("handle", ["pad", "discard"])
def test_lazy_shuffle_matches_eager_regather(handle):
    x = np.arange(11 * 4, dtype=np.float32).reshape(11, 4)
    y = np.arange(11, dtype=np.float32)
    expected = _eager_epochs(x, y, 3, 4, handle, seed=5)
    np.random.seed(5)
    it = mx.io.NDArrayIter(x, y, batch_size=3, shuffle=True, last_batch_handle=handle)
    for e, ep in enumerate(expected):
        if e:
            it.reset()
        got = list(it)
        assert len(got) == len(ep)
        for b, (ex, ey, pad) in zip(got, ep):
            np.testing.assert_array_equal(b.data[0].asnumpy(), ex)
            np.testing.assert_array_equal(b.label[0].asnumpy(), ey)
            assert b.pad == pad and b.data[0].dtype == np.float32
        if e == 1:   # reading .data materialises the shuffled arrays; later epochs are unchanged
            np.testing.assert_array_equal(it.data[0][1].asnumpy()[:3], ep[0][0])


def test_shuffled_dtype_is_float32_without_materialising():
    it = mx.io.NDArrayIter(np.arange(8, dtype=np.int32).reshape(8, 1), np.arange(8), batch_size=4,
                           shuffle=True)
    it.reset()                                 # (construction materialises data_list, as MXNet's)
    assert it.provide_data[0].dtype == np.float32 and it.provide_label[0].dtype == np.float32
    assert it._data_order is not None          # provide_data did not gather the whole set
    assert sorted(np.concatenate([b.data[0].asnumpy().ravel() for b in it]).tolist()) == list(range(8))
