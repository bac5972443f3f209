"""mx.monitor.Monitor (mx.mon): statistics of operator outputs, arguments and aux states every
``interval`` batches, equal to NumPy's norm(x)/sqrt(size); pattern, sort, custom stat_func,
toc_print, and Module.install_monitor. Order and naming as MXNet 1.9.1 (checked with the oracle)."""
import json
import logging

import numpy as np
import pytest

import mxnet as mx


def _mlp():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=4, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=2, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def _executor():
    ex = _mlp().simple_bind(mx.cpu(), data=(3, 5))
    rng = np.random.RandomState(0)
    for name, arr in ex.arg_dict.items():
        arr[:] = rng.uniform(-1, 1, arr.shape) if name != "softmax_label" else np.array([0, 1, 1])
    return ex


def _ref_stat(x):
    x = np.asarray(x, dtype=np.float64)
    return np.sqrt((x ** 2).sum()) / np.sqrt(x.size)


def _reference_values(ex):
    """NumPy forward of the MLP: the arrays Monitor should report, in MXNet's order."""
    a = {k: v.asnumpy().astype(np.float64) for k, v in ex.arg_dict.items()}
    fc1 = a["data"] @ a["fc1_weight"].T + a["fc1_bias"]
    relu = np.maximum(fc1, 0)
    fc2 = relu @ a["fc2_weight"].T + a["fc2_bias"]
    e = np.exp(fc2 - fc2.max(axis=1, keepdims=True))
    soft = e / e.sum(axis=1, keepdims=True)
    outs = [("fc1_output", fc1), ("relu1_output", relu), ("fc2_output", fc2), ("softmax_output", soft)]
    return outs + [(n, a[n]) for n in ex._symbol.list_arguments()]


def test_alias():
    assert mx.mon is mx.monitor
    assert mx.mon.Monitor is mx.monitor.Monitor


def test_default_stat_equals_numpy_norm():
    ex = _executor()
    mon = mx.mon.Monitor(1)
    mon.install(ex)
    mon.tic()
    ex.forward(is_train=True)
    res = mon.toc()
    ref = _reference_values(ex)
    assert [(step, name) for step, name, _ in res] == [(1, name) for name, _ in ref]
    for (_, name, text), (_, value) in zip(res, ref):
        assert text.endswith("\t")
        np.testing.assert_allclose(float(text), _ref_stat(value), rtol=1e-5, err_msg=name)


def test_interval_steps_and_inactive_toc():
    ex = _executor()
    mon = mx.mon.Monitor(2, pattern="fc.*", sort=True,
                         stat_func=lambda x: [mx.nd.sum(x), mx.nd.max(x)])
    mon.install(ex)
    got = []
    for _ in range(4):
        mon.tic()
        ex.forward()
        got.append(mon.toc())
    assert got[1] == [] and got[3] == []
    names = [name for _, name, _ in got[0]]
    assert names == sorted(["fc1_output", "fc2_output", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"])
    assert {step for step, _, _ in got[0]} == {1} and {step for step, _, _ in got[2]} == {3}
    w = ex.arg_dict["fc1_weight"].asnumpy()
    text = dict((n, t) for _, n, t in got[0])["fc1_weight"]
    s, m = (float(v) for v in text.split("\t")[:2])
    np.testing.assert_allclose([s, m], [w.sum(), w.max()], rtol=1e-5)
    assert mon.toc() == []            # not active again until the next tic at a multiple of 2


def test_non_scalar_stat_and_bad_stat():
    ex = _executor()
    mon = mx.mon.Monitor(1, pattern="fc1_bias", stat_func=lambda x: x * 1)
    mon.install(ex)
    mon.tic()
    ex.forward()
    (step, name, text), = mon.toc()
    assert name == "fc1_bias" and text == str(ex.arg_dict["fc1_bias"].asnumpy()) + "\t"
    bad = mx.mon.Monitor(1, pattern="fc1_bias", stat_func=lambda x: 3.0)
    bad.install(ex)
    bad.tic()
    ex.forward()
    with pytest.raises(TypeError):
        bad.toc()


def test_toc_print_logs(caplog):
    ex = _executor()
    mon = mx.mon.Monitor(1, pattern=".*_output")
    mon.install(ex)
    mon.tic()
    ex.forward()
    with caplog.at_level(logging.INFO):
        mon.toc_print()
    msgs = [r.getMessage() for r in caplog.records]
    assert len(msgs) == 4
    assert msgs[0].startswith("Batch:       1 fc1_output                     ")


def test_module_install_monitor():
    mod = mx.mod.Module(_mlp(), data_names=["data"], label_names=["softmax_label"])
    mod.bind(data_shapes=[("data", (3, 5))], label_shapes=[("softmax_label", (3,))])
    mod.init_params(initializer=mx.init.Uniform(0.5))
    mon = mx.mon.Monitor(1, pattern="fc1_.*")
    mod.install_monitor(mon)
    batch = mx.io.DataBatch(data=[mx.nd.ones((3, 5))], label=[mx.nd.array([0, 1, 1])])
    mon.tic()
    mod.forward(batch, is_train=False)
    res = mon.toc()
    names = [n for _, n, _ in res]
    assert names == ["fc1_output", "fc1_weight", "fc1_bias"]
    arg_params, _ = mod.get_params()
    w = arg_params["fc1_weight"].asnumpy()
    np.testing.assert_allclose(float(res[1][2]), _ref_stat(w), rtol=1e-5)
    out = np.ones((3, 5)) @ w.T + arg_params["fc1_bias"].asnumpy()
    np.testing.assert_allclose(float(res[0][2]), _ref_stat(out), rtol=1e-5)


def test_signatures_match_mxnet():
    import inspect
    import os
    spec_path = os.path.join(os.path.dirname(__file__), "fixtures", "spec", "mxnet-1.9.1-api.json")
    with open(spec_path) as f:
        spec = json.load(f)["modules"]["mxnet.monitor"]
    checked = 0
    for name, entry in spec.items():
        if entry.get("kind") == "function" and name not in ("py_str",):
            assert str(inspect.signature(getattr(mx.monitor, name))) == entry["signature"], name
            checked += 1
        elif entry.get("kind") == "class" and name in ("Monitor",):
            for member, sig in entry["members"].items():
                if sig and sig.startswith("("):
                    assert str(inspect.signature(getattr(getattr(mx.monitor, name), member))) == sig, (name, member)
                    checked += 1
    assert checked >= 5
