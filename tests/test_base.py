"""mxnet.base helpers of MXNet 1.9.1 (data_dir, error registry, docstring builders, type aliases)
and the names mxnet.autograd re-exports."""
import ctypes
import os
import sys
import types

import numpy as np
import pytest

import mxnet as mx
from mxnet import base


def test_data_dir(monkeypatch):
    monkeypatch.delenv("MXNET_HOME", raising=False)
    if sys.platform != "win32":
        assert base.data_dir_default() == os.path.join(os.path.expanduser("~"), ".mxnet")
    assert base.data_dir() == base.data_dir_default()
    monkeypatch.setenv("MXNET_HOME", "/tmp/mx_home")
    assert base.data_dir() == "/tmp/mx_home"
    monkeypatch.setenv("MXNET_HOME", "")          # set but empty: used as is (as in MXNet)
    assert base.data_dir() == ""


def test_error_registry_is_shared_with_mx_error():
    assert mx.error.register is base.register_error
    assert base.error_types["InternalError"] is mx.error.InternalError
    assert base.error_types["NotImplementedForSymbol"] is base.NotImplementedForSymbol
    assert base.error_types["ValueError"] is ValueError

    class MyBaseError(RuntimeError):
        pass
    try:
        assert base.register_error(MyBaseError) is MyBaseError
        assert base.error_types["MyBaseError"] is MyBaseError
        assert base.register_error("Named")(MyBaseError) is MyBaseError
        assert base.error_types["Named"] is MyBaseError
    finally:
        base.error_types.pop("MyBaseError", None)
        base.error_types.pop("Named", None)


def test_build_param_doc():
    # strings as MXNet 1.9.1 builds them
    assert base.build_param_doc(["a", "b", "a"], ["int", "float, optional", "int"], ["first", "second", "x"]) == \
        "Parameters\n----------\na : int\n    first\nb : float, optional\n    second\n"
    assert base.build_param_doc(["a", "b", "a"], ["int", "float", "int"], ["first", "second", ""],
                                remove_dup=False) == \
        "Parameters\n----------\na : int\n    first\nb : float\n    second\na : int\n"
    assert base.build_param_doc(["num_args", "x"], ["int", "NDArray"], ["n", "d"]) == \
        "Parameters\n----------\nx : NDArray\n    d\n"
    assert base.build_param_doc([], [], []) == "Parameters\n----------\n\n"


def _make_module(tmp_path, name):
    path = tmp_path / (name + ".py")
    path.write_text('def f():\n    """doc f"""\n\n\ndef g():\n    pass\n\n\nclass C:\n    """doc C"""\n'
                    '    def m(self):\n        """doc m"""\n')
    sys.path.insert(0, str(tmp_path))
    try:
        __import__(name)
    finally:
        sys.path.remove(str(tmp_path))
    return sys.modules[name], str(path)


def test_add_fileline_to_docstring(tmp_path):
    mod, path = _make_module(tmp_path, "_neomx_fileline_a")
    base.add_fileline_to_docstring(mod, incursive=False)
    assert mod.f.__doc__ == "doc f\n\nFrom:%s:1" % path
    assert mod.g.__doc__ is None and mod.C.m.__doc__ == "doc m"
    base.add_fileline_to_docstring("_neomx_fileline_a")          # by name; no second "From:"
    assert mod.f.__doc__ == "doc f\n\nFrom:%s:1" % path
    assert mod.C.m.__doc__ == "doc m\n\nFrom:%s:11" % path
    assert mod.C.__doc__ == "doc C"


def test_aliases():
    assert base.basestring is str and base.long is int
    assert base.mx_int64 is ctypes.c_int64 and base.mx_uint is ctypes.c_uint
    assert base.mx_float_p is ctypes.POINTER(ctypes.c_float)
    assert base.mx_real_t is np.float32


def test_autograd_reexports():
    assert mx.autograd.NDArray is mx.nd.NDArray
    assert mx.autograd.Symbol is mx.sym.Symbol
    from mxnet.autograd import NDArray, Symbol  # noqa: F401
    with pytest.raises(AttributeError):
        mx.autograd.no_such_name  # noqa: B018
    assert isinstance(mx.autograd, types.ModuleType)


@pytest.mark.parametrize("bad,python_error", [
    (lambda: mx.Context("tpu", 0), KeyError),
    (lambda: mx.nd.array([1, 2], dtype="nope"), TypeError),
    (lambda: mx.nd.zeros((2,), dtype="nope"), TypeError),
], ids=["unknown device type", "unknown dtype (array)", "unknown dtype (zeros)"])
def test_unknown_names_raise_the_python_error_mxnet_raises(bad, python_error):
    """MXNet 1.9.1 raises KeyError / TypeError here; the errors are MXNetErrors too, with a
    readable message."""
    with pytest.raises(python_error, match="unknown") as info:
        bad()
    assert isinstance(info.value, mx.MXNetError) and not str(info.value).startswith("'")
