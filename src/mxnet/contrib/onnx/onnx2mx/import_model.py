"""``import_model`` and ``get_model_metadata``."""
from .._import import import_model, get_model_metadata  # noqa: F401
