"""Helpers shared by the benchmark scripts: databases to run against, timing and reporting."""

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench-results"
PYTHON = sys.executable
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_database(kind, name):
    """A DATABASE_URL for an empty, migrated database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        path = RESULTS / f"{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        import psycopg

        with psycopg.connect(f"{POSTGRES_ADMIN_URL}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        url = f"{POSTGRES_ADMIN_URL}/{name}"
    manage("migrate", "--noinput", "--verbosity", "0", database_url=url)
    return url


def manage(*args, database_url, capture=False):
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": ""}
    return subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args], env=env, check=True, text=True,
        capture_output=capture,
    )


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
