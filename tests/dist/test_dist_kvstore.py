"""Distributed KVStore over MPI: 2 and 4 processes on loopback (mpiexec), plus the single-worker
fallback and the in-process API."""
import subprocess
import sys

import numpy as np
import pytest

import mxnet as mx
from mxnet.kvstore import dist

from .conftest import WORKER, needs_mpi, ok_job, run_job, worker_env
from . import worker as W


# -- in this process (no MPI launch): one worker ------------------------------------------------------

@pytest.mark.parametrize("name", ["dist_sync", "dist_device_sync", "dist_async", "dist_sync_device",
                                  "Dist_Sync"])
def test_dist_types_without_launch_are_one_worker(name, monkeypatch):
    for var in dist._LAUNCH_ENV:
        monkeypatch.delenv(var, raising=False)
    kv = mx.kv.create(name)
    assert isinstance(kv, mx.kv.KVStore) and isinstance(kv, dist.DistKVStore)
    assert (kv.type, kv.rank, kv.num_workers) == (name.lower(), 0, 1)
    assert kv.is_capable("optimizer") is True
    with pytest.raises(ValueError, match="Unknown capability"):
        kv.is_capable("foo")
    kv.init("a", mx.nd.ones((2, 3)))
    kv.push("a", [mx.nd.ones((2, 3)), mx.nd.ones((2, 3), ctx=mx.cpu(1)) * 2])
    out = mx.nd.zeros((2, 3))
    kv.pull("a", out=out)
    assert (out.asnumpy() == 3).all()
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.5, rescale_grad=1.0))
    kv.push("a", mx.nd.ones((2, 3)))
    kv.pull("a", out=out)
    assert np.allclose(out.asnumpy(), 2.5)
    kv.barrier()
    kv._barrier()


def test_other_names_unchanged(monkeypatch):
    for var in dist._LAUNCH_ENV:
        monkeypatch.delenv(var, raising=False)
    assert type(mx.kv.create("local")) is mx.kv.KVStore
    assert type(mx.kv.create("nccl")) is mx.kv.KVStore       # one process: the in-process store
    assert mx.kv.create("teststore").type == "teststore"
    with pytest.raises(TypeError, match="name must be a string"):
        mx.kv.create(3)


def test_horovod_single_worker(monkeypatch):
    for var in dist._LAUNCH_ENV:
        monkeypatch.delenv(var, raising=False)
    kv = mx.kv.create("horovod")
    assert (kv.type, kv.rank, kv.num_workers, kv.is_capable("optimizer")) == ("horovod", 0, 1, False)
    a = [mx.nd.ones((3,)), mx.nd.ones((3,), ctx=mx.cpu(1)) * 2]
    kv.pushpull("g", a)
    assert all((x.asnumpy() == 3).all() for x in a)
    out = mx.nd.zeros((3,))
    kv.broadcast("w", mx.nd.ones((3,)) * 7, out=out)
    assert (out.asnumpy() == 7).all()
    rsp = mx.nd.sparse.zeros("row_sparse", (3,))
    for fn in (lambda: kv.push("g", a), lambda: kv.set_optimizer(mx.optimizer.SGD()),
               lambda: kv.row_sparse_pull("w", out=rsp, row_ids=mx.nd.array([0]))):
        with pytest.raises(mx.MXNetError, match="horovod"):
            fn()


def test_gradient_compression_single_worker(monkeypatch):
    """dist stores quantize the sum of the local devices (MXNet's dist rule)."""
    for var in dist._LAUNCH_ENV:
        monkeypatch.delenv(var, raising=False)
    kv = mx.kv.create("dist_sync")
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    kv.init(0, mx.nd.zeros((4,)))
    kv.push(0, [mx.nd.array([0.7, -0.2, 0.3, -1.0]), mx.nd.array([0.1, 0.1, 0.6, 0], ctx=mx.cpu(1))])
    out = mx.nd.zeros((4,))
    kv.pull(0, out=out)
    assert out.asnumpy().tolist() == [0.5, 0, 0.5, -0.5]
    kv.push(0, mx.nd.zeros((4,)))       # residuals [0.3, -0.1, 0.4, -0.5] -> only the last
    kv.pull(0, out=out)
    assert out.asnumpy().tolist() == [0, 0, 0, -0.5]
    with pytest.raises(mx.MXNetError, match="Unknown type for gradient compression 1bit"):
        kv.set_gradient_compression({"type": "1bit"})
    with pytest.raises(mx.MXNetError, match="not supported"):
        mx.kv.create("horovod").set_gradient_compression({"type": "2bit"})


def test_module_uses_dist_store_without_launch(monkeypatch):
    for var in dist._LAUNCH_ENV:
        monkeypatch.delenv(var, raising=False)
    kv, update_on_kv = mx.model._create_kvstore("dist_sync", 1, {})
    assert isinstance(kv, dist.DistKVStore) and update_on_kv


def test_script_without_launcher_is_one_worker(tmp_path):
    env = worker_env()
    proc = subprocess.run([sys.executable, WORKER, "single", str(tmp_path)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    assert proc.returncode == 0, proc.stdout.decode()
    import json
    res = json.loads((tmp_path / "rank0.json").read_text())
    assert res == {"rank": 0, "num_workers": 1, "value": [2.0, 2.0], "mpi_loaded": False}


def test_mpi_launch_without_mpi4py_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(dist, "_WORLD", None)
    monkeypatch.setenv("PMI_SIZE", "2")
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(mx.MXNetError, match="mpi4py"):
        mx.kv.create("dist_sync")


def test_buckets():
    a = [("k%d" % i, None, mx.nd.zeros((n,)), None) for i, n in enumerate([10, 10, 100, 5, 5])]
    b = dist._buckets(a, 4 * 25)
    assert [[it[0] for it in bk] for bk in b] == [["k0", "k1"], ["k2"], ["k3", "k4"]]
    f16 = ("h", None, mx.nd.zeros((2,), dtype="float16"), None)
    assert len(dist._buckets([a[0], f16, a[1]], 10 ** 6)) == 1    # float16 travels as float32
    i32 = ("i", None, mx.nd.zeros((2,), dtype="int32"), None)
    assert len(dist._buckets([a[0], i32, a[1]], 10 ** 6)) == 3
    # values of at least ``direct`` bytes get a bucket of their own; small ones are still packed
    b = dist._buckets(a, 10 ** 6, direct=4 * 100)
    assert [[it[0] for it in bk] for bk in b] == [["k2"], ["k0", "k1", "k3", "k4"]]


# -- across processes ---------------------------------------------------------------------------------

@needs_mpi
@pytest.mark.parametrize("n, engine", [(2, "ThreadedEnginePerDevice"), (4, "ThreadedEnginePerDevice"),
                                       (3, "NaiveEngine")])
def test_push_pull_sums_and_init_broadcast(tmp_path, n, engine):
    """Every dtype and several shapes: init takes rank 0's value, push sums over the devices and
    the workers, pushpull / broadcast / chunked large values / errors."""
    res = ok_job(n, "sums", tmp_path, env=worker_env(MXNET_KVSTORE_BUCKET_BYTES=65536,
                                                     MXNET_ENGINE_TYPE=engine))
    for r in range(n):
        assert res[r]["rank"] == r and res[r]["num_workers"] == n
        assert res[r]["type"] == "dist_sync" and res[r]["capable"] is True
        assert res[r]["checked"] == len(W.DTYPES) * len(W.SHAPES) * 2


@needs_mpi
@pytest.mark.parametrize("n", [2, 3])
def test_large_values_reduce_in_place(tmp_path, n):
    """Values of at least MXNET_KVSTORE_DIRECT_BYTES are reduced on their own buffers: in place
    once a store gave the buffer (whichever store), never in memory the user owns."""
    res = ok_job(n, "inplace", tmp_path, env=worker_env(MXNET_KVSTORE_DIRECT_BYTES=4000,
                                                        MXNET_KVSTORE_CHUNK_BYTES=3000))
    for r in range(n):
        assert res[r]["steady"] == res[r]["expected"], res[r]


def _reference_module(n):
    """One worker on the whole batch (batch BATCH * n), from rank 0's initial weights."""
    x, y = W.toy_data(W.BATCH * W.STEPS * n)
    order = np.concatenate([W.shard(x, y, r, n)[0] for r in range(n)])
    assert order.shape == x.shape
    # global batch s = the per-step slices of every worker, in rank order
    xs = np.concatenate([np.concatenate([W.shard(x, y, r, n)[0][s * W.BATCH:(s + 1) * W.BATCH]
                                         for r in range(n)]) for s in range(W.STEPS)])
    ys = np.concatenate([np.concatenate([W.shard(x, y, r, n)[1][s * W.BATCH:(s + 1) * W.BATCH]
                                         for r in range(n)]) for s in range(W.STEPS)])
    it = mx.io.NDArrayIter(xs, ys, W.BATCH * n, shuffle=False, label_name="softmax_label")
    mod = mx.mod.Module(W.mlp(), context=mx.cpu())
    mod.fit(it, num_epoch=1, kvstore="local", optimizer="sgd", optimizer_params=W.OPT,
            arg_params=W.toy_params(2), initializer=mx.init.Zero())
    return {k: v.asnumpy() for k, v in mod.get_params()[0].items()}


@needs_mpi
@pytest.mark.parametrize("n, kvtype", [(2, "dist_sync"), (4, "dist_sync"), (2, "dist_device_sync")])
def test_optimizer_on_kvstore_equals_one_worker_on_whole_batch(tmp_path, n, kvtype):
    ok_job(n, "optimizer", tmp_path, kvtype)
    ref = _reference_module(n)
    got = [dict(np.load(str(tmp_path / "rank{}.npz".format(r)))) for r in range(n)]
    for r in range(n):
        for k in ref:
            np.testing.assert_array_equal(got[r][k], got[0][k])     # identical everywhere
            np.testing.assert_allclose(got[r][k], ref[k], rtol=1e-5, atol=1e-6, err_msg=k)
    # rank 0 saved the optimizer states (momentum) of the store
    kv = mx.kv.create("local")
    kv.set_optimizer(mx.optimizer.SGD(**W.OPT))
    kv.load_optimizer_states(str(tmp_path / "states"))


@needs_mpi
@pytest.mark.parametrize("engine", ["ThreadedEnginePerDevice", "NaiveEngine"])
def test_dist_async_progress(tmp_path, engine):
    """A slow worker does not hold the others back; after a barrier every push is applied."""
    n = 3
    res = ok_job(n, "async", tmp_path, env=worker_env(MXNET_ENGINE_TYPE=engine))
    fast = [res[r] for r in range(n - 1)]
    for f in fast:
        assert f["elapsed"] < 1.0, f        # the slow worker sleeps 1.5 s before pushing
        # its own 5 pushes are in, the slow worker's are not yet
        assert -5.0 * (n - 1) <= f["seen"][-1] <= -5.0, f
        assert all(b < a for a, b in zip(f["seen"], f["seen"][1:]))
    for r in range(n):
        assert res[r]["final"] == [-5.0 * n] * 5 and res[r]["type"] == "dist_async"


@needs_mpi
def test_gluon_trainer_two_devices_per_worker(tmp_path):
    """Gluon Trainer(kvstore=<dist store>) over 2 workers x 2 devices == one process, 2 devices,
    the whole batch."""
    from mxnet import autograd, gluon
    n = 2
    res = ok_job(n, "trainer", tmp_path)
    assert all(res[r]["distributed"] for r in range(n))
    contexts = [mx.cpu(0), mx.cpu(1)]
    net = gluon.nn.Dense(3, in_units=4)
    net.initialize(mx.init.Constant(0.1), ctx=contexts)
    x, y = W.toy_data(W.BATCH * W.STEPS * n)
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.3, "momentum": 0.5},
                       kvstore="device")
    shards = [W.shard(x[:, :4], y, r, n) for r in range(n)]
    for s in range(W.STEPS):
        sl = slice(s * W.BATCH, (s + 1) * W.BATCH)
        xb = np.concatenate([shards[r][0][sl] for r in range(n)])
        yb = np.concatenate([shards[r][1][sl] for r in range(n)])
        parts = gluon.utils.split_and_load(mx.nd.array(xb), contexts)
        labels = gluon.utils.split_and_load(mx.nd.array(yb), contexts)
        with autograd.record():
            losses = [((net(a) - b.reshape((-1, 1))) ** 2).sum() for a, b in zip(parts, labels)]
        for lo in losses:
            lo.backward()
        tr.step(W.BATCH * n)
    for r in range(n):
        got = np.load(str(tmp_path / "rank{}.npz".format(r)))
        np.testing.assert_allclose(got["weight"], net.weight.data().asnumpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(got["bias"], net.bias.data().asnumpy(), rtol=1e-5, atol=1e-6)


@needs_mpi
def test_gluon_trainer_one_device_per_worker(tmp_path):
    res = ok_job(2, "trainer", tmp_path, "1")
    assert all(res[r]["distributed"] for r in range(2))


@needs_mpi
@pytest.mark.parametrize("kvtype", ["dist_sync", "dist_async"])
def test_row_sparse_pull_sends_the_requested_rows(tmp_path, kvtype):
    """row_sparse_pull on 2 workers: each gets exactly its requested rows (unique, sorted) of
    the value updated by every worker's push (the worker checks the values too)."""
    res = ok_job(2, "rsp_pull", tmp_path, kvtype)
    assert [res[r]["rows"] for r in range(2)] == [[0, 2, 5], [0, 1, 2, 5]]


# -- faults -------------------------------------------------------------------------------------------

def _fault(tmp_path, mode, n=3, timeout_s=2):
    rc, text, res = run_job(n, "fault", tmp_path, mode, timeout=60,
                            env=worker_env(MXNET_KVSTORE_TIMEOUT=timeout_s))
    assert rc != 0, text
    survivors = [r for r in range(n) if r != 1]
    for r in survivors:
        assert r in res, "rank {} reported nothing:\n{}".format(r, text[-4000:])
        err = res[r]["error"]
        assert err and "missing rank 1" in err and "rank 1 " in err, err
    # the checkpoint rank 0 wrote before the fault is intact
    saved = mx.nd.load(str(tmp_path / "ckpt.params"))
    assert (saved["w"].asnumpy() == 3).all()
    return res, text


@needs_mpi
def test_fault_dead_worker_is_named(tmp_path):
    """Rank 1 dies (os._exit) after init: the others raise MXNetError naming it within the
    timeout, and the job ends (no hang)."""
    res, text = _fault(tmp_path, "dead")
    for r in (0, 2):
        assert "does not answer" in res[r]["error"]
        assert 1.5 < res[r]["elapsed"] < 15, res[r]
    assert "MXNetError" in text


@needs_mpi
def test_fault_worker_exits_with_an_error(tmp_path):
    """Rank 1 raises and leaves: the others fail at once (no need to wait for the timeout)."""
    res, _ = _fault(tmp_path, "raise", timeout_s=30)
    for r in (0, 2):
        assert "has left the job" in res[r]["error"]
        assert res[r]["elapsed"] < 10, res[r]


@needs_mpi
def test_fault_absent_worker_is_named(tmp_path):
    """Rank 1 never creates the kvstore: the others fail in create naming it."""
    n = 3
    rc, text, res = run_job(n, "fault", tmp_path, "absent", timeout=90,
                            env=worker_env(MXNET_KVSTORE_TIMEOUT=2))
    assert rc != 0
    assert "missing rank 1" in text and "creating the distributed kvstore" in text, text[-4000:]
