"""Contributed recurrent cells (MXNet 1.9.1 ``gluon.contrib.rnn``): VariationalDropoutCell and
LSTMPCell, built on ``gluon.rnn``'s cell base classes."""
from ...rnn.rnn_cell import ModifierCell, BidirectionalCell, SequentialRNNCell, HybridRecurrentCell, _GatedCell

__all__ = ["VariationalDropoutCell", "LSTMPCell"]


class VariationalDropoutCell(ModifierCell):
    """Variational dropout (Gal & Ghahramani 2016) around ``base_cell``: one dropout mask per
    sequence (drawn at the first step after ``reset``/``unroll`` and reused at every step) for the
    inputs (``drop_inputs``), the first state (``drop_states``) and the outputs (``drop_outputs``)."""

    def __init__(self, base_cell, drop_inputs=0., drop_states=0., drop_outputs=0.):
        assert not drop_states or not isinstance(base_cell, BidirectionalCell), \
            "BidirectionalCell doesn't support variational state dropout. Please add VariationalDropoutCell " \
            "to the cells underneath instead."
        assert not drop_states or not isinstance(base_cell, SequentialRNNCell) or \
            not getattr(base_cell, "_bidirectional", False), \
            "Bidirectional SequentialRNNCell doesn't support variational state dropout. Please add " \
            "VariationalDropoutCell to the cells underneath instead."
        super().__init__(base_cell)
        self.drop_inputs = drop_inputs
        self.drop_states = drop_states
        self.drop_outputs = drop_outputs
        self.drop_inputs_mask = None
        self.drop_states_mask = None
        self.drop_outputs_mask = None

    def _alias(self):
        return "vardrop"

    def reset(self):
        super().reset()
        self.drop_inputs_mask = None
        self.drop_states_mask = None
        self.drop_outputs_mask = None

    @staticmethod
    def _mask(F, p, like):
        return F.Dropout(F.ones_like(like), p=p)

    def hybrid_forward(self, F, inputs, states):
        cell = self.base_cell
        if self.drop_states:
            if self.drop_states_mask is None:
                self.drop_states_mask = self._mask(F, self.drop_states, states[0])
            states = [states[0] * self.drop_states_mask] + list(states[1:])
        if self.drop_inputs:
            if self.drop_inputs_mask is None:
                self.drop_inputs_mask = self._mask(F, self.drop_inputs, inputs)
            inputs = inputs * self.drop_inputs_mask
        next_output, next_states = cell(inputs, states)
        if self.drop_outputs:
            if self.drop_outputs_mask is None:
                self.drop_outputs_mask = self._mask(F, self.drop_outputs, next_output)
            next_output = next_output * self.drop_outputs_mask
        return next_output, next_states

    def __repr__(self):
        return "{name}(p_out = {drop_outputs}, p_state = {drop_states})".format(
            name=self.__class__.__name__, drop_outputs=self.drop_outputs, drop_states=self.drop_states)


class LSTMPCell(_GatedCell):
    """LSTM with a recurrent projection (Sak et al. 2014): the LSTM step of ``LSTMCell`` on the
    projected state ``r`` (gates i, f, g, o), then ``r' = h2r_weight . h'`` (no bias).
    States are ``[r (batch, projection_size), c (batch, hidden_size)]``; the output is ``r'``."""

    _gates = 4

    def __init__(self, hidden_size, projection_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 h2r_weight_initializer=None, i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 input_size=0, prefix=None, params=None):
        HybridRecurrentCell.__init__(self, prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        self._projection_size = projection_size
        gh = 4 * hidden_size
        self.i2h_weight = self.params.get("i2h_weight", shape=(gh, input_size), init=i2h_weight_initializer,
                                          allow_deferred_init=True)
        self.h2h_weight = self.params.get("h2h_weight", shape=(gh, projection_size),
                                          init=h2h_weight_initializer, allow_deferred_init=True)
        self.h2r_weight = self.params.get("h2r_weight", shape=(projection_size, hidden_size),
                                          init=h2r_weight_initializer, allow_deferred_init=True)
        self.i2h_bias = self.params.get("i2h_bias", shape=(gh,), init=i2h_bias_initializer,
                                        allow_deferred_init=True)
        self.h2h_bias = self.params.get("h2h_bias", shape=(gh,), init=h2h_bias_initializer,
                                        allow_deferred_init=True)

    def _alias(self):
        return "lstmp"

    def state_info(self, batch_size=0):
        return [{"shape": (batch_size, self._projection_size), "__layout__": "NC"},
                {"shape": (batch_size, self._hidden_size), "__layout__": "NC"}]

    def __repr__(self):
        shape = self.i2h_weight.shape
        proj_shape = self.h2r_weight.shape
        return "{}({} -> {} -> {})".format(self.__class__.__name__, shape[1] if shape[1] else None, shape[0],
                                           proj_shape[0])

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, h2r_weight, i2h_bias, h2h_bias):
        prefix = "t%d_" % self._counter
        i2h, h2h = self._products(F, inputs, states[0], i2h_weight, h2h_weight, i2h_bias, h2h_bias, prefix)
        gates = F.elemwise_add(i2h, h2h, name=prefix + "plus0")
        sliced = F.SliceChannel(gates, num_outputs=4, name=prefix + "slice")
        in_gate = F.Activation(sliced[0], act_type="sigmoid", name=prefix + "i")
        forget_gate = F.Activation(sliced[1], act_type="sigmoid", name=prefix + "f")
        in_transform = F.Activation(sliced[2], act_type="tanh", name=prefix + "c")
        out_gate = F.Activation(sliced[3], act_type="sigmoid", name=prefix + "o")
        next_c = F.elemwise_add(F.elemwise_mul(forget_gate, states[1], name=prefix + "mul0"),
                                F.elemwise_mul(in_gate, in_transform, name=prefix + "mul1"),
                                name=prefix + "state")
        hidden = F.elemwise_mul(out_gate, F.Activation(next_c, act_type="tanh", name=prefix + "activation0"),
                                name=prefix + "hidden")
        next_r = F.FullyConnected(data=hidden, num_hidden=self._projection_size, weight=h2r_weight, no_bias=True,
                                  name=prefix + "out")
        return next_r, [next_r, next_c]
