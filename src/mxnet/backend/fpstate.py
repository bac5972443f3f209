"""Kernels run with NumPy's floating-point warnings off, as MXNet's C++ kernels run.

``mx.nd.log(0)`` is ``-inf`` and ``mx.nd.sigmoid(-100)`` is 0 in MXNet without a word; NumPy
kernels would print "RuntimeWarning: divide by zero encountered in log" (pointing into this
package) for the same values. The engine and the direct-run paths wrap each kernel call in
``quiet_enter()`` / ``quiet_exit(token)``: the user's own NumPy code keeps its error state. Both
are one C-level call (NumPy 2: the error state's context variable; NumPy 1.x: its thread-local
error object), cheap enough for the hottest path; ``np.errstate`` (~1.5 us) is the fallback.
"""
import functools

import numpy as np

__all__ = ["quiet_enter", "quiet_exit"]

try:                                    # NumPy 2.x
    from numpy._core._ufunc_config import _extobj_contextvar as _state
except ImportError:
    _state = None

if _state is not None:
    with np.errstate(all="ignore"):
        _QUIET = _state.get()
    # quiet_enter(): turn NumPy's floating-point warnings off, returning the token for
    # quiet_exit (a partial: no Python frame on the hot path)
    quiet_enter = functools.partial(_state.set, _QUIET)
    quiet_exit = _state.reset
elif hasattr(np, "geterrobj"):          # NumPy 1.x
    _get, _set = np.geterrobj, np.seterrobj
    with np.errstate(all="ignore"):
        _QUIET = list(np.geterrobj())

    def quiet_enter():
        """Turn NumPy's floating-point warnings off; returns the token for ``quiet_exit``."""
        old = _get()
        _set(_QUIET)
        return old

    quiet_exit = _set
else:                                   # (neither: the public, slower context manager)
    def quiet_enter():
        """Turn NumPy's floating-point warnings off; returns the token for ``quiet_exit``."""
        scope = np.errstate(all="ignore")
        scope.__enter__()
        return scope

    def quiet_exit(scope):
        scope.__exit__(None, None, None)
