"""Property-based tests of POST /rum (hypothesis): whatever arrives, the answer is 204 or 400 (never
a 500), and a 400 stores nothing.

Three generators: arbitrary bytes; arbitrary JSON documents; and a valid document with one thing
made wrong (a number out of range or of the wrong type, an unknown key, a missing key, text too
long or with control characters), which must always be refused.
"""

import copy
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rum.models import PageView
from rum.vitals import BY_NAME

from testsupport.rum_documents import beacon, valid_document

pytestmark = pytest.mark.django_db

PROPERTIES = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@pytest.fixture
def unlimited(settings):
    settings.RUM_RATE_LIMIT = 1_000_000


def _posted(body):
    response = beacon(Client(), body)
    assert response.status_code in (204, 400), (response.status_code, body[:300])
    return response.status_code


@PROPERTIES
@given(body=st.binary(max_size=2048))
def test_arbitrary_bytes(unlimited, body):
    assert _posted(body) == 400
    assert not PageView.objects.exists()


@PROPERTIES
@given(document=json_values)
def test_arbitrary_json(unlimited, document):
    assert _posted(json.dumps(document)) == 400
    assert not PageView.objects.exists()


@PROPERTIES
@given(
    metrics=st.dictionaries(
        st.sampled_from(["LCP", "INP", "CLS", "FCP", "TTFB", "FID", "lcp", ""]),
        st.dictionaries(
            st.sampled_from(["value", "rating", "attribution", "delta"]), json_values, max_size=4
        ),
        max_size=6,
    )
)
def test_arbitrary_metric_objects(unlimited, metrics):
    document = valid_document(metrics=metrics)
    status = _posted(json.dumps(document))
    if status == 204:
        # Only possible for a document that really is valid: check it against the rules directly.
        assert metrics and set(metrics) <= set(BY_NAME)
        for name, data in metrics.items():
            assert (
                set(data) <= {"value", "rating", "attribution"}
                and BY_NAME[name].rating(data["value"]) is not None
            )
        PageView.objects.all().delete()
    else:
        assert not PageView.objects.exists()


# --- One thing wrong in a valid document: always a 400 -----------------------------------------

NUMBER_PATHS = [("metrics", name, "value") for name in BY_NAME] + [
    ("metrics", "LCP", "attribution", "ttfb"),
    ("metrics", "LCP", "attribution", "renderDelay"),
    ("metrics", "INP", "attribution", "processing"),
    ("metrics", "CLS", "attribution", "value"),
    ("metrics", "FCP", "attribution", "delay"),
    ("metrics", "TTFB", "attribution", "request"),
    ("server", "total"),
    ("server", "db"),
]
TEXT_PATHS = [
    ("route",),
    ("metrics", "LCP", "attribution", "target"),
    ("metrics", "LCP", "attribution", "url"),
    ("metrics", "INP", "attribution", "target"),
    ("metrics", "CLS", "attribution", "target"),
]
OBJECT_PATHS = [(), ("metrics",), ("metrics", "LCP"), ("metrics", "INP", "attribution"), ("server",)]
REQUIRED_PATHS = [
    ("v",),
    ("id",),
    ("route",),
    ("nav",),
    ("device",),
    ("ect",),
    ("metrics",),
    ("metrics", "LCP", "value"),
    ("metrics", "CLS", "rating"),
]


def _at(document, path):
    target = document
    for key in path:
        target = target[key]
    return target


bad_numbers = (
    st.floats(max_value=-1e-9, allow_infinity=False, allow_nan=False)
    | st.floats(min_value=1e6, allow_infinity=False, allow_nan=False)
    | st.integers(min_value=10**6)
    | st.integers(max_value=-1)
    | st.booleans()
    | st.none()
    | st.text(max_size=5)
    | st.lists(st.integers(), max_size=2)
)
control_characters = st.characters(min_codepoint=0, max_codepoint=31) | st.sampled_from(
    ["\x7f", "\x85", "\u2028"]
)


@st.composite
def broken_documents(draw):
    document = valid_document()
    kind = draw(
        st.sampled_from(
            ["number", "long text", "control character", "unknown key", "missing key", "not text"]
        )
    )
    if kind == "number":
        path = draw(st.sampled_from(NUMBER_PATHS))
        _at(document, path[:-1])[path[-1]] = draw(bad_numbers)
    elif kind == "long text":
        path = draw(st.sampled_from(TEXT_PATHS))
        _at(document, path[:-1])[path[-1]] = draw(st.text(min_size=301, max_size=400))
    elif kind == "control character":
        path = draw(st.sampled_from(TEXT_PATHS))
        original = _at(document, path)
        cut = draw(st.integers(min_value=0, max_value=len(original)))
        _at(document, path[:-1])[path[-1]] = original[:cut] + draw(control_characters) + original[cut:]
    elif kind == "unknown key":
        path = draw(st.sampled_from(OBJECT_PATHS))
        target = _at(document, path)
        key = draw(st.text(min_size=1, max_size=12).filter(lambda key: key not in target))
        target[key] = draw(json_scalars)
    elif kind == "missing key":
        path = draw(st.sampled_from(REQUIRED_PATHS))
        del _at(document, path[:-1])[path[-1]]
    else:
        path = draw(st.sampled_from(TEXT_PATHS + [("nav",), ("device",), ("id",)]))
        _at(document, path[:-1])[path[-1]] = draw(
            st.integers() | st.none() | st.lists(st.text(max_size=3), max_size=2)
        )
    return kind, document


@PROPERTIES
@given(case=broken_documents())
def test_a_document_with_one_thing_wrong_is_refused(unlimited, case):
    kind, document = case
    response = beacon(Client(), json.dumps(document))
    assert response.status_code == 400, (kind, document)
    assert not PageView.objects.exists()


@PROPERTIES
@given(value=st.floats(min_value=0, max_value=120_000), name=st.sampled_from(["LCP", "FCP", "TTFB"]))
def test_any_in_range_value_with_its_rating_is_stored(unlimited, value, name):
    vital = BY_NAME[name]
    document = valid_document()
    rating = {1: "good", 2: "needs-improvement", 3: "poor"}[vital.rating(value)]
    document["metrics"][name] = {"value": value, "rating": rating}
    assert beacon(Client(), copy.deepcopy(document)).status_code == 204
    assert getattr(PageView.objects.get(view_id=document["id"]), vital.column) == value
    PageView.objects.all().delete()
