"""The seed's programs run as shipped in examples/seed/ (MNIST ones are slow end-to-end tests)."""
import os
import runpy
import sys

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SEED = os.path.join(ROOT, "examples", "seed")


def test_ndarray_basics_runs(capsys):
    runpy.run_path(os.path.join(SEED, "ndarray_basics.py"), run_name="__main__")
    assert capsys.readouterr().out.strip().endswith("ok")


@pytest.fixture
def seed_path():
    sys.path.insert(0, SEED)
    yield
    sys.path.remove(SEED)


@pytest.mark.slow
def test_mnist_executor_reaches_97_percent(seed_path):
    import mnist_executor
    acc = mnist_executor.main(epochs=10, verbose=False)
    assert acc >= 0.97, acc
