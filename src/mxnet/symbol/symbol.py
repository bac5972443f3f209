"""Symbol: an immutable computation graph over the operator registry.

A :class:`Node` is a variable (``op is None``) or an operator application with its parameters
(strings, as in MXNet's JSON), user attributes and input entries ``(node, output_index)`` — data
inputs first, then auxiliary states. A :class:`Symbol` is a list of output entries.
"""
import logging

from .. import attribute
from ..base import MXNetError, NotImplementedForSymbol, numeric_types, to_dtype, DTYPE_TO_FLAG
from ..context import current_context

__all__ = ["Node", "Symbol", "Variable", "var", "Group", "topo_order"]


class Node:
    """One graph node: a variable or an operator application."""
    __slots__ = ("op", "name", "params", "attrs", "inputs", "_parsed", "subgraphs", "__weakref__")

    def __init__(self, op, name, params=None, attrs=None, inputs=(), subgraphs=()):
        self.op = op
        self.name = name
        self.params = params or {}
        self.attrs = attrs or {}
        self.inputs = list(inputs)
        self._parsed = None
        self.subgraphs = tuple(subgraphs)   # control-flow ops (_foreach...): their body Symbols

    @property
    def is_variable(self):
        return self.op is None

    @property
    def parsed(self):
        """The op's parameters validated by the registry (cached)."""
        if self._parsed is None:
            parsed = self.op.parse(self.params)
            if self.subgraphs:   # the kernel reads its bodies from attrs.subgraphs
                from ..ops.control_flow import with_subgraphs
                parsed = with_subgraphs(parsed, self.subgraphs)
            self._parsed = parsed
        return self._parsed

    def num_inputs(self):
        return len(self.op.input_names(self.parsed))

    def num_outputs(self):
        return 1 if self.op is None else self.op.num_outputs(self.parsed)

    def num_visible_outputs(self):
        return 1 if self.op is None else self.op.num_visible_outputs(self.parsed)

    def output_name(self, i):
        if self.op is None:
            return self.name
        names = self.op.output_names(self.parsed)
        return "{}_{}".format(self.name, names[i])


def topo_order(entries):
    """Nodes reachable from ``entries`` in DFS post-order (inputs in order), as MXNet lists them."""
    order, seen = [], set()
    for head, _ in entries:
        if id(head) in seen:
            continue
        stack = [(head, 0)]
        seen.add(id(head))
        while stack:
            node, i = stack[-1]
            if i < len(node.inputs):
                stack[-1] = (node, i + 1)
                child = node.inputs[i][0]
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, 0))
            else:
                stack.pop()
                order.append(node)
    return order


def _aux_ids(order):
    aux = set()
    for n in order:
        if n.op is not None:
            k = n.num_inputs()
            for src, _ in n.inputs[k:]:
                aux.add(id(src))
    return aux


class Symbol:
    """A symbolic graph; its outputs are entries ``(node, index)``."""
    __slots__ = ("_outputs", "__weakref__")

    def __init__(self, outputs):
        self._outputs = list(outputs)

    # -- naming and listing ---------------------------------------------------------------------
    @property
    def name(self):
        """The name of a single-output symbol (None for groups)."""
        if len(self._outputs) != 1:
            return None
        return self._outputs[0][0].name

    def _topo(self):
        return topo_order(self._outputs)

    def list_arguments(self):
        """Names of the arguments (variables that are not auxiliary states), in MXNet's order."""
        order = self._topo()
        aux = _aux_ids(order)
        return [n.name for n in order if n.op is None and id(n) not in aux]

    def list_auxiliary_states(self):
        """Names of the auxiliary states (e.g. BatchNorm's moving_mean)."""
        order = self._topo()
        aux = _aux_ids(order)
        return [n.name for n in order if n.op is None and id(n) in aux]

    def list_inputs(self):
        """Names of all variables, arguments and auxiliary states, in graph order."""
        return [n.name for n in self._topo() if n.op is None]

    def list_outputs(self):
        """Names of the outputs: ``<name>_output`` (``<name>_output<i>`` for several)."""
        return [node.output_name(i) for node, i in self._outputs]

    def list_attr(self, recursive=False):
        """Attributes of this symbol's node (all nodes' as ``name$key`` if recursive)."""
        if recursive:
            return {"{}${}".format(n.name, k): v for n in self._topo() for k, v in _all_attrs(n).items()}
        return dict(_all_attrs(self._head()))

    def attr_dict(self):
        """{node name: {attribute: value}} for every node that has attributes."""
        out = {}
        for n in self._topo():
            a = _all_attrs(n)
            if a:
                out[n.name] = dict(a)
        return out

    def attr(self, key):
        """The attribute ``key`` of this (single-output) symbol's node, or None."""
        n = self._head()
        if key in n.attrs:
            return n.attrs[key]
        if "__{}__".format(key) in n.attrs:
            return n.attrs["__{}__".format(key)]
        return n.params.get(key)

    def _set_attr(self, **kwargs):
        n = self._head()
        for k, v in kwargs.items():
            if not isinstance(v, str):
                raise ValueError("Set Attr only accepts string values")
            n.attrs[attribute.stored_key(k)] = v

    def _head(self):
        if len(self._outputs) != 1:
            raise MXNetError("this operation needs a single-output symbol; it has {} outputs".format(
                len(self._outputs)))
        return self._outputs[0][0]

    def get_internals(self):
        """A Group of every node's visible outputs, in graph order."""
        outs = []
        for n in self._topo():
            outs += [(n, i) for i in range(n.num_visible_outputs())]
        return Symbol(outs)

    def get_children(self):
        """The inputs of this symbol's node as a Group (None for a variable)."""
        n = self._head()
        if not n.inputs:
            return None
        return Symbol(list(n.inputs))

    def __len__(self):
        return len(self._outputs)

    def __iter__(self):
        return (Symbol([o]) for o in self._outputs)

    def __getitem__(self, index):
        if isinstance(index, str):
            names = self.list_outputs()
            matches = [i for i, n in enumerate(names) if n == index]
            if not matches:
                raise ValueError("cannot find output that matches name {!r}".format(index))
            if len(matches) > 1:
                raise ValueError("there are multiple outputs with name {!r}".format(index))
            index = matches[0]
        if isinstance(index, slice):
            return Symbol(self._outputs[index])
        if not -len(self._outputs) <= index < len(self._outputs):
            raise IndexError("Symbol has {} outputs; index {} out of range".format(len(self._outputs), index))
        return Symbol([self._outputs[index]])

    def __repr__(self):
        if len(self._outputs) == 1:
            return "<Symbol {}>".format(self.name)
        return "<Symbol group [{}]>".format(", ".join(n.name for n, _ in self._outputs))

    __hash__ = object.__hash__

    def __copy__(self):
        return Symbol(list(self._outputs))

    def __deepcopy__(self, memo):
        return _copy_graph(self)

    def copy(self):
        return _copy_graph(self)

    def __reduce__(self):   # pickles as MXNet's JSON, loaded back with load_json
        from .serialization import load_json
        return (load_json, (self.tojson(),))

    # -- composition ----------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Compose: substitute this graph's free variables (by position or name) with symbols."""
        s = _copy_graph(self)
        s._compose(*args, **kwargs)
        return s

    def _compose(self, *args, name=None, **kwargs):
        order = self._topo()
        variables = [n for n in order if n.op is None]
        subst = {}
        if args:
            args_names = [n.name for n in variables if id(n) not in _aux_ids(order)]
            for nm, a in zip(args_names, args):
                if not isinstance(a, Symbol):
                    raise TypeError("Compose expects Symbol arguments")
                subst[nm] = a
        names = [n.name for n in variables]
        for k, v in kwargs.items():
            if not isinstance(v, Symbol):
                raise TypeError("Compose expects Symbol arguments, got {} for {}".format(type(v), k))
            if k not in names:      # (MXNet's message: a typo must not pass silently)
                raise MXNetError("Symbol.Compose: keyword argument name {} not found. Candidate arguments: {}".format(
                    k, " ".join("[{}]{}".format(i, n) for i, n in enumerate(names))))
            subst[k] = v
        for nm, v in subst.items():
            if len(v._outputs) != 1:
                raise MXNetError("cannot compose {} with a group of {} outputs".format(nm, len(v._outputs)))
        for n in order:
            n.inputs = [subst[src.name]._outputs[0] if (src.op is None and src.name in subst) else (src, i)
                        for src, i in n.inputs]
        self._outputs = [subst[n.name]._outputs[0] if (n.op is None and n.name in subst) else (n, i)
                         for n, i in self._outputs]
        if name is not None and len(self._outputs) == 1:
            self._outputs[0][0].name = name

    # -- arithmetic -----------------------------------------------------------------------------
    def __add__(self, other):
        return _arith(self, other, "_Plus", "_PlusScalar")

    __radd__ = __add__

    def __sub__(self, other):
        return _arith(self, other, "_Minus", "_MinusScalar")

    def __rsub__(self, other):
        return _arith(self, other, None, "_RMinusScalar")

    def __mul__(self, other):
        return _arith(self, other, "_Mul", "_MulScalar")

    __rmul__ = __mul__

    def __truediv__(self, other):
        return _arith(self, other, "_Div", "_DivScalar")

    def __rtruediv__(self, other):
        return _arith(self, other, None, "_RDivScalar")

    __div__ = __truediv__
    __rdiv__ = __rtruediv__

    def __mod__(self, other):
        return _arith(self, other, "_Mod", "_ModScalar")

    def __rmod__(self, other):
        return _arith(self, other, None, "_RModScalar")

    def __pow__(self, other):
        return _arith(self, other, "_Power", "_PowerScalar")

    def __rpow__(self, other):
        return _arith(self, other, None, "_RPowerScalar")

    def __neg__(self):
        return self.__mul__(-1.0)

    def __abs__(self):
        return _sym_op("abs")(self)

    def __eq__(self, other):
        return _arith(self, other, "_equal", "_equal_scalar")

    def __ne__(self, other):
        return _arith(self, other, "_not_equal", "_not_equal_scalar")

    def __gt__(self, other):
        return _arith(self, other, "_greater", "_greater_scalar")

    def __ge__(self, other):
        return _arith(self, other, "_greater_equal", "_greater_equal_scalar")

    def __lt__(self, other):
        return _arith(self, other, "_lesser", "_lesser_scalar")

    def __le__(self, other):
        return _arith(self, other, "_lesser_equal", "_lesser_equal_scalar")

    def __bool__(self):
        raise NotImplementedError("The truth value of a Symbol is not defined")

    # -- shapes and types -----------------------------------------------------------------------
    def infer_shape(self, *args, **kwargs):
        """(arg_shapes, out_shapes, aux_shapes) from known input shapes; Nones if not inferable.

        Raises MXNetError naming the node and the shapes when the graph is inconsistent."""
        from .infer import infer_shape
        res = infer_shape(self, args, kwargs, partial=False)
        return res

    def infer_shape_partial(self, *args, **kwargs):
        """Like infer_shape, but unknown dimensions stay as ``()`` / 0 instead of failing."""
        from .infer import infer_shape
        return infer_shape(self, args, kwargs, partial=True)

    def infer_type(self, *args, **kwargs):
        """(arg_types, out_types, aux_types) as NumPy types from known input types."""
        from .infer import infer_type
        return infer_type(self, args, kwargs)

    def infer_type_partial(self, *args, **kwargs):
        from .infer import infer_type
        return infer_type(self, args, kwargs, partial=True)

    # -- serialisation --------------------------------------------------------------------------
    def tojson(self):
        """The graph in MXNet's JSON format."""
        from .serialization import to_json
        return to_json(self)

    def save(self, fname, remove_amp_cast=True):
        """Save the graph as JSON to ``fname``."""
        from ..util import atomic_write
        atomic_write(fname, [self.tojson()], mode="w")

    def debug_str(self):
        """MXNet's text dump of the graph: its outputs, each variable, then each operator with
        its inputs (a variable's marked ``version=0``) and its attributes, in graph order."""
        lines = ["Symbol Outputs:"]
        lines += ["\toutput[{}]={}({})".format(i, n.name, j) for i, (n, j) in enumerate(self._outputs)]
        for n in self._topo():
            if n.op is None:
                lines.append("Variable:{}".format(n.name))
                continue
            lines += ["-" * 20, "Op:{}, Name={}".format(n.op.name, n.name), "Inputs:"]
            lines += ["\targ[{}]={}({}){}".format(i, src.name, j, " version=0" if src.op is None else "")
                      for i, (src, j) in enumerate(n.inputs)]
            attrs = dict(n.params)
            attrs.update(n.attrs)
            if attrs:
                lines.append("Attrs:")
                lines += ["\t{}={}".format(k, attrs[k]) for k in sorted(attrs)]
        return "\n".join(lines) + "\n"

    # -- conversions and fluent helpers ---------------------------------------------------------
    def as_nd_ndarray(self):
        """Returns self (for conversion between legacy and NumPy-frontend symbols)."""
        return self

    def as_np_ndarray(self):
        """This graph as an ``mx.sym.np`` symbol (``_Symbol``: NumPy semantics for the operators)."""
        from ..numpy._symbol import _Symbol
        return _Symbol(list(self._outputs))

    def split_v2(self, indices_or_sections, axis=0, squeeze_axis=False):
        """Convenience method for ``mx.sym.split_v2(self, ...)``: equal sections or split points."""
        from . import split_v2
        return split_v2(self, indices_or_sections, axis=axis, squeeze_axis=squeeze_axis)

    # -- NDArray-only methods: MXNet raises NotImplementedForSymbol -----------------------------
    def as_in_context(self):
        """NDArray only: raises NotImplementedForSymbol."""
        raise NotImplementedForSymbol(self.as_in_context, None)

    def asnumpy(self):
        """NDArray only: raises NotImplementedForSymbol."""
        raise NotImplementedForSymbol(self.asnumpy, None)

    def asscalar(self):
        """NDArray only: raises NotImplementedForSymbol."""
        raise NotImplementedForSymbol(self.asscalar, None)

    def backward(self):
        """NDArray only: raises NotImplementedForSymbol."""
        raise NotImplementedForSymbol(self.backward, None)

    def detach(self):
        """NDArray only: raises NotImplementedForSymbol."""
        raise NotImplementedForSymbol(self.detach, None)

    def wait_to_read(self):
        """NDArray only: raises NotImplementedForSymbol."""
        raise NotImplementedForSymbol(self.wait_to_read, None)

    def gradient(self, wrt):
        """Symbolic gradient of this loss with respect to the arguments ``wrt``: not implemented,
        as in MXNet (raises MXNetError); use ``Executor.backward`` or ``mx.autograd``."""
        raise MXNetError("not implemented")

    # -- subgraph backends ----------------------------------------------------------------------
    def get_backend_symbol(self, backend):
        """This graph partitioned for the subgraph backend ``backend`` (see :data:`SUBGRAPH_BACKENDS`);
        an unregistered name raises MXNetError."""
        if not _subgraph_backend(backend):
            raise MXNetError("SubgraphProperty {} is not found in SubgraphBackendRegistry".format(backend))
        return _copy_graph(self)

    def optimize_for(self, backend, args=None, aux=None, ctx=None, shape_dict=None, type_dict=None,
                     stype_dict=None, skip_infer=False, **kwargs):
        """This graph partitioned and optimized for the subgraph backend ``backend``, as a new
        Symbol. ``args`` / ``aux`` (dicts of NDArrays) are checked against the graph's shapes
        unless ``skip_infer``; ``kwargs`` go to the backend. An unregistered backend logs an error
        and returns the graph unchanged, as MXNet does."""
        assert isinstance(backend, str)
        assert isinstance(args, dict) or args is None
        assert isinstance(aux, dict) or aux is None
        if not _subgraph_backend(backend):
            logging.getLogger(__name__).error("Error optimizing for backend '%s' cannot be found", backend)
            return _copy_graph(self)
        if not skip_infer and (args or aux):
            inputs = set(self.list_inputs())
            known = {k: v.shape for d in (args, aux) if d for k, v in d.items() if k in inputs}
            self.infer_shape_partial(**known)
        return _copy_graph(self)

    # -- binding --------------------------------------------------------------------------------
    def bind(self, ctx, args, args_grad=None, grad_req="write", aux_states=None, group2ctx=None,
             shared_exec=None):
        """Bind to arrays: returns an Executor whose ``arg_dict`` are the given arrays."""
        from ..executor import Executor
        return Executor(self, ctx, args, args_grad, grad_req, aux_states, group2ctx, shared_exec)

    def simple_bind(self, ctx, grad_req="write", type_dict=None, stype_dict=None, group2ctx=None,
                    shared_arg_names=None, shared_exec=None, shared_buffer=None, **kwargs):
        """Allocate arguments (zeros), gradients and aux states from input shapes and bind."""
        from ..executor import simple_bind
        return simple_bind(self, ctx, grad_req, type_dict, group2ctx, shared_arg_names,
                           shared_exec, shared_buffer, kwargs)

    def eval(self, ctx=None, **kwargs):
        """Bind with ``kwargs`` as arguments, run forward, return the outputs."""
        ctx = current_context() if ctx is None else ctx
        ex = self.bind(ctx, kwargs, grad_req="null")
        return ex.forward()


# Subgraph backends registered in MXNet 1.9.1 (CPU build). neomx has no fused subgraph operators,
# so partitioning for them keeps the graph as it is: it computes the same values. MXNet's test
# backends "default"/"default_v2" fail without their op_names attribute, as there.
SUBGRAPH_BACKENDS = ("MKLDNN", "MKLDNN_QUANTIZE")


def _subgraph_backend(backend):
    """Whether ``backend`` is a registered subgraph backend."""
    if backend in ("default", "default_v2"):
        raise MXNetError("Cannot find attribute op_names in SubgraphProperty")
    return backend in SUBGRAPH_BACKENDS


def _all_attrs(n):
    """A node's attributes as list_attr/attr_dict show them: parameters, attributes, and the
    plain alias of each hidden ``__key__`` (MXNet lists both)."""
    out = dict(n.params) if n.op is None else {}
    out.update(n.attrs)
    for k, v in n.attrs.items():
        if k[:2] == "__" and k[2:-2] in attribute.HIDDEN_KEYS and k[-2:] == "__":
            out[k[2:-2]] = v
    if n.op is not None:
        out.update(n.params)
    return out


def _copy_graph(sym):
    order = sym._topo()
    new = {}
    for n in order:
        c = Node(n.op, n.name, dict(n.params), dict(n.attrs), [(new[id(s)], i) for s, i in n.inputs],
                 n.subgraphs)
        c._parsed = n._parsed
        new[id(n)] = c
    return Symbol([(new[id(n)], i) for n, i in sym._outputs])


_SYM_OPS = {}


def _sym_op(name):
    f = _SYM_OPS.get(name)
    if f is None:
        from .register import make_function
        from ..ops.registry import get_op
        f = _SYM_OPS[name] = make_function(get_op(name), name)
    return f


def _arith(lhs, rhs, sym_op, scalar_op):
    if isinstance(rhs, Symbol):
        if sym_op is None:
            raise TypeError("unsupported operand types")
        return _sym_op(sym_op)(lhs, rhs)
    if isinstance(rhs, numeric_types):
        return _sym_op(scalar_op)(lhs, scalar=rhs)
    raise TypeError("type {} not supported".format(type(rhs)))


def Variable(name, attr=None, shape=None, lr_mult=None, wd_mult=None, dtype=None, init=None,
             stype=None, **kwargs):
    """A symbolic variable (an argument of the graph: data or a weight)."""
    if not isinstance(name, str):
        raise TypeError("Expect a string for variable `name`")
    attrs = attribute.current().get(attr)
    if shape is not None:
        attrs["__shape__"] = str(tuple(shape))
    if lr_mult is not None:
        attrs["__lr_mult__"] = str(lr_mult)
    if wd_mult is not None:
        attrs["__wd_mult__"] = str(wd_mult)
    if dtype is not None:
        attrs["__dtype__"] = str(DTYPE_TO_FLAG[to_dtype(dtype)])
    if init is not None:
        if not isinstance(init, str):
            init = init.dumps()
        attrs["__init__"] = init
    if stype is not None:
        attrs["__storage_type__"] = {"default": "0", "row_sparse": "1", "csr": "2"}.get(stype, str(stype))
    for k, v in kwargs.items():
        if k.startswith("__") and k.endswith("__"):
            attrs[k] = str(v)
        else:
            raise ValueError("Attribute name=%s is not supported. Additional attributes must start and "
                             "end with double underscores, e.g, __yourattr__" % k)
    return Symbol([(Node(None, name, attrs=attrs), 0)])


var = Variable


def Group(symbols, create_fn=Symbol):
    """One symbol whose outputs are the outputs of ``symbols``, in order; ``create_fn`` (a Symbol
    class, default ``Symbol``) is the class of the result."""
    if not symbols or any(not isinstance(s, Symbol) for s in symbols):
        raise TypeError("Expected a list of symbols as input")
    outs = []
    for s in symbols:
        outs += s._outputs
    return create_fn(outs)


