"""Valid RUM documents for the tests, and a helper to send one as a browser beacon would."""

import json
import secrets

ORIGIN = "http://testserver"


def valid_document(**changes):
    document = {
        "v": 1,
        "id": secrets.token_hex(16),
        "route": "/trains/<number>",
        "nav": "navigate",
        "device": "phone",
        "ect": "4g",
        "metrics": {
            "LCP": {
                "value": 2710.4,
                "rating": "needs-improvement",
                "attribution": {
                    "target": "main>picture>img.hero",
                    "url": "/media/renditions/ab12/640.avif",
                    "ttfb": 310.2,
                    "loadDelay": 120.0,
                    "loadDuration": 1900.1,
                    "renderDelay": 380.1,
                },
            },
            "INP": {
                "value": 184.0,
                "rating": "good",
                "attribution": {
                    "target": "form.search-form>button",
                    "type": "pointer",
                    "loadState": "complete",
                    "inputDelay": 12.5,
                    "processing": 120.0,
                    "presentation": 51.5,
                },
            },
            "CLS": {
                "value": 0.0312,
                "rating": "good",
                "attribution": {
                    "target": "ul.destinations",
                    "value": 0.0301,
                    "time": 1510.3,
                    "loadState": "complete",
                },
            },
            "FCP": {
                "value": 1650.2,
                "rating": "good",
                "attribution": {"ttfb": 310.2, "delay": 1340.0, "loadState": "dom-interactive"},
            },
            "TTFB": {
                "value": 310.2,
                "rating": "good",
                "attribution": {
                    "waiting": 2.1,
                    "cache": 0.0,
                    "dns": 40.2,
                    "connection": 88.0,
                    "request": 179.9,
                },
            },
        },
        "server": {"total": 42.5, "db": 12.25, "cache": 1.5},
    }
    document.update(changes)
    return document


def beacon(client, body, origin=ORIGIN, content_type="text/plain;charset=UTF-8", **extra):
    """POST /rum as navigator.sendBeacon(url, string) does: text/plain, an Origin, no CSRF token."""
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    if origin is not None:
        extra["HTTP_ORIGIN"] = origin
    return client.post("/rum", body, content_type=content_type, **extra)
