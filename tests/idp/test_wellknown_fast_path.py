"""Discovery and JWKS served from the process's copy: no SQL, same body and headers, 304s."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from idp import wellknown
from tests.idp.oidc_support import oidc_tenant

pytestmark = pytest.mark.django_db


@pytest.fixture
def copies(settings):
    settings.WELL_KNOWN_PROCESS_CACHE_SECONDS = 60
    wellknown.clear()
    yield
    wellknown.clear()


@pytest.mark.parametrize("name", ["idp:oidc-discovery", "idp:oidc-jwks"])
def test_a_warm_copy_needs_no_query_and_matches_the_full_answer(client, copies, name):
    tenant = oidc_tenant()
    path = reverse(name, kwargs={"tenant_slug": tenant.slug})
    first = client.get(path)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        second = client.get(path)
    assert len(queries) == 0
    assert second.status_code == 200 and second.content == first.content
    for header in (
        "Content-Type",
        "ETag",
        "Cache-Control",
        "Access-Control-Allow-Origin",
        "X-Content-Type-Options",
    ):
        assert second[header] == first[header], header
    not_modified = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified["ETag"] == first["ETag"]


def test_unknown_or_suspended_tenants_are_never_copied(client, copies):
    tenant = oidc_tenant()
    path = reverse("idp:oidc-jwks", kwargs={"tenant_slug": tenant.slug})
    type(tenant).objects.filter(pk=tenant.pk).update(status="suspended")
    assert client.get(path).status_code == 404
    assert client.get(path).status_code == 404
    assert client.get("/t/nobody/jwks").status_code == 404


def test_the_copy_expires(client, copies, settings, monkeypatch):
    tenant = oidc_tenant()
    path = reverse("idp:oidc-discovery", kwargs={"tenant_slug": tenant.slug})
    client.get(path)
    now = wellknown.time.monotonic()
    monkeypatch.setattr(wellknown.time, "monotonic", lambda: now + 61)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    assert len(queries) > 0  # answered by the full stack again


def test_off_by_default_outside_production(settings):
    assert settings.WELL_KNOWN_PROCESS_CACHE_SECONDS == (10 if settings.PRODUCTION else 0)
