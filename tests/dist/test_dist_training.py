"""Data-parallel training across processes (Module on MNIST shards, the example script) and the
launcher ``python -m mxnet.tools.launch``."""
import os
import subprocess
import sys

import numpy as np
import pytest

from mxnet.tools import launch

from .conftest import MPIEXEC, ROOT, needs_mpi, ok_job, worker_env
from . import worker as W

MNIST_OK = os.path.exists(os.path.join(W.MNIST, "train-images-idx3-ubyte.gz"))
needs_mnist = pytest.mark.skipif(not MNIST_OK, reason="data/mnist is missing")


# -- the launcher ---------------------------------------------------------------------------------

def _dry(argv):
    args, unknown = launch._parser().parse_known_args(argv)
    args.command += unknown
    return launch.build_command(args, mpiexec="/x/mpiexec", flavor="hydra")


def test_launch_command_local():
    cmd, env = _dry(["-n", "4", "python", "train.py", "--kv-store", "dist_sync"])
    assert cmd[:3] == ["/x/mpiexec", "-n", "4"] and "-disable-auto-cleanup" in cmd
    assert cmd[-4:] == ["python", "train.py", "--kv-store", "dist_sync"]
    assert env["DMLC_ROLE"] == "worker" and env["DMLC_NUM_WORKER"] == "4"
    assert env["DMLC_NUM_SERVER"] == "0" and env["DMLC_PS_ROOT_URI"] == "127.0.0.1"
    # no hostfile: ssh (MXNet's default launcher) runs locally
    assert "-f" not in cmd and "-launcher" not in cmd


def test_launch_command_hosts(tmp_path):
    hf = tmp_path / "hosts"
    hf.write_text("# cluster\nnode1:2\nnode2\n")
    cmd, env = _dry(["-n", "3", "-s", "2", "-H", str(hf), "--launcher", "ssh",
                     "--env", "A:1", "--env-worker", "B:x:y", "--env-server", "C:2",
                     "--sync-dst-dir", "/tmp/job", "python", "t.py"])
    assert cmd[cmd.index("-f") + 1] == str(hf) and cmd[cmd.index("-launcher") + 1] == "ssh"
    assert cmd[cmd.index("-wdir") + 1] == "/tmp/job"
    assert env["DMLC_PS_ROOT_URI"] == "node1" and env["A"] == "1" and env["B"] == "x:y"
    assert "C" not in env
    gen = [tuple(cmd[i + 1:i + 3]) for i, c in enumerate(cmd) if c == "-genv"]
    assert ("A", "1") in gen and ("B", "x:y") in gen
    # Open MPI spelling
    args, _ = launch._parser().parse_known_args(["-n", "2", "-H", str(hf), "--launcher", "mpi",
                                                 "--env", "A:1", "p"])
    cmd, _ = launch.build_command(args, mpiexec="/x/mpirun", flavor="openmpi")
    assert "--hostfile" in cmd and "-x" in cmd and "A=1" in cmd


def test_launch_errors(tmp_path):
    with pytest.raises(SystemExit, match="not supported"):
        _dry(["-n", "2", "--launcher", "yarn", "p"])
    with pytest.raises(SystemExit, match="NAME:VALUE"):
        _dry(["-n", "2", "--env", ":x", "p"])
    empty = tmp_path / "h"
    empty.write_text("\n")
    with pytest.raises(SystemExit, match="no hosts"):
        _dry(["-n", "2", "-H", str(empty), "--launcher", "mpi", "p"])


@needs_mpi
def test_launcher_runs_the_job(tmp_path):
    res = ok_job(2, "env", tmp_path, launcher=True,
                 env=worker_env(NEOMX_TEST_VAR="hello", MXNET_KVSTORE_TIMEOUT="33"))
    for r in range(2):
        assert res[r]["rank"] == r and res[r]["num_workers"] == 2
        e = res[r]["env"]
        assert e["DMLC_ROLE"] == "worker" and e["DMLC_NUM_WORKER"] == "2"
        assert e["NEOMX_TEST_VAR"] == "hello" and e["MXNET_KVSTORE_TIMEOUT"] == "33"


@needs_mpi
def test_launcher_exit_status_and_timeout_flag(tmp_path):
    cmd = [sys.executable, "-m", "mxnet.tools.launch", "-n", "2", "--timeout", "2",
           "--mpiexec", MPIEXEC, sys.executable, "-c",
           "import mxnet as mx, os; kv = mx.kv.create('dist_sync'); "
           "kv.barrier(); print('timeout', os.environ['MXNET_KVSTORE_TIMEOUT']); "
           "exit(3) if kv.rank == 1 else kv.barrier()"]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=worker_env(),
                          timeout=60, cwd=ROOT)
    out = proc.stdout.decode()
    assert proc.returncode != 0 and "missing rank 1" in out, out[-3000:]
    assert "rank 1 has left the job" in out and "timeout 2.0" in out, out[-3000:]


# -- training -------------------------------------------------------------------------------------

@needs_mpi
@needs_mnist
@pytest.mark.slow
def test_module_fit_on_mnist_shards_reaches_single_process_accuracy(tmp_path):
    n = 2
    res = ok_job(n, "module_mnist", tmp_path, timeout=300)
    params = [dict(np.load(str(tmp_path / "rank{}.npz".format(r)))) for r in range(n)]
    for k in params[0]:
        np.testing.assert_array_equal(params[0][k], params[1][k])   # one model everywhere
    # one process on the whole batch, same number of steps
    _, single_acc = W.train_mnist("local", 1, 0, W.MNIST_BATCH * n)
    for r in range(n):
        assert res[r]["acc"] > 0.8, res
        assert res[r]["acc"] >= single_acc - 0.03, (res, single_acc)


@needs_mpi
@needs_mnist
@pytest.mark.slow
def test_train_mnist_example_under_the_launcher(tmp_path):
    script = os.path.join(ROOT, "examples", "image_classification", "train_mnist.py")
    cmd = [sys.executable, "-m", "mxnet.tools.launch", "-n", "2", "--mpiexec", MPIEXEC,
           sys.executable, script, "--kv-store", "dist_sync", "--num-epochs", "1",
           "--disp-batches", "1000"]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=worker_env(), timeout=600, cwd=str(tmp_path))
    out = proc.stdout.decode()
    assert proc.returncode == 0, out[-4000:]
    accs = [float(line.split()[-1]) for line in out.splitlines()
            if line.startswith("final validation accuracy")]
    assert len(accs) == 2 and min(accs) > 0.9, out[-4000:]
