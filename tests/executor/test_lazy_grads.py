"""Gradients nobody reads are computed on demand: after a backward in which an argument's
gradient went unread, the next backward leaves it to an engine.Lazy that runs only when the
gradient is read or written, or when memory it captured is about to change in place.

Every test checks the values against NumPy math of the same step, so laziness can never change
what a user sees; one test checks that the unread data gradient really is skipped."""
import numpy as np
import pytest

import mxnet as mx
from mxnet.base import MXNetError
from mxnet.ops.registry import get_op

B, D, H = 4, 5, 3


def _net():
    data = mx.sym.Variable("data")
    fc = mx.sym.FullyConnected(data=data, num_hidden=H, name="fc")
    return mx.sym.SoftmaxOutput(data=fc, label=mx.sym.Variable("softmax_label"), name="sm")


def _output_grad(x, w, b, y):
    """NumPy: the softmax cross-entropy gradient of an FC layer's output."""
    o = x @ w.T + b
    p = np.exp(o - o.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y.astype(int)] -= 1
    return p


def _expected(x, w, b, y):
    """NumPy: softmax cross-entropy gradients of an FC layer (data, weight, bias)."""
    p = _output_grad(x, w, b, y)
    return p @ w, p.T @ x, p.sum(axis=0)


def _bind(seed=0, grad_req="write"):
    ex = _net().simple_bind(mx.cpu(), grad_req=grad_req, data=(B, D), softmax_label=(B,))
    rng = np.random.RandomState(seed)
    ex.arg_dict["fc_weight"][:] = rng.randn(H, D)
    ex.arg_dict["fc_bias"][:] = rng.randn(H)
    return ex, rng


def _step(ex, rng, lr=0.1, update=True):
    """The seed's loop body: feed, forward, backward, W[:] = W - G * lr (data grad unread).
    Returns the NumPy inputs of this step's backward."""
    x = rng.randn(B, D).astype(np.float32)
    y = rng.randint(0, H, B).astype(np.float32)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["softmax_label"][:] = y
    w, b = ex.arg_dict["fc_weight"].asnumpy(), ex.arg_dict["fc_bias"].asnumpy()
    ex.forward(is_train=True)
    ex.backward()
    if update:
        for name in ("fc_weight", "fc_bias"):
            W, G = ex.arg_dict[name], ex.grad_dict[name]
            W[:] = W - G * lr
    return x, w, b, y


def _warm(ex, rng, n):
    """``n`` steps of the loop first: after 4 the weight gradients count as read every time and
    later backwards re-arm the pending data gradient's work instead of making a new one."""
    for _ in range(n):
        _step(ex, rng)


@pytest.fixture(params=[1, 6], ids=["warm1", "steady"])
def warm(request):
    return request.param


@pytest.fixture
def fc_backward_calls(monkeypatch):
    """The req lists FullyConnected's backward is called with."""
    op = get_op("FullyConnected")
    calls = []
    real = op.backward

    def spy(env, attrs, ins, outs, ogs, req):
        calls.append(list(req))
        return real(env, attrs, ins, outs, ogs, req)

    monkeypatch.setattr(op, "backward", spy)
    return calls


def test_unread_data_gradient_is_skipped_then_computed_when_read(fc_backward_calls):
    ex, rng = _bind()
    for _ in range(4):
        x, w, b, y = _step(ex, rng)
    mx.nd.waitall()
    # first backward computes everything; later ones skip the data gradient nobody read
    assert fc_backward_calls[0] == [True, True, True]
    assert fc_backward_calls[1:] == [[False, True, True]] * 3
    gx, gw, gb = _expected(x, w, b, y)
    # the weights changed since (W[:] = W - G*lr): the gradient is the one of the last backward
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), gx, rtol=1e-5, atol=1e-6)
    assert fc_backward_calls[-1] == [True, False, False]
    # read once, computed eagerly in the next backward
    _step(ex, rng)
    mx.nd.waitall()
    assert fc_backward_calls[-1] == [True, True, True]


@pytest.mark.parametrize("read", ["asnumpy", "wait_to_read", "operator", "copyto", "save"])
def test_every_kind_of_read_sees_the_gradient(read, warm, tmp_path):
    ex, rng = _bind(1)
    _warm(ex, rng, warm)
    x, w, b, y = _step(ex, rng)     # this backward leaves the data gradient lazy
    g = ex.grad_dict["data"]
    gx = _expected(x, w, b, y)[0]
    if read == "asnumpy":
        got = g.asnumpy()
    elif read == "wait_to_read":
        g.wait_to_read()
        got = g._read().copy()
    elif read == "operator":
        got = (g * 2).asnumpy() / 2
    elif read == "copyto":
        dst = mx.nd.zeros(g.shape)
        g.copyto(dst)
        got = dst.asnumpy()
    else:
        mx.nd.save(str(tmp_path / "g.nd"), {"g": g})
        got = mx.nd.load(str(tmp_path / "g.nd"))["g"].asnumpy()
    np.testing.assert_allclose(got, gx, rtol=1e-5, atol=1e-6)


def test_fed_data_replaced_after_backward_keeps_the_old_values():
    # y = sum(data * data) -> d/d data = 2 * data at the time of the backward
    data = mx.sym.Variable("data")
    w = mx.sym.Variable("w")
    net = mx.sym.MakeLoss(mx.sym.sum(data * data * w))
    ex = net.simple_bind(mx.cpu(), data=(3,), w=(3,))
    ex.arg_dict["w"][:] = np.array([1, 2, 3])
    for v in ([1, 1, 1], [2, 3, 4], [5, 6, 7]):
        ex.arg_dict["data"][:] = np.array(v, np.float32)
        ex.forward(is_train=True)
        ex.backward()
        ex.grad_dict["w"].asnumpy()          # the weight gradient is read, the data's is not
    ex.arg_dict["data"][:] = np.array([9, 9, 9], np.float32)   # the next batch arrives
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), 2 * np.array([5, 6, 7]) * [1, 2, 3])


@pytest.mark.parametrize("source", ["named array", "numpy array", "scalar"])
def test_weight_assigned_whole_while_a_gradient_is_lazy(source, warm, fc_backward_calls):
    # W[:] = <something that is not a temporary>: W gets new memory, the lazy gradient keeps
    # the old weight and stays lazy (no gradient is computed just because W changed)
    ex, rng = _bind(4)
    _warm(ex, rng, warm)
    x, w, b, y = _step(ex, rng, update=False)
    mx.nd.waitall()
    calls = len(fc_backward_calls)
    new_w = rng.randn(H, D).astype(np.float32)
    if source == "named array":
        other = mx.nd.array(new_w)
        ex.arg_dict["fc_weight"][:] = other
        other[:] = 0.0                       # W copied it: later changes of the source stay out
    elif source == "numpy array":
        ex.arg_dict["fc_weight"][:] = new_w
    else:
        new_w[:] = 0.5
        ex.arg_dict["fc_weight"][:] = 0.5
    np.testing.assert_allclose(ex.arg_dict["fc_weight"].asnumpy(), new_w)
    assert len(fc_backward_calls) == calls     # the data gradient is still pending
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)
    assert fc_backward_calls[-1] == [True, False, False]


def test_in_place_change_of_a_weight_computes_pending_gradients_first(warm):
    ex, rng = _bind(2)
    _warm(ex, rng, warm)
    x, w, b, y = _step(ex, rng, update=False)
    ex.arg_dict["fc_weight"][0:2] = 0.0      # in place: the lazy data gradient must run first
    ex.arg_dict["fc_weight"].wait_to_read()
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)
    w[0:2] = 0.0
    np.testing.assert_allclose(ex.arg_dict["fc_weight"].asnumpy(), w, rtol=1e-6)
    # and gradients stay right in later steps (this executor now computes them eagerly)
    x, w, b, y = _step(ex, rng, update=False)
    ex.arg_dict["fc_weight"][1:3] += 1.0
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)


def test_in_place_change_of_the_output_computes_pending_gradients_first(warm):
    ex, rng = _bind(3)
    _warm(ex, rng, warm)
    x, w, b, y = _step(ex, rng)
    ex.outputs[0][:] += 5.0        # SoftmaxOutput's backward reads its output
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)


def test_writing_part_of_a_lazy_gradient_computes_it_first(warm):
    ex, rng = _bind(4)
    _warm(ex, rng, warm)
    x, w, b, y = _step(ex, rng)
    g = ex.grad_dict["data"]
    g[0] = 7.0
    want = _expected(x, w, b, y)[0]
    want[0] = 7.0
    np.testing.assert_allclose(g.asnumpy(), want, rtol=1e-5, atol=1e-6)


def test_steady_loop_keeps_one_pending_work_and_reads_the_latest_gradient(fc_backward_calls):
    ex, rng = _bind(12)
    _warm(ex, rng, 6)
    work = ex._lazy
    for _ in range(3):
        x, w, b, y = _step(ex, rng)
    assert ex._lazy is work and work.live               # re-armed, not rebuilt
    mx.nd.waitall()
    assert fc_backward_calls[1:] == [[False, True, True]] * 8
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)
    # read once: the next backward computes it with the others, and values stay right
    x, w, b, y = _step(ex, rng)
    mx.nd.waitall()
    assert fc_backward_calls[-1] == [True, True, True]
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)
    for _ in range(6):                                   # unread again: pending again, steadily
        x, w, b, y = _step(ex, rng)
    mx.nd.waitall()
    assert fc_backward_calls[-1] == [False, True, True]
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)


def test_a_lazy_gradient_left_unread_is_replaced_by_the_next_backward():
    ex, rng = _bind(5)
    for _ in range(3):
        _step(ex, rng)
    x, w, b, y = _step(ex, rng)
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)


def test_grad_req_add_accumulates_every_backward():
    ex, rng = _bind(6, grad_req="add")
    total = np.zeros((B, D), np.float32)
    for _ in range(3):
        x, w, b, y = _step(ex, rng, update=False)
        total += _expected(x, w, b, y)[0]
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), total, rtol=1e-5, atol=1e-5)


def test_backward_error_reaches_the_lazy_gradient():
    ex, rng = _bind(7)
    _step(ex, rng)
    _step(ex, rng)
    bad = mx.nd.ones((B, H + 1))             # wrong head gradient shape: rejected at once
    with pytest.raises(MXNetError, match="out_grads"):
        ex.backward([bad])
    x, w, b, y = _step(ex, rng)
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)


def test_a_kernel_error_in_a_lazy_gradient_is_raised_when_it_is_read(warm, monkeypatch):
    ex, rng = _bind(8)
    _warm(ex, rng, warm)
    _step(ex, rng)
    mx.nd.waitall()
    op = get_op("FullyConnected")
    real = op.backward

    def failing(env, attrs, ins, outs, ogs, req):
        if req[0]:
            raise ValueError("data gradient kernel failed")
        return real(env, attrs, ins, outs, ogs, req)

    monkeypatch.setattr(op, "backward", failing)
    _step(ex, rng)
    with pytest.raises(MXNetError, match="data gradient kernel failed"):
        ex.grad_dict["data"].asnumpy()


def test_naive_engine_gives_the_same_gradients():
    from mxnet import engine
    old = engine.get()
    engine.set_engine_type("NaiveEngine")
    try:
        ex, rng = _bind(9)
        _step(ex, rng)
        x, w, b, y = _step(ex, rng)
        np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0],
                                   rtol=1e-5, atol=1e-6)
    finally:
        engine.wait_all()
        engine._engine = old


def test_assigning_a_named_array_to_a_weight_keeps_the_captured_values(warm):
    ex, rng = _bind(10)
    _warm(ex, rng, warm)
    x, w, b, y = _step(ex, rng, update=False)
    new_w = mx.nd.array(rng.randn(H, D))
    ex.arg_dict["fc_weight"][:] = new_w      # a named array: copied, never taken over
    new_x = mx.nd.array(rng.randn(B, D))
    ex.arg_dict["data"][:] = new_x
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex.arg_dict["fc_weight"].asnumpy(), new_w.asnumpy())
    np.testing.assert_allclose(ex.arg_dict["data"].asnumpy(), new_x.asnumpy())
    new_w[:] = 0                               # the weight owns its copy
    assert abs(ex.arg_dict["fc_weight"].asnumpy()).sum() > 0


def test_graphs_with_large_values_compute_every_gradient_at_once(fc_backward_calls, monkeypatch):
    # a lazy gradient keeps a forward's values alive through the next forward: capped in bytes
    import mxnet.executor as executor_module
    monkeypatch.setattr(executor_module, "_LAZY_MAX_BYTES", 0)
    ex, rng = _bind(11)
    for _ in range(3):
        x, w, b, y = _step(ex, rng)
    mx.nd.waitall()
    assert fc_backward_calls == [[True, True, True]] * 3
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), _expected(x, w, b, y)[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("how", ["numpy array", "weight expression"])
def test_arguments_changed_between_forward_and_backward_count_as_they_are(warm, how):
    # MXNet's backward reads the arguments' memory when it runs: an argument written after
    # forward (into new memory here: a NumPy batch, or a weight whose old buffer the pending
    # data gradient keeps) counts with its new value; the activations are the forward's.
    ex, rng = _bind(6)
    _warm(ex, rng, warm)
    x = rng.randn(B, D).astype(np.float32)
    y = rng.randint(0, H, B).astype(np.float32)
    ex.arg_dict["data"][:] = x
    ex.arg_dict["softmax_label"][:] = y
    w, b = ex.arg_dict["fc_weight"].asnumpy(), ex.arg_dict["fc_bias"].asnumpy()
    ex.forward(is_train=True)
    p = _output_grad(x, w, b, y)                        # d loss / d output, from the forward
    if how == "numpy array":
        x_now, w_now = rng.randn(B, D).astype(np.float32), w
        ex.arg_dict["data"][:] = x_now
    else:
        x_now, w_now = x, w * 3
        W = ex.arg_dict["fc_weight"]
        W[:] = W * 3
    ex.backward()
    np.testing.assert_allclose(ex.grad_dict["fc_weight"].asnumpy(), p.T @ x_now, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ex.grad_dict["data"].asnumpy(), p @ w_now, rtol=1e-5, atol=1e-6)


def test_arguments_changed_between_forward_and_backward_as_mxnet():
    # values printed by MXNet 1.9.1 for this script
    data = mx.sym.Variable("data")
    net = mx.sym.MakeLoss(mx.sym.sum(mx.sym.FullyConnected(data, num_hidden=1, no_bias=True, name="fc")))
    ex = net.simple_bind(mx.cpu(), data=(1, 2), grad_req="write")
    ex.arg_dict["fc_weight"][:] = np.array([[1.0, 2.0]])
    ex.arg_dict["data"][:] = np.array([[3.0, 4.0]])
    ex.forward(is_train=True)
    ex.arg_dict["data"][:] = np.array([[30.0, 40.0]])
    ex.arg_dict["fc_weight"][:] = ex.arg_dict["fc_weight"] * 10
    ex.backward()
    np.testing.assert_array_equal(ex.grad_dict["fc_weight"].asnumpy(), [[30, 40]])
    np.testing.assert_array_equal(ex.grad_dict["data"].asnumpy(), [[10, 20]])


def _mlp():
    data = mx.sym.Variable("data")
    hidden = mx.sym.Activation(mx.sym.FullyConnected(data=data, num_hidden=5, name="l1"), act_type="tanh")
    out = mx.sym.FullyConnected(hidden, num_hidden=3, name="l2")
    return mx.sym.SoftmaxOutput(out, label=mx.sym.Variable("softmax_label"), name="sm")


ACTIONS = ("forward", "backward", "step", "step", "step", "read", "read", "feed", "feed_rows",
           "update", "add_in_place", "read_output", "zero_grad", "forward_eval", "forward_kwargs",
           "copy_params", "read_data_grad")


@pytest.mark.parametrize("seed", range(25))
def test_random_sessions_match_an_eager_twin(seed):
    # The same random session on two executors: one left to the lazy machinery, one whose
    # every gradient is read right after each backward (so it computes them all at once).
    import random
    rnd, rng = random.Random(seed), np.random.RandomState(seed)
    net = _mlp()
    lazy, eager = (net.simple_bind(mx.cpu(), grad_req="write", data=(4, 6), softmax_label=(4,)) for _ in range(2))
    names = net.list_arguments()
    for n in names:
        v = rng.randint(0, 3, 4) if n == "softmax_label" else rng.randn(*lazy.arg_dict[n].shape) * 0.5
        for e in (lazy, eager):
            e.arg_dict[n][:] = v.astype(np.float32)
    forwarded = backwarded = False
    done = []
    for step in range(80):
        act = rnd.choice(ACTIONS)
        done.append(act)
        where = "seed {} step {}: {}".format(seed, step, done[-10:])
        if act in ("forward", "step", "forward_eval", "forward_kwargs"):
            kw = {"data": mx.nd.array(rng.randn(4, 6))} if act == "forward_kwargs" else {}
            for e in (lazy, eager):
                e.forward(is_train=act != "forward_eval", **kw)
            forwarded, backwarded = True, False
        if act == "step" or (act == "backward" and forwarded):
            for e in (lazy, eager):
                e.backward()
            [g.asnumpy() for g in eager.grad_arrays]
            backwarded = True
        elif act in ("read", "read_data_grad") and backwarded:
            n = "data" if act == "read_data_grad" else rnd.choice(names)
            np.testing.assert_allclose(lazy.grad_dict[n].asnumpy(), eager.grad_dict[n].asnumpy(),
                                       rtol=1e-4, atol=1e-5, err_msg=where)
        elif act == "feed":
            v = rng.randn(4, 6).astype(np.float32)
            for e in (lazy, eager):
                e.arg_dict["data"][:] = v
        elif act == "feed_rows":
            v = rng.randn(2, 6).astype(np.float32)
            for e in (lazy, eager):
                e.arg_dict["data"][1:3] = v
        elif act == "update":
            for e in (lazy, eager):
                for n in ("l1_weight", "l2_bias"):
                    e.arg_dict[n][:] = e.arg_dict[n] - e.grad_dict[n] * 0.1
        elif act == "add_in_place":
            for e in (lazy, eager):
                e.arg_dict["l2_weight"] += 0.01
        elif act == "read_output":
            np.testing.assert_allclose(lazy.outputs[0].asnumpy(), eager.outputs[0].asnumpy(),
                                       rtol=1e-5, atol=1e-6, err_msg=where)
        elif act == "zero_grad":
            n = rnd.choice(names)
            for e in (lazy, eager):
                e.grad_dict[n][:] = 0
        elif act == "copy_params":
            p = {"l2_bias": mx.nd.array(rng.randn(3))}
            for e in (lazy, eager):
                e.copy_params_from(p, allow_extra_params=True)
