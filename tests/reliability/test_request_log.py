"""One JSON line per request: request id, tenant, status, duration, and never a secret."""

from __future__ import annotations

import json
import logging

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from config.requestlog import JsonLinesFormatter, RequestObservationMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_log(settings, caplog):
    settings.REQUEST_LOG = True
    caplog.set_level(logging.INFO, logger="latchkey.request")
    return caplog


def _lines(caplog):
    formatter = JsonLinesFormatter()
    return [json.loads(formatter.format(r)) for r in caplog.records if r.name == "latchkey.request"]


def test_one_json_line_per_request_with_id_tenant_status_and_duration(client, tenant, request_log):
    response = client.get(
        f"/t/{tenant.slug}/.well-known/openid-configuration?code=abc123secret",
        HTTP_X_REQUEST_ID="req-from-proxy-0001",
    )
    assert response["X-Request-ID"] == "req-from-proxy-0001"
    (line,) = _lines(request_log)
    assert line["request_id"] == "req-from-proxy-0001"
    assert line["tenant"] == tenant.slug
    assert line["status"] == response.status_code
    assert line["route"] == "idp:oidc-discovery"
    assert isinstance(line["duration_ms"], float)
    assert "abc123secret" not in json.dumps(line)


def test_link_tokens_in_paths_are_redacted_and_bad_request_ids_replaced(
    client, tenant, request_log
):
    token = "tok" + "Z" * 40
    client.get(
        f"/t/{tenant.slug}/sign-in/email/signin/{token}/", HTTP_X_REQUEST_ID="bad id\n<script>"
    )
    (line,) = _lines(request_log)
    assert token not in json.dumps(line)
    assert "[redacted]" in line["path"]
    assert len(line["request_id"]) == 32


def test_the_setting_switches_request_lines_off(client, settings, caplog):
    settings.REQUEST_LOG = False
    caplog.set_level(logging.INFO, logger="latchkey.request")
    # The middleware reads the setting once per process, as gunicorn workers do.
    middleware = RequestObservationMiddleware(lambda request: HttpResponse())
    middleware(RequestFactory().get("/"))
    assert not [r for r in caplog.records if r.name == "latchkey.request"]
