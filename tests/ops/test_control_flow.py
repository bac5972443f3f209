"""Control flow: mx.nd.contrib / mx.sym.contrib foreach, while_loop, cond (_foreach, _while_loop,
_cond nodes holding subgraphs), through the executor, autograd, Gluon hybridize and JSON."""
import json

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon


def _rng(seed=0):
    return np.random.RandomState(seed)


def _nd(x, dtype="float32"):
    return mx.nd.array(np.asarray(x), dtype=dtype)


def _bind(sym, values, dtype="float32", grad=True):
    args = {k: _nd(v, dtype) for k, v in values.items()}
    grads = {k: mx.nd.zeros(v.shape, dtype=dtype) for k, v in args.items()} if grad else None
    return sym.bind(mx.cpu(), args, args_grad=grads)


def _nd_grads(fn, values, head_weights, dtype="float32"):
    """Outputs and input gradients of fn(**NDArrays) under autograd, loss = sum(w_i * out_i)."""
    arrs = {k: _nd(v, dtype) for k, v in values.items()}
    for a in arrs.values():
        a.attach_grad()
    with autograd.record():
        outs = fn(**arrs)
        loss = sum((o * _nd(w, dtype)).sum() for o, w in zip(outs, head_weights))
    loss.backward()
    return [o.asnumpy() for o in outs], {k: a.grad.asnumpy() for k, a in arrs.items()}


def _numeric_grad(sym, values, head_weights, eps=1e-6):
    """Central differences of sum(w_i * out_i) in float64 through the executor."""
    def loss(vals):
        ex = _bind(sym, vals, "float64", grad=False)
        return sum(float((o.asnumpy() * w).sum()) for o, w in zip(ex.forward(), head_weights))
    out = {}
    for k, v in values.items():
        g = np.zeros(v.shape)
        for idx in np.ndindex(v.shape):
            plus = {n: a.copy() for n, a in values.items()}
            minus = {n: a.copy() for n, a in values.items()}
            plus[k][idx] += eps
            minus[k][idx] -= eps
            g[idx] = (loss(plus) - loss(minus)) / (2 * eps)
        out[k] = g
    return out


# -- imperative (mx.nd.contrib) ---------------------------------------------------------------------
def test_nd_foreach_matches_python_loop():
    r = _rng()
    data, s0, w = r.randn(4, 2, 3), r.randn(2, 3), r.randn(3, 3)

    def step(x, states):
        h = mx.nd.tanh(mx.nd.dot(x, _nd(w)) + states[0])
        return [h * 2, h + 1], [h, states[1] + 1]

    outs, states = mx.nd.contrib.foreach(step, _nd(data), [_nd(s0), _nd(np.zeros(1))])
    h, ref = s0, []
    for t in range(4):
        h = np.tanh(data[t] @ w + h)
        ref.append((h * 2, h + 1))
    assert isinstance(outs, list) and len(outs) == 2 and len(states) == 2
    np.testing.assert_allclose(outs[0].asnumpy(), np.stack([a for a, _ in ref]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[1].asnumpy(), np.stack([b for _, b in ref]), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0].asnumpy(), h, rtol=1e-5, atol=1e-6)
    assert states[1].asnumpy().tolist() == [4.0]


def test_nd_foreach_list_data_and_single_output():
    a, b = _nd(np.arange(6).reshape(3, 2)), _nd(np.ones((3, 2)))
    out, st = mx.nd.contrib.foreach(lambda xs, s: (xs[0] * xs[1] + s, s + xs[0]), [a, b], _nd(np.zeros(2)))
    assert isinstance(out, mx.nd.NDArray) and out.shape == (3, 2)
    assert st.asnumpy().tolist() == [6.0, 9.0]
    np.testing.assert_allclose(out.asnumpy(), [[0, 1], [2, 4], [6, 9]])


def test_nd_foreach_autograd():
    r = _rng(1)
    data, s0 = r.randn(3, 2), r.randn(2)

    def fe(data, s0):
        out, st = mx.nd.contrib.foreach(lambda x, s: (x * s[0], [s[0] * x + 1]), data, [s0])
        return out, st[0]

    def manual(data, s0):
        s, outs = s0, []
        for t in range(3):
            outs.append(data[t] * s)
            s = s * data[t] + 1
        return mx.nd.stack(*outs), s

    hw = [r.randn(3, 2), r.randn(2)]
    o1, g1 = _nd_grads(fe, {"data": data, "s0": s0}, hw)
    o2, g2 = _nd_grads(manual, {"data": data, "s0": s0}, hw)
    for x, y in zip(o1, o2):
        np.testing.assert_allclose(x, y, rtol=1e-6)
    for k in g1:
        np.testing.assert_allclose(g1[k], g2[k], rtol=1e-5, atol=1e-6)


def test_nd_while_loop_values_padding_and_grad():
    i, s = _nd([1.0]), _nd([0.0])
    outs, (fi, fs) = mx.nd.contrib.while_loop(lambda i, s: i <= 5, lambda i, s: ([i + s], [i + 1, s + i]),
                                              [i, s], max_iterations=8)
    assert outs[0].shape == (8, 1)
    np.testing.assert_allclose(outs[0].asnumpy().ravel(), [1, 3, 6, 10, 15, 0, 0, 0])
    assert fi.asnumpy().tolist() == [6.0] and fs.asnumpy().tolist() == [15.0]
    # never true: outputs are an empty list, loop vars come back unchanged
    outs, lv = mx.nd.contrib.while_loop(lambda x: x > 10, lambda x: (x * 2, x + 1), _nd([1.0]), max_iterations=3)
    assert outs == [] and lv.asnumpy().tolist() == [1.0]
    # gradient through the steps: x -> x * w, 3 times
    x, w = _nd([2.0]), _nd([3.0])
    x.attach_grad()
    w.attach_grad()
    with autograd.record():
        _, (y, _) = mx.nd.contrib.while_loop(lambda v, k: k < 3, lambda v, k: (None, [v * w, k + 1]),
                                             [x, _nd([0.0])], max_iterations=5)
    y.backward()
    assert y.asnumpy().tolist() == [54.0]
    assert x.grad.asnumpy().tolist() == [27.0] and w.grad.asnumpy().tolist() == [54.0]
    with pytest.raises(ValueError, match="max_iterations"):
        mx.nd.contrib.while_loop(lambda x: x > 1, lambda x: (x, x), [x])


def test_nd_cond():
    a, b = _nd([1.0]), _nd([2.0])
    a.attach_grad()
    with autograd.record():
        out = mx.nd.contrib.cond(a * b < 5, lambda: (a + 5) * (b + 5), lambda: (a - 5) * (b - 5))
    out.backward()
    assert out.asnumpy().tolist() == [42.0] and a.grad.asnumpy().tolist() == [7.0]
    out = mx.nd.contrib.cond(a * b > 5, lambda: (a + 5) * (b + 5), lambda: [(a - 5) * (b - 5), a])
    assert out[0].asnumpy().tolist() == [12.0]


# -- symbolic: _foreach -----------------------------------------------------------------------------
def _rnn_sym():
    data, s0, w = mx.sym.var("data"), mx.sym.var("s0"), mx.sym.var("w")

    def step(x, states):
        h = mx.sym.tanh(mx.sym.FullyConnected(x, w, no_bias=True, num_hidden=3) + states[0])
        return h * 2, [h]

    out, st = mx.sym.contrib.foreach(step, data, [s0])
    return mx.sym.Group([out, st[0]])


def _rnn_nd(data, s0, w):
    def step(x, states):
        h = mx.nd.tanh(mx.nd.FullyConnected(x, w, no_bias=True, num_hidden=3) + states[0])
        return h * 2, [h]
    out, st = mx.nd.contrib.foreach(step, data, [s0])
    return out, st[0]


def test_sym_foreach_graph_layout():
    with mx.name.NameManager():
        g = _rnn_sym()
    assert g.list_arguments() == ["data", "s0", "w"]
    assert g.list_outputs() == ["_foreach0_output0", "_foreach0_output1"]
    arg, out, aux = g.infer_shape(data=(4, 2, 5), s0=(2, 3), w=(3, 5))
    assert out == [(4, 2, 3), (2, 3)] and aux == []
    # the state's shape follows from the body (FullyConnected output + state)
    arg, out, _ = g.infer_shape_partial(data=(4, 2, 5), w=(3, 5))
    assert arg[1] == (2, 3)
    # the weight's shape follows from the data slice
    arg, _, _ = g.infer_shape_partial(data=(4, 2, 5), s0=(2, 3))
    assert arg[2] == (3, 5)
    assert [np.dtype(t) for t in g.infer_type(data="float64")[1]] == [np.float64, np.float64]
    node = json.loads(g.tojson())["nodes"][-1]
    assert node["op"] == "_foreach"
    assert node["attrs"] == {"in_data_locs": "[0]", "in_state_locs": "[2]", "num_args": "4",
                             "num_out_data": "1", "num_outputs": "2", "remain_locs": "[1]"}
    sub = node["subgraphs"][0]
    assert [n["name"] for n in sub["nodes"] if n["op"] == "null"] == ["data-0", "w", "s0-0"]
    assert len(sub["heads"]) == 2 and "attrs" not in sub
    # a single state symbol (not a list) comes back as a symbol
    d, s = mx.sym.var("d"), mx.sym.var("s")
    out, st = mx.sym.contrib.foreach(lambda x, h: (x + h, h * 2), d, s)
    assert isinstance(out, mx.sym.Symbol) and isinstance(st, mx.sym.Symbol)
    o, h = _bind(mx.sym.Group([out, st]), {"d": np.ones((3, 2)), "s": np.ones(2)}, grad=False).forward()
    assert o.asnumpy()[:, 0].tolist() == [2, 3, 5] and h.asnumpy().tolist() == [8, 8]


@pytest.mark.parametrize("is_train", [True, False])
def test_sym_foreach_executor_vs_nd(is_train):
    r = _rng(2)
    vals = {"data": r.randn(4, 2, 5), "s0": r.randn(2, 3), "w": r.randn(3, 5)}
    hw = [r.randn(4, 2, 3), r.randn(2, 3)]
    ex = _bind(_rnn_sym(), vals)
    outs = ex.forward(is_train=is_train)    # inference forward: backward recomputes the steps
    ex.backward([_nd(w) for w in hw])
    ref_outs, ref_grads = _nd_grads(_rnn_nd, vals, hw)
    for o, ref in zip(outs, ref_outs):
        np.testing.assert_allclose(o.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    for k, g in ref_grads.items():
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), g, rtol=1e-4, atol=1e-5)


def test_sym_foreach_finite_differences():
    r = _rng(3)
    vals = {"data": r.randn(3, 2, 2), "s0": r.randn(2, 3), "w": r.randn(3, 2)}
    hw = [r.randn(3, 2, 3), r.randn(2, 3)]
    sym = _rnn_sym()
    ex = _bind(sym, vals, "float64")
    ex.forward(is_train=True)
    ex.backward([_nd(w, "float64") for w in hw])
    num = _numeric_grad(sym, vals, hw)
    for k, g in num.items():
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), g, rtol=1e-5, atol=1e-7)


def test_sym_foreach_outer_computation_nested_and_list_data():
    """The body uses an outer computed symbol (cut into an input), a nested foreach and two data."""
    a, b, c = mx.sym.var("a"), mx.sym.var("b"), mx.sym.var("c")
    scale = a * 2

    def inner(x, s):
        return x * s[0], [s[0] + x]

    def outer(xs, s):
        y, st = mx.sym.contrib.foreach(inner, xs[0], [s[0]])
        return y.sum(axis=0) + xs[1] * scale, [st[0] * 0.5]

    out, st = mx.sym.contrib.foreach(outer, [b, c], [a])
    sym = mx.sym.Group([out, st[0]])
    assert sorted(sym.list_arguments()) == ["a", "b", "c"]

    def nd_fn(a, b, c):
        sc = a * 2

        def nd_outer(xs, s):
            y, st = mx.nd.contrib.foreach(lambda x, s: (x * s[0], [s[0] + x]), xs[0], [s[0]])
            return y.sum(axis=0) + xs[1] * sc, [st[0] * 0.5]
        o, s = mx.nd.contrib.foreach(nd_outer, [b, c], [a])
        return o, s[0]

    r = _rng(4)
    vals = {"a": r.randn(2), "b": r.randn(3, 4, 2), "c": r.randn(3, 2)}
    hw = [r.randn(3, 2), r.randn(2)]
    ex = _bind(sym, vals)
    outs = ex.forward(is_train=True)
    ex.backward([_nd(w) for w in hw])
    ref_outs, ref_grads = _nd_grads(nd_fn, vals, hw)
    for o, ref in zip(outs, ref_outs):
        np.testing.assert_allclose(o.asnumpy(), ref, rtol=1e-5, atol=1e-5)
    for k, g in ref_grads.items():
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), g, rtol=1e-4, atol=1e-5)
    # round trip keeps the nested subgraphs
    again = mx.sym.load_json(sym.tojson())
    assert again.tojson() == sym.tojson()
    ex2 = _bind(again, vals, grad=False)
    np.testing.assert_allclose(ex2.forward()[0].asnumpy(), outs[0].asnumpy(), rtol=1e-6)


# -- symbolic: _while_loop and _cond ------------------------------------------------------------------
def _while_sym():
    i, s, w = mx.sym.var("i"), mx.sym.var("s"), mx.sym.var("w")
    outs, st = mx.sym.contrib.while_loop(lambda i, s: i <= 4, lambda i, s: ([s * w, i * 1], [i + 1, s * w + 1]),
                                         (i, s), max_iterations=6)
    return mx.sym.Group(outs + st)


def _while_nd(i, s, w):
    outs, st = mx.nd.contrib.while_loop(lambda i, s: i <= 4, lambda i, s: ([s * w, i * 1], [i + 1, s * w + 1]),
                                        [i, s], max_iterations=6)
    return outs + st


def test_sym_while_loop_vs_nd_and_finite_differences():
    sym = _while_sym()
    assert len(sym.list_outputs()) == 4
    _, out_s, _ = sym.infer_shape(i=(1,), s=(2,), w=(2,))
    assert out_s == [(6, 2), (6, 1), (1,), (2,)]
    r = _rng(5)
    vals = {"i": np.array([1.0]), "s": r.randn(2), "w": r.randn(2)}
    hw = [r.randn(6, 2), r.randn(6, 1), r.randn(1), r.randn(2)]
    ex = _bind(sym, vals)
    outs = ex.forward(is_train=True)
    ex.backward([_nd(w) for w in hw])
    ref_outs, ref_grads = _nd_grads(_while_nd, vals, hw)
    for o, ref in zip(outs, ref_outs):
        np.testing.assert_allclose(o.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    assert not outs[0].asnumpy()[4:].any()      # rows after the last step are zeros
    for k in ("s", "w"):
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), ref_grads[k], rtol=1e-4, atol=1e-5)
    vals.pop("i")
    ex64 = _bind(sym, dict(vals, i=np.array([1.0])), "float64")
    ex64.forward(is_train=True)
    ex64.backward([_nd(w, "float64") for w in hw])
    num = _numeric_grad(sym, dict(vals, i=np.array([1.0])), hw)
    for k in ("s", "w"):
        np.testing.assert_allclose(ex64.grad_dict[k].asnumpy(), num[k], rtol=1e-5, atol=1e-7)


def test_sym_while_loop_never_runs_and_single_var():
    x = mx.sym.var("x")
    outs, final = mx.sym.contrib.while_loop(lambda v: v.sum() > 100, lambda v: (v * 2, v + 1), x,
                                            max_iterations=3)
    assert isinstance(outs, mx.sym.Symbol) and isinstance(final, mx.sym.Symbol)
    ex = _bind(mx.sym.Group([outs, final]), {"x": np.array([1.0, 2.0])}, grad=False)
    o, f = ex.forward()
    assert o.shape == (3, 2) and not o.asnumpy().any() and f.asnumpy().tolist() == [1.0, 2.0]
    with pytest.raises(ValueError, match="max_iterations"):
        mx.sym.contrib.while_loop(lambda v: v > 1, lambda v: (v, v), x)


@pytest.mark.parametrize("p", [1.0, -1.0])
def test_sym_cond_branches_and_grads(p):
    a, b, pv = mx.sym.var("a"), mx.sym.var("b"), mx.sym.var("p")
    out = mx.sym.contrib.cond(pv > 0, lambda: [a * b, a + 1], lambda: [b - 1, a * 3])
    sym = mx.sym.Group(out)
    node = json.loads(sym.tojson())["nodes"][-1]
    assert node["op"] == "_cond" and len(node["subgraphs"]) == 3

    def nd_fn(a, b, p):
        return mx.nd.contrib.cond(p > 0, lambda: [a * b, a + 1], lambda: [b - 1, a * 3])

    r = _rng(6)
    vals = {"p": np.array([p]), "a": r.randn(3), "b": r.randn(3)}
    hw = [r.randn(3), r.randn(3)]
    ex = _bind(sym, vals)
    outs = ex.forward(is_train=True)
    ex.backward([_nd(w) for w in hw])
    ref_outs, ref_grads = _nd_grads(nd_fn, vals, hw)
    for o, ref in zip(outs, ref_outs):
        np.testing.assert_allclose(o.asnumpy(), ref, rtol=1e-6)
    for k in ("a", "b"):
        np.testing.assert_allclose(ex.grad_dict[k].asnumpy(), ref_grads[k], rtol=1e-5, atol=1e-6)
    assert not ex.grad_dict["p"].asnumpy().any()
    single = mx.sym.contrib.cond(pv > 0, lambda: a * 2, lambda: b)
    assert isinstance(single, mx.sym.Symbol) and single.list_outputs() == [single.name + "_output"]


# -- JSON -------------------------------------------------------------------------------------------
# Written by MXNet 1.9.1 for _rnn_sym() (mx.sym.contrib.foreach; whitespace compacted).
_MXNET_JSON = """{"nodes": [{"op": "null", "name": "data", "inputs": []},
 {"op": "null", "name": "s0", "inputs": []}, {"op": "null", "name": "w", "inputs": []},
 {"op": "_foreach", "name": "_foreach0", "attrs": {"in_data_locs": "[0]", "in_state_locs": "[2]",
  "num_args": "4", "num_out_data": "1", "num_outputs": "2", "remain_locs": "[1]"},
  "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]],
  "subgraphs": [{"nodes": [
   {"op": "null", "name": "data-0", "attrs": {"__subgraph_name__": "foreach0"}, "inputs": []},
   {"op": "null", "name": "w", "inputs": []},
   {"op": "FullyConnected", "name": "fullyconnected0", "attrs": {"__subgraph_name__": "foreach0",
    "no_bias": "True", "num_hidden": "3"}, "inputs": [[0, 0, 0], [1, 0, 0]]},
   {"op": "null", "name": "s0-0", "attrs": {"__subgraph_name__": "foreach0"}, "inputs": []},
   {"op": "elemwise_add", "name": "_plus0", "attrs": {"__subgraph_name__": "foreach0"},
    "inputs": [[2, 0, 0], [3, 0, 0]]},
   {"op": "tanh", "name": "tanh0", "attrs": {"__subgraph_name__": "foreach0"}, "inputs": [[4, 0, 0]]},
   {"op": "_mul_scalar", "name": "_mulscalar0", "attrs": {"__subgraph_name__": "foreach0", "scalar": "2"},
    "inputs": [[5, 0, 0]]}],
   "arg_nodes": [0, 1, 3], "node_row_ptr": [0, 1, 2, 3, 4, 5, 6, 7], "heads": [[6, 0, 0], [5, 0, 0]]}]}],
 "arg_nodes": [0, 1, 2], "node_row_ptr": [0, 1, 2, 3, 5], "heads": [[3, 0, 0], [3, 1, 0]],
 "attrs": {"mxnet_version": ["int", 10901]}}"""


def test_json_round_trip_and_mxnet_file():
    g = _rnn_sym()
    text = g.tojson()
    ours, theirs = json.loads(text), json.loads(_MXNET_JSON)
    strip = lambda d: [(n["op"], n["inputs"], {k: v for k, v in n.get("attrs", {}).items()  # noqa: E731
                                               if k != "__subgraph_name__"}) for n in d["nodes"]]
    assert strip(ours) == strip(theirs)
    assert strip(ours["nodes"][-1]["subgraphs"][0]) == strip(theirs["nodes"][-1]["subgraphs"][0])
    r = _rng(7)
    vals = {"data": r.randn(4, 2, 5), "s0": r.randn(2, 3), "w": r.randn(3, 5)}
    want = [o.asnumpy() for o in _bind(g, vals, grad=False).forward()]
    for loaded in (mx.sym.load_json(text), mx.sym.load_json(_MXNET_JSON)):
        assert loaded.list_arguments() == ["data", "s0", "w"]
        got = _bind(loaded, vals).forward(is_train=True)
        for o, w in zip(got, want):
            np.testing.assert_allclose(o.asnumpy(), w, rtol=1e-6)
    assert mx.sym.load_json(text).tojson() == text
    for sym in (_while_sym(), mx.sym.contrib.cond(mx.sym.var("p") > 0, lambda: mx.sym.var("a") * 2,
                                                  lambda: mx.sym.var("a") - 1)):
        assert mx.sym.load_json(sym.tojson()).tojson() == sym.tojson()
    with pytest.raises(mx.MXNetError, match="subgraphs"):
        bad = json.loads(_MXNET_JSON)
        bad["nodes"][3]["subgraphs"] = "oops"
        mx.sym.load_json(json.dumps(bad))


# -- Gluon ------------------------------------------------------------------------------------------
class _Cell(gluon.HybridBlock):
    """An RNN-like layer unrolled with F.contrib.foreach (weights used inside the body)."""

    def __init__(self, hidden, **kwargs):
        super().__init__(**kwargs)
        self._hidden = hidden
        with self.name_scope():
            self.i2h = gluon.nn.Dense(hidden, flatten=False)
            self.h2h_weight = self.params.get("h2h_weight", shape=(hidden, hidden))

    def hybrid_forward(self, F, x, h0, h2h_weight):
        def step(xt, states):
            h = F.tanh(self.i2h(xt) + F.FullyConnected(states[0], h2h_weight, no_bias=True,
                                                       num_hidden=self._hidden))
            return h, [h]
        out, st = F.contrib.foreach(step, x, [h0])
        return out, st[0]


def _run_cell(hybrid, x, h0, path=None):
    mx.random.seed(11)
    net = _Cell(4, prefix="cell_")
    net.initialize(mx.init.Xavier())
    if hybrid:
        net.hybridize()
    x = _nd(x)
    x.attach_grad()
    with autograd.record():
        o, h = net(x, _nd(h0))
        loss = (o * o).sum() + h.sum()
    loss.backward()
    if path is not None:
        net.export(path)
    grads = {k: p.grad().asnumpy() for k, p in net.collect_params().items()}
    return o.asnumpy(), h.asnumpy(), x.grad.asnumpy(), grads


def test_gluon_hybridized_foreach_matches_imperative(tmp_path):
    r = _rng(8)
    x, h0 = r.randn(5, 2, 3), r.randn(2, 4)
    imp = _run_cell(False, x, h0)
    path = str(tmp_path / "cell")
    hyb = _run_cell(True, x, h0, path)
    for a, b in zip(imp[:3], hyb[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert sorted(imp[3]) == sorted(hyb[3]) == ["cell_dense0_bias", "cell_dense0_weight", "cell_h2h_weight"]
    for k in imp[3]:
        np.testing.assert_allclose(imp[3][k], hyb[3][k], rtol=1e-4, atol=1e-5)
    node = [n for n in json.load(open(path + "-symbol.json"))["nodes"] if n["op"] == "_foreach"]
    assert len(node) == 1 and node[0]["subgraphs"]
    block = gluon.SymbolBlock.imports(path + "-symbol.json", ["data0", "data1"], path + "-0000.params")
    np.testing.assert_allclose(block(_nd(x), _nd(h0))[0].asnumpy(), hyb[0], rtol=1e-5, atol=1e-6)


class _LoopNet(gluon.HybridBlock):
    """F.contrib.while_loop over a Dense layer (deferred weight shape), then F.contrib.cond."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = gluon.nn.Dense(3, flatten=False)

    def hybrid_forward(self, F, x, n):
        outs, (y, _) = F.contrib.while_loop(
            lambda y, k: k < 3, lambda y, k: (self.dense(y), [F.tanh(self.dense(y)), k + 1]), [x, n],
            max_iterations=4)
        return outs, F.contrib.cond(F.sum(y) > 0, lambda: y * 2, lambda: y * -1)


def test_gluon_hybridized_while_loop_and_cond_match_imperative():
    res = []
    for hybrid in (False, True):
        mx.random.seed(3)
        net = _LoopNet(prefix="loop_")
        net.initialize()
        if hybrid:
            net.hybridize()
        x = _nd(_rng(9).randn(2, 3))
        x.attach_grad()
        with autograd.record():
            o, z = net(x, _nd([0.0]))
            loss = (o * o).sum() + z.sum()
        loss.backward()
        res.append((o.asnumpy(), z.asnumpy(), x.grad.asnumpy(),
                    {k: p.grad().asnumpy() for k, p in net.collect_params().items()}))
    (imp, hyb) = res
    assert imp[0].shape == (4, 2, 3) and not imp[0][3].any()
    for a, b in zip(imp[:3], hyb[:3]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for k in imp[3]:
        np.testing.assert_allclose(imp[3][k], hyb[3][k], rtol=1e-4, atol=1e-5)


# -- errors -----------------------------------------------------------------------------------------
def test_errors_name_the_op():
    d, s = mx.sym.var("d"), mx.sym.var("s")
    out, st = mx.sym.contrib.foreach(lambda x, sts: (x * 2, [mx.sym.concat(sts[0], x, dim=0)]), d, [s])
    g = mx.sym.Group([out, st[0]])
    with pytest.raises(mx.MXNetError, match=r"_foreach.*state 0.*\(2,\).*\(4,\)"):
        g.infer_shape(d=(3, 2), s=(2,))
    with pytest.raises(mx.MXNetError, match="_foreach"):
        g.simple_bind(mx.cpu(), d=(3, 2), s=(2,))
    # data of different lengths along the loop axis
    a, b = mx.sym.var("a"), mx.sym.var("b")
    out, _ = mx.sym.contrib.foreach(lambda xs, sts: (xs[0] + xs[1], []), [a, b], [])
    with pytest.raises(mx.MXNetError, match="_foreach.*axis 0"):
        out.infer_shape(a=(3, 2), b=(4, 2))
    # a loop variable whose shape changes
    v = mx.sym.var("v")
    _, fin = mx.sym.contrib.while_loop(lambda v: v.sum() < 10, lambda v: ([], [mx.sym.concat(v, v, dim=0)]),
                                       [v], max_iterations=3)
    with pytest.raises(mx.MXNetError, match="_while_loop.*loop variable 0"):
        fin[0].infer_shape(v=(2,))
    # branches of different shapes
    c = mx.sym.contrib.cond(v.sum() > 0, lambda: v * 2, lambda: mx.sym.concat(v, v, dim=0))
    with pytest.raises(mx.MXNetError, match="_cond.*output 0"):
        c.infer_shape(v=(2,))
    # non-scalar predicate at run time
    c = mx.sym.contrib.cond(v > 0, lambda: v * 2, lambda: v)
    with pytest.raises(mx.MXNetError, match="_cond.*scalar"):
        _bind(c, {"v": np.ones(3)}, grad=False).forward()[0].asnumpy()
    # unused state / structure mismatches are Python-level errors, as in MXNet
    with pytest.raises(ValueError, match="state"):
        mx.sym.contrib.foreach(lambda x, sts: (x * 2, [x + 1]), d, [s])
    with pytest.raises(ValueError, match="format"):
        mx.sym.contrib.foreach(lambda x, sts: (x, [sts[0], sts[0]]), d, [s])
    with pytest.raises(AssertionError, match="data"):       # MXNet asserts: both types work
        mx.sym.contrib.foreach(lambda x, sts: (sts[0] * 2, [sts[0] + 1]), d, [s])
    with pytest.raises(AssertionError):
        mx.nd.contrib.foreach(lambda x, sts: (x, sts), np.ones(3), [])
    # an imperative call of the raw op has no subgraph
    with pytest.raises(mx.MXNetError, match="_foreach.*subgraph"):
        mx.nd._internal._foreach(mx.nd.ones((2, 2)), num_args=2, num_outputs=1, num_out_data=1,
                                 in_state_locs=[], in_data_locs=[0], remain_locs=[])


def test_saved_steps_are_released():
    """The per-step values a training forward keeps for backward go away with its outputs."""
    import gc
    from mxnet.ops import control_flow
    mx.nd.waitall()
    gc.collect()
    before = len(control_flow._SAVED)
    a, p = mx.sym.var("a"), mx.sym.var("p")
    sym = mx.sym.contrib.cond(p > 0, lambda: a * 2, lambda: a)
    for _ in range(3):
        ex = _bind(sym, {"a": np.ones(2), "p": np.ones(1)})
        ex.forward(is_train=True)
        ex.backward(_nd(np.ones(2)))
        assert ex.grad_dict["a"].asnumpy().tolist() == [2.0, 2.0]
    del ex
    mx.nd.waitall()
    gc.collect()
    assert len(control_flow._SAVED) == before
