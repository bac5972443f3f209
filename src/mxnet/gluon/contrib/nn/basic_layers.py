"""Contributed layers (MXNet 1.9.1 ``gluon.contrib.nn``): Concurrent / HybridConcurrent containers,
Identity, SparseEmbedding, SyncBatchNorm and PixelShuffle{1,2,3}D."""
import warnings

from ...block import HybridBlock
from ...nn import Sequential, HybridSequential, BatchNorm, Embedding

__all__ = ["Concurrent", "HybridConcurrent", "Identity", "SparseEmbedding", "SyncBatchNorm",
           "PixelShuffle1D", "PixelShuffle2D", "PixelShuffle3D"]


class Concurrent(Sequential):
    """Feeds the same input to every child and concatenates their outputs along ``axis``."""

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def forward(self, x):
        from .... import ndarray as nd
        out = [block(x) for block in self._children.values()]
        return nd.concat(*out, dim=self.axis)


class HybridConcurrent(HybridSequential):
    """Hybridizable Concurrent: children outputs on the same input, concatenated along ``axis``."""

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def hybrid_forward(self, F, x):
        out = [block(x) for block in self._children.values()]
        return F.concat(*out, dim=self.axis)


class Identity(HybridBlock):
    """Returns its input unchanged (handy as a Concurrent branch)."""

    def hybrid_forward(self, F, x):
        return x


class SparseEmbedding(Embedding):
    """Embedding whose weight gradient is ``row_sparse`` (``sparse_grad=True``); neomx stores the
    gradient densely with the same values."""

    def __init__(self, input_dim, output_dim, dtype="float32", weight_initializer=None, **kwargs):
        super().__init__(input_dim, output_dim, dtype=dtype, weight_initializer=weight_initializer,
                         sparse_grad=True, **kwargs)


class SyncBatchNorm(BatchNorm):
    """Cross-device batch normalisation (``_contrib_SyncBatchNorm``): statistics gathered over
    ``num_devices`` devices keyed by the block prefix; on one device it is BatchNorm."""

    def __init__(self, in_channels=0, num_devices=None, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer="zeros", gamma_initializer="ones",
                 running_mean_initializer="zeros", running_variance_initializer="ones", **kwargs):
        super().__init__(1, momentum, epsilon, center, scale, use_global_stats, beta_initializer,
                         gamma_initializer, running_mean_initializer, running_variance_initializer,
                         in_channels, **kwargs)
        num_devices = self._get_num_devices() if num_devices is None else num_devices
        self._kwargs = {"eps": epsilon, "momentum": momentum, "fix_gamma": not scale,
                        "use_global_stats": use_global_stats, "ndev": num_devices, "key": self.prefix}

    @staticmethod
    def _get_num_devices():
        warnings.warn("Caution using SyncBatchNorm: if not using all the GPUs, please mannually set "
                      "num_devices", UserWarning)
        from .... import context
        num_devices = context.num_gpus()
        return num_devices if num_devices > 0 else 1

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        return F.contrib.SyncBatchNorm(x, gamma, beta, running_mean, running_var, name="fwd", **self._kwargs)


class _PixelShuffle(HybridBlock):
    """Moves ``prod(factor)`` channel blocks into the spatial axes:
    (N, C*f1*..*fn, D1, .., Dn) -> (N, C, D1*f1, .., Dn*fn)."""

    _ndim = 1

    def __init__(self, factor):
        super().__init__()
        n = self._ndim
        if isinstance(factor, int):
            factor = (factor,) * n
        else:
            factor = tuple(int(f) for f in factor)
            assert len(factor) == n, "wrong length %d of factor, expected %d" % (len(factor), n)
        self._factors = factor

    def hybrid_forward(self, F, x):
        n, f = self._ndim, self._factors
        # split channels into C and f1..fn: (N, C, f1, .., fn, D1, .., Dn)
        x = F.reshape(x, shape=(0, -4, -1, _prod(f)) + (0,) * n)
        for i in range(n - 1):
            # split the running factor product: f_i, prod(f_{i+1:})
            x = F.reshape(x, shape=(0,) * (2 + i) + (-4, f[i], -1) + (0,) * n)
        # interleave: (N, C, D1, f1, D2, f2, ...)
        axes = [0, 1] + sum([[2 + n + i, 2 + i] for i in range(n)], [])
        x = F.transpose(x, axes=axes)
        return F.reshape(x, shape=(0, 0) + (-3,) * n)

    def __repr__(self):
        return "{}({})".format(self.__class__.__name__, self._factors[0] if self._ndim == 1 else self._factors)


def _prod(values):
    out = 1
    for v in values:
        out *= v
    return out


class PixelShuffle1D(_PixelShuffle):
    """1-D pixel shuffle: (N, C*f, W) -> (N, C, W*f)."""

    _ndim = 1


class PixelShuffle2D(_PixelShuffle):
    """2-D pixel shuffle: (N, C*f1*f2, H, W) -> (N, C, H*f1, W*f2)."""

    _ndim = 2


class PixelShuffle3D(_PixelShuffle):
    """3-D pixel shuffle: (N, C*f1*f2*f3, D, H, W) -> (N, C, D*f1, H*f2, W*f3)."""

    _ndim = 3
