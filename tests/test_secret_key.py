"""Finding 7: no public SECRET_KEY. A local run without SECRET_KEY uses a random key made once per
checkout (var/secret_key, 0600); a short or published key is refused when DEBUG is off, by the
system check railconnect.E001 and when a server loads the application."""

import hashlib
import os
import secrets
import socket
import stat
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parent.parent
# The key settings.py fell back to until issue 13: published in this repository's history, so it
# must never be accepted. (It is here as the value under test, not as a key anybody uses.)
PUBLISHED_KEY = "insecure-local-only-railconnect-key-change-me-in-production-0123456789"


def environment(**overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update({"DATABASE_URL": "", "REDIS_URL": "", "DJANGO_SETTINGS_MODULE": "railconnect.settings"})
    env.update(overrides)
    return env


def settings_key(**overrides):
    code = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment(**overrides),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_without_secret_key_a_local_run_uses_the_checkouts_own_random_key():
    first, second = settings_key(), settings_key()
    assert first == second, "the same key after a restart, so sessions survive it"
    path = ROOT / "var" / "secret_key"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 50 and len(set(first)) >= 5
    assert hashlib.sha256(first.encode()).hexdigest() != hashlib.sha256(PUBLISHED_KEY.encode()).hexdigest()
    assert settings_key(SECRET_KEY="x" * 20 + secrets.token_urlsafe(40)) != first, "the environment wins"


def _make_key(path):
    from railconnect.secret_key import local_secret_key

    return local_secret_key(path)


def test_the_local_key_is_made_once_even_by_processes_starting_together(tmp_path):
    path = tmp_path / "var" / "secret_key"
    with ProcessPoolExecutor(8) as pool:
        keys = set(pool.map(_make_key, [path] * 32))
    assert len(keys) == 1 and path.read_text().strip() in keys
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"], "no temporary file left behind"


@pytest.mark.parametrize(
    "key", [PUBLISHED_KEY, "short", "a" * 60, "django-insecure-" + secrets.token_urlsafe(50)]
)
def test_the_check_refuses_short_repetitive_or_published_keys_with_debug_off(settings, key):
    settings.DEBUG = False
    settings.SECRET_KEY = key
    errors = [e for e in run_checks(tags=["secret_key"]) if e.id == "railconnect.E001"]
    assert len(errors) == 1 and "SECRET_KEY" in errors[0].msg


def test_the_check_also_refuses_a_published_fallback_key_and_accepts_a_random_key(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = secrets.token_urlsafe(50)
    settings.SECRET_KEY_FALLBACKS = []
    assert not [e for e in run_checks(tags=["secret_key"]) if e.id == "railconnect.E001"]
    settings.SECRET_KEY_FALLBACKS = [PUBLISHED_KEY]
    assert [e.msg.split(" ")[0] for e in run_checks(tags=["secret_key"]) if e.id == "railconnect.E001"] == [
        "SECRET_KEY_FALLBACKS[0]"
    ]


def test_the_check_leaves_debug_runs_alone(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = "short"
    assert not [e for e in run_checks(tags=["secret_key"]) if e.id == "railconnect.E001"]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_refuses_to_start_with_the_published_key():
    """Not only under `check --deploy`: the server itself will not serve with such a key."""
    gunicorn = Path(sys.executable).parent / "gunicorn"
    result = subprocess.run(
        [
            str(gunicorn),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{free_port()}",
            "--workers",
            "1",
            "--no-control-socket",
            "railconnect.wsgi",
        ],
        cwd=ROOT,
        env=environment(DEBUG="0", SECRET_KEY=PUBLISHED_KEY),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "railconnect.E001" in result.stderr and "it is published" in result.stderr
