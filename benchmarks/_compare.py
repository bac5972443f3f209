"""Shared by the benchmarks: ``--compare PYTHON`` runs the same benchmark file under another
interpreter (e.g. one with real MXNet 1.9.1) and returns the JSON result it prints last;
``throughput`` times a training step. Plain Python only, so it works next to either library."""
import json
import subprocess
import time


def run_other(python, script, *args):
    """The last JSON line printed by ``python script --json *args``."""
    out = subprocess.run([python, script, "--json"] + [str(a) for a in args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


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
