from django.core.management.base import BaseCommand

from pwa import assets


class Command(BaseCommand):
    help = "Draw the web app manifest's icons and screenshots (Pillow) into the generated static folder."

    def handle(self, *args, **options):
        written = assets.generate(force=True)
        self.stdout.write(f"{len(written)} files written to {assets.generated_dir()}")
