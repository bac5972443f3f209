"""Module: a Symbol with parameters, bound over one or several contexts, trained by an optimizer."""
import logging

from .. import ndarray as nd
from ..base import MXNetError
from ..context import Context, cpu
from ..base import _MXNetAssertionError as _StateError
from .base_module import BaseModule
from .executor_group import DataParallelExecutorGroup, _desc

__all__ = ["Module"]


class Module(BaseModule):
    """``mx.mod.Module(symbol, data_names=('data',), label_names=('softmax_label',), context=ctx)``."""

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",), logger=logging,
                 context=None, work_load_list=None, fixed_param_names=None, state_names=None,
                 group2ctxs=None, compression_params=None):
        super().__init__(logger=logger)
        if context is None:
            context = cpu()
        if isinstance(context, Context):
            context = [context]
        self._context = list(context)
        self._work_load_list = work_load_list or [1] * len(self._context)
        if len(self._work_load_list) != len(self._context):
            raise MXNetError("work_load_list has {} entries for {} contexts".format(
                len(self._work_load_list), len(self._context)))
        self._symbol = symbol
        data_names = list(data_names or [])
        label_names = list(label_names or [])
        state_names = list(state_names or [])
        fixed_param_names = list(fixed_param_names or [])
        arg_names = symbol.list_arguments()
        for n in data_names + state_names:
            if n not in arg_names:
                raise ValueError("Module: input '{}' is not an argument of the symbol; arguments are {}".format(
                    n, arg_names))
        input_names = data_names + label_names + state_names
        self._param_names = [x for x in arg_names if x not in input_names]
        self._fixed_param_names = fixed_param_names
        self._aux_names = symbol.list_auxiliary_states()
        self._data_names = data_names
        self._label_names = label_names
        self._state_names = state_names
        self._output_names = symbol.list_outputs()
        self._arg_params = None
        self._aux_params = None
        self._params_dirty = False
        self._compression_params = compression_params
        self._optimizer = None
        self._kvstore = None
        self._update_on_kvstore = None
        self._updater = None
        self._preload_opt_states = None
        self._grad_req = None
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    @staticmethod
    def load(prefix, epoch, load_optimizer_states=False, **kwargs):
        """A Module from a checkpoint (``prefix-symbol.json`` + ``prefix-%04d.params``)."""
        from ..model import load_checkpoint
        sym, args, auxs = load_checkpoint(prefix, epoch)
        mod = Module(symbol=sym, **kwargs)
        mod._arg_params = args
        mod._aux_params = auxs
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = "%s-%04d.states" % (prefix, epoch)
        return mod

    def save_checkpoint(self, prefix, epoch, save_optimizer_states=False, remove_amp_cast=True):
        """Write ``prefix-symbol.json``, ``prefix-%04d.params`` (and ``.states``)."""
        self._symbol.save("%s-symbol.json" % prefix, remove_amp_cast=remove_amp_cast)
        param_name = "%s-%04d.params" % (prefix, epoch)
        self.save_params(param_name)
        logging.info('Saved checkpoint to "%s"', param_name)
        if save_optimizer_states:
            state_name = "%s-%04d.states" % (prefix, epoch)
            self.save_optimizer_states(state_name)
            logging.info('Saved optimizer state to "%s"', state_name)

    # -- properties ------------------------------------------------------------------------------
    @property
    def data_names(self):
        return self._data_names

    @property
    def label_names(self):
        return self._label_names

    @property
    def output_names(self):
        return self._output_names

    @property
    def data_shapes(self):
        """DataDesc of the bound data inputs."""
        return self._data_shapes

    @property
    def label_shapes(self):
        return self._label_shapes

    @property
    def output_shapes(self):
        """(name, shape) of every output for the bound batch."""
        shapes = {d.name: d.shape for d in (self._data_shapes or []) + (self._label_shapes or [])}
        _, out, _ = self._symbol.infer_shape(**shapes)
        return list(zip(self._output_names, out))

    # -- parameters ------------------------------------------------------------------------------
    def get_params(self):
        """(arg_params, aux_params) on the CPU, synchronised from the devices."""
        if not self.params_initialized:     # (a loaded, not yet bound, module has them)
            raise _StateError("get_params: the module's parameters are not initialized")
        if self._params_dirty:
            self._sync_params_from_devices()
        return self._arg_params, self._aux_params

    def init_params(self, initializer=None, arg_params=None, aux_params=None, allow_missing=False,
                    force_init=False, allow_extra=False):
        """Initialise parameters: given values first, else ``initializer`` (default Uniform(0.01))."""
        from .. import initializer as init
        if self.params_initialized and not force_init:
            self.logger.warning("Parameters already initialized and force_init=False. "
                                "init_params call ignored.")
            return
        if not self.binded:
            raise _StateError("call bind before initializing the parameters")
        if initializer is None and arg_params is None and aux_params is None:
            initializer = init.Uniform(0.01)
        attrs = self._symbol.attr_dict()
        exec0 = self._exec_group.execs[0]
        if self._arg_params is None:
            self._arg_params = {n: nd.zeros(exec0.arg_dict[n].shape, dtype=exec0.arg_dict[n].dtype)
                                for n in self._param_names}
        if self._aux_params is None:
            self._aux_params = {n: nd.zeros(exec0.aux_dict[n].shape, dtype=exec0.aux_dict[n].dtype)
                                for n in self._aux_names}

        def _impl(name, arr, cache):
            if cache is not None and name in cache:
                src = cache[name]
                if src is not arr:
                    if src.shape != arr.shape:
                        raise MXNetError("init_params: {} has shape {} but the module expects {}".format(
                            name, src.shape, arr.shape))
                    src.copyto(arr)
            elif cache is not None and not allow_missing:
                raise RuntimeError("%s is not presented" % name)
            elif initializer is not None:
                initializer(init.InitDesc(name, attrs.get(name, {})), arr)

        for name, arr in sorted(self._arg_params.items()):
            _impl(name, arr, arg_params)
        for name, arr in sorted(self._aux_params.items()):
            _impl(name, arr, aux_params)
        self.params_initialized = True
        self._params_dirty = False
        self._exec_group.set_params(self._arg_params, self._aux_params, allow_extra=allow_extra)
        if not allow_extra:
            for what, given, known in (("argument", arg_params, self._arg_params),
                                       ("auxiliary state", aux_params, self._aux_params)):
                extra = set(given or {}) - set(known)
                extra -= set(self._data_names) | set(self._label_names)
                if extra:
                    raise ValueError("init_params: unknown {} {}; pass allow_extra=True to ignore".format(
                        what, sorted(extra)))

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True, allow_extra=False):
        """Assign parameter values (copied into every device)."""
        if not allow_missing:
            self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                             allow_missing=allow_missing, force_init=force_init, allow_extra=allow_extra)
            return
        if self.params_initialized and not force_init:
            self.logger.warning("Parameters already initialized and force_init=False. set_params call ignored.")
            return
        self._exec_group.set_params(arg_params, aux_params, allow_extra=allow_extra)
        self._params_dirty = True
        self.params_initialized = True

    def _sync_params_from_devices(self):
        self._exec_group.get_params(self._arg_params, self._aux_params)
        self._params_dirty = False

    # -- binding ---------------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Allocate executors for the given input shapes (DataDesc or (name, shape) lists)."""
        from ..io import DataDesc
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        if not for_training and inputs_need_grad:
            raise _StateError("inputs_need_grad needs for_training=True")
        self._data_shapes = [DataDesc(n, s, t) for n, s, t in _desc(data_shapes)]
        self._label_shapes = [DataDesc(n, s, t) for n, s, t in _desc(label_shapes)] if label_shapes else None
        names = [d.name for d in self._data_shapes]
        if sorted(names) != sorted(self._data_names):
            raise ValueError("Data provided by data_shapes don't match names specified by data_names "
                             "({} vs. {})".format(names, self._data_names))
        shared_group = shared_module._exec_group if shared_module is not None else None
        self._exec_group = DataParallelExecutorGroup(
            self._symbol, self._context, self._work_load_list, self._data_shapes, self._label_shapes,
            self._param_names, for_training, inputs_need_grad, shared_group,
            fixed_param_names=self._fixed_param_names, grad_req=grad_req, state_names=self._state_names)
        self.binded = True
        if shared_module is not None and shared_module.params_initialized:
            self.params_initialized = True
            self._arg_params = shared_module._arg_params
            self._aux_params = shared_module._aux_params
        elif self.params_initialized:
            self._exec_group.set_params(self._arg_params, self._aux_params)

    def _reset_bind(self):
        self.binded = False
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    def reshape(self, data_shapes, label_shapes=None):
        """Re-bind for new input shapes, keeping the parameters."""
        from ..io import DataDesc
        if not self.binded:
            raise _StateError("reshape needs a bound module")
        self._data_shapes = [DataDesc(n, s, t) for n, s, t in _desc(data_shapes)]
        self._label_shapes = [DataDesc(n, s, t) for n, s, t in _desc(label_shapes)] if label_shapes else None
        self._exec_group.reshape(self._data_shapes, self._label_shapes)

    # -- optimizer -------------------------------------------------------------------------------
    def init_optimizer(self, kvstore="local", optimizer="sgd", optimizer_params=(("learning_rate", 0.01),),
                       force_init=False):
        """Create the optimizer (rescale_grad defaults to 1/batch_size) and the KVStore."""
        from .. import optimizer as opt
        from ..model import _create_kvstore, _initialize_kvstore
        if not (self.binded and self.params_initialized):
            raise _StateError("init_optimizer needs a bound module with initialized parameters")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        if self._params_dirty:
            self._sync_params_from_devices()
        kvstore, update_on_kvstore = _create_kvstore(kvstore, len(self._context), self._arg_params)
        batch_size = self._exec_group.batch_size
        if kvstore and "dist" in kvstore.type and "_sync" in kvstore.type:
            batch_size *= kvstore.num_workers
        rescale_grad = 1.0 / batch_size
        idx2name = {}
        if update_on_kvstore:
            idx2name.update(enumerate(self._param_names))
        else:
            for k in range(len(self._context)):
                idx2name.update({i * len(self._context) + k: n for i, n in enumerate(self._param_names)})
        if isinstance(optimizer, str):
            optimizer_params = dict(optimizer_params)
            if "rescale_grad" not in optimizer_params:
                optimizer_params["rescale_grad"] = rescale_grad
            optimizer = opt.create(optimizer, sym=self.symbol, param_idx2name=idx2name, **optimizer_params)
        else:
            if not isinstance(optimizer, opt.Optimizer):
                raise TypeError("optimizer must be a name or an Optimizer")
            if optimizer.rescale_grad != rescale_grad:
                self.logger.warning("Optimizer created manually outside Module but rescale_grad is not "
                                    "normalized to 1.0/batch_size/num_workers (%s vs. %s). Is this intended?",
                                    optimizer.rescale_grad, rescale_grad)
            if not optimizer.idx2name:
                optimizer.idx2name = idx2name.copy()
        self._optimizer = optimizer
        self._kvstore = kvstore
        self._update_on_kvstore = update_on_kvstore
        self._updater = None
        if kvstore:
            if self._compression_params:
                kvstore.set_gradient_compression(self._compression_params)
            if update_on_kvstore:
                kvstore.set_optimizer(self._optimizer)
            _initialize_kvstore(kvstore, self._exec_group.param_arrays, self._arg_params,
                                self._param_names, update_on_kvstore)
        if not update_on_kvstore:
            self._updater = opt.get_updater(optimizer)
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def borrow_optimizer(self, shared_module):
        """Use ``shared_module``'s optimizer, KVStore and updater."""
        self._optimizer = shared_module._optimizer
        self._kvstore = shared_module._kvstore
        self._update_on_kvstore = shared_module._update_on_kvstore
        self._updater = shared_module._updater
        self.optimizer_initialized = True

    # -- computation -----------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Forward one batch (re-binding if its shapes differ from the bound ones)."""
        if not (self.binded and self.params_initialized):
            raise _StateError("forward needs a bound module with initialized parameters")
        cur = [d.shape for d in self._data_shapes]
        new = [d.shape for d in data_batch.data]
        if cur != [tuple(s) for s in new]:
            from ..io import DataDesc
            data_shapes = [DataDesc(d.name, tuple(s), d.dtype) for d, s in zip(self._data_shapes, new)]
            label_shapes = None
            if self._label_shapes and data_batch.label:
                label_shapes = [DataDesc(d.name, tuple(lb.shape), d.dtype)
                                for d, lb in zip(self._label_shapes, data_batch.label)]
            self.reshape(data_shapes, label_shapes)
        self._exec_group.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        """Backward over the last forward."""
        if not (self.binded and self.params_initialized):
            raise _StateError("backward needs a bound module with initialized parameters")
        self._exec_group.backward(out_grads=out_grads)

    def update(self):
        """Apply the optimizer to every parameter (through the KVStore when there is one)."""
        from ..model import _update_params, _update_params_on_kvstore
        if not (self.binded and self.params_initialized and self.optimizer_initialized):
            raise _StateError("update needs bind, init_params and init_optimizer first")
        self._params_dirty = True
        group = self._exec_group
        if self._update_on_kvstore:
            _update_params_on_kvstore(group.param_arrays, group.grad_arrays, self._kvstore, self._param_names)
        else:
            _update_params(group.param_arrays, group.grad_arrays, updater=self._updater,
                           num_device=len(self._context), kvstore=self._kvstore, param_names=self._param_names)

    def get_outputs(self, merge_multi_context=True):
        """Outputs of the last forward (merged over devices by default)."""
        if not (self.binded and self.params_initialized):
            raise _StateError("get_outputs needs a bound module")
        return self._exec_group.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        """Gradients of the data inputs (bind with inputs_need_grad=True)."""
        if not (self.binded and self.params_initialized and self.inputs_need_grad):
            raise _StateError("get_input_grads needs bind(..., inputs_need_grad=True)")
        return self._exec_group.get_input_grads(merge_multi_context=merge_multi_context)

    def get_states(self, merge_multi_context=True):
        """The values of the ``state_names`` inputs: per state, one NDArray per device (only
        ``merge_multi_context=False`` is supported)."""
        assert self.binded and self.params_initialized
        return self._exec_group.get_states(merge_multi_context=merge_multi_context)

    def set_states(self, states=None, value=None):
        """Set the states from ``states`` (per state, one NDArray per device) or every element
        to the scalar ``value`` (exactly one of the two)."""
        assert self.binded and self.params_initialized
        self._exec_group.set_states(states, value)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Update ``eval_metric`` with the last outputs and ``labels``."""
        self._exec_group.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        self._exec_group.install_monitor(mon)

    # -- optimizer states ------------------------------------------------------------------------
    def save_optimizer_states(self, fname):
        """Save the optimizer states (updater or KVStore) to ``fname``."""
        if not self.optimizer_initialized:
            raise _StateError("save_optimizer_states needs init_optimizer first")
        if self._update_on_kvstore:
            self._kvstore.save_optimizer_states(fname)
        else:
            from ..util import atomic_write
            atomic_write(fname, [self._updater.get_states()])

    def load_optimizer_states(self, fname):
        """Load optimizer states written by ``save_optimizer_states``."""
        if not self.optimizer_initialized:
            raise _StateError("load_optimizer_states needs init_optimizer first")
        if self._update_on_kvstore:
            self._kvstore.load_optimizer_states(fname)
        else:
            with open(fname, "rb") as f:
                self._updater.set_states(f.read())


