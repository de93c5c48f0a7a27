"""The token viewer's access rules and its own client secret (the full run is a browser test)."""

import pytest
from django.urls import reverse

from portal.services import VIEWER_SECRET_NAME, viewer_secret_ensure
from tenants.audit import AuditEvent
from tenants.models import ClientSecret
from tenants.oidc.client_secrets import client_secret_match
from tenants.oidc.services import client_get_or_create, client_secret_revoke
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tenant):
    return factories.membership(tenant=tenant, role="read_write").user


def test_viewer_secret_is_stored_as_a_digest_reused_and_replaced_after_revocation(tenant, admin):
    client = client_get_or_create(tenant=tenant, actor=admin)
    first = viewer_secret_ensure(tenant=tenant, actor=admin, client=client)
    assert viewer_secret_ensure(tenant=tenant, actor=admin, client=client) == first
    row = ClientSecret.objects.get(client=client)
    assert row.name == VIEWER_SECRET_NAME and first not in (row.digest, row.name)
    assert client_secret_match(client=client, secret=first) == row
    assert AuditEvent.objects.filter(action="oidc.client_secret_generated").count() == 1

    client_secret_revoke(tenant=tenant, actor=admin, secret=row)
    assert client_secret_match(client=client, secret=first) is None
    second = viewer_secret_ensure(tenant=tenant, actor=admin, client=client)
    assert second != first
    assert client_secret_match(client=client, secret=second).name == VIEWER_SECRET_NAME


def test_viewer_needs_read_write(client, tenant):
    reader = factories.membership(tenant=tenant, role="read_only").user
    client.force_login(reader)
    url = reverse("portal:tenant-test-sign-in", args=[tenant.slug])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403


def test_another_tenants_admin_gets_404(client, tenant, other_tenant):
    stranger = factories.membership(tenant=other_tenant, role="read_write").user
    client.force_login(stranger)
    for name in ("portal:tenant-test-sign-in", "portal:tenant-test-sign-in-callback"):
        assert client.post(reverse(name, args=[tenant.slug])).status_code == 404


def test_start_refuses_while_oidc_is_off(client, tenant, admin):
    client.force_login(admin)
    url = reverse("portal:tenant-test-sign-in", args=[tenant.slug])
    response = client.post(url, follow=True)
    assert b"Turn on Enable OIDC" in response.content
    assert not ClientSecret.objects.exists()


def test_callback_without_a_started_attempt_is_refused(client, tenant, admin):
    client.force_login(admin)
    url = reverse("portal:tenant-test-sign-in-callback", args=[tenant.slug])
    response = client.post(url, {"state": "forged", "code": "x"}, follow=True)
    assert b"does not belong to a test sign-in" in response.content


def test_settings_shows_the_button_to_read_write_admins_only(client, tenant, admin):
    client.force_login(admin)
    page = client.get(reverse("portal:tenant-settings", args=[tenant.slug]))
    assert b'id="test-sign-in-button"' in page.content
    reader = factories.membership(tenant=tenant, role="read_only").user
    client.force_login(reader)
    page = client.get(reverse("portal:tenant-settings", args=[tenant.slug]))
    assert b'id="test-sign-in-button"' not in page.content
