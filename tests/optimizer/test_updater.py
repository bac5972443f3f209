"""Updater: state creation and reuse, aggregation, get_states/set_states (neomx's container and
MXNet 1.9.1 pickles, read safely), and moving states across contexts."""
import base64
import pickle

import numpy as np
import pytest

import mxnet as mx
from mxnet.optimizer import updater as upd_mod

# Updater.get_states(dump_optimizer=True) of MXNet 1.9.1 after three Updater calls of
# Adam(learning_rate=0.1, param_idx2name={0: 'fc_weight', 1: 'fc_bias'},
#      lr_scheduler=FactorScheduler(2, 0.5, base_lr=0.1))
# on w=[1, 2] (grad [0.1, -0.2]) and b=[0.5] (grad [0.3]).
MXNET_ADAM_STATES = (
    "gASV0wMAAAAAAAB9lChLAIwVbXhuZXQubmRhcnJheS5uZGFycmF5lIwHTkRBcnJheZSTlE6FlFKUfZSMBmhhbmRsZZSM"
    "CGJ1aWx0aW5zlIwJYnl0ZWFycmF5lJOUQyjJ+pP5AAAAAAEAAAACAAAAAAAAAAEAAAAAAAAAAAAAANYA3jzWAF69lIWU"
    "UpRzYmgDaARSlH2UaAdoCkMoyfqT+QAAAAABAAAAAgAAAAAAAAABAAAAAAAAAAAAAABIZ/s3SGf7OJSFlFKUc2KGlEsB"
    "aANoBFKUfZRoB2gKQyTJ+pP5AAAAAAEAAAABAAAAAAAAAAEAAAAAAAAAAAAAAKCApj2UhZRSlHNiaANoBFKUfZRoB2gK"
    "QyTJ+pP5AAAAAAEAAAABAAAAAAAAAAEAAAAAAAAAAAAAABhqjTmUhZRSlHNihpR1jBlteG5ldC5vcHRpbWl6ZXIub3B0"
    "aW1pemVylIwEQWRhbZSTlCmBlH2UKIwMcmVzY2FsZV9ncmFklEc/8AAAAAAAAIwMbHJfc2NoZWR1bGVylIwSbXhuZXQu"
    "bHJfc2NoZWR1bGVylIwPRmFjdG9yU2NoZWR1bGVylJOUKYGUfZQojAdiYXNlX2xylEc/qZmZmZmZmowMd2FybXVwX3N0"
    "ZXBzlEsAjA93YXJtdXBfZmluYWxfbHKURz+5mZmZmZmajA93YXJtdXBfYmVnaW5fbHKUSwCMC3dhcm11cF9tb2RllIwG"
    "bGluZWFylIwEc3RlcJRLAowGZmFjdG9ylEc/4AAAAAAAAIwOc3RvcF9mYWN0b3JfbHKURz5FeY7iMIw6jAVjb3VudJRL"
    "AnVijAJscpRHP7mZmZmZmZqMAndklEcAAAAAAAAAAIwHbHJfbXVsdJR9lIwHd2RfbXVsdJR9lIwHZmNfYmlhc5RHAAAA"
    "AAAAAABzjBBiZWdpbl9udW1fdXBkYXRllEsAjApudW1fdXBkYXRllEsDjBhfYWxsX2luZGV4X3VwZGF0ZV9jb3VudHOU"
    "fZRLAH2UKEsASwNLAUsDdXOME19pbmRleF91cGRhdGVfY291bnSUaECMDWNsaXBfZ3JhZGllbnSUTowPbXVsdGlfcHJl"
    "Y2lzaW9ulImMDWFnZ3JlZ2F0ZV9udW2USwCMCGlkeDJuYW1llH2UKEsAjAlmY193ZWlnaHSUSwFoO3WMCHN5bV9pbmZv"
    "lCmMDmFsbG93X25wX2FycmF5lImMBWJldGExlEc/7MzMzMzMzYwFYmV0YTKURz/v987ZFocrjAdlcHNpbG9ulEc+RXmO"
    "4jCMOowLbGF6eV91cGRhdGWUiHVihpQu"
)


def _step(u, w, b, n=1):
    for _ in range(n):
        u([0, 1], [mx.nd.array([.1, -.2]), mx.nd.array([.3])], [w, b])


def _adam():
    return mx.optimizer.Adam(learning_rate=0.1, param_idx2name={0: "fc_weight", 1: "fc_bias"},
                             lr_scheduler=mx.lr_scheduler.FactorScheduler(2, 0.5, base_lr=0.1))


def test_states_created_once_and_reused():
    opt = mx.optimizer.SGD(momentum=0.9, learning_rate=0.1)
    u = mx.optimizer.get_updater(opt)
    assert isinstance(u, mx.optimizer.Updater) and u.aggregate_updates
    w = mx.nd.ones((3,))
    u(0, mx.nd.ones((3,)), w)
    mom = u.states[0]
    u(0, mx.nd.ones((3,)), w)
    assert u.states[0] is mom
    np.testing.assert_allclose(mom.asnumpy(), -0.19, rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), 1 - 0.1 - 0.19, rtol=1e-6)
    u(b"7", mx.nd.ones((3,)), mx.nd.ones((3,)))      # bytes indices become str
    assert "7" in u.states


def test_aggregated_calls_group_by_dtype():
    calls = []

    class Rec(mx.optimizer.SGD):
        def update_multi_precision(self, index, weight, grad, state):
            calls.append((list(index), [w.dtype for w in weight]))
            super().update_multi_precision(index, weight, grad, state)
    opt = Rec(learning_rate=0.1, multi_precision=True)
    opt.aggregate_num = 2
    u = mx.optimizer.Updater(opt)
    ws = [mx.nd.ones((2,), dtype=d) for d in ("float32", "float16", "float32", "float32")]
    u([0, 1, 2, 3], [mx.nd.ones((2,), dtype=w.dtype) for w in ws], ws)
    assert [c[0] for c in calls] == [[0, 2], [3], [1]]
    for w in ws:
        np.testing.assert_allclose(w.asnumpy(), 0.9, rtol=1e-3)


def test_get_set_states_roundtrip_continues_identically():
    u = mx.optimizer.get_updater(_adam())
    w, b = mx.nd.array([1., 2.]), mx.nd.array([0.5])
    _step(u, w, b, 3)
    blob = u.get_states(dump_optimizer=True)
    assert isinstance(blob, bytes) and blob.startswith(b"\x80\x04")      # MXNet's pickle
    w2, b2 = w.copy(), b.copy()
    _step(u, w, b, 2)
    u2 = mx.optimizer.get_updater(mx.optimizer.SGD())
    u2.set_states(blob)
    opt2 = u2.optimizer
    assert isinstance(opt2, mx.optimizer.Adam) and opt2.num_update == 3
    assert opt2._index_update_count is opt2._all_index_update_counts[0]     # aliasing kept
    assert isinstance(opt2.lr_scheduler, mx.lr_scheduler.FactorScheduler)
    assert opt2.lr_scheduler.base_lr == 0.05 and opt2.idx2name == {0: "fc_weight", 1: "fc_bias"}
    _step(u2, w2, b2, 2)
    np.testing.assert_array_equal(w2.asnumpy(), w.asnumpy())
    np.testing.assert_array_equal(b2.asnumpy(), b.asnumpy())


def test_states_only_keeps_optimizer():
    u = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
    w = mx.nd.ones((2, 2))
    u(0, mx.nd.ones((2, 2)), w)
    opt = mx.optimizer.NAG(momentum=0.5)
    u2 = mx.optimizer.get_updater(opt)
    u2.set_states(u.get_states())
    assert u2.optimizer is opt and list(u2.states) == [0]
    np.testing.assert_allclose(u2.states[0].asnumpy(), -0.01)


def test_nested_states_and_values():
    states = {0: None, "w": (mx.nd.ones((2,)), (mx.nd.zeros((1,), dtype="float16"), None)),
              3: [1, 2.5, float("inf"), "x", {"k": (1,)}], 4: np.float32(1.5), 5: np.dtype("int8"),
              6: np.arange(3)}
    for dump in (upd_mod.dumps_states, upd_mod.dumps_states_legacy):
        _check_nested(upd_mod.loads_states(dump(states)))


def _check_nested(back):
    assert back[0] is None and back[3] == [1, 2.5, float("inf"), "x", {"k": (1,)}]
    assert back[4] == np.float32(1.5) and isinstance(back[4], np.float32)
    assert back[5] == np.dtype("int8")
    np.testing.assert_array_equal(back[6], np.arange(3))
    assert back["w"][1][0].dtype == np.float16 and back["w"][1][1] is None
    np.testing.assert_array_equal(back["w"][0].asnumpy(), [1, 1])


def test_unsupported_values_and_corrupt_bytes():
    with pytest.raises(TypeError, match="unsupported"):
        upd_mod.dumps_states({0: object()})
    u = mx.optimizer.get_updater(mx.optimizer.SGD())
    with pytest.raises(mx.MXNetError):
        u.set_states(b"garbage")
    for good in (upd_mod.dumps_states_legacy({0: mx.nd.ones((2,))}),
                 upd_mod.dumps_states({0: mx.nd.ones((2,))})):
        with pytest.raises((mx.MXNetError, pickle.UnpicklingError)):
            u.set_states(good[:30])
        with pytest.raises((mx.MXNetError, pickle.UnpicklingError)):
            u.set_states(good[:-3])


def test_loads_mxnet_pickle():
    u = mx.optimizer.get_updater(mx.optimizer.SGD())
    u.set_states(base64.b64decode("".join(MXNET_ADAM_STATES)))
    opt = u.optimizer
    assert isinstance(opt, mx.optimizer.Adam) and opt.num_update == 3 and opt.param_dict == {}
    assert opt._index_update_count is opt._all_index_update_counts[0]
    assert opt.lr_scheduler.base_lr == 0.05 and opt.lr_scheduler.count == 2
    mean, var = u.states[0]
    np.testing.assert_allclose(mean.asnumpy(), [0.0271, -0.0542], rtol=1e-5)
    np.testing.assert_allclose(var.asnumpy(), [2.9969626e-05, 1.1987850e-04], rtol=1e-5)
    # Two more steps from MXNet's saved state give MXNet's numbers.
    w, b = mx.nd.array([0.749998927116394, 2.2500014305114746]), mx.nd.array([0.249998539686203])
    _step(u, w, b, 2)
    np.testing.assert_allclose(w.asnumpy(), [0.6749985218048096, 2.3250017166137695], rtol=1e-6)
    np.testing.assert_allclose(b.asnumpy(), [0.17499807476997375], rtol=1e-6)


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_refuses_arbitrary_pickles(capsys):
    u = mx.optimizer.get_updater(mx.optimizer.SGD())
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        u.set_states(pickle.dumps({0: _Evil()}))
    assert "never run" not in capsys.readouterr().out


def test_sync_state_context():
    u = mx.optimizer.get_updater(mx.optimizer.Adam())
    w = mx.nd.ones((2,))
    u(0, mx.nd.ones((2,)), w)
    blob = u.get_states()
    u.set_states(blob)
    assert u.states_synced == {0: False}
    w1 = mx.nd.ones((2,), ctx=mx.cpu(1))
    u(0, mx.nd.ones((2,), ctx=mx.cpu(1)), w1)
    assert all(s.context == mx.cpu(1) for s in u.states[0]) and u.states_synced[0]
    nested = u.sync_state_context([mx.nd.ones((1,)), (None, mx.nd.ones((1,)))], mx.cpu(2))
    assert isinstance(nested, list) and nested[1][1].context == mx.cpu(2)


@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.9), dict(momentum=0.9, wd=0.01, clip_gradient=0.5),
                                dict(momentum=0.9, multi_precision=True), dict(multi_precision=True)])
def test_aggregated_sgd_equals_one_call_per_weight(kw):
    """Lists of weights go through one multi_*sgd_*update op; the result is the per-weight one."""
    dt = "float16" if kw.get("multi_precision") else "float32"
    rng = np.random.RandomState(3)
    shapes = [(4, 3), (3,), (2, 2), (5,)]
    w0 = [rng.randn(*s) for s in shapes]
    gs = [[rng.randn(*s) for s in shapes] for _ in range(3)]
    agg = [mx.nd.array(w, dtype=dt) for w in w0]
    one = [mx.nd.array(w, dtype=dt) for w in w0]
    ua = mx.optimizer.Updater(mx.optimizer.SGD(learning_rate=0.1, **kw))
    uo = mx.optimizer.Updater(mx.optimizer.SGD(learning_rate=0.1, **kw))
    for step in gs:
        ua(list(range(4)), [mx.nd.array(g, dtype=dt) for g in step], agg)
        for i, g in enumerate(step):
            uo(i, mx.nd.array(g, dtype=dt), one[i])
    for a, o in zip(agg, one):
        np.testing.assert_array_equal(a.asnumpy(), o.asnumpy())
