"""Booking changes -> travel statistics (travel_stats.bookings_changed), without touching booking/.

A booking's save matters to the statistics once it is ticketed or cancelled: paying (BOOKED) and
cancelling (CANCELLED, refunds) are `save()`s in booking/ and payments/. Creating a hold does not
change any figure, and the engine's bulk passenger updates and hold expiry (`update()`) send no
signals and change nothing the statistics read. A passenger saved on its own (the admin) or a
deleted booking is passed on too. Nothing here queries the database in the booking's transaction.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from booking.models import Booking, BookingPassenger

from . import travel_stats

RELEVANT = {Booking.Status.BOOKED, Booking.Status.CANCELLED}


def booking_saved(sender, instance, using=None, **kwargs):
    if instance.status in RELEVANT:
        travel_stats.bookings_changed(instance.user_id, using=using)


def booking_deleted(sender, instance, using=None, **kwargs):
    travel_stats.bookings_changed(instance.user_id, using=using)


def passenger_changed(sender, instance, using=None, **kwargs):
    booking = instance._state.fields_cache.get("booking")
    if booking is not None:
        travel_stats.bookings_changed(booking.user_id, using=using)
        return
    booking_id = instance.booking_id

    def owner_changed():
        # After the commit: look the owner up then (the booking may be gone with a cascade; its
        # own post_delete has reported it).
        user_id = Booking.objects.using(using).filter(pk=booking_id).values_list("user_id", flat=True).first()
        if user_id is not None:
            travel_stats._after_commit(user_id, using)

    transaction.on_commit(owner_changed, using=using, robust=True)


def connect():
    post_save.connect(booking_saved, sender=Booking, dispatch_uid="dashboard.booking_saved")
    post_delete.connect(booking_deleted, sender=Booking, dispatch_uid="dashboard.booking_deleted")
    post_save.connect(passenger_changed, sender=BookingPassenger, dispatch_uid="dashboard.passenger_saved")
    post_delete.connect(
        passenger_changed, sender=BookingPassenger, dispatch_uid="dashboard.passenger_deleted"
    )
