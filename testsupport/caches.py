"""Emptying every cache level between tests (tests/conftest.py does it around each test)."""

from django.core.cache import cache


def reset_caches():
    from caching.tiered import tiered_cache

    cache.clear()
    tiered_cache.l1.clear()
    tiered_cache.stats.reset()
