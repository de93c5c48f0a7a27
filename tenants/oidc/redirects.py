"""The one redirect-URL rule set: what may be registered, and how a presented URL must match.

Settings validate with `redirect_url_problem`; authorize, token and logout compare with
`redirect_url_matches` (through OIDCClient's methods and the validator).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

REDIRECT_URL_MAX_LENGTH = 2000
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


def redirect_url_problem(url) -> str | None:
    """Why a Redirect URL is not acceptable, or None if it is."""
    if not isinstance(url, str) or not url:
        return "Enter a URL."
    if len(url) > REDIRECT_URL_MAX_LENGTH:
        return f"Must be at most {REDIRECT_URL_MAX_LENGTH} characters."
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return "Must not contain spaces or control characters."
    if "*" in url:
        return "Wildcards (*) are not allowed; register each URL exactly."
    if "#" in url:
        return "Must not contain a fragment (#…)."
    try:
        parts = urlsplit(url)
        hostname = parts.hostname
        parts.port  # noqa: B018 (raises ValueError on a malformed port)
    except ValueError:
        return "Not a valid URL (check the host and port)."
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "Must be an absolute URL starting with https://."
    if not url.lower().startswith(f"{parts.scheme}://"):
        return "Must be an absolute URL starting with https://."
    if not hostname:
        return "Must include a host name."
    if parts.username is not None or parts.password is not None:
        return "Must not contain a user name or password."
    if parts.scheme == "http" and hostname not in LOOPBACK_HOSTS:
        return "Must use https:// (http:// is allowed only for localhost, 127.0.0.1 and [::1])."
    if "[" in parts.netloc:
        try:
            ipaddress.IPv6Address(hostname)
        except ValueError:
            return "Not a valid IPv6 address in brackets."
    return None


def redirect_url_matches(registered: str | None, presented) -> bool:
    """Exact, case-sensitive string equality: no normalisation, no wildcards, no prefixes."""
    return bool(registered) and isinstance(presented, str) and presented == registered


def redirect_url_registered(registered: Iterable[str], presented) -> bool:
    """Whether the presented URL exactly matches one of the registered ones."""
    return any(redirect_url_matches(url, presented) for url in registered)
