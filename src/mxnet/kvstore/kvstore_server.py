"""``KVStoreServer``: the server side of a distributed KVStore."""
from ..base import MXNetError

__all__ = ["KVStoreServer"]


class KVStoreServer(object):
    """The server loop of a distributed KVStore. In-process stores have no servers, so
    :meth:`run` raises."""

    def __init__(self, kvstore):
        self.kvstore = kvstore
        self.handle = getattr(kvstore, "handle", None)
        self.init_logging = False

    def run(self):
        """Run the server loop (needs a distributed launch)."""
        raise MXNetError("KVStoreServer.run: distributed kvstore servers are not available "
                         "in-process (kvstore type '{}')".format(
                             getattr(self.kvstore, "type", None)))
