"""Executor: bind/simple_bind, forward/backward, grad_req write/add/null, sharing, reshape."""
import numpy as np
import pytest

import mxnet as mx


def _graph():
    a = mx.sym.Variable("A")
    b = mx.sym.Variable("B")
    return mx.sym.broadcast_mul(mx.sym.exp(a), b, name="m") + 1


def test_seed_executor_snippet(any_engine):
    a = mx.sym.Variable("A")
    b = mx.sym.Variable("B")
    d = (a + b) / 10 + 1
    ex = d.bind(ctx=mx.cpu(), args={"A": mx.nd.ones((10,)), "B": mx.nd.ones((10,))},
                args_grad={"A": mx.nd.ones((10,)), "B": mx.nd.ones((10,))}, grad_req="write")
    va = np.random.rand(10)
    ex.arg_dict["A"][:] = va
    ex["B"][:] = 2            # the seed's executor['A'] form
    ex.forward()
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), (va + 2) / 10 + 1, rtol=1e-6)
    ex.backward([mx.nd.ones((10,))])
    for g in ex.grad_arrays:
        np.testing.assert_allclose(g.asnumpy(), np.full(10, 0.1), rtol=1e-6)


def test_forward_backward_against_numpy():
    s = _graph()
    a = np.random.rand(2, 3).astype(np.float32)
    b = np.random.rand(1, 3).astype(np.float32)
    ex = s.bind(mx.cpu(), [mx.nd.array(a), mx.nd.array(b)],
                args_grad=[mx.nd.zeros((2, 3)), mx.nd.zeros((1, 3))])
    out = ex.forward(is_train=True)[0]
    np.testing.assert_allclose(out.asnumpy(), np.exp(a) * b + 1, rtol=1e-5)
    head = np.random.rand(2, 3).astype(np.float32)
    ex.backward(mx.nd.array(head))
    np.testing.assert_allclose(ex.grad_dict["A"].asnumpy(), head * np.exp(a) * b, rtol=1e-5)
    np.testing.assert_allclose(ex.grad_dict["B"].asnumpy(), (head * np.exp(a)).sum(0, keepdims=True), rtol=1e-5)
    assert list(ex.output_dict) == s.list_outputs()


def test_grad_req_add_and_null():
    s = _graph()
    a = mx.nd.ones((2, 3))
    b = mx.nd.ones((2, 3))
    ga = mx.nd.ones((2, 3))
    gb = mx.nd.ones((2, 3))
    ex = s.bind(mx.cpu(), {"A": a, "B": b}, args_grad={"A": ga, "B": gb}, grad_req={"A": "add", "B": "null"})
    for _ in range(3):
        ex.forward(is_train=True)
        ex.backward(mx.nd.ones((2, 3)))
    np.testing.assert_allclose(ga.asnumpy(), 1 + 3 * np.e, rtol=1e-5)
    np.testing.assert_array_equal(gb.asnumpy(), 1)          # untouched
    assert ex.grad_arrays[1] is None and list(ex.grad_dict) == ["A"]
    ex2 = s.bind(mx.cpu(), {"A": a, "B": b}, args_grad={"A": ga, "B": gb}, grad_req=["write", "write"])
    ex2.forward(is_train=True)
    ex2.backward(mx.nd.ones((2, 3)))
    np.testing.assert_allclose(ga.asnumpy(), np.e, rtol=1e-5)


def test_forward_kwargs_and_outputs_reused():
    x = mx.sym.Variable("x")
    s = mx.sym.square(x)
    ex = s.simple_bind(mx.cpu(), x=(3,))
    assert ex.arg_dict["x"].shape == (3,) and ex.grad_dict["x"].shape == (3,)
    out = ex.forward(x=mx.nd.array([1, 2, 3]))[0]
    np.testing.assert_array_equal(out.asnumpy(), [1, 4, 9])
    out2 = ex.forward(x=np.array([2, 2, 2]))[0]
    assert out2 is out
    np.testing.assert_array_equal(out.asnumpy(), [4, 4, 4])
    with pytest.raises(mx.MXNetError, match="unknown argument"):
        ex.forward(y=mx.nd.ones((3,)))
    with pytest.raises(mx.MXNetError, match="shape"):
        ex.forward(x=mx.nd.ones((4,)))


def test_shared_weights_between_executors():
    x = mx.sym.Variable("x")
    w = mx.sym.Variable("w")
    s = mx.sym.broadcast_mul(x, w)
    train = s.simple_bind(mx.cpu(), grad_req="write", x=(2, 3), w=(1, 3))
    test = s.bind(mx.cpu(), args=train.arg_arrays, grad_req="null")
    train.arg_dict["w"][:] = 2
    train.arg_dict["x"][:] = 3
    np.testing.assert_array_equal(test.forward()[0].asnumpy(), np.full((2, 3), 6))
    shared = s.simple_bind(mx.cpu(), x=(5, 3), w=(1, 3), shared_exec=train)
    assert shared.arg_dict["w"] is train.arg_dict["w"]


def test_imperative_update_loop_reduces_loss():
    # the seed's style: forward/backward, then W[:] = W - G * lr over arg_arrays/grad_arrays
    rng = np.random.RandomState(0)
    X = rng.rand(16, 3).astype(np.float32)
    true_w = np.array([[1.0, -2.0, 0.5]], dtype=np.float32)
    Y = (X * true_w).sum(1, keepdims=True)
    x = mx.sym.Variable("x")
    w = mx.sym.Variable("w")
    y = mx.sym.Variable("y")
    pred = mx.sym.sum(mx.sym.broadcast_mul(x, w), axis=1, keepdims=True)
    loss = mx.sym.square(pred - y)
    ex = loss.simple_bind(mx.cpu(), x=(16, 3), w=(1, 3), y=(16, 1), grad_req={"w": "write", "x": "null", "y": "null"})
    ex.arg_dict["x"][:] = X
    ex.arg_dict["y"][:] = Y
    first = None
    for _ in range(200):
        out = ex.forward(is_train=True)[0]
        ex.backward(mx.nd.ones((16, 1)))     # (square is no loss layer: MXNet needs the head gradient)
        for name, arr, grad in zip(loss.list_arguments(), ex.arg_arrays, ex.grad_arrays):
            if grad is not None:
                arr[:] = arr - grad * 0.05
        cur = out.asnumpy().mean()
        first = cur if first is None else first
    assert cur < first * 1e-3
    np.testing.assert_allclose(ex.arg_dict["w"].asnumpy(), true_w, atol=1e-2)


def test_reshape_copy_params_monitor():
    x = mx.sym.Variable("x")
    w = mx.sym.Variable("w")
    s = mx.sym.broadcast_mul(x, w, name="m")
    ex = s.simple_bind(mx.cpu(), x=(2, 3), w=(1, 3))
    ex.copy_params_from({"w": mx.nd.array([[1, 2, 3]])})
    with pytest.raises(ValueError):
        ex.copy_params_from({"nope": mx.nd.ones((1,))})
    ex.copy_params_from({"nope": mx.nd.ones((1,))}, allow_extra_params=True)
    with pytest.raises(mx.MXNetError, match="allow_up_sizing"):
        ex.reshape(x=(4, 3))
    ex2 = ex.reshape(allow_up_sizing=True, x=(4, 3))
    assert ex2.arg_dict["w"] is ex.arg_dict["w"] and ex2.arg_dict["x"].shape == (4, 3)
    ex2.arg_dict["x"][:] = 1
    np.testing.assert_array_equal(ex2.forward()[0].asnumpy(), np.tile([1, 2, 3], (4, 1)))
    seen = []
    ex2.set_monitor_callback(lambda name, arr: seen.append((name, arr.shape)))
    ex2.forward()
    mx.nd.waitall()
    assert seen == [(b"m_output", (4, 3))]


def test_bind_errors():
    s = _graph()
    with pytest.raises(mx.MXNetError, match="3 arrays but the symbol needs 2"):
        s.bind(mx.cpu(), [mx.nd.ones((2,))] * 3)
    with pytest.raises(mx.MXNetError, match="missing"):
        s.bind(mx.cpu(), {"A": mx.nd.ones((2,))})
    with pytest.raises(mx.MXNetError, match="grad_req"):
        s.bind(mx.cpu(), [mx.nd.ones((2,))] * 2, args_grad=[mx.nd.ones((2,))] * 2, grad_req="bogus")
    with pytest.raises(mx.MXNetError):
        s.bind(mx.cpu(), [mx.nd.ones((2,)), mx.nd.ones((3,))])
    with pytest.warns(UserWarning, match="Cannot decide shape"), pytest.raises(mx.MXNetError, match="simple_bind"):
        s.simple_bind(mx.cpu(), A=(2,))


def test_eval_and_group_outputs():
    x = mx.sym.Variable("x")
    g = mx.sym.Group([mx.sym.exp(x), mx.sym.negative(x)])
    outs = g.eval(ctx=mx.cpu(), x=mx.nd.array([0.0, 1.0]))
    np.testing.assert_allclose(outs[0].asnumpy(), [1, np.e], rtol=1e-6)
    np.testing.assert_array_equal(outs[1].asnumpy(), [0, -1])



def test_output_that_is_an_argument_is_that_array():
    # MXNet 1.9.1 hands out the argument's own NDArray: writing either writes the other
    x = mx.sym.Variable("x")
    a = mx.nd.array([1.0, 2.0])
    ex = mx.sym.Group([x, x * 2]).bind(mx.cpu(), {"x": a}, args_grad={"x": mx.nd.zeros((2,))})
    assert ex.outputs[0] is a
    ex.forward(is_train=True)
    np.testing.assert_array_equal(ex.outputs[1].asnumpy(), [2, 4])
    a[:] = 5
    np.testing.assert_array_equal(ex.outputs[0].asnumpy(), [5, 5])
    ex.outputs[0][:] = 7
    np.testing.assert_array_equal(a.asnumpy(), [7, 7])
    ex.forward(is_train=True)
    np.testing.assert_array_equal(ex.outputs[1].asnumpy(), [14, 14])
    ex.backward([mx.nd.ones((2,)), mx.nd.ones((2,))])
    np.testing.assert_array_equal(ex.grad_arrays[0].asnumpy(), [3, 3])     # 1 + 2
    assert ex.output_dict["x"] is a

def test_runtime_error_surfaces_at_sync():
    x = mx.sym.Variable("x")
    s = mx.sym.exp(x)
    ex = s.bind(mx.cpu(), {"x": mx.nd.ones((2,))}, args_grad={"x": mx.nd.zeros((2,))})
    ex.backward(mx.nd.ones((2,)))   # before any forward: the error is raised at the next sync point
    with pytest.raises(mx.MXNetError, match="backward called before forward"):
        ex.grad_arrays[0].asnumpy()
    ex.forward(is_train=True)
    ex.backward(mx.nd.ones((2,)))
    np.testing.assert_allclose(ex.grad_arrays[0].asnumpy(), [np.e, np.e], rtol=1e-6)


def test_monitor_callback_sees_forward_and_backward_outputs():
    # MXNet 1.9.1 reports these names in this order (checked with the real library)
    d = mx.sym.Variable("data")
    f = mx.sym.FullyConnected(d, num_hidden=3, name="fc1")
    a = mx.sym.Activation(f, act_type="relu", name="relu1")
    ex = mx.sym.SoftmaxOutput(a, name="sm").simple_bind(mx.cpu(), data=(2, 4))
    seen = {}
    ex.set_monitor_callback(lambda n, arr: seen.setdefault(n.decode(), arr.asnumpy()))   # bytes, as MXNet
    ex.arg_dict["data"][:] = np.arange(8).reshape(2, 4) / 8.0
    ex.forward(is_train=True)
    ex.backward()
    mx.nd.waitall()
    assert list(seen) == ["fc1_output", "relu1_output", "sm_output", "sm_backward_output0",
                          "sm_backward_output1", "relu1_backward_output", "fc1_backward_output0",
                          "fc1_backward_output1", "fc1_backward_output2"]
    np.testing.assert_allclose(seen["fc1_backward_output1"], ex.grad_dict["fc1_weight"].asnumpy())
    np.testing.assert_allclose(seen["fc1_output"], ex.arg_dict["data"].asnumpy() @ ex.arg_dict["fc1_weight"].asnumpy().T
                               + ex.arg_dict["fc1_bias"].asnumpy(), rtol=1e-6)
    seen.clear()
    ex.set_monitor_callback(lambda n, arr: seen.setdefault(n.decode(), arr.asnumpy()), monitor_all=True)
    ex.forward(is_train=True)
    mx.nd.waitall()
    assert list(seen)[:4] == ["fc1_data", "fc1_weight", "fc1_bias", "fc1_output"]
    np.testing.assert_array_equal(seen["fc1_weight"], ex.arg_dict["fc1_weight"].asnumpy())


def test_creation_op_with_unknown_dims_is_sized_by_inference():
    # MXNet: zeros((0, H)) takes its batch size from the layer output it is added to
    x = mx.sym.Variable("x")
    h = mx.sym.zeros((0, 5))
    y = mx.sym.FullyConnected(x, num_hidden=5, name="i2h") + mx.sym.FullyConnected(h, num_hidden=5, name="h2h")
    arg_shapes, out_shapes, _ = y.infer_shape(x=(3, 4))
    assert out_shapes == [(3, 5)] and dict(zip(y.list_arguments(), arg_shapes))["h2h_weight"] == (5, 5)
    ex = y.simple_bind(mx.cpu(), x=(3, 4))
    rng = np.random.RandomState(0)
    vals = {k: rng.rand(*a.shape).astype(np.float32) for k, a in ex.arg_dict.items()}
    for k, v in vals.items():
        ex.arg_dict[k][:] = v
    want = vals["x"] @ vals["i2h_weight"].T + vals["i2h_bias"] + vals["h2h_bias"]   # h is zeros
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), want, rtol=1e-5)
    with pytest.raises(mx.MXNetError, match="unknown dimensions"):
        mx.sym.zeros((0, 5)).simple_bind(mx.cpu())


def test_simple_bind_honours_declared_dtypes():
    # MXNet 1.9.1: without type_dict, arguments declared with dtype= keep it, the rest are float32
    x = mx.sym.Variable("x", dtype="int32")
    y = mx.sym.Variable("y")
    ex = (mx.sym.cast(x, dtype="float32") + y).simple_bind(mx.cpu(), x=(2,), y=(2,))
    assert ex.arg_dict["x"].dtype == np.int32 and ex.arg_dict["y"].dtype == np.float32
    ex.arg_dict["x"][:] = [3, 4]
    ex.arg_dict["y"][:] = 0.5
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), [3.5, 4.5])


@pytest.mark.parametrize("bind", [
    lambda: (mx.sym.var("a") + mx.sym.var("b")).bind(mx.cpu(), {"a": mx.nd.ones(2)}),
    lambda: (mx.sym.var("a") + mx.sym.var("b")).bind(mx.cpu(), [mx.nd.ones(2)]),
    lambda: mx.sym.BatchNorm(mx.sym.var("a"), name="bn").bind(
        mx.cpu(), {"a": mx.nd.ones((2, 2)), "bn_gamma": mx.nd.ones(2), "bn_beta": mx.nd.ones(2)}),
], ids=["args dict missing a name", "args list too short", "aux_states not given"])
def test_bind_without_the_arrays_it_needs_raises_value_error(bind):
    """MXNet 1.9.1 raises ValueError (neomx: also an MXNetError naming what is missing)."""
    with pytest.raises(ValueError, match="bind: .*(b|moving_mean)") as info:
        bind()
    assert isinstance(info.value, mx.MXNetError)


def test_gradients_never_share_memory_with_each_other_or_the_head_gradient():
    # add's backward hands both arguments the head gradient object; each stores a copy
    a, b = mx.sym.var("a"), mx.sym.var("b")
    ex = (a + b).simple_bind(mx.cpu(), a=(3,), b=(3,))
    ex.forward(is_train=True, a=np.ones(3), b=np.ones(3))
    head = mx.nd.array([1.0, 2.0, 3.0])
    ex.backward(head)
    ex.grad_dict["a"][:] = 5
    head[:] = 9
    np.testing.assert_array_equal(ex.grad_dict["b"].asnumpy(), [1, 2, 3])
    np.testing.assert_array_equal(ex.grad_dict["a"].asnumpy(), [5, 5, 5])


def test_a_lazy_gradient_never_is_the_head_gradient():
    # the data gradient left pending (unread) passes the head gradient through identity
    x, w = mx.sym.var("x"), mx.sym.var("w")
    ex = (mx.sym.identity(x) + w * 0).simple_bind(mx.cpu(), x=(3,), w=(3,))
    for step in range(6):
        ex.forward(is_train=True, x=np.ones(3), w=np.ones(3))
        head = mx.nd.array([1.0, 2.0, 3.0]) * (step + 1)
        ex.backward(head)
        ex.grad_dict["w"].asnumpy()            # only the weight's gradient is read
    g = ex.grad_dict["x"]
    g.wait_to_read()
    g[:] = 0                                   # writing the gradient leaves the head alone
    np.testing.assert_array_equal(head.asnumpy(), [6, 12, 18])


@pytest.mark.parametrize("net,heads_ok", [
    (lambda a, b: a * b, False),
    (lambda a, b: mx.sym.Group([mx.sym.MakeLoss(a * 2), b * 3]), False),
    (lambda a, b: mx.sym.Group([mx.sym.MakeLoss(a * 2), mx.sym.BlockGrad(b * 3)]), True),
    (lambda a, b: mx.sym.LinearRegressionOutput(a, b), True),
], ids=["mul", "loss + mul", "loss + BlockGrad", "regression output"])
def test_backward_without_head_gradient_needs_loss_outputs(net, heads_ok):
    # MXNet 1.9.1: an output that is not a loss layer (or BlockGrad) needs its head gradient
    a, b = mx.sym.var("a"), mx.sym.var("b")
    ex = net(a, b).simple_bind(mx.cpu(), a=(2,), b=(2,))
    ex.forward(is_train=True, a=np.ones(2), b=np.ones(2))
    if heads_ok:
        ex.backward()
        assert np.isfinite(ex.grad_dict["a"].asnumpy()).all()
    else:
        with pytest.raises(mx.MXNetError, match="head_gradient is required"):
            ex.backward()
        ex.backward([mx.nd.ones(2)] * len(ex.outputs))     # given: fine


def test_outputs_before_the_first_forward_are_arrays_of_their_shape():
    # MXNet allocates outputs at bind (their values unset); here they read as zeros
    x = mx.sym.Variable("x")
    ex = (x * 2).simple_bind(mx.cpu(), x=(2, 3))
    out = ex.outputs[0].asnumpy()
    assert out.shape == (2, 3) and out.dtype == np.float32
    np.testing.assert_array_equal(out, 0)
    ex.arg_dict["x"][:] = 1
    np.testing.assert_array_equal(ex.forward()[0].asnumpy(), 2)
