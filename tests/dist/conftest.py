"""Helpers for the distributed tests: start ``worker.py`` under ``mpiexec`` (subprocess)."""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
WORKER = os.path.join(HERE, "worker.py")
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def _mpiexec():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None, "mpi4py is not installed (pip install 'neomx[dist]')"
    from mxnet.tools.launch import find_mpiexec
    try:
        return find_mpiexec(), None
    except SystemExit as e:
        return None, str(e)


MPIEXEC, WHY = _mpiexec()
needs_mpi = pytest.mark.skipif(MPIEXEC is None, reason="distributed tests need MPI: {}".format(WHY))


def worker_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PMI_", "PMIX_", "OMPI_", "MPI_", "HYDI_", "HYDRA_"))}
    env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "MXNET_KVSTORE_TIMEOUT": "60", "PYTHONPATH": os.pathsep.join(
                    [os.path.join(ROOT, "src"), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)})
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_job(n, scenario, out, *args, timeout=120, env=None, launcher=False):
    """Run ``worker.py scenario out args`` on ``n`` processes; (returncode, output, results by
    rank)."""
    out = str(out)
    if launcher:
        cmd = [sys.executable, "-m", "mxnet.tools.launch", "-n", str(n), "--launcher", "local",
               "--mpiexec", MPIEXEC, sys.executable, WORKER, scenario, out] + list(args)
    else:
        # Hydra: keep the other ranks alive when one dies (they must report it by name)
        flags = ["-disable-auto-cleanup"] if _flavor() == "hydra" else []
        cmd = [MPIEXEC, "-n", str(n)] + flags + [sys.executable, WORKER, scenario, out] + list(args)
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              env=env or worker_env(), timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired as e:
        raise AssertionError("the job hung: {} did not end within {} s; output:\n{}".format(
            " ".join(cmd), timeout, (e.output or b"").decode("utf-8", "replace"))) from None
    text = proc.stdout.decode("utf-8", "replace")
    results = {}
    for r in range(n):
        path = os.path.join(out, "rank{}.json".format(r))
        if os.path.exists(path):
            with open(path) as f:
                results[r] = json.load(f)
    return proc.returncode, text, results


_FLAVOR = []


def _flavor():
    if not _FLAVOR:
        from mxnet.tools.launch import mpi_flavor
        _FLAVOR.append(mpi_flavor(MPIEXEC))
    return _FLAVOR[0]


def ok_job(n, scenario, out, *args, **kw):
    rc, text, results = run_job(n, scenario, out, *args, **kw)
    assert rc == 0, "job failed ({}):\n{}".format(rc, text[-6000:])
    assert sorted(results) == list(range(n)), text[-6000:]
    return results


