"""/metrics under gunicorn with several worker processes (prometheus_client's multiprocess mode,
set up by gunicorn.conf.py): a scrape answered by any one worker reports the whole server, and a
worker that is replaced keeps its counts."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _count(base, view, status):
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "railconnect_http_responses_total"
                and sample.labels.get("view") == view
                and sample.labels.get("status") == status
            ):
                return sample.value
    return 0


def _worker_pids(directory):
    return {
        int(name.rsplit("_", 1)[1][:-3]) for name in os.listdir(directory) if name.startswith("histogram_")
    }


@pytest.fixture
def gunicorn(tmp_path):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": "",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "1",
        "GUNICORN_ACCESS_LOG": "",
        "DEBUG": "0",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "--verbosity", "0"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    # A file left by an earlier run: the server must start from zero.
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_999999.db").write_bytes(b"\0" * 16)
    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "w")
    process = subprocess.Popen(
        [
            str(GUNICORN),
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            "railconnect.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while _status_or_none(base) is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start: {(tmp_path / 'gunicorn.log').read_text()[-2000:]}")
        time.sleep(0.2)
    try:
        yield base, process, tmp_path / "metrics"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _status_or_none(base):
    try:
        return _status(f"{base}/rum")
    except OSError:
        return None


def test_a_scrape_adds_up_every_worker(gunicorn):
    base, process, directory = gunicorn
    assert not (directory / "counter_999999.db").exists(), "on_starting empties the directory"
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        # Until both workers have answered some: normally the first round, but on a busy machine
        # the second worker may still be importing Django when the first answers the probe.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = list(pool.map(lambda _: _status(f"{base}/rum"), range(40)))
            assert set(statuses) == {405}
            sent += len(statuses)
            if len(_worker_pids(directory)) >= 2:
                break
    pids = _worker_pids(directory)
    assert len(pids) >= 2, "both workers served requests"
    startup = 1  # the readiness probe above was a GET /rum too
    for _ in range(4):  # whichever worker answers the scrape, the total is the same
        assert _count(base, "rum:collect", "405") == sent + startup

    # A worker that exits is replaced; what it counted stays counted.
    os.kill(sorted(pids)[0], signal.SIGTERM)
    deadline = time.monotonic() + 20
    while len(_worker_pids(directory) - pids) == 0 and time.monotonic() < deadline:
        _status(f"{base}/rum")
        sent += 1
        time.sleep(0.05)
    assert _worker_pids(directory) - pids, "a new worker took over"
    assert _count(base, "rum:collect", "405") == sent + startup
