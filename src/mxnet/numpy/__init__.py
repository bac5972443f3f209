"""``mx.np``: MXNet's NumPy-compatible array API (``from mxnet import np, npx; npx.set_np()``).

Arrays are :class:`ndarray` (a subclass of the classic NDArray with NumPy semantics); functions
follow NumPy's names, signatures, broadcasting and 0-d results, with MXNet's dtype defaults
(float32 for arrays made from Python numbers)."""
import builtins as _builtins

import numpy as _onp

from ._core import ndarray
from .multiarray import *  # noqa: F401,F403
from . import multiarray as _ma
from . import random, linalg  # noqa: F401

# constants and dtypes (MXNet's np exposes NumPy's)
pi, e, inf, nan, newaxis = _onp.pi, _onp.e, _onp.inf, _onp.nan, None
NAN = NaN = _onp.nan
NINF, PINF = -_onp.inf, _onp.inf
NZERO, PZERO = -0.0, 0.0
euler_gamma = _onp.euler_gamma
bool = _builtins.bool
bool_ = _onp.bool_
int8, int32, int64, uint8 = _onp.int8, _onp.int32, _onp.int64, _onp.uint8
float16, float32, float64 = _onp.float16, _onp.float32, _onp.float64
finfo, iinfo, dtype = _onp.finfo, _onp.iinfo, _onp.dtype
integer, floating, number, generic, inexact, signedinteger, unsignedinteger = (
    _onp.integer, _onp.floating, _onp.number, _onp.generic, _onp.inexact, _onp.signedinteger,
    _onp.unsignedinteger)

for _n in dir(_ma):
    if not _n.startswith("_") and callable(getattr(_ma, _n)) and _n not in globals():
        globals()[_n] = getattr(_ma, _n)
max, min, round, abs, sum, all, any = _ma.max, _ma.min, _ma.round, _ma.abs, _ma.sum, _ma.all, _ma.any
del _n
