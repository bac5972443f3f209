"""``mx.sym.sparse``: the symbolic forms of MXNet 1.9.1's storage-aware operators.

Each function creates the same graph node as the dense operator it aliases (``mx.sym.sparse.abs``
-> an ``abs`` node named ``abs0``, ``mx.sym.sparse.retain`` -> ``_sparse_retain``), as MXNet does.
Bound graphs run on dense arrays (MXNet's storage fallback), so a ``stype='csr'`` variable is
fed a dense array of the same values.
"""
from ..ops import registry as _registry
from ..ops.sparse_ops import UNARY as _UNARY
from .register import make_function as _make_function

__all__ = []

_FUNCS = {
    "ElementWiseSum": "add_n", "add_n": "add_n", "concat": "Concat", "stop_gradient": "BlockGrad",
    "retain": "_sparse_retain", "adagrad_update": "_sparse_adagrad_update",
}
for _n in ("Embedding FullyConnected LinearRegressionOutput LogisticRegressionOutput "
           "MAERegressionOutput adam_update broadcast_add broadcast_div broadcast_minus "
           "broadcast_mul broadcast_plus broadcast_sub cast_storage clip dot elemwise_add "
           "elemwise_div elemwise_mul elemwise_sub ftrl_update make_loss mean norm sgd_mom_update "
           "sgd_update slice sum where zeros_like").split() + list(_UNARY):
    _FUNCS.setdefault(_n, _n)

for _pub, _opname in _FUNCS.items():
    _op = _registry.find_op(_opname)
    if _op is not None:
        globals()[_pub] = _make_function(_op, _pub)
        __all__.append(_pub)
