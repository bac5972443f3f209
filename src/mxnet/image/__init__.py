"""``mx.image``: image I/O, augmenters and image data iterators (classification and detection)."""
from .image import *  # noqa: F401,F403
from .image import _get_interp_method, cv2, is_np_array, Number  # noqa: F401
from .detection import *  # noqa: F401,F403
from ..base import numeric_types  # noqa: F401
from . import image, detection  # noqa: F401
