"""gluon.utils helpers beyond the ones the Block/Trainer tests exercise: shape_is_known,
replace_file, HookHandle (MXNet 1.9.1's answers, checked with the oracle)."""
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet.gluon import utils


def test_shape_is_known_legacy_and_np_shapes():
    assert [utils.shape_is_known(s) for s in (None, (), (2, 0), (2, 3))] == [False, False, False, True]
    with mx.util.np_shape(True):
        assert [utils.shape_is_known(s) for s in ((), (2, 0), (2, -1))] == [True, True, False]
    with pytest.raises(AssertionError, match="cannot be less than 0"):
        utils.shape_is_known((2, -1))


def test_replace_file(tmp_path):
    src, dst = tmp_path / "a.tmp", tmp_path / "a"
    src.write_text("new")
    dst.write_text("old")
    utils.replace_file(str(src), str(dst))
    assert dst.read_text() == "new" and not src.exists()
    with pytest.raises(OSError, match="Please retry the download"):
        utils.replace_file(str(tmp_path / "missing"), str(tmp_path / "x" / "y"))


def test_hook_handle_detaches():
    net = mx.gluon.nn.Dense(2, in_units=3)
    net.initialize()
    seen = []
    handle = net.register_forward_hook(lambda block, inputs, out: seen.append(out.shape))
    assert isinstance(handle, utils.HookHandle) and mx.gluon.block.HookHandle is utils.HookHandle
    net(mx.nd.ones((4, 3)))
    handle.detach()
    net(mx.nd.ones((4, 3)))
    with net.register_forward_pre_hook(lambda block, inputs: seen.append("pre")):
        net(mx.nd.ones((1, 3)))
    net(mx.nd.ones((1, 3)))
    assert seen == [(4, 2), "pre"]


def test_split_data_slices_as_mxnet():
    """MXNet 1.9.1 (values from the oracle): the first size % n slices are one longer; more
    slices than rows gives empty ones; even_split refuses uneven batches."""
    x = mx.nd.arange(10).reshape((5, 2))
    rows = lambda parts: [p.asnumpy()[:, 0].tolist() for p in parts]      # noqa: E731
    assert rows(utils.split_data(x, 2, even_split=False)) == [[0, 2, 4], [6, 8]]
    assert rows(utils.split_data(x, 3, even_split=False)) == [[0, 2], [4, 6], [8]]
    assert [p.shape for p in utils.split_data(x, 6, even_split=False)] == [(1, 2)] * 5 + [(0, 2)]
    assert [p.asnumpy().tolist() for p in utils.split_data(x, 2, batch_axis=1)] == \
        [[[0], [2], [4], [6], [8]], [[1], [3], [5], [7], [9]]]
    with pytest.raises(ValueError, match="cannot be evenly split into 3 slices"):
        utils.split_data(x, 3)
    parts = utils.split_and_load(x, [mx.cpu(0), mx.cpu(1)], even_split=False)
    assert [(p.context, p.shape) for p in parts] == [(mx.cpu(0), (3, 2)), (mx.cpu(1), (2, 2))]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")   # (inf * 0 below)
def test_clip_global_norm():
    arrays = [mx.nd.array([3.0, 4.0]), mx.nd.array([[1.0], [2.0]])]
    norm = utils.clip_global_norm(arrays, 2.0)
    assert isinstance(norm, float) and abs(norm - np.sqrt(30)) < 1e-5
    np.testing.assert_allclose(arrays[0].asnumpy(), np.array([3, 4]) * 2 / np.sqrt(30), rtol=1e-5)
    small = [mx.nd.array([0.3, 0.4])]
    norm = utils.clip_global_norm(small, 2.0, check_isfinite=False)     # an NDArray, as MXNet
    assert isinstance(norm, mx.nd.NDArray) and norm.shape == (1,)
    np.testing.assert_allclose(norm.asnumpy(), [0.5], rtol=1e-6)
    np.testing.assert_allclose(small[0].asnumpy(), [0.3, 0.4], rtol=1e-6)     # under the limit: unchanged
    with pytest.warns(UserWarning, match="nan or inf"):
        utils.clip_global_norm([mx.nd.array([np.inf])], 1.0)
