"""BaseModule: the training/evaluation loops shared by every module (fit, score, predict)."""
import logging
import time

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError, _MXNetAssertionError as _StateError
from ..initializer import Uniform

__all__ = ["BaseModule"]


def _as_list(obj):
    return obj if isinstance(obj, list) else [obj]


class BaseModule:
    """The module interface: bind, init_params, init_optimizer, forward/backward/update, and the
    high-level fit/score/predict loops built on them."""

    def __init__(self, logger=logging):
        self.logger = logger
        self.binded = False
        self.for_training = False
        self.inputs_need_grad = False
        self.params_initialized = False
        self.optimizer_initialized = False
        self._symbol = None
        self._total_exec_bytes = 0

    # -- high level -----------------------------------------------------------------------------
    def forward_backward(self, data_batch):
        """forward(is_train=True) then backward()."""
        self.forward(data_batch, is_train=True)
        self.backward()

    def score(self, eval_data, eval_metric, num_batch=None, batch_end_callback=None,
              score_end_callback=None, reset=True, epoch=0, sparse_row_id_fn=None):
        """Run over ``eval_data`` and return ``eval_metric.get_name_value()``."""
        from .. import metric
        from ..callback import BatchEndParam
        if not (self.binded and self.params_initialized):
            raise _StateError("score: the module must be bound and its parameters initialized")
        if reset:
            eval_data.reset()
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)
        eval_metric.reset()
        actual = 0
        for nbatch, batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(batch, is_train=False)
            self.update_metric(eval_metric, batch.label)
            if batch_end_callback is not None:
                params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=locals())
                for cb in _as_list(batch_end_callback):
                    cb(params)
            actual = nbatch + 1
        if score_end_callback:
            params = BatchEndParam(epoch=epoch, nbatch=actual, eval_metric=eval_metric, locals=locals())
            for cb in _as_list(score_end_callback):
                cb(params)
        return eval_metric.get_name_value()

    def iter_predict(self, eval_data, num_batch=None, reset=True, sparse_row_id_fn=None):
        """Yield (outputs, batch index, batch) with the padding removed."""
        if not (self.binded and self.params_initialized):
            raise _StateError("iter_predict: the module must be bound and its parameters initialized")
        if reset:
            eval_data.reset()
        for nbatch, batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(batch, is_train=False)
            pad = batch.pad or 0
            outputs = [out[0:out.shape[0] - pad] for out in self.get_outputs()]
            yield outputs, nbatch, batch

    def predict(self, eval_data, num_batch=None, merge_batches=True, reset=True, always_output_list=False,
                sparse_row_id_fn=None):
        """Outputs over ``eval_data`` (concatenated over batches when ``merge_batches``)."""
        if isinstance(eval_data, (nd.NDArray, np.ndarray)):
            if isinstance(eval_data, np.ndarray):
                eval_data = nd.array(eval_data)
            self.forward(_SimpleBatch([eval_data]))
            return self.get_outputs()[0]
        if not hasattr(eval_data, "reset"):
            raise ValueError("eval_data must be of type NDArray or DataIter")
        outputs = [[o.copy() for o in outs] for outs, _, _ in
                   self.iter_predict(eval_data, num_batch=num_batch, reset=reset, sparse_row_id_fn=sparse_row_id_fn)]
        if not outputs:
            return outputs
        if merge_batches:
            num_outputs = len(outputs[0])
            for out in outputs:
                if len(out) != num_outputs:
                    raise MXNetError("Cannot merge batches, as num of outputs is not the same in mini-batches. "
                                     "Maybe bucketing is used?")
            merged = [nd.concat(*[out[i] for out in outputs], dim=0) for i in range(num_outputs)]
            if num_outputs == 1 and not always_output_list:
                return merged[0]
            return merged
        return outputs

    def fit(self, train_data, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", optimizer="sgd",
            optimizer_params=(("learning_rate", 0.01),), eval_end_callback=None,
            eval_batch_end_callback=None, initializer=None, arg_params=None, aux_params=None,
            allow_missing=False, force_rebind=False, force_init=False, begin_epoch=0, num_epoch=None,
            validation_metric=None, monitor=None, sparse_row_id_fn=None):
        """Train: bind, init params and optimizer, then for each epoch run every batch through
        forward/backward/update, log the training metric and score ``eval_data``."""
        from .. import metric
        from .. import initializer as init
        from ..callback import BatchEndParam
        if num_epoch is None:
            raise ValueError("please specify number of epochs")
        if initializer is None:
            initializer = init.Uniform(0.01)
        self.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label,
                  for_training=True, force_rebind=force_rebind)
        if monitor is not None:
            self.install_monitor(monitor)
        self.init_params(initializer=initializer, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init)
        self.init_optimizer(kvstore=kvstore, optimizer=optimizer, optimizer_params=optimizer_params)
        if validation_metric is None:
            validation_metric = eval_metric
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)

        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            data_iter = iter(train_data)
            end_of_batch = False
            next_data_batch = next(data_iter)
            while not end_of_batch:
                data_batch = next_data_batch
                if monitor is not None:
                    monitor.tic()
                self.forward_backward(data_batch)
                self.update()
                if isinstance(data_batch, list):
                    self.update_metric(eval_metric, [db.label for db in data_batch], pre_sliced=True)
                else:
                    self.update_metric(eval_metric, data_batch.label)
                try:
                    next_data_batch = next(data_iter)
                    self.prepare(next_data_batch, sparse_row_id_fn=sparse_row_id_fn)
                except StopIteration:
                    end_of_batch = True
                if monitor is not None:
                    monitor.toc_print()
                if batch_end_callback is not None:
                    params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric, locals=locals())
                    for cb in _as_list(batch_end_callback):
                        cb(params)
                nbatch += 1
            for name, val in eval_metric.get_global_name_value():
                self.logger.info("Epoch[%d] Train-%s=%f", epoch, name, val)
            self.logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)

            arg_params, aux_params = self.get_params()
            self.set_params(arg_params, aux_params)
            if epoch_end_callback is not None:
                for cb in _as_list(epoch_end_callback):
                    cb(epoch, self.symbol, arg_params, aux_params)
            if eval_data:
                res = self.score(eval_data, validation_metric, score_end_callback=eval_end_callback,
                                 batch_end_callback=eval_batch_end_callback, epoch=epoch)
                for name, val in res:       # (logged whatever eval_end_callback does, as MXNet)
                    self.logger.info("Epoch[%d] Validation-%s=%f", epoch, name, val)
            train_data.reset()

    # -- symbol/params --------------------------------------------------------------------------
    @property
    def symbol(self):
        """The module's symbol."""
        return self._symbol

    @property
    def data_names(self):
        """A list of names for data required by this module."""
        raise NotImplementedError()

    @property
    def output_names(self):
        """A list of names for the outputs of this module."""
        raise NotImplementedError()

    @property
    def data_shapes(self):
        """A list of (name, shape) pairs specifying the data inputs to this module."""
        raise NotImplementedError()

    @property
    def label_shapes(self):
        """A list of (name, shape) pairs specifying the label inputs to this module (None if
        the module takes no labels)."""
        raise NotImplementedError()

    @property
    def output_shapes(self):
        """A list of (name, shape) pairs specifying the outputs of this module."""
        raise NotImplementedError()

    def get_params(self):
        """``(arg_params, aux_params)``: dicts of name to NDArray, the parameters' values."""
        raise NotImplementedError()

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None, allow_missing=False,
                    force_init=False, allow_extra=False):
        """Initialize the parameters and auxiliary states (``initializer``, or the values of
        ``arg_params``/``aux_params``)."""
        raise NotImplementedError()

    def get_states(self, merge_multi_context=True):
        """The states of the module (a list per state of one NDArray per device); a module
        without states returns ``[]`` (only ``merge_multi_context=False`` is supported)."""
        assert self.binded and self.params_initialized
        assert not merge_multi_context
        return []

    def set_states(self, states=None, value=None):
        """Set the states from ``states`` or to the scalar ``value``; a module without states
        accepts neither."""
        assert self.binded and self.params_initialized
        assert not states and not value

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Bind the symbols to construct executors: required before computing with the module."""
        raise NotImplementedError()

    def init_optimizer(self, kvstore="local", optimizer="sgd", optimizer_params=(("learning_rate", 0.01),),
                       force_init=False):
        """Install and initialize the optimizer (and the KVStore for multi-device training)."""
        raise NotImplementedError()

    # -- computation -----------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Forward computation of one ``data_batch`` (``is_train`` None: as bound)."""
        raise NotImplementedError()

    def backward(self, out_grads=None):
        """Backward computation (``out_grads``: gradients of the outputs, for non-loss outputs)."""
        raise NotImplementedError()

    def get_outputs(self, merge_multi_context=True):
        """Outputs of the previous forward computation (merged over devices by default)."""
        raise NotImplementedError()

    def get_input_grads(self, merge_multi_context=True):
        """Gradients of the inputs, computed by the previous backward (bind with
        ``inputs_need_grad=True``)."""
        raise NotImplementedError()

    def update(self):
        """Update the parameters with the installed optimizer and the gradients of the last
        forward-backward."""
        raise NotImplementedError()

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Evaluate and accumulate ``eval_metric`` on the outputs of the last forward."""
        raise NotImplementedError()

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Hook run before each batch (nothing to do for dense data)."""

    def save_params(self, fname):
        """Save the parameters as ``arg:``/``aux:`` entries in MXNet's .params format."""
        arg_params, aux_params = self.get_params()
        save_dict = {("arg:%s" % k): v.as_in_context(_cpu()) for k, v in arg_params.items()}
        save_dict.update({("aux:%s" % k): v.as_in_context(_cpu()) for k, v in aux_params.items()})
        nd.save(fname, save_dict)

    def load_params(self, fname):
        """Load parameters written by ``save_params`` (or ``mx.model.save_checkpoint``)."""
        from ..model import split_params
        self.set_params(*split_params(nd.load(fname), fname))

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True, allow_extra=False):
        """Assign parameter values (as ``init_params`` with these values)."""
        self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init, allow_extra=allow_extra)

    def install_monitor(self, mon):
        """Install a monitor on all executors."""
        raise NotImplementedError()


class _SimpleBatch:
    def __init__(self, data, label=None):
        self.data = data
        self.label = label or []
        self.pad = 0
        self.index = None
        self.provide_data = None
        self.provide_label = None


def _cpu():
    from ..context import cpu
    return cpu()
