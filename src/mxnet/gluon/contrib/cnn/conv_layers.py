"""Deformable convolution layers (MXNet 1.9.1 ``gluon.contrib.cnn``).

Each layer owns an ``offset`` Convolution branch (same kernel/stride/pad/dilation as the main one)
that predicts the sampling offsets from the input, and a main ``deformable_conv`` weight used by
``_contrib_DeformableConvolution`` / ``_contrib_ModulatedDeformableConvolution``."""
from ....base import numeric_types
from ...block import HybridBlock
from ...nn import Activation

__all__ = ["DeformableConvolution", "ModulatedDeformableConvolution"]


def _pair(value, n=2):
    return (value,) * n if isinstance(value, numeric_types) else tuple(value)


class _DeformableBase(HybridBlock):
    """Shared parameter set-up; ``_offset_factor`` is 2 (x/y offsets) or 3 (offsets + mask)."""

    _offset_factor = 2
    _main_first = False

    def __init__(self, channels, kernel_size=(1, 1), strides=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1,
                 num_deformable_group=1, layout="NCHW", use_bias=True, in_channels=0, activation=None,
                 weight_initializer=None, bias_initializer="zeros", offset_weight_initializer="zeros",
                 offset_bias_initializer="zeros", offset_use_bias=True, op_name=None, adj=None, prefix=None,
                 params=None):
        super().__init__(prefix=prefix, params=params)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            assert layout in ("NCHW", "NHWC"), "Only supports 'NCHW' and 'NHWC' layout for now"
            kernel_size = _pair(kernel_size)
            strides, padding, dilation = _pair(strides), _pair(padding), _pair(dilation)
            offset_channels = self._offset_factor * kernel_size[0] * kernel_size[1] * num_deformable_group
            self._kwargs_offset = {"kernel": kernel_size, "stride": strides, "dilate": dilation, "pad": padding,
                                   "num_filter": offset_channels, "num_group": groups,
                                   "no_bias": not offset_use_bias, "layout": layout}
            self._kwargs_deformable_conv = {"kernel": kernel_size, "stride": strides, "dilate": dilation,
                                            "pad": padding, "num_filter": channels, "num_group": groups,
                                            "num_deformable_group": num_deformable_group,
                                            "no_bias": not use_bias, "layout": layout}
            self._offset_channels = offset_channels
            per_group = in_channels // groups if in_channels else 0
            if layout == "NCHW":
                dshape, oshape = (channels, per_group) + kernel_size, (offset_channels, in_channels) + kernel_size
            else:
                dshape, oshape = (channels,) + kernel_size + (per_group,), (offset_channels,) + kernel_size + \
                    (in_channels,)

            def main():
                self.deformable_conv_weight = self.params.get(
                    "deformable_conv_weight", shape=dshape, init=weight_initializer, allow_deferred_init=True)
                self.deformable_conv_bias = self.params.get(
                    "deformable_conv_bias", shape=(channels,), init=bias_initializer,
                    allow_deferred_init=True) if use_bias else None

            def offset():
                self.offset_weight = self.params.get("offset_weight", shape=oshape, init=offset_weight_initializer,
                                                     allow_deferred_init=True)
                self.offset_bias = self.params.get("offset_bias", shape=(offset_channels,),
                                                   init=offset_bias_initializer,
                                                   allow_deferred_init=True) if offset_use_bias else None

            # registration order as MXNet (it shows in collect_params())
            for make in ((main, offset) if self._main_first else (offset, main)):
                make()
            self.act = Activation(activation, prefix=activation + "_") if activation is not None else None

    def _offset(self, F, x, offset_weight, offset_bias):
        if offset_bias is None:
            return F.Convolution(x, offset_weight, cudnn_off=True, **self._kwargs_offset)
        return F.Convolution(x, offset_weight, offset_bias, cudnn_off=True, **self._kwargs_offset)

    def _finish(self, out):
        return self.act(out) if self.act is not None else out

    def __repr__(self):
        kw = self._kwargs_deformable_conv
        s = "{name}({mapping}, kernel_size={kernel}, stride={stride}"
        if kw["pad"] != (0, 0):
            s += ", padding={pad}"
        if kw["dilate"] != (1, 1):
            s += ", dilation={dilate}"
        if kw["num_group"] != 1:
            s += ", groups={num_group}"
        if self.deformable_conv_bias is None:
            s += ", bias=False"
        if self.act:
            s += ", {}".format(self.act)
        s += ")"
        shape = self.deformable_conv_weight.shape
        return s.format(name=self.__class__.__name__,
                        mapping="{0} -> {1}".format(shape[1] if shape[1] else None, shape[0]), **kw)


class DeformableConvolution(_DeformableBase):
    """2-D deformable convolution (Dai et al. 2017, v1): an offset Convolution predicts
    ``2 * kh * kw * num_deformable_group`` offsets per position, then
    ``_contrib_DeformableConvolution`` samples the input at the shifted kernel taps."""

    _offset_factor = 2

    def _alias(self):
        return "deformable_conv"

    def hybrid_forward(self, F, x, offset_weight, deformable_conv_weight, offset_bias=None,
                       deformable_conv_bias=None):
        offset = self._offset(F, x, offset_weight, offset_bias)
        args = [x, offset, deformable_conv_weight]
        if deformable_conv_bias is not None:
            args.append(deformable_conv_bias)
        out = F.contrib.DeformableConvolution(*args, name="fwd", **self._kwargs_deformable_conv)
        return self._finish(out)


class ModulatedDeformableConvolution(_DeformableBase):
    """2-D modulated deformable convolution (v2): the offset branch predicts
    ``3 * kh * kw * num_deformable_group`` channels: the first two thirds are offsets, the last third
    a mask ``2 * sigmoid(.)`` weighting each sampled tap."""

    _offset_factor = 3
    _main_first = True

    def _alias(self):
        return "modulated_deformable_conv"

    def hybrid_forward(self, F, x, deformable_conv_weight, offset_weight, deformable_conv_bias=None,
                       offset_bias=None):
        offset_t = self._offset(F, x, offset_weight, offset_bias)
        split = self._offset_channels // 3 * 2
        offset = F.slice_axis(offset_t, axis=1, begin=0, end=split)
        mask = F.sigmoid(F.slice_axis(offset_t, axis=1, begin=split, end=None)) * 2
        args = [x, offset, mask, deformable_conv_weight]
        if deformable_conv_bias is not None:
            args.append(deformable_conv_bias)
        out = F.contrib.ModulatedDeformableConvolution(*args, name="fwd", **self._kwargs_deformable_conv)
        return self._finish(out)

    __repr__ = HybridBlock.__repr__  # MXNet keeps the generic Block repr here
