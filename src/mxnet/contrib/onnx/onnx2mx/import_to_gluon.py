"""``import_to_gluon``."""
from .._import import import_to_gluon  # noqa: F401
