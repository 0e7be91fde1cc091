"""What RUM costs a page, from the real build: web-vitals comes from the locked npm package, is
served hashed like every static file, and only a tiny loader is fetched before interaction."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

from testsupport.networks import tiny_network
from testsupport.page_weight import page_weight, served_size

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
LOADER_BUDGET = 512  # Brotli bytes of js/rum.js, the only part before interaction


def test_web_vitals_is_pinned_locked_and_vendored_unchanged(production_static):
    package = json.loads((ROOT / "package.json").read_text())
    version = package["dependencies"]["web-vitals"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), "pinned exactly"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/web-vitals"]["version"] == version
    assert lock["packages"]["node_modules/web-vitals"]["integrity"].startswith("sha512-")
    source = ROOT / "node_modules/web-vitals/dist/web-vitals.attribution.js"
    built = list((Path(production_static) / "vendor").glob("web-vitals.attribution.[0-9a-f]*.js"))
    assert len(built) == 1, built
    # Byte for byte the package's file, less its source map comment (maps are not published).
    original, served = source.read_text(), built[0].read_text()
    assert served == original.split("//# sourceMappingURL=")[0]
    assert built[0].with_name(built[0].name + ".br").is_file()


def test_only_the_loader_is_on_the_page_and_the_rest_follows_after_load(client, production_static, capsys):
    tiny_network()
    weight = page_weight(client.get("/").content)
    names = " ".join(weight.files)
    assert "/static/js/rum." in names
    assert "rum-collector" not in names and "web-vitals" not in names, "loaded only after the load event"
    manifest = json.loads((Path(production_static) / "staticfiles.json").read_text())["paths"]
    loader = served_size(settings.STATIC_URL + manifest["js/rum.js"])
    collector = served_size(settings.STATIC_URL + manifest["js/components/rum-collector.js"])
    web_vitals = served_size(settings.STATIC_URL + manifest["vendor/web-vitals.attribution.js"])
    with capsys.disabled():
        print(
            f"\n  RUM, Brotli bytes: before interaction js/rum.js {loader}; after the load event "
            f"rum-collector.js {collector} + web-vitals.attribution.js {web_vitals} "
            f"= {collector + web_vitals}; "
            f"in all {loader + collector + web_vitals}"
        )
    assert loader <= LOADER_BUDGET
    # The loader imports the collector, which imports web-vitals, by their hashed names.
    built = Path(production_static)
    assert (
        manifest["js/components/rum-collector.js"].split("/")[-1]
        in (built / manifest["js/rum.js"]).read_text()
    )
    assert (
        manifest["vendor/web-vitals.attribution.js"].split("/")[-1]
        in (built / manifest["js/components/rum-collector.js"]).read_text()
    )
