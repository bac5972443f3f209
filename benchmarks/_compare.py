"""Shared by the benchmarks: ``--compare PYTHON`` runs the same benchmark file under another
interpreter (e.g. one with real MXNet 1.9.1) and returns the JSON result it prints last;
``Other`` keeps that interpreter running (``--serve``) so the two libraries' runs can alternate;
``throughput`` times a training step. Plain Python only, so it works next to either library."""
import json
import subprocess
import sys
import time


def run_other(python, script, *args):
    """The last JSON line printed by ``python script --json *args``."""
    out = subprocess.run([python, script, "--json"] + [str(a) for a in args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


class Other:
    """The same benchmark file served by another interpreter: ``measure(case)`` sends one JSON
    case to ``python script --serve`` and returns the number it answers. Alternating runs of
    both libraries keeps a drift of this shared VM's speed out of the ratios."""

    def __init__(self, python, script):
        self.proc = subprocess.Popen([python, script, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def measure(self, case):
        self.proc.stdin.write(json.dumps(case) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the other interpreter stopped (see its error above)")
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait()


def serve(measure_one):
    """``--serve``: answer each JSON case read from stdin with ``measure_one(case)`` as JSON."""
    for line in sys.stdin:
        print(json.dumps(measure_one(json.loads(line))), flush=True)


def interleaved(cases, ours, theirs, extra=None, repeat=3, pause=0.5):
    """Best of ``repeat`` alternating runs per case: {"this": {}, "other": {}[, "extra": {}]}
    (keys: ``str(case)``); ``extra`` is a third column measured in the same rotation."""
    cols = {"this": ours, "other": theirs}
    if extra is not None:
        cols["extra"] = extra
    best = {k: {} for k in cols}
    for fn in cols.values():        # one discarded run each: first-call costs are not speed
        fn(cases[0])
    for _ in range(repeat):
        for case in cases:
            for k, fn in cols.items():
                time.sleep(pause)       # the last run's spinning BLAS/OpenMP threads go idle
                v = fn(case)
                key = str(case)
                best[k][key] = max(best[k].get(key, 0.0), v)
    return best


def throughput(step, batch, seconds, chunk=10, sync=None):
    """Samples per second of ``step()`` (``batch`` samples each) after ``chunk`` warm-up steps,
    run in chunks of ``chunk`` steps followed by ``sync()`` (e.g. ``mx.nd.waitall``) until
    ``seconds`` have passed."""
    sync = sync or (lambda: None)
    for _ in range(chunk):
        step()
    sync()
    n = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(chunk):
            step()
        sync()
        n += chunk
    return n * batch / (time.perf_counter() - start)
