"""Shared fixtures: run selected tests under both engines."""
import pytest

import mxnet as mx


@pytest.fixture(params=["ThreadedEnginePerDevice", "NaiveEngine"])
def any_engine(request):
    """Run the test under the threaded engine and under NaiveEngine."""
    prev = type(mx.engine.get()).__name__
    mx.engine.set_engine_type(request.param)
    yield request.param
    mx.engine.set_engine_type("NaiveEngine" if prev == "NaiveEngine" else "ThreadedEnginePerDevice")
