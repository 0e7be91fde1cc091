"""Icons and screenshots of the web app manifest, drawn with Pillow by the project's own code.

They are generated (deterministically, so a rebuild gives the same bytes and the same hashed
names) into GENERATED_DIR/pwa/ the first time the static-files finder (pwa.finders) is used: so
`make static` / `build_static` (collectstatic) picks them up with no extra step, and nothing
binary is committed. `manage.py pwa_assets` regenerates them by hand.
"""

from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw

BRAND = (11, 79, 138)  # #0b4f8a, the theme colour
WHITE = (255, 255, 255)
LIGHT = (230, 238, 246)
ACCENT = (244, 162, 54)

ICON_SIZES = (192, 512)
# Chrome's rules for manifest screenshots: each side 320-3840 px, the long side at most 2.3x the
# short one; "narrow" (portrait phone) and "wide" (desktop) form factors.
SCREENSHOTS = {"narrow": (540, 1200), "wide": (1280, 720)}


def generated_dir():
    return Path(getattr(settings, "PWA_GENERATED_DIR", settings.BASE_DIR / "var" / "pwa-static"))


def _train(draw, box, fg, bg):
    """A front view of a locomotive inside box (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    r = int(w * 0.12)
    draw.rounded_rectangle((x0, y0, x1, y0 + int(h * 0.82)), radius=r, fill=fg)
    # windscreen
    draw.rounded_rectangle(
        (x0 + int(w * 0.14), y0 + int(h * 0.12), x1 - int(w * 0.14), y0 + int(h * 0.42)),
        radius=int(r * 0.5),
        fill=bg,
    )
    # headlights
    lr = int(w * 0.07)
    for cx in (x0 + int(w * 0.26), x1 - int(w * 0.26)):
        cy = y0 + int(h * 0.62)
        draw.ellipse((cx - lr, cy - lr, cx + lr, cy + lr), fill=ACCENT)
    # rails
    t = max(2, int(h * 0.05))
    draw.rectangle((x0 + int(w * 0.1), y1 - t, x0 + int(w * 0.3), y1), fill=fg)
    draw.rectangle((x1 - int(w * 0.3), y1 - t, x1 - int(w * 0.1), y1), fill=fg)


def icon(size, maskable=False):
    """The app icon: a white train on the brand colour. A maskable icon fills the whole square and
    keeps the drawing inside the central 80% safe zone; the plain one is a rounded tile."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, size, size), fill=BRAND)
        margin = int(size * 0.3)  # well inside the 10% mask inset on each side
    else:
        draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=int(size * 0.2), fill=BRAND)
        margin = int(size * 0.2)
    _train(draw, (margin, margin, size - margin, size - margin), WHITE, BRAND)
    return image


def screenshot(width, height):
    """A schematic of the search page: header bar, the search form, a few result cards."""
    image = Image.new("RGB", (width, height), LIGHT)
    draw = ImageDraw.Draw(image)
    bar = max(56, height // 14)
    draw.rectangle((0, 0, width, bar), fill=BRAND)
    _train(draw, (16, 10, 16 + bar - 20, bar - 10), WHITE, BRAND)
    pad = 24
    column = min(width - 2 * pad, 720)
    x0 = (width - column) // 2
    y = bar + pad
    for _ in range(3):  # From, To, Date
        draw.rounded_rectangle((x0, y, x0 + column, y + 48), radius=8, fill=WHITE, outline=(180, 190, 200))
        y += 64
    draw.rounded_rectangle((x0, y, x0 + column, y + 52), radius=8, fill=ACCENT)
    y += 52 + pad
    while y + 110 < height - pad:
        draw.rounded_rectangle((x0, y, x0 + column, y + 100), radius=10, fill=WHITE)
        draw.rectangle((x0 + 16, y + 18, x0 + column // 2, y + 34), fill=BRAND)
        draw.rectangle((x0 + 16, y + 52, x0 + column - 16, y + 62), fill=(200, 208, 216))
        draw.rectangle((x0 + 16, y + 72, x0 + column // 3, y + 82), fill=(46, 160, 90))
        y += 116
    return image


def asset_names():
    """Static-file name -> Pillow image factory, for every generated file."""
    names = {}
    for size in ICON_SIZES:
        names[f"pwa/icon-{size}.png"] = lambda size=size: icon(size)
        names[f"pwa/icon-maskable-{size}.png"] = lambda size=size: icon(size, maskable=True)
    for form_factor, (width, height) in SCREENSHOTS.items():
        names[f"pwa/screenshot-{form_factor}.png"] = lambda w=width, h=height: screenshot(w, h)
    return names


def generate(force=False):
    """Write the files missing from generated_dir() (all of them with force); returns their paths."""
    root = generated_dir()
    written = []
    for name, make in asset_names().items():
        path = root / name
        if path.exists() and not force:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        make().save(tmp, format="PNG", optimize=True)
        tmp.replace(path)
        written.append(path)
    return written
