"""Demo pictures drawn with Pillow, so a fresh clone shows real banners without shipping photos.

Each scene is a function of (width, height) returning an RGB image: skies, hills, sea, a train.
They go through the same upload pipeline as any picture an editor would upload in the admin.
"""

import math
import random

from django.utils.translation import gettext_noop as _
from PIL import Image, ImageDraw, ImageFilter, ImageOps


def _sky(width, height, top, bottom):
    gradient = Image.linear_gradient("L").resize((width, height))
    return ImageOps.colorize(gradient, top, bottom).convert("RGB")


def _ridge(draw, width, height, base, amplitude, colour, seed, roughness=6):
    rng = random.Random(seed)
    phases = [rng.uniform(0, math.tau) for _ in range(roughness)]
    points = [(0, height)]
    for x in range(0, width + 8, 8):
        y = base
        for octave, phase in enumerate(phases, start=1):
            y += amplitude / octave * math.sin(x / width * math.pi * (octave + 0.5) + phase)
        points.append((x, y))
    points.append((width, height))
    draw.polygon(points, fill=colour)


def _sun(draw, x, y, radius, colour):
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)


def _train(draw, x, y, scale, body, window):
    """A side view of a locomotive and coaches, from (x, y) at its roof's left end."""
    car = int(150 * scale)
    gap = int(8 * scale)
    tall = int(42 * scale)
    for index in range(5):
        left = x + index * (car + gap)
        draw.rounded_rectangle((left, y, left + car, y + tall), radius=int(8 * scale), fill=body)
        for w in range(5 if index else 2):
            wx = left + int(14 * scale) + w * int(26 * scale)
            draw.rectangle((wx, y + int(9 * scale), wx + int(16 * scale), y + int(21 * scale)), fill=window)
        for wheel in (left + int(24 * scale), left + car - int(24 * scale)):
            r = int(7 * scale)
            draw.ellipse((wheel - r, y + tall - r // 2, wheel + r, y + tall + r + r // 2), fill=(30, 30, 36))


def _palm(draw, x, ground, height, colour):
    trunk = [(x + int(math.sin(t / 10) * 12), ground - t * height // 40) for t in range(41)]
    draw.line(trunk, fill=(92, 64, 40), width=max(4, height // 28))
    top = trunk[-1]
    for angle in range(0, 360, 45):
        end = (
            top[0] + int(math.cos(math.radians(angle)) * height / 3),
            top[1] + int(abs(math.sin(math.radians(angle))) * height / 6) - 4,
        )
        draw.line([top, end], fill=colour, width=max(3, height // 36))


def konkan_coast(width, height):
    image = _sky(width, height, (255, 176, 112), (120, 190, 230))
    draw = ImageDraw.Draw(image)
    _sun(draw, int(width * 0.78), int(height * 0.28), int(height * 0.12), (255, 236, 190))
    _ridge(draw, width, height, height * 0.55, height * 0.08, (70, 120, 90), seed=1)
    _ridge(draw, width, height, height * 0.66, height * 0.05, (40, 96, 70), seed=2)
    draw.rectangle((0, int(height * 0.78), width, height), fill=(30, 110, 150))
    # A viaduct with a train on it.
    deck = int(height * 0.62)
    draw.rectangle((0, deck, width, deck + int(height * 0.025)), fill=(120, 90, 70))
    for pier in range(0, width, int(width / 9)):
        draw.rectangle((pier, deck, pier + int(width * 0.018), int(height * 0.8)), fill=(110, 82, 64))
    _train(draw, int(width * 0.12), deck - int(height * 0.095), height / 420, (180, 40, 40), (250, 230, 190))
    return image.filter(ImageFilter.SMOOTH)


def goa_beach(width, height):
    image = _sky(width, height, (120, 190, 240), (230, 240, 250))
    draw = ImageDraw.Draw(image)
    _sun(draw, int(width * 0.2), int(height * 0.22), int(height * 0.09), (255, 245, 200))
    draw.rectangle((0, int(height * 0.5), width, int(height * 0.7)), fill=(40, 140, 180))
    _ridge(draw, width, height, height * 0.74, height * 0.03, (236, 214, 160), seed=3, roughness=3)
    for x in (0.7, 0.82, 0.9):
        _palm(draw, int(width * x), int(height * 0.8), int(height * 0.5), (40, 120, 60))
    return image.filter(ImageFilter.SMOOTH)


def himalaya(width, height):
    image = _sky(width, height, (90, 140, 210), (210, 225, 240))
    draw = ImageDraw.Draw(image)
    _ridge(draw, width, height, height * 0.42, height * 0.16, (235, 240, 248), seed=4, roughness=4)
    _ridge(draw, width, height, height * 0.55, height * 0.1, (120, 130, 150), seed=5)
    _ridge(draw, width, height, height * 0.72, height * 0.06, (50, 90, 70), seed=6)
    _train(draw, int(width * 0.3), int(height * 0.8), height / 600, (30, 80, 150), (240, 240, 220))
    return image.filter(ImageFilter.SMOOTH)


def kerala_backwaters(width, height):
    image = _sky(width, height, (150, 200, 220), (230, 236, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, int(height * 0.55), width, height), fill=(60, 120, 100))
    for x in (0.08, 0.18, 0.3, 0.62, 0.75, 0.9):
        _palm(draw, int(width * x), int(height * 0.58), int(height * 0.42), (30, 100, 50))
    # A houseboat.
    hull = int(height * 0.72)
    draw.polygon(
        [
            (width * 0.35, hull),
            (width * 0.65, hull),
            (width * 0.6, hull + height * 0.07),
            (width * 0.4, hull + height * 0.07),
        ],
        fill=(90, 60, 40),
    )
    draw.rounded_rectangle(
        (width * 0.39, hull - height * 0.08, width * 0.61, hull),
        radius=int(height * 0.03),
        fill=(200, 170, 110),
    )
    return image.filter(ImageFilter.SMOOTH)


def rajasthan_desert(width, height):
    image = _sky(width, height, (250, 150, 80), (255, 220, 160))
    draw = ImageDraw.Draw(image)
    _sun(draw, int(width * 0.5), int(height * 0.35), int(height * 0.13), (255, 240, 200))
    # A fort on the skyline.
    base = int(height * 0.55)
    for index, x in enumerate(range(int(width * 0.1), int(width * 0.45), int(width * 0.05))):
        top = base - int(height * (0.1 + 0.05 * (index % 3)))
        draw.rectangle((x, top, x + int(width * 0.045), base), fill=(150, 90, 60))
    _ridge(draw, width, height, height * 0.6, height * 0.05, (220, 160, 90), seed=7, roughness=3)
    _ridge(draw, width, height, height * 0.75, height * 0.06, (200, 140, 80), seed=8, roughness=3)
    return image.filter(ImageFilter.SMOOTH)


# (kind, title, subtitle, alt text, link, scene, size). The texts are marked for the catalogues, so
# the home page shows them in Hindi and Tamil (Picture.texts); stored in English.
DEMO_PICTURES = [
    (
        "banner",
        _("Monsoon on the Konkan line"),
        _("Green hills, sea views and 2,000 bridges between Mumbai and Goa."),
        _("A red express train crossing a viaduct between green hills and the sea at sunset"),
        "/?from=Mumbai&to=Madgaon",
        konkan_coast,
        (1600, 640),
    ),
    (
        "destination",
        _("Goa"),
        _("Beaches from Madgaon"),
        _("Palm trees on a sandy beach by a blue sea"),
        "/?to=Madgaon",
        goa_beach,
        (1200, 800),
    ),
    (
        "destination",
        _("Shimla"),
        _("The toy train to the hills"),
        _("A blue train below snow-capped Himalayan peaks"),
        "/?to=Shimla",
        himalaya,
        (1200, 800),
    ),
    (
        "destination",
        _("Kerala"),
        _("Backwaters by Ernakulam"),
        _("A houseboat on green backwaters lined with coconut palms"),
        "/?to=Ernakulam",
        kerala_backwaters,
        (1200, 800),
    ),
    (
        "destination",
        _("Jaipur"),
        _("Forts of Rajasthan"),
        _("A hill fort above desert dunes under an orange sky"),
        "/?to=Jaipur",
        rajasthan_desert,
        (1200, 800),
    ),
]
