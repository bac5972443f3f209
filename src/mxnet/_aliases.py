"""Small top-level modules of MXNet 1.9.1: ``mx.img`` and ``mx.rnd`` (aliases of ``mx.image`` and
``mx.random``), ``mx.error``, ``mx.log``, ``mx.library``, ``mx.libinfo`` and
``mx.notebook`` (with ``mx.notebook.callback``).

Each is a module object registered as ``mxnet.<name>`` in ``sys.modules``, so ``import mxnet.error``
and ``from mxnet.log import get_logger`` work as in MXNet. neomx has no C++ library: ``mx.library``
cannot load plugins and ``mx.libinfo.find_lib_path`` finds no ``libmxnet`` (both say so).
"""
import logging
import os
import platform
import sys
import time
import types
import warnings

from .base import MXNetError, NotImplementedForSymbol, register_error
from .base import error_types as _ERROR_TYPES  # noqa: F401  (the registry mx.error.register fills)

_PKG = __name__.rsplit(".", 1)[0]          # "mxnet"
_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def _module(name, doc, members, all_names=None):
    """Make ``mxnet.<name>`` holding ``members`` (what is defined here gets that module name)."""
    full = _PKG + "." + name
    mod = types.ModuleType(full, doc)
    for key, value in members.items():
        if getattr(value, "__module__", None) == __name__:
            value.__module__ = full
        setattr(mod, key, value)
    if all_names is not None:
        mod.__all__ = list(all_names)
    sys.modules[full] = mod
    parent_name, _, attr = full.rpartition(".")
    setattr(sys.modules[parent_name], attr, mod)
    return mod


# -- mx.error ---------------------------------------------------------------------------------------
class InternalError(MXNetError):
    """Internal error in the system; the message gets a hint to report it (unless it has one)."""

    def __init__(self, msg):
        if "MXNet hint:" not in msg:
            msg += ("\nMXNet hint: You hit an internal error. Please open an issue in "
                    "https://github.com/apache/incubator-mxnet/issues/new/choose to report it.")
        super().__init__(msg)


register_error(NotImplementedForSymbol)
register_error(InternalError)
for _cls in (ValueError, TypeError, AttributeError, IndexError, NotImplementedError):
    register_error(_cls.__name__, _cls)

_module("error", "Structured error classes of MXNet (``MXNetError``, ``InternalError``) and their "
                "registry.", {"MXNetError": MXNetError, "InternalError": InternalError,
                              "register": register_error, "register_error": register_error},
                ["MXNetError", "register"])


# -- mx.log -----------------------------------------------------------------------------------------
class _Formatter(logging.Formatter):
    """MXNet's log format: a coloured level letter, date, process, file:function:line, message."""

    _LABELS = {logging.CRITICAL: "C", logging.ERROR: "E", logging.WARNING: "W", logging.INFO: "I",
               logging.DEBUG: "D"}

    def __init__(self):
        super().__init__(datefmt="%m%d %H:%M:%S")

    @staticmethod
    def _get_color(level):
        if level >= logging.WARNING:
            return "\x1b[31m"
        if level >= logging.INFO:
            return "\x1b[32m"
        return "\x1b[34m"

    def _get_label(self, level):
        return self._LABELS.get(level, "U")

    def format(self, record):
        self._style._fmt = (self._get_color(record.levelno) + self._get_label(record.levelno) +
                            "%(asctime)s %(process)d %(pathname)s:%(funcName)s:%(lineno)d]\x1b[0m %(message)s")
        return super().format(record)


def get_logger(name=None, filename=None, filemode=None, level=logging.WARNING):
    """A logger with MXNet's format: a named logger gets, once, a handler (a file ``filename``
    opened with ``filemode``, default 'a', or a coloured stream) and the level ``level``."""
    logger = logging.getLogger(name)
    if name is not None and not getattr(logger, "_init_done", None):
        logger._init_done = True
        if filename:
            handler = logging.FileHandler(filename, filemode if filemode else "a")
        else:
            handler = logging.StreamHandler()
            handler.setFormatter(_Formatter())      # colour codes only on streams
        logger.addHandler(handler)
        logger.setLevel(level)
    return logger


def getLogger(name=None, filename=None, filemode=None, level=logging.WARNING):
    """Gets a customized logger.

    .. note:: `getLogger` is deprecated. Use `get_logger` instead."""
    warnings.warn("getLogger is deprecated, Use get_logger instead.", DeprecationWarning, stacklevel=2)
    return get_logger(name, filename, filemode, level)


_module("log", "Logging utilities (MXNet's log format).", dict(
    {k: getattr(logging, k) for k in ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG", "NOTSET")},
    _Formatter=_Formatter, get_logger=get_logger, getLogger=getLogger, logging=logging, warnings=warnings))


# -- mx.libinfo and mx.library ----------------------------------------------------------------------
def _candidates(names, dirs):
    return [os.path.join(d, n) for d in dirs for n in names]


def find_lib_path(prefix="libmxnet"):
    """Paths of the MXNet shared library ``<prefix>.so`` (``MXNET_LIBRARY_PATH`` first); neomx
    is pure Python and has none, so this raises RuntimeError listing where it looked."""
    env = os.environ.get("MXNET_LIBRARY_PATH")
    if env and os.path.isfile(env):
        return [env]
    if env:
        logging.warning("MXNET_LIBRARY_PATH should be set to the library file instead of %s", env)
    dirs = [_PKG_DIR, os.path.join(_PKG_DIR, "../../lib/"), os.path.join(_PKG_DIR, "../../build/")]
    var = "PATH" if platform.system() == "Windows" else "LD_LIBRARY_PATH"
    dirs += [p.strip() for p in os.environ.get(var, "").split(os.pathsep) if p.strip()]
    ext = ".dll" if platform.system() == "Windows" else (".dylib" if platform.system() == "Darwin" else ".so")
    paths = _candidates([prefix + ext], dirs)
    found = [p for p in paths if os.path.isfile(p)]
    if not found:
        raise RuntimeError("Cannot find the MXNet library (neomx is pure Python and has no libmxnet).\n"
                           "List of candidates:\n" + "\n".join(paths))
    return found


def find_include_path():
    """The MXNet C/C++ include directory (``MXNET_INCLUDE_PATH`` first); neomx ships none, so this
    raises RuntimeError."""
    env = os.environ.get("MXNET_INCLUDE_PATH")
    if env and os.path.isdir(env):
        return env
    pip_path = os.path.join(_PKG_DIR, "include/")
    src_path = os.path.join(_PKG_DIR, "../../include/")
    for p in (pip_path, src_path):
        if os.path.isdir(p):
            return p
    raise RuntimeError("Cannot find the MXNet include path in either " + pip_path + " or " + src_path + "\n")


def find_conf_path(prefix="tvmop"):
    """The TVM operator config ``<prefix>.conf``; neomx has none, so this raises RuntimeError."""
    paths = _candidates([prefix + ".conf"], [os.path.join(_PKG_DIR, "../../lib/"),
                                             os.path.join(_PKG_DIR, "../../build/")])
    found = [p for p in paths if os.path.isfile(p)]
    if not found:
        raise RuntimeError("Cannot find the TVM op config.\nList of candidates:\n" + "\n".join(paths))
    return found


def _version():
    return sys.modules[_PKG].__dict__.get("__version__", "1.9.1")


_module("libinfo", "Information about the MXNet library (neomx: no shared library).", dict(
    find_lib_path=find_lib_path, find_include_path=find_include_path, find_conf_path=find_conf_path,
    __version__=_version(), os=os, platform=platform, logging=logging))


def load(path, verbose=True):
    """Load an MXNet extension library (custom C++ operators, partitioners, graph passes). neomx
    has no C++ engine, so an existing library file raises MXNetError; write custom operators in
    Python with ``mx.operator.register``."""
    if not os.path.exists(path):
        raise MXNetError("load path %s does NOT exist" % path)
    if os.path.splitext(path)[1] not in (".so", ".dll"):
        raise MXNetError("load path %s is NOT a library file" % path)
    raise MXNetError("load path %s: neomx is pure Python and cannot load C++ extension libraries (custom "
                     "operators, partitioners, graph passes); use mx.operator.register for Python "
                     "operators" % path)


_module("library", "Loading of extension libraries (not possible in neomx: no C++ engine).",
        dict(load=load, MXNetError=MXNetError, os=os, sys=sys))


# -- mx.notebook ------------------------------------------------------------------------------------
def _optional(name):
    try:
        return __import__(name)
    except ImportError:
        return None


class Bokeh_Failed_To_Import:   # noqa: N801  (MXNet's name: what ``bokeh`` is when it is missing)
    pass


def _require(module, what):
    mod = _optional(module)
    if mod is None:
        raise ImportError("{} needs the '{}' package, which is not installed (pip install {})".format(
            what, module, module))
    return mod


def args_wrapper(*args):
    """One callback calling every callback in ``args`` with the arguments it gets."""
    def wrapped(*a, **k):
        for f in args:
            f(*a, **k)
    return wrapped


class PandasLogger:
    """Training metrics as pandas DataFrames: ``train_df`` (every ``frequent`` batches),
    ``eval_df`` and ``epoch_df``; pass ``**logger.callback_args()`` to ``Module.fit``. Needs pandas."""

    def __init__(self, batch_size, frequent=50):
        self._pd = _require("pandas", "PandasLogger")
        self.batch_size = batch_size
        self.frequent = frequent
        self._rows = {"train": [], "eval": [], "epoch": []}
        self.start_time = time.time()
        self.last_time = self.start_time
        self.last_epoch_time = self.start_time

    def _df(self, key):
        return self._pd.DataFrame(self._rows[key])

    @property
    def train_df(self):
        return self._df("train")

    @property
    def eval_df(self):
        return self._df("eval")

    @property
    def epoch_df(self):
        return self._df("epoch")

    @property
    def all_dataframes(self):
        return {"train": self.train_df, "eval": self.eval_df, "epoch": self.epoch_df}

    def elapsed(self):
        return time.time() - self.start_time

    def append_metrics(self, metrics, df_name):
        row = {"elapsed": self.elapsed()}
        row.update(metrics)
        self._rows[df_name].append(row)

    def _process_batch(self, param, df_name):
        now = time.time()
        metrics = dict(param.eval_metric.get_name_value()) if param.eval_metric is not None else {}
        speed = self.frequent / (now - self.last_time) if now > self.last_time else float("inf")
        metrics.update({"epoch": param.epoch, "batch": param.nbatch,
                        "records": param.nbatch * self.batch_size, "batches_per_sec": speed,
                        "records_per_sec": speed * self.batch_size})
        self.last_time = now
        self.append_metrics(metrics, df_name)

    def train_cb(self, param):
        if param.nbatch % self.frequent == 0:
            self._process_batch(param, "train")

    def eval_cb(self, param):
        self._process_batch(param, "eval")

    def epoch_cb(self, *args, **kwargs):
        now = time.time()
        self.append_metrics({"epoch_time": now - self.last_epoch_time}, "epoch")
        self.last_epoch_time = now

    def callback_args(self):
        return {"batch_end_callback": self.train_cb, "eval_end_callback": self.eval_cb,
                "epoch_end_callback": self.epoch_cb}


class LiveBokehChart:
    """Live Bokeh charts of training metrics: need bokeh, and are not implemented in neomx."""

    def __init__(self, *args, **kwargs):
        _require("bokeh", type(self).__name__)
        raise NotImplementedError("{}: live Bokeh charts are not implemented in neomx; plot "
                                  "PandasLogger's DataFrames instead".format(type(self).__name__))


class LiveTimeSeries(LiveBokehChart):
    """A live Bokeh time series (see :class:`LiveBokehChart`)."""


class LiveLearningCurve(LiveBokehChart):
    """A live Bokeh learning curve (see :class:`LiveBokehChart`)."""


_bokeh = _optional("bokeh")
_module("notebook", "MXNet notebook: visualization callbacks (need pandas / bokeh).",
        dict(bokeh=_bokeh if _bokeh is not None else Bokeh_Failed_To_Import,
             **({} if _bokeh is not None else {"Bokeh_Failed_To_Import": Bokeh_Failed_To_Import})))
sys.modules[_PKG + ".notebook"].__path__ = []     # a package: mx.notebook.callback below
_module("notebook.callback", "Visualization callbacks: PandasLogger (pandas), live Bokeh charts (bokeh).",
        dict(PandasLogger=PandasLogger, LiveBokehChart=LiveBokehChart, LiveTimeSeries=LiveTimeSeries,
             LiveLearningCurve=LiveLearningCurve, args_wrapper=args_wrapper, time=time))


# -- mx.img, mx.rnd ---------------------------------------------------------------------------------
def _install_aliases():
    pkg = sys.modules[_PKG]
    for alias, target in (("img", "image"), ("rnd", "random")):
        mod = sys.modules[_PKG + "." + target]
        setattr(pkg, alias, mod)
        sys.modules[_PKG + "." + alias] = mod


_install_aliases()
