"""mx.profiler: a Chrome trace with one event per engine operator run while profiling (names,
positive durations, threads), the aggregate table/JSON, pause/resume/stop, the user objects
(Domain, Task, Frame, Event, Counter, Marker), MXNet's errors and deprecated aliases."""
import json

import numpy as np
import pytest

import mxnet as mx
from mxnet import profiler


@pytest.fixture(autouse=True)
def fresh_profiler(tmp_path):
    profiler.set_state("stop")
    profiler._prof.__init__()
    profiler.set_config(filename=str(tmp_path / "profile.json"))
    yield
    profiler.set_state("stop")
    profiler._prof.__init__()


def _trace(tmp_path):
    profiler.dump()
    with open(tmp_path / "profile.json") as f:
        return json.load(f)


def _ops(trace):
    return [e for e in trace["traceEvents"] if e.get("cat") == "operator"]


def _mlp_executor():
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc1")
    out = mx.sym.Activation(fc, act_type="relu", name="relu1")
    return out.simple_bind(mx.cpu(), data=(2, 4))


def test_trace_has_one_event_per_operator(tmp_path, any_engine):
    profiler.set_config(profile_all=True, aggregate_stats=True)
    profiler.set_state("run")
    x = mx.nd.ones((4, 5))
    w = mx.nd.ones((3, 5))
    b = mx.nd.zeros((3,))
    y = mx.nd.FullyConnected(x, w, b, num_hidden=3)
    x[1] = 7
    ex = _mlp_executor()
    ex.forward(data=np.ones((2, 4), dtype=np.float32))
    ex.outputs[0].wait_to_read()
    y.wait_to_read()
    profiler.set_state("stop")
    trace = _trace(tmp_path)
    ops = _ops(trace)
    names = [e["name"] for e in ops]
    for expected in ("FullyConnected", "_set_item", "forward"):
        assert expected in names, names
    # one imperative call, and the executor graph's layer (reported inside its "forward")
    assert names.count("FullyConnected") == 2
    fwd = next(e for e in ops if e["name"] == "forward")
    inner = [e for e in ops if e["name"] == "FullyConnected" and fwd["ts"] <= e["ts"] <= fwd["ts"] + fwd["dur"]]
    assert len(inner) == 1
    for e in ops:
        assert e["ph"] == "X"
        assert e["dur"] > 0
        assert e["ts"] > 1.5e15          # absolute microseconds since the epoch
        assert isinstance(e["tid"], int) and "pid" in e
    fc = next(e for e in ops if e["name"] == "FullyConnected")
    setitem = next(e for e in ops if e["name"] == "_set_item")
    assert setitem["ts"] >= fc["ts"]     # x[1] = 7 writes what FullyConnected reads: after it
    meta = [e for e in trace["traceEvents"] if e["ph"] == "M"]
    assert any(e["name"] == "thread_name" for e in meta)
    np.testing.assert_allclose(y.asnumpy(), np.full((4, 3), 5.0))


def test_nothing_recorded_when_stopped_or_paused(tmp_path):
    a = mx.nd.ones((2, 2))
    (a + 1).wait_to_read()                       # before run: not recorded
    assert mx.engine._op_observer is None
    profiler.set_state("run")
    assert mx.engine._op_observer is not None
    (a * 3).wait_to_read()
    profiler.pause()
    mx.nd.exp(a).wait_to_read()
    profiler.resume()
    mx.nd.log(a).wait_to_read()
    profiler.set_state("stop")
    assert mx.engine._op_observer is None
    mx.nd.sqrt(a).wait_to_read()
    names = [e["name"] for e in _ops(_trace(tmp_path))]
    assert "_mul_scalar" in names and "log" in names
    for absent in ("_plus_scalar", "exp", "sqrt"):
        assert absent not in names


def test_imperative_and_symbolic_filters(tmp_path):
    profiler.set_config(profile_imperative=False, profile_symbolic=True)
    profiler.set_state("run")
    mx.nd.exp(mx.nd.ones((2,))).wait_to_read()
    ex = _mlp_executor()
    ex.forward(data=np.ones((2, 4), dtype=np.float32))
    ex.outputs[0].wait_to_read()
    profiler.set_state("stop")
    names = {e["name"] for e in _ops(_trace(tmp_path))}
    assert "forward" in names and "exp" not in names


def test_errors_still_raised_while_profiling(tmp_path):
    profiler.set_state("run")
    a = mx.nd.ones((2, 3))
    b = mx.nd.ones((4, 5))
    with pytest.raises(mx.MXNetError):
        mx.nd.dot(a, b).asnumpy()
    profiler.set_state("stop")


def test_aggregate_table_and_json(tmp_path):
    profiler.set_config(aggregate_stats=True)
    profiler.set_state("run")
    a = mx.nd.ones((8, 8))
    for _ in range(3):
        mx.nd.dot(a, a).wait_to_read()
    profiler.set_state("stop")
    table = profiler.dumps()
    assert table.startswith("\nProfile Statistics:\n\tNote the difference in units for different entries.\n")
    lines = table.split("\n")
    assert "operator" in lines
    row = next(line for line in lines if line.startswith("dot "))
    fields = row.split()
    assert fields[0] == "dot" and fields[1] == "3"
    total, lo, hi, avg = (float(v) for v in fields[2:])
    assert 0 < lo <= avg <= hi <= total
    assert abs(avg * 3 - total) < 1e-3
    assert row.index("3") + 1 == 41                         # MXNet's column layout
    stats = json.loads(profiler.dumps(format="json", reset=True))
    assert stats["Unit"] == {"Time": "ms", "Memory": "kB"}
    assert stats["Time"]["operator"]["dot"]["Count"] == 3
    assert "operator" not in json.loads(profiler.dumps(format="json"))["Time"]   # reset
    by_count = profiler.dumps(sort_by="count", ascending=True)
    assert "Profile Statistics" in by_count


def test_dumps_and_state_errors():
    with pytest.raises(AssertionError):
        profiler.dumps(format="xml")
    with pytest.raises(AssertionError):
        profiler.dumps(sort_by="name")
    with pytest.raises(KeyError):
        profiler.set_state("go")
    with pytest.raises(mx.MXNetError, match="Cannot find argument 'foo'"):
        profiler.set_config(foo=1)


def test_user_objects(tmp_path):
    profiler.set_config(aggregate_stats=True)
    profiler.set_state("run")
    dom = profiler.Domain("mydomain")
    assert str(dom) == "mydomain"
    task = dom.new_task("mytask")
    task.start()
    task.stop()
    with profiler.Frame(dom, "myframe"):
        pass
    ev = profiler.Event("myevent")
    ev.start()
    ev.stop()
    counter = dom.new_counter("mycounter", 3)
    counter.increment(4)
    counter.decrement()
    counter += 5
    dom.new_marker("mymarker").mark("process")
    with pytest.raises(mx.MXNetError):
        profiler.Marker(dom, "bad").mark("nowhere")
    profiler.set_state("stop")
    events = _trace(tmp_path)["traceEvents"]
    by_name = {}
    for e in events:
        by_name.setdefault(e["name"], []).append(e)
    assert by_name["mytask"][0]["cat"] == "mydomain" and by_name["mytask"][0]["dur"] > 0
    assert by_name["myframe"][0]["ph"] == "X"
    assert by_name["myevent"][0]["cat"] == "event"
    assert [e["args"]["mycounter"] for e in by_name["mycounter"]] == [3, 7, 6, 11]
    assert by_name["mymarker"][0]["ph"] == "i" and by_name["mymarker"][0]["s"] == "p"
    assert "mytask" in profiler.dumps()


def test_deprecated_aliases(tmp_path):
    with pytest.warns(UserWarning):
        profiler.profiler_set_config(mode="all", filename=str(tmp_path / "old.json"))
    assert profiler._prof.config["profile_all"] is True
    with pytest.warns(UserWarning):
        profiler.profiler_set_state("run")
    (mx.nd.ones((2,)) + 1).wait_to_read()
    with pytest.warns(UserWarning):
        profiler.profiler_set_state("stop")
    with pytest.warns(UserWarning):
        profiler.dump_profile()
    with open(tmp_path / "old.json") as f:
        assert any(e.get("cat") == "operator" for e in json.load(f)["traceEvents"])


def test_signatures_match_mxnet():
    import inspect
    import os
    spec_path = os.path.join(os.path.dirname(__file__), "fixtures", "spec", "mxnet-1.9.1-api.json")
    with open(spec_path) as f:
        spec = json.load(f)["modules"]["mxnet.profiler"]
    checked = 0
    for name, entry in spec.items():
        if entry.get("kind") == "function" and name not in ("c_str", "c_str_array", "check_call", "py_str"):
            assert str(inspect.signature(getattr(profiler, name))) == entry["signature"], name
            checked += 1
        elif entry.get("kind") == "class" and name in ("Domain", "Task", "Frame", "Event", "Counter", "Marker"):
            for member, sig in entry["members"].items():
                if sig and sig.startswith("("):
                    assert str(inspect.signature(getattr(getattr(profiler, name), member))) == sig, (name, member)
                    checked += 1
    assert checked >= 20
