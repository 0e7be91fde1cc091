"""The load tests' own machinery (tests/load/): the FastHttpUser passengers behave as the scenarios
need, and the CPU the runs report counts every process of a server or of the generator."""

import json
import subprocess
import sys

from testsupport.databases import ROOT
from testsupport.load_harness import child_pids, tree_cpu_seconds

# Run in a child: importing Locust monkey-patches the process with gevent, which this test
# process (Django, psycopg) must not be.
CLIENT_SCRIPT = r"""
import json, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from locust.env import Environment

from tests.load import locustfile


class Site(BaseHTTPRequestHandler):
    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        seen = {
            "address": self.client_address[0],
            "cookie": self.headers.get("Cookie"),
            "csrf": self.headers.get("X-CSRFToken"),
            "body": self.rfile.read(length).decode(),
        }
        status = 409 if self.path == "/api/bookings" else 200
        data = json.dumps({"status": "REGRET", **seen} if status == 409 else seen).encode()
        self.send_response(status)
        if self.path == "/accounts/login/":
            self.send_header("Set-Cookie", "csrftoken=from-site; Path=/")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = answer

    def log_message(self, *args):
        pass


site = ThreadingHTTPServer(("127.0.0.1", 0), Site)
threading.Thread(target=site.serve_forever, daemon=True).start()
host = f"http://127.0.0.1:{site.server_address[1]}"
for user_class in (locustfile.PassengerMix, locustfile.Login):
    user_class.host = host
environment = Environment(user_classes=[locustfile.PassengerMix], host=host)
environment.create_local_runner()
first, second = locustfile.PassengerMix(environment), locustfile.PassengerMix(environment)
first.act_as(("session-a", "csrf-a"))
second.act_as(("session-b", "csrf-b"))
seen = {
    "first": first.client.get("/").json(),
    "second": second.post_json("/api/pay", {"x": 1}).json(),
    "first_again": first.client.get("/").json(),
}
with first.post_json("/api/bookings", {}, catch=True) as response:
    first.count_refusal(response)
first.act_as(("session-c", "csrf-c"))
seen["first_as_c"] = first.client.get("/").json()
login = locustfile.Login(environment)
login.client.get("/accounts/login/")
seen["login_csrf"] = login.cookie("csrftoken")
seen["login"] = login.client.post("/accounts/login/", data={"username": "u", "password": "p w"}).json()
entries = environment.stats.entries.items()
seen["stats"] = {f"{method} {name}": entry.num_failures for (name, method), entry in entries}
print(json.dumps(seen))
"""


def test_fast_http_passengers_keep_their_address_cookies_and_outcomes():
    output = subprocess.run(
        [sys.executable, "-c", CLIENT_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert output.returncode == 0, output.stderr
    seen = json.loads(output.stdout.strip().splitlines()[-1])
    first, second = seen["first"]["address"], seen["second"]["address"]
    # Each simulated person connects from a loopback address of their own, on every connection.
    assert first.startswith("127.0.") and first != "127.0.0.1"
    assert len({first, second, seen["login"]["address"]}) == 3
    assert seen["first_again"]["address"] == first
    # Each account's cookies only, and the CSRF header on writes.
    assert seen["first"]["cookie"] == "sessionid=session-a; csrftoken=csrf-a"
    assert seen["second"]["cookie"] == "sessionid=session-b; csrftoken=csrf-b"
    assert seen["second"]["csrf"] == "csrf-b" and seen["second"]["body"] == '{"x": 1}'
    assert seen["first_as_c"]["cookie"] == "sessionid=session-c; csrftoken=csrf-c"
    # The login form: the CSRF cookie the site set, the form encoded.
    assert seen["login_csrf"] == "from-site"
    assert seen["login"]["cookie"] == "csrftoken=from-site"
    assert seen["login"]["body"] == "username=u&password=p+w"
    # A refusal by a rule is an OUTCOME row, not a failure.
    assert seen["stats"]["OUTCOME REGRET"] == 0
    assert seen["stats"]["POST /api/bookings"] == 0


def test_tree_cpu_counts_children_that_have_exited():
    """A worker that burned CPU and exited (a recycled gunicorn worker) still counts, through its
    parent's waited-for children; the live processes' own figures alone would lose it."""
    burn = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import subprocess, sys, time\nsubprocess.run([sys.executable, '-c', {burn!r}])\n"
            "print('done', flush=True)\ntime.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert parent.stdout is not None and parent.stdout.readline().strip() == "done"
        assert child_pids(parent.pid) == []  # the burner has exited and been waited for
        assert tree_cpu_seconds(parent.pid) >= 0.5
    finally:
        parent.kill()
        parent.wait()


def test_an_open_loop_counts_each_latency_from_its_moment_in_the_schedule():
    """The burst benchmarks' open loop (benchmarks/booking_rush.py): a send that leaves late, because
    its client thread was still waiting for an answer, counts its lateness in its latency and in
    send_lag_ms. Five GETs due within 0.1 s from one thread, against a site that takes 0.2 s each:
    the last was due at 0.08 s and answered at about 1.0 s."""
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from testsupport.load_harness import run_open_loop_get

    class Slow(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            time.sleep(0.2)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        result = run_open_loop_get(site.server_address[1], "/", 5, 0.1, 1)
    finally:
        site.shutdown()
    summary = result.summary()
    assert result.statuses == {200: 5}
    assert max(result.latencies) >= 0.9  # 0.08 s due, sent at about 0.8 s, answered at about 1.0 s
    assert summary["send_lag_ms"]["max"] >= 700
    assert summary["first_answer_ms"]["p99"] >= 900
