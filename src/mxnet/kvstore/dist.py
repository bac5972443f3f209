"""Distributed KVStores over MPI (mpi4py): ``dist_sync``, ``dist_device_sync``, ``dist_async``,
and, inside an MPI job, ``nccl`` and ``horovod``.

One process per worker, started by ``mpiexec`` (or ``python -m mxnet.tools.launch``). There are
no parameter servers and no home-made networking: every worker keeps the whole store, and

- ``init`` broadcasts rank 0's value (``MPI_Ibcast``);
- ``push`` sums the values over the local devices, then over the workers (``MPI_Iallreduce``);
  without an optimizer the sum becomes the stored value, with one (``set_optimizer``) every
  worker applies the same update to its own copy, so the copies stay identical;
- ``pull`` copies the stored value out (no communication);
- ``dist_async``: rank 0 holds the master copy and applies each worker's push as it arrives
  (a service thread of rank 0 plays MXNet's server); pulls ask rank 0 for the current value.

Every reduction is an engine op (``engine.push`` reading the pushed arrays and writing the stored
ones) run by one communication worker, so compute overlaps with communication and a pull waits
for exactly what it needs. Collective ops are chained on one engine variable so every rank
issues them in program order. Values pushed together (lists of keys) make one engine op per
dtype. Inside it, a value of at least ``MXNET_KVSTORE_DIRECT_BYTES`` (default 1 MiB) is reduced
on its own buffers, never packed: ``MPI_IN_PLACE`` on the value when it is also the destination
(``pushpull``), else from the value straight into the destination; smaller values are packed into
fusion buffers of at most ``MXNET_KVSTORE_BUCKET_BYTES`` (16 MiB), which they keep living in
once a store gave them their buffers (below). So a repeated ``pushpull`` costs what a plain
per-tensor ``MPI_Allreduce`` of the same arrays costs, large values never wait for a packing copy,
and the first call only copies what it must. Everything streams through MPI in chunks of
``MXNET_KVSTORE_CHUNK_BYTES`` (4 MiB), up to ``MXNET_KVSTORE_INFLIGHT`` (4) in flight. These
settings are rank 0's on every rank (the ranks must issue the same collectives).

Faults never hang: every MPI call is non-blocking and waited on with a deadline,
``MXNET_KVSTORE_TIMEOUT`` seconds (default 300) without progress. Then the waiting rank asks the
others where they are (a small control thread per process answers) and raises an MXNetError
naming the missing rank(s) and what they were doing. A rank that leaves the job (normally or by
an exception) tells the others, so ranks waiting for it fail at once instead of at the deadline.
After a fault the process ends the whole job (``MPI_Abort``) at exit, so no rank is left behind.

Waiting ranks poll their requests for ``MXNET_KVSTORE_SPIN_US`` (20000) microseconds after the
last progress, yielding the core (``sched_yield``) between polls, then sleep in growing steps.
MPI moves data only while it is polled, so a rank must not sleep while chunks stream; but with
more ranks than cores a rank that polls without yielding starves the very rank it waits for
(plain busy polling made 4 ranks on 2 cores 15x slower); a yield costs nothing when no other
thread wants the core.

Without an MPI launch (no ``mpiexec`` environment) a ``dist_*`` store is a single worker
(``rank == 0``, ``num_workers == 1``) and mpi4py is not needed.

Memory: the stores write in place only into buffers a store of this job allocated (stored
values, sum buffers, and outputs a store filled before and that still hold its buffer: the job
keeps a registry of them, so a gradient pulled from a ``dist_sync`` store can then be pushpulled
in place through a ``horovod`` one); anything else gets a fresh buffer the first time (memory the
user handed in is never written). Small values pushed together keep living in one fusion buffer,
so a repeated in-place ``pushpull`` of the same arrays reduces that buffer with no copies; large
ones are reduced where they are. ``push`` + ``pull`` of ``dist_sync`` cost one copy more than
``pushpull`` (the store must keep its own copy of the sums: MPI copies the pushed value into the
stored one, then pull copies the stored value out), which no ordering of the calls can avoid
without changing what the store holds. GPU values (``dist_device_sync``,
``nccl``) travel through host memory over MPI (no NCCL communicator yet).
"""
import atexit
import itertools
import math
import os
import sys
import threading
import time
import weakref

import numpy as np

from .. import engine
from .. import ndarray
from ..backend import for_context, to_numpy
from ..base import MXNetError, string_types
from .kvstore import KVStore, _group

__all__ = ["DistKVStore", "HorovodKVStore", "create", "is_dist_type", "mpi_launched"]

# environment variables that MPI launchers set in the processes they start
_LAUNCH_ENV = ("PMI_RANK", "PMI_SIZE", "PMIX_RANK", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE",
               "MPI_LOCALNRANKS")

# control-message tags on COMM_WORLD (point-to-point; they never match collectives)
_TAG_PING, _TAG_PONG, _TAG_EXIT = 32701, 32702, 32703
# tags on the private async communicator
_TAG_REQ, _TAG_REPLY = 1, 2


def mpi_launched():
    """Whether this process was started by an MPI launcher (``mpiexec``/``mpirun``/``srun``).
    ``MXNET_KVSTORE_MPI=0`` / ``1`` forces the answer."""
    force = os.environ.get("MXNET_KVSTORE_MPI", "").strip()
    if force in ("0", "1"):
        return force == "1"
    return any(v in os.environ for v in _LAUNCH_ENV)


def is_dist_type(name):
    """Whether ``create(name)`` builds a distributed store."""
    name = name.lower()
    if "dist" in name or name == "horovod":
        return True
    if name == "nccl":
        world = _get_world(create=False)
        return world is not None or (mpi_launched() and _mpi_size() > 1)
    return False


_yield = getattr(os, "sched_yield", lambda: time.sleep(0))


def _env_float(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        raise MXNetError("{}={!r} is not a number".format(name, os.environ.get(name))) from None


def _fmt_key(key):
    return repr(key) if isinstance(key, string_types) else str(key)


def _keys_text(keys):
    keys = list(keys)
    if len(keys) == 1:
        return "key " + _fmt_key(keys[0])
    if len(keys) <= 4:
        return "keys " + ", ".join(_fmt_key(k) for k in keys)
    return "keys {}, ... ({} keys)".format(", ".join(_fmt_key(k) for k in keys[:3]), len(keys))


def _ranks_text(ranks):
    ranks = sorted(ranks)
    return ("rank " if len(ranks) == 1 else "ranks ") + ", ".join(str(r) for r in ranks)


# -- the MPI job -----------------------------------------------------------------------------------

_WORLD = None
_WORLD_LOCK = threading.Lock()


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise MXNetError(
            "distributed kvstore: this process was started by an MPI launcher but mpi4py cannot "
            "be imported ({}); install the dist extra: pip install 'neomx[dist]' (mpi4py and "
            "mpich)".format(e)) from None
    return MPI


def _mpi_size():
    MPI = _import_mpi()
    return MPI.COMM_WORLD.Get_size()


def _get_world(create=True):
    """The process's MPI job (None for a single worker: no MPI launch, or one process)."""
    global _WORLD
    if _WORLD is not None or not create:
        return _WORLD
    with _WORLD_LOCK:
        if _WORLD is None and mpi_launched():
            MPI = _import_mpi()
            if MPI.COMM_WORLD.Get_size() > 1:
                _WORLD = _World(MPI)
    return _WORLD


class _World:
    """The MPI side shared by every distributed store of this process: private communicators,
    the engine variable ordering collectives, the control thread, fault detection and exit."""

    def __init__(self, MPI):
        self.MPI = MPI
        self.world = MPI.COMM_WORLD
        self.rank = self.world.Get_rank()
        self.size = self.world.Get_size()
        if MPI.Query_thread() < MPI.THREAD_MULTIPLE:
            raise MXNetError("distributed kvstore: the MPI library gives thread level {} but "
                             "MPI_THREAD_MULTIPLE is needed (use MPICH or Open MPI built with "
                             "thread support)".format(MPI.Query_thread()))
        self.timeout = _env_float("MXNET_KVSTORE_TIMEOUT", 300.0)
        if not self.timeout > 0:
            raise MXNetError("MXNET_KVSTORE_TIMEOUT must be > 0 seconds, got {}".format(self.timeout))
        self.bucket_bytes = int(_env_float("MXNET_KVSTORE_BUCKET_BYTES", 16 << 20))
        self.chunk_bytes = int(_env_float("MXNET_KVSTORE_CHUNK_BYTES", 4 << 20))
        self.inflight = max(1, int(_env_float("MXNET_KVSTORE_INFLIGHT", 4)))
        self.direct_bytes = int(_env_float("MXNET_KVSTORE_DIRECT_BYTES", 1 << 20))
        self.given = {}                  # id(buffer) -> [chunk, buffer, uses]: see own_buffer
        self._given_lock = threading.Lock()
        self.var = engine.Var()          # every collective op writes it: program order everywhere
        self.seq = 0                     # collectives issued on self.coll so far
        self.state = "creating the distributed kvstore"
        self.fault = None                # the first MXNetError of a broken job
        self.exited = {}                 # rank -> number of collectives it issued before leaving
        self.leaving = False
        self.stores = []                 # async stores by id (same creation order on all ranks)
        self._pongs = {}
        self._nonce = itertools.count()
        self._sends = []
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._serve, name="mxnet-kvstore-dist-control",
                                        daemon=True)
        self._thread.start()
        atexit.register(self._at_exit)
        # private communicators (non-blocking: an absent rank makes this time out, not hang)
        comms, reqs = [], []
        for _ in range(3):
            comm, req = self.world.Idup()
            comms.append(comm)
            reqs.append(req)
        self.seq = 1
        self.state = "collective #1: creating the distributed kvstore"
        self.wait(reqs, "creating the distributed kvstore (MPI_Comm_idup)")
        self.coll, self.p2p, self.fin = comms
        # every rank uses rank 0's tuning (chunking must match everywhere)
        conf = np.array([self.timeout, self.bucket_bytes, self.chunk_bytes, self.inflight,
                         self.direct_bytes], dtype=np.float64)
        self.wait([self.coll.Ibcast(conf, root=0)], "creating the distributed kvstore (settings)")
        self.timeout, self.bucket_bytes = float(conf[0]), max(1, int(conf[1]))
        self.chunk_bytes, self.inflight = max(1, min(int(conf[2]), self.bucket_bytes)), int(conf[3])
        self.direct_bytes = max(1, int(conf[4]))
        self.state = "idle after collective #1"

    # -- control thread -----------------------------------------------------------------------
    def _send_ctl(self, obj, dest, tag, comm=None):
        req = (comm or self.world).isend(obj, dest, tag)
        with self._lock:
            self._sends = [r for r in self._sends if not r.Test()]
            self._sends.append(req)

    def _serve(self):
        """Answer pings, record exit notices and (rank 0) serve async stores."""
        MPI = self.MPI
        idle = 0
        status = MPI.Status()
        while not self._stop:
            busy = False
            try:
                for tag in (_TAG_PING, _TAG_PONG, _TAG_EXIT):
                    while True:
                        msg = self.world.improbe(MPI.ANY_SOURCE, tag, status)
                        if msg is None:
                            break
                        src = status.Get_source()
                        obj = msg.recv()
                        busy = True
                        if tag == _TAG_PING:
                            self._send_ctl((obj, self.seq, self.state, self.leaving), src, _TAG_PONG)
                        elif tag == _TAG_PONG:
                            with self._lock:
                                if obj[0] in self._pongs:
                                    self._pongs[obj[0]][src] = obj[1:]
                        else:
                            self.exited[src] = obj
                if self.rank == 0 and self.stores and getattr(self, "p2p", None) is not None:
                    while True:
                        msg = self.p2p.improbe(MPI.ANY_SOURCE, _TAG_REQ, status)
                        if msg is None:
                            break
                        src = status.Get_source()
                        obj = msg.recv()
                        busy = True
                        self._serve_async(src, obj)
            except Exception as e:  # noqa: BLE001 - keep serving; report once
                if os.environ.get("MXNET_ENGINE_DEBUG"):
                    print("kvstore control thread: {}: {}".format(type(e).__name__, e),
                          file=sys.stderr)
            if busy:
                idle = 0
            else:
                idle = min(idle + 1, 8)
                time.sleep(2e-5 * (1 << idle) if idle < 8 else 0.01)

    def _serve_async(self, src, obj):
        kind, store_id, key = obj[0], obj[1], obj[2]
        store = self.stores[store_id]
        try:
            if kind == "push":
                store._server_push(key, obj[3])
                return
            if kind == "pull":
                reply = ("value", key, store._server_value(key))
            elif kind == "flush":
                reply = ("flushed", key, None)
            else:
                reply = ("error", key, "unknown request {!r}".format(kind))
        except Exception as e:  # noqa: BLE001 - the worker raises it
            reply = ("error", key, "{}: {}".format(type(e).__name__, e))
        self._send_ctl(reply, src, _TAG_REPLY, comm=self.p2p)

    # -- waiting with a deadline ---------------------------------------------------------------
    def _gone(self, peers):
        """Ranks needed here that have left the job: for a collective, those that left before
        issuing it; for point-to-point, any of ``peers`` that left."""
        if peers is None:
            return [r for r, s in list(self.exited.items()) if s < self.seq]
        return [r for r in peers if r in self.exited]

    _SPIN = _env_float("MXNET_KVSTORE_SPIN_US", 20000) * 1e-6

    @classmethod
    def _pause(cls, idle):
        """Back off while waiting, ``idle`` seconds after the last progress: for
        ``MXNET_KVSTORE_SPIN_US`` poll again at once, only yielding the core between polls (MPI
        moves messages only while it is polled; a rank sharing a core with the very rank we wait
        for must let it run), then sleep in growing steps."""
        if idle < cls._SPIN:
            _yield()
            return
        if idle < cls._SPIN + 0.02:
            time.sleep(5e-5)
        else:
            time.sleep(2e-4 if idle < 1.0 else 1e-3)

    def wait(self, reqs, what, done=None, peers=None):
        """Wait for MPI requests (a list; completed ones are removed) until all completed, or
        one completed and ``done()`` is true; raise MXNetError naming the missing ranks when no
        request completes for ``timeout`` seconds (``peers``: the ranks a point-to-point request
        needs; None for a collective)."""
        MPI = self.MPI
        last = time.monotonic()
        next_check = last + 0.01
        while reqs:
            idx, flag = MPI.Request.Testany(reqs)
            if flag and idx != MPI.UNDEFINED:
                reqs.pop(idx)
                last = time.monotonic()
                if done is not None and done():
                    return
                continue
            if flag:   # only inactive requests left
                return
            now = time.monotonic()
            self._pause(now - last)
            if now >= next_check:
                next_check = now + 0.01
                gone = self._gone(peers)
                if gone or now - last >= self.timeout:
                    self._fail(reqs, what, now - last, gone, peers)
                    last = time.monotonic()   # completed during the diagnosis

    def recv_obj(self, comm, source, tag, what):
        """Receive a pickled object from ``source`` with the same deadline rules as ``wait``."""
        MPI = self.MPI
        status = MPI.Status()
        start = time.monotonic()
        next_check = start + 0.01
        while True:
            msg = comm.improbe(source, tag, status)
            if msg is not None:
                return msg.recv()
            now = time.monotonic()
            self._pause(now - start)
            if now >= next_check:
                next_check = now + 0.01
                gone = self._gone([source])
                if gone or now - start >= self.timeout:
                    self._fail(None, what, now - start, gone, [source])

    def _ask_everyone(self, reqs, window):
        """Ping every other rank; (replies by rank, whether ``reqs`` completed meanwhile)."""
        MPI = self.MPI
        nonce = (self.rank, next(self._nonce))
        with self._lock:
            self._pongs[nonce] = {}
        for r in range(self.size):
            if r != self.rank:
                self._send_ctl(nonce, r, _TAG_PING)
        end = time.monotonic() + window
        completed = False
        while time.monotonic() < end:
            if reqs and MPI.Request.Testall(reqs):
                completed = True
                break
            with self._lock:
                if len(self._pongs[nonce]) == self.size - 1:
                    break
            time.sleep(0.002)
        with self._lock:
            replies = self._pongs.pop(nonce)
        return replies, completed

    def _probe_window(self):
        return min(5.0, max(0.5, self.timeout / 4))

    def _fail(self, reqs, what, waited, gone, peers=None):
        seq = self.seq
        replies, completed = self._ask_everyone(reqs, 0.2 if gone else self._probe_window())
        if completed:
            reqs[:] = []
            return
        problems, missing, waiting = [], [], [self.rank]
        for r in (range(self.size) if peers is None else peers):
            if r == self.rank:
                continue
            if r in gone:
                missing.append(r)
                problems.append("rank {} has left the job after collective #{}{}".format(
                    r, self.exited[r], " without joining this one" if peers is None else ""))
            elif r not in replies:
                missing.append(r)
                problems.append("rank {} does not answer (it died, was killed, or has not created "
                                "the distributed kvstore)".format(r))
            else:
                rseq, rstate, rleaving = replies[r]
                if peers is None and rseq == seq and rstate.startswith("failed in"):
                    waiting.append(r)      # it gave up on this collective too
                elif rleaving:
                    missing.append(r)
                    problems.append("rank {} is leaving the job ({})".format(r, rstate))
                elif peers is not None:
                    missing.append(r)
                    problems.append("rank {} is alive ({}) but did not answer".format(r, rstate))
                elif rseq < seq:
                    missing.append(r)
                    problems.append("rank {} is alive but has not reached this collective (it is "
                                    "{}; it may be busy or stuck)".format(r, rstate))
                elif rseq > seq or rstate != self.state:
                    missing.append(r)
                    problems.append("rank {} is in a different operation ({}): the ranks made "
                                    "different kvstore calls".format(r, rstate))
                else:
                    waiting.append(r)
        if not missing:
            problems.append("every rank is waiting in this collective, but MPI did not complete it")
        where = "collective #{} ({})".format(seq, what) if peers is None else what
        how = ("cannot complete {}".format(where) if gone else
               "timed out in {} after {:.1f} s (MXNET_KVSTORE_TIMEOUT={:g} s)".format(
                   where, waited, self.timeout))
        err = MXNetError(
            "distributed kvstore: rank {} {}{}: {}.{}".format(
                self.rank, how,
                "; missing " + _ranks_text(missing) if missing else "", "; ".join(problems),
                "" if peers is not None else " {} waiting there.".format(
                    _ranks_text(waiting).capitalize() + (" is" if len(waiting) == 1 else " are"))))
        self.fault = err
        raise err

    # -- collectives ---------------------------------------------------------------------------
    def run_collective(self, what, fn):
        """Run ``fn()`` as collective number ``seq + 1`` (inside the communication engine op)."""
        if self.fault is not None:
            raise MXNetError("distributed kvstore: {} not run: the job already failed: {}".format(
                what, self.fault))
        self.seq += 1
        self.state = "waiting in collective #{} ({})".format(self.seq, what)
        try:
            fn()
        except MXNetError:
            self.state = "failed in collective #{} ({})".format(self.seq, what)
            raise
        except Exception as e:  # an MPI error
            self.state = "failed in collective #{} ({})".format(self.seq, what)
            err = MXNetError("distributed kvstore: rank {}: collective #{} ({}) failed: {}: {}"
                             .format(self.rank, self.seq, what, type(e).__name__, e))
            self.fault = err
            raise err from e
        self.state = "idle after collective #{}".format(self.seq)

    def push_op(self, what, fn, reads, writes, collective=True):
        """Push ``fn`` as an engine op on the communication queue, after every earlier one."""
        def op():
            if collective:
                self.run_collective(what, fn)
            else:
                if self.fault is not None:
                    raise MXNetError("distributed kvstore: {} not run: the job already failed: {}"
                                     .format(what, self.fault))
                fn()
        reads, writes = list(reads) + [self.var], list(writes) + [self.var]
        eng = engine.get()
        if not getattr(eng, "threaded", True):
            # NaiveEngine runs ops at once under its lock; a wait for other ranks must not hold
            # it (rank 0's control thread applies dist_async pushes through the engine)
            eng._run(op, reads, writes, "kvstore " + what)
            return
        engine.push(op, reads, writes, None, kind="kvstore_dist", name="kvstore " + what)

    def allreduce(self, send, recv, what):
        """Sum the flat array ``send`` over the ranks into ``recv`` (None: in place)."""
        self.allreduce_many([(send, recv)], what)

    def allreduce_many(self, pairs, what):
        """Sum each flat ``send`` over the ranks into its ``recv`` (None: in place): chunks of
        ``chunk_bytes`` of all pairs stream back to back with up to ``inflight`` in flight."""
        MPI = self.MPI

        def chunks():
            for send, recv in pairs:
                n = send.size
                step = max(1, self.chunk_bytes // max(1, send.itemsize))
                for off in range(0, n, step):
                    end = min(n, off + step)
                    if recv is None:
                        yield MPI.IN_PLACE, send[off:end]
                    else:
                        yield send[off:end], recv[off:end]

        it = chunks()
        nxt = next(it, None)
        pending = []
        while nxt is not None or pending:
            while nxt is not None and len(pending) < self.inflight:
                pending.append(self.coll.Iallreduce(nxt[0], nxt[1], op=MPI.SUM))
                nxt = next(it, None)
            self.wait(pending, what, done=lambda: nxt is not None)

    def bcast(self, buf, what):
        n = buf.size
        step = max(1, self.chunk_bytes // max(1, buf.itemsize))
        off, pending = 0, []
        while off < n or pending:
            while off < n and len(pending) < self.inflight:
                end = min(n, off + step)
                pending.append(self.coll.Ibcast(buf[off:end], root=0))
                off = end
            self.wait(pending, what, done=lambda: off < n)

    def barrier(self, what="barrier"):
        self.wait([self.coll.Ibarrier()], what)

    # -- buffers the stores gave out -------------------------------------------------------------
    def own_buffer(self, chunk, data, old=None):
        """Record that a store gave ``data`` (fresh memory nothing else holds) to ``chunk``,
        replacing its record of ``old`` (the buffer the same tag held before): while the chunk
        still holds ``data`` any store of this job may write into it in place."""
        with self._given_lock:
            entry = self.given.get(id(data))
            if entry is not None and entry[1] is data:
                entry[2] += 1
            else:
                self.given[id(data)] = [chunk, data, 1]
            if old is not None:
                self._disown(old)

    def disown_all(self, owned):
        """Forget the buffers a store's ``owned`` map gave out (the store is gone)."""
        with self._given_lock:
            for entry in list(owned.values()):
                if isinstance(entry, tuple):
                    self._disown(entry[1])

    def _disown(self, data):
        entry = self.given.get(id(data))
        if entry is not None and entry[1] is data:
            entry[2] -= 1
            if entry[2] <= 0:
                del self.given[id(data)]

    def owns(self, chunk, data):
        """Whether ``data`` is a buffer a store gave to ``chunk`` (see ``own_buffer``)."""
        entry = self.given.get(id(data))
        return entry is not None and entry[0] is chunk and entry[1] is data

    # -- exit ----------------------------------------------------------------------------------
    def _at_exit(self):
        try:
            engine.wait_all()
        except Exception:  # noqa: BLE001 - reported where it was raised; a broken job aborts below
            pass
        err = self.fault
        if err is None:
            self.leaving = True
            self.state = "leaving the job after collective #{}".format(self.seq)
            for r in range(self.size):
                if r != self.rank:
                    self._send_ctl(self.seq, r, _TAG_EXIT)
            try:
                self._exit_barrier()
            except MXNetError as e:
                err = e
                print("mxnet: {}".format(e), file=sys.stderr)
        if err is not None:
            # end the whole job: no rank may wait forever for this one
            sys.stdout.flush()
            sys.stderr.flush()
            time.sleep(min(2.0, self._probe_window() + 0.5))
            self.world.Abort(1)
            return
        self._stop = True
        self._thread.join(timeout=5)
        self._drain()

    def _drain(self):
        """Receive stray control messages and finish our sends before MPI_Finalize."""
        MPI = self.MPI
        for comm, tags in ((self.world, (_TAG_PING, _TAG_PONG, _TAG_EXIT)),
                           (self.p2p, (_TAG_REQ, _TAG_REPLY))):
            for tag in tags:
                while True:
                    msg = comm.improbe(MPI.ANY_SOURCE, tag)
                    if msg is None:
                        break
                    msg.recv()
        with self._lock:
            sends, self._sends = self._sends, []
        end = time.monotonic() + 5
        while sends and time.monotonic() < end:
            sends = [r for r in sends if not r.Test()]
            time.sleep(1e-3)

    def _exit_barrier(self):
        """Wait until every rank is leaving; fail only when a rank that has not arrived is dead
        (a busy rank may take as long as it needs)."""
        MPI = self.MPI
        req = [self.fin.Ibarrier()]
        last_check = time.monotonic()
        while not MPI.Request.Testall(req):
            time.sleep(1e-3)
            if time.monotonic() - last_check >= self.timeout:
                replies, completed = self._ask_everyone(req, self._probe_window())
                if completed:
                    return
                dead = [r for r in range(self.size)
                        if r != self.rank and r not in replies and r not in self.exited]
                if dead:
                    raise MXNetError(
                        "distributed kvstore: rank {} could not finish the job: {} died before "
                        "reaching the end (no answer within {:g} s)".format(
                            self.rank, _ranks_text(dead), self.timeout))
                last_check = time.monotonic()


# -- host staging (GPU values travel through host memory) -----------------------------------------

def _host(arr):
    return to_numpy(arr)


_WIRE = {}


def _wire_dtype(dtype):
    """The dtype ``dtype`` values travel as (float16 as float32)."""
    wire = _WIRE.get(dtype)
    if wire is None:
        wire = np.dtype(dtype)
        wire = _WIRE[dtype] = np.dtype(np.float32) if wire == np.float16 else wire
    return wire


def _to_device(data, like):
    """``data`` (host) as the backing array of NDArray ``like`` (exact shape and dtype)."""
    if data.dtype != like.dtype:
        data = data.astype(like.dtype)
    if like.context.device_type == "gpu":
        return for_context(like.context).asarray(data)
    return data


def _deps(srcs, dsts):
    """(reads, writes) for an engine op reading ``srcs`` and writing ``dsts``: the distinct
    engine variables, none in both lists."""
    seen, writes, reads = set(), [], []
    for a in dsts:
        v = a._chunk.var
        if id(v) not in seen:
            seen.add(id(v))
            writes.append(v)
    for a in srcs:
        v = a._chunk.var
        if id(v) not in seen:
            seen.add(id(v))
            reads.append(v)
    return reads, writes


def _buckets(items, limit, direct=None):
    """Group (key, src, dst, own) items of one dtype into runs of at most ``limit`` bytes (a value larger
    than ``limit`` gets a bucket of its own and is chunked inside it). Values of at least ``direct``
    bytes get a bucket of their own (reduced on their own buffers, never packed)."""
    out, cur, cur_bytes, cur_dt = [], [], 0, None
    for item in items:
        dst = item[2]
        dt = _wire_dtype(dst._dtype)
        nbytes = math.prod(dst._shape) * dt.itemsize
        if direct is not None and nbytes >= direct:
            out.append([item])
            continue
        if cur and (dt != cur_dt or cur_bytes + nbytes > limit):
            out.append(cur)
            cur, cur_bytes = [], 0
        cur.append(item)
        cur_bytes += nbytes
        cur_dt = dt
    if cur:
        out.append(cur)
    return out


# -- the stores ------------------------------------------------------------------------------------

class DistKVStore(KVStore):
    """A KVStore whose values are synchronised over the processes of an MPI job.

    Built by ``mx.kv.create('dist_sync' | 'dist_device_sync' | 'dist_async' | ...)``. Keys must
    be initialised, pushed and pulled in the same order on every worker (MXNet's rule for
    ``dist_sync``)."""

    def __init__(self, handle, world=None):
        super().__init__(handle)
        self._world = world
        self._async = "async" in handle
        self._sumbufs = {}
        self._owned = {}      # tag -> (chunk, buffer): buffers this store may write in place
        self._update_lock = threading.RLock()
        self._store_id = None
        if world is not None:
            weakref.finalize(self, world.disown_all, self._owned)
        if world is not None and self._async:
            self._store_id = len(world.stores)
            world.stores.append(self)

    # -- properties -------------------------------------------------------------------------------
    @property
    def rank(self):
        """The rank of this worker, in [0, num_workers)."""
        return 0 if self._world is None else self._world.rank

    @property
    def num_workers(self):
        """The number of workers in the job."""
        return 1 if self._world is None else self._world.size

    def _remote(self):
        """Whether pushes and pulls go to rank 0 (``dist_async`` on the other ranks)."""
        return self._async and self._world is not None and self._world.rank != 0

    # -- reduction helpers ------------------------------------------------------------------------
    def _reduce(self, key, values, stored):
        """Sum over the local devices, then 2-bit quantize once per key (MXNet's dist rule:
        workers compress what they send)."""
        ctx, dtype = stored.context, stored.dtype
        if (len(values) == 1 and values[0].dtype == dtype and self._world is not None
                and not self._async and values[0].context.device_type != "gpu"
                and ctx.device_type != "gpu"):
            merged = values[0]     # one CPU value only read by the allreduce: no staging copy
        else:
            parts = [v.as_in_context(ctx).astype(dtype, copy=False) for v in values]
            merged = parts[0] if len(parts) == 1 else ndarray.add_n(*parts)
        if self._compression is not None:
            merged = self._quantize(key, "dist", merged)
        return merged

    def _owned_flat(self, own, dst, wire, shared=True):
        """``dst``'s buffer (flat) when a store put it there and it can be written in place: we
        never write into memory that other arrays may share. ``own``: the tag under which this
        store gave it; ``shared``: a buffer another store of the job gave to ``dst`` counts too
        (a gradient pulled from one store and then pushpulled through another)."""
        if own is None or dst._view is not None:
            return None
        entry = self._owned.get(own)
        cur = dst._chunk.data
        mine = entry is not None and entry[0] is dst._chunk and entry[1] is cur
        if not mine and shared and self._world is not None:
            mine = self._world.owns(dst._chunk, cur)
        if (not mine or not isinstance(cur, np.ndarray) or cur.dtype != wire
                or not cur.flags.c_contiguous or cur.shape != dst.shape):
            return None
        return cur.reshape(-1)

    def _give(self, own, dst, data):
        """Assign ``data`` (fresh, ours) to ``dst`` and remember it as ours."""
        data = _to_device(data, dst)
        dst._assign(data)
        if own is not None and dst._view is None:
            old = self._owned.get(own)
            self._owned[own] = (dst._chunk, data)
            if self._world is not None:
                self._world.own_buffer(dst._chunk, data, None if old is None else old[1])

    def _allreduce(self, items, what):
        """Engine ops summing each src over the workers into its dst: one op per dtype, values
        packed into buckets (fusion buffers) of ``bucket_bytes`` whose chunks stream through
        MPI back to back. ``items``: (key, src, dst, own) with ``own`` the tag under which dst's
        buffer may be reused (None: always a fresh buffer)."""
        world = self._world
        kinds = {}
        for item in items:
            kinds.setdefault(_wire_dtype(item[2]._dtype), []).append(item)
        for dt, group in kinds.items():
            desc = "{} of {}".format(what, _keys_text(k for k, _, _, _ in group))
            buckets = _buckets(group, world.bucket_bytes, world.direct_bytes)
            reads, writes = _deps([s for _, s, _, _ in group], [d for _, _, d, _ in group])
            world.push_op(desc, self._allreduce_fn(buckets, dt, desc), reads, writes)

    def _allreduce_fn(self, buckets, wire, what):
        world = self._world

        def fn():
            jobs = [self._prepare(bucket, wire) for bucket in buckets]
            world.allreduce_many([(send, recv) for send, recv, _ in jobs], what)
            for _, _, finish in jobs:
                if finish is not None:
                    finish()
        return fn

    def _prepare(self, bucket, wire):
        """(send, recv, finish) for one bucket: reduce ``send`` into ``recv`` (None: in place),
        then ``finish()`` (None: nothing left) puts the sums into the dsts."""
        srcs = [_host(s._read()) for _, s, _, _ in bucket]
        if len(bucket) == 1:
            _, src, dst, own = bucket[0]
            send = np.ascontiguousarray(srcs[0], dtype=wire).reshape(-1)
            flat = self._owned_flat(own, dst, wire)
            if flat is not None:
                if flat.ctypes.data == send.ctypes.data and flat.size == send.size:
                    return flat, None, None                       # in place
                if not np.may_share_memory(flat, send):
                    return send, flat, None                       # into dst's buffer
            staged = type(src._read()).__module__.startswith("cupy")   # srcs[0]: a host copy
            if np.may_share_memory(send, srcs[0]) and not staged:
                recv = np.empty_like(send)
            else:
                recv = None                             # a converted or staged copy: reuse it
            out = send if recv is None else recv
            return send, recv, lambda: self._give(own, dst, out.reshape(dst.shape))
        btag = None
        if all(own is not None for _, _, _, own in bucket):
            btag = ("bucket",) + tuple(own for _, _, _, own in bucket)
            fused = self._owned.get(btag)
            if fused is not None and all(
                    s._chunk is d._chunk and s._view is None and d._view is None
                    and self._owned_flat(own, d, wire, shared=False) is not None
                    for _, s, d, own in bucket):
                # in place, and every value still lives in the fusion buffer we gave it
                return fused, None, None
        send = np.concatenate([np.asarray(a, dtype=wire).reshape(-1) for a in srcs])

        def finish():
            off = 0
            for (_, _, dst, own), a in zip(bucket, srcs):
                self._give(own, dst, send[off:off + a.size].reshape(dst.shape))
                off += a.size
            if btag is not None:
                self._owned[btag] = send     # the values are views of it from now on
        return send, None, finish

    def _bcast(self, items, what):
        """Engine ops copying rank 0's src into every rank's dst ((key, src, dst, own) items)."""
        world = self._world
        kinds = {}
        for item in items:
            kinds.setdefault(_wire_dtype(item[2].dtype), []).append(item)
        for dt, group in kinds.items():
            for bucket in _buckets(group, world.bucket_bytes):
                desc = "{} of {}".format(what, _keys_text(k for k, _, _, _ in bucket))
                world.push_op(desc, self._bcast_fn(bucket, dt, desc),
                              [s._var for _, s, _, _ in bucket], [d._var for _, _, d, _ in bucket])

    def _bcast_fn(self, bucket, wire, what):
        world = self._world

        def fn():
            sizes = [math.prod(d.shape) for _, _, d, _ in bucket]
            if world.rank == 0:
                buf = np.concatenate([np.asarray(_host(s._read()), dtype=wire).reshape(-1)
                                      for _, s, _, _ in bucket])
            else:
                buf = np.empty(sum(sizes), dtype=wire)
            world.bcast(buf, what)
            off = 0
            for (_, _, dst, own), n in zip(bucket, sizes):
                self._give(own, dst, buf[off:off + n].reshape(dst.shape))
                off += n
        return fn

    # -- the store --------------------------------------------------------------------------------
    def init(self, key, value):
        """Initialise keys with rank 0's values (broadcast; every worker must call it)."""
        pairs = self._pairs(key, value)
        if self._world is None:
            return super().init(key, value)
        seen = set()
        keys, items = [], []
        for k, v in pairs:
            if k in self._store or k in seen:
                raise MXNetError("kvstore init: duplicate init of key {}. Please double check if "
                                 "you called kv.init or kv.broadcast with this key multiple "
                                 "times".format(k))
            seen.add(k)
            stored = ndarray.empty(v.shape, ctx=self._store_context(v), dtype=v.dtype)
            keys.append(k)
            items.append((k, v, stored, ("store", k)))
        for k, _, stored, _ in items:
            self._store[k] = stored
        self._bcast(items, "init")

    def push(self, key, value, priority=0):
        """Sum ``value`` over the local devices and the workers; the sum replaces the stored
        value, or updates it through the optimizer (``set_optimizer``)."""
        groups = _group(self._pairs(key, value))
        targets = []
        for k, vals in groups.items():
            stored = self._stored(k, "push")
            for v in vals:
                self._check_shape(k, v, stored, "push")
            targets.append((k, vals, stored))
        merged = [(k, self._reduce(k, vals, stored), stored) for k, vals, stored in targets]
        if self._world is None:
            for k, m, stored in merged:
                self._apply(k, m, stored)
            return
        if self._async:
            self._push_async(merged)
            return
        items = []
        for k, m, stored in merged:
            if self._updater is None:
                items.append((k, m, stored, ("store", k)))
            else:
                dst = self._sumbufs.get(k)
                if dst is None or dst.shape != stored.shape or dst.dtype != stored.dtype:
                    dst = self._sumbufs[k] = ndarray.empty(stored.shape, ctx=stored.context,
                                                           dtype=stored.dtype)
                items.append((k, m, dst, ("sum", k)))
        self._allreduce(items, "push")
        if self._updater is not None:
            for k, _, dst, _ in items:
                self._updater(k, dst, self._store[k])

    def _apply(self, k, merged, stored):
        if self._updater is not None:
            with self._update_lock:
                self._updater(k, merged, stored)
        else:
            merged.copyto(stored)

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        """Copy the value of ``key`` into ``out``; ``dist_async`` workers first fetch rank 0's
        current value."""
        assert out is not None
        if self._remote():
            pairs = self._pairs(key, out)
            for k, o in pairs:
                self._check_shape(k, o, self._stored(k, "pull"), "pull")
            for k in _group(pairs):
                self._fetch(k)
        if self._world is None:
            return super().pull(key, out, priority, ignore_sparse)
        pairs = self._pairs(key, out)
        for k, o in pairs:
            self._check_shape(k, o, self._stored(k, "pull"), "pull")
        slots, copies = {}, []
        for k, o in pairs:
            stored = self._store[k]
            i = slots[k] = slots.get(k, -1) + 1
            if (o.context.device_type == "gpu" or stored.context.device_type == "gpu"
                    or o.dtype != stored.dtype):
                stored.copyto(o)
            else:
                copies.append((stored, o, ("pull", k, i)))
        if copies:
            self._pull_copy(copies)

    def _current(self, key):
        """The stored value of ``key`` for ``row_sparse_pull``; ``dist_async`` workers first
        fetch rank 0's current value."""
        if self._remote():
            self._fetch(key)
        return self._store[key]

    def _pull_copy(self, copies):
        """One engine op copying each ``stored`` into its ``o`` ((stored, o, own) triples): into
        o's buffer when a store put it there, else into a fresh buffer that then becomes o's
        (and ours)."""
        def fn():
            for stored, o, own in copies:
                src = stored._read()
                flat = self._owned_flat(own, o, o.dtype)
                if flat is not None and not np.may_share_memory(flat, src):
                    np.copyto(flat, src.reshape(-1))
                else:
                    self._give(own, o, np.array(src, dtype=o.dtype, copy=True))
        reads, writes = _deps([s for s, _, _ in copies], [o for _, o, _ in copies])
        engine.push(fn, reads, writes, copies[0][1].context, name="kvstore pull")

    # -- dist_async -------------------------------------------------------------------------------
    def _push_async(self, merged):
        if self._updater is None and self._world.rank == 0:
            raise MXNetError("kvstore {}: push needs an optimizer: call set_optimizer first "
                             "(asynchronous stores apply every push with it)".format(self.type))
        if self._world.rank == 0:
            for k, m, stored in merged:
                self._apply(k, m, stored)
            return
        world = self._world
        for k, m, _ in merged:
            def fn(k=k, m=m):
                data = np.array(_host(m._read()))
                world.wait([world.p2p.isend(("push", self._store_id, k, data), 0, _TAG_REQ)],
                           "dist_async push of key {} to rank 0".format(_fmt_key(k)), peers=[0])
            world.push_op("async push of key {}".format(_fmt_key(k)), fn, [m._var], [],
                          collective=False)

    def _request(self, kind, k):
        world = self._world
        what = "dist_async {} of key {} from rank 0".format(kind, _fmt_key(k))
        world.wait([world.p2p.isend((kind, self._store_id, k), 0, _TAG_REQ)], what, peers=[0])
        obj = world.recv_obj(world.p2p, 0, _TAG_REPLY, what)
        if obj[0] == "error":
            raise MXNetError("kvstore {}: rank 0 failed to serve the {} of key {}: {}".format(
                self.type, kind, _fmt_key(k), obj[2]))
        return obj[2]

    def _fetch(self, k):
        world = self._world
        stored = self._store[k]

        def fn():
            value = self._request("pull", k)
            stored._assign(_to_device(np.asarray(value).reshape(stored.shape), stored))
        world.push_op("async pull of key {}".format(_fmt_key(k)), fn, [], [stored._var],
                      collective=False)

    def _server_push(self, key, data):
        """Rank 0 applies a worker's push (called by the control thread)."""
        stored = self._store.get(key)
        if stored is None:
            raise MXNetError("key {} has not been inited".format(_fmt_key(key)))
        if self._updater is None:
            raise MXNetError("push needs an optimizer: call set_optimizer first")
        grad = ndarray.array(data.reshape(stored.shape), ctx=stored.context, dtype=stored.dtype)
        self._apply(key, grad, stored)

    def _server_value(self, key):
        stored = self._store.get(key)
        if stored is None:
            raise MXNetError("key {} has not been inited".format(_fmt_key(key)))
        return stored.asnumpy()

    def _flush(self):
        """dist_async: wait until rank 0 has applied every push of this worker."""
        if not self._remote():
            return
        var = engine.Var()

        def fn():
            self._request("flush", None)
        self._world.push_op("async flush", fn, [], [var], collective=False)
        engine.wait_for_var(var)

    # -- optimizer --------------------------------------------------------------------------------
    def set_optimizer(self, optimizer):
        """Apply ``optimizer`` on push: on every worker identically (sync), or on rank 0 for
        every worker's push (``dist_async``; every worker must call it: it ends with a barrier)."""
        from .. import optimizer as opt
        if not self._remote():
            self._set_updater(opt.get_updater(optimizer))
        if self._async and self._world is not None:
            self._barrier()

    def _set_updater(self, updater):
        with self._update_lock:
            self._updater = updater

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Write the optimizer states to ``fname`` (the same on every sync worker; rank 0 holds
        them for ``dist_async``)."""
        if self._remote():
            raise AssertionError("Cannot save states for distributed training: dist_async keeps "
                                 "the optimizer states on rank 0")
        with self._update_lock:
            engine.wait_all()
            super().save_optimizer_states(fname, dump_optimizer)

    def load_optimizer_states(self, fname):
        """Restore the optimizer states from ``fname`` (every worker loads the same file)."""
        if self._remote():
            raise AssertionError("Cannot load states for distributed training: dist_async keeps "
                                 "the optimizer states on rank 0")
        with self._update_lock:
            super().load_optimizer_states(fname)

    def set_gradient_compression(self, compression_params):
        """2-bit compression as MXNet's dist stores do it: each worker sums its devices, then
        quantizes the sum to {-threshold, 0, +threshold} with an error-feedback residual per key.
        (The quantized values travel as dense arrays: results as in MXNet, no bandwidth saved.)"""
        if self.type in ("horovod", "nccl"):
            raise MXNetError("Gradient compression is not supported for kvstore type '{}'"
                             .format(self.type))
        super().set_gradient_compression(compression_params)

    # -- sync -------------------------------------------------------------------------------------
    def _barrier(self):
        """Block until every worker reaches this barrier (``dist_async``: after rank 0 applied
        this worker's pushes). Raises MXNetError naming absent ranks after the timeout."""
        world = self._world
        if world is None:
            return
        self._flush()
        var = engine.Var()
        world.push_op("barrier", lambda: world.barrier("barrier"), [], [var])
        engine.wait_for_var(var)

    barrier = _barrier

    def is_capable(self, capability):
        """'optimizer': True (updates run in the store); unknown capabilities raise ValueError."""
        return super().is_capable(capability)


class HorovodKVStore(DistKVStore):
    """``mx.kv.create('horovod')``: Horovod's API on MPI: ``broadcast`` from rank 0 and
    ``pushpull`` (sum over workers into ``out``), no stored values and no optimizer."""

    def broadcast(self, key, value, out, priority=0):
        """Copy rank 0's ``value`` into ``out`` on every worker."""
        pairs = self._pairs(key, value)
        outs = _group(self._pairs(key, out))
        for k, v in pairs:
            dsts = outs.get(k, [])
            if self._world is None:
                for o in dsts:
                    v.copyto(o)
                continue
            tmp = ndarray.empty(v.shape, ctx=v.context, dtype=v.dtype)
            self._bcast([(k, v, tmp, None)], "broadcast")
            for o in dsts:
                tmp.copyto(o)

    def pushpull(self, key, value, out=None, priority=0):
        """Sum ``value`` (summed over its devices first) over the workers into ``out``
        (``value`` when None); in place where it can."""
        groups = _group(self._pairs(key, value))
        outs = groups if out is None else _group(self._pairs(key, out))
        items, rests = [], []
        for k, vals in groups.items():
            targets = outs.get(k, [])
            if len(vals) == 1 and len(targets) == 1 and targets[0] is vals[0]:
                items.append((k, vals[0], vals[0], ("pushpull", k)))   # in place: the usual case
                rests.append(())
                continue
            ctx, dtype = vals[0].context, vals[0].dtype
            if len(vals) == 1:
                merged = vals[0]
            else:
                merged = ndarray.add_n(*[v.as_in_context(ctx).astype(dtype, copy=False)
                                         for v in vals])
            if targets and targets[0].context == ctx and targets[0].dtype == dtype \
                    and targets[0].shape == merged.shape:
                dst, rest = targets[0], targets[1:]
            else:
                dst, rest = ndarray.empty(merged.shape, ctx=ctx, dtype=dtype), targets
            items.append((k, merged, dst, ("pushpull", k)))
            rests.append(rest)
        if self._world is None:
            for _, m, d, _ in items:
                if m is not d:
                    m.copyto(d)
        else:
            self._allreduce(items, "pushpull")
        for (_, _, dst, _), rest in zip(items, rests):
            for o in rest:
                dst.copyto(o)

    def push(self, key, value, priority=0):
        raise MXNetError("kvstore horovod: push is not supported; use pushpull")

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        raise MXNetError("kvstore horovod: pull is not supported; use pushpull or broadcast")

    def row_sparse_pull(self, key, out=None, priority=0, row_ids=None):
        raise MXNetError("kvstore horovod: row_sparse_pull is not supported; use pushpull or "
                         "broadcast")

    def init(self, key, value):
        raise MXNetError("kvstore horovod: init is not supported; use broadcast")

    def set_optimizer(self, optimizer):
        raise MXNetError("kvstore horovod cannot run an optimizer (is_capable('optimizer') is "
                         "False): update the parameters on the workers")

    def is_capable(self, capability):
        """'optimizer': False, as Horovod's store; unknown capabilities raise ValueError."""
        if capability.lower() == "optimizer":
            return False
        raise ValueError("Unknown capability: {}".format(capability))


def create(name="local"):
    """Create a KVStore (``mx.kv.create``).

    ``'local'`` sums the pushed values and keeps (and updates) the stored values in CPU memory;
    ``'device'`` (also ``'nccl'`` in one process) on the devices of the values. Distributed types
    (the process must be started by ``mpiexec`` or ``python -m mxnet.tools.launch``, else they
    run as one worker): ``'dist_sync'`` / ``'dist_device_sync'`` (gradients summed over all
    workers, updates identical everywhere), ``'dist_async'`` (rank 0 applies each worker's push
    as it arrives), ``'horovod'`` (broadcast + pushpull), ``'nccl'`` inside an MPI job.
    """
    from . import base
    if not isinstance(name, string_types):
        raise TypeError("name must be a string")
    lname = name.lower()
    if lname in base.KVStoreBase.kv_registry or not is_dist_type(lname):
        return base.create(name)
    world = _get_world()
    if lname == "horovod":
        return HorovodKVStore(lname, world)
    return DistKVStore(lname, world)
