"""Fixtures for the fault tests: real gunicorn processes (the benchmarks' Server), private Redis
and PostgreSQL servers that a test may stop, and the URL of pytest-django's test database.

All of them are PostgreSQL-only (`postgres_only`: they skip with a reason on the SQLite pass),
target loopback only, and stop everything they started when the test ends, pass or fail.
"""

import os

import pytest
from django.db import connection

from testsupport.load_harness import ProductionServer, Server
from testsupport.private_services import POSTGRES_BIN, REDIS_SERVER, PrivatePostgres, PrivateRedis

from .helpers import database_url, wait_until_ready


@pytest.fixture
def test_database_url(postgres_only, transactional_db):
    """pytest-django's test database, committed data visible to other processes (transactional_db)."""
    return database_url(connection.settings_dict)


@pytest.fixture
def gunicorn(request, tmp_path):
    """start(database_url, **env) -> a running Server (2 workers x 4 threads, production settings,
    static files built from the current sources into a temporary STATIC_ROOT, once per run; set
    FAULTS_STATIC_ROOT to use an existing build instead). Every server is stopped at teardown;
    their logs are in the test's tmp_path."""
    built_static = os.environ.get("FAULTS_STATIC_ROOT") or request.getfixturevalue("built_static")
    servers = []

    def start(url, **env):
        settings = {
            "DEBUG": "0",
            "STATIC_ROOT": str(built_static),
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "4",
            "DATABASE_POOL_MAX": "4",  # the shared PostgreSQL has 100 connections for everybody
            "LOG_LEVEL": "WARNING",
            # These clients book far faster than a person may (railconnect/rate_limits.py).
            "BOOKING_RATE_LIMIT": "1000000",
            # Not gunicorn 27's control socket: its default path is one per user, so a test server
            # would take it over from a server someone runs on this machine.
            "GUNICORN_CMD_ARGS": "--no-control-socket",
        }
        settings.update({name: str(value) for name, value in env.items()})
        server = Server(url, settings, log_path=tmp_path / f"gunicorn-{len(servers) + 1}.log")
        servers.append(server)
        return server

    yield start
    for server in servers:
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - stop the others all the same
            server.process.kill()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for server in servers:  # the logs go when pytest prunes old temporary directories
            lines = open(server.log.name, errors="replace").read().splitlines()
            print(f"\n--- last lines of {server.log.name} ---\n" + "\n".join(lines[-80:]))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def private_redis():
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    redis = PrivateRedis()
    redis.start()
    yield redis
    redis.stop_if_running()


@pytest.fixture
def private_postgres():
    if POSTGRES_BIN is None:
        pytest.skip("PostgreSQL's initdb/pg_ctl are not installed")
    postgres = PrivatePostgres()
    try:
        postgres.init()
        postgres.start()
        yield postgres
    finally:
        postgres.destroy()


NGINX_MISSING = (
    "nginx is not installed (apt-get install nginx): the production set-up (`make serve`) needs it"
)


@pytest.fixture
def production_server(request, test_database_url, tmp_path):
    """start(**env) -> the production set-up as `make serve` runs it (scripts/serve.py: nginx in front
    of gunicorn 2 workers x 4 threads on a unix socket), on a free port, on the test database and
    the current static build. Stopped with Ctrl-C's signal at teardown (and checked to stop)."""
    import secrets
    import shutil

    from scripts.serve import NGINX_SEARCH_PATH

    if shutil.which("nginx", path=NGINX_SEARCH_PATH) is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {NGINX_MISSING}")
        pytest.skip(NGINX_MISSING)
    built_static = os.environ.get("FAULTS_STATIC_ROOT") or request.getfixturevalue("built_static")
    servers = []

    def start(**env):
        settings = {
            "REDIS_URL": os.environ.get("REDIS_URL", ""),
            "CACHE_KEY_PREFIX": f"serve-{secrets.token_hex(4)}",
            "STATIC_ROOT": str(built_static),
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "4",
            "DATABASE_POOL_MAX": "4",
            "LOG_LEVEL": "WARNING",
            "GUNICORN_CMD_ARGS": "--no-control-socket",
        }
        if os.geteuid() == 0:
            # nginx's workers would drop to www-data, who cannot enter pytest's private temporary folders.
            settings["SERVE_NGINX_USER"] = "root"
        settings.update({name: str(value) for name, value in env.items()})
        server = ProductionServer(
            test_database_url, settings, log_path=tmp_path / f"serve-{len(servers) + 1}.log"
        )
        servers.append(server)
        wait_until_ready(server)  # gunicorn's workers have booted
        return server

    yield start
    for server in servers:
        server.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for server in servers:
            lines = open(server.log.name, errors="replace").read().splitlines()
            print(f"\n--- last lines of {server.log.name} ---\n" + "\n".join(lines[-80:]))
