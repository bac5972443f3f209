"""The dependency engine: ordering, laziness, concurrency, errors, bounded memory, threads.

Most tests run under every engine (the ``engine`` fixture: NaiveEngine, the threaded engine with one
worker per context, and with two CPU workers). Ordering tests place conflicting ops on different
contexts as well, so that a FIFO queue alone cannot make them pass: only dependency tracking can.
Every wait that could hang goes through ``must_finish`` (a thread joined with a timeout).
"""
import itertools
import os
import random
import subprocess
import sys
import threading
import time
import tracemalloc

import numpy as np
import pytest

import mxnet as mx
from mxnet.ops.registry import get_op

from .util import (HANG, call_with_timeout, drain_quietly, is_threaded, must_finish, shutdown,
                   slow_read, slow_write)

push = mx.engine.push
new_var = mx.engine.new_var

PLACEMENTS = {"same-ctx": (mx.cpu(0), mx.cpu(0)), "cross-ctx": (mx.cpu(0), mx.cpu(1))}


def _logger(log, tag, delay=0.0):
    def fn():
        if delay:
            time.sleep(delay)
        log.append(tag)
    return fn


def _fail(msg="bad kernel"):
    def fn():
        raise ValueError(msg)
    return fn


# ---------------------------------------------------------------------------------------------
# Ordering
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("placement", list(PLACEMENTS))
@pytest.mark.parametrize("first,second", [("write", "read"), ("read", "write"), ("write", "write")],
                         ids=["RAW", "WAR", "WAW"])
def test_conflicting_ops_run_in_push_order(engine, placement, first, second):
    v = new_var()
    log = []
    c1, c2 = PLACEMENTS[placement]
    for tag, kind, ctx, delay in (("1", first, c1, 0.05), ("2", second, c2, 0.0)):
        rw = {"reads": [v]} if kind == "read" else {"writes": [v]}
        push(_logger(log, tag, delay), ctx=ctx, **rw)
    must_finish(mx.engine.wait_all)
    assert log == ["1", "2"]


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_write_waits_for_all_earlier_reads_and_reads_wait_for_write(engine, placement):
    v = new_var()
    log = []
    c1, c2 = PLACEMENTS[placement]
    push(_logger(log, "w1", 0.03), writes=[v], ctx=c1)
    push(_logger(log, "r1", 0.03), reads=[v], ctx=c2)
    push(_logger(log, "r2", 0.03), reads=[v], ctx=c1)
    push(_logger(log, "w2"), writes=[v], ctx=c2)
    push(_logger(log, "r3"), reads=[v], ctx=c1)
    must_finish(mx.engine.wait_all)
    assert log[0] == "w1" and sorted(log[1:3]) == ["r1", "r2"] and log[3:] == ["w2", "r3"]


def test_random_op_sequence_respects_every_conflict(engine):
    """200 ops over 3 vars and 2 contexts with tiny random sleeps: every pair of conflicting ops
    (same var, at least one writes) must not overlap and must finish in push order."""
    rng = random.Random(0)
    nvars = 3
    vs = [new_var() for _ in range(nvars)]
    clock = itertools.count()
    spans = {}
    ops = []
    for i in range(200):
        reads = [j for j in range(nvars) if rng.random() < 0.4]
        writes = [j for j in range(nvars) if j not in reads and rng.random() < 0.3]
        if not reads and not writes:
            writes = [rng.randrange(nvars)]
        delay = rng.choice([0.0, 0.0, 0.0005, 0.001])
        ctx = rng.choice([mx.cpu(0), mx.cpu(1)])

        def fn(i=i, delay=delay):
            start = next(clock)
            if delay:
                time.sleep(delay)
            spans[i] = (start, next(clock))
        push(fn, reads=[vs[j] for j in reads], writes=[vs[j] for j in writes], ctx=ctx)
        ops.append((set(reads), set(writes)))
    must_finish(mx.engine.wait_all)
    assert len(spans) == len(ops)
    for i, (ri, wi) in enumerate(ops):
        for j in range(i + 1, len(ops)):
            rj, wj = ops[j]
            if wi & (rj | wj) or ri & wj:
                assert spans[i][1] < spans[j][0], "op {} overlaps/overtakes conflicting op {}".format(i, j)


def test_views_share_the_engine_var():
    a = mx.nd.zeros((6, 2))
    assert a[1:3]._var is a._var
    assert a[2]._var is a._var
    assert a.reshape((3, 4))._var is a._var
    assert a[1:3].reshape((4,))._var is a._var
    assert mx.nd.zeros((6, 2))._var is not a._var


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_engine_ops_on_a_view_var_are_ordered(engine, placement):
    """Writes through ``b = a[1:3]`` and reads through ``a`` are one variable for the engine."""
    a = mx.nd.zeros((6,))
    b = a[1:3]
    c1, c2 = PLACEMENTS[placement]
    seen = []

    def write_b():
        time.sleep(0.05)
        b._read()[...] = 7

    def read_a():
        seen.append(a._read().copy())

    def write_a():
        a._read()[...] = 1
    push(write_b, writes=[b._var], ctx=c1)
    push(read_a, reads=[a._var], ctx=c2)
    push(write_a, writes=[a._var], ctx=c1)     # WAR: must not overtake read_a
    must_finish(mx.engine.wait_all)
    np.testing.assert_array_equal(seen[0], [0, 7, 7, 0, 0, 0])
    np.testing.assert_array_equal(a.asnumpy(), np.ones(6))


@pytest.mark.parametrize("n", [6, 20000], ids=["inline-size", "queued-size"])
def test_ndarray_ops_through_views_are_ordered(engine, n):
    a = mx.nd.zeros((n,))
    slow_write(a, 1.0, 0.05)          # everything below queues behind it on the threaded engines
    b = a[1:3]
    b[:] = 7
    c = a * 1                           # RAW after a write through a view
    b += 1
    r = a.reshape((n // 2, 2))
    r += 10                             # write through a reshape view
    d = a * 1
    a[0:1] = -1
    exp_c = np.ones(n, np.float32)
    exp_c[1:3] = 7
    exp_d = exp_c.copy()
    exp_d[1:3] += 1
    exp_d += 10
    exp_a = exp_d.copy()
    exp_a[0] = -1
    np.testing.assert_array_equal(must_finish(c.asnumpy), exp_c)
    np.testing.assert_array_equal(must_finish(d.asnumpy), exp_d)
    np.testing.assert_array_equal(must_finish(a.asnumpy), exp_a)
    np.testing.assert_array_equal(must_finish(b.asnumpy), exp_a[1:3])


def test_ndarray_write_after_read_through_view(engine):
    a = mx.nd.ones((4,))
    seen = []
    slow_read(a[1:3], 0.05, seen)       # a slow reader of a view ...
    a[:] = 5                            # ... must finish before this write replaces the storage
    b = a[1:3]
    b += 1
    np.testing.assert_array_equal(must_finish(a.asnumpy), [5, 6, 6, 5])
    must_finish(mx.engine.wait_all)
    np.testing.assert_array_equal(seen[0], [1, 1])


def test_ndarray_ordering_across_contexts(engine):
    a = mx.nd.zeros((5,), ctx=mx.cpu(0))
    slow_write(a, 3.0, 0.05)
    b = a.copyto(mx.cpu(1))            # copy queue of cpu(1) reads a var written on cpu(0)
    b += 1
    a += 100                            # WAR against the copy
    np.testing.assert_array_equal(must_finish(b.asnumpy), np.full(5, 4.0))
    np.testing.assert_array_equal(must_finish(a.asnumpy), np.full(5, 103.0))


# ---------------------------------------------------------------------------------------------
# Laziness: push returns at once, sync points wait
# ---------------------------------------------------------------------------------------------
def test_push_of_slow_op_returns_immediately_and_wait_for_var_waits(threaded):
    v = new_var()
    done = []
    t0 = time.perf_counter()
    push(_logger(done, "x", 0.3), writes=[v], ctx=mx.cpu())
    assert time.perf_counter() - t0 < 0.05
    assert done == []
    must_finish(lambda: mx.engine.wait_for_var(v))
    assert done == ["x"]
    assert time.perf_counter() - t0 >= 0.25


def test_ndarray_ops_are_lazy_until_asnumpy(threaded):
    a = mx.nd.zeros((4,))
    t0 = time.perf_counter()
    slow_write(a, 2.0, 0.3)
    b = a * 3                           # queued behind the slow write
    b += 1
    assert time.perf_counter() - t0 < 0.05
    np.testing.assert_array_equal(must_finish(b.asnumpy), np.full(4, 7.0))
    assert time.perf_counter() - t0 >= 0.25


def test_waitall_waits_for_everything(threaded):
    done = []
    t0 = time.perf_counter()
    for i, ctx in enumerate([mx.cpu(0), mx.cpu(1), mx.cpu(0)]):
        push(_logger(done, i, 0.1), writes=[new_var()], ctx=ctx)
    assert time.perf_counter() - t0 < 0.05 and done == []
    must_finish(mx.nd.waitall)
    assert sorted(done) == [0, 1, 2]


def test_wait_for_var_waits_only_for_that_var(threaded):
    slow, fast = new_var(), new_var()
    push(_logger([], "s", 0.5), writes=[slow], ctx=mx.cpu(1))
    push(_logger([], "f"), writes=[fast], ctx=mx.cpu(0))
    push(_logger([], "r", 0.5), reads=[fast], ctx=mx.cpu(1))   # a pending read of fast
    t0 = time.perf_counter()
    must_finish(lambda: mx.engine.wait_for_var(fast))
    assert time.perf_counter() - t0 < 0.3   # neither the other var nor pending reads are waited for
    must_finish(mx.engine.wait_all)


def _drained_engine():
    """The current engine instance, after finishing its work (its errors are dropped), so that
    set_engine_type() below does not raise an earlier test's error."""
    prev = mx.engine._engine
    if prev is not None:
        call_with_timeout(drain_quietly(prev))
    return prev


def test_naive_engine_runs_ops_inside_push():
    prev = _drained_engine()
    try:
        eng = mx.engine.set_engine_type("NaiveEngine")
        assert type(mx.engine.get()).__name__ == "NaiveEngine"
        done = []
        push(_logger(done, "x", 0.05), writes=[new_var()], ctx=mx.cpu())
        assert done == ["x"]
        a = mx.nd.ones((20000,))
        b = a + 1
        assert b._chunk.data is not None   # computed already, no sync needed
    finally:
        mx.engine._engine = prev


@pytest.mark.parametrize("env_value,expected,lazy", [
    ("NaiveEngine", "NaiveEngine", False),
    ("ThreadedEnginePerDevice", "ThreadedEngine", True),
    (None, "ThreadedEngine", True),
])
def test_engine_type_from_environment(env_value, expected, lazy):
    code = (
        "import time, mxnet as mx\n"
        "print(type(mx.engine.get()).__name__)\n"
        "done = []\n"
        "mx.engine.push(lambda: (time.sleep(0.2), done.append(1)), writes=[mx.engine.new_var()],"
        " ctx=mx.cpu())\n"
        "print(len(done))\n"
        "a = mx.nd.ones((3,)); b = a + a; print(b.asnumpy().tolist())\n"
        "mx.nd.waitall()\n")
    env = dict(os.environ)
    env.pop("MXNET_ENGINE_TYPE", None)
    if env_value is not None:
        env["MXNET_ENGINE_TYPE"] = env_value
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split()
    assert lines[0] == expected
    assert lines[1] == ("0" if lazy else "1")


def test_set_engine_type_names():
    prev = _drained_engine()
    try:
        assert isinstance(mx.engine.set_engine_type("NaiveEngine"), mx.engine.NaiveEngine)
        assert isinstance(mx.engine.set_engine_type("ThreadedEnginePerDevice"), mx.engine.ThreadedEngine)
        assert isinstance(mx.engine.set_engine_type("ThreadedEngine"), mx.engine.ThreadedEngine)
        with pytest.raises(mx.MXNetError):
            mx.engine.set_engine_type("NoSuchEngine")
    finally:
        mx.engine._engine = prev


def test_bulk_api_is_accepted(engine):
    prev = mx.engine.set_bulk_size(30)
    try:
        assert mx.engine.set_bulk_size(prev) == 30
        with mx.engine.bulk(10):
            x = mx.nd.zeros((3,))
            for _ in range(20):
                x += 1
        np.testing.assert_array_equal(must_finish(x.asnumpy), np.full(3, 20.0))
    finally:
        mx.engine.set_bulk_size(prev)


# ---------------------------------------------------------------------------------------------
# Concurrency
# ---------------------------------------------------------------------------------------------
def _handshake_ops(n=2, timeout=3.0):
    """n functions that each wait at one barrier: they all succeed only if they run concurrently."""
    barrier = threading.Barrier(n, timeout=timeout)
    return [barrier.wait for _ in range(n)]


@pytest.mark.parametrize("how", ["env", "attribute"])
def test_two_cpu_workers_run_independent_ops_concurrently(monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("MXNET_CPU_WORKER_NTHREADS", "2")
        eng = mx.engine.ThreadedEngine()
        assert eng.cpu_workers == 2
    else:
        monkeypatch.delenv("MXNET_CPU_WORKER_NTHREADS", raising=False)
        eng = mx.engine.ThreadedEngine()
        eng.cpu_workers = 2
    try:
        v1, v2 = eng.new_var(), eng.new_var()
        f1, f2 = _handshake_ops()
        eng.push(f1, writes=[v1], ctx=mx.cpu())
        eng.push(f2, writes=[v2], ctx=mx.cpu())
        must_finish(eng.wait_all)          # a BrokenBarrierError would surface here as MXNetError
    finally:
        shutdown(eng)


def test_two_workers_run_concurrent_reads_of_one_var(monkeypatch):
    monkeypatch.setenv("MXNET_CPU_WORKER_NTHREADS", "2")
    eng = mx.engine.ThreadedEngine()
    try:
        v = eng.new_var()
        log = []
        f1, f2 = _handshake_ops()
        eng.push(lambda: (f1(), log.append("r1")), reads=[v], ctx=mx.cpu())
        eng.push(lambda: (f2(), log.append("r2")), reads=[v], ctx=mx.cpu())
        eng.push(_logger(log, "w"), writes=[v], ctx=mx.cpu())
        must_finish(eng.wait_all)
        assert sorted(log[:2]) == ["r1", "r2"] and log[2] == "w"
    finally:
        shutdown(eng)


def test_ops_on_different_contexts_run_concurrently(threaded1):
    f1, f2 = _handshake_ops()
    push(f1, writes=[new_var()], ctx=mx.cpu(0))
    push(f2, writes=[new_var()], ctx=mx.cpu(1))
    must_finish(mx.engine.wait_all)


def test_ndarray_work_on_two_contexts_overlaps(threaded1):
    """NDArray-level: while cpu(0) is blocked in a long op, cpu(1) keeps computing."""
    gate = threading.Event()
    a = mx.nd.zeros((3,), ctx=mx.cpu(0))
    push(lambda: gate.wait(HANG), writes=[a._var], ctx=mx.cpu(0))
    b = mx.nd.ones((20000,), ctx=mx.cpu(1))
    for _ in range(5):
        b = b * 2
    try:
        np.testing.assert_array_equal(must_finish(b.asnumpy, timeout=3), np.full(20000, 32.0))
    finally:
        gate.set()
    must_finish(a.asnumpy)


# ---------------------------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------------------------
def test_error_surfaces_at_wait_for_var_only_once_overall(engine):
    v = new_var()
    push(_fail("bad kernel 1"), writes=[v], ctx=mx.cpu())     # push itself never raises
    with pytest.raises(mx.MXNetError, match="bad kernel 1"):
        must_finish(lambda: mx.engine.wait_for_var(v))
    must_finish(mx.engine.wait_all)                             # already reported: not again


def test_error_surfaces_at_waitall_once(engine):
    push(_fail("bad kernel 2"), writes=[new_var()], ctx=mx.cpu())
    with pytest.raises(mx.MXNetError, match="bad kernel 2"):
        must_finish(mx.nd.waitall)
    must_finish(mx.nd.waitall)


def test_error_message_names_the_operator(engine):
    v = new_var()
    push(_fail("oops"), writes=[v], ctx=mx.cpu(), name="my_op")
    with pytest.raises(mx.MXNetError) as ei:
        must_finish(lambda: mx.engine.wait_for_var(v))
    assert "my_op" in str(ei.value) and "ValueError" in str(ei.value) and "oops" in str(ei.value)


@pytest.mark.parametrize("placement", list(PLACEMENTS))
def test_dependents_of_a_failed_op_fail_and_do_not_run(engine, placement):
    c1, c2 = PLACEMENTS[placement]
    v, w, u = new_var(), new_var(), new_var()
    ran = []
    push(lambda: (time.sleep(0.03), _fail("upstream")()), writes=[v], ctx=c1)
    push(_logger(ran, "w"), reads=[v], writes=[w], ctx=c2)
    push(_logger(ran, "u"), reads=[w], writes=[u], ctx=c1)
    with pytest.raises(mx.MXNetError, match="upstream"):
        must_finish(lambda: mx.engine.wait_for_var(u))
    assert ran == []
    must_finish(mx.engine.wait_all)      # the one error was raised already


def test_engine_keeps_working_after_errors(engine):
    bad = new_var()
    ok = new_var()
    log = []
    push(_fail("boom"), writes=[bad], ctx=mx.cpu())
    push(_logger(log, "independent"), writes=[ok], ctx=mx.cpu())
    with pytest.raises(mx.MXNetError, match="boom"):
        must_finish(mx.engine.wait_all)
    for i in range(50):
        push(_logger(log, i), reads=[ok], writes=[new_var()], ctx=mx.cpu(i % 2))
    must_finish(mx.engine.wait_all)
    assert log[0] == "independent" and sorted(log[1:]) == list(range(50))
    push(_logger(log, "rewrite"), writes=[bad], ctx=mx.cpu())   # a fresh write clears the var
    must_finish(lambda: mx.engine.wait_for_var(bad))


def test_many_failing_ops_do_not_hang_or_leak(engine):
    vs = [new_var() for _ in range(200)]
    for v in vs:
        push(_fail("x"), writes=[v], ctx=mx.cpu())
    with pytest.raises(mx.MXNetError):
        must_finish(mx.engine.wait_all)
    must_finish(mx.engine.wait_all)     # only the first error is raised
    if is_threaded(engine):
        assert engine._total == 0


@pytest.fixture
def broken_erfinv(monkeypatch):
    """Make the ``erfinv`` kernel fail at run time (shape/type inference still succeed)."""
    op = get_op("erfinv")
    mode = {"kind": "raise"}

    def forward(env, attrs, inputs, aux):
        if mode["kind"] == "raise":
            raise FloatingPointError("kernel exploded")
        return (env.xp.zeros((7,), dtype=inputs[0].dtype),)    # wrong size: caught by the invoker
    monkeypatch.setattr(op, "forward", forward)
    return mode


@pytest.mark.parametrize("kind", ["raise", "bad-shape"])
@pytest.mark.parametrize("n", [4, 20000], ids=["inline-size", "queued-size"])
def test_ndarray_kernel_failure_surfaces_at_sync_points(engine, broken_erfinv, kind, n):
    broken_erfinv["kind"] = kind
    x = mx.nd.ones((n,))
    y = mx.nd.erfinv(x)                 # no error at the call: the kernel runs later
    z = y + 1                           # depends on the failed output
    w = x + 1                           # independent
    with pytest.raises(mx.MXNetError, match="erfinv"):
        must_finish(y.asnumpy)
    with pytest.raises(mx.MXNetError, match="erfinv"):
        must_finish(z.asnumpy)
    np.testing.assert_array_equal(must_finish(w.asnumpy), np.full(n, 2.0))
    must_finish(mx.nd.waitall)          # both were raised already
    np.testing.assert_array_equal(must_finish((x * 3).asnumpy), np.full(n, 3.0))


def test_ndarray_kernel_failure_surfaces_at_waitall(engine, broken_erfinv):
    x = mx.nd.ones((4,))
    mx.nd.erfinv(x)
    with pytest.raises(mx.MXNetError, match="kernel exploded"):
        must_finish(mx.nd.waitall)
    must_finish(mx.nd.waitall)
    np.testing.assert_array_equal(must_finish((x + x).asnumpy), np.full(4, 2.0))


@pytest.mark.parametrize("n", [4, 20000], ids=["inline-size", "queued-size"])
def test_in_place_op_on_failed_array_fails_at_its_sync_point(engine, broken_erfinv, n, request):
    """``y`` failed in place; ``y += 1`` reads it, so y.asnumpy() must raise (it does in MXNet 1.9.1
    under both engines)."""
    x = mx.nd.ones((n,))
    y = mx.nd.ones((n,))
    mx.nd.erfinv(x, out=y)
    y += 1
    with pytest.raises(mx.MXNetError, match="erfinv"):
        must_finish(y.asnumpy)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_worker_raising_system_exit_does_not_hang():
    """A fn that raises SystemExit on a worker must not kill the worker and leave waiters hanging."""
    eng = mx.engine.ThreadedEngine()
    v = eng.new_var()

    def fn():
        raise SystemExit(3)
    eng.push(fn, writes=[v], ctx=mx.cpu())
    finished, _, exc = call_with_timeout(lambda: eng.wait_for_var(v), timeout=2)
    assert finished, "SystemExit in an op must not kill the worker and leave waiters hanging"
    later = eng.new_var()
    eng.push(lambda: None, writes=[later], ctx=mx.cpu())
    assert call_with_timeout(lambda: eng.wait_for_var(later), timeout=2)[0]
    shutdown(eng)


# ---------------------------------------------------------------------------------------------
# Bounded pending work
# ---------------------------------------------------------------------------------------------
def test_100k_tiny_ops_without_sync_stay_bounded(threaded1):
    eng = threaded1
    bound = eng.max_pending
    x = mx.nd.zeros((10,))
    key = (x.context, "compute")
    slow_write(x, 0.0, 0.3)          # the first ops queue up behind this one until the bound is hit
    peak_pending = peak_total = 0
    t0 = time.perf_counter()
    for _ in range(100_000):
        x += 1
        p = eng.pending(*key)
        if p > peak_pending:
            peak_pending = p
        t = eng._total
        if t > peak_total:
            peak_total = t
    elapsed = time.perf_counter() - t0
    np.testing.assert_array_equal(must_finish(x.asnumpy), np.full(10, 100_000.0))
    assert peak_pending == bound, (peak_pending, bound)   # reached, never exceeded
    assert peak_total <= bound
    assert elapsed < 20, elapsed


def test_push_blocks_when_queue_is_full_and_resumes():
    eng = mx.engine.ThreadedEngine()
    eng.cpu_workers = 1
    eng.max_pending = 32
    key = (mx.cpu(), "compute")
    gate = threading.Event()
    count = []
    v = eng.new_var()
    eng.push(lambda: gate.wait(HANG), writes=[v], ctx=mx.cpu())

    def pusher():
        for i in range(500):
            eng.push(lambda i=i: count.append(i), reads=[v], writes=[eng.new_var()], ctx=mx.cpu())
    t = threading.Thread(target=pusher, daemon=True)
    t.start()
    try:
        deadline = time.time() + 5
        while eng.pending(*key) < 32 and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)
        assert t.is_alive(), "push did not block on a full queue"
        assert eng.pending(*key) == 32 and count == []
    finally:
        gate.set()
    t.join(HANG)
    assert not t.is_alive()
    must_finish(eng.wait_all)
    assert count == list(range(500)) or sorted(count) == list(range(500))
    shutdown(eng)


def test_ops_pushed_from_a_worker_do_not_deadlock_on_a_full_queue():
    eng = mx.engine.ThreadedEngine()
    eng.cpu_workers = 1
    eng.max_pending = 4
    done = []

    def parent():
        for i in range(50):
            eng.push(lambda i=i: done.append(i), writes=[eng.new_var()], ctx=mx.cpu())
    eng.push(parent, writes=[eng.new_var()], ctx=mx.cpu())
    must_finish(eng.wait_all, timeout=5)
    assert sorted(done) == list(range(50))
    shutdown(eng)


def _peak_traced(eng, n, item_bytes, hold):
    """Peak traced memory while pushing n ops that each hold a fresh item_bytes input, queued
    behind a blocker op (no sync in the loop). The blocker runs until ``hold`` seconds passed or
    the loop finished, whichever is later."""
    x = mx.nd.zeros((item_bytes // 4,))
    src = np.ones(item_bytes // 4, np.float32)
    gate = threading.Event()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        push(lambda: gate.wait(hold), writes=[x._var], ctx=x.context)
        for _ in range(n):
            y = mx.nd.array(src) + x        # y's op holds its fresh input until it runs
        del y
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        gate.set()
        tracemalloc.stop()
    must_finish(eng.wait_all)
    return peak


def test_peak_memory_is_bounded_without_sync(threaded1):
    eng = threaded1
    item = 100_000
    eng.max_pending = 16
    bounded = _peak_traced(eng, 400, item, hold=0.3)    # push blocks until the blocker is done
    eng.max_pending = 10 ** 9           # control: without the bound all 400 inputs are alive at once
    unbounded = _peak_traced(eng, 400, item, hold=HANG)
    assert unbounded > 300 * item, unbounded
    assert bounded < 60 * item, (bounded, unbounded)


# ---------------------------------------------------------------------------------------------
# Several Python threads pushing at once
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("n,iters", [(10, 2000), (20000, 200)], ids=["inline-size", "queued-size"])
def test_threads_pushing_concurrently_give_exact_results(engine, n, iters, request):
    nthreads = 4
    shared = mx.nd.zeros((n,))
    own = [mx.nd.zeros((n,)) for _ in range(nthreads)]
    errors = []

    def work(i):
        nonlocal shared
        x = own[i]
        try:
            for _ in range(iters):
                x += 1
                shared += 1
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
    ts = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(HANG * 2)
    assert not any(t.is_alive() for t in ts), "hang"
    assert errors == []
    must_finish(mx.nd.waitall)
    for x in own:
        np.testing.assert_array_equal(x.asnumpy(), np.full(n, float(iters)))
    np.testing.assert_array_equal(shared.asnumpy(), np.full(n, float(iters * nthreads)))


def test_threads_pushing_dependent_chains_through_engine(threaded):
    """Engine-level: 4 threads push read-modify-write ops on one shared counter var; each op must
    see the previous op's result (no lost updates, no overlap)."""
    v = new_var()
    state = {"value": 0, "inside": 0, "overlap": False}

    def incr():
        state["inside"] += 1
        if state["inside"] > 1:
            state["overlap"] = True
        val = state["value"]
        time.sleep(0)                    # invite a thread switch between read and write
        state["value"] = val + 1
        state["inside"] -= 1

    def work(i):
        for _ in range(500):
            push(incr, reads=[], writes=[v], ctx=mx.cpu(i % 2))
    ts = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(HANG)
    must_finish(mx.engine.wait_all)
    assert state["value"] == 2000 and not state["overlap"]


def test_op_run_inline_may_push_and_wait_for_ops():
    # a kernel run inline (under the engine lock) that itself pushes an op and waits for it must
    # not deadlock (custom kernels calling mx.nd); the lock is re-entrant
    import threading
    a = mx.nd.ones((3,))
    out = mx.nd.zeros((3,))
    a.wait_to_read()

    def kernel():
        out._chunk.data = (a + 1).asnumpy()

    result = []

    def main():
        mx.engine.push(kernel, [a._chunk.var], [out._chunk.var], mx.cpu(), inline=True, name="outer")
        mx.nd.waitall()
        result.append(out.asnumpy())

    t = threading.Thread(target=main, daemon=True)
    t.start()
    t.join(20)
    assert not t.is_alive(), "the engine deadlocked"
    np.testing.assert_array_equal(result[0], [2, 2, 2])


def test_runnable_checks_what_the_inline_path_needs():
    from mxnet import engine as eng_mod
    v, w = eng_mod.Var(), eng_mod.Var()
    assert eng_mod.runnable([v], [w])
    pending = eng_mod.Opr(lambda: None, [], [v], None, "op", [])
    v.last_write = pending
    assert not eng_mod.runnable([v])                  # a pending write of an input
    assert not eng_mod.runnable([], [v])              # ... or of an output
    pending.done = True
    reader = eng_mod.Opr(lambda: None, [w], [], None, "reader", [w])
    w.reads = [reader]
    assert eng_mod.runnable([w])                      # reading alongside a reader is fine
    assert not eng_mod.runnable([], [w])              # writing under an unfinished reader is not
    reader.done = True
    assert eng_mod.runnable([], [w]) and w.reads == ()   # finished readers are dropped
    v.exc = mx.base.MXNetError("failed")
    assert not eng_mod.runnable([v])                  # a stored error goes through the engine
