"""mx.contrib.svrg_optimization: SVRGModule and its optimizers.

The reference numbers were produced by MXNet 1.9.1 running the same script (``_train``):
a 3-input linear regression (FullyConnected + LinearRegressionOutput) with fixed data, a
fixed initial weight and no shuffling.
"""
import numpy as np
import pytest

import mxnet as mx
from mxnet.base import MXNetError
from mxnet.contrib import svrg_optimization
from mxnet.contrib.svrg_optimization import svrg_module, svrg_optimizer
from mxnet.contrib.svrg_optimization.svrg_module import SVRGModule
from mxnet.contrib.svrg_optimization.svrg_optimizer import _AssignmentOptimizer, _SVRGOptimizer

W0 = np.array([[0.1, 0.2, -0.3]], np.float32)
B0 = np.array([0.05], np.float32)

# MXNet 1.9.1: final weights, the running MSE after every batch (batch_end_callback) and the
# per-epoch Train-mse that fit logs, 3 epochs.
ORACLE = {
    'sgd': {'weight': [0.2048849, -0.03755845, -0.18452299], 'bias': 0.15225078, 'batch_mse': [1.9999946, 2.6008462, 2.8379556, 1.8891971, 2.4295706, 2.6371068, 1.7511116, 2.2289944, 2.4124701], 'epoch_mse': [2.8379556, 2.6371068, 2.4124701]},  # noqa: E501
    'freq2': {'weight': [0.19264504, -0.01010592, -0.19781527], 'bias': 0.14084245, 'batch_mse': [1.9999946, 2.6008462, 2.8379556, 1.8891971, 2.4406744, 2.660181, 1.7856582, 2.2819611, 2.47405], 'epoch_mse': [2.8379556, 2.660181, 2.47405]},  # noqa: E501
    'momentum': {'weight': [0.40444931, -0.48133355, 0.03128063], 'bias': 0.33270741, 'batch_mse': [1.9999946, 2.6081571, 2.8346481, 1.8353546, 2.2956387, 2.4218527, 1.4731489, 1.7305781, 1.7663362], 'epoch_mse': [2.8346481, 2.4218527, 1.7663362]},  # noqa: E501
    'padded': {'weight': [0.22543383, -0.10231459, -0.14792752], 'bias': 0.09667798, 'batch_mse': [1.9939741, 2.5776916, 2.7845213, 1.8536482, 2.3792287, 2.5604335, 1.6709402, 2.1363493, 2.2983229], 'epoch_mse': [2.7845213, 2.5604335, 2.2983229]},  # noqa: E501
    'two_dev_kvstore': {'weight': [0.20570353, -0.03541681, -0.18700534], 'bias': 0.15330735, 'batch_mse': [1.5886943, 2.3977892, 2.7039308, 1.893975, 2.4344082, 2.6415836, 1.7556143, 2.2335365, 2.4166499], 'epoch_mse': [2.7039308, 2.6415836, 2.4166499]},  # noqa: E501
    'two_dev_no_kvstore': {'weight': [0.15289822, 0.07852705, -0.24085638], 'bias': 0.10441861, 'batch_mse': [1.9999946, 2.6179977, 2.8718156, 1.9437701, 2.5298234, 2.766982, 1.8713156, 2.4228928, 2.6457992], 'epoch_mse': [2.8718156, 2.766982, 2.6457992]},  # noqa: E501
}

CASES = {
    "sgd": dict(),
    "freq2": dict(update_freq=2),
    "momentum": dict(opt_params=(("learning_rate", 0.02), ("momentum", 0.9))),
    "padded": dict(n=25),
    "two_dev_kvstore": dict(ndev=2),
    "two_dev_no_kvstore": dict(ndev=2, kv=None),
}


class _Log:
    """A logger keeping the Train-<metric> values fit logs."""

    def __init__(self):
        self.train = []

    def info(self, fmt, *args):
        if "Train-" in fmt:
            self.train.append(args[-1])

    def warning(self, *args):
        pass


def _data(n=30):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, (n, 3)).astype(np.float32)
    y = (X @ np.array([1.5, -2.0, 0.5], np.float32) + 0.3 + 0.05 * rng.randn(n)).astype(np.float32)
    return X, y


def _symbol():
    data = mx.sym.Variable("data")
    label = mx.sym.Variable("lin_reg_label")
    fc = mx.sym.FullyConnected(data, num_hidden=1, name="fc")
    return mx.sym.LinearRegressionOutput(fc, label, name="lro")


def _module(ndev=1, update_freq=1, n=30, bs=10, logger=None):
    X, y = _data(n)
    it = mx.io.NDArrayIter(X, y, batch_size=bs, shuffle=False, label_name="lin_reg_label")
    kwargs = {} if logger is None else {"logger": logger}
    mod = SVRGModule(_symbol(), data_names=["data"], label_names=["lin_reg_label"],
                     context=[mx.cpu(i) for i in range(ndev)], update_freq=update_freq, **kwargs)
    mod.bind(it.provide_data, it.provide_label)
    mod.init_params()
    mod.set_params({"fc_weight": mx.nd.array(W0), "fc_bias": mx.nd.array(B0)}, {})
    return mod, it, X, y


def _train(ndev=1, update_freq=1, num_epoch=3, opt="sgd", opt_params=(("learning_rate", 0.025),),
           kv="local", n=30, bs=10):
    log = _Log()
    mod, it, _, _ = _module(ndev, update_freq, n, bs, logger=log)
    vals = []
    mod.fit(it, eval_metric="mse", optimizer=opt, optimizer_params=opt_params, num_epoch=num_epoch,
            kvstore=kv, batch_end_callback=lambda p: vals.append(p.eval_metric.get_name_value()[0][1]))
    args, _ = mod.get_params()
    return args["fc_weight"].asnumpy().ravel(), args["fc_bias"].asnumpy()[0], vals, log.train


def _batches(X, y, bs):
    """The batches NDArrayIter(last_batch_handle='pad') yields: the last one padded from the start."""
    n = len(X)
    out = []
    for start in range(0, n, bs):
        idx = np.arange(start, start + bs) % n
        out.append((X[idx], y[idx], max(0, start + bs - n)))
    return out


def _grads(w, b, X, y):
    """Summed (over the batch) gradients of LinearRegressionOutput w.r.t. weight and bias."""
    r = X @ w.reshape(-1) + b[0] - y
    return (r @ X).reshape(1, -1), np.array([r.sum()])


def _full_grads(w, b, X, y, bs, prev=(0, 0)):
    batches = _batches(X, y, bs)
    gw, gb = prev
    for Xb, yb, _ in batches:
        dw, db = _grads(w, b, Xb, yb)
        gw, gb = gw + dw, gb + db
    nb = len(batches) - batches[-1][2] / bs
    return gw / nb, gb / nb


# -- against MXNet 1.9.1 ---------------------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_matches_mxnet(case):
    weight, bias, batch_mse, epoch_mse = _train(**CASES[case])
    ref = ORACLE[case]
    np.testing.assert_allclose(weight, ref["weight"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(bias, ref["bias"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(batch_mse, ref["batch_mse"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(epoch_mse, ref["epoch_mse"], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", ["momentum", "two_dev_kvstore"])
def test_fit_matches_mxnet_both_engines(case, any_engine):
    weight, bias, batch_mse, _ = _train(**CASES[case])
    np.testing.assert_allclose(weight, ORACLE[case]["weight"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(batch_mse, ORACLE[case]["batch_mse"], rtol=1e-5, atol=1e-6)


def test_svrg_differs_from_plain_sgd():
    mod = mx.mod.Module(_symbol(), data_names=["data"], label_names=["lin_reg_label"])
    X, y = _data()
    it = mx.io.NDArrayIter(X, y, batch_size=10, shuffle=False, label_name="lin_reg_label")
    mod.fit(it, eval_metric="mse", optimizer_params=(("learning_rate", 0.025),), num_epoch=3,
            arg_params={"fc_weight": mx.nd.array(W0), "fc_bias": mx.nd.array(B0)})
    assert not np.allclose(mod.get_params()[0]["fc_weight"].asnumpy().ravel(), ORACLE["sgd"]["weight"],
                           atol=1e-3)


# -- full gradients against NumPy ----------------------------------------------------------------------
@pytest.mark.parametrize("n", [30, 25])
def test_update_full_grads_is_the_mean_batch_gradient(n):
    mod, it, X, y = _module(n=n)
    mod.init_optimizer(optimizer_params=(("learning_rate", 0.1),))
    mod.update_full_grads(it)
    gw, gb = _full_grads(W0, B0, X, y, 10)
    np.testing.assert_allclose(mod._param_dict[0]["fc_weight"].asnumpy(), gw, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mod._param_dict[0]["fc_bias"].asnumpy(), gb, rtol=1e-5, atol=1e-6)
    # the snapshot module holds the weights the full gradient was taken at
    np.testing.assert_allclose(mod._mod_aux.get_params()[0]["fc_weight"].asnumpy(), W0)
    # as in MXNet 1.9.1 a second computation adds onto the previous full gradient
    mod.update_full_grads(it)
    gw2, gb2 = _full_grads(W0, B0, X, y, 10, prev=(gw, gb))
    np.testing.assert_allclose(mod._param_dict[0]["fc_weight"].asnumpy(), gw2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mod._param_dict[0]["fc_bias"].asnumpy(), gb2, rtol=1e-5, atol=1e-6)


def test_update_full_grads_two_devices_kvstore():
    mod, it, X, y = _module(ndev=2)
    mod.init_optimizer(kvstore="local")
    assert mod._kvstore is not None and mod._update_on_kvstore
    mod.update_full_grads(it)
    gw, gb = _full_grads(W0, B0, X, y, 10)
    for dev in range(2):    # summed over devices in the store, then divided by their number
        assert mod._param_dict[dev]["fc_weight"].context == mx.cpu(dev)
        np.testing.assert_allclose(mod._param_dict[dev]["fc_weight"].asnumpy(), gw / 2, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(mod._param_dict[dev]["fc_bias"].asnumpy(), gb / 2, rtol=1e-5, atol=1e-6)


def test_update_full_grads_two_devices_without_kvstore():
    mod, it, X, y = _module(ndev=2)
    mod.init_optimizer(kvstore=None)
    assert mod._kvstore is None
    mod.update_full_grads(it)
    for dev in range(2):    # each device averages the gradients of its half of every batch
        gw, gb = 0, 0
        for Xb, yb, _ in _batches(X, y, 10):
            dw, db = _grads(W0, B0, Xb[5 * dev:5 * dev + 5], yb[5 * dev:5 * dev + 5])
            gw, gb = gw + dw, gb + db
        np.testing.assert_allclose(mod._param_dict[dev]["fc_weight"].asnumpy(), gw / 3, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(mod._param_dict[dev]["fc_bias"].asnumpy(), gb / 3, rtol=1e-5, atol=1e-6)


def test_update_applies_the_svrg_rule():
    lr, bs = 0.1, 10
    mod, it, X, y = _module()
    mod.init_optimizer(optimizer_params=(("learning_rate", lr),))
    mod.update_full_grads(it)
    mu_w, mu_b = _full_grads(W0, B0, X, y, bs)
    batches = list(it)
    w, b = W0.astype(np.float64), B0.astype(np.float64)
    for k, batch in enumerate(batches[:2]):
        mod.forward_backward(batch)
        mod.update()
        Xb, yb = X[k * bs:(k + 1) * bs], y[k * bs:(k + 1) * bs]
        gw, gb = _grads(w, b, Xb, yb)
        sw, sb = _grads(W0, B0, Xb, yb)
        w = w - lr * (gw - sw + mu_w) / bs
        b = b - lr * (gb - sb + mu_b) / bs
        args, _ = mod.get_params()
        np.testing.assert_allclose(args["fc_weight"].asnumpy(), w, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(args["fc_bias"].asnumpy(), b, rtol=1e-5, atol=1e-6)
    # the snapshot weights did not move
    np.testing.assert_allclose(mod._mod_aux.get_params()[0]["fc_weight"].asnumpy(), W0)


def test_svrg_grads_update_rule():
    g = [mx.nd.array([1.0, 2.0]), mx.nd.array([3.0])]
    out = SVRGModule._svrg_grads_update_rule(g, [mx.nd.array([0.5, 0.5]), mx.nd.array([1.0])],
                                             [mx.nd.array([0.1, 0.2]), mx.nd.array([0.3])])
    assert out is g
    np.testing.assert_allclose(g[0].asnumpy(), [0.6, 1.7], rtol=1e-6)
    np.testing.assert_allclose(g[1].asnumpy(), [2.3], rtol=1e-6)


# -- module plumbing ---------------------------------------------------------------------------------
def test_package_layout():
    assert svrg_optimization.svrg_module is svrg_module
    assert svrg_optimization.svrg_optimizer is svrg_optimizer
    assert issubclass(SVRGModule, mx.mod.Module)
    assert mx.optimizer.Optimizer.opt_registry["_svrgoptimizer"] is _SVRGOptimizer
    assert mx.optimizer.Optimizer.opt_registry["_assignmentoptimizer"] is _AssignmentOptimizer


def test_init_optimizer_installs_svrg_optimizer():
    mod, _, _, _ = _module()
    mod.init_optimizer(optimizer="sgd", optimizer_params=(("learning_rate", 0.2), ("momentum", 0.5)))
    opt = mod._optimizer
    assert isinstance(opt, _SVRGOptimizer)
    assert opt.idx2name == {0: "fc_weight", 1: "fc_bias", 2: "fc_weight_full", 3: "fc_bias_full"}
    assert isinstance(opt.default_opt, mx.optimizer.SGD) and opt.default_opt.momentum == 0.5
    assert opt.default_opt.lr == 0.2 and opt.lr == 0.2
    assert opt.rescale_grad == opt.default_opt.rescale_grad == 0.1
    assert isinstance(opt.aux_opt, _AssignmentOptimizer)
    assert mod._kvstore is None and not mod._update_on_kvstore
    assert set(mod._param_dict[0]) == {"fc_weight", "fc_bias"}
    assert all((v.asnumpy() == 0).all() for v in mod._param_dict[0].values())


def test_init_optimizer_kvstore_keys_and_instance_optimizer():
    mod, _, _, _ = _module(ndev=2)
    sgd = mx.optimizer.SGD(learning_rate=0.5)
    mod.init_optimizer(kvstore="local", optimizer=sgd)
    assert mod._optimizer.default_opt is sgd
    assert mod._optimizer.idx2name == {0: "fc_weight", 1: "fc_bias", 2: "fc_weight_full", 3: "fc_bias_full"}
    np.testing.assert_array_equal(mod._kvstore._store["fc_weight_full"].asnumpy(), np.zeros((1, 3)))
    # MXNet 1.9.1 pulls the (zero) full-gradient keys into the devices' weights here
    for w in mod._exec_group.param_arrays[0]:
        np.testing.assert_array_equal(w.asnumpy(), np.zeros((1, 3)))
    np.testing.assert_allclose(mod.get_params()[0]["fc_weight"].asnumpy(), W0)


def test_bind_reshape_and_prediction_bind():
    mod, it, _, _ = _module()
    assert mod._mod_aux.binded
    mod.reshape([("data", (5, 3))], [("lin_reg_label", (5,))])
    assert mod.data_shapes[0].shape == (5, 3) and mod._mod_aux.data_shapes[0].shape == (5, 3)
    pred = SVRGModule(_symbol(), label_names=["lin_reg_label"], update_freq=1)
    pred.bind(it.provide_data, it.provide_label, for_training=False)
    assert pred.binded and not pred._mod_aux.binded
    pred.set_params({"fc_weight": mx.nd.array(W0), "fc_bias": mx.nd.array(B0)}, {})
    X, _ = _data()
    out = pred.predict(mx.io.NDArrayIter(X, batch_size=10, shuffle=False))
    np.testing.assert_allclose(out.asnumpy().ravel(), X @ W0.ravel() + B0[0], rtol=1e-5)
    pred.bind(it.provide_data, it.provide_label, force_rebind=True)
    assert pred._mod_aux.binded


def test_fit_full_gradient_epochs():
    mod, it, _, _ = _module(update_freq=2)
    calls = []
    orig = mod.update_full_grads
    mod.update_full_grads = lambda data: (calls.append(len(calls)), orig(data))
    mod.fit(it, eval_metric="mse", num_epoch=5)
    assert len(calls) == 3      # epochs 0, 2, 4
    mod2, it2, _, _ = _module(update_freq=2)
    mod2.init_optimizer()
    calls2 = []
    orig2 = mod2.update_full_grads
    mod2.update_full_grads = lambda data: (calls2.append(1), orig2(data))
    mod2.fit(it2, eval_metric="mse", begin_epoch=2, num_epoch=5)
    assert len(calls2) == 2     # epochs 2, 4


# -- the optimizers ----------------------------------------------------------------------------------
def test_svrg_optimizer_dispatch():
    opt = _SVRGOptimizer(default_optimizer="sgd", learning_rate=0.1, momentum=0.9,
                         param_idx2name={0: "w", 1: "w_full"})
    assert isinstance(opt.default_opt, mx.optimizer.SGD) and opt.default_opt.momentum == 0.9
    assert opt.lr == 0.1 and opt.rescale_grad == 1.0 and not hasattr(opt, "momentum")
    assert opt._check_index(0) == "w" and opt._check_index("w_full") == "w_full"
    w = mx.nd.ones((2,))
    assert opt.create_state(1, w) is None
    state = opt.create_state(0, w)
    np.testing.assert_array_equal(state.asnumpy(), [0, 0])
    opt.update(1, w, mx.nd.array([5.0, 6.0]), None)
    np.testing.assert_array_equal(w.asnumpy(), [5, 6])
    opt.update(0, w, mx.nd.array([1.0, 1.0]), state)
    np.testing.assert_allclose(w.asnumpy(), [4.9, 5.9], rtol=1e-6)
    with pytest.raises(KeyError):
        _SVRGOptimizer(default_optimizer="sgd")._check_index(0)
    with pytest.raises(ValueError, match="Cannot find optimizer foo"):
        _SVRGOptimizer(default_optimizer="foo")
    assert _SVRGOptimizer._check_params(learning_rate=1, momentum=2, wd=3) == {"learning_rate": 1, "wd": 3}


def test_assignment_optimizer():
    w = mx.nd.ones((2,))
    opt = mx.optimizer.create("_AssignmentOptimizer")
    assert isinstance(opt, _AssignmentOptimizer)
    opt.update(0, w, mx.nd.array([3.0, 4.0]), None)
    np.testing.assert_array_equal(w.asnumpy(), [3, 4])


# -- errors ------------------------------------------------------------------------------------------
_FREQ_TYPE = "update_freq in SVRGModule must be an integer to represent the frequency for calculating full gradients"
_FREQ_VALUE = ("update_freq in SVRGModule must be a positive integer to represent the frequency for "
               "calculating full gradients")


@pytest.mark.parametrize("freq,exc,msg", [(None, TypeError, _FREQ_TYPE), (1.0, TypeError, _FREQ_TYPE),
                                          ("2", TypeError, _FREQ_TYPE), (0, ValueError, _FREQ_VALUE),
                                          (-1, ValueError, _FREQ_VALUE)])
def test_update_freq_errors(freq, exc, msg):
    with pytest.raises(exc) as info:
        SVRGModule(_symbol(), label_names=["lin_reg_label"], update_freq=freq)
    assert str(info.value) == msg


def test_update_freq_default_is_required():
    with pytest.raises(TypeError):
        SVRGModule(_symbol(), label_names=["lin_reg_label"])
    assert SVRGModule(_symbol(), label_names=["lin_reg_label"], update_freq=3).update_freq == 3


@pytest.mark.parametrize("ndev", [1, 2])
def test_kvstore_type_error(ndev):
    mod, _, _, _ = _module(ndev=ndev)
    with pytest.raises(TypeError, match="kvstore must be KVStore, str or None"):
        mod.init_optimizer(kvstore=3)


def test_kvstore_instance_single_device():
    mod, _, _, _ = _module()
    kv = mx.kv.create("local")
    mod.init_optimizer(kvstore=kv)
    assert mod._kvstore is kv and mod._update_on_kvstore
    assert "fc_weight_full" in kv._store and "fc_weight" in kv._store


def test_order_errors():
    mod = SVRGModule(_symbol(), label_names=["lin_reg_label"], update_freq=1)
    with pytest.raises(MXNetError):
        mod.init_optimizer()
    mod, it, _, _ = _module()
    with pytest.raises(MXNetError):
        mod.update()
    with pytest.raises(MXNetError):
        mod.update_full_grads(it)
    with pytest.raises(ValueError, match="Cannot find optimizer foo"):
        mod.init_optimizer(optimizer="foo")
    with pytest.raises(ValueError, match="please specify number of epochs"):
        mod.fit(it)


def test_reinit_optimizer_with_kvstore_duplicates_full_keys():
    mod, _, _, _ = _module(ndev=2)
    mod.init_optimizer()
    with pytest.raises(MXNetError, match="fc_weight_full"):
        mod.init_optimizer()
    mod.init_optimizer(force_init=True)
