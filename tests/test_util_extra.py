"""mx.util getenv/setenv/get_cuda_compute_capability/set_module/np_ufunc_legal_option/wrap_np_*_func
and mx.profiler.profiler_kvstore_handle (behaviour recorded from MXNet 1.9.1)."""
import ctypes
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet import util


def test_getenv_setenv():
    name = "NEOMX_TEST_UTIL_EXTRA"
    assert util.getenv(name) is None
    util.setenv(name, "5")
    assert util.getenv(name) == "5"
    util.setenv(name, None)
    assert util.getenv(name) is None and name not in os.environ


def test_set_module_and_cuda_capability():
    @util.set_module("mxnet.foo")
    def f():
        pass
    assert f.__module__ == "mxnet.foo"
    with pytest.raises(ValueError, match="Expecting a gpu context"):
        util.get_cuda_compute_capability(mx.cpu())


def test_np_ufunc_legal_option():
    assert util.np_ufunc_legal_option("where", False)
    assert util.np_ufunc_legal_option("casting", "unsafe") and not util.np_ufunc_legal_option("casting", "bogus")
    assert util.np_ufunc_legal_option("order", "C") and not util.np_ufunc_legal_option("order", 1)
    assert util.np_ufunc_legal_option("dtype", np.float32) and util.np_ufunc_legal_option("dtype", "float64")
    assert not util.np_ufunc_legal_option("dtype", None) and not util.np_ufunc_legal_option("dtype", np.bool_)
    assert not util.np_ufunc_legal_option("subok", 1) and not util.np_ufunc_legal_option("foo", 1)


def test_wrap_np_funcs():
    @util.wrap_np_unary_func
    def f(x, out=None, **kw):
        return ("called", x, out, kw)

    @util.wrap_np_binary_func
    def g(x, y, out=None, **kw):
        return ("called", x, y, out, kw)

    assert f.__name__ == "f" and g.__name__ == "g"
    assert f(1, where=True, casting="same_kind", order="K", dtype=None, subok=True) == ("called", 1, None, {})
    assert g(1, 2, out=3) == ("called", 1, 2, 3, {})
    with pytest.raises(NotImplementedError, match="^where=False is not implemented yet for operator f$"):
        f(1, where=False)
    with pytest.raises(NotImplementedError, match="^order=C is not implemented yet$"):
        g(1, 2, order="C")
    with pytest.raises(TypeError, match="casting=bogus not understood for operator f"):
        f(1, casting="bogus")
    with pytest.raises(TypeError, match="foo is an invalid keyword to function 'g'"):
        g(1, 2, foo=1)


def test_profiler_kvstore_handle():
    assert isinstance(mx.profiler.profiler_kvstore_handle, ctypes.c_void_p)
    old = mx.profiler.profiler_kvstore_handle
    try:
        mx.profiler.set_kvstore_handle(7)
        assert mx.profiler.profiler_kvstore_handle == 7
    finally:
        mx.profiler.set_kvstore_handle(old)
