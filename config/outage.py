"""A clean 503 when PostgreSQL or Redis does not answer: a page for people, JSON for programs.

Django turns an exception raised anywhere (view or middleware) into the handler500 response
while the exception is still being handled, so the handler looks at it and answers 503 for a
dependency outage instead of a 500.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from config import errors
from config.middleware import OAUTH_ENDPOINT

RETRY_AFTER_SECONDS = 5
TITLE = "Temporarily unavailable"
MESSAGE = "Latchkey cannot reach its database or cache right now. Please try again in a moment."
_FALLBACK_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>{title}</title>"
    "<h1>{title}</h1><p role=alert>{message}</p></html>"
)


def _redis_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:
        return ()
    return (RedisConnectionError, RedisTimeoutError)


def outage_dependency(exc: BaseException | None) -> str | None:
    """'database' or 'redis' when the exception (or its cause) is an outage, else None."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return "database"
        if isinstance(exc, _redis_errors()):
            return "redis"
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return None


def wants_json(request) -> bool:
    """API, OAuth endpoints and fetch() calls get JSON; browsers navigating get a page."""
    path = request.path_info
    if path.startswith("/api/") or OAUTH_ENDPOINT.match(path):
        return True
    if "json" in request.META.get("CONTENT_TYPE", ""):
        return True
    return "text/html" not in request.META.get("HTTP_ACCEPT", "")


def unavailable_response(request, dependency: str):
    """The 503 itself; renders nothing that could touch the database or the cache."""
    from config.metrics import UNAVAILABLE

    UNAVAILABLE.labels(dependency).inc()
    path = request.path_info
    if path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    elif OAUTH_ENDPOINT.match(path):
        body = {"error": "temporarily_unavailable", "error_description": MESSAGE}
        response = JsonResponse(body, status=503)
    elif wants_json(request):
        response = JsonResponse({"error": MESSAGE, "code": "temporarily_unavailable"}, status=503)
    else:
        try:
            # No request: context processors would load the session and the user.
            page = render_to_string("error.html", {"title": TITLE, "message": MESSAGE})
        except Exception:  # the page itself needs something that is down
            page = _FALLBACK_PAGE.format(title=TITLE, message=MESSAGE)
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: 503 for a database or Redis outage, the ordinary 500 page otherwise."""
    dependency = outage_dependency(sys.exc_info()[1])
    if dependency is not None:
        return unavailable_response(request, dependency)
    return errors.server_error(request)
