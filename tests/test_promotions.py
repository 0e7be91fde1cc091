"""The image pipeline, the Picture admin, the rendition view and the {% picture %} tag."""

import base64
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.template import Context, Template
from PIL import ExifTags, Image, ImageCms, features

from demo.artwork import goa_beach, konkan_coast
from demo.pictures import seed_pictures
from promotions.image_pipeline import ImageRejected, build_renditions, target_widths
from promotions.models import Picture

pytestmark = pytest.mark.django_db


def photo_bytes(width=1000, height=600, fmt="JPEG", exif=None, icc=None, scene=goa_beach):
    image = scene(width, height)
    buffer = io.BytesIO()
    kwargs = {}
    if exif is not None:
        kwargs["exif"] = exif
    if icc is not None:
        kwargs["icc_profile"] = icc
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def exif_with_gps_and_orientation(orientation=1):
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.ImageDescription] = "home address"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (19.0, 4.0, 0.0)
    return exif


def test_pillow_has_avif():
    assert features.check("avif"), "pillow must be built with AVIF (pillow>=11.3 wheels are)"


def test_every_format_at_every_width(settings):
    renditions = build_renditions(photo_bytes(1000, 600))
    assert renditions.widths == (320, 480, 640, 960, 1000)
    assert (renditions.width, renditions.height) == (1000, 600)
    for width in renditions.widths:
        for fmt, pil_format in (("avif", "AVIF"), ("webp", "WEBP"), ("jpeg", "JPEG")):
            path = f"{settings.MEDIA_ROOT}/{renditions.name(fmt, width)}"
            with Image.open(path) as image:
                assert image.format == pil_format
                assert image.size == (width, renditions.height_for(width))


def test_widths_never_upscale():
    assert target_widths(2400) == (320, 480, 640, 960, 1280, 1600)
    assert target_widths(500) == (320, 480, 500)
    assert target_widths(200) == (200,)


def test_metadata_is_stripped(settings):
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = photo_bytes(exif=exif_with_gps_and_orientation(), icc=srgb)
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif() and original.info.get("icc_profile"), "the test original carries metadata"
    renditions = build_renditions(data)
    for fmt in ("avif", "webp", "jpeg"):
        raw = open(f"{settings.MEDIA_ROOT}/{renditions.name(fmt, 640)}", "rb").read()
        assert b"PhoneCo" not in raw and b"home address" not in raw
        with Image.open(io.BytesIO(raw)) as image:
            assert not image.getexif(), fmt
            assert not image.info.get("icc_profile"), fmt
            assert not image.info.get("xmp"), fmt


def test_exif_orientation_is_applied_before_stripping():
    # Orientation 6: the camera was turned; the picture displays rotated a quarter turn.
    renditions = build_renditions(photo_bytes(1000, 600, exif=exif_with_gps_and_orientation(orientation=6)))
    assert (renditions.width, renditions.height) == (600, 1000)


def test_transparent_pngs_are_flattened(settings):
    image = Image.new("RGBA", (400, 200), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    renditions = build_renditions(buffer.getvalue())
    with Image.open(f"{settings.MEDIA_ROOT}/{renditions.name('jpeg', 400)}") as jpeg:
        assert jpeg.getpixel((10, 10))[0] > 240, "transparent becomes white, not black"


def test_placeholder_is_a_tiny_blurred_data_uri():
    renditions = build_renditions(photo_bytes(1000, 600))
    match = re.fullmatch(r"data:image/webp;base64,([A-Za-z0-9+/=]+)", renditions.placeholder)
    assert match and len(renditions.placeholder) < 400
    with Image.open(io.BytesIO(base64.b64decode(match[1]))) as tiny:
        assert tiny.size == (16, 10)


def test_same_original_same_urls_and_no_rewrite(settings):
    data = photo_bytes()
    first = build_renditions(data)
    path = f"{settings.MEDIA_ROOT}/{first.name('avif', 320)}"
    import os

    stamp = os.stat(path).st_mtime_ns
    again = build_renditions(data)
    assert again == first
    assert os.stat(path).st_mtime_ns == stamp
    assert build_renditions(photo_bytes(scene=konkan_coast)).key != first.key


def test_not_an_image_is_rejected():
    with pytest.raises(ImageRejected):
        build_renditions(b"<svg xmlns='http://www.w3.org/2000/svg'/>")


# --- Admin upload ------------------------------------------------------------------------------


def test_admin_upload_makes_renditions(client):
    admin = get_user_model().objects.create_superuser("editor", "editor@example.com", "a-long-test-password")
    client.force_login(admin)
    upload = SimpleUploadedFile(
        "monsoon.jpg", photo_bytes(exif=exif_with_gps_and_orientation()), content_type="image/jpeg"
    )
    response = client.post(
        "/admin/promotions/picture/add/",
        {
            "kind": "banner",
            "title": "Monsoon",
            "subtitle": "",
            "alt_text": "Hills in the rain",
            "link": "/",
            "original": upload,
            "position": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    picture = Picture.objects.get()
    assert picture.rendition_set.widths[-1] == 1000
    assert client.get(picture.rendition_set.url("avif", 320)).status_code == 200
    listing = client.get("/admin/promotions/picture/")
    assert picture.rendition_set.url("webp", 320) in listing.content.decode()


def test_admin_refuses_a_file_that_is_not_a_picture(client):
    admin = get_user_model().objects.create_superuser("editor", "editor@example.com", "a-long-test-password")
    client.force_login(admin)
    upload = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    response = client.post(
        "/admin/promotions/picture/add/",
        {"kind": "banner", "title": "X", "alt_text": "x", "original": upload, "position": 0},
    )
    assert response.status_code == 200
    assert Picture.objects.count() == 0


# --- Serving renditions ------------------------------------------------------------------------


def test_renditions_are_served_immutable_with_304(client):
    renditions = build_renditions(photo_bytes())
    url = renditions.url("avif", 480)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/avif"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Content-Encoding" not in response
    body = b"".join(response.streaming_content)
    assert body[4:12] == b"ftypavif"
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/media/originals/2026/01/x.png",
        "/media/renditions/0123456789abcdef/../../secret.jpg",
        "/media/renditions/0123456789abcdef/480.png",
        "/media/renditions/0123456789abcdef/480.avif",
        "/media/renditions/%2e%2e/480.avif",
    ],
)
def test_only_existing_renditions_are_reachable(client, path):
    assert client.get(path).status_code == 404


def test_originals_are_never_served(client):
    seed_pictures(scale=0.1)
    original = Picture.objects.first().original
    assert client.get(f"/media/{original.name}").status_code == 404


# --- The {% picture %} tag and the home page ----------------------------------------------------


def render_tag(picture, extra=""):
    return Template("{% load pictures %}{% picture pic " + extra + " %}").render(Context({"pic": picture}))


def test_picture_tag_below_the_fold():
    seed_pictures(scale=0.5)
    picture = Picture.objects.filter(kind="destination").first()
    html = render_tag(picture, 'sizes="50vw"')
    renditions = picture.rendition_set
    assert html.startswith("<picture") and html.index('type="image/avif"') < html.index('type="image/webp"')
    assert f'srcset="{renditions.srcset("avif")}"' in html
    assert html.count('sizes="50vw"') == 3
    assert f'width="{renditions.width}" height="{renditions.height}"' in html
    assert 'loading="lazy"' in html and 'decoding="async"' in html and "fetchpriority" not in html
    assert f'alt="{picture.alt_text}"' in html
    assert renditions.placeholder in html


def test_picture_tag_for_the_lcp_image():
    seed_pictures(scale=0.5)
    html = render_tag(Picture.objects.get(kind="banner"), "priority=True")
    assert 'fetchpriority="high"' in html
    assert "loading=" not in html and 'decoding="async"' not in html


def test_picture_tag_without_renditions_renders_nothing():
    assert render_tag(None).strip() == ""


def test_home_shows_the_banner_first_and_destinations_lazily(client):
    seed_pictures(scale=0.5)
    html = client.get("/").content.decode()
    assert html.count("<picture") == 5
    first, *rest = html.split("<picture")[1:]
    assert 'fetchpriority="high"' in first and 'loading="lazy"' not in first
    assert all('loading="lazy"' in part.split("</picture>")[0] for part in rest)


def test_inactive_pictures_are_not_shown(client):
    seed_pictures(scale=0.2)
    Picture.objects.update(is_active=False)
    assert "<picture" not in client.get("/").content.decode()


def test_seed_command_draws_pictures_once():
    call_command("seed_promotions", "--scale", "0.1")
    assert Picture.objects.count() == 5
    call_command("seed_promotions", "--if-empty")
    assert Picture.objects.count() == 5
