"""One translation of a refused request into an answer: the same status on a page and in the API,
and the site's one JSON error shape ("error" always text)."""

import json

from django.utils.translation import gettext_lazy

from booking.booking_rules import BookingConflict, IdempotencyKeyReused, RuleError
from booking.responses import rule_error_json
from railconnect.json_errors import json_error


def body(response):
    return json.loads(response.content)


def test_each_rule_error_answers_its_own_status_in_the_one_json_shape():
    answers = [
        rule_error_json(error)
        for error in (
            RuleError("date", "Give the date as YYYY-MM-DD."),
            BookingConflict("booking", "This booking is already cancelled."),
            IdempotencyKeyReused("Idempotency-Key", "Used before."),
        )
    ]
    assert [answer.status_code for answer in answers] == [400, 409, 422]
    assert [body(answer)["field"] for answer in answers] == ["date", "booking", "Idempotency-Key"]
    assert body(answers[1]) == {"error": "This booking is already cancelled.", "field": "booking"}


def test_the_error_is_always_text():
    assert body(json_error(ValueError("bad callback"), status=400)) == {"error": "bad callback"}
    assert body(json_error(gettext_lazy("Not found."), status=404, code="not_found")) == {
        "error": "Not found.",
        "code": "not_found",
    }
