"""Demo data lives in its own app: the seeding commands belong to `demo`, and no production app
imports it (demo may import timetable and promotions, never the other way round)."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent


def _production_modules():
    """Every Python file of the project's own apps except demo (tests and benchmarks are no app)."""
    for config in apps.get_app_configs():
        path = Path(config.path)
        if config.name != "demo" and path.is_relative_to(ROOT):
            yield from sorted(path.rglob("*.py"))


def _imported_modules(source):
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


@pytest.mark.parametrize("command", ["seed_demo", "seed_promotions"])
def test_demo_commands_belong_to_the_demo_app(command):
    assert get_commands()[command] == "demo"


def test_no_production_app_imports_demo():
    modules = list(_production_modules())
    assert len(modules) > 50, "the app walk found too few modules to mean anything"
    offenders = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in modules
        for name in _imported_modules(path.read_text())
        if name == "demo" or name.startswith("demo.")
    ]
    assert offenders == []
