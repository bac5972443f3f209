"""Fused recurrent layers (MXNet 1.9.1 ``gluon.rnn.RNN/LSTM/GRU``) over the ``RNN`` operator.

Parameters are kept per layer and direction (``l0_i2h_weight``, ``r0_h2h_bias``, ...) and packed
at every forward into the operator's flat vector in MXNet's order: all weights (layer by layer,
direction by direction, i2h then h2h [then h2r]), then all biases in the same order.
"""
import re

from ... import ndarray, symbol
from ...base import MXNetError
from ...ndarray.ndarray import NDArray
from ...ops import find_op
from ..block import HybridBlock
from . import rnn_cell

__all__ = ["RNN", "LSTM", "GRU"]

_GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}
_KEY = re.compile(r"(l|r)(\d+)_(i2h|h2h|h2r)_(weight|bias)\Z")


class _RNNLayer(HybridBlock):
    """Implementation of the fused recurrent layers; use RNN, LSTM or GRU."""

    def __init__(self, hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                 mode, projection_size, h2r_weight_initializer, lstm_state_clip_min, lstm_state_clip_max,
                 lstm_state_clip_nan, dtype, use_sequence_length=False, **kwargs):
        super().__init__(**kwargs)
        assert layout in ("TNC", "NTC"), "Invalid layout %s; must be one of ['TNC' or 'NTC']" % layout
        self._hidden_size = hidden_size
        self._projection_size = projection_size if projection_size else None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._i2h_weight_initializer = i2h_weight_initializer
        self._h2h_weight_initializer = h2h_weight_initializer
        self._i2h_bias_initializer = i2h_bias_initializer
        self._h2h_bias_initializer = h2h_bias_initializer
        self._h2r_weight_initializer = h2r_weight_initializer
        self._lstm_state_clip_min = lstm_state_clip_min
        self._lstm_state_clip_max = lstm_state_clip_max
        self._lstm_state_clip_nan = lstm_state_clip_nan
        self._dtype = dtype
        self._use_sequence_length = use_sequence_length
        self.skip_states = None
        self._traced_skip = None

        self._gates = _GATES[mode]
        ng, ni, nh = self._gates, input_size, hidden_size
        nr = self._projection_size or nh
        for i in range(num_layers):
            for j in ["l", "r"][:self._dir]:
                self._register_param("{}{}_i2h_weight".format(j, i), (ng * nh, ni), i2h_weight_initializer, dtype)
                self._register_param("{}{}_h2h_weight".format(j, i), (ng * nh, nr), h2h_weight_initializer, dtype)
                self._register_param("{}{}_i2h_bias".format(j, i), (ng * nh,), i2h_bias_initializer, dtype)
                self._register_param("{}{}_h2h_bias".format(j, i), (ng * nh,), h2h_bias_initializer, dtype)
                if self._projection_size:
                    self._register_param("{}{}_h2r_weight".format(j, i), (nr, nh), h2r_weight_initializer, dtype)
            ni = nr * self._dir

    def _register_param(self, name, shape, init, dtype):
        p = self.params.get(name, shape=shape, init=init, allow_deferred_init=True, dtype=dtype)
        setattr(self, name, p)
        return p

    def __repr__(self):
        s = "{name}({mapping}, {_layout}"
        if self._num_layers != 1:
            s += ", num_layers={_num_layers}"
        if self._dropout != 0:
            s += ", dropout={_dropout}"
        if self._dir == 2:
            s += ", bidirectional"
        s += ")"
        shape = self.l0_i2h_weight.shape
        mapping = "{0} -> {1}".format(shape[1] if shape[1] else None, shape[0] // self._gates)
        return s.format(name=self.__class__.__name__, mapping=mapping, **self.__dict__)

    def _collect_params_with_prefix(self, prefix=""):
        # MXNet saves fused layers under the names of the equivalent unfused cell stack.
        if prefix:
            prefix += "."
        bidirectional = self._dir == 2

        def convert(key):
            m = _KEY.match(key)
            if m is None:
                return key
            d, layer, g, t = m.groups()
            if bidirectional:
                return "_unfused.{}.{}_cell.{}_{}".format(layer, d, g, t)
            return "_unfused.{}.{}_{}".format(layer, g, t)

        ret = {prefix + convert(key): val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def cast(self, dtype):
        super().cast(dtype)
        self._dtype = dtype

    def state_info(self, batch_size=0):
        raise NotImplementedError

    def _unfuse(self):
        """The equivalent stack of recurrent cells sharing this layer's parameters."""
        assert not self._projection_size, "_unfuse does not support projection layer yet!"
        assert not self._lstm_state_clip_min and not self._lstm_state_clip_max, \
            "_unfuse does not support state clipping yet!"
        get_cell = {
            "rnn_relu": lambda **kw: rnn_cell.RNNCell(self._hidden_size, activation="relu", **kw),
            "rnn_tanh": lambda **kw: rnn_cell.RNNCell(self._hidden_size, activation="tanh", **kw),
            "lstm": lambda **kw: rnn_cell.LSTMCell(self._hidden_size, **kw),
            "gru": lambda **kw: rnn_cell.GRUCell(self._hidden_size, **kw)}[self._mode]
        stack = rnn_cell.HybridSequentialRNNCell(prefix=self.prefix, params=self.params)
        with stack.name_scope():
            ni = self._input_size
            for i in range(self._num_layers):
                kwargs = {"input_size": ni,
                          "i2h_weight_initializer": self._i2h_weight_initializer,
                          "h2h_weight_initializer": self._h2h_weight_initializer,
                          "i2h_bias_initializer": self._i2h_bias_initializer,
                          "h2h_bias_initializer": self._h2h_bias_initializer}
                if self._dir == 2:
                    stack.add(rnn_cell.BidirectionalCell(get_cell(prefix="l%d_" % i, **kwargs),
                                                         get_cell(prefix="r%d_" % i, **kwargs)))
                else:
                    stack.add(get_cell(prefix="l%d_" % i, **kwargs))
                if self._dropout > 0 and i != self._num_layers - 1:
                    stack.add(rnn_cell.DropoutCell(self._dropout))
                ni = self._hidden_size * self._dir
        return stack

    def begin_state(self, batch_size=0, func=ndarray.zeros, **kwargs):
        """Initial states ``func(name=<prefix>h0_<i>, shape=(layers*dirs, batch, size), ...)``."""
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            if info is not None:
                info.update(kwargs)
            else:
                info = kwargs
            states.append(rnn_cell._call_state_func(func, "%sh0_%d" % (self.prefix, i), info))
        return states

    def infer_shape(self, inputs, *args):
        """Fill the input size of the first layer's i2h weights from ``inputs``."""
        if inputs.ndim != 3:
            raise MXNetError("%s: input must be 3-D (layout %s), got shape %s" % (
                self.__class__.__name__, self._layout, str(inputs.shape)))
        ni = inputs.shape[2]
        for j in ["l", "r"][:self._dir]:
            p = getattr(self, "%s0_i2h_weight" % j)
            p.shape = (p.shape[0], ni)

    def __call__(self, inputs, states=None, sequence_length=None, **kwargs):
        self.skip_states = states is None
        if self._active and self._traced_skip is not None and self._traced_skip != self.skip_states:
            self._clear_cached_op()
        self._traced_skip = self.skip_states
        if states is None:
            if isinstance(inputs, NDArray):
                batch_size = inputs.shape[self._layout.find("N")]
                states = self.begin_state(batch_size, ctx=inputs.context, dtype=inputs.dtype)
            else:
                states = self.begin_state(0, func=symbol.zeros)
        if isinstance(states, rnn_cell.tensor_types):
            states = [states]
        if self._use_sequence_length:
            return super().__call__(inputs, states, sequence_length, **kwargs)
        return super().__call__(inputs, states, **kwargs)

    def hybrid_forward(self, F, inputs, states, sequence_length=None, **kwargs):
        if F is ndarray:
            batch_size = inputs.shape[self._layout.find("N")]
            for state, info in zip(states, self.state_info(batch_size)):
                if state.shape != info["shape"]:
                    raise ValueError("Invalid recurrent state shape. Expecting %s, got %s." % (
                        str(info["shape"]), str(state.shape)))
        out = self._forward_kernel(F, inputs, states, sequence_length, **kwargs)
        return out[0] if self.skip_states else out

    def _forward_kernel(self, F, inputs, states, sequence_length, **kwargs):
        """The fused ``RNN`` operator over the packed parameters."""
        swapaxes = self._layout == "NTC"
        if swapaxes:
            inputs = F.swapaxes(inputs, dim1=0, dim2=1)
        groups = ["i2h", "h2h", "h2r"] if self._projection_size else ["i2h", "h2h"]
        params = [F.reshape(kwargs["{}{}_{}_{}".format(d, layer, g, t)], shape=-1)
                  for t in ["weight", "bias"]
                  for layer in range(self._num_layers)
                  for d in ["l", "r"][:self._dir]
                  for g in groups
                  if g != "h2r" or t != "bias"]
        if find_op("_rnn_param_concat") is not None:
            params = F._internal._rnn_param_concat(*params, dim=0)
        else:
            params = F.concat(*params, dim=0)
        names = ["state", "state_cell"][:len(states)]
        rnn_args = list(states)
        if self._use_sequence_length:
            names.append("sequence_length")
            rnn_args.append(sequence_length)
        if F is ndarray:    # inputs in order (the GRU/RNN input list skips state_cell)
            pos, kw = rnn_args, {}
        else:
            pos, kw = [], dict(zip(names, rnn_args))
        rnn = F.RNN(inputs, params, *pos, **kw, use_sequence_length=self._use_sequence_length,
                    state_size=self._hidden_size, projection_size=self._projection_size,
                    num_layers=self._num_layers, bidirectional=self._dir == 2, p=self._dropout,
                    state_outputs=True, mode=self._mode, lstm_state_clip_min=self._lstm_state_clip_min,
                    lstm_state_clip_max=self._lstm_state_clip_max, lstm_state_clip_nan=self._lstm_state_clip_nan)
        if self._mode == "lstm":
            outputs, states = rnn[0], [rnn[1], rnn[2]]
        else:
            outputs, states = rnn[0], [rnn[1]]
        if swapaxes:
            outputs = F.swapaxes(outputs, dim1=0, dim2=1)
        return outputs, states


class RNN(_RNNLayer):
    """Multi-layer Elman RNN (``relu`` or ``tanh``) over whole sequences.

    Input (layout 'TNC' or 'NTC'), optional states ``[h0]`` of shape (num_layers*dirs, batch,
    hidden_size); returns the output sequence, plus the final states when states are given."""

    def __init__(self, hidden_size, num_layers=1, activation="relu", layout="TNC", dropout=0, bidirectional=False,
                 i2h_weight_initializer=None, h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", input_size=0, dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                         "rnn_" + activation, None, None, None, None, False, dtype, **kwargs)

    def state_info(self, batch_size=0):
        return [{"shape": (self._num_layers * self._dir, batch_size, self._hidden_size), "__layout__": "LNC",
                 "dtype": self._dtype}]


class LSTM(_RNNLayer):
    """Multi-layer LSTM over whole sequences (optionally with a projection of the hidden state,
    state clipping, bidirectional). States ``[h0, c0]``."""

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False, input_size=0,
                 i2h_weight_initializer=None, h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", projection_size=None, h2r_weight_initializer=None,
                 state_clip_min=None, state_clip_max=None, state_clip_nan=False, dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                         "lstm", projection_size, h2r_weight_initializer, state_clip_min, state_clip_max,
                         state_clip_nan, dtype, **kwargs)

    def state_info(self, batch_size=0):
        nh = self._num_layers * self._dir
        if self._projection_size is None:
            return [{"shape": (nh, batch_size, self._hidden_size), "__layout__": "LNC", "dtype": self._dtype},
                    {"shape": (nh, batch_size, self._hidden_size), "__layout__": "LNC", "dtype": self._dtype}]
        return [{"shape": (nh, batch_size, self._projection_size), "__layout__": "LNC", "dtype": self._dtype},
                {"shape": (nh, batch_size, self._hidden_size), "__layout__": "LNC", "dtype": self._dtype}]


class GRU(_RNNLayer):
    """Multi-layer GRU over whole sequences (MXNet/cuDNN gate formula). States ``[h0]``."""

    def __init__(self, hidden_size, num_layers=1, layout="TNC", dropout=0, bidirectional=False, input_size=0,
                 i2h_weight_initializer=None, h2h_weight_initializer=None, i2h_bias_initializer="zeros",
                 h2h_bias_initializer="zeros", dtype="float32", **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer, h2h_bias_initializer,
                         "gru", None, None, None, None, False, dtype, **kwargs)

    def state_info(self, batch_size=0):
        return [{"shape": (self._num_layers * self._dir, batch_size, self._hidden_size), "__layout__": "LNC",
                 "dtype": self._dtype}]
