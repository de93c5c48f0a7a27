"""Prometheus metrics: what they count, how they are fed, and the exposition.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers, Celery prefork children) every process
writes its samples to files there and a scrape adds them up; without it the process's own
registry is used.
"""

from __future__ import annotations

import os
import re
import time

from django.db import transaction
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

SIGNINS = Counter("latchkey_signins_total", "Completed end-user sign-ins.", ["tenant", "method"])
REGISTRATIONS = Counter(
    "latchkey_registrations_total", "End users who signed up with a new passkey.", ["tenant"]
)
AUTH_FAILURES = Counter(
    "latchkey_auth_failures_total",
    "Refused sign-in, registration and email-code attempts, by reason.",
    ["tenant", "step", "reason"],
)
TOKEN_REQUESTS = Counter(
    "latchkey_token_requests_total",
    "Requests to a tenant's token endpoint.",
    ["tenant", "grant_type", "status"],
)
HTTP_REQUESTS = Counter(
    "latchkey_http_requests_total", "HTTP requests by route and status.", ["route", "status"]
)
HTTP_LATENCY = Histogram(
    "latchkey_http_request_duration_seconds",
    "Time from the first middleware to the response, by route.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
KEY_ROTATIONS = Counter(
    "latchkey_key_rotations_total",
    "Signing keys promoted to active (scheduled pass or Rotate now).",
    ["tenant", "trigger"],
)
CELERY_TASKS = Counter(
    "latchkey_celery_tasks_total", "Celery task runs by outcome.", ["task", "outcome"]
)
CELERY_LATENCY = Histogram(
    "latchkey_celery_task_duration_seconds",
    "Celery task run time.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 30, 120),
)
UNAVAILABLE = Counter(
    "latchkey_dependency_unavailable_total",
    "Requests answered 503 because PostgreSQL or Redis did not answer.",
    ["dependency"],
)

FAILURE_STEPS = {
    "enduser.signin_failed": "signin",
    "enduser.registration_failed": "registration",
    "enduser.email_code_failed": "email_code",
}
GRANT_TYPES = {"authorization_code", "refresh_token", "client_credentials"}
_SLUG = re.compile(r"[^a-z0-9]+")


def reason_label(text) -> str:
    """A bounded label from a refusal message (our own fixed wording, never user input)."""
    slug = _SLUG.sub("_", str(text or "unknown").lower()).strip("_")
    return slug[:48] or "unknown"


def _tenant_label(event) -> str:
    # The services pass the tenant object itself, so reading its slug costs no query.
    return event.tenant.slug if event.tenant_id else "-"


def _increment_for(event):
    """The counter (with labels) an audit event feeds, or None."""
    action = event.action
    details = event.details or {}
    if action == "enduser.signed_in":
        return [SIGNINS.labels(_tenant_label(event), str(details.get("method", ""))[:20])]
    if action == "enduser.registered":
        return [REGISTRATIONS.labels(_tenant_label(event))]
    if action in FAILURE_STEPS:
        reason = reason_label(details.get("reason"))
        return [AUTH_FAILURES.labels(_tenant_label(event), FAILURE_STEPS[action], reason)]
    if action == "signing_key.rotated":
        return [KEY_ROTATIONS.labels(_tenant_label(event), "manual")]
    if action == "signing_key.rotation_pass":
        promoted = details.get("promoted") or []
        return [KEY_ROTATIONS.labels(_tenant_label(event), "scheduled")] * len(promoted)
    return None


def audit_event_saved(sender, instance, created, **kwargs) -> None:
    """Count an audit event once its transaction commits (a rolled-back action never happened)."""
    if not created or sender._meta.model_name != "auditevent":
        return
    counters = _increment_for(instance)
    if counters:
        transaction.on_commit(
            lambda: [counter.inc() for counter in counters], using=kwargs.get("using")
        )


# The labelled children of the two per-request metrics, by (route, status): `labels()` takes a
# lock and validates its arguments on every call. Routes and statuses are bounded sets.
_request_children: dict[tuple[str, int], tuple] = {}


def _children(route: str, status: int) -> tuple:
    children = _request_children.get((route, status))
    if children is None:
        children = (HTTP_REQUESTS.labels(route, str(status)), HTTP_LATENCY.labels(route))
        _request_children[(route, status)] = children
    return children


def observe_request(request, response, seconds: float) -> None:
    """Request counters and latency; token requests also per tenant and grant type."""
    match = getattr(request, "resolver_match", None)
    route = match.view_name if match is not None else "unmatched"
    requests, latency = _children(route, response.status_code)
    requests.inc()
    latency.observe(seconds)
    if route.endswith("oidc-token"):
        tenant = getattr(request, "tenant", None)
        grant = "other"
        if request.method == "POST" and hasattr(request, "_post"):
            grant = request._post.get("grant_type", "")
            grant = grant if grant in GRANT_TYPES else "other"
        slug = tenant.slug if tenant else "-"
        TOKEN_REQUESTS.labels(slug, grant, str(response.status_code)).inc()


# --- Celery ---------------------------------------------------------------------------------

_started: dict[str, float] = {}


def task_prerun(task_id=None, task=None, **kwargs) -> None:
    _started[task_id] = time.monotonic()


def task_postrun(task_id=None, task=None, state=None, **kwargs) -> None:
    began = _started.pop(task_id, None)
    name = getattr(task, "name", "unknown")
    if began is not None:
        CELERY_LATENCY.labels(name).observe(time.monotonic() - began)
    outcome = {"SUCCESS": "succeeded", "FAILURE": "failed", "RETRY": "retried"}.get(
        state or "", (state or "unknown").lower()
    )
    CELERY_TASKS.labels(name, outcome).inc()


def connect_celery_signals() -> None:
    """Hook task outcomes; called once from the app config."""
    from celery import signals

    signals.task_prerun.connect(task_prerun, weak=False)
    signals.task_postrun.connect(task_postrun, weak=False)


# --- exposition ------------------------------------------------------------------------------


def registry() -> CollectorRegistry:
    """The multiprocess aggregate when PROMETHEUS_MULTIPROC_DIR is set, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        aggregate = CollectorRegistry()
        multiprocess.MultiProcessCollector(aggregate)
        return aggregate
    return REGISTRY


def exposition() -> tuple[bytes, str]:
    """The text format of every metric, and its content type."""
    return generate_latest(registry()), CONTENT_TYPE_LATEST


def serve_on_port(port: int) -> None:
    """Serve /metrics on its own port (for processes without HTTP, such as a Celery worker)."""
    from prometheus_client import start_http_server

    start_http_server(port, addr="127.0.0.1", registry=registry())
