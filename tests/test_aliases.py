"""mx.img, mx.rnd, mx.error, mx.log, mx.registry, mx.library, mx.libinfo, mx.notebook (MXNet 1.9.1's
small top-level modules; behaviour checked against the reference)."""
import builtins
import importlib
import logging
import sys
import types

import pytest

import mxnet as mx


def test_module_aliases():
    assert mx.img is mx.image and mx.rnd is mx.random
    assert importlib.import_module("mxnet.img") is mx.image
    for name in ("error", "log", "registry", "library", "libinfo", "notebook", "notebook.callback"):
        mod = importlib.import_module("mxnet." + name)
        assert mod.__name__ == "mxnet." + name


def test_error_classes():
    assert mx.error.MXNetError is mx.MXNetError
    assert mx.error.__all__ == ["MXNetError", "register"]
    assert {n for n in dir(mx.error) if not n.startswith("__")} == {
        "InternalError", "MXNetError", "register", "register_error"}
    err = mx.error.InternalError("bad state")
    assert isinstance(err, mx.MXNetError) and isinstance(err, RuntimeError)
    assert type(err).__module__ == "mxnet.error"
    assert str(err).startswith("bad state\nMXNet hint: You hit an internal error.")
    assert str(mx.error.InternalError("x MXNet hint: y")) == "x MXNet hint: y"
    with pytest.raises(mx.error.InternalError):
        raise mx.error.InternalError("boom")


def test_error_register():
    from mxnet._aliases import _ERROR_TYPES
    for name in ("ValueError", "TypeError", "AttributeError", "IndexError", "NotImplementedError"):
        assert _ERROR_TYPES[name] is getattr(builtins, name)
    assert _ERROR_TYPES["InternalError"] is mx.error.InternalError

    class MyError(mx.MXNetError):
        pass
    assert mx.error.register(MyError) is MyError and _ERROR_TYPES["MyError"] is MyError
    deco = mx.error.register("Renamed")
    assert callable(deco) and deco(MyError) is MyError and _ERROR_TYPES["Renamed"] is MyError
    assert mx.error.register_error("Other", KeyError) is KeyError and _ERROR_TYPES["Other"] is KeyError


def test_log_formatter_and_get_logger(tmp_path):
    fmt = mx.log._Formatter()
    rec = logging.LogRecord("n", logging.WARNING, "/a/b.py", 7, "hello %s", ("you",), None, func="fn")
    out = fmt.format(rec)
    assert out.startswith("\x1b[31mW") and out.endswith("]\x1b[0m hello you")
    assert " /a/b.py:fn:7]" in out
    assert fmt._get_label(logging.INFO) == "I" and fmt._get_label(5) == "U"
    assert fmt._get_color(logging.INFO) == "\x1b[32m" and fmt._get_color(logging.DEBUG) == "\x1b[34m"
    path = tmp_path / "log.txt"
    logger = mx.log.get_logger("neomx_test_file", filename=str(path), level=logging.INFO)
    assert logger is mx.log.get_logger("neomx_test_file")      # set up once
    assert len(logger.handlers) == 1 and logger.level == logging.INFO
    logger.info("written")
    logger.handlers[0].flush()
    assert path.read_text().strip() == "written"               # plain text in files
    stream_logger = mx.log.get_logger("neomx_test_stream")
    assert isinstance(stream_logger.handlers[0].formatter, mx.log._Formatter)
    assert stream_logger.level == logging.WARNING and mx.log.WARNING == logging.WARNING
    with pytest.warns(DeprecationWarning, match="getLogger is deprecated"):
        assert mx.log.getLogger("neomx_test_stream") is stream_logger


def test_registry():
    class Base:
        def __init__(self, *args, **kwargs):
            self.args, self.kwargs = args, kwargs

    register = mx.registry.get_register_func(Base, "thing")
    alias = mx.registry.get_alias_func(Base, "thing")
    create = mx.registry.get_create_func(Base, "thing")
    assert register.__doc__ == "Register thing to the thing factory"

    @alias("aa", "BB")
    class Foo(Base):
        pass
    assert register(Foo) is Foo
    assert sorted(mx.registry.get_registry(Base)) == ["aa", "bb", "foo"]
    with pytest.raises(AssertionError, match="Can only register subclass of Base"):
        register(int)
    # MXNet 1.9.1's text, its missing space included
    with pytest.warns(UserWarning, match="registered with name foo isoverriding existing thing"):
        class Foo2(Base):
            pass
        register(Foo2, "foo")
    x = Foo()
    assert create(x) is x
    y = create("FOO", 1, k=2)
    assert type(y) is Foo2 and y.args == (1,) and y.kwargs == {"k": 2}
    y = create('["bb", {"q": 3}]')
    assert type(y) is Foo and y.kwargs == {"q": 3}
    assert type(create('{"thing": "aa", "z": 1}')) is Foo
    assert type(create(thing="aa")) is Foo
    assert create({"thing": "aa", "z": 2}).kwargs == {"z": 2}
    with pytest.raises(AssertionError, match="nope is not registered. Please register with thing.register first"):
        create("nope")
    with pytest.raises(AssertionError, match="thing must be of string type"):
        create(5)
    with pytest.raises(AssertionError, match="already an instance"):
        create(x, 3)
    with pytest.raises(KeyError):
        create()


def test_library_load(tmp_path):
    with pytest.raises(mx.MXNetError, match="load path /nonexistent.so does NOT exist"):
        mx.library.load("/nonexistent.so")
    txt = tmp_path / "a.txt"
    txt.write_text("x")
    with pytest.raises(mx.MXNetError, match="is NOT a library file"):
        mx.library.load(str(txt))
    lib = tmp_path / "libplugin.so"
    lib.write_bytes(b"\x7fELF")
    with pytest.raises(mx.MXNetError, match="cannot load C\\+\\+ extension libraries"):
        mx.library.load(str(lib), verbose=False)


def test_libinfo(tmp_path, monkeypatch):
    assert mx.libinfo.__version__ == mx.__version__ == "1.9.1"
    monkeypatch.delenv("MXNET_LIBRARY_PATH", raising=False)
    monkeypatch.delenv("MXNET_INCLUDE_PATH", raising=False)
    with pytest.raises(RuntimeError, match="Cannot find the MXNet library.*\nList of candidates:\n"):
        mx.libinfo.find_lib_path()
    with pytest.raises(RuntimeError, match="Cannot find the TVM op config.\nList of candidates:\n"):
        mx.libinfo.find_conf_path()
    with pytest.raises(RuntimeError, match="Cannot find the MXNet include path"):
        mx.libinfo.find_include_path()
    lib = tmp_path / "libmxnet.so"
    lib.write_bytes(b"")
    monkeypatch.setenv("MXNET_LIBRARY_PATH", str(lib))
    assert mx.libinfo.find_lib_path() == [str(lib)]
    monkeypatch.setenv("LD_LIBRARY_PATH", str(tmp_path))
    monkeypatch.delenv("MXNET_LIBRARY_PATH")
    assert mx.libinfo.find_lib_path() == [str(lib)]
    monkeypatch.setenv("MXNET_INCLUDE_PATH", str(tmp_path))
    assert mx.libinfo.find_include_path() == str(tmp_path)


def test_notebook_without_optional_packages(monkeypatch):
    from mxnet.notebook import callback
    monkeypatch.setitem(sys.modules, "pandas", None)       # import pandas -> ImportError
    monkeypatch.setitem(sys.modules, "bokeh", None)
    with pytest.raises(ImportError, match="PandasLogger needs the 'pandas' package"):
        callback.PandasLogger(batch_size=4)
    for cls in (callback.LiveBokehChart, callback.LiveLearningCurve, callback.LiveTimeSeries):
        with pytest.raises(ImportError, match="needs the 'bokeh' package"):
            cls("accuracy")
    calls = []
    callback.args_wrapper(lambda *a: calls.append(("f", a)), lambda *a: calls.append(("g", a)))(1, 2)
    assert calls == [("f", (1, 2)), ("g", (1, 2))]


def test_pandas_logger_with_a_stub_pandas(monkeypatch):
    from mxnet.notebook import callback
    stub = types.ModuleType("pandas")
    stub.DataFrame = lambda rows: list(rows)
    monkeypatch.setitem(sys.modules, "pandas", stub)
    log = callback.PandasLogger(batch_size=4, frequent=2)
    metric = mx.metric.Accuracy()
    metric.update([mx.nd.array([1, 0])], [mx.nd.array([[0.1, 0.9], [0.8, 0.2]])])
    args = log.callback_args()
    for nbatch in range(5):
        args["batch_end_callback"](mx.model.BatchEndParam(epoch=0, nbatch=nbatch, eval_metric=metric, locals=None))
    args["eval_end_callback"](mx.model.BatchEndParam(epoch=0, nbatch=5, eval_metric=metric, locals=None))
    args["epoch_end_callback"](0, None, {}, {})
    train = log.train_df
    assert [r["batch"] for r in train] == [0, 2, 4] and train[0]["accuracy"] == 1.0
    assert train[2]["records"] == 16 and "elapsed" in train[0]
    assert len(log.eval_df) == 1 and len(log.epoch_df) == 1 and "epoch_time" in log.epoch_df[0]
    assert set(log.all_dataframes) == {"train", "eval", "epoch"}
