import time

from django.core.management.base import BaseCommand

from demo.pictures import seed_pictures
from promotions.models import Picture


class Command(BaseCommand):
    help = (
        "Draw the demo banner and destination pictures with Pillow and run them through the image pipeline."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when pictures already exist")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="size of the drawings (1 = 1600 px banner)"
        )

    def handle(self, *args, if_empty=False, scale=1.0, **options):
        if if_empty and Picture.objects.exists():
            self.stdout.write("Pictures already present: nothing to do.")
            return
        start = time.perf_counter()
        made = seed_pictures(scale=scale)
        self.stdout.write(
            f"Made {made} pictures and their renditions in {time.perf_counter() - start:.1f} s."
        )
