"""``mx.AttrScope``: attributes attached to every symbol created inside the scope."""
import threading

__all__ = ["AttrScope", "current"]

_local = threading.local()


class AttrScope:
    """``with mx.AttrScope(ctx_group='dev1'):`` — string attributes for new symbols."""

    def __init__(self, **kwargs):
        for v in kwargs.values():
            if not isinstance(v, str):
                raise ValueError("Attributes need to be string")
        self._attr = kwargs
        self._old_scope = None

    def get(self, attr):
        """Merge the scope's attributes with ``attr`` (explicit values win)."""
        if not self._attr:
            return dict(attr) if attr else {}
        out = dict(self._attr)
        if attr:
            out.update(attr)
        return out

    def __enter__(self):
        self._old_scope = current()
        merged = dict(self._old_scope._attr)
        merged.update(self._attr)
        self._attr = merged
        _local.current = self
        return self

    def __exit__(self, ptype, value, trace):
        _local.current = self._old_scope


def current():
    s = getattr(_local, "current", None)
    if s is None:
        s = _local.current = AttrScope()
    return s
