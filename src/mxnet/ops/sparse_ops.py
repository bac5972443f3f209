"""Sparse-storage operators: ``_sparse_retain``, ``_sparse_adagrad_update`` and
the ``_sparse_<op>`` names MXNet 1.9.1 registers for the storage-aware forms of dense operators.

In MXNet, ``_sparse_abs``, ``_sparse_dot``, ... are aliases of the dense operators (one operator
with a storage-type dispatch), so here they are registry aliases too. Graphs (``mx.sym``, the
executor) run every operator on dense data, as MXNet's executor does in storage fallback: a
``csr``/``row_sparse`` variable is bound to a dense array. Storage types of imperative results
(``mx.nd.sparse.*``, methods of ``CSRNDArray``/``RowSparseNDArray``) are decided in
``mxnet/ndarray/sparse.py``; the kernels of the operators below see dense arrays.

CSR-native kernels (:func:`csr_kernel`): operators whose values are structure, not numbers (the
DGL graph operators, where a stored value is an edge id and id 0 is an edge), cannot run on the
densified matrix. Such an operator carries a second kernel that takes its csr inputs as
:class:`CSR` structures (explicitly stored zeros kept) and returns :class:`CSR` structures for
its csr outputs; ``ndarray/sparse.py`` runs it on CSRNDArrays and builds CSRNDArrays from its
results. Its registry ``forward`` (graphs, dense inputs) wraps the same kernel: dense csr inputs
are compressed (their zeros are not entries) and csr outputs densified.

Row_sparse gradients (:func:`row_sparse_grad`): an operator whose gradient MXNet makes row_sparse
by construction (Embedding with ``sparse_grad``) lists the rows it stores, zero rows included;
autograd stores exactly those rows (see ``mxnet/autograd.py``).
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Float
from .registry import OpDef, register, find_op, alias

__all__ = ["CSR", "csr_kernel", "row_sparse_grad"]

_IDX = np.dtype(np.int64)


# -- CSR-native kernels -----------------------------------------------------------------------
class CSR:
    """A csr matrix as a CSR-native kernel sees it: ``data`` (nnz,), ``indices`` (nnz,) column
    indices and ``indptr`` (rows + 1,) row offsets (``xp`` arrays; indices int64), and ``shape``
    (rows, cols). Every stored value is an entry, zeros included."""
    __slots__ = ("data", "indices", "indptr", "shape")

    def __init__(self, data, indices, indptr, shape):
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.shape = tuple(int(d) for d in shape)

    @classmethod
    def from_dense(cls, xp, dense):
        """The entries of a dense 2-D array (its exact zeros are not entries)."""
        if dense.ndim != 2:
            raise MXNetError("csr storage needs a 2-D array, got shape {}".format(tuple(dense.shape)))
        rows, cols = xp.nonzero(dense)
        indptr = xp.zeros((dense.shape[0] + 1,), dtype=_IDX)
        if rows.size:
            indptr[1:] = xp.cumsum(xp.bincount(rows, minlength=dense.shape[0]))
        return cls(dense[rows, cols], cols.astype(_IDX), indptr, dense.shape)

    def row_ids(self, xp):
        """The row of each stored value."""
        return xp.searchsorted(self.indptr, xp.arange(self.data.shape[0], dtype=_IDX), side="right") - 1

    def to_dense(self, xp, dtype=None):
        out = xp.zeros(self.shape, dtype=dtype or self.data.dtype)
        if self.data.shape[0]:
            out[self.row_ids(xp), self.indices] = self.data
        return out


def csr_kernel(op, kernel, csr_inputs, csr_outputs, dense_forward=True):
    """Give registry operator ``op`` a CSR-native kernel.

    ``kernel(env, attrs, inputs) -> outputs``: the inputs at positions ``csr_inputs(attrs)``
    are :class:`CSR` (the others ``xp`` arrays), the outputs at positions ``csr_outputs(attrs)``
    are :class:`CSR` (cast to the inferred dtype by the caller). Imperative calls with a sparse
    input run it on the stored structure (``ndarray/sparse.py``); with ``dense_forward`` the
    operator's ``forward`` becomes the same kernel on dense arrays (graphs, dense inputs)."""
    op.csr_forward = kernel
    op.csr_inputs = csr_inputs
    op.csr_outputs = csr_outputs
    if dense_forward:
        def forward(env, attrs, inputs, aux):
            xp = env.xp
            ins = list(inputs)
            for i in csr_inputs(attrs):
                ins[i] = CSR.from_dense(xp, ins[i])
            res = list(kernel(env, attrs, ins))
            for i in csr_outputs(attrs):
                res[i] = res[i].to_dense(xp)
            return tuple(res)
        op.forward = forward
    return op

# -- gradients that are row_sparse by construction --------------------------------------------
def row_sparse_grad(op, inputs, rows):
    """Declare that registry operator ``op``'s gradient with respect to the inputs at positions
    ``inputs(attrs)`` is row_sparse by construction (MXNet infers row_sparse storage for it:
    Embedding with ``sparse_grad=True``). ``rows(xp, attrs, in_data, i, grad_req)`` returns the
    sorted unique int64 ids of the rows input ``i``'s gradient stores, all-zero rows included
    (it may refuse grad_req 'add' as MXNet's kernels do). The backward kernel stays dense;
    autograd stores these rows in row_sparse gradient buffers and ``autograd.grad`` returns such
    a gradient in row_sparse storage."""
    op.rsp_grad_inputs = inputs
    op.grad_rows = rows
    return op


def _register_row_sparse_grads():
    from .activation import embedding_grad_rows
    row_sparse_grad(find_op("Embedding"), lambda a: (1,) if a.sparse_grad else (), embedding_grad_rows)
    sparse_emb = find_op("_contrib_SparseEmbedding")       # (its gradient is always row_sparse)
    if sparse_emb is not None:
        row_sparse_grad(sparse_emb, lambda a: (1,), embedding_grad_rows)


_register_row_sparse_grads()

# _sparse_<name> -> the dense operator it is an alias of (MXNet: MXNET_ADD_SPARSE_OP_ALIAS)
SPARSE_ALIASES = {
    "_sparse_ElementWiseSum": "add_n", "_sparse_add_n": "add_n",
    "_sparse_Embedding": "Embedding", "_sparse_FullyConnected": "FullyConnected",
    "_sparse_LinearRegressionOutput": "LinearRegressionOutput",
    "_sparse_LogisticRegressionOutput": "LogisticRegressionOutput",
    "_sparse_MAERegressionOutput": "MAERegressionOutput",
    "_sparse__contrib_round_ste": "_contrib_round_ste", "_sparse__contrib_sign_ste": "_contrib_sign_ste",
    "_sparse_broadcast_add": "broadcast_add", "_sparse_broadcast_div": "broadcast_div",
    "_sparse_broadcast_minus": "broadcast_sub", "_sparse_broadcast_mul": "broadcast_mul",
    "_sparse_broadcast_plus": "broadcast_add", "_sparse_broadcast_sub": "broadcast_sub",
    "_sparse_concat": "Concat", "_sparse_dot": "dot",
    "_sparse_elemwise_add": "elemwise_add", "_sparse_elemwise_div": "elemwise_div",
    "_sparse_elemwise_mul": "elemwise_mul", "_sparse_elemwise_sub": "elemwise_sub",
    "_sparse_adam_update": "adam_update", "_sparse_ftrl_update": "ftrl_update",
    "_sparse_sgd_update": "sgd_update", "_sparse_sgd_mom_update": "sgd_mom_update",
    "_sparse_cast_storage": "cast_storage", "_sparse_clip": "clip", "_sparse_make_loss": "make_loss",
    "_sparse_mean": "mean",
    "_sparse_sum": "sum", "_sparse_norm": "norm", "_sparse_slice": "slice",
    "_sparse_stop_gradient": "BlockGrad", "_sparse_where": "where", "_sparse_zeros_like": "zeros_like",
}
UNARY = ("abs arccos arccosh arcsin arcsinh arctan arctanh cbrt ceil cos cosh degrees exp expm1 fix "
         "floor gamma gammaln log log10 log1p log2 negative radians relu rint round rsqrt sigmoid "
         "sign sin sinh sqrt square tan tanh trunc").split()
for _n in UNARY:
    SPARSE_ALIASES["_sparse_" + _n] = _n

MISSING = []      # aliases whose dense operator is not registered (reported by the tests)


# -- _sparse_retain --------------------------------------------------------------------------
def _row_mask(xp, n, indices):
    idx = indices.reshape(-1).astype(np.int64)
    idx = idx[(idx >= 0) & (idx < n)]
    mask = xp.zeros((n,), dtype=bool)
    mask[idx] = True
    return mask


def _retain(env, attrs, inputs, aux):
    data, indices = inputs
    xp = env.xp
    if data.ndim == 0:
        return (data.copy(),)
    mask = _row_mask(xp, data.shape[0], indices).reshape((-1,) + (1,) * (data.ndim - 1))
    return (xp.where(mask, data, xp.zeros((), dtype=data.dtype)),)


def _retain_backward(env, attrs, inputs, outputs, out_grads, req):
    data, indices = inputs
    g = _retain(env, attrs, [out_grads[0], indices], ())[0]
    return [g, env.xp.zeros_like(indices)]


register(OpDef(
    "_sparse_retain", _retain, inputs=("data", "indices"),
    infer_type=lambda attrs, dts: [dts[0]], backward=_retain_backward,
    doc="Pick rows specified by user input index array from a row sparse matrix and save them "
        "in the output sparse matrix."))


# -- _sparse_adagrad_update ------------------------------------------------------------------
def _adagrad(env, attrs, inputs, aux):
    xp = env.xp
    weight, grad = inputs
    history = aux[0]
    t = weight.dtype.type
    g = grad * t(attrs.rescale_grad)
    if attrs.clip_gradient >= 0:
        g = xp.clip(g, -t(attrs.clip_gradient), t(attrs.clip_gradient))
    history += g * g
    step = g / xp.sqrt(history + t(attrs.epsilon)) + t(attrs.wd) * weight
    return (weight - t(attrs.lr) * step,)


register(OpDef(
    "_sparse_adagrad_update", _adagrad, inputs=("weight", "grad"), aux=("history",),
    params=(Param("lr", Float, doc="Learning rate"),
            Param("epsilon", Float, 1e-07, "epsilon"),
            Param("wd", Float, 0.0, "weight decay"),
            Param("rescale_grad", Float, 1.0, "Rescale gradient to grad = rescale_grad*grad."),
            Param("clip_gradient", Float, -1.0, "Clip gradient to the range of "
                  "[-clip_gradient, clip_gradient]; off when clip_gradient <= 0.")),
    infer_shape=lambda attrs, shapes: [shapes[0]],
    doc="Update function for AdaGrad optimizer."))


def _register_aliases():
    for name, base in SPARSE_ALIASES.items():
        op = find_op(base)
        if op is None:
            MISSING.append(name)
        elif find_op(name) is None:
            alias(op.name, name)


_register_aliases()
