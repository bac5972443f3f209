"""The program each MPI process runs in the distributed tests: ``python worker.py SCENARIO OUTDIR``.

Each rank writes ``OUTDIR/rank<r>.json`` (and for training scenarios ``.npz`` files) for the
test to check; a failing check raises, so the job's exit status says it too.
"""
import json
import os
import sys
import time

import numpy as np

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
MNIST = os.path.join(HERE, "..", "..", "data", "mnist")


def _write(out, r, **result):
    with open(os.path.join(out, "rank{}.json".format(r)), "w") as f:
        json.dump(result, f)


# -- push / pull / init -----------------------------------------------------------------------------

DTYPES = ["float32", "float64", "float16", "int32", "int64", "int8", "uint8"]
SHAPES = [(3,), (2, 3), (4, 1, 5), (1,)]


def sums(out):
    kv = mx.kv.create("dist_sync")
    r, n = kv.rank, kv.num_workers
    tri = n * (n + 1) // 2
    checked = 0
    for dt in DTYPES:
        keys = ["{}_{}".format(dt, i) for i in range(len(SHAPES))]
        # init: every rank offers its own value; rank 0's wins
        kv.init(keys, [mx.nd.ones(s, dtype=dt) * (r + 2) for s in SHAPES])
        outs = [mx.nd.zeros(s, dtype=dt) for s in SHAPES]
        kv.pull(keys, out=outs)
        for o in outs:
            assert o.dtype == np.dtype(dt) and (o.asnumpy() == 2).all(), (dt, o.asnumpy())
        # push of a list of keys (one bucket), each value from two devices of this worker
        kv.push(keys, [[mx.nd.ones(s, dtype=dt, ctx=mx.cpu(0)) * (r + 1),
                        mx.nd.ones(s, dtype=dt, ctx=mx.cpu(1))] for s in SHAPES])
        kv.pull(keys, out=[[mx.nd.zeros(s, dtype=dt, ctx=c) for c in (mx.cpu(0), mx.cpu(1))]
                           for s in SHAPES])
        outs = [[mx.nd.zeros(s, dtype=dt, ctx=c) for c in (mx.cpu(0), mx.cpu(1))] for s in SHAPES]
        kv.pull(keys, out=outs)
        for pair in outs:
            for o in pair:
                assert (o.asnumpy() == tri + n).all(), (dt, o.asnumpy(), tri + n)
                checked += 1
    # single keys, int keys, pushpull and broadcast, values that differ per element
    kv2 = mx.kv.create("dist_sync")
    base = np.arange(12, dtype=np.float32).reshape(3, 4)
    kv2.init(7, mx.nd.array(base * (r + 1)))
    got = mx.nd.zeros((3, 4))
    kv2.pull(7, out=got)
    assert np.array_equal(got.asnumpy(), base), got.asnumpy()
    v = mx.nd.array(base + r)
    kv2.pushpull(7, v)
    assert np.array_equal(v.asnumpy(), base * n + sum(range(n))), v.asnumpy()
    o = mx.nd.zeros((3, 4))
    kv2.broadcast(8, mx.nd.array(base * (r + 3)), out=o)
    assert np.array_equal(o.asnumpy(), base * 3)
    # a value larger than a bucket: split into chunks (MXNET_KVSTORE_BUCKET_BYTES is small here)
    big = 300_001
    kv2.init(9, mx.nd.zeros((big,)))
    kv2.push(9, mx.nd.arange(big) * (r + 1))
    o = mx.nd.zeros((big,))
    kv2.pull(9, out=o)
    assert np.allclose(o.asnumpy(), np.arange(big) * tri), o.asnumpy()[:5]
    # errors as the in-process store gives them
    for fn, match in ((lambda: kv2.init(7, mx.nd.zeros((3, 4))), "duplicate init"),
                      (lambda: kv2.push(5, mx.nd.zeros((1,))), "has not been inited"),
                      (lambda: kv2.push(7, mx.nd.zeros((2,))), "shape mismatch")):
        try:
            fn()
        except mx.MXNetError as e:
            assert match in str(e), str(e)
        else:
            raise AssertionError("no error for " + match)
    kv2.barrier()
    # horovod: stateless pushpull in place, repeated (the second one reuses the fusion buffer)
    hv = mx.kv.create("horovod")
    gs = [mx.nd.ones((5,)) * (r + 1), mx.nd.ones((3, 2))]
    hv.pushpull(["a", "b"], gs)
    assert (gs[0].asnumpy() == tri).all() and (gs[1].asnumpy() == n).all()
    gs[0][:] = 1
    hv.pushpull(["a", "b"], gs)
    assert (gs[0].asnumpy() == n).all() and (gs[1].asnumpy() == n * n).all()
    o = mx.nd.zeros((2,))
    hv.broadcast("c", mx.nd.ones((2,)) * (r + 4), out=o)
    assert (o.asnumpy() == 4).all()
    _write(out, r, rank=r, num_workers=n, type=kv.type, checked=checked,
           capable=kv.is_capable("optimizer"))


# -- optimizer on the kvstore: N workers on N shards == 1 worker on the whole batch ---------------

def mlp():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=16, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=4, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def toy_data(n_samples, seed=1):
    rng = np.random.RandomState(seed)
    x = rng.uniform(-1, 1, (n_samples, 10)).astype(np.float32)
    y = (np.abs(x[:, :4]).argmax(axis=1)).astype(np.float32)
    return x, y


def toy_params(seed=2):
    rng = np.random.RandomState(seed)
    shapes = {"fc1_weight": (16, 10), "fc1_bias": (16,), "fc2_weight": (4, 16), "fc2_bias": (4,)}
    return {k: mx.nd.array(rng.normal(0, 0.3, s).astype(np.float32)) for k, s in shapes.items()}


OPT = {"learning_rate": 0.5, "momentum": 0.9, "wd": 0.01}
BATCH, STEPS = 8, 6     # per worker


def shard(x, y, rank, num_workers, batch=BATCH):
    """Worker ``rank``'s rows: per step, its slice of the global batch."""
    idx = np.concatenate([np.arange(s * batch * num_workers + rank * batch,
                                    s * batch * num_workers + (rank + 1) * batch)
                          for s in range(len(x) // (batch * num_workers))])
    return x[idx], y[idx]


def optimizer(out, kvtype="dist_sync"):
    kv = mx.kv.create(kvtype)
    r, n = kv.rank, kv.num_workers
    x, y = toy_data(BATCH * STEPS * n)
    xs, ys = shard(x, y, r, n)
    it = mx.io.NDArrayIter(xs, ys, BATCH, shuffle=False, label_name="softmax_label")
    mod = mx.mod.Module(mlp(), context=mx.cpu())
    # every rank starts from different weights: init broadcasts rank 0's
    params = toy_params(2 + r)
    mod.fit(it, num_epoch=1, kvstore=kv, optimizer="sgd", optimizer_params=OPT,
            arg_params=params, initializer=mx.init.Zero())
    args, _ = mod.get_params()
    np.savez(os.path.join(out, "rank{}.npz".format(r)), **{k: v.asnumpy() for k, v in args.items()})
    if r == 0:
        kv.save_optimizer_states(os.path.join(out, "states"))
    _write(out, r, rank=r, num_workers=n)


# -- dist_async -----------------------------------------------------------------------------------

def async_(out):
    kv = mx.kv.create("dist_async")
    r, n = kv.rank, kv.num_workers
    kv.init("w", mx.nd.zeros((5,)))
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=1.0, rescale_grad=1.0))   # w -= grad
    o = mx.nd.zeros((5,))
    if r == n - 1:
        time.sleep(1.5)      # a slow worker: the others must not wait for it
    t0 = time.time()
    seen = []
    for _ in range(5):
        kv.push("w", mx.nd.ones((5,)))
        kv.pull("w", out=o)
        seen.append(float(o.asnumpy()[0]))
    elapsed = time.time() - t0
    kv.barrier()        # every push of every worker applied
    kv.pull("w", out=o)
    final = o.asnumpy().tolist()
    assert final == [-5.0 * n] * 5, final
    _write(out, r, rank=r, seen=seen, elapsed=elapsed, final=final, type=kv.type)


# -- row_sparse_pull ------------------------------------------------------------------------------

def rsp_pull(out, kvtype="dist_sync"):
    """Every worker pulls a few rows (unsorted, repeated) after each pushed one gradient row."""
    kv = mx.kv.create(kvtype)
    r, n = kv.rank, kv.num_workers
    w0 = np.arange(12, dtype=np.float32).reshape(6, 2) + 1
    kv.init("e", mx.nd.array(w0 * (r + 1)).tostype("row_sparse"))    # rank 0's value wins
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=1.0, rescale_grad=1.0))   # w -= grad
    g = np.zeros((6, 2), np.float32)
    g[r % 6] = r + 1
    kv.push("e", mx.nd.array(g).tostype("row_sparse"))
    kv.barrier()        # dist_async: every push applied on rank 0
    want = w0.copy()
    for q in range(n):
        want[q % 6] -= q + 1
    ids = [5, r, 2, r, 0]
    o = mx.nd.sparse.zeros("row_sparse", (6, 2))
    kv.row_sparse_pull("e", out=o, row_ids=mx.nd.array(ids, dtype="int64"))
    rows = sorted(set(ids))
    got_rows, got = o.indices.asnumpy().tolist(), o.data.asnumpy()
    assert got_rows == rows, got_rows
    assert np.array_equal(got, want[rows]), (got, want[rows])
    _write(out, r, rank=r, rows=got_rows, data=got.tolist())


# -- Module.fit on MNIST shards -----------------------------------------------------------------------

def mnist_mlp():
    data = mx.sym.Flatten(mx.sym.Variable("data"))
    fc1 = mx.sym.FullyConnected(data, num_hidden=64, name="fc1")
    act1 = mx.sym.Activation(fc1, act_type="relu")
    fc2 = mx.sym.FullyConnected(act1, num_hidden=10, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def mnist_iters(batch, num_parts=1, part_index=0):
    train = mx.io.MNISTIter(image=os.path.join(MNIST, "train-images-idx3-ubyte.gz"),
                            label=os.path.join(MNIST, "train-labels-idx1-ubyte.gz"),
                            batch_size=batch, shuffle=True, flat=True, seed=3, silent=True,
                            num_parts=num_parts, part_index=part_index)
    val = mx.io.MNISTIter(image=os.path.join(MNIST, "t10k-images-idx3-ubyte.gz"),
                          label=os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"),
                          batch_size=500, shuffle=False, flat=True, silent=True)
    return train, val


MNIST_BATCHES, MNIST_BATCH = 40, 50    # per worker


def train_mnist(kvstore, num_parts, part_index, batch):
    mx.random.seed(7)
    train, val = mnist_iters(batch, num_parts, part_index)
    mod = mx.mod.Module(mnist_mlp(), context=mx.cpu())
    mod.fit(mx.io.ResizeIter(train, MNIST_BATCHES), num_epoch=1, kvstore=kvstore,
            optimizer="sgd", optimizer_params={"learning_rate": 0.2, "momentum": 0.9},
            initializer=mx.init.Xavier(magnitude=2))
    acc = mod.score(mx.io.ResizeIter(val, 4), "acc")[0][1]
    return mod, acc


def module_mnist(out):
    kv = mx.kv.create("dist_sync")
    mod, acc = train_mnist(kv, kv.num_workers, kv.rank, MNIST_BATCH)
    args, _ = mod.get_params()
    np.savez(os.path.join(out, "rank{}.npz".format(kv.rank)),
             **{k: v.asnumpy() for k, v in args.items()})
    _write(out, kv.rank, rank=kv.rank, acc=acc)


# -- Gluon Trainer ----------------------------------------------------------------------------------

def trainer(out, ctxs=2):
    from mxnet import autograd, gluon
    kv = mx.kv.create("dist_sync")
    r, n = kv.rank, kv.num_workers
    contexts = [mx.cpu(i) for i in range(int(ctxs))]
    net = gluon.nn.Dense(3, in_units=4)
    net.initialize(mx.init.Constant(0.1), ctx=contexts)
    x, y = toy_data(BATCH * STEPS * n)
    xs, ys = shard(x[:, :4], y, r, n)
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.3, "momentum": 0.5},
                       kvstore=kv)
    for s in range(STEPS):
        xb = xs[s * BATCH:(s + 1) * BATCH]
        yb = ys[s * BATCH:(s + 1) * BATCH]
        parts = gluon.utils.split_and_load(mx.nd.array(xb), contexts)
        labels = gluon.utils.split_and_load(mx.nd.array(yb), contexts)
        with autograd.record():
            losses = [((net(a) - b.reshape((-1, 1))) ** 2).sum() for a, b in zip(parts, labels)]
        for lo in losses:
            lo.backward()
        tr.step(BATCH * n)
    w = net.weight.data(contexts[0]).asnumpy()
    np.savez(os.path.join(out, "rank{}.npz".format(r)), weight=w,
             bias=net.bias.data(contexts[0]).asnumpy())
    _write(out, r, rank=r, distributed=tr._kvstore is not None and tr._kvstore is kv)


# -- faults -------------------------------------------------------------------------------------------

def fault(out, mode="dead"):
    from mpi4py import MPI
    r = MPI.COMM_WORLD.Get_rank()
    if mode == "absent" and r == 1:
        time.sleep(120)           # never arrives (ended by the others' MPI_Abort)
    kv = mx.kv.create("dist_sync")
    kv.init("w", mx.nd.ones((4,)))
    if r == 0:
        mx.nd.save(os.path.join(out, "ckpt.params"), {"w": mx.nd.ones((4,)) * 3})
    kv.barrier()
    if r == 1:
        if mode == "dead":
            os._exit(0)           # dies without a word
        if mode == "raise":
            raise ValueError("rank 1 fails on purpose")
    t0 = time.time()
    try:
        kv.push("w", mx.nd.ones((4,)))
        o = mx.nd.zeros((4,))
        kv.pull("w", out=o)
        o.asnumpy()
    except mx.MXNetError as e:
        _write(out, r, rank=r, error=str(e), elapsed=time.time() - t0)
        raise
    _write(out, r, rank=r, error=None)


def single(out):
    """A dist script run without a launcher: one worker."""
    kv = mx.kv.create("dist_sync")
    kv.init(0, mx.nd.ones((2,)))
    kv.push(0, [mx.nd.ones((2,)), mx.nd.ones((2,), ctx=mx.cpu(1))])
    o = mx.nd.zeros((2,))
    kv.pull(0, out=o)
    kv.barrier()
    _write(out, kv.rank, rank=kv.rank, num_workers=kv.num_workers, value=o.asnumpy().tolist(),
           mpi_loaded="mpi4py.MPI" in sys.modules)


def env(out):
    """What the launcher gives each worker."""
    kv = mx.kv.create("dist_sync")
    names = ["DMLC_ROLE", "DMLC_NUM_WORKER", "DMLC_NUM_SERVER", "DMLC_PS_ROOT_URI",
             "DMLC_PS_ROOT_PORT", "OMP_NUM_THREADS", "MXNET_KVSTORE_TIMEOUT", "NEOMX_TEST_VAR"]
    _write(out, kv.rank, rank=kv.rank, num_workers=kv.num_workers,
           env={k: os.environ.get(k) for k in names})


# -- in-place reductions -------------------------------------------------------------------------------

def _addr(a):
    a.wait_to_read()
    return int(a._chunk.data.ctypes.data)


def inplace(out):
    """Large values (>= MXNET_KVSTORE_DIRECT_BYTES) are reduced on their own buffers: in place
    from the second step on, also when another store gave the buffer (pull from dist_sync, then
    pushpull through horovod); a buffer no store gave out is never written."""
    hv = mx.kv.create("horovod")
    kv = mx.kv.create("dist_sync")
    r, n = hv.rank, hv.num_workers
    shapes = [(3000,), (7,), (50, 40), (1,), (5,)]     # two direct values, three packed ones
    keys = ["w%d" % i for i in range(len(shapes))]
    base = [np.arange(int(np.prod(s)), dtype=np.float32).reshape(s) for s in shapes]
    gs = [mx.nd.array(b + r) for b in base]
    mine = [g._chunk.data for g in gs]          # the user's buffers: never written
    want = [b * n + sum(range(n)) for b in base]
    hv.pushpull(keys, gs)
    for g, w, m, b in zip(gs, want, mine, base):
        assert np.array_equal(g.asnumpy(), w), (g.shape, g.asnumpy().ravel()[:4])
        assert np.array_equal(m, b + r), "a buffer the store did not give out was written"
    addrs = [_addr(g) for g in gs]
    steady = 0
    for step in range(3):
        for g, b in zip(gs, base):
            g[:] = mx.nd.array(b + r + step)
        hv.pushpull(keys, gs)
        for g, b in zip(gs, base):
            assert np.array_equal(g.asnumpy(), (b + step) * n + sum(range(n))), step
        steady += sum(_addr(g) == a for g, a in zip(gs, addrs))
    # another store writes the same arrays: they stay where they are
    kv.init(keys, [mx.nd.zeros(s) for s in shapes])
    for step in range(2):
        kv.push(keys, [mx.nd.array(b + r + step) for b in base])
        kv.pull(keys, out=gs)
        for g, b in zip(gs, base):
            assert np.array_equal(g.asnumpy(), (b + step) * n + sum(range(n))), step
        hv.pushpull(keys, gs)
        for g, b in zip(gs, base):
            assert np.array_equal(g.asnumpy(), ((b + step) * n + sum(range(n))) * n), step
        steady += sum(_addr(g) == a for g, a in zip(gs, addrs))
    # pushpull into other arrays (out=): sums there, the values untouched
    outs = [mx.nd.zeros(s) for s in shapes]
    vals = [mx.nd.array(b + r) for b in base]
    for _ in range(2):
        hv.pushpull(keys, vals, out=outs)
        for v, o, b, w in zip(vals, outs, base, want):
            assert np.array_equal(o.asnumpy(), w) and np.array_equal(v.asnumpy(), b + r)
    # the job forgets the buffers of a store that is gone (no memory held for dropped stores)
    import gc
    from mxnet.kvstore import dist
    world = dist._get_world()
    before = len(world.given)
    tmp = mx.kv.create("horovod")
    xs = [mx.nd.ones((2000,)), mx.nd.ones((3,))]
    tmp.pushpull(["x", "y"], xs)
    mx.nd.waitall()
    assert len(world.given) == before + 2, (before, len(world.given))
    del tmp
    gc.collect()
    assert len(world.given) == before, (before, len(world.given))
    _write(out, r, rank=r, steady=int(steady), expected=5 * len(shapes))


SCENARIOS = {"inplace": inplace, "env": env, "sums": sums, "optimizer": optimizer, "async": async_, "module_mnist": module_mnist,
             "trainer": trainer, "fault": fault, "single": single, "rsp_pull": rsp_pull}

if __name__ == "__main__":
    SCENARIOS[sys.argv[1]](sys.argv[2], *sys.argv[3:])
