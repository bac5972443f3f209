"""The main job, examples/image_classification/train_mnist.py, on the real MNIST."""
import importlib.util
import os

import pytest

PATH = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "image_classification", "train_mnist.py")


def _module():
    spec = importlib.util.spec_from_file_location("train_mnist", PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_one_epoch_and_checkpoint_resume(tmp_path):
    mod = _module()
    prefix = str(tmp_path / "mlp")
    acc = mod.main(["--num-epochs", "1", "--model-prefix", prefix, "--disp-batches", "1000"])
    assert acc > 0.93
    assert os.path.exists(prefix + "-symbol.json") and os.path.exists(prefix + "-0001.params")
    acc2 = mod.main(["--num-epochs", "2", "--model-prefix", prefix, "--load-epoch", "1", "--disp-batches", "1000"])
    assert acc2 > acc - 0.01


@pytest.mark.slow
def test_mlp_reaches_97_5_percent_in_10_epochs():
    assert _module().main(["--network", "mlp", "--num-epochs", "10", "--disp-batches", "1000"]) >= 0.975
