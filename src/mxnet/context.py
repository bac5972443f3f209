"""Devices: Context, mx.cpu(), mx.gpu(), mx.cpu_pinned() and the default-context stack."""
import threading

from .base import _MXNetKeyError

__all__ = ["Context", "cpu", "gpu", "cpu_pinned", "current_context", "num_gpus", "gpu_memory_info"]


class Context:
    """A device: ``Context('cpu', 0)``, ``Context('gpu', 1)``. Usable as ``with ctx:``."""
    devtype2str = {1: "cpu", 2: "gpu", 3: "cpu_pinned", 5: "cpu_shared"}
    devstr2type = {v: k for k, v in devtype2str.items()}

    __slots__ = ("device_typeid", "device_id", "_hash", "_backend", "_envs")

    def __init__(self, device_type, device_id=0):
        if isinstance(device_type, Context):
            self.device_typeid, self.device_id = device_type.device_typeid, device_type.device_id
        else:
            if device_type not in self.devstr2type:
                raise _MXNetKeyError("unknown device type {!r}; expected one of {}".format(
                    device_type, sorted(self.devstr2type)))
            self.device_typeid = self.devstr2type[device_type]
            self.device_id = int(device_id)
        self._hash = hash((self.device_typeid, self.device_id))   # contexts key hot dict lookups
        self._backend = None     # backend.for_context's cache (a dict lookup hashes in Python)
        self._envs = None        # imperative OpEnvs, [predict, train] (ndarray/imperative.py)

    def __reduce__(self):
        return (Context, (self.device_type, self.device_id))

    @property
    def device_type(self):
        """'cpu', 'gpu', 'cpu_pinned' or 'cpu_shared'."""
        return self.devtype2str[self.device_typeid]

    def __hash__(self):
        return self._hash

    def __eq__(self, other):
        return self is other or (isinstance(other, Context) and self.device_typeid == other.device_typeid
                                 and self.device_id == other.device_id)

    def __ne__(self, other):
        return self is not other and not self.__eq__(other)

    def __str__(self):
        return "{}({})".format(self.device_type, self.device_id)

    __repr__ = __str__

    def __enter__(self):
        stack = _ctx_stack()
        stack.append(self)
        return self

    def __exit__(self, ptype, value, trace):
        _ctx_stack().pop()

    def empty_cache(self):
        """Release cached device memory (GPU memory pools); a no-op on the CPU."""
        if self.device_type == "gpu":
            from .backend import for_context
            for_context(self).empty_cache()


class _CtxStack(threading.local):
    def __init__(self):      # runs once in every thread that touches it
        self.stack = []


_STACKS = _CtxStack()
_SHARED = {}     # (device type, id) -> the Context that cpu()/gpu() return


def _ctx_stack():
    return _STACKS.stack


def _shared(device_type, device_id):
    # One object per device: the hot paths compare contexts, and ``is`` settles most of them.
    key = (device_type, device_id)
    ctx = _SHARED.get(key)
    if ctx is None:
        ctx = _SHARED[key] = Context(device_type, device_id)
    return ctx


def cpu(device_id=0):
    """A CPU context. ``cpu(0)`` and ``cpu(1)`` have separate engine queues."""
    return _shared("cpu", device_id)


def cpu_pinned(device_id=0):
    """Page-locked CPU memory context (plain CPU memory here)."""
    return _shared("cpu_pinned", device_id)


def gpu(device_id=0):
    """A GPU context. Creating it is cheap; using it needs CuPy and a GPU."""
    return _shared("gpu", device_id)


def current_context():
    """The default context: the innermost ``with ctx:``, else ``cpu(0)``."""
    stack = _STACKS.stack
    return stack[-1] if stack else _shared("cpu", 0)


def num_gpus():
    """Number of visible GPUs (0 without CuPy)."""
    from .backend import gpu_count
    return gpu_count()


def gpu_memory_info(device_id=0):
    """(free, total) bytes of GPU ``device_id``."""
    from .backend import for_context
    return for_context(gpu(device_id)).memory_info()
