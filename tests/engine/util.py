"""Helpers for the engine tests: installing engines, bounded waits, slow engine ops."""
import contextlib
import threading
import time

import mxnet as mx

#: How long any single wait in these tests may take before we call it a hang.
HANG = 10.0


def call_with_timeout(fn, timeout=HANG):
    """Run ``fn()`` in a daemon thread. Returns ``(finished, result, exception)``.

    A hang shows up as ``finished == False`` instead of blocking the test run forever."""
    box = {}

    def target():
        try:
            box["result"] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            box["exc"] = e

    t = threading.Thread(target=target, daemon=True)
    t.start()
    t.join(timeout)
    return (not t.is_alive()), box.get("result"), box.get("exc")


def must_finish(fn, timeout=HANG):
    """``fn()`` with a hang guard: fails the test if it does not return within ``timeout``;
    re-raises what ``fn`` raised."""
    finished, result, exc = call_with_timeout(fn, timeout)
    assert finished, "hang: {} did not return within {} s".format(getattr(fn, "__name__", fn), timeout)
    if exc is not None:
        raise exc
    return result


def shutdown(eng):
    """Best effort: stop the worker threads of a ThreadedEngine made by a test."""
    lanes = getattr(eng, "_lanes", None)
    if not lanes:
        return
    for lane in {id(l): l for l in lanes.values()}.values():
        for _ in range(eng._nworkers(lane.key)):
            lane.queue.put(None)


@contextlib.contextmanager
def installed(eng):
    """Make ``eng`` the process-wide engine for the duration of the block, then restore the
    previous engine *instance* (mx.engine has no public setter for an instance)."""
    prev = mx.engine._engine
    if prev is not None:
        call_with_timeout(drain_quietly(prev), HANG)
    mx.engine._engine = eng
    try:
        yield eng
    finally:
        call_with_timeout(drain_quietly(eng), HANG)
        mx.engine._engine = prev
        if eng is not prev:
            shutdown(eng)


def drain_quietly(eng):
    def fn():
        try:
            eng.wait_all()
        except mx.MXNetError:
            pass
    return fn


def is_threaded(eng):
    return isinstance(eng, mx.engine.ThreadedEngine)


def slow_write(arr, value, delay):
    """Push an engine op that sleeps ``delay`` s, then fills ``arr`` (or its view) with ``value``."""
    def fn():
        time.sleep(delay)
        arr._read()[...] = value
    mx.engine.push(fn, reads=[], writes=[arr._var], ctx=arr.context, name="test_slow_write")


def slow_read(arr, delay, into):
    """Push an engine op that sleeps ``delay`` s, then appends a copy of ``arr``'s values to ``into``."""
    def fn():
        time.sleep(delay)
        into.append(arr._read().copy())
    mx.engine.push(fn, reads=[arr._var], writes=[], ctx=arr.context, name="test_slow_read")
