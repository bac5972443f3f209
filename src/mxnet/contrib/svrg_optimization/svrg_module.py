"""``SVRGModule``: a Module trained with SVRG (stochastic variance-reduced gradient).

Every ``update_freq`` epochs the gradient over the whole training set is computed at a
snapshot of the weights, by an auxiliary Module bound to the same symbol. Each step then
updates with ``g_i(w) - g_i(w_snapshot) + mu``: the batch gradient at the current weights,
minus the same batch's gradient at the snapshot, plus ``mu``, the average of the batch
gradients over the dataset at the snapshot.
"""
import logging

from ... import ndarray as nd
from ...base import _MXNetAssertionError as _StateError
from ...context import cpu
from ...initializer import Uniform
from ...model import _create_kvstore
from ...module import Module
from .svrg_optimizer import _SVRGOptimizer

__all__ = ["SVRGModule"]


class SVRGModule(Module):
    """A Module that encapsulates a second, auxiliary Module to train with SVRG.

    It is used as a Module; ``fit`` computes the full gradients at the start of every
    ``update_freq``-th epoch, and ``update`` applies the SVRG rule.

    Parameters
    ----------
    symbol, data_names, label_names, logger, context, work_load_list, fixed_param_names,
    state_names, group2ctxs, compression_params
        As for ``Module``.
    update_freq : int
        Compute the full gradients every ``update_freq`` epochs (a positive int; required).

    Examples
    --------
    >>> mod = SVRGModule(symbol=lro, data_names=['data'], label_names=['lin_reg_label'], update_freq=2)
    >>> mod.fit(di, eval_metric='mse', optimizer='sgd', optimizer_params=(('learning_rate', 0.025),),
    ...         num_epoch=num_epoch, kvstore='local')
    """

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",), logger=logging,
                 context=cpu(), work_load_list=None, fixed_param_names=None, state_names=None,
                 group2ctxs=None, compression_params=None, update_freq=None):
        super().__init__(symbol, data_names=data_names, label_names=label_names, logger=logger,
                         context=context, work_load_list=work_load_list,
                         fixed_param_names=fixed_param_names, state_names=state_names,
                         group2ctxs=group2ctxs, compression_params=compression_params)
        if not isinstance(update_freq, int):
            raise TypeError("update_freq in SVRGModule must be an integer to represent the frequency for "
                            "calculating full gradients")
        if update_freq <= 0:
            raise ValueError("update_freq in SVRGModule must be a positive integer to represent the frequency "
                             "for calculating full gradients")
        self.update_freq = update_freq
        # the snapshot module: same symbol, weights set by update_full_grads
        self._mod_aux = Module(symbol, data_names, label_names, logger, context, work_load_list,
                               fixed_param_names, state_names, group2ctxs, compression_params)
        self._param_dict = None     # per device: parameter name -> full gradient (mu)
        self._ctx_len = len(self._context)

    # -- binding -----------------------------------------------------------------------------------
    def _reset_bind(self):
        """Reset the bound state of both modules."""
        super()._reset_bind()
        self._mod_aux._reset_bind()

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Bind both modules (the auxiliary one only ``for_training``)."""
        super().bind(data_shapes, label_shapes, for_training, inputs_need_grad, force_rebind,
                     shared_module, grad_req)
        if for_training:
            self._mod_aux.bind(data_shapes, label_shapes, for_training, inputs_need_grad, force_rebind,
                               shared_module, grad_req)

    def reshape(self, data_shapes, label_shapes=None):
        """Reshape both modules for new input shapes."""
        super().reshape(data_shapes, label_shapes=label_shapes)
        self._mod_aux.reshape(data_shapes, label_shapes=label_shapes)

    # -- optimizer ---------------------------------------------------------------------------------
    def init_optimizer(self, kvstore="local", optimizer="sgd", optimizer_params=(("learning_rate", 0.01),),
                       force_init=False):
        """Install an ``_SVRGOptimizer`` wrapping ``optimizer`` (a name or an Optimizer).

        The full-gradient buffers start at zero on every device. With a KVStore, a key
        ``<param>_full`` per parameter accumulates the full gradients over devices/workers; when
        the store updates the weights, those (zero) keys are also pulled into the devices'
        weights, as MXNet 1.9.1 does (the first batch then runs with zero weights; the first
        update pulls the real ones back from the store)."""
        if not (self.binded and self.params_initialized):
            raise _StateError("init_optimizer needs a bound module with initialized parameters")
        self._param_dict = [{name: nd.zeros(shape=value.shape, ctx=self._context[i])
                             for name, value in self.get_params()[0].items()}
                            for i in range(self._ctx_len)]
        svrg_optimizer = self._create_optimizer(_SVRGOptimizer.__name__, default_opt=optimizer,
                                                kvstore=kvstore, optimizer_params=optimizer_params)
        super().init_optimizer(kvstore=kvstore, optimizer=svrg_optimizer,
                               optimizer_params=optimizer_params, force_init=force_init)
        if self._kvstore:
            for idx, param_on_devs in enumerate(self._exec_group.param_arrays):
                name = self._exec_group.param_names[idx]
                self._kvstore.init(name + "_full", nd.zeros(shape=self._arg_params[name].shape))
                if self._update_on_kvstore:
                    self._kvstore.pull(name + "_full", param_on_devs, priority=-idx)

    def _create_optimizer(self, optimizer, default_opt, kvstore, optimizer_params):
        """The ``_SVRGOptimizer`` (registered name ``optimizer``) wrapping ``default_opt``:
        ``rescale_grad`` defaults to 1/batch_size, and ``param_idx2name`` lists the module's
        indices (as ``Module.init_optimizer`` numbers them) plus one ``<param>_full`` entry
        per parameter."""
        from ... import optimizer as opt
        batch_size = self._exec_group.batch_size
        kv_store, update_on_kvstore = _create_kvstore(kvstore, self._ctx_len, self._arg_params)
        if kv_store and "dist" in kv_store.type and "_sync" in kv_store.type:
            batch_size *= kv_store.num_workers
        rescale_grad = 1.0 / batch_size
        param_names = self._exec_group.param_names
        idx2name = {}
        if update_on_kvstore:
            idx2name.update(enumerate(param_names))
        else:
            for k in range(self._ctx_len):
                idx2name.update({i * self._ctx_len + k: n for i, n in enumerate(param_names)})
        for name in self._param_dict[0]:
            idx2name[max(idx2name) + 1] = name + "_full"
        optimizer_params = dict(optimizer_params)
        if "rescale_grad" not in optimizer_params:
            optimizer_params["rescale_grad"] = rescale_grad
        optimizer_params["default_optimizer"] = default_opt
        optimizer_params["param_idx2name"] = idx2name
        return opt.create(optimizer, **optimizer_params)

    # -- computation -------------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Forward the batch; with ``is_train=True`` (as ``fit`` passes) the auxiliary module
        also runs it at the snapshot weights."""
        super().forward(data_batch, is_train)
        if is_train:
            self._mod_aux.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        """Backward through both modules."""
        super().backward(out_grads)
        if self._mod_aux.binded:
            self._mod_aux.backward(out_grads)

    def update(self):
        """Replace the gradients by the SVRG ones, ``g_i(w) - g_i(w_snapshot) + mu``, then
        update the parameters with the installed optimizer (see ``Module.update``)."""
        if not (self.binded and self.params_initialized and self.optimizer_initialized):
            raise _StateError("update needs bind, init_params and init_optimizer first")
        self._update_svrg_gradients()
        super().update()

    def update_full_grads(self, train_data):
        """Compute the full gradients ``mu`` over ``train_data`` at the current weights, which
        become the snapshot (the auxiliary module's weights).

        Each device adds its batch gradients (summed over the batch, as the executors compute
        them) into its buffer, which is then divided by the number of batches, the padding of
        the last batch counted out (``nbatch - pad / batch_size``). As in MXNet 1.9.1 the
        buffers are not cleared between calls: the previous ``mu`` is part of the sum. With a
        KVStore, the buffers are summed over devices (and workers) through the
        ``<param>_full`` keys and each device gets the sum divided by the number of devices."""
        if self._param_dict is None:
            raise _StateError("update_full_grads needs init_optimizer first")
        param_names = self._exec_group.param_names
        arg, aux = self.get_params()
        self._mod_aux.set_params(arg_params=arg, aux_params=aux)
        train_data.reset()
        nbatch = 0
        padding = 0
        aux_grads = self._mod_aux._exec_group.grad_arrays
        for batch in train_data:
            self._mod_aux.forward(batch, is_train=True)
            self._mod_aux.backward()
            nbatch += 1
            for ctx in range(self._ctx_len):
                for index, name in enumerate(param_names):
                    grad = aux_grads[index][ctx]
                    if grad is not None:
                        self._param_dict[ctx][name] = self._param_dict[ctx][name] + grad
            padding = batch.pad or 0
        true_num_batch = nbatch - padding / train_data.batch_size
        for name in param_names:
            grad_list = []
            for i in range(self._ctx_len):
                self._param_dict[i][name] /= true_num_batch
                grad_list.append(self._param_dict[i][name])
            if self._kvstore:
                self._accumulate_kvstore(name, grad_list)

    def _accumulate_kvstore(self, key, value):
        """Sum the devices' (and workers') full gradients ``value`` of ``key`` in the KVStore
        (key ``<key>_full``) and hand the average over devices back to each device."""
        self._kvstore.push(key + "_full", value)
        self._kvstore._barrier()
        self._kvstore.pull(key + "_full", value)
        self._allocate_gradients(key, value)

    def _allocate_gradients(self, key, value):
        """Give each device the pulled full gradient of ``key`` divided by the number of devices."""
        for i in range(self._ctx_len):
            self._param_dict[i][key] = value[i] / self._ctx_len

    @staticmethod
    def _svrg_grads_update_rule(g_curr_batch_curr_weight, g_curr_batch_special_weight,
                                g_special_weight_all_batch):
        """``g_curr_batch_curr_weight - g_curr_batch_special_weight + g_special_weight_all_batch``,
        computed in place in the (lists of) arrays of the first argument, which is returned."""
        for index, grad in enumerate(g_curr_batch_curr_weight):
            grad -= g_curr_batch_special_weight[index]
            grad += g_special_weight_all_batch[index]
        return g_curr_batch_curr_weight

    def _update_svrg_gradients(self):
        """Apply the SVRG rule to the gradient arrays of every parameter on every device."""
        grads = self._exec_group.grad_arrays
        aux_grads = self._mod_aux._exec_group.grad_arrays
        for ctx in range(self._ctx_len):
            for index, name in enumerate(self._exec_group.param_names):
                if grads[index][ctx] is None:
                    continue
                self._svrg_grads_update_rule(grads[index][ctx], aux_grads[index][ctx],
                                             self._param_dict[ctx][name])

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Prepare both modules for ``data_batch``."""
        super().prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)
        self._mod_aux.prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)

    # -- training ----------------------------------------------------------------------------------
    def fit(self, train_data, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", optimizer="sgd",
            optimizer_params=(("learning_rate", 0.01),), eval_end_callback=None,
            eval_batch_end_callback=None, initializer=Uniform(0.01), arg_params=None, aux_params=None,
            allow_missing=False, force_rebind=False, force_init=False, begin_epoch=0, num_epoch=None,
            validation_metric=None, monitor=None, sparse_row_id_fn=None):
        """Train as ``Module.fit``, computing the full gradients (``update_full_grads``) at the
        start of every epoch that is a multiple of ``update_freq``."""
        super().fit(_FullGradientEpochs(self, train_data, begin_epoch), eval_data=eval_data,
                    eval_metric=eval_metric, epoch_end_callback=epoch_end_callback,
                    batch_end_callback=batch_end_callback, kvstore=kvstore, optimizer=optimizer,
                    optimizer_params=optimizer_params, eval_end_callback=eval_end_callback,
                    eval_batch_end_callback=eval_batch_end_callback, initializer=initializer,
                    arg_params=arg_params, aux_params=aux_params, allow_missing=allow_missing,
                    force_rebind=force_rebind, force_init=force_init, begin_epoch=begin_epoch,
                    num_epoch=num_epoch, validation_metric=validation_metric, monitor=monitor,
                    sparse_row_id_fn=sparse_row_id_fn)


class _FullGradientEpochs:
    """``train_data`` as ``SVRGModule.fit`` hands it to ``Module.fit``: the training loop
    starts each epoch with ``iter(train_data)``, at which point the full gradients are
    computed (every ``update_freq`` epochs) and the data reset. Everything else is the
    wrapped iterator's."""

    def __init__(self, module, data, begin_epoch):
        self._module = module
        self._data = data
        self._epoch = begin_epoch

    def __iter__(self):
        if self._epoch % self._module.update_freq == 0:
            self._module.update_full_grads(self._data)
        self._epoch += 1
        self._data.reset()
        return iter(self._data)

    def __getattr__(self, name):
        return getattr(self._data, name)
