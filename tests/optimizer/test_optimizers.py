"""Optimizers: several update steps against NumPy references of their formulas (with weight
decay, rescale_grad, clip_gradient and lr_mult), three steps against values produced by MXNet
1.9.1, the base class's multipliers/counters/learning rate, registry and multi-precision."""
import math

import numpy as np
import pytest

import mxnet as mx
from mxnet import optimizer as opt_mod
from tests.optimizer.test_optimizer_ops import (
    ref_sgd, ref_sgd_mom, ref_nag, ref_signsgd, ref_signum, ref_adam, ref_rmsprop, ref_rmspropalex,
    ref_ftrl, ref_ftml, _lamb_ref, _clip)

# Inputs shared with the MXNet run below: a (2, 3) weight named fc_weight (index 0, lr_mult 0.5)
# and a (3,) bias named fc_bias (index 1, wd_mult 0 by MXNet's naming rule), three gradients each.
W0 = [[-0.251, 0.901, 0.464], [0.197, -0.688, -0.688]]
B0 = [-0.884, 0.732, 0.202]
G = [
    [[1.248, -2.876, 2.819], [1.995, -1.726, -1.909]],
    [[-1.9, -1.175, 0.149], [-0.408, -1.253, 0.671]],
    [[-2.163, -1.247, -0.802], [-0.264, 1.711, -1.802]],
]
GB = [[0.085, 0.554, -2.721], [0.645, -1.977, -2.61], [2.693, 2.794, 1.85]]
# Weight and bias after three steps, produced by MXNet 1.9.1 (opt.update_multi_precision for the
# CASES below; "upd_*": the Updater with both weights at once, see UPDATER_CASES).
MXNET_RESULTS = {
    "sgd": ([-0.187937, 1.097227, 0.3294803, 0.0832119, -0.5360805, -0.5270936],
             [-1.056793, 0.744748, 0.5705]),
    "sgd_nomom": ([-0.1808801, 0.9974568, 0.4239171, 0.1614313, -0.6466185, -0.6021237],
                   [-1.0205, 0.70315, 0.3095]),
    "nag": ([-0.123658, 1.171747, 0.3051445, 0.0610078, -0.5124121, -0.4592396],
             [-1.176013, 0.7146232, 0.6411499]),
    "signum": ([-0.2005987, 1.049574, 0.3133793, 0.0467796, -0.5370435, -0.5370435],
                [-1.181051, 0.6299061, 0.5010947]),
    "signsgd": ([-0.197005, 1.036804, 0.4078235, 0.2443085, -0.6284803, -0.6279802],
                 [-1.184, 0.632, 0.302]),
    "adam": ([-0.2573997, 1.043616, 0.3599767, 0.1047908, -0.5757664, -0.5809035],
              [-1.147003, 0.67066, 0.4316922]),
    "adagrad": ([-0.2221456, 0.9859297, 0.4224426, 0.1609552, -0.6302907, -0.6114751],
                 [-1.178235, 0.6585135, 0.3179724]),
    "rmsprop": ([-0.164718, 1.20204, 0.3485826, 0.0927862, -0.5298188, -0.46207],
                 [-1.816193, 0.4944389, 0.5650247]),
    "rmsprop_centered": ([-0.3274934, 0.8, 0.0407053, -0.1665017, -0.1320021, -0.2041744],
                          [-0.8, 0.1975127, 0.8]),
    "adadelta": ([-0.1677477, 0.6795796, 0.3347732, 0.1402016, -0.4964123, -0.4876137],
                  [-0.9261253, 0.721743, 0.2123361]),
    "ftrl": ([-0.0717359, 0.5000639, 0.212998, 0.0802665, -0.2963218, -0.29873],
              [-0.1083963, 0.1408521, 0.1555329]),
    "adamax": ([-0.2633821, 1.020547, 0.3770335, 0.1186569, -0.5832698, -0.5931895],
                [-1.091755, 0.6590066, 0.4309958]),
    "nadam": ([-0.2305919, 1.003243, 0.417246, 0.1533674, -0.6311462, -0.6070797],
               [-1.146612, 0.6720042, 0.2930431]),
    "ftml": ([-0.2342841, 0.9894, 0.4237985, 0.1602482, -0.6366619, -0.6194613],
              [-1.155607, 0.655443, 0.3161262]),
    "lamb": ([-0.2369787, 1.006747, 0.3856444, 0.1294469, -0.6011539, -0.6020123],
              [-1.140917, 0.6880488, 0.3983106]),
    "lamb_bounds": ([-0.2467144, 0.9417002, 0.4375722, 0.1735719, -0.6592529, -0.6596143],
                     [-0.9884804, 0.7136544, 0.2835668]),
    "dcasgd": ([-0.1809242, 0.9974064, 0.4239196, 0.1614351, -0.6467054, -0.6021131],
                [-1.020369, 0.7028624, 0.3087591]),
    "test": ([-1.6585, -1.748, 1.547, 0.8585, -1.322, -2.208],
              [0.8275, 1.4175, -1.5385]),
    "ccsgd": ([-0.1788116, 1.043786, 0.3819162, 0.128148, -0.5945265, -0.5706733],
               [-1.039813, 0.7318, 0.4345]),
    "lbsgd": ([-0.187937, 1.097227, 0.3294803, 0.0832119, -0.5360805, -0.5270936],
               [-1.056793, 0.744748, 0.5705]),
    "lars": ([-0.2501406, 0.9022872, 0.4632917, 0.1965039, -0.6870015, -0.687177],
              [-1.056793, 0.744748, 0.5705]),
    "upd_sgd": ([-0.1242282, 1.291483, 0.1970013, -0.0287433, -0.386272, -0.3679903],
                 [-1.056793, 0.744748, 0.5705]),
    "upd_sgd_mp": ([-0.1241455, 1.291016, 0.1971436, -0.0287476, -0.3862305, -0.3679199],
                    [-1.056641, 0.7446289, 0.5703125]),
    "upd_nag_mp": ([0.0053329, 1.43457, 0.1538086, -0.0685425, -0.3449707, -0.2368164],
                    [-1.175781, 0.7143555, 0.6411133]),
    "upd_adam_mp": ([-0.2634277, 1.185547, 0.2573242, 0.0138168, -0.4643555, -0.4746094],
                     [-1.146484, 0.6704102, 0.4316406]),
    "upd_lamb": ([-0.2234588, 1.110047, 0.3090743, 0.0633933, -0.5163329, -0.5179266],
                  [-1.140917, 0.6880488, 0.3983107]),
}

COMMON = dict(wd=0.1, rescale_grad=0.5, clip_gradient=1.0, param_idx2name={0: "fc_weight", 1: "fc_bias"})
CASES = {   # name in MXNET_RESULTS: (optimizer, constructor arguments besides COMMON)
    "sgd": ("sgd", dict(learning_rate=0.1, momentum=0.9)),
    "sgd_nomom": ("sgd", dict(learning_rate=0.1)),
    "nag": ("nag", dict(learning_rate=0.1, momentum=0.9)),
    "signum": ("signum", dict(learning_rate=0.1, momentum=0.9, wd_lh=0.01)),
    "signsgd": ("signum", dict(learning_rate=0.1, momentum=0.0)),
    "adam": ("adam", dict(learning_rate=0.1)),
    "adagrad": ("adagrad", dict(learning_rate=0.1)),
    "rmsprop": ("rmsprop", dict(learning_rate=0.1)),
    "rmsprop_centered": ("rmsprop", dict(learning_rate=0.1, centered=True, clip_weights=0.8)),
    "adadelta": ("adadelta", dict()),
    "ftrl": ("ftrl", dict(learning_rate=0.1, lamda1=0.05)),
    "adamax": ("adamax", dict(learning_rate=0.1)),
    "nadam": ("nadam", dict(learning_rate=0.1)),
    "ftml": ("ftml", dict(learning_rate=0.1)),
    "lamb": ("lamb", dict(learning_rate=0.1)),
    "lamb_bounds": ("lamb", dict(learning_rate=0.1, lower_bound=0.1, upper_bound=0.5,
                                 bias_correction=False)),
    "dcasgd": ("dcasgd", dict(learning_rate=0.1)),
    "test": ("test", dict()),
    "ccsgd": ("ccsgd", dict(learning_rate=0.1, momentum=0.5)),
    "lbsgd": ("lbsgd", dict(learning_rate=0.1, momentum=0.9)),
    "lars": ("lars", dict(learning_rate=0.1, momentum=0.9, eta=0.01)),
}


def _make(name):
    oname, kw = CASES[name]
    args = {"rescale_grad": 0.5} if oname == "test" else dict(COMMON, **kw)
    opt = mx.optimizer.create(oname, **args)
    opt.set_lr_mult({"fc_weight": 0.5})
    return opt


def _run(opt, steps=3, dtype="float32"):
    w, b = mx.nd.array(W0, dtype=dtype), mx.nd.array(B0, dtype=dtype)
    sw, sb = opt.create_state_multi_precision(0, w), opt.create_state_multi_precision(1, b)
    for t in range(steps):
        opt.update_multi_precision(0, w, mx.nd.array(G[t], dtype=dtype), sw)
        opt.update_multi_precision(1, b, mx.nd.array(GB[t], dtype=dtype), sb)
    return w.asnumpy(), b.asnumpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_mxnet(name):
    w, b = _run(_make(name))
    exp_w, exp_b = MXNET_RESULTS[name]
    np.testing.assert_allclose(w.ravel(), exp_w, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(b, exp_b, rtol=1e-5, atol=2e-6)


# -- NumPy references of the optimizers: step(state, w, g, t, lr, wd) -> w --------------------------
R, C = 0.5, 1.0      # rescale_grad, clip_gradient of COMMON


def _p(lr, wd, **kw):
    return dict(lr=lr, wd=wd, rescale_grad=R, clip_gradient=C, **kw)


def _op_step(ref, n_states, lr_fn=None, **kw):
    def step(st, w, g, t, lr, wd):
        st.setdefault("s", [np.zeros_like(w) for _ in range(n_states)])
        lr = lr_fn(lr, t) if lr_fn else lr
        w, st["s"] = ref(w, g, st["s"], _p(lr, wd, t=t, **kw))
        return w
    return step


def _adagrad(st, w, g, t, lr, wd):
    g = _clip(R * g, C)
    st["h"] = st.get("h", 0) + g * g
    return w - lr * (g / np.sqrt(st["h"] + 1e-7) + wd * w)


def _adadelta(st, w, g, t, lr, wd, rho=0.9, eps=1e-5):
    g = _clip(R * g, C)
    st["ag"] = rho * st.get("ag", 0) + (1 - rho) * g * g
    delta = np.sqrt(st.get("ad", 0) + eps) / np.sqrt(st["ag"] + eps) * g
    st["ad"] = rho * st.get("ad", 0) + (1 - rho) * delta * delta
    return w - (delta + wd * w)


def _adamax(st, w, g, t, lr, wd, b1=0.9, b2=0.999):
    g = _clip(R * g + wd * w, C)
    st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    st["u"] = np.maximum(b2 * st.get("u", 0), np.abs(g))
    return w - lr / (1 - b1 ** t) * st["m"] / st["u"]


_NADAM = {}


def _nadam(st, w, g, t, lr, wd, b1=0.9, b2=0.999, eps=1e-8, decay=0.004):
    g = _clip(R * g + wd * w, C)
    mu_t = b1 * (1 - 0.5 * 0.96 ** (t * decay))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * decay))
    _NADAM["sched"] = _NADAM.get("sched", 1.0) * mu_t     # one schedule for all weights
    st["m"] = b1 * st.get("m", 0) + (1 - b1) * g
    st["v"] = b2 * st.get("v", 0) + (1 - b2) * g * g
    m_bar = (1 - mu_t) * g / (1 - _NADAM["sched"]) + mu_next * st["m"] / (1 - _NADAM["sched"] * mu_next)
    return w - lr * m_bar / (np.sqrt(st["v"] / (1 - b2 ** t)) + eps)


def _lamb(st, w, g, t, lr, wd):
    w, st["m"], st["v"] = _lamb_ref(w, g, st.get("m", 0), st.get("v", 0), t,
                                    dict(wd=wd, rescale_grad=R, clip_gradient=C), lr)
    return w


def _dcasgd(st, w, g, t, lr, wd, lamda=0.04):
    g = _clip(R * g, C)
    prev = st.get("prev", W0_BY_SHAPE[w.shape])
    st["prev"] = w
    return w - lr * (g + wd * w + lamda * g * g * (w - prev))


def _lars(st, w, g, t, lr, wd, name="", eta=0.01, momentum=0.9):
    if not name.endswith("bias"):
        wn, gn = np.linalg.norm(w), np.linalg.norm(R * g)
        lr = lr * eta * wn / (gn + wd * wn)
    return _op_step(ref_sgd_mom, 1, momentum=momentum)(st, w, g, t, lr, wd)


REFERENCES = {
    "sgd": _op_step(ref_sgd_mom, 1, momentum=0.9),
    "sgd_nomom": _op_step(ref_sgd, 0),
    "nag": _op_step(ref_nag, 1, momentum=0.9),
    "signum": _op_step(ref_signum, 1, momentum=0.9, wd_lh=0.01),
    "signsgd": _op_step(ref_signsgd, 0),
    "adam": _op_step(ref_adam, 2, lambda lr, t: lr * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t),
                     beta1=0.9, beta2=0.999, epsilon=1e-8),
    "adagrad": _adagrad,
    "rmsprop": _op_step(ref_rmsprop, 1, gamma1=0.9, epsilon=1e-8, clip_weights=-1.0),
    "rmsprop_centered": _op_step(ref_rmspropalex, 3, gamma1=0.9, gamma2=0.9, epsilon=1e-8,
                                 clip_weights=0.8),
    "adadelta": _adadelta,
    "ftrl": _op_step(ref_ftrl, 2, lamda1=0.05, beta=1),
    "adamax": _adamax,
    "nadam": _nadam,
    "ftml": _op_step(ref_ftml, 3, beta1=0.6, beta2=0.999, epsilon=1e-8, clip_grad=C),
    "lamb": _lamb,
    "dcasgd": _dcasgd,
    "lars": _lars,
}
W0_BY_SHAPE = {(2, 3): np.array(W0), (3,): np.array(B0)}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_matches_numpy_reference(name):
    _NADAM.clear()
    opt = _make(name)
    got_w, got_b = _run(opt, steps=3)
    ref = REFERENCES[name]
    w = np.array(W0, dtype=np.float32).astype(np.float64)
    b = np.array(B0, dtype=np.float32).astype(np.float64)
    sw, sb = {}, {}
    kw = {"name": "fc_weight"} if name == "lars" else {}
    kb = {"name": "fc_bias"} if name == "lars" else {}
    for t in range(3):
        g = np.array(G[t], dtype=np.float32).astype(np.float64)
        gb = np.array(GB[t], dtype=np.float32).astype(np.float64)
        w = ref(sw, w, g, t + 1, 0.1 * 0.5, 0.1, **kw)     # fc_weight: lr_mult 0.5, wd 0.1
        b = ref(sb, b, gb, t + 1, 0.1, 0.0, **kb)           # fc_bias: wd_mult 0
    np.testing.assert_allclose(got_w, w, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_b, b, rtol=1e-4, atol=1e-5)
    assert opt.num_update == 3 and opt._index_update_count == {0: 3, 1: 3}


def test_group_adagrad():
    opt = mx.optimizer.contrib.GroupAdaGrad(learning_rate=0.1, rescale_grad=0.5, clip_gradient=1.0)
    w = mx.nd.array(W0)
    state = opt.create_state(0, w)
    assert state.shape == (2, 1)
    ref, hist = np.array(W0, dtype=np.float32).astype(np.float64), np.zeros((2, 1))
    for g in G:
        opt.update(0, w, mx.nd.array(g), state)
        gr = _clip(0.5 * np.array(g, dtype=np.float32), 1.0)
        hist += (gr * gr).mean(axis=1, keepdims=True)
        ref -= 0.1 * gr / np.sqrt(hist + 1e-5)
    np.testing.assert_allclose(w.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    with pytest.raises(AssertionError):
        mx.optimizer.create("groupadagrad", wd=0.1).update(0, w, mx.nd.array(G[0]), state)


def test_sgld_noise_is_seeded():
    def run():
        mx.random.seed(11)
        opt = mx.optimizer.SGLD(learning_rate=0.01)
        w = mx.nd.zeros((200,))
        opt.update(0, w, mx.nd.zeros((200,)), opt.create_state(0, w))
        return w.asnumpy()
    a, b = run(), run()
    np.testing.assert_array_equal(a, b)
    assert abs(a.std() - 0.1) < 0.03 and abs(a.mean()) < 0.03


def test_adadelta_rescales_grad_in_place_like_mxnet():
    opt = mx.optimizer.AdaDelta(rescale_grad=0.5)
    w, g = mx.nd.ones((3,)), mx.nd.ones((3,))
    opt.update(0, w, g, opt.create_state(0, w))
    np.testing.assert_allclose(g.asnumpy(), 0.5)


# -- multi-precision --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sgd", "nag", "adam", "lamb"])
def test_multi_precision_float16(name):
    """float16 weights with multi_precision follow the float32 run closely (the float32 master
    copy accumulates the small steps) and stay float16."""
    oname, kw = CASES[name]
    w32, b32 = _run(_make(name))
    opt = mx.optimizer.create(oname, multi_precision=True, **dict(COMMON, **kw))
    opt.set_lr_mult({"fc_weight": 0.5})
    w16 = mx.nd.array(W0, dtype="float16")
    state = opt.create_state_multi_precision(0, w16)
    masters = [s for s in (state if isinstance(state, tuple) else (state,))
               if isinstance(s, mx.nd.NDArray) and s.dtype == np.float32 and s.shape == (2, 3)]
    assert masters, "no float32 master copy in the state"
    for t in range(3):
        opt.update_multi_precision(0, w16, mx.nd.array(G[t], dtype="float16"), state)
    assert w16.dtype == np.float16
    np.testing.assert_allclose(w16.asnumpy(), w32, rtol=5e-3, atol=5e-3)


def test_float16_without_multi_precision_warns():
    opt = mx.optimizer.SGD(momentum=0.9)
    with pytest.warns(UserWarning, match="multi_precision"):
        opt.create_state_multi_precision(0, mx.nd.zeros((2,), dtype="float16"))


def test_mxnet_updater_paths():
    """The Updater path (aggregated SGD/LAMB calls, float16 with multi_precision)."""
    for name, (oname, kw) in UPDATER_CASES.items():
        opt = mx.optimizer.create(oname, **dict(COMMON, **kw))
        upd = mx.optimizer.get_updater(opt)
        dt = "float16" if kw.get("multi_precision") else "float32"
        w, b = mx.nd.array(W0, dtype=dt), mx.nd.array(B0, dtype=dt)
        for t in range(3):
            upd([0, 1], [mx.nd.array(G[t], dtype=dt), mx.nd.array(GB[t], dtype=dt)], [w, b])
        exp_w, exp_b = MXNET_RESULTS[name]
        tol = dict(rtol=2e-3, atol=2e-3) if dt == "float16" else dict(rtol=1e-5, atol=2e-6)
        np.testing.assert_allclose(w.asnumpy().ravel(), exp_w, err_msg=name, **tol)
        np.testing.assert_allclose(b.asnumpy(), exp_b, err_msg=name, **tol)


UPDATER_CASES = {
    "upd_sgd": ("sgd", dict(learning_rate=0.1, momentum=0.9)),
    "upd_sgd_mp": ("sgd", dict(learning_rate=0.1, momentum=0.9, multi_precision=True)),
    "upd_nag_mp": ("nag", dict(learning_rate=0.1, momentum=0.9, multi_precision=True)),
    "upd_adam_mp": ("adam", dict(learning_rate=0.1, multi_precision=True)),
    "upd_lamb": ("lamb", dict(learning_rate=0.1)),
}


# -- the base class ---------------------------------------------------------------------------------
def test_lr_and_wd_multipliers():
    d = mx.sym.Variable("data")
    wv = mx.sym.Variable("fc_weight", lr_mult=2.0, wd_mult=0.5)
    s = mx.sym.FullyConnected(d, weight=wv, num_hidden=3, name="fc")
    names = {0: "fc_weight", 1: "fc_bias", 2: "bn_gamma", 3: "bn_beta", 4: "other"}
    o = mx.optimizer.SGD(sym=s, wd=0.1, param_idx2name=names)
    assert o.lr_mult == {"fc_weight": 2.0}
    assert o.wd_mult == {"fc_weight": 0.5, "fc_bias": 0.0, "bn_beta": 0.0, "other": 0.0}
    assert [o._get_lr(i) for i in range(6)] == [0.02, 0.01, 0.01, 0.01, 0.01, 0.01]
    assert [o._get_wd(i) for i in range(6)] == [0.05, 0.0, 0.1, 0.0, 0.0, 0.1]
    o.set_wd_mult({"bn_beta": 3.0, 5: 2.0})
    assert [o._get_wd(i) for i in range(6)] == [0.05, 0.0, 0.1, 0.1 * 3.0, 0.0, 0.2]
    o.set_lr_mult({1: 3.0})
    assert o._get_lr(1) == 0.01 * 3.0 and o._get_lr(0) == 0.02

    class P:
        lr_mult, wd_mult = 4.0, 0.0
    o = mx.optimizer.SGD(wd=0.1, param_dict={7: P()}, learning_rate=0.5)
    assert o._get_lr(7) == 2.0 and o._get_wd(7) == 0.0
    lars = mx.optimizer.LARS(param_idx2name={0: "bn_gamma", 1: "x_weight"})
    assert lars.wd_mult == {"bn_gamma": 0.0}


def test_learning_rate_and_counts():
    assert mx.optimizer.Optimizer().learning_rate == 0.01
    sched = mx.lr_scheduler.FactorScheduler(3)
    o = mx.optimizer.Optimizer(learning_rate=0.5, lr_scheduler=sched)
    assert sched.base_lr == 0.5
    o = mx.optimizer.Adam(begin_num_update=10)
    o._update_count(0)
    o._update_count(0)
    o._update_count(1)
    assert o.num_update == 12 and o._index_update_count == {0: 12, 1: 11}
    o._set_current_context(1)
    o._update_count(0)
    assert o._all_index_update_counts == {0: {0: 12, 1: 11}, 1: {0: 11}} and o.num_update == 12
    o = mx.optimizer.SGD()
    o.set_learning_rate(0.3)
    assert o.learning_rate == 0.3
    with pytest.raises(DeprecationWarning):
        o.set_lr_scale({})


def test_registry_and_create():
    assert isinstance(mx.optimizer.create("SGD", momentum=0.5), mx.optimizer.SGD)
    assert isinstance(mx.optimizer.Optimizer.create_optimizer("adam"), mx.optimizer.Adam)
    assert set(mx.optimizer.Optimizer.opt_registry) >= set(
        ["adadelta", "adagrad", "adam", "adamax", "ccsgd", "dcasgd", "ftml", "ftrl", "groupadagrad",
         "lamb", "lars", "lbsgd", "nadam", "nag", "rmsprop", "sgd", "sgld", "signum", "test"])
    with pytest.raises(ValueError, match="Cannot find optimizer"):
        mx.optimizer.create("nope")

    @mx.optimizer.register
    class MyNeomxTestOpt(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            weight[:] -= grad
    try:
        o = mx.optimizer.create("myneomxtestopt")
        w = mx.nd.ones((2,))
        mx.optimizer.get_updater(o)(0, mx.nd.ones((2,)), w)
        np.testing.assert_allclose(w.asnumpy(), 0.0)
    finally:
        del mx.optimizer.Optimizer.opt_registry["myneomxtestopt"]


def test_errors():
    o = mx.optimizer.SGD()
    with pytest.raises(TypeError):
        o.update(0, np.ones(2), mx.nd.ones((2,)), None)
    with pytest.raises(NotImplementedError):
        mx.optimizer.Optimizer().update(0, mx.nd.ones((2,)), mx.nd.ones((2,)), None)
    with pytest.raises(AssertionError):
        mx.optimizer.SGD(param_idx2name=[1, 2])
    with pytest.raises(mx.MXNetError):     # gradient of the wrong shape
        w = mx.nd.ones((2, 3))
        mx.optimizer.SGD(momentum=0.9).update(0, w, mx.nd.ones((3, 2)), mx.nd.zeros((2, 3)))
        w.asnumpy()


def test_pickle_drops_param_dict():
    import pickle
    o = mx.optimizer.SGD(momentum=0.9, param_dict={0: "live parameter"})
    o2 = pickle.loads(pickle.dumps(o))
    assert o2.param_dict == {} and o2.momentum == 0.9


def test_large_arrays_through_the_threaded_engine(any_engine):
    """Arrays above the engine's inline size: state writes are ordered like the weight's."""
    rng = np.random.RandomState(0)
    w0 = rng.uniform(-1, 1, (200, 120)).astype(np.float32)
    grads = [rng.uniform(-1, 1, w0.shape).astype(np.float32) for _ in range(4)]
    opt = mx.optimizer.Adam(learning_rate=0.01, wd=0.01)
    upd = mx.optimizer.get_updater(opt)
    w = mx.nd.array(w0)
    for g in grads:
        upd(0, mx.nd.array(g), w)
    mean_seen = upd.states[0][0].asnumpy()
    ref, m, v = w0.astype(np.float64), 0.0, 0.0
    for t, g in enumerate(grads, 1):
        gr = g + 0.01 * ref
        m, v = 0.9 * m + 0.1 * gr, 0.999 * v + 0.001 * gr * gr
        lr = 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        ref = ref - lr * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(w.asnumpy(), ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(mean_seen, m, rtol=1e-4, atol=1e-6)
