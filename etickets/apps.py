from django.apps import AppConfig


class EticketsConfig(AppConfig):
    name = "etickets"
    verbose_name = "Electronic Reservation Slips"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers its system check)
