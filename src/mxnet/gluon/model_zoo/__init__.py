"""``gluon.model_zoo``: predefined network architectures (``vision``) and the local store of
their pretrained parameter files (``model_store``), as in MXNet 1.9.1."""
from . import model_store
from . import vision
