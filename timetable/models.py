"""The timetable: stations, trains and the stops that join them.

Times of a stop are kept as minutes after midnight of the day the train leaves its first
station, so `departure_minute // 1440` is the stop's day offset and a duration is a subtraction.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .running_days import format_running_days

MINUTES_PER_DAY = 24 * 60

# Classes of travel, in the order they are shown (most to least expensive).
TRAVEL_CLASSES = (
    ("1A", "AC First Class"),
    ("2A", "AC 2 Tier"),
    ("3A", "AC 3 Tier"),
    ("CC", "AC Chair Car"),
    ("SL", "Sleeper"),
    ("2S", "Second Sitting"),
)
CLASS_CODES = tuple(code for code, _ in TRAVEL_CLASSES)
CLASS_NAMES = dict(TRAVEL_CLASSES)


class Station(models.Model):
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    # A passenger searches "Mumbai" and means every Mumbai station.
    city = models.CharField(max_length=100, blank=True, db_index=True)
    state = models.CharField(max_length=60, blank=True)
    zone = models.CharField(max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    # Number of trains calling here: ranks autocomplete suggestions. Kept by the importers.
    train_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["code"]
        # Case-insensitive lookups by name and city (autocomplete prefixes, "Mumbai" in a search)
        # use UPPER(...) pattern indexes that exist on PostgreSQL only: see migration 0002.

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Train(models.Model):
    class Type(models.TextChoices):
        RAJDHANI = "RAJ", _("Rajdhani")
        SHATABDI = "SHT", _("Shatabdi")
        DURONTO = "DRN", _("Duronto")
        VANDE_BHARAT = "VB", _("Vande Bharat")
        GARIB_RATH = "GR", _("Garib Rath")
        HUMSAFAR = "HMS", _("Humsafar")
        JAN_SHATABDI = "JSH", _("Jan Shatabdi")
        SUPERFAST = "SF", _("Superfast")
        MAIL_EXPRESS = "EXP", _("Mail/Express")
        PASSENGER = "PAS", _("Passenger")

    number = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    train_type = models.CharField(max_length=3, choices=Type.choices, default=Type.MAIL_EXPRESS)
    # Bitmask of the days it leaves its first station (see running_days).
    running_days = models.PositiveSmallIntegerField()
    # Class codes carried, comma-separated in CLASS_CODES order, e.g. "1A,2A,3A".
    classes = models.CharField(max_length=40)
    origin = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def class_list(self) -> list[str]:
        return self.classes.split(",") if self.classes else []

    @property
    def running_days_display(self) -> str:
        return format_running_days(self.running_days)

    @property
    def is_superfast(self) -> bool:
        return self.train_type not in (self.Type.MAIL_EXPRESS, self.Type.PASSENGER)


class Stop(models.Model):
    train = models.ForeignKey(Train, on_delete=models.CASCADE, related_name="stops")
    # No index of its own: stop_station_search_idx starts with station and serves its lookups.
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="stops", db_index=False)
    sequence = models.PositiveSmallIntegerField()
    # Minutes after midnight of the day the train leaves its first station; None at the ends.
    arrival_minute = models.PositiveIntegerField(null=True, blank=True)
    departure_minute = models.PositiveIntegerField(null=True, blank=True)
    distance_km = models.PositiveIntegerField()

    class Meta:
        ordering = ["train", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["train", "sequence"], name="stop_train_sequence_uniq"),
        ]
        indexes = [
            # Search finds the stops at the origin and at the destination by station and joins
            # them on train. With the times in the key too, the index alone answers both sides
            # (an index-only scan), on SQLite as well as PostgreSQL.
            models.Index(
                fields=["station", "train", "sequence", "departure_minute", "arrival_minute"],
                name="stop_station_search_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.train_id} #{self.sequence} {self.station_id}"


def text_limit(model: type[models.Model], name: str) -> int:
    """The max_length of a text column, for importers that cut values to fit."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.CharField) and field.max_length is not None, name
    return field.max_length
