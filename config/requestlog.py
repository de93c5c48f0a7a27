"""One log line per request (JSON lines with LOG_FORMAT=json) and the request metrics."""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
import traceback
from datetime import datetime, timezone

from config.logging import redact

logger = logging.getLogger("latchkey.request")

# A request id from the proxy is kept only if it looks like one (it ends up in logs).
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
REQUEST_FIELDS = ("request_id", "method", "path", "route", "tenant", "status", "duration_ms")


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exc"] = redact("".join(traceback.format_exception(*record.exc_info)))
        return json.dumps(entry, ensure_ascii=False, default=str)


def request_id_for(request) -> str:
    """The proxy's X-Request-ID when well-formed, else a fresh one (32 hex digits)."""
    supplied = request.META.get("HTTP_X_REQUEST_ID")
    if supplied and _REQUEST_ID.match(supplied):
        return supplied
    # As random as uuid4().hex, without building a UUID object per request.
    return secrets.token_hex(16)


class RequestObservationMiddleware:
    """Times every request, feeds the metrics, and logs it without query strings or bodies."""

    def __init__(self, get_response):
        from django.conf import settings

        from config import metrics

        self.get_response = get_response
        self.metrics = metrics
        self.log_requests = getattr(settings, "REQUEST_LOG", False)

    def __call__(self, request):
        began = time.perf_counter()
        request.request_id = request_id_for(request)
        response = self.get_response(request)
        seconds = time.perf_counter() - began
        response["X-Request-ID"] = request.request_id
        try:
            self.metrics.observe_request(request, response, seconds)
        except Exception:  # metrics must never break a response
            logger.exception("could not record request metrics")
        if self.log_requests:
            self._log(request, response, seconds)
        return response

    def _log(self, request, response, seconds: float) -> None:
        tenant = getattr(request, "tenant", None)
        match = getattr(request, "resolver_match", None)
        fields = {
            "request_id": request.request_id,
            "method": request.method,
            # The path only: query strings carry codes and tokens; paths are redacted too.
            "path": redact(request.path_info)[:300],
            "route": match.view_name if match is not None else "",
            "tenant": tenant.slug if tenant is not None else "",
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 1),
        }
        level = logging.WARNING if response.status_code >= 500 else logging.INFO
        logger.log(
            level,
            "%s %s %s %sms",
            fields["method"],
            fields["path"],
            fields["status"],
            fields["duration_ms"],
            extra=fields,
        )
