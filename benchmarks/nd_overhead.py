"""Per-operation overhead of mx.nd: tiny ops, dependent chains, parallel dot chains, asnumpy.

Written only against the public MXNet API, so the same file runs on Apache MXNet 1.9.1 and on neomx:

    python benchmarks/nd_overhead.py                          # this interpreter's mxnet
    python benchmarks/nd_overhead.py --compare ~/mxref/bin/python   # + the other one, with ratios

Measurements (best of --repeat runs each):
  tiny_op_us       c = a + b on shape (10,), 10,000 times, then waitall: microseconds per op
  chain_op_us      x = x + 1, 1,000 dependent ops, then waitall: microseconds per op
  dot_together_s   two independent chains of 4 (2048x2048) dots, issued together, then waitall
  dot_serial_s     the same two chains, waitall after each
  dot_ratio        dot_serial_s / dot_together_s (> 1: the chains overlapped)
  dot2ctx_*        the same, with the second chain on cpu(1) (a separate device queue)
  asnumpy_us       asnumpy() of a ready (10,) array
  op_asnumpy_us    (a + 1).asnumpy(): push one tiny op and wait for it (round trip)
The last line of output is one JSON object with the numbers.
"""
import argparse
import json
import subprocess
import sys
import time

import numpy as np


def _best(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        best = min(best, fn())
    return best


def bench_tiny(mx, n, repeat):
    a = mx.nd.ones((10,))
    b = mx.nd.ones((10,))

    def run():
        t = time.perf_counter()
        for _ in range(n):
            c = a + b
        mx.nd.waitall()
        dt = time.perf_counter() - t
        assert c.asnumpy()[0] == 2.0
        return dt / n * 1e6
    run()   # warm-up
    return _best(run, repeat)


def bench_chain(mx, n, repeat):
    def run():
        x = mx.nd.zeros((10,))
        mx.nd.waitall()
        t = time.perf_counter()
        for _ in range(n):
            x = x + 1
        mx.nd.waitall()
        dt = time.perf_counter() - t
        assert x.asnumpy()[0] == n
        return dt / n * 1e6
    run()
    return _best(run, repeat)


def bench_dot(mx, size, length, repeat, ctx2):
    rng = np.random.RandomState(0)
    scale = 1.0 / np.sqrt(size)
    w_np = (rng.standard_normal((size, size)) * scale).astype(np.float32)
    x_np = rng.standard_normal((size, size)).astype(np.float32)
    ctx1 = mx.cpu(0)
    w1, x1 = mx.nd.array(w_np, ctx=ctx1), mx.nd.array(x_np, ctx=ctx1)
    w2, x2 = mx.nd.array(w_np, ctx=ctx2), mx.nd.array(x_np, ctx=ctx2)
    mx.nd.dot(x1, w1).wait_to_read()    # warm-up (BLAS threads, allocator)
    mx.nd.dot(x2, w2).wait_to_read()
    mx.nd.waitall()

    def together():
        t = time.perf_counter()
        y1, y2 = x1, x2
        for _ in range(length):
            y1 = mx.nd.dot(y1, w1)
            y2 = mx.nd.dot(y2, w2)
        mx.nd.waitall()
        return time.perf_counter() - t

    def serial():
        t = time.perf_counter()
        y1 = x1
        for _ in range(length):
            y1 = mx.nd.dot(y1, w1)
        mx.nd.waitall()
        y2 = x2
        for _ in range(length):
            y2 = mx.nd.dot(y2, w2)
        mx.nd.waitall()
        return time.perf_counter() - t
    tog = _best(together, repeat)
    ser = _best(serial, repeat)
    return tog, ser


def bench_asnumpy(mx, n, repeat):
    a = mx.nd.ones((10,))
    a.asnumpy()

    def ready():
        t = time.perf_counter()
        for _ in range(n):
            a.asnumpy()
        return (time.perf_counter() - t) / n * 1e6

    def round_trip():
        t = time.perf_counter()
        for _ in range(n):
            (a + 1).asnumpy()
        return (time.perf_counter() - t) / n * 1e6
    ready()
    round_trip()
    return _best(ready, repeat), _best(round_trip, repeat)


def implementation(mx):
    """'mxnet' for the C++ library, 'neomx' otherwise (a label only)."""
    return "mxnet" if hasattr(getattr(mx, "base", None), "_LIB") else "neomx"


def measure(args):
    import mxnet as mx
    res = {}
    res["tiny_op_us"] = bench_tiny(mx, args.tiny, args.repeat)
    res["chain_op_us"] = bench_chain(mx, args.chain, args.repeat)
    tog, ser = bench_dot(mx, args.dot_size, args.dot_length, args.dot_repeat, mx.cpu(0))
    res.update(dot_together_s=tog, dot_serial_s=ser, dot_ratio=ser / tog)
    tog, ser = bench_dot(mx, args.dot_size, args.dot_length, args.dot_repeat, mx.cpu(1))
    res.update(dot2ctx_together_s=tog, dot2ctx_serial_s=ser, dot2ctx_ratio=ser / tog)
    res["asnumpy_us"], res["op_asnumpy_us"] = bench_asnumpy(mx, args.asnumpy, args.repeat)
    return {"impl": implementation(mx), "version": getattr(mx, "__version__", "?"),
            "python": sys.executable, "results": res}


ROWS = [
    ("tiny_op_us", "c = a + b, (10,), per op", "us"),
    ("chain_op_us", "x = x + 1 chain, per op", "us"),
    ("dot_together_s", "2 dot chains together (cpu0)", "s"),
    ("dot_serial_s", "2 dot chains one by one (cpu0)", "s"),
    ("dot_ratio", "  serial / together", "x"),
    ("dot2ctx_together_s", "2 dot chains together (cpu0+cpu1)", "s"),
    ("dot2ctx_serial_s", "2 dot chains one by one (cpu0+cpu1)", "s"),
    ("dot2ctx_ratio", "  serial / together", "x"),
    ("asnumpy_us", "asnumpy() of ready (10,)", "us"),
    ("op_asnumpy_us", "(a + 1).asnumpy() round trip", "us"),
]


def _fmt(v, unit):
    if unit == "us":
        return "{:10.2f} us".format(v)
    if unit == "s":
        return "{:10.4f} s ".format(v)
    return "{:10.3f} x ".format(v)


def print_table(runs):
    """runs: list of result dicts (1 or 2). With 2, adds a neomx / mxnet column."""
    head = "{:38s}".format("benchmark") + "".join("{:>14s}".format(r["impl"]) for r in runs)
    by_impl = {r["impl"]: r["results"] for r in runs}
    ratio = len(runs) == 2 and set(by_impl) == {"neomx", "mxnet"}
    if ratio:
        head += "{:>16s}".format("neomx / mxnet")
    print(head)
    print("-" * len(head))
    for key, label, unit in ROWS:
        line = "{:38s}".format(label) + "".join(_fmt(r["results"][key], unit) for r in runs)
        if ratio:
            line += "{:14.2f}x".format(by_impl["neomx"][key] / by_impl["mxnet"][key])
        print(line)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--compare", metavar="PYTHON", help="also run this file under another "
                   "interpreter (e.g. ~/mxref/bin/python) and print ratios neomx / mxnet")
    p.add_argument("--repeat", type=int, default=5, help="runs per measurement (best is kept)")
    p.add_argument("--tiny", type=int, default=10000)
    p.add_argument("--chain", type=int, default=1000)
    p.add_argument("--asnumpy", type=int, default=2000)
    p.add_argument("--dot-size", type=int, default=2048)
    p.add_argument("--dot-length", type=int, default=4, help="dots per chain")
    p.add_argument("--dot-repeat", type=int, default=2)
    p.add_argument("--json-only", action="store_true", help="print only the JSON line")
    args = p.parse_args(argv)

    runs = []
    if args.compare:
        cmd = [args.compare, __file__, "--json-only"]
        for name in ("repeat", "tiny", "chain", "asnumpy", "dot_size", "dot_length", "dot_repeat"):
            cmd += ["--" + name.replace("_", "-"), str(getattr(args, name))]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            raise SystemExit("the --compare run failed (exit status {})".format(out.returncode))
        other = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
        runs.append(json.loads(other[-1]))
    mine = measure(args)
    runs.insert(0, mine)
    if not args.json_only:
        print_table(runs)
    if args.compare:
        both = {"runs": runs}
        by_impl = {r["impl"]: r["results"] for r in runs}
        if set(by_impl) == {"neomx", "mxnet"}:
            both["neomx_over_mxnet"] = {k: by_impl["neomx"][k] / by_impl["mxnet"][k]
                                        for k in by_impl["neomx"]}
        print(json.dumps(both))
    else:
        print(json.dumps(mine))


if __name__ == "__main__":
    main()
