"""Discovery and JWKS from a per-process copy of their last full response, with ETag.

The first request for a document (per host and path, per WELL_KNOWN_PROCESS_CACHE_SECONDS)
goes through the whole stack; until the copy expires, the next ones are answered here, before
sessions, CSRF, auth, messages and the tenant resolver, without touching PostgreSQL or Redis.
Relying parties are told to cache these documents for JWKS_CACHE_SECONDS (an hour by
default) anyway, so a few seconds of process-local staleness after a key or tenant change
changes nothing they can observe; a next key is published a day ahead.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.http import parse_etags

from tenants.oidc.endpoints import ENDPOINT_PATHS

CACHEABLE_VIEWS = {"idp:oidc-discovery", "idp:oidc-jwks", "issuer"}
# Only these paths can be one of those views: every other request skips the URL resolver here
# (Django resolves each request once anyway).
_CACHEABLE_ENDINGS = ("/" + ENDPOINT_PATHS["discovery"], "/" + ENDPOINT_PATHS["jwks"])
# Headers that describe one exchange, never a stored document.
NOT_STORED = {"set-cookie", "x-request-id", "date"}

_copies: dict[tuple[str, str], tuple[float, int, list[tuple[str, str]], bytes, str]] = {}


def clear() -> None:
    """Forget every stored document of this process."""
    _copies.clear()


def _cacheable(request) -> bool:
    if request.method != "GET" or request.META.get("QUERY_STRING"):
        return False
    path = request.path_info
    if not path.endswith(_CACHEABLE_ENDINGS) and path.count("/") != 2:  # the issuer: /t/<slug>
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return match.view_name in CACHEABLE_VIEWS


def _answer(request, status, headers, body, etag) -> HttpResponse:
    if etag and etag in parse_etags(request.META.get("HTTP_IF_NONE_MATCH", "")):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, status=status)
    for name, value in headers:
        response[name] = value
    return response


class WellKnownMiddleware:
    """Answer repeated discovery/JWKS requests from this process's copy of the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ttl = settings.WELL_KNOWN_PROCESS_CACHE_SECONDS
        if ttl <= 0 or request.method != "GET":
            return self.get_response(request)
        key = (request.META.get("HTTP_HOST", ""), request.path_info)
        copy = _copies.get(key)
        if copy is not None and copy[0] > time.monotonic() and not request.META.get("QUERY_STRING"):
            return _answer(request, *copy[1:])
        if not _cacheable(request):
            return self.get_response(request)
        # The whole stack answers (host validation, tenant resolution, headers) once.
        conditional = request.META.pop("HTTP_IF_NONE_MATCH", None)
        response = self.get_response(request)
        # These views read no cookie and no header (a middleware touching the session may
        # still add "Vary: Cookie", which is kept); a response setting a cookie is not stored.
        storable = (
            response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
        )
        if not storable:
            return response
        headers = [(n, v) for n, v in response.items() if n.lower() not in NOT_STORED]
        etag = response.get("ETag", "")
        _copies[key] = (time.monotonic() + ttl, 200, headers, response.content, etag)
        if conditional is not None:
            request.META["HTTP_IF_NONE_MATCH"] = conditional
            return _answer(request, 200, headers, response.content, etag)
        return response
