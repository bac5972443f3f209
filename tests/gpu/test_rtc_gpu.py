"""GPU checks of mx.rtc: CUDA kernels compiled at run time (through CuPy's RawModule) and launched
on NDArrays of mx.gpu(0), compared with NumPy. Skipped where CuPy or a GPU is missing; run on a
GPU machine with tools/gpu_check.sh."""
import numpy as np
import pytest

from . import require_gpu

mx = require_gpu()
from mxnet.base import MXNetError  # noqa: E402  (after the skip)
pytestmark = pytest.mark.gpu

GPU = mx.gpu(0)

SAXPY = r'''
extern "C" __global__ void saxpy(const float *x, float *y, float alpha, int n) {
    int i = threadIdx.x + blockIdx.x * blockDim.x;
    if (i < n) y[i] += alpha * x[i];
}
'''

TEMPLATED = r'''
template<typename DType>
__global__ void axpy(const DType *x, DType *y, DType alpha) {
    int i = threadIdx.x + blockIdx.x * blockDim.x;
    y[i] += alpha * x[i];
}
'''


def test_saxpy_matches_numpy():
    rs = np.random.RandomState(0)
    n = 1000
    xs, ys = rs.randn(n).astype(np.float32), rs.randn(n).astype(np.float32)
    x, y = mx.nd.array(xs, ctx=GPU), mx.nd.array(ys, ctx=GPU)
    func = mx.rtc.CudaModule(SAXPY).get_kernel("saxpy", "const float *x, float *y, float alpha, int n")
    func.launch([x, y, 3.0, n], GPU, ((n + 255) // 256, 1, 1), (256, 1, 1))
    np.testing.assert_allclose(y.asnumpy(), ys + 3.0 * xs, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(x.asnumpy(), xs)                 # const input untouched
    assert y.context == GPU
    # the launch is ordered after pending writes and before later reads
    z = y * 2
    func.launch([x, y, np.float64(-1), np.int64(n)], GPU, (4, 1, 1), (256, 1, 1))
    np.testing.assert_allclose(z.asnumpy(), 2 * (ys + 3.0 * xs), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(y.asnumpy(), ys + 2.0 * xs, rtol=1e-5, atol=1e-5)


def test_saxpy_on_slices_of_arrays():
    base = mx.nd.zeros((4, 8), ctx=GPU)
    x = mx.nd.ones((8,), ctx=GPU)
    func = mx.rtc.CudaModule(SAXPY).get_kernel("saxpy", "const float *, float *, float, int")
    func.launch([x, base[2], 5.0, 8], GPU, (1, 1, 1), (8, 1, 1))
    want = np.zeros((4, 8), np.float32)
    want[2] = 5.0
    np.testing.assert_array_equal(base.asnumpy(), want)


def test_templated_kernel_via_exports():
    module = mx.rtc.CudaModule(TEMPLATED, exports=["axpy<float>", "axpy<double>"])
    f32 = module.get_kernel("axpy<float>", "const float *x, float *y, float alpha")
    f64 = module.get_kernel("axpy<double>", "const double *x, double *y, double alpha")
    x32, y32 = mx.nd.ones((10,), ctx=GPU), mx.nd.zeros((10,), ctx=GPU)
    f32.launch([x32, y32, 3.0], GPU, (1, 1, 1), (10, 1, 1))
    x64 = mx.nd.array(np.arange(10), ctx=GPU, dtype="float64")
    y64 = mx.nd.ones((10,), ctx=GPU, dtype="float64")
    f64.launch([x64, y64, 0.5], GPU, (1, 1, 1), (10, 1, 1))
    np.testing.assert_array_equal(y32.asnumpy(), np.full(10, 3.0, np.float32))
    np.testing.assert_array_equal(y64.asnumpy(), 1 + 0.5 * np.arange(10))
    with pytest.raises(AssertionError, match="dtype float32 but got float64"):
        f32.launch([x64, y32, 1.0], GPU, (1, 1, 1), (10, 1, 1))


def test_compile_errors_and_unknown_kernels_raise_mxnet_error():
    with pytest.raises(MXNetError):
        mx.rtc.CudaModule('extern "C" __global__ void broken(float *x) { x[0] = ; }')
    module = mx.rtc.CudaModule(SAXPY)
    with pytest.raises(MXNetError):
        module.get_kernel("no_such_kernel", "float *x")
    func = module.get_kernel("saxpy", "const float *x, float *y, float alpha, int n")
    x = mx.nd.ones((4,))                                             # on the CPU
    with pytest.raises(AssertionError, match="on gpu\\(0\\)"):
        func.launch([x, x, 1.0, 4], GPU, (1, 1, 1), (4, 1, 1))
    with pytest.raises(AssertionError, match="only be launched on GPU"):
        func.launch([x, x, 1.0, 4], mx.cpu(), (1, 1, 1), (4, 1, 1))
