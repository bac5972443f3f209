"""The in-process KVStore ('local', 'device') over the contexts cpu(0) and cpu(1); expected
values and error cases checked against MXNet 1.9.1."""
import numpy as np
import pytest

import mxnet as mx

CTXS = [mx.cpu(0), mx.cpu(1)]
SHAPE = (2, 3)


def _np(x):
    return x.asnumpy()


@pytest.fixture(params=["local", "device"])
def kv(request):
    return mx.kv.create(request.param)


@pytest.mark.parametrize("name, kv_type", [
    ("local", "local"), ("device", "device"), ("Local", "local"), ("nccl", "nccl"),
    ("local_allreduce_cpu", "local_allreduce_cpu"), ("local_update_cpu", "local_update_cpu"),
    ("local_allreduce_device", "local_allreduce_device")])
def test_create(name, kv_type):
    kv = mx.kv.create(name)
    assert isinstance(kv, mx.kv.KVStore) and isinstance(kv, mx.kv.KVStoreBase)
    assert (kv.type, kv.rank, kv.num_workers) == (kv_type, 0, 1)
    assert kv.is_capable("optimizer") is True
    with pytest.raises(ValueError, match="Unknown capability: foo"):
        kv.is_capable("foo")


def test_create_default_and_errors():
    assert mx.kv.create().type == "local"
    with pytest.raises(TypeError, match="name must be a string"):
        mx.kv.create(3)
    dist = mx.kv.create("dist_sync")        # without a launcher: a single worker
    assert (dist.type, dist.rank, dist.num_workers) == ("dist_sync", 0, 1)
    ts = mx.kv.create("teststore")
    assert (type(ts).__name__, ts.type, ts.is_capable("optimizer")) == ("TestStore", "teststore",
                                                                         False)
    a, b = mx.nd.ones((2,)), mx.nd.ones((2,)) * 3
    ts.pushpull(0, [a, b])
    assert _np(a).tolist() == [4, 4] and _np(b).tolist() == [4, 4]


def test_init_push_pull(kv, any_engine):
    kv.init(3, mx.nd.ones(SHAPE))
    out = mx.nd.zeros(SHAPE)
    kv.pull(3, out=out)
    assert (_np(out) == 1).all()
    # a list of values for one key (one per device) is summed; pull broadcasts to every output
    kv.push(3, [mx.nd.ones(SHAPE, ctx=c) * (i + 1) for i, c in enumerate(CTXS)])
    outs = [mx.nd.zeros(SHAPE, ctx=c) for c in CTXS]
    kv.pull(3, out=outs)
    for o, c in zip(outs, CTXS):
        assert o.context == c and (_np(o) == 3).all()
    # without an updater, a push replaces the stored value
    kv.push(3, mx.nd.ones(SHAPE) * 7)
    kv.pull(3, out=outs)
    assert all((_np(o) == 7).all() for o in outs)


def test_lists_of_keys(kv):
    kv.init(["a", "b"], [mx.nd.zeros((2,)), mx.nd.zeros((3,))])
    kv.push(["a", "b"], [[mx.nd.ones((2,), ctx=c) for c in CTXS], mx.nd.ones((3,)) * 5])
    oa = [mx.nd.zeros((2,), ctx=c) for c in CTXS]
    ob = mx.nd.zeros((3,), dtype="float64")
    kv.pull(["a", "b"], out=[oa, ob])
    assert [_np(o).tolist() for o in oa] == [[2, 2], [2, 2]]
    assert ob.dtype == np.float64 and _np(ob).tolist() == [5, 5, 5]


def test_stored_value_is_a_copy(kv):
    a = mx.nd.ones((2,))
    kv.init(0, a)
    a += 1
    g = mx.nd.ones((2,)) * 4
    kv.push(0, g)
    g += 1
    out = mx.nd.zeros((2,))
    kv.pull(0, out=out)
    assert _np(out).tolist() == [4, 4]


def test_pushpull_and_broadcast(kv):
    kv.init(5, mx.nd.zeros((2,)))
    a, b = mx.nd.ones((2,)), mx.nd.ones((2,), ctx=mx.cpu(1)) * 3
    kv.pushpull(5, [a, b])                      # out=None: results go back into the values
    assert _np(a).tolist() == [4, 4] and _np(b).tolist() == [4, 4]
    c = mx.nd.zeros((2,))
    kv.pushpull(5, [a, b], out=c)
    assert _np(c).tolist() == [8, 8]
    o = mx.nd.zeros((2,))
    kv.broadcast(6, mx.nd.ones((2,)) * 2, out=o)
    assert _np(o).tolist() == [2, 2]
    with pytest.raises(mx.MXNetError, match="duplicate init of key 6"):
        kv.broadcast(6, mx.nd.ones((2,)) * 3, out=[o])


W6 = np.arange(12, dtype=np.float32).reshape(6, 2) + 1


def _rows(ids):
    """What MXNet 1.9.1's row_sparse_pull sends for ``ids``: each requested row once, sorted."""
    return sorted(set(int(i) for i in ids))


def _check_rsp(o, want_rows, full):
    assert isinstance(o, mx.nd.sparse.RowSparseNDArray)
    assert _np(o.indices).tolist() == want_rows
    np.testing.assert_array_equal(_np(o.data), full[want_rows].reshape((-1,) + full.shape[1:]))
    dense = np.zeros_like(full)
    dense[want_rows] = full[want_rows]
    np.testing.assert_array_equal(_np(o), dense)
    o.check_format()


@pytest.mark.parametrize("ids", [[4, 1, 4, 0], [5, 2], [3], [2, 2, 2], [], [0, 1, 2, 3, 4, 5]])
def test_row_sparse_pull_sends_only_the_requested_rows(kv, ids):
    kv.init(3, mx.nd.array(W6).tostype("row_sparse"))
    out = mx.nd.sparse.zeros("row_sparse", (6, 2))
    kv.row_sparse_pull(3, out=out, row_ids=mx.nd.array(ids, dtype="int64"))
    _check_rsp(out, _rows(ids), W6)


def test_row_sparse_pull_several_outputs(kv):
    kv.init("e", mx.nd.array(W6).tostype("row_sparse"))
    outs = [mx.nd.sparse.zeros("row_sparse", (6, 2), ctx=c) for c in CTXS]
    # one row-id array per output
    kv.row_sparse_pull("e", out=outs, row_ids=[mx.nd.array([5, 2], dtype="int64"),
                                               mx.nd.array([3], dtype="int64", ctx=CTXS[1])])
    _check_rsp(outs[0], [2, 5], W6)
    _check_rsp(outs[1], [3], W6)
    assert outs[1].context == CTXS[1]
    # one row-id array for every output
    kv.row_sparse_pull("e", out=outs, row_ids=mx.nd.array([2, 2, 0], dtype="int64"))
    for o in outs:
        _check_rsp(o, [0, 2], W6)
    # float row ids are cast, as in MXNet
    kv.row_sparse_pull("e", out=outs[0], row_ids=mx.nd.array([3, 1]))
    _check_rsp(outs[0], [1, 3], W6)


def test_row_sparse_pull_rows_the_store_lacks_are_zeros(kv):
    stored = mx.nd.sparse.row_sparse_array((np.ones((2, 2), np.float32), [1, 4]), shape=(6, 2))
    kv.init(0, stored)
    out = mx.nd.sparse.zeros("row_sparse", (6, 2))
    kv.row_sparse_pull(0, out=out, row_ids=mx.nd.array([2, 0, 1], dtype="int64"))
    full = np.zeros((6, 2), np.float32)
    full[[1, 4]] = 1
    _check_rsp(out, [0, 1, 2], full)     # MXNet lists rows 0 and 2 too (stored zeros)


def test_row_sparse_pull_after_updates(kv):
    kv.init(7, mx.nd.array(W6).tostype("row_sparse"))
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.5, rescale_grad=1.0))
    grad = np.zeros((6, 2), np.float32)
    grad[[1, 3]] = [[2, 4], [6, 8]]
    kv.push(7, [mx.nd.array(grad, ctx=c).tostype("row_sparse") for c in CTXS])
    out = mx.nd.sparse.zeros("row_sparse", (6, 2), ctx=CTXS[1])
    kv.row_sparse_pull(7, out=out, row_ids=mx.nd.array([3, 0, 3], dtype="int64"))
    _check_rsp(out, [0, 3], W6 - 0.5 * 2 * grad)


def test_row_sparse_pull_dense_stored_value(kv):
    # MXNet's local stores refuse a dense stored value; neomx's dist stores keep dense values,
    # so every store selects the rows of whatever it holds
    kv.init("w", mx.nd.array(W6))
    out = mx.nd.sparse.zeros("row_sparse", (6, 2))
    kv.row_sparse_pull("w", out=out, row_ids=mx.nd.array([4, 0], dtype="int64"))
    _check_rsp(out, [0, 4], W6)


def test_row_sparse_pull_errors(kv):
    kv.init("w", mx.nd.array(W6).tostype("row_sparse"))
    out = mx.nd.sparse.zeros("row_sparse", (6, 2))
    with pytest.raises(mx.MXNetError, match="Expected row_sparse storage type for row_sparse_pull values"):
        kv.row_sparse_pull("w", out=mx.nd.zeros((6, 2)), row_ids=mx.nd.array([0]))
    with pytest.raises(mx.MXNetError, match=r"shape mismatch.*\(5, 2\)"):
        kv.row_sparse_pull("w", out=mx.nd.sparse.zeros("row_sparse", (5, 2)),
                           row_ids=mx.nd.array([0]))
    with pytest.raises(mx.MXNetError, match="has not been inited"):
        kv.row_sparse_pull("v", out=out, row_ids=mx.nd.array([0]))
    with pytest.raises(AssertionError):
        kv.row_sparse_pull("w", out=out)
    with pytest.raises(AssertionError):
        kv.row_sparse_pull("w", row_ids=mx.nd.array([0]))
    with pytest.raises(AssertionError, match="number of row_ids"):
        kv.row_sparse_pull("w", out=[out, out.copy()], row_ids=[mx.nd.array([0])] * 3)
    # (MXNet reads past the end of its row table here)
    kv.row_sparse_pull("w", out=out, row_ids=mx.nd.array([1, 6], dtype="int64"))
    with pytest.raises(mx.MXNetError, match="row id 6 out of range"):
        out.wait_to_read()


def test_errors(kv):
    a = mx.nd.ones(SHAPE)
    kv.init(3, a)
    with pytest.raises(mx.MXNetError, match="duplicate init of key 3"):
        kv.init(3, a)
    with pytest.raises(mx.MXNetError, match="key 4 has not been inited"):
        kv.pull(4, out=mx.nd.zeros(SHAPE))
    with pytest.raises(mx.MXNetError, match="key 100 has not been inited"):
        kv.push(100, a)
    with pytest.raises(mx.MXNetError, match=r"shape mismatch.*\(3, 3\).*\(2, 3\)"):
        kv.pull(3, out=mx.nd.zeros((3, 3)))
    with pytest.raises(mx.MXNetError, match=r"shape mismatch.*\(6,\).*\(2, 3\)"):
        kv.push(3, [a, mx.nd.zeros((6,))])
    with pytest.raises(mx.MXNetError, match="mixed key types"):
        kv.init("a", a)
    with pytest.raises(AssertionError, match="inconsistent types of keys detected."):
        kv.init(["d", 5], [a, a])
    with pytest.raises(AssertionError, match="unexpected type for keys"):
        kv.push(7.0, a)
    with pytest.raises(AssertionError, match="unexpected type for keys"):
        kv.push(np.int64(3), a)
    with pytest.raises(AssertionError):
        kv.push([7, 8], [a])
    with pytest.raises(AssertionError):
        kv.pull(3)
    with pytest.raises(AssertionError, match="Cannot save states for distributed training"):
        kv.save_optimizer_states("unused")
    # a failed push changed nothing
    out = mx.nd.zeros(SHAPE)
    kv.pull(3, out=out)
    assert (_np(out) == 1).all()


def test_dtype_cast(kv):
    kv.init(6, mx.nd.ones((2,), dtype="int32"))
    kv.push(6, mx.nd.array([2.7, 3.2]))
    out = mx.nd.zeros((2,))
    kv.pull(6, out=out)
    assert out.dtype == np.float32 and _np(out).tolist() == [2, 3]


def test_set_updater(kv, any_engine, tmp_path):
    calls = []

    def update(key, inp, stored):
        calls.append((key, inp.shape))
        stored += inp * 2

    a = mx.nd.ones(SHAPE)
    kv.init(3, a)
    kv.init(4, a * 2)
    kv._set_updater(update)
    kv.push(3, [mx.nd.ones(SHAPE, ctx=c) for c in CTXS])       # once, with the sum
    out = mx.nd.zeros(SHAPE)
    kv.pull(3, out=out)
    assert (_np(out) == 5).all()
    kv.push([3, 4], [[a, a], [a, a]])
    outs = [[mx.nd.zeros(SHAPE), mx.nd.zeros(SHAPE, ctx=mx.cpu(1))], [mx.nd.zeros(SHAPE)] * 2]
    kv.pull([3, 4], out=outs)
    assert (_np(outs[0][1]) == 9).all() and (_np(outs[1][0]) == 6).all()
    assert calls == [(3, SHAPE), (3, SHAPE), (4, SHAPE)]
    with pytest.raises(AttributeError):     # a plain function has no states to save
        kv.save_optimizer_states(str(tmp_path / "unused"))


def test_str_keys_reach_the_updater_as_str():
    kv = mx.kv.create()
    kv.init("w", mx.nd.ones((2,)))
    keys = []
    kv._set_updater(lambda k, i, s: keys.append(k))
    kv.push("w", mx.nd.ones((2,)))
    assert keys == ["w"]


def test_set_optimizer_sgd(kv):
    kv.init(0, mx.nd.zeros((2,)))
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9))
    assert isinstance(kv._updater, mx.optimizer.Updater)
    kv.push(0, mx.nd.ones((2,)))
    kv.push(0, mx.nd.ones((2,)))
    out = mx.nd.zeros((2,))
    kv.pull(0, out=out)
    np.testing.assert_allclose(_np(out), [-0.29, -0.29], rtol=1e-6)


def test_optimizer_multi_device_and_states(tmp_path):
    """Values from MXNet 1.9.1: two devices' gradients summed, SGD with momentum and weight decay;
    the optimizer states saved and loaded into a fresh store continue identically."""
    def make():
        return mx.optimizer.SGD(learning_rate=0.1, wd=0.1, rescale_grad=0.5, momentum=0.9)

    kv = mx.kv.create("local")
    kv.init("w", mx.nd.array([1., 2.]))
    kv.set_optimizer(make())
    for _ in range(2):
        kv.push("w", [mx.nd.array([1., -1.], ctx=mx.cpu(0)), mx.nd.array([3., 0.5], ctx=mx.cpu(1))])
    outs = [mx.nd.zeros((2,), ctx=c) for c in CTXS]
    kv.pull("w", out=outs)
    for o in outs:
        assert _np(o).tolist() == [0.39309996366500854, 2.0144500732421875]
    fname = str(tmp_path / "states")
    kv.save_optimizer_states(fname)
    kv.push("w", mx.nd.array([1., 1.]))
    kv.pull("w", out=outs[0])
    expected = [-0.018041014671325684, 1.952810525894165]
    assert _np(outs[0]).tolist() == expected

    kv2 = mx.kv.create("local")
    kv2.init("w", outs[1].copy())
    kv2.set_optimizer(make())
    kv2.load_optimizer_states(fname)
    kv2.push("w", mx.nd.array([1., 1.]))
    out = mx.nd.zeros((2,))
    kv2.pull("w", out=out)
    assert _np(out).tolist() == expected


def test_gradient_compression():
    with pytest.raises(mx.MXNetError, match="not supported for this type of kvstore"):
        mx.kv.create("local").set_gradient_compression({"type": "2bit"})
    kv = mx.kv.create("device")
    with pytest.raises(mx.MXNetError, match="Unknown type for gradient compression 1bit"):
        kv.set_gradient_compression({"type": "1bit"})
    with pytest.raises(mx.MXNetError, match="type"):
        kv.set_gradient_compression({})
    with pytest.raises(AssertionError, match="unexpected type for param_dict"):
        kv.set_gradient_compression("2bit")
    # values from MXNet 1.9.1: 2-bit quantization with error feedback per device slot
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    kv.init(0, mx.nd.zeros((4,)))
    kv.push(0, [mx.nd.array([0.7, -0.2, 0.3, -1.0]),
                mx.nd.array([0.1, 0.1, 0.6, 0], ctx=mx.cpu(1))])
    out = mx.nd.zeros((4,))
    kv.pull(0, out=out)
    assert _np(out).tolist() == [0.5, 0, 0.5, -0.5]
    kv.push(0, mx.nd.ones((4,)))
    kv.pull(0, out=out)
    assert _np(out).tolist() == [0.5, 0.5, 0.5, 0.5]


def test_barrier_and_server():
    kv = mx.kv.create()
    kv._barrier()
    server = mx.kv.KVStoreServer(kv)
    with pytest.raises(mx.MXNetError):
        server.run()
