"""SequentialModule: modules chained so each one's outputs are the next one's data."""
import logging

from ..base import MXNetError
from .base_module import BaseModule

__all__ = ["SequentialModule"]


class _Batch:
    def __init__(self, data, label, pad=0):
        self.data = data
        self.label = label
        self.pad = pad
        self.index = None
        self.provide_data = None
        self.provide_label = None


class SequentialModule(BaseModule):
    """``SequentialModule().add(m1).add(m2, take_labels=True, auto_wiring=True)``."""
    META_TAKE_LABELS = "take_labels"
    META_AUTO_WIRING = "auto_wiring"

    def __init__(self, logger=logging):
        super().__init__(logger=logger)
        self._modules = []
        self._metas = []
        self._label_shapes = None
        self._data_shapes = None

    def add(self, module, **kwargs):
        """Append ``module``; ``take_labels=True`` gives it the labels. Returns self."""
        for k in kwargs:
            if k not in (self.META_TAKE_LABELS, self.META_AUTO_WIRING):
                raise ValueError("Unknown meta \"%s\", a typo?" % k)
        self._modules.append(module)
        self._metas.append(kwargs)
        self.binded = False
        self.params_initialized = False
        self.optimizer_initialized = False
        return self

    @property
    def data_names(self):
        return self._modules[0].data_names if self._modules else []

    @property
    def output_names(self):
        return self._modules[-1].output_names if self._modules else []

    @property
    def data_shapes(self):
        return self._modules[0].data_shapes

    @property
    def label_shapes(self):
        return self._label_shapes

    @property
    def output_shapes(self):
        return self._modules[-1].output_shapes

    def get_params(self):
        arg_params, aux_params = {}, {}
        for m in self._modules:
            a, x = m.get_params()
            arg_params.update(a)
            aux_params.update(x)
        return arg_params, aux_params

    def init_params(self, initializer=None, arg_params=None, aux_params=None, allow_missing=False,
                    force_init=False, allow_extra=False):
        if self.params_initialized and not force_init:
            return
        for m in self._modules:
            m.init_params(initializer=initializer, arg_params=arg_params, aux_params=aux_params,
                          allow_missing=allow_missing, force_init=force_init, allow_extra=True)
        self.params_initialized = True

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if shared_module is not None:
            raise MXNetError("SequentialModule does not support shared_module")
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._label_shapes = label_shapes
        my_data_shapes = data_shapes
        for i, (m, meta) in enumerate(zip(self._modules, self._metas)):
            my_label_shapes = label_shapes if meta.get(self.META_TAKE_LABELS) else None
            need_grad = inputs_need_grad if i == 0 else for_training
            m.bind(my_data_shapes, my_label_shapes, for_training, need_grad, force_rebind, None, grad_req)
            # the next module's data are this one's outputs, under the next module's data names
            if i + 1 < len(self._modules):
                names = self._modules[i + 1].data_names
                my_data_shapes = [(n, s) for n, (_, s) in zip(names, m.output_shapes)]
        self.binded = True

    def init_optimizer(self, kvstore="local", optimizer="sgd", optimizer_params=(("learning_rate", 0.01),),
                       force_init=False):
        if self.optimizer_initialized and not force_init:
            return
        for m in self._modules:
            m.init_optimizer(kvstore, optimizer, optimizer_params, force_init=force_init)
        self.optimizer_initialized = True

    def forward(self, data_batch, is_train=None):
        batch = data_batch
        for i, m in enumerate(self._modules):
            m.forward(batch, is_train=is_train)
            if i + 1 == len(self._modules):
                break
            batch = _Batch(m.get_outputs(), data_batch.label, getattr(data_batch, "pad", 0))

    def backward(self, out_grads=None):
        for i, m in reversed(list(enumerate(self._modules))):
            m.backward(out_grads=out_grads)
            if i == 0:
                break
            out_grads = m.get_input_grads()

    def update(self):
        for m in self._modules:
            m.update()

    def get_outputs(self, merge_multi_context=True):
        return self._modules[-1].get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        return self._modules[0].get_input_grads(merge_multi_context=merge_multi_context)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        for m, meta in zip(self._modules, self._metas):
            if meta.get(self.META_TAKE_LABELS):
                m.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        for m in self._modules:
            m.install_monitor(mon)
