"""Allreduce bandwidth of the distributed KVStore against plain mpi4py, on local workers.

    python benchmarks/dist_allreduce.py                    # 2 and 4 workers, 25M floats
    python benchmarks/dist_allreduce.py --workers 2 --size 1000000 --repeat 3

The driver starts one job per worker count through ``python -m mxnet.tools.launch -n N`` (needs
the dist extra: mpi4py + mpich). In each job every worker holds the same parameter set: ``--size``
float32 values split into tensors like a ResNet-50's (161 tensors: a few large convolution and
dense weights, many small biases / batch-norm vectors). Timed after a warm-up, every rank
starting together (a barrier), the methods taking turns ``--repeat`` times; the best time of each
is reported:

- ``mpi4py_per_tensor``: plain mpi4py, ``comm.Allreduce(MPI.IN_PLACE, buf)`` for every tensor;
- ``mpi4py_fused``: plain mpi4py, one ``Allreduce`` of a flat buffer holding all values;
- ``kv_pushpull``: ``mx.kv.create('horovod').pushpull(keys, grads)``, the sum over the workers
  written back in place;
- ``kv_dist_sync``: ``kv = mx.kv.create('dist_sync')``; ``kv.push(keys, grads)`` then
  ``kv.pull(keys, out=grads)`` (the store keeps the sums; pull copies them back).

Each row reports seconds and the algorithm bandwidth ``bytes / seconds`` (GB/s), and the
ratio to ``mpi4py_per_tensor`` (< 1: faster). The kvstore rows run the reductions as engine ops
on the communication worker: values of at least ``MXNET_KVSTORE_DIRECT_BYTES`` on their own
buffers, smaller ones packed into buckets of ``MXNET_KVSTORE_BUCKET_BYTES``. The last line of
output is a JSON object with every figure.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def resnet_like_shapes(total):
    """161 tensor sizes summing to ``total``, shaped like ResNet-50's parameter list."""
    stages = [(64, 3), (128, 4), (256, 6), (512, 3)]
    sizes = [64 * 3 * 7 * 7, 64, 64]
    cin = 64
    for width, blocks in stages:
        for b in range(blocks):
            for k, cout in ((1, width), (3, width), (1, width * 4)):
                sizes += [cin * cout * k * k, cout, cout]
                cin = cout
            if b == 0:
                sizes += [cin // 4 * cin if width == 64 else cin // 2 * cin, cin, cin]
    sizes += [2048 * 1000, 1000]
    sizes = sizes[:161] + [1] * max(0, 161 - len(sizes))
    scale = total / float(sum(sizes))
    out = [max(1, int(s * scale)) for s in sizes]
    out[int(np.argmax(out))] += total - sum(out)
    return out


def worker(args):
    import mxnet as mx
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    rank, n = comm.Get_rank(), comm.Get_size()
    sizes = resnet_like_shapes(args.size)
    nbytes = 4 * sum(sizes)
    bufs = [np.full(s, rank + 1, dtype=np.float32) for s in sizes]
    flat = np.concatenate(bufs)

    def timed(fn):
        comm.Barrier()
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    def per_tensor():
        for b in bufs:
            comm.Allreduce(MPI.IN_PLACE, b)

    def fused():
        comm.Allreduce(MPI.IN_PLACE, flat)

    keys = list(range(len(sizes)))
    grads = [mx.nd.array(b) for b in bufs]
    hv = mx.kv.create("horovod")

    def kv_pushpull():
        hv.pushpull(keys, grads)
        mx.nd.waitall()

    kv = mx.kv.create("dist_sync")
    kv.init(keys, grads)

    def kv_dist_sync():
        kv.push(keys, grads)
        kv.pull(keys, out=grads)
        mx.nd.waitall()

    methods = (("mpi4py_per_tensor", per_tensor), ("mpi4py_fused", fused),
               ("kv_pushpull", kv_pushpull), ("kv_dist_sync", kv_dist_sync))
    times = {name: [] for name, _ in methods}
    for _, fn in methods:
        timed(fn)               # warm-up
    for _ in range(args.repeat):     # round robin: background load hits every method alike
        for name, fn in methods:
            times[name].append(timed(fn))
    res = {name: min(t) for name, t in times.items()}
    # values grow by a factor n per reduction; check one step from a known state
    for g, b in zip(grads, bufs):
        g[:] = 1.0
    kv_pushpull()
    assert all(float(g[0].asscalar()) == n for g in grads[:3])
    if rank == 0:
        print(json.dumps({"workers": n, "floats": sum(sizes), "tensors": len(sizes),
                          "bytes": nbytes, "seconds": res,
                          "bucket_bytes": int(os.environ.get("MXNET_KVSTORE_BUCKET_BYTES",
                                                             16 << 20))}))


def driver(args):
    here = os.path.abspath(__file__)
    results = []
    for n in [int(w) for w in args.workers.split(",")]:
        cmd = [sys.executable, "-m", "mxnet.tools.launch", "-n", str(n), "--launcher", "local",
               sys.executable, here, "--worker", "--size", str(args.size),
               "--repeat", str(args.repeat)]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800,
                              check=False)
        out = proc.stdout.decode("utf-8", "replace")
        lines = [ln for ln in out.splitlines() if ln.startswith("{")]
        if proc.returncode != 0 or not lines:
            sys.stderr.write(out)
            raise SystemExit("benchmark job with {} workers failed ({})".format(n, proc.returncode))
        results.append(json.loads(lines[-1]))
    print("allreduce of {:,} float32 values in {} tensors ({:.0f} MB), best of {}".format(
        results[0]["floats"], results[0]["tensors"], results[0]["bytes"] / 1e6, args.repeat))
    print("{:>8} {:<20} {:>9} {:>8} {:>10}".format("workers", "method", "ms", "GB/s",
                                                   "vs mpi4py"))
    for r in results:
        ref = r["seconds"]["mpi4py_per_tensor"]
        for name, sec in r["seconds"].items():
            print("{:>8} {:<20} {:>9.1f} {:>8.2f} {:>10.2f}".format(
                r["workers"], name, sec * 1e3, r["bytes"] / sec / 1e9, sec / ref))
    print(json.dumps({"results": results}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--workers", default="2,4", help="comma-separated worker counts")
    p.add_argument("--size", type=int, default=25_000_000, help="float32 values in all")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        worker(args)
    else:
        driver(args)


if __name__ == "__main__":
    main()
