"""Normalisation layers: BatchNorm (+ BatchNormReLU), InstanceNorm, LayerNorm, GroupNorm
(MXNet 1.9.1 keeps them in ``gluon/nn/basic_layers.py``; names, shapes and reprs follow it).

BatchNorm's ``running_mean``/``running_var`` are Parameters with ``grad_req='null'`` passed to the
BatchNorm operator as its auxiliary states, which it updates in place in training mode."""
import numpy as np

from ..block import HybridBlock

__all__ = ["BatchNorm", "BatchNormReLU", "InstanceNorm", "LayerNorm", "GroupNorm"]


def _kwargs_repr(kwargs):
    return ", ".join("=".join([k, repr(v)]) for k, v in kwargs.items())


class _BatchNorm(HybridBlock):
    """Batch normalisation over axis ``axis``; ``fuse_relu`` applies ReLU to the output."""

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True, use_global_stats=False,
                 fuse_relu=False, beta_initializer="zeros", gamma_initializer="ones",
                 running_mean_initializer="zeros", running_variance_initializer="ones", in_channels=0,
                 **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"axis": axis, "eps": epsilon, "momentum": momentum, "fix_gamma": not scale,
                        "use_global_stats": use_global_stats}
        self._fuse_relu = fuse_relu
        self._axis = axis
        if in_channels != 0:
            self.in_channels = in_channels
        shape = (in_channels,)
        self.gamma = self.params.get("gamma", grad_req="write" if scale else "null", shape=shape,
                                     init=gamma_initializer, allow_deferred_init=True, differentiable=scale)
        self.beta = self.params.get("beta", grad_req="write" if center else "null", shape=shape,
                                    init=beta_initializer, allow_deferred_init=True, differentiable=center)
        self.running_mean = self.params.get("running_mean", grad_req="null", shape=shape,
                                            init=running_mean_initializer, allow_deferred_init=True,
                                            differentiable=False)
        self.running_var = self.params.get("running_var", grad_req="null", shape=shape,
                                           init=running_variance_initializer, allow_deferred_init=True,
                                           differentiable=False)

    def cast(self, dtype):
        # statistics stay float32 under float16 (as MXNet's BatchNorm kernel requires)
        if np.dtype(dtype).name == "float16":
            dtype = "float32"
        super().cast(dtype)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        out = F.BatchNorm(x, gamma, beta, running_mean, running_var, name="fwd", **self._kwargs)
        if self._fuse_relu:
            # MXNet calls the fused contrib.BatchNormWithReLU kernel; same values
            out = F.relu(out)
        return out

    def __repr__(self):
        in_channels = self.gamma.shape[0]
        return "{name}({content}, in_channels={ch})".format(
            name=self.__class__.__name__, content=_kwargs_repr(self._kwargs), ch=in_channels or None)


class BatchNorm(_BatchNorm):
    """Batch normalisation: per-channel ``gamma * (x - mean) / sqrt(var + eps) + beta`` with batch
    statistics in training (updating the running ones by ``momentum``), running ones otherwise."""

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True, use_global_stats=False,
                 beta_initializer="zeros", gamma_initializer="ones", running_mean_initializer="zeros",
                 running_variance_initializer="ones", in_channels=0, **kwargs):
        super().__init__(axis, momentum, epsilon, center, scale, use_global_stats, False, beta_initializer,
                         gamma_initializer, running_mean_initializer, running_variance_initializer,
                         in_channels, **kwargs)


class BatchNormReLU(_BatchNorm):
    """BatchNorm followed by ReLU."""

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True, use_global_stats=False,
                 beta_initializer="zeros", gamma_initializer="ones", running_mean_initializer="zeros",
                 running_variance_initializer="ones", in_channels=0, **kwargs):
        super().__init__(axis, momentum, epsilon, center, scale, use_global_stats, True, beta_initializer,
                         gamma_initializer, running_mean_initializer, running_variance_initializer,
                         in_channels, **kwargs)


class _AffineNorm(HybridBlock):
    """Shared parameters of Instance/Layer/GroupNorm: ``gamma`` (learned if ``scale``) and ``beta``
    (learned if ``center``) of shape ``shape``."""

    def __init__(self, kwargs_repr, shape, center, scale, beta_initializer, gamma_initializer, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = kwargs_repr
        self.gamma = self.params.get("gamma", grad_req="write" if scale else "null", shape=shape,
                                     init=gamma_initializer, allow_deferred_init=True)
        self.beta = self.params.get("beta", grad_req="write" if center else "null", shape=shape,
                                    init=beta_initializer, allow_deferred_init=True)

    def __repr__(self):
        return "{name}({content}, in_channels={ch})".format(
            name=self.__class__.__name__, content=_kwargs_repr(self._kwargs), ch=self.gamma.shape[0])


class InstanceNorm(_AffineNorm):
    """Normalises each (sample, channel) over the remaining axes; channels on ``axis``."""

    def __init__(self, axis=1, epsilon=1e-5, center=True, scale=False, beta_initializer="zeros",
                 gamma_initializer="ones", in_channels=0, **kwargs):
        super().__init__({"eps": epsilon, "axis": axis, "center": center, "scale": scale}, (in_channels,),
                         center, scale, beta_initializer, gamma_initializer, **kwargs)
        self._axis = axis
        self._epsilon = epsilon

    def hybrid_forward(self, F, x, gamma, beta):
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon)
        x = F.swapaxes(x, 1, self._axis)
        return F.swapaxes(F.InstanceNorm(x, gamma, beta, name="fwd", eps=self._epsilon), 1, self._axis)


class LayerNorm(_AffineNorm):
    """Normalises over ``axis`` (default the last) per position; gamma/beta of shape (in_channels,)."""

    def __init__(self, axis=-1, epsilon=1e-5, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", in_channels=0, prefix=None, params=None):
        super().__init__({"eps": epsilon, "axis": axis, "center": center, "scale": scale}, (in_channels,),
                         center, scale, beta_initializer, gamma_initializer, prefix=prefix, params=params)
        self._axis = axis
        self._epsilon = epsilon
        self._scale = scale

    def hybrid_forward(self, F, data, gamma, beta):
        return F.LayerNorm(data, gamma=gamma, beta=beta, axis=self._axis, eps=self._epsilon)


class GroupNorm(_AffineNorm):
    """Splits axis 1 into ``num_groups`` groups and normalises each (sample, group); gamma/beta have
    shape (num_groups,) as in MXNet 1.9.1's GroupNorm operator."""

    def __init__(self, num_groups=1, epsilon=1e-5, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", prefix=None, params=None):
        super().__init__({"eps": epsilon, "num_groups": num_groups, "center": center, "scale": scale},
                         (num_groups,), center, scale, beta_initializer, gamma_initializer, prefix=prefix,
                         params=params)
        self._num_groups = num_groups
        self._epsilon = epsilon
        self._scale = scale

    def hybrid_forward(self, F, data, gamma, beta):
        return F.GroupNorm(data, gamma=gamma, beta=beta, num_groups=self._num_groups, eps=self._epsilon)

    def __repr__(self):
        return "{name}({content})".format(name=self.__class__.__name__, content=_kwargs_repr(self._kwargs))
