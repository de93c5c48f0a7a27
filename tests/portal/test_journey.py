"""The whole portal journey over HTTP: sign-up to elevated read-write admin, real WebAuthn."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccessRequest, Membership, User
from tenants.audit import AuditEvent
from tests import factories
from tests.portal.helpers import last_link_token, passkey_sign_in, register_passkey
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


def test_signup_to_elevated_read_write_admin(client, mailoutbox):
    tenant = factories.tenant(slug="contoso", allowed_email_domains=["contoso.com"])
    support = factories.portal_user(email="support@latchkey.test", is_staff=True)
    authenticator = SoftAuthenticator()

    # Sign-up form at /portal/.
    page = client.get(reverse("portal:home"))
    assert b'<label for="id_email">Email</label>' in page.content
    assert b"Continue" in page.content
    response = client.post(
        reverse("portal:home"),
        {"email": "Ada@Contoso.com", "given_name": "Ada", "family_name": "Lovelace"},
    )
    assert response.status_code == 200
    assert b"Check your email" in response.content
    assert not User.objects.portal().by_email("ada@contoso.com").exists()

    # The emailed link: GET shows a button and changes nothing; POST uses it.
    token = last_link_token("ada@contoso.com")
    link_url = reverse("portal:email-link", kwargs={"token": token})
    landing = client.get(link_url)
    assert landing.status_code == 200
    assert b"Confirm and continue" in landing.content
    assert not User.objects.portal().by_email("ada@contoso.com").exists()
    before_key = client.session.session_key
    response = client.post(link_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:passkeys")
    assert client.session.session_key != before_key
    user = User.objects.portal().get(email="ada@contoso.com")
    assert user.email_verified and user.given_name == "Ada"

    # Register a portal passkey (UV required), verified by py_webauthn.
    response = register_passkey(client, authenticator, name="Ada's laptop")
    assert response.status_code == 200, response.content
    assert user.credentials.count() == 1

    # Waiting page: read-only and unassigned, profile and docs still reachable.
    home = client.get(reverse("portal:home"))
    assert b"Your account is waiting to be assigned" in home.content
    assert client.get(reverse("portal:profile")).status_code == 200
    assert client.get(reverse("portal:docs")).status_code == 200

    # Sign out, then back in with the passkey.
    client.post(reverse("portal:sign-out"))
    assert client.get(reverse("portal:profile")).status_code == 302
    response = passkey_sign_in(client, authenticator)
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == reverse("portal:home")

    # Support assigns Ada to the tenant (read-only).
    ada = client
    staff = Client()
    staff.force_login(support)
    console = staff.get(reverse("portal:support"))
    assert b"ada@contoso.com" in console.content
    found = staff.get(reverse("portal:support"), {"q": "ada@"})
    assert reverse("portal:support-user", kwargs={"user_id": user.pk}).encode() in found.content
    response = staff.post(
        reverse("portal:support-membership-assign", kwargs={"user_id": user.pk}),
        {"tenant": "contoso", "role": "read_only", "reason": "Ticket 42: new Contoso admin"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=user, tenant=tenant)
    assert membership.role == "read_only"

    # Read-only: members page refused, asks for read-write access with a reason.
    assert ada.get(reverse("portal:tenant-members", kwargs={"slug": "contoso"})).status_code == 403
    response = ada.post(
        reverse("portal:tenant-access-request", kwargs={"slug": "contoso"}),
        {"reason": "I run the Contoso sign-in integration"},
    )
    assert response.status_code == 302
    access_request = AccessRequest.objects.get(user=user, tenant=tenant)
    assert b"I run the Contoso sign-in integration" in staff.get(reverse("portal:support")).content

    # Support approves: elevation applies the domain policy (contoso.com, verified: allowed).
    response = staff.post(
        reverse("portal:support-access-request-resolve", kwargs={"request_id": access_request.pk}),
        {"decision": "approve", "reason": "Confirmed with Contoso IT"},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "read_write"
    event = AuditEvent.objects.get(action="membership.elevated", target_id=str(membership.pk))
    assert event.actor == support
    assert event.details["before"] == "read_only" and event.details["after"] == "read_write"
    assert event.details["reason"] == "Confirmed with Contoso IT"
    assert event.details["override"] is False

    # Now a read-write admin: members and audit log are visible.
    members = ada.get(reverse("portal:tenant-members", kwargs={"slug": "contoso"}))
    assert members.status_code == 200 and b"ada@contoso.com" in members.content
    audit = ada.get(reverse("portal:tenant-audit", kwargs={"slug": "contoso"}))
    assert audit.status_code == 200 and b"membership.elevated" in audit.content
