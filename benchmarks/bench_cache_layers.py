"""Search page throughput and latency through gunicorn with each cache configuration, against
Django's bare hello-world view under the same gunicorn settings (the ceiling), in one run.

Modes: cold (no cache at all: every request goes to PostgreSQL), warm L2 only (Redis, the
in-process L1 switched off), L1+L2 (the production set-up), hello world. Each mode runs wrk
(2 threads, 32 connections) over a rotating list of search URLs for popular routes.

Needs PostgreSQL, Redis and wrk (`apt-get install wrk`). `make bench-cache`.
"""

import argparse
import datetime
import json
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request

from testsupport.databases import POSTGRES_ADMIN_URL, fresh_database, manage
from testsupport.load_harness import Server
from testsupport.results import RESULTS, save

REDIS_URL = "redis://127.0.0.1:6379/14"
WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.3f %%.3f %%.3f %%.3f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.duration / 1e6))
end
"""

MODES = {
    "cold (no cache)": {"CACHE_BACKEND_DUMMY": "1", "CACHE_L1_MAX_ENTRIES": "0"},
    "warm L2 only (Redis)": {"REDIS_URL": REDIS_URL, "CACHE_L1_MAX_ENTRIES": "0"},
    "L1 + L2": {"REDIS_URL": REDIS_URL},
}


def search_paths(database_url, count):
    code = f"""
import datetime, json
from search.warming import popular_routes
date = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
print(json.dumps([f"/search?from={{a}}&to={{b}}&date={{date}}" for a, b in popular_routes({count})]))
"""
    output = manage("shell", "-c", code, database_url=database_url, capture=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_wrk(base_url, paths, seconds, connections):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(json.dumps(path) for path in paths))
    output = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", script.name, base_url],
        check=True,
        text=True,
        capture_output=True,
    ).stdout
    requests, errors, p50, p95, p99, duration = re.search(r"RESULT (.*)", output).group(1).split()
    return {
        "requests": int(requests),
        "errors": int(errors),
        "rps": round(int(requests) / float(duration), 1),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
    }


def measure(database_url, env, paths, args, warm=False):
    server = Server(database_url, env)
    url = f"http://127.0.0.1:{server.port}"
    try:
        urllib.request.urlopen(url + "/bench/hello", timeout=30).read()  # workers are up
        if warm:
            for path in paths:  # every URL once, so the measured run reads warm caches
                urllib.request.urlopen(url + path).read()
        return run_wrk(url, paths, args.seconds, args.connections)
    finally:
        server.stop()


def flush_redis():
    subprocess.run(["redis-cli", "-n", "14", "FLUSHDB"], check=True, capture_output=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--routes", type=int, default=200)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    RESULTS.mkdir(exist_ok=True)
    database_url = fresh_database("postgres", "railconnect_bench_cache")
    manage("seed_demo", database_url=database_url, capture=True)
    paths = search_paths(database_url, args.routes)
    print(
        f"{len(paths)} search URLs for popular routes; {args.seconds} s per mode, "
        f"{args.connections} connections",
        flush=True,
    )

    results = {}
    base_env = {"ROOT_URLCONF": "benchmarks.urls", "REDIS_URL": ""}
    for mode, env in MODES.items():
        flush_redis()
        results[mode] = measure(
            database_url, {**base_env, **env}, paths, args, warm=mode != "cold (no cache)"
        )
        print(f"{mode}: {results[mode]}", flush=True)
    results["hello world (ceiling)"] = measure(
        database_url, {**base_env, "REDIS_URL": REDIS_URL}, ["/bench/hello"], args
    )
    print(f"hello world: {results['hello world (ceiling)']}", flush=True)

    ceiling = results["hello world (ceiling)"]["rps"]
    print("\n| mode | requests/s | % of hello world | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for mode, row in results.items():
        print(
            f"| {mode} | {row['rps']} | {100 * row['rps'] / ceiling:.0f}% | {row['p50_ms']} "
            f"| {row['p95_ms']} | {row['p99_ms']} | {row['errors']} |"
        )
    save(
        "cache_layers",
        {"date": datetime.datetime.now().isoformat(), "postgres": POSTGRES_ADMIN_URL, "results": results},
    )


if __name__ == "__main__":
    main()
