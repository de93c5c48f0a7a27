"""A quiet HTTP handler for the small sites browser tests stand up (an RP, an embedder)."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler


class QuietPage(BaseHTTPRequestHandler):
    """Answers with `self.html(body)`; logs nothing."""

    def html(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass
