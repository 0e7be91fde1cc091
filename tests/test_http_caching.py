"""The caching policy (railconnect/http_caching.py): static, public, personal, validators."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings

from railconnect.http_caching import (
    CachePolicyMiddleware,
    immutable_static_file,
    no_store,
    private_page,
    public_page,
)

from testsupport.networks import next_weekday, tiny_network

pytestmark = pytest.mark.django_db

PUBLIC = "public, max-age=60, stale-while-revalidate=300"
YEAR = "public, max-age=31536000, immutable"


@pytest.fixture
def network():
    tiny_network()


def search_query():
    return {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}


# --- Public pages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, query",
    [
        ("/", {}),
        ("/search", "search"),
        ("/trains/12001", {}),
        ("/api/stations", {"q": "al"}),
        ("/api/trains/search", "search"),
    ],
)
def test_public_pages_are_briefly_shared_cacheable(client, network, path, query):
    response = client.get(path, search_query() if query == "search" else query, HTTP_ACCEPT_ENCODING="br")
    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC
    assert "private" not in response["Cache-Control"] and "no-store" not in response["Cache-Control"]
    assert "ETag" in response


def test_compressed_public_pages_vary_on_accept_encoding(client, network):
    response = client.get("/search", search_query(), HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


def test_errors_are_not_kept(client, network):
    response = client.get("/search", {"from": "Nowhere", "to": "Beta", "date": next_weekday(0).isoformat()})
    assert response.status_code == 400
    assert response["Cache-Control"] == "no-cache"


# --- Validators: ETag and 304 ------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["identity", "gzip", "br"])
def test_etag_and_304_not_modified(client, network, encoding):
    first = client.get("/search", search_query(), HTTP_ACCEPT_ENCODING=encoding)
    etag = first["ETag"]
    if encoding != "identity":
        assert first["Content-Encoding"] == encoding and etag.startswith('W/"'), (
            "compressed bodies get weak ETags"
        )
    again = client.get("/search", search_query(), HTTP_ACCEPT_ENCODING=encoding, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["Cache-Control"] == PUBLIC, "a 304 carries the policy too"
    assert again["ETag"] == etag


def test_a_changed_page_is_not_304(client, network):
    etag = client.get("/api/stations", {"q": "al"})["ETag"]
    other = client.get("/api/stations", {"q": "be"}, HTTP_IF_NONE_MATCH=etag)
    assert other.status_code == 200


def test_json_api_answers_304_too(client, network):
    etag = client.get("/api/stations", {"q": "al"})["ETag"]
    assert client.get("/api/stations", {"q": "al"}, HTTP_IF_NONE_MATCH=etag).status_code == 304


# --- Personal responses ------------------------------------------------------------------------


def _through_policy(view, method="get", **request_kwargs):
    request = getattr(RequestFactory(), method)("/x", **request_kwargs)
    return CachePolicyMiddleware(view)(request)


def test_unmarked_responses_must_revalidate():
    response = _through_policy(lambda request: HttpResponse("hello"))
    assert response["Cache-Control"] == "no-cache"


def test_unmarked_posts_are_not_stored():
    response = _through_policy(lambda request: HttpResponse("done"), method="post")
    assert response["Cache-Control"] == "private, no-store"


def test_a_public_page_that_sets_a_cookie_becomes_private():
    def view(request):
        response = public_page(lambda request: HttpResponse("hi"))(request)
        response.set_cookie("flavour", "ginger")
        return response

    response = _through_policy(view)
    assert response["Cache-Control"] == "private, no-cache"


def test_a_public_page_that_embeds_a_csrf_token_becomes_private():
    def view(request):
        return public_page(lambda request: HttpResponse(f"<input value='{get_token(request)}'>"))(request)

    response = _through_policy(view)
    assert response["Cache-Control"] == "private, no-cache"


def test_private_and_no_store_decorators():
    assert (
        _through_policy(private_page(lambda request: HttpResponse("mine")))["Cache-Control"]
        == "private, no-cache"
    )
    assert (
        _through_policy(no_store(lambda request: HttpResponse("secret")))["Cache-Control"]
        == "private, no-store"
    )
    with override_settings(PRIVATE_PAGE_MAX_AGE=30):
        assert (
            _through_policy(private_page(lambda request: HttpResponse("mine")))["Cache-Control"]
            == "private, max-age=30"
        )


def test_a_public_page_built_from_a_signed_in_session_becomes_private():
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.create_user("asha", "asha@example.com", "a-long-test-password")
    stored = SessionStore()
    stored.update(
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
    )
    stored.save()
    request = RequestFactory().get("/x")
    request.session = SessionStore(session_key=stored.session_key)
    AuthenticationMiddleware(lambda request: None).process_request(request)
    view = public_page(lambda request: HttpResponse(f"Hello {request.user.get_username()}"))
    response = CachePolicyMiddleware(view)(request)
    assert response["Cache-Control"] == "private, no-cache"


def test_a_public_page_that_never_reads_the_session_stays_public_when_signed_in(network):
    """The header's nav does not read the session on public pages (caching.page_cache), so the
    page is the same for everyone and stays shareable."""
    user = get_user_model().objects.create_user("asha", "asha@example.com", "a-long-test-password")
    client = Client()
    client.force_login(user)
    response = client.get("/search", search_query())
    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC
    assert "Set-Cookie" not in response


def test_anonymous_visitors_share_the_public_copy(client, network):
    response = client.get("/")
    assert response["Cache-Control"] == PUBLIC
    assert "Set-Cookie" not in response


# --- Static files ------------------------------------------------------------------------------


def test_hashed_static_files_are_immutable_for_a_year(production_static):
    client = Client()
    from django.contrib.staticfiles.storage import staticfiles_storage

    hashed = staticfiles_storage.url("js/pages/search.js")
    assert hashed != "/static/js/pages/search.js" and hashed.startswith("/static/js/pages/search.")
    response = client.get(hashed, HTTP_ACCEPT_ENCODING="br, gzip")
    assert response.status_code == 200
    assert response["Cache-Control"] == YEAR
    assert response["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response["Vary"]
    assert client.get(hashed, HTTP_ACCEPT_ENCODING="gzip")["Content-Encoding"] == "gzip"
    response.close()


def test_unhashed_static_names_are_cached_briefly(production_static):
    response = Client().get("/static/js/pages/search.js")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=60, public"
    response.close()


def test_compressor_output_counts_as_immutable(settings):
    assert immutable_static_file(
        "/x/CACHE/css/output.0123456789ab.css", "/static/CACHE/css/output.0123456789ab.css"
    )
    assert immutable_static_file("/x", "/static/CACHE/js/page.abcdef012345.js")
    assert not immutable_static_file("/x", "/static/CACHE/manifest.json")
    assert not immutable_static_file("/x", "/media/CACHE/css/output.0123456789ab.css")


def test_compressor_css_files_are_served_immutable(production_static, tmp_path, settings):
    """The build inlines the site CSS, so make a CACHE/ file as compressor would and serve it."""
    css = production_static / "CACHE" / "css" / "output.0123456789ab.css"
    css.parent.mkdir(parents=True, exist_ok=True)
    css.write_text("body{color:red}")
    try:
        response = Client().get("/static/CACHE/css/output.0123456789ab.css")
        assert response.status_code == 200
        assert response["Cache-Control"] == YEAR
        response.close()
    finally:
        css.unlink()
