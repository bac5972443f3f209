import pytest

import mxnet as mx


@pytest.fixture(autouse=True)
def np_mode():
    """Every test here runs with npx.set_np() on and leaves the flags off."""
    mx.npx.set_np()
    yield
    mx.npx.reset_np()
