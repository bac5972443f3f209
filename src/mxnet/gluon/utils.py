"""gluon.utils: splitting batches over contexts, gradient clipping, file checks."""
import hashlib
import math
import os
import weakref
from collections import OrderedDict

import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from ..util import is_np_array, is_np_shape  # noqa: F401  (names MXNet's gluon.utils has)

__all__ = ["split_data", "split_and_load", "clip_global_norm", "check_sha1", "download", "replace_file",
           "shape_is_known", "HookHandle"]


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """Split ``data`` into ``num_slice`` pieces along ``batch_axis``."""
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise ValueError("data with shape %s cannot be evenly split into %d slices along axis %d. "
                         "Use a batch size that's multiple of %d or set even_split=False to allow "
                         "uneven partitioning of data." % (str(data.shape), num_slice, batch_axis, num_slice))
    # as MXNet 1.9.1 (and numpy.array_split): the first ``size % num_slice`` slices are one longer
    each, extras = divmod(size, num_slice)
    bounds = [0]
    for i in range(num_slice):
        bounds.append(bounds[-1] + each + (1 if i < extras else 0))
    if batch_axis == 0:
        return [data[bounds[i]:bounds[i + 1]] for i in range(num_slice)]
    return [nd.slice_axis(data, batch_axis, bounds[i], bounds[i + 1]) for i in range(num_slice)]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """Split ``data`` over ``ctx_list`` and copy each piece to its context."""
    if not isinstance(data, nd.NDArray):
        data = nd.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [i.as_in_context(ctx) for i, ctx in zip(slices, ctx_list)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Rescale ``arrays`` in place so their joint L2 norm is at most ``max_norm``; returns the norm
    (a float, or with ``check_isfinite=False`` an NDArray of shape (1,) that needs no sync)."""
    if not arrays:
        raise MXNetError("clip_global_norm needs at least one array")
    ctx = arrays[0].context
    total = nd.add_n(*[nd.sum(nd.square(a)).as_in_context(ctx) for a in arrays])
    if not check_isfinite:      # no sync: the scale stays an NDArray
        norm = nd.sqrt(total)
        scale = nd.minimum(max_norm / (norm + 1e-8), 1.0)
        for arr in arrays:
            arr *= scale.as_in_context(arr.context)
        return norm
    total_norm = math.sqrt(float(total.asscalar()))
    if not np.isfinite(total_norm):
        import warnings
        warnings.warn(UserWarning("nan or inf is detected. Clipping results will be undefined."), stacklevel=2)
    scale = max_norm / (total_norm + 1e-8)
    if scale < 1.0:
        for arr in arrays:
            arr *= scale
    return total_norm


def check_sha1(filename, sha1_hash):
    """Whether the file's SHA-1 equals ``sha1_hash``."""
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(1048576), b""):
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """Download ``url`` to ``path`` (returns the file name); a clear error when offline."""
    fname = path if path and not os.path.isdir(path) else os.path.join(path or ".", url.split("/")[-1])
    if os.path.exists(fname) and not overwrite and (sha1_hash is None or check_sha1(fname, sha1_hash)):
        return fname
    import urllib.request
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            data = r.read()
    except Exception as e:  # noqa: BLE001 - any network failure
        raise MXNetError("download of {} failed ({}); put the file at {} yourself".format(url, e, fname)) from None
    from ..util import atomic_write
    atomic_write(fname, [data])
    if sha1_hash and not check_sha1(fname, sha1_hash):
        raise MXNetError("File {} is downloaded but the content hash does not match.".format(fname))
    return fname


def replace_file(src, dst):
    """Move file ``src`` to ``dst``, replacing it (one rename); OSError naming both if it fails
    (``src`` is then removed)."""
    try:
        os.replace(src, dst)
    except OSError:
        try:
            os.remove(src)
        except OSError:
            pass
        raise OSError("Moving downloaded temp file - {}, to {} failed. Please retry the download.".format(src, dst))


def shape_is_known(shape):
    """Whether every dimension of ``shape`` is known: None is unknown, and so is a dimension of 0
    (or, under ``mx.util.np_shape(True)``, of -1, where a 0-d shape is known)."""
    if shape is None:
        return False
    unknown = -1 if is_np_shape() else 0
    if len(shape) == 0:
        return unknown == -1
    for d in shape:
        if d == unknown:
            return False
        assert d > unknown, "shape dimension size cannot be less than {}, while received {}".format(unknown, d)
    return True


class HookHandle:
    """A handle that can attach/detach a hook: ``attach(hooks_dict, hook)`` stores ``hook`` in
    ``hooks_dict`` under ``id(hook)``; ``detach()`` removes it; usable as a context manager.
    The handle holds only a weak reference to ``hooks_dict`` (as MXNet)."""

    def __init__(self):
        self._hooks_dict_ref = None
        self._id = None

    def attach(self, hooks_dict, hook):
        """Store ``hook`` in ``hooks_dict`` (a handle attaches once)."""
        assert not self._hooks_dict_ref, "The same handle cannot be attached twice."
        self._id = id(hook)
        hooks_dict[self._id] = hook
        self._hooks_dict_ref = weakref.ref(hooks_dict)

    def detach(self):
        """Remove the hook (if its dictionary still holds it)."""
        hooks_dict = self._hooks_dict_ref() if self._hooks_dict_ref is not None else None
        if hooks_dict is not None:
            hooks_dict.pop(self._id, None)

    def __getstate__(self):
        return (self._hooks_dict_ref() if self._hooks_dict_ref is not None else None, self._id)

    def __setstate__(self, state):
        # a dictionary nothing else references is gone once unpickled: refer to a fresh one
        self._hooks_dict_ref = weakref.ref(state[0] if state[0] is not None else OrderedDict())
        self._id = state[1]

    def __enter__(self):
        return self

    def __exit__(self, ptype, value, trace):
        self.detach()
