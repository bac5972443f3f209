"""mx.executor_manager (DataParallelExecutorManager / DataParallelExecutorGroup and helpers) on
mx.cpu(0) + mx.cpu(1), and the names mx.model re-exports. Forward values are recomputed with
NumPy; gradients and messages are MXNet 1.9.1's (same symbol, data and weights)."""
import numpy as np
import pytest

import mxnet as mx
from mxnet import executor_manager as em

X = np.arange(30, dtype=np.float32).reshape(6, 5) / 10
Y = np.array([0, 1, 2, 0, 1, 2], dtype=np.float32)
W = np.arange(15, dtype=np.float32).reshape(3, 5) / 20 - 0.3
B = np.array([0.1, -0.2, 0.3], dtype=np.float32)
CTX = [mx.cpu(0), mx.cpu(1)]
# MXNet 1.9.1: d loss / d fc_weight on each device (every column of a row is equal)
GRAD_ROWS = [[0.00455, -0.49158, 0.0018], [-0.00272, 0.03615, 0.00063]]


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _net():
    fc = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    return mx.sym.SoftmaxOutput(mx.sym.BatchNorm(fc, name="bn"), name="softmax")


def _manager(work_load_list=(1, 2)):
    out = _net()
    arg_names, aux_names = out.list_arguments(), out.list_auxiliary_states()
    params = [n for n in arg_names if n not in ("data", "softmax_label")]
    it = mx.io.NDArrayIter(X, Y, batch_size=6)
    mgr = em.DataParallelExecutorManager(out, CTX, it, arg_names, params, aux_names,
                                         work_load_list=list(work_load_list))
    mgr.set_params({"fc_weight": mx.nd.array(W), "fc_bias": mx.nd.array(B), "bn_gamma": mx.nd.ones(3),
                    "bn_beta": mx.nd.zeros(3)}, {"bn_moving_mean": mx.nd.zeros(3), "bn_moving_var": mx.nd.ones(3)})
    return mgr, next(iter(it))


def test_model_reexports():
    assert mx.model.DataParallelExecutorManager is em.DataParallelExecutorManager
    assert mx.model.DataDesc is mx.io.DataDesc and mx.model.Uniform is mx.init.Uniform
    assert mx.model.get_updater is mx.optimizer.get_updater
    assert mx.model.LogValidationMetricsCallback is mx.callback.LogValidationMetricsCallback
    assert mx.model.SKLEARN_INSTALLED in (True, False)
    assert issubclass(mx.model.FeedForward, mx.model.BASE_ESTIMATOR)
    assert mx.executor_manager is em


def test_split_input_slice():
    assert em._split_input_slice(5, [1, 1]) == [slice(0, 2), slice(2, 5)]
    assert em._split_input_slice(10, [1, 2, 3]) == [slice(0, 2), slice(2, 5), slice(5, 10)]
    assert em._split_input_slice(7, [1, 1, 1]) == [slice(0, 2), slice(2, 4), slice(4, 7)]
    assert em._split_input_slice(9, [2.5, 1]) == [slice(0, 6), slice(6, 9)]
    for batch, loads in ((3, [1, 1, 1, 1]), (6, [1, 0, 1])):
        with pytest.raises(ValueError, match="Too many slices. Some splits are empty."):
            em._split_input_slice(batch, loads)


def test_check_arguments_and_load_general():
    data = mx.sym.var("data")

    def fc():
        return mx.sym.FullyConnected(data, num_hidden=2, name="fc")
    with pytest.raises(ValueError, match='Find duplicated argument name "fc_weight", please make the weight name '
                                         "non-duplicated"):
        em._check_arguments(fc() + fc())     # two layers named alike
    em._check_arguments(fc())
    targets = [mx.nd.zeros((2,)), [(slice(0, 1), mx.nd.zeros((1,))), (slice(1, 3), mx.nd.zeros((2,)))]]
    em._load_general([mx.nd.array([5, 6]), mx.nd.array([1, 2, 3])], targets)
    assert targets[0].asnumpy().tolist() == [5, 6]
    assert [a.asnumpy().tolist() for _, a in targets[1]] == [[1], [2, 3]]
    with pytest.raises(AssertionError, match="Batch size miss match. Expected 3, got 2"):
        em._load_general([mx.nd.array([1, 2])], [targets[1]])


def test_manager_binds_one_executor_per_context_over_its_slice():
    mgr, _ = _manager()
    assert mgr.slices == [slice(0, 2), slice(2, 6)]
    grp = mgr.execgrp
    assert isinstance(grp, em.DataParallelExecutorGroup) and mgr.curr_execgrp is None
    assert grp.param_names == ["fc_weight", "fc_bias", "bn_gamma", "bn_beta"] and grp.param_idx == [1, 2, 3, 4]
    assert grp.data_names == ["data"] and grp.label_names == ["softmax_label"]
    assert [e.arg_dict["data"].shape for e in grp.train_execs] == [(2, 5), (4, 5)]
    assert [e.arg_dict["data"].context for e in grp.train_execs] == CTX
    assert [[a.shape for a in p] for p in mgr.param_arrays] == [[(3, 5)] * 2, [(3,)] * 2, [(3,)] * 2, [(3,)] * 2]
    assert [[a.shape for a in p] for p in mgr.grad_arrays] == [[(3, 5)] * 2, [(3,)] * 2, [(3,)] * 2, [(3,)] * 2]
    assert [[a.shape for a in p] for p in mgr.aux_arrays] == [[(3,)] * 2] * 2
    assert [[(s, a.shape) for s, a in d] for d in grp.label_arrays] == [[(slice(0, 2), (2,)), (slice(2, 6), (4,))]]


def test_manager_forward_backward_metric_and_copy_to():
    mgr, batch = _manager()
    mgr.load_data_batch(batch)
    assert mgr.curr_execgrp is mgr.execgrp
    mgr.forward(is_train=True)
    outs = np.concatenate([e.outputs[0].asnumpy() for e in mgr.execgrp.train_execs])
    want, moving = [], []
    for sl in mgr.slices:      # BatchNorm normalises each device's slice with its own statistics
        z = X[sl] @ W.T + B
        want.append(_softmax((z - z.mean(0)) / np.sqrt(z.var(0) + 1e-3)))
        moving.append(0.1 * z.mean(0))
    np.testing.assert_allclose(outs, np.concatenate(want), rtol=1e-4, atol=1e-6)
    mgr.backward()
    for grad, rows in zip(mgr.grad_arrays[0], GRAD_ROWS):
        np.testing.assert_allclose(grad.asnumpy(), np.repeat(np.array(rows)[:, None], 5, axis=1), atol=1e-4)
    metric = mx.metric.Accuracy()
    mgr.update_metric(metric, batch.label)
    assert metric.get() == ("accuracy", 0.5)
    metric = mx.metric.Accuracy()
    mgr.update_metric(metric, [[batch.label[0][0:2]], [batch.label[0][2:6]]], pre_sliced=True)
    assert metric.get() == ("accuracy", 0.5)
    args = {"fc_weight": mx.nd.zeros((3, 5)), "fc_bias": mx.nd.zeros(3), "bn_gamma": mx.nd.zeros(3),
            "bn_beta": mx.nd.zeros(3)}
    auxs = {"bn_moving_mean": mx.nd.zeros(3), "bn_moving_var": mx.nd.zeros(3)}
    mgr.copy_to(args, auxs)      # the devices' average
    np.testing.assert_array_equal(args["fc_weight"].asnumpy(), W)
    np.testing.assert_allclose(auxs["bn_moving_mean"].asnumpy(), np.mean(moving, axis=0), rtol=1e-5)


def test_manager_monitor_and_work_load_checks():
    mgr, _ = _manager()
    installed = []

    class Monitor:
        def install(self, exe):
            installed.append(exe)
    mgr.install_monitor(Monitor())
    assert installed == mgr.execgrp.train_execs
    for loads in ((1, 2), [1]):
        with pytest.raises(AssertionError, match="Invalid settings for work load. "):
            out = _net()
            em.DataParallelExecutorManager(out, CTX, mx.io.NDArrayIter(X, Y, batch_size=6), out.list_arguments(),
                                           ["fc_weight"], [], work_load_list=loads)


def test_manager_with_sym_gen_binds_a_group_per_bucket():
    def sym_gen(key):
        fc = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
        return mx.sym.SoftmaxOutput(fc, name="softmax")

    class Iter:
        batch_size, default_bucket_key = 4, 5
        provide_data = [mx.io.DataDesc("data", (4, 5))]
        provide_label = [mx.io.DataDesc("softmax_label", (4,))]
    sym5 = sym_gen(5)
    mgr = em.DataParallelExecutorManager(sym5, CTX, Iter(), sym5.list_arguments(), ["fc_weight", "fc_bias"], [],
                                         sym_gen=sym_gen)
    assert list(mgr.execgrp_bucket) == [5]
    mgr.set_params({"fc_weight": mx.nd.array(W), "fc_bias": mx.nd.zeros(3)}, {})
    batch = mx.io.DataBatch([mx.nd.ones((4, 5))], [mx.nd.zeros((4,))], bucket_key=7,
                            provide_data=Iter.provide_data, provide_label=Iter.provide_label)
    mgr.load_data_batch(batch)
    mgr.forward()
    assert sorted(mgr.execgrp_bucket) == [5, 7] and mgr.curr_execgrp is mgr.execgrp_bucket[7]
    want = _softmax(np.ones((2, 5), np.float32) @ W.T)        # the new bucket shares the weights
    np.testing.assert_allclose(mgr.curr_execgrp.train_execs[1].outputs[0].asnumpy(), want, rtol=1e-5)
    with pytest.raises(NotImplementedError, match="Monitoring is not implemented for bucketing"):
        mgr.install_monitor(object())
