"""Module, BucketingModule, SequentialModule and FeedForward on small synthetic problems."""
import logging

import numpy as np
import pytest

import mxnet as mx


def _data(n=512, d=10, k=3, seed=0):
    rng = np.random.RandomState(seed)
    centers = rng.randn(k, d) * 3
    y = rng.randint(0, k, n)
    x = (centers[y] + rng.randn(n, d)).astype(np.float32)
    return x, y.astype(np.float32)


def _mlp(hidden=16, k=3):
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=hidden, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=k, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def _init_params(sym, d=10, seed=1):
    rng = np.random.RandomState(seed)
    shapes, _, _ = sym.infer_shape(data=(8, d))
    return {n: mx.nd.array(rng.randn(*s) * 0.1) for n, s in zip(sym.list_arguments(), shapes)
            if n not in ("data", "softmax_label")}


def test_fit_score_predict():
    x, y = _data()
    train = mx.io.NDArrayIter(x, y, batch_size=32, shuffle=True)
    val = mx.io.NDArrayIter(x, y, batch_size=32)
    mod = mx.mod.Module(_mlp())
    mod.fit(train, eval_data=val, optimizer="sgd", optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
            num_epoch=5, initializer=mx.init.Xavier())
    (name, acc), = mod.score(val, "acc")
    assert name == "accuracy" and acc > 0.95
    pred = mod.predict(val)
    assert pred.shape == (512, 3)
    assert (pred.asnumpy().argmax(1) == y).mean() > 0.95
    assert mod.output_shapes == [("softmax_output", (32, 3))]
    assert [d.name for d in mod.data_shapes] == ["data"]


def test_multi_context_matches_single_context():
    x, y = _data(n=64)
    sym = _mlp()
    params = _init_params(sym)
    results = []
    for ctx in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]):
        it = mx.io.NDArrayIter(x, y, batch_size=16)
        mod = mx.mod.Module(sym, context=ctx)
        mod.bind(it.provide_data, it.provide_label)
        mod.init_params(arg_params={k: v.copy() for k, v in params.items()})
        mod.init_optimizer(kvstore="local", optimizer="sgd", optimizer_params={"learning_rate": 0.5})
        for batch in it:
            mod.forward_backward(batch)
            mod.update()
        results.append({k: v.asnumpy() for k, v in mod.get_params()[0].items()})
    for k in results[0]:
        np.testing.assert_allclose(results[0][k], results[1][k], rtol=1e-4, atol=1e-5, err_msg=k)


def test_checkpoint_and_optimizer_states(tmp_path):
    x, y = _data(n=64)
    it = mx.io.NDArrayIter(x, y, batch_size=16)
    mod = mx.mod.Module(_mlp())
    mod.fit(it, num_epoch=2, optimizer="sgd", optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    prefix = str(tmp_path / "m")
    mod.save_checkpoint(prefix, 2, save_optimizer_states=True)
    loaded = mx.mod.Module.load(prefix, 2, load_optimizer_states=True)
    loaded.bind(it.provide_data, it.provide_label)
    loaded.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    a, _ = mod.get_params()
    b, _ = loaded.get_params()
    for k in a:
        np.testing.assert_array_equal(a[k].asnumpy(), b[k].asnumpy())
    it.reset()
    np.testing.assert_allclose(mod.predict(it).asnumpy(), loaded.predict(it).asnumpy(), rtol=1e-6)
    sym, args, _ = mx.model.load_checkpoint(prefix, 2)
    assert sorted(args) == sorted(a)


def test_input_grads_and_fixed_params():
    x, y = _data(n=32)
    it = mx.io.NDArrayIter(x, y, batch_size=8)
    mod = mx.mod.Module(_mlp(), fixed_param_names=["fc1_weight"])
    mod.bind(it.provide_data, it.provide_label, inputs_need_grad=True)
    mod.init_params()
    mod.init_optimizer(optimizer_params={"learning_rate": 1.0})
    before = mod.get_params()[0]["fc1_weight"].asnumpy().copy()
    batch = next(iter(it))
    mod.forward_backward(batch)
    mod.update()
    assert mod.get_input_grads()[0].shape == (8, 10)
    np.testing.assert_array_equal(mod.get_params()[0]["fc1_weight"].asnumpy(), before)


def test_errors():
    mod = mx.mod.Module(_mlp())
    with pytest.raises(mx.MXNetError):
        mod.init_params()
    with pytest.raises(ValueError):
        mx.mod.Module(_mlp(), data_names=["nope"])
    with pytest.raises(ValueError):
        mod.fit(mx.io.NDArrayIter(*_data(n=8), batch_size=4))   # num_epoch missing


def test_bucketing_module_shares_parameters():
    def sym_gen(key):
        data = mx.sym.Variable("data")
        fc = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
        return mx.sym.SoftmaxOutput(fc, name="softmax"), ("data",), ("softmax_label",)

    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=10)
    mod.bind([("data", (4, 10))], [("softmax_label", (4,))])
    mod.init_params()
    mod.init_optimizer()
    batch = mx.io.DataBatch([mx.nd.ones((4, 10))], [mx.nd.zeros((4,))], bucket_key=10,
                            provide_data=[mx.io.DataDesc("data", (4, 10))],
                            provide_label=[mx.io.DataDesc("softmax_label", (4,))])
    mod.forward_backward(batch)
    mod.update()
    assert mod.get_outputs()[0].shape == (4, 3)


def test_sequential_module():
    x, y = _data(n=64)
    it = mx.io.NDArrayIter(x, y, batch_size=16)
    d = mx.sym.Variable("data")
    first = mx.mod.Module(mx.sym.Activation(mx.sym.FullyConnected(d, num_hidden=16, name="a"), act_type="relu"),
                          label_names=None)
    d2 = mx.sym.Variable("data")
    second = mx.mod.Module(mx.sym.SoftmaxOutput(mx.sym.FullyConnected(d2, num_hidden=3, name="b"), name="softmax"))
    seq = mx.mod.SequentialModule().add(first).add(second, take_labels=True, auto_wiring=True)
    seq.fit(it, num_epoch=8, optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    it.reset()
    assert seq.score(it, "acc")[0][1] > 0.9


def test_feedforward_numpy(tmp_path, caplog):
    x, y = _data()
    caplog.set_level(logging.INFO)
    model = mx.model.FeedForward(_mlp(), num_epoch=4, learning_rate=0.1, momentum=0.9, numpy_batch_size=32)
    model.fit(X=x, y=y, eval_data=(x, y), eval_metric="acc", logger=logging.getLogger())
    assert any("Validation-accuracy" in r.getMessage() for r in caplog.records)
    prob = model.predict(x)
    assert prob.shape == (512, 3) and (prob.argmax(1) == y).mean() > 0.95
    assert model.score(mx.io.NDArrayIter(x, y, batch_size=32), "acc") > 0.95
    model.save(str(tmp_path / "ff"))
    again = mx.model.FeedForward.load(str(tmp_path / "ff"), 4)
    np.testing.assert_allclose(again.predict(x), prob, rtol=1e-5)


def test_fit_logs_validation_even_with_an_eval_end_callback(caplog):
    # MXNet 1.9.1's BaseModule.fit logs the validation metric itself, and then the callback
    # (LogValidationMetricsCallback) logs it again
    x, y = _data(n=64)
    caplog.set_level(logging.INFO)
    mod = mx.mod.Module(_mlp(), logger=logging.getLogger())
    mod.fit(mx.io.NDArrayIter(x, y, batch_size=16), eval_data=mx.io.NDArrayIter(x, y, batch_size=16),
            num_epoch=1, eval_end_callback=mx.callback.LogValidationMetricsCallback())
    lines = [r.getMessage() for r in caplog.records if "Validation" in r.getMessage()]
    assert len(lines) == 2 and lines[0] == lines[1] and lines[0].startswith("Epoch[0] Validation-accuracy=")
