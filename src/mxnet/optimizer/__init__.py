"""``mx.optimizer``: weight-update rules (SGD, Adam, ...), their registry and the ``Updater``.

``mx.optimizer.create('sgd', learning_rate=0.1, momentum=0.9)`` builds a registered optimizer by
name; ``get_updater(opt)`` wraps it into the callable a KVStore or Module applies to
(index, grad, weight). Updates run as registry operators (``sgd_mom_update``, ``adam_update``...)
through the engine, so they are asynchronous like every other op.
"""
from . import optimizer
from .optimizer import Optimizer, register, create, Test
from .sgd import SGD, ccSGD, NAG, Signum, LARS, LBSGD, DCASGD, SGLD
from .adaptive import Adam, AdaGrad, RMSProp, AdaDelta, Ftrl, Adamax, Nadam, FTML, LAMB, GroupAdaGrad
from .updater import Updater, get_updater
from ..ndarray import abs as NDabs  # noqa: F401  (MXNet exports it here)
from . import contrib

# MXNet defines every optimizer in mxnet.optimizer.optimizer; code that reaches them there
# (mx.optimizer.optimizer.SGD) keeps working.
for _name in ("SGD", "ccSGD", "NAG", "Signum", "LARS", "LBSGD", "DCASGD", "SGLD", "Adam", "AdaGrad",
              "RMSProp", "AdaDelta", "Ftrl", "Adamax", "Nadam", "FTML", "LAMB", "Updater",
              "get_updater", "NDabs"):
    setattr(optimizer, _name, globals()[_name])
del _name

__all__ = ["AdaDelta", "AdaGrad", "Adam", "Adamax", "DCASGD", "FTML", "Ftrl", "LARS", "LBSGD",
           "NAG", "NDabs", "Nadam", "Optimizer", "RMSProp", "SGD", "SGLD", "Signum", "LAMB",
           "Test", "Updater", "ccSGD", "create", "get_updater", "register", "contrib"]
