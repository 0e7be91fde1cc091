"""The payment gateway interface and the built-in simulated gateway.

A gateway does three things: `start` a payment (returns the URL to send the payer to),
`parse_callback` (turns the gateway's callback into a GatewayResult, rejecting forged ones),
and `refund`. The simulated gateway has its own page with Pay, Fail and Time out buttons; its
callbacks are signed with the site's secret (django.core.signing), so a callback cannot be
forged, and replaying one is harmless (see services.settle).
"""

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core import signing
from django.http import QueryDict
from django.urls import reverse

if TYPE_CHECKING:
    from .models import Payment

SUCCEEDED, FAILED, TIMED_OUT = "succeeded", "failed", "timeout"
OUTCOMES = (SUCCEEDED, FAILED, TIMED_OUT)


class BadCallback(ValueError):
    pass


@dataclass(frozen=True)
class GatewayResult:
    token: str
    outcome: str
    reference: str


class PaymentGateway(ABC):
    name = ""

    @abstractmethod
    def start(self, payment: "Payment") -> str:
        """Register the payment with the gateway (created -> pending); return the payer's URL."""

    @abstractmethod
    def parse_callback(self, data: QueryDict | dict[str, str]) -> GatewayResult:
        """A GatewayResult from the callback's POST data, or BadCallback."""

    @abstractmethod
    def refund(self, payment: "Payment", amount: Decimal) -> str:
        """Refund `amount` of a succeeded payment; return the gateway's refund reference."""


class SimulatedGateway(PaymentGateway):
    name = "simulated"
    SALT = "payments.simulated-gateway"

    def start(self, payment: "Payment") -> str:
        payment.transition(payment.State.PENDING)
        return reverse("payments:simulated", args=[payment.token])

    def callback_payload(self, token: str, outcome: str) -> dict[str, str]:
        """What the simulated gateway POSTs to our callback URL after the payer pressed a button."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        reference = f"SIM{secrets.token_hex(8).upper()}"
        return {"payload": signing.dumps({"t": token, "o": outcome, "r": reference}, salt=self.SALT)}

    def parse_callback(self, data: QueryDict | dict[str, str]) -> GatewayResult:
        try:
            body = signing.loads(str(data.get("payload", "")), salt=self.SALT)
        except signing.BadSignature:
            raise BadCallback("bad signature") from None
        if not isinstance(body, dict) or body.get("o") not in OUTCOMES or not body.get("t"):
            raise BadCallback("malformed callback")
        return GatewayResult(str(body["t"]), body["o"], str(body.get("r", "")))

    def refund(self, payment: "Payment", amount: Decimal) -> str:
        return f"SIMRF{secrets.token_hex(6).upper()}"


GATEWAYS: dict[str, PaymentGateway] = {SimulatedGateway.name: SimulatedGateway()}


def get_gateway(name: str = SimulatedGateway.name) -> PaymentGateway:
    return GATEWAYS[name]
