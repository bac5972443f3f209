"""mx.rtc on the CPU: signature parsing, launch argument checks and the errors MXNet 1.9.1 raises
(checked against the reference CPU build). Real kernel launches are in tests/gpu/test_rtc_gpu.py."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import rtc
from mxnet.base import MXNetError

NO_GPU = mx.context.num_gpus() == 0


def _module_without_compiler():
    """A CudaModule whose compile step never ran (what a CPU build can offer get_kernel)."""
    m = object.__new__(rtc.CudaModule)
    m.handle = None
    return m


def _axpy_kernel():
    return rtc.CudaKernel(None, "axpy", [True, True, False], [np.float32] * 3, [True, False, False])


def test_rtc_is_exposed_after_import():
    assert mx.rtc is rtc
    assert {"CudaModule", "CudaKernel"} <= set(dir(mx.rtc))


@pytest.mark.skipif(not NO_GPU, reason="checks the error raised without CuPy/GPU")
@pytest.mark.parametrize("kwargs", [{}, {"options": "-O3"}, {"exports": ["axpy<float>"]}])
def test_cuda_module_without_gpu_raises_mxnet_error(kwargs):
    src = 'extern "C" __global__ void axpy(const float *x, float *y, float a) {}'
    with pytest.raises(MXNetError, match="USE_CUDA=1 and ENABLE_CUDA_RTC=1"):
        mx.rtc.CudaModule(src, **kwargs)


@pytest.mark.parametrize("sig,nd,const,dtypes", [
    ("const float *x, float *y, int n", [True, True, False], [True, False, False],
     [np.float32, np.float32, np.int32]),
    ("const float *, double *, int", [True, True, False], [True, False, False],
     [np.float32, np.float64, np.int32]),
    ("  const   __half *  h , int64_t k", [True, False], [True, False], [np.float16, np.int64]),
    ("float* x, int", [True, False], [False, False], [np.float32, np.int32]),
    ("const float x", [False], [True], [np.float32]),
    ("uint8_t *a, int8_t b, char c, int32_t d, double e",
     [True, False, False, False, False], [False] * 5,
     [np.uint8, np.int8, np.int8, np.int32, np.float64]),
    ("const\tfloat\n*x", [True], [True], [np.float32]),
])
def test_parse_signature(sig, nd, const, dtypes):
    is_nd, is_const, dts = rtc._parse_signature(sig)
    assert is_nd == nd and is_const == const
    assert dts == [np.dtype(d) for d in dtypes]


@pytest.mark.parametrize("sig,bad", [
    ("", ""), ("const", "const"), ("float **x", "float **x"), ("unsigned int n", "unsigned int n"),
    ("float x y", "float x y"), ("float &x", "float &x"), ("float *x,", ""),
    ("const float *x, float[] y", " float[] y"),
])
def test_invalid_prototype_raises_value_error(sig, bad):
    with pytest.raises(ValueError) as e:
        _module_without_compiler().get_kernel("f", sig)
    assert str(e.value) == ('Invalid function prototype "%s". Must be in the form of '
                            '"(const) type (*) (name)"' % bad)


@pytest.mark.parametrize("sig", ["bool b", "size_t n", "long l", "const float *x, half *y"])
def test_unsupported_type_raises_type_error(sig):
    with pytest.raises(TypeError, match="Unsupported kernel argument type .* Supported types are: "
                                        "float,double,__half,uint8_t,int,int32_t,int8_t,char,int64_t."):
        _module_without_compiler().get_kernel("f", sig)


def test_valid_signature_without_compiled_module_raises_mxnet_error():
    with pytest.raises(MXNetError, match="CUDA runtime compilation"):
        _module_without_compiler().get_kernel("axpy", "const float *x, float *y, float alpha")


def test_kernel_accepts_mxnet_type_flags():
    k = rtc.CudaKernel(None, "f", [True, False, False], [0, 1, 4])
    assert k._dtypes == [np.dtype(np.float32), np.dtype(np.float64), np.dtype(np.int32)]


def _launch_error(k, args, ctx=None, grid=(1, 1, 1), block=(3, 1, 1)):
    with pytest.raises(AssertionError) as e:
        k.launch(args, mx.gpu(0) if ctx is None else ctx, grid, block)
    assert isinstance(e.value, MXNetError)          # both MXNet's AssertionError and an MXNetError
    return str(e.value)


def test_launch_on_cpu_context_fails():
    x, y = mx.nd.ones((3,)), mx.nd.zeros((3,))
    assert _launch_error(_axpy_kernel(), [x, y, 3.0], ctx=mx.cpu()) == \
        "Cuda kernel can only be launched on GPU"


def test_launch_dims_must_have_three_entries():
    x, y = mx.nd.ones((3,)), mx.nd.zeros((3,))
    assert _launch_error(_axpy_kernel(), [x, y, 3.0], grid=(1, 1)) == \
        "grid_dims must be a tuple of 3 integers"
    assert "block_dims" in _launch_error(_axpy_kernel(), [x, y, 3.0], block=(3, 1))
    assert "positive" in _launch_error(_axpy_kernel(), [x, y, 3.0], block=(0, 1, 1))


def test_launch_argument_count():
    x, y = mx.nd.ones((3,)), mx.nd.zeros((3,))
    assert _launch_error(_axpy_kernel(), [x, y]) == "CudaKernel(axpy) expects 3 arguments but got 2"
    assert _launch_error(_axpy_kernel(), (x, y, 1.0, 2.0)) == \
        "CudaKernel(axpy) expects 3 arguments but got 4"


def test_launch_pointer_arguments_must_be_ndarrays():
    x = mx.nd.ones((3,))
    assert _launch_error(_axpy_kernel(), [x, 1.0, 3.0]) == \
        "The 1-th argument is expected to be a NDArray but got <class 'float'>"
    assert _launch_error(_axpy_kernel(), [x, np.zeros(3, "f"), 3.0]) == \
        "The 1-th argument is expected to be a NDArray but got <class 'numpy.ndarray'>"


def test_launch_scalar_arguments_must_be_numbers():
    x, y = mx.nd.ones((3,)), mx.nd.zeros((3,))
    msg = _launch_error(_axpy_kernel(), [x, y, y])
    assert msg.startswith("The 2-th argument is expected to be a number, but got <class")
    assert _launch_error(_axpy_kernel(), [x, y, "a"]) == \
        "The 2-th argument is expected to be a number, but got <class 'str'>"


def test_launch_pointer_dtype_and_context_checked():
    x, y = mx.nd.ones((3,)), mx.nd.zeros((3,))
    msg = _launch_error(_axpy_kernel(), [x.astype("float64"), y, 3.0])
    assert "0-th argument" in msg and "float32" in msg and "float64" in msg
    msg = _launch_error(_axpy_kernel(), [x, y, 3.0])         # float32 but on cpu(0), not gpu(0)
    assert "0-th argument" in msg and "gpu(0)" in msg and "cpu(0)" in msg


@pytest.mark.parametrize("ctype,value,expected", [
    (np.int32, 2.7, 2), (np.int32, -2.7, -2), (np.int32, np.int64(7), 7), (np.int32, True, 1),
    (np.float32, 3, 3.0), (np.float16, 0.5, 0.5), (np.float64, np.float32(1.5), 1.5),
    (np.uint8, 255, 255), (np.int64, 2 ** 40, 2 ** 40),
])
def test_scalars_converted_to_declared_type(ctype, value, expected):
    out = rtc._to_scalar(value, np.dtype(ctype), 0)
    assert type(out) is ctype and out == expected


@pytest.mark.parametrize("ctype,value", [(np.int32, 2 ** 40), (np.uint8, -1), (np.int8, 128),
                                         (np.int32, float("inf")), (np.int32, float("nan"))])
def test_scalar_out_of_range_raises(ctype, value):
    k = rtc.CudaKernel(None, "f", [False], [ctype])
    assert "cannot be converted" in _launch_error(k, [value])


@pytest.mark.skipif(not NO_GPU, reason="checks the error raised without CuPy/GPU")
def test_valid_launch_without_gpu_raises_mxnet_error():
    k = rtc.CudaKernel(None, "f", [False, False], [np.int32, np.float32])
    with pytest.raises(MXNetError, match="CuPy"):
        k.launch([3, 1.0], mx.gpu(0), (1, 1, 1), (1, 1, 1))
