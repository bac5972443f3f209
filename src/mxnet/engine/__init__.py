"""The dependency engine: operations are pushed with the variables they read and write, and run
when every earlier conflicting operation has finished (MXNet's lazy execution).

- ``push(fn, reads, writes, ctx)`` returns at once; ``fn()`` runs on a worker of ``ctx``.
- Read-after-write, write-after-read and write-after-write on one variable run in push order;
  everything else may run concurrently (a worker pool per (context, kind)).
- An exception in ``fn`` is stored on the variables it writes (and on everything computed from
  them) and raised as MXNetError at the next sync point: ``wait_for_var``, ``wait_all``.
- Pending work per queue is bounded: ``push`` blocks while ``MXNET_ENGINE_MAX_PENDING`` ops are
  outstanding there, so a loop that never syncs runs in constant memory.
- ``os.fork()`` is safe: the parent drains its queues first, the child starts with fresh pools.
- ``MXNET_ENGINE_TYPE=NaiveEngine`` runs every op synchronously inside ``push``.
- ``Lazy`` work (an executor's input gradients nobody has read yet) is pushed only when one of
  its results is read or written, or an input it captured is about to change in place.
- Small ops whose inputs are ready may run inline on the pushing thread (``inline=True``):
  a thread hand-off costs more than they do. Results and ordering are unchanged.
"""
import os
import queue
import threading
import traceback

from ..base import MXNetError
from ..backend.fpstate import quiet_enter, quiet_exit

__all__ = ["Var", "Lazy", "Engine", "ThreadedEngine", "NaiveEngine", "get", "set_engine_type",
           "push", "new_var", "wait_for_var", "wait_all", "bulk", "set_bulk_size"]


class Var:
    """An engine variable: the unit of dependency tracking (one per storage chunk).

    No ``__init__``: every NDArray result makes one, and class defaults make ``Var()`` a C call."""
    last_write = None   # pending Opr writing this var, or None
    reads = ()          # Oprs reading it since the last write (some may be done); a list once used
    exc = None          # error of the op that last wrote it, raised at sync points
    lazy = None         # list of Lazy works producing or watching this var, or None
    lazy_in = None      # list of Lazy works that captured this var's memory, or None


class _Lane:
    """The queue of one (context, kind) and its count of pushed, unfinished ops."""
    __slots__ = ("key", "queue", "pending")

    def __init__(self, key):
        self.key = key           # (ctx, kind); holds ctx, so the id-keyed lookup stays valid
        self.queue = queue.SimpleQueue()
        self.pending = 0


class Opr:
    __slots__ = ("fn", "reads", "writes", "wait", "dependents", "done", "lane", "name", "checks")

    def __init__(self, fn, reads, writes, lane, name, checks):
        self.fn = fn
        self.checks = checks     # vars whose stored errors this op inherits (reads before dedupe)
        self.reads = reads
        self.writes = writes
        self.wait = 0
        self.dependents = []
        self.done = False
        self.lane = lane
        self.name = name


def _wrap_error(exc, name):
    if isinstance(exc, MXNetError):
        return exc
    err = MXNetError("{}: {}: {}".format("Error in operator " + name if name else "Error in engine op",
                                         type(exc).__name__, exc))
    err.__cause__ = exc
    return err


class Engine:
    """Shared logic: exception bookkeeping and the sync-point API."""

    def __init__(self):
        self._errors = []   # errors not yet raised at a sync point, in order
        self._err_lock = threading.Lock()

    def new_var(self):
        return Var()

    def _record_error(self, exc, writes):
        for v in writes:
            v.exc = exc
        with self._err_lock:
            if not any(e is exc for e in self._errors):
                self._errors.append(exc)

    def _run(self, fn, reads, writes, name, on_worker=False):
        """Run one op now: propagate upstream errors, or call fn and record its error.

        ``reads`` are the variables as given to push (an in-place op's var is in both lists)."""
        for v in reads:
            if v.exc is not None:
                self._record_error(v.exc, writes)
                return
        quiet = quiet_enter()        # (kernels warn no more than MXNet's: see backend.fpstate)
        try:
            if _op_observer is None:
                fn()
            else:
                _op_observer(fn, name)   # the profiler: calls fn() and times it
        except BaseException as e:  # noqa: BLE001 - every failure must reach a sync point
            if isinstance(e, (KeyboardInterrupt, SystemExit)) and not on_worker:
                raise
            err = _wrap_error(e, name)
            if os.environ.get("MXNET_ENGINE_DEBUG"):
                traceback.print_exc()
            self._record_error(err, writes)
            return
        finally:
            quiet_exit(quiet)
        for v in writes:
            v.exc = None

    def _raise_var(self, var):
        exc = var.exc
        if exc is not None:
            with self._err_lock:
                self._errors = [e for e in self._errors if e is not exc]
            raise exc

    def _raise_pending(self):
        with self._err_lock:
            err = self._errors[0] if self._errors else None
            self._errors = []
        if err is not None:
            raise err


class NaiveEngine(Engine):
    """Runs each op synchronously inside ``push`` (``MXNET_ENGINE_TYPE=NaiveEngine``)."""
    threaded = False

    def __init__(self):
        super().__init__()
        self._lock = threading.RLock()   # pushes from several threads run one at a time

    def push(self, fn, reads=(), writes=(), ctx=None, kind="compute", inline=False, name="", replaces=()):
        if _lazy_count and _lazy_hit(reads, writes):
            _touch_lazy(reads, writes, replaces, self._lock)
        with self._lock:
            self._run(fn, reads, writes, name)

    def wait_for_var(self, var):
        if var.lazy is not None:
            _force_lazy(var)
        self._raise_var(var)

    def wait_all(self):
        self._raise_pending()

    def _before_fork(self):
        self._lock.acquire()

    def _after_fork_parent(self):
        self._lock.release()

    def _after_fork_child(self):
        self._lock = threading.RLock()
        self._err_lock = threading.Lock()


def _dedupe(reads, writes):
    """Drop reads that are also writes (an in-place op just writes) and repeated vars.

    ``dict.fromkeys``/``set`` work at C speed here: a Var defines no ``__eq__``/``__hash__``, so
    it is keyed by identity."""
    if len(writes) > 1:
        writes = list(dict.fromkeys(writes))
    if not reads:
        return reads, writes
    if len(reads) == 1:
        if writes and reads[0] in writes:
            return [], writes
        return reads, writes
    if not writes:
        return list(dict.fromkeys(reads)), writes
    wset = set(writes)
    return [v for v in dict.fromkeys(reads) if v not in wset], writes


class _ThreadFlags(threading.local):
    is_worker = False     # class default: threads that never set it read it without an exception


class ThreadedEngine(Engine):
    """Worker pools per (context, kind) fed in dependency order (the default engine)."""
    threaded = True

    def __init__(self):
        super().__init__()
        self.max_pending = int(os.environ.get("MXNET_ENGINE_MAX_PENDING", "1024"))
        self.cpu_workers = max(1, int(os.environ.get("MXNET_CPU_WORKER_NTHREADS", "1")))
        # inline="idle" ops run on the pushing thread when their queue is empty and they are ready
        self.caller_runs = os.environ.get("MXNET_ENGINE_CALLER_RUNS", "1") != "0"
        self._init_state()

    def _init_state(self):
        # re-entrant: an op run inline under the lock may itself push (and wait for) ops
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self._lanes = {}        # (id(ctx), kind) -> _Lane (ints hash in C; Context in Python)
        self._total = 0
        self._waiters = 0
        self._local = _ThreadFlags()

    # -- workers -------------------------------------------------------------------------------
    def _nworkers(self, key):
        ctx, kind = key
        if kind == "compute" and (ctx is None or ctx.device_type != "gpu"):
            return self.cpu_workers
        return 1

    def _lane(self, ctx, kind):
        """The lane of (ctx, kind), created with its worker threads on first use (under the lock)."""
        lid = (id(ctx), kind)
        lane = self._lanes.get(lid)
        if lane is None:
            key = (ctx, kind)
            for other in self._lanes.values():     # an equal Context object seen before
                if other.key == key:
                    lane = other
                    break
            else:
                lane = _Lane(key)
                for i in range(self._nworkers(key)):
                    t = threading.Thread(target=self._worker, args=(lane.queue,), daemon=True,
                                         name="mxnet-engine-{}-{}-{}".format(ctx, kind, i))
                    t.start()
            self._lanes[lid] = lane
        return lane

    def pending(self, ctx, kind="compute"):
        """Number of pushed, unfinished ops on the (ctx, kind) queue (0 before its first push)."""
        for lane in list(self._lanes.values()):
            if lane.key == (ctx, kind):
                return lane.pending
        return 0

    def _worker(self, q):
        self._local.is_worker = True
        while True:
            op = q.get()
            if op is None:
                return
            try:
                self._run(op.fn, op.checks, op.writes, op.name, on_worker=True)
            finally:
                self._complete(op)

    def _complete(self, op):
        ready = []
        with self._lock:
            op.done = True
            op.fn = None
            for v in op.writes:
                if v.last_write is op:
                    v.last_write = None
            for d in op.dependents:
                d.wait -= 1
                if d.wait == 0:
                    ready.append(d)
            op.dependents = None
            op.lane.pending -= 1
            self._total -= 1
            if self._waiters:
                self._cond.notify_all()
        for d in ready:
            d.lane.queue.put(d)

    # -- push ----------------------------------------------------------------------------------
    def push(self, fn, reads=(), writes=(), ctx=None, kind="compute", inline=False, name="", replaces=()):
        """Schedule ``fn()`` after the ops it depends on; returns immediately. ``replaces``: vars
        among ``writes`` whose storage ``fn`` swaps for new memory instead of changing it."""
        if _lazy_count and _lazy_hit(reads, writes):
            _touch_lazy(reads, writes, replaces, self._lock)
        checks = reads
        with self._lock:
            # Ops pushed from inside an op (a custom Function's backward) run right away when
            # ready: the pushing op may be waiting for them on this very worker. (Repeated vars
            # do not change that answer; they are dropped only for an op that waits.)
            if (inline is True or self._local.is_worker) and self._ready_now(reads, writes):
                run_inline = True
            else:
                run_inline = False
                if len(writes) != 1 or len(reads) > 2 or writes[0] in reads \
                        or (len(reads) == 2 and reads[0] is reads[1]):
                    reads, writes = _dedupe(reads, writes)   # (1-2 distinct reads, one write: none)
                wait = 0
                lane = self._lanes.get((id(ctx), kind)) or self._lane(ctx, kind)
                if lane.pending >= self.max_pending and not self._local.is_worker:
                    self._waiters += 1
                    try:
                        while lane.pending >= self.max_pending:
                            self._cond.wait()
                    finally:
                        self._waiters -= 1
                idle = lane.pending == 0
                op = Opr(fn, reads, writes, lane, name, checks)
                wait = 0
                for v in reads:
                    w = v.last_write
                    if w is not None and not w.done:
                        w.dependents.append(op)
                        wait += 1
                    rs = v.reads
                    if not rs:
                        v.reads = [op]
                    else:
                        if len(rs) > 32:
                            rs[:] = [r for r in rs if not r.done]
                        rs.append(op)
                for v in writes:
                    w = v.last_write
                    if w is not None and not w.done:
                        w.dependents.append(op)
                        wait += 1
                    for r in v.reads:
                        if not r.done:
                            r.dependents.append(op)
                            wait += 1
                    v.reads = ()
                    v.last_write = op
                op.wait = wait
                lane.pending += 1
                self._total += 1
            if run_inline:
                # Under the lock, so no other thread can push a conflicting op meanwhile;
                # only tiny kernels that never push are marked inline.
                self._run(fn, checks, writes, name)
                return
        if wait == 0:
            if idle and inline == "idle" and self.caller_runs:
                # The op is registered (others see it pending) but the pushing thread runs it:
                # the device's queue is empty, so a hand-off would only add GIL ping-pong.
                local = self._local
                was_worker = local.is_worker
                local.is_worker = True      # ops pushed from inside run at once, as on a worker
                try:
                    self._run(op.fn, op.checks, op.writes, op.name)
                finally:
                    local.is_worker = was_worker
                    self._complete(op)
            else:
                lane.queue.put(op)

    @staticmethod
    def _ready_now(reads, writes):
        for v in reads:
            w = v.last_write
            if w is not None and not w.done:
                return False
        for v in writes:
            w = v.last_write
            if w is not None and not w.done:
                return False
            for r in v.reads:
                if not r.done:
                    return False
            v.reads = ()
        return True

    # -- sync points ---------------------------------------------------------------------------
    def wait_for_var(self, var):
        """Block until every pushed write of ``var`` finished; raise its error if it failed."""
        if var.lazy is not None:
            with self._lock:
                _force_lazy(var)
        op = var.last_write
        if op is not None and not op.done:
            with self._lock:
                self._waiters += 1
                try:
                    while not op.done:
                        self._cond.wait()
                finally:
                    self._waiters -= 1
        self._raise_var(var)

    def wait_all(self):
        """Block until all pushed ops finished; raise the first error not yet raised."""
        with self._lock:
            self._waiters += 1
            try:
                while self._total:
                    self._cond.wait()
            finally:
                self._waiters -= 1
        self._raise_pending()

    # -- fork ----------------------------------------------------------------------------------
    def _before_fork(self):
        # Drain so the child inherits finished data and no half-done dependency state, and keep
        # the lock through the fork so no other thread can push in between.
        if self._local.is_worker:
            self._fork_locked = False
            return
        self._lock.acquire()
        self._waiters += 1
        try:
            while self._total:
                self._cond.wait()
        finally:
            self._waiters -= 1
        self._fork_locked = True

    def _after_fork_parent(self):
        if getattr(self, "_fork_locked", False):
            self._fork_locked = False
            self._lock.release()

    def _after_fork_child(self):
        self._err_lock = threading.Lock()
        self._init_state()


# -- lazy work -----------------------------------------------------------------------------------
_lazy_count = 0    # live Lazy works: pushes and waits look at vars only while there are some


class Lazy:
    """Work pushed only if its result is wanted (an executor's input gradients: the seed's loop
    asks for a data gradient it never reads).

    ``make(var)`` returns the function to push that computes the output ``var``. It is pushed
    when ``var`` is read (an op reading it, ``wait_to_read``) or written, or, for every output,
    when an ``inputs`` var whose memory the work captured is about to change in place. A push
    that swaps an input's storage for new memory (``replaces``) leaves the captured memory as it
    was and just detaches the input. ``watched`` vars compute nothing: touching one only reports
    it. ``on_use(var, wanted)`` hears of each output or watched var touched (``wanted`` is False
    when an input change forced it). ``after``: vars the work reads only to run after their
    writers. ``cancel()`` forgets everything (the owner overwrites the outputs)."""

    def __init__(self, make, inputs, outputs, watched, ctx, name, after=(), on_use=None):
        global _lazy_count
        self.make = make
        self.ctx = ctx
        self.name = name
        self.after = list(after)
        self.on_use = on_use
        self.outputs = set(outputs)
        self.watched = set(watched)
        # (a dict: insertion order and C-level identity lookups; a Var hashes by identity)
        if outputs:
            self.inputs = dict.fromkeys(inputs)
            for v in self.outputs:
                self.inputs.pop(v, None)
        else:
            self.inputs = {}
        # (a new work is in no var's list yet: append without looking; the groups are disjoint)
        for v in self.inputs:
            ds = v.lazy_in
            if ds is None:
                v.lazy_in = [self]
            else:
                ds.append(self)
        for group in (self.outputs, self.watched):
            for v in group:
                ds = v.lazy
                if ds is None:
                    v.lazy = [self]
                else:
                    ds.append(self)
        _lazy_count += 1
        self.live = True

    def _unlink(self, var):
        """Take this work off ``var.lazy`` (it no longer produces or watches the var)."""
        var.lazy = _without(var.lazy, self)

    def _check_done(self):
        global _lazy_count
        if not self.outputs and not self.watched and self.live:
            for v in self.inputs:
                _unlink_input(v, self)
            self.inputs = {}
            self.live = False
            _lazy_count -= 1

    def cancel(self):
        """Forget every pending output and watch (the owner is about to overwrite them)."""
        for v in self.outputs:
            self._unlink(v)
        for v in self.watched:
            self._unlink(v)
        self.outputs, self.watched = set(), set()
        self._check_done()

    def rearm(self, inputs):
        """The owner saved new values for the same pending outputs: capture ``inputs`` again
        (link those detached since; the others still hold the memory the values use)."""
        have, outs = self.inputs, self.outputs
        for v in inputs:
            if v not in have and v not in outs:
                have[v] = None
                ds = v.lazy_in
                if ds is None:
                    v.lazy_in = [self]
                else:
                    ds.append(self)

    def touch(self, var, wanted=True):
        """``var`` (an output or watched var) is about to be read or written."""
        if var in self.watched:
            self.watched.discard(var)
            self._unlink(var)
            self._check_done()
            if self.on_use is not None:
                self.on_use(var, wanted)
            return
        self.outputs.discard(var)
        self._unlink(var)
        fn = self.make(var)
        reads = list(self.inputs) + self.after
        self._check_done()
        if self.on_use is not None:
            self.on_use(var, wanted)
        push(fn, reads, [var], self.ctx, name=self.name)   # before the op that wants it

    def input_changes(self, var, replaced):
        """An input's memory is replaced (detach) or changes in place (push every output now)."""
        if replaced:
            del self.inputs[var]
            _unlink_input(var, self)
            return
        for v in list(self.outputs):
            self.touch(v, wanted=False)


def _unlink_input(var, work):
    """Take ``work`` off ``var.lazy_in`` (it no longer holds the var's memory)."""
    var.lazy_in = _without(var.lazy_in, work)


def _without(works, work):
    """A var's list of lazy works (or None) without ``work``; None once it is empty."""
    if works is not None:
        if len(works) == 1:
            return None if works[0] is work else works
        if work in works:
            works.remove(work)
    return works


def caller_engine():
    """The threaded engine when ready ops may run on the calling thread under its lock (its
    caller-runs mode, no profiler observing each op), else None."""
    eng = _engine
    if eng is not None and eng.threaded and eng.caller_runs and _op_observer is None:
        return eng
    return None


def runnable(reads, writes=()):
    """Call under the engine lock: whether an op reading ``reads`` and writing ``writes`` (vars)
    may run on the calling thread right now -- no pending write of either, no unfinished reader
    of a written var, no lazy work producing or capturing them, no stored error -- as the inline
    path requires; when it may, the finished readers of the written vars are dropped."""
    for v in reads:
        if v.lazy is not None or v.exc is not None:
            return False
    for v in writes:
        if v.lazy is not None or v.lazy_in is not None or v.exc is not None:
            return False
    return ThreadedEngine._ready_now(reads, writes)


def _lazy_hit(reads, writes):
    """Whether a push reads an output of lazy work or writes one of its vars (most pushes do not)."""
    for v in reads:
        if v.lazy is not None:
            return True
    for v in writes:
        if v.lazy is not None or v.lazy_in is not None:
            return True
    return False


def _touch_lazy(reads, writes, replaces, lock):
    """A push's prologue when ``_lazy_hit``: push the lazy work it wants first, detach replaced
    inputs."""
    with lock:
        for v in reads:
            if v.lazy is not None:
                _force_lazy(v)
        for v in writes:
            if v.lazy is not None:
                _force_lazy(v)
            ds = v.lazy_in
            if ds is not None:
                if v in replaces:
                    detach_lazy_inputs(v)
                else:
                    for d in list(ds):
                        d.input_changes(v, False)


def detach_lazy_inputs(var):
    """Call under the engine lock when ``var`` gets new memory: the lazy works that captured its
    old memory keep that and no longer watch the var."""
    ds = var.lazy_in
    if ds is not None:
        var.lazy_in = None
        for d in ds:
            d.inputs.pop(var, None)


def _force_lazy(var):
    for d in list(var.lazy or ()):
        d.touch(var)


_engine = None
_op_observer = None   # set by mx.profiler while running: called as _op_observer(fn, name)


def _make(kind):
    if kind == "NaiveEngine":
        return NaiveEngine()
    if kind in ("ThreadedEngine", "ThreadedEnginePerDevice", "ThreadedEnginePooled", ""):
        return ThreadedEngine()
    raise MXNetError("unknown MXNET_ENGINE_TYPE {!r}; use NaiveEngine or ThreadedEnginePerDevice".format(kind))


def get():
    """The process-wide engine (created from MXNET_ENGINE_TYPE on first use)."""
    global _engine
    if _engine is None:
        _engine = _make(os.environ.get("MXNET_ENGINE_TYPE", "ThreadedEnginePerDevice"))
    return _engine


def set_engine_type(kind):
    """Switch engines ('NaiveEngine' or 'ThreadedEnginePerDevice') after finishing pending work."""
    global _engine
    if _engine is not None:
        _engine.wait_all()
    _engine = _make(kind)
    return _engine


def new_var():
    return Var()


def push(fn, reads=(), writes=(), ctx=None, kind="compute", inline=False, name="", replaces=()):
    (_engine or get()).push(fn, reads, writes, ctx, kind, inline, name, replaces)


def wait_for_var(var):
    get().wait_for_var(var)


def wait_all():
    get().wait_all()


class bulk:
    """``with mx.engine.bulk(n):`` -- accepted for compatibility; ops are already batched cheaply."""

    def __init__(self, size):
        self.size = size

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_bulk_size = 15


def set_bulk_size(size):
    """Set the bulk size; returns the previous one (kept for API compatibility)."""
    global _bulk_size
    prev, _bulk_size = _bulk_size, size
    return prev


def _before_fork():
    if _engine is not None:
        _engine._before_fork()


def _after_fork_parent():
    if _engine is not None:
        _engine._after_fork_parent()


def _after_fork_child():
    if _engine is not None:
        _engine._after_fork_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_parent,
                        after_in_child=_after_fork_child)
