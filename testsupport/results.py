"""Timing statistics and saved results of benchmark and load runs (bench-results/, not in git)."""

import json
import statistics
from pathlib import Path

RESULTS = Path(__file__).resolve().parent.parent / "bench-results"


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summarize_ms(seconds):
    milliseconds = [value * 1000 for value in seconds]
    return {
        "n": len(milliseconds),
        "median_ms": round(statistics.median(milliseconds), 3),
        "p95_ms": round(percentile(milliseconds, 0.95), 3),
        "p99_ms": round(percentile(milliseconds, 0.99), 3),
        "max_ms": round(max(milliseconds), 3),
    }


def save(name, data):
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(data, indent=2))
