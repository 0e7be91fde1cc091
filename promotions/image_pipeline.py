"""From one uploaded original to the files a <picture> needs.

`build_renditions(data)` takes the original's bytes and writes, under MEDIA_ROOT/renditions/<key>/:
AVIF, WebP and JPEG at each width of IMAGE_RENDITION_WIDTHS narrower than the original (plus the
original's own width when it is narrower than the widest), all in sRGB with every metadata block
(EXIF with its GPS position, XMP, ICC profile, comments) left out. It returns a `RenditionSet`: the
intrinsic size, the widths, and a tiny blurred placeholder as a data URI (blurDataURL).

<key> is a digest of the original's bytes and of the pipeline's settings, so a rendition's URL
names its content: it never changes and is served as immutable. Re-running on the same original
finds the files in place and writes nothing.
"""

import base64
import hashlib
import io
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageCms, ImageFilter, ImageOps

# Bump when the processing changes, so every picture gets new URLs.
PIPELINE_VERSION = 1
# Formats, best first: the order of <source> elements. JPEG is the <img> fallback.
FORMATS = ("avif", "webp", "jpeg")
MIME_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
EXTENSIONS = {"avif": "avif", "webp": "webp", "jpeg": "jpg"}
RENDITIONS_DIR = "renditions"
# Uploads bigger than this are refused (Pillow's decompression-bomb guard is far higher).
MAX_PIXELS = 40_000_000
PLACEHOLDER_WIDTH = 16


class ImageRejected(ValueError):
    pass


@dataclass(frozen=True)
class RenditionSet:
    key: str
    width: int
    height: int
    widths: tuple[int, ...]
    placeholder: str

    def name(self, fmt, width):
        return f"{RENDITIONS_DIR}/{self.key}/{width}.{EXTENSIONS[fmt]}"

    def url(self, fmt, width):
        return default_storage.url(self.name(fmt, width))

    def srcset(self, fmt):
        return ", ".join(f"{self.url(fmt, width)} {width}w" for width in self.widths)

    def height_for(self, width):
        return max(1, round(self.height * width / self.width))

    def as_json(self):
        return {**asdict(self), "widths": list(self.widths)}

    @classmethod
    def from_json(cls, data):
        if not data:
            return None
        return cls(
            key=data["key"],
            width=data["width"],
            height=data["height"],
            widths=tuple(data["widths"]),
            placeholder=data["placeholder"],
        )


def rendition_key(data):
    recipe = repr(
        (
            PIPELINE_VERSION,
            tuple(settings.IMAGE_RENDITION_WIDTHS),
            settings.IMAGE_QUALITY_AVIF,
            settings.IMAGE_QUALITY_WEBP,
            settings.IMAGE_QUALITY_JPEG,
        )
    ).encode()
    return hashlib.blake2b(data + b"\x00" + recipe, digest_size=8).hexdigest()


def target_widths(original_width):
    configured = sorted(set(settings.IMAGE_RENDITION_WIDTHS))
    widths = [width for width in configured if width < original_width]
    if original_width <= configured[-1]:
        widths.append(original_width)
    return tuple(widths) if widths else (original_width,)


def _open(data):
    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > MAX_PIXELS:
            raise ImageRejected(f"the picture has more than {MAX_PIXELS:,} pixels")
        image.load()
    except (OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise ImageRejected(f"not a picture Pillow can read ({error})") from None
    return image


def check_image(data):
    """Raise ImageRejected unless `data` is a picture the pipeline accepts."""
    _open(data).close()


def _to_srgb(image):
    """Apply the EXIF orientation, convert to sRGB, flatten transparency onto white."""
    image = ImageOps.exif_transpose(image)
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            image = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=output_mode
            )
        except ImageCms.PyCMSError:
            pass  # a broken profile: keep the pixels as they are
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.info = {}
    return image


def _encode(image, fmt):
    buffer = io.BytesIO()
    image.info = {}  # nothing from the original travels: no EXIF, XMP, ICC or comment
    if fmt == "avif":
        image.save(buffer, "AVIF", quality=settings.IMAGE_QUALITY_AVIF, speed=6)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=settings.IMAGE_QUALITY_WEBP, method=5)
    else:
        image.save(buffer, "JPEG", quality=settings.IMAGE_QUALITY_JPEG, optimize=True, progressive=True)
    return buffer.getvalue()


def placeholder_data_uri(image):
    """A 16-pixel-wide blurred WebP of the picture, base64 in a data URI (a few hundred bytes)."""
    height = max(1, round(image.height * PLACEHOLDER_WIDTH / image.width))
    tiny = image.resize((PLACEHOLDER_WIDTH, height), Image.Resampling.BOX).filter(
        ImageFilter.GaussianBlur(0.8)
    )
    tiny.info = {}
    buffer = io.BytesIO()
    tiny.save(buffer, "WEBP", quality=40, method=6)
    return "data:image/webp;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def build_renditions(data, storage=None):
    """Write every rendition of the original `data` (bytes); return its RenditionSet."""
    storage = storage or default_storage
    key = rendition_key(data)
    image = _to_srgb(_open(data))
    widths = target_widths(image.width)
    renditions = RenditionSet(
        key=key,
        width=widths[-1],
        height=max(1, round(image.height * widths[-1] / image.width)),
        widths=widths,
        placeholder=placeholder_data_uri(image),
    )
    for width in widths:
        size = (width, renditions.height_for(width))
        resized = (
            image if size == image.size else image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        for fmt in FORMATS:
            name = renditions.name(fmt, width)
            if not storage.exists(name):
                storage.save(name, ContentFile(_encode(resized, fmt)))
    return renditions


def delete_renditions(renditions, storage=None):
    """Remove a set's files (when no picture uses its key any more)."""
    storage = storage or default_storage
    for width in renditions.widths:
        for fmt in FORMATS:
            storage.delete(renditions.name(fmt, width))
