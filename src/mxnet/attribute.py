"""``mx.AttrScope``: attributes attached to every symbol created inside the scope."""
import threading

__all__ = ["AttrScope", "current"]

_local = threading.local()

# MXNet stores these attributes as ``__key__`` (the form its JSON and operator parser expect),
# answers ``attr('key')`` from it and lists both forms.
HIDDEN_KEYS = frozenset(("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage", "profiler_scope"))


def stored_key(key):
    """The key an attribute is stored under (``lr_mult`` -> ``__lr_mult__``)."""
    return "__{}__".format(key) if key in HIDDEN_KEYS else key


def _stored(attrs):
    return {stored_key(k): v for k, v in attrs.items()}


class AttrScope:
    """``with mx.AttrScope(ctx_group='dev1'):`` — string attributes for new symbols."""

    def __init__(self, **kwargs):
        for v in kwargs.values():
            if not isinstance(v, str):
                raise ValueError("Attributes need to be string")
        self._attr = kwargs
        self._old_scope = None

    def get(self, attr):
        """Merge the scope's attributes with ``attr`` (explicit values win), keyed as stored."""
        if not self._attr:
            return _stored(attr) if attr else {}
        out = _stored(self._attr)
        if attr:
            out.update(_stored(attr))
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
