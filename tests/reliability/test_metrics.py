"""Prometheus metrics: behind a bearer token, fed by sign-ins, token requests, rotations, Celery."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client import REGISTRY

from tenants.oidc.keys import key_rotation_pass
from tenants.tasks import rotate_tenant_keys
from tests.idp.signin_support import register, sign_in

pytestmark = pytest.mark.django_db


def value(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_are_off_without_a_token_and_need_it_when_set(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    scraped = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert scraped.status_code == 200
    assert b"latchkey_http_requests_total" in scraped.content
    assert not scraped.cookies


def test_sign_ins_registrations_and_failures_are_counted_per_tenant(
    tenant, django_capture_on_commit_callbacks
):
    signins = value("latchkey_signins_total", tenant=tenant.slug, method="email")
    registrations = value("latchkey_registrations_total", tenant=tenant.slug)
    with django_capture_on_commit_callbacks(execute=True):
        authenticator, done = register(Client(), tenant, "metrics@example.com")
        assert done.status_code == 200, done.content
        ok = sign_in(Client(), tenant, authenticator, email="metrics@example.com")
        assert ok.status_code == 200, ok.content
        refused = sign_in(
            Client(), tenant, authenticator, email="metrics@example.com", bad_signature=True
        )
        assert refused.status_code == 400
    assert value("latchkey_registrations_total", tenant=tenant.slug) == registrations + 1
    assert value("latchkey_signins_total", tenant=tenant.slug, method="email") == signins + 1
    failures = [
        s
        for metric in REGISTRY.collect()
        if metric.name == "latchkey_auth_failures"
        for s in metric.samples
        if s.name.endswith("_total") and s.labels["tenant"] == tenant.slug
    ]
    assert [(s.labels["step"], s.value) for s in failures] == [("signin", 1.0)]
    assert value("latchkey_http_request_duration_seconds_count", route="idp:signin-verify") >= 2


def test_token_requests_are_counted(client, tenant):
    before = value(
        "latchkey_token_requests_total", tenant=tenant.slug, grant_type="other", status="400"
    )
    response = client.post(f"/t/{tenant.slug}/token", {"grant_type": "password"})
    assert 400 <= response.status_code < 500
    after = value(
        "latchkey_token_requests_total",
        tenant=tenant.slug,
        grant_type="other",
        status=str(response.status_code),
    )
    assert after >= before + 1


def test_rotations_and_celery_task_outcomes_are_counted(tenant, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    rotations = value("latchkey_key_rotations_total", tenant=tenant.slug, trigger="scheduled")
    with django_capture_on_commit_callbacks(execute=True):
        key_rotation_pass(tenant=tenant, now=timezone.now() + timedelta(days=31))
    assert (
        value("latchkey_key_rotations_total", tenant=tenant.slug, trigger="scheduled")
        == rotations + 1
    )
    task = {"task": "tenants.rotate_tenant_keys", "outcome": "succeeded"}
    runs = value("latchkey_celery_tasks_total", **task)
    rotate_tenant_keys.apply(args=[tenant.pk])
    assert value("latchkey_celery_tasks_total", **task) == runs + 1
