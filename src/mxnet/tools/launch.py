"""Launch a distributed job: ``python -m mxnet.tools.launch -n N [--launcher local|mpi|ssh]
[-H hostfile] command ...`` (the flags of MXNet's ``tools/launch.py``).

Every worker runs ``command`` as one process of an MPI job started with ``mpiexec`` (MPICH's
Hydra or Open MPI); the distributed KVStores (``dist_sync``, ``dist_device_sync``, ``dist_async``)
find each other through MPI. There are no separate server or scheduler processes: ``-s`` is
accepted and ignored (``dist_async`` runs its server role inside rank 0).

- ``--launcher local`` (the default without a hostfile): N processes on this machine;
- ``--launcher mpi`` / ``ssh`` with ``-H hostfile``: processes on the hosts of the hostfile
  (one host per line, ``host`` or ``host:slots``), started over ssh by mpiexec;
- ``--sync-dst-dir DIR`` copies the current directory to DIR on every host (rsync) and runs there;
- ``--env NAME:VALUE`` (and ``--env-worker``) set environment variables in every worker;
  ``--env-server`` is accepted for compatibility (there are no server processes);
- the workers see ``DMLC_ROLE=worker``, ``DMLC_NUM_WORKER``, ``DMLC_NUM_SERVER``,
  ``DMLC_PS_ROOT_URI`` and ``DMLC_PS_ROOT_PORT`` as with MXNet's launcher;
- local workers get ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS`` =
  cores // N unless set (N BLAS pools of all cores each would oversubscribe the machine);
- ``--timeout SECONDS`` sets ``MXNET_KVSTORE_TIMEOUT``: how long a worker waits for a missing
  one before failing with an error that names it;
- ``--mpiexec PATH`` (or ``MXNET_MPIEXEC``) picks the launcher binary; ``--dry-run`` prints the
  command instead of running it.

The exit status is mpiexec's (non-zero when a worker failed).
"""
import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys

__all__ = ["main", "build_command", "find_mpiexec", "mpi_flavor"]


_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def find_mpiexec(path=None):
    """The mpiexec to use: ``path``, ``$MXNET_MPIEXEC``, ``mpiexec``/``mpirun`` on PATH or next
    to this Python (the ``mpich`` wheel installs it there)."""
    cands = [path, os.environ.get("MXNET_MPIEXEC")]
    for c in cands:
        if c:
            found = shutil.which(c)
            if found is None:
                raise SystemExit("launch: mpiexec {!r} not found".format(c))
            return found
    for name in ("mpiexec", "mpirun"):
        found = shutil.which(name)
        if found:
            return found
        local = os.path.join(os.path.dirname(sys.executable), name)
        if os.access(local, os.X_OK):
            return local
    raise SystemExit("launch: mpiexec not found; install the dist extra: "
                     "pip install 'neomx[dist]' (mpi4py and mpich), or pass --mpiexec PATH")


def mpi_flavor(mpiexec):
    """'hydra' (MPICH, Intel MPI), 'openmpi', or 'unknown'."""
    try:
        out = subprocess.run([mpiexec, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             timeout=30, check=False).stdout.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    if "HYDRA" in out or "Intel(R) MPI" in out:
        return "hydra"
    if "Open MPI" in out or "OpenRTE" in out or "open-mpi" in out.lower():
        return "openmpi"
    return "unknown"


def _parser():
    p = argparse.ArgumentParser(
        prog="python -m mxnet.tools.launch",
        description="Launch a distributed job (one MPI process per worker).")
    p.add_argument("-n", "--num-workers", required=True, type=int,
                   help="number of worker processes to launch")
    p.add_argument("-s", "--num-servers", type=int, default=None,
                   help="accepted for compatibility: there are no server processes")
    p.add_argument("-H", "--hostfile", type=str, default=None,
                   help="file with the hosts to run on (one per line, host or host:slots)")
    p.add_argument("--sync-dst-dir", type=str, default=None,
                   help="copy the current directory to this directory on every host, run there")
    p.add_argument("--launcher", type=str, default="ssh",
                   choices=["local", "ssh", "mpi", "sge", "yarn"],
                   help="local: this machine; ssh/mpi: the hosts of --hostfile through mpiexec "
                        "(without a hostfile: local)")
    p.add_argument("--env-server", action="append", default=[],
                   help="NAME:VALUE for server processes (ignored: there are none)")
    p.add_argument("--env-worker", action="append", default=[],
                   help="NAME:VALUE set in every worker")
    p.add_argument("--env", action="append", default=[],
                   help="NAME:VALUE (or NAME, to pass this process's value) set in every worker")
    p.add_argument("--p3", action="store_true", default=False,
                   help="accepted for compatibility (priority-based parameter propagation)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds a worker waits for a missing one (MXNET_KVSTORE_TIMEOUT)")
    p.add_argument("--mpiexec", type=str, default=None, help="the mpiexec binary to use")
    p.add_argument("--mpi-args", type=str, default="",
                   help="extra arguments for mpiexec (one string, shell-quoted)")
    p.add_argument("--dry-run", action="store_true", help="print the command, run nothing")
    p.add_argument("command", nargs="+", help="command for launching the program")
    return p


def _env_pairs(items):
    out = []
    for item in items:
        name, sep, value = item.partition(":")
        if not name:
            raise SystemExit("launch: bad --env {!r}: expected NAME:VALUE".format(item))
        if not sep:
            if name not in os.environ:
                raise SystemExit("launch: --env {} : not set in this environment".format(name))
            value = os.environ[name]
        out.append((name, value))
    return out


def _hosts(hostfile):
    hosts = []
    with open(hostfile) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                hosts.append(line.split()[0].split(":")[0])
    if not hosts:
        raise SystemExit("launch: hostfile {} lists no hosts".format(hostfile))
    return hosts


def build_command(args, mpiexec=None, flavor=None):
    """(argv, env) for ``args`` (parsed by this module's parser)."""
    if args.num_workers < 1:
        raise SystemExit("launch: -n must be >= 1")
    launcher = args.launcher
    if launcher in ("sge", "yarn"):
        raise SystemExit("launch: --launcher {} is not supported: use mpi (mpiexec under the "
                         "scheduler) or ssh".format(launcher))
    if launcher in ("ssh", "mpi") and not args.hostfile:
        launcher = "local"
    mpiexec = mpiexec or find_mpiexec(args.mpiexec)
    flavor = flavor or mpi_flavor(mpiexec)
    hosts = _hosts(args.hostfile) if launcher != "local" else ["127.0.0.1"]
    env = [("DMLC_ROLE", "worker"), ("DMLC_NUM_WORKER", str(args.num_workers)),
           ("DMLC_NUM_SERVER", "0"), ("DMLC_PS_ROOT_URI", hosts[0]),
           ("DMLC_PS_ROOT_PORT", os.environ.get("DMLC_PS_ROOT_PORT", "9091")),
           ("MXNET_KVSTORE_LAUNCHER", launcher)]
    if args.timeout is not None:
        env.append(("MXNET_KVSTORE_TIMEOUT", repr(float(args.timeout))))
    if launcher == "local":
        # N processes share this machine's cores: one BLAS/OpenMP thread pool each of
        # cores // N threads (more would oversubscribe the cores and slow every worker down)
        threads = str(max(1, (os.cpu_count() or 1) // args.num_workers))
        env += [(v, threads) for v in _THREAD_VARS if v not in os.environ]
    env += _env_pairs(args.env) + _env_pairs(args.env_worker)
    cmd = [mpiexec, "-n", str(args.num_workers)]
    if flavor == "hydra":
        # keep the other workers alive when one fails: they report the missing rank by name
        cmd.append("-disable-auto-cleanup")
        if launcher != "local":
            cmd += ["-f", args.hostfile, "-launcher", "ssh"]
        else:
            cmd += ["-hosts", "localhost"]
        if args.sync_dst_dir:
            cmd += ["-wdir", args.sync_dst_dir]
        for k, v in env:
            cmd += ["-genv", k, v]
    elif flavor == "openmpi":
        if os.geteuid() == 0:
            cmd.append("--allow-run-as-root")
        if launcher != "local":
            cmd += ["--hostfile", args.hostfile, "--mca", "plm_rsh_agent", "ssh"]
        else:
            cmd.append("--oversubscribe")
        if args.sync_dst_dir:
            cmd += ["--wdir", args.sync_dst_dir]
        for k, v in env:
            cmd += ["-x", "{}={}".format(k, v)]
    elif launcher != "local":
        cmd += ["-f", args.hostfile]
    cmd += shlex.split(args.mpi_args)
    cmd += list(args.command)
    full_env = dict(os.environ)
    full_env.update(env)
    return cmd, full_env


def _sync_dir(hosts, dst):
    for host in sorted(set(hosts)):
        rc = subprocess.call(["rsync", "-az", "--rsh", "ssh -o StrictHostKeyChecking=no",
                              os.getcwd() + "/", "{}:{}".format(host, dst)])
        if rc != 0:
            raise SystemExit("launch: rsync to {}:{} failed ({})".format(host, dst, rc))


def main(argv=None):
    """Run the launcher; returns mpiexec's exit status."""
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    args.command += unknown
    cmd, env = build_command(args)
    if args.dry_run:
        print(" ".join(shlex.quote(c) for c in cmd))
        return 0
    if args.sync_dst_dir and args.hostfile and args.launcher in ("ssh", "mpi"):
        _sync_dir(_hosts(args.hostfile), args.sync_dst_dir)
    proc = subprocess.Popen(cmd, env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()


if __name__ == "__main__":
    sys.exit(main())
