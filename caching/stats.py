"""Hit and miss counts per cache level and key family, for staff pages and /metrics.

Counters live in each worker process (cheap: no I/O on the hot path); the staff page and the
metrics endpoint read the process that serves them.
"""

import threading
from collections import Counter
from collections.abc import Callable

OUTCOMES = ("hit", "miss", "stale")
# Called with (family, level, outcome) on every record: the observability app counts them in
# Prometheus counters, which (unlike these) add up across gunicorn's worker processes.
listeners: list[Callable[[str, str, str], None]] = []


class CacheStats:
    def __init__(self):
        self._counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def record(self, family, level, outcome):
        with self._lock:
            self._counts[(family, level, outcome)] += 1
        for listener in listeners:
            listener(family, level, outcome)

    def reset(self):
        with self._lock:
            self._counts.clear()

    def snapshot(self):
        """{(family, level): {"hit": n, "miss": n, "stale": n, "hit_rate": float | None}}"""
        with self._lock:
            counts = dict(self._counts)
        table = {}
        for (family, level, outcome), count in counts.items():
            table.setdefault((family, level), dict.fromkeys(OUTCOMES, 0))[outcome] = count
        for row in table.values():
            served = row["hit"] + row["stale"]
            total = served + row["miss"]
            row["hit_rate"] = served / total if total else None
        return dict(sorted(table.items()))

    def level_totals(self):
        totals = {}
        for (_, level), row in self.snapshot().items():
            total = totals.setdefault(level, dict.fromkeys(OUTCOMES, 0))
            for outcome in OUTCOMES:
                total[outcome] += row[outcome]
        for total in totals.values():
            count = sum(total.values())
            total["hit_rate"] = (total["hit"] + total["stale"]) / count if count else None
        return totals
