"""Tenant pages: read-write admins see members and audit log; read-only ask for access."""

import pytest
from django.urls import reverse

from accounts.models import AccessRequest
from tenants.audit import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


def test_read_only_member_asks_for_access_once(client, tenant):
    member = factories.membership(tenant=tenant)
    client.force_login(member.user)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:tenant-access-request", kwargs={"slug": tenant.slug}) in home
    url = reverse("portal:tenant-access-request", kwargs={"slug": tenant.slug})
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "I own the integration"}).status_code == 302
    again = client.post(url, {"reason": "again"})
    assert again.status_code == 400 and b"already have a pending request" in again.content
    assert AccessRequest.objects.for_tenant(tenant).count() == 1
    event = AuditEvent.objects.get(action="access_request.created")
    assert event.actor == member.user and event.details["reason"] == "I own the integration"
    assert b"read-write access requested" in client.get(reverse("portal:home")).content


def test_audit_log_shows_only_this_tenant(client, tenant, other_tenant, support_user):
    admin = factories.membership(tenant=tenant, role="read_write")
    factories.membership(tenant=other_tenant, user=factories.portal_user(email="x@other.test"))
    AuditEvent.objects.create(action="secret.other_tenant", tenant=other_tenant)
    AuditEvent.objects.create(action="visible.this_tenant", tenant=tenant)
    client.force_login(admin.user)
    page = client.get(reverse("portal:tenant-audit", kwargs={"slug": tenant.slug})).content
    assert b"visible.this_tenant" in page and b"secret.other_tenant" not in page
    members = client.get(reverse("portal:tenant-members", kwargs={"slug": tenant.slug})).content
    assert admin.user.email.encode() in members and b"x@other.test" not in members


def test_nav_links_for_a_read_write_admin(client, tenant):
    admin = factories.membership(tenant=tenant, role="read_write")
    client.force_login(admin.user)
    page = client.get(reverse("portal:passkeys")).content.decode()
    for label in ("Home", "Settings", "Members", "Audit log", "My passkeys", "API tokens"):
        assert f">{label}</a>" in page
    assert f"/portal/tenants/{tenant.slug}/settings/" in page
    assert ">Support</a>" not in page and "Sign out" in page
