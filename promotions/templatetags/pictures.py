"""{% picture %}: a responsive <picture> for a promotions.Picture (or any RenditionSet).

    {% load pictures %}
    {% picture banner sizes="(min-width: 60rem) 58rem, calc(100vw - 2rem)" priority=True %}
    {% picture destination sizes="(min-width: 40rem) 14rem, calc(50vw - 1.5rem)" %}

Renders AVIF and WebP <source>s and a JPEG <img>, each with a srcset of every width and the same
`sizes`, explicit width/height (the browser reserves the box before a byte arrives), the blurred
placeholder as the img's background, and either `loading="lazy" decoding="async"` (below the
fold: the default) or `fetchpriority="high"` without lazy loading (priority=True: the page's
LCP image; use it for one picture per page at most).
"""

from django import template

from promotions.image_pipeline import FORMATS, MIME_TYPES, RenditionSet

register = template.Library()

# The <img> src for browsers without srcset support: the first JPEG at least this wide.
FALLBACK_WIDTH = 640


@register.inclusion_tag("promotions/picture.html")
def picture(image, sizes="100vw", priority=False, css_class="", alt=None):
    renditions = image if isinstance(image, RenditionSet) else getattr(image, "rendition_set", None)
    if not renditions:
        return {"renditions": None}
    fallback = next((width for width in renditions.widths if width >= FALLBACK_WIDTH), renditions.widths[-1])
    return {
        "renditions": renditions,
        "sources": [{"type": MIME_TYPES[fmt], "srcset": renditions.srcset(fmt)} for fmt in FORMATS[:-1]],
        "img_srcset": renditions.srcset(FORMATS[-1]),
        "src": renditions.url(FORMATS[-1], fallback),
        "sizes": sizes,
        "priority": priority,
        "css_class": css_class,
        "alt": alt if alt is not None else getattr(image, "alt_text", ""),
    }
