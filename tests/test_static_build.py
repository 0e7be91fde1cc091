"""The production static build (manage.py build_static): hashed names, module imports, .br/.gz."""

import json

import pytest
from django.core.management import call_command


def test_build_has_hashed_modules_with_rewritten_imports_and_precompressed_variants(built_static):
    manifest = json.loads((built_static / "staticfiles.json").read_text())["paths"]
    search = manifest["js/pages/search.js"]
    autocomplete = manifest["js/components/station-autocomplete.js"]
    assert search != "js/pages/search.js"
    source = (built_static / search).read_text()
    # The dynamic import names the hashed component, so it is fetched under an immutable URL too.
    assert f'import("../components/{autocomplete.rsplit("/", 1)[1]}")' in source
    dashboard = (built_static / manifest["js/pages/dashboard.js"]).read_text()
    assert manifest["js/components/lazy-fragments.js"].rsplit("/", 1)[1] in dashboard
    for name in (search, autocomplete, "css/site.css"):
        assert (built_static / f"{name}.br").is_file() and (built_static / f"{name}.gz").is_file()


def test_compressor_manifest_holds_every_page_css(built_static):
    offline = json.loads((built_static / "CACHE" / "manifest.json").read_text())
    blocks = list(offline.values())
    assert blocks and all(block.startswith("<style") for block in blocks)
    assert any(".journeys{" in block for block in blocks), "results page: site + results CSS"
    assert any(".destinations{" in block for block in blocks), "home: site + home CSS"
    assert all(len(block) < 8000 for block in blocks)


def test_a_changed_file_gets_a_new_name_and_so_do_its_importers(tmp_path, settings):
    source = tmp_path / "src"
    (source / "js").mkdir(parents=True)
    (source / "js" / "lib.js").write_text("export const answer = 41;\n")
    (source / "js" / "main.js").write_text('import("./lib.js").then((m) => m.answer);\n')
    (source / "js" / "other.js").write_text("export const other = 1;\n")
    settings.STATICFILES_DIRS = [source]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "railconnect.static_storage.ModuleAwareManifestStorage"},
    }

    def build(root):
        settings.STATIC_ROOT = str(root)
        call_command("collectstatic", interactive=False, verbosity=0)
        return json.loads((root / "staticfiles.json").read_text())["paths"]

    before = build(tmp_path / "one")
    (source / "js" / "lib.js").write_text("export const answer = 42;\n")
    after = build(tmp_path / "two")
    assert before["js/lib.js"] != after["js/lib.js"]
    assert before["js/main.js"] != after["js/main.js"], "main.js names lib.js's hash, so it changes too"
    assert before["js/other.js"] == after["js/other.js"]
    assert after["js/lib.js"].rsplit("/", 1)[1] in (tmp_path / "two" / after["js/main.js"]).read_text()


@pytest.mark.django_db
def test_pages_render_from_the_offline_build(client, production_static):
    html = client.get("/").content.decode()
    assert "<style" in html and "/static/js/pages/search." in html
    assert "/static/js/pages/search.js" not in html, "the hashed name, not the plain one"


def test_source_maps_are_not_published(built_static):
    """Finding 12: /static/vendor/*.js.map was public. No map is built, and no file points at one."""
    assert not [path.name for path in built_static.rglob("*.map*")]
    manifest = json.loads((built_static / "staticfiles.json").read_text())["paths"]
    vendor = (built_static / manifest["vendor/web-vitals.attribution.js"]).read_text()
    assert "sourceMappingURL" not in vendor


def test_a_rebuild_removes_source_maps_left_by_an_earlier_build(tmp_path):
    """WhiteNoise serves whatever STATIC_ROOT holds, so maps from an older build must go."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    stale = tmp_path / "vendor" / "web-vitals.attribution.js.0123456789ab.map"
    stale.parent.mkdir(parents=True)
    for name in (stale, Path(f"{stale}.gz"), tmp_path / "vendor" / "web-vitals.attribution.js.map.br"):
        name.write_text("{}")
    env = {**os.environ, "STATIC_ROOT": str(tmp_path), "DJANGO_SETTINGS_MODULE": "railconnect.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "build_static", "--verbosity", "0"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.rglob("*.map*"))
    assert (tmp_path / "staticfiles.json").is_file()
