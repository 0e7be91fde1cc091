"""The SMS backends a deployment chooses (railconnect/sms.py): the file backend's log and the HTTP
gateway backend's request, against a real local HTTP server."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from railconnect.sms import send_sms


def test_the_file_backend_appends_one_json_line_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "railconnect.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path)
    assert send_sms(to="+919000000001", text="PNR 1234567890: CNF B1/12/LB") == 1
    assert send_sms(to="+919000000002", text="आपका टिकट कन्फ़र्म है") == 1
    (log,) = tmp_path.iterdir()
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines == [
        {"to": "+919000000001", "text": "PNR 1234567890: CNF B1/12/LB"},
        {"to": "+919000000002", "text": "आपका टिकट कन्फ़र्म है"},
    ]


@pytest.fixture
def gateway():
    """A local SMS gateway: records each request; answers with `gateway.status`."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, dict(self.headers), json.loads(body)))
            self.send_response(server.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.status = 202
    server.received = received
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_json_with_the_bearer_token(settings, gateway):
    settings.SMS_BACKEND = "railconnect.sms.HttpBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{gateway.server_port}/send"
    settings.SMS_HTTP_TOKEN = "gateway-token"
    settings.SMS_SENDER_ID = "RCINDA"
    assert send_sms(to="+919000000003", text="OTP 482913") == 1
    ((path, headers, body),) = gateway.received
    assert path == "/send" and headers["Authorization"] == "Bearer gateway-token"
    assert headers["Content-Type"] == "application/json"
    assert body == {"to": "+919000000003", "text": "OTP 482913", "sender": "RCINDA"}


def test_a_gateway_refusal_raises_so_the_sending_task_is_retried(settings, gateway):
    settings.SMS_BACKEND = "railconnect.sms.HttpBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{gateway.server_port}/send"
    gateway.status = 503
    with pytest.raises(OSError):
        send_sms(to="+919000000004", text="Chart prepared")
