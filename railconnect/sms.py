"""Text messages (SMS) through a pluggable backend, chosen like Django's mail backends.

settings.SMS_BACKEND names a class with `send_messages(messages) -> int`:

- `railconnect.sms.ConsoleBackend` (default): prints each message (local runs);
- `railconnect.sms.FileBackend`: appends each message to a file in settings.SMS_FILE_PATH;
- `railconnect.sms.LocmemBackend`: keeps them in `railconnect.sms.outbox` (tests);
- `railconnect.sms.HttpBackend`: POSTs each as JSON {"to", "text", "sender"} to settings.SMS_HTTP_URL
  with the bearer token SMS_HTTP_TOKEN: the shape most Indian SMS gateways (DLT-registered sender
  ids) accept, or a small adapter in front of one. A non-2xx answer raises, so the task that sent
  it is retried.

Callers send from a background task (notifications/, accounts/mobile_verification.py), never on
a request's path.
"""

import datetime
import json
import sys
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str  # +91XXXXXXXXXX
    text: str


class SmsBackend(Protocol):
    def send_messages(self, messages: list[TextMessage]) -> int: ...


outbox: list[TextMessage] = []


class LocmemBackend:
    def send_messages(self, messages: list[TextMessage]) -> int:
        outbox.extend(messages)
        return len(messages)


class ConsoleBackend:
    _lock = threading.Lock()

    def send_messages(self, messages: list[TextMessage]) -> int:
        with self._lock:
            for message in messages:
                sys.stdout.write(f"SMS to {message.to}: {message.text}\n{'-' * 40}\n")
            sys.stdout.flush()
        return len(messages)


class FileBackend:
    def send_messages(self, messages: list[TextMessage]) -> int:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{datetime.date.today():%Y%m%d}.log").open("a", encoding="utf-8") as file:
            for message in messages:
                file.write(json.dumps({"to": message.to, "text": message.text}, ensure_ascii=False) + "\n")
        return len(messages)


class HttpBackend:
    def send_messages(self, messages: list[TextMessage]) -> int:
        for message in messages:
            body = json.dumps({"to": message.to, "text": message.text, "sender": settings.SMS_SENDER_ID})
            request = urllib.request.Request(
                settings.SMS_HTTP_URL,
                data=body.encode(),
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {settings.SMS_HTTP_TOKEN}",
                },
            )
            with urllib.request.urlopen(request, timeout=settings.SMS_HTTP_TIMEOUT) as response:  # noqa: S310
                if not 200 <= response.status < 300:
                    raise OSError(f"SMS gateway answered {response.status}")
        return len(messages)


def send_sms(*, to: str, text: str) -> int:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend.send_messages([TextMessage(to=to, text=text)])
