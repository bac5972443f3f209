"""Shared by the benchmarks' ``--compare PYTHON``: run the same benchmark file under another
interpreter (e.g. one with real MXNet 1.9.1) and return the JSON result it prints last.
Plain Python only, so it works next to either library."""
import json
import subprocess


def run_other(python, script, *args):
    """The last JSON line printed by ``python script --json *args``."""
    out = subprocess.run([python, script, "--json"] + [str(a) for a in args],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])
