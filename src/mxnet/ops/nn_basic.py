"""The classic MXNet MLP layers: FullyConnected, Activation, the softmax family, the loss layers
(SoftmaxOutput, the regression outputs, MakeLoss), Dropout and smooth_l1.

Loss layers follow MXNet 1.x: their backward is not the derivative of their forward but the
gradient of the loss they stand for, and it ignores the head gradient (SoftmaxOutput's
``out_grad=True`` aside).
"""
import numpy as np

from ..base import MXNetError
from .params import (Param, ParamType, Int, Float, Bool, Enum, DType, FloatOrNone, Shape,
                     _OrNone)
from .registry import OpDef, register
from ._shapes import constant, prod as _prod, shape_str as _shape_str  # noqa: F401  (shared helpers)

_FLOATS = ("float16", "float32", "float64")
BoolOrNone = _OrNone(Bool)


class _Bounded(ParamType):
    """A numeric parameter with MXNet's ``set_range``/``set_lower_bound`` check."""

    def __init__(self, inner, lo=None, hi=None):
        self.inner, self.lo, self.hi = inner, lo, hi
        self.doc = inner.doc

    def parse(self, value):
        v = self.inner.parse(value)
        if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
            if self.hi is None:
                raise ValueError("value {} is below the lower bound {}".format(v, self.lo))
            raise ValueError("value {} exceeds the bound [{}, {}]".format(v, self.lo, self.hi))
        return v

    def to_str(self, value):
        return self.inner.to_str(value)


# -- shared helpers ---------------------------------------------------------------------------


def _require_float(name, dtype, what="data"):
    if dtype is not None and np.dtype(dtype).name not in _FLOATS:
        raise MXNetError("{}: {} has dtype {}; this operator supports floating point types only "
                         "(float16, float32, float64)".format(name, what, np.dtype(dtype).name))


def _uniform_type(name, names):
    """infer_type for layers whose inputs must all share the data's (floating point) dtype."""
    def infer_type(attrs, in_dtypes):
        dt = in_dtypes[0]
        _require_float(name, dt)
        for n, t in zip(names[1:], in_dtypes[1:]):
            if t is not None and dt is not None and np.dtype(t) != np.dtype(dt):
                raise MXNetError("{}: all inputs must have the same dtype: data is {}, {} is {}".format(
                    name, np.dtype(dt).name, n, np.dtype(t).name))
        return [dt]
    return infer_type


def _float_same_type(name):
    def infer_type(attrs, in_dtypes):
        _require_float(name, in_dtypes[0])
        return [in_dtypes[0]]
    return infer_type


def _plain(full):
    """A complete-information ``infer_shape`` from an ``infer_shape_full``."""
    def infer_shape(attrs, in_shapes):
        return full(attrs, list(in_shapes), [])[1]
    return infer_shape


def _norm_axis(name, axis, ndim):
    if not -ndim <= axis < ndim:
        raise MXNetError("{}: axis {} exceeds the input dimension of {}".format(name, axis, ndim))
    return axis % ndim


def _compute_dtype(x):
    """float16 is computed in float32 (MXNet's accumulation type), wider types as they are."""
    return np.float32 if x.dtype == np.float16 else x.dtype


# -- FullyConnected ---------------------------------------------------------------------------


def _fc_inputs(attrs):
    return ["data", "weight"] if attrs.no_bias else ["data", "weight", "bias"]


def _fc_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    dshape = in_shapes[0]
    nh = attrs.num_hidden
    if dshape is None:
        return in_shapes, [None], list(aux_shapes)
    dshape = tuple(dshape)
    if attrs.flatten:
        in_units = _prod(dshape[1:])
        out = (dshape[0] if dshape else 1, nh)
    else:
        in_units = dshape[-1] if dshape else 1
        out = dshape[:-1] + (nh,)
    want = [None, (nh, in_units)] + ([] if attrs.no_bias else [(nh,)])
    for i, n in ((1, "weight"), (2, "bias")):
        if i >= len(want):
            break
        got = in_shapes[i]
        if got is None:
            in_shapes[i] = want[i]
        elif tuple(got) != want[i]:
            raise MXNetError("FullyConnected: shape inconsistent for argument '{}': provided {}, inferred {} "
                             "from data {} with num_hidden={} and flatten={}".format(
                                 n, _shape_str(got), want[i], dshape, nh, attrs.flatten))
    return in_shapes, [out], list(aux_shapes)


def _fc_forward(env, attrs, inputs, aux):
    x, w = inputs[0], inputs[1]
    if attrs.flatten:
        x2 = x.reshape(x.shape[0] if x.ndim else 1, -1)
        out_shape = (x2.shape[0], attrs.num_hidden)
    else:
        x2 = x.reshape(-1, x.shape[-1] if x.ndim else 1)
        out_shape = x.shape[:-1] + (attrs.num_hidden,)
    y = _matmul_nt(env.xp, x2, w)
    if not attrs.no_bias:
        y += inputs[2]     # y is fresh: add the bias in place
    return (y if y.shape == out_shape else y.reshape(out_shape),)    # (a reshape is a view)


def _matmul(xp, a, b):
    """``a @ b`` of 2-D arrays. Small NumPy float32/float64 products go through ``np.dot``: the
    same BLAS GEMM call (bit-identical), without matmul's generalized-ufunc dispatch (~0.7 us a
    call). ``np.dot`` zero-fills its output before the GEMM, though: from ~4K output elements
    that pass costs more than the dispatch (a (128, 784) weight gradient: 192 -> 181 us)."""
    if xp is np and a.shape[0] * b.shape[1] < _DOT_MAX_OUT and a.dtype.char in "fd":
        return np.dot(a, b)
    return a @ b


_DOT_MAX_OUT = 4096


def _matmul_nt(xp, x, w):
    """``x @ w.T`` (a layer's forward: rows of inputs times the weight). For a few rows and a
    large weight OpenBLAS computes the transposed product ``w @ x.T`` much faster, on one thread
    or two (rows 4 / 24 / 32 of 784 -> 512 / 128 / 128: 210 / 93 / 106 us -> 88 / 75 / 80 on
    two, the copy back to rows included; the same sums, bit for bit): that one, in row order.
    Smaller products keep the direct call (~2 us less)."""
    m, k = x.shape
    if xp is np and 2 <= m <= 32 and m * k * w.shape[0] >= 400000 and x.dtype.char == "f":
        return np.ascontiguousarray((w @ x.T).T)
    return _matmul(xp, x, w.T)


def _outer_sum(xp, g2, x2):
    """``g2.T @ x2``: the weight gradient summed over the batch. A batch of one is an outer
    product, which OpenBLAS's GEMM (k=1) computes ~10x slower than a broadcast multiply."""
    return g2.T * x2 if g2.shape[0] == 1 else _matmul(xp, g2.T, x2)


def _fc_backward(env, attrs, inputs, outputs, out_grads, req):
    x, w = inputs[0], inputs[1]
    g2 = out_grads[0].reshape(-1, attrs.num_hidden)
    x2 = x.reshape(g2.shape[0], -1)
    xp = env.xp
    grads = [_matmul(xp, g2, w).reshape(x.shape) if req[0] else None,
             _outer_sum(xp, g2, x2).astype(w.dtype, copy=False) if req[1] else None]
    if not attrs.no_bias:
        grads.append(g2.sum(axis=0) if req[2] else None)
    return grads


def _fc_infer_back(attrs, in_shapes, out_shapes):
    """The data's unknown (0) batch dimensions from the output (MXNet's rule): a state created
    as ``zeros((0, H))`` gets its batch size from the layer it is added to."""
    d, out = in_shapes[0], out_shapes[0]
    if d is None or out is None or 0 not in d:
        return in_shapes
    lead = 1 if attrs.flatten else len(out) - 1
    if len(d) < lead:
        return in_shapes
    filled = tuple(o if x == 0 and o else x for x, o in zip(d[:lead], out[:lead])) + tuple(d[lead:])
    return [filled] + list(in_shapes[1:])


register(OpDef(
    "FullyConnected", _fc_forward,
    params=(Param("num_hidden", _Bounded(Int, lo=1), doc="Number of hidden nodes of the output."),
            Param("no_bias", Bool, False, "Whether to disable bias parameter."),
            Param("flatten", Bool, True, "Whether to collapse all but the first axis of the input data tensor.")),
    inputs=_fc_inputs, all_inputs=("data", "weight", "bias"),
    infer_shape=_plain(_fc_infer_full), infer_shape_full=_fc_infer_full, infer_shape_back=_fc_infer_back,
    infer_type=_uniform_type("FullyConnected", ("data", "weight", "bias")),
    backward=_fc_backward,
    doc="Applies a linear transformation: Y = XW^T + b."))

# -- Activation -------------------------------------------------------------------------------


def _sigmoid(xp, x):
    return xp.exp(-xp.logaddexp(0, -x)).astype(x.dtype, copy=False)


def _softrelu(xp, x):
    # MXNet: x where x > 20 (log1p(exp(x)) == x in float32 there), else log1p(exp(x)).
    return xp.where(x > 20, x, xp.log1p(xp.exp(xp.minimum(x, 20)))).astype(x.dtype, copy=False)


_ACT = {
    "relu": (lambda xp, x: xp.maximum(x, 0), lambda xp, x, y, g: g * (y > 0)),
    "sigmoid": (_sigmoid, lambda xp, x, y, g: g * y * (1 - y)),
    "softrelu": (_softrelu, lambda xp, x, y, g: g * -xp.expm1(-y)),
    "softsign": (lambda xp, x: x / (1 + xp.abs(x)), lambda xp, x, y, g: g / xp.square(1 + xp.abs(x))),
    "tanh": (lambda xp, x: xp.tanh(x), lambda xp, x, y, g: g * (1 - y * y)),
}


def _act_forward(env, attrs, inputs, aux):
    return (_ACT[attrs.act_type][0](env.xp, inputs[0]),)


def _act_backward(env, attrs, inputs, outputs, out_grads, req):
    g = _ACT[attrs.act_type][1](env.xp, inputs[0], outputs[0], out_grads[0])
    return [g.astype(inputs[0].dtype, copy=False)]


register(OpDef(
    "Activation", _act_forward,
    params=(Param("act_type", Enum("relu", "sigmoid", "softrelu", "softsign", "tanh"),
                  doc="Activation function to be applied."),),
    infer_type=_float_same_type("Activation"), backward=_act_backward, elementwise=True,
    doc="Applies an activation function element-wise to the input."))

# -- softmax, log_softmax, softmin, SoftmaxActivation -----------------------------------------


def _length_mask(xp, x, length, axis):
    """Boolean mask, True where the position along ``axis`` is below ``length``."""
    n = x.shape[axis]
    idx = xp.arange(n).reshape((n,) + (1,) * (x.ndim - axis - 1))
    return idx < xp.expand_dims(length.astype(np.int64), axis)


def _softmax_core(xp, x, axis, temperature, log=False, negate=False, mask=None):
    """softmax (or log_softmax) of ``x/temperature`` along ``axis``; ``mask`` zeroes positions
    (rows with no valid position give zeros, as MXNet)."""
    x = x.astype(_compute_dtype(x), copy=False)
    if negate:
        x = -x
    if temperature is not None and temperature != 1.0:
        x = x / x.dtype.type(temperature)
    if mask is not None:
        m = xp.max(xp.where(mask, x, -xp.inf), axis=axis, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        e = xp.where(mask, xp.exp(xp.where(mask, x, m) - m), 0)
        s = e.sum(axis=axis, keepdims=True)
        return e / xp.where(s == 0, 1, s)
    if _narrow_rows(xp, x, axis):
        # Shifting by the global maximum is as exact as by each row's when no value lies 80 or
        # more below it (every exp stays a normal float); a GEMV sums the rows.
        top = x.max()
        if not top - x.min() < 80:
            top = x.max(axis=1, keepdims=True)
        z = x - top
        ones = _ones_column(xp, x.shape[1], x.dtype)
        if log:
            return z - xp.log(xp.exp(z) @ ones)
        e = xp.exp(z)
        e /= e @ ones
        return e
    m = x.max(axis=axis, keepdims=True)
    z = x - m
    if log:
        return z - xp.log(xp.exp(z).sum(axis=axis, keepdims=True))
    e = xp.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def _narrow_rows(xp, x, axis):
    """Whether ``x`` holds float rows of at most 64 classes along ``axis`` (the last of 2): NumPy
    reduces along such a short axis ~10x slower than elementwise, so the softmax family shifts
    and sums them differently. (NumPy only: on a GPU the range test would synchronise, and its
    reductions do not lag.)"""
    return xp is np and x.ndim == 2 and axis in (1, -1) and x.shape[1] <= 64 and x.size > 0 \
        and x.dtype.kind == "f"


def _ones_column(xp, k, dtype):
    """A read-only (k, 1) column of ones: row sums as a GEMV."""
    return constant(xp, ("ones_column", k, dtype), lambda: xp.ones((k, 1), dtype=dtype))


def _softmax_grad(xp, y, g, axis, temperature, log=False, negate=False):
    """Vector-Jacobian product of softmax/log_softmax/softmin from the output ``y``."""
    g = g.astype(y.dtype, copy=False)
    if _narrow_rows(xp, y, axis):
        def rows(v):      # (row sums of a few classes: a GEMV, see _softmax_core)
            return v @ _ones_column(xp, y.shape[1], y.dtype)
    else:
        def rows(v):
            return v.sum(axis=axis, keepdims=True)
    if log:
        dx = g - xp.exp(y) * rows(g)
    else:
        dx = y * (g - rows(g * y))
    if temperature is not None and temperature != 1.0:
        dx = dx / temperature
    return -dx if negate else dx


def _make_softmax(name, log=False, negate=False, doc=""):
    with_length = name == "softmax"

    def out_dtype(attrs, dt):
        return np.dtype(attrs.dtype) if attrs.dtype is not None else dt

    def infer_shape_full(attrs, in_shapes, aux_shapes):
        in_shapes = list(in_shapes)
        if attrs.use_length and not with_length:
            raise MXNetError("{}: use_length=True is supported by softmax only".format(name))
        d = in_shapes[0]
        if d is None:
            return in_shapes, [None], list(aux_shapes)
        ax = _norm_axis(name, attrs.axis, len(d))
        if attrs.use_length:
            want = tuple(d[:ax]) + tuple(d[ax + 1:])
            if in_shapes[1] is None:
                in_shapes[1] = want
            elif tuple(in_shapes[1]) != want:
                raise MXNetError("{}: shape inconsistent for argument 'length': provided {}, inferred {} "
                                 "from data {} and axis={}".format(name, tuple(in_shapes[1]), want,
                                                                   tuple(d), attrs.axis))
        return in_shapes, [tuple(d)], list(aux_shapes)

    def infer_type(attrs, in_dtypes):
        _require_float(name, in_dtypes[0])
        return [out_dtype(attrs, in_dtypes[0])]

    def forward(env, attrs, inputs, aux):
        xp, x = env.xp, inputs[0]
        ax = _norm_axis(name, attrs.axis, x.ndim)
        mask = None
        if attrs.use_length:
            length = inputs[1]
            if length.dtype.kind not in "iu":
                raise MXNetError("{}: length must have an integer dtype, got {}".format(name, length.dtype))
            mask = _length_mask(xp, x, length, ax)
        y = _softmax_core(xp, x, ax, attrs.temperature, log, negate, mask)
        return (y.astype(out_dtype(attrs, x.dtype), copy=False),)

    def backward(env, attrs, inputs, outputs, out_grads, req):
        xp, x = env.xp, inputs[0]
        ax = _norm_axis(name, attrs.axis, x.ndim)
        dx = _softmax_grad(xp, outputs[0], out_grads[0], ax, attrs.temperature, log, negate)
        grads = [dx.astype(x.dtype, copy=False)]
        if attrs.use_length:
            grads.append(xp.zeros_like(inputs[1]))
        return grads

    params = (Param("axis", Int, -1, "The axis along which to compute softmax."),
              Param("temperature", FloatOrNone, None, "Temperature parameter in softmax"),
              Param("dtype", DType(*_FLOATS, none=True), None,
                    "DType of the output in case this can't be inferred."),
              Param("use_length", BoolOrNone, False, "Whether to use the length input as a mask over the data input."))
    kw = {}
    if with_length:
        kw = dict(inputs=lambda a: ["data", "length"] if a.use_length else ["data"],
                  all_inputs=("data", "length"))
    register(OpDef(name, forward, params=params, infer_shape=_plain(infer_shape_full),
                   infer_shape_full=infer_shape_full, infer_type=infer_type, backward=backward,
                   doc=doc, **kw))


_make_softmax("softmax", doc="Applies the softmax function along an axis.")
_make_softmax("log_softmax", log=True, doc="Computes the log softmax of the input along an axis.")
_make_softmax("softmin", negate=True, doc="Applies the softmin function (softmax of -x) along an axis.")


def _sact_axis(attrs, x):
    if attrs.mode == "channel":
        if x.ndim < 3:
            raise MXNetError("SoftmaxActivation: input needs at least 3 dimensions when mode=channel, "
                             "got shape {}".format(tuple(x.shape)))
        return 1
    return x.ndim - 1


def _sact_infer(attrs, in_shapes):
    if attrs.mode == "channel" and len(in_shapes[0]) < 3:
        raise MXNetError("SoftmaxActivation: input needs at least 3 dimensions when mode=channel, "
                         "got shape {}".format(tuple(in_shapes[0])))
    return [in_shapes[0]]


def _sact_forward(env, attrs, inputs, aux):
    x = inputs[0]
    return (_softmax_core(env.xp, x, _sact_axis(attrs, x), None).astype(x.dtype, copy=False),)


def _sact_backward(env, attrs, inputs, outputs, out_grads, req):
    x = inputs[0]
    return [_softmax_grad(env.xp, outputs[0], out_grads[0], _sact_axis(attrs, x), None).astype(x.dtype, copy=False)]


register(OpDef(
    "SoftmaxActivation", _sact_forward,
    params=(Param("mode", Enum("channel", "instance"), "instance",
                  "instance: softmax over the last axis of each instance; channel: over axis 1."),),
    infer_shape=_sact_infer, infer_type=_float_same_type("SoftmaxActivation"),
    backward=_sact_backward, elementwise=True,
    doc="Applies softmax activation to input (deprecated: use softmax)."))

# -- SoftmaxOutput ----------------------------------------------------------------------------


def _smo_label_shape(attrs, dshape):
    """The label shapes MXNet accepts for ``dshape`` (the first is the one it infers)."""
    if len(dshape) < 2:
        raise MXNetError("SoftmaxOutput: data must have at least 2 dimensions, got shape {}".format(tuple(dshape)))
    if attrs.multi_output:
        return [(dshape[0], _prod(dshape[2:])), (dshape[0],) + tuple(dshape[2:])]
    return [tuple(dshape[:-1])]


def _smo_infer_full(attrs, in_shapes, aux_shapes):
    in_shapes = list(in_shapes)
    d = in_shapes[0]
    if d is None:
        return in_shapes, [None], list(aux_shapes)
    want = _smo_label_shape(attrs, tuple(d))
    lab = in_shapes[1]
    if lab is None:
        in_shapes[1] = want[0]
    elif tuple(lab) not in want:
        raise MXNetError("SoftmaxOutput: shape inconsistent for argument 'label': provided {}, expected {} "
                         "for data {}{}".format(tuple(lab), " or ".join(str(w) for w in want), tuple(d),
                                               " with multi_output=True" if attrs.multi_output else ""))
    return in_shapes, [tuple(d)], list(aux_shapes)


def _smo_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    if attrs.multi_output:
        y = _softmax_core(xp, x, 1, None)
    elif attrs.preserve_shape:
        y = _softmax_core(xp, x, x.ndim - 1, None)
    else:
        y = _softmax_core(xp, x.reshape(x.shape[0], -1), 1, None).reshape(x.shape)
    return (y.astype(x.dtype, copy=False),)


def _smo_backward(env, attrs, inputs, outputs, out_grads, req):
    xp = env.xp
    x, label = inputs
    y = outputs[0]
    n = x.shape[0]
    # Rows of class probabilities, class axis last, and one label per row.
    if attrs.multi_output:
        k = x.shape[1]
        p = xp.moveaxis(y.reshape(n, k, -1), 1, 2).reshape(-1, k)
        lab = label.reshape(-1)
        spatial = p.shape[0] // n if n else 1
    elif attrs.preserve_shape:
        k = x.shape[-1]
        p = y.reshape(-1, k)
        lab = label.reshape(-1)
    else:
        p = y.reshape(n, -1)
        k = p.shape[1]
        lab = label.reshape(-1)[:n]  # MXNet reads the first n labels
    if xp is np and p.dtype.char in "fd" and lab.size == p.shape[0] and lab.size \
            and not (attrs.multi_output or attrs.use_ignore or attrs.out_grad) \
            and attrs.smooth_alpha <= 0 and attrs.normalization != "valid":
        # The common case: p - onehot as one copy and one flat scatter (a 2-D fancy index costs
        # twice as much, an (n, k) comparison more); labels outside [0, k) take the general
        # path. (Seen as unsigned, a negative label is beyond any k.)
        cls = lab.astype(np.intp)  # C cast: truncation toward zero
        if _max_of(cls.view(np.uintp)) < k:
            rows = p.shape[0]
            grad = p.copy()
            grad.reshape(-1)[constant(xp, ("row_starts", rows, k), lambda: xp.arange(0, rows * k, k)) + cls] -= 1
            return _smo_scale(attrs, grad, p, x, label, n, k, xp,
                              float(rows) if attrs.normalization == "batch" else 1.0, req)
    p = p.astype(_compute_dtype(p), copy=False)
    cls = lab.astype(np.int64)  # C cast: truncation toward zero
    onehot = constant(xp, ("arange", k), lambda: xp.arange(k)) == cls[:, None]
    if attrs.smooth_alpha > 0 and not attrs.multi_output:  # MXNet smooths 2-D layouts only
        a = attrs.smooth_alpha
        target = xp.where(onehot, p.dtype.type(1 - a), p.dtype.type(a / (k - 1) if k > 1 else 0))
        grad = p - target
    else:
        grad = p - onehot
    if attrs.use_ignore or attrs.normalization == "valid":
        ignored = cls == int(attrs.ignore_label)
    if attrs.use_ignore:
        grad = xp.where(ignored[:, None], 0, grad)
    if attrs.normalization == "valid":
        norm = xp.maximum(xp.sum(~ignored), 1).astype(p.dtype)
    elif attrs.normalization == "batch":
        norm = float(p.shape[0])  # rows: n, n*spatial (multi_output) or prod(shape[:-1])
    else:
        norm = float(spatial) if attrs.multi_output else 1.0
    return _smo_scale(attrs, grad, p, x, label, n, k, xp, norm, req)


def _smo_scale(attrs, grad, p, x, label, n, k, xp, norm, req):
    """SoftmaxOutput's gradient ``grad`` (p - target, rows of k classes: a fresh array, scaled in
    place) times grad_scale / norm, times the output for ``out_grad``, in the data's layout; and
    the label's (zero) gradient when requested."""
    if attrs.grad_scale != 1.0:
        grad *= attrs.grad_scale
    if not (isinstance(norm, float) and norm == 1.0):
        grad /= norm
    if attrs.out_grad:
        # MXNet 1.9.1 multiplies by its own output here, not by the head gradient (its backward
        # node reads the output in the head gradient's slot); reproduced for compatibility.
        grad = grad * p
    if attrs.multi_output:
        grad = xp.moveaxis(grad.reshape(n, -1, k), 2, 1)
    return [grad.reshape(x.shape).astype(x.dtype, copy=False), xp.zeros_like(label) if req[1] else None]


_max_of = np.maximum.reduce      # (a 1-D array's max without ndarray's Python wrapper)


register(OpDef(
    "SoftmaxOutput", _smo_forward,
    params=(Param("grad_scale", Float, 1.0, "Scales the gradient by a float factor."),
            Param("ignore_label", Float, -1.0, "The instances whose labels == ignore_label will be ignored "
                  "during backward, if use_ignore is set to true)."),
            Param("multi_output", Bool, False, "Softmax over axis 1 of an (n, k, x_1, ..., x_n) input."),
            Param("use_ignore", Bool, False, "If set to true, the ignore_label value will not contribute "
                  "to the backward gradient."),
            Param("preserve_shape", Bool, False, "Softmax over the last axis, keeping the input shape."),
            Param("normalization", Enum("batch", "null", "valid"), "null",
                  "Normalizes the gradient."),
            Param("out_grad", Bool, False, "Multiplies gradient with output gradient element-wise."),
            Param("smooth_alpha", Float, 0.0, "Label smoothing: the target of the other classes is "
                  "smooth_alpha/(num_classes-1), that of the true class 1-smooth_alpha (not with multi_output).")),
    inputs=("data", "label"), infer_shape=_plain(_smo_infer_full), infer_shape_full=_smo_infer_full,
    infer_type=_uniform_type("SoftmaxOutput", ("data", "label")), backward=_smo_backward, ignores_head_grad=True,
    aliases=("Softmax",),
    doc="Computes the gradient of cross entropy loss with respect to softmax output."))

# -- regression outputs -----------------------------------------------------------------------


def _reg_infer_full(name):
    def infer_full(attrs, in_shapes, aux_shapes):
        in_shapes = list(in_shapes)
        d = in_shapes[0]
        if d is None:
            return in_shapes, [None], list(aux_shapes)
        d = tuple(d)
        lab = in_shapes[1]
        if lab is None:
            # a (n, 1) output takes a (n,) label by default, as MXNet
            in_shapes[1] = (d[0],) if len(d) == 2 and d[1] == 1 else d
        else:
            lab = tuple(lab)
            if not lab or not d or lab[0] != d[0] or _prod(lab) != _prod(d):
                raise MXNetError("{}: shape inconsistent for argument 'label': provided {}, inferred {} "
                                 "(the label needs the data's first dimension and size)".format(name, lab, d))
        return in_shapes, [d], list(aux_shapes)
    return infer_full


def _make_regression(name, out_fn, grad_fn, doc):
    def forward(env, attrs, inputs, aux):
        return (out_fn(env.xp, inputs[0]),)

    def backward(env, attrs, inputs, outputs, out_grads, req):
        xp = env.xp
        x, label = inputs
        num_output = max(label.size // label.shape[0], 1) if label.ndim and label.shape[0] else 1
        diff = outputs[0] - label.reshape(x.shape).astype(x.dtype, copy=False)
        g = grad_fn(xp, diff) * x.dtype.type(attrs.grad_scale / num_output)
        return [g.astype(x.dtype, copy=False), xp.zeros_like(label)]

    full = _reg_infer_full(name)
    register(OpDef(name, forward,
                   params=(Param("grad_scale", Float, 1.0, "Scale the gradient by a float factor"),),
                   inputs=("data", "label"), infer_shape=_plain(full), infer_shape_full=full,
                   infer_type=_uniform_type(name, ("data", "label")), backward=backward, ignores_head_grad=True,
                   doc=doc))


_make_regression("LinearRegressionOutput", lambda xp, x: x, lambda xp, d: d,
                 "Computes and optimizes for squared loss during backward propagation.")
_make_regression("LogisticRegressionOutput", _sigmoid, lambda xp, d: d,
                 "Applies a logistic function to the input; optimizes for cross entropy in backward.")
_make_regression("MAERegressionOutput", lambda xp, x: x, lambda xp, d: xp.sign(d),
                 "Computes mean absolute error of the input; optimizes for L1 loss in backward.")

# -- MakeLoss, make_loss ----------------------------------------------------------------------


def _makeloss_backward(env, attrs, inputs, outputs, out_grads, req):
    xp, x = env.xp, inputs[0]
    if attrs.normalization == "batch":
        norm = float(_prod(x.shape[:-1]))  # rows of the data flattened to 2-D
    elif attrs.normalization == "valid":
        norm = xp.maximum(xp.sum(x > x.dtype.type(attrs.valid_thresh)), 1).astype(x.dtype)
    else:
        norm = 1.0
    return [xp.full(x.shape, attrs.grad_scale, dtype=x.dtype) / norm]


register(OpDef(
    "MakeLoss", lambda env, attrs, inputs, aux: (inputs[0],),
    params=(Param("grad_scale", Float, 1.0, "Gradient scale as a supplement to unary and binary operators"),
            Param("valid_thresh", Float, 0.0, "clip each element in the array to 0 when it is less than "
                  "valid_thresh (for normalization='valid')."),
            Param("normalization", Enum("batch", "null", "valid"), "null",
                  "If this is set to null, the output gradient will not be normalized.")),
    infer_type=_float_same_type("MakeLoss"), backward=_makeloss_backward, elementwise=True, ignores_head_grad=True,
    doc="Make your own loss function in network construction: the gradient is grad_scale."))

register(OpDef(
    "make_loss", lambda env, attrs, inputs, aux: (inputs[0],), outputs=("loss",),
    backward=lambda env, attrs, inputs, outputs, out_grads, req: [env.xp.ones_like(inputs[0])],
    elementwise=True,
    doc="Make your own loss function in network construction: the gradient is ones."))

# -- Dropout ----------------------------------------------------------------------------------


def _dropout_mask_shape(attrs, dshape):
    s = list(dshape)
    for a in attrs.axes:
        s[_norm_axis("Dropout", a, len(s))] = 1
    return tuple(s)


def _dropout_infer(attrs, in_shapes):
    d = tuple(in_shapes[0])
    return [d, _dropout_mask_shape(attrs, d)]


def _dropout_type(attrs, in_dtypes):
    _require_float("Dropout", in_dtypes[0])
    return [in_dtypes[0], in_dtypes[0]]


def _dropout_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    mshape = _dropout_mask_shape(attrs, x.shape)
    if not (env.is_train or attrs.mode == "always") or attrs.p == 0:
        return (x, xp.ones(mshape, dtype=x.dtype))
    pkeep = 1.0 - attrs.p
    if pkeep == 0:  # MXNet: 0 * (1 / 0)
        mask = xp.full(mshape, np.nan, dtype=x.dtype)
    else:
        keep = env.rng.random(mshape, dtype=np.float32) < pkeep
        mask = keep.astype(x.dtype) * x.dtype.type(1.0 / pkeep)
    return (x * mask, mask)


def _dropout_backward(env, attrs, inputs, outputs, out_grads, req):
    if len(outputs) < 2:
        raise MXNetError("Dropout: backward needs the mask (output 1)")
    x = inputs[0]
    return [(out_grads[0] * outputs[1]).astype(x.dtype, copy=False)]


register(OpDef(
    "Dropout", _dropout_forward,
    params=(Param("p", _Bounded(Float, 0.0, 1.0), 0.5,
                  "Fraction of the input that gets dropped out during training time."),
            Param("mode", Enum("always", "training"), "training",
                  "Whether to only turn on dropout during training or to also turn on for inference."),
            Param("axes", Shape, (), "Axes for variational dropout kernel."),
            Param("cudnn_off", BoolOrNone, False, "Whether to turn off cudnn in dropout operator.")),
    outputs=("output", "mask"), num_visible_outputs=1, needs_rng=True,
    infer_shape=_dropout_infer, infer_type=_dropout_type, backward=_dropout_backward,
    doc="Applies dropout operation to input array."))

# -- smooth_l1 --------------------------------------------------------------------------------


def _sl1_forward(env, attrs, inputs, aux):
    xp, x = env.xp, inputs[0]
    xf = x.astype(_compute_dtype(x) if x.dtype.kind == "f" else np.float64, copy=False)
    s2 = attrs.scalar * attrs.scalar
    ax = xp.abs(xf)
    y = xp.where(ax < 1.0 / s2, 0.5 * s2 * xf * xf, ax - 0.5 / s2)
    return (y.astype(x.dtype, copy=False),)


def _sl1_backward(env, attrs, inputs, outputs, out_grads, req):
    xp, x = env.xp, inputs[0]
    s2 = attrs.scalar * attrs.scalar
    d = xp.where(xp.abs(x) < 1.0 / s2, s2 * x, xp.sign(x))
    return [(out_grads[0] * d).astype(x.dtype, copy=False)]


register(OpDef(
    "smooth_l1", _sl1_forward,
    params=(Param("scalar", Float, 1.0, "sigma: the quadratic region is |x| < 1/sigma^2"),),
    backward=_sl1_backward, elementwise=True,
    doc="Calculate Smooth L1 Loss(lhs, scalar) element-wise."))
