"""mx.runtime: which features this build of MXNet has (``Features().is_enabled('CUDA')``).

The names are MXNet 1.9.1's. For neomx a feature is "enabled" when the Python stack provides
it: CUDA/CUDNN when CuPy sees a GPU, the CPU instruction sets NumPy was built to use, BLAS from
NumPy's build configuration, OPENCV when ``cv2`` imports, the profiler and distributed kvstore
(implemented in Python here).
"""
import collections

__all__ = ["Feature", "Features", "feature_list"]

_NAMES = ("CUDA", "CUDNN", "NCCL", "CUDA_RTC", "TENSORRT", "CPU_SSE", "CPU_SSE2", "CPU_SSE3",
          "CPU_SSE4_1", "CPU_SSE4_2", "CPU_SSE4A", "CPU_AVX", "CPU_AVX2", "OPENMP", "SSE", "F16C",
          "JEMALLOC", "BLAS_OPEN", "BLAS_ATLAS", "BLAS_MKL", "BLAS_APPLE", "LAPACK", "MKLDNN",
          "OPENCV", "CAFFE", "PROFILER", "DIST_KVSTORE", "CXX14", "INT64_TENSOR_SIZE",
          "SIGNAL_HANDLER", "DEBUG", "TVM_OP")


class Feature:
    """One compile-time feature: ``name`` and ``enabled``."""

    def __init__(self, name, enabled):
        self.name = name
        self.enabled = bool(enabled)

    def __repr__(self):
        return ("✔ " if self.enabled else "✖ ") + self.name


def _gpus():
    try:
        from .context import num_gpus
        return num_gpus() > 0
    except Exception:  # noqa: BLE001 - no CuPy / no driver: no GPU
        return False


def _cudnn():
    try:
        from cupy.cuda import cudnn  # noqa: F401
        return True
    except Exception:  # noqa: BLE001
        return False


def _cpu_features():
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:
        try:
            from numpy.core._multiarray_umath import __cpu_features__ as feats
        except ImportError:
            feats = {}
    return feats


def _blas_name():
    try:
        import numpy as np
        return str(np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]).lower()
    except Exception:  # noqa: BLE001 - older NumPy: unknown
        return ""


def _importable(name):
    import importlib.util
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _detect():
    cpu = _cpu_features()
    blas = _blas_name()
    cuda = _gpus()
    return {
        "CUDA": cuda, "CUDNN": cuda and _cudnn(), "NCCL": False, "CUDA_RTC": cuda, "TENSORRT": False,
        "CPU_SSE": cpu.get("SSE", False), "CPU_SSE2": cpu.get("SSE2", False),
        "CPU_SSE3": cpu.get("SSE3", False), "CPU_SSE4_1": cpu.get("SSE41", False),
        "CPU_SSE4_2": cpu.get("SSE42", False), "CPU_SSE4A": False,
        "CPU_AVX": cpu.get("AVX", False), "CPU_AVX2": cpu.get("AVX2", False),
        "OPENMP": False, "SSE": cpu.get("SSE", False), "F16C": cpu.get("F16C", False),
        "JEMALLOC": False,
        "BLAS_OPEN": "openblas" in blas, "BLAS_ATLAS": "atlas" in blas,
        "BLAS_MKL": "mkl" in blas, "BLAS_APPLE": "accelerate" in blas,
        "LAPACK": True, "MKLDNN": False, "OPENCV": _importable("cv2"), "CAFFE": False,
        "PROFILER": True, "DIST_KVSTORE": True, "CXX14": False, "INT64_TENSOR_SIZE": True,
        "SIGNAL_HANDLER": False, "DEBUG": False, "TVM_OP": False,
    }


def feature_list():
    """The list of :class:`Feature` (MXNet's order)."""
    found = _detect()
    return [Feature(name, found[name]) for name in _NAMES]


class Features(collections.OrderedDict):
    """{name: Feature} of this build (a singleton, as MXNet's)."""
    instance = None

    def __new__(cls):
        if cls.instance is None:
            cls.instance = super().__new__(cls)
            collections.OrderedDict.__init__(cls.instance, [(f.name, f) for f in feature_list()])
        return cls.instance

    def __init__(self):   # filled once in __new__
        pass

    def __repr__(self):
        return str(list(self.values()))

    def is_enabled(self, feature_name):
        """Whether ``feature_name`` (case-insensitive) is enabled; RuntimeError if unknown."""
        feature_name = feature_name.upper()
        if feature_name not in self:
            raise RuntimeError("Feature '{}' is unknown, known features are: {}".format(
                feature_name, list(self.keys())))
        return self[feature_name].enabled
