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
def start_gunicorn(tmp_path):
    """Starts gunicorn.conf.py's server with two single-thread workers (and extra environment)."""
    started = []

    def start(**extra_env):
        database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "REDIS_URL": "",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_THREADS": "1",
            "GUNICORN_ACCESS_LOG": "",
            "DEBUG": "0",
            **extra_env,
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
        started.append((process, log))
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while _status_or_none(base) is None:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"gunicorn did not start: {(tmp_path / 'gunicorn.log').read_text()[-2000:]}")
            time.sleep(0.2)
        return base, process, tmp_path / "metrics"

    yield start
    for process, log in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def gunicorn(start_gunicorn):
    return start_gunicorn()


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


# --- Worker exits (observability/workers.py, the WorkerRestarts alert) -------------------------


def _scrape(base):
    with urllib.request.urlopen(f"{base}/metrics", timeout=10) as response:
        return [s for f in text_string_to_metric_families(response.read().decode()) for s in f.samples]


def _sum(samples, name, **labels):
    return sum(
        sample.value
        for sample in samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    )


def _sample(base, name, **labels):
    return _sum(_scrape(base), name, **labels)


def _children(pid):
    """The arbiter's worker processes (no task processes: RUN_TASK_PROCESSES is unset)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing parenthesis.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(entry))
    return found


def _wait_for(condition, what, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"waited {seconds} s for {what}")


def _serving(base, process, directory, count=2):
    """Until `count` workers run and every one of them has answered (so has booted)."""

    def ready():
        workers = _children(process.pid)
        if len(workers) != count:
            return None
        for _ in range(10):
            _status(f"{base}/rum")
        return workers if workers <= _worker_pids(directory) else None

    return _wait_for(ready, f"{count} booted workers")


def test_worker_exits_are_counted_by_reason(start_gunicorn):
    base, process, directory = start_gunicorn(GUNICORN_TIMEOUT="4")
    workers = _serving(base, process, directory)

    def exits(reason):
        return _sample(base, "railconnect_worker_exits_total", reason=reason)

    assert [exits(reason) for reason in ("exited", "timeout", "reload")] == [0, 0, 0]

    # Killed outright (what the out-of-memory killer does): only the arbiter can count it.
    killed = min(workers)
    os.kill(killed, signal.SIGKILL)
    workers = _wait_for(
        lambda: (w := _children(process.pid)) and killed not in w and len(w) == 2 and w, "a replacement"
    )
    assert _wait_for(lambda: exits("exited") == 1, "the exit counted")
    assert exits("timeout") == 0

    # A stalled worker misses its heartbeat: the arbiter aborts it, then kills it.
    stalled = min(workers)
    os.kill(stalled, signal.SIGSTOP)
    _wait_for(lambda: stalled not in _children(process.pid), "the stalled worker's end", seconds=60)
    workers = _serving(base, process, directory)
    assert exits("timeout") == 1
    assert exits("exited") == 1

    # A reload (SIGHUP, a deploy) replaces every worker: not restarts.
    process.send_signal(signal.SIGHUP)
    _wait_for(lambda: not (workers & _children(process.pid)), "the old workers' end")
    _serving(base, process, directory)
    assert _wait_for(lambda: exits("reload") == 2, "both replaced workers counted")
    assert (exits("exited"), exits("timeout")) == (1, 1)
    assert _sample(base, "railconnect_worker_recycles_total") == 0


def test_recycled_workers_are_counted_apart(start_gunicorn):
    """With GUNICORN_MAX_REQUESTS, every exit is a planned recycle: exited - recycles stays 0."""
    base, process, directory = start_gunicorn(GUNICORN_MAX_REQUESTS="10", GUNICORN_MAX_REQUESTS_JITTER="0")
    for _ in range(40):
        _status(f"{base}/rum")

    def settled():
        samples = _scrape(base)  # one scrape: both figures at the same moment
        recycles = _sum(samples, "railconnect_worker_recycles_total")
        exited = _sum(samples, "railconnect_worker_exits_total", reason="exited")
        return recycles >= 2 and exited == recycles

    _wait_for(settled, "the recycles counted by the workers and their exits by the arbiter")
    assert _sample(base, "railconnect_worker_exits_total", reason="timeout") == 0
