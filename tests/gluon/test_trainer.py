"""gluon.Trainer: the order of its Parameters (MXNet sorts a dict / ParameterDict by key) and
Trainer.save_states / load_states interchange with MXNet 1.9.1, against the oracle's files in
tests/fixtures/mxnet-1.9.1/trainer/ (made by make_fixtures.py there)."""
import os

import numpy as np
import pytest

import mxnet as mx
from mxnet import autograd, gluon
from mxnet.gluon import nn
from mxnet.optimizer.updater import loads_states

FIX = os.path.join(os.path.dirname(__file__), "..", "fixtures", "mxnet-1.9.1", "trainer")
OPTS = {"sgd": ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01}),
        "adam": ("adam", {"learning_rate": 0.01})}
SORTED = ["net_alpha_bias", "net_alpha_weight", "net_zeta_bias", "net_zeta_weight"]


@pytest.fixture(scope="module")
def expected():
    with np.load(os.path.join(FIX, "expected.npz"), allow_pickle=False) as f:
        return dict(f)


def _build():
    """The fixture's net: ``net_zeta_*`` is created before ``net_alpha_*``."""
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Dense(5, in_units=4, activation="tanh", prefix="zeta_"))
        net.add(nn.Dense(3, in_units=5, prefix="alpha_"))
    return net


def _step(net, trainer, exp, i):
    x, y = mx.nd.array(exp["x%d" % i]), mx.nd.array(exp["y%d" % i])
    with autograd.record():
        loss = ((net(x) - y) ** 2).sum()
    loss.backward()
    trainer.step(x.shape[0])


def _check_params(net, exp, key):
    for name, p in net.collect_params().items():
        np.testing.assert_allclose(p.data().asnumpy(), exp[key + name], rtol=1e-5, atol=1e-6,
                                   err_msg=name)


# -- order ------------------------------------------------------------------------------------------

def test_parameter_dict_is_taken_in_sorted_key_order(expected):
    net = _build()
    net.initialize()              # (MXNet's Trainer refuses parameters not initialized yet)
    params = net.collect_params()
    assert list(params.keys()) == ["net_zeta_weight", "net_zeta_bias", "net_alpha_weight",
                                   "net_alpha_bias"]
    trainer = gluon.Trainer(params, "sgd")
    assert [p.name for p in trainer._params] == SORTED == expected["sgd/order"].tolist()
    assert trainer._param2idx == {name: i for i, name in enumerate(SORTED)}
    assert [trainer._optimizer.param_dict[i].name for i in range(4)] == SORTED


def test_plain_dict_sorted_by_key_list_kept_as_given():
    a, b, c = (gluon.Parameter(n, shape=(2,)) for n in ("a", "b", "c"))
    for p in (a, b, c):
        p.initialize()
    trainer = gluon.Trainer({"z": a, "x": b, "y": c}, "sgd")
    assert [p.name for p in trainer._params] == ["b", "c", "a"]
    trainer = gluon.Trainer([c, a, b], "sgd")
    assert [p.name for p in trainer._params] == ["c", "a", "b"]
    assert trainer._param2idx == {"c": 0, "a": 1, "b": 2}


# -- states written by MXNet --------------------------------------------------------------------------

@pytest.mark.parametrize("tag", sorted(OPTS))
def test_loads_mxnet_states_and_continues_as_mxnet(expected, tag):
    net = _build()
    net.load_parameters(os.path.join(FIX, tag + ".params"))
    _check_params(net, expected, tag + "/after3/")
    opt, kw = OPTS[tag]
    trainer = gluon.Trainer(net.collect_params(), opt, dict(kw))
    trainer.load_states(os.path.join(FIX, tag + ".states"))
    _step(net, trainer, expected, 3)
    _check_params(net, expected, tag + "/after4/")


@pytest.mark.parametrize("tag", sorted(OPTS))
def test_saved_states_have_mxnet_layout(expected, tag, tmp_path):
    """Train here from the fixture's start; save_states holds, per optimizer index, the state
    MXNet holds for the same Parameter; loading it back continues like MXNet."""
    net = _build()
    net.initialize(ctx=mx.cpu())
    for name, p in net.collect_params().items():
        p.set_data(mx.nd.array(expected["init/" + name]))
    opt, kw = OPTS[tag]
    trainer = gluon.Trainer(net.collect_params(), opt, dict(kw))
    for i in range(3):
        _step(net, trainer, expected, i)
    _check_params(net, expected, tag + "/after3/")
    path = str(tmp_path / (tag + ".states"))
    trainer.save_states(path)
    with open(path, "rb") as f:
        ours = f.read()
    assert ours[:2] == b"\x80\x04"       # a protocol-4 pickle, as MXNet writes (MXNet can load it)
    with open(os.path.join(FIX, tag + ".states"), "rb") as f:
        theirs = f.read()
    (states, optimizer), (mx_states, mx_optimizer) = loads_states(ours), loads_states(theirs)
    assert sorted(states) == sorted(mx_states) == [0, 1, 2, 3]
    for idx in range(4):
        st, mst = states[idx], mx_states[idx]
        st = list(st) if isinstance(st, (tuple, list)) else [st]
        mst = list(mst) if isinstance(mst, (tuple, list)) else [mst]
        assert len(st) == len(mst)
        for j, (a, b) in enumerate(zip(st, mst)):
            assert a.shape == b.shape == expected["%s/state/%d/%d" % (tag, idx, j)].shape
            np.testing.assert_allclose(a.asnumpy(), expected["%s/state/%d/%d" % (tag, idx, j)],
                                       rtol=1e-5, atol=1e-6)
            np.testing.assert_array_equal(b.asnumpy(), expected["%s/state/%d/%d" % (tag, idx, j)])
    assert type(optimizer) is type(mx_optimizer)
    assert optimizer.num_update == mx_optimizer.num_update == 3
    assert optimizer._index_update_count == mx_optimizer._index_update_count
    # a fresh Trainer continues from our file as MXNet continues from its own
    net2 = _build()
    net2.initialize(ctx=mx.cpu())
    for name, p in net2.collect_params().items():
        p.set_data(net.collect_params()[name].data())
    trainer2 = gluon.Trainer(net2.collect_params(), opt, dict(kw))
    trainer2.load_states(path)
    _step(net2, trainer2, expected, 3)
    _check_params(net2, expected, tag + "/after4/")


def test_uninitialized_parameters_are_refused_at_construction():
    """MXNet 1.9.1 checks the parameters' contexts in Trainer.__init__ (Parameter.list_ctx):
    uninitialized parameters raise RuntimeError there, before the optimizer is made; deferred
    initialization is fine (its contexts are known)."""
    net = nn.Dense(2, in_units=3)
    with pytest.raises(RuntimeError, match=r"^Parameter 'dense\d+_bias' has not been initialized$"):
        gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    p = gluon.Parameter("b", shape=(2,), grad_req="null")
    with pytest.raises(RuntimeError, match="^Parameter 'b' has not been initialized$"):
        gluon.Trainer([p], mx.optimizer.SGD())
    a = gluon.Parameter("a", shape=(2,))
    a.initialize()
    with pytest.raises(RuntimeError, match="^Parameter 'b' has not been initialized$"):
        gluon.Trainer([a, p], "sgd")
    deferred = nn.Dense(2)
    deferred.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    trainer = gluon.Trainer(deferred.collect_params(), "sgd", {"learning_rate": 0.1})
    with pytest.raises(gluon.parameter.DeferredInitializationError):
        trainer.step(1)
    with autograd.record():
        y = deferred(mx.nd.ones((1, 3), ctx=mx.cpu(0)))
    y.backward()
    deferred(mx.nd.ones((1, 3), ctx=mx.cpu(1)))
    trainer.step(1, ignore_stale_grad=True)
    assert deferred.weight.shape == (2, 3)


def test_parameters_on_different_contexts_are_refused_at_construction():
    a, b = gluon.Parameter("a", shape=(2,)), gluon.Parameter("b", shape=(2,))
    a.initialize(ctx=mx.cpu(0))
    b.initialize(ctx=[mx.cpu(1)])
    with pytest.raises(AssertionError) as err:       # MXNet 1.9.1's message
        gluon.Trainer([a, b], "sgd")
    assert str(err.value) == ("All Parameters must be initialized on the same set of contexts, but Parameter b "
                              "is initialized on [cpu(1)] while previous Parameters are initialized on [cpu(0)].")


# -- stale gradients (MXNet 1.9.1: Trainer._update raises UserWarning) ----------------------------
def _two_dense():
    """Two Dense layers in one Trainer; the forward below uses only ``used``."""
    used, unused = nn.Dense(2, in_units=3, prefix="used_"), nn.Dense(2, in_units=3, prefix="unused_")
    params = used.collect_params()
    params.update(unused.collect_params())
    params.initialize(mx.init.One())
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.1})
    return used, unused, trainer


def _backward(block):
    with autograd.record():
        y = block(mx.nd.ones((4, 3)))
    y.backward()


def test_step_without_backward_raises_mxnets_warning_and_changes_nothing():
    used, unused, trainer = _two_dense()
    with pytest.raises(UserWarning, match=r"Gradient of Parameter `unused_bias` on context cpu\(0\) has not "
                                          r"been updated by backward since last `step`.*ignore_stale_grad=True"):
        trainer.step(4)
    for block in (used, unused):      # weights ones, biases zeros (Dense's bias initializer)
        np.testing.assert_array_equal(block.weight.data().asnumpy(), np.ones((2, 3)))
        np.testing.assert_array_equal(block.bias.data().asnumpy(), np.zeros(2))


def test_ignore_stale_grad_skips_only_the_stale_parameters():
    used, unused, trainer = _two_dense()
    _backward(used)
    with pytest.raises(UserWarning, match="unused_bias"):       # one unused parameter is enough
        trainer.step(4)
    _backward(used)
    trainer.step(4, ignore_stale_grad=True)
    # used: one momentum SGD step from ones (grad of sum over 4 rows, rescaled by 1/4, wd 0.1)
    w = used.weight.data().asnumpy()
    g = np.ones((2, 3)) * 4 / 4 + 0.1 * np.ones((2, 3))
    np.testing.assert_allclose(w, np.ones((2, 3)) - 0.1 * g, rtol=1e-6)
    # stale: no step, not even weight decay
    np.testing.assert_array_equal(unused.weight.data().asnumpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(unused.bias.data().asnumpy(), np.zeros(2))
    trainer.step(4, ignore_stale_grad=True)     # a step consumes the freshness: nothing moves now
    np.testing.assert_allclose(used.weight.data().asnumpy(), w, rtol=0)


def test_fresh_grad_follows_backward_as_mxnet():
    x, z, w = mx.nd.ones(2), mx.nd.ones(2), mx.nd.ones(2)
    for v in (x, z, w):
        v.attach_grad()
    assert (x._fresh_grad, z._fresh_grad) == (0, 0)
    with autograd.record():
        y = mx.nd.BlockGrad(x) * 2 + z
    y.backward()
    assert (x._fresh_grad, z._fresh_grad, w._fresh_grad) == (1, 1, 0)    # in the graph, gradient or not
    x.attach_grad()
    assert x._fresh_grad == 0
    with autograd.record():
        y = x * 3
    autograd.grad(y, [x])
    assert x._fresh_grad == 0                                         # autograd.grad stores nothing
    x._fresh_grad = True
    assert x._fresh_grad == 1


@pytest.mark.parametrize("kvstore", ["device", "local"])
def test_first_step_broadcasts_every_parameter_from_the_first_device(kvstore):
    # MXNet 1.9.1 initializes the store at the first step by broadcasting each parameter's
    # first-device value to the other devices -- BatchNorm's running statistics too; later
    # steps leave those (grad_req 'null') to each device
    ctxs = [mx.cpu(0), mx.cpu(1)]
    net = nn.HybridSequential()
    net.add(nn.Dense(4, in_units=3), nn.BatchNorm(in_channels=4))
    net.initialize(ctx=ctxs)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1}, kvstore=kvstore)
    rng = np.random.RandomState(0)
    bn = net[1]

    def step():
        x = mx.nd.array(rng.uniform(-1, 1, (8, 3)))
        with autograd.record():
            losses = [net(part).sum() for part in gluon.utils.split_and_load(x, ctxs)]
        for loss in losses:
            loss.backward()
        before = [bn.running_mean.data(c).asnumpy() for c in ctxs]
        trainer.step(8)
        return before, [bn.running_mean.data(c).asnumpy() for c in ctxs]

    before, after = step()
    assert not np.allclose(before[0], before[1])           # each device saw its own half
    np.testing.assert_array_equal(after[0], before[0])
    np.testing.assert_array_equal(after[1], before[0])     # the first device's values
    before, after = step()
    np.testing.assert_array_equal(after[1], before[1])     # no broadcast after the first step
    assert not np.allclose(after[0], after[1])
