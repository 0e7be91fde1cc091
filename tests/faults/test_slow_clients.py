"""Finding 1: slow and hostile clients cannot exhaust the server.

500 sockets each send half a request (`GET /pnr HTTP/1.1`, `Host`, and the start of a header) and
stall. Behind nginx (`make serve`) other passengers' pages are not delayed by more than a second,
and nginx drops the stalled sockets after SERVE_HEADER_TIMEOUT. Bare gunicorn (`make run`) reads
requests in its threads, so the same sockets pin all 8 of them and the site stops answering: that
is why only `make serve` may face the internet (README, docs/security/infra.md).

Also: the client's real address reaches the application (and a forged X-Real-IP does not), nginx's
own per-address limit answers 429 (JSON under /api/), static files come from nginx with the
application's caching, and Ctrl-C stops nginx and gunicorn.
"""

import http.client
import json
import os
import resource
import socket
import statistics
import time

import pytest

from .helpers import wait_until_ready

ATTACK_SOCKETS = 500
HALF_REQUEST = b"GET /pnr HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: "


@pytest.fixture(autouse=True)
def enough_file_descriptors():
    """500 attack sockets plus the test's own: raise the soft limit to what the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = ATTACK_SOCKETS + 500
    if soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            pytest.fail(f"the open-file hard limit ({hard}) is below {needed}: raise it (ulimit -Hn)")
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def half_requests(port, count=ATTACK_SOCKETS):
    sockets = []
    for _ in range(count):
        attacker = socket.create_connection(("127.0.0.1", port), timeout=5)
        attacker.sendall(HALF_REQUEST)
        sockets.append(attacker)
    return sockets


def close_all(sockets):
    for attacker in sockets:
        attacker.close()


def page(port, path="/pnr", timeout=5.0, source="127.0.0.1", method="GET", headers=None, body=None):
    """(status or exception name, seconds, response headers, body) of one request on a new connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=(source, 0))
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, time.monotonic() - started, response.msg, response.read()
    except OSError as error:
        return type(error).__name__, time.monotonic() - started, None, b""
    finally:
        connection.close()


def page_times(port, count, **kwargs):
    results = []
    for _ in range(count):
        results.append(page(port, **kwargs)[:2])
        time.sleep(0.1)
    return results


def test_half_requests_do_not_delay_other_passengers_behind_nginx(production_server):
    server = production_server(SERVE_HEADER_TIMEOUT=6)
    page_times(server.port, 3)  # warm up both workers
    baseline = statistics.median(seconds for _, seconds in page_times(server.port, 6))
    attack_started = time.monotonic()
    attackers = half_requests(server.port)
    try:
        during = page_times(server.port, 12)
        assert time.monotonic() - attack_started < 6, "measured while every attack socket was still open"
        assert [status for status, _ in during] == [200] * len(during), during
        slowest = max(seconds for _, seconds in during)
        assert slowest - baseline < 1.0, (
            f"pages took up to {slowest:.2f} s under attack (baseline {baseline:.3f} s)"
        )

        # nginx gives up on a request header that is not complete after SERVE_HEADER_TIMEOUT seconds.
        time.sleep(max(0.0, attack_started + 6 + 2 - time.monotonic()))
        still_open = 0
        for attacker in attackers:
            attacker.settimeout(0.05)
            try:
                if attacker.recv(1024) == b"":
                    continue
            except ConnectionResetError:
                continue
            except TimeoutError:
                pass
            still_open += 1
        assert still_open == 0, f"{still_open} stalled sockets still open after the header timeout"
    finally:
        close_all(attackers)


def test_the_same_attack_takes_bare_gunicorn_down(gunicorn, test_database_url):
    """`make run`: gunicorn's gthread workers parse a request in a thread, blocking until it is
    complete. This is the failure nginx is there to prevent (and the evidence that `make run`
    alone must not face the internet)."""
    server = gunicorn(test_database_url)
    wait_until_ready(server)
    attackers = half_requests(server.port)
    try:
        # The workers' threads are taken one by one as they pick up the stalled sockets; on a busy
        # machine a page can still slip in before the last one is taken. Once none answers, the
        # site stays down for as long as the sockets stay open.
        deadline = time.monotonic() + 15
        while page(server.port, timeout=3)[0] != "TimeoutError":
            assert time.monotonic() < deadline, "bare gunicorn kept answering during the attack"
        during = page_times(server.port, 3, timeout=3)
        assert all(status == "TimeoutError" for status, _ in during), during
    finally:
        close_all(attackers)
    wait_until_ready(server, seconds=15)  # and it recovers once the sockets go


def test_the_application_sees_each_clients_real_address_not_a_forged_one(production_server):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("counts per client across both workers need the shared cache (REDIS_URL)")
    server = production_server(RUM_RATE_LIMIT=2)

    def beacon(source, forged):
        # POST /rum counts every document against its sender's address before reading it.
        return page(
            server.port,
            "/rum",
            method="POST",
            source=source,
            body=b"",
            headers={"X-Real-IP": forged, "X-Forwarded-For": forged, "Content-Type": "text/plain"},
        )[0]

    statuses = [beacon("127.0.0.1", f"203.0.113.{n}") for n in range(3)]
    assert statuses == [400, 400, 429], "the third document from one address is refused whatever it claims"
    assert beacon("127.0.0.2", "127.0.0.1") == 400, "another address has its own count"


def test_nginx_limits_each_address_with_429(production_server):
    server = production_server(SERVE_RATE_LIMIT=1, SERVE_RATE_BURST=2)
    pages = [page(server.port, "/pnr", source="127.0.0.3") for _ in range(8)]
    refused = [p for p in pages if p[0] == 429]
    assert refused and refused[0][2]["Retry-After"] and b"Too many requests" in refused[0][3]
    api = [page(server.port, "/api/stations?q=de", source="127.0.0.4") for _ in range(8)]
    refused = [p for p in api if p[0] == 429]
    assert refused and refused[0][2]["Content-Type"] == "application/json"
    assert "Too many requests" in json.loads(refused[0][3])["error"]
    assert page(server.port, "/pnr", source="127.0.0.5")[0] == 200, "other addresses are not affected"


def test_static_files_come_from_nginx_with_immutable_caching_and_no_source_maps(
    production_server, gunicorn, test_database_url
):
    server = production_server()
    manifest = json.loads((server.static_root / "staticfiles.json").read_text())["paths"]
    hashed = "/static/" + manifest["css/site.css"]
    status, _, headers, _ = page(server.port, hashed, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Server"] == "nginx"
    assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert headers["Content-Encoding"] == "gzip", "the .gz made by build_static"
    maps = ["/static/vendor/web-vitals.attribution.js.map"]
    assert [page(server.port, path)[0] for path in maps] == [404]
    bare = gunicorn(test_database_url)  # WhiteNoise, as `make run` serves them
    wait_until_ready(bare)
    assert [page(bare.port, path)[0] for path in maps] == [404]


def test_ctrl_c_stops_nginx_then_gunicorn(production_server):
    server = production_server()
    assert (server.run_dir / "gunicorn.sock").exists()
    assert os.stat(server.run_dir).st_mode & 0o007 == 0, "only nginx may reach gunicorn's socket"
    children = server.children()
    assert len(children) == 2
    assert server.stop() == 0
    for pid in children:
        assert not os.path.exists(f"/proc/{pid}"), f"process {pid} survived"
