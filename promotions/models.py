from dataclasses import dataclass
from typing import Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext

from .image_pipeline import ImageRejected, RenditionSet, build_renditions, check_image


@dataclass(frozen=True)
class PictureTexts:
    title: str
    subtitle: str
    alt: str
    lang: str  # "en" when shown as written (English) on a page in another language, else ""


class PictureQuerySet(models.QuerySet):
    def live(self) -> Self:
        return self.filter(is_active=True).exclude(renditions={})


class Picture(models.Model):
    """A promotional banner or a destination picture for the home page.

    The uploaded original is kept (outside the served tree: MEDIA_ROOT/originals/) and never
    served; on save the image pipeline writes its renditions and placeholder.
    """

    class Kind(models.TextChoices):
        BANNER = "banner", "Promotional banner"
        DESTINATION = "destination", "Destination picture"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DESTINATION)
    title = models.CharField(max_length=80)
    subtitle = models.CharField(max_length=160, blank=True)
    alt_text = models.CharField(
        max_length=200, help_text="What the picture shows, for people who cannot see it."
    )
    link = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the picture leads: a path on this site, e.g. /search?from=...&to=...",
    )
    original = models.ImageField(upload_to="originals/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0, help_text="Smaller comes first.")
    is_active = models.BooleanField(default=True)
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PictureQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.title}"

    def save(self, *args, **kwargs):
        if self.original and (not self.renditions or self._original_changed()):
            self.original.open("rb")
            self.original.seek(0)
            data = self.original.read()
            self.original.seek(0)
            try:
                self.renditions = build_renditions(data).as_json()
            except ImageRejected as error:
                raise ValidationError({"original": str(error)}) from None
        super().save(*args, **kwargs)

    def texts(self) -> PictureTexts:
        """Title, subtitle and alt text in the active language: the catalogue's translation when it
        has one (the demo pictures' texts are marked: demo/artwork.py), else as written, in English,
        and then marked lang="en" on the page so screen readers read it as English (docs/i18n.md)."""
        written = (self.title, self.subtitle, self.alt_text)
        title, subtitle, alt = (gettext(text) if text else "" for text in written)
        english = translation.get_language() != settings.LANGUAGE_CODE and any(
            text and text == original for text, original in zip((title, subtitle, alt), written, strict=True)
        )
        return PictureTexts(title, subtitle, alt, lang="en" if english else "")

    @property
    def rendition_set(self):
        return RenditionSet.from_json(self.renditions)

    def clean(self):
        super().clean()
        if self.link and not self.link.startswith("/"):
            raise ValidationError({"link": "Give a path on this site, starting with /."})
        if self.original and not getattr(self.original, "_committed", True):
            self.original.seek(0)
            try:
                check_image(self.original.read())
            except ImageRejected as error:
                raise ValidationError({"original": str(error)}) from None
            finally:
                self.original.seek(0)

    def _original_changed(self):
        # A new upload is an uncommitted file; a stored one compares by name.
        if not getattr(self.original, "_committed", True):
            return True
        if self.pk is None:
            return True
        stored = type(self).objects.filter(pk=self.pk).values_list("original", flat=True).first()
        return stored != self.original.name
