"""Two cache levels: a small in-process LRU (L1) in front of the shared cache (L2).

`get_or_set` protects against stampedes. An L2 entry is stored with the time it stops being
fresh and kept a little longer than that ("stale grace"): when a hot key goes stale, the one
caller that wins an L2 lock (an atomic `add`) recomputes it while everyone else keeps serving
the previous value. When there is no previous value at all, the losers wait briefly for the
winner's result instead of all hitting the database at once.
"""

import threading
import time

from django.conf import settings
from django.core.cache import caches

from .keys import cache_key

from .local_lru import MISSING, LocalLRU
from .policy import family as get_family
from .stats import CacheStats

L1, L2 = "l1", "l2"


class TieredCache:
    def __init__(self, l2_alias="default"):
        self.l2_alias = l2_alias
        self.l1 = LocalLRU(settings.CACHE_L1_MAX_ENTRIES)
        # CACHE_L1_MAX_ENTRIES = 0 switches the first level off (benchmarks compare with and without).
        self.l1_enabled = settings.CACHE_L1_MAX_ENTRIES > 0
        self.stats = CacheStats()
        self._local_locks = {}
        self._local_locks_guard = threading.Lock()

    @property
    def l2(self):
        return caches[self.l2_alias]

    def get_or_set(self, family_name, parts, compute):
        family = get_family(family_name)
        key = cache_key(family.name, *parts)
        if family.l1_ttl and self.l1_enabled:
            value = self.l1.get(key)
            if value is not MISSING:
                self.stats.record(family.name, L1, "hit")
                return value
            self.stats.record(family.name, L1, "miss")
        envelope = self.l2.get(key)
        if envelope is not None:
            fresh_until, value = envelope
            if fresh_until is None or time.time() < fresh_until:
                self.stats.record(family.name, L2, "hit")
                self._keep_locally(family, key, value)
                return value
            taken = self._try_lock(key)
            if taken is None:
                self.stats.record(family.name, L2, "stale")
                return value
        else:
            self.stats.record(family.name, L2, "miss")
            taken = self._try_lock(key)
            if taken is None:
                value = self._wait_for(key)
                if value is not MISSING:
                    self._keep_locally(family, key, value)
                    return value
        return self._compute_and_store(family, key, compute, taken)

    def delete(self, family_name, parts):
        key = cache_key(family_name, *parts)
        self.l1.delete(key)
        self.l2.delete(key)

    def remember_locally(self, family_name, key, load):
        """L1 only, for a value whose source of truth is elsewhere (e.g. the version counter)."""
        family = get_family(family_name)
        value = self.l1.get(key)
        if value is not MISSING:
            self.stats.record(family.name, L1, "hit")
            return value
        self.stats.record(family.name, L1, "miss")
        value = load()
        self._keep_locally(family, key, value)
        return value

    def forget_locally(self, key):
        self.l1.delete(key)

    def _keep_locally(self, family, key, value):
        if family.l1_ttl and self.l1_enabled:
            self.l1.set(key, value, family.l1_ttl)

    def _compute_and_store(self, family, key, compute, taken):
        try:
            value = compute()
            fresh_until = None if family.l2_ttl is None else time.time() + family.l2_ttl
            timeout = None if family.l2_ttl is None else family.l2_ttl + family.stale_grace
            self.l2.set(key, (fresh_until, value), timeout)
            self._keep_locally(family, key, value)
            return value
        finally:
            if taken:
                self._unlock(key, taken)

    # Locks: an atomic add in L2 (shared by every process) serialises recomputation across
    # workers; a lock per key inside the process stops its own threads, and is all there is
    # while L2 is unreachable. Returns what was taken ("shared" or "local"), or None.
    def _try_lock(self, key):
        local = self._local_lock(key)
        if not local.acquire(blocking=False):
            return None
        if self.l2.add(f"{key}:lock", 1, settings.CACHE_LOCK_TIMEOUT):
            return "shared"
        if self.l2.get(f"{key}:lock") is None:  # the add failed because L2 is down
            return "local"
        local.release()
        return None

    def _unlock(self, key, taken):
        if taken == "shared":
            self.l2.delete(f"{key}:lock")
        self._local_lock(key).release()

    def _local_lock(self, key):
        with self._local_locks_guard:
            lock = self._local_locks.get(key)
            if lock is None:
                if len(self._local_locks) > settings.CACHE_L1_MAX_ENTRIES:
                    self._local_locks = {k: v for k, v in self._local_locks.items() if v.locked()}
                lock = self._local_locks[key] = threading.Lock()
            return lock

    def _wait_for(self, key):
        """The value another caller is computing, or MISSING if it doesn't arrive in time."""
        deadline = time.monotonic() + settings.CACHE_STAMPEDE_WAIT
        while time.monotonic() < deadline:
            time.sleep(0.005)
            value = self.l1.get(key)
            if value is not MISSING:
                return value
            envelope = self.l2.get(key)
            if envelope is not None:
                return envelope[1]
        return MISSING


tiered_cache = TieredCache()
