import threading
import time

import pytest
from django.core.cache import cache

from caching.local_lru import MISSING, LocalLRU
from caching.tiered import TieredCache


def test_lru_evicts_the_least_recently_used_entry():
    lru = LocalLRU(max_entries=2)
    lru.set("a", 1, 60)
    lru.set("b", 2, 60)
    assert lru.get("a") == 1  # a is now the most recent
    lru.set("c", 3, 60)
    assert lru.get("b") is MISSING
    assert lru.get("a") == 1 and lru.get("c") == 3
    assert lru.evictions == 1 and len(lru) == 2


def test_lru_entries_expire():
    lru = LocalLRU(max_entries=10)
    lru.set("a", None, 0.05)
    assert lru.get("a") is None  # None is a value, not a miss
    time.sleep(0.06)
    assert lru.get("a") is MISSING


def counting(value="v"):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_levels_hit_in_order_and_are_counted():
    tiered = TieredCache()
    compute, calls = counting()
    assert tiered.get_or_set("services", ("k",), compute) == "v"
    assert tiered.get_or_set("services", ("k",), compute) == "v"
    assert len(calls) == 1
    stats = tiered.stats.snapshot()
    assert stats[("services", "l1")]["hit"] == 1 and stats[("services", "l1")]["miss"] == 1
    assert stats[("services", "l2")]["miss"] == 1
    # A second process (a fresh L1) finds it in L2.
    other = TieredCache()
    assert other.get_or_set("services", ("k",), compute) == "v"
    assert len(calls) == 1
    assert other.stats.snapshot()[("services", "l2")]["hit"] == 1


def test_delete_reaches_both_levels():
    tiered = TieredCache()
    compute, calls = counting()
    tiered.get_or_set("services", ("k",), compute)
    tiered.delete("services", ("k",))
    tiered.get_or_set("services", ("k",), compute)
    assert len(calls) == 2


def _race(tiered, family, threads, compute):
    barrier = threading.Barrier(threads)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(tiered.get_or_set(family, ("hot",), compute))
        except Exception as error:  # noqa: BLE001 - the test reports any failure
            errors.append(error)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results, errors


def slow(value, calls, delay=0.2):
    def compute():
        calls.append(1)
        time.sleep(delay)
        return value

    return compute


@pytest.mark.parametrize("processes", [1, 4])
def test_a_cold_hot_key_is_computed_once(processes):
    # Several "processes" (separate L1s, one shared L2), each with many threads.
    calls = []
    caches = [TieredCache() for _ in range(processes)]
    results, errors = [], []
    threads = []
    for tiered in caches:
        thread = threading.Thread(
            target=lambda t=tiered: results.extend(_race(t, "services", 10, slow("new", calls))[0])
        )
        threads.append(thread)
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(calls) == 1
    assert results == ["new"] * (10 * processes)


def test_an_expired_hot_key_is_recomputed_once_while_others_serve_the_old_value(settings):
    tiered = TieredCache()
    family = "services"
    tiered.get_or_set(family, ("hot",), lambda: "old")
    # Make the L2 entry stale (past its fresh time, inside its grace) and drop L1.
    from caching.keys import cache_key

    key = cache_key(family, "hot")
    cache.set(key, (time.time() - 1, "old"), 60)
    tiered.l1.clear()
    calls = []
    results, errors = _race(tiered, family, 40, slow("new", calls))
    assert not errors
    assert len(calls) == 1
    assert results.count("new") == 1 and results.count("old") == 39
    tiered.l1.clear()
    assert tiered.get_or_set(family, ("hot",), lambda: "unexpected") == "new"


def test_a_failing_computation_releases_its_lock():
    tiered = TieredCache()

    def broken():
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        tiered.get_or_set("services", ("k",), broken)
    assert tiered.get_or_set("services", ("k",), lambda: "ok") == "ok"
