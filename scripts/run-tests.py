"""Runs the test suite on SQLite + local memory, then on PostgreSQL + Redis when reachable, then
the inventory partition tests (tests/test_partitions.py) on two PostgreSQL databases as two
partition primaries (DATABASE_PARTITION_URLS, booking/partitions.py).

Tests that need PostgreSQL skip on the first run with a visible reason. With REQUIRE_SERVICES=1
(as CI sets) an unreachable PostgreSQL or Redis fails the run instead of skipping it. Browser
tests run once: in the second pass when it will run, else in the first.
"""

import os
import socket
import subprocess
import sys
from urllib.parse import urlparse

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/railconnect")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def reachable(url):
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=1):
            return True
    except OSError:
        return False


def pytest(extra_env, args, nothing_collected_ok=False):
    env = {**os.environ, **extra_env}
    status = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    # 5: nothing collected, as when the arguments name only the partition tests (pass 3's).
    return 0 if status == 5 and nothing_collected_ok else status


PARTITION_TESTS = "tests/test_partitions.py"


def main(args):
    # tests/test_partitions.py needs two PostgreSQL primaries: only the third pass runs it, when the
    # whole suite runs or when the arguments name it.
    partition_args = (
        [PARTITION_TESTS] if not args else args if any(PARTITION_TESTS in a for a in args) else None
    )
    only_partitions = bool(args) and partition_args is not None
    args = [*args, f"--ignore={PARTITION_TESTS}"]
    missing = [
        name for name, url in (("PostgreSQL", POSTGRES_URL), ("Redis", REDIS_URL)) if not reachable(url)
    ]
    print("== Test run 1/3: SQLite and the local-memory cache", flush=True)
    sqlite_env = {"DATABASE_URL": "", "REDIS_URL": ""}
    if not missing:
        # A browser test checks what the page does, which is the same on either database: run each
        # once, in the second pass (the production-like one), to keep the suite short.
        sqlite_env["BROWSER_TESTS"] = "later"
    # tests/test_partitions.py needs two PostgreSQL primaries: the third pass runs it.
    status = pytest(sqlite_env, args, only_partitions)
    if missing:
        message = f"{' and '.join(missing)} unreachable ({POSTGRES_URL}, {REDIS_URL})"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            print(f"== FAILED: {message}, and REQUIRE_SERVICES=1", flush=True)
            return 1
        print(f"== Test runs 2/3 and 3/3 SKIPPED: {message}", flush=True)
        return status
    print("== Test run 2/3: PostgreSQL and Redis", flush=True)
    # The concurrency tests run dozens of threads in this one process: give its connection pool
    # room for them (production sizes it per gunicorn worker, see settings.py).
    services_env = {**SERVICES_ENV, "DATABASE_POOL_MAX": "45"}
    services_status = pytest(services_env, args, only_partitions)
    if partition_args is None:
        return status or services_status
    partition_status = partition_pass(partition_args)  # whatever pass 2 gave: every failure shows
    return status or services_status or partition_status


SERVICES_ENV = {
    "DATABASE_URL": POSTGRES_URL,
    "REDIS_URL": REDIS_URL,
    "REQUIRE_POSTGRES": "1",
    "DATABASE_POOL_TIMEOUT": "20",
}


def partition_pass(args):
    """Pass 3: inventory partitioned over two primaries: the test database and a second one on the
    same server (booking/partitions.py), with a pool each (so each is smaller)."""
    if not (reachable(POSTGRES_URL) and reachable(REDIS_URL)):
        message = f"PostgreSQL or Redis unreachable ({POSTGRES_URL}, {REDIS_URL})"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            print(f"== FAILED: {message}, and REQUIRE_SERVICES=1", flush=True)
            return 1
        print(f"== Test run 3/3 SKIPPED: {message}", flush=True)
        return 0
    print("== Test run 3/3: PostgreSQL, inventory partitioned over two primaries", flush=True)
    partition_env = {
        **SERVICES_ENV,
        "DATABASE_PARTITION_URLS": f"p2={POSTGRES_URL}_p2",
        "DATABASE_POOL_MAX": "20",
    }
    return pytest(partition_env, args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
