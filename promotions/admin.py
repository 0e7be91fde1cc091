from django.contrib import admin
from django.utils.html import format_html

from .image_pipeline import FORMATS
from .models import Picture


@admin.register(Picture)
class PictureAdmin(admin.ModelAdmin):
    list_display = ("preview", "title", "kind", "position", "is_active", "updated_at")
    list_display_links = ("preview", "title")
    list_editable = ("position", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("title", "subtitle", "alt_text")
    readonly_fields = ("renditions_summary",)
    fields = (
        "kind",
        "title",
        "subtitle",
        "alt_text",
        "link",
        "original",
        "position",
        "is_active",
        "renditions_summary",
    )

    @admin.display(description="Picture")
    def preview(self, picture):
        renditions = picture.rendition_set
        if not renditions:
            return "-"
        width = renditions.widths[0]
        return format_html(
            '<img src="{}" width="120" height="{}" alt="" loading="lazy">',
            renditions.url("webp", width),
            round(120 * renditions.height / renditions.width),
        )

    @admin.display(description="Renditions")
    def renditions_summary(self, picture):
        renditions = picture.rendition_set
        if not renditions:
            return "Made when the picture is saved."
        return format_html(
            "{} x {} px; widths {}; formats {}; placeholder {} bytes",
            renditions.width,
            renditions.height,
            ", ".join(str(width) for width in renditions.widths),
            ", ".join(FORMATS),
            len(renditions.placeholder),
        )
