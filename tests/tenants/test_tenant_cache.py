"""Per-process tenant copies: no tenant query when warm, and any change is seen at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tenants import cache as tenant_cache
from tenants.resolver import tenant_for_slug
from tenants.services import tenant_status_change
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def copies(settings):
    settings.TENANT_PROCESS_CACHE_SECONDS = 60
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "tenant-cache-tests",
        }
    }
    tenant_cache.clear()
    yield
    tenant_cache.clear()


def test_a_warm_copy_costs_no_query_and_is_private(copies):
    tenant = factories.tenant()
    first = tenant_for_slug(tenant.slug, active_only=True)
    with CaptureQueriesContext(connection) as queries:
        second = tenant_for_slug(tenant.slug, active_only=True)
    assert len(queries) == 0
    assert second == tenant and second is not first
    second.display_name = "changed by one request"
    assert tenant_for_slug(tenant.slug, active_only=True).display_name == tenant.display_name


def test_a_change_is_seen_at_once(copies):
    tenant = factories.tenant()
    assert tenant_for_slug(tenant.slug, active_only=True) is not None
    tenant_status_change(tenant=tenant, status="suspended", actor=None, reason="test")
    assert tenant_for_slug(tenant.slug, active_only=True) is None
    assert tenant_for_slug(tenant.slug, active_only=False).status == "suspended"


def test_another_process_sees_the_bumped_version(copies):
    tenant = factories.tenant()
    tenant_for_slug(tenant.slug, active_only=True)
    # Another process saved the tenant: only the shared counter moved here.
    type(tenant).objects.filter(pk=tenant.pk).update(display_name="Renamed")
    from django.core.cache import cache

    cache.incr(tenant_cache.VERSION_KEY)
    assert tenant_for_slug(tenant.slug, active_only=True).display_name == "Renamed"


def test_unknown_slugs_are_not_kept(copies):
    assert tenant_for_slug("nobody-here", active_only=True) is None
    with CaptureQueriesContext(connection) as queries:
        assert tenant_for_slug("nobody-here", active_only=True) is None
    assert len(queries) == 1


def test_authorize_reads_the_client_once_per_process(copies, client):
    from urllib.parse import urlencode

    from tests.idp.oidc_support import authorize_path, is_sign_in_page, make_rp, oidc_tenant

    tenant = oidc_tenant()
    rp = make_rp(tenant)
    query = urlencode(
        {"client_id": rp.client_id, "redirect_uri": rp.redirect_uri, "response_type": "code",
         "scope": "openid", "state": "s", "nonce": "n"}
    )
    assert client.get(f"{authorize_path(tenant)}?{query}").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"{authorize_path(tenant)}?{query}")
    assert is_sign_in_page(again, tenant)  # the sign-in page, rendered by authorize
    assert len(queries) == 0  # neither the tenant nor the client was read again
    # A redirect URL change reaches every process at once.
    rp.client.redirect_urls.all().delete()
    refused = client.get(f"{authorize_path(tenant)}?{query}")
    assert refused.status_code == 400
