"""Money is right in every order of operations.

A booking of three passengers (an adult, a child without a berth, a senior) goes through holds,
partial and full cancellations, payments that succeed, fail or time out, late and replayed gateway
callbacks, and expiry, in every order (a hypothesis state machine, plus the named orders below).
After each step the amounts are checked against the fare rules (booking/fares.py) and the refund
rules (booking/refunds.py): amount due, amount paid, refund per passenger and in total, and that
the booking, its payments and its refunds agree with each other.
"""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from booking import refunds
from booking.booking_rules import MIN_AGE_ALONE
from booking.fares import fare_for
from booking.models import Booking, Inventory
from payments.gateway import get_gateway
from payments.models import Payment, Refund
from timetable.train_routes import route_for

from testsupport.bookings import payload, post_booking
from testsupport.users import logged_in_client, new_passenger

ZERO = Decimal("0")
PEOPLE = [
    {"name": "Asha Rao", "age": 34, "gender": "F"},
    {"name": "Kiran Rao", "age": 8, "gender": "M", "no_berth": True},
    {"name": "Vijay Rao", "age": 66, "gender": "M"},
]
POSITIONS = (1, 2, 3)
OUTCOMES = ("succeeded", "failed", "timeout")


def expected_fare(person):
    """One passenger's fare by the fare rules (3A, AAA -> DDD on 12951: 1,400 km, superfast)."""
    breakdown = fare_for(
        "3A",
        1400,
        route_for("12951").is_superfast,
        "GN",
        [(person["name"], person["age"], person.get("no_berth", False))],
    )
    return Decimal(breakdown.total)


def api(client, path, body=""):
    return client.post(path, body, content_type="application/json")


class BookingLedger(RuleBasedStateMachine):
    """The model: what the booking should be, by the rules, after each step."""

    def __init__(self):
        super().__init__()
        self.client = logged_in_client(new_passenger())
        response = post_booking(self.client, payload(passengers=PEOPLE))
        assert response.status_code == 201, response.content
        self.pnr = response.json()["pnr"]
        self.booking = Booking.objects.get(pnr=self.pnr)
        self.state = "HELD"
        self.fares = {
            position: expected_fare(person) for position, person in zip(POSITIONS, PEOPLE, strict=True)
        }
        self.active = set(POSITIONS)
        self.refunds = dict.fromkeys(POSITIONS, ZERO)
        self.paid = ZERO
        self.charged = set()  # positions that were on the ticket when it was paid
        self.rules = refunds.active_rules()

    @property
    def due(self):
        return sum((self.fares[p] for p in self.active), ZERO) if self.state == "HELD" else ZERO

    # --- Steps ---------------------------------------------------------------------------------

    @rule(outcome=st.sampled_from(OUTCOMES))
    def pay(self, outcome):
        """The API's pay endpoint: settles the open payment (opening one if needed)."""
        response = api(self.client, f"/api/bookings/{self.pnr}/pay", f'{{"outcome": "{outcome}"}}')
        if self.state == "HELD":
            assert response.status_code in (200, 409), response.content
            if outcome == "succeeded":
                self.mark_paid()
        elif self.state == "BOOKED":
            assert response.status_code == 200  # already paid: nothing more is charged
        else:
            assert response.status_code == 409

    @rule()
    def open_new_payment(self):
        """The ticket page's Pay button: a fresh payment, earlier open ones closed."""
        response = self.client.post(f"/bookings/{self.pnr}/pay")
        assert response.status_code == 302

    @rule(which=st.integers(0, 10), outcome=st.sampled_from(OUTCOMES))
    def gateway_callback(self, which, outcome):
        """A callback for any payment ever opened for this booking: late, replayed or current."""
        payments = list(Payment.objects.filter(booking=self.booking).order_by("id"))
        payment = payments[which % len(payments)]
        was_open = payment.is_open
        callback = get_gateway().callback_payload(payment.token, outcome)
        response = self.client.post("/payments/callback/simulated", callback)
        assert response.status_code == 200
        if was_open and outcome == "succeeded" and self.state == "HELD":
            self.mark_paid()

    @rule(positions=st.none() | st.sets(st.sampled_from(POSITIONS), min_size=1))
    def cancel(self, positions):
        body = "" if positions is None else f'{{"passengers": {sorted(positions)}}}'
        response = api(self.client, f"/api/bookings/{self.pnr}/cancel", body)
        if self.state not in ("HELD", "BOOKED"):
            assert response.status_code == 409
            return
        targets = set(self.active) if positions is None else positions & self.active
        if not targets:
            assert response.status_code == 400  # only passengers already cancelled were chosen
            return
        assert response.status_code == 200, response.content
        remaining = self.active - targets
        if not any(PEOPLE[p - 1]["age"] >= MIN_AGE_ALONE for p in remaining):
            targets, remaining = set(self.active), set()  # a child cannot travel alone
        if self.state == "BOOKED":
            hours_left = (self.booking.departs_at - timezone.now()).total_seconds() / 3600
            for position in targets:
                status = "NOSB" if PEOPLE[position - 1].get("no_berth") else "CNF"
                quote = refunds.quote_refund(
                    self.rules, self.fares[position], status, "GN", "3A", hours_left, False
                )
                self.refunds[position] = quote.refund
        # Unpaid: nothing back, and nothing charged for them either (the amount due falls).
        self.active = remaining
        if not remaining:
            self.state = "CANCELLED"
        assert Decimal(str(response.json()["refund"])) == sum((self.refunds[p] for p in targets), ZERO)

    @rule()
    def hold_runs_out(self):
        """Fifteen minutes pass unpaid: the sweep releases the hold."""
        if self.state != "HELD":
            return
        lapsed = timezone.now() - datetime.timedelta(seconds=1)
        Booking.objects.filter(pk=self.booking.pk).update(hold_expires_at=lapsed)
        Inventory.objects.filter(pk=self.booking.inventory_id).update(earliest_hold_expiry=lapsed)
        call_command("expire_holds", stdout=open("/dev/null", "w"))
        self.state, self.active = "EXPIRED", set()

    def mark_paid(self):
        self.paid = self.due
        self.charged = set(self.active)
        self.state = "BOOKED"

    # --- What must hold after every step --------------------------------------------------------

    @invariant()
    def amounts_follow_the_rules(self):
        booking = Booking.objects.get(pk=self.booking.pk)
        assert booking.status == self.state
        payments = list(Payment.objects.filter(booking=booking))
        succeeded = [p for p in payments if p.state == "succeeded"]
        open_payments = [p for p in payments if p.is_open]
        # Amount due: the fares of the passengers still on an unpaid booking; every payment still
        # open at the gateway is for exactly that (none for an old amount), none once not held.
        if self.state == "HELD":
            assert booking.fare_total == self.due
            assert all(p.amount == self.due for p in open_payments), [
                (p.amount, self.due) for p in open_payments
            ]
        else:
            assert not open_payments
        # Amount paid: one payment at most, of the fares of the passengers on the ticket when paid.
        assert [p.amount for p in succeeded] == ([self.paid] if self.paid else [])
        if self.paid:
            assert self.paid == sum((self.fares[p] for p in self.charged), ZERO) == booking.fare_total
        # Refunds: per passenger by the refund rules, and the same total everywhere.
        rows = {row.position: row for row in booking.passengers.all()}
        for position in POSITIONS:
            assert (rows[position].status == "CAN") == (position not in self.active)
            assert rows[position].refund_amount == self.refunds[position]
            assert rows[position].refund_amount <= (
                self.fares[position] if position in self.charged else ZERO
            )
        total = sum(self.refunds.values(), ZERO)
        assert booking.refunded_amount == total
        assert sum((r.amount for r in Refund.objects.filter(payment__booking=booking)), ZERO) == total
        assert sum((p.refunded_amount for p in payments), ZERO) == total
        assert self.paid - total >= 0
        # What the passenger is shown says the same.
        shown = self.client.get(f"/api/bookings/{self.pnr}").json()
        assert Decimal(str(shown["fare"])) == booking.fare_total and Decimal(str(shown["refunded"])) == total
        # Berths are held only for passengers on a held or booked ticket.
        berths = sum(1 for row in rows.values() if row.unit is not None and row.status != "CAN")
        needing = sum(1 for p in self.active if not PEOPLE[p - 1].get("no_berth"))
        assert berths == (needing if self.state in ("HELD", "BOOKED") else 0)


@pytest.fixture
def no_rate_limit(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "booking": (10**9, 60)}


def test_every_order_of_operations(network, no_rate_limit):
    run_state_machine_as_test(
        BookingLedger,
        settings=settings(
            max_examples=25, stateful_step_count=8, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )


# The orders named in the issue, step by step through the same model (deterministic).
NAMED_ORDERS = {
    "cancel two then pay": [("cancel", {2, 3}), ("pay", "succeeded"), ("cancel", None)],
    "cancel one, then one more, then pay": [("cancel", {3}), ("cancel", {2}), ("pay", "succeeded")],
    "cancel the grown-ups unpaid (a child cannot travel alone)": [("cancel", {1, 3}), ("pay", "succeeded")],
    "cancel then pay": [("cancel", {3}), ("pay", "succeeded"), ("cancel", None)],
    "pay then cancel": [("pay", "succeeded"), ("cancel", {3}), ("cancel", None), ("pay", "succeeded")],
    "fail then retry": [("pay", "failed"), ("pay", "timeout"), ("pay", "succeeded"), ("cancel", {1})],
    "expire then pay callback": [
        ("open_new_payment", None),
        ("hold_runs_out", None),
        ("callback", (-1, "succeeded")),
        ("pay", "succeeded"),
    ],
    "old payment after a partial cancel": [
        ("open_new_payment", None),
        ("cancel", {3}),
        ("callback", (1, "succeeded")),
        ("pay", "succeeded"),
    ],
    "replayed success": [
        ("pay", "succeeded"),
        ("callback", (0, "succeeded")),
        ("callback", (-1, "succeeded")),
    ],
    "cancel all unpaid then pay": [("cancel", None), ("pay", "succeeded"), ("callback", (0, "succeeded"))],
}


@pytest.mark.parametrize("steps", NAMED_ORDERS.values(), ids=NAMED_ORDERS.keys())
def test_named_orders(network, no_rate_limit, steps):
    ledger = BookingLedger()
    ledger.amounts_follow_the_rules()
    for step, argument in steps:
        if step == "cancel":
            ledger.cancel(argument)
        elif step == "pay":
            ledger.pay(argument)
        elif step == "callback":
            ledger.gateway_callback(*argument)
        else:
            getattr(ledger, step)()
        ledger.amounts_follow_the_rules()


def test_partial_cancellation_before_payment_lowers_the_amount_charged(network, no_rate_limit):
    """The reported case, in figures: hold 3 adults (3A, 1,400 km: 2,221 each), cancel 2, pay."""
    client = logged_in_client(new_passenger())
    three = [
        {"name": "Asha Rao", "age": 34, "gender": "F"},
        {"name": "Ravi Rao", "age": 36, "gender": "M"},
        {"name": "Meera Rao", "age": 12, "gender": "F"},
    ]
    held = post_booking(client, payload(passengers=three)).json()
    assert held["fare"] == 6663
    first = Payment.objects.get()
    assert first.amount == 6663
    cancelled = api(client, f"/api/bookings/{held['pnr']}/cancel", '{"passengers": [2, 3]}').json()
    assert cancelled["refund"] == 0 and cancelled["fare"] == 2221 and cancelled["status"] == "HELD"
    first.refresh_from_db()
    assert first.state == "expired" and "amount due changed" in first.failure_reason
    assert cancelled["payment_url"].endswith(f"/payments/{Payment.objects.get(state='pending').token}")
    # The payment page opened before the cancellation cannot charge the old amount...
    old = get_gateway().callback_payload(first.token, "succeeded")
    assert client.post("/payments/callback/simulated", old).json()["state"] == "expired"
    # ...the new one charges the passenger left.
    paid = api(client, f"/api/bookings/{held['pnr']}/pay", "{}").json()
    assert paid["status"] == "BOOKED" and paid["payment"] == {"state": "succeeded", "amount": 2221.0}
    assert Payment.objects.filter(state="succeeded").get().amount == 2221
    ticket = client.get(f"/bookings/{held['pnr']}").content.decode()
    assert "₹2,221.00" in ticket  # Indian grouping and paise (issue 18)
    assert ticket.count("cancelled before payment: not charged") == 2
    # Cancelling the last passenger refunds 2,221 less the 3A flat charge of 180.
    assert api(client, f"/api/bookings/{held['pnr']}/cancel", "").json()["refund"] == 2041


def test_a_payment_for_another_amount_than_due_is_not_captured(network, user):
    """settle() checks the amount: defence in depth should a payment be opened for a stale amount."""
    from booking import admission
    from booking.booking_requests import parse_booking_request
    from payments import services

    result = admission.hold_booking(user, parse_booking_request(payload()))
    Payment.objects.filter(booking=result.booking).update(state="expired")
    stale, _url = services.start_payment(result.booking, user, result.booking.fare_total + 1)
    payment = services.settle(
        get_gateway().parse_callback(get_gateway().callback_payload(stale.token, "succeeded"))
    )
    assert payment.state == "expired" and payment.failure_reason == "The amount due changed: not charged."
    result.booking.refresh_from_db()
    assert result.booking.status == "HELD" and result.booking.paid_at is None
