"""The KVStore interface, its registry and ``create``."""
import warnings

from ..base import MXNetError, string_types
from ..ndarray import NDArray

__all__ = ["create", "KVStoreBase"]


class KVStoreBase(object):
    """An abstract key-value store interface for data parallel training."""

    OPTIMIZER = "optimizer"
    kv_registry = {}

    def broadcast(self, key, value, out, priority=0):
        """Broadcast ``value`` (at rank 0) to all ranks and store it into ``out``."""
        raise NotImplementedError()

    def pushpull(self, key, value, out=None, priority=0):
        """Sum ``value`` (one array or a list) over workers/devices into ``out``
        (``value`` itself when ``out`` is None)."""
        raise NotImplementedError()

    def set_optimizer(self, optimizer):
        """Register the optimizer that updates the stored values on push."""
        raise NotImplementedError()

    def is_capable(self, capability):
        """Whether this store supports ``capability`` (e.g. ``KVStoreBase.OPTIMIZER``)."""
        raise NotImplementedError()

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Save the updater's states (and the optimizer with ``dump_optimizer``) to ``fname``."""
        raise NotImplementedError()

    def load_optimizer_states(self, fname):
        """Load the updater's states from ``fname``."""
        raise NotImplementedError()

    @property
    def type(self):
        """The type of this store (str)."""
        raise NotImplementedError()

    @property
    def rank(self):
        """The rank of this worker, in [0, num_workers)."""
        raise NotImplementedError()

    @property
    def num_workers(self):
        """The number of workers."""
        raise NotImplementedError()

    @staticmethod
    def register(klass):
        """Register a KVStoreBase subclass: ``mx.kv.create(klass.__name__)`` then builds one."""
        assert isinstance(klass, type)
        name = klass.__name__.lower()
        if name in KVStoreBase.kv_registry:
            old = KVStoreBase.kv_registry[name]
            warnings.warn("WARNING: New kvstore %s.%s is overriding existing kvstore %s.%s" % (
                klass.__module__, klass.__name__, old.__module__, old.__name__))
        KVStoreBase.kv_registry[name] = klass
        return klass


@KVStoreBase.register
class TestStore(KVStoreBase):
    """A key-value store for testing: pushpull sums in Python, nothing is stored."""

    def broadcast(self, key, value, out, priority=0):
        for o in (out if isinstance(out, list) else [out]):
            o[:] = value

    def pushpull(self, key, value, out=None, priority=0):
        if isinstance(value, NDArray):
            if out is not None:
                for o in (out if isinstance(out, list) else [out]):
                    o[:] = value
            return
        ctx = value[0].context
        reduced = sum([v.as_in_context(ctx) for v in value])
        for o in (value if out is None else (out if isinstance(out, list) else [out])):
            o[:] = reduced

    @staticmethod
    def is_capable(capability):
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return False
        raise ValueError("Unknown capability: {}".format(capability))

    @property
    def type(self):
        return "teststore"

    @property
    def rank(self):
        return 0

    @property
    def num_workers(self):
        return 1

    def set_optimizer(self, optimizer):
        raise NotImplementedError()

    def save_optimizer_states(self, fname, dump_optimizer=False):
        raise NotImplementedError()

    def load_optimizer_states(self, fname):
        raise NotImplementedError()


def create(name="local"):
    """Create a KVStore.

    ``'local'`` sums the pushed values and keeps (and updates) the stored values in CPU memory;
    ``'device'`` (also ``'nccl'``) sums and updates on the device of the values. Any other name
    without ``dist`` is a local store of that type name, as in MXNet (``'local_allreduce_cpu'``,
    ``'local_update_cpu'``, ``'local_allreduce_device'``, ...). Names of registered
    KVStoreBase subclasses (``'teststore'``) build those. The distributed types (``dist_sync``,
    ``dist_device_sync``, ``dist_async``) need a multi-process launch and raise MXNetError here.
    """
    if not isinstance(name, string_types):
        raise TypeError("name must be a string")
    name = name.lower()
    if name in KVStoreBase.kv_registry:
        return KVStoreBase.kv_registry[name]()
    if "dist" in name:
        raise MXNetError("kvstore type '{}': distributed kvstores are not available in this "
                         "process (no distributed launch found); use 'local' or 'device'"
                         .format(name))
    from .kvstore import KVStore
    return KVStore(name)
