"""The optimizers ``SVRGModule`` installs (for ``SVRGModule`` only).

``_SVRGOptimizer`` wraps two optimizers and picks one by parameter name: keys whose name
contains ``"full"`` (the ``<param>_full`` KVStore keys that accumulate full gradients) go to
``_AssignmentOptimizer``, every other parameter to the default optimizer given to
``SVRGModule.init_optimizer``.
"""
from ... import optimizer as _opt
from ...optimizer import Optimizer

__all__ = ["_AssignmentOptimizer", "_SVRGOptimizer"]

# The parameters the base ``Optimizer`` accepts; the rest only go to the default optimizer.
_BASE_PARAMS = ("rescale_grad", "param_idx2name", "wd", "clip_gradient", "learning_rate",
                "lr_scheduler", "sym", "begin_num_update", "multi_precision", "param_dict")


@Optimizer.register
class _AssignmentOptimizer(Optimizer):
    """Assigns the gradient to the weight (``weight[:] = grad``): a KVStore with this optimizer
    stores the sum of what is pushed, which is how SVRGModule accumulates full gradients
    across devices and workers."""

    def update(self, index, weight, grad, state):
        """Set ``weight`` to ``grad``; there is no state."""
        weight[:] = grad


@Optimizer.register
class _SVRGOptimizer(Optimizer):
    """Dispatches updates between ``_AssignmentOptimizer`` (for ``*_full`` keys) and
    ``default_optimizer``.

    Parameters
    ----------
    default_optimizer : str or Optimizer
        The optimizer passed to ``SVRGModule.init_optimizer``. A name is created with all the
        keyword arguments (its own parameters, e.g. ``momentum``, included); an Optimizer is
        used as it is.
    kwargs
        The base ``Optimizer`` parameters among them configure this wrapper.
    """

    def __init__(self, default_optimizer, **kwargs):
        super().__init__(**self._check_params(**kwargs))
        if isinstance(default_optimizer, str):
            self.default_opt = _opt.create(default_optimizer, **kwargs)
        else:
            self.default_opt = default_optimizer
        self.aux_opt = _opt.create(_AssignmentOptimizer.__name__)

    @staticmethod
    def _check_params(**kwargs):
        """The entries of ``kwargs`` that the base ``Optimizer`` accepts."""
        return {k: v for k, v in kwargs.items() if k in _BASE_PARAMS}

    def _check_index(self, index):
        """The parameter name of ``index`` (an int of ``idx2name``, or already a name: KVStore
        keys are names)."""
        if index in self.idx2name.values():
            return index
        return self.idx2name[index]

    def create_state(self, index, weight):
        """The state of the optimizer that updates ``index`` (none for ``*_full`` keys)."""
        if "full" in self._check_index(index):
            return self.aux_opt.create_state(index, weight)
        return self.default_opt.create_state(index, weight)

    def update(self, index, weight, grad, state):
        """Assign for ``*_full`` keys, else update with the default optimizer."""
        if "full" in self._check_index(index):
            self.aux_opt.update(index, weight, grad, state)
        else:
            self.default_opt.update(index, weight, grad, state)
