"""Fixtures: run a test under a given engine, then restore the previous one."""
import pytest

import mxnet as mx

from .util import HANG, call_with_timeout, installed, shutdown, drain_quietly

ENGINES = ["NaiveEngine", "ThreadedEnginePerDevice", "ThreadedEnginePerDevice-2workers"]


def _swap_in(kind):
    prev = mx.engine._engine
    if prev is not None:
        # set_engine_type() waits for the old engine and raises its pending errors; drain quietly.
        call_with_timeout(drain_quietly(prev), HANG)
    eng = mx.engine.set_engine_type(kind.split("-")[0])
    if isinstance(eng, mx.engine.ThreadedEngine):
        # Set before first use (pools are created lazily), independent of the caller's env.
        eng.cpu_workers = 2 if kind.endswith("-2workers") else 1
    return prev, eng


def _restore(prev, eng):
    call_with_timeout(drain_quietly(eng), HANG)
    mx.engine._engine = prev
    shutdown(eng)


@pytest.fixture(params=ENGINES)
def engine(request):
    """Each test runs under NaiveEngine, the threaded engine (1 worker per context) and the threaded
    engine with 2 CPU workers; the previous engine instance comes back afterwards."""
    prev, eng = _swap_in(request.param)
    try:
        yield eng
    finally:
        _restore(prev, eng)


@pytest.fixture(params=ENGINES[1:])
def threaded(request):
    """Threaded engines only (1 and 2 CPU workers)."""
    prev, eng = _swap_in(request.param)
    try:
        yield eng
    finally:
        _restore(prev, eng)


@pytest.fixture
def threaded1():
    """A fresh threaded engine with the default single worker per context."""
    eng = mx.engine.ThreadedEngine()
    eng.cpu_workers = 1
    with installed(eng):
        yield eng
