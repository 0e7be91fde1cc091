"""Where code may import from: the site never imports test or benchmark code, and nothing edits
Python's module search path (benchmarks and scripts run as modules from the project root:
docs/testing.md)."""

import ast
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
SUPPORT_PACKAGES = {"testsupport", "tests", "benchmarks"}
SKIPPED = {".venv", "node_modules", "staticfiles", ".git"}


def project_files(folder):
    return [path for path in folder.rglob("*.py") if not SKIPPED & set(path.relative_to(ROOT).parts)]


def imported_modules(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module


def test_the_site_never_imports_test_or_benchmark_code():
    site_packages = {
        Path(config.path) for config in apps.get_app_configs() if Path(config.path).is_relative_to(ROOT)
    }
    site_packages.add(ROOT / "railconnect")
    assert ROOT / "booking" in site_packages and ROOT / "tests" not in site_packages
    wrong = [
        f"{path.relative_to(ROOT)} imports {module}"
        for package in sorted(site_packages)
        for path in project_files(package)
        for module in imported_modules(path)
        if module.split(".")[0] in SUPPORT_PACKAGES
    ]
    assert not wrong, wrong


def test_no_module_edits_the_module_search_path():
    edits = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in project_files(ROOT)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.Attribute)
        and node.attr == "path"
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    ]
    assert not edits, f"the module search path is edited in {edits}: run the program with python -m instead"
