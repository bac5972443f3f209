"""Array manipulation operators: SwapAxis, reverse (flip), tile, repeat, Pad, slice, slice_axis,
slice_like, Concat, stack, SliceChannel (split), squeeze, diag, shape_array, size_array,
reshape_like, depth_to_space and space_to_depth.

Canonical names are the ones MXNet 1.9.1 writes to symbol JSON (``swapaxes`` -> ``SwapAxis``,
``flip`` -> ``reverse``, ``pad`` -> ``Pad``, ``crop`` -> ``slice``, ``split`` -> ``SliceChannel``).
Axis and range checks follow MXNet's, including where it is stricter than NumPy (``reverse``
refuses negative axes; ``Pad`` takes only 4-D/5-D floating-point input)."""
import numpy as np

from ..backend import add_at
from ..base import MXNetError
from .params import Param, ParamType, Int, IntOrNone, Bool, Float, Shape, ShapeOrNone, Enum
from .registry import OpDef, register
from ._shapes import prod as _prod  # noqa: F401  (shared shape helpers)


def _norm_axis(opname, axis, ndim, what="axis"):
    """``axis`` in [-ndim, ndim) mapped to [0, ndim); MXNetError naming op and shapes otherwise."""
    if not -ndim <= axis < ndim:
        raise MXNetError("{}: {} {} is out of bounds for an input of ndim {}".format(opname, what, axis, ndim))
    return axis % ndim


def _index_axis(x, ax, i):
    """``x[..., i, ...]`` (index ``i`` on axis ``ax``) as an array, also when it is 0-d."""
    return x[(slice(None),) * ax + (slice(i, i + 1),)].reshape(x.shape[:ax] + x.shape[ax + 1:])


def _zeros_grad(env, inputs):
    return [env.xp.zeros_like(x) for x in inputs]


class _SliceShape(ParamType):
    """``Shape(tuple)`` whose entries may be None (slice's begin/end/step)."""
    doc = "Shape(tuple)"

    def parse(self, value):
        if isinstance(value, str):
            s = value.strip()
            if s.startswith(("(", "[")):
                s = s[1:-1]
            parts = [p.strip() for p in s.split(",") if p.strip()]
            value = [None if p == "None" else p for p in parts]
        if value is None:
            raise ValueError("expected a shape, got None")
        if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return (int(value),)
        out = []
        for v in value:
            if v is None:
                out.append(None)
            elif isinstance(v, str):
                out.append(int(v))
            elif isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                out.append(int(v))
            elif isinstance(v, (float, np.floating)) and float(v).is_integer():
                out.append(int(v))
            else:
                raise ValueError("expected ints or None, got {!r}".format(value))
        return tuple(out)

    def to_str(self, value):
        return "(" + ", ".join(str(v) for v in value) + ("," if len(value) == 1 else "") + ")"


_SLICE_SHAPE = _SliceShape()

# -- SwapAxis ----------------------------------------------------------------------------------


def _swap_dims(a, ndim):
    return (_norm_axis("SwapAxis", a.dim1, ndim, "dim1"), _norm_axis("SwapAxis", a.dim2, ndim, "dim2"))


def _swap_shape(a, s):
    d1, d2 = _swap_dims(a, len(s[0]))
    out = list(s[0])
    out[d1], out[d2] = out[d2], out[d1]
    return [tuple(out)]


def _swap_forward(env, a, inputs, aux):
    d1, d2 = _swap_dims(a, inputs[0].ndim)
    return (env.xp.swapaxes(inputs[0], d1, d2),)


def _swap_backward(env, a, inputs, outputs, out_grads, req):
    d1, d2 = _swap_dims(a, inputs[0].ndim)
    return [env.xp.swapaxes(out_grads[0], d1, d2)]


register(OpDef("SwapAxis", _swap_forward, backward=_swap_backward, infer_shape=_swap_shape,
               params=(Param("dim1", Int, 0, "the first axis to be swapped."),
                       Param("dim2", Int, 0, "the second axis to be swapped.")),
               aliases=("swapaxes",), doc="Interchanges two axes of an array."))

# -- reverse (flip) ----------------------------------------------------------------------------


def _flip_axes(a, ndim):
    """Axes flipped an odd number of times (MXNet reverses once per listed axis)."""
    odd = set()
    for ax in a.axis:
        if not 0 <= ax < ndim:
            raise MXNetError("reverse: axis {} must be in range [0, {}) for an input of ndim {} "
                             "(negative axes are not supported)".format(ax, ndim, ndim))
        odd ^= {ax}
    return tuple(sorted(odd))


def _flip_shape(a, s):
    _flip_axes(a, len(s[0]))
    return [tuple(s[0])]


def _flip(xp, x, axes):
    return xp.flip(x, axes) if axes else x.copy()


register(OpDef("reverse", lambda env, a, i, x: (_flip(env.xp, i[0], _flip_axes(a, i[0].ndim)),),
               backward=lambda env, a, i, o, g, r: [_flip(env.xp, g[0], _flip_axes(a, i[0].ndim))],
               infer_shape=_flip_shape,
               params=(Param("axis", Shape, doc="The axis which to reverse elements."),),
               aliases=("flip",), doc="Reverses the order of elements along given axis while preserving array shape."))

# -- tile --------------------------------------------------------------------------------------


def _tile_plan(a, shape):
    """(input shape, reps) padded with leading 1s to the same length."""
    reps = tuple(a.reps)
    for r in reps:
        if r <= 0:
            raise MXNetError("tile: reps {} must be positive integers (input shape {})".format(reps, tuple(shape)))
    shape = tuple(shape)
    n = max(len(reps), len(shape))
    return (1,) * (n - len(shape)) + shape, (1,) * (n - len(reps)) + reps


def _tile_shape(a, s):
    if not a.reps:
        return [tuple(s[0])]
    shape, reps = _tile_plan(a, s[0])
    return [tuple(d * r for d, r in zip(shape, reps))]


def _tile_forward(env, a, inputs, aux):
    x = inputs[0]
    return (env.xp.tile(x, a.reps) if a.reps else x.copy(),)


def _tile_backward(env, a, inputs, outputs, out_grads, req):
    x, g = inputs[0], out_grads[0]
    if not a.reps:
        return [g]
    shape, reps = _tile_plan(a, x.shape)
    inter = []
    for r, d in zip(reps, shape):
        inter += [r, d]
    gx = g.reshape(inter).sum(axis=tuple(range(0, 2 * len(shape), 2)))
    return [gx.reshape(x.shape)]


register(OpDef("tile", _tile_forward, backward=_tile_backward, infer_shape=_tile_shape,
               params=(Param("reps", Shape, doc="The number of times for repeating the tensor a."),),
               doc="Repeats the whole array multiple times."))

# -- repeat ------------------------------------------------------------------------------------


def _repeat_axis(a, ndim):
    if a.repeats < 0:
        raise MXNetError("repeat: repeats cannot be a negative number, got {}".format(a.repeats))
    return None if a.axis is None else _norm_axis("repeat", a.axis, ndim)


def _repeat_shape(a, s):
    x = tuple(s[0])
    ax = _repeat_axis(a, len(x))
    if a.repeats == 0:
        return [(0,)]   # MXNet 1.x returns shape (0,) for repeats=0, whatever the axis
    if ax is None:
        return [(_prod(x) * a.repeats,)]
    return [x[:ax] + (x[ax] * a.repeats,) + x[ax + 1:]]


def _repeat_forward(env, a, inputs, aux):
    x = inputs[0]
    ax = _repeat_axis(a, x.ndim)
    if a.repeats == 0:
        return (env.xp.zeros((0,), x.dtype),)
    return (env.xp.repeat(x, a.repeats, axis=ax),)


def _repeat_backward(env, a, inputs, outputs, out_grads, req):
    x, g = inputs[0], out_grads[0]
    ax = _repeat_axis(a, x.ndim)
    if a.repeats == 0:
        return [env.xp.zeros_like(x)]
    if ax is None:
        return [g.reshape(x.size, a.repeats).sum(axis=1).reshape(x.shape)]
    s = x.shape
    return [g.reshape(s[:ax + 1] + (a.repeats,) + s[ax + 1:]).sum(axis=ax + 1)]


register(OpDef("repeat", _repeat_forward, backward=_repeat_backward, infer_shape=_repeat_shape,
               params=(Param("repeats", Int, doc="The number of repetitions for each element."),
                       Param("axis", IntOrNone, None, "The axis along which to repeat values. The negative "
                             "numbers are interpreted counting from the backward. By default, use the "
                             "flattened input array, and return a flat output array.")),
               doc="Repeats elements of an array."))

# -- Pad ---------------------------------------------------------------------------------------


def _pad_pairs(a, shape):
    """((before, after) per axis), after MXNet's checks."""
    shape = tuple(shape)
    pw = tuple(a.pad_width)
    if len(shape) not in (4, 5):
        raise MXNetError("Pad: current implementation only supports 4-D or 5-D input, got shape {}".format(shape))
    if len(pw) != 2 * len(shape):
        raise MXNetError("Pad: input shape vs padding spec mismatch: pad_width {} needs {} values "
                         "for input shape {}".format(pw, 2 * len(shape), shape))
    if any(pw[:4]):
        raise MXNetError("Pad: current implementation expects padding on the first two axes to be zero, "
                         "got pad_width {}".format(pw))
    if any(p < 0 for p in pw):
        raise MXNetError("Pad: pad_width {} must not be negative".format(pw))
    pairs = tuple((pw[2 * i], pw[2 * i + 1]) for i in range(len(shape)))
    if a.mode == "reflect":
        for d, (b, e) in zip(shape, pairs):
            if b >= d or e >= d:
                raise MXNetError("Pad: current implementation of reflection padding only supports padding "
                                 "sizes smaller than the input size: pad_width {}, input shape {}".format(pw, shape))
    return pairs


def _pad_shape(a, s):
    pairs = _pad_pairs(a, s[0])
    return [tuple(d + b + e for d, (b, e) in zip(s[0], pairs))]


def _pad_type(a, t):
    if np.dtype(t[0]).kind != "f":
        raise MXNetError("Pad: this operation only supports floating point types, not {}".format(np.dtype(t[0]).name))
    return [t[0]]


def _pad_index(xp, n, b, e, mode):
    """Source index along one axis for each output position (edge/reflect)."""
    return xp.asarray(np.pad(np.arange(n), (b, e), mode="edge" if mode == "edge" else "reflect"))


def _pad_forward(env, a, inputs, aux):
    xp, x = env.xp, inputs[0]
    pairs = _pad_pairs(a, x.shape)
    if a.mode == "constant":
        out = xp.full(tuple(d + b + e for d, (b, e) in zip(x.shape, pairs)), a.constant_value, dtype=x.dtype)
        out[tuple(slice(b, b + d) for d, (b, e) in zip(x.shape, pairs))] = x
        return (out,)
    for ax, (b, e) in enumerate(pairs):
        if b or e:
            x = xp.take(x, _pad_index(xp, x.shape[ax], b, e, a.mode), axis=ax)
    return (x if x is not inputs[0] else x.copy(),)


def _pad_backward(env, a, inputs, outputs, out_grads, req):
    xp, x, g = env.xp, inputs[0], out_grads[0]
    pairs = _pad_pairs(a, x.shape)
    if a.mode == "constant":
        return [g[tuple(slice(b, b + d) for d, (b, e) in zip(x.shape, pairs))]]
    # Undo the per-axis gathers in reverse order with scatter-adds.
    for ax in reversed(range(x.ndim)):
        b, e = pairs[ax]
        if b or e:
            n = x.shape[ax]
            idx = _pad_index(xp, n, b, e, a.mode)
            gm = xp.moveaxis(g, ax, 0)
            acc = xp.zeros((n,) + gm.shape[1:], dtype=g.dtype)
            add_at(xp, acc, idx, gm)
            g = xp.moveaxis(acc, 0, ax)
    return [g]


register(OpDef("Pad", _pad_forward, backward=_pad_backward, infer_shape=_pad_shape, infer_type=_pad_type,
               params=(Param("mode", Enum("constant", "edge", "reflect"), doc="Padding type to use."),
                       Param("pad_width", Shape, doc="Widths of the padding regions applied to the edges "
                             "of each axis (before, after) pairs, in axis order."),
                       Param("constant_value", Float, 0.0, "The value used for padding when mode is 'constant'.")),
               aliases=("pad",), doc="Pads an input array with a constant or edge values of the array."))

# -- slice -------------------------------------------------------------------------------------


def _slice_key(a, shape):
    """Python slices equivalent to MXNet's begin/end/step (None entries and negative steps)."""
    shape = tuple(shape)
    begin, end, step = a.begin, a.end, a.step
    if len(begin) != len(end):
        raise MXNetError("slice: begin {} and end {} must have the same length".format(begin, end))
    if step and len(step) != len(begin):
        raise MXNetError("slice: step {} and begin {} must have the same length".format(step, begin))
    if len(begin) > len(shape):
        raise MXNetError("slice: slicing axes ({} given in begin) exceed the data dimensions of shape {}".format(
            len(begin), shape))
    key = []
    for i in range(len(begin)):
        s = step[i] if step and step[i] is not None else 1
        if s == 0:
            raise MXNetError("slice: step[{}] cannot be 0 (step={})".format(i, step))
        key.append(slice(begin[i], end[i], s))
    return tuple(key)


def _slice_shape(a, s):
    shape = tuple(s[0])
    key = _slice_key(a, shape)
    out = [len(range(*k.indices(d))) for k, d in zip(key, shape)]
    return [tuple(out) + shape[len(key):]]


def _slice_backward_from_key(env, x, g, key):
    gx = env.xp.zeros_like(x)
    gx[key] = g
    return gx


register(OpDef("slice", lambda env, a, i, x: (i[0][_slice_key(a, i[0].shape)],),
               backward=lambda env, a, i, o, g, r: [_slice_backward_from_key(env, i[0], g[0],
                                                                             _slice_key(a, i[0].shape))],
               infer_shape=_slice_shape,
               params=(Param("begin", _SLICE_SHAPE,
                             doc="starting indices for the slice operation, supports negative indices."),
                       Param("end", _SLICE_SHAPE,
                             doc="ending indices for the slice operation, supports negative indices."),
                       Param("step", _SLICE_SHAPE, (), "step for the slice operation, supports negative values.")),
               aliases=("crop",), doc="Slices a region of the array."))

# -- slice_axis --------------------------------------------------------------------------------


def _slice_axis_key(a, shape):
    ndim = len(shape)
    if not -ndim <= a.axis < ndim:
        raise MXNetError("slice_axis: axis {} is out of bounds for input shape {}".format(a.axis, tuple(shape)))
    ax = a.axis % ndim
    n = shape[ax]
    b = a.begin + n if a.begin < 0 else a.begin
    e = n if a.end is None else (a.end + n if a.end < 0 else a.end)
    if b < 0:
        raise MXNetError("slice_axis: invalid begin={} for axis {} of size {} (input shape {})".format(
            a.begin, a.axis, n, tuple(shape)))
    if e > n:
        raise MXNetError("slice_axis: invalid end={} for axis {} of size {} (input shape {})".format(
            a.end, a.axis, n, tuple(shape)))
    if not b < e:
        raise MXNetError("slice_axis: invalid begin, end: begin={}, end={} (axis {} of size {}, input shape {})".format(
            a.begin, a.end, a.axis, n, tuple(shape)))
    return (slice(None),) * ax + (slice(b, e),), ax, e - b


def _slice_axis_shape(a, s):
    _, ax, n = _slice_axis_key(a, s[0])
    out = list(s[0])
    out[ax] = n
    return [tuple(out)]


register(OpDef("slice_axis", lambda env, a, i, x: (i[0][_slice_axis_key(a, i[0].shape)[0]],),
               backward=lambda env, a, i, o, g, r: [_slice_backward_from_key(env, i[0], g[0],
                                                                             _slice_axis_key(a, i[0].shape)[0])],
               infer_shape=_slice_axis_shape,
               params=(Param("axis", Int, doc="Axis along which to be sliced, supports negative indexes."),
                       Param("begin", Int, doc="The beginning index along the axis to be sliced, "
                             "supports negative indexes."),
                       Param("end", IntOrNone, doc="The ending index along the axis to be sliced, "
                             "supports negative indexes.")),
               doc="Slices along a given axis."))

# -- slice_like --------------------------------------------------------------------------------


def _slice_like_key(a, shape, like):
    shape, like = tuple(shape), tuple(like)
    if not a.axes:
        if len(shape) != len(like):
            raise MXNetError("slice_like: by default all axes are sliced, but data shape {} and shape_like "
                             "shape {} have different ndim".format(shape, like))
        axes = range(len(shape))
    else:
        axes = []
        for ax in a.axes:
            axn = ax + len(shape) if ax < 0 else ax
            if axn < 0:
                raise MXNetError("slice_like: axis {} is too small for data shape {}".format(ax, shape))
            if axn >= len(shape):
                raise MXNetError("slice_like: axis {} exceeds data shape {}".format(ax, shape))
            if axn >= len(like):
                raise MXNetError("slice_like: axis {} exceeds shape_like shape {}".format(ax, like))
            axes.append(axn)
    key = [slice(None)] * len(shape)
    for ax in axes:
        if like[ax] > shape[ax]:
            raise MXNetError("slice_like: axis {} of shape_like {} has size {}, larger than data shape {}".format(
                ax, like, like[ax], shape))
        key[ax] = slice(0, like[ax])
    return tuple(key)


def _slice_like_shape(a, s):
    key = _slice_like_key(a, s[0], s[1])
    return [tuple(len(range(*k.indices(d))) for k, d in zip(key, s[0]))]


def _slice_like_backward(env, a, inputs, outputs, out_grads, req):
    key = _slice_like_key(a, inputs[0].shape, inputs[1].shape)
    return [_slice_backward_from_key(env, inputs[0], out_grads[0], key), env.xp.zeros_like(inputs[1])]


register(OpDef("slice_like", lambda env, a, i, x: (i[0][_slice_like_key(a, i[0].shape, i[1].shape)],),
               backward=_slice_like_backward, infer_shape=_slice_like_shape, inputs=("data", "shape_like"),
               params=(Param("axes", Shape, (), "List of axes on which input data will be sliced according to "
                             "the corresponding size of the second input. By default will slice on all axes."),),
               doc="Slices like the shape of another array."))

# -- Concat, stack -----------------------------------------------------------------------------


def _uniform_type(opname):
    def infer_type(a, t):
        for i, d in enumerate(t[1:], 1):
            if np.dtype(d) != np.dtype(t[0]):
                raise MXNetError("{}: non-uniform data type: expected {}, got {} for input {}".format(
                    opname, np.dtype(t[0]).name, np.dtype(d).name, i))
        return [t[0]]
    return infer_type


def _concat_axis(a, shapes):
    if not shapes:
        raise MXNetError("Concat: needs at least one input (num_args={})".format(a.num_args))
    ndim = len(shapes[0])
    if not -ndim <= a.dim < ndim:
        raise MXNetError("Concat: dim {} exceeds the input dimension of {} (input shapes {})".format(
            a.dim, ndim, [tuple(s) for s in shapes]))
    return a.dim % ndim


def _concat_shape(a, s):
    ax = _concat_axis(a, s)
    first = tuple(s[0])
    total = 0
    for i, x in enumerate(s):
        x = tuple(x)
        if len(x) != len(first) or x[:ax] + x[ax + 1:] != first[:ax] + first[ax + 1:]:
            raise MXNetError("Concat: incompatible input shape {} for input {} (dim={}): all input shapes {} "
                             "must agree except on dim {}".format(x, i, a.dim, [tuple(y) for y in s], ax))
        total += x[ax]
    return [first[:ax] + (total,) + first[ax + 1:]]


def _concat_backward(env, a, inputs, outputs, out_grads, req):
    ax = _concat_axis(a, [x.shape for x in inputs])
    g = out_grads[0]
    grads, start = [], 0
    for x in inputs:
        n = x.shape[ax]
        grads.append(g[(slice(None),) * ax + (slice(start, start + n),)])
        start += n
    return grads


register(OpDef("Concat", lambda env, a, i, x: (env.xp.concatenate(i, axis=_concat_axis(a, [y.shape for y in i])),),
               backward=_concat_backward, infer_shape=_concat_shape, infer_type=_uniform_type("Concat"),
               key_var_num_args="num_args",
               params=(Param("num_args", Int, doc="Number of inputs to be concated."),
                       Param("dim", Int, 1, "the dimension to be concated.")),
               aliases=("concat",), doc="Joins input arrays along a given axis."))


def _stack_axis(a, shapes):
    if not shapes:
        raise MXNetError("stack: needs at least one input (num_args={})".format(a.num_args))
    ndim = len(shapes[0]) + 1
    if not -ndim <= a.axis < ndim:
        raise MXNetError("stack: axis {} exceeds the output dimension of {} (input shapes {})".format(
            a.axis, ndim, [tuple(s) for s in shapes]))
    return a.axis % ndim


def _stack_shape(a, s):
    ax = _stack_axis(a, s)
    first = tuple(s[0])
    for i, x in enumerate(s):
        if tuple(x) != first:
            raise MXNetError("stack: all inputs must have the same shape; input 0 has {}, input {} has {}".format(
                first, i, tuple(x)))
    return [first[:ax] + (len(s),) + first[ax:]]


def _stack_backward(env, a, inputs, outputs, out_grads, req):
    ax = _stack_axis(a, [x.shape for x in inputs])
    g = out_grads[0]
    return [_index_axis(g, ax, i) for i in range(len(inputs))]


register(OpDef("stack", lambda env, a, i, x: (env.xp.stack(i, axis=_stack_axis(a, [y.shape for y in i])),),
               backward=_stack_backward, infer_shape=_stack_shape, infer_type=_uniform_type("stack"),
               key_var_num_args="num_args",
               params=(Param("axis", Int, 0, "The axis in the result array along which the input arrays are stacked."),
                       Param("num_args", Int, doc="Number of inputs to be stacked.")),
               doc="Join a sequence of arrays along a new axis."))

# -- SliceChannel (split) ----------------------------------------------------------------------


def _split_plan(a, shape):
    """(axis, size of each piece) after MXNet's checks."""
    shape = tuple(shape)
    if a.num_outputs < 1:
        raise MXNetError("SliceChannel: num_outputs should be greater equal to 1, got {}".format(a.num_outputs))
    ax = _norm_axis("SliceChannel", a.axis, len(shape))
    n = shape[ax]
    if n % a.num_outputs:
        raise MXNetError("SliceChannel: cannot split axis {} of input shape {} into num_outputs={} evenly sized "
                         "chunks: {} does not evenly divide {}".format(a.axis, shape, a.num_outputs, a.num_outputs, n))
    if a.squeeze_axis and n != a.num_outputs:
        raise MXNetError("SliceChannel: with squeeze_axis=True the size of the sliced axis must equal num_outputs; "
                         "input shape {}, axis={}, num_outputs={}".format(shape, a.axis, a.num_outputs))
    return ax, n // a.num_outputs


def _split_shape(a, s):
    shape = tuple(s[0])
    ax, k = _split_plan(a, shape)
    piece = shape[:ax] + (() if a.squeeze_axis else (k,)) + shape[ax + 1:]
    return [piece] * a.num_outputs


def _split_forward(env, a, inputs, aux):
    x = inputs[0]
    ax, k = _split_plan(a, x.shape)
    if a.squeeze_axis:
        return tuple(_index_axis(x, ax, i) for i in range(a.num_outputs))
    pre = (slice(None),) * ax
    return tuple(x[pre + (slice(i * k, (i + 1) * k),)] for i in range(a.num_outputs))


def _split_backward(env, a, inputs, outputs, out_grads, req):
    ax, _ = _split_plan(a, inputs[0].shape)
    xp = env.xp
    if a.squeeze_axis:
        return [xp.stack(out_grads, axis=ax)]
    return [xp.concatenate(out_grads, axis=ax)]


register(OpDef("SliceChannel", _split_forward, backward=_split_backward, infer_shape=_split_shape,
               infer_type=lambda a, t: [t[0]] * a.num_outputs,
               outputs=lambda a: ["output%d" % i for i in range(a.num_outputs)],
               params=(Param("num_outputs", Int, doc="Number of splits. Note that this should evenly divide "
                             "the length of the `axis`."),
                       Param("axis", Int, 1, "Axis along which to split."),
                       Param("squeeze_axis", Bool, False, "If true, Removes the axis with length 1 from the shapes "
                             "of the output arrays.")),
               aliases=("split",), doc="Splits an array along a particular axis into multiple sub-arrays."))

# -- squeeze -----------------------------------------------------------------------------------


def _squeeze_shape(a, s):
    shape = tuple(s[0])
    if a.axis is None:
        out = tuple(d for d in shape if d != 1)
    else:
        drop = set()
        for ax in a.axis:
            axn = ax + len(shape) if ax < 0 else ax
            if not 0 <= axn < len(shape):
                raise MXNetError("squeeze: axis {} is out of bounds for input shape {}".format(ax, shape))
            if axn in drop:
                raise MXNetError("squeeze: duplicate value in axis {}".format(a.axis))
            if shape[axn] != 1:
                raise MXNetError("squeeze: cannot squeeze axis {} of input shape {}: its size is {}, not 1".format(
                    ax, shape, shape[axn]))
            drop.add(axn)
        out = tuple(d for i, d in enumerate(shape) if i not in drop)
    return [out if out else (1,)]


def _reshape_back(env, a, inputs, outputs, out_grads, req):
    return [out_grads[0].reshape(inputs[0].shape)]


register(OpDef("squeeze", lambda env, a, i, x: (i[0].reshape(_squeeze_shape(a, [i[0].shape])[0]),),
               backward=_reshape_back, infer_shape=_squeeze_shape,
               params=(Param("axis", ShapeOrNone, None, "Selects a subset of the single-dimensional entries in the "
                             "shape. If an axis is selected with shape entry greater than one, an error is raised."),),
               doc="Remove single-dimensional entries from the shape of an array."))

# -- diag --------------------------------------------------------------------------------------


def _diag_plan(a, shape):
    """For ndim >= 2: (axis1, axis2, diagonal length)."""
    ndim = len(shape)
    x1 = _norm_axis("diag", a.axis1, ndim, "axis1")
    x2 = _norm_axis("diag", a.axis2, ndim, "axis2")
    if x1 == x2:
        raise MXNetError("diag: axis1 and axis2 cannot refer to the same axis {} (input shape {})".format(
            x1, tuple(shape)))
    h, w = shape[x1], shape[x2]
    if a.k > 0:
        w -= a.k
    elif a.k < 0:
        h += a.k
    n = min(h, w)
    if n < 0:
        raise MXNetError("diag: diagonal k={} does not exist for input shape {} (axis1={}, axis2={})".format(
            a.k, tuple(shape), a.axis1, a.axis2))
    return x1, x2, n


def _diag_shape(a, s):
    shape = tuple(s[0])
    if len(shape) == 1:
        n = shape[0] + abs(a.k)
        return [(n, n)]
    if len(shape) == 0:
        raise MXNetError("diag: input must be at least 1-d, got shape ()")
    x1, x2, n = _diag_plan(a, shape)
    return [tuple(d for i, d in enumerate(shape) if i not in (x1, x2)) + (n,)]


def _diag_forward(env, a, inputs, aux):
    xp, x = env.xp, inputs[0]
    if x.ndim == 1:
        return (xp.diag(x, a.k),)
    x1, x2, _ = _diag_plan(a, x.shape)
    return (xp.diagonal(x, a.k, x1, x2),)


def _diag_backward(env, a, inputs, outputs, out_grads, req):
    xp, x, g = env.xp, inputs[0], out_grads[0]
    if x.ndim == 1:
        return [xp.diagonal(g, a.k).copy()]
    x1, x2, n = _diag_plan(a, x.shape)
    gx = xp.zeros_like(x)
    moved = xp.moveaxis(gx, (x1, x2), (-2, -1))   # a view: writes land in gx
    i = xp.arange(n)
    moved[..., i + max(-a.k, 0), i + max(a.k, 0)] = g
    return [gx]


register(OpDef("diag", _diag_forward, backward=_diag_backward, infer_shape=_diag_shape,
               params=(Param("k", Int, 0, "Diagonal in question. The default is 0. Use k>0 for diagonals above the "
                             "main diagonal, and k<0 for diagonals below the main diagonal."),
                       Param("axis1", Int, 0, "The first axis of the sub-arrays of interest. Ignored when the input "
                             "is a 1-D array."),
                       Param("axis2", Int, 1, "The second axis of the sub-arrays of interest. Ignored when the input "
                             "is a 1-D array.")),
               doc="Extracts a diagonal or constructs a diagonal array."))

# -- shape_array, size_array -------------------------------------------------------------------

_INT64 = np.dtype(np.int64)

register(OpDef("shape_array", lambda env, a, i, x: (env.xp.asarray(i[0].shape, dtype=_INT64),),
               infer_shape=lambda a, s: [(len(s[0]),)], infer_type=lambda a, t: [_INT64],
               backward=lambda env, a, i, o, g, r: _zeros_grad(env, i),
               doc="Returns a 1D int64 array containing the shape of data."))

register(OpDef("size_array", lambda env, a, i, x: (env.xp.asarray([i[0].size], dtype=_INT64),),
               infer_shape=lambda a, s: [(1,)], infer_type=lambda a, t: [_INT64],
               backward=lambda env, a, i, o, g, r: _zeros_grad(env, i),
               doc="Returns a 1D int64 array containing the size of data."))

# -- reshape_like ------------------------------------------------------------------------------


def _range(ndim, begin, end, bname, ename):
    b = 0 if begin is None else (begin + ndim if begin < 0 else begin)
    e = ndim if end is None else (end + ndim if end < 0 else end)
    if b < 0:
        raise MXNetError("reshape_like: invalid begin for {}={} (ndim {})".format(bname, begin, ndim))
    if e > ndim:
        raise MXNetError("reshape_like: invalid end for {}={} as dimension number is {}".format(ename, end, ndim))
    if not b < e:
        raise MXNetError("reshape_like: invalid begin, end: {}={}, {}={} (ndim {})".format(
            bname, begin, ename, end, ndim))
    return b, e


def _reshape_like_shape(a, s):
    lhs, rhs = tuple(s[0]), tuple(s[1])
    lb, le = _range(len(lhs), a.lhs_begin, a.lhs_end, "lhs_begin", "lhs_end")
    rb, re = _range(len(rhs), a.rhs_begin, a.rhs_end, "rhs_begin", "rhs_end")
    out = lhs[:lb] + rhs[rb:re] + lhs[le:]
    if _prod(out) != _prod(lhs):
        raise MXNetError("reshape_like: cannot reshape lhs with shape {} to new shape {} (from rhs shape {}) "
                         "because they have different size".format(lhs, out, rhs))
    return [out]


def _reshape_like_backward(env, a, inputs, outputs, out_grads, req):
    return [out_grads[0].reshape(inputs[0].shape), env.xp.zeros_like(inputs[1])]


register(OpDef("reshape_like",
               lambda env, a, i, x: (i[0].reshape(_reshape_like_shape(a, [i[0].shape, i[1].shape])[0]),),
               backward=_reshape_like_backward, infer_shape=_reshape_like_shape, inputs=("lhs", "rhs"),
               params=(Param("lhs_begin", IntOrNone, None, "Defaults to 0. The beginning index along which the lhs "
                             "dimensions are to be reshaped. Supports negative indices."),
                       Param("lhs_end", IntOrNone, None, "Defaults to None. The ending index along which the lhs "
                             "dimensions are to be used for reshaping. Supports negative indices."),
                       Param("rhs_begin", IntOrNone, None, "Defaults to 0. The beginning index along which the rhs "
                             "dimensions are to be used for reshaping. Supports negative indices."),
                       Param("rhs_end", IntOrNone, None, "Defaults to None. The ending index along which the rhs "
                             "dimensions are to be used for reshaping. Supports negative indices.")),
               doc="Reshape some or all dimensions of `lhs` to have the same shape as some or all "
                   "dimensions of `rhs`."))

# -- depth_to_space, space_to_depth ------------------------------------------------------------


def _check_block(opname, a, shape):
    if len(shape) != 4:
        raise MXNetError("{}: requires exactly a 4-D input, got shape {}".format(opname, tuple(shape)))
    if a.block_size <= 0:
        raise MXNetError("{}: block_size must be a positive integer value, got {}".format(opname, a.block_size))
    return a.block_size


def _d2s_shape(a, s):
    n, c, h, w = s[0]
    b = _check_block("depth_to_space", a, s[0])
    if c % (b * b):
        raise MXNetError("depth_to_space: the depth dimension (axis 1) of input shape {} must be a multiple of "
                         "block_size^2 = {}".format(tuple(s[0]), b * b))
    return [(n, c // (b * b), h * b, w * b)]


def _s2d_shape(a, s):
    n, c, h, w = s[0]
    b = _check_block("space_to_depth", a, s[0])
    if h % b or w % b:
        raise MXNetError("space_to_depth: the space dimensions (axes 2, 3) of input shape {} must be multiples "
                         "of block_size = {}".format(tuple(s[0]), b))
    return [(n, c * b * b, h // b, w // b)]


def _d2s(x, b):
    n, c, h, w = x.shape
    c2 = c // (b * b)
    return x.reshape(n, b, b, c2, h, w).transpose(0, 3, 4, 1, 5, 2).reshape(n, c2, h * b, w * b)


def _s2d(x, b):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4).reshape(n, c * b * b, h // b, w // b)


register(OpDef("depth_to_space", lambda env, a, i, x: (_d2s(i[0], a.block_size),),
               backward=lambda env, a, i, o, g, r: [_s2d(g[0], a.block_size)], infer_shape=_d2s_shape,
               params=(Param("block_size", Int, doc="Blocks of [block_size. block_size] are moved"),),
               doc="Rearranges(permutes) data from depth into blocks of spatial data."))

register(OpDef("space_to_depth", lambda env, a, i, x: (_s2d(i[0], a.block_size),),
               backward=lambda env, a, i, o, g, r: [_d2s(g[0], a.block_size)], infer_shape=_s2d_shape,
               params=(Param("block_size", Int, doc="Blocks of [block_size. block_size] are moved"),),
               doc="Rearranges(permutes) blocks of spatial data into depth."))
