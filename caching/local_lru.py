"""The in-process first level: a bounded LRU with per-entry expiry, safe across threads."""

import threading
import time
from collections import OrderedDict

MISSING = object()


class LocalLRU:
    def __init__(self, max_entries):
        self.max_entries = max_entries
        self._entries = OrderedDict()  # key -> (expires_at, value)
        self._lock = threading.Lock()
        self.evictions = 0

    def get(self, key):
        """The value, or MISSING when absent or expired."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return MISSING
            if entry[0] <= now:
                del self._entries[key]
                return MISSING
            self._entries.move_to_end(key)
            return entry[1]

    def set(self, key, value, ttl):
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
                self.evictions += 1

    def delete(self, key):
        with self._lock:
            self._entries.pop(key, None)

    def clear(self):
        with self._lock:
            self._entries.clear()

    def __len__(self):
        return len(self._entries)
