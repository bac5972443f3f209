"""Operators that create arrays from parameters only: _zeros, _ones, _full, _arange, _eye,
and the *_like family."""
import numpy as np

from .params import Param, Shape, ShapeOrNone, Float, FloatOrNone, Int, Bool, Str, DType
from .registry import OpDef, register

_CTX = Param("ctx", Str, "", "Context of output, in format [cpu|gpu|cpu_pinned](n).")


def _dtype_param(default="float32"):
    return Param("dtype", DType(), default, "Target data type.")


def _fill(value):
    def forward(env, a, inputs, aux):
        return (env.xp.full(a.shape, value, dtype=a.dtype),)
    return forward


def _creation(name, forward, doc=""):
    return register(OpDef(
        name, forward, params=(Param("shape", Shape, (), "The shape of the output"), _CTX, _dtype_param()),
        inputs=(), infer_shape=lambda a, s: [a.shape],
        infer_type=lambda a, t: [np.dtype(a.dtype)], doc=doc))


_creation("_zeros", _fill(0), doc="Fill target with zeros.")
_creation("_ones", _fill(1), doc="Fill target with ones.")
register(OpDef(
    "_full", lambda env, a, i, x: (env.xp.full(a.shape or (), a.value, dtype=a.dtype),),
    params=(Param("shape", ShapeOrNone, None, "The shape of the output"), _CTX, _dtype_param(),
            Param("value", Float, doc="Value with which to fill the array")),
    inputs=(), infer_shape=lambda a, s: [a.shape or ()], infer_type=lambda a, t: [np.dtype(a.dtype)],
    doc="Fill target with a scalar value."))


def _arange_len(a):
    start, stop, step = a.start, a.stop, a.step
    if stop is None:
        start, stop = 0.0, start
    n = int(np.ceil((stop - start) / step))
    return max(n, 0) * a.repeat, start


def _arange_forward(env, a, inputs, aux):
    n, start = _arange_len(a)
    xp = env.xp
    dt = np.dtype(a.dtype)
    if dt.kind == "f":      # MXNet: start + i * step in the output's type (arange(0, 1, .3)[3] = 0.90000004f)
        vals = xp.arange(n // a.repeat, dtype=dt) * dt.type(a.step) + dt.type(start)
    else:
        vals = start + a.step * xp.arange(n // a.repeat, dtype=np.float64)
    if a.repeat > 1:
        vals = xp.repeat(vals, a.repeat)
    return (vals.astype(a.dtype),)


register(OpDef(
    "_arange", _arange_forward,
    params=(Param("start", Float, doc="Start of interval."),
            Param("stop", FloatOrNone, None, "End of interval."),
            Param("step", Float, 1.0, "Spacing between values."),
            Param("repeat", Int, 1, "Number of times to repeat each element."),
            Param("infer_range", Bool, False, "Infer the stop value from output shape (unused)."),
            _CTX, _dtype_param()),
    inputs=(), infer_shape=lambda a, s: [(_arange_len(a)[0],)],
    infer_type=lambda a, t: [np.dtype(a.dtype)],
    doc="Return evenly spaced values within a given interval."))


def _eye_shape(a, s):
    return [(a.N, a.M if a.M > 0 else a.N)]


register(OpDef(
    "_eye", lambda env, a, i, x: (env.xp.eye(a.N, a.M if a.M > 0 else a.N, k=a.k, dtype=a.dtype),),
    params=(Param("N", Int, doc="Number of rows in the output."),
            Param("M", Int, 0, "Number of columns in the output. If 0, defaults to N"),
            Param("k", Int, 0, "Index of the diagonal."), _CTX, _dtype_param()),
    inputs=(), infer_shape=_eye_shape, infer_type=lambda a, t: [np.dtype(a.dtype)],
    doc="Return a 2-D array with ones on the diagonal and zeros elsewhere."))


def _like(value):
    def forward(env, a, inputs, aux):
        return (env.xp.full(inputs[0].shape, value, dtype=inputs[0].dtype),)
    return forward


def _zero_grad(env, a, inputs, outputs, out_grads, req):
    return [env.xp.zeros_like(inputs[0])]


register(OpDef("zeros_like", _like(0), backward=_zero_grad,
               doc="Return an array of zeros with the same shape, type and storage type as the input."))
register(OpDef("ones_like", _like(1), backward=_zero_grad,
               doc="Return an array of ones with the same shape and type as the input."))
