"""GPU tests: they run on a machine with CuPy and an NVIDIA GPU (tools/gpu_check.sh) and skip
everywhere else."""
import importlib.util

import pytest

WHY = "needs CuPy and an NVIDIA GPU (run tools/gpu_check.sh on a GPU machine)"


def require_gpu():
    """Skip the calling test module unless CuPy and a GPU are present (CuPy's absence is decided
    before importing mxnet, so the skip takes milliseconds); returns the ``mxnet`` module."""
    if importlib.util.find_spec("cupy") is None:
        pytest.skip(WHY, allow_module_level=True)
    import mxnet as mx
    if mx.context.num_gpus() == 0:
        pytest.skip(WHY, allow_module_level=True)
    return mx
