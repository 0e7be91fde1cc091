"""Finding 11: why a keep-alive request was reset under load, shown in isolation.

Clients like Locust's (python-requests, which does not retry) each keep one connection and pause
between requests for a random time in [--gap-min, --gap-max] s. When the server closes an idle
connection just as its client sends the next request on it, that request is reset
(ConnectionResetError 104, or RemoteDisconnected). It happens only if clients idle about as long as
the server's keep-alive timeout: the load test's Login users idle 5-10 s, and gunicorn's keep-alive
was 5 s.

    python benchmarks/keepalive_race.py --keepalive 5    # the old setting: resets
    python benchmarks/keepalive_race.py                  # gunicorn.conf.py's keep-alive: none

gunicorn with gunicorn.conf.py on a free loopback port (a bare hello-world view, SQLite), stopped at
the end. Prints requests, connection errors by kind, p50/p95.
"""

import argparse
import random
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.booking_load import Server  # noqa: E402
from benchmarks.common import RESULTS, fresh_database, percentile  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keepalive", type=int, help="gunicorn keep-alive (s); default: gunicorn.conf.py's")
    parser.add_argument("--clients", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--gap-min", type=float, default=4.0)
    parser.add_argument("--gap-max", type=float, default=7.0)
    args = parser.parse_args()
    import requests  # Locust's HTTP client

    RESULTS.mkdir(exist_ok=True)
    env = {"DEBUG": "0", "ROOT_URLCONF": "benchmarks.urls", "LOG_LEVEL": "WARNING",
           "GUNICORN_CMD_ARGS": "--no-control-socket", "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "4"}
    if args.keepalive is not None:
        env["GUNICORN_KEEPALIVE"] = str(args.keepalive)
    server = Server(fresh_database("sqlite", "keepalive_race"), env, log_path=RESULTS / "keepalive_race-gunicorn.log")
    outcomes, latencies, lock = Counter(), [], threading.Lock()
    stop_at = time.monotonic() + args.seconds

    def client(number):
        rng, session = random.Random(number), requests.Session()
        time.sleep(rng.uniform(0, args.gap_max))  # spread the clients out
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            try:
                outcome = session.get(f"http://127.0.0.1:{server.port}/bench/hello", timeout=30).status_code
            except requests.RequestException as error:
                reason = error.args[0] if error.args else error
                outcome = repr(getattr(reason, "reason", None) or reason)
                outcome = f"{type(error).__name__}: {outcome[:120]}"
            with lock:
                outcomes[outcome] += 1
                latencies.append(time.perf_counter() - started)
            time.sleep(rng.uniform(args.gap_min, args.gap_max))

    try:
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.stop()
    errors = sum(count for outcome, count in outcomes.items() if not isinstance(outcome, int))
    latencies.sort()
    print(f"keep-alive {args.keepalive if args.keepalive is not None else 'from gunicorn.conf.py'} s, "
          f"{args.clients} clients idling {args.gap_min}-{args.gap_max} s: {sum(outcomes.values())} requests, "
          f"{errors} connection errors, p50 {percentile(latencies, 0.50) * 1000:.1f} ms, "
          f"p95 {percentile(latencies, 0.95) * 1000:.1f} ms")
    for outcome, count in outcomes.most_common():
        print(f"  {count:6d}  {outcome}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
