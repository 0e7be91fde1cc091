"""Databases for runs outside pytest (benchmarks, `make loadtest`, fault tests' subprocesses): a
fresh migrated database, manage.py against a given one, Django set up on one; and which database a
test runs on."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from .results import RESULTS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "railconnect.settings")
    import django

    django.setup()


def fresh_database(kind, name):
    """A DATABASE_URL for an empty, migrated database of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        RESULTS.mkdir(exist_ok=True)
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
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=env,
        check=True,
        text=True,
        capture_output=capture,
    )


def on_postgres():
    from django.db import connection

    return connection.vendor == "postgresql"


def postgres_reachable():
    """Whether the PostgreSQL the benchmarks use (127.0.0.1:5432) answers at all."""
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False
