"""mx.metric against values produced by MXNet 1.9.1 (literals below) on fixed inputs."""
import math
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import mxnet as mx

nd = mx.nd.array

# fixed inputs (the same ones were given to MXNet 1.9.1)
P = [[0.3, 0.7], [0, 1.], [0.4, 0.6]]
L = [0, 1, 1]
P4 = [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.3, 0.3, 0.4]]
L4 = [2, 0, 2, 1]
L41 = [[2], [0], [2], [1]]
PB = [[0.3, 0.7], [0.6, 0.4], [0.2, 0.8], [0.9, 0.1], [0.4, 0.6]]
LB = [0, 0, 1, 1, 1]
PB2 = [[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]
LB2 = [1, 1, 0]
RP = [3, -0.5, 2, 7]
RL = [2.5, 0.0, 2, 8]
PL = [[1, 0], [0, 1], [0, 1]]


def _myf(label, pred):
    return float(np.abs(label - pred).mean())


def _myt(label, pred):
    return (float((label == pred.argmax(1)).sum()), label.size)


def B(labels, preds):
    """One batch: lists of NDArrays from nested lists."""
    return ([nd(x) for x in labels], [nd(x) for x in preds])


# (id, metric factory, batches, (get value, num_inst, sum_metric, global value)) from MXNet 1.9.1
CASES = [
    ("acc", lambda: mx.metric.Accuracy(), [B([L], [P])],
     (0.6666666666666666, 3, 2.0, 0.6666666666666666)),
    ("acc_label_n_and_n1", lambda: mx.metric.Accuracy(), [B([L4], [P4]), B([L41], [P4])],
     (0.5, 8, 4.0, 0.5)),
    ("acc_class_indices", lambda: mx.metric.Accuracy(), [B([[1, 2, 3]], [[1, 2, 0]])],
     (0.6666666666666666, 3, 2.0, 0.6666666666666666)),
    ("acc_axis0", lambda: mx.metric.Accuracy(axis=0),
     [B([[0, 1, 0]], [[[0.1, 0.9, 0.3], [0.8, 0.05, 0.6]]])], (0.0, 3, 0.0, 0.0)),
    ("acc_single_arrays", lambda: mx.metric.Accuracy(), [(nd(L), nd(P))],
     (0.6666666666666666, 3, 2.0, 0.6666666666666666)),
    ("acc_int_float64", lambda: mx.metric.Accuracy(),
     [([mx.nd.array([1, 0, 2], dtype="int32")],
       [mx.nd.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype="float64")])], (1.0, 3, 3.0, 1.0)),
    ("topk2", lambda: mx.metric.TopKAccuracy(top_k=2), [B([L4], [P4])], (1.0, 4, 4.0, 1.0)),
    ("f1", lambda: mx.metric.F1(), [B([L], [P])], (0.8, 1, 0.8, 0.8)),
    ("f1_macro", lambda: mx.metric.F1(), [B([LB], [PB]), B([LB2], [PB2])],
     (0.5833333333333333, 2, 1.1666666666666665, 0.5833333333333333)),
    ("f1_micro", lambda: mx.metric.F1(average="micro"), [B([LB], [PB]), B([LB2], [PB2])],
     (0.6, 8, 4.8, 0.6)),
    ("f1_no_positive", lambda: mx.metric.F1(), [B([[0, 0]], [[[0.8, 0.2], [0.9, 0.1]]])],
     (0.0, 1, 0.0, 0.0)),
    ("mcc_macro", lambda: mx.metric.MCC(), [B([LB], [PB]), B([LB2], [PB2])],
     (-0.16666666666666669, 2.0, -0.33333333333333337, -0.16666666666666669)),
    ("mcc_micro", lambda: mx.metric.MCC(average="micro"), [B([LB], [PB]), B([LB2], [PB2])],
     (-0.06666666666666667, 8, -0.5333333333333333, -0.06666666666666667)),
    ("mcc_perfect", lambda: mx.metric.MCC(), [B([[0, 1]], [[[0.8, 0.2], [0.1, 0.9]]])],
     (1.0, 1.0, 1.0, 1.0)),
    ("perplexity", lambda: mx.metric.Perplexity(ignore_label=None), [B([L], [P])],
     (1.7710976285155853, 3, 1.7147984504699707, 1.7710976285155853)),
    ("perplexity_ignore", lambda: mx.metric.Perplexity(ignore_label=1), [B([L4], [P4])],
     (2.426427501284398, 3.0, 2.6592600345611572, 2.426427501284398)),
    ("perplexity_ignore_2batch", lambda: mx.metric.Perplexity(ignore_label=0),
     [B([L41], [P4]), B([L], [P])],
     (2.0879490086809462, 5.0, 3.6809112429618835, 2.0879490086809462)),
    ("perplexity_axis0", lambda: mx.metric.Perplexity(ignore_label=None, axis=0),
     [B([[0, 1, 1]], [[[0.3, 0.2, 0.6], [0.7, 0.8, 0.4], [0.1, 0.1, 0.1]]])],
     (2.1839512103018603, 3, 2.343407154083252, 2.1839512103018603)),
    ("perplexity_zero_prob", lambda: mx.metric.Perplexity(ignore_label=None),
     [B([[0, 1]], [[[0.0, 1.0], [0.5, 0.5]]])],
     (141421.34526455868, 2, 23.718997955322266, 141421.34526455868)),
    ("mae", lambda: mx.metric.MAE(), [B([RL], [RP])], (0.5, 1, 0.5, 0.5)),
    ("mae_label_n1", lambda: mx.metric.MAE(), [([nd(RL).reshape((4, 1))], [nd(RP)])],
     (0.5, 1, 0.5, 0.5)),
    ("mae_2batch", lambda: mx.metric.MAE(), [B([RL], [RP]), B([[1, 2]], [[[1.5], [0]]])],
     (0.875, 2, 1.75, 0.875)),
    ("mae_broadcast", lambda: mx.metric.MAE(), [B([RL], [[[3, 1], [-0.5, 0], [2, 2], [7, 9]]])],
     (0.5625, 1, 0.5625, 0.5625)),
    ("mae_float64", lambda: mx.metric.MAE(),
     [([mx.nd.array([0.1, 0.2, 0.3], dtype="float64")],
       [mx.nd.array([0.3, 0.1, 0.25], dtype="float64")])],
     (0.11666666666666665, 1, 0.11666666666666665, 0.11666666666666665)),
    ("mse", lambda: mx.metric.MSE(), [B([RL], [RP])], (0.375, 1, 0.375, 0.375)),
    ("mse_2batch", lambda: mx.metric.MSE(), [B([RL], [RP]), B([[1, 2]], [[[1.5], [0]]])],
     (1.25, 2, 2.5, 1.25)),
    ("mse_broadcast", lambda: mx.metric.MSE(), [B([RL], [[[3, 1], [-0.5, 0], [2, 2], [7, 9]]])],
     (0.59375, 1, 0.59375, 0.59375)),
    ("mse_large", lambda: mx.metric.MSE(),
     [B([np.arange(1000) / 7.0], [np.arange(1000) / 7.1])],
     (1.3474549055099487, 1, 1.3474549055099487, 1.3474549055099487)),
    ("rmse", lambda: mx.metric.RMSE(), [B([RL], [RP])],
     (0.6123724579811096, 1, 0.6123724579811096, 0.6123724579811096)),
    ("rmse_2batch", lambda: mx.metric.RMSE(), [B([RL], [RP]), B([[1, 2]], [[[1.5], [0]]])],
     (1.0350551903247833, 2, 2.0701103806495667, 1.0350551903247833)),
    ("rmse_2d", lambda: mx.metric.RMSE(), [B([[[1, 2], [3, 4]]], [[[1.5, 2], [2, 4.5]]])],
     (0.6123724579811096, 1, 0.6123724579811096, 0.6123724579811096)),
    ("ce", lambda: mx.metric.CrossEntropy(), [B([L], [P])],
     (0.5715994834899902, 3, 1.7147984504699707, 0.5715994834899902)),
    ("ce_eps_label_n1", lambda: mx.metric.CrossEntropy(eps=1e-3), [B([L41], [P4])],
     (0.9628729820251465, 4, 3.851491928100586, 0.9628729820251465)),
    ("nll", lambda: mx.metric.NegativeLogLikelihood(), [B([L], [P]), B([L41], [P4])],
     (0.7968616144997733, 7, 5.578031301498413, 0.7968616144997733)),
    ("pearson", lambda: mx.metric.PearsonCorrelation(), [B([PL], [P])],
     (0.4216370454401618, 1, 0.4216370454401618, 0.4216370454401618)),
    ("pearson_macro", lambda: mx.metric.PearsonCorrelation(), [B([PL], [P]), B([RL], [RP])],
     (0.703253331944216, 2, 1.406506663888432, 0.703253331944216)),
    # MXNet's micro get_global() falls back to the (unused) global sums: 0.0
    ("pearson_micro", lambda: mx.metric.PearsonCorrelation(average="micro"),
     [B([PL], [P]), B([RL], [RP])], (0.9771858300973637, 2, 0.0, 0.0)),
    ("pcc", lambda: mx.metric.PCC(), [B([LB], [PB]), B([LB2], [PB2])],
     (-0.06666666666666667, 2.0, -0.13333333333333333, -0.06666666666666667)),
    ("pcc_multiclass", lambda: mx.metric.PCC(), [B([L4], [P4]), B([[0, 1, 2]], [[0, 2, 2]])],
     (0.33407655239053047, 2.0, 0.6681531047810609, 0.33407655239053047)),
    ("loss", lambda: mx.metric.Loss(), [(None, [nd([1, 2, 3]), nd([[0.5, 0.5]])]), (None, nd([4]))],
     (1.8333333333333333, 6, 11.0, 1.8333333333333333)),
    ("custom", lambda: mx.metric.CustomMetric(_myf), [B([RL], [RP]), B([[1, 2]], [[1, 1]])],
     (0.5, 2, 1.0, 0.5)),
    ("custom_tuple", lambda: mx.metric.CustomMetric(_myt), [B([L4], [P4])], (0.5, 4, 2.0, 0.5)),
    ("custom_extra_outputs", lambda: mx.metric.CustomMetric(_myf, allow_extra_outputs=True),
     [B([RL], [RP, RP])], (0.5, 1, 0.5, 0.5)),
    ("np", lambda: mx.metric.np(_myf), [B([RL], [RP])], (0.5, 1, 0.5, 0.5)),
]


@pytest.mark.parametrize("make, batches, expected", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_metric_values(make, batches, expected):
    m = make()
    for labels, preds in batches:
        m.update(labels, preds)
    value, num_inst, sum_metric, global_value = expected
    name, got = m.get()
    assert name == m.name
    assert got == value
    assert m.num_inst == num_inst
    assert m.sum_metric == sum_metric
    assert m.get_global() == (m.name, global_value)


def test_names():
    assert mx.metric.TopKAccuracy(top_k=2).name == "top_k_accuracy_2"
    assert mx.metric.CustomMetric(lambda x, y: (x + y).mean()).name == "custom(<lambda>)"
    assert mx.metric.CustomMetric(_myf, name="foo").name == "foo"
    assert mx.metric.np(lambda l, p: 1.0).name == "custom(<lambda>)"
    assert (mx.metric.Torch().name, mx.metric.Caffe().name) == ("torch", "caffe")
    m = mx.metric.CustomMetric(lambda x, y: (x + y).mean())
    m.update([nd(RL)], [nd(RP)])
    assert m.get() == ("custom(<lambda>)", 6.0)


def test_empty_is_nan():
    for m in [mx.metric.Accuracy(), mx.metric.Perplexity(None), mx.metric.PearsonCorrelation(),
              mx.metric.PCC(), mx.metric.F1(), mx.metric.MCC(), mx.metric.EvalMetric("base")]:
        assert math.isnan(m.get()[1]) and math.isnan(m.get_global()[1])


@pytest.mark.parametrize("make, labels, preds, exc, msg", [
    (mx.metric.Accuracy, [nd(L)] * 2, [nd(P)], ValueError,
     "Shape of labels 2 does not match shape of predictions 1"),
    (mx.metric.Accuracy, [nd([0, 1])], [nd(P)], ValueError,
     "Shape of labels 2 does not match shape of predictions 3"),
    (mx.metric.MAE, [nd(RL)] * 2, [nd(RP)], ValueError,
     "Shape of labels 2 does not match shape of predictions 1"),
    (lambda: mx.metric.CustomMetric(_myf), [nd(RL)], [nd(RP)] * 2, ValueError,
     "Shape of labels 1 does not match shape of predictions 2"),
    (lambda: mx.metric.PearsonCorrelation(), [nd(RL).reshape((4, 1))], [nd(RP)], ValueError,
     r"Shape of labels \(4, 1\) does not match shape of predictions \(4,\)"),
    (mx.metric.F1, [nd(L4)], [nd(P4)], ValueError,
     "_BinaryClassificationMetrics currently only supports binary classification."),
    (lambda: mx.metric.Perplexity(None), [nd([0, 1])], [nd(P)], AssertionError,
     r"shape mismatch: \(2,\) vs. \(3, 2\)"),
    (lambda: mx.metric.Perplexity(None), [nd(L)] * 2, [nd(P)], AssertionError, None),
    (mx.metric.CrossEntropy, [nd([0, 1])], [nd(P)], AssertionError, None),
    (lambda: mx.metric.TopKAccuracy(2), [nd([[0, 1], [1, 0]])], [mx.nd.ones((2, 2, 2))],
     AssertionError, "Predictions should be no more than 2 dims"),
])
def test_update_errors(make, labels, preds, exc, msg):
    m = make()
    with pytest.raises(exc, match=msg):
        m.update(labels, preds)


def test_constructor_and_base_errors():
    with pytest.raises(AssertionError, match="Please use Accuracy if top_k is no more than 1"):
        mx.metric.TopKAccuracy(top_k=1)
    with pytest.raises(NotImplementedError):
        mx.metric.EvalMetric("base").update([nd(L)], [nd(P)])
    with pytest.raises(NotImplementedError, match="CustomMetric cannot be serialized"):
        mx.metric.CustomMetric(_myf).get_config()


@pytest.mark.parametrize("name, kwargs, cls, mname", [
    ("acc", {}, "Accuracy", "accuracy"),
    ("accuracy", {}, "Accuracy", "accuracy"),
    ("Accuracy", {}, "Accuracy", "accuracy"),
    ("ce", {}, "CrossEntropy", "cross-entropy"),
    ("crossentropy", {}, "CrossEntropy", "cross-entropy"),
    ("top_k_accuracy", {"top_k": 3}, "TopKAccuracy", "top_k_accuracy_3"),
    ("top_k_acc", {"top_k": 3}, "TopKAccuracy", "top_k_accuracy_3"),
    ("f1", {}, "F1", "f1"),
    ("mcc", {}, "MCC", "mcc"),
    ("mae", {}, "MAE", "mae"),
    ("mse", {}, "MSE", "mse"),
    ("rmse", {}, "RMSE", "rmse"),
    ("perplexity", {"ignore_label": None}, "Perplexity", "perplexity"),
    ("nll_loss", {}, "NegativeLogLikelihood", "nll-loss"),
    ("negativeloglikelihood", {}, "NegativeLogLikelihood", "nll-loss"),
    ("pearsonr", {}, "PearsonCorrelation", "pearsonr"),
    ("pearsoncorrelation", {}, "PearsonCorrelation", "pearsonr"),
    ("pcc", {}, "PCC", "pcc"),
    ("loss", {}, "Loss", "loss"),
    ("torch", {}, "Torch", "torch"),
    ("caffe", {}, "Caffe", "caffe"),
    ("composite", {}, "CompositeEvalMetric", "composite"),
    ("compositeevalmetric", {}, "CompositeEvalMetric", "composite"),
    ("custommetric", {"feval": np.mean}, "CustomMetric", "mean"),
])
def test_create_by_name(name, kwargs, cls, mname):
    m = mx.metric.create(name, **kwargs)
    assert (type(m).__name__, m.name) == (cls, mname)


def test_create_other_forms():
    with pytest.raises(AssertionError,
                       match="foo is not registered. Please register with metric.register first"):
        mx.metric.create("foo")
    with pytest.raises(AssertionError, match="metric must be of string type"):
        mx.metric.create(3)
    comp = mx.metric.create(["acc", "mse", mx.metric.F1()])
    assert isinstance(comp, mx.metric.CompositeEvalMetric)
    assert comp.get()[0] == ["accuracy", "mse", "f1"]
    assert mx.metric.create(["acc", "ce"], name="x").get()[0] == ["x", "x"]
    mae = mx.metric.MAE()
    assert mx.metric.create(mae) is mae
    with pytest.raises(AssertionError,
                       match="metric is already an instance. Additional arguments are invalid"):
        mx.metric.create(mae, name="x")
    assert mx.metric.create(np.mean).name == "mean"
    assert mx.metric.create({"metric": "acc", "axis": 0}).axis == 0
    assert mx.metric.create('["acc", {"axis": 0}]').axis == 0
    assert mx.metric.create('{"metric": "mse", "name": "m"}').name == "m"
    assert mx.metric.create("top_k_accuracy", 2).name == "top_k_accuracy_2"
    assert mx.metric.create("perplexity", -1, name="pp").get_config() == {
        "ignore_label": -1, "metric": "Perplexity", "name": "pp", "output_names": None,
        "label_names": None}


def test_get_config():
    base = {"output_names": None, "label_names": None}
    assert mx.metric.Accuracy(axis=0).get_config() == dict(base, axis=0, metric="Accuracy",
                                                           name="accuracy")
    assert mx.metric.CrossEntropy().get_config() == dict(base, eps=1e-12, metric="CrossEntropy",
                                                         name="cross-entropy")
    assert mx.metric.TopKAccuracy(3).get_config() == dict(base, top_k=3, metric="TopKAccuracy",
                                                          name="top_k_accuracy_3")
    assert mx.metric.F1(average="micro").get_config() == dict(base, metric="F1", name="f1")
    assert mx.metric.Loss(output_names=["a"]).get_config() == {
        "metric": "Loss", "name": "loss", "output_names": ["a"], "label_names": None}
    assert mx.metric.EvalMetric("b", foo=1).get_config() == dict(base, foo=1, metric="EvalMetric",
                                                                 name="b")
    comp = mx.metric.CompositeEvalMetric(["acc", "mse"]).get_config()
    assert comp == dict(base, metric="CompositeEvalMetric", name="composite", metrics=[
        dict(base, axis=1, metric="Accuracy", name="accuracy"),
        dict(base, metric="MSE", name="mse")])
    again = mx.metric.create(**mx.metric.Accuracy(axis=0, name="a2").get_config())
    assert (again.name, again.axis) == ("a2", 0)
    rebuilt = mx.metric.create(**comp)
    assert isinstance(rebuilt, mx.metric.CompositeEvalMetric)


def test_local_and_global_and_str():
    m = mx.metric.Accuracy()
    m.update([nd(L)], [nd(P)])
    assert str(m) == "EvalMetric: {'accuracy': 0.6666666666666666}"
    assert m.get_name_value() == [("accuracy", 0.6666666666666666)]
    assert m.get_global_name_value() == [("accuracy", 0.6666666666666666)]
    m.reset_local()
    m.update([nd([0])], [nd([[0.9, 0.1]])])
    assert m.get() == ("accuracy", 1.0)
    assert m.get_global() == ("accuracy", 0.75)
    assert (m.num_inst, m.global_num_inst, m.global_sum_metric) == (1, 4, 3.0)
    m.reset()
    assert math.isnan(m.get()[1]) and math.isnan(m.get_global()[1])
    e = mx.metric.EvalMetric("base")
    assert (e.num_inst, e.sum_metric, e.global_num_inst, e._has_global_stats) == (0, 0.0, 0, False)


def test_composite():
    c = mx.metric.CompositeEvalMetric()
    c.add("acc")
    c.add(mx.metric.CrossEntropy())
    c.add(lambda l, p: 1.0)
    c.update([nd(L)], [nd(P)])
    names = ["accuracy", "cross-entropy", "custom(<lambda>)"]
    values = [0.6666666666666666, 0.5715994834899902, 1.0]
    assert c.get() == (names, values)
    assert c.get_global() == (names, values)
    assert c.get_name_value() == list(zip(names, values))
    assert c.get_global_name_value() == list(zip(names, values))
    assert str(c) == ("EvalMetric: {'accuracy': 0.6666666666666666, 'cross-entropy': "
                      "0.5715994834899902, 'custom(<lambda>)': 1.0}")
    assert c.get_metric(0).name == "accuracy"
    err = c.get_metric(7)   # MXNet returns (does not raise) the error
    assert isinstance(err, ValueError) and str(err) == "Metric index 7 is out of range 0 and 3"
    c.reset_local()
    assert all(math.isnan(v) for v in c.get()[1])
    assert c.get_global() == (names, values)
    c.reset()
    assert all(math.isnan(v) for v in c.get_global()[1])


def test_update_dict():
    m = mx.metric.Accuracy(output_names=["softmax_output"], label_names=["softmax_label"])
    m.update_dict(OrderedDict([("softmax_label", nd(L)), ("x", nd([0, 0, 0]))]),
                  OrderedDict([("o", nd([[1, 0]] * 3)), ("softmax_output", nd(P))]))
    assert m.get() == ("accuracy", 0.6666666666666666)
    m = mx.metric.Accuracy()
    m.update_dict({"l": nd(L)}, {"p": nd(P)})
    assert m.get() == ("accuracy", 0.6666666666666666)
    with pytest.raises(KeyError):
        mx.metric.Accuracy(output_names=["zz"]).update_dict({"l": nd(L)}, {"p": nd(P)})
    c = mx.metric.CompositeEvalMetric(["acc", "ce"], output_names=["p"], label_names=["l"])
    c.update_dict(OrderedDict([("l", nd(L)), ("m", nd([1, 1, 1]))]),
                  OrderedDict([("p", nd(P)), ("q", nd(P))]))
    assert c.get() == (["accuracy", "cross-entropy"], [0.6666666666666666, 0.5715994834899902])


def test_check_label_shapes():
    with pytest.raises(ValueError, match="Shape of labels 2 does not match shape of predictions 3"):
        mx.metric.check_label_shapes([1, 2], [1, 2, 3])
    labels, preds = mx.metric.check_label_shapes(nd(L), nd(P), wrap=True)
    assert isinstance(labels, list) and isinstance(preds, list) and len(labels) == 1
    with pytest.raises(ValueError, match=r"Shape of labels \(2,\) does not match shape of "
                                         r"predictions \(1, 2\)"):
        mx.metric.check_label_shapes(nd([1, 2]), nd([[1, 3]]), shape=True)


def test_numpy_inputs_accepted():
    m = mx.metric.Accuracy()
    m.update([np.array(L)], [np.array(P)])
    assert m.get() == ("accuracy", 0.6666666666666666)
    m = mx.metric.Perplexity(ignore_label=None)
    m.update([np.array(L)], [np.array(P, dtype=np.float32)])
    assert m.get() == ("perplexity", 1.7710976285155853)


def test_register_and_alias():
    @mx.metric.register
    @mx.metric.alias("neomx_test_metric")
    class NeomxTestMetric(mx.metric.EvalMetric):
        def __init__(self, name="mine"):
            super().__init__(name)

    assert mx.metric.create("neomx_test_metric").name == "mine"
    assert mx.metric.create("NeomxTestMetric").name == "mine"
    with pytest.raises(AssertionError, match="Can only register subclass of EvalMetric"):
        mx.metric.register(int)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        mx.metric.register(NeomxTestMetric, "neomx_test_metric")
    assert "isoverriding existing metric" in str(w[0].message)


def test_metric_on_other_context():
    # predictions on cpu(1), labels on cpu(0)
    m = mx.metric.Perplexity(ignore_label=None)
    m.update([nd(L)], [nd(P, ctx=mx.cpu(1))])
    assert m.get() == ("perplexity", 1.7710976285155853)
    a = mx.metric.Accuracy()
    a.update([nd(L)], [nd(P, ctx=mx.cpu(1))])
    assert a.get() == ("accuracy", 0.6666666666666666)
