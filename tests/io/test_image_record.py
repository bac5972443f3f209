"""mx.io.ImageRecordIter against batches made by MXNet 1.9.1 (tests/fixtures/mxnet-1.9.1/image)."""
import os

import numpy as np
import pytest

import mxnet as mx

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "image")
EXP = np.load(os.path.join(FIX, "expected.npz"))
REC = os.path.join(FIX, "images.rec")


def test_matches_mxnet_normalised():
    it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8, 10), batch_size=2, mean_r=10, mean_g=20,
                               mean_b=30, std_r=2, std_g=3, std_b=4, scale=0.5, preprocess_threads=4)
    assert it.provide_data[0].shape == (2, 3, 8, 10) and it.provide_label[0].name == "softmax_label"
    for epoch in range(3):
        batches = list(it)
        if epoch == 1:
            # MXNet 1.9.1 (checked): after a wrapped-around last batch the next epoch continues
            # after the borrowed record: [1, 2], [3, 4]
            assert [b.label[0].asnumpy().tolist() for b in batches] == [[1, 2], [3, 4]]
            assert [b.pad for b in batches] == [0, 0]
            it.reset()
            continue
        assert len(batches) == 3
        for k, b in enumerate(batches):
            np.testing.assert_allclose(b.data[0].asnumpy(), EXP["recorditer/%d/data" % k], rtol=1e-6, atol=1e-5)
            np.testing.assert_array_equal(b.label[0].asnumpy(), EXP["recorditer/%d/label" % k])
            assert b.pad == int(EXP["recorditer/%d/pad" % k])
        it.reset()


def test_matches_mxnet_resize():
    it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 6, 6), batch_size=5, resize=7)
    np.testing.assert_array_equal(next(iter(it)).data[0].asnumpy(), EXP["recorditer_resize/data"])


def test_random_options_label_width_and_round_batch():
    it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8, 8), batch_size=3, shuffle=True, rand_crop=True,
                               rand_mirror=True, label_width=2, round_batch=False, seed=3)
    batches = list(it)
    assert [b.pad for b in batches] == [0, 1]
    assert batches[0].label[0].shape == (3, 2)
    labels = np.concatenate([b.label[0].asnumpy()[:3 - b.pad, 0] for b in batches])
    assert sorted(labels.tolist()) == [0, 1, 2, 3, 4]
    assert (batches[1].data[0].asnumpy()[2] == 0).all()
    g = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(1, 8, 8), batch_size=5)
    assert next(g).data[0].shape == (5, 1, 8, 8)


def test_errors():
    with pytest.raises(mx.MXNetError, match="smaller"):
        next(mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 30, 30), batch_size=1))
    with pytest.raises(mx.MXNetError):
        mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8), batch_size=1)
    with pytest.raises(mx.MXNetError):
        mx.io.ImageRecordIter(path_imgrec=os.path.join(FIX, "missing.rec"), data_shape=(3, 8, 8), batch_size=1)
