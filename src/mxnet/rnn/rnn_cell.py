"""Symbolic RNN cells of MXNet 1.x's legacy ``mx.rnn`` package.

A cell builds the graph of one time step (``cell(inputs, states) -> (output, new_states)``);
``unroll`` chains ``length`` steps. Cells create their weights as ``mx.sym.Variable``s named
``<prefix>i2h_weight``, ``<prefix>i2h_bias``, ``<prefix>h2h_weight``, ``<prefix>h2h_bias``
(shared through an :class:`RNNParams` container); step ``t`` names its nodes ``<prefix>t<t>_...``
(``lstm_t0_out``, ``lstm_t0_state``) and the initial states are ``<prefix>begin_state_<k>``.

Gate order inside the stacked weights (rows ``[j*H:(j+1)*H]``): LSTM ``i, f, c, o``; GRU
``r, z, o`` (``o`` being the candidate state); the same as the fused ``RNN`` operator, so that
:class:`FusedRNNCell` and its :meth:`FusedRNNCell.unfuse` compute the same function.
``unpack_weights``/``pack_weights`` convert between the stacked arrays and per-gate arrays
(``lstm_i2h_f_weight``...), the form checkpoints are saved in.
"""
import functools
import warnings

from ..base import numeric_types, string_types
from .. import symbol, ndarray, initializer as init

__all__ = ["RNNParams", "BaseRNNCell", "RNNCell", "LSTMCell", "GRUCell", "FusedRNNCell",
           "SequentialRNNCell", "DropoutCell", "ModifierCell", "ZoneoutCell", "ResidualCell",
           "BidirectionalCell", "BaseConvRNNCell", "ConvRNNCell", "ConvLSTMCell", "ConvGRUCell"]


def _flat_states(cells, what, *args, **kwargs):
    """Concatenation of ``getattr(cell, what)`` (called with the arguments when they are given)
    over ``cells``."""
    out = []
    for cell in cells:
        attr = getattr(cell, what)
        out.extend(attr(*args, **kwargs) if callable(attr) else attr)
    return out


def _chain_weights(cells, method, args):
    """Apply ``cell.<method>`` (unpack_weights or pack_weights) of every cell in turn."""
    for cell in cells:
        args = getattr(cell, method)(args)
    return args


def _normalize_sequence(length, inputs, layout, merge, in_layout=None):
    """``inputs`` as a list of per-step symbols (``merge`` False) or one symbol with the time axis
    of ``layout`` (``merge`` True); ``merge`` None leaves it as it is. Returns (inputs, time axis)."""
    assert inputs is not None, \
        "unroll(inputs=None) has been deprecated. Please create input variables outside unroll."
    axis = layout.find("T")
    in_axis = in_layout.find("T") if in_layout is not None else axis
    if isinstance(inputs, symbol.Symbol):
        if merge is False:
            assert len(inputs.list_outputs()) == 1, \
                "unroll doesn't allow grouped symbol as input. Please convert to list with " \
                "list(inputs) first or let unroll handle splitting."
            inputs = list(symbol.split(inputs, axis=in_axis, num_outputs=length, squeeze_axis=1))
    else:
        assert length is None or len(inputs) == length, \
            "unroll: got {} inputs for length {}".format(len(inputs), length)
        if merge is True:
            inputs = symbol.Concat(*[symbol.expand_dims(i, axis=axis) for i in inputs], dim=axis)
            in_axis = axis
    if isinstance(inputs, symbol.Symbol) and axis != in_axis:
        inputs = symbol.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis


class RNNParams(object):
    """Container of the weight variables of cells, for sharing them between cells.

    Parameters
    ----------
    prefix : str
        Prepended to the names of the variables this container creates.
    """

    def __init__(self, prefix=""):
        self._prefix = prefix
        self._params = {}

    def get(self, name, **kwargs):
        """The variable ``prefix + name``, created with ``symbol.Variable(name, **kwargs)`` the
        first time."""
        name = self._prefix + name
        if name not in self._params:
            self._params[name] = symbol.Variable(name, **kwargs)
        return self._params[name]


class BaseRNNCell(object):
    """Abstract base class of RNN cells.

    Parameters
    ----------
    prefix : str, optional
        Prefix of the names of the layers (and of the weights when ``params`` is None).
    params : RNNParams, optional
        Container for weight sharing between cells; a new one is created if None.
    """

    def __init__(self, prefix="", params=None):
        if params is None:
            params = RNNParams(prefix)
            self._own_params = True
        else:
            self._own_params = False
        self._prefix = prefix
        self._params = params
        self._modified = False
        self.reset()

    def reset(self):
        """Reset the step and begin-state counters before re-using the cell for another graph."""
        self._init_counter = -1
        self._counter = -1
        for cell in getattr(self, "_cells", ()):
            cell.reset()

    def __call__(self, inputs, states):
        """Unroll the RNN for one time step: ``(output, new_states)`` from a (batch, units) input
        symbol and the list of states (from ``begin_state()`` or the previous step)."""
        raise NotImplementedError()

    @property
    def params(self):
        """The :class:`RNNParams` of this cell."""
        self._own_params = False
        return self._params

    @property
    def state_info(self):
        """Shape and layout of each state: a list of ``{'shape': ..., '__layout__': ...}``."""
        raise NotImplementedError()

    @property
    def state_shape(self):
        """Shape of each state (0 for the batch size)."""
        return [ele["shape"] for ele in self.state_info]

    @property
    def _gate_names(self):
        """Suffixes of the gates stacked in the weights (``('_i', '_f', '_c', '_o')`` for LSTM)."""
        return ()

    def begin_state(self, func=symbol.zeros, **kwargs):
        """Initial states ``<prefix>begin_state_<k>``, made by ``func(name=..., **kwargs,
        **state_info[k])``: ``symbol.zeros`` (default), ``symbol.Variable`` to feed the states as
        inputs, ``symbol.uniform``...

        Returns
        -------
        list of Symbol
        """
        assert not self._modified, \
            "After applying modifier cells (e.g. DropoutCell) the base cell cannot be called " \
            "directly. Call the modifier cell instead."
        states = []
        for info in self.state_info:
            self._init_counter += 1
            if info is not None:
                kwargs.update(info)
            states.append(func(name="%sbegin_state_%d" % (self._prefix, self._init_counter),
                               **kwargs))
        return states

    def unpack_weights(self, args):
        """Split the stacked ``i2h``/``h2h`` weights and biases of ``args`` (name -> NDArray, e.g.
        ``Module.get_params()[0]``) into one array per gate (``lstm_i2h_f_weight``...). Returns a
        new dict; the arrays are copies."""
        args = args.copy()
        if not self._gate_names:
            return args
        h = self._num_hidden
        for group in ("i2h", "h2h"):
            weight = args.pop("%s%s_weight" % (self._prefix, group))
            bias = args.pop("%s%s_bias" % (self._prefix, group))
            for j, gate in enumerate(self._gate_names):
                args["%s%s%s_weight" % (self._prefix, group, gate)] = weight[j * h:(j + 1) * h].copy()
                args["%s%s%s_bias" % (self._prefix, group, gate)] = bias[j * h:(j + 1) * h].copy()
        return args

    def pack_weights(self, args):
        """Inverse of :meth:`unpack_weights`: stack the per-gate arrays of ``args`` again."""
        args = args.copy()
        if not self._gate_names:
            return args
        for group in ("i2h", "h2h"):
            for kind in ("weight", "bias"):
                parts = [args.pop("%s%s%s_%s" % (self._prefix, group, gate, kind))
                         for gate in self._gate_names]
                args["%s%s_%s" % (self._prefix, group, kind)] = ndarray.concatenate(parts)
        return args

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        """Unroll the cell over ``length`` time steps.

        Parameters
        ----------
        length : int
            Number of steps.
        inputs : Symbol or list of Symbol
            One symbol of shape (batch, length, ...) for ``layout`` 'NTC' or (length, batch, ...)
            for 'TNC', or a list of ``length`` symbols of shape (batch, ...).
        begin_state : list of Symbol, optional
            Initial states; ``begin_state()`` if None.
        layout : str
            'NTC' or 'TNC'.
        merge_outputs : bool, optional
            True: one output symbol with the time axis of ``layout``; False: a list of
            per-step outputs; None: whichever is natural for the cell.

        Returns
        -------
        outputs : Symbol or list of Symbol
        states : list of Symbol
            The states after the last step.
        """
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, False)
        states = self.begin_state() if begin_state is None else begin_state
        outputs = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, inputs, activation, **kwargs):
        """``activation`` applied to ``inputs``: an ``Activation`` act_type name or a callable."""
        if isinstance(activation, string_types):
            return symbol.Activation(inputs, act_type=activation, **kwargs)
        return activation(inputs, **kwargs)

    def _step_name(self):
        """Advance the step counter; the node-name prefix ``<prefix>t<step>_`` of the new step."""
        self._counter += 1
        return "%st%d_" % (self._prefix, self._counter)


def _lstm_gates(cell, gates, prev_c, name, activation, **slice_kwargs):
    """LSTM step from the summed products ``gates`` (rows ``i, f, c, o``) and the cell state
    ``prev_c``: ``(next_h, [next_h, next_c])``; ``activation`` replaces tanh (conv cells)."""
    gates = symbol.SliceChannel(gates, num_outputs=4, name="%sslice" % name, **slice_kwargs)
    in_gate = symbol.Activation(gates[0], act_type="sigmoid", name="%si" % name)
    forget_gate = symbol.Activation(gates[1], act_type="sigmoid", name="%sf" % name)
    in_transform = cell._get_activation(gates[2], activation, name="%sc" % name)
    out_gate = symbol.Activation(gates[3], act_type="sigmoid", name="%so" % name)
    next_c = symbol._internal._plus(forget_gate * prev_c, in_gate * in_transform,
                                    name="%sstate" % name)
    next_h = symbol._internal._mul(out_gate, cell._get_activation(next_c, activation),
                                   name="%sout" % name)
    return next_h, [next_h, next_c]


def _gru_gates(cell, i2h, h2h, prev_h, name, activation):
    """GRU step (cuDNN variant) from the products ``i2h``/``h2h`` (rows ``r, z, o``) and the
    state ``prev_h``: ``(next_h, [next_h])``; ``activation`` replaces tanh (conv cells)."""
    i2h_r, i2h_z, i2h = symbol.SliceChannel(i2h, num_outputs=3, name="%s_i2h_slice" % name)
    h2h_r, h2h_z, h2h = symbol.SliceChannel(h2h, num_outputs=3, name="%s_h2h_slice" % name)
    reset_gate = symbol.Activation(i2h_r + h2h_r, act_type="sigmoid", name="%s_r_act" % name)
    update_gate = symbol.Activation(i2h_z + h2h_z, act_type="sigmoid", name="%s_z_act" % name)
    candidate = cell._get_activation(i2h + reset_gate * h2h, activation, name="%s_h_act" % name)
    next_h = symbol._internal._plus((1. - update_gate) * candidate, update_gate * prev_h,
                                    name="%sout" % name)
    return next_h, [next_h]


class _DenseCell(BaseRNNCell):
    """Shared part of RNNCell, LSTMCell and GRUCell: four weights and dense i2h/h2h products."""

    def __init__(self, num_hidden, prefix, params, i2h_bias_init=None):
        super(_DenseCell, self).__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._iW = self.params.get("i2h_weight")
        if i2h_bias_init is None:
            self._iB = self.params.get("i2h_bias")
            self._hW = self.params.get("h2h_weight")
        else:  # LSTMCell: MXNet creates both weights first
            self._hW = self.params.get("h2h_weight")
            self._iB = self.params.get("i2h_bias", init=i2h_bias_init)
        self._hB = self.params.get("h2h_bias")

    @property
    def state_info(self):
        return [{"shape": (0, self._num_hidden), "__layout__": "NC"}
                for _ in range(self._num_states)]

    _num_states = 1

    def _dense(self, inputs, h, name, i2h_name="i2h", h2h_name="h2h"):
        """(i2h, h2h): the input and recurrent products of step ``name``."""
        n = self._num_hidden * max(1, len(self._gate_names))
        i2h = symbol.FullyConnected(data=inputs, weight=self._iW, bias=self._iB, num_hidden=n,
                                    name="%s%s" % (name, i2h_name))
        h2h = symbol.FullyConnected(data=h, weight=self._hW, bias=self._hB, num_hidden=n,
                                    name="%s%s" % (name, h2h_name))
        return i2h, h2h


class RNNCell(_DenseCell):
    """Elman RNN cell: ``h' = activation(W_i2h x + b_i2h + W_h2h h + b_h2h)``.

    Parameters
    ----------
    num_hidden : int
        Number of units in the output symbol.
    activation : str or Symbol, default 'tanh'
        Activation type (``Activation`` act_type) or a function applied to the sum.
    prefix : str, default 'rnn_'
        Prefix of the names of layers and weights.
    params : RNNParams, default None
        Container for weight sharing between cells.
    """

    def __init__(self, num_hidden, activation="tanh", prefix="rnn_", params=None):
        super(RNNCell, self).__init__(num_hidden, prefix, params)
        self._activation = activation

    @property
    def _gate_names(self):
        return ("",)

    def __call__(self, inputs, states):
        name = self._step_name()
        i2h, h2h = self._dense(inputs, states[0], name)
        output = self._get_activation(i2h + h2h, self._activation, name="%sout" % name)
        return output, [output]


class LSTMCell(_DenseCell):
    """Long short-term memory cell (Hochreiter & Schmidhuber 1997), gates ``i, f, c, o``:
    ``c' = f * c + i * tanh(g_c)``, ``h' = o * tanh(c')``.

    Parameters
    ----------
    num_hidden : int
        Number of units in the output symbol.
    prefix : str, default 'lstm_'
        Prefix of the names of layers and weights.
    params : RNNParams, default None
        Container for weight sharing between cells.
    forget_bias : float, default 1.0
        Initial bias of the forget gate (the ``i2h_bias`` variable gets an ``LSTMBias``
        initializer attribute).
    """
    _num_states = 2

    def __init__(self, num_hidden, prefix="lstm_", params=None, forget_bias=1.0):
        super(LSTMCell, self).__init__(num_hidden, prefix, params,
                                       i2h_bias_init=init.LSTMBias(forget_bias=forget_bias))

    @property
    def _gate_names(self):
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs, states):
        name = self._step_name()
        i2h, h2h = self._dense(inputs, states[0], name)
        return _lstm_gates(self, i2h + h2h, states[1], name, "tanh")


class GRUCell(_DenseCell):
    """Gated recurrent unit cell (Cho et al. 2014), cuDNN variant, gates ``r, z, o``:
    ``n = tanh(i2h_o + r * h2h_o)``, ``h' = (1 - z) * n + z * h``.

    Parameters
    ----------
    num_hidden : int
        Number of units in the output symbol.
    prefix : str, default 'gru_'
        Prefix of the names of layers and weights.
    params : RNNParams, default None
        Container for weight sharing between cells.
    """

    def __init__(self, num_hidden, prefix="gru_", params=None):
        super(GRUCell, self).__init__(num_hidden, prefix, params)

    @property
    def _gate_names(self):
        return ["_r", "_z", "_o"]

    def __call__(self, inputs, states):
        name = self._step_name()
        i2h, h2h = self._dense(inputs, states[0], name, "_i2h", "_h2h")
        return _gru_gates(self, i2h, h2h, states[0], name, "tanh")


class FusedRNNCell(BaseRNNCell):
    """The fused ``RNN`` operator (all layers, directions and steps in one node) as a cell.

    Its single weight ``<prefix>parameters`` is the operator's packed vector: for each layer and
    direction the i2h weights of every gate then the h2h weights, then all biases in the same
    order. It is initialized by ``init.FusedRNN`` (per-gate arrays from the global initializer,
    LSTM forget-gate biases set to ``forget_bias``).

    Parameters
    ----------
    num_hidden : int
        Hidden state size.
    num_layers : int, default 1
        Number of stacked layers.
    mode : str, default 'lstm'
        'rnn_relu', 'rnn_tanh', 'lstm' or 'gru'.
    bidirectional : bool, default False
        Whether each layer also runs backward in time (outputs concatenated).
    dropout : float, default 0.
        Dropout between layers (training only).
    get_next_state : bool, default False
        Whether ``unroll`` returns the final states.
    forget_bias : float, default 1.0
        Initial bias of the LSTM forget gates.
    prefix : str, default ``'<mode>_'``
        Prefix of the names.
    params : RNNParams, default None
        Container for weight sharing between cells.
    """

    def __init__(self, num_hidden, num_layers=1, mode="lstm", bidirectional=False, dropout=0.,
                 get_next_state=False, forget_bias=1.0, prefix=None, params=None):
        if prefix is None:
            prefix = "%s_" % mode
        super(FusedRNNCell, self).__init__(prefix=prefix, params=params)
        self._num_hidden = num_hidden
        self._num_layers = num_layers
        self._mode = mode
        self._bidirectional = bidirectional
        self._dropout = dropout
        self._get_next_state = get_next_state
        self._directions = ["l", "r"] if bidirectional else ["l"]
        initializer = init.FusedRNN(None, num_hidden, num_layers, mode, bidirectional, forget_bias)
        self._parameter = self.params.get("parameters", init=initializer)

    @property
    def state_info(self):
        b = len(self._directions)
        n = 2 if self._mode == "lstm" else 1
        return [{"shape": (b * self._num_layers, 0, self._num_hidden), "__layout__": "LNC"}
                for _ in range(n)]

    @property
    def _gate_names(self):
        return {"rnn_relu": [""], "rnn_tanh": [""], "lstm": ["_i", "_f", "_c", "_o"],
                "gru": ["_r", "_z", "_o"]}[self._mode]

    @property
    def _num_gates(self):
        return len(self._gate_names)

    def _layout(self, num_input):
        """[(name, shape)] of the pieces of the packed vector, in order."""
        b, h = len(self._directions), self._num_hidden
        weights, biases = [], []
        for layer in range(self._num_layers):
            in_size = num_input if layer == 0 else b * h
            for d in self._directions:
                for group, cols in (("i2h", in_size), ("h2h", h)):
                    for gate in self._gate_names:
                        stem = "%s%s%d_%s%s" % (self._prefix, d, layer, group, gate)
                        weights.append((stem + "_weight", (h, cols)))
                        biases.append((stem + "_bias", (h,)))
        return weights + biases

    def _num_input(self, size):
        """The input size of the first layer, from the length of the packed vector."""
        b, m, h, n = len(self._directions), self._num_gates, self._num_hidden, self._num_layers
        per_in = b * m * h
        rest = size - (n - 1) * b * m * h * (b * h + h + 2)
        return rest // per_in - h - 2

    def _slice_weights(self, arr, num_input):
        """{name: view of ``arr``} for every piece of the packed vector ``arr``."""
        args, p = {}, 0
        for name, shape in self._layout(num_input):
            size = shape[0] * (shape[1] if len(shape) > 1 else 1)
            args[name] = arr[p:p + size].reshape(shape)
            p += size
        assert p == arr.size, "Invalid parameters size for FusedRNNCell"
        return args

    def unpack_weights(self, args):
        """Replace ``<prefix>parameters`` in ``args`` by the per-gate arrays
        ``<prefix><l|r><layer>_<i2h|h2h><gate>_<weight|bias>`` (copies)."""
        args = args.copy()
        arr = args.pop(self._parameter.name)
        pieces = self._slice_weights(arr, self._num_input(arr.size))
        args.update({name: a.copy() for name, a in pieces.items()})
        return args

    def pack_weights(self, args):
        """Inverse of :meth:`unpack_weights`."""
        args = args.copy()
        w0 = args["%sl0_i2h%s_weight" % (self._prefix, self._gate_names[0])]
        num_input = w0.shape[1]
        total = sum(int(s[0] * (s[1] if len(s) > 1 else 1)) for _, s in self._layout(num_input))
        arr = ndarray.zeros((total,), ctx=w0.context, dtype=w0.dtype)
        for name, piece in self._slice_weights(arr, num_input).items():
            piece[:] = args.pop(name)
        args[self._parameter.name] = arr
        return args

    def __call__(self, inputs, states):
        raise NotImplementedError("FusedRNNCell cannot be stepped. Please use unroll")

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, True)
        if axis == 1:
            warnings.warn("NTC layout detected. Consider using TNC for FusedRNNCell for faster speed")
            inputs = symbol.swapaxes(inputs, dim1=0, dim2=1)
        else:
            assert axis == 0, "Unsupported layout %s" % layout
        if begin_state is None:
            begin_state = self.begin_state()
        states = {"state": begin_state[0]}
        if self._mode == "lstm":
            states["state_cell"] = begin_state[1]
        rnn = symbol.RNN(data=inputs, parameters=self._parameter, state_size=self._num_hidden,
                         num_layers=self._num_layers, bidirectional=self._bidirectional,
                         p=self._dropout, state_outputs=self._get_next_state, mode=self._mode,
                         name=self._prefix + "rnn", **states)
        if not self._get_next_state:
            outputs, states = rnn, []
        else:
            n = 2 if self._mode == "lstm" else 1
            outputs, states = rnn[0], [rnn[k] for k in range(1, n + 1)]
            for s in states:
                s._set_attr(__layout__="LNC")
        if axis == 1:
            outputs = symbol.swapaxes(outputs, dim1=0, dim2=1)
        outputs, _ = _normalize_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def unfuse(self):
        """A :class:`SequentialRNNCell` of plain cells (``<prefix>l<k>_``, ``<prefix>r<k>_``
        wrapped in BidirectionalCells, DropoutCells between layers) computing the same function;
        its weights are this cell's ``unpack_weights`` followed by its own ``pack_weights``."""
        h = self._num_hidden
        make = {"rnn_relu": lambda p: RNNCell(h, activation="relu", prefix=p),
                "rnn_tanh": lambda p: RNNCell(h, activation="tanh", prefix=p),
                "lstm": lambda p: LSTMCell(h, prefix=p),
                "gru": lambda p: GRUCell(h, prefix=p)}[self._mode]
        stack = SequentialRNNCell()
        for i in range(self._num_layers):
            if self._bidirectional:
                stack.add(BidirectionalCell(make("%sl%d_" % (self._prefix, i)),
                                            make("%sr%d_" % (self._prefix, i)),
                                            output_prefix="%sbi_l%d_" % (self._prefix, i)))
            else:
                stack.add(make("%sl%d_" % (self._prefix, i)))
            if self._dropout > 0 and i != self._num_layers - 1:
                stack.add(DropoutCell(self._dropout, prefix="%s_dropout%d_" % (self._prefix, i)))
        return stack


class _CellGroup(BaseRNNCell):
    """Shared part of the cells made of the child cells ``self._cells`` (sequential, bidirectional):
    their states one after the other, weights (un)packed by each child, one shared RNNParams."""

    _modifier_example = "DropoutCell"  # the modifier cell begin_state's error names (as MXNet words it)

    def _share_params(self, cells, owner):
        """Give ``cells`` this cell's params when it was given some (they must not have their own),
        and add theirs to this cell's params."""
        if self._override_cell_params:
            assert all(cell._own_params for cell in cells), \
                "Either specify params for %s or child cells, not both." % owner
            for cell in cells:
                cell.params._params.update(self.params._params)
        for cell in cells:
            self.params._params.update(cell.params._params)

    @property
    def state_info(self):
        return _flat_states(self._cells, "state_info")

    def begin_state(self, **kwargs):  # pylint: disable=arguments-differ
        assert not self._modified, \
            "After applying modifier cells (e.g. %s) the base cell cannot be called " \
            "directly. Call the modifier cell instead." % self._modifier_example
        return _flat_states(self._cells, "begin_state", **kwargs)

    def unpack_weights(self, args):
        return _chain_weights(self._cells, "unpack_weights", args)

    def pack_weights(self, args):
        return _chain_weights(self._cells, "pack_weights", args)


class SequentialRNNCell(_CellGroup):
    """A stack of cells, each one's output the next one's input; states are concatenated.

    Parameters
    ----------
    params : RNNParams, default None
        Container for weight sharing between cells (then the cells must not have their own).
    """

    _modifier_example = "ZoneoutCell"

    def __init__(self, params=None):
        super(SequentialRNNCell, self).__init__(prefix="", params=params)
        self._override_cell_params = params is not None
        self._cells = []

    def add(self, cell):
        """Append ``cell`` to the stack."""
        self._cells.append(cell)
        self._share_params([cell], "SequentialRNNCell")

    def __call__(self, inputs, states):
        self._counter += 1
        next_states, p = [], 0
        for cell in self._cells:
            assert not isinstance(cell, BidirectionalCell), \
                "BidirectionalCell cannot be stepped. Please use unroll"
            n = len(cell.state_info)
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states.extend(state)
        return inputs, next_states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        if begin_state is None:
            begin_state = self.begin_state()
        p, next_states = 0, []
        last = len(self._cells) - 1
        for i, cell in enumerate(self._cells):
            n = len(cell.state_info)
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=begin_state[p:p + n],
                                         layout=layout,
                                         merge_outputs=None if i < last else merge_outputs)
            p += n
            next_states.extend(states)
        return inputs, next_states


class DropoutCell(BaseRNNCell):
    """Dropout on the input (no state, no weights).

    Parameters
    ----------
    dropout : float
        Probability of dropping an element in training.
    prefix : str, default 'dropout_'
    params : RNNParams, default None
    """

    def __init__(self, dropout, prefix="dropout_", params=None):
        super(DropoutCell, self).__init__(prefix, params)
        assert isinstance(dropout, numeric_types), "dropout probability must be a number"
        self.dropout = dropout

    @property
    def state_info(self):
        return []

    def __call__(self, inputs, states):
        if self.dropout > 0:
            inputs = symbol.Dropout(data=inputs, p=self.dropout)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, symbol.Symbol):
            return self(inputs, [])
        return super(DropoutCell, self).unroll(length, inputs, begin_state=begin_state,
                                               layout=layout, merge_outputs=merge_outputs)


class ModifierCell(BaseRNNCell):
    """Base class of cells that wrap a ``base_cell`` and change its behaviour (ZoneoutCell,
    ResidualCell). The base cell is then marked modified and cannot be used directly."""

    def __init__(self, base_cell):
        super(ModifierCell, self).__init__()
        base_cell._modified = True
        self.base_cell = base_cell

    @property
    def params(self):
        self._own_params = False
        return self.base_cell.params

    @property
    def state_info(self):
        return self.base_cell.state_info

    def begin_state(self, init_sym=symbol.zeros, **kwargs):  # pylint: disable=arguments-differ
        assert not self._modified, \
            "After applying modifier cells (e.g. DropoutCell) the base cell cannot be called " \
            "directly. Call the modifier cell instead."
        self.base_cell._modified = False
        try:
            return self.base_cell.begin_state(init_sym, **kwargs)
        finally:
            self.base_cell._modified = True

    def unpack_weights(self, args):
        return self.base_cell.unpack_weights(args)

    def pack_weights(self, args):
        return self.base_cell.pack_weights(args)

    def __call__(self, inputs, states):
        raise NotImplementedError


class ZoneoutCell(ModifierCell):
    """Zoneout (Krueger et al. 2016): in training, each output/state element keeps its previous
    value with probability ``zoneout_outputs``/``zoneout_states``.

    Parameters
    ----------
    base_cell : BaseRNNCell
        A steppable cell (not fused, not bidirectional).
    zoneout_outputs : float, default 0.
    zoneout_states : float, default 0.
    """

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        assert not isinstance(base_cell, FusedRNNCell), \
            "FusedRNNCell doesn't support zoneout. Please unfuse first."
        assert not isinstance(base_cell, BidirectionalCell), \
            "BidirectionalCell doesn't support zoneout since it doesn't support step. " \
            "Please add ZoneoutCell to the cells underneath instead."
        assert not isinstance(base_cell, SequentialRNNCell) or \
            not getattr(base_cell, "_bidirectional", False), \
            "Bidirectional SequentialRNNCell doesn't support zoneout. " \
            "Please add ZoneoutCell to the cells underneath instead."
        super(ZoneoutCell, self).__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self.prev_output = None

    def reset(self):
        super(ZoneoutCell, self).reset()
        self.prev_output = None

    def __call__(self, inputs, states):
        p_out, p_state = self.zoneout_outputs, self.zoneout_states
        next_output, next_states = self.base_cell(inputs, states)

        def keep_new(p, like):
            # Dropout of ones: nonzero (keep the new value) with probability 1 - p in training,
            # always nonzero in inference
            return symbol.Dropout(symbol.ones_like(like), p=p)

        prev_output = self.prev_output
        if prev_output is None:
            prev_output = symbol.zeros_like(next_output)
        output = (symbol.where(keep_new(p_out, next_output), next_output, prev_output)
                  if p_out != 0. else next_output)
        if p_state != 0.:
            states = [symbol.where(keep_new(p_state, new), new, old)
                      for new, old in zip(next_states, states)]
        else:
            states = next_states
        self.prev_output = output
        return output, states


class ResidualCell(ModifierCell):
    """Adds the input to the output of ``base_cell`` (``<output name>_plus_residual``); the
    input and output sizes must match."""

    def __init__(self, base_cell):
        super(ResidualCell, self).__init__(base_cell)

    def __call__(self, inputs, states):
        output, states = self.base_cell(inputs, states)
        output = symbol.elemwise_add(output, inputs, name="%s_plus_residual" % output.name)
        return output, states

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(length, inputs=inputs, begin_state=begin_state,
                                                    layout=layout, merge_outputs=merge_outputs)
        finally:
            self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, symbol.Symbol)
        inputs, _ = _normalize_sequence(length, inputs, layout, merge_outputs)
        if merge_outputs:
            outputs = symbol.elemwise_add(outputs, inputs, name="%s_plus_residual" % outputs.name)
        else:
            outputs = [symbol.elemwise_add(o, i, name="%s_plus_residual" % o.name)
                       for o, i in zip(outputs, inputs)]
        return outputs, states


class BidirectionalCell(_CellGroup):
    """Runs ``l_cell`` forward and ``r_cell`` backward in time over the same inputs and
    concatenates their outputs (``<output_prefix>t<k>``, or ``<output_prefix>out`` merged).

    Parameters
    ----------
    l_cell, r_cell : BaseRNNCell
    params : RNNParams, default None
        Container for weight sharing (then the cells must not have their own).
    output_prefix : str, default 'bi_'
    """

    def __init__(self, l_cell, r_cell, params=None, output_prefix="bi_"):
        super(BidirectionalCell, self).__init__("", params=params)
        self._output_prefix = output_prefix
        self._override_cell_params = params is not None
        self._share_params([l_cell, r_cell], "BidirectionalCell")
        self._cells = [l_cell, r_cell]

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    def unroll(self, length, inputs, begin_state=None, layout="NTC", merge_outputs=None):
        self.reset()
        inputs, axis = _normalize_sequence(length, inputs, layout, False)
        if begin_state is None:
            begin_state = self.begin_state()
        l_cell, r_cell = self._cells
        n_l = len(l_cell.state_info)
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs, begin_state=begin_state[:n_l],
                                            layout=layout, merge_outputs=merge_outputs)
        r_outputs, r_states = r_cell.unroll(length, inputs=list(reversed(inputs)),
                                            begin_state=begin_state[n_l:], layout=layout,
                                            merge_outputs=merge_outputs)
        if merge_outputs is None:
            merge_outputs = (isinstance(l_outputs, symbol.Symbol)
                             and isinstance(r_outputs, symbol.Symbol))
            if not merge_outputs:
                if isinstance(l_outputs, symbol.Symbol):
                    l_outputs = list(symbol.SliceChannel(l_outputs, axis=axis, num_outputs=length,
                                                         squeeze_axis=1))
                if isinstance(r_outputs, symbol.Symbol):
                    r_outputs = list(symbol.SliceChannel(r_outputs, axis=axis, num_outputs=length,
                                                         squeeze_axis=1))
        if merge_outputs:
            outputs = symbol.Concat(l_outputs, symbol.reverse(r_outputs, axis=axis), dim=2,
                                    name="%sout" % self._output_prefix)
        else:
            outputs = [symbol.Concat(l_o, r_o, dim=1, name="%st%d" % (self._output_prefix, i))
                       for i, (l_o, r_o) in enumerate(zip(l_outputs, reversed(r_outputs)))]
        return outputs, [l_states, r_states]


class BaseConvRNNCell(BaseRNNCell):
    """Shared part of the convolutional cells: ``i2h`` and ``h2h`` are convolutions (the h2h one
    "same"-padded, odd kernel); the state shape is the i2h convolution's output shape."""

    def __init__(self, input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel, i2h_stride,
                 i2h_pad, i2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, activation, prefix="", params=None,
                 conv_layout="NCHW"):
        super(BaseConvRNNCell, self).__init__(prefix=prefix, params=params)
        assert h2h_kernel[0] % 2 == 1 and h2h_kernel[1] % 2 == 1, \
            "Only support odd number, get h2h_kernel= %s" % str(h2h_kernel)
        self._h2h_kernel = h2h_kernel
        self._h2h_pad = (h2h_dilate[0] * (h2h_kernel[0] - 1) // 2,
                         h2h_dilate[1] * (h2h_kernel[1] - 1) // 2)
        self._h2h_dilate = h2h_dilate
        self._i2h_kernel = i2h_kernel
        self._i2h_stride = i2h_stride
        self._i2h_pad = i2h_pad
        self._i2h_dilate = i2h_dilate
        self._num_hidden = num_hidden
        self._input_shape = input_shape
        self._conv_layout = conv_layout
        self._activation = activation
        probe = symbol.Convolution(data=symbol.Variable("data"), num_filter=num_hidden,
                                   kernel=i2h_kernel, stride=i2h_stride, pad=i2h_pad,
                                   dilate=i2h_dilate, layout=conv_layout)
        out_shape = probe.infer_shape(data=input_shape)[1][0]
        self._state_shape = (0,) + tuple(out_shape[1:])
        self._iW = self.params.get("i2h_weight", init=i2h_weight_initializer)
        self._hW = self.params.get("h2h_weight", init=h2h_weight_initializer)
        self._iB = self.params.get("i2h_bias", init=i2h_bias_initializer)
        self._hB = self.params.get("h2h_bias", init=h2h_bias_initializer)

    @property
    def _num_gates(self):
        return len(self._gate_names)

    @property
    def state_info(self):
        return [{"shape": self._state_shape, "__layout__": self._conv_layout}
                for _ in range(self._num_states)]

    _num_states = 2

    def _conv_forward(self, inputs, states, name):
        n = self._num_hidden * self._num_gates
        i2h = symbol.Convolution(name="%si2h" % name, data=inputs, num_filter=n,
                                 kernel=self._i2h_kernel, stride=self._i2h_stride,
                                 pad=self._i2h_pad, dilate=self._i2h_dilate, weight=self._iW,
                                 bias=self._iB, layout=self._conv_layout)
        h2h = symbol.Convolution(name="%sh2h" % name, data=states[0], num_filter=n,
                                 kernel=self._h2h_kernel, dilate=self._h2h_dilate,
                                 pad=self._h2h_pad, stride=(1, 1), weight=self._hW,
                                 bias=self._hB, layout=self._conv_layout)
        return i2h, h2h

    def __call__(self, inputs, states):
        raise NotImplementedError("BaseConvRNNCell is abstract class for convolutional RNN")


def _leaky():
    return functools.partial(symbol.LeakyReLU, act_type="leaky", slope=0.2)


def _conv_cell_init(default_prefix):
    """The ``__init__`` of a convolutional cell class whose ``prefix`` defaults to
    ``default_prefix`` (the three cells take the same arguments)."""
    def __init__(self, input_shape, num_hidden, h2h_kernel=(3, 3), h2h_dilate=(1, 1),
                 i2h_kernel=(3, 3), i2h_stride=(1, 1), i2h_pad=(1, 1), i2h_dilate=(1, 1),
                 i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer="zeros", h2h_bias_initializer="zeros",
                 activation=_leaky(), prefix=default_prefix, params=None, conv_layout="NCHW"):
        BaseConvRNNCell.__init__(
            self, input_shape, num_hidden, h2h_kernel, h2h_dilate, i2h_kernel, i2h_stride,
            i2h_pad, i2h_dilate, i2h_weight_initializer, h2h_weight_initializer,
            i2h_bias_initializer, h2h_bias_initializer, activation, prefix=prefix,
            params=params, conv_layout=conv_layout)
    return __init__


class ConvRNNCell(BaseConvRNNCell):
    """Convolutional Elman RNN cell: ``h' = activation(conv(x) + conv(h))``.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one step's input, e.g. (batch, C, H, W) (batch may be anything).
    num_hidden : int
        Number of state channels.
    h2h_kernel, h2h_dilate, i2h_kernel, i2h_stride, i2h_pad, i2h_dilate : tuple of int
        Convolution settings (h2h_kernel must be odd; h2h padding keeps the size).
    i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
    h2h_bias_initializer : str or Initializer
    activation : str or callable, default LeakyReLU(slope=0.2)
    prefix : str, default 'ConvRNN_'
    params : RNNParams, default None
    conv_layout : str, default 'NCHW'
    """
    _num_states = 1

    __init__ = _conv_cell_init("ConvRNN_")

    @property
    def _gate_names(self):
        return ("",)

    def __call__(self, inputs, states):
        name = self._step_name()
        i2h, h2h = self._conv_forward(inputs, states, name)
        output = self._get_activation(i2h + h2h, self._activation, name="%sout" % name)
        return output, [output]


class ConvLSTMCell(BaseConvRNNCell):
    """Convolutional LSTM cell (Shi et al. 2015): the LSTM gates with convolutions, and
    ``activation`` in place of tanh. Parameters as :class:`ConvRNNCell` (prefix 'ConvLSTM_')."""

    __init__ = _conv_cell_init("ConvLSTM_")

    @property
    def _gate_names(self):
        return ["_i", "_f", "_c", "_o"]

    def __call__(self, inputs, states):
        name = self._step_name()
        i2h, h2h = self._conv_forward(inputs, states, name)
        return _lstm_gates(self, i2h + h2h, states[1], name, self._activation,
                           axis=self._conv_layout.find("C"))


class ConvGRUCell(BaseConvRNNCell):
    """Convolutional GRU cell: the GRU gates with convolutions, and ``activation`` in place of
    tanh. Parameters as :class:`ConvRNNCell` (prefix 'ConvGRU_')."""
    _num_states = 1

    __init__ = _conv_cell_init("ConvGRU_")

    @property
    def _gate_names(self):
        return ["_r", "_z", "_o"]

    def __call__(self, inputs, states):
        name = self._step_name()
        i2h, h2h = self._conv_forward(inputs, states, name)
        return _gru_gates(self, i2h, h2h, states[0], name, self._activation)
