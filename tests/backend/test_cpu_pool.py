"""The CPU memory pool (glibc mallopt): enabled at import, opt-out through the environment."""
import ctypes.util
import subprocess
import sys

import pytest

from mxnet.backend import cpu_pool

_GLIBC = sys.platform.startswith("linux") and ctypes.util.find_library("c") is not None


def _configured_in_fresh_process(env_extra):
    import os
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env.pop("MXNET_CPU_MEM_POOL_TYPE", None)
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", "import mxnet; print(mxnet._cpu_pool._configured)"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not _GLIBC, reason="the pool tunes glibc malloc; this platform has another libc")
def test_pool_enabled_at_import():
    assert _configured_in_fresh_process({}) == "True"


@pytest.mark.parametrize("env", [{"MXNET_CPU_MEM_POOL_TYPE": "Unpooled"},
                                 {"MALLOC_TRIM_THRESHOLD_": "131072"},
                                 {"MALLOC_MMAP_THRESHOLD_": "131072"}])
def test_opt_out_leaves_malloc_alone(env):
    assert _configured_in_fresh_process(env) == "False"


def test_configure_is_idempotent():
    first = cpu_pool.configure_from_env()
    assert cpu_pool.configure_from_env({"MXNET_CPU_MEM_POOL_TYPE": "Unpooled"}) is first
