"""Small blocks the model zoo shares: ``HybridConcurrent`` (run children on the same input and
concatenate their outputs) and ``Identity`` (MXNet keeps both in ``gluon.contrib.nn``), the
``features`` -> ``output`` network base, and the makers of the per-variant constructors."""
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


class FeaturesOutput(HybridBlock):
    """A network whose ``__init__`` makes ``self.features`` and ``self.output``: ``output(features(x))``."""

    def hybrid_forward(self, F, x):
        x = self.features(x)
        return self.output(x)


def model_constructor(getter, name, title, *args, **fixed):
    """The public constructor ``name(**kwargs)`` of one model variant: ``getter(*args, **kwargs)`` with
    the keyword arguments ``fixed`` set (e.g. ``batch_norm=True``), documented as ``title`` (see getter)."""
    def constructor(**kwargs):
        kwargs.update(fixed)
        return getter(*args, **kwargs)
    constructor.__name__ = constructor.__qualname__ = name
    constructor.__module__ = getter.__module__
    constructor.__doc__ = "%s (see ``%s``)." % (title, getter.__name__)
    return constructor


def load_pretrained(net, pretrained, name, ctx, root):
    """``net``, with ``name``'s parameter file from the model store in ``root`` loaded onto ``ctx`` if
    ``pretrained``."""
    if pretrained:
        from ..model_store import get_model_file
        net.load_parameters(get_model_file(name, root=root), ctx=ctx)
    return net
