"""``mx.kv`` / ``mx.kvstore``: key-value stores that sum values pushed from several devices and
keep (and optimizer-update) the stored values; ``create('local')`` or ``create('device')``."""
from . import base, kvstore, kvstore_server
from .base import KVStoreBase, create
from .kvstore import KVStore
from .kvstore_server import KVStoreServer

__all__ = ["KVStore", "KVStoreBase", "KVStoreServer", "create"]
