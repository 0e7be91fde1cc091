"""The passenger dashboard's journeys: grouping and order, lazy fragments and their no-JavaScript
pages, privacy, caching headers and query budgets (SQLite and PostgreSQL)."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.models import Booking

from testsupport.booking_rows import DAY, HOUR, booking, many_bookings, save_all
from testsupport.users import logged_in_client, make_user

B = Booking.Status


@pytest.fixture
def asha(world):
    return make_user("asha")


def pnrs(html):
    return re.findall(r"PNR (\d{10})", html)


def history_pnrs(html):
    return re.findall(r'<li class="history-row">\s*<p>.*?PNR (\d{10})', html, re.S)


@pytest.fixture
def journeys(world, asha):
    """One of each kind, created out of order, plus someone else's."""
    now = timezone.now()
    rows = {
        "in3": booking(world, asha, departs_at=now + 3 * DAY),
        "in1": booking(world, asha, departs_at=now + 1 * DAY),
        "in2": booking(
            world,
            asha,
            departs_at=now + 2 * DAY,
            train="12002",
            travel_class="SL",
            passengers=[("Asha Rao", 34, "F", "CNF"), ("Meera Rao", 8, "F", "WL")],
        ),
        "held": booking(world, asha, departs_at=now + 5 * DAY, status=B.HELD),
        "lapsed": booking(world, asha, departs_at=now + 4 * DAY, status=B.HELD, hold_minutes=-5),
        "partial": booking(
            world,
            asha,
            departs_at=now + 6 * DAY,
            refunded="250.00",
            passengers=[("Asha Rao", 34, "F", "CNF"), ("Ravi Rao", 36, "M", "CAN")],
        ),
        "cancelled_future": booking(
            world, asha, departs_at=now + 7 * DAY, status=B.CANCELLED, refunded="900.00"
        ),
        "past1": booking(world, asha, departs_at=now - 1 * DAY),
        "past10": booking(world, asha, departs_at=now - 10 * DAY),
        "cancelled_past": booking(world, asha, departs_at=now - 5 * DAY, status=B.CANCELLED),
        "expired": booking(world, asha, departs_at=now - 3 * DAY, status=B.EXPIRED),
        "departed_held": booking(world, asha, departs_at=now - 2 * HOUR, status=B.HELD, hold_minutes=-60),
        "someone_else": booking(world, make_user("ravi"), departs_at=now + 36 * HOUR),
    }
    save_all(list(rows.values()))
    return {name: row.pnr for name, row in rows.items()}


def test_upcoming_soonest_first_with_statuses_and_links(journeys, asha):
    response = logged_in_client(asha).get("/dashboard")
    assert response.status_code == 200
    assert [b.pnr for b in response.context["upcoming"]] == [
        journeys["in1"],
        journeys["in2"],
        journeys["in3"],
        journeys["held"],
        journeys["partial"],
    ]
    html = response.content.decode()
    upcoming = html.split('id="upcoming-title"')[1].split('id="history-title"')[0]
    for name in ("in1", "in2", "in3", "held", "partial"):
        pnr = journeys[name]
        for url in (f"/bookings/{pnr}", f"/pnr/{pnr}", f"/bookings/{pnr}/cancel"):
            assert f'href="{url}"' in upcoming, (name, url)
    # Live passenger statuses, as the PNR enquiry shows them.
    assert "CNF B1/1/LB" in upcoming and "GNWL 2" in upcoming and "CAN" in upcoming
    assert (
        "Awaiting payment" in upcoming
        and "12002" in upcoming
        and '<abbr title="Sleeper">SL</abbr>' in upcoming
    )
    for name in ("lapsed", "expired", "cancelled_future", "someone_else", "departed_held"):
        assert journeys[name] not in html, name


def test_past_and_cancelled_latest_first_and_unpaid_holds_left_out(journeys, asha):
    client = logged_in_client(asha)
    fragment = client.get("/dashboard/journeys/fragment").content.decode()
    assert history_pnrs(fragment) == [
        journeys["cancelled_future"],
        journeys["past1"],
        journeys["cancelled_past"],
        journeys["past10"],
    ]
    assert "Cancelled" in fragment and "Travelled" in fragment
    for name in ("in1", "held", "lapsed", "expired", "departed_held", "someone_else"):
        assert journeys[name] not in fragment, name


def test_the_dashboard_sizes_the_history_skeleton_and_links_the_full_pages(journeys, asha):
    html = logged_in_client(asha).get("/dashboard").content.decode()
    slot = re.search(
        r'<div class="history-slot"[^>]*data-lazy-fragment="([^"]+)"[^>]*>(.*?)</div>', html, re.S
    )
    assert slot and slot.group(1) == "/dashboard/journeys/fragment"
    assert slot.group(2).count('<li class="history-row">') == 4, "one skeleton row per row of the fragment"
    assert 'href="/dashboard/journeys"' in slot.group(2), "the no-JavaScript way to the same content"
    stats = re.search(
        r'<div class="stats-slot" data-lazy-fragment="([^"]+)">(.*?)</div>\s*</section>', html, re.S
    )
    assert stats and stats.group(1) == "/dashboard/statistics/fragment"
    assert 'href="/dashboard/statistics"' in stats.group(2)
    assert stats.group(2).count('<div class="figure">') == 6 and "chart-box" in stats.group(2)
    # The page module that loads them, and the loader preloaded.
    assert "js/pages/dashboard.js" in html and 'rel="modulepreload"' in html and "lazy-fragments" in html


def test_fragments_are_partials_of_full_pages_with_the_same_rows(journeys, asha):
    client = logged_in_client(asha)
    for fragment_url, page_url in [
        ("/dashboard/journeys/fragment", "/dashboard/journeys"),
        ("/dashboard/statistics/fragment", "/dashboard/statistics"),
    ]:
        fragment = client.get(fragment_url)
        page = client.get(page_url)
        assert fragment.status_code == page.status_code == 200
        # (Statistics computed on read are "as of" the moment of each request.)
        fragment_html, page_html = (
            re.sub(r"<time [^>]*>[^<]*</time>", "", r.content.decode()) for r in (fragment, page)
        )
        assert "<html" not in fragment_html and "<header" not in fragment_html
        assert "<html" in page_html and "<h1>" in page_html
        assert fragment_html.strip() in page_html, "the full page embeds exactly the fragment's HTML"


def test_history_pages_in_place_with_js_and_by_links_without(journeys, asha, settings):
    settings.DASHBOARD_HISTORY_PAGE_SIZE = 3
    client = logged_in_client(asha)
    html = client.get("/dashboard").content.decode()
    assert html.count('<li class="history-row">') == 3
    first = client.get("/dashboard/journeys/fragment").content.decode()
    assert len(history_pnrs(first)) == 3 and "4 journeys, page 1 of 2" in first
    assert 'href="/dashboard/journeys?page=2" data-fragment="/dashboard/journeys/fragment?page=2"' in first
    second = client.get("/dashboard/journeys/fragment?page=2").content.decode()
    assert history_pnrs(second) == [journeys["past10"]]
    assert 'href="/dashboard/journeys?page=1"' in second
    full = client.get("/dashboard/journeys?page=2").content.decode()
    assert history_pnrs(full) == [journeys["past10"]]
    assert history_pnrs(client.get("/dashboard/journeys?page=banana").content.decode()) == history_pnrs(first)


def test_more_upcoming_journeys_than_shown(journeys, asha, settings):
    settings.DASHBOARD_UPCOMING_LIMIT = 2
    client = logged_in_client(asha)
    response = client.get("/dashboard")
    assert [b.pnr for b in response.context["upcoming"]] == [journeys["in1"], journeys["in2"]]
    assert 'href="/dashboard/upcoming"' in response.content.decode()
    everything = client.get("/dashboard/upcoming").content.decode()
    assert pnrs(everything) == [journeys[n] for n in ("in1", "in2", "in3", "held", "partial")]


def test_a_passenger_with_nothing_yet(world, asha):
    html = logged_in_client(asha).get("/dashboard").content.decode()
    assert "No upcoming journeys" in html and "No past or cancelled journeys yet" in html
    assert "/dashboard/journeys/fragment" not in html, "nothing to load lazily"
    stats = logged_in_client(asha).get("/dashboard/statistics/fragment").content.decode()
    assert "<dd>0</dd>" in stats and "&ndash;" in stats


# --- Privacy ---------------------------------------------------------------------------------


def test_each_passenger_sees_only_their_own_journeys_everywhere(journeys, world):
    ravi = make_user("ravi2")
    save_all([booking(world, ravi, departs_at=timezone.now() - 2 * DAY)])
    client = logged_in_client(ravi)
    asha_pnrs = {pnr for name, pnr in journeys.items() if name != "someone_else"}
    for url in [
        "/dashboard",
        "/dashboard/upcoming",
        "/dashboard/journeys",
        "/dashboard/journeys/fragment",
        "/dashboard/journeys/fragment?page=2",
        "/dashboard/statistics",
        "/dashboard/statistics/fragment",
    ]:
        html = client.get(url).content.decode()
        assert not asha_pnrs & set(pnrs(html)), url
    assert len(history_pnrs(client.get("/dashboard/journeys/fragment").content.decode())) == 1
    stats = client.get("/dashboard/statistics/fragment").content.decode()
    assert re.search(r"<dt>Total bookings</dt><dd>1</dd>", stats)


def test_signed_out_pages_go_to_login_and_fragments_answer_403(journeys):
    client = Client()
    for url in ["/dashboard", "/dashboard/journeys", "/dashboard/statistics", "/dashboard/upcoming"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url
    for url in ["/dashboard/journeys/fragment", "/dashboard/statistics/fragment"]:
        response = client.get(url)
        assert response.status_code == 403 and b"log in" in response.content, url
        assert not set(pnrs(response.content.decode())), url


def test_personal_pages_are_private(journeys, asha):
    client = logged_in_client(asha)
    for url in [
        "/dashboard",
        "/dashboard/journeys/fragment",
        "/dashboard/statistics/fragment",
        "/dashboard/journeys",
    ]:
        cache_control = client.get(url)["Cache-Control"]
        assert "private" in cache_control and "public" not in cache_control, (url, cache_control)


def test_the_old_account_page_and_the_header_lead_to_the_dashboard(asha):
    client = logged_in_client(asha)
    response = client.get("/accounts/")
    assert response.status_code == 302 and response["Location"] == "/dashboard"
    assert b'href="/dashboard"' in client.get("/").content


# --- Query budgets -----------------------------------------------------------------------------

PAGES = [
    "/dashboard",
    "/dashboard/journeys/fragment",
    "/dashboard/journeys/fragment?page=3",
    "/dashboard/statistics/fragment",
    "/dashboard/journeys",
    "/dashboard/upcoming",
]


def queries_per_page(client):
    counts = {}
    for url in PAGES:
        client.get(url)  # warm: the session, and nothing else, may be loaded once per client
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[url] = len(queries)
    return counts


@pytest.mark.parametrize("source", ["aggregate", "materialized view"])
def test_query_counts_do_not_grow_with_bookings(world, source, request):
    if source == "materialized view":
        request.getfixturevalue("postgres_only")
    light, heavy = make_user("light"), make_user("heavy")
    many_bookings(world, light, 40, upcoming=2)
    many_bookings(world, heavy, 500, upcoming=20)
    assert Booking.objects.filter(user=heavy).count() == 500
    if source == "materialized view":
        from dashboard import travel_stats

        travel_stats.refresh()
    light_counts = queries_per_page(logged_in_client(light))
    heavy_counts = queries_per_page(logged_in_client(heavy))
    assert light_counts == heavy_counts, (light_counts, heavy_counts)
    # Small and fixed: the user, then per page (see dashboard/journeys.py and travel_stats.py).
    # Statistics: one view row; or the three aggregates (on PostgreSQL after looking for the row).
    stats_queries = 1 if source == "materialized view" else 3 + (connection.vendor == "postgresql")
    # The session: from the cache with Redis (cached_db), read from the database without it (each
    # gunicorn worker's local memory would hold its own stale copy: railconnect/settings.py).
    user = 1 + (settings.SESSION_ENGINE == "django.contrib.sessions.backends.db")
    assert heavy_counts["/dashboard"] == user + 2 + 1, heavy_counts  # upcoming + passengers; count
    assert heavy_counts["/dashboard/journeys/fragment"] == user + 2, heavy_counts  # count + page
    assert heavy_counts["/dashboard/statistics/fragment"] == user + stats_queries, heavy_counts
