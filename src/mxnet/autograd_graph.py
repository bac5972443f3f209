"""Higher-order gradients: ``autograd.grad(heads, variables, create_graph=True)``.

The first-order sweep (``autograd._compute``) runs the registry's backward rules on raw arrays
inside one engine op, which leaves no history. With ``create_graph=True`` the sweep runs here
instead, node by node on NDArrays while recording: an operator listed in ``VJP`` gets its input
gradients from NDArray operators (``sin``'s is ``g * cos(x)``), so the returned gradients carry a
recorded history of their own and can be differentiated again (``backward``, or ``grad`` once
more). Any other operator computes its gradients with its raw rule and records them as a node
of ``_backward_<op>`` that has no gradient: differentiating through it raises MXNet's error
("Operator _backward_X is non-differentiable because it didn't register FGradient attribute").

MXNet 1.9.1 differentiates twice through the unary math operators (sin, cos, tan, sinh, cosh,
the inverse trigonometric and hyperbolic functions, exp, log, log2, log10, log1p, expm1,
sigmoid, tanh, relu, square, sqrt, cbrt, rsqrt, rcbrt, reciprocal, abs, radians, erfinv), clip
and FullyConnected; ``VJP`` covers those and also the arithmetic, Activation, dot, sum/mean and
reshaping operators their gradients are built from, so third and later orders work too.
"""
from . import ndarray as nd
from .base import MXNetError

__all__ = ["grad_graph", "NoGradient"]


class NoGradient:
    """Tape op of ``_backward_<op>``: a gradient computed without a recorded history."""
    needs_rng = False

    def __init__(self, forward_name):
        self.name = "_backward_" + forward_name

    def error(self):
        return MXNetError("Operator {} is non-differentiable because it didn't register FGradient "
                          "attribute.".format(self.name))

    def backward(self, env, attrs, inputs, outputs, out_grads, req):
        raise self.error()


def grad_graph(heads, variables, head_grads, train_mode):
    """The gradients of ``heads`` with respect to ``variables`` (marked NDArrays), as NDArrays
    with a recorded history (see the module docstring). The recorded graph of the heads is kept."""
    from . import autograd as ag
    heads, head_grads = ag._checked_heads(heads, head_grads, "grad")
    order = ag._graph_order(heads)
    ag._check_differentiable(order)
    grads = _sweep(order, heads, head_grads, train_mode)
    out = []
    for v in variables:
        g = grads.get(("v", ag._vid(v)))
        out.append(g if g is not None else nd.zeros(v.shape, ctx=v.context, dtype=v.dtype))
    return out


def _key(x):
    from . import autograd as ag
    return ("n", id(x._ag_node[0]), x._ag_node[1]) if x._ag_node is not None else ("v", ag._vid(x))


def _sweep(order, heads, head_grads, train_mode):
    """Reverse sweep of the tape nodes ``order`` on NDArrays while recording: {array key:
    gradient NDArray} for every array the nodes read (see ``_key``)."""
    from . import autograd as ag
    # (keys of the recorded graph, taken before the sweep records nodes of its own)
    in_keys = {id(node): [_key(x) for x in node.inputs] for node in order}
    tracked = {id(node): [ag._tracked(x) for x in node.inputs] for node in order}
    grads = {}
    for h, g in zip(heads, head_grads):
        if g is None:
            g = nd.ones(h.shape, ctx=h.context, dtype=h.dtype)
        k = _key(h)
        grads[k] = grads[k] + g if k in grads else g
    was_recording, was_training = ag.is_recording(), ag.is_training()
    try:
        ag.set_recording(True)
        for node in reversed(order):
            ogs = [grads.pop(("n", id(node), i), None) for i in range(len(node.outputs))]
            if all(g is None for g in ogs) or node.op.backward is None:
                continue
            ogs = [g if g is not None else nd.zeros(o.shape, ctx=o.context, dtype=o.dtype)
                   for g, o in zip(ogs, node.outputs)]
            req = tracked[id(node)]
            ag.set_training(node.is_train if train_mode else False)
            igs = _node_vjp(node, ogs, req)
            for k, g, r in zip(in_keys[id(node)], igs, req):
                if r and g is not None:
                    grads[k] = grads[k] + g if k in grads else g
    finally:
        ag.set_recording(was_recording)
        ag.set_training(was_training)
    return grads


def _node_vjp(node, ogs, req):
    """Input gradients of one tape node as NDArrays (recorded while the sweep records)."""
    from . import autograd as ag
    op = node.op
    if isinstance(op, ag._FunctionOp):          # the user's backward, in NDArray operators
        res = op.func.backward(*ogs)
        return [res] if not isinstance(res, (list, tuple)) else list(res)
    name = getattr(op, "name", None)
    rule = _cached_graph_vjp if name == "_CachedOp" else VJP.get(name)
    if rule is not None:
        res = rule(node.attrs, node.inputs, node.outputs, ogs, req)
        if res is not NotImplemented:
            return res
    return _opaque_vjp(node, ogs, req)


def _opaque_vjp(node, ogs, req):
    """Gradients from the operator's raw backward rule, recorded as a ``_backward_<op>`` node
    without a gradient of its own."""
    from . import autograd as ag
    from .backend import for_context
    from .ndarray.ndarray import NDArray, Chunk
    from .ndarray.imperative import _finalize
    from .ops.registry import OpEnv
    for x in list(node.inputs) + list(node.outputs) + ogs:
        x.wait_to_read()
    ctx = node.outputs[0].context
    xp = for_context(ctx).xp
    env = OpEnv(xp, ag.is_training(), ctx)
    raw = node.op.backward(env, node.attrs, [x._read() for x in node.inputs],
                           [o._read() for o in node.outputs], [g._read() for g in ogs], req)
    igs, made = [], []
    for x, g, r in zip(node.inputs, raw, req):
        if not r or g is None:
            igs.append(None)
            continue
        g = NDArray(Chunk(_finalize(xp, g, x.shape, x.dtype, [], "backward")), x.shape, x.dtype, x.context)
        igs.append(g)
        made.append(g)
    if made:
        ag._record_op(NoGradient(node.op.name), None, list(node.inputs) + list(ogs), made)
    return igs


def _cached_graph_vjp(holder, inputs, outputs, ogs, req):
    """A hybridized block's node: its graph is run again operator by operator on the node's
    inputs while recording (the same kernels, so the same values), and that short tape is swept
    back to the inputs. Graphs drawing random numbers (Dropout: a replay would draw new masks),
    running user code or with hidden outputs (BatchNorm's) stay opaque."""
    from . import autograd as ag
    from .ndarray.ndarray import NDArray
    from .ndarray.imperative import invoke
    plan = holder.plan
    if plan.needs_rng or plan.runs_user_code or any(
            s.op.num_visible_outputs(s.attrs) != len(s.out_slots) for s in plan.steps):
        return NotImplemented
    values = [None] * plan.num_slots
    for s, a in zip(plan.arg_slots, inputs):
        values[s] = a
    for s, a in zip(plan.aux_slots, holder.aux):
        values[s] = a
    for step in plan.steps:
        res = invoke(step.op, [values[i] for i in step.in_slots] + [values[i] for i in step.aux_slots],
                     dict(step.node.params))
        for o, v in zip(step.out_slots, [res] if isinstance(res, NDArray) else res):
            values[o] = v
    heads = [values[s] for s in plan.head_slots]
    order = ag._graph_order(heads, stop={id(x) for x in inputs})
    grads = _sweep(order, heads, ogs, True)
    return [grads.get(_key(x)) if r else None for x, r in zip(inputs, req)]


# -- the differentiable rules ------------------------------------------------------------------
# Each takes (attrs, inputs, outputs, out_grads, req) -- NDArrays -- and returns the input
# gradients built from NDArray operators, or NotImplemented (then the raw rule runs, opaque).

def _unary(rule):
    def vjp(attrs, inputs, outputs, ogs, req):
        return [rule(inputs[0], outputs[0], ogs[0])]
    return vjp


# (masks are recorded like any operator: their gradient is zero, and the gradient built from
# them still depends on x, so differentiating it again gives zeros, as MXNet, not an error)
_UNARY = {
    "sin": lambda x, y, g: g * nd.cos(x),
    "cos": lambda x, y, g: -(g * nd.sin(x)),
    "tan": lambda x, y, g: g * (y * y + 1),
    "exp": lambda x, y, g: g * y,
    "log": lambda x, y, g: g / x,
    "log1p": lambda x, y, g: g / (x + 1),
    "expm1": lambda x, y, g: g * (y + 1),
    "sigmoid": lambda x, y, g: g * y * (1 - y),
    "tanh": lambda x, y, g: g * (1 - y * y),
    "relu": lambda x, y, g: g * (x > 0),
    "square": lambda x, y, g: g * x * 2,
    "sqrt": lambda x, y, g: g / (y * 2),
    "cbrt": lambda x, y, g: g / (y * y * 3),
    "rsqrt": lambda x, y, g: g * y * y * y * -0.5,
    "reciprocal": lambda x, y, g: -(g * y * y),
    "abs": lambda x, y, g: g * nd.sign(x),
    "sign": lambda x, y, g: g * 0,
    "negative": lambda x, y, g: -g,
    "_copy": lambda x, y, g: g,
    "sinh": lambda x, y, g: g * nd.cosh(x),
    "cosh": lambda x, y, g: g * nd.sinh(x),
    "log2": lambda x, y, g: g / (x * _LN2),
    "log10": lambda x, y, g: g / (x * _LN10),
    "rcbrt": lambda x, y, g: g * y * y * y * y * (-1.0 / 3),
    "arcsin": lambda x, y, g: g / nd.sqrt(1 - x * x),
    "arccos": lambda x, y, g: -(g / nd.sqrt(1 - x * x)),
    "arctan": lambda x, y, g: g / (x * x + 1),
    "arcsinh": lambda x, y, g: g / nd.sqrt(x * x + 1),
    "arccosh": lambda x, y, g: g / nd.sqrt(x * x - 1),
    "arctanh": lambda x, y, g: g / (1 - x * x),
    # (x * 0 + c: a constant that still depends on x, so differentiating again gives zeros as
    # in MXNet rather than a "not in a computational graph" error)
    "radians": lambda x, y, g: g * (x * 0 + _PI / 180),
    "degrees": lambda x, y, g: g * (180 / _PI),
    "erf": lambda x, y, g: g * nd.exp(-(x * x)) * (2 / _PI ** 0.5),
    "erfinv": lambda x, y, g: g * nd.exp(y * y) * (_PI ** 0.5 / 2),
    "softsign": lambda x, y, g: g / nd.square(nd.abs(x) + 1),
}

_PI = 3.141592653589793
_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046


def _clip(attrs, inputs, outputs, ogs, req):
    x = inputs[0]
    return [ogs[0] * ((x >= attrs.a_min) * (x <= attrs.a_max))]


_ACTIVATION = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh", "softsign": "softsign"}


def _activation(attrs, inputs, outputs, ogs, req):
    x, y, g = inputs[0], outputs[0], ogs[0]
    if attrs.act_type == "softrelu":            # d/dx log(1 + e^x) = sigmoid(x)
        return [g * nd.sigmoid(x)]
    return [_UNARY[_ACTIVATION[attrs.act_type]](x, y, g)]


def _scalar(kind):
    def vjp(attrs, inputs, outputs, ogs, req):
        x, g, s = inputs[0], ogs[0], attrs.scalar
        if kind in ("plus", "minus"):
            return [g]
        if kind == "rminus":
            return [-g]
        if kind == "mul":
            return [g * s]
        if kind == "div":
            return [g / s]
        if kind == "rdiv":                      # s / x
            return [g * -s / (x * x)]
        if s == 1:                              # power: x ** s
            return [g]
        return [g * (x ** (s - 1)) * s]
    return vjp


def _unbroadcast(g, shape):
    """``g`` summed down to ``shape`` (the gradient of a broadcast)."""
    if g.shape == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    return nd.sum(g, axis=axes, keepdims=True).reshape(shape) if axes else g.reshape(shape)


def _binary(kind):
    def vjp(attrs, inputs, outputs, ogs, req):
        a, b = inputs
        g = ogs[0]
        if kind == "add":
            ga, gb = g, g
        elif kind == "sub":
            ga, gb = g, -g
        elif kind == "mul":
            ga, gb = g * b, g * a
        else:
            ga, gb = g / b, -(g * a) / (b * b)
        return [_unbroadcast(ga, a.shape) if req[0] else None,
                _unbroadcast(gb, b.shape) if req[1] else None]
    return vjp


def _reduced_axes(attrs, ndim):
    axis = attrs.axis
    if axis is None or axis == ():
        axes = tuple(range(ndim))
    else:
        axes = tuple(a % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if attrs.exclude:
        axes = tuple(i for i in range(ndim) if i not in axes)
    return axes


def _reduction(mean):
    def vjp(attrs, inputs, outputs, ogs, req):
        x, g = inputs[0], ogs[0]
        axes = _reduced_axes(attrs, x.ndim)
        kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
        gx = nd.broadcast_to(g.reshape(kept), shape=x.shape)
        if mean:
            n = 1
            for i in axes:
                n *= x.shape[i]
            gx = gx / max(n, 1)
        return [gx]
    return vjp


def _broadcast_to(attrs, inputs, outputs, ogs, req):
    return [_unbroadcast(ogs[0], inputs[0].shape)]


def _reshape(attrs, inputs, outputs, ogs, req):
    return [ogs[0].reshape(inputs[0].shape)]


def _fully_connected(attrs, inputs, outputs, ogs, req):
    x, w = inputs[0], inputs[1]
    g = ogs[0].reshape((-1, attrs.num_hidden))
    x2 = x.reshape((g.shape[0], -1))
    res = [nd.dot(g, w).reshape(x.shape) if req[0] else None,
           nd.dot(g, x2, transpose_a=True) if req[1] else None]
    if not attrs.no_bias:
        res.append(nd.sum(g, axis=0) if req[2] else None)
    return res


def _dot(attrs, inputs, outputs, ogs, req):
    a, b = inputs
    if a.ndim != 2 or b.ndim != 2:
        return NotImplemented
    g = ogs[0]
    ta, tb = attrs.transpose_a, attrs.transpose_b
    # C = A' B' (A' = A.T if ta, B' = B.T if tb): dA' = g B'^T, dB' = A'^T g
    ga = (nd.dot(b, g, transpose_a=tb, transpose_b=True) if ta else nd.dot(g, b, transpose_b=not tb)) \
        if req[0] else None
    gb = (nd.dot(g, a, transpose_a=True, transpose_b=ta) if tb else nd.dot(a, g, transpose_a=not ta)) \
        if req[1] else None
    return [ga, gb]


VJP = {name: _unary(rule) for name, rule in _UNARY.items()}
for _cmp in ("greater", "greater_equal", "lesser", "lesser_equal", "equal", "not_equal"):
    VJP["_{}_scalar".format(_cmp)] = _unary(lambda x, y, g: g * 0)
VJP.update({
    "Activation": _activation, "clip": _clip,
    "_plus_scalar": _scalar("plus"), "_minus_scalar": _scalar("minus"), "_rminus_scalar": _scalar("rminus"),
    "_mul_scalar": _scalar("mul"), "_div_scalar": _scalar("div"), "_rdiv_scalar": _scalar("rdiv"),
    "_power_scalar": _scalar("power"),
    "sum": _reduction(False), "mean": _reduction(True), "broadcast_to": _broadcast_to,
    "Reshape": _reshape, "Flatten": _reshape, "expand_dims": _reshape,
    "FullyConnected": _fully_connected, "dot": _dot,
})
for _kind in ("add", "sub", "mul", "div"):
    VJP["elemwise_" + _kind] = VJP["broadcast_" + _kind] = _binary(_kind)
