"""``mx.optimizer.contrib``: contributed optimizers (GroupAdaGrad)."""
from .adaptive import GroupAdaGrad

__all__ = ["GroupAdaGrad"]
