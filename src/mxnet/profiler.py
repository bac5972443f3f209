"""mx.profiler: time the operators the engine runs and write a Chrome trace (chrome://tracing).

- ``set_config(...)`` then ``set_state('run')``: every engine operator executed while running is
  recorded as one complete trace event (``"ph": "X"``) named after the operator
  (``FullyConnected``, ``_set_item``, ``forward`` for a bound executor...), with ``ts``/``dur``
  in microseconds, the process (device) and the thread that ran it.
- ``dump()`` writes ``{"traceEvents": [...], "displayTimeUnit": "ms"}`` to the configured file;
  ``dumps()`` returns the aggregate statistics (``aggregate_stats=True``) as MXNet's text table
  or as JSON (``format='json'``).
- ``Domain``/``Task``/``Frame``/``Event``/``Counter``/``Marker`` add user ranges, counters and
  instant markers to the same trace.

The engine calls ``engine._op_observer(fn, name)`` instead of ``fn()`` while the profiler runs:
with the profiler stopped the engine pays one ``is None`` test per operator.
"""
import json
import threading
import time
import warnings

from . import engine as _engine
from .base import MXNetError

__all__ = ["set_config", "profiler_set_config", "set_state", "profiler_set_state", "dump",
           "dump_profile", "dumps", "pause", "resume", "set_kvstore_handle", "Domain", "Task",
           "Frame", "Event", "Counter", "Marker"]

# name -> (type converter, default); the order is MXNet's (its error message lists them so)
_PARAMS = (
    ("profile_all", bool, False, "boolean", "Profile all. Default is False."),
    ("profile_symbolic", bool, True, "boolean", "Profile symbolic operators.  Default is True."),
    ("profile_imperative", bool, True, "boolean", "Profile imperative operators.  Default is True."),
    ("profile_memory", bool, True, "boolean", "Profile memory.  Default is True."),
    ("profile_api", bool, True, "boolean", "Profile C API.  Default is True."),
    ("filename", str, "profile.json", "string", "File name to write profiling info."),
    ("continuous_dump", bool, True, "boolean",
     "Periodically dump (and append) profiling data to file while running. Default is True."),
    ("dump_period", float, 1.0, "float",
     "When continuous dump is enabled, the period between subsequent profile info dumping."),
    ("aggregate_stats", bool, False, "boolean",
     "Maintain aggregate stats, required for MXDumpAggregateStats.  Note that this can have a "
     "negative performance impact. Default is False."),
    ("profile_process", str, "worker", "{'server', 'worker'}",
     "Specifies which process to profile: worker: this is default. for single node training it "
     "should always be worker.server: for distributed training, this profiles server process"),
)

# engine ops that run a whole symbolic graph (an executor or a hybridized block)
_SYMBOLIC = frozenset(("forward", "backward", "hybrid forward"))


def _to_bool(v):
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "1"):
            return True
        if low in ("false", "0"):
            return False
        raise MXNetError("Invalid boolean value {!r}".format(v))
    return bool(v)


class _Profiler:
    """The process-wide profiler state (the recorded events and the aggregate table)."""

    def __init__(self):
        self.config = {p[0]: p[2] for p in _PARAMS}
        self.running = False
        self.paused = False
        self.events = []          # trace events (dicts); list.append is atomic under the GIL
        self.stats = {}           # category -> {name: [count, total, min, max]} (microseconds)
        self.lock = threading.Lock()
        self.threads = {}         # thread ident -> thread name, for the trace's metadata
        # wall-clock microseconds of perf_counter's origin: timestamps are absolute, as MXNet's
        self.t0_wall = time.time_ns() / 1000.0 - time.perf_counter_ns() / 1000.0

    def now_us(self):
        return self.t0_wall + time.perf_counter_ns() / 1000.0

    def active(self):
        return self.running and not self.paused

    def wants(self, name):
        cfg = self.config
        if cfg["profile_all"]:
            return True
        if name in _SYMBOLIC:
            return cfg["profile_symbolic"]
        return cfg["profile_imperative"]

    def tid(self):
        ident = threading.get_ident()
        if ident not in self.threads:
            self.threads[ident] = threading.current_thread().name
        return ident

    def add(self, event, category=None, dur=None):
        self.events.append(event)
        if dur is not None and self.config["aggregate_stats"]:
            self.aggregate(category or event.get("cat", ""), event["name"], dur)

    def aggregate(self, category, name, dur):
        with self.lock:
            table = self.stats.setdefault(category, {})
            row = table.get(name)
            if row is None:
                table[name] = [1, dur, dur, dur]
            else:
                row[0] += 1
                row[1] += dur
                if dur < row[2]:
                    row[2] = dur
                if dur > row[3]:
                    row[3] = dur

    def observe(self, fn, name):
        """The engine hook: run ``fn`` and record it as one operator event."""
        if not (self.running and not self.paused) or not self.wants(name):
            fn()
            return
        start = time.perf_counter_ns()
        try:
            fn()
        finally:
            end = time.perf_counter_ns()
            dur = (end - start) / 1000.0
            self.add({"name": name or "<engine op>", "cat": "operator", "ph": "X",
                      "ts": self.t0_wall + start / 1000.0, "dur": dur, "pid": 0, "tid": self.tid()},
                     "operator", dur)


_prof = _Profiler()


# -- configuration and state ----------------------------------------------------------------------

def set_config(**kwargs):
    """Set up the profiler: ``profile_all``, ``profile_symbolic``, ``profile_imperative``,
    ``profile_memory``, ``profile_api``, ``filename``, ``continuous_dump``, ``dump_period``,
    ``aggregate_stats``, ``profile_process``."""
    known = {p[0]: p for p in _PARAMS}
    new = {}
    for key, value in kwargs.items():
        if key not in known:
            lines = ["Cannot find argument '{}', Possible Arguments:".format(key), "----------------"]
            for name, _, default, tname, doc in _PARAMS:
                shown = ("'{}'".format(default) if isinstance(default, str)
                         else int(default) if isinstance(default, bool) else default)
                lines.append("{} : {}, optional, default={}".format(name, tname, shown))
                lines.append("    " + doc)
            raise MXNetError("\n".join(lines))
        conv = known[key][1]
        try:
            new[key] = _to_bool(value) if conv is bool else conv(value)
        except (TypeError, ValueError) as e:
            raise MXNetError("Invalid value {!r} for profiler argument '{}': {}".format(value, key, e)) from None
    if new.get("profile_process", "worker") not in ("worker", "server"):
        raise MXNetError("Invalid Input: '{}', valid values are: {{'server', 'worker'}}".format(
            new["profile_process"]))
    _prof.config.update(new)


def profiler_set_config(mode="symbolic", filename="profile.json"):
    """Deprecated: use ``set_config``. ``mode`` is 'symbolic' or 'all'."""
    warnings.warn("profiler.profiler_set_config() is deprecated. Please use profiler.set_config() instead")
    if mode not in ("symbolic", "all"):
        raise KeyError(mode)
    set_config(profile_symbolic=True, profile_all=(mode == "all"), filename=filename)


def set_state(state="stop", profile_process="worker"):
    """Start ('run') or stop ('stop') recording."""
    run = {"stop": False, "run": True}[state]     # KeyError on anything else, as MXNet
    if profile_process not in ("worker", "server"):
        raise KeyError(profile_process)
    if run:
        _prof.running = True
        _prof.paused = False
        _engine._op_observer = _prof.observe
    else:
        _prof.running = False
        _engine._op_observer = None


def profiler_set_state(state="stop"):
    """Deprecated: use ``set_state``."""
    warnings.warn("profiler.profiler_set_state() is deprecated. Please use profiler.set_state() instead")
    set_state(state)


def pause(profile_process="worker"):
    """Stop recording until ``resume()`` (the profiler stays in the 'run' state)."""
    _prof.paused = True


def resume(profile_process="worker"):
    """Record again after ``pause()``."""
    _prof.paused = False


def set_kvstore_handle(handle):
    """Accepted for API compatibility (profiling a distributed server is not supported)."""
    _prof.kvstore = handle


# -- output ---------------------------------------------------------------------------------------

def _trace():
    events = [{"ph": "M", "args": {"name": "cpu/0"}, "pid": 0, "name": "process_name"}]
    for ident, tname in list(_prof.threads.items()):
        events.append({"ph": "M", "args": {"name": tname}, "pid": 0, "tid": ident, "name": "thread_name"})
    for cat, pid in sorted(_Domainish.pids.items(), key=lambda kv: kv[1]):
        events.append({"ph": "M", "args": {"name": cat}, "pid": pid, "name": "process_name"})
    events.extend(list(_prof.events))
    return {"traceEvents": events, "displayTimeUnit": "ms"}


def dump(finished=True, profile_process="worker"):
    """Write the trace of everything recorded so far to the configured ``filename``
    (Chrome trace-event JSON: ``{"traceEvents": [...]}``). ``finished=False`` keeps recording
    into the same trace; later dumps rewrite the whole file."""
    if profile_process not in ("worker", "server"):
        raise KeyError(profile_process)
    _engine.wait_all()
    with open(_prof.config["filename"], "w") as f:
        json.dump(_trace(), f, indent=1)


def dump_profile():
    """Deprecated: use ``dump``."""
    warnings.warn("profiler.dump_profile() is deprecated. Please use profiler.dump() instead")
    dump(True)


_SORT_KEYS = {"total": 1, "avg": None, "min": 2, "max": 3, "count": 0}


def _sorted_rows(table, sort_by, ascending):
    def key(item):
        row = item[1]
        if sort_by == "avg":
            return row[1] / row[0]
        return row[_SORT_KEYS[sort_by]]
    return sorted(table.items(), key=key, reverse=not ascending)


def _fmt(us):
    return "{:.4f}".format(us / 1000.0)


def dumps(reset=False, format="table", sort_by="total", ascending=False):
    """The aggregate statistics (needs ``set_config(aggregate_stats=True)``) as a text table
    (``format='table'``) or JSON (``format='json'``); times in ms. ``reset`` clears them."""
    assert format in ("table", "json"), (
        "Invalid value provided for format: {}. Support: 'table', 'json'".format(format))
    assert sort_by in _SORT_KEYS, (
        "Invalid value provided for sort_by: {}.             Support: 'total', 'avg', 'min', "
        "'max', 'count'".format(sort_by))
    assert ascending in (True, False), (
        "Invalid value provided for ascending: {}. Support: False, True".format(ascending))
    _engine.wait_all()
    with _prof.lock:
        stats = {cat: {n: list(r) for n, r in t.items()} for cat, t in _prof.stats.items()}
        if reset:
            _prof.stats = {}
    if format == "json":
        time_part = {}
        for cat in sorted(stats):
            time_part[cat] = {n: {"Count": r[0], "Total": round(r[1] / 1000.0, 4),
                                  "Min": round(r[2] / 1000.0, 4), "Max": round(r[3] / 1000.0, 4),
                                  "Avg": round(r[1] / r[0] / 1000.0, 4)}
                              for n, r in _sorted_rows(stats[cat], sort_by, ascending)}
        return json.dumps({"Time": time_part, "Memory": {}, "Unit": {"Time": "ms", "Memory": "kB"}},
                          indent=4) + "\n"
    lines = ["", "Profile Statistics:", "\tNote the difference in units for different entries."]
    header = ("Name                          Total Count        Time (ms)    Min Time (ms)"
              "    Max Time (ms)    Avg Time (ms)")
    rule = ("----                          -----------        ---------    -------------"
            "    -------------    -------------")
    for cat in sorted(stats):
        lines += [cat, "=================", header, rule]
        for name, (count, total, lo, hi) in _sorted_rows(stats[cat], sort_by, ascending):
            lines.append(name.ljust(25) + str(count).rjust(16) + _fmt(total).rjust(17)
                         + _fmt(lo).rjust(17) + _fmt(hi).rjust(17) + _fmt(total / count).rjust(17))
        lines.append("")
    return "\n".join(lines) + "\n"


# -- user-defined ranges, counters and markers ----------------------------------------------------

class _Domainish:
    """Trace process ids for the categories of user objects (one row group per domain)."""
    pids = {}

    @classmethod
    def pid(cls, cat):
        pid = cls.pids.get(cat)
        if pid is None:
            pid = cls.pids[cat] = 100 + len(cls.pids)
        return pid


class Domain:
    """A named group of tasks, frames, counters and markers (a row group in the trace)."""

    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name

    def new_task(self, name):
        return Task(self, name)

    def new_frame(self, name):
        return Frame(self, name)

    def new_counter(self, name, value=None):
        return Counter(self, name, value)

    def new_marker(self, name):
        return Marker(self, name)


class _Range:
    """A start()/stop() range recorded as one complete event of category ``self._cat``."""
    _kind = "range"

    def __init__(self, cat, name):
        self.name = name
        self._cat = cat
        self._start = None

    def start(self):
        self._start = time.perf_counter_ns()

    def stop(self):
        if self._start is None:
            return
        start, self._start = self._start, None
        if not _prof.active():
            return
        dur = (time.perf_counter_ns() - start) / 1000.0
        _prof.add({"name": self.name, "cat": self._cat, "ph": "X", "ts": _prof.t0_wall + start / 1000.0,
                   "dur": dur, "pid": _Domainish.pid(self._cat), "tid": _prof.tid()}, self._cat, dur)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __str__(self):
        return self.name


class Task(_Range):
    """A task (a range of work) in ``domain``: ``start()`` ... ``stop()``."""

    def __init__(self, domain, name):
        super().__init__(str(domain), name)
        self.domain = domain


class Frame(_Range):
    """A frame (e.g. one iteration) in ``domain``: ``start()`` ... ``stop()``."""

    def __init__(self, domain, name):
        super().__init__(str(domain), name)
        self.domain = domain


class Event(_Range):
    """A plain named range (category 'event'): ``start()`` ... ``stop()``."""

    def __init__(self, name):
        super().__init__("event", name)


class Counter:
    """A named integer counter in ``domain``; each change is a counter sample in the trace."""

    def __init__(self, domain, name, value=None):
        self.domain = domain
        self.name = name
        self._value = 0
        if value is not None:
            self.set_value(value)

    def _record(self):
        if _prof.active():
            cat = str(self.domain)
            _prof.add({"name": self.name, "cat": cat, "ph": "C", "ts": _prof.now_us(),
                       "args": {self.name: self._value}, "pid": _Domainish.pid(cat), "tid": _prof.tid()})

    def set_value(self, value):
        self._value = int(value)
        self._record()

    def increment(self, delta=1):
        self._value += int(delta)
        self._record()

    def decrement(self, delta=1):
        self._value -= int(delta)
        self._record()

    def __iadd__(self, delta):
        self.increment(delta)
        return self

    def __isub__(self, delta):
        self.decrement(delta)
        return self

    def __str__(self):
        return self.name


_SCOPES = {"global": "g", "process": "p", "thread": "t", "task": "t", "marker": "t"}


class Marker:
    """An instant marker in ``domain``: ``mark(scope)`` with scope 'global', 'process',
    'thread', 'task' or 'marker'."""

    def __init__(self, domain, name):
        self.domain = domain
        self.name = name

    def mark(self, scope="process"):
        if scope not in _SCOPES:
            raise MXNetError("Marker.mark: unknown scope {!r}; use one of {}".format(scope, sorted(_SCOPES)))
        if _prof.active():
            cat = str(self.domain) + ",instant_marker"
            _prof.add({"name": self.name, "cat": cat, "ph": "i", "ts": _prof.now_us(), "s": _SCOPES[scope],
                       "pid": _Domainish.pid(cat), "tid": _prof.tid()})


# MXNet's module global: the kvstore handle set by set_kvstore_handle (a null c_void_p until then).
import ctypes as _ctypes  # noqa: E402
import functools as _functools  # noqa: E402
profiler_kvstore_handle = _ctypes.c_void_p()
_store_kvstore_handle = set_kvstore_handle


@_functools.wraps(_store_kvstore_handle)
def set_kvstore_handle(handle):  # noqa: F811 - also keeps the module global, as MXNet
    global profiler_kvstore_handle
    profiler_kvstore_handle = handle
    _store_kvstore_handle(handle)
