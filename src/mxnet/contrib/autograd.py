"""The pre-1.0 autograd API (``mx.contrib.autograd``), kept for old code.

``set_is_training``/``train_section``/``test_section`` switch recording and training mode
together; ``grad_and_loss``/``grad`` turn a function of NDArrays into one returning gradients.
Everything runs on :mod:`mxnet.autograd`."""
import functools

from .. import autograd as _ag
from ..ndarray import NDArray, zeros_like

__all__ = ["set_is_training", "TrainingStateScope", "train_section", "test_section",
           "mark_variables", "backward", "compute_gradient", "grad_and_loss", "grad"]


def set_is_training(is_train):
    """Set training and recording state together; returns the previous recording state."""
    _ag.set_training(is_train)
    return _ag.set_recording(is_train)


class TrainingStateScope(object):
    """Scope that sets training (and recording) state on entry and restores it on exit."""

    def __init__(self, enter_state):
        self._enter_state = enter_state
        self._prev = None

    def __enter__(self):
        self._prev = set_is_training(self._enter_state)

    def __exit__(self, ptype, value, trace):
        if self._prev != self._enter_state:
            set_is_training(self._prev)


def train_section():
    """Scope in which operations are recorded and run in training mode."""
    return TrainingStateScope(True)


def test_section():
    """Scope in which recording stops and operations run in inference mode."""
    return TrainingStateScope(False)


def mark_variables(variables, gradients, grad_reqs="write"):
    """Mark NDArrays as variables whose gradients are written (or added) into ``gradients``."""
    if isinstance(grad_reqs, str):
        grad_reqs = [grad_reqs] * len(variables)
    for r in grad_reqs:
        if r not in ("null", "write", "add", "inplace"):
            raise KeyError(r)
    _ag.mark_variables(list(variables), list(gradients),
                       ["write" if r == "inplace" else r for r in grad_reqs])


def backward(outputs, out_grads=None, retain_graph=False):
    """Compute the gradients of ``outputs`` (a list of NDArrays) w.r.t. the marked variables."""
    assert isinstance(outputs, (list, tuple)), "outputs must be a list or tuple of NDArrays"
    if out_grads is not None:
        assert len(out_grads) == len(outputs), "outputs and out_grads must have the same length"
        if all(g is None for g in out_grads):
            out_grads = None
        elif any(g is None for g in out_grads):
            from ..ndarray import ones_like
            out_grads = [ones_like(o) if g is None else g for o, g in zip(outputs, out_grads)]
    _ag.backward(list(outputs), out_grads, retain_graph=retain_graph, train_mode=True)


def compute_gradient(outputs):
    """Deprecated. Please use backward."""
    backward(outputs)


def grad_and_loss(func, argnum=None):
    """Wrap ``func`` so that it returns ``(gradients of its arguments, its outputs)``.

    ``argnum`` (an int or a list of ints) picks the arguments to differentiate (all by default)."""
    @functools.wraps(func)
    def wrapped(*args):
        variables = args
        if argnum is not None:
            argnum_ = argnum if isinstance(argnum, list) else [argnum]
            variables = [args[i] for i in argnum_]
        for x in variables:
            assert isinstance(x, NDArray), "type of autograd input should NDArray."
        grads = [zeros_like(x) for x in variables]
        mark_variables(variables, grads)
        with train_section():
            outputs = func(*args)
        compute_gradient([outputs] if isinstance(outputs, NDArray) else outputs)
        return grads, outputs
    return wrapped


def grad(func, argnum=None):
    """Wrap ``func`` so that it returns the gradients of its arguments (see grad_and_loss)."""
    grad_with_loss_func = grad_and_loss(func, argnum)

    @functools.wraps(grad_with_loss_func)
    def wrapped(*args):
        return grad_with_loss_func(*args)[0]
    return wrapped
