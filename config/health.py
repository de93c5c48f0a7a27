"""Liveness, readiness and the metrics scrape, answered before any other middleware runs."""

from __future__ import annotations

import hmac
import logging
import threading

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse

logger = logging.getLogger("latchkey.health")

LIVE_PATH = "/health/live"
READY_PATH = "/health/ready"
METRICS_PATH = "/metrics"
# A readiness probe must answer fast even when a dependency hangs.
PROBE_TIMEOUT_SECONDS = 2

_redis_client = None
_redis_lock = threading.Lock()


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def _redis():
    global _redis_client
    if _redis_client is None:
        import redis

        with _redis_lock:
            if _redis_client is None:
                _redis_client = redis.Redis.from_url(
                    settings.REDIS_URL,
                    socket_connect_timeout=PROBE_TIMEOUT_SECONDS,
                    socket_timeout=PROBE_TIMEOUT_SECONDS,
                )
    return _redis_client


def database_answers() -> bool:
    """One `SELECT 1` on the default database; a broken connection is dropped for the next try."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except Exception:  # any failure means "not ready"
        try:
            connection.close()
        except Exception:
            pass
        return False


def redis_answers() -> bool:
    """PING Redis when one is configured (without REDIS_URL there is nothing to wait for)."""
    if not settings.REDIS_URL:
        return True
    try:
        return bool(_redis().ping())
    except Exception:  # any failure means "not ready"
        return False


def readiness() -> dict[str, bool]:
    """Each dependency's state; names only, never hosts, versions or error text."""
    return {"database": database_answers(), "redis": redis_answers()}


def _ready_response():
    checks = readiness()
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        logger.warning("not ready: %s does not answer", ", ".join(failed))
        response = JsonResponse({"status": "unavailable"}, status=503)
        response._has_been_logged = True  # the line above says it; no django.request error too
        return _no_store(response)
    return _no_store(JsonResponse({"status": "ready"}))


def _metrics_response(request):
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return None  # metrics over HTTP are off: fall through to an ordinary 404
    supplied = request.META.get("HTTP_AUTHORIZATION", "")
    expected = f"Bearer {token}"
    if not hmac.compare_digest(supplied.encode(), expected.encode()):
        response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return _no_store(response)
    from config.metrics import exposition

    body, content_type = exposition()
    return _no_store(HttpResponse(body, content_type=content_type))


class HealthMiddleware:
    """Answer the probes and /metrics first: no session, CSRF, auth, tenant or host checks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path == LIVE_PATH and request.method in ("GET", "HEAD"):
            return _no_store(JsonResponse({"status": "live"}))
        if path == READY_PATH and request.method in ("GET", "HEAD"):
            return _ready_response()
        if path == METRICS_PATH and request.method == "GET":
            response = _metrics_response(request)
            if response is not None:
                return response
        return self.get_response(request)
