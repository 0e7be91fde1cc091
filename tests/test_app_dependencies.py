"""The apps import each other in one direction only, so there is no import loop between them.

Every import in every module of every project app (at module level and inside functions; read
with ast, nothing is executed) is an edge from the importing app to the imported one. An app may
import the apps of lower layers only: never one of its own layer, never one above. The layers are
drawn in docs/architecture.md; when an app needs something from one above it, the thing belongs
lower down (or the lower app offers a hook that the upper one fills from its AppConfig.ready(),
as cache warming and the RUM metrics do).
"""

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# The project package's wiring: these modules put the apps together and may import any of them.
# The rest of railconnect/ (HTTP caching, rate limits, compression, request timing, ...) is
# cross-cutting code every app uses: it must not import a domain app.
PROJECT = "railconnect (project)"
PROJECT_MODULES = frozenset({"settings", "urls", "wsgi", "asgi"})

# Bottom to top.
LAYERS = (
    {"caching"},  # cache levels, keys, policy, the warmers' registry: knows no domain
    {"railconnect"},  # cross-cutting: HTTP caching, rate limits, compression, request timing
    {"scheduler"},  # periodic jobs: a registry the domain apps fill, and the scheduler process
    {"observability", "pwa", "promotions", "timetable", "payments"},  # timetable owns the journey rules
    # search and booking both stand on timetable, never on each other; demo data stands on timetable
    # and promotions
    {"accounts"},  # the account, its mobile number and kind: booking's Tatkal rules read them
    {
        "search",
        "booking",
        "rum",
        "demo",
    },
    {"dashboard", "etickets"},  # read booking: the passenger's journeys; the e-ticket PDF and /verify/
    {"notifications"},  # mail and SMS on booking and payment events (attaches etickets' PDF)
    {PROJECT},
)


def imported_modules(source, module):
    """(line, dotted name) of every import in `source`, the code of module `module` (relative
    imports resolved; `from a import b` gives "a.b", which may be a module or a name in a)."""
    package = module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            prefix = ".".join([*base, *([node.module] if node.module else [])])
            found.extend((node.lineno, f"{prefix}.{alias.name}") for alias in node.names)
    return found


def node_of(module, app_labels):
    """The graph node a dotted module belongs to, or None outside the project's apps."""
    top, _, rest = module.partition(".")
    if top not in app_labels:
        return None
    if top == "railconnect" and rest.split(".")[0] in PROJECT_MODULES:
        return PROJECT
    return top


def project_apps():
    return {
        config.label: Path(config.path)
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT
    }


def import_edges():
    """[(from node, to node, "file:line imports name")] between different nodes."""
    app_paths = project_apps()
    edges = []
    for folder in app_paths.values():
        for path in sorted(folder.rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            source_node = node_of(module, app_paths)
            if parts[-1] == "__init__":
                module += ".__init__"  # so that relative imports resolve from the package itself
            for line, name in imported_modules(path.read_text(), module):
                target = node_of(name, app_paths)
                if target is not None and target != source_node:
                    edges.append((source_node, target, f"{path.relative_to(ROOT)}:{line} imports {name}"))
    return edges


def layer_of(node):
    return next(index for index, layer in enumerate(LAYERS) if node in layer)


def test_the_import_parser_sees_every_kind_of_import():
    source = (
        "import timetable.models\n"
        "from caching import warming\n"
        "from .forms import SearchForm\n"
        "from .. import sibling\n"
        "def later():\n"
        "    from booking.models import Booking\n"
    )
    assert [name for _, name in imported_modules(source, "search.sub.views")] == [
        "timetable.models",
        "caching.warming",
        "search.sub.forms.SearchForm",
        "search.sibling",
        "booking.models.Booking",
    ]
    labels = {"railconnect", "booking"}
    assert node_of("railconnect.urls", labels) == PROJECT
    assert node_of("railconnect.rate_limits.hit", labels) == "railconnect"
    assert node_of("booking.models", labels) == "booking" and node_of("django.db", labels) is None


def test_every_app_has_a_layer():
    placed = set().union(*LAYERS)
    nodes = {node_of(label, project_apps()) for label in project_apps()} | {PROJECT}
    assert nodes == placed


def test_apps_import_only_apps_below_them():
    wrong = [
        f"{where}: {source} (layer {layer_of(source)}) may not import {target} (layer {layer_of(target)})"
        for source, target, where in import_edges()
        if layer_of(target) >= layer_of(source)
    ]
    assert not wrong, "imports against the layering (see docs/architecture.md):\n" + "\n".join(wrong)
