"""Loads the demo pictures (drawn by artwork.py) through the real upload path."""

import io

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from promotions.models import Picture

from .artwork import DEMO_PICTURES


def seed_pictures(scale=1.0):
    """Create the demo banner and destination pictures; return how many were made.

    `scale` shrinks the drawings (tests use small ones to stay fast).
    """
    made = 0
    with transaction.atomic():
        for position, (kind, title, subtitle, alt, link, scene, (width, height)) in enumerate(DEMO_PICTURES):
            image = scene(max(32, round(width * scale)), max(32, round(height * scale)))
            buffer = io.BytesIO()
            image.save(buffer, "PNG", optimize=True)
            picture = Picture(
                kind=kind, title=title, subtitle=subtitle, alt_text=alt, link=link, position=position
            )
            picture.original.save(f"{slugify(title)}.png", ContentFile(buffer.getvalue()), save=False)
            picture.save()
            made += 1
    return made
