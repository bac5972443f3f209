"""The in-process KVStore ('local', 'device'): sums values pushed from several devices, applies
the updater (optimizer) to the stored value, and broadcasts it back on pull.

Every step is an NDArray operation (cross-device copies, ``add_n``, the optimizer's update ops),
so push/pull are asynchronous and ordered by the engine like any other op: a pull after a push
sees the updated value without explicit synchronisation.

Where values live (as in MXNet): a 'local' store keeps its values in pinned CPU memory
(``cpu_pinned(0)``) and sums and updates there; a 'device' store keeps each value on the GPU it
was initialised from (pinned CPU memory for CPU values) and sums and updates there.
"""
from collections import OrderedDict

import numpy as np

from .. import engine
from ..backend import for_context
from ..base import MXNetError, string_types
from ..context import cpu_pinned
from .. import ndarray
from ..ndarray import NDArray
from ..ndarray.ndarray import inline_hint
from ..ndarray.sparse import RowSparseNDArray, _Store, _st
from .base import KVStoreBase

__all__ = ["KVStore"]


def _key_value_pairs(keys, vals):
    """Flatten ``keys`` / ``vals`` (a key and an array or list of arrays, or lists of those) to
    ``([(key, array), ...], uses_str_keys)``; ``uses_str_keys`` is None for no keys."""
    if isinstance(keys, (tuple, list)):
        assert len(keys) == len(vals)
        pairs, use_str_keys = [], None
        for key, val in zip(keys, vals):
            sub, str_keys_i = _key_value_pairs(key, val)
            pairs += sub
            use_str_keys = str_keys_i if use_str_keys is None else use_str_keys
            assert use_str_keys == str_keys_i, "inconsistent types of keys detected."
        return pairs, use_str_keys
    assert isinstance(keys, (int,) + string_types), \
        "unexpected type for keys: " + str(type(keys))
    use_str_keys = isinstance(keys, string_types)
    if isinstance(vals, NDArray):
        return [(keys, vals)], use_str_keys
    for value in vals:
        assert isinstance(value, NDArray)
    return [(keys, value) for value in vals], use_str_keys


def _group(pairs):
    groups = OrderedDict()
    for key, val in pairs:
        groups.setdefault(key, []).append(val)
    return groups


def _select_rows(value, row_ids, out):
    """Push an engine op writing into row_sparse ``out`` the rows ``row_ids`` of ``value`` (a
    stored value of any storage type): every requested row once, in ascending order, zeros where
    ``value`` stores none (what MXNet's row_sparse_pull sends)."""
    src_b, dst_b = for_context(value.context), for_context(out.context)
    nrows, row_shape, dtype = value.shape[0], tuple(value.shape[1:]), out.dtype

    def fn():
        xp = src_b.xp
        with src_b.device_scope():
            ids = src_b.asarray(row_ids._read()).reshape(-1).astype(np.int64)
            ids = xp.unique(ids)
            for bad in (int(ids[0]), int(ids[-1])) if ids.size else ():
                if not 0 <= bad < nrows:
                    raise MXNetError("kvstore row_sparse_pull: row id {} out of range for a value "
                                     "with {} rows".format(bad, nrows))
            if isinstance(value, RowSparseNDArray):
                store = _st(value)
                have = store.aux[0]
                rows = xp.zeros((ids.size,) + row_shape, dtype=dtype)
                if have.size and ids.size:
                    pos = xp.minimum(xp.searchsorted(have, ids), have.size - 1)
                    found = have[pos] == ids
                    rows[found] = store.values[pos[found]]
            else:
                rows = value._read()[ids]
        out._chunk.data = _Store(dst_b.asarray(rows, dtype=dtype), [dst_b.asarray(ids)])
    engine.push(fn, [value._chunk.var, row_ids._chunk.var], [out._chunk.var], out.context,
                inline=inline_hint(out.context), name="row_sparse_pull")


class KVStore(KVStoreBase):
    """A key-value store synchronising values over the devices of one process.

    Built by :func:`mxnet.kvstore.create`; ``handle`` is the store's type name.
    """

    def __init__(self, handle):
        if not isinstance(handle, string_types):
            raise TypeError("KVStore(handle): handle must be the kvstore type name (a str); "
                            "use mx.kv.create(name)")
        self.handle = handle
        self._type = handle
        self._device_mode = "device" in handle or "nccl" in handle
        self._store = {}
        self._key_type = None
        self._updater = None
        self._compression = None
        self._residuals = {}

    # -- helpers ----------------------------------------------------------------------------------
    def _pairs(self, keys, vals):
        pairs, use_str_keys = _key_value_pairs(keys, vals)
        if use_str_keys is not None:
            if self._key_type is None:
                self._key_type = use_str_keys
            elif self._key_type != use_str_keys:
                raise MXNetError("kvstore: mixed key types are not allowed: this store uses {} "
                                 "keys, got {} keys".format(*(("str", "int") if self._key_type
                                                              else ("int", "str"))))
        return pairs

    def _stored(self, key, op):
        stored = self._store.get(key)
        if stored is None:
            raise MXNetError("kvstore {}: key {} has not been inited".format(op, key))
        return stored

    def _check_shape(self, key, arr, stored, op):
        if arr.shape != stored.shape:
            raise MXNetError("kvstore {}: shape mismatch for key {}: {} array has shape {}, the "
                             "stored value has shape {}".format(
                                 op, key, "pushed" if op == "push" else "output", arr.shape,
                                 stored.shape))

    def _store_context(self, value):
        if self._device_mode and value.context.device_type == "gpu":
            return value.context
        return cpu_pinned(0)

    def _quantize(self, key, index, value):
        """2-bit gradient compression: values whose accumulated residual reaches +-threshold
        are sent as +-threshold, the rest as 0; the remainder stays in the residual."""
        thr = self._compression["threshold"]
        res = self._residuals.get((key, index))
        if res is None or res.shape != value.shape or res.context != value.context:
            res = self._residuals[(key, index)] = ndarray.zeros(value.shape, ctx=value.context,
                                                                dtype=value.dtype)
        res += value
        quantized = (res >= thr) * thr - (res <= -thr) * thr
        res -= quantized
        return quantized

    def _reduce(self, key, values, stored):
        """The sum of ``values`` on the stored value's context, in its dtype."""
        if self._compression is not None:
            values = [self._quantize(key, i, v) for i, v in enumerate(values)]
        ctx, dtype = stored.context, stored.dtype
        parts = [v.as_in_context(ctx).astype(dtype, copy=False) for v in values]
        return parts[0] if len(parts) == 1 else ndarray.add_n(*parts)

    # -- the store --------------------------------------------------------------------------------
    def init(self, key, value):
        """Initialise ``key`` (int or str, or a list of keys) with ``value`` (an NDArray per
        key). A key can be initialised once."""
        for k, v in self._pairs(key, value):
            if k in self._store:
                raise MXNetError("kvstore init: duplicate init of key {}. Please double check if "
                                 "you called kv.init or kv.broadcast with this key multiple "
                                 "times".format(k))
            self._store[k] = v.copyto(self._store_context(v))

    def push(self, key, value, priority=0):
        """Push ``value`` to ``key``: a list of arrays for one key (one per device) is summed.
        Without an updater the sum replaces the stored value; with one (``set_optimizer``),
        ``updater(key, sum, stored)`` updates the stored value."""
        groups = _group(self._pairs(key, value))
        targets = []
        for k, vals in groups.items():
            stored = self._stored(k, "push")
            for v in vals:
                self._check_shape(k, v, stored, "push")
            targets.append((k, vals, stored))
        for k, vals, stored in targets:
            merged = self._reduce(k, vals, stored)
            if self._updater is not None:
                self._updater(k, merged, stored)
            else:
                merged.copyto(stored)

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        """Copy the value of ``key`` into ``out`` (an array, or a list of arrays on several
        devices, per key)."""
        assert out is not None
        pairs = self._pairs(key, out)
        for k, o in pairs:
            self._check_shape(k, o, self._stored(k, "pull"), "pull")
        for k, o in pairs:
            self._store[k].copyto(o)

    def pushpull(self, key, value, out=None, priority=0):
        """``push(key, value)`` then ``pull(key, out)`` (into ``value`` when ``out`` is None)."""
        self.push(key, value, priority)
        self.pull(key, value if out is None else out, priority)

    def broadcast(self, key, value, out, priority=0):
        """Initialise ``key`` with ``value`` and pull it into ``out``."""
        self.init(key, value)
        self.pull(key, out=out, priority=priority)

    def row_sparse_pull(self, key, out=None, priority=0, row_ids=None):
        """Pull the rows ``row_ids`` of the value of ``key`` into row_sparse ``out``.

        ``out`` (a RowSparseNDArray, or a list of them on several devices, per key) then holds
        exactly the requested rows, each once and in ascending order; ``row_ids`` (1-D NDArray
        or list of them, one per output; one for all outputs) need not be unique or sorted."""
        assert out is not None
        assert row_ids is not None
        if isinstance(row_ids, NDArray):
            row_ids = [row_ids]
        assert isinstance(row_ids, list), "row_ids should be NDArray or list of NDArray"
        first_out = out
        single_rowid = len(row_ids) == 1 and isinstance(out, list)
        if single_rowid:
            first_out = [out[0]]    # one row-id set: pull once, then copy to the other outputs
        pairs = self._pairs(key, first_out)
        id_pairs = _key_value_pairs(key, row_ids)[0]
        assert len(id_pairs) == len(pairs), "the number of row_ids doesn't match the number of values"
        for k, o in pairs:
            if not isinstance(o, RowSparseNDArray):
                raise MXNetError("kvstore row_sparse_pull: Expected row_sparse storage type for "
                                 "row_sparse_pull values, but detected storage type {} (key {})"
                                 .format(o.stype, k))
            self._check_shape(k, o, self._stored(k, "row_sparse_pull"), "row_sparse_pull")
        for (k, o), (_, ids) in zip(pairs, id_pairs):
            _select_rows(self._current(k), ids, o)
        if single_rowid:
            for o in out[1:]:
                out[0].copyto(o)

    def _current(self, key):
        """The stored value of ``key``, as a pull reads it."""
        return self._store[key]

    # -- optimizer --------------------------------------------------------------------------------
    def set_optimizer(self, optimizer):
        """Update stored values with ``optimizer`` on push (``mx.optimizer.get_updater``)."""
        from .. import optimizer as opt
        self._set_updater(opt.get_updater(optimizer))

    def _set_updater(self, updater):
        """Set ``updater(key, merged_value, stored_value)``, run on each push to update the
        stored value in place."""
        self._updater = updater

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Write the updater's states (``updater.get_states``) to ``fname``."""
        assert self._updater is not None, "Cannot save states for distributed training"
        from ..util import atomic_write
        atomic_write(fname, [self._updater.get_states(dump_optimizer)])

    def load_optimizer_states(self, fname):
        """Restore the updater's states from ``fname``."""
        assert self._updater is not None, "Cannot load states for distributed training"
        with open(fname, "rb") as fin:
            self._updater.set_states(fin.read())

    def set_gradient_compression(self, compression_params):
        """Enable 2-bit gradient compression (``{'type': '2bit', 'threshold': 0.5}``) for
        'device' stores: each pushed value is quantized to {-threshold, 0, +threshold} with an
        error-feedback residual kept per key and device slot. Other in-process types raise,
        as in MXNet."""
        if "device" not in self.type and "dist" not in self.type:
            raise MXNetError("Gradient compression is not supported for this type of kvstore")
        assert isinstance(compression_params, dict), \
            "unexpected type for param_dict: " + str(type(compression_params))
        if "type" not in compression_params:
            raise MXNetError("set_gradient_compression: required parameter 'type' is missing")
        ctype = str(compression_params["type"])
        if ctype != "2bit":
            raise MXNetError("Unknown type for gradient compression " + ctype)
        threshold = float(compression_params.get("threshold", 0.5))
        if not threshold > 0:
            raise MXNetError("set_gradient_compression: threshold must be > 0, got {}"
                             .format(threshold))
        self._compression = {"type": ctype, "threshold": threshold}
        self._residuals = {}

    # -- properties -------------------------------------------------------------------------------
    def is_capable(self, capability):
        """'optimizer': True (updates run in the store); unknown capabilities raise ValueError."""
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return True
        raise ValueError("Unknown capability: {}".format(capability))

    @property
    def type(self):
        """The type name the store was created with ('local', 'device', ...)."""
        return self._type

    @property
    def rank(self):
        """The rank of this worker (0: a single process)."""
        return 0

    @property
    def num_workers(self):
        """The number of workers (1: a single process)."""
        return 1

    def _barrier(self):
        """Global barrier among workers; nothing to wait for in one process."""

    def _send_command_to_servers(self, head, body):
        """Commands go to distributed servers; an in-process store has none."""
