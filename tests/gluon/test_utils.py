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
