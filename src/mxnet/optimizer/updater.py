"""``Updater``: applies an optimizer to (index, grad, weight) triples and owns the states; and
the byte format of ``get_states`` / ``set_states``.

State bytes
-----------
``get_states`` writes what MXNet 1.9.1 writes: a pickle (protocol 4) of ``states`` (a dict index
-> state), or of the tuple ``(states, optimizer)`` with ``dump_optimizer=True``, so that real
MXNet's ``Updater.set_states`` / ``Trainer.load_states`` / ``Module.load_optimizer_states`` resume
from neomx's files. The pickle is emitted opcode by opcode by ``_MXNetPickleWriter`` (no
``pickle.dumps``: the class references must be MXNet's, not neomx's module layout) and only
references these globals:

- ``mxnet.ndarray.ndarray.NDArray``, rebuilt as MXNet does: ``NDArray(None)`` then
  ``__setstate__({'handle': bytearray(raw)})``, where ``raw`` is one ``MXNDArraySaveRawBytes``
  record (the array record of an ``mx.nd.save`` file, without the list header);
- ``builtins.bytearray``;
- optimizers: ``mxnet.optimizer.optimizer.<Name>`` (``mxnet.optimizer.contrib.GroupAdaGrad``),
  or ``<module>.<Name>`` for user classes, created with ``NEWOBJ`` (no arguments) and given their
  ``__getstate__()`` dict (``__dict__`` without ``param_dict``) with ``BUILD``;
- learning-rate schedulers: ``mxnet.lr_scheduler.<Name>``, ``NEWOBJ`` + ``BUILD`` of ``__dict__``;
- NumPy scalars, dtypes and arrays, by their own ``__reduce__`` (``numpy.core.multiarray.scalar``,
  ``numpy.dtype``, ``numpy.core.multiarray._reconstruct``, ``numpy.ndarray``).

Other values are dicts, lists, tuples, str, bytes, int, float, bool and None. Shared references
are memoized (the optimizer's ``_index_update_count`` is ``_all_index_update_counts[0]``).

Reading never unpickles arbitrary data: states pickles (MXNet's or neomx's) go through an
unpickler that only accepts NDArrays, registered optimizers, learning-rate schedulers,
``bytearray`` and NumPy scalars/arrays; anything else raises ``pickle.UnpicklingError``.

Older neomx versions wrote their own container, still read (``dumps_states_legacy`` writes it):

    b"NEOMX-OPTSTATES\\n" | u64 length | JSON (utf-8) | an ``mx.nd.save`` file of the arrays

The JSON describes the object tree: numbers, strings, None, lists, tuples, dicts (any keys),
NDArrays (an index into the saved arrays), NumPy scalars and dtypes, and optimizers /
learning-rate schedulers as a class name plus their attributes. On loading, classes are looked
up among registered optimizers and ``LRScheduler`` subclasses only, and objects are rebuilt from
attributes without calling their constructors.
"""
import io
import json
import pickle
import struct

import numpy

from ..base import MXNetError
from ..ndarray import NDArray, array as _nd_array
from ..ndarray import serialization as _ser
from .. import lr_scheduler as _lrs
from .optimizer import Optimizer

__all__ = ["Updater", "get_updater"]

MAGIC = b"NEOMX-OPTSTATES\n"


class Updater(object):
    """Updates weights with ``optimizer``, creating each weight's state on first use.

    ``updater(index, grad, weight)`` (index, grad and weight may be lists) runs
    ``optimizer.update_multi_precision``. Optimizers with ``aggregate_num > 0`` (SGD, LARS, LAMB)
    receive lists of up to ``aggregate_num`` weights of one dtype at a time, as in MXNet."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states = {}
        self.states_synced = {}
        self.aggregate_updates = optimizer.aggregate_num > 0

    def __call__(self, index, grad, weight):
        """Update ``weight`` (or each weight of a list) from ``grad``."""
        if not isinstance(index, (list, tuple)):
            indices, grads, weights = [index], [grad], [weight]
        else:
            indices, grads, weights = list(index), list(grad), list(weight)
        if weights:
            self.optimizer._set_current_context(weights[0]._ctx.device_id)
        for i, idx in enumerate(indices):
            if isinstance(idx, bytes):
                idx = indices[i] = idx.decode("utf-8")
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(idx, weights[i])
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self.sync_state_context(self.states[idx], weights[i].context)
                self.states_synced[idx] = True
        n = self.optimizer.aggregate_num
        if not self.aggregate_updates or n <= 0:
            for i, w, g in zip(indices, weights, grads):
                self.optimizer.update_multi_precision(i, w, g, self.states[i])
            return
        by_dtype = {}
        for i, w, g in zip(indices, weights, grads):
            by_dtype.setdefault(w._dtype, []).append((i, w, g))
        for group in by_dtype.values():
            for start in range(0, len(group), n):
                idxs, ws, gs = zip(*group[start:start + n])
                self.optimizer.update_multi_precision(list(idxs), list(ws), list(gs),
                                                      [self.states[i] for i in idxs])

    def sync_state_context(self, state, context):
        """``state`` (an NDArray or nested tuple/list of them) moved to ``context``."""
        if isinstance(state, NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            synced = [self.sync_state_context(s, context) for s in state]
            return tuple(synced) if isinstance(state, tuple) else synced
        return state

    def set_states(self, states):
        """Restore states (and the optimizer, if it was saved) from ``get_states`` bytes, or from
        the pickled states MXNet 1.9.1 writes."""
        loaded = loads_states(states)
        if isinstance(loaded, tuple) and len(loaded) == 2:
            self.states, self.optimizer = loaded
            # (MXNet keeps the old flag, and loops forever when a loaded optimizer aggregates less)
            self.aggregate_updates = self.optimizer.aggregate_num > 0
        else:
            self.states = loaded
        self.states_synced = dict.fromkeys(self.states.keys(), False)

    def get_states(self, dump_optimizer=False):
        """The states as bytes (see the module docstring); ``dump_optimizer`` also saves the
        optimizer (learning rate, schedules, update counts...)."""
        return dumps_states((self.states, self.optimizer) if dump_optimizer else self.states)


def get_updater(optimizer):
    """An ``Updater`` for ``optimizer`` (the callable a KVStore runs on each update)."""
    return Updater(optimizer)


# -- writing: MXNet 1.9.1's pickle -------------------------------------------------------------------
def dumps_states(obj):
    """``obj`` (states, or (states, optimizer)) as the states pickle MXNet 1.9.1 writes."""
    return _MXNetPickleWriter().dumps(obj)


def _mxnet_class_path(klass):
    """(module, name) under which MXNet 1.9.1 finds ``klass`` (an optimizer or scheduler)."""
    name = klass.__name__
    if issubclass(klass, Optimizer):
        if _find_optimizer_class(name) is not klass:
            raise TypeError("cannot save optimizer states: optimizer class {} is not "
                            "registered".format(name))
        if klass.__module__.startswith("mxnet.optimizer"):
            return ("mxnet.optimizer.contrib" if name == "GroupAdaGrad"
                    else "mxnet.optimizer.optimizer"), name
        return klass.__module__, name
    if _find_scheduler_class(name) is not klass:
        raise TypeError("cannot save optimizer states: scheduler class {} is ambiguous"
                        .format(name))
    if klass.__module__.startswith("mxnet."):
        return "mxnet.lr_scheduler", name
    return klass.__module__, name


def _numpy_global(func):
    """(module, name) of a callable found in a NumPy ``__reduce__``, as NumPy 1.x names it."""
    if func is numpy.dtype:
        return "numpy", "dtype"
    if func is numpy.ndarray:
        return "numpy", "ndarray"
    name = getattr(func, "__name__", None)
    module = getattr(func, "__module__", None) or ""
    if name in ("scalar", "_reconstruct") and module in ("numpy.core.multiarray",
                                                         "numpy._core.multiarray"):
        return "numpy.core.multiarray", name
    raise TypeError("cannot save optimizer states: unsupported NumPy reduction {!r}".format(func))


class _MXNetPickleWriter(object):
    """Writes a protocol-4 pickle of an optimizer-states tree, with MXNet's class references."""

    def __init__(self):
        self.out = []
        self.memo = {}      # key (id(obj) or ("g", module, name)) -> memo index
        self.keep = []      # keep memoized objects alive so ids stay unique

    def dumps(self, obj):
        self.out.append(b"\x80\x04")
        self.save(obj)
        self.out.append(b".")
        return b"".join(self.out)

    def _memoize(self, key, obj=None):
        self.memo[key] = len(self.memo)
        self.keep.append(obj)
        self.out.append(b"\x94")                                       # MEMOIZE

    def _get(self, key):
        i = self.memo[key]
        self.out.append(b"h" + struct.pack("<B", i) if i < 256 else b"j" + struct.pack("<I", i))

    def _global(self, module, name):
        key = ("g", module, name)
        if key in self.memo:
            return self._get(key)
        self._str(module)
        self._str(name)
        self.out.append(b"\x93")                                       # STACK_GLOBAL
        self._memoize(key)

    def _str(self, x):
        raw = x.encode("utf-8", "surrogatepass")
        if len(raw) < 256:
            self.out.append(b"\x8c" + struct.pack("<B", len(raw)) + raw)  # SHORT_BINUNICODE
        else:
            self.out.append(b"X" + struct.pack("<I", len(raw)) + raw)     # BINUNICODE

    def _bytes(self, x):
        if len(x) < 256:
            self.out.append(b"C" + struct.pack("<B", len(x)) + x)         # SHORT_BINBYTES
        else:
            self.out.append(b"B" + struct.pack("<I", len(x)) + x)         # BINBYTES

    def _int(self, x):
        if 0 <= x < 256:
            self.out.append(b"K" + struct.pack("<B", x))                  # BININT1
        elif 0 <= x < 65536:
            self.out.append(b"M" + struct.pack("<H", x))                  # BININT2
        elif -2 ** 31 <= x < 2 ** 31:
            self.out.append(b"J" + struct.pack("<i", x))                  # BININT
        else:
            raw = pickle.encode_long(x)
            self.out.append(b"\x8a" + struct.pack("<B", len(raw)) + raw if len(raw) < 256
                            else b"\x8b" + struct.pack("<i", len(raw)) + raw)   # LONG1 / LONG4

    def _tuple(self, items):
        if not items:
            self.out.append(b")")                                         # EMPTY_TUPLE
            return
        if len(items) > 3:
            self.out.append(b"(")                                         # MARK
        for v in items:
            self.save(v)
        self.out.append({1: b"\x85", 2: b"\x86", 3: b"\x87"}.get(len(items), b"t"))

    def _reduce(self, func_path, args, state=None, key=None, obj=None):
        self._global(*func_path)
        self._tuple(args)
        self.out.append(b"R")                                             # REDUCE
        if key is not None:
            self._memoize(key, obj)
        if state is not None:
            self.save(state)
            self.out.append(b"b")                                         # BUILD

    def save(self, x):
        if x is None:
            self.out.append(b"N")
        elif x is True or x is False:
            self.out.append(b"\x88" if x else b"\x89")
        elif type(x) is int:
            self._int(int(x))
        elif type(x) is float:
            self.out.append(b"G" + struct.pack(">d", x))                  # BINFLOAT
        elif type(x) is str:
            self._str(x)
        elif type(x) is bytes:
            self._bytes(x)
        elif type(x) is tuple:
            self._tuple(x)
        elif x is numpy.ndarray:
            self._global("numpy", "ndarray")
        elif isinstance(x, (numpy.generic, numpy.dtype)):
            rv = x.__reduce__()
            self._reduce(_numpy_global(rv[0]), rv[1], rv[2] if len(rv) > 2 else None)
        elif id(x) in self.memo:
            self._get(id(x))
        elif type(x) is list:
            self.out.append(b"]")                                         # EMPTY_LIST
            self._memoize(id(x), x)
            if x:
                self.out.append(b"(")
                for v in x:
                    self.save(v)
                self.out.append(b"e")                                     # APPENDS
        elif type(x) is dict:
            self.out.append(b"}")                                         # EMPTY_DICT
            self._memoize(id(x), x)
            if x:
                self.out.append(b"(")
                for k, v in x.items():
                    self.save(k)
                    self.save(v)
                self.out.append(b"u")                                     # SETITEMS
        elif isinstance(x, NDArray):
            raw = b"".join(bytes(c) for c in _ser._record_chunks(x, False))
            self._reduce(("mxnet.ndarray.ndarray", "NDArray"), (None,), key=id(x), obj=x)
            self.out.append(b"}")                                         # the state dict
            self._str("handle")
            self._reduce(("builtins", "bytearray"), (raw,))
            self.out.append(b"sb")                                        # SETITEM, BUILD
        elif isinstance(x, numpy.ndarray):
            rv = x.__reduce__()
            self._reduce(_numpy_global(rv[0]), rv[1], key=id(x), obj=x)
            self.save(rv[2])
            self.out.append(b"b")
        elif isinstance(x, (Optimizer, _lrs.LRScheduler)):
            self._global(*_mxnet_class_path(type(x)))
            self.out.append(b")\x81")                                     # EMPTY_TUPLE, NEWOBJ
            self._memoize(id(x), x)
            self.save(x.__getstate__() if isinstance(x, Optimizer) else dict(vars(x)))
            self.out.append(b"b")                                         # BUILD
        else:
            raise TypeError("cannot save optimizer states: unsupported value of type {} (neomx "
                            "saves numbers, strings, lists, tuples, dicts, NDArrays, NumPy values, "
                            "optimizers and learning-rate schedulers)".format(type(x).__name__))


# -- the container of older neomx versions ------------------------------------------------------------
def dumps_states_legacy(obj):
    """``obj`` (states, or (states, optimizer)) in the container older neomx versions wrote (read
    by ``loads_states``; kept to test that reading)."""
    enc = _Encoder()
    tree = enc.encode(obj)
    doc = json.dumps({"format": "neomx-optimizer-states", "version": 1, "root": tree},
                     separators=(",", ":")).encode("utf-8")
    arrays = _ser._save_to_bytes(enc.arrays)
    return MAGIC + struct.pack("<Q", len(doc)) + doc + arrays


def loads_states(data):
    """Objects from a states pickle (MXNet 1.9.1's or neomx's), or from the container of older
    neomx versions."""
    if isinstance(data, str):
        data = data.encode("latin-1")
    data = bytes(data)
    if data.startswith(MAGIC):
        start = len(MAGIC) + 8
        if len(data) < start:
            raise MXNetError("optimizer states: truncated header")
        (n,) = struct.unpack("<Q", data[len(MAGIC):start])
        if start + n > len(data):
            raise MXNetError("optimizer states: truncated ({} bytes of JSON announced, {} left)"
                             .format(n, len(data) - start))
        try:
            doc = json.loads(data[start:start + n].decode("utf-8"))
        except ValueError as e:
            raise MXNetError("optimizer states: corrupt JSON: {}".format(e)) from None
        if not isinstance(doc, dict) or doc.get("format") != "neomx-optimizer-states":
            raise MXNetError("optimizer states: not a neomx optimizer-states document")
        arrays = _ser.load_frombuffer(data[start + n:])
        return _Decoder(arrays).decode(doc["root"])
    if data[:1] == b"\x80":
        return _load_mxnet_pickle(data)
    raise MXNetError("optimizer states: unknown format (neither neomx state bytes nor an MXNet "
                     "states pickle)")


def _find_optimizer_class(name):
    klass = Optimizer.opt_registry.get(name.lower())
    if klass is not None and klass.__name__ == name:
        return klass
    for k in _subclasses(Optimizer):
        if k.__name__ == name:
            return k
    return None


def _find_scheduler_class(name):
    for k in [_lrs.LRScheduler] + _subclasses(_lrs.LRScheduler):
        if k.__name__ == name:
            return k
    return None


def _subclasses(base):
    out, todo = [], [base]
    while todo:
        for k in todo.pop().__subclasses__():
            out.append(k)
            todo.append(k)
    return out


class _Encoder(object):
    """Python object tree -> JSON-able tree; NDArrays go to ``self.arrays``."""

    def __init__(self):
        self.arrays = []
        self.memo = {}      # id(obj) -> ref number (dicts, lists, arrays, objects)
        self.keep = []      # keep encoded objects alive so ids stay unique

    def encode(self, x):
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, int):
            return x
        if isinstance(x, float):
            return {"t": "float", "v": repr(x)}   # exact, and inf/nan without JSON extensions
        if isinstance(x, numpy.generic):
            return {"t": "npscalar", "dtype": x.dtype.str, "v": self.encode(x.item())}
        if isinstance(x, numpy.dtype):
            return {"t": "dtype", "v": x.str}
        if isinstance(x, tuple):
            return {"t": "tuple", "v": [self.encode(v) for v in x]}
        ref = self.memo.get(id(x))
        if ref is not None:
            return {"t": "ref", "id": ref}
        rid = len(self.memo)
        self.memo[id(x)] = rid
        self.keep.append(x)
        if isinstance(x, list):
            return {"t": "list", "id": rid, "v": [self.encode(v) for v in x]}
        if isinstance(x, dict):
            return {"t": "dict", "id": rid,
                    "v": [[self.encode(k), self.encode(v)] for k, v in x.items()]}
        if isinstance(x, NDArray):
            self.arrays.append(x)
            return {"t": "nd", "id": rid, "i": len(self.arrays) - 1}
        if isinstance(x, numpy.ndarray):
            self.arrays.append(_nd_array(x, dtype=x.dtype))
            return {"t": "numpy", "id": rid, "i": len(self.arrays) - 1}
        if isinstance(x, Optimizer):
            if _find_optimizer_class(type(x).__name__) is not type(x):
                raise TypeError("cannot save optimizer states: optimizer class {} is not "
                                "registered".format(type(x).__name__))
            return {"t": "optimizer", "id": rid, "cls": type(x).__name__,
                    "v": self.encode(x.__getstate__())}
        if isinstance(x, _lrs.LRScheduler):
            if _find_scheduler_class(type(x).__name__) is not type(x):
                raise TypeError("cannot save optimizer states: scheduler class {} is ambiguous"
                                .format(type(x).__name__))
            return {"t": "lr_scheduler", "id": rid, "cls": type(x).__name__,
                    "v": self.encode(dict(vars(x)))}
        raise TypeError("cannot save optimizer states: unsupported value of type {} (neomx saves "
                        "numbers, strings, lists, tuples, dicts, NDArrays, optimizers and "
                        "learning-rate schedulers)".format(type(x).__name__))


class _Decoder(object):
    """JSON tree -> Python objects (the inverse of ``_Encoder``); builds no other classes."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.refs = {}

    def _array(self, node):
        i = node.get("i")
        if not isinstance(i, int) or not 0 <= i < len(self.arrays):
            raise MXNetError("optimizer states: array reference {!r} out of range".format(i))
        return self.arrays[i]

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if not isinstance(node, dict) or "t" not in node:
            raise MXNetError("optimizer states: unexpected JSON value {!r}".format(node))
        t = node["t"]
        if t == "float":
            return float(node["v"])
        if t == "npscalar":
            return numpy.dtype(node["dtype"]).type(self.decode(node["v"]))
        if t == "dtype":
            return numpy.dtype(node["v"])
        if t == "tuple":
            return tuple(self.decode(v) for v in node["v"])
        if t == "ref":
            if node["id"] not in self.refs:
                raise MXNetError("optimizer states: dangling reference {}".format(node["id"]))
            return self.refs[node["id"]]
        rid = node.get("id")
        if t == "list":
            out = self.refs[rid] = []
            out.extend(self.decode(v) for v in node["v"])
            return out
        if t == "dict":
            out = self.refs[rid] = {}
            for k, v in node["v"]:
                out[self.decode(k)] = self.decode(v)
            return out
        if t == "nd":
            out = self.refs[rid] = self._array(node)
            return out
        if t == "numpy":
            out = self.refs[rid] = self._array(node).asnumpy()
            return out
        if t in ("optimizer", "lr_scheduler"):
            find = _find_optimizer_class if t == "optimizer" else _find_scheduler_class
            klass = find(node["cls"])
            if klass is None:
                raise MXNetError("optimizer states: unknown {} class {!r} (register it before "
                                 "loading)".format(t.replace("_", " "), node["cls"]))
            obj = self.refs[rid] = klass.__new__(klass)
            attrs = self.decode(node["v"])
            if not isinstance(attrs, dict):
                raise MXNetError("optimizer states: attributes of {} are not a dict".format(
                    node["cls"]))
            if hasattr(obj, "__setstate__") and t == "optimizer":
                obj.__setstate__(attrs)
            else:
                obj.__dict__.update(attrs)
            return obj
        raise MXNetError("optimizer states: unknown node type {!r}".format(t))


# -- MXNet 1.9.1 pickles ----------------------------------------------------------------------------
class _PickledNDArray(object):
    """Stands for an MXNet NDArray while unpickling; replaced by a real NDArray afterwards."""

    def __init__(self, *args):     # MXNet reduces an NDArray to NDArray(None) + state
        self.value = None

    def __setstate__(self, state):
        raw = state.get("handle") if isinstance(state, dict) else None
        if not isinstance(raw, (bytes, bytearray)):
            raise pickle.UnpicklingError("NDArray pickle without raw bytes")
        r = _ser._Reader(bytes(raw), "MXNet optimizer states: pickled NDArray")
        a, dev = _ser._read_record(r)
        self.value = _ser._to_ndarray(a, dev)


class _RestrictedUnpickler(pickle.Unpickler):
    _NUMPY = {("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
              ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "_reconstruct"),
              ("numpy._core.multiarray", "_reconstruct"), ("numpy", "ndarray")}

    def find_class(self, module, name):
        if (module, name) == ("builtins", "bytearray"):
            return bytearray
        if (module, name) == ("mxnet.ndarray.ndarray", "NDArray"):
            return _PickledNDArray
        if (module, name) in self._NUMPY:
            return super().find_class(module, name)
        if module.startswith("mxnet.optimizer"):
            klass = _find_optimizer_class(name)
            if klass is not None:
                return klass
        if module == "mxnet.lr_scheduler":
            klass = _find_scheduler_class(name)
            if klass is not None:
                return klass
        # a user's registered optimizer / scheduler class, saved under its own module
        for find in (_find_optimizer_class, _find_scheduler_class):
            klass = find(name)
            if klass is not None and klass.__module__ == module:
                return klass
        raise pickle.UnpicklingError("optimizer states: refusing to load {}.{} from a pickle (only "
                                     "NDArrays, optimizers and schedulers are allowed)".format(
                                         module, name))


def _load_mxnet_pickle(data):
    try:
        obj = _RestrictedUnpickler(io.BytesIO(data)).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as e:
        if isinstance(e, pickle.UnpicklingError):
            raise
        raise MXNetError("optimizer states: corrupt MXNet pickle: {}".format(e)) from None
    return _swap_arrays(obj, {})


def _swap_arrays(x, seen):
    """Replace every ``_PickledNDArray`` in ``x`` by its NDArray (through containers and the
    attributes of optimizers and schedulers)."""
    if isinstance(x, _PickledNDArray):
        return x.value
    if id(x) in seen:
        return seen[id(x)]
    if isinstance(x, tuple):
        return tuple(_swap_arrays(v, seen) for v in x)
    if isinstance(x, list):
        seen[id(x)] = x
        x[:] = [_swap_arrays(v, seen) for v in x]
    elif isinstance(x, dict):
        seen[id(x)] = x
        for k in list(x):
            x[k] = _swap_arrays(x[k], seen)
    elif isinstance(x, (Optimizer, _lrs.LRScheduler)):
        seen[id(x)] = x
        for k, v in list(vars(x).items()):
            setattr(x, k, _swap_arrays(v, seen))
    return x
