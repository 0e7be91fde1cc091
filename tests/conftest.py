"""Shared fixtures. The same suite runs on SQLite and on PostgreSQL (see scripts/run-tests.py).

Fixtures only: the builders they use (networks, users, bookings, pages) are plain functions in the
testsupport package, which tests import directly (docs/testing.md)."""

import os
from pathlib import Path

import pytest
from django.db import connection
from django.utils import translation

from testsupport.booking_rows import World
from testsupport.caches import reset_caches
from testsupport.databases import on_postgres
from testsupport.networks import booking_network
from testsupport.users import logged_in_client, make_user

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path_factory):
    # PBKDF2 is slow by design; tests only need a hasher that works.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Templates must render without a built manifest when pytest runs on its own.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # ...and without compressor's offline build: {% compress %} blocks pass their content through.
    # (tests/test_static_build.py, the budgets and tests/browser/ use a real build.)
    settings.COMPRESS_ENABLED = False
    settings.COMPRESS_OFFLINE = False
    # Uploaded pictures and their renditions go to a per-test folder.
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    # No background thread refreshing the statistics view behind a test's back (dashboard tests
    # ask for "immediate" or "background" where they test it).
    settings.DASHBOARD_STATS_REFRESH = "manual"
    # Tasks (django.tasks) run at once, in the test's thread and transaction: a test sees their
    # effects when the request returns (tests/test_password_reset.py tries the thread pool).
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    # A look right after a test releases an inventory's writer role must take it: no window in which
    # this process trusts that the role is still taken (tests/test_booking_queue.py tests that window).
    settings.BOOKING_WRITER_BUSY_MS = 0
    reset_caches()
    yield
    reset_caches()
    # A request's language (LocaleMiddleware: /hi/...) stays active in the thread after it ends;
    # the next test starts in the default language.
    translation.deactivate()


@pytest.fixture
def postgres_only():
    if not on_postgres():
        reason = "needs PostgreSQL: runs in the second pass of `make test` (DATABASE_URL=postgres://...)"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but the database is {connection.vendor}")
        pytest.skip(reason)


# --- The booking network and a signed-in passenger (testsupport/networks.py, users.py) ----------


@pytest.fixture
def network(db):
    booking_network()


@pytest.fixture
def world(network):
    """The booking network and a `World` to write booking rows into (testsupport.booking_rows)."""
    return World()


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def client_for(user):
    return logged_in_client(user)


@pytest.fixture(scope="session")
def shared_data():
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent")
    return SHARED_DATA


# --- The production static build (tests/test_static_build.py, budgets, tests/browser/) -------


@pytest.fixture(scope="session")
def built_static(tmp_path_factory):
    """`manage.py build_static` into a temporary STATIC_ROOT, once per run: the current sources,
    built exactly as `make static` builds them (hashed names, compressor output, .br/.gz)."""
    import subprocess
    import sys

    root = tmp_path_factory.mktemp("staticfiles")
    env = {**os.environ, "STATIC_ROOT": str(root), "DJANGO_SETTINGS_MODULE": "railconnect.settings"}
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    result = subprocess.run(
        [sys.executable, str(manage), "build_static", "--verbosity", "0"],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        pytest.fail(f"build_static failed:\n{result.stdout}\n{result.stderr}")
    return root


def _reset_compressor():
    from compressor import cache as compressor_cache
    from compressor import storage as compressor_storage
    from django.utils.functional import empty

    compressor_storage.default_storage._wrapped = empty
    compressor_storage.default_offline_manifest_storage._wrapped = empty
    compressor_cache.flush_offline_manifest()


@pytest.fixture
def production_static(_fast_and_isolated, settings, built_static):
    """Settings as in production for static files: the manifest storage, compressor offline."""
    settings.STATIC_ROOT = str(built_static)
    settings.COMPRESS_ROOT = str(built_static)
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "railconnect.static_storage.ModuleAwareManifestStorage"},
    }
    settings.COMPRESS_ENABLED = True
    settings.COMPRESS_OFFLINE = True
    _reset_compressor()
    yield built_static
    _reset_compressor()
