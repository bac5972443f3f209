"""ONNX support (needs the optional ``onnx`` package): ``export_model`` writes an MXNet Symbol
and its parameters as an ONNX file (opset 13); ``import_model``, ``import_to_gluon`` and
``get_model_metadata`` read ONNX files back.

Like MXNet 1.9.1, each function prints a deprecation note before running (the ``*_``
variants do not)."""
from ._export import export_model as export_model_, get_operator_support
from ._import import (import_model as import_model_, get_model_metadata as get_model_metadata_,
                      import_to_gluon as import_to_gluon_)
from . import onnx2mx

__all__ = ["export_model", "import_model", "import_to_gluon", "get_model_metadata",
           "export_model_", "import_model_", "import_to_gluon_", "get_model_metadata_",
           "get_operator_support", "onnx2mx"]

_IMPORT_NOTE = ("Please be advised that importing ONNX models into MXNet is going to be deprecated "
                "in the upcoming MXNet v1.10 release. The following apis will be deleted: "
                "mxnet.contrib.onnx.import_model/get_model_metadata/import_to_gluon.")


def import_model(*args, **kwargs):
    """Import an ONNX model file: returns ``(sym, arg_params, aux_params)``."""
    print("Calling mxnet.contrib.onnx.import_model...")
    print(_IMPORT_NOTE)
    return import_model_(*args, **kwargs)


def get_model_metadata(*args, **kwargs):
    """The input and output names and shapes of an ONNX model file."""
    print("Calling mxnet.contrib.onnx.get_model_metadata...")
    print(_IMPORT_NOTE)
    return get_model_metadata_(*args, **kwargs)


def import_to_gluon(*args, **kwargs):
    """Import an ONNX model file as a gluon SymbolBlock."""
    print("Calling mxnet.contrib.onnx.import_to_gluon...")
    print(_IMPORT_NOTE)
    return import_to_gluon_(*args, **kwargs)


def export_model(*args, **kwargs):
    """Export an MXNet Symbol and parameters to an ONNX file (see ``export_model_``)."""
    print("Calling mxnet.contrib.onnx.export_model...")
    print("Please be advised that the ONNX module has been moved to mxnet.onnx and "
          "mxnet.onnx.export_model is the preferred path. The current path will be deprecated "
          "in the upcoming MXNet v1.10 release.")
    return export_model_(*args, **kwargs)


export_model.__doc__ = export_model_.__doc__
