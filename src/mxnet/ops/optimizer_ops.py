"""Optimizer update operators: sgd_update, sgd_mom_update, adam_update, rmsprop_update, ... and
their multi-precision (``mp_``) forms, as MXNet 1.9.1 defines them.

Each op returns the updated weight (call it with ``out=weight`` to update in place) and updates
its optimizer states (momentum, mean/var, ...) in place. The states are declared as ``aux``
inputs, so the engine orders them as written, not only read; they keep their MXNet position in
the argument list (``sgd_mom_update(weight, grad, mom, ...)``). The ``mp_`` ops update a float32
master copy ``weight32`` and return it cast to the weight's dtype (float16 training).

Arithmetic runs in the weight's dtype with the scalar parameters cast to it, as MXNet's kernels
do (for ``mp_`` ops: float32). ``clip(x, c)`` clips to ``[-c, c]`` only when ``c >= 0``.

Two cases where MXNet 1.9.1's result depends on a kernel detail, and what neomx does:

- ``nag_mom_update``: MXNet writes the output before refreshing the momentum from "the weight",
  so with ``out=weight`` (how the NAG optimizer calls it) the momentum sees the *new* weight. We
  always do that (also when ``out`` is another array, where MXNet would use the old weight).
- ``mp_lamb_update_phase2``: MXNet returns the float16 weight but leaves ``weight32`` unchanged,
  so the float32 master copy never moves; we update ``weight32`` as the other ``mp_`` ops do.
  (The LAMB optimizer's usual path in MXNet, ``multi_mp_lamb_update``, also updates it.)

Sparse (``row_sparse``) gradients do not exist in neomx; ``lazy_update`` is accepted and ignored.
"""
import numpy as np

from ..base import MXNetError
from .params import Param, Float, Bool, Int
from .registry import OpDef, register

_LR = Param("lr", Float, doc="Learning rate")
_WD = Param("wd", Float, 0.0, "Weight decay augments the objective function with a regularization "
            "term that penalizes large weights. The penalty scales with the square of the "
            "magnitude of each weight.")
_RESCALE = Param("rescale_grad", Float, 1.0, "Rescale gradient to grad = rescale_grad*grad.")
_CLIP = Param("clip_gradient", Float, -1.0, "Clip gradient to the range of [-clip_gradient, "
              "clip_gradient] If clip_gradient <= 0, gradient clipping is turned off. "
              "grad = max(min(grad, clip_gradient), -clip_gradient).")
_MOMENTUM = Param("momentum", Float, 0.0, "The decay rate of momentum estimates at each epoch.")
_LAZY = Param("lazy_update", Bool, True, "If true, lazy updates are applied if gradient's stype "
              "is row_sparse.")
_BETA1 = Param("beta1", Float, 0.9, "The decay rate for the 1st moment estimates.")
_BETA2 = Param("beta2", Float, 0.999, "The decay rate for the 2nd moment estimates.")
_EPS8 = Param("epsilon", Float, 1e-8, "A small constant for numerical stability.")


def _clip(xp, x, bound):
    return xp.clip(x, -bound, bound) if bound >= 0 else x


def _scalars(dtype, *values):
    t = np.dtype(dtype).type
    return [t(v) for v in values]


def _shape_rule(name, names, elementwise):
    """All inputs listed in ``elementwise`` (indices into inputs+aux) share the weight's shape."""
    def full(attrs, in_shapes, aux_shapes):
        shapes = list(in_shapes) + list(aux_shapes)
        known = next((tuple(shapes[i]) for i in elementwise if shapes[i] is not None), None)
        if known is None:
            return list(in_shapes), [None], list(aux_shapes)
        for i in elementwise:
            if shapes[i] is not None and tuple(shapes[i]) != known:
                raise MXNetError("{}: shape mismatch: {} has shape {} but {} has shape {}; the "
                                 "weight, gradient and states must have the same shape".format(
                                     name, names[elementwise[0]], known, names[i], tuple(shapes[i])))
            shapes[i] = known
        for i, s in enumerate(shapes):
            if s is None:
                raise MXNetError("{}: shape of {} is unknown".format(name, names[i]))
        n = len(in_shapes)
        return shapes[:n], [known], shapes[n:]
    return full


def _update_op(name, kernel, params, states=(), mp=False, extra_inputs=(), doc="",
               out_dtype=None, elementwise=None, grad_name="grad", master_out=True):
    """Register an update op ``name(weight, grad, *extra_inputs, *states[, weight32])``.

    ``kernel(xp, attrs, w, g, extra, st) -> (result, new_states)`` on arrays of one dtype;
    ``new_states`` are written back into the state arrays. For ``mp`` ops the kernel runs on
    ``weight32`` (and the gradient cast to float32); with ``master_out`` the result is also
    stored in weight32 and returned cast to the weight's dtype."""
    inputs = ("weight", grad_name) + tuple(extra_inputs)
    aux = tuple(states) + (("weight32",) if mp else ())
    names = inputs + aux
    if elementwise is None:
        elementwise = tuple(range(len(names)))

    def forward(env, attrs, ins, aux_arrays):
        xp = env.xp
        weight, grad = ins[0], ins[1]
        extra = list(ins[2:])
        st = list(aux_arrays[:len(states)])
        if mp:
            w32 = aux_arrays[-1]
            res, new_states = kernel(xp, attrs, w32, grad.astype(np.float32), extra, st)
            for dst, v in zip(st, new_states):
                if dst is not v:
                    dst[...] = v
            if not master_out:
                return (res,)
            w32[...] = res
            return (res.astype(weight.dtype),)
        res, new_states = kernel(xp, attrs, weight, grad, extra, st)
        for dst, v in zip(st, new_states):
            if dst is not v:      # kernels may update a state in place
                dst[...] = v
        return (res,)

    def infer_type(attrs, dts):
        return [np.dtype(out_dtype) if out_dtype is not None else dts[0]]

    return register(OpDef(
        name, forward, params=params, inputs=inputs, aux=aux,
        infer_shape=lambda attrs, shapes: [shapes[0]],
        infer_shape_full=_shape_rule(name, names, elementwise), infer_type=infer_type,
        doc=doc))


def _update_ops(name, kernel, params, doc, mp_doc, mp_kw=None, **kw):
    """Register ``name`` and its multi-precision form ``mp_<name>`` (``_update_op`` arguments
    ``kw``, overridden by ``mp_kw`` for the ``mp_`` op)."""
    _update_op(name, kernel, params, doc=doc, **kw)
    kw.update(mp_kw or {})
    _update_op("mp_" + name, kernel, params, mp=True, doc=mp_doc, **kw)


# -- SGD ----------------------------------------------------------------------------------------
def _sgd_step_of(xp, g, lr, rescale, clip_gradient):
    """lr * clip(rescale * g) as a fresh array, in one pass over g when there is no clipping."""
    if clip_gradient >= 0:
        step = _clip(xp, g * rescale, clip_gradient)
        step *= lr
        return step
    return g * (lr * rescale)


def _sgd(xp, a, w, g, extra, st):
    lr, wd, rescale = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad)
    step = _sgd_step_of(xp, g, lr, rescale, a.clip_gradient)
    if wd:
        return (1 - lr * wd) * w - step, []
    return xp.subtract(w, step, out=step), []


def _flush_subnormal(xp, a):
    """Set the subnormal entries of ``a`` to zero, in place.

    A weight whose gradient is exactly zero (a dead ReLU unit) has its momentum decay by
    ``momentum`` each step until it sticks at the smallest subnormal (0.9 * 1.4e-45 rounds back
    to 1.4e-45); every later pass over it then takes a microcode assist per element, ~50x
    slower (the MLP benchmark had 95% of its momentum there after 1,000 steps). MXNet keeps the
    subnormals; neomx flushes them as CPUs do in flush-to-zero mode: the values differ by less
    than 1.2e-38."""
    if a.size < _FLUSH_MIN:
        return                  # (a few slow elements cost microseconds: not worth the check)
    tiny = _TINY.get(a.dtype)
    if tiny is None:
        return
    # Every 8th update of a buffer: an entry then does at most 7 slow steps in a decay of
    # hundreds, and the check (three passes) costs an eighth of what it would every step.
    key = id(a)
    n = _FLUSH_CLOCK.get(key, 0)
    if len(_FLUSH_CLOCK) > 1 << 16:
        _FLUSH_CLOCK.clear()
    _FLUSH_CLOCK[key] = n + 1
    if n % 8 == 0:
        a[xp.abs(a) < tiny] = 0


# (float16 keeps its subnormals: its smallest normal, 6e-5, is a value that matters)
_TINY = {np.dtype(t): np.finfo(t).tiny for t in (np.float32, np.float64)}
_FLUSH_CLOCK = {}     # id(buffer) -> updates seen
_FLUSH_MIN = 4096     # elements: smaller momentum buffers keep their subnormals


def _sgd_mom(xp, a, w, g, extra, st):
    lr, wd, rescale, momentum = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.momentum)
    return sgd_mom_step(xp, w, g, st[0], lr, wd, rescale, momentum, a.clip_gradient), st[:1]


def sgd_mom_step(xp, w, g, mom, lr, wd, rescale, momentum, clip_gradient):
    """The new weight of one momentum SGD step, updating ``mom`` in place (scalars already in
    w's dtype): the hottest kernel of every SGD training loop, shared with the multi-weight op."""
    mom *= momentum
    step = _sgd_step_of(xp, g, lr, rescale, clip_gradient)
    mom -= step
    if wd:
        xp.multiply(w, lr * wd, out=step)
        mom -= step
    _flush_subnormal(xp, mom)
    return xp.add(w, mom, out=step)


_MP_SGD_DOC = "Updater function for multi-precision sgd optimizer"
_update_ops("sgd_update", _sgd, (_LR, _WD, _RESCALE, _CLIP, _LAZY),
            "Update function for Stochastic Gradient Descent (SGD) optimizer.", _MP_SGD_DOC)
_update_ops("sgd_mom_update", _sgd_mom, (_LR, _MOMENTUM, _WD, _RESCALE, _CLIP, _LAZY),
            "Momentum update function for Stochastic Gradient Descent (SGD) optimizer.",
            _MP_SGD_DOC, states=("mom",))


def _nag_mom(xp, a, w, g, extra, st):
    # MXNet keeps the lr-scaled (negative) velocity, and its kernel writes the new weight before
    # updating the momentum from "the weight": with out=weight (how NAG calls it) that is the
    # new weight. We follow that, whatever out is.
    lr, wd, rescale, momentum = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.momentum)
    grad = _clip(xp, rescale * g, a.clip_gradient)
    mom = momentum * st[0]
    out = w - mom + (momentum + w.dtype.type(1)) * (mom - lr * (grad + wd * w))
    return out, [mom - lr * (grad + wd * out)]


_update_ops("nag_mom_update", _nag_mom, (_LR, _MOMENTUM, _WD, _RESCALE, _CLIP),
            "Update function for Nesterov Accelerated Gradient( NAG) optimizer.",
            "Update function for multi-precision Nesterov Accelerated Gradient( NAG) optimizer.",
            states=("mom",))


def _signsgd(xp, a, w, g, extra, st):
    lr, wd = _scalars(w.dtype, a.lr, a.wd)
    return (1 - lr * wd) * w - lr * xp.sign(g), []


def _signum(xp, a, w, g, extra, st):
    lr, wd, rescale, momentum, wd_lh = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.momentum,
                                                a.wd_lh)
    one = w.dtype.type(1)
    mom = (momentum * st[0] - (one - momentum) * wd * w
           - (one - momentum) * _clip(xp, rescale * g, a.clip_gradient))
    return (one - lr * wd_lh) * w + lr * xp.sign(mom), [mom]


_update_op("signsgd_update", _signsgd, (_LR, _WD, _RESCALE, _CLIP),
           doc="Update function for SignSGD optimizer.")
_update_op("signum_update", _signum,
           (_LR, _MOMENTUM, _WD, _RESCALE, _CLIP,
            Param("wd_lh", Float, 0.0, "The amount of weight decay that does not go into "
                  "gradient/momentum calculations otherwise do weight decay algorithmically only.")),
           states=("mom",), doc="SIGN momentUM (Signum) optimizer.")


# -- adaptive methods ---------------------------------------------------------------------------
def _moments(xp, one, b1, b2, st, grad):
    """Adam's (mean, var) moving averages of ``grad`` and ``grad**2`` from the states ``st``."""
    return b1 * st[0] + (one - b1) * grad, b2 * st[1] + (one - b2) * xp.square(grad)


def _adam(xp, a, w, g, extra, st):
    lr, wd, rescale, b1, b2, eps = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.beta1, a.beta2,
                                            a.epsilon)
    one = w.dtype.type(1)
    grad = _clip(xp, g * rescale + w * wd, a.clip_gradient)
    mean, var = _moments(xp, one, b1, b2, st, grad)
    return w - lr * mean / (xp.sqrt(var) + eps), [mean, var]


_update_op("adam_update", _adam,
           (_LR, _BETA1, _BETA2, _EPS8, _WD, _RESCALE, _CLIP, _LAZY),
           states=("mean", "var"), doc="Update function for Adam optimizer.")

_GAMMA1 = Param("gamma1", Float, 0.95, "The decay rate of the moving average of squared gradients.")
_CLIPW = Param("clip_weights", Float, -1.0, "Clip weights to the range of [-clip_weights, "
               "clip_weights] If clip_weights <= 0, weight clipping is turned off.")


def _rms_grad(xp, a, w, g, st, one, wd, rescale, g1):
    """RMSProp's clipped gradient and its new moving average ``n`` of squares."""
    grad = _clip(xp, rescale * g + wd * w, a.clip_gradient)
    return grad, (one - g1) * xp.square(grad) + g1 * st[0]


def _rmsprop(xp, a, w, g, extra, st):
    lr, wd, rescale, g1, eps = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.gamma1, a.epsilon)
    grad, n = _rms_grad(xp, a, w, g, st, w.dtype.type(1), wd, rescale, g1)
    return _clip(xp, w - lr * grad / xp.sqrt(n + eps), a.clip_weights), [n]


def _rmspropalex(xp, a, w, g, extra, st):
    lr, wd, rescale, g1, g2, eps = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.gamma1, a.gamma2,
                                            a.epsilon)
    one = w.dtype.type(1)
    grad, n = _rms_grad(xp, a, w, g, st, one, wd, rescale, g1)
    gm = (one - g1) * grad + g1 * st[1]
    delta = g2 * st[2] - lr * grad / xp.sqrt(n - xp.square(gm) + eps)
    return _clip(xp, w + delta, a.clip_weights), [n, gm, delta]


_update_op("rmsprop_update", _rmsprop, (_LR, _GAMMA1, _EPS8, _WD, _RESCALE, _CLIP, _CLIPW),
           states=("n",), doc="Update function for RMSProp optimizer.")
_update_op("rmspropalex_update", _rmspropalex,
           (_LR, _GAMMA1, Param("gamma2", Float, 0.9, "Decay rate."), _EPS8, _WD, _RESCALE, _CLIP,
            _CLIPW),
           states=("n", "g", "delta"), doc="Update function for RMSPropAlex optimizer.")


def _ftrl(xp, a, w, g, extra, st):
    lr, wd, rescale, lamda1, beta = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.lamda1, a.beta)
    grad = _clip(xp, g * rescale, a.clip_gradient)
    z0, n0 = st
    z = z0 + grad - (xp.sqrt(n0 + xp.square(grad)) - xp.sqrt(n0)) * w / lr
    n = n0 + xp.square(grad)
    new_w = (xp.sign(z) * lamda1 - z) / ((beta + xp.sqrt(n)) / lr + wd) * (xp.abs(z) > lamda1)
    return new_w.astype(w.dtype, copy=False), [z, n]


_update_op("ftrl_update", _ftrl,
           (_LR, Param("lamda1", Float, 0.01, "The L1 regularization coefficient."),
            Param("beta", Float, 1.0, "Per-Coordinate Learning Rate beta."), _WD, _RESCALE, _CLIP),
           states=("z", "n"), doc="Update function for Ftrl optimizer.")


def _ftml(xp, a, w, g, extra, st):
    lr, wd, rescale, b1, b2, eps = _scalars(w.dtype, a.lr, a.wd, a.rescale_grad, a.beta1, a.beta2,
                                            a.epsilon)
    one = w.dtype.type(1)
    t = a.t
    grad = _clip(xp, g * rescale + wd * w, a.clip_grad)
    d0, v0, z0 = st
    v = b2 * v0 + (one - b2) * xp.square(grad)
    d = (one - b1 ** t) / lr * (xp.sqrt(v / (one - b2 ** t)) + eps)
    z = b1 * z0 + (one - b1) * grad - (d - b1 * d0) * w
    return -z / d, [d, v, z]


_update_op("ftml_update", _ftml,
           (_LR, Param("beta1", Float, 0.6, "Generally close to 0.5."),
            Param("beta2", Float, 0.999, "Generally close to 1."),
            Param("epsilon", Float, 1e-8, "Epsilon to prevent div 0."),
            Param("t", Int, doc="Number of update."), _WD, _RESCALE,
            Param("clip_grad", Float, -1.0, "Clip gradient to the range of [-clip_gradient, "
                  "clip_gradient] If clip_gradient <= 0, gradient clipping is turned off.")),
           states=("d", "v", "z"), doc="The FTML optimizer described in FTML - Follow the Moving "
           "Leader in Deep Learning.")


# -- LAMB ---------------------------------------------------------------------------------------
_LAMB1_PARAMS = (
    _BETA1, _BETA2,
    Param("epsilon", Float, 1e-6, "A small constant for numerical stability."),
    Param("t", Int, doc="Index update count."),
    Param("bias_correction", Bool, True, "Whether to use bias correction."),
    Param("wd", Float, doc="Weight decay augments the objective function with a regularization "
          "term that penalizes large weights."),
    _RESCALE, _CLIP)
_LAMB2_PARAMS = (
    _LR, Param("lower_bound", Float, -1.0, "Lower limit of norm of weight. If lower_bound <= 0, "
               "Lower limit is not set"),
    Param("upper_bound", Float, -1.0, "Upper limit of norm of weight. If upper_bound <= 0, "
          "Upper limit is not set"))


def _lamb1(xp, a, w, g, extra, st):
    wd, rescale, b1, b2, eps = _scalars(w.dtype, a.wd, a.rescale_grad, a.beta1, a.beta2, a.epsilon)
    one = w.dtype.type(1)
    grad = _clip(xp, g * rescale, a.clip_gradient)
    mean, var = _moments(xp, one, b1, b2, st, grad)
    if a.bias_correction:
        m_hat = mean / (one - b1 ** a.t)
        v_hat = var / (one - b2 ** a.t)
        out = m_hat / (xp.sqrt(v_hat) + eps) + wd * w
    else:
        out = mean / (xp.sqrt(var) + eps) + wd * w
    return out, [mean, var]


def _lamb2(xp, a, w, g, extra, st):
    r1, r2 = extra
    r1 = r1.astype(w.dtype).reshape(())
    r2 = r2.astype(w.dtype).reshape(())
    if a.lower_bound >= 0:
        r1 = xp.maximum(r1, w.dtype.type(a.lower_bound))
    if a.upper_bound >= 0:
        r1 = xp.minimum(r1, w.dtype.type(a.upper_bound))
    lr = w.dtype.type(a.lr)
    ratio = xp.where((r1 == 0) | (r2 == 0), w.dtype.type(1), r1 / xp.where(r2 == 0, 1, r2))
    return w - (lr * ratio).astype(w.dtype) * g.astype(w.dtype), []


_update_ops("lamb_update_phase1", _lamb1, _LAMB1_PARAMS,
            "Phase I of lamb update it performs the following operations and returns g.",
            "Mixed Precision version of Phase I of lamb update.",
            mp_kw={"master_out": False, "out_dtype": np.float32}, states=("mean", "var"))
_update_ops("lamb_update_phase2", _lamb2, _LAMB2_PARAMS,
            "Phase II of lamb update it performs the following operations and updates grad.",
            "Mixed Precision version Phase II of lamb update.",
            mp_kw={"elementwise": (0, 1, 4)}, extra_inputs=("r1", "r2"), grad_name="g",
            elementwise=(0, 1))
