"""The Users page and its API: list, search, keyset pages, and the audited admin actions."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from accounts.directory import end_users_page
from accounts.models import WebAuthnCredential
from tenants.audit import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant):
    users = [factories.end_user(tenant=tenant, email=f"user{i:02d}@example.com") for i in range(7)]
    WebAuthnCredential.objects.create(
        user=users[0],
        credential_id=b"cred-0",
        public_key=b"pk",
        aaguid="fbfc3007-154e-4ecc-8c0b-6e020557d7bd",
        backup_eligible=True,
        last_used_at=timezone.now(),
        name="Phone",
    )
    return users


@pytest.fixture
def writer(tenant):
    return factories.membership(tenant=tenant, role="read_write").user


@pytest.fixture
def reader(tenant):
    return factories.membership(tenant=tenant, role="read_only").user


def _tokens(tenant, user):
    client = factories.client(tenant=tenant)
    access = AccessToken.objects.create(
        user=user, application=client, token="a" * 40, expires=timezone.now(), scope="openid"
    )
    RefreshToken.objects.create(user=user, application=client, token="r" * 40, access_token=access)


def test_keyset_pages_cover_everyone_once_newest_first_in_three_queries(tenant, people):
    seen = []
    after = None
    while True:
        with CaptureQueriesContext(connection) as queries:
            page = end_users_page(tenant=tenant, actor=None, after=after, limit=3)
        assert len(queries) == 2  # the page (with last sign-in) and its passkeys
        seen += [u.email for u in page.users]
        if page.next_after is None:
            break
        after = page.next_after
    assert seen == [f"user{i:02d}@example.com" for i in reversed(range(7))]


def test_search_by_email_prefix_and_sub(tenant, people, other_tenant):
    factories.end_user(tenant=other_tenant, email="user00@example.com")
    assert [u.email for u in end_users_page(tenant=tenant, actor=None, query="USER00").users] == [
        "user00@example.com"
    ]
    by_sub = end_users_page(tenant=tenant, actor=None, query=people[3].subject).users
    assert [u.pk for u in by_sub] == [people[3].pk]


def test_page_shows_users_and_passkey_make_to_a_read_only_admin(client, tenant, people, reader):
    client.force_login(reader)
    page = client.get(reverse("portal:tenant-users", args=[tenant.slug]))
    assert page.status_code == 200
    assert b"user06@example.com" in page.content
    assert b"iCloud Keychain (synced)" in page.content
    detail = client.get(reverse("portal:tenant-user", args=[tenant.slug, people[0].pk]))
    assert detail.status_code == 200 and b"Disable user" not in detail.content
    url = reverse("portal:tenant-user-disable", args=[tenant.slug, people[0].pk])
    assert client.post(url).status_code == 403


def test_disable_ends_sign_in_and_revokes_tokens_then_enable(client, tenant, people, writer):
    user = people[1]
    _tokens(tenant, user)
    client.force_login(writer)
    response = client.post(reverse("portal:tenant-user-disable", args=[tenant.slug, user.pk]))
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and user.sessions_valid_after is not None
    assert not AccessToken.objects.filter(user=user).exists()
    assert RefreshToken.objects.get(user=user).revoked is not None
    event = AuditEvent.objects.get(action="enduser.disabled")
    assert event.actor == writer and event.tenant_id == tenant.pk
    client.post(reverse("portal:tenant-user-enable", args=[tenant.slug, user.pk]))
    user.refresh_from_db()
    assert user.is_active
    assert AuditEvent.objects.filter(action="enduser.enabled").count() == 1


def test_recovery_link_and_passkey_removal_are_audited(client, tenant, people, writer):
    user = people[0]
    client.force_login(writer)
    url = reverse("portal:tenant-user-send-recovery", args=[tenant.slug, user.pk])
    client.post(url)
    message = mail.outbox[-1]
    assert message.to == [user.email]
    assert f"/t/{tenant.slug}/" in message.body
    credential = user.credentials.get()
    url = reverse("portal:tenant-user-passkey-remove", args=[tenant.slug, user.pk, credential.pk])
    client.post(url)
    assert not user.credentials.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"enduser.recovery_sent", "enduser.passkey_removed_by_admin"} <= actions


def test_the_admins_recovery_email_speaks_the_tenants_language(client, tenant, people, writer):
    """The admin works in English; the user gets the email in the tenant's default language."""
    type(tenant).objects.filter(pk=tenant.pk).update(default_language="de")
    client.force_login(writer)
    client.post(reverse("portal:tenant-user-send-recovery", args=[tenant.slug, people[0].pk]))
    message = mail.outbox[-1]
    assert message.subject == f"Einen neuen Passkey für {tenant.display_name} erstellen"
    assert "ein Administrator von" in message.body and "/recovery/" in message.body
    assert "Hello" not in message.body
    html = message.alternatives[0][0]
    assert "ein Administrator von" in html


def test_api_lists_pages_and_acts(client, tenant, people, writer, reader):
    client.force_login(reader)
    base = f"/api/v1/tenants/{tenant.slug}/users/"
    first = client.get(base, {"limit": 4}).json()
    assert [u["email"] for u in first["results"]][0] == "user06@example.com"
    assert first["next_after"] is not None
    rest = client.get(base, {"limit": 4, "after": first["next_after"]}).json()
    assert len(first["results"]) + len(rest["results"]) == 7 and rest["next_after"] is None
    phone = next(u for u in rest["results"] if u["email"] == "user00@example.com")["passkeys"][0]
    assert (phone["make"], phone["kind"]) == ("iCloud Keychain", "synced")
    assert client.post(f"{base}{people[2].pk}/disable/", {}, "application/json").status_code == 403

    client.force_login(writer)
    done = client.post(f"{base}{people[2].pk}/disable/", {}, content_type="application/json")
    assert done.status_code == 200 and done.json()["active"] is False
    sent = client.post(f"{base}{people[2].pk}/send-recovery/", {}, "application/json")
    assert sent.status_code == 400 and "user" in sent.json()
    revoked = client.post(f"{base}{people[3].pk}/revoke-sessions/", {}, "application/json")
    assert revoked.status_code == 200
    credential = people[0].credentials.get()
    gone = client.delete(f"{base}{people[0].pk}/passkeys/{credential.pk}/")
    assert gone.status_code == 204


@pytest.mark.parametrize(
    "params", [{"after": "abc"}, {"limit": "0"}, {"limit": "1000"}, {"bogus": "1"}]
)
def test_api_bad_input_is_400_with_field_errors(client, tenant, reader, params):
    client.force_login(reader)
    response = client.get(f"/api/v1/tenants/{tenant.slug}/users/", params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)


def test_another_tenants_admin_gets_404(client, tenant, people, other_tenant):
    stranger = factories.membership(tenant=other_tenant, role="read_write").user
    client.force_login(stranger)
    assert client.get(reverse("portal:tenant-users", args=[tenant.slug])).status_code == 404
    response = client.post(f"/api/v1/tenants/{tenant.slug}/users/{people[0].pk}/disable/")
    assert response.status_code == 404
    # Their own tenant's URL with our user's id: 404 too.
    mine = f"/api/v1/tenants/{other_tenant.slug}/users/{people[0].pk}/"
    assert client.get(mine).status_code == 404
