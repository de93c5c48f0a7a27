"""Client authentication rules at the token and revocation endpoints that oauthlib leaves out."""

from __future__ import annotations

import json


def _uses_basic(request) -> bool:
    return request.META.get("HTTP_AUTHORIZATION", "").split(" ", 1)[0].lower() == "basic"


def two_methods_error(request) -> bytes | None:
    """RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request."""
    has_header = bool(request.META.get("HTTP_AUTHORIZATION", "").strip())
    in_body = "client_secret" in request.POST or "client_assertion" in request.POST
    if not (has_header and in_body):
        return None
    body = {
        "error": "invalid_request",
        "error_description": "Authenticate the client by one method only: either the "
        "Authorization header (client_secret_basic) or client_secret in the body.",
    }
    return json.dumps(body).encode()


def challenge(request, status: int, headers: dict) -> dict:
    """A 401 names the scheme the token endpoint takes (Basic), not oauthlib's Bearer.

    RFC 6749 §5.2: when the client used the Authorization header, the challenge MUST match
    its scheme; for client_secret_post, Basic is still the one HTTP scheme this endpoint takes.
    """
    headers = {k: v for k, v in (headers or {}).items() if k.lower() != "www-authenticate"}
    if status == 401:
        realm = getattr(getattr(request, "tenant", None), "issuer", "") or "latchkey"
        headers["WWW-Authenticate"] = f'Basic realm="{realm}", charset="UTF-8"'
    return headers
