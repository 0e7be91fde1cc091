"""`make run-cluster` (scripts/cluster.py) names what is missing and starts nothing; its nginx is
make serve's template with one upstream server per app instance. (The running cluster is drilled
in tests/faults/test_cluster.py.)"""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from scripts import cluster, serve

ROOT = Path(__file__).resolve().parent.parent


def test_names_each_missing_program(monkeypatch):
    monkeypatch.setattr(cluster, "postgres_bin", lambda: None)
    monkeypatch.setattr(serve, "find_nginx", lambda: None)
    monkeypatch.setattr(cluster.shutil, "which", lambda name, **kwargs: None)
    problems = "\n".join(cluster.missing_programs(need_redis=True))
    for program in ("initdb", "pg_ctl", "pg_basebackup", "nginx", "redis-server"):
        assert f"{program} is not installed" in problems, program
    assert "apt-get install postgresql" in problems and "apt-get install nginx" in problems
    # With REDIS_URL set, no redis-server is needed.
    assert "redis-server" not in "\n".join(cluster.missing_programs(need_redis=False))


def test_starts_nothing_when_a_program_is_missing(tmp_path):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "-m", "scripts.cluster"],
        cwd=ROOT,
        env={**inherited, "NGINX": "/nonexistent/nginx", "CLUSTER_DIR": str(tmp_path / "cluster")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "make run-cluster: cannot start the cluster" in result.stderr
    assert "nginx is not installed" in result.stderr
    assert not (tmp_path / "cluster").exists(), "nothing was made, let alone started"


def test_nginx_balances_over_every_instance(tmp_path):
    sockets = [tmp_path / f"app-{n}.sock" for n in (1, 2, 3)]
    text = serve.render(
        settings, host="127.0.0.1", port=8400, run_dir=tmp_path, user=None, nofile=4096, sockets=sockets
    )
    upstream = text[text.index("upstream gunicorn {") : text.index("}", text.index("upstream gunicorn {"))]
    assert [line.strip() for line in upstream.splitlines() if line.strip().startswith("server ")] == [
        f"server unix:{path} max_fails=1 fail_timeout=5s;" for path in sockets
    ]
    # make serve: its one socket.
    single = serve.render(settings, host="127.0.0.1", port=8400, run_dir=tmp_path, user=None, nofile=4096)
    assert f"server unix:{tmp_path / 'gunicorn.sock'} max_fails=1 fail_timeout=5s;" in single
