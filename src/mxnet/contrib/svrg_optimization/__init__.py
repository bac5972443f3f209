"""SVRG optimization (``mx.contrib.svrg_optimization``): ``svrg_module.SVRGModule`` trains a
Module with stochastic variance-reduced gradients, ``svrg_optimizer`` holds the optimizers it
installs."""
from . import svrg_module
from . import svrg_optimizer

__all__ = ["svrg_module", "svrg_optimizer"]
