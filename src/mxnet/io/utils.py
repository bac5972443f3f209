"""Helpers for NDArrayIter: canonical (name, NDArray) lists, shuffling, batch-axis slicing."""
from collections import OrderedDict

import numpy as np

from ..backend import for_context
from ..backend import for_context
from ..ndarray import NDArray, array
from ..ndarray.ndarray import Chunk
from ..ndarray.ndarray import Chunk
from .. import ndarray as _nd

__all__ = []


def _init_data(data, allow_empty, default_name):
    """Convert ``data`` (array, list of arrays or dict name -> array) into a sorted list of
    (name, NDArray) pairs, as MXNet does: one unnamed array is called ``default_name``;
    several are called ``_0_<default_name>``, ``_1_<default_name>``, ..."""
    assert (data is not None) or allow_empty
    if data is None:
        data = []
    if isinstance(data, (np.ndarray, NDArray)):
        data = [data]
    if isinstance(data, (list, tuple)):
        data = list(data)
        if not allow_empty:
            assert len(data) > 0
        if len(data) == 1:
            data = OrderedDict([(default_name, data[0])])
        else:
            data = OrderedDict([("_%d_%s" % (i, default_name), d) for i, d in enumerate(data)])
    if not isinstance(data, dict):
        raise TypeError("Input must be NDArray, numpy.ndarray, h5py.Dataset "
                        "a list of them or dict with them as values")
    out = {}
    for k, v in data.items():
        if not isinstance(v, NDArray):
            try:
                v = array(v)
            except Exception:
                raise TypeError(("Invalid type '%s' for %s, " % (type(v), k)) +
                                "should be NDArray, numpy.ndarray or h5py.Dataset") from None
        out[k] = v
    return list(sorted(out.items()))


def _has_instance(data, dtype):
    """True if one of the arrays of a (name, array) list is an instance of ``dtype``."""
    return any(isinstance(arr, dtype) for _, arr in data)


def _getdata_by_idx(data, idx):
    """Reorder every (name, array) pair along axis 0 by ``idx``.

    As in MXNet, the reordered arrays are rebuilt with ``nd.array`` from NumPy, so they come
    back as float32 whatever their dtype was."""
    out = []
    for k, v in data:      # one gather, no staging copies: it becomes the new array's storage
        v.wait_to_read()
        b = for_context(v.context)
        with b.device_scope():
            taken = b.xp.take(v._read(), b.xp.asarray(idx), axis=0).astype(np.float32, copy=False)
        out.append((k, NDArray(Chunk(taken), tuple(taken.shape), np.dtype(np.float32), v.context)))
    return out


def _slice_along_batch_axis(data, s, batch_axis):
    """``data[s]`` along ``batch_axis`` (a copy, like MXNet's ``slice_axis``)."""
    return _nd.slice_axis(data, axis=batch_axis, begin=s.start, end=s.stop)
