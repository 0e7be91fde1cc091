"""`make bench-cluster`'s partition drill (benchmarks/bench_cluster.py step 7): bookings with one
primary against two on the cluster's own PostgreSQL servers, the main primary and the second
primary (scripts/cluster.py: separate clusters on their own ports, each with its own write-ahead
log), rather than two databases on one server as `make bench-partitions` does. The measurement is
benchmarks/partition_throughput.py's, in fresh databases made and dropped on those servers.
"""

from typing import Any

from .partition_throughput import compare


def _server(node: Any) -> str:
    return str(node.url("postgres")).rsplit("/", 1)[0]


def run(cluster: Any, *, seconds: float = 20.0, threads: int = 32) -> dict:
    """The comparison on `cluster` (a scripts/cluster.py Cluster): {"one", "two", "ratio"}."""
    return compare(
        first_server=_server(cluster.primary),
        second_server=_server(cluster.partition),
        seconds=seconds,
        threads=threads,
    )
