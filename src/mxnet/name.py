"""Automatic naming of symbols: ``mx.name.NameManager`` and ``mx.name.Prefix``."""
import threading

__all__ = ["NameManager", "Prefix", "current"]

_local = threading.local()


class NameManager:
    """Assigns ``<hint><n>`` names (``fullyconnected0``) to symbols created without a name."""

    def __init__(self):
        self._counter = {}
        self._old_manager = None

    def get(self, name, hint):
        """The given ``name``, or a fresh one built from ``hint``."""
        if name:
            return name
        n = self._counter.get(hint, 0)
        self._counter[hint] = n + 1
        return "%s%d" % (hint, n)

    def __enter__(self):
        self._old_manager = current()
        _local.current = self
        return self

    def __exit__(self, ptype, value, trace):
        _local.current = self._old_manager


class Prefix(NameManager):
    """A NameManager that prepends ``prefix`` to every name (given or automatic)."""

    def __init__(self, prefix):
        super().__init__()
        self._prefix = prefix

    def get(self, name, hint):
        return self._prefix + super().get(name, hint)


def current():
    """The active NameManager of this thread."""
    m = getattr(_local, "current", None)
    if m is None:
        m = _local.current = NameManager()
    return m


