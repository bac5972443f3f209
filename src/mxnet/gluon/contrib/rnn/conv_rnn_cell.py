"""Convolutional recurrent cells (MXNet 1.9.1 ``gluon.contrib.rnn``): Conv{1,2,3}D{RNN,LSTM,GRU}Cell.

The fully-connected ``i2h``/``h2h`` products of RNNCell/LSTMCell/GRUCell become convolutions:
``i2h`` convolves the input (``i2h_kernel``, ``i2h_pad``, ``i2h_dilate``, stride 1), ``h2h``
convolves the previous hidden state with an odd ``h2h_kernel`` padded by ``dilate * (kernel - 1) / 2``
so the state keeps the spatial shape of the ``i2h`` output. Weights are ``(gates * hidden_channels,
in_channels, *kernel)`` (``(gates * hidden_channels, *kernel, in_channels)`` for channel-last
layouts), gates stacked along the filter axis in the order of the fully-connected cells."""
from math import floor

from ....base import numeric_types
from ...rnn.rnn_cell import HybridRecurrentCell

__all__ = ["Conv1DRNNCell", "Conv2DRNNCell", "Conv3DRNNCell",
           "Conv1DLSTMCell", "Conv2DLSTMCell", "Conv3DLSTMCell",
           "Conv1DGRUCell", "Conv2DGRUCell", "Conv3DGRUCell"]

_DEFAULT_LAYOUT = {1: "NCW", 2: "NCHW", 3: "NCDHW"}


def _conv_out_size(dimensions, kernels, paddings, dilations):
    """Spatial output size of a stride-1 convolution (0 stays 0: unknown)."""
    return tuple(int(floor(x + 2 * p - d * (k - 1) - 1) + 1) if x else 0
                 for x, k, p, d in zip(dimensions, kernels, paddings, dilations))


class _BaseConvRNNCell(HybridRecurrentCell):
    """Shared part of the convolutional cells: settings, parameters, state shape, the two
    convolutions of a step and ``repr``. Subclasses set ``_gates`` (filter blocks per weight),
    ``_num_states`` and the step (``hybrid_forward``)."""

    _gates = 1
    _num_states = 1

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad, i2h_dilate, h2h_dilate,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                 dims, conv_layout, activation, prefix, params):
        super().__init__(prefix=prefix, params=params)
        self._hidden_channels = hidden_channels
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation
        assert all(isinstance(spec, int) or len(spec) == dims
                   for spec in (i2h_kernel, i2h_pad, i2h_dilate, h2h_kernel, h2h_dilate)), \
            "For {dims}D convolution, the convolution settings can only be either int " \
            "or list/tuple of length {dims}".format(dims=dims)

        def expand(spec):
            return (spec,) * dims if isinstance(spec, numeric_types) else tuple(spec)

        self._i2h_kernel = expand(i2h_kernel)
        self._stride = (1,) * dims
        self._i2h_pad = expand(i2h_pad)
        self._i2h_dilate = expand(i2h_dilate)
        self._h2h_kernel = expand(h2h_kernel)
        assert all(k % 2 == 1 for k in self._h2h_kernel), \
            "Only support odd number, get h2h_kernel= %s" % str(h2h_kernel)
        self._h2h_dilate = expand(h2h_dilate)
        self._h2h_pad = tuple(d * (k - 1) // 2 for d, k in zip(self._h2h_dilate, self._h2h_kernel))

        # input_shape excludes the batch axis: channels first (C, *spatial) or last (*spatial, C)
        self._channel_axis = conv_layout.find("C")
        channels_first = self._channel_axis == 1
        self._in_channels = input_shape[self._channel_axis - 1]
        spatial = _conv_out_size(input_shape[1:] if channels_first else input_shape[:-1],
                                 self._i2h_kernel, self._i2h_pad, self._i2h_dilate)
        total = hidden_channels * self._gates
        if channels_first:
            i2h_shape = (total, self._in_channels) + self._i2h_kernel
            h2h_shape = (total, hidden_channels) + self._h2h_kernel
            self._state_shape = (hidden_channels,) + spatial
        else:
            i2h_shape = (total,) + self._i2h_kernel + (self._in_channels,)
            h2h_shape = (total,) + self._h2h_kernel + (hidden_channels,)
            self._state_shape = spatial + (hidden_channels,)

        self.i2h_weight = self.params.get("i2h_weight", shape=i2h_shape, init=i2h_weight_initializer,
                                          allow_deferred_init=True)
        self.h2h_weight = self.params.get("h2h_weight", shape=h2h_shape, init=h2h_weight_initializer,
                                          allow_deferred_init=True)
        self.i2h_bias = self.params.get("i2h_bias", shape=(total,), init=i2h_bias_initializer,
                                        allow_deferred_init=True)
        self.h2h_bias = self.params.get("h2h_bias", shape=(total,), init=h2h_bias_initializer,
                                        allow_deferred_init=True)

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size,) + self._state_shape, "__layout__": self._conv_layout}
                for _ in range(self._num_states)]

    def __repr__(self):
        shape = self.i2h_weight.shape
        in_channels = shape[1 if self._channel_axis == 1 else -1]
        return "{}({} -> {}, {}, {})".format(self.__class__.__name__, in_channels if in_channels else None,
                                             shape[0], self._activation, self._conv_layout)

    def _conv_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix):
        """(i2h, h2h): the input and recurrent convolutions of the step ``prefix``."""
        num_filter = self._hidden_channels * self._gates
        i2h = F.Convolution(data=inputs, weight=i2h_weight, bias=i2h_bias, num_filter=num_filter,
                            kernel=self._i2h_kernel, stride=self._stride, pad=self._i2h_pad,
                            dilate=self._i2h_dilate, layout=self._conv_layout, name=prefix + "i2h")
        h2h = F.Convolution(data=states[0], weight=h2h_weight, bias=h2h_bias, num_filter=num_filter,
                            kernel=self._h2h_kernel, stride=self._stride, pad=self._h2h_pad,
                            dilate=self._h2h_dilate, layout=self._conv_layout, name=prefix + "h2h")
        return i2h, h2h

    def _slice_gates(self, F, x, name):
        return F.SliceChannel(x, num_outputs=self._gates, axis=self._channel_axis, name=name)


class _ConvRNNCell(_BaseConvRNNCell):
    """Convolutional Elman cell: ``h' = activation(i2h(x) + h2h(h))``."""

    def _alias(self):
        return "conv_rnn"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        prefix = "t%d_" % self._counter
        i2h, h2h = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix)
        output = self._get_activation(F, F.elemwise_add(i2h, h2h, name=prefix + "plus0"), self._activation,
                                      name=prefix + "out")
        return output, [output]


class _ConvLSTMCell(_BaseConvRNNCell):
    """Convolutional LSTM (Shi et al. 2015; no peepholes), filter blocks i, f, c, o:
    ``c' = sigmoid(f) * c + sigmoid(i) * activation(c~)``, ``h' = sigmoid(o) * activation(c')``.
    States are ``[h, c]``."""

    _gates = 4
    _num_states = 2

    def _alias(self):
        return "conv_lstm"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        prefix = "t%d_" % self._counter
        i2h, h2h = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix)
        gates = self._slice_gates(F, F.elemwise_add(i2h, h2h, name=prefix + "plus0"), prefix + "slice")
        in_gate = F.Activation(gates[0], act_type="sigmoid", name=prefix + "i")
        forget_gate = F.Activation(gates[1], act_type="sigmoid", name=prefix + "f")
        in_transform = self._get_activation(F, gates[2], self._activation, name=prefix + "c")
        out_gate = F.Activation(gates[3], act_type="sigmoid", name=prefix + "o")
        next_c = F.elemwise_add(F.elemwise_mul(forget_gate, states[1], name=prefix + "mul0"),
                                F.elemwise_mul(in_gate, in_transform, name=prefix + "mul1"),
                                name=prefix + "state")
        next_h = F.elemwise_mul(out_gate, self._get_activation(F, next_c, self._activation,
                                                               name=prefix + "activation0"),
                                name=prefix + "out")
        return next_h, [next_h, next_c]


class _ConvGRUCell(_BaseConvRNNCell):
    """Convolutional GRU, filter blocks r, z, n:
    ``n = activation(i2h_n(x) + sigmoid(r) * h2h_n(h))``, ``h' = (1 - sigmoid(z)) * n + sigmoid(z) * h``."""

    _gates = 3

    def _alias(self):
        return "conv_gru"

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        prefix = "t%d_" % self._counter
        prev_h = states[0]
        i2h, h2h = self._conv_forward(F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix)
        i2h_r, i2h_z, i2h_n = self._slice_gates(F, i2h, prefix + "i2h_slice")
        h2h_r, h2h_z, h2h_n = self._slice_gates(F, h2h, prefix + "h2h_slice")
        reset_gate = F.Activation(F.elemwise_add(i2h_r, h2h_r, name=prefix + "plus0"), act_type="sigmoid",
                                  name=prefix + "r_act")
        update_gate = F.Activation(F.elemwise_add(i2h_z, h2h_z, name=prefix + "plus1"), act_type="sigmoid",
                                   name=prefix + "z_act")
        candidate = self._get_activation(
            F, F.elemwise_add(i2h_n, F.elemwise_mul(reset_gate, h2h_n, name=prefix + "mul0"),
                              name=prefix + "plus2"),
            self._activation, name=prefix + "h_act")
        ones = F.ones_like(update_gate, name=prefix + "ones_like0")
        next_h = F.elemwise_add(F.elemwise_mul(F.elemwise_sub(ones, update_gate, name=prefix + "minus0"),
                                               candidate, name=prefix + "mul1"),
                                F.elemwise_mul(update_gate, prev_h, name=prefix + "mul2"),
                                name=prefix + "out")
        return next_h, [next_h]


def _init_for(dims):
    """The public ``__init__`` of a {dims}D cell: MXNet's signature with {dims}-D defaults."""
    zeros, ones, layout = (0,) * dims, (1,) * dims, _DEFAULT_LAYOUT[dims]

    def __init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad=zeros, i2h_dilate=ones,
                 h2h_dilate=ones, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros", conv_layout=layout,
                 activation="tanh", prefix=None, params=None):
        _BaseConvRNNCell.__init__(self, input_shape, hidden_channels, i2h_kernel, h2h_kernel, i2h_pad, i2h_dilate,
                                  h2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
                                  i2h_bias_initializer, h2h_bias_initializer, dims, conv_layout, activation,
                                  prefix, params)
    return __init__


_ARGS_DOC = """

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one step's input for one sample (no batch/time axes), in ``conv_layout``'s order,
        e.g. ``(C, {sp})`` for ``{layout}``. A channel count of 0 is inferred at the first call.
    hidden_channels : int
        Number of output channels of each gate's convolution (the state's channels).
    i2h_kernel, h2h_kernel : int or tuple of int
        Input-to-state and state-to-state kernels; ``h2h_kernel`` entries must be odd.
    i2h_pad : int or tuple of int, default {zeros}
    i2h_dilate, h2h_dilate : int or tuple of int, default {ones}
    i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer
        Initializers of the four parameters (biases default to zeros).
    conv_layout : str, default '{layout}'
        ``{layout}`` or its channel-last form (MXNet's CPU Convolution only runs channels first).
    activation : str or Block, default 'tanh'
    prefix, params
        As for any Block (default prefix ``{alias}<n>_``)."""


def _doc(summary, dims, alias):
    spatial = {1: "W", 2: "H, W", 3: "D, H, W"}[dims]
    return summary + _ARGS_DOC.format(sp=spatial, layout=_DEFAULT_LAYOUT[dims], zeros=(0,) * dims,
                                      ones=(1,) * dims, alias=alias)


class Conv1DRNNCell(_ConvRNNCell):
    __doc__ = _doc("1D convolutional RNN cell: ``h' = activation(conv(x) + conv(h))``.", 1, "conv_rnn")
    __init__ = _init_for(1)


class Conv2DRNNCell(_ConvRNNCell):
    __doc__ = _doc("2D convolutional RNN cell: ``h' = activation(conv(x) + conv(h))``.", 2, "conv_rnn")
    __init__ = _init_for(2)


class Conv3DRNNCell(_ConvRNNCell):
    __doc__ = _doc("3D convolutional RNN cell: ``h' = activation(conv(x) + conv(h))``.", 3, "conv_rnn")
    __init__ = _init_for(3)


class Conv1DLSTMCell(_ConvLSTMCell):
    __doc__ = _doc("1D convolutional LSTM cell (Shi et al. 2015, \"Convolutional LSTM Network\"); "
                   "states ``[h, c]``.", 1, "conv_lstm")
    __init__ = _init_for(1)


class Conv2DLSTMCell(_ConvLSTMCell):
    __doc__ = _doc("2D convolutional LSTM cell (Shi et al. 2015, \"Convolutional LSTM Network\"); "
                   "states ``[h, c]``.", 2, "conv_lstm")
    __init__ = _init_for(2)


class Conv3DLSTMCell(_ConvLSTMCell):
    __doc__ = _doc("3D convolutional LSTM cell (Shi et al. 2015, \"Convolutional LSTM Network\"); "
                   "states ``[h, c]``.", 3, "conv_lstm")
    __init__ = _init_for(3)


class Conv1DGRUCell(_ConvGRUCell):
    __doc__ = _doc("1D convolutional GRU cell (gates r, z, n).", 1, "conv_gru")
    __init__ = _init_for(1)


class Conv2DGRUCell(_ConvGRUCell):
    __doc__ = _doc("2D convolutional GRU cell (gates r, z, n).", 2, "conv_gru")
    __init__ = _init_for(2)


class Conv3DGRUCell(_ConvGRUCell):
    __doc__ = _doc("3D convolutional GRU cell (gates r, z, n).", 3, "conv_gru")
    __init__ = _init_for(3)
