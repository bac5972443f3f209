"""Convolution, transposed convolution, pooling and padding layers (``gluon.nn.Conv2D`` ...).

Each layer is a thin HybridBlock over one registry operator (Convolution, Deconvolution, Pooling,
pad) whose arguments it fixes at construction, as MXNet 1.9.1's ``gluon/nn/conv_layers.py`` does:
parameter names (``conv0_weight``, ``conv0_bias``), weight shapes, the ``_kwargs`` handed to the
operator and ``__repr__`` all match MXNet, so ``.params`` files and exported graphs interchange."""
from ...base import MXNetError, numeric_types
from ..block import HybridBlock
from .basic_layers import Activation

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
           "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
           "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D",
           "GlobalAvgPool3D", "ReflectionPad2D"]


def _tuple(value, n, what):
    """``value`` as an n-tuple (a number is repeated); MXNet asserts the length."""
    if isinstance(value, numeric_types):
        return (value,) * n
    value = tuple(value)
    if len(value) != n:
        raise AssertionError("%s must be a number or a list of %d ints" % (what, n))
    return value


def _weight_shape(op_name, layout, channels, in_channels, groups, kernel):
    """The weight shape MXNet's shape inference gives for a data shape with ``in_channels`` (0 = unknown).

    Convolution: (channels, in_channels/groups, *kernel); Deconvolution: (in_channels,
    channels/groups, *kernel); channel-last layouts move the per-group channel axis last."""
    if op_name == "Convolution":
        if in_channels and in_channels % groups:
            raise MXNetError("Convolution: in_channels %d must be divisible by groups %d (input num_filter "
                             "must divide group size)" % (in_channels, groups))
        outer, inner = channels, in_channels // groups
    else:
        if channels % groups:
            raise MXNetError("Deconvolution: channels %d must be divisible by groups %d" % (channels, groups))
        outer, inner = in_channels, channels // groups
    if layout.find("C") == 1:
        return (outer, inner) + tuple(kernel)
    return (outer,) + tuple(kernel) + (inner,)


class _Conv(HybridBlock):
    """Shared body of Conv{1,2,3}D (``op_name='Convolution'``) and their Transpose variants
    (``'Deconvolution'``, with ``adj`` = output_padding)."""

    def __init__(self, channels, kernel_size, strides, padding, dilation, groups, layout, in_channels=0,
                 activation=None, use_bias=True, weight_initializer=None, bias_initializer="zeros",
                 op_name="Convolution", adj=None, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            n = len(kernel_size)
            strides = _tuple(strides, n, "strides")
            padding = _tuple(padding, n, "padding")
            dilation = _tuple(dilation, n, "dilation")
            self._op_name = op_name
            self._kwargs = {"kernel": tuple(kernel_size), "stride": strides, "dilate": dilation,
                            "pad": padding, "num_filter": channels, "num_group": groups,
                            "no_bias": not use_bias, "layout": layout}
            if adj is not None:
                adj = _tuple(adj, n, "output_padding")
                for a, s in zip(adj, strides):
                    if a >= s:
                        raise MXNetError("Deconvolution: output_padding %s must be smaller than strides %s "
                                         "(adj(y) must be smaller than stride)" % (adj, strides))
                self._kwargs["adj"] = adj
            wshape = _weight_shape(op_name, layout, channels, in_channels, groups, kernel_size)
            self.weight = self.params.get("weight", shape=wshape, init=weight_initializer,
                                          allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get("bias", shape=(channels,), init=bias_initializer,
                                            allow_deferred_init=True)
            else:
                self.bias = None
            if activation is not None:
                self.act = Activation(activation, prefix=activation + "_")
            else:
                self.act = None

    def hybrid_forward(self, F, x, weight, bias=None):
        op = getattr(F, self._op_name)
        if bias is None:
            out = op(x, weight, name="fwd", **self._kwargs)
        else:
            out = op(x, weight, bias, name="fwd", **self._kwargs)
        if self.act is not None:
            out = self.act(out)
        return out

    def _alias(self):
        return "conv"

    def __repr__(self):
        kw = self._kwargs
        n = len(kw["kernel"])
        s = "{name}({mapping}, kernel_size={kernel}, stride={stride}"
        if kw["pad"] != (0,) * n:
            s += ", padding={pad}"
        if kw["dilate"] != (1,) * n:
            s += ", dilation={dilate}"
        if kw["num_group"] != 1:
            s += ", groups={num_group}"
        if self.bias is None:
            s += ", bias=False"
        if self.act:
            s += ", {}".format(self.act)
        s += ")"
        # MXNet prints weight.shape[1] -> weight.shape[0], which for the Transpose layers reads
        # "channels/groups -> in_channels"; kept as is.
        shape = self.weight.shape
        return s.format(name=self.__class__.__name__,
                        mapping="{0} -> {1}".format(shape[1] if shape[1] else None, shape[0]), **kw)


def _check_layout(layout, allowed, msg):
    if layout not in allowed:
        raise AssertionError(msg)


class Conv1D(_Conv):
    """1-D convolution over (N, C, W) data; weight (channels, in_channels/groups, k)."""

    def __init__(self, channels, kernel_size, strides=1, padding=0, dilation=1, groups=1, layout="NCW",
                 activation=None, use_bias=True, weight_initializer=None, bias_initializer="zeros",
                 in_channels=0, **kwargs):
        _check_layout(layout, ("NCW", "NWC"), "Only supports 'NCW' and 'NWC' layout for now")
        kernel_size = _tuple(kernel_size, 1, "kernel_size")
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, in_channels,
                         activation, use_bias, weight_initializer, bias_initializer, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over (N, C, H, W) data; weight (channels, in_channels/groups, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), dilation=(1, 1), groups=1,
                 layout="NCHW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        _check_layout(layout, ("NCHW", "NHWC"), "Only supports 'NCHW' and 'NHWC' layout for now")
        kernel_size = _tuple(kernel_size, 2, "kernel_size")
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, in_channels,
                         activation, use_bias, weight_initializer, bias_initializer, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over (N, C, D, H, W) data; weight (channels, in_channels/groups, kd, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0), dilation=(1, 1, 1),
                 groups=1, layout="NCDHW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        _check_layout(layout, ("NCDHW", "NDHWC"), "Only supports 'NCDHW' and 'NDHWC' layout for now")
        kernel_size = _tuple(kernel_size, 3, "kernel_size")
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, in_channels,
                         activation, use_bias, weight_initializer, bias_initializer, **kwargs)


class Conv1DTranspose(_Conv):
    """1-D transposed convolution (Deconvolution); weight (in_channels, channels/groups, k)."""

    def __init__(self, channels, kernel_size, strides=1, padding=0, output_padding=0, dilation=1, groups=1,
                 layout="NCW", activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer="zeros", in_channels=0, **kwargs):
        _check_layout(layout, ("NCW", "NWC"), "Only supports 'NCW' and 'NWC' layout for now")
        kernel_size = _tuple(kernel_size, 1, "kernel_size")
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, in_channels,
                         activation, use_bias, weight_initializer, bias_initializer,
                         op_name="Deconvolution", adj=output_padding, **kwargs)
        self.outpad = self._kwargs["adj"]


class Conv2DTranspose(_Conv):
    """2-D transposed convolution (Deconvolution); weight (in_channels, channels/groups, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0), output_padding=(0, 0),
                 dilation=(1, 1), groups=1, layout="NCHW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        _check_layout(layout, ("NCHW", "NHWC"), "Only supports 'NCHW' and 'NHWC' layout for now")
        kernel_size = _tuple(kernel_size, 2, "kernel_size")
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, in_channels,
                         activation, use_bias, weight_initializer, bias_initializer,
                         op_name="Deconvolution", adj=output_padding, **kwargs)
        self.outpad = self._kwargs["adj"]


class Conv3DTranspose(_Conv):
    """3-D transposed convolution (Deconvolution); weight (in_channels, channels/groups, kd, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0), output_padding=(0, 0, 0),
                 dilation=(1, 1, 1), groups=1, layout="NCDHW", activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer="zeros", in_channels=0, **kwargs):
        _check_layout(layout, ("NCDHW", "NDHWC"), "Only supports 'NCDHW' and 'NDHWC' layout for now")
        kernel_size = _tuple(kernel_size, 3, "kernel_size")
        super().__init__(channels, kernel_size, strides, padding, dilation, groups, layout, in_channels,
                         activation, use_bias, weight_initializer, bias_initializer,
                         op_name="Deconvolution", adj=output_padding, **kwargs)
        self.outpad = self._kwargs["adj"]


class _Pooling(HybridBlock):
    """Shared body of the pooling layers: one ``Pooling`` operator call."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type, layout,
                 count_include_pad=None, **kwargs):
        super().__init__(**kwargs)
        n = len(pool_size)
        if strides is None:
            strides = pool_size
        self._kwargs = {"kernel": tuple(pool_size), "stride": _tuple(strides, n, "strides"),
                        "pad": _tuple(padding, n, "padding"), "global_pool": global_pool,
                        "pool_type": pool_type, "layout": layout,
                        "pooling_convention": "full" if ceil_mode else "valid"}
        if count_include_pad is not None:
            self._kwargs["count_include_pad"] = count_include_pad

    def _alias(self):
        return "pool"

    def hybrid_forward(self, F, x):
        return F.Pooling(x, name="fwd", **self._kwargs)

    def __repr__(self):
        s = ("{name}(size={kernel}, stride={stride}, padding={pad}, ceil_mode={ceil_mode}, "
             "global_pool={global_pool}, pool_type={pool_type}, layout={layout})")
        return s.format(name=self.__class__.__name__,
                        ceil_mode=self._kwargs["pooling_convention"] == "full", **self._kwargs)


_POOL_LAYOUTS = {1: (("NCW", "NWC"), "Only NCW and NWC layouts are valid for 1D Pooling"),
                 2: (("NCHW", "NHWC"), "Only NCHW and NHWC layouts are valid for 2D Pooling"),
                 3: (("NCDHW", "NDHWC"), "Only NCDHW and NDHWC layouts are valid for 3D Pooling")}


def _pool_args(n, pool_size, layout):
    _check_layout(layout, *_POOL_LAYOUTS[n])
    return _tuple(pool_size, n, "pool_size")


class MaxPool1D(_Pooling):
    """Max pooling over the W axis of (N, C, W) data."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False, **kwargs):
        super().__init__(_pool_args(1, pool_size, layout), strides, padding, ceil_mode, False, "max", layout,
                         **kwargs)


class MaxPool2D(_Pooling):
    """Max pooling over the H, W axes of (N, C, H, W) data."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout="NCHW", ceil_mode=False, **kwargs):
        super().__init__(_pool_args(2, pool_size, layout), strides, padding, ceil_mode, False, "max", layout,
                         **kwargs)


class MaxPool3D(_Pooling):
    """Max pooling over the D, H, W axes of (N, C, D, H, W) data."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False, layout="NCDHW",
                 **kwargs):
        super().__init__(_pool_args(3, pool_size, layout), strides, padding, ceil_mode, False, "max", layout,
                         **kwargs)


class AvgPool1D(_Pooling):
    """Average pooling over the W axis; ``count_include_pad`` counts padded zeros in the mean."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout="NCW", ceil_mode=False,
                 count_include_pad=True, **kwargs):
        super().__init__(_pool_args(1, pool_size, layout), strides, padding, ceil_mode, False, "avg", layout,
                         count_include_pad, **kwargs)


class AvgPool2D(_Pooling):
    """Average pooling over the H, W axes."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, ceil_mode=False, layout="NCHW",
                 count_include_pad=True, **kwargs):
        super().__init__(_pool_args(2, pool_size, layout), strides, padding, ceil_mode, False, "avg", layout,
                         count_include_pad, **kwargs)


class AvgPool3D(_Pooling):
    """Average pooling over the D, H, W axes."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False, layout="NCDHW",
                 count_include_pad=True, **kwargs):
        super().__init__(_pool_args(3, pool_size, layout), strides, padding, ceil_mode, False, "avg", layout,
                         count_include_pad, **kwargs)


def _global(n, layout, pool_type, kwargs):
    _check_layout(layout, *_POOL_LAYOUTS[n])
    return ((1,) * n, (1,) * n, (0,) * n, True, True, pool_type, layout), kwargs


class GlobalMaxPool1D(_Pooling):
    """Max over the whole W axis: (N, C, W) -> (N, C, 1)."""

    def __init__(self, layout="NCW", **kwargs):
        args, kwargs = _global(1, layout, "max", kwargs)
        super().__init__(*args, **kwargs)


class GlobalMaxPool2D(_Pooling):
    """Max over the whole H, W plane: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        args, kwargs = _global(2, layout, "max", kwargs)
        super().__init__(*args, **kwargs)


class GlobalMaxPool3D(_Pooling):
    """Max over the whole D, H, W volume: -> (N, C, 1, 1, 1)."""

    def __init__(self, layout="NCDHW", **kwargs):
        args, kwargs = _global(3, layout, "max", kwargs)
        super().__init__(*args, **kwargs)


class GlobalAvgPool1D(_Pooling):
    """Mean over the whole W axis: (N, C, W) -> (N, C, 1)."""

    def __init__(self, layout="NCW", **kwargs):
        args, kwargs = _global(1, layout, "avg", kwargs)
        super().__init__(*args, **kwargs)


class GlobalAvgPool2D(_Pooling):
    """Mean over the whole H, W plane: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout="NCHW", **kwargs):
        args, kwargs = _global(2, layout, "avg", kwargs)
        super().__init__(*args, **kwargs)


class GlobalAvgPool3D(_Pooling):
    """Mean over the whole D, H, W volume: -> (N, C, 1, 1, 1)."""

    def __init__(self, layout="NCDHW", **kwargs):
        args, kwargs = _global(3, layout, "avg", kwargs)
        super().__init__(*args, **kwargs)


class ReflectionPad2D(HybridBlock):
    """Pads H and W of (N, C, H, W) data by reflection; ``padding`` is a number (all four sides) or
    MXNet's 8-tuple ``pad_width`` (before/after for each of the four axes)."""

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, numeric_types):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        padding = tuple(padding)
        if len(padding) != 8:
            raise AssertionError("ReflectionPad2D: padding must be a number or an 8-tuple pad_width, got %s"
                                 % (padding,))
        self._padding = padding

    def hybrid_forward(self, F, x):
        return F.pad(x, mode="reflect", pad_width=self._padding)
