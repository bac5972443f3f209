"""Small blocks the model zoo shares: ``HybridConcurrent`` (run children on the same input and
concatenate their outputs) and ``Identity`` (MXNet keeps both in ``gluon.contrib.nn``)."""
from ...block import HybridBlock
from ... import nn


class HybridConcurrent(nn.HybridSequential):
    """Feeds the input to every child and concatenates the outputs along ``axis``."""

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def hybrid_forward(self, F, x):
        return F.concat(*[block(x) for block in self._children.values()], dim=self.axis)


class Identity(HybridBlock):
    """Returns its input."""

    def hybrid_forward(self, F, x):
        return x


def load_pretrained(net, name, ctx, root):
    """Load ``name``'s parameter file from the model store in ``root`` into ``net``."""
    from ..model_store import get_model_file
    net.load_parameters(get_model_file(name, root=root), ctx=ctx)
    return net
