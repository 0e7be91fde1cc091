"""Live state of the cache levels and the database pool, for staff pages and metrics."""

from django.core.cache import cache
from django.db import connection

from .tiered import tiered_cache


def redis_state():
    """None for a non-Redis cache, else whether its circuit breaker currently sees Redis down."""
    breaker = getattr(cache, "breaker", None)
    if breaker is None:
        return None
    return {"down": breaker.is_down, "trips": breaker.trips}


def database_pool_stats():
    """psycopg pool statistics (size, available, waiting, waits...), or None without a pool."""
    pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
    return pool.get_stats() if pool is not None else None


def cache_overview():
    return {
        "families": tiered_cache.stats.snapshot(),
        "levels": tiered_cache.stats.level_totals(),
        "l1_entries": len(tiered_cache.l1),
        "l1_capacity": tiered_cache.l1.max_entries,
        "l1_evictions": tiered_cache.l1.evictions,
        "l2_backend": type(cache).__name__,
        "redis": redis_state(),
        "pool": database_pool_stats(),
    }
