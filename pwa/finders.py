"""A static-files finder for the generated icons and screenshots (pwa/assets.py): they are drawn on
first use, so collectstatic (`make static`, `build_static`) and the development server find them
like any other static file."""

from django.contrib.staticfiles.finders import BaseStorageFinder
from django.core.files.storage import FileSystemStorage

from . import assets


class GeneratedAssetsFinder(BaseStorageFinder):
    def __init__(self, *args, **kwargs):
        assets.generate()
        self.storage = FileSystemStorage(location=str(assets.generated_dir()))
        super().__init__(*args, **kwargs)
