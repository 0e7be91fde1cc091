"""The alert rules in deploy/prometheus/ (docs/runbook.md): promtool accepts them and their unit
tests pass against recorded series, every alert has a firing case and a runbook section, and
every metric name they use is really exported by the site's /metrics after some traffic."""

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from testsupport.load_harness import free_port
from testsupport.metrics import scrape_text
from testsupport.networks import tiny_network

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "deploy" / "prometheus"
RULES = RULES_DIR / "alerts.yml"
RULE_TESTS = RULES_DIR / "alerts_test.yml"
RUNBOOK = ROOT / "docs" / "runbook.md"
PROMTOOL = shutil.which("promtool")
# Exported by the replica router (railconnect/replicas.py), built beside this change.
REPLICA_METRICS = {"railconnect_db_replica_lag_seconds", "railconnect_db_replica_fallbacks_total"}
METRIC_NAME = re.compile(r"\brailconnect_[a-z0-9_]+")


def _promtool():
    if PROMTOOL is None:
        reason = "promtool is not installed: apt-get install -y prometheus (.ci/run does)"
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    return PROMTOOL


def _run(*args):
    result = subprocess.run([_promtool(), *args], cwd=RULES_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_promtool_accepts_the_rules():
    assert "SUCCESS" in _run("check", "rules", RULES.name)


def test_each_rule_passes_its_unit_tests():
    assert "SUCCESS" in _run("test", "rules", RULE_TESTS.name)


def _alert_names():
    return re.findall(r"^\s*- alert: (\w+)\s*$", RULES.read_text(), flags=re.MULTILINE)


def test_every_alert_has_a_firing_case_and_a_runbook_section():
    alerts = _alert_names()
    assert len(alerts) == len(set(alerts)) >= 10
    tests = RULE_TESTS.read_text()
    firing = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels:", tests))
    quiet = set(re.findall(r"alertname: (\w+)\n\s+exp_alerts: \[\]", tests))
    assert set(alerts) == firing, "each alert is tested firing"
    assert quiet <= set(alerts)
    assert len(quiet) >= len(alerts) - 2, "and nearly each one staying quiet"
    headings = {
        re.sub(r"[^a-z0-9-]", "", heading.strip().lower().replace(" ", "-"))
        for heading in re.findall(r"^#+ (.+)$", RUNBOOK.read_text(), flags=re.MULTILINE)
    }
    anchors = re.findall(r"runbook: docs/runbook\.md#([\w-]+)", RULES.read_text())
    assert len(anchors) == len(alerts)
    assert set(anchors) <= headings, set(anchors) - headings


def _exposed_names(text):
    """Every series name a scrape can hold: sample names, and for each family (a labelled metric
    with no series yet still has its TYPE line) the names its type implies."""
    suffixes = {
        "counter": ("_total",),
        "histogram": ("_bucket", "_count", "_sum"),
        "summary": ("_count", "_sum"),
    }
    names = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


@pytest.mark.django_db
def test_every_metric_in_the_rules_is_exported(settings):
    tiny_network()
    client = Client()
    # Traffic: pages, an API, a 404, a booking page; then Redis fails (a closed port), which
    # opens the circuit breaker.
    for path in ("/", "/api/stations?q=al", "/trains/12001", "/trains/NOSUCH", "/pnr"):
        client.get(path)
    settings.REDIS_RETRY_AFTER = 0.3
    settings.CACHES = {
        "default": {
            "BACKEND": "caching.resilient_redis.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.25, "SOCKET_TIMEOUT": 0.25},
        }
    }
    client.get("/trains/12001")
    exposed = _exposed_names(scrape_text(client))
    used = set(METRIC_NAME.findall(RULES.read_text())) | set(METRIC_NAME.findall(RULE_TESTS.read_text()))
    assert len(used) >= 12
    if importlib.util.find_spec("railconnect.replicas") is None:
        used -= REPLICA_METRICS  # checked by the next test once the router is in the checkout
    assert used <= exposed, sorted(used - exposed)


@pytest.mark.django_db
def test_the_replica_metrics_in_the_rules_are_exported():
    if importlib.util.find_spec("railconnect.replicas") is None:
        pytest.skip("railconnect/replicas.py (the read-replica router, issue 16) is not in this checkout")
    used = set(METRIC_NAME.findall(RULES.read_text()))
    assert REPLICA_METRICS <= used
    assert REPLICA_METRICS <= _exposed_names(scrape_text(Client()))
