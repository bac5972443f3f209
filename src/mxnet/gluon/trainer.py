"""gluon.Trainer: applies an optimizer to a set of Parameters (summing gradients over contexts)."""

from .. import optimizer as opt
from ..optimizer.sgd import fused_update
from ..base import MXNetError
from ..kvstore import KVStore  # noqa: F401  (MXNet's gluon.trainer re-exports it)
from .parameter import ParameterDict, Parameter

__all__ = ["Trainer"]


_STALE = ("Gradient of Parameter `{}` on context {} has not been updated by backward since last `step`. "
          "This could mean a bug in your model that made it only use a subset of the Parameters (Blocks) "
          "for this iteration. If you are intentionally only using a subset, call step with "
          "ignore_stale_grad=True to suppress this warning and skip updating of Parameters with stale "
          "gradient")


class Trainer:
    """``Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})``; ``step(batch_size)`` after
    ``backward`` sums gradients over contexts and updates every parameter.

    ``params``: a list of Parameters, or a dict / ParameterDict, whose Parameters are taken in
    sorted key order (as MXNet does): a Parameter's position is its KVStore key and optimizer
    index, so ``save_states`` files are interchangeable with MXNet's.

    Parameters with ``stype='row_sparse'`` are always updated on a KVStore (created even for one
    device); ``Parameter.row_sparse_data`` pulls their rows from it."""

    def __init__(self, params, optimizer, optimizer_params=None, kvstore="device", compression_params=None,
                 update_on_kvstore=None):
        if isinstance(params, (dict, ParameterDict)):
            params = [params[key] for key in sorted(params.keys())]
        if not isinstance(params, (list, tuple)):
            raise ValueError("First argument must be a list or dict of Parameters, got %s." % type(params))
        self._params = []
        self._param2idx = {}
        for i, p in enumerate(params):
            if not isinstance(p, Parameter):
                raise ValueError("First argument must be a list or dict of Parameters, got list of %s." % type(p))
            self._param2idx[p.name] = i
            self._params.append(p)
            p._set_trainer(self)
        self._contains_sparse_weight = any(p._stype != "default" for p in self._params)
        self._contexts = self._check_contexts()
        optimizer_params = dict(optimizer_params or {})
        self._scale = optimizer_params.get("rescale_grad", 1.0)
        self._kvstore_type = kvstore
        self._update_on_kvstore = update_on_kvstore
        self._update_on_kvstore_arg = update_on_kvstore
        self._compression_params = compression_params
        self._init_optimizer(optimizer, optimizer_params)
        self._kv_initialized = False
        self._kvstore = None

    def _check_contexts(self):
        """The contexts of the parameters, checked as MXNet does when the Trainer is made: a
        parameter not initialized yet (deferred initialization aside) raises RuntimeError,
        parameters on different contexts AssertionError."""
        contexts = None
        for p in self._params:
            ctx = p.list_ctx()
            if contexts is not None and contexts != ctx:
                raise AssertionError("All Parameters must be initialized on the same set of contexts, but "
                                     "Parameter %s is initialized on %s while previous Parameters are "
                                     "initialized on %s." % (p.name, str(ctx), str(contexts)))
            contexts = ctx
        return contexts

    def _init_optimizer(self, optimizer, optimizer_params):
        param_dict = {i: p for i, p in enumerate(self._params)}
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise MXNetError("optimizer_params must be None if optimizer is an instance of Optimizer "
                                 "instead of str")
            self._optimizer = optimizer
            self._optimizer.param_dict = param_dict
        else:
            self._optimizer = opt.create(optimizer, param_dict=param_dict, **optimizer_params)
        self._updaters = None

    def _init_kvstore(self):
        """Create the KVStore as MXNet does: none for one local device, else (or for any dist
        type) a store that sums gradients — and applies the optimizer when update_on_kvstore."""
        from ..model import _create_kvstore, _create_sparse_kvstore
        contexts = None
        for p in self._params:
            ctx = p.list_ctx()
            if contexts is None:
                contexts = ctx
            elif ctx != contexts:
                raise MXNetError("All Parameters must be initialized on the same set of contexts, but "
                                 "Parameter %s is initialized on %s while previous Parameters are "
                                 "initialized on %s." % (p.name, str(ctx), str(contexts)))
        self._contexts = contexts or []
        if self._contains_sparse_weight:    # sparse weights live, and are updated, on the store
            if self._update_on_kvstore is False:
                raise ValueError("Cannot set update_on_kvstore=False when sparse weights are present.")
            kv, update_on_kv = _create_sparse_kvstore(self._kvstore_type)
        elif self._kvstore_type:
            arg_arrays = {p.name: p._data[0] for p in self._params if p._data is not None}
            kv, update_on_kv = _create_kvstore(self._kvstore_type, len(self._contexts), arg_arrays)
        else:
            kv, update_on_kv = None, False
        if kv is not None:
            if "async" in kv.type:
                if self._update_on_kvstore is False:
                    raise ValueError("Please set update_on_kvstore to true when training in async mode.")
                update_on_kv = True
            elif self._update_on_kvstore is not None:
                update_on_kv = self._update_on_kvstore
            if not kv.is_capable("optimizer"):
                update_on_kv = False
            if self._compression_params:
                kv.set_gradient_compression(self._compression_params)
            if update_on_kv:
                kv.set_optimizer(self._optimizer)
            for i, p in enumerate(self._params):
                if p._stype != "default":
                    kv.init(i, p._all_data()[0])      # read back through row_sparse_data
                else:
                    # every device (and worker) starts from the first device's values of every
                    # parameter, BatchNorm's running statistics included (MXNet's broadcast)
                    kv.init(i, p.list_data()[0])
                    kv.pull(i, p.list_data(), priority=-i)
        self._kvstore = kv
        self._update_on_kvstore = bool(update_on_kv) if kv is not None else False
        self._updaters = [opt.get_updater(self._optimizer) for _ in self._contexts]
        self._kv_initialized = True

    def _reset_kvstore(self):
        """Drop the KVStore (after ``Parameter.set_data``): the next step creates it again from
        the parameters' values."""
        if self._kvstore and "dist" in self._kvstore.type:
            raise RuntimeError("Cannot reset distributed KVStore.")
        self._kv_initialized = False
        self._kvstore = None
        self._update_on_kvstore = self._update_on_kvstore_arg

    def _row_sparse_pull(self, parameter, out, row_id, full_idx=False):
        """Pull the rows ``row_id`` of ``parameter`` from the KVStore into ``out`` (an array or a
        list of arrays); ``full_idx``: ``row_id`` lists every row, a plain pull does."""
        if not self._kv_initialized:
            self._init_kvstore()
        idx = self._param2idx[parameter.name]
        if full_idx and "dist" not in self._kvstore.type:
            assert row_id.size == out.shape[0]
            self._kvstore.pull(idx, out=out, priority=-idx, ignore_sparse=False)
            return
        self._kvstore.row_sparse_pull(idx, out=out, row_ids=row_id, priority=-idx)

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    @property
    def optimizer(self):
        return self._optimizer

    def set_learning_rate(self, lr):
        """Set the optimizer's learning rate."""
        self._optimizer.set_learning_rate(lr)

    def step(self, batch_size, ignore_stale_grad=False):
        """One optimisation step with gradients normalised by ``batch_size``."""
        self._optimizer.rescale_grad = self._scale / batch_size
        if not self._kv_initialized:
            self._init_kvstore()
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self):
        """Sum gradients over contexts (for a manual ``update``)."""
        if not self._kv_initialized:
            self._init_kvstore()
        self._allreduce_grads()

    def _allreduce_grads(self):
        if self._kvstore is None:
            return
        # One pushpull for every parameter: a distributed store then reduces them in a few
        # fused collectives instead of one per parameter (MXNet issues one call per key).
        keys = [i for i, p in enumerate(self._params) if p.grad_req != "null"]
        sparse = [i for i in keys if self._params[i]._stype != "default"]
        if sparse:    # updated on the store; row_sparse_data pulls the rows the next batch needs
            self._kvstore.push(sparse, [self._params[i].list_grad() for i in sparse])
            keys = [i for i in keys if self._params[i]._stype == "default"]
        if not keys:
            return
        grads = [self._params[i].list_grad() for i in keys]
        if self._update_on_kvstore:    # the store sums, updates and sends back weights
            self._kvstore.pushpull(keys, grads, out=[self._params[i].list_data() for i in keys])
        else:
            self._kvstore.pushpull(keys, grads)

    def update(self, batch_size, ignore_stale_grad=False):
        """Apply the optimizer (after ``allreduce_grads``)."""
        if not self._kv_initialized:
            self._init_kvstore()
        if self._update_on_kvstore:
            raise MXNetError("update() when parameters are updated on kvstore is not supported. "
                             "Try setting `update_on_kvstore` to False when creating trainer.")
        self._optimizer.rescale_grad = self._scale / batch_size
        self._update(ignore_stale_grad)

    def _update(self, ignore_stale_grad=False):
        # one updater call per device with all its weights: SGD updates several per operator call
        updates = [[] for _ in self._updaters]
        for i, p in enumerate(self._params):
            if p._grad_req == "null":
                continue
            data, grads = p._data, p._grad
            if data is None or grads is None:       # the usual errors (not initialised, ...)
                data, grads = p.list_data(), p.list_grad()
            if not ignore_stale_grad:
                for w in data:
                    if not w._fresh:
                        raise UserWarning(_STALE.format(p.name, w.context))
            if self._update_on_kvstore:     # (the store updated the weights in allreduce)
                continue
            for dev, w, g in zip(updates, data, grads):
                if not ignore_stale_grad or w._fresh:   # stale ones are skipped
                    dev.append((i, g, w))
                    w._fresh = 0
        if self._update_on_kvstore:
            return
        if len(updates) == 1 and updates[0] and fused_update(self._updaters[0], updates[0]):
            return                  # (momentum SGD on one device: the kernels right away)
        for upd, dev in zip(self._updaters, updates):
            if dev:
                idx, grads, weights = zip(*dev)
                upd(list(idx), list(grads), list(weights))

    def save_states(self, fname):
        """Save the optimizer (updater) states."""
        from ..util import atomic_write
        if not self._kv_initialized:
            self._init_kvstore()
        if self._update_on_kvstore:
            self._kvstore.save_optimizer_states(fname, dump_optimizer=True)
        else:
            atomic_write(fname, [self._updaters[0].get_states(dump_optimizer=True)])

    def load_states(self, fname):
        """Load states written by ``save_states``."""
        if not self._kv_initialized:
            self._init_kvstore()
        if self._update_on_kvstore:
            self._kvstore.load_optimizer_states(fname)
            self._optimizer = self._kvstore._updater.optimizer
            return
        with open(fname, "rb") as f:
            states = f.read()
        for u in self._updaters:
            u.set_states(states)
        self._optimizer = self._updaters[0].optimizer
