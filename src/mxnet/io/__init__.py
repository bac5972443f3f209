"""``mx.io``: data iterators (DataIter protocol, NDArrayIter, MNISTIter, CSVIter, ...)."""
from .io import (DataDesc, DataBatch, DataIter, ResizeIter, PrefetchingIter, NDArrayIter,
                 MXDataIter)
from .mnist import MNISTIter
from .csviter import CSVIter
from . import io, utils

__all__ = ["DataDesc", "DataBatch", "DataIter", "ResizeIter", "PrefetchingIter", "NDArrayIter",
           "MXDataIter", "MNISTIter", "CSVIter"]
from .image_record import ImageRecordIter  # noqa: E402,F401
from .libsvm import LibSVMIter  # noqa: E402,F401
from .image_det_record import *  # noqa: E402,F401,F403  (ImageDetRecordIter, ImageRecord*Iter dtype variants)
