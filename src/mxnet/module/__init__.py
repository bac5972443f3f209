"""``mx.mod``: modules — symbols bound over contexts with parameters and an optimizer."""
from .base_module import BaseModule
from .module import Module
from .bucketing_module import BucketingModule
from .sequential_module import SequentialModule

__all__ = ["BaseModule", "Module", "BucketingModule", "SequentialModule"]
from .python_module import PythonModule, PythonLossModule  # noqa: E402,F401
