"""The one `next` rule of both faces: a relative path inside one area of the site, or ""."""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

MAX_NEXT_LENGTH = 4000
MAX_DECODE_ROUNDS = 4


def _decoded_path(path: str) -> str | None:
    """The path percent-decoded until stable (a few rounds at most); None if it never settles."""
    for _ in range(MAX_DECODE_ROUNDS):
        decoded = unquote(path)
        if decoded == path:
            return path
        path = decoded
    return None


def _has_control(text: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text)


def local_next(value, *, prefix: str) -> str:
    """`value` when it is a relative path under `prefix` (e.g. "/t/acme/" or "/"), else ""."""
    if not isinstance(value, str) or not value or len(value) > MAX_NEXT_LENGTH:
        return ""
    if not value.startswith(prefix) or "\\" in value or "//" in value or _has_control(value):
        return ""
    path = _decoded_path(value.split("?", 1)[0].split("#", 1)[0])
    # Browsers resolve "%2e" (any case) as "." (WHATWG URL), so judge the decoded path.
    if path is None or "\\" in path or "//" in path or _has_control(path):
        return ""
    if any(segment in ("..", ".") for segment in path.split("/")):
        return ""
    normalised = posixpath.normpath(path) + ("/" if path.endswith("/") else "")
    if not normalised.lower().startswith(prefix.lower()) or "//" in normalised:
        return ""
    return value
