"""Finding 11: keep-alive connections reset under load: the cause in isolation, and load runs that
must end with no connection error.

Two kinds of client at once, against `make run` (gunicorn alone) or `make serve` (--serve: nginx
in front), on a real page (--path, default the PNR enquiry form):

- idle clients like Locust's (python-requests, which does not retry a failed request): each keeps
  one connection and pauses [--gap-min, --gap-max] s between requests. If the server closes an
  idle connection just as its client sends the next request on it, that request is reset
  (ConnectionResetError 104, or RemoteDisconnected). The load test's Login users idle 5-10 s,
  and gunicorn's keep-alive was 5 s;
- wrk (--wrk-connections, 0 for none) for volume: busy keep-alive connections, reported with its
  socket errors and non-2xx answers.

    python -m benchmarks.keepalive_race --keepalive 5 --wrk-connections 0   # the old setting: resets
    python -m benchmarks.keepalive_race --seconds 300                         # make run, with volume
    python -m benchmarks.keepalive_race --seconds 300 --serve                 # make serve

gunicorn.conf.py's settings on a free loopback port (a migrated SQLite database), stopped at the
end. Prints requests, connection errors by kind, p50/p95; exits 1 on any connection error.
"""

import argparse
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter

from testsupport.databases import fresh_database
from testsupport.load_harness import ProductionServer, Server
from testsupport.results import RESULTS, percentile


def idle_clients(port, path, args, outcomes, latencies, lock):
    import requests  # Locust's HTTP client

    stop_at = time.monotonic() + args.seconds

    def client(number):
        rng, session = random.Random(number), requests.Session()
        time.sleep(rng.uniform(0, args.gap_max))  # spread the clients out
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                outcome = session.get(f"http://127.0.0.1:{port}{path}", timeout=60).status_code
            except requests.RequestException as error:
                reason = error.args[0] if error.args else error
                outcome = f"{type(error).__name__}: {getattr(reason, 'reason', None) or reason!r}"[:160]
            with lock:
                outcomes[outcome] += 1
                latencies.append(time.perf_counter() - started)
            time.sleep(rng.uniform(args.gap_min, args.gap_max))

    return [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]


def wrk(port, path, args):
    """wrk's summary: requests, errors (socket errors + non-2xx), p50/p95 (ms), or None."""
    if not args.wrk_connections:
        return None
    # wrk reads its latency distribution at the end; a Lua reporter prints p95 too.
    script = RESULTS / "keepalive_race-wrk.lua"
    script.write_text(
        "done = function(summary, latency, requests)\n"
        '  io.write(string.format("p50_us %d\\np95_us %d\\n", latency:percentile(50), '
        "latency:percentile(95)))\nend\n"
    )
    output = subprocess.run(
        [
            "wrk",
            "-t",
            "1",
            "-c",
            str(args.wrk_connections),
            "-d",
            f"{int(args.seconds)}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}{path}",
        ],
        capture_output=True,
        text=True,
    ).stdout
    requests_done = int(re.search(r"(\d+) requests in", output).group(1))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": requests_done,
        "socket errors": sum(int(n) for n in socket_errors.groups()) if socket_errors else 0,
        "non-2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "p50 ms": int(re.search(r"p50_us (\d+)", output).group(1)) / 1000,
        "p95 ms": int(re.search(r"p95_us (\d+)", output).group(1)) / 1000,
        "raw": output,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", action="store_true", help="through the production set-up (nginx)")
    parser.add_argument("--keepalive", type=int, help="gunicorn keep-alive (s); default: gunicorn.conf.py's")
    parser.add_argument("--path", default="/pnr")
    parser.add_argument("--clients", type=int, default=300, help="idle clients")
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--gap-min", type=float, default=4.0)
    parser.add_argument("--gap-max", type=float, default=7.0)
    parser.add_argument("--wrk-connections", type=int, default=32)
    args = parser.parse_args()
    if args.wrk_connections and shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk), or pass --wrk-connections 0")
    RESULTS.mkdir(exist_ok=True)
    env = {
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_CMD_ARGS": "--no-control-socket",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "4",
        # Every client comes from 127.0.0.1: nginx's per-address limits would measure themselves.
        "SERVE_RATE_LIMIT": "0",
        "SERVE_CONNECTIONS_PER_CLIENT": "0",
    }
    if args.keepalive is not None:
        env["GUNICORN_KEEPALIVE"] = str(args.keepalive)
    database = fresh_database("sqlite", "keepalive_race")
    kind = "make serve (nginx)" if args.serve else "make run (gunicorn)"
    log = RESULTS / f"keepalive_race-{'serve' if args.serve else 'run'}.log"
    server = (ProductionServer if args.serve else Server)(database, env, log_path=log)
    outcomes, latencies, lock = Counter(), [], threading.Lock()
    load_average = open("/proc/loadavg").read().split()[:3]
    try:
        threads = idle_clients(server.port, args.path, args, outcomes, latencies, lock)
        for thread in threads:
            thread.start()
        busy = wrk(server.port, args.path, args)
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    idle_errors = sum(count for outcome, count in outcomes.items() if not isinstance(outcome, int))
    latencies.sort()
    print(
        f"{kind}, keep-alive {args.keepalive or 'from gunicorn.conf.py'}, {args.seconds:.0f} s, "
        f"GET {args.path}, "
        f"load average at start {' '.join(load_average)}"
    )
    print(
        f"  idle clients ({args.clients}, pausing {args.gap_min}-{args.gap_max} s): {sum(outcomes.values())} "
        f"requests, {idle_errors} connection errors, p50 {percentile(latencies, 0.5) * 1000:.1f} ms, "
        f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms"
    )
    for outcome, count in outcomes.most_common():
        print(f"    {count:7d}  {outcome}")
    total, errors = sum(outcomes.values()), idle_errors
    if busy:
        print(
            f"  wrk ({args.wrk_connections} busy connections): {busy['requests']} requests, "
            f"{busy['socket errors']} socket errors, {busy['non-2xx']} non-2xx, p50 {busy['p50 ms']:.1f} ms, "
            f"p95 {busy['p95 ms']:.1f} ms"
        )
        total += busy["requests"]
        errors += busy["socket errors"] + busy["non-2xx"]
    print(f"  total: {total} requests, {errors} errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
