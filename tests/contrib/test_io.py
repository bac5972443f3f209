"""mx.contrib.io.DataLoaderIter."""
import numpy as np

import mxnet as mx


def _loader(n=10, batch_size=4):
    ds = mx.gluon.data.ArrayDataset(np.arange(2 * n).reshape(n, 2).astype("float32"),
                                    np.arange(n).astype("int32"))
    return mx.gluon.data.DataLoader(ds, batch_size=batch_size)


def test_dataloader_iter_batches_and_padding():
    it = mx.contrib.io.DataLoaderIter(_loader())
    assert it.batch_size == 4
    assert it.provide_data[0].name == "data" and it.provide_data[0].shape == (4, 2)
    assert it.provide_label[0].name == "softmax_label" and it.provide_label[0].shape == (4,)
    batches = list(it)
    assert [b.pad for b in batches] == [0, 0, 2]
    assert all(b.data[0].shape == (4, 2) and b.data[0].dtype == np.float32 for b in batches)
    np.testing.assert_array_equal(batches[2].label[0].asnumpy()[:2], [8, 9])
    np.testing.assert_array_equal(batches[1].data[0].asnumpy(), np.arange(8, 16).reshape(4, 2))
    assert batches[0].index is None
    it.reset()
    assert len(list(it)) == 3


def test_dataloader_iter_names_dtype_and_module():
    it = mx.contrib.io.DataLoaderIter(_loader(8, 4), data_name="x", label_name="y",
                                      dtype="float16")
    assert it.provide_data[0].name == "x" and it.provide_label[0].name == "y"
    b = next(iter(it))
    assert b.data[0].dtype == np.float16 and b.label[0].dtype == np.float16


def test_dataloader_iter_with_module_fit():
    data = mx.sym.var("data")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=10, name="fc"),
                               name="softmax")
    mod = mx.mod.Module(net)
    it = mx.contrib.io.DataLoaderIter(_loader(8, 4))
    mod.fit(it, num_epoch=1)
    assert mod.score(it, "acc")[0][0] == "accuracy"
