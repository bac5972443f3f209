#!/usr/bin/env bash
# Issue 7's device check: ONE script for a machine with an NVIDIA GPU and CuPy (no network needed).
# Prints the device, runs the GPU tests and the CPU-vs-MXNet-free benchmarks, writes gpu_report.txt.
# Prepared in a session without a GPU: it has not been run yet.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-.}/gpu_report.txt
{
  echo "== device"; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | head -5
  python -c "import cupy; print('cupy', cupy.__version__, 'devices', cupy.cuda.runtime.getDeviceCount())" 2>&1
  echo "== install"; pip install -q -e ".[test]" 2>&1 | tail -2
  # the 300 s of GPU tests, split so a slow first file cannot starve the second
  echo "== tests/gpu"; timeout 210 python -m pytest tests/gpu -q -x --ignore=tests/gpu/test_gpu_new_modules.py 2>&1 | tail -15
  echo "== tests/gpu/test_gpu_new_modules.py (all failures listed)"
  timeout 90 python -m pytest tests/gpu/test_gpu_new_modules.py -q -rfE --tb=line 2>&1 | tail -40
  echo "== engine and ndarray tests on the GPU machine (CPU paths)"; timeout 120 python -m pytest tests/engine tests/ndarray -q 2>&1 | tail -3
} 2>&1 | tee "$out"
