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
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "railconnect.static_storage.ModuleAwareManifestStorage"}}

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
