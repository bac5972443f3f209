"""``mx.kv`` / ``mx.kvstore``: key-value stores that sum values pushed from several devices and
keep (and optimizer-update) the stored values; ``create('local')`` or ``create('device')``."""
from . import base, kvstore, kvstore_server
from .base import KVStoreBase, create
from .kvstore import KVStore
from .kvstore_server import KVStoreServer
# -- distributed types (issue 8): dist.create builds 'dist_*' / 'horovod' (and 'nccl' inside an
# -- MPI job) and hands every other name to base.create.
from . import dist
from .dist import create  # noqa: F811

__all__ = ["KVStore", "KVStoreBase", "KVStoreServer", "create"]
