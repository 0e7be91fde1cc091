"""`make serve` (scripts/serve.py) installs nothing and starts nothing when something is missing:
it names what is missing. (The running set-up is tested in tests/faults/test_slow_clients.py.)"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED_KEY = "insecure-local-only-railconnect-key-change-me-in-production-0123456789"


def serve(*args, **env):
    inherited = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run(
        [sys.executable, "-m", "scripts.serve", *args],
        cwd=ROOT,
        env={**inherited, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_refuses_to_start_without_secret_key():
    result = serve("--preflight")
    assert result.returncode == 1
    assert "SECRET_KEY is not set" in result.stderr


def test_names_the_package_when_nginx_is_missing():
    result = serve("--preflight", NGINX="/nonexistent/nginx", SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode == 1
    assert "nginx is not installed" in result.stderr and "apt-get install nginx" in result.stderr
    assert "SECRET_KEY" not in result.stderr


def test_refuses_a_published_secret_key_before_starting_anything(tmp_path):
    result = serve(
        SECRET_KEY=PUBLISHED_KEY, DEBUG="0", NGINX="/bin/true", SERVE_RUN_DIR=str(tmp_path / "run")
    )
    assert result.returncode == 1
    assert "railconnect.E001" in result.stderr
    assert not (tmp_path / "run").exists(), "nothing was prepared, let alone started"
