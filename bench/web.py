"""A small HTTP/1.1 client for load generation: one connection per request, a cookie jar."""

from __future__ import annotations

import http.client
import json
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit


class Response:
    """Status, headers (lower-case names), body; json() decodes the body."""

    def __init__(self, status: int, headers: dict[str, str], body: bytes, ms: float):
        self.status, self.headers, self.body, self.ms = status, headers, body, ms

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:200]!r}>"


class Browser:
    """Talks to 127.0.0.1:port with the Host of `base` and keeps cookies like a browser."""

    def __init__(self, base: str, *, port: int, forwarded_for: str = ""):
        parts = urlsplit(base)
        self.host, self.port, self.origin = parts.netloc, port, f"{parts.scheme}://{parts.netloc}"
        self.forwarded_for = forwarded_for
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, body=None, headers=None, form=None, json_body=None):
        """Send one request; return a Response with the wall time in ms."""
        head = {"Host": self.host, "User-Agent": "latchkey-bench", "Connection": "close"}
        if self.forwarded_for:
            head["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form).encode()
            head["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            head["Content-Type"] = "application/json"
        if method == "POST":
            head["Origin"] = self.origin
            if "csrftoken" in self.cookies:
                head["X-CSRFToken"] = self.cookies["csrftoken"]
        head.update(headers or {})
        head = {k: v for k, v in head.items() if v is not None}  # None drops a header
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=head)
            raw = conn.getresponse()
            data = raw.read()
        finally:
            conn.close()
        ms = (time.perf_counter() - start) * 1000
        headers_out = {}
        for name, value in raw.getheaders():
            if name.lower() == "set-cookie":
                jar = SimpleCookie()
                jar.load(value)
                for key, morsel in jar.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(key, None)
                    else:
                        self.cookies[key] = morsel.value
            headers_out[name.lower()] = value
        return Response(raw.status, headers_out, data, ms)

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> Response:
        return self.request("POST", path, **kw)
