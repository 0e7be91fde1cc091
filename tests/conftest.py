"""Shared fixtures. The same suite runs on SQLite and on PostgreSQL (see scripts/run-tests.py)."""

import os
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # PBKDF2 is slow by design; tests only need a hasher that works.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Templates must render without a built manifest when pytest runs on its own.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()
    yield
    cache.clear()


def on_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def postgres_only():
    if not on_postgres():
        reason = "needs PostgreSQL: runs in the second pass of `make test` (DATABASE_URL=postgres://...)"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but the database is {connection.vendor}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent")
    return SHARED_DATA
