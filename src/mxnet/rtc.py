"""Interface to runtime CUDA kernel compile module (``mx.rtc``), as MXNet 1.9.1.

CUDA source is compiled at run time (NVRTC, through CuPy's ``cupy.RawModule``) and its kernels are
launched on NDArrays of a GPU context. Without CuPy and an NVIDIA GPU, creating a
:class:`CudaModule` raises :class:`~mxnet.base.MXNetError` (as a CPU build of MXNet does), while
signature parsing and argument checking work everywhere.
"""
import re

import numpy as np

from .base import MXNetError, numeric_types, string_types
from .context import Context
from .ndarray.ndarray import NDArray
from . import engine

__all__ = ["CudaModule", "CudaKernel"]

# C type names accepted in kernel signatures (MXNet's table) and the NumPy dtype they map to.
_DTYPE_CPP_TO_NP = {
    'float': np.float32,
    'double': np.float64,
    '__half': np.float16,
    'uint8_t': np.uint8,
    'int': np.int32,
    'int32_t': np.int32,
    'int8_t': np.int8,
    'char': np.int8,
    'int64_t': np.int64,
}

_DTYPE_MX_TO_NP = {0: np.float32, 1: np.float64, 2: np.float16, 3: np.uint8, 4: np.int32,
                   5: np.int8, 6: np.int64}

_ARG_PATTERN = re.compile(r"^\s*(const)?\s*([\w_]+)\s*(\*)?\s*([\w_]+)?\s*$")

_NO_RTC = ("Compile with USE_CUDA=1 and ENABLE_CUDA_RTC=1 to have CUDA runtime compilation. "
           "neomx compiles CUDA code through CuPy: mx.rtc needs CuPy and an NVIDIA GPU "
           "(pip install neomx[gpu])")


class RtcLaunchError(MXNetError, AssertionError):
    """A bad ``CudaKernel.launch`` call: wrong context, dimensions, argument count or types.

    MXNet raises these as ``AssertionError``; this class is both an ``MXNetError`` and an
    ``AssertionError`` so either ``except`` clause catches it."""


def _cupy():
    """CuPy, or MXNetError when it (or a GPU) is missing."""
    from . import backend as _backend
    cp = _backend._load_cupy()
    if cp is None:
        raise MXNetError("{}; CuPy import failed: {}".format(_NO_RTC, _backend._cupy_error))
    return cp


def _parse_signature(signature):
    """Parse a C argument list such as ``"const float *x, float *y, int n"``.

    Returns ``(is_ndarray, is_const, dtypes)``: one entry per argument; ``dtypes`` holds NumPy
    dtypes. Raises ValueError for a malformed argument and TypeError for an unsupported type,
    with MXNet's messages."""
    is_ndarray, is_const, dtypes = [], [], []
    for arg in re.sub(r"\s+", " ", signature).split(","):
        match = _ARG_PATTERN.match(arg)
        if not match or match.group(2) == 'const':
            raise ValueError('Invalid function prototype "%s". Must be in the '
                             'form of "(const) type (*) (name)"' % arg)
        ctype = match.group(2)
        if ctype not in _DTYPE_CPP_TO_NP:
            raise TypeError("Unsupported kernel argument type %s. Supported types are: %s." % (
                arg, ','.join(_DTYPE_CPP_TO_NP.keys())))
        is_const.append(bool(match.group(1)))
        is_ndarray.append(bool(match.group(3)))
        dtypes.append(np.dtype(_DTYPE_CPP_TO_NP[ctype]))
    return is_ndarray, is_const, dtypes


class CudaModule(object):
    """Compile and run CUDA code from Python.

    Prepend kernel definitions with ``extern "C"`` to avoid name mangling::

        source = r'''
        extern "C" __global__ void axpy(const float *x, float *y, float alpha) {
            int i = threadIdx.x + blockIdx.x * blockDim.x;
            y[i] += alpha * x[i];
        }
        '''
        module = mx.rtc.CudaModule(source)
        func = module.get_kernel("axpy", "const float *x, float *y, float alpha")
        x = mx.nd.ones((10,), ctx=mx.gpu(0))
        y = mx.nd.zeros((10,), ctx=mx.gpu(0))
        func.launch([x, y, 3.0], mx.gpu(0), (1, 1, 1), (10, 1, 1))

    Or export functions by name, which also allows templates::

        module = mx.rtc.CudaModule(source, exports=['axpy<float>', 'axpy<double>'])
        func32 = module.get_kernel("axpy<float>", "const float *x, float *y, float alpha")

    Parameters
    ----------
    source : str
        Complete source code.
    options : tuple of str
        Compiler flags. For example, use "-I/usr/local/cuda/include" to
        add cuda headers to include path.
    exports : tuple of str
        Export kernel names.

    Raises MXNetError when CuPy or an NVIDIA GPU is missing, or when compilation fails.
    """

    def __init__(self, source, options=(), exports=()):
        if isinstance(options, string_types):
            options = (options,)
        if isinstance(exports, string_types):
            exports = (exports,)
        self._source = source
        self._options = tuple(options)
        self._exports = tuple(exports)
        self.handle = None
        cp = _cupy()
        try:
            mod = cp.RawModule(code=source, options=self._options,
                               name_expressions=self._exports or None)
            compile_ = getattr(mod, "compile", None)
            if compile_ is not None:        # compile now (as MXNet does), not at the first launch
                compile_()
        except Exception as e:
            raise MXNetError("CudaModule: compiling the CUDA source failed: {}".format(e)) from e
        self.handle = mod

    def get_kernel(self, name, signature):
        """Get CUDA kernel from compiled module.

        Parameters
        ----------
        name : str
            String name of the kernel (for exported templates, the export, e.g. ``"axpy<float>"``).
        signature : str
            Function signature for the kernel. For example, if a kernel is declared as::

                extern "C" __global__ void axpy(const float *x, double *y, int alpha)

            Then its signature should be::

                const float *x, double *y, int alpha

            or::

                const float *, double *, int

            Note that `*` in signature marks an argument as array and
            `const` marks an argument as constant (input) array.

        Returns
        -------
        CudaKernel
            CUDA kernels that can be launched on GPUs.
        """
        is_ndarray, is_const, dtypes = _parse_signature(signature)
        if self.handle is None:
            raise MXNetError(_NO_RTC)
        try:
            self.handle.get_function(name)      # fail early on an unknown kernel name
        except Exception as e:
            raise MXNetError("CudaModule: cannot find kernel '{}': {}".format(name, e)) from e
        return CudaKernel(self.handle, name, is_ndarray, dtypes, is_const)


def _to_scalar(arg, dtype, i):
    """``arg`` as a NumPy scalar of the kernel's declared C type."""
    try:
        if dtype.kind in "iu":
            if isinstance(arg, (float, np.floating)):
                if not np.isfinite(arg):
                    raise ValueError("not finite")
                arg = int(arg)                  # C conversion: truncate toward zero
            value = int(arg)
            info = np.iinfo(dtype)
            if not info.min <= value <= info.max:
                raise OverflowError("out of range [{}, {}]".format(info.min, info.max))
            return dtype.type(value)
        return dtype.type(arg)
    except (TypeError, ValueError, OverflowError) as e:
        raise RtcLaunchError("The %d-th argument %r cannot be converted to the kernel's "
                             "type %s: %s" % (i, arg, dtype.name, e)) from None


class CudaKernel(object):
    """Constructs CUDA kernel. Should be created by `CudaModule.get_kernel`,
    not intended to be used by users."""

    def __init__(self, handle, name, is_ndarray, dtypes, is_const=None):
        self.handle = handle
        self._name = name
        self._is_ndarray = list(is_ndarray)
        # dtypes: NumPy dtypes, or MXNet's integer type flags (0 float32, 1 float64, ...)
        self._dtypes = [np.dtype(_DTYPE_MX_TO_NP[d] if isinstance(d, int) else d) for d in dtypes]
        self._is_const = list(is_const) if is_const is not None else [False] * len(self._is_ndarray)
        self._functions = {}        # device id -> cupy RawKernel

    def launch(self, args, ctx, grid_dims, block_dims, shared_mem=0):
        """Launch cuda kernel.

        Parameters
        ----------
        args : tuple of NDArray or numbers
            List of arguments for kernel. NDArrays are expected for pointer
            types (e.g. `float*`, `double*`) while numbers are expected for
            non-pointer types (e.g. `int`, `float`).
        ctx : Context
            The context to launch kernel on. Must be GPU context.
        grid_dims : tuple of 3 integers
            Grid dimensions for CUDA kernel.
        block_dims : tuple of 3 integers
            Block dimensions for CUDA kernel.
        shared_mem : integer, optional
            Size of dynamically allocated shared memory. Defaults to 0.

        The launch is asynchronous: it is queued on the engine after the pending writes of its
        arrays; arrays declared ``const`` are read, the other pointer arguments are written.
        """
        if not isinstance(ctx, Context) or ctx.device_type != 'gpu':
            raise RtcLaunchError("Cuda kernel can only be launched on GPU")
        if len(grid_dims) != 3:
            raise RtcLaunchError("grid_dims must be a tuple of 3 integers")
        if len(block_dims) != 3:
            raise RtcLaunchError("block_dims must be a tuple of 3 integers")
        if len(args) != len(self._dtypes):
            raise RtcLaunchError("CudaKernel(%s) expects %d arguments but got %d" % (
                self._name, len(self._dtypes), len(args)))
        grid = tuple(int(d) for d in grid_dims)
        block = tuple(int(d) for d in block_dims)
        if min(grid + block) < 1:
            raise RtcLaunchError("grid_dims and block_dims must be positive, got %s and %s" % (
                grid, block))
        triples = list(zip(args, self._is_ndarray, self._dtypes))
        for i, (arg, is_nd, _) in enumerate(triples):     # kinds first, as MXNet's Python layer
            if is_nd:
                if not isinstance(arg, NDArray):
                    raise RtcLaunchError("The %d-th argument is expected to be a NDArray but "
                                         "got %s" % (i, type(arg)))
            elif isinstance(arg, NDArray) or not isinstance(arg, numeric_types) \
                    or isinstance(arg, (np.str_, np.bytes_)):
                raise RtcLaunchError("The %d-th argument is expected to be a number, but "
                                     "got %s" % (i, type(arg)))
        converted, reads, writes = [], [], []
        for i, (arg, is_nd, dtype) in enumerate(triples):  # then dtypes, contexts and values
            if not is_nd:
                converted.append(_to_scalar(arg, dtype, i))
                continue
            if getattr(arg, "stype", "default") != "default":
                raise RtcLaunchError("The %d-th argument must be a dense NDArray, got "
                                     "stype %s" % (i, arg.stype))
            if np.dtype(arg.dtype) != dtype:
                raise RtcLaunchError("The %d-th argument is expected to be a NDArray of "
                                     "dtype %s but got %s" % (i, dtype.name,
                                                              np.dtype(arg.dtype).name))
            if arg.context != ctx:
                raise RtcLaunchError("The %d-th argument is expected to be a NDArray on %s "
                                     "but it is on %s" % (i, ctx, arg.context))
            (reads if self._is_const[i] else writes).append(arg._chunk.var)
            converted.append(arg)
        from .backend import for_context
        backend = for_context(ctx)          # MXNetError without CuPy / that GPU
        if self.handle is None:
            raise MXNetError(_NO_RTC)
        func = self._function(backend)
        is_nd, is_const = self._is_ndarray, self._is_const
        shared_mem = int(shared_mem)

        def run():
            with backend.device_scope():
                call_args, write_back = [], []
                for a, nd_arg, const in zip(converted, is_nd, is_const):
                    if not nd_arg:
                        call_args.append(a)
                        continue
                    data = a._read()
                    writeable = getattr(data.flags, "writeable", True)     # (CuPy has none)
                    if not data.flags.c_contiguous or (not const and not writeable):
                        data = backend.xp.ascontiguousarray(data).copy()
                        if not const:
                            write_back.append((a, data))
                    call_args.append(data)
                func(grid, block, tuple(call_args), shared_mem=shared_mem)
                for a, data in write_back:
                    a._assign(data)

        engine.push(run, reads, writes, ctx, name="rtc " + self._name)

    def _function(self, backend):
        """The compiled kernel loaded on ``backend``'s device (cached per device)."""
        dev = backend.ctx.device_id
        func = self._functions.get(dev)
        if func is None:
            try:
                with backend.device_scope():
                    func = self.handle.get_function(self._name)
            except Exception as e:
                raise MXNetError("CudaKernel: cannot load kernel '{}' on {}: {}".format(
                    self._name, backend.ctx, e)) from e
            self._functions[dev] = func
        return func
