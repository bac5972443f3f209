"""Text utilities: token counting (``utils``), token indexing (``vocab``) and token embeddings
(``embedding``)."""
from . import utils
from . import vocab
from . import embedding

__all__ = ["utils", "vocab", "embedding"]
