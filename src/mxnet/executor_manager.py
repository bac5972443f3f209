"""``mx.executor_manager``: the data-parallel executors of the classic training loop.

``DataParallelExecutorManager`` binds one executor per context, each over its slice of the batch
(``work_load_list``), with parameters shared across devices' copies by value; with ``sym_gen``
(bucketing) one ``DataParallelExecutorGroup`` per bucket key, sharing the parameters of the
default bucket's group. The executors are those of Module's executor group
(``module.executor_group``), bound for training with gradients for the parameters only.
"""
import logging

from . import ndarray as nd
from .module.executor_group import DataParallelExecutorGroup as _ModuleGroup
from .module.executor_group import split_input_slice as _split_input_slice

__all__ = ["DataParallelExecutorGroup", "DataParallelExecutorManager"]


def _check_arguments(symbol):
    """ValueError when ``symbol`` has two arguments (or two auxiliary states) of one name."""
    arg_names = symbol.list_arguments()
    seen = set()
    for name in arg_names:
        if name in seen:
            raise ValueError(("Find duplicated argument name \"%s\", please make the weight name "
                              "non-duplicated(using name arguments), arguments are %s") % (name, str(arg_names)))
        seen.add(name)
    aux_names = symbol.list_auxiliary_states()
    seen = set()
    for name in aux_names:
        if name in seen:
            raise ValueError(("Find duplicated auxiliary param name \"%s\", please make the weight name "
                              "non-duplicated(using name arguments), arguments are %s, auxiliary params are %s")
                             % (name, str(arg_names), str(aux_names)))
        seen.add(name)


def _load_general(data, targets):
    """Copy each array of ``data`` into its target: an NDArray, or a list of (slice, NDArray)
    receiving the slices of the batch (whose size must match the last slice's end)."""
    for src, dst in zip(data, targets):
        if isinstance(dst, nd.NDArray):
            src.copyto(dst)
            continue
        assert dst[-1][0].stop == src.shape[0], \
            "Batch size miss match. Expected %d, got %d" % (dst[-1][0].stop, src.shape[0])
        for sl, part in dst:
            src[sl].copyto(part)


def _load_data(batch, targets):
    """Load ``batch.data`` into sliced arrays."""
    _load_general(batch.data, targets)


def _load_label(batch, targets):
    """Load ``batch.label`` into sliced arrays."""
    _load_general(batch.label, targets)


class DataParallelExecutorGroup:
    """Executors of ``sym`` on the devices ``ctx``, the i-th bound for the batch rows
    ``slices[i]`` of ``train_data`` (anything with ``provide_data``/``provide_label``), with
    gradients for ``param_names``; ``shared_group``: share its parameters (another bucket)."""

    def __init__(self, sym, arg_names, param_names, ctx, slices, train_data, shared_group=None):
        _check_arguments(sym)
        self.data_names = [x[0] for x in train_data.provide_data]
        self.label_names = [x[0] for x in train_data.provide_label]
        self.aux_names = sym.list_auxiliary_states()
        self.param_idx = [i for i, name in enumerate(arg_names) if name in param_names]
        self.param_names = [arg_names[i] for i in self.param_idx]
        self._group = _ModuleGroup(sym, list(ctx), [s.stop - s.start for s in slices], train_data.provide_data,
                                   train_data.provide_label, self.param_names, for_training=True,
                                   inputs_need_grad=False,
                                   shared_group=shared_group._group if shared_group is not None else None)
        self.train_execs = self._group.execs
        self.slices = slices
        self.data_arrays = [[(slices[i], e.arg_dict[name]) for i, e in enumerate(self.train_execs)]
                            for name in self.data_names]
        self.label_arrays = [[(slices[i], e.arg_dict[name]) for i, e in enumerate(self.train_execs)]
                             for name in self.label_names]
        self.param_arrays = self._group.param_arrays
        self.grad_arrays = self._group.grad_arrays
        self.aux_arrays = self._group.aux_arrays
        # per device: input name -> its array (a bucket's group takes its shared group's dicts)
        self.shared_data_arrays = shared_group.shared_data_arrays if shared_group is not None else [
            {name: e.arg_dict[name] for name in self.data_names + self.label_names} for e in self.train_execs]

    def load_data_batch(self, data_batch):
        """Load the batch's data and labels into each executor's slice."""
        _load_data(data_batch, self.data_arrays)
        _load_label(data_batch, self.label_arrays)

    def forward(self, is_train=False):
        """Forward on every executor."""
        for texec in self.train_execs:
            texec.forward(is_train=is_train)

    def backward(self):
        """Backward on every executor."""
        for texec in self.train_execs:
            texec.backward()

    def update_metric(self, metric, labels, pre_sliced=False):
        """Update ``metric`` with each executor's outputs and its slice of ``labels`` (already
        one list per device when ``pre_sliced``)."""
        for i, (texec, islice) in enumerate(zip(self.train_execs, self.slices)):
            labels_slice = labels[i] if pre_sliced else [label[islice] for label in labels]
            metric.update(labels_slice, texec.outputs)


class DataParallelExecutorManager:
    """Helper managing the executors of data-parallel training: ``symbol`` on the devices
    ``ctx``, batches of ``train_data`` (a DataIter) split by ``work_load_list``; ``sym_gen``
    (key -> Symbol) binds another executor group per bucket key of the loaded batches."""

    def __init__(self, symbol, ctx, train_data, arg_names, param_names, aux_names, work_load_list=None,
                 logger=None, sym_gen=None):
        if logger is None:
            logger = logging
        logger.info("Start training with %s", str(ctx))
        if work_load_list is None:
            work_load_list = [1] * len(ctx)
        assert isinstance(work_load_list, list) and len(work_load_list) == len(ctx), \
            "Invalid settings for work load. "
        self.slices = _split_input_slice(train_data.batch_size, work_load_list)
        self.arg_names = arg_names
        self.param_names = param_names
        self.aux_names = aux_names
        self.ctx = ctx
        self.execgrp = DataParallelExecutorGroup(symbol, arg_names, param_names, ctx, self.slices, train_data)
        self.symbol = symbol
        self.sym_gen = sym_gen
        self.curr_execgrp = None     # set when a batch is loaded
        if sym_gen is not None:
            self.execgrp_bucket = {train_data.default_bucket_key: self.execgrp}

    def install_monitor(self, monitor):
        """Install ``monitor`` on every executor (not supported with bucketing)."""
        if self.sym_gen is not None:
            raise NotImplementedError("Monitoring is not implemented for bucketing")
        for texec in self.execgrp.train_execs:
            monitor.install(texec)

    def set_params(self, arg_params, aux_params):
        """Copy the values of ``arg_params``/``aux_params`` ({name: NDArray}) to every device."""
        self.execgrp._group.set_params(arg_params, aux_params)

    def copy_to(self, arg_params, aux_params):
        """Write the devices' average of every parameter and auxiliary state into
        ``arg_params``/``aux_params`` (in place, in their dtypes)."""
        self.execgrp._group.get_params(arg_params, aux_params)

    @property
    def param_arrays(self):
        """Parameter arrays: per parameter, one array per device (shared by every bucket)."""
        return self.execgrp.param_arrays

    @property
    def grad_arrays(self):
        """Gradient arrays: per parameter, one array per device."""
        return self.execgrp.grad_arrays

    @property
    def aux_arrays(self):
        """Auxiliary states: per state, one array per device."""
        return self.execgrp.aux_arrays

    def load_data_batch(self, data_batch):
        """Load a batch into the executor group of its bucket (binding one for a new key)."""
        if self.sym_gen is not None:
            key = data_batch.bucket_key
            if key not in self.execgrp_bucket:
                self.execgrp_bucket[key] = DataParallelExecutorGroup(
                    self.sym_gen(key), self.arg_names, self.param_names, self.ctx, self.slices, data_batch,
                    shared_group=self.execgrp)
            self.curr_execgrp = self.execgrp_bucket[key]
        else:
            self.curr_execgrp = self.execgrp
        self.curr_execgrp.load_data_batch(data_batch)

    def forward(self, is_train=False):
        """Forward the current executor group."""
        self.curr_execgrp.forward(is_train=is_train)

    def backward(self):
        """Backward the current executor group."""
        self.curr_execgrp.backward()

    def update_metric(self, metric, labels, pre_sliced=False):
        """Update ``metric`` with the current executor group's outputs."""
        self.curr_execgrp.update_metric(metric, labels, pre_sliced)
