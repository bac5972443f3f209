"""Shared helpers of the ONNX exporter and importer: loading the optional ``onnx`` package and
mapping NumPy dtypes to ONNX element types."""
import numpy as np

_MISSING = ("Onnx and protobuf need to be installed. Instructions to install - "
            "https://github.com/onnx/onnx (neomx: pip install 'neomx[onnx]' or pip install onnx)")


def import_onnx():
    """The ``onnx`` module; ImportError with installation instructions when it is missing."""
    try:
        import onnx
    except ImportError:
        raise ImportError(_MISSING) from None
    return onnx


def np_to_onnx_dtype(dtype):
    onnx = import_onnx()
    dtype = np.dtype(dtype)
    if hasattr(onnx.helper, "np_dtype_to_tensor_dtype"):
        return onnx.helper.np_dtype_to_tensor_dtype(dtype)
    return onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[dtype]


def onnx_to_np_dtype(elem_type):
    onnx = import_onnx()
    if hasattr(onnx.helper, "tensor_dtype_to_np_dtype"):
        return np.dtype(onnx.helper.tensor_dtype_to_np_dtype(elem_type))
    return np.dtype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[elem_type])
