"""Table-driven operator checks shared by every tests/ops/test_<family>.py.

- ``run_nd(op, inputs, **kwargs)``: run the generated ``mx.nd`` function; returns NumPy outputs.
- ``check_forward(op, inputs, kwargs, expected, rtol, atol)``: compare with a NumPy reference.
- ``check_grad(op, inputs, kwargs, ...)``: the registry ``backward`` rule against central finite
  differences of ``sum(head * forward(x))`` computed in float64 with NumPy.
"""
import numpy as np

import mxnet as mx
from mxnet.ops.registry import get_op, OpEnv
from mxnet.ndarray.register import make_function


def nd_function(op_name):
    return make_function(get_op(op_name), op_name)


def run_nd(op_name, inputs, **kwargs):
    """Outputs (list of NumPy arrays) of ``mx.nd.<op_name>(*inputs, **kwargs)``; each input keeps
    its NumPy dtype."""
    nd_in = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
    out = nd_function(op_name)(*nd_in, **kwargs)
    outs = out if isinstance(out, list) else [out]
    return [o.asnumpy() for o in outs]


def check_forward(op_name, inputs, kwargs, expected, rtol=1e-5, atol=1e-6):
    """Assert mx.nd forward equals ``expected`` (an array, a list, or callable(*inputs) -> either)."""
    got = run_nd(op_name, inputs, **kwargs)
    if callable(expected):
        expected = expected(*inputs)
    if not isinstance(expected, (list, tuple)):
        expected = [expected]
    assert len(got) == len(expected), "{}: {} outputs, expected {}".format(op_name, len(got), len(expected))
    for g, e in zip(got, expected):
        e = np.asarray(e)
        assert g.shape == e.shape, "{}: shape {} != expected {}".format(op_name, g.shape, e.shape)
        np.testing.assert_allclose(g.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol,
                                   err_msg=op_name)
    return got


def _forward64(op, attrs, xs, aux, is_train):
    env = OpEnv(np, is_train, mx.cpu())
    return [np.asarray(o, dtype=np.float64) for o in op.forward(env, attrs, xs, [a.copy() for a in aux])]


def check_grad(op_name, inputs, kwargs=None, wrt=None, aux=(), is_train=False, eps=1e-4,
               rtol=1e-2, atol=1e-4, seed=0):
    """Registry backward vs finite differences, per element (inputs up to 200 elements) or along
    a random direction (larger inputs). ``wrt``: indices of inputs to check (default: all)."""
    op = get_op(op_name)
    attrs = op.parse(kwargs or {})
    rng = np.random.RandomState(seed)
    xs = [np.array(x, dtype=np.float64) for x in inputs]
    aux = [np.array(a, dtype=np.float64) for a in aux]
    outs = _forward64(op, attrs, xs, aux, is_train)
    n_vis = op.num_visible_outputs(attrs)
    heads = [rng.uniform(-1, 1, o.shape) if i < n_vis else np.zeros(o.shape) for i, o in enumerate(outs)]
    env = OpEnv(np, is_train, mx.cpu())
    wrt = range(len(xs)) if wrt is None else wrt
    req = [i in wrt for i in range(len(xs))]
    grads = op.backward(env, attrs, xs, outs, heads, req)

    def loss(vals):
        return sum(float((h * o).sum()) for h, o in zip(heads, _forward64(op, attrs, vals, aux, is_train)))

    for i in wrt:
        g = np.asarray(grads[i], dtype=np.float64)
        assert g.shape == xs[i].shape, "{}: grad {} has shape {}, input {}".format(op_name, i, g.shape, xs[i].shape)
        if xs[i].size <= 200:
            num = np.zeros_like(xs[i])
            for j in range(xs[i].size):
                plus = [x.copy() for x in xs]
                minus = [x.copy() for x in xs]
                plus[i].flat[j] += eps
                minus[i].flat[j] -= eps
                num.flat[j] = (loss(plus) - loss(minus)) / (2 * eps)
            np.testing.assert_allclose(g, num, rtol=rtol, atol=atol,
                                       err_msg="{}: gradient of input {}".format(op_name, i))
        else:
            v = rng.uniform(-1, 1, xs[i].shape)
            plus = [x.copy() for x in xs]
            minus = [x.copy() for x in xs]
            plus[i] += eps * v
            minus[i] -= eps * v
            num = (loss(plus) - loss(minus)) / (2 * eps)
            np.testing.assert_allclose(float((g * v).sum()), num, rtol=rtol, atol=atol,
                                       err_msg="{}: directional gradient of input {}".format(op_name, i))
    return grads


# -- golden cases produced by real MXNet 1.9.1 (tests/fixtures/mxnet-1.9.1/ops) ---------------------
import json as _json
import os as _os

FIXTURE_DIR = _os.path.join(_os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "ops")
_FIXTURES = {}


def fixture_cases():
    """(cases, npz) of the per-operator golden file, loaded once."""
    if not _FIXTURES:
        with open(_os.path.join(FIXTURE_DIR, "ops.json")) as f:
            _FIXTURES["cases"] = _json.load(f)["cases"]
        _FIXTURES["npz"] = np.load(_os.path.join(FIXTURE_DIR, "ops.npz"), allow_pickle=False)
    return _FIXTURES["cases"], _FIXTURES["npz"]


def run_fixture_case(case):
    """Forward through mx.nd and backward through the registry rule, as the case describes.

    Returns (outputs, grads) as NumPy arrays keyed like the fixture's npz entries."""
    from mxnet import autograd
    _, npz = fixture_cases()
    op = get_op(case["op_in_symbol_json"])
    fn = nd_function(case["op_in_symbol_json"])
    ins = {i["name"]: npz[i["key"]] for i in case["inputs"]}
    aux = [npz[a["key"]] for a in case["aux_states"]]
    nd_args = [mx.nd.array(v, dtype=v.dtype) for v in list(ins.values()) + aux]
    names = list(ins) + [a["name"] for a in case["aux_states"]]
    with autograd.train_mode() if case["is_train"] else autograd.predict_mode():
        if case["call_style"] == "keyword" and op.key_var_num_args is None:
            out = fn(**dict(zip(names, nd_args)), **case["kwargs"])
        else:
            out = fn(*nd_args, **case["kwargs"])
    outs = [o.asnumpy() for o in (out if isinstance(out, list) else [out])]
    results = {"{}/out/{}".format(case["id"], i): o for i, o in enumerate(outs)}
    bwd = case.get("backward")
    if bwd and bwd.get("grads") and op.backward is None:   # not differentiable: zero gradients
        for g in bwd["grads"]:
            results[g["key"]] = np.zeros_like(ins[g["name"]])
    elif bwd and bwd.get("grads"):
        kw = dict(case["kwargs"])
        if op.key_var_num_args:
            kw.setdefault(op.key_var_num_args, len(ins))
        attrs = op.parse(kw)
        xs = [np.array(v) for v in ins.values()]
        env = OpEnv(np, case["is_train"], mx.cpu())
        all_outs = list(op.forward(env, attrs, xs, [a.copy() for a in aux]))
        heads = [npz[h["key"]] for h in (bwd.get("head_grads") or [])]
        heads += [np.zeros_like(o) if heads else np.ones_like(o) for o in all_outs[len(heads):]]
        names = list(ins)
        req = [any(g["name"] == n for g in bwd["grads"]) for n in names]
        grads = op.backward(env, attrs, xs, all_outs, heads, req)
        for g in bwd["grads"]:
            results[g["key"]] = np.asarray(grads[names.index(g["name"])])
    return results


# Values MXNet 1.9.1 gets wrong, where neomx computes the true result instead; each is checked
# against finite differences by the family's own tests.
KNOWN_MXNET_BUGS = {
    "lrelu_selu/grad/data": "MXNet's selu backward is wrong for negative inputs (fixture README); "
                            "tests/ops/test_activation.py checks ours against finite differences",
}


def check_fixture_case(case):
    _, npz = fixture_cases()
    tol = case.get("tolerance") or {"rtol": 1e-5, "atol": 1e-6}
    results = run_fixture_case(case)
    for key, got in results.items():
        if key not in npz.files or key in KNOWN_MXNET_BUGS:
            continue   # MXNet stored no value (e.g. an uninitialised rrelu mask) or is wrong
        want = npz[key]
        assert got.shape == want.shape, "{}: shape {} vs MXNet {}".format(key, got.shape, want.shape)
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64),
                                   rtol=tol["rtol"], atol=tol["atol"], err_msg=key)


def golden_cases(ops):
    """The golden cases (fixture_cases) of the operators ``ops``; none without the fixture."""
    if not _os.path.exists(_os.path.join(FIXTURE_DIR, "ops.json")):
        return []
    return [c for c in fixture_cases()[0] if c["op"] in ops]


def check_golden_case(case):
    """A golden case's outputs through mx.nd, and its input gradients from the registry backward
    with MXNet's stored head gradients: same shapes, dtypes and values (the case's tolerance)."""
    _, npz = fixture_cases()
    tol = case["tolerance"]
    xs = [npz[i["key"]] for i in case["inputs"]]
    got = run_nd(case["op"], xs, **case["kwargs"])
    for o in case["outputs"]:
        exp = npz[o["key"]]
        assert got[o["index"]].shape == exp.shape and got[o["index"]].dtype == exp.dtype
        np.testing.assert_allclose(got[o["index"]], exp, rtol=tol["rtol"], atol=tol["atol"])
    op = get_op(case["op"])
    attrs = op.parse(case["kwargs"])
    env = OpEnv(np, case["is_train"], mx.cpu())
    outs = list(op.forward(env, attrs, xs, []))
    heads = [npz[h["key"]] for h in case["backward"]["head_grads"]]
    grads = op.backward(env, attrs, xs, outs, heads, [True] * len(xs))
    for g, spec in zip(grads, case["backward"]["grads"]):
        exp = npz[spec["key"]]
        assert g.shape == exp.shape and g.dtype == exp.dtype
        np.testing.assert_allclose(g, exp, rtol=tol["rtol"], atol=tol["atol"])
