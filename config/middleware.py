"""Request hygiene: trusted-proxy headers only; no NUL, lone surrogates or deep JSON in input."""

import json
import logging
import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.shortcuts import render

from config.json_depth import MAX_JSON_DEPTH, json_too_deep

logger = logging.getLogger("latchkey.proxy")
_warned_peers: set[str] = set()


def _warn_untrusted_proxy(peer: str) -> None:
    """Say once per peer and process that a proxy's X-Forwarded-For is being ignored."""
    if peer in _warned_peers or len(_warned_peers) >= 16:
        return
    _warned_peers.add(peer)
    logger.error(
        "X-Forwarded-For arrives from %s, which is not in TRUSTED_PROXIES: it is ignored, so "
        "every visitor behind this proxy shares one rate limit (the proxy's address) and audit "
        "rows show the proxy. If %s is your reverse proxy, add it to TRUSTED_PROXIES.",
        peer,
        peer,
    )


class TrustedProxyMiddleware:
    """Take the client IP and scheme from a trusted proxy; drop spoofed headers otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        if meta.get("REMOTE_ADDR") in settings.TRUSTED_PROXIES:
            forwarded_for = meta.get("HTTP_X_FORWARDED_FOR", "")
            if forwarded_for:
                meta["REMOTE_ADDR"] = forwarded_for.split(",")[-1].strip()
            if meta.get("HTTP_X_FORWARDED_PROTO", "").lower() == "https":
                meta["wsgi.url_scheme"] = "https"
        else:
            if "HTTP_X_FORWARDED_FOR" in meta and settings.PRODUCTION:
                _warn_untrusted_proxy(meta.get("REMOTE_ADDR", ""))
            for header in (
                "HTTP_X_FORWARDED_HOST",
                "HTTP_X_FORWARDED_PROTO",
                "HTTP_X_FORWARDED_FOR",
            ):
                meta.pop(header, None)
        return self.get_response(request)


# OAuth endpoints answer errors as RFC 6749 JSON.
OAUTH_ENDPOINT = re.compile(r"^/t/[^/]+/(token|revoke|userinfo)$")
_SUSPICIOUS_JSON_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _unsafe_text(value: str) -> bool:
    """NUL, or a lone UTF-16 surrogate that no database or encoder will take."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _walk_strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_strings(key)
            yield from _walk_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk_strings(item)


class RejectUnsafeTextMiddleware:
    """Refuse NUL characters and lone surrogates in paths, queries, forms and JSON with a 400.

    PostgreSQL text columns cannot hold NUL and UTF-8 cannot encode a lone surrogate; catching
    them once here keeps every view from turning such input into a 500.
    """

    MESSAGE = "The request contains characters that are not allowed (NUL or a lone surrogate)."
    DEPTH_MESSAGE = f"The JSON body nests deeper than {MAX_JSON_DEPTH} levels."

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _unsafe_text(request.path_info):
            # No page or tenant can have such a name.
            return render(
                request,
                "error.html",
                {"title": "Not found", "message": "There is nothing at this address."},
                status=404,
            )
        if self._too_deep(request):
            return self._refuse(request, "", self.DEPTH_MESSAGE)
        field = self._unsafe_field(request)
        if field is not None:
            return self._refuse(request, field, self.MESSAGE)
        return self.get_response(request)

    def _refuse(self, request, field: str, message: str):
        if request.path_info.startswith("/api/"):
            # The REST API's shape for bad input: field errors.
            return JsonResponse({field or "detail": [message]}, status=400)
        if OAUTH_ENDPOINT.match(request.path_info):
            body = {"error": "invalid_request", "error_description": message}
            return JsonResponse(body, status=400, headers={"Cache-Control": "no-store"})
        accept = request.META.get("HTTP_ACCEPT", "")
        if "json" in request.META.get("CONTENT_TYPE", "") or "text/html" not in accept:
            return JsonResponse({"error": message}, status=400)
        return render(
            request, "error.html", {"title": "Bad request", "message": message}, status=400
        )

    def _too_deep(self, request) -> bool:
        """A non-form body nested too deeply for any JSON parser behind us (views read JSON
        bodies whatever their content type, so every such body is checked)."""
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return False
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            return False
        try:
            body = request.body
        except RequestDataTooBig:
            return False  # Django answers that itself (413/400) when the view reads it
        return json_too_deep(body)

    def _unsafe_field(self, request) -> str | None:
        """The name of the first field holding unsafe text ("" if unnamed), or None."""
        for key, values in request.GET.lists():
            if _unsafe_text(key) or any(_unsafe_text(v) for v in values):
                return key
        content_type = request.META.get("CONTENT_TYPE", "")
        if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
            return None
        # Reading POST here is safe: Django caches it, and DRF reuses it for form bodies.
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            for key, values in request.POST.lists():
                if _unsafe_text(key) or any(_unsafe_text(v) for v in values):
                    return key
        elif "json" in content_type:
            body = request.body
            if b"\x00" in body:
                return ""
            if _SUSPICIOUS_JSON_ESCAPE.search(body):
                try:
                    parsed = json.loads(body)
                except (ValueError, RecursionError):
                    return None  # the view reports malformed JSON itself
                if isinstance(parsed, dict):
                    for key, value in parsed.items():
                        if any(_unsafe_text(t) for t in _walk_strings({key: value})):
                            return key
                elif any(_unsafe_text(t) for t in _walk_strings(parsed)):
                    return ""
        return None
