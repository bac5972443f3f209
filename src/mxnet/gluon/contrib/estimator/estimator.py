"""Gluon Estimator: fit and evaluate a Gluon network with event handlers."""
import copy
import logging
import sys
import warnings

from ...data import DataLoader
from ...loss import Loss as gluon_loss
from ...trainer import Trainer
from ....context import Context, cpu, gpu, num_gpus
from ....metric import Loss as metric_loss
from .batch_processor import BatchProcessor
from .event_handler import (MetricHandler, ValidationHandler, LoggingHandler, StoppingHandler,
                            GradientUpdateHandler, TrainBegin, EpochBegin, BatchBegin, BatchEnd,
                            EpochEnd, TrainEnd, _check_event_handlers)
from .utils import _check_metrics, _suggest_metric_for_loss, _check_handler_metric_ref

__all__ = ["Estimator"]


class Estimator(object):
    """Train and evaluate a Gluon network.

    Parameters
    ----------
    net : gluon.Block
        The model.
    loss : gluon.loss.Loss
        Loss (objective) function.
    train_metrics : EvalMetric or list of EvalMetric
        Training metrics; by default Accuracy (for SoftmaxCrossEntropyLoss) and the loss. Their
        names get a ``'training '`` prefix.
    val_metrics : EvalMetric or list of EvalMetric
        Validation metrics; by default copies of the training metrics, named ``'validation ...'``.
    initializer : Initializer
        Used to initialize the network if it is not initialized yet.
    trainer : Trainer
        By default SGD with learning rate 0.001.
    context : Context or list of Context
        Devices for training; by default gpu(0) if there is a GPU, else cpu().
    val_net : gluon.Block
        Network used for validation (defaults to ``net``).
    val_loss : gluon.loss.Loss
        Loss used for validation (defaults to ``loss``).
    batch_processor : BatchProcessor
        Processes each batch (``fit_batch`` / ``evaluate_batch``).
    """

    logger = None

    def __init__(self, net, loss, train_metrics=None, val_metrics=None, initializer=None,
                 trainer=None, context=None, val_net=None, val_loss=None, batch_processor=None):
        self.net = net
        self.loss = self._check_loss(loss)
        self._train_metrics = _check_metrics(train_metrics)
        self._val_metrics = _check_metrics(val_metrics)
        self._add_default_training_metrics()
        self._add_validation_metrics()
        self.val_loss = self._check_loss(val_loss) if val_loss is not None else self.loss
        self.val_net = val_net if val_net is not None else self.net
        self.logger = logging.Logger(name="Estimator", level=logging.INFO)
        self.logger.addHandler(logging.StreamHandler(sys.stdout))
        self.context = self._check_context(context)
        self._initialize(initializer)
        self.trainer = self._check_trainer(trainer)
        self.batch_processor = self._check_batch_processor(batch_processor)
        self.max_epoch = None
        self.max_batch = None
        self.batch_axis = 0

    # -- checks ---------------------------------------------------------------------------------
    @staticmethod
    def _check_loss(loss):
        if not isinstance(loss, gluon_loss):
            raise ValueError("loss must be a Loss, refer to gluon.loss.Loss:{}".format(loss))
        return loss

    @staticmethod
    def _check_context(context):
        n = num_gpus()
        gpus = [gpu(i) for i in range(n)]
        if not context:
            if n > 1:
                warnings.warn("You have multiple GPUs, gpu(0) will be used by default."
                              "To utilize all your GPUs, specify context as a list of gpus, "
                              "e.g. context=[mx.gpu(0), mx.gpu(1)] ")
            return [gpu(0)] if n > 0 else [cpu()]
        if isinstance(context, Context):
            context = [context]
        elif not (isinstance(context, list) and all(isinstance(c, Context) for c in context)):
            raise ValueError("context must be a Context or a list of Context, for example mx.cpu() "
                             "or [mx.gpu(0), mx.gpu(1)], refer to mxnet.Context:{}".format(context))
        for c in context:
            assert c in gpus or str(c).startswith("cpu"), \
                "%s is not available, please make sure your context is in one of: mx.cpu(), %s" % (
                    c, ", ".join(str(g) for g in gpus))
        return context

    @staticmethod
    def _check_batch_processor(batch_processor):
        if batch_processor is None:
            return BatchProcessor()
        if not (callable(getattr(batch_processor, "fit_batch", None))
                and callable(getattr(batch_processor, "evaluate_batch", None))):
            raise ValueError("Customized Batch Processor must contain fit_batch() and "
                             "evaluate_batch() methods")
        return batch_processor

    def _initialize(self, initializer):
        if not self._is_initialized():
            if initializer:
                self.net.initialize(init=initializer, ctx=self.context)
            else:
                self.net.initialize(ctx=self.context)
        elif initializer:
            warnings.warn("Network already fully initialized, skipping initialization. You don't "
                          "need to pass initializer if you already initialized your net. You can "
                          "use net.initialize(init=your_initializer, force_reinit=True)to force "
                          "re-initialize.")

    def _check_trainer(self, trainer):
        if not trainer:
            warnings.warn("No trainer specified, default SGD optimizer with learning rate 0.001 "
                          "is used.")
            return Trainer(self.net.collect_params(), "sgd", {"learning_rate": 0.001})
        if not isinstance(trainer, Trainer):
            raise ValueError("Trainer must be a Gluon Trainer instance, refer to "
                             "gluon.Trainer:{}".format(trainer))
        return trainer

    def _is_initialized(self):
        params = self.net.collect_params()
        for name in params:
            try:
                params[name].list_ctx()
            except RuntimeError:
                return False
        return True

    def _get_data_and_label(self, batch, ctx, batch_axis=0):
        return BatchProcessor()._get_data_and_label(batch, ctx, batch_axis)

    # -- metrics --------------------------------------------------------------------------------
    def _add_default_training_metrics(self):
        if not self._train_metrics:
            suggested = _suggest_metric_for_loss(self.loss)
            if suggested:
                self._train_metrics = [suggested]
            self._train_metrics.append(metric_loss(self.loss.name.rstrip("1234567890")))
        for m in self._train_metrics:
            m.name = "training " + m.name

    def _add_validation_metrics(self):
        if not self._val_metrics:
            self._val_metrics = [copy.deepcopy(m) for m in self._train_metrics]
        for m in self._val_metrics:
            if "training" in m.name:
                m.name = m.name.replace("training", "validation")
            else:
                m.name = "validation " + m.name

    @property
    def train_metrics(self):
        """List of training metrics."""
        return self._train_metrics

    @property
    def val_metrics(self):
        """List of validation metrics."""
        return self._val_metrics

    # -- loops ----------------------------------------------------------------------------------
    def evaluate(self, val_data, batch_axis=0, event_handlers=None):
        """Evaluate the model on ``val_data`` (a DataLoader), updating ``val_metrics``.

        A MetricHandler and a LoggingHandler on the validation metrics are added unless given.
        """
        if not isinstance(val_data, DataLoader):
            raise ValueError("Estimator only support input as Gluon DataLoader. Alternatively, you "
                             "can transform your DataIter or any NDArray into Gluon DataLoader. "
                             "Refer to gluon.data.DataLoader")
        for m in self.val_metrics:
            m.reset()
        handlers = self._prepare_default_validation_handlers(event_handlers)
        _, epoch_begin, batch_begin, batch_end, epoch_end, _ = self._categorize_handlers(handlers)
        for h in epoch_begin:
            h.epoch_begin(self)
        for batch in val_data:
            for h in batch_begin:
                h.batch_begin(self, batch=batch)
            _, label, pred, loss = self.batch_processor.evaluate_batch(self, batch, batch_axis)
            for h in batch_end:
                h.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
        for h in epoch_end:
            h.epoch_end(self)

    def fit(self, train_data, val_data=None, epochs=None, event_handlers=None, batches=None,
            batch_axis=0):
        """Train for exactly one of ``epochs`` epochs or ``batches`` batches.

        StoppingHandler, GradientUpdateHandler, MetricHandler, ValidationHandler (when
        ``val_data`` is given) and LoggingHandler are added unless handlers of those types are
        given; all handlers run sorted by ``priority``.
        """
        if not isinstance(train_data, DataLoader):
            raise ValueError("Estimator only support input as Gluon DataLoader. Alternatively, you "
                             "can transform your DataIter or any NDArray into Gluon DataLoader. "
                             "Refer to gluon.data.dataloader")
        if (not epochs) == (not batches):
            raise ValueError("Fit only support exactly one type of iteration, train by number of "
                             "epochs or number of batches.Please specify one and only one of: "
                             "epochs or batches.")
        self.max_epoch = epochs
        self.max_batch = batches
        self.batch_axis = batch_axis
        handlers = self._prepare_default_handlers(val_data, event_handlers)
        train_begin, epoch_begin, batch_begin, batch_end, epoch_end, train_end = \
            self._categorize_handlers(handlers)
        for h in train_begin:
            h.train_begin(self)
        stop = False
        while not stop:
            for h in epoch_begin:
                h.epoch_begin(self)
            for batch in train_data:
                for h in batch_begin:
                    h.batch_begin(self, batch=batch)
                _, label, pred, loss = self.batch_processor.fit_batch(self, batch, batch_axis)
                # every handler runs, then any True ends the epoch
                results = [h.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
                           for h in batch_end]
                if any(results):
                    break
            stop = any([h.epoch_end(self) for h in epoch_end])
        for h in train_end:
            h.train_end(self)

    def _finish_handlers(self, handlers, added, known_metrics):
        mixing = bool(handlers) and bool(added)
        handlers.extend(added)
        if mixing:
            for h in handlers:
                _check_handler_metric_ref(h, known_metrics)
        handlers.sort(key=lambda h: getattr(h, "priority", 0))
        return handlers

    def _prepare_default_handlers(self, val_data, event_handlers):
        handlers = list(_check_event_handlers(event_handlers))  # the caller's list is not changed

        def has(cls):
            return any(isinstance(h, cls) for h in handlers)

        added = [StoppingHandler(self.max_epoch, self.max_batch)]
        if not has(GradientUpdateHandler):
            added.append(GradientUpdateHandler())
        if not has(MetricHandler):
            added.append(MetricHandler(metrics=self.train_metrics))
        if not has(ValidationHandler) and val_data:
            added.append(ValidationHandler(val_data=val_data, eval_fn=self.evaluate))
        if not has(LoggingHandler):
            added.append(LoggingHandler(metrics=self.train_metrics))
        return self._finish_handlers(handlers, added,
                                     set(self.train_metrics + self.val_metrics))

    def _prepare_default_validation_handlers(self, event_handlers):
        handlers = list(_check_event_handlers(event_handlers))  # the caller's list is not changed
        added = []
        if not any(isinstance(h, MetricHandler) for h in handlers):
            added.append(MetricHandler(metrics=self.val_metrics))
        if not any(isinstance(h, LoggingHandler) for h in handlers):
            added.append(LoggingHandler(metrics=self.val_metrics))
        return self._finish_handlers(handlers, added, set(self.val_metrics))

    @staticmethod
    def _categorize_handlers(handlers):
        """Split handlers into the six event lists (train_begin, epoch_begin, batch_begin,
        batch_end, epoch_end, train_end)."""
        kinds = (TrainBegin, EpochBegin, BatchBegin, BatchEnd, EpochEnd, TrainEnd)
        return tuple([h for h in handlers if isinstance(h, k)] for k in kinds)
