"""Plan-level fusion (executor/fusion.py): fused chains give the unfused steps' values and
gradients bit for bit, and the softmax cross-entropy's NumPy math."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.executor.graph import GraphPlan


def _ce_symbol(keepdims=True, mode="clip", negate="mul", group_logp=False, axis=-1):
    x, label = mx.sym.var("x"), mx.sym.var("label")
    logp = mx.sym.log_softmax(x, axis=axis)
    picked = mx.sym.pick(logp, label, axis=-1, keepdims=keepdims, mode=mode)
    loss = -picked if negate == "mul" else (mx.sym.negative(picked) if negate == "neg" else picked * 0.5)
    return mx.sym.Group([loss, logp]) if group_logp else loss


def _names(plan):
    return [s.op.name for s in plan.fused_steps]


def _run(sym, x, label, head, fused, label_req="null"):
    ex = sym.simple_bind(mx.cpu(), grad_req={"x": "write", "label": label_req},
                         x=x.shape, label=label.shape, type_dict={"x": x.dtype, "label": label.dtype})
    if not fused:
        ex._plan.fused_steps = ex._plan.steps
    ex.arg_dict["x"][:] = x
    ex.arg_dict["label"][:] = label
    outs = [o.asnumpy() for o in ex.forward(is_train=True)]
    ex.backward([mx.nd.array(h, dtype=o.dtype) for h, o in zip(head, outs)])
    return outs, ex.grad_dict["x"].asnumpy(), ex.grad_dict["label"].asnumpy() if label_req != "null" else None


def _data(shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    x = (rng.randn(*shape) * 4).astype(dtype)
    label = rng.randint(-2, shape[-1] + 2, shape[:-1]).astype(dtype)     # out of range: clipped/wrapped
    return x, label


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
@pytest.mark.parametrize("shape", [(128, 10), (3, 70), (1, 2), (2, 3, 5)])
@pytest.mark.parametrize("keepdims,mode,negate", [(True, "clip", "mul"), (False, "wrap", "neg"),
                                                  (True, "clip", "half")])
def test_fused_softmax_ce_equals_unfused(dtype, shape, keepdims, mode, negate):
    sym = _ce_symbol(keepdims, mode, negate)
    assert "_fused_softmax_cross_entropy" in _names(GraphPlan(sym))
    x, label = _data(shape, dtype)
    out_shape = shape[:-1] + ((1,) if keepdims else ())
    head = [np.random.RandomState(1).rand(*out_shape).astype(dtype)]
    f_outs, f_gx, _ = _run(sym, x, label, head, fused=True)
    u_outs, u_gx, _ = _run(sym, x, label, head, fused=False)
    np.testing.assert_array_equal(f_outs[0], u_outs[0])
    np.testing.assert_array_equal(f_gx, u_gx)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fused_softmax_ce_matches_numpy(dtype):
    x, label = _data((64, 10), dtype, seed=3)
    g = np.random.RandomState(4).rand(64, 1).astype(dtype)
    outs, gx, _ = _run(_ce_symbol(), x, label, [g], fused=True)
    x64 = x.astype(np.float64)
    idx = np.clip(label.astype(np.int64), 0, 9)
    logp = x64 - x64.max(1, keepdims=True)
    logp -= np.log(np.exp(logp).sum(1, keepdims=True))
    rows = np.arange(64)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(outs[0][:, 0], -logp[rows, idx], rtol=tol, atol=tol)
    want = np.exp(logp) * g
    want[rows, idx] -= g[:, 0]
    np.testing.assert_allclose(gx, want, rtol=tol, atol=tol)


def test_label_gradient_is_zero_as_pick():
    x, label = _data((8, 5), "float32")
    _, gx, gl = _run(_ce_symbol(), x, label, [np.ones((8, 1), np.float32)], fused=True, label_req="write")
    np.testing.assert_array_equal(gl, np.zeros_like(label))
    _, u_gx, _ = _run(_ce_symbol(), x, label, [np.ones((8, 1), np.float32)], fused=False, label_req="write")
    np.testing.assert_array_equal(gx, u_gx)


def test_not_fused_when_an_intermediate_is_read_elsewhere():
    assert "_fused_softmax_cross_entropy" not in _names(GraphPlan(_ce_symbol(group_logp=True)))
    x, label = mx.sym.var("x"), mx.sym.var("label")
    logp = mx.sym.log_softmax(x)
    twice = -mx.sym.pick(logp, label) + mx.sym.sum(logp, axis=1)
    assert _names(GraphPlan(twice)) == [s.op.name for s in GraphPlan(twice).steps]
    other_axis = _ce_symbol(axis=1)        # axis given as 1, not -1: left alone
    assert "_fused_softmax_cross_entropy" not in _names(GraphPlan(other_axis))


def test_monitor_sees_every_operator_of_a_fused_chain():
    sym = _ce_symbol()
    x, label = _data((4, 3), "float32")
    ex = sym.simple_bind(mx.cpu(), grad_req={"x": "write", "label": "null"}, x=x.shape, label=label.shape)
    seen = []
    ex.set_monitor_callback(lambda name, arr: seen.append(name.decode() if isinstance(name, bytes) else name))
    ex.arg_dict["x"][:] = x
    ex.arg_dict["label"][:] = label
    ex.forward(is_train=True)
    ex.backward([mx.nd.ones((4, 1))])
    mx.nd.waitall()
    names = [n for n in seen if n.endswith("_output")]
    assert any(n.startswith("log_softmax") for n in names) and any(n.startswith("pick") for n in names)


def test_gluon_loss_gradient_unchanged_by_fusion():
    """The Gluon loss (a cached graph of these three operators) against the NumPy gradient."""
    rng = np.random.RandomState(5)
    pred = mx.nd.array(rng.randn(16, 7))
    label = mx.nd.array(rng.randint(0, 7, 16))
    pred.attach_grad()
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    with autograd.record():
        loss = loss_fn(pred, label)
    loss.backward()
    p = np.exp(pred.asnumpy() - pred.asnumpy().max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    want = p.copy()
    want[np.arange(16), label.asnumpy().astype(int)] -= 1
    np.testing.assert_allclose(pred.grad.asnumpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(loss.asnumpy(), -np.log(p[np.arange(16), label.asnumpy().astype(int)]),
                               rtol=1e-5)
    plan = next(iter(loss_fn._traced.values())).plan
    assert "_fused_softmax_cross_entropy" in _names(plan)
