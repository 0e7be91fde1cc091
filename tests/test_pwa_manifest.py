"""The web app manifest: linked from every page, parses, and has what installability needs; its
icons and screenshots are the project's own Pillow drawings, of the sizes it declares."""

import json

import pytest
from PIL import Image

from pwa import assets

from testsupport.networks import tiny_network

pytestmark = pytest.mark.django_db


def _manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    return json.loads(response.content)


def test_manifest_has_what_installability_needs(client, production_static):
    manifest = _manifest(client)
    for key in (
        "id",
        "name",
        "short_name",
        "start_url",
        "scope",
        "description",
        "theme_color",
        "background_color",
    ):
        assert manifest[key], key
    assert manifest["display"] == "standalone"
    assert manifest["scope"] == "/" and manifest["start_url"].startswith("/")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= sizes
    assert [s["name"] for s in manifest["shortcuts"]] == ["Search trains", "My journeys", "PNR status"]
    assert {s["form_factor"] for s in manifest["screenshots"]} == {"narrow", "wide"}


def test_icons_and_screenshots_are_served_with_the_declared_sizes(client, production_static):
    manifest = _manifest(client)
    for image in manifest["icons"] + manifest["screenshots"]:
        name = image["src"].removeprefix("/static/")
        assert "." in name and name.count(".") >= 2, f"{name} is not a hashed name"
        with Image.open(production_static / name) as picture:
            assert f"{picture.width}x{picture.height}" == image["sizes"]
        if "form_factor" in image:  # Chrome: sides 320..3840 px, long side <= 2.3x the short one
            w, h = picture.width, picture.height
            assert 320 <= min(w, h) and max(w, h) <= 3840 and max(w, h) <= 2.3 * min(w, h)
            assert (w < h) == (image["form_factor"] == "narrow")


def test_generation_is_deterministic(tmp_path, settings):
    settings.PWA_GENERATED_DIR = tmp_path / "a"
    first = {p.name: p.read_bytes() for p in assets.generate()}
    settings.PWA_GENERATED_DIR = tmp_path / "b"
    second = {p.name: p.read_bytes() for p in assets.generate()}
    assert first == second and len(first) == 6


def test_maskable_icon_fills_its_square():
    picture = assets.icon(192, maskable=True)
    assert picture.getpixel((0, 0))[3] == 255 and picture.getpixel((191, 191))[3] == 255
    assert assets.icon(192).getpixel((0, 0))[3] == 0  # the plain icon is a rounded tile


@pytest.mark.parametrize("url", ["/", "/pnr", "/offline"])
def test_every_page_links_the_manifest_and_the_worker_registration(client, production_static, url):
    tiny_network()
    html = client.get(url).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert '<script type="module" src="/static/js/pwa.' in html
