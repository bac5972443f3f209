"""The operator registry and every operator family (one module per family)."""
from . import registry
from .registry import OpDef, register, get_op, find_op, list_ops
# Families: importing a module registers its operators.
from . import elemwise, init_ops, shape_ops, subscript, array_ops, reduce, dot, indexing, sorting, random_ops  # noqa: F401
from . import nn_basic  # noqa: F401
from . import optimizer_ops  # noqa: F401
from . import norm, activation  # noqa: F401
from . import conv, pooling  # noqa: F401
from . import rnn, spatial, ctc  # noqa: F401
from . import linalg, misc_ops, contrib_ops  # noqa: F401
from . import custom, sparse_ops, control_flow, image_ops, legacy_ops  # noqa: F401
from . import quantization_ops  # noqa: F401
from . import contrib_graph  # noqa: F401  (after legacy_ops: adds dgl_adjacency's csr kernel)
