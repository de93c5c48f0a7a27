"""Django's per-request signal receivers that have nothing to do here, disconnected at start."""

from django.conf import settings
from django.core.cache import close_caches
from django.core.cache.backends.base import BaseCache
from django.core.signals import request_finished, request_started
from django.db import reset_queries
from django.utils.module_loading import import_string


def trim_request_signals() -> None:
    """Drop `close_caches` when no configured cache closes anything (Redis, file and local
    memory backends do not), and `reset_queries` when DEBUG is off (only DEBUG fills the
    query log; a test's CaptureQueriesContext disconnects and reconnects it itself)."""
    backends = [import_string(cache["BACKEND"]) for cache in settings.CACHES.values()]
    if all(backend.close is BaseCache.close for backend in backends):
        request_finished.disconnect(close_caches)
    if not settings.DEBUG:
        request_started.disconnect(reset_queries)
