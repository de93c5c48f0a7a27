"""Support console: policy with explicit override, reasons, audit, tenants, non-staff refused."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessRequest, Membership
from tenants.audit import AuditEvent
from tenants.models import Tenant
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, support_user):
    client.force_login(support_user)
    return client


@pytest.fixture
def contoso(db):
    return factories.tenant(slug="contoso", allowed_email_domains=["contoso.com"])


def _verified(email):
    return factories.portal_user(email=email, email_verified_at=timezone.now())


def _elevate(client, membership, **extra):
    return client.post(
        reverse("portal:support-membership-role", kwargs={"membership_id": membership.pk}),
        {"role": "read_write", "reason": "ticket 7", **extra},
    )


def test_elevation_outside_policy_needs_explicit_override(staff, contoso, support_user):
    outsider = _verified("mallory@gmail.com")
    membership = factories.membership(tenant=contoso, user=outsider)
    refused = _elevate(staff, membership)
    assert refused.status_code == 409
    assert b"outside the allowed domains" in refused.content
    membership.refresh_from_db()
    assert membership.role == "read_only"
    assert not AuditEvent.objects.filter(action="membership.elevated").exists()

    assert _elevate(staff, membership, override="on").status_code == 302
    membership.refresh_from_db()
    assert membership.role == "read_write"
    event = AuditEvent.objects.get(action="membership.elevated")
    assert event.actor == support_user and event.tenant == contoso
    assert event.details["override"] is True
    assert event.details["policy_allowed"] is False
    assert event.details["policy_domains"] == ["contoso.com"]
    assert event.details["before"] == "read_only" and event.details["after"] == "read_write"


def test_unverified_email_inside_the_domain_does_not_count(staff, contoso):
    unverified = factories.portal_user(email="bob@contoso.com")
    membership = factories.membership(tenant=contoso, user=unverified)
    response = _elevate(staff, membership)
    assert response.status_code == 409
    assert b"not verified" in response.content


def test_verified_email_inside_the_domain_is_elevated_without_override(staff, contoso):
    membership = factories.membership(tenant=contoso, user=_verified("Carol@Contoso.com"))
    assert _elevate(staff, membership).status_code == 302
    assert AuditEvent.objects.get(action="membership.elevated").details["override"] is False


def test_assignment_applies_the_policy_too(staff, contoso):
    outsider = _verified("eve@example.org")
    url = reverse("portal:support-membership-assign", kwargs={"user_id": outsider.pk})
    data = {"tenant": "contoso", "role": "read_only", "reason": "ticket 8"}
    assert staff.post(url, data).status_code == 409
    assert staff.post(url, {**data, "override": "on"}).status_code == 302
    assert Membership.objects.get(user=outsider).role == "read_only"
    assert AuditEvent.objects.get(action="membership.assigned").details["override"] is True


def test_every_action_needs_a_reason(staff, contoso):
    membership = factories.membership(tenant=contoso, user=_verified("dan@contoso.com"))
    response = staff.post(
        reverse("portal:support-membership-role", kwargs={"membership_id": membership.pk}),
        {"role": "read_write", "reason": "   "},
    )
    assert response.status_code == 400
    assert b"reason" in response.content.lower()
    response = staff.post(
        reverse("portal:support-tenant-status", kwargs={"slug": "contoso"}), {"status": "suspended"}
    )
    assert response.status_code == 400
    assert Tenant.objects.get(slug="contoso").status == "active"


def test_demote_and_remove_are_audited(staff, contoso):
    membership = factories.membership(
        tenant=contoso, user=_verified("erin@contoso.com"), role="read_write"
    )
    staff.post(
        reverse("portal:support-membership-role", kwargs={"membership_id": membership.pk}),
        {"role": "read_only", "reason": "moved teams"},
    )
    demoted = AuditEvent.objects.get(action="membership.demoted")
    assert (demoted.details["before"], demoted.details["after"]) == ("read_write", "read_only")
    staff.post(
        reverse("portal:support-membership-remove", kwargs={"membership_id": membership.pk}),
        {"reason": "left"},
    )
    assert not Membership.objects.filter(pk=membership.pk).exists()
    removed = AuditEvent.objects.get(action="membership.removed")
    assert removed.details["reason"] == "left" and removed.details["after"] is None


def test_create_suspend_reactivate_and_policy(staff, support_user):
    response = staff.post(
        reverse("portal:support-tenant-create"),
        {"slug": "fabrikam", "display_name": "Fabrikam", "reason": "new customer"},
    )
    assert response.status_code == 302
    tenant = Tenant.objects.get(slug="fabrikam")
    assert tenant.signing_keys.filter(state="active").count() == 1
    dup = staff.post(
        reverse("portal:support-tenant-create"),
        {"slug": "fabrikam", "display_name": "Again", "reason": "oops"},
    )
    assert dup.status_code == 400 and b"already exists" in dup.content
    status_url = reverse("portal:support-tenant-status", kwargs={"slug": "fabrikam"})
    staff.post(status_url, {"status": "suspended", "reason": "unpaid"})
    assert Tenant.objects.get(slug="fabrikam").status == "suspended"
    staff.post(status_url, {"status": "active", "reason": "paid"})
    assert Tenant.objects.get(slug="fabrikam").status == "active"
    policy_url = reverse("portal:support-tenant-policy", kwargs={"slug": "fabrikam"})
    bad = staff.post(policy_url, {"domains": "fabrikam.com, not a domain!", "reason": "x"})
    assert bad.status_code == 400 and b"not a domain" in bad.content
    staff.post(policy_url, {"domains": "Fabrikam.com @fabrikam.net", "reason": "ticket 9"})
    assert Tenant.objects.get(slug="fabrikam").allowed_email_domains == [
        "fabrikam.com",
        "fabrikam.net",
    ]
    event = AuditEvent.objects.get(action="tenant.access_policy_changed")
    assert event.details["before"] == [] and event.actor == support_user
    actions = set(AuditEvent.objects.for_tenant(tenant).values_list("action", flat=True))
    assert {"tenant.created", "tenant.status_changed"} <= actions


def test_search_and_pending_lists(staff, contoso):
    waiting = _verified("new.person@contoso.com")
    member = factories.membership(tenant=contoso, user=_verified("old@contoso.com"))
    AccessRequest.objects.create(user=member.user, tenant=contoso, reason="need to edit keys")
    page = staff.get(reverse("portal:support")).content.decode()
    pending = page[page.index('id="pending-signups"') : page.index('id="access-requests"')]
    assert waiting.email in pending and "old@contoso.com" not in pending
    assert "need to edit keys" in page
    found = staff.get(reverse("portal:support"), {"q": "NEW.PERSON"}).content.decode()
    assert reverse("portal:support-user", kwargs={"user_id": waiting.pk}) in found


def test_deny_access_request(staff, contoso):
    member = factories.membership(tenant=contoso, user=_verified("fay@contoso.com"))
    request = AccessRequest.objects.create(user=member.user, tenant=contoso, reason="pls")
    url = reverse("portal:support-access-request-resolve", kwargs={"request_id": request.pk})
    assert staff.post(url, {"decision": "deny", "reason": "not confirmed"}).status_code == 302
    request.refresh_from_db()
    assert request.status == "denied"
    member.refresh_from_db()
    assert member.role == "read_only"
    assert staff.post(url, {"decision": "approve", "reason": "x"}).status_code == 400


def test_non_staff_are_refused_every_support_action(client, contoso):
    member = factories.membership(tenant=contoso, role="read_write")
    client.force_login(member.user)
    response = _elevate(client, member)
    assert response.status_code == 403
    assert client.get(reverse("portal:support")).status_code == 403
