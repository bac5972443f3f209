"""``gluon.nn.Embedding``: rows of a (input_dim, output_dim) weight looked up by integer index
(MXNet 1.9.1 keeps it in ``gluon/nn/basic_layers.py``)."""
from ..block import HybridBlock

__all__ = ["Embedding"]


class Embedding(HybridBlock):
    """Maps indices of any shape S to vectors: output shape S + (output_dim,).

    ``sparse_grad=True`` marks the weight gradient ``row_sparse`` as MXNet does; neomx stores it dense."""

    def __init__(self, input_dim, output_dim, dtype="float32", weight_initializer=None, sparse_grad=False,
                 **kwargs):
        super().__init__(**kwargs)
        grad_stype = "row_sparse" if sparse_grad else "default"
        self._kwargs = {"input_dim": input_dim, "output_dim": output_dim, "dtype": dtype,
                        "sparse_grad": sparse_grad}
        self.weight = self.params.get("weight", shape=(input_dim, output_dim), init=weight_initializer,
                                      dtype=dtype, allow_deferred_init=True, grad_stype=grad_stype)

    def hybrid_forward(self, F, x, weight):
        return F.Embedding(x, weight, name="fwd", **self._kwargs)

    def __repr__(self):
        return "{block_name}({input_dim} -> {output_dim}, {dtype})".format(
            block_name=self.__class__.__name__, **self._kwargs)
