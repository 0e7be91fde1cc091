"""Runs the test suite on SQLite + local memory, then on PostgreSQL + Redis when reachable.

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


def pytest(extra_env, args):
    env = {**os.environ, **extra_env}
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main(args):
    missing = [
        name for name, url in (("PostgreSQL", POSTGRES_URL), ("Redis", REDIS_URL)) if not reachable(url)
    ]
    print("== Test run 1/2: SQLite and the local-memory cache", flush=True)
    sqlite_env = {"DATABASE_URL": "", "REDIS_URL": ""}
    if not missing:
        # A browser test checks what the page does, which is the same on either database: run each
        # once, in the second pass (the production-like one), to keep the suite short.
        sqlite_env["BROWSER_TESTS"] = "later"
    status = pytest(sqlite_env, args)
    if missing:
        message = f"{' and '.join(missing)} unreachable ({POSTGRES_URL}, {REDIS_URL})"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            print(f"== FAILED: {message}, and REQUIRE_SERVICES=1", flush=True)
            return 1
        print(f"== Test run 2/2 SKIPPED: {message}", flush=True)
        return status
    print("== Test run 2/2: PostgreSQL and Redis", flush=True)
    # The concurrency tests run dozens of threads in this one process: give its connection pool
    # room for them (production sizes it per gunicorn worker, see settings.py).
    services_env = {
        "DATABASE_URL": POSTGRES_URL,
        "REDIS_URL": REDIS_URL,
        "REQUIRE_POSTGRES": "1",
        "DATABASE_POOL_MAX": "45",
        "DATABASE_POOL_TIMEOUT": "20",
    }
    services_status = pytest(services_env, args)
    return status or services_status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
