"""Trainer's fused momentum-SGD path (optimizer.sgd.fused_update) against the Updater path it
replaces: bitwise equal weights, momentum, update counts and learning-rate schedule, and the
fallbacks (other optimizers, pending work on the arrays) still go through the Updater."""
import threading

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, engine, gluon
from mxnet.optimizer import sgd as sgd_mod


def _net():
    net = gluon.nn.HybridSequential(prefix="f_")
    with net.name_scope():
        net.add(gluon.nn.Dense(8, activation="relu", in_units=5), gluon.nn.Dense(6, in_units=8),
                gluon.nn.Dense(3, in_units=6))
    net.initialize(mx.init.Xavier(rnd_type="gaussian", magnitude=2.0))
    return net


def _train(fused, monkeypatch, steps=5, **opt):
    mx.random.seed(3)
    net = _net()
    net.collect_params()["f_dense0_weight"].lr_mult = 0.5
    net.collect_params()["f_dense1_bias"].wd_mult = 0.0
    calls = []
    real = sgd_mod.fused_update

    def spy(updater, entries):
        done = real(updater, entries) if fused else False
        calls.append(done)
        return done
    monkeypatch.setattr(gluon.trainer, "fused_update", spy)
    tr = gluon.Trainer(net.collect_params(), "sgd", dict(opt))
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    rng = np.random.RandomState(0)
    for _ in range(steps):
        x = mx.nd.array(rng.rand(4, 5))
        y = mx.nd.array(rng.randint(0, 3, 4))
        with autograd.record():
            out = loss(net(x), y)
        out.backward()
        tr.step(4)
    mx.nd.waitall()
    params = [p.data().asnumpy() for p in net.collect_params().values()]
    upd = tr._updaters[0]
    return params, upd, calls


@pytest.mark.parametrize("opt", [
    dict(learning_rate=0.1, momentum=0.9),
    dict(learning_rate=0.1, momentum=0.8, wd=1e-3, clip_gradient=0.05, rescale_grad=2.0),
    dict(learning_rate=0.2, momentum=0.9, lr_scheduler=mx.lr_scheduler.FactorScheduler(2, 0.5))])
def test_fused_update_equals_the_updater_path(opt, monkeypatch):
    sched = opt.get("lr_scheduler")
    ref, ref_upd, ref_calls = _train(False, monkeypatch, **opt)
    if sched is not None:
        opt = dict(opt, lr_scheduler=mx.lr_scheduler.FactorScheduler(2, 0.5))
    got, upd, calls = _train(True, monkeypatch, **opt)
    assert calls[0] is False and all(calls[1:])    # (the first step creates the states)
    assert not any(ref_calls)
    for a, b in zip(got, ref):
        np.testing.assert_array_equal(a, b)
    for i in ref_upd.states:
        np.testing.assert_array_equal(upd.states[i].asnumpy(), ref_upd.states[i].asnumpy())
    assert upd.optimizer._index_update_count == ref_upd.optimizer._index_update_count
    assert upd.optimizer.num_update == ref_upd.optimizer.num_update == 5
    assert upd.optimizer.learning_rate == ref_upd.optimizer.learning_rate


def _train_opt(name, kw, monkeypatch):
    net = _net()
    calls = []
    real = sgd_mod.fused_update

    def spy(updater, entries):
        calls.append(real(updater, entries))
        return calls[-1]
    monkeypatch.setattr(gluon.trainer, "fused_update", spy)
    tr = gluon.Trainer(net.collect_params(), name, dict(kw, learning_rate=0.1))
    for _ in range(3):
        with autograd.record():
            out = net(mx.nd.ones((2, 5))).sum()
        out.backward()
        tr.step(2)
    return calls


@pytest.mark.parametrize("name, kw", [("adam", {}), ("sgd", {"momentum": 0.0}), ("nag", {"momentum": 0.9})])
def test_other_optimizers_take_the_updater(name, kw, monkeypatch):
    calls = _train_opt(name, kw, monkeypatch)
    assert calls and not any(calls)


def test_pending_work_on_a_gradient_falls_back():
    """An unfinished engine op writing a gradient: the fused path must not overtake it."""
    net = _net()
    tr = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    with autograd.record():
        out = net(mx.nd.ones((2, 5))).sum()
    out.backward()
    tr.step(2)                                      # (creates the momentum states)
    entries = [(i, p.grad(), p.data()) for i, p in enumerate(tr._params)]
    before = [w.asnumpy() for _, _, w in entries]
    release = threading.Event()
    engine.push(release.wait, [], [entries[0][1]._chunk.var], mx.cpu(), name="hold")   # queued
    try:
        assert sgd_mod.fused_update(tr._updaters[0], entries) is False
        for (_, _, w), b in zip(entries, before):
            np.testing.assert_array_equal(w._chunk.data, b)   # nothing changed
    finally:
        release.set()
    mx.nd.waitall()
    assert sgd_mod.fused_update(tr._updaters[0], entries) is True
