"""Helpers shared by the Estimator and its event handlers."""
from ....metric import EvalMetric, CompositeEvalMetric, Accuracy
from ...loss import SoftmaxCrossEntropyLoss


def _check_metrics(metrics):
    """Flatten ``metrics`` (a metric, a CompositeEvalMetric, a list or None) into a list."""
    if isinstance(metrics, CompositeEvalMetric):
        out = []
        for m in metrics.metrics:
            out.extend(_check_metrics(m))
        return out
    if isinstance(metrics, EvalMetric):
        return [metrics]
    metrics = metrics or []
    for m in metrics:
        if not isinstance(m, EvalMetric):
            raise ValueError("metrics must be a Metric or a list of Metric, "
                             "refer to mxnet.metric.EvalMetric: {}".format(metrics))
    return metrics


def _check_handler_metric_ref(handler, known_metrics):
    """Raise if a handler's ``*metric*`` attribute holds a metric the estimator does not own."""
    for attr in dir(handler):
        if "metric" not in attr:
            continue
        ref = getattr(handler, attr)
        if not ref:
            continue
        for m in (ref if isinstance(ref, list) else [ref]):
            _check_metric_known(handler, m, known_metrics)


def _check_metric_known(handler, metric, known_metrics):
    if metric not in known_metrics:
        raise ValueError(
            "Event handler {} refers to a metric instance {} outside of the known training and "
            "validation metrics. Please use the metrics from estimator.train_metrics and "
            "estimator.val_metrics instead.".format(type(handler).__name__, metric))


def _suggest_metric_for_loss(loss):
    """Accuracy for SoftmaxCrossEntropyLoss, else None."""
    return Accuracy() if isinstance(loss, SoftmaxCrossEntropyLoss) else None
