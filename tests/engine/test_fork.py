"""os.fork() with pending engine work: the child computes correctly, the parent carries on.

The child always leaves through os._exit (never returns into pytest) and arms SIGALRM so that a
hang kills it; the parent polls waitpid with a deadline and kills a child that overstays.
"""
import os
import signal
import sys
import threading
import time
import traceback

import numpy as np
import pytest

import mxnet as mx

from .util import HANG, must_finish, slow_write

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

CHILD_ALARM = 10        # seconds before SIGALRM kills a hung child
HUNG = 3                # exit status a child uses for "a wait did not return"


def _fork_and_check(child):
    """Fork; run ``child()`` in the child (its int return value is the exit status, an exception
    is status 2); return the child's exit status in the parent (-signal if it was killed)."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:   # child
        status = 1
        try:
            signal.alarm(CHILD_ALARM)
            status = child()
        except BaseException:  # noqa: BLE001 - report and exit, never return into pytest
            traceback.print_exc()
            status = 2
        finally:
            os._exit(status)
    return pid


def _wait_child(pid, timeout=20):
    deadline = time.time() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("forked child hung")
        time.sleep(0.01)
    if os.WIFSIGNALED(status):
        return -os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _child_work():
    """What the child does: fresh arrays, inline-size and queued-size ops, engine pushes, syncs."""
    a = mx.nd.ones((5,))
    b = mx.nd.arange(5)
    c = a + b
    x = mx.nd.zeros((3,))
    for _ in range(100):
        x += 1
    big = mx.nd.ones((20000,))
    for _ in range(10):
        big = big * 2                       # queued-size: needs the child's own worker threads
    done = []
    v = mx.engine.new_var()
    mx.engine.push(lambda: (time.sleep(0.05), done.append(1)), writes=[v], ctx=mx.cpu(1))
    mx.engine.wait_for_var(v)
    ok = (np.array_equal(c.asnumpy(), [1, 2, 3, 4, 5])
          and np.array_equal(x.asnumpy(), [100, 100, 100])
          and np.array_equal(big.asnumpy(), np.full(20000, 1024.0))
          and done == [1])
    mx.nd.waitall()
    return 0 if ok else 1


def test_fork_with_pending_work(engine):
    a = mx.nd.zeros((4,))
    slow_write(a, 5.0, 0.3)                 # pending (threaded engines) when we fork
    b = a + 1
    big = mx.nd.ones((20000,))
    for _ in range(5):
        big = big + 1

    def child():
        # Work pushed before the fork is finished and visible in the child.
        if not np.array_equal(b.asnumpy(), np.full(4, 6.0)):
            return 10
        if not np.array_equal(big.asnumpy(), np.full(20000, 6.0)):
            return 11
        return _child_work()
    pid = _fork_and_check(child)
    # The parent keeps working while (and after) the child runs.
    c = b * 2
    for _ in range(50):
        c += 1
    np.testing.assert_array_equal(must_finish(c.asnumpy), np.full(4, 62.0))
    assert _wait_child(pid) == 0
    np.testing.assert_array_equal(must_finish(big.asnumpy), np.full(20000, 6.0))
    must_finish(mx.nd.waitall)


def test_fork_twice_and_fork_from_child(engine):
    x = mx.nd.ones((3,))
    x += 1

    def grandchild():
        y = x * 10
        return 0 if np.array_equal(y.asnumpy(), [70, 70, 70]) else 1

    def child():
        slow_write(x, 7.0, 0.1)
        pid = _fork_and_check(grandchild)
        if _wait_child(pid, timeout=CHILD_ALARM - 2) != 0:   # the fork drained: grandchild sees 7
            return 20
        return _child_work()
    for _ in range(2):
        assert _wait_child(_fork_and_check(child)) == 0


def test_error_pushed_before_fork_is_seen_in_child_and_parent(engine):
    """An error pushed before the fork is reported in the child at the failed array's sync point,
    and the child goes on computing; the parent gets its own copy of the error."""
    v = mx.engine.new_var()

    def fail():
        raise ValueError("pre-fork failure")
    mx.engine.push(fail, writes=[v], ctx=mx.cpu())

    def child():
        try:
            mx.engine.wait_for_var(v)
            return 30
        except mx.MXNetError:
            pass
        mx.nd.waitall()
        return _child_work()
    pid = _fork_and_check(child)
    with pytest.raises(mx.MXNetError, match="pre-fork failure"):
        must_finish(lambda: mx.engine.wait_for_var(v))
    assert _wait_child(pid) == 0


def test_push_racing_with_fork_does_not_hang_the_child(threaded1, monkeypatch):
    """Another Python thread pushes an op in the window between the engine's pre-fork drain and the
    fork itself (simulated deterministically by wrapping ``_before_fork``). The child must not
    inherit a forever-pending op: waiting on that array in the child must return or raise, not hang.
    A fix that holds the engine lock from the drain until after the fork passes this test."""
    eng = threaded1
    a = mx.nd.zeros((3,))
    racer_done = threading.Event()
    orig = eng._before_fork

    def before_fork():
        orig()

        def racer():
            slow_write(a, 9.0, 0.5)
            racer_done.set()
        t = threading.Thread(target=racer, daemon=True)
        t.start()
        t.join(0.5)        # if the engine holds its lock over the fork, the racer blocks: fine
    monkeypatch.setattr(eng, "_before_fork", before_fork)

    def child():
        finished = threading.Event()

        def wait():
            try:
                mx.engine.wait_for_var(a._var)
            except mx.MXNetError:
                pass
            finished.set()
        threading.Thread(target=wait, daemon=True).start()
        return 0 if finished.wait(2) else HUNG
    pid = _fork_and_check(child)
    monkeypatch.setattr(eng, "_before_fork", orig)
    status = _wait_child(pid)
    assert racer_done.wait(HANG)
    np.testing.assert_array_equal(must_finish(a.asnumpy), np.full(3, 9.0))
    assert status == 0
