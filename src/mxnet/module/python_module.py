"""PythonModule / PythonLossModule: modules whose computation is written in Python.

``PythonModule`` is the convenience base class: no parameters, no optimizer (``init_params``,
``init_optimizer``, ``update`` do nothing), ``bind`` records the shapes and asks
``_compute_output_shapes()`` for the outputs. ``PythonLossModule`` is a loss layer for the end of
a ``SequentialModule``: forward passes its (single) input through as output, backward gives the
input gradient ``grad_func(scores, labels)``.
"""
import logging

from .. import ndarray as nd
from .base_module import BaseModule

__all__ = ["PythonModule", "PythonLossModule"]


def _check(cond, msg):
    if not cond:
        raise AssertionError(msg)


class PythonModule(BaseModule):
    """A module with no parameters, for computations written in Python.

    Parameters
    ----------
    data_names, label_names, output_names : list of str
        The names of the data, labels and outputs (``label_names`` may be None)."""

    def __init__(self, data_names, label_names, output_names, logger=logging):
        super().__init__(logger=logger)
        if isinstance(data_names, tuple):
            data_names = list(data_names)
        if isinstance(label_names, tuple):
            label_names = list(label_names)
        self._data_names = data_names
        self._label_names = label_names
        self._output_names = output_names
        self._data_shapes = None
        self._label_shapes = None
        self._output_shapes = None

    @property
    def data_names(self):
        """The names of the data."""
        return self._data_names

    @property
    def output_names(self):
        """The names of the outputs."""
        return self._output_names

    @property
    def data_shapes(self):
        """``[(name, shape), ...]`` of the data, as given to ``bind``."""
        return self._data_shapes

    @property
    def label_shapes(self):
        """``[(name, shape), ...]`` of the labels, as given to ``bind`` (None: no labels)."""
        return self._label_shapes

    @property
    def output_shapes(self):
        """``[(name, shape), ...]`` of the outputs."""
        return self._output_shapes

    def get_params(self):
        """``({}, {})``: a PythonModule has no parameters."""
        return (dict(), dict())

    def init_params(self, initializer=None, arg_params=None, aux_params=None, allow_missing=False,
                    force_init=False, allow_extra=False):
        """Nothing to initialise; subclasses with parameters override this."""

    def update(self):
        """Nothing to update; subclasses with parameters override this."""

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Update ``eval_metric`` with ``labels`` and this module's outputs (no-op without labels)."""
        if self._label_shapes is None:
            return
        if pre_sliced:
            raise RuntimeError("PythonModule does not support presliced labels")
        eval_metric.update(labels, self.get_outputs())

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Record the shapes and compute the output shapes (``_compute_output_shapes``)."""
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        _check(grad_req == "write", "Python module only support write gradient")
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        _check(len(data_shapes) == len(self._data_names),
               "data_shapes {} do not match data_names {}".format(data_shapes, self._data_names))
        _check([x[0] for x in data_shapes] == list(self._data_names),
               "data_shapes {} do not match data_names {}".format(data_shapes, self._data_names))
        self._data_shapes = data_shapes
        self._label_shapes = label_shapes
        if label_shapes is not None:
            _check(self._label_names is not None, "label_shapes given but the module has no label_names")
            _check(len(self._label_names) == len(label_shapes) and
                   [x[0] for x in label_shapes] == list(self._label_names),
                   "label_shapes {} do not match label_names {}".format(label_shapes, self._label_names))
        self._output_shapes = self._compute_output_shapes()
        self.binded = True

    def _compute_output_shapes(self):
        """``[(name, shape), ...]`` of the outputs, from ``self._data_shapes`` and
        ``self._label_shapes``; subclasses implement it."""
        raise NotImplementedError()

    def init_optimizer(self, kvstore="local", optimizer="sgd", optimizer_params=(("learning_rate", 0.01),),
                       force_init=False):
        """No parameters, no optimizer; subclasses with parameters override this."""


class PythonLossModule(PythonModule):
    """A loss module: forward passes its input through, backward gives
    ``grad_func(scores, labels)`` as the input gradient.

    Parameters
    ----------
    name : str
        The output is named ``name + '_output'``.
    data_names, label_names : list of one str
    grad_func : callable ``(scores, labels) -> gradient`` (NDArray or array-like)."""

    def __init__(self, name="pyloss", data_names=("data",), label_names=("softmax_label",), logger=logging,
                 grad_func=None):
        super().__init__(data_names, label_names, [name + "_output"], logger=logger)
        self._name = name
        _check(len(data_names) == 1, "PythonLossModule takes exactly one data name")
        _check(len(label_names) == 1, "PythonLossModule takes exactly one label name")
        self._scores = None
        self._labels = None
        self._scores_grad = None
        if grad_func is not None:
            _check(callable(grad_func), "grad_func must be callable")
        self._grad_func = grad_func

    def _compute_output_shapes(self):
        return [(self._name + "_output", self._data_shapes[0][1])]

    def forward(self, data_batch, is_train=None):
        """Keep the input (the scores) and, in training, the labels."""
        self._scores = data_batch.data[0]
        if is_train is None:
            is_train = self.for_training
        if is_train:
            self._labels = data_batch.label[0]

    def get_outputs(self, merge_multi_context=True):
        """``[scores]``: the input, unchanged."""
        _check(merge_multi_context, "PythonLossModule only supports merge_multi_context=True")
        return [self._scores]

    def backward(self, out_grads=None):
        """Compute the input gradient (a loss module takes no ``out_grads``)."""
        _check(out_grads is None, "For a loss module, out_grads should be None")
        _check(self.for_training, "backward needs a module bound for training")
        self._backward_impl()

    def _backward_impl(self):
        """``grad_func(scores, labels)`` as the gradient; subclasses without grad_func override."""
        if self._grad_func is None:
            raise NotImplementedError()
        grad = self._grad_func(self._scores, self._labels)
        if not isinstance(grad, nd.NDArray):
            grad = nd.array(grad)
        self._scores_grad = grad

    def get_input_grads(self, merge_multi_context=True):
        """``[gradient of the scores]``."""
        _check(merge_multi_context, "PythonLossModule only supports merge_multi_context=True")
        return [self._scores_grad]

    def install_monitor(self, mon):
        raise NotImplementedError()
