"""Dynamic compression (railconnect/compression.py): Brotli, gzip, thresholds, opt-out, BREACH."""

import gzip

import brotli
import pytest
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from railconnect.compression import CompressionMiddleware, accepted_encoding, mark_secret

from testsupport.networks import next_weekday, tiny_network

BODY = ("<p>Train 12951 Mumbai Central to New Delhi, Rajdhani Express, daily.</p>\n" * 60).encode()


def run(view, path="/page", method="get", accept="br, gzip", **headers):
    request = getattr(RequestFactory(), method)(path, HTTP_ACCEPT_ENCODING=accept, **headers)
    return CompressionMiddleware(view)(request)


def html(request):
    return HttpResponse(BODY)


@pytest.mark.parametrize(
    "header, expected",
    [
        ("br, gzip, deflate", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("", None),
        ("gzip;q=0, br;q=0", None),
        ("GZIP", "gzip"),
    ],
)
def test_negotiation(header, expected):
    assert accepted_encoding(header) == expected


def test_brotli_when_accepted():
    response = run(html)
    assert response["Content-Encoding"] == "br"
    assert brotli.decompress(response.content) == BODY
    assert int(response["Content-Length"]) == len(response.content) < len(BODY) / 5
    assert "Accept-Encoding" in response["Vary"]


def test_gzip_otherwise():
    response = run(html, accept="gzip, deflate")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == BODY


def test_nothing_for_identity():
    response = run(html, accept="identity")
    assert not response.has_header("Content-Encoding")
    assert response.content == BODY
    assert "Accept-Encoding" in response["Vary"], "a shared cache must still tell the two apart"


def test_json_is_compressed():
    response = run(
        lambda request: JsonResponse({"routes": [{"number": str(n), "name": "Express"} for n in range(200)]})
    )
    assert response["Content-Encoding"] == "br"


def test_small_responses_are_left_alone(settings):
    settings.COMPRESSION_MIN_BYTES = 1024
    response = run(lambda request: HttpResponse(b"x" * 1023))
    assert not response.has_header("Content-Encoding")
    assert run(lambda request: HttpResponse(b"x" * 1024))["Content-Encoding"] == "br"


def test_images_and_other_binary_types_are_left_alone():
    response = run(lambda request: HttpResponse(b"\x00" * 5000, content_type="image/avif"))
    assert not response.has_header("Content-Encoding")


def test_x_no_compression_opts_out():
    response = run(html, HTTP_X_NO_COMPRESSION="1")
    assert not response.has_header("Content-Encoding")
    assert response.content == BODY


def test_strong_etags_become_weak():
    def view(request):
        response = HttpResponse(BODY)
        response["ETag"] = '"abc"'
        return response

    assert run(view)["ETag"] == 'W/"abc"'


def test_streaming_responses_are_compressed_chunk_by_chunk():
    response = run(lambda request: StreamingHttpResponse(iter([BODY[:1000], BODY[1000:]])))
    assert response["Content-Encoding"] == "br"
    assert brotli.decompress(b"".join(response.streaming_content)) == BODY


# --- BREACH: no compression when a secret meets reflected input ------------------------------


def form_with_token(request):
    reflected = request.GET.get("q", "") or request.POST.get("q", "")
    return HttpResponse(
        BODY + f"<input name=csrfmiddlewaretoken value={get_token(request)}><p>{reflected}</p>".encode()
    )


def test_token_and_query_string_are_not_compressed():
    response = run(form_with_token, path="/page?q=csrfmiddlewaretoken%3Da")
    assert not response.has_header("Content-Encoding")
    assert b"csrfmiddlewaretoken value=" in response.content


def test_token_and_posted_input_are_not_compressed():
    response = run(form_with_token, method="post", data={"q": "guess"})
    assert not response.has_header("Content-Encoding")


def test_token_without_input_is_compressed():
    assert run(form_with_token)["Content-Encoding"] == "br"


def test_query_string_without_a_secret_is_compressed():
    assert run(html, path="/search?from=Mumbai")["Content-Encoding"] == "br"


def test_other_secrets_can_be_declared():
    assert not run(lambda request: mark_secret(HttpResponse(BODY)), path="/x?a=1").has_header(
        "Content-Encoding"
    )
    assert run(lambda request: mark_secret(HttpResponse(BODY)), path="/x")["Content-Encoding"] == "br"


@pytest.mark.django_db
def test_real_pages_are_compressed(client):
    tiny_network()
    query = {"from": "Alpha", "to": "Beta", "date": next_weekday(0).isoformat()}
    response = client.get("/search", query, HTTP_ACCEPT_ENCODING="br")
    assert response["Content-Encoding"] == "br"
    assert b"Alpha Beta Rajdhani" in brotli.decompress(response.content)
    assert client.get(
        "/search", query, HTTP_ACCEPT_ENCODING="br", HTTP_X_NO_COMPRESSION="1"
    ).content.startswith(b"<!doctype html>")
