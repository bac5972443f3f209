"""``mx.model``: checkpoints, KVStore helpers shared by Module, and the classic FeedForward API."""
import logging
import time

import numpy as np

from . import ndarray as nd
from . import symbol as sym
from .base import MXNetError, mx_real_t  # noqa: F401
from .callback import BatchEndParam, LogValidationMetricsCallback  # noqa: F401  (MXNet's names here)
from .context import Context, cpu
from .executor_manager import DataParallelExecutorManager, _check_arguments, _load_data  # noqa: F401
from .initializer import Uniform  # noqa: F401
from .io import DataDesc  # noqa: F401
from .optimizer import get_updater  # noqa: F401

try:        # FeedForward is a scikit-learn estimator when scikit-learn is installed
    from sklearn.base import BaseEstimator as BASE_ESTIMATOR
    SKLEARN_INSTALLED = True
except ImportError:
    BASE_ESTIMATOR = object
    SKLEARN_INSTALLED = False

__all__ = ["BatchEndParam", "save_checkpoint", "load_checkpoint", "load_params", "FeedForward"]


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params, remove_amp_cast=True):
    """Write ``prefix-symbol.json`` and ``prefix-%04d.params`` (keys ``arg:``/``aux:``), atomically."""
    if symbol is not None:
        symbol.save("%s-symbol.json" % prefix, remove_amp_cast=remove_amp_cast)
    save_dict = {("arg:%s" % k): v.as_in_context(cpu()) for k, v in arg_params.items()}
    save_dict.update({("aux:%s" % k): v.as_in_context(cpu()) for k, v in aux_params.items()})
    param_name = "%s-%04d.params" % (prefix, epoch)
    nd.save(param_name, save_dict)
    logging.info('Saved checkpoint to "%s"', param_name)


def split_params(save_dict, fname):
    """(arg_params, aux_params) from a loaded ``{'arg:name'|'aux:name': NDArray}`` dict."""
    if not isinstance(save_dict, dict):
        raise MXNetError("%s holds no parameter names" % fname)
    arg_params, aux_params = {}, {}
    for k, v in save_dict.items():
        tp, _, name = k.partition(":")
        if tp == "arg":
            arg_params[name] = v
        elif tp == "aux":
            aux_params[name] = v
        else:
            raise MXNetError("invalid parameter name {!r} in {}: expected arg: or aux:".format(k, fname))
    return arg_params, aux_params


def load_params(prefix, epoch):
    """(arg_params, aux_params) from ``prefix-%04d.params``."""
    fname = "%s-%04d.params" % (prefix, epoch)
    return split_params(nd.load(fname), fname)


def load_checkpoint(prefix, epoch):
    """(symbol, arg_params, aux_params) saved by ``save_checkpoint``."""
    symbol = sym.load("%s-symbol.json" % prefix)
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params


# -- KVStore helpers used by Module ---------------------------------------------------------------

def _create_kvstore(kvstore, num_device, arg_params):
    """(kvstore or None, update_on_kvstore) as MXNet decides them."""
    import os
    from . import kvstore as kvs
    update_on_kvstore = bool(int(os.environ.get("MXNET_UPDATE_ON_KVSTORE", "1")))
    if kvstore is None:
        kv = None
    elif isinstance(kvstore, kvs.KVStore):
        kv = kvstore
    elif isinstance(kvstore, str):
        if num_device == 1 and "dist" not in kvstore:
            kv = None
        else:
            kv = kvs.create(kvstore)
    else:
        raise TypeError("kvstore must be KVStore, str or None")
    if kv is None:
        update_on_kvstore = False
    return kv, update_on_kvstore


def _create_sparse_kvstore(kvstore):
    """(kvstore, True) for parameters stored row_sparse: they are always updated on the store."""
    from . import kvstore as kvs
    if isinstance(kvstore, kvs.KVStore):
        kv = kvstore
    elif isinstance(kvstore, str):
        kv = kvs.create(kvstore)
    else:
        raise TypeError("Cannot create '%s' KVStore with row_sparse parameters. The type must be KVStore "
                        "or str." % kvstore)
    assert kv.is_capable(kvs.KVStoreBase.OPTIMIZER), \
        "KVStore with sparse weight requires optimizer support. However, type(kv) does not support " \
        "optimizer. Please consider other kvstore backends (e.g. dist_device) instead."
    return kv, True


def _initialize_kvstore(kvstore, param_arrays, arg_params, param_names, update_on_kvstore):
    for idx, param_on_devs in enumerate(param_arrays):
        name = param_names[idx]
        kvstore.init(name, arg_params[name])
        if update_on_kvstore:
            kvstore.pull(name, param_on_devs, priority=-idx)


def _update_params_on_kvstore(param_arrays, grad_arrays, kvstore, param_names):
    """Push every gradient, then pull every updated weight: one call each for all parameters,
    so a distributed store reduces them in a few fused collectives (MXNet calls per key)."""
    live = [i for i, g in enumerate(grad_arrays) if g[0] is not None]
    if not live:
        return
    names = [param_names[i] for i in live]
    kvstore.push(names, [grad_arrays[i] for i in live])
    kvstore.pull(names, [param_arrays[i] for i in live])


def _update_params(param_arrays, grad_arrays, updater, num_device, kvstore=None, param_names=None):
    """Sum gradients through ``kvstore`` (if any), then update every weight: one ``updater`` call
    per device with all of its (index, grad, weight) triples, so optimizers that aggregate
    (SGD) update several weights per operator call, as in MXNet."""
    updates = [[] for _ in range(num_device)]
    live = [i for i, g in enumerate(grad_arrays) if g[0] is not None]
    if kvstore and live:    # sum the gradients: one push and one pull for all parameters
        names = [param_names[i] for i in live]
        kvstore.push(names, [grad_arrays[i] for i in live])
        kvstore.pull(names, [grad_arrays[i] for i in live])
    for index in live:
        arg_list, grad_list = param_arrays[index], grad_arrays[index]
        for k, (w, g) in enumerate(zip(arg_list, grad_list)):
            updates[k].append((index * num_device + k, g, w))
    for dev_updates in updates:
        if dev_updates:
            idx, grads, weights = zip(*dev_updates)
            updater(list(idx), list(grads), list(weights))


# -- FeedForward ------------------------------------------------------------------------------------

def _multiple_callbacks(callbacks, *args):
    """Call a callback, or each of a list of them (None: nothing)."""
    if callbacks is None:
        return
    for cb in callbacks if isinstance(callbacks, list) else [callbacks]:
        cb(*args)


class FeedForward(BASE_ESTIMATOR):
    """The classic model API: ``FeedForward(symbol, ctx, num_epoch, learning_rate=...).fit(X, y)``.

    Runs on ``mx.mod.Module``; accepts NumPy arrays, NDArrays or DataIters."""

    def __init__(self, symbol, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
                 initializer=None, numpy_batch_size=128, arg_params=None, aux_params=None,
                 allow_extra_params=False, begin_epoch=0, **kwargs):
        from . import initializer as init
        if isinstance(symbol, sym.Symbol):
            self.symbol = symbol
            self.sym_gen = None
        else:
            if not callable(symbol):
                raise TypeError("symbol must be a Symbol or a callable")
            self.symbol = None
            self.sym_gen = symbol
        if ctx is None:
            ctx = [cpu()]
        elif isinstance(ctx, Context):
            ctx = [ctx]
        self.ctx = ctx
        self.num_epoch = num_epoch
        self.epoch_size = epoch_size
        self.kwargs = kwargs.copy()
        self.optimizer = optimizer
        self.initializer = initializer if initializer is not None else init.Uniform(0.01)
        self.numpy_batch_size = numpy_batch_size
        self.arg_params = arg_params
        self.aux_params = aux_params
        self.allow_extra_params = allow_extra_params
        self.begin_epoch = begin_epoch
        self._module = None

    def _label_names(self):
        return [n for n in self.symbol.list_arguments() if n.endswith("label")]

    def _init_iter(self, X, y, is_train):
        from . import io
        if isinstance(X, (np.ndarray, nd.NDArray)):
            if y is None:
                if is_train:
                    raise ValueError("y must be specified when X is numpy.ndarray")
                y = np.zeros(X.shape[0])
            if not isinstance(y, (np.ndarray, nd.NDArray)):
                raise TypeError("y must be ndarray when X is numpy.ndarray")
            if X.shape[0] != y.shape[0]:
                raise ValueError("The numbers of data points and labels not equal")
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.flatten() if isinstance(y, np.ndarray) else y.reshape((-1,))
            if y.ndim != 1:
                raise ValueError("Label must be 1D or 2D (with 2nd dimension being 1)")
            label_names = self._label_names() or ["softmax_label"]
            batch = min(X.shape[0], self.numpy_batch_size)
            # training shuffles and rolls the last partial batch over; predicting pads it
            return io.NDArrayIter(X, y, batch, shuffle=is_train, label_name=label_names[0],
                                  last_batch_handle="roll_over" if is_train else "pad")
        if not isinstance(X, io.DataIter):
            raise TypeError("X must be DataIter, NDArray or numpy.ndarray")
        return X

    def _init_eval_iter(self, eval_data):
        if eval_data is None:
            return None
        if isinstance(eval_data, (tuple, list)) and len(eval_data) == 2:
            if eval_data[0] is not None:
                from . import io
                if eval_data[1] is None and isinstance(eval_data[0], io.DataIter):
                    return eval_data[0]
                x, y = (np.array(v) if isinstance(v, list) else v for v in eval_data)
                # (an (X, y) pair is iterated as training data is, shuffled: MXNet's rule)
                return self._init_iter(x, y, is_train=True)
            raise ValueError("Eval data is NONE")
        from . import io
        if not isinstance(eval_data, io.DataIter):
            raise TypeError("Eval data must be DataIter, or NDArray/numpy.ndarray/list pair (i.e. tuple/list of length 2)")
        return eval_data

    def _make_module(self, data_iter, logger=None, work_load_list=None):
        from .module import Module
        data_names = [d[0] for d in data_iter.provide_data]
        label_names = [d[0] for d in data_iter.provide_label]
        return Module(self.symbol, data_names=data_names, label_names=label_names,
                      logger=logger or logging, context=self.ctx, work_load_list=work_load_list)

    def fit(self, X, y=None, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", logger=None, work_load_list=None, monitor=None,
            eval_end_callback=None, eval_batch_end_callback=None):
        """Train on (X, y) for ``num_epoch`` epochs, evaluating on ``eval_data`` after each.

        MXNet's loop, run on a Module: the data is reset before the first epoch and where a
        pass over it ends (not where an epoch ends: with ``epoch_size`` an epoch is that many
        batches, going on where the last one stopped); batch-end callbacks count batches from 1;
        each epoch logs its time, and the evaluation calls ``eval_end_callback`` (by default
        LogValidationMetricsCallback)."""
        from . import metric
        data = self._init_iter(X, y, is_train=True)
        eval_iter = self._init_eval_iter(eval_data)
        if self.sym_gen is not None:
            self.symbol = self.sym_gen(data.default_bucket_key)
        logger = logger or logging
        mod = self._make_module(data, logger, work_load_list)
        self._module = mod
        mod.bind(data_shapes=data.provide_data, label_shapes=data.provide_label, for_training=True)
        if monitor is not None:
            mod.install_monitor(monitor)
        mod.init_params(initializer=self.initializer, arg_params=self.arg_params,
                        aux_params=self.aux_params, allow_missing=True)
        mod.init_optimizer(kvstore=kvstore, optimizer=self.optimizer, optimizer_params=dict(self.kwargs))
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)
        if eval_end_callback is None:
            eval_end_callback = LogValidationMetricsCallback()
        logger.info("Start training with %s", str(self.ctx))
        data.reset()
        for epoch in range(self.begin_epoch, self.num_epoch):
            tic = time.time()
            eval_metric.reset()
            nbatch = 0
            while True:
                ended = True
                for batch in data:
                    if monitor is not None:
                        monitor.tic()
                    mod.forward_backward(batch)
                    mod.update()
                    if monitor is not None:
                        monitor.toc_print()
                    mod.update_metric(eval_metric, batch.label)
                    nbatch += 1
                    _multiple_callbacks(batch_end_callback, BatchEndParam(epoch, nbatch, eval_metric, locals()))
                    if self.epoch_size is not None and nbatch >= self.epoch_size:
                        ended = False
                        break
                if ended:
                    logger.info("Epoch[%d] Resetting Data Iterator", epoch)
                    data.reset()
                if self.epoch_size is None or nbatch >= self.epoch_size:
                    break
            logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)
            self.arg_params, self.aux_params = mod.get_params()
            if epoch_end_callback is not None:
                _multiple_callbacks(epoch_end_callback, epoch, self.symbol, self.arg_params, self.aux_params)
            if eval_iter is not None:
                eval_metric.reset()
                eval_iter.reset()
                total = 0
                for i, batch in enumerate(eval_iter):
                    mod.forward(batch, is_train=False)
                    mod.update_metric(eval_metric, batch.label)
                    _multiple_callbacks(eval_batch_end_callback, BatchEndParam(epoch, i, eval_metric, locals()))
                    total += 1
                _multiple_callbacks(eval_end_callback, BatchEndParam(epoch, total, eval_metric, locals()))
                eval_iter.reset()
        self.arg_params, self.aux_params = mod.get_params()

    def _predict_module(self, data):
        mod = self._make_module(data)
        mod.bind(data.provide_data, data.provide_label or None, for_training=False)
        mod.set_params(self.arg_params or {}, self.aux_params or {}, allow_missing=False,
                       allow_extra=self.allow_extra_params)
        return mod

    def predict(self, X, num_batch=None, return_data=False, reset=True):
        """Outputs for X (a NumPy array when the symbol has one output, else a list)."""
        X = self._init_iter(X, None, is_train=False)
        if reset:
            X.reset()
        mod = self._predict_module(X)
        outputs, datas, labels = [], [], []
        for i, batch in enumerate(X):
            if num_batch is not None and i == num_batch:
                break
            mod.forward(batch, is_train=False)
            real = batch.data[0].shape[0] - (batch.pad or 0)
            outputs.append([o[:real].asnumpy() for o in mod.get_outputs()])
            if return_data:
                datas.append([d[:real].asnumpy() for d in batch.data])
                labels.append([lb[:real].asnumpy() for lb in batch.label])
        outs = [np.concatenate([b[i] for b in outputs]) for i in range(len(outputs[0]))] if outputs else []
        result = outs[0] if len(outs) == 1 else outs
        if return_data:
            data = [np.concatenate([b[i] for b in datas]) for i in range(len(datas[0]))]
            label = [np.concatenate([b[i] for b in labels]) for i in range(len(labels[0]))]
            return result, (data[0] if len(data) == 1 else data), (label[0] if len(label) == 1 else label)
        return result

    def score(self, X, eval_metric="acc", num_batch=None, batch_end_callback=None, reset=True):
        """The value of ``eval_metric`` over X."""
        from . import metric
        data = self._init_iter(X, None, is_train=False)
        mod = self._predict_module(data)
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)
        res = mod.score(data, eval_metric, num_batch=num_batch, batch_end_callback=batch_end_callback, reset=reset)
        return res[0][1]

    def save(self, prefix, epoch=None, remove_amp_cast=True):
        """Checkpoint the model as ``prefix-symbol.json`` + ``prefix-%04d.params``."""
        if epoch is None:
            epoch = self.num_epoch
        if epoch is None:
            raise ValueError("epoch must be given when num_epoch is not set")
        save_checkpoint(prefix, epoch, self.symbol, self.arg_params or {}, self.aux_params or {},
                        remove_amp_cast=remove_amp_cast)

    @staticmethod
    def load(prefix, epoch, ctx=None, **kwargs):
        """A FeedForward with the symbol and parameters of a checkpoint."""
        symbol, arg_params, aux_params = load_checkpoint(prefix, epoch)
        return FeedForward(symbol, ctx=ctx, arg_params=arg_params, aux_params=aux_params,
                           begin_epoch=epoch, **kwargs)

    @staticmethod
    def create(symbol, X, y=None, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
               initializer=None, eval_data=None, eval_metric="acc", epoch_end_callback=None,
               batch_end_callback=None, kvstore="local", logger=None, work_load_list=None,
               eval_end_callback=None, eval_batch_end_callback=None, **kwargs):
        """Construct and fit a FeedForward in one call."""
        model = FeedForward(symbol, ctx=ctx, num_epoch=num_epoch, epoch_size=epoch_size,
                            optimizer=optimizer, initializer=initializer, **kwargs)
        model.fit(X, y, eval_data=eval_data, eval_metric=eval_metric, epoch_end_callback=epoch_end_callback,
                  batch_end_callback=batch_end_callback, kvstore=kvstore, logger=logger,
                  work_load_list=work_load_list, eval_end_callback=eval_end_callback,
                  eval_batch_end_callback=eval_batch_end_callback)
        return model
