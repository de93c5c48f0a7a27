"""A requests transport that hands each request to Django's test client (no sockets, same DB)."""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

SKIPPED_HEADERS = {"content-length", "content-type", "host"}


class DjangoTransport(BaseAdapter):
    """Mount on a requests.Session for the server's origin: the RP library speaks HTTP to it."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def send(self, request, **kwargs):
        parts = urlsplit(request.url)
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode()
        extra = {
            "HTTP_" + name.upper().replace("-", "_"): value
            for name, value in request.headers.items()
            if name.lower() not in SKIPPED_HEADERS
        }
        answer = self.client.generic(
            request.method,
            parts.path + (f"?{parts.query}" if parts.query else ""),
            data=body,
            content_type=request.headers.get("Content-Type", "application/octet-stream"),
            secure=parts.scheme == "https",
            HTTP_HOST=parts.netloc,
            **extra,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = getattr(answer, "reason_phrase", "")
        response.headers = CaseInsensitiveDict(answer.items())
        response._content = b"".join(answer) if answer.streaming else answer.content
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def http_session(client, origin: str) -> requests.Session:
    """A requests.Session whose calls to `origin` go to the Django test client."""
    session = requests.Session()
    session.mount(origin, DjangoTransport(client))
    return session
