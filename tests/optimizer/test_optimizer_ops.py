"""Optimizer update operators (sgd_update, adam_update, ...): three steps against NumPy references
of MXNet's kernels, float32 and float64 (float16 through the mp_ forms), states updated in place,
shape errors, and one mx.sym + simple_bind round."""
import numpy as np
import pytest

import mxnet as mx

RNG = np.random.RandomState(3)
SHAPE = (3, 4)


def _clip(x, c):
    return np.clip(x, -c, c) if c >= 0 else x


# NumPy references, in float64: (weight, grad, states, params) -> (new weight, new states).
def ref_sgd(w, g, st, p):
    return (1 - p["lr"] * p["wd"]) * w - p["lr"] * _clip(p["rescale_grad"] * g, p["clip_gradient"]), []


def ref_sgd_mom(w, g, st, p):
    mom = p["momentum"] * st[0] - p["lr"] * p["wd"] * w - p["lr"] * _clip(p["rescale_grad"] * g,
                                                                           p["clip_gradient"])
    return w + mom, [mom]


def ref_nag(w, g, st, p):
    # MXNet's kernel (called with out=weight) refreshes the momentum with the *new* weight.
    grad = _clip(p["rescale_grad"] * g, p["clip_gradient"])
    mom = p["momentum"] * st[0]
    new_w = w - mom + (1 + p["momentum"]) * (mom - p["lr"] * (grad + p["wd"] * w))
    return new_w, [mom - p["lr"] * (grad + p["wd"] * new_w)]


def ref_signsgd(w, g, st, p):
    return (1 - p["lr"] * p["wd"]) * w - p["lr"] * np.sign(g), []


def ref_signum(w, g, st, p):
    m = p["momentum"]
    mom = m * st[0] - (1 - m) * p["wd"] * w - (1 - m) * _clip(p["rescale_grad"] * g, p["clip_gradient"])
    return (1 - p["lr"] * p["wd_lh"]) * w + p["lr"] * np.sign(mom), [mom]


def ref_adam(w, g, st, p):
    grad = _clip(p["rescale_grad"] * g + p["wd"] * w, p["clip_gradient"])
    mean = p["beta1"] * st[0] + (1 - p["beta1"]) * grad
    var = p["beta2"] * st[1] + (1 - p["beta2"]) * grad ** 2
    return w - p["lr"] * mean / (np.sqrt(var) + p["epsilon"]), [mean, var]


def ref_rmsprop(w, g, st, p):
    grad = _clip(p["rescale_grad"] * g + p["wd"] * w, p["clip_gradient"])
    n = (1 - p["gamma1"]) * grad ** 2 + p["gamma1"] * st[0]
    return _clip(w - p["lr"] * grad / np.sqrt(n + p["epsilon"]), p["clip_weights"]), [n]


def ref_rmspropalex(w, g, st, p):
    grad = _clip(p["rescale_grad"] * g + p["wd"] * w, p["clip_gradient"])
    n = (1 - p["gamma1"]) * grad ** 2 + p["gamma1"] * st[0]
    gm = (1 - p["gamma1"]) * grad + p["gamma1"] * st[1]
    delta = p["gamma2"] * st[2] - p["lr"] * grad / np.sqrt(n - gm ** 2 + p["epsilon"])
    return _clip(w + delta, p["clip_weights"]), [n, gm, delta]


def ref_ftrl(w, g, st, p):
    grad = _clip(p["rescale_grad"] * g, p["clip_gradient"])
    z = st[0] + grad - (np.sqrt(st[1] + grad ** 2) - np.sqrt(st[1])) * w / p["lr"]
    n = st[1] + grad ** 2
    new_w = (np.sign(z) * p["lamda1"] - z) / ((p["beta"] + np.sqrt(n)) / p["lr"] + p["wd"])
    return new_w * (np.abs(z) > p["lamda1"]), [z, n]


def ref_ftml(w, g, st, p):
    b1, b2, t = p["beta1"], p["beta2"], p["t"]
    grad = _clip(p["rescale_grad"] * g + p["wd"] * w, p["clip_grad"])
    v = b2 * st[1] + (1 - b2) * grad ** 2
    d = (1 - b1 ** t) / p["lr"] * (np.sqrt(v / (1 - b2 ** t)) + p["epsilon"])
    z = b1 * st[2] + (1 - b1) * grad - (d - b1 * st[0]) * w
    return -z / d, [d, v, z]


BASE = dict(lr=0.1, wd=0.05, rescale_grad=0.5, clip_gradient=0.8)
# (op, reference, number of states, params, positive states)
CASES = [
    ("sgd_update", ref_sgd, 0, dict(BASE)),
    ("sgd_update", ref_sgd, 0, dict(BASE, clip_gradient=-1.0)),
    ("sgd_mom_update", ref_sgd_mom, 1, dict(BASE, momentum=0.9)),
    ("sgd_mom_update", ref_sgd_mom, 1, dict(BASE, momentum=0.5, clip_gradient=-1.0)),
    ("nag_mom_update", ref_nag, 1, dict(BASE, momentum=0.9)),
    ("nag_mom_update", ref_nag, 1, dict(BASE, momentum=0.7, clip_gradient=-1.0)),
    ("signsgd_update", ref_signsgd, 0, dict(BASE)),
    ("signum_update", ref_signum, 1, dict(BASE, momentum=0.9, wd_lh=0.01)),
    ("adam_update", ref_adam, 2, dict(BASE, beta1=0.8, beta2=0.95, epsilon=1e-3)),
    ("adam_update", ref_adam, 2, dict(BASE, beta1=0.9, beta2=0.999, epsilon=1e-8, clip_gradient=-1.0)),
    ("rmsprop_update", ref_rmsprop, 1, dict(BASE, gamma1=0.9, epsilon=1e-3, clip_weights=0.9)),
    ("rmsprop_update", ref_rmsprop, 1, dict(BASE, gamma1=0.95, epsilon=1e-8, clip_weights=-1.0)),
    ("rmspropalex_update", ref_rmspropalex, 3, dict(BASE, gamma1=0.9, gamma2=0.8, epsilon=1e-3,
                                                    clip_weights=0.9)),
    ("ftrl_update", ref_ftrl, 2, dict(BASE, lamda1=0.05, beta=1.5)),
    ("ftml_update", ref_ftml, 3, dict(lr=0.1, wd=0.05, rescale_grad=0.5, clip_grad=0.8, beta1=0.6,
                                      beta2=0.99, epsilon=1e-3)),
]


def _defaults(op_name, params):
    op = mx.ops.get_op(op_name)
    full = {p.name: p.default for p in op.params if p.default is not mx.ops.params.REQUIRED}
    full.update(params)
    return full


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", range(len(CASES)),
                         ids=["{}-{}".format(c[0], i) for i, c in enumerate(CASES)])
def test_update_op_matches_numpy(case, dtype):
    name, ref, n_states, params = CASES[case]
    w0 = RNG.uniform(-1, 1, SHAPE)
    grads = [RNG.uniform(-3, 3, SHAPE) for _ in range(3)]
    weight = mx.nd.array(w0, dtype=dtype)
    states = [mx.nd.zeros(SHAPE, dtype=dtype) for _ in range(n_states)]
    w_ref, st_ref = w0.copy(), [np.zeros(SHAPE) for _ in range(n_states)]
    fn = getattr(mx.nd, name)
    for t, g in enumerate(grads, 1):
        kw = dict(params, t=t) if name == "ftml_update" else dict(params)
        out = fn(weight, mx.nd.array(g, dtype=dtype), *states, out=weight, **kw)
        assert out is weight
        w_ref, st_ref = ref(w_ref, g, st_ref, _defaults(name, kw))
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-9, atol=1e-10)
    assert weight.dtype == dtype
    np.testing.assert_allclose(weight.asnumpy(), w_ref, **tol)
    for s, r in zip(states, st_ref):
        np.testing.assert_allclose(s.asnumpy(), r, **tol)


def test_update_without_out_leaves_weight():
    w = mx.nd.ones(SHAPE)
    mom = mx.nd.zeros(SHAPE)
    new = mx.nd.sgd_mom_update(w, mx.nd.ones(SHAPE), mom, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(w.asnumpy(), 1.0)
    np.testing.assert_allclose(new.asnumpy(), 0.9)
    np.testing.assert_allclose(mom.asnumpy(), -0.1)   # the state is updated in place


MP_CASES = [
    ("mp_sgd_update", ref_sgd, 0, dict(BASE)),
    ("mp_sgd_mom_update", ref_sgd_mom, 1, dict(BASE, momentum=0.9)),
    ("mp_nag_mom_update", ref_nag, 1, dict(BASE, momentum=0.9)),
]


@pytest.mark.parametrize("name,ref,n_states,params", MP_CASES, ids=[c[0] for c in MP_CASES])
def test_mp_update_keeps_float32_master(name, ref, n_states, params):
    w0 = RNG.uniform(-1, 1, SHAPE).astype(np.float16).astype(np.float64)
    grads = [RNG.uniform(-3, 3, SHAPE).astype(np.float16).astype(np.float64) for _ in range(3)]
    weight = mx.nd.array(w0, dtype="float16")
    w32 = weight.astype("float32")
    states = [mx.nd.zeros(SHAPE) for _ in range(n_states)]
    w_ref, st_ref = w0, [np.zeros(SHAPE) for _ in range(n_states)]
    for g in grads:
        getattr(mx.nd, name)(weight, mx.nd.array(g, dtype="float16"), *states, w32, out=weight, **params)
        w_ref, st_ref = ref(w_ref, g, st_ref, _defaults(name, params))
    assert weight.dtype == np.float16 and w32.dtype == np.float32
    np.testing.assert_allclose(w32.asnumpy(), w_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(weight.asnumpy(), w32.asnumpy().astype(np.float16))


def _lamb_ref(w, g, mean, var, t, p1, lr, lower=-1.0, upper=-1.0):
    grad = _clip(g * p1.get("rescale_grad", 1.0), p1.get("clip_gradient", -1.0))
    b1, b2, eps = p1.get("beta1", 0.9), p1.get("beta2", 0.999), p1.get("epsilon", 1e-6)
    mean = b1 * mean + (1 - b1) * grad
    var = b2 * var + (1 - b2) * grad ** 2
    if p1.get("bias_correction", True):
        step = (mean / (1 - b1 ** t)) / (np.sqrt(var / (1 - b2 ** t)) + eps) + p1["wd"] * w
    else:
        step = mean / (np.sqrt(var) + eps) + p1["wd"] * w
    r1, r2 = np.linalg.norm(w), np.linalg.norm(step)
    if lower >= 0:
        r1 = max(r1, lower)
    if upper >= 0:
        r1 = min(r1, upper)
    ratio = 1.0 if (r1 == 0 or r2 == 0) else r1 / r2
    return w - lr * ratio * step, mean, var


@pytest.mark.parametrize("p1,lower,upper", [
    (dict(wd=0.05, rescale_grad=0.5, clip_gradient=0.8, beta1=0.8, beta2=0.95, epsilon=1e-3),
     -1.0, -1.0),
    (dict(wd=0.01, bias_correction=False), 0.1, 0.5),
])
@pytest.mark.parametrize("mp", [False, True])
def test_lamb_phases(p1, lower, upper, mp):
    dt = "float16" if mp else "float32"
    w0 = RNG.uniform(-1, 1, SHAPE).astype(np.float16).astype(np.float64)
    weight = mx.nd.array(w0, dtype=dt)
    w32 = weight.astype("float32")
    mean, var = mx.nd.zeros(SHAPE), mx.nd.zeros(SHAPE)
    w_ref, m_ref, v_ref = w0, np.zeros(SHAPE), np.zeros(SHAPE)
    bounds = dict(lower_bound=lower, upper_bound=upper)
    for t in range(1, 4):
        g = RNG.uniform(-3, 3, SHAPE).astype(np.float16).astype(np.float64)
        if mp:
            step = mx.nd.mp_lamb_update_phase1(weight, mx.nd.array(g, dtype=dt), mean, var, w32,
                                               t=t, **p1)
            assert step.dtype == np.float32
            mx.nd.mp_lamb_update_phase2(weight, step, w32.norm(), step.norm(), w32, lr=0.1,
                                        out=weight, **bounds)
        else:
            step = mx.nd.lamb_update_phase1(weight, mx.nd.array(g, dtype=dt), mean, var, t=t, **p1)
            mx.nd.lamb_update_phase2(weight, step, weight.norm(), step.norm(), lr=0.1, out=weight,
                                     **bounds)
        w_ref, m_ref, v_ref = _lamb_ref(w_ref, g, m_ref, v_ref, t, p1, 0.1, lower, upper)
    got = w32.asnumpy() if mp else weight.asnumpy()
    np.testing.assert_allclose(got, w_ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mean.asnumpy(), m_ref, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(var.asnumpy(), v_ref, rtol=1e-4, atol=1e-6)


def test_lamb_phase2_zero_norm_means_ratio_one():
    w = mx.nd.zeros((4,))
    g = mx.nd.ones((4,))
    out = mx.nd.lamb_update_phase2(w, g, w.norm(), g.norm(), lr=0.5)
    np.testing.assert_allclose(out.asnumpy(), -0.5)


# MXNet 1.9.1 outputs for three steps of several operators on one input (produced with
# mx.nd.<op>(weight, grad, *states, out=weight, ...) in real MXNet).
MX_W0 = [[0.25, -0.5, 0.75], [-1.0, 0.125, 0.5]]
MX_G = [[[1.5, -2.0, 0.25], [0.5, -0.75, 3.0]], [[-1.0, 0.5, 2.0], [1.25, -0.25, -1.5]],
        [[0.75, 1.0, -2.5], [-0.5, 2.0, 0.125]]]
MXNET_OPS = {  # name: (number of states, parameters, weight after 3 steps in MXNet 1.9.1)
    "nag_mom_update": (1, dict(lr=0.1, momentum=0.9, wd=0.1, rescale_grad=0.5, clip_gradient=0.6),
                       [0.09392837, -0.4240654, 0.6042683, -1.11595, 0.1582167, 0.4102382]),
    "sgd_mom_update": (1, dict(lr=0.1, momentum=0.9, wd=0.1, rescale_grad=0.5, clip_gradient=0.6),
                       [0.1327688, -0.4091135, 0.621483, -1.099581, 0.1818761, 0.4190135]),
    "signum_update": (1, dict(lr=0.1, momentum=0.9, wd=0.1, rescale_grad=0.5, wd_lh=0.02),
                      [-0.05089738, -0.1976056, 0.6461086, -1.293413, 0.2236519, 0.1976056]),
    "adam_update": (2, dict(lr=0.1, beta1=0.8, beta2=0.95, epsilon=1e-3, wd=0.1, rescale_grad=0.5,
                            clip_gradient=0.6),
                    [0.1204181, -0.4011419, 0.5546935, -1.21144, 0.2715925, 0.4230001]),
    "rmspropalex_update": (3, dict(lr=0.1, gamma1=0.9, gamma2=0.8, epsilon=1e-3, wd=0.1,
                                   rescale_grad=0.5,
                                   clip_weights=0.7),
                           [-0.3580976, 0.0320667, -0.3212872, -0.7, 0.657438, -0.069485]),
    "ftrl_update": (2, dict(lr=0.1, lamda1=0.02, beta=1.5, wd=0.1, rescale_grad=0.5),
                    [0.05454599, -0.1872331, 0.04887344, -0.1725216, 0.01158059, 0.2202435]),
    "ftml_update": (3, dict(lr=0.1, beta1=0.6, beta2=0.99, epsilon=1e-3, wd=0.1, rescale_grad=0.5,
                            clip_grad=0.6),
                    [0.165364, -0.4808938, 0.6275717, -1.133975, 0.1742538, 0.4513237]),
}


@pytest.mark.parametrize("name", sorted(MXNET_OPS))
def test_update_op_matches_mxnet(name):
    n_states, params, expected = MXNET_OPS[name]
    w = mx.nd.array(MX_W0)
    states = [mx.nd.zeros((2, 3)) for _ in range(n_states)]
    for t, g in enumerate(MX_G, 1):
        kw = dict(params, t=t) if name == "ftml_update" else params
        getattr(mx.nd, name)(w, mx.nd.array(g), *states, out=w, **kw)
    np.testing.assert_allclose(w.asnumpy().ravel(), expected, rtol=1e-5, atol=1e-6)


def test_shape_mismatch_errors():
    w = mx.nd.ones((2, 3))
    with pytest.raises(mx.MXNetError, match="sgd_update"):
        mx.nd.sgd_update(w, mx.nd.ones((3, 2)), lr=0.1)
    with pytest.raises(mx.MXNetError, match="mom"):
        mx.nd.sgd_mom_update(w, mx.nd.ones((2, 3)), mx.nd.ones((4,)), lr=0.1)
    with pytest.raises(mx.MXNetError, match="lr"):
        mx.nd.adam_update(w, w, w.copy(), w.copy())          # lr is required
    with pytest.raises(mx.MXNetError):
        mx.nd.ftml_update(w, w, w.copy(), w.copy(), w.copy(), lr=0.1)   # t is required


def test_signature_order_matches_mxnet():
    import inspect
    params = list(inspect.signature(mx.nd.mp_sgd_mom_update).parameters)
    assert params[:4] == ["weight", "grad", "mom", "weight32"]
    params = list(inspect.signature(mx.nd.lamb_update_phase2).parameters)
    assert params[:4] == ["weight", "g", "r1", "r2"]


def test_symbolic_update():
    s = mx.sym.sgd_mom_update(mx.sym.var("weight"), mx.sym.var("grad"), mx.sym.var("mom"), lr=0.1,
                              momentum=0.9, name="upd")
    ex = s.simple_bind(mx.cpu(), weight=(2, 3), grad_req="null")
    ex.arg_dict["weight"][:] = 1.0
    ex.arg_dict["grad"][:] = 0.5
    ex.forward()
    ex.forward()
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), 1 - 0.05 * 1.9, rtol=1e-6)
    np.testing.assert_allclose(ex.aux_dict["mom"].asnumpy(), -0.05 * 1.9, rtol=1e-6)
    s = mx.sym.adam_update(mx.sym.var("w"), mx.sym.var("g"), mx.sym.var("m"), mx.sym.var("v"), lr=0.1)
    ex = s.simple_bind(mx.cpu(), w=(3,), grad_req="null")
    ex.arg_dict["w"][:] = 1.0
    ex.arg_dict["g"][:] = 2.0
    ex.forward()
    expected = 1 - 0.1 * 0.2 / (np.sqrt(0.004) + 1e-8)
    np.testing.assert_allclose(ex.outputs[0].asnumpy(), expected, rtol=1e-5)


def test_sgd_mom_update_flushes_stuck_subnormal_momentum():
    """A zero gradient decays the momentum until it sticks at the smallest subnormal (MXNet keeps
    it there forever, and every later pass over it is ~50x slower); neomx flushes it to zero in
    buffers of 4096 elements or more (a small buffer's few slow elements cost microseconds)."""
    n = 4096
    head = np.array([1.4e-45, -1.4e-45, 1e-39, 2e-38, 0.5, -0.25], dtype=np.float32)
    for size, flushed in ((n, True), (6, False)):
        w = mx.nd.ones((size,))
        g = mx.nd.zeros((size,))
        start = np.full(size, 0.5, np.float32)
        start[:6] = head
        mom = mx.nd.array(start)
        for _ in range(4):
            mx.nd.sgd_mom_update(w, g, mom, out=w, lr=0.1, momentum=0.9)
        m = mom.asnumpy()
        assert (m[:3] == 0).all() == flushed          # subnormal: flushed in the large buffer
        assert m[3] != 0
        np.testing.assert_allclose(m[4:6], np.array([0.5, -0.25]) * 0.9 ** 4, rtol=1e-6)
        np.testing.assert_allclose(w.asnumpy()[4:6], 1 + np.array([0.5, -0.25]) * sum(0.9 ** k for k in range(1, 5)),
                                   rtol=1e-6)


def test_sgd_mom_update_keeps_float16_small_values():
    w = mx.nd.ones((2,), dtype="float16")
    mom = mx.nd.array([1e-6, -1e-6], dtype="float16")       # subnormal in float16: kept
    mx.nd.sgd_mom_update(w, mx.nd.zeros((2,), dtype="float16"), mom, out=w, lr=0.1, momentum=1.0)
    assert (mom.asnumpy() != 0).all()
