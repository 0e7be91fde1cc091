"""Users for tests and measurements. (Many signed-in sessions at once, for load runs, are made by
testsupport/load_harness.py: signed_in_users.)"""

import itertools
import secrets

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone


def make_user(username="asha", password="a-long-test-password"):
    return get_user_model().objects.create_user(username, f"{username}@example.com", password)


def make_passwordless_user():
    """A new user with a unique name and an unusable password: a visitor who is only ever signed in
    by force_login (the key pages of testsupport/performance_budgets.py)."""
    User = get_user_model()
    identifier = f"perf-{secrets.token_hex(4)}@example.com"
    return User.objects.create_user(**{User.USERNAME_FIELD: identifier}, password=None)


def logged_in_client(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


_passengers = itertools.count(1)


def new_passenger():
    """Another signed-up passenger. One passenger may hold only a few unpaid bookings
    (booking/hold_limits.py): tests that hold many model many passengers."""
    return make_user(f"traveller{next(_passengers)}")


_mobiles = itertools.count(9000000001)


def verify_mobile(user, kind="passenger"):
    """Give `user` a verified mobile number (what Tatkal needs: booking/tatkal_rules.py) and an
    account kind ("passenger" or "agent"). Returns the user."""
    from accounts.models import Account

    Account.objects.update_or_create(
        user=user,
        defaults={"kind": kind, "mobile": f"+91{next(_mobiles)}", "mobile_verified_at": timezone.now()},
    )
    return user
