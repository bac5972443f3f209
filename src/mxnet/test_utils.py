"""mx.test_utils: helpers for testing MXNet programs and operators.

- Tolerances by dtype (``default_rtols``/``default_atols``/``get_tols``) and comparisons
  (``almost_equal``, ``assert_almost_equal`` and variants) on NDArrays, NumPy arrays or scalars.
- Random shapes and arrays (``rand_shape_nd``, ``rand_ndarray``, ``random_arrays``), NumPy
  references (``np_reduce``, ``collapse_sum_like``), matrices with known spectra.
- Operator checks: ``check_numeric_gradient``, ``check_symbolic_forward``,
  ``check_symbolic_backward``, ``simple_forward``. ``sym`` is a :class:`~mxnet.symbol.Symbol`
  (run through ``bind``), or a registry operator: its name, its :class:`OpDef`, or a pair
  ``(name_or_opdef, {param: value})`` (run directly through the registry's forward/backward).
  Both are wrapped in a small "target" object (``_OpTarget``/``_SymbolTarget``) so every check is
  written once.
- Statistical checks of random generators (``chi_square_check``, ``verify_generator``,
  ``mean_check``, ``var_check``) without SciPy.
"""
import contextlib
import functools
import math
import os
import platform
import sys
import time
from collections import OrderedDict  # noqa: F401  (re-exported, as in MXNet)
from contextlib import contextmanager  # noqa: F401

import numpy as np

from .base import MXNetError
from .context import Context, current_context
from .ndarray import NDArray, array
from .ndarray import utils as _nd_utils
from .symbol import Symbol

__all__ = [
    "default_context", "set_default_context", "default_dtype", "default_rtols", "default_atols",
    "default_numeric_eps", "effective_dtype", "get_tolerance", "get_tols", "get_rtol", "get_atol",
    "get_etol", "checkShapes", "locationError", "almost_equal", "assert_almost_equal",
    "assert_almost_equal_with_err", "assert_almost_equal_ignore_nan", "assert_allclose", "same",
    "same_array", "compare_ndarray_tuple", "collapse_sum_like", "assert_exception", "retry",
    "environment", "getenv", "setenv", "discard_stderr", "list_gpus", "is_op_runnable",
    "has_tvm_ops", "is_cd_run", "is_aarch64_run", "get_cuda_compute_capability", "rand_shape_2d",
    "rand_shape_3d", "rand_shape_nd", "rand_coord_2d", "random_arrays", "random_uniform_arrays",
    "random_sample", "rand_ndarray", "rand_sparse_ndarray", "create_sparse_array",
    "create_sparse_array_zd", "shuffle_csr_column_indices", "create_vector", "create_2d_tensor",
    "get_identity_mat", "get_identity_mat_batch", "np_reduce", "assign_each", "assign_each2",
    "new_orthonormal_matrix_2d", "new_matrix_with_real_eigvals_2d",
    "new_matrix_with_real_eigvals_nd", "new_sym_matrix_with_real_eigvals_2d",
    "new_sym_matrix_with_real_eigvals_nd", "numeric_grad", "check_numeric_gradient",
    "check_symbolic_forward", "check_symbolic_backward", "simple_forward", "check_speed",
    "check_consistency", "gen_buckets_probs_with_ppf", "chi_square_check", "verify_generator",
    "mean_check", "var_check", "DummyIter", "current_context", "array", "Symbol",
    "same_symbol_structure", "use_np", "download", "get_mnist", "get_mnist_ubyte", "get_mnist_pkl",
    "get_mnist_iterator", "get_cifar10", "get_bz2_data", "get_zip_data", "download_model",
    "get_im2rec_path", "compare_optimizer", "check_gluon_hybridize_consistency", "np_symbol",
    "Features",
]

# -- contexts and dtypes -------------------------------------------------------------------------

_default_ctx = []   # the context installed by set_default_context (bottom of the context stack)


def default_context():
    """The context tests run on: the current default context (``mx.current_context()``)."""
    return current_context()


def set_default_context(ctx):
    """Make ``ctx`` the default context of this thread (what ``mx.current_context()`` returns
    outside any ``with ctx:`` block)."""
    if not isinstance(ctx, Context):
        raise TypeError("set_default_context: expected a Context, got {}".format(type(ctx).__name__))
    from . import context as _context
    setter = getattr(_context, "set_default_context", None)
    if setter is not None:
        setter(ctx)
        return
    stack = _context._ctx_stack()
    if _default_ctx and stack and stack[0] is _default_ctx[0]:
        stack[0] = ctx
    else:
        stack.insert(0, ctx)
    _default_ctx[:] = [ctx]


def default_dtype():
    """The default floating point type of test data (float32)."""
    return np.float32


def default_rtols():
    """Relative tolerances by dtype used when none is given."""
    return {np.dtype(np.float16): 1e-2, np.dtype(np.float32): 1e-4, np.dtype(np.float64): 1e-5,
            np.dtype(np.bool_): 0, np.dtype(np.int8): 0, np.dtype(np.uint8): 0,
            np.dtype(np.int32): 0, np.dtype(np.uint32): 0, np.dtype(np.int64): 0,
            np.dtype(np.uint64): 0}


def default_atols():
    """Absolute tolerances by dtype used when none is given."""
    return {np.dtype(np.float16): 1e-1, np.dtype(np.float32): 1e-3, np.dtype(np.float64): 1e-20,
            np.dtype(np.bool_): 0, np.dtype(np.int8): 0, np.dtype(np.uint8): 0,
            np.dtype(np.int32): 0, np.dtype(np.uint32): 0, np.dtype(np.int64): 0,
            np.dtype(np.uint64): 0}


def default_numeric_eps():
    """Finite-difference step by dtype for ``check_numeric_gradient``."""
    return {np.dtype(np.float16): 1.0 / 2 ** 6, np.dtype(np.float32): 1.0 / 2 ** 9,
            np.dtype(np.float64): 1.0 / 2 ** 14}


def effective_dtype(dat):
    """The dtype whose precision ``dat`` was computed with."""
    dt = getattr(dat, "dtype", None)
    if dt is None:
        dt = np.asarray(dat).dtype
    return np.dtype(dt)


def _tol_for(dtype, table):
    dtype = np.dtype(dtype)
    if dtype in table:
        return table[dtype]
    return table[np.dtype(np.float64)] if dtype.kind == "f" else 0


def get_tolerance(dat, tol, default_tol):
    """``tol`` if given, else the default for the dtype of ``dat``."""
    return tol if tol is not None else _tol_for(effective_dtype(dat), default_tol)


def get_tols(x, y, rtol, atol):
    """(rtol, atol) for comparing x with y: the looser default of the two dtypes."""
    rtol = max(get_tolerance(x, rtol, default_rtols()), get_tolerance(y, rtol, default_rtols()))
    atol = max(get_tolerance(x, atol, default_atols()), get_tolerance(y, atol, default_atols()))
    return rtol, atol


def get_rtol(rtol=None, dtype=np.dtype(np.float64)):
    """``rtol`` or the default relative tolerance of ``dtype``."""
    return rtol if rtol is not None else _tol_for(dtype, default_rtols())


def get_atol(atol=None, dtype=np.dtype(np.float64)):
    """``atol`` or the default absolute tolerance of ``dtype``."""
    return atol if atol is not None else _tol_for(dtype, default_atols())


def get_etol(etol=None):
    """``etol`` (the fraction of elements allowed to mismatch) or 0."""
    return 0 if etol is None else etol


# -- comparisons ---------------------------------------------------------------------------------


def _as_np(a):
    if isinstance(a, NDArray):
        return a.asnumpy()
    if isinstance(a, np.ndarray):
        return a
    to = getattr(a, "asnumpy", None)
    if to is not None:
        return to()
    return np.asarray(a)


def checkShapes(a, b):
    """Raise AssertionError if ``a`` and ``b`` differ in shape."""
    if a.shape != b.shape:
        msg = "Items are not equal: a.shape = {} and b.shape = {} are not equal".format(a.shape, b.shape)
        raise AssertionError(_err_msg(msg, a, b))


def locationError(a, b, index, names, maxError=False):
    """'Location of [maximum ]error: (i, j), a=..., b=...' for the element at ``index``."""
    index = tuple(int(i) for i in index)
    return "Location of {}error: {}, {}={:.8f}, {}={:.8f}".format(
        "maximum " if maxError else "", index, names[0], float(a[index]), names[1], float(b[index]))


def _short_repr(x):
    lines = repr(x).splitlines()
    if len(lines) > 3:
        lines = lines[:3]
        lines[-1] += "..."
    return "\n".join(lines)


def _err_msg(header, a, b):
    return "\n{}\n ACTUAL: {}\n DESIRED: {}".format(header, _short_repr(a), _short_repr(b))


def almost_equal(a, b, rtol=None, atol=None, equal_nan=False, use_broadcast=True):
    """True when ``|a - b| <= atol + rtol * |b|`` everywhere (defaults: rtol 1e-5, atol 1e-20)."""
    a, b = _as_np(a), _as_np(b)
    if not use_broadcast:
        checkShapes(a, b)
    return bool(np.allclose(a, b, rtol=get_rtol(rtol), atol=get_atol(atol), equal_nan=equal_nan))


def _relative_errors(a, b, rtol, atol, equal_nan):
    """|a - b| / (atol + rtol * |b|) broadcast, with NaNs where exactly one side is NaN."""
    a64 = a.astype(np.float64) if a.dtype.kind in "biuf" else a
    b64 = b.astype(np.float64) if b.dtype.kind in "biuf" else b
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(a64 - b64) / np.maximum(atol + rtol * np.abs(b64), 1e-20)
        if equal_nan:
            both = np.isnan(a64) & np.isnan(b64)
            err = np.where(both, 0.0, err)
        err = np.where(np.isinf(a64) & np.isinf(b64) & (a64 == b64), 0.0, err)
    return err


def _compare(a, b, rtol, atol, names, equal_nan, use_broadcast, mismatches, etol=0.0):
    a, b = _as_np(a), _as_np(b)
    if not use_broadcast:
        checkShapes(a, b)
    close = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)
    frac = 1.0 - float(np.mean(close)) if close.size else 0.0
    if close.all() or (etol and frac <= etol):
        return
    err = np.broadcast_to(_relative_errors(a, b, rtol, atol, equal_nan), close.shape)
    ab, bb = np.broadcast_to(a, close.shape), np.broadcast_to(b, close.shape)
    order = np.argsort(-np.where(np.isnan(err), np.inf, err), axis=None, kind="stable")
    limit = sum(mismatches) if mismatches else None
    bad = int(close.size - np.count_nonzero(close))
    shown = [np.unravel_index(i, close.shape) for i in order[:mismatches[0] if mismatches else 10]]
    shown = [i for i in shown if not close[i]]
    worst = shown[0] if shown else np.unravel_index(order[0], close.shape)
    if limit is not None and bad >= limit:
        mismatch = "mismatch at least {:f}%".format(100.0 * limit / close.size)
    else:
        mismatch = "mismatch {:f}%".format(100.0 * bad / close.size)
    if etol:
        mismatch += ", etol {:f}%".format(100.0 * etol)
    header = "Items are not equal:\nError {:f} exceeds tolerance rtol={:e}, atol={:e} ({}).\n{}".format(
        float(err[worst]), rtol, atol, mismatch, locationError(ab, bb, worst, names, maxError=True))
    # (MXNet prints the worst elements and raises with the summary alone)
    print("\n*** Maximum errors for vector of size {}:  rtol={}, atol={}\n".format(close.size, rtol, atol))
    for k, idx in enumerate(shown, 1):
        print("{:3d}: Error {:f}  {}".format(k, float(err[idx]), locationError(ab, bb, idx, names)))
    raise AssertionError(_err_msg(header, a, b))


def assert_almost_equal(a, b, rtol=None, atol=None, names=("a", "b"), equal_nan=False,
                        use_broadcast=True, mismatches=(10, 10)):
    """Assert ``|a - b| <= atol + rtol * |b|`` elementwise.

    ``a``/``b``: NDArrays, NumPy arrays or scalars. Default tolerances depend on the dtypes (the
    looser of the two; see ``default_rtols``/``default_atols``). On failure the AssertionError
    names the largest relative error, its location and the share of mismatching elements; up to
    ``mismatches[0]`` of the worst elements are printed first (as MXNet does)."""
    rtol, atol = get_tols(a, b, rtol, atol)
    _compare(a, b, rtol, atol, names, equal_nan, use_broadcast, mismatches)


def assert_almost_equal_with_err(a, b, rtol=None, atol=None, etol=None, names=("a", "b"),
                                 equal_nan=False, mismatches=(10, 10)):
    """Like ``assert_almost_equal`` but passes if at most a fraction ``etol`` of the elements
    mismatch."""
    rtol, atol = get_tols(a, b, rtol, atol)
    _compare(a, b, rtol, atol, names, equal_nan, True, mismatches, etol=get_etol(etol))


def assert_almost_equal_ignore_nan(a, b, rtol=None, atol=None, names=("a", "b")):
    """``assert_almost_equal`` ignoring positions where either side is NaN."""
    a = np.array(_as_np(a), copy=True)
    b = np.array(_as_np(b), copy=True)
    mask = np.isnan(a) | np.isnan(b)
    if mask.shape == a.shape:
        a[mask] = 0
    if mask.shape == b.shape:
        b[mask] = 0
    assert_almost_equal(a, b, rtol, atol, names)


def assert_allclose(a, b, rtol=1e-07, atol=0, equal_nan=True):
    """``numpy.testing.assert_allclose`` semantics (NaNs equal by default) with MXNet's report."""
    _compare(a, b, rtol, atol, ("a", "b"), equal_nan, True, (10, 10))


def same(a, b):
    """True when ``a`` and ``b`` have equal shapes and elements (dtypes may differ)."""
    return bool(np.array_equal(_as_np(a), _as_np(b)))


def same_array(array1, array2):
    """True when two NDArrays share memory (a write to one shows in the other)."""
    if array1.shape != array2.shape:
        return False
    array1 += 1
    shared = same(array1.asnumpy(), array2.asnumpy())
    array1 -= 1
    return shared


def compare_ndarray_tuple(t1, t2, rtol=None, atol=None):
    """Compare (nested) tuples of NDArrays elementwise; ``None`` entries are skipped."""
    if t1 is None or t2 is None:
        return
    if isinstance(t1, tuple):
        for s1, s2 in zip(t1, t2):
            compare_ndarray_tuple(s1, s2, rtol, atol)
    else:
        assert_almost_equal(t1, t2, rtol=rtol, atol=atol)


def same_symbol_structure(sym1, sym2):
    """True when two Symbols have the same graph: the same operators, in the same order, wired
    the same way (names and parameters are ignored)."""
    import json

    def structure(sym):
        g = json.loads(sym.tojson())
        nodes = [(n["op"], [tuple(e[:2]) for e in n["inputs"]]) for n in g["nodes"]]
        return nodes, [tuple(h[:2]) for h in g["heads"]]
    return structure(sym1) == structure(sym2)


def collapse_sum_like(a, shape):
    """Sum ``a`` over the axes broadcast from ``shape`` (the gradient of a broadcast)."""
    a = _as_np(a)
    shape = tuple(shape)
    if len(a.shape) < len(shape):
        raise ValueError("collapse_sum_like: cannot collapse shape {} to {}".format(a.shape, shape))
    if a.size == 0 or int(np.prod(shape)) == 0:
        return np.zeros(shape, dtype=a.dtype)
    lead = a.ndim - len(shape)
    axes = list(range(lead))
    for i, s in enumerate(shape):
        if s != a.shape[lead + i]:
            if s != 1:
                raise ValueError("collapse_sum_like: cannot collapse shape {} to {}".format(a.shape, shape))
            axes.append(lead + i)
    return np.sum(a, axis=tuple(axes)).reshape(shape)


# -- test-running helpers ------------------------------------------------------------------------


def assert_exception(f, exception_type, *args, **kwargs):
    """Assert that ``f(*args, **kwargs)`` raises ``exception_type`` (other errors propagate)."""
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError("{} did not raise {}".format(getattr(f, "__name__", f), exception_type.__name__))


def retry(n):
    """Decorator: run a flaky test up to ``n`` times until it passes (AssertionError = fail)."""
    if n < 1:
        raise ValueError("retry: n must be at least 1")

    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            for i in range(n):
                try:
                    return f(*args, **kwargs)
                except AssertionError:
                    if i == n - 1:
                        raise
        return wrapper
    return decorate


def getenv(name):
    """The value of environment variable ``name`` or None."""
    return os.environ.get(name)


def setenv(name, value):
    """Set (or with ``value=None`` unset) environment variable ``name``."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = str(value)


@contextlib.contextmanager
def environment(*args):
    """Set environment variables for a block: ``environment(name, value)`` or
    ``environment({name: value, ...})``; ``None`` unsets. Restores the old values after."""
    if len(args) == 2:
        new = {args[0]: args[1]}
    elif len(args) == 1 and isinstance(args[0], dict):
        new = dict(args[0])
    else:
        raise ValueError("environment: expected (name, value) or a dict, got {!r}".format(args))
    old = {k: os.environ.get(k) for k in new}
    try:
        for k, v in new.items():
            setenv(k, v)
        yield
    finally:
        for k, v in old.items():
            setenv(k, v)


@contextlib.contextmanager
def discard_stderr():
    """Silence everything written to standard error inside the block: file descriptor 2 (C
    libraries) and ``sys.stderr``."""
    try:
        sys.stderr.flush()
    except (AttributeError, ValueError, OSError):
        pass
    saved_fd = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    saved_stream = sys.stderr
    sink = open(os.devnull, "w")
    try:
        os.dup2(devnull, 2)
        sys.stderr = sink
        yield
    finally:
        sys.stderr = saved_stream
        sink.close()
        os.dup2(saved_fd, 2)
        os.close(saved_fd)
        os.close(devnull)


def list_gpus():
    """Indices of the visible GPUs (``range(0)`` without CuPy or GPU)."""
    from .context import num_gpus
    return range(num_gpus())


def is_op_runnable():
    """Whether operators can run on the default context (always True here)."""
    return True


def has_tvm_ops():
    """TVM-generated operators are not part of neomx."""
    return False


def is_cd_run():
    """Whether running in MXNet's continuous-delivery pipeline (env ``CD_JOB=1``)."""
    return os.environ.get("CD_JOB") == "1"


def is_aarch64_run():
    return platform.machine() == "aarch64"


def get_cuda_compute_capability(ctx):
    """Compute capability of a GPU context as an int (e.g. 80 for 8.0)."""
    if ctx.device_type != "gpu":
        raise ValueError("Expecting a gpu context to get cuda arch, got {}".format(ctx))
    from .backend import for_context
    xp = for_context(ctx).xp
    return int(xp.cuda.Device(ctx.device_id).compute_capability)


# -- random shapes and data ----------------------------------------------------------------------


def _rand_dim(dim, allow_zero_size):
    return int(np.random.randint(0 if allow_zero_size else 1, dim + 1))


def rand_shape_2d(dim0=10, dim1=10, allow_zero_size=False):
    """A random 2-D shape with dims in [1, dim] ([0, dim] with ``allow_zero_size``)."""
    return _rand_dim(dim0, allow_zero_size), _rand_dim(dim1, allow_zero_size)


def rand_shape_3d(dim0=10, dim1=10, dim2=10, allow_zero_size=False):
    """A random 3-D shape with dims in [1, dim]."""
    return (_rand_dim(dim0, allow_zero_size), _rand_dim(dim1, allow_zero_size),
            _rand_dim(dim2, allow_zero_size))


def rand_shape_nd(num_dim, dim=10, allow_zero_size=False):
    """A random ``num_dim``-D shape with dims in [1, dim]."""
    low = 0 if allow_zero_size else 1
    return tuple(int(d) for d in np.random.randint(low, dim + 1, size=num_dim))


def rand_coord_2d(x_low, x_high, y_low, y_high):
    """A random integer point with x in [x_low, x_high) and y in [y_low, y_high)."""
    return int(np.random.randint(x_low, x_high)), int(np.random.randint(y_low, y_high))


def random_arrays(*shapes):
    """Standard normal NumPy arrays (float32) of the given shapes; one array for one shape."""
    arrays = [np.asarray(np.random.randn(*s)).astype(default_dtype()) for s in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def random_uniform_arrays(*shapes, **kwargs):
    """Uniform NumPy arrays in [low, high) (keywords ``low=0``, ``high=1``, ``dtype``); a list."""
    low = kwargs.pop("low", 0.0)
    high = kwargs.pop("high", 1.0)
    dtype = kwargs.pop("dtype", default_dtype())
    if kwargs:
        raise TypeError("random_uniform_arrays: unexpected arguments {}".format(sorted(kwargs)))
    return [np.random.uniform(low, high, size=s).astype(dtype) for s in shapes]


def random_sample(population, k):
    """``k`` distinct elements of ``population`` in random order (uses ``np.random``)."""
    items = list(population)
    np.random.shuffle(items)
    return items[:k]


def rand_ndarray(shape, stype="default", density=None, dtype=None, modifier_func=None,
                 shuffle_csr_indices=False, distribution=None, ctx=None):
    """A random NDArray of ``shape``: standard normal values for ``stype='default'``, else a
    sparse array from ``rand_sparse_ndarray`` (without its parts)."""
    if stype != "default":
        return rand_sparse_ndarray(shape, stype, density=density, dtype=dtype, distribution=distribution,
                                   modifier_func=modifier_func, shuffle_csr_indices=shuffle_csr_indices,
                                   ctx=ctx)[0]
    return array(random_arrays(shape), ctx=ctx or default_context(), dtype=dtype)


def rand_sparse_ndarray(shape, stype, density=None, dtype=None, distribution=None, data_init=None,
                        rsp_indices=None, modifier_func=None, shuffle_csr_indices=False, ctx=None):
    """A random sparse NDArray and its parts: ``row_sparse`` -> ``(arr, (values, row indices))``,
    ``csr`` (2-D) -> ``(arr, (indptr, indices, data))``. ``density``: the expected fraction of
    rows (row_sparse) or entries (csr) stored, random if None; values uniform in [0, 1), or
    ``data_init``; ``rsp_indices`` fixes the rows; ``modifier_func`` maps the stored values;
    ``shuffle_csr_indices`` shuffles the column indices within each row. Uses ``np.random``."""
    from .ndarray import sparse
    density = np.random.rand() if density is None else density
    dtype = np.dtype(np.float32 if dtype is None else dtype)
    ctx = ctx or default_context()
    if stype == "row_sparse":
        if rsp_indices is not None:
            idx = np.unique(np.asarray(rsp_indices, dtype=np.int64))
        else:
            idx = np.nonzero(np.random.rand(shape[0]) < density)[0].astype(np.int64)
        vals = _sparse_values((len(idx),) + tuple(shape[1:]), dtype, data_init, modifier_func)
        arr = sparse.row_sparse_array((vals, idx), shape=shape, ctx=ctx, dtype=dtype)
        return arr, (array(vals, ctx=ctx, dtype=dtype), array(idx, ctx=ctx, dtype=np.int64))
    if stype == "csr":
        if len(shape) != 2:
            raise MXNetError("rand_sparse_ndarray: csr needs a 2-D shape, got {}".format(tuple(shape)))
        rows, cols = np.nonzero(np.random.rand(*shape) < density)
        vals = _sparse_values((len(cols),), dtype, data_init, modifier_func)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=shape[0]))]).astype(np.int64)
        arr = sparse.csr_matrix((vals, cols.astype(np.int64), indptr), shape=shape, ctx=ctx, dtype=dtype)
        if shuffle_csr_indices:
            arr = shuffle_csr_column_indices(arr)
        return arr, (arr.indptr, arr.indices, arr.data)
    raise MXNetError("rand_sparse_ndarray: unknown storage type {!r} (row_sparse or csr)".format(stype))


def _sparse_values(shape, dtype, data_init, modifier_func):
    vals = np.full(shape, data_init, dtype) if data_init is not None else np.random.rand(*shape).astype(dtype)
    if modifier_func is not None:
        vals = np.asarray(modifier_func(vals), dtype=dtype)
    return vals


def create_sparse_array(shape, stype, data_init=None, rsp_indices=None, dtype=None,
                        modifier_func=None, density=0.5, shuffle_csr_indices=False):
    """A random sparse NDArray (``rand_sparse_ndarray`` without its parts)."""
    return rand_sparse_ndarray(shape, stype, density=density, dtype=dtype, data_init=data_init,
                               rsp_indices=rsp_indices, modifier_func=modifier_func,
                               shuffle_csr_indices=shuffle_csr_indices)[0]


def create_sparse_array_zd(shape, stype, density, data_init=None, rsp_indices=None, dtype=None,
                           modifier_func=None, shuffle_csr_indices=False):
    """``create_sparse_array`` with a given ``density`` (0 allowed: an empty sparse array)."""
    return create_sparse_array(shape, stype, data_init=data_init, rsp_indices=rsp_indices, dtype=dtype,
                               modifier_func=modifier_func, density=density,
                               shuffle_csr_indices=shuffle_csr_indices)


def shuffle_csr_column_indices(csr):
    """The CSR array with the (column index, value) pairs of each row in random order: the same
    matrix with unordered indices, which CSR allows. Uses ``np.random``."""
    from .ndarray import sparse
    indptr = csr.indptr.asnumpy()
    indices, data = csr.indices.asnumpy().copy(), csr.data.asnumpy().copy()
    for r in range(len(indptr) - 1):
        lo, hi = indptr[r], indptr[r + 1]
        perm = lo + np.random.permutation(hi - lo)
        indices[lo:hi], data[lo:hi] = indices[perm], data[perm]
    return sparse.csr_matrix((data, indices, indptr), shape=csr.shape, ctx=csr.context, dtype=csr.dtype)


def create_vector(size, dtype=np.int64):
    """The NDArray ``[0, 1, ..., size - 1]``."""
    return _nd_utils.arange(0, size, dtype=dtype)


def create_2d_tensor(rows, columns, dtype=np.int64):
    """A (rows, columns) NDArray whose row ``i`` is filled with ``i``."""
    a = np.broadcast_to(np.arange(rows).reshape(rows, 1), (rows, columns))
    return array(a, dtype=dtype)


def get_identity_mat(size):
    """The (size, size) float32 identity NDArray."""
    return array(np.identity(size))


def get_identity_mat_batch(size):
    """A batch of two (size, size) identity matrices as an NDArray."""
    return array(np.tile(np.identity(size), (2, 1, 1)))


def np_reduce(dat, axis, keepdims, numpy_reduce_func):
    """Reduce ``dat`` over ``axis`` (int, tuple, or None for all) one axis at a time with
    ``numpy_reduce_func`` (e.g. ``np.sum``); a NumPy reference for reduction operators."""
    if isinstance(axis, int):
        axes = [axis]
    else:
        axes = list(axis) if axis is not None else list(range(len(dat.shape)))
    nd = len(dat.shape)
    axes = [a + nd if a < 0 and a + nd >= 0 else a for a in axes]
    ret = dat
    for i in reversed(sorted(axes)):
        ret = numpy_reduce_func(ret, axis=i)
    if keepdims:
        shape = list(dat.shape)
        for i in axes:
            shape[i] = 1
        ret = np.asarray(ret).reshape(tuple(shape))
    return ret


def assign_each(the_input, function):
    """``function`` applied to each element of a NumPy array."""
    the_input = np.asarray(the_input)
    out = np.array([function(x) for x in the_input.flat])
    return out.reshape(the_input.shape)


def assign_each2(input1, input2, function):
    """``function`` applied to pairs of elements of two same-shape NumPy arrays."""
    input1, input2 = np.asarray(input1), np.asarray(input2)
    if input1.shape != input2.shape:
        raise ValueError("assign_each2: shapes {} and {} differ".format(input1.shape, input2.shape))
    out = np.array([function(x, y) for x, y in zip(input1.flat, input2.flat)])
    return out.reshape(input1.shape)


def new_orthonormal_matrix_2d(n):
    """A random (n, n) orthonormal float64 matrix."""
    q, r = np.linalg.qr(np.random.randn(n, n))
    return q * np.sign(np.diag(r))


def _eigvals(n):
    # Well-conditioned: |eigenvalues| in [0.5, 1.5], random signs.
    return np.random.uniform(0.5, 1.5, n) * np.where(np.random.rand(n) < 0.5, -1.0, 1.0)


def new_matrix_with_real_eigvals_2d(n):
    """A random well-conditioned, non-symmetric (n, n) matrix with real eigenvalues."""
    p = np.eye(n) + 0.2 * new_orthonormal_matrix_2d(n) * np.random.uniform(-1, 1, (n, n))
    return p.dot(np.diag(_eigvals(n))).dot(np.linalg.inv(p))


def new_sym_matrix_with_real_eigvals_2d(n):
    """A random well-conditioned symmetric (n, n) matrix."""
    q = new_orthonormal_matrix_2d(n)
    return q.dot(np.diag(_eigvals(n))).dot(q.T)


def _batched(shape, make):
    shape = tuple(shape)
    if len(shape) < 2 or shape[-1] != shape[-2]:
        raise ValueError("expected a shape (..., n, n), got {}".format(shape))
    n = shape[-1]
    out = np.empty(shape)
    for idx in np.ndindex(*shape[:-2]):
        out[idx] = make(n)
    return out


def new_matrix_with_real_eigvals_nd(shape):
    """A batch (..., n, n) of matrices from ``new_matrix_with_real_eigvals_2d``."""
    return _batched(shape, new_matrix_with_real_eigvals_2d)


def new_sym_matrix_with_real_eigvals_nd(shape):
    """A batch (..., n, n) of matrices from ``new_sym_matrix_with_real_eigvals_2d``."""
    return _batched(shape, new_sym_matrix_with_real_eigvals_2d)


# -- operator checks: targets --------------------------------------------------------------------


class _OpTarget:
    """A registry operator run directly: ``op.forward`` / ``op.backward`` on raw arrays."""

    def __init__(self, op, params, ctx, n_args=None):
        from .ops.registry import get_op, OpDef
        self.op = op if isinstance(op, OpDef) else get_op(op)
        params = dict(params or {})
        if self.op.key_var_num_args is not None and self.op.key_var_num_args not in params \
                and n_args is not None:
            params[self.op.key_var_num_args] = n_args
        self.attrs = self.op.parse(params)
        self.ctx = ctx
        self.arg_names = self.op.input_names(self.attrs)
        self.aux_names = self.op.aux_names(self.attrs)
        n_vis = self.op.num_visible_outputs(self.attrs)
        self.output_names = ["{}_{}".format(self.op.name, n)
                             for n in self.op.output_names(self.attrs)[:n_vis]]
        self._n_vis = n_vis

    def aux_shapes(self, args):
        _, _, aux = self.op.infer_shapes(self.attrs, [args[n].shape for n in self.arg_names],
                                         [None] * len(self.aux_names))
        return aux

    def _env(self, is_train):
        from .backend import for_context
        from .ops.registry import OpEnv
        b = for_context(self.ctx)
        return b, OpEnv(b.xp, is_train, self.ctx)

    def _run(self, b, env, args, aux):
        from .backend import to_numpy
        ins = [b.asarray(args[n]) for n in self.arg_names]
        auxs = [b.asarray(aux[n]) for n in self.aux_names]   # fresh copies: kernels may update them
        with b.device_scope():
            outs = self.op.forward(env, self.attrs, ins, auxs)
        return ins, [np.asarray(to_numpy(o)) for o in outs]

    def forward(self, args, aux, is_train):
        b, env = self._env(is_train)
        return self._run(b, env, args, aux)[1][:self._n_vis]

    def backward(self, args, aux, out_grads, grad_names, is_train=True):
        from .backend import to_numpy
        b, env = self._env(is_train)
        ins, outs = self._run(b, env, args, aux)
        heads = [b.asarray(np.asarray(g, dtype=o.dtype).reshape(o.shape)) for g, o in zip(out_grads, outs)]
        heads += [b.xp.zeros(o.shape, o.dtype) for o in outs[len(heads):]]
        req = [n in grad_names for n in self.arg_names]
        if self.op.backward is None:
            grads = [None] * len(ins)
        else:
            with b.device_scope():
                grads = self.op.backward(env, self.attrs, ins, [b.asarray(o) for o in outs], heads, req)
        res = {}
        for n, x, g, r in zip(self.arg_names, ins, grads, req):
            if r:
                res[n] = (np.zeros(x.shape, x.dtype) if g is None
                          else np.asarray(to_numpy(g)).astype(x.dtype, copy=False).reshape(x.shape))
        return outs[:self._n_vis], res

    def ndarray_outputs(self, outs):
        return [array(o, ctx=self.ctx, dtype=o.dtype) for o in outs]


class _SymbolTarget:
    """A Symbol run through ``bind`` (one executor per argument dtype signature)."""

    def __init__(self, sym, ctx):
        self.sym = sym
        self.ctx = ctx
        self.arg_names = sym.list_arguments()
        self.aux_names = sym.list_auxiliary_states()
        self.output_names = sym.list_outputs()
        self.last_exec = None
        self._cache = {}

    def aux_shapes(self, args):
        return self.sym.infer_shape(**{n: args[n].shape for n in self.arg_names})[2]

    def _bind(self, args, aux, grad_names):
        key = (tuple((n, args[n].shape, args[n].dtype.str) for n in self.arg_names),
               tuple((n, aux[n].shape, aux[n].dtype.str) for n in self.aux_names), tuple(grad_names))
        ex = self._cache.get(key)
        if ex is None:
            nd_args = {n: array(args[n], ctx=self.ctx, dtype=args[n].dtype) for n in self.arg_names}
            nd_aux = {n: array(aux[n], ctx=self.ctx, dtype=aux[n].dtype) for n in self.aux_names}
            grads = {n: _nd_utils.zeros(args[n].shape, self.ctx, args[n].dtype) for n in grad_names}
            reqs = {n: ("write" if n in grad_names else "null") for n in self.arg_names}
            ex = self.sym.bind(self.ctx, nd_args, args_grad=grads or None, grad_req=reqs,
                               aux_states=nd_aux or None)
            self._cache[key] = ex
        else:
            for n in self.arg_names:
                ex.arg_dict[n][:] = args[n]
            for n in self.aux_names:   # kernels may have updated them: restore
                ex.aux_dict[n][:] = aux[n]
        self.last_exec = ex
        return ex

    def forward(self, args, aux, is_train):
        ex = self._bind(args, aux, ())
        return [o.asnumpy() for o in ex.forward(is_train=is_train)]

    def backward(self, args, aux, out_grads, grad_names, is_train=True):
        ex = self._bind(args, aux, grad_names)
        outs = [o.asnumpy() for o in ex.forward(is_train=is_train)]
        heads = [array(np.asarray(g).reshape(o.shape), ctx=self.ctx, dtype=o.dtype)
                 for g, o in zip(out_grads, outs)]
        ex.backward(heads)
        return outs, {n: g.asnumpy() for n, g in ex.grad_dict.items() if n in grad_names}

    def ndarray_outputs(self, outs):
        if self.last_exec is not None:
            return list(self.last_exec.outputs)
        return [array(o, ctx=self.ctx, dtype=o.dtype) for o in outs]


def _target(sym, ctx, n_args=None):
    """Wrap ``sym`` (Symbol, op name, OpDef or (op, params)) for the checks below."""
    from .ops.registry import OpDef
    from .symbol import Symbol
    ctx = ctx or default_context()
    if isinstance(sym, Symbol):
        return _SymbolTarget(sym, ctx)
    if isinstance(sym, (str, OpDef)):
        return _OpTarget(sym, None, ctx, n_args)
    if isinstance(sym, tuple) and len(sym) == 2 and isinstance(sym[0], (str, OpDef)) \
            and isinstance(sym[1], dict):
        return _OpTarget(sym[0], sym[1], ctx, n_args)
    raise TypeError("expected a Symbol, an operator name, an OpDef or (operator, params), got "
                    "{}".format(type(sym).__name__))


def _n_given(location):
    return len(location) if isinstance(location, (list, tuple, dict)) else None


def _named(kind, names, values, dtype):
    """{name: NumPy array of ``dtype``} from a list (in ``names`` order) or a dict."""
    if values is None:
        values = {} if not names else None
    if values is None:
        raise ValueError("{} are required for {}".format(kind, names))
    if isinstance(values, dict):
        unknown = set(values) - set(names)
        if unknown:
            raise ValueError("{}: unknown names {}; expected {}".format(kind, sorted(unknown), names))
        missing = [n for n in names if n not in values]
        if missing:
            raise ValueError("{}: key `{}` is missing; expected {}".format(kind, missing[0], names))
        items = [(n, values[n]) for n in names]
    else:
        values = list(values)
        if len(values) != len(names):
            raise ValueError("{}: got {} arrays for {} names {}".format(kind, len(values), len(names), names))
        items = list(zip(names, values))
    out = OrderedDict()
    for n, v in items:
        v = _as_np(v)
        out[n] = np.array(v, dtype=dtype if dtype is not None else v.dtype)
    return out


def _aux_values(target, args, aux_states, dtype):
    """Auxiliary states by name; when not given: zeros (ones for variances), as initialised."""
    if aux_states is None and target.aux_names:
        shapes = target.aux_shapes(args)
        if shapes is None or any(s is None for s in shapes):
            raise ValueError("aux_states are required for {}".format(target.aux_names))
        aux_states = {n: (np.ones if n.endswith("var") else np.zeros)(s)
                      for n, s in zip(target.aux_names, shapes)}
    return _named("aux_states", target.aux_names, aux_states, dtype)


def _per_output(kind, names, values):
    if isinstance(values, dict):
        return [values[n] for n in names]
    if isinstance(values, (list, tuple)):
        return list(values)
    return [values]


def _numeric_grads(loss, location, names, eps):
    """Central differences of the scalar ``loss(location)`` w.r.t. each array in ``names``."""
    grads = {}
    for n in names:
        x = location[n]
        g = np.zeros(x.shape, dtype=np.float64)
        flat = x.reshape(-1)
        for j in range(flat.size):
            old = flat[j].copy()
            flat[j] = old + eps
            f_plus = loss(location)
            flat[j] = old - eps
            f_minus = loss(location)
            flat[j] = old
            g.flat[j] = (f_plus - f_minus) / (2 * eps)
        grads[n] = g
    return grads


def numeric_grad(executor, location, aux_states=None, eps=1e-4, use_forward_train=True,
                 dtype=np.float32):
    """Central-difference gradient of ``sum(executor.outputs[0])`` w.r.t. the arrays in
    ``location`` ({name: NumPy array}), writing them into ``executor.arg_dict``."""
    location = {k: np.array(_as_np(v), dtype=dtype) for k, v in location.items()}
    aux_states = {k: np.array(_as_np(v), dtype=dtype) for k, v in (aux_states or {}).items()}

    def loss(loc):
        for k, v in loc.items():
            executor.arg_dict[k][:] = v
        for k, v in aux_states.items():
            executor.aux_dict[k][:] = v
        executor.forward(is_train=use_forward_train)
        return float(executor.outputs[0].asnumpy().astype(np.float64).sum())

    grads = _numeric_grads(loss, location, list(location), eps)
    for k, v in location.items():
        executor.arg_dict[k][:] = v
    return {k: g.astype(dtype) for k, g in grads.items()}


def check_numeric_gradient(sym, location, aux_states=None, numeric_eps=None, rtol=None, atol=None,
                           grad_nodes=None, use_forward_train=True, ctx=None, grad_stype_dict=None,
                           dtype=np.float32):
    """Check the backward rule of ``sym`` against central finite differences.

    ``sym``: a Symbol, or a registry operator (name, OpDef, or ``(op, {param: value})``).
    ``location``: the input arrays (NumPy/NDArray), a list in argument order or a dict by name.
    The outputs are projected on random directions ``r`` (normal); the gradient of
    ``sum(r * out)`` from the backward rule (computed in ``dtype``) must match central
    differences with step ``numeric_eps``, computed in float64 for floating dtypes (in ``dtype``
    otherwise or where the operator cannot run in float64). Raises AssertionError naming
    ``NUMERICAL_<arg>`` and ``BACKWARD_<arg>`` on mismatch."""
    dtype = np.dtype(dtype)
    target = _target(sym, ctx, _n_given(location))
    args = _named("location", target.arg_names, location, dtype)
    aux = _aux_values(target, args, aux_states, dtype)
    if grad_nodes is None:
        grad_names = list(target.arg_names)
    elif isinstance(grad_nodes, dict):
        grad_names = [n for n, r in grad_nodes.items() if r != "null"]
    else:
        grad_names = list(grad_nodes)
    unknown = [n for n in grad_names if n not in target.arg_names]
    if unknown:
        raise ValueError("grad_nodes {} are not arguments of the operator; arguments are {}".format(
            unknown, target.arg_names))
    eps = numeric_eps if numeric_eps is not None else default_numeric_eps().get(dtype, 1e-4)
    rtol = get_rtol(rtol, dtype)
    atol = get_atol(atol, dtype)

    outs = target.forward(args, aux, use_forward_train)
    proj = [np.random.normal(0, 1, o.shape) for o in outs]
    _, analytic = target.backward(args, aux, [p.astype(o.dtype) for p, o in zip(proj, outs)],
                                  grad_names, is_train=True)

    def make_loss(a):
        def loss(loc):
            res = target.forward(loc, a, use_forward_train)
            return sum(float((p * r.astype(np.float64)).sum()) for p, r in zip(proj, res))
        return loss

    numeric = None
    if dtype.kind == "f" and dtype != np.float64:
        loc64 = OrderedDict((n, v.astype(np.float64)) for n, v in args.items())
        aux64 = OrderedDict((n, v.astype(np.float64)) for n, v in aux.items())
        try:
            numeric = _numeric_grads(make_loss(aux64), loc64, grad_names, eps)
        except (MXNetError, TypeError, ValueError):
            numeric = None          # the operator does not run in float64: use dtype
    if numeric is None:
        loc = OrderedDict((n, v.copy()) for n, v in args.items())
        numeric = _numeric_grads(make_loss(aux), loc, grad_names, eps)
    for n in grad_names:
        assert_almost_equal(numeric[n].astype(dtype), analytic[n], rtol, atol,
                            ("NUMERICAL_%s" % n, "BACKWARD_%s" % n))


def check_symbolic_forward(sym, location, expected, rtol=None, atol=None, aux_states=None,
                           ctx=None, equal_nan=False, dtype=np.float32):
    """Run ``sym`` forward (inference mode) on ``location`` and compare with ``expected`` (a list
    in output order or a dict by output name). Returns the outputs as NDArrays."""
    target = _target(sym, ctx, _n_given(location))
    args = _named("location", target.arg_names, location, dtype)
    aux = _aux_values(target, args, aux_states, dtype)
    outs = target.forward(args, aux, False)
    expected = _per_output("expected", target.output_names, expected)
    if len(expected) != len(outs):
        raise ValueError("check_symbolic_forward: {} expected arrays for {} outputs {}".format(
            len(expected), len(outs), target.output_names))
    for name, e, o in zip(target.output_names, expected, outs):
        assert_almost_equal(e, o, rtol, atol, ("EXPECTED_%s" % name, "FORWARD_%s" % name),
                            equal_nan=equal_nan)
    return target.ndarray_outputs(outs)


def check_symbolic_backward(sym, location, out_grads, expected, rtol=None, atol=None,
                            aux_states=None, grad_req="write", ctx=None, grad_stypes=None,
                            equal_nan=False, dtype=np.float32):
    """Run forward (training mode) and backward with head gradients ``out_grads`` and compare
    the argument gradients with ``expected`` (a list in argument order or a dict by name;
    arguments whose ``grad_req`` is 'null' are skipped). Returns {name: gradient NDArray}."""
    target = _target(sym, ctx, _n_given(location))
    args = _named("location", target.arg_names, location, dtype)
    aux = _aux_values(target, args, aux_states, dtype)
    if isinstance(grad_req, str):
        reqs = {n: grad_req for n in target.arg_names}
    elif isinstance(grad_req, dict):
        reqs = {n: grad_req.get(n, "null") for n in target.arg_names}
    else:
        reqs = dict(zip(target.arg_names, grad_req))
    if isinstance(expected, dict):
        exp = dict(expected)
    else:
        exp = dict(zip(target.arg_names, list(expected)))
    grad_names = [n for n in target.arg_names if reqs.get(n, "null") != "null"]
    heads = _per_output("out_grads", target.output_names, out_grads)
    heads = [_as_np(h) for h in heads]
    _, grads = target.backward(args, aux, heads, grad_names, is_train=True)
    for n in grad_names:
        if n in exp and exp[n] is not None:
            assert_almost_equal(exp[n], grads[n], rtol, atol, ("EXPECTED_%s" % n, "BACKWARD_%s" % n),
                                equal_nan=equal_nan)
    return {n: array(g, ctx=target.ctx, dtype=g.dtype) for n, g in grads.items()}


def simple_forward(sym, ctx=None, is_train=False, **inputs):
    """Outputs (NumPy; one array for one output) of ``sym`` on keyword ``inputs``."""
    target = _target(sym, ctx, len(inputs))
    args = _named("inputs", target.arg_names, inputs, None)
    aux = {}
    outs = target.forward(args, aux, is_train)
    return outs[0] if len(outs) == 1 else outs


def check_speed(sym, location=None, ctx=None, N=20, grad_req=None, typ="whole", **kwargs):
    """Seconds per iteration of forward+backward (``typ='whole'``) or forward only
    (``typ='forward'``) of a Symbol on ``location`` (random normal data from ``kwargs`` shapes
    if not given)."""
    ctx = ctx or default_context()
    if grad_req is None:
        grad_req = "write"
    if location is None:
        ex = sym.simple_bind(grad_req=grad_req, ctx=ctx, **kwargs)
        location = {k: np.random.normal(size=arr.shape, scale=1.0) for k, arr in ex.arg_dict.items()}
    else:
        if not isinstance(location, dict):
            raise ValueError("check_speed: location must be a dict of arrays")
        ex = sym.simple_bind(grad_req=grad_req, ctx=ctx, **{k: v.shape for k, v in location.items()})
    for name, value in location.items():
        ex.arg_dict[name][:] = value
    if typ not in ("whole", "forward"):
        raise ValueError("check_speed: typ must be 'whole' or 'forward', got {!r}".format(typ))

    def step():
        if typ == "whole":
            ex.forward(is_train=True)
            ex.backward(out_grads=[_nd_utils.ones(o.shape, ctx, o.dtype) for o in ex.outputs])
            for g in ex.grad_arrays:
                if g is not None:
                    g.wait_to_read()
        else:
            ex.forward(is_train=False)
        for o in ex.outputs:
            o.wait_to_read()

    step()   # warm up
    tic = time.time()
    for _ in range(N):
        step()
    return (time.time() - tic) / N


def check_consistency(sym, ctx_list, scale=1.0, grad_req="write", arg_params=None, aux_params=None,
                      rtol=None, atol=None, raise_on_err=True, ground_truth=None, equal_nan=False,
                      use_uniform=False, rand_type=np.float64):
    """Run ``sym`` (or one Symbol per entry) on every entry of ``ctx_list`` (dicts of 'ctx',
    argument shapes and an optional 'type_dict') with the same random arguments, and compare
    each with the ground truth: the executor whose first output has the widest dtype (or
    ``ground_truth``, {name: array}). Predictions (``is_train=False``) are compared first; then,
    unless grad_req is 'null', a training forward and a backward whose head gradients are the
    first executor's outputs (cast to the narrowest output dtype), outputs and gradients by
    name. Returns the ground truth: the reference executor's output_dict and grad_dict."""
    if len(ctx_list) <= 1:
        raise AssertionError("check_consistency needs at least two contexts to compare")
    syms = [sym] * len(ctx_list) if isinstance(sym, Symbol) else list(sym)
    if len(syms) != len(ctx_list):
        raise AssertionError("check_consistency: {} symbols for {} contexts".format(len(syms), len(ctx_list)))
    output_names, arg_names = syms[0].list_outputs(), syms[0].list_arguments()
    exes = []
    for s, spec in zip(syms, ctx_list):
        if s.list_arguments() != arg_names or s.list_outputs() != output_names:
            raise AssertionError("check_consistency: the symbols differ in arguments or outputs")
        exes.append(s.simple_bind(grad_req=grad_req, **spec))
    arg_params = {} if arg_params is None else arg_params
    aux_params = {} if aux_params is None else aux_params
    for n, arr in sorted(exes[0].arg_dict.items()):     # (a fixed order: reproducible draws)
        if n not in arg_params:
            if use_uniform:
                v = np.random.uniform(low=-0.92 * scale, high=0.92 * scale, size=arr.shape)
            else:
                v = np.random.normal(size=arr.shape, scale=scale)
            arg_params[n] = v.astype(rand_type)
    for n in exes[0].aux_dict:
        aux_params.setdefault(n, 0)
    for ex in exes:
        for n, arr in ex.arg_dict.items():
            arr[:] = arg_params[n]
        for n, arr in ex.aux_dict.items():
            arr[:] = aux_params[n]
        if grad_req == "add":
            for g in ex.grad_arrays:
                if g is not None:
                    g[:] = 0
    dtypes = [np.dtype(ex.outputs[0].dtype) for ex in exes]
    gt_idx = max(range(len(exes)), key=lambda i: dtypes[i].itemsize)
    gt = ground_truth
    if gt is None:
        gt = dict(exes[gt_idx].output_dict)
        if grad_req != "null":
            gt.update(exes[gt_idx].grad_dict)

    def compare(what, i, name, arr, rt, at):
        try:
            assert_almost_equal(arr, gt[name], rtol=rt, atol=at, equal_nan=equal_nan)
        except AssertionError as e:
            print("{} Err: ctx {} vs ctx {} at {}".format(what, i, gt_idx, name))
            if raise_on_err:
                raise
            print(str(e))

    for ex in exes:
        ex.forward(is_train=False)
    for i, ex in enumerate(exes):
        if i != gt_idx:
            for name, arr in zip(output_names, ex.outputs):
                compare("Predict", i, name, arr, rtol, atol)
    if grad_req == "null":
        return gt
    for ex in exes:
        ex.forward(is_train=True)
    narrow = [o.dtype for o in exes[0].outputs]
    for ex in exes:
        narrow = [_smaller_dtype(o.dtype, d) for o, d in zip(ex.outputs, narrow)]
    heads = [o.astype(d).asnumpy() for o, d in zip(exes[0].outputs, narrow)]
    for ex in exes:
        ex.backward([array(h, ctx=o.context, dtype=o.dtype) for h, o in zip(heads, ex.outputs)])
    for i, ex in enumerate(exes):
        if i == gt_idx:
            continue
        for name, arr in zip(output_names + arg_names, ex.outputs + ex.grad_arrays):
            if gt.get(name) is None:
                if arr is not None:
                    raise AssertionError("check_consistency: {} has a gradient on ctx {} only".format(name, i))
                continue
            rt, at = rtol, atol
            narrow_arr, narrow_gt = _smaller_dtype(arr.dtype, dtypes[i]), _smaller_dtype(gt[name].dtype, dtypes[gt_idx])
            if np.dtype(narrow_arr) != np.dtype(arr.dtype) or np.dtype(narrow_gt) != np.dtype(gt[name].dtype):
                # (a float32 gradient next to float16 data is held to float16's tolerance)
                rt, at = get_tols(arr.astype(narrow_arr), gt[name].astype(narrow_gt), rtol, atol)
            compare("Train", i, name, arr, rt, at)
    return gt


def _smaller_dtype(dt1, dt2):
    """The narrower of two dtypes (``dt1`` when ``dt2`` is None)."""
    return dt1 if dt2 is None or np.dtype(dt1).itemsize < np.dtype(dt2).itemsize else dt2


# -- statistical checks of random generators -----------------------------------------------------


def _chi2_sf(x, dof):
    """P(X > x) for a chi-square variable with ``dof`` degrees of freedom (regularized upper
    incomplete gamma function Q(dof/2, x/2))."""
    a, x = 0.5 * dof, 0.5 * x
    if x <= 0:
        return 1.0
    log_pref = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:       # series for P(a, x)
        term = total = 1.0 / a
        n = 0
        while abs(term) > abs(total) * 1e-15 and n < 10000:
            n += 1
            term *= x / (a + n)
            total += term
        return max(0.0, 1.0 - total * math.exp(log_pref))
    # Lentz's continued fraction for Q(a, x)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return min(1.0, math.exp(log_pref) * h)


def gen_buckets_probs_with_ppf(ppf, nbuckets):
    """``nbuckets`` equiprobable buckets [(low, high), ...] from a percent-point function."""
    probs = [1.0 / nbuckets] * nbuckets
    buckets = [(ppf(i / float(nbuckets)), ppf((i + 1) / float(nbuckets))) for i in range(nbuckets)]
    return buckets, probs


def chi_square_check(generator, buckets, probs, nsamples=1000000):
    """Chi-square goodness of fit of ``generator(n)`` samples to bucket probabilities.

    ``buckets``: [(low, high), ...] intervals (continuous) or [value, ...] (discrete).
    Returns ``(p_value, observed_frequencies, expected_frequencies)``."""
    if not (0.99 < float(np.sum(probs)) < 1.01):
        raise ValueError("chi_square_check: probabilities must sum to 1, got {}".format(np.sum(probs)))
    samples = np.asarray(_as_np(generator(nsamples))).reshape(-1)
    if len(samples) != nsamples:
        raise ValueError("chi_square_check: the generator gave {} samples, expected {}".format(
            len(samples), nsamples))
    if isinstance(buckets[0], (list, tuple)):
        obs = np.array([np.count_nonzero((samples >= lo) & (samples < hi)) for lo, hi in buckets])
    else:
        obs = np.array([np.count_nonzero(samples == v) for v in buckets])
    expected = np.asarray(probs, dtype=np.float64) * nsamples
    stat = float(np.sum((obs - expected) ** 2 / expected))
    return _chi2_sf(stat, len(buckets) - 1), obs, expected


def verify_generator(generator, buckets, probs, nsamples=1000000, nrepeat=5, success_rate=0.2,
                     alpha=0.05):
    """Run ``chi_square_check`` ``nrepeat`` times; raise AssertionError unless at least a
    fraction ``success_rate`` of the p-values exceed ``alpha``. Returns the p-values."""
    pvals, obs_l, exp_l = [], [], []
    for _ in range(nrepeat):
        p, obs, exp = chi_square_check(generator, buckets, probs, nsamples)
        pvals.append(p)
        obs_l.append(obs)
        exp_l.append(exp)
    success = int(np.sum(np.array(pvals) > alpha))
    if success < nrepeat * success_rate:
        raise AssertionError("Generator test fails, Chi-square p={}, obs_freq={}, expected_freq={}."
                             "\nbuckets={}, probs={}".format(pvals, obs_l, exp_l, buckets, probs))
    return pvals


def mean_check(generator, mu, sigma, nsamples=1000000):
    """True if the mean of ``generator(nsamples)`` is within 3 standard errors of ``mu``."""
    samples = np.asarray(_as_np(generator(nsamples)), dtype=np.float64)
    bound = 3 * sigma / math.sqrt(nsamples)
    return bool(mu - bound < samples.mean() < mu + bound)


def var_check(generator, sigma, nsamples=1000000):
    """True if the variance of ``generator(nsamples)`` is within about 3 standard errors of
    ``sigma ** 2`` (normal approximation of the sample variance's distribution)."""
    samples = np.asarray(_as_np(generator(nsamples)), dtype=np.float64)
    var = samples.var(ddof=1)
    bound = 3 * sigma ** 2 * math.sqrt(2.0 / (nsamples - 1))
    return bool(sigma ** 2 - bound < var < sigma ** 2 + bound)


def use_np(func):
    """Decorator running ``func`` (or every method of a class) with NumPy semantics. neomx
    implements MXNet 1.x's legacy semantics only, so this returns ``func`` unchanged."""
    return func


def download(url, fname=None, dirname=None, overwrite=False, retries=5):
    """Download ``url`` to ``dirname/fname`` (default: the URL's last part in the working
    directory), unless the file exists and ``overwrite`` is False. Returns the file path."""
    import urllib.request
    from .util import atomic_write
    if fname is None:
        fname = url.split("/")[-1]
    if dirname is not None:
        os.makedirs(dirname, exist_ok=True)
        fname = os.path.join(dirname, fname)
    if os.path.exists(fname) and not overwrite:
        return fname
    last = None
    for _ in range(max(1, retries)):
        try:
            with urllib.request.urlopen(url) as r:
                data = r.read()
            atomic_write(fname, [data])
            return fname
        except OSError as e:  # network errors; retry
            last = e
    raise MXNetError("download of {} failed after {} tries: {}".format(url, retries, last))


# -- iterators -----------------------------------------------------------------------------------


def _data_iter_base():
    from .io import DataIter
    return DataIter


class DummyIter(_data_iter_base()):
    """An iterator that returns the first batch of ``real_iter`` forever (for timing without
    I/O); ``provide_data``, ``provide_label`` and ``batch_size`` come from ``real_iter``."""

    def __init__(self, real_iter):
        super().__init__(real_iter.batch_size)
        self.real_iter = real_iter
        self.provide_data = real_iter.provide_data
        self.provide_label = real_iter.provide_label
        self.batch_size = real_iter.batch_size
        self.the_batch = next(iter(real_iter))

    def __iter__(self):
        return self

    def __next__(self):
        return self.the_batch

    def next(self):
        return self.the_batch

    def reset(self):
        pass


# -- data sets (offline: local files only) ---------------------------------------------------------

_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
_MNIST_URL = "http://data.mxnet.io/data/mnist/"


def _project_data_dir(*parts):
    """``<repository>/data/...`` (the offline copies shipped with neomx), or None."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(os.path.dirname(os.path.dirname(here)), "data", *parts)
    return path if os.path.isdir(path) else None


def _mnist_dirs(path=None):
    """Folders searched for MNIST's IDX files, in order."""
    dirs = [path] if path is not None else []
    env = os.environ.get("MXNET_MNIST_DIR")
    if env:
        dirs.append(env)
    dirs += ["data", os.path.join("data", "mnist"), "."]
    proj = _project_data_dir("mnist")
    if proj:
        dirs.append(proj)
    return dirs


def _find_mnist_file(name, path=None):
    """The path of MNIST file ``name`` (plain or .gz) in the searched folders."""
    for d in _mnist_dirs(path):
        for cand in (os.path.join(d, name), os.path.join(d, name + ".gz")):
            if os.path.isfile(cand):
                return cand
    raise MXNetError(
        "MNIST file {name} not found (looked for {name} and {name}.gz in {dirs}); neomx does "
        "not download data: put the IDX files from {url} in one of these folders, or set "
        "MXNET_MNIST_DIR".format(name=name, dirs=_mnist_dirs(path), url=_MNIST_URL))


def _open_maybe_gz(fname):
    import gzip
    with open(fname, "rb") as f:
        magic = f.read(2)
    return gzip.open(fname, "rb") if magic == b"\x1f\x8b" else open(fname, "rb")


def _read_idx(fname):
    """An IDX file (plain or gzip) as a NumPy array of its shape."""
    import struct
    with _open_maybe_gz(fname) as f:
        head = f.read(4)
        if len(head) != 4 or head[0] != 0 or head[1] != 0 or head[2] != 8:
            raise MXNetError("{}: not an IDX file of unsigned bytes".format(fname))
        ndim = head[3]
        dims = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    n = 1
    for d in dims:
        n *= d
    if data.size != n:
        raise MXNetError("{}: IDX header says {} values, file has {}".format(fname, n, data.size))
    return data.reshape(dims)


def get_mnist():
    """Load MNIST as ``{'train_data', 'train_label', 'test_data', 'test_label'}``: images float32
    (N, 1, 28, 28) scaled to [0, 1], labels int8 (N,), as MXNet's.

    The IDX files (plain or .gz) are read from ``$MXNET_MNIST_DIR``, ``./data``,
    ``./data/mnist``, ``.`` or the copy shipped in neomx's ``data/mnist``; nothing is
    downloaded (MXNetError when they are missing)."""
    def images(name):
        img = _read_idx(_find_mnist_file(name))
        return img.reshape(img.shape[0], 1, img.shape[1], img.shape[2]).astype(np.float32) / 255

    def labels(name):
        return _read_idx(_find_mnist_file(name)).astype(np.int8)

    return {"train_data": images("train-images-idx3-ubyte"),
            "train_label": labels("train-labels-idx1-ubyte"),
            "test_data": images("t10k-images-idx3-ubyte"),
            "test_label": labels("t10k-labels-idx1-ubyte")}


def get_mnist_ubyte():
    """Make sure ``data/{train,t10k}-{images-idx3,labels-idx1}-ubyte`` exist in the working
    directory (as MXNet's download does), uncompressing the local .gz copies; MXNetError when
    no copy is found (nothing is downloaded)."""
    import shutil
    os.makedirs("data", exist_ok=True)
    for name in _MNIST_FILES:
        dst = os.path.join("data", name)
        if os.path.exists(dst):
            continue
        src = _find_mnist_file(name)
        tmp = dst + ".part"
        with _open_maybe_gz(src) as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout)
        os.replace(tmp, dst)


def get_mnist_pkl():
    """Make sure ``data/mnist.pkl.gz`` exists (the deeplearning.net layout: a pickle of
    ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))`` with 50,000/10,000/10,000
    flattened float32 images in [0, 1] and int64 labels), building it from the local MNIST copy;
    MXNetError when none is found (nothing is downloaded)."""
    import gzip
    import pickle
    os.makedirs("data", exist_ok=True)
    dst = os.path.join("data", "mnist.pkl.gz")
    if os.path.exists(dst):
        return
    m = get_mnist()
    train_x = m["train_data"].reshape(len(m["train_data"]), -1)
    train_y = m["train_label"].astype(np.int64)
    test_x = m["test_data"].reshape(len(m["test_data"]), -1)
    n_train = len(train_x) * 5 // 6   # 50,000 of 60,000
    sets = ((train_x[:n_train], train_y[:n_train]), (train_x[n_train:], train_y[n_train:]),
            (test_x, m["test_label"].astype(np.int64)))
    tmp = dst + ".part"
    with gzip.open(tmp, "wb", compresslevel=1) as f:
        pickle.dump(sets, f, protocol=2)
    os.replace(tmp, dst)


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """(train, validation) ``mx.io.MNISTIter`` over MNIST; ``input_shape`` of length 3 gives
    (1, 28, 28) images, otherwise flat 784 vectors. Uses ``data/*-ubyte`` when present, else
    the local .gz copies directly."""
    from .io import MNISTIter
    files = {}
    for name in _MNIST_FILES:
        plain = os.path.join("data", name)
        files[name] = plain if os.path.exists(plain) else _find_mnist_file(name)
    flat = len(input_shape) != 3
    train = MNISTIter(image=files["train-images-idx3-ubyte"], label=files["train-labels-idx1-ubyte"],
                      input_shape=input_shape, batch_size=batch_size, shuffle=True, flat=flat,
                      num_parts=num_parts, part_index=part_index)
    val = MNISTIter(image=files["t10k-images-idx3-ubyte"], label=files["t10k-labels-idx1-ubyte"],
                    input_shape=input_shape, batch_size=batch_size, flat=flat,
                    num_parts=num_parts, part_index=part_index)
    return train, val


def _extract_zip(zip_path, dest):
    import zipfile
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(dest)


def get_cifar10():
    """Make sure ``data/cifar/{train,test}.{rec,lst}`` exist, extracting ``data/cifar10.zip``
    when it is there; otherwise ``download`` is tried (MXNetError offline)."""
    os.makedirs("data", exist_ok=True)
    needed = [os.path.join("data", "cifar", n) for n in ("train.rec", "test.rec", "train.lst", "test.lst")]
    if all(os.path.exists(p) for p in needed):
        return
    zip_path = download("http://data.mxnet.io/mxnet/data/cifar10.zip", dirname="data")
    _extract_zip(zip_path, "data")


def get_bz2_data(data_dir, data_name, url, data_origin_name):
    """Make sure ``data_dir/data_name`` exists: the bz2 file ``data_dir/data_origin_name`` (taken
    as is when present, else downloaded from ``url``) is uncompressed into it and removed."""
    import bz2
    import shutil
    data_name = os.path.join(data_dir, data_name)
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if os.path.exists(data_name):
        return
    download(url, fname=data_origin_name, dirname=None, overwrite=False)
    tmp = data_name + ".part"
    with bz2.BZ2File(data_origin_name, "rb") as fin, open(tmp, "wb") as fout:
        shutil.copyfileobj(fin, fout)
    os.replace(tmp, data_name)
    os.remove(data_origin_name)


def get_zip_data(data_dir, url, data_origin_name):
    """Make sure the zip ``data_dir/data_origin_name`` exists (else download it from ``url``)
    and extract it into ``data_dir`` when it was fetched now, as MXNet."""
    origin = os.path.join(data_dir, data_origin_name)
    if os.path.exists(origin):
        return
    fname = download(url, dirname=data_dir, overwrite=False)
    _extract_zip(fname, data_dir)


_MODEL_URL = "http://data.mxnet.io/models/"
_MODELS = {
    "imagenet1k-inception-bn": "imagenet/inception-bn/Inception-BN-symbol.json|imagenet/inception-bn/Inception-BN-0126.params",
}
for _depth in (18, 34, 50, 101, 152):
    _MODELS["imagenet1k-resnet-{}".format(_depth)] = (
        "imagenet/resnet/{0}-layers/resnet-{0}-symbol.json|imagenet/resnet/{0}-layers/resnet-{0}-0000.params"
        .format(_depth))
for _depth in (50, 101):
    _MODELS["imagenet1k-resnext-{}".format(_depth)] = (
        "imagenet/resnext/{0}-layers/resnext-{0}-symbol.json|imagenet/resnext/{0}-layers/resnext-{0}-0000.params"
        .format(_depth))
del _depth


def download_model(model_name, dst_dir="./", meta_info=None):
    """Fetch ``<dst_dir>/<model_name>-symbol.json`` and ``-0000.params`` (kept when already
    there) from ``meta_info[model_name] = {'symbol': url, 'params': url}`` (default: MXNet's
    model zoo URLs). Returns ``(path prefix, 0)``, or ``(None, 0)`` for an unknown model.
    Offline, a missing file raises MXNetError (from ``download``)."""
    if meta_info is None:
        meta_info = {k: dict(zip(("symbol", "params"), (_MODEL_URL + u for u in v.split("|"))))
                     for k, v in _MODELS.items()}
    meta_info = dict(meta_info)
    if model_name not in meta_info:
        return (None, 0)
    os.makedirs(dst_dir, exist_ok=True)
    meta = dict(meta_info[model_name])
    assert "symbol" in meta, "missing symbol url"
    prefix = os.path.join(dst_dir, model_name)
    download(meta["symbol"], prefix + "-symbol.json")
    assert "params" in meta, "missing parameter file url"
    download(meta["params"], prefix + "-0000.params")
    return (prefix, 0)


def get_im2rec_path(home_env="MXNET_HOME"):
    """Path of the im2rec.py tool: under ``$MXNET_HOME`` (or the package), ``tools/im2rec.py``
    or ``../../tools/im2rec.py``; IOError when absent."""
    base = os.environ.get(home_env) or os.path.dirname(os.path.abspath(__file__))
    for cand in (os.path.join(base, "tools", "im2rec.py"),
                 os.path.join(base, "..", "..", "tools", "im2rec.py")):
        if os.path.isfile(cand):
            return cand
    raise IOError("Could not find path to tools/im2rec.py")


# -- model-level consistency checks ---------------------------------------------------------------

def compare_optimizer(opt1, opt2, shape, dtype, w_stype="default", g_stype="default", rtol=1e-4,
                      atol=1e-5, compare_states=True, ntensors=1):
    """Apply one update of ``opt1`` and ``opt2`` to the same random weight and gradient and
    check that the states and the updated weights agree. A list ``shape`` updates ``ntensors``
    weights: ``opt1`` one by one (reference), ``opt2`` in a single multi-tensor call."""
    from . import random as _random
    ctx = default_context()

    def pair(stype, density):
        # (opt1's dense copy, opt2's array): a sparse stype gives opt2 sparse storage, as MXNet
        if stype == "default":
            a = _random.uniform(shape=shape, ctx=ctx, dtype=dtype)
            return a.copyto(ctx), a
        if stype not in ("row_sparse", "csr"):
            raise MXNetError("compare_optimizer: unknown storage type {!r}".format(stype))
        a = rand_ndarray(shape, stype, density=density, dtype=dtype)
        return a.copyto(ctx).tostype("default"), a

    if not isinstance(shape, list):
        assert ntensors == 1
        w1, w2 = pair(w_stype, 1)
        g1, g2 = pair(g_stype, None)
        state1 = opt1.create_state_multi_precision(0, w1)
        state2 = opt2.create_state_multi_precision(0, w2)
        if compare_states:
            compare_ndarray_tuple(state1, state2)
        opt1.update_multi_precision(0, w1, g1, state1)
        opt2.update_multi_precision(0, w2, g2, state2)
        if compare_states:
            compare_ndarray_tuple(state1, state2, rtol=rtol, atol=atol)
        assert_almost_equal(w1, w2, rtol=rtol, atol=atol)
        return
    w1 = [_random.uniform(shape=s, ctx=ctx, dtype=dtype) for s in shape]
    g1 = [_random.uniform(shape=s, ctx=ctx, dtype=dtype) for s in shape]
    w2 = [w.copyto(ctx) for w in w1]
    g2 = [g.copyto(ctx) for g in g1]
    state2 = [opt2.create_state_multi_precision(0, w2[i]) for i in range(ntensors)]
    opt2.update_multi_precision(list(range(ntensors)), w2, g2, state2)
    for i in range(ntensors):
        state1 = opt1.create_state_multi_precision(i, w1[i])
        opt1.update_multi_precision(i, w1[i], g1[i], state1)
        if compare_states:
            compare_ndarray_tuple(state1, state2[i], rtol, atol)
        compare_ndarray_tuple(w1[i], w2[i], rtol, atol)


def check_gluon_hybridize_consistency(net_builder, data_l, numpy_func=None, test_grad=True,
                                      rtol=1e-4, atol=1e-4):
    """Check that a HybridBlock gives the same output (and input gradients, with
    ``test_grad``) imperatively and hybridized, and optionally equals ``numpy_func``.

    ``net_builder(prefix='net_')`` builds the block; every build gets the parameters of the
    first one. The network must not draw random numbers."""
    from . import autograd
    saved_out = None
    saved_grads = None
    params = None
    for hybridize in (False, True):
        for use_autograd in ((False, True) if test_grad else (False,)):
            net = net_builder(prefix="net_")
            net.initialize()
            inputs = [x.copy() for x in data_l]
            if params is not None:
                # parameters may be deferred: one forward shapes them, then copy the saved ones
                net(*[x.copy() for x in data_l])
                for (name, p), value in zip(net.collect_params().items(), params):
                    p.set_data(array(value, ctx=p.data().context, dtype=value.dtype))
            if hybridize:
                net.hybridize()
            if use_autograd:
                for x in inputs:
                    x.attach_grad()
                with autograd.record():
                    out = net(*inputs)
                out.backward(out)
            else:
                out = net(*inputs)
            if params is None:
                params = [p.data().asnumpy() for p in net.collect_params().values()]
            if saved_out is None:
                saved_out = out.asnumpy()
            else:
                assert_almost_equal(out.asnumpy(), saved_out, rtol=rtol, atol=atol)
            if use_autograd:
                grads = [x.grad.asnumpy() for x in inputs]
                if saved_grads is None:
                    saved_grads = grads
                else:
                    for g, ref in zip(grads, saved_grads):
                        assert_almost_equal(g, ref, rtol=rtol, atol=atol)
    if numpy_func is not None:
        expected = numpy_func(*[x.asnumpy() for x in data_l])
        assert_almost_equal(saved_out, expected, rtol=rtol, atol=atol)


# MXNet's NumPy-semantics symbol class (``mx.symbol.numpy._Symbol``): ``mx.sym.np``'s ``_Symbol``.
from .numpy._symbol import _Symbol as np_symbol  # noqa: E402


def _features():
    from .runtime import Features
    return Features


Features = _features()
