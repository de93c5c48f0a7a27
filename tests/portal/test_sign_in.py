"""Passwordless sign-in: passkeys, links (with lost-passkey recovery), fixation, sign-out."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tenants.audit import AuditEvent
from tests import factories
from tests.portal.helpers import (
    last_link_token,
    origin,
    passkey_sign_in,
    post_json,
    reauth,
    register_passkey,
)
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


@pytest.fixture
def enrolled(client, mailoutbox):
    """A portal user with one passkey in `authenticator`, signed out again."""
    user = factories.portal_user(email="grace@example.com")
    client.post(reverse("portal:sign-in-link"), {"email": user.email})
    client.post(reverse("portal:email-link", kwargs={"token": last_link_token(user.email)}))
    authenticator = SoftAuthenticator()
    assert register_passkey(client, authenticator).status_code == 200
    client.post(reverse("portal:sign-out"))
    return user, authenticator


def test_sign_in_page_offers_passkey_autofill(client):
    page = client.get(reverse("portal:sign-in")).content.decode()
    assert 'autocomplete="username webauthn"' in page
    assert "sign_in.js" in page and "<script>" not in page


def test_passkey_sign_in_rotates_the_session(client, enrolled):
    user, authenticator = enrolled
    session = client.session
    session["planted"] = "by attacker"
    session.save()
    planted_key = session.session_key
    client.cookies["sessionid"] = planted_key
    response = passkey_sign_in(client, authenticator)
    assert response.status_code == 200, response.content
    assert client.session.session_key != planted_key
    assert int(client.session["_auth_user_id"]) == user.pk
    assert client.get(reverse("portal:profile")).status_code == 200
    credential = user.credentials.get()
    assert credential.last_used_at is not None and credential.sign_count == 1


def test_sign_out_ends_the_session(client, enrolled):
    _, authenticator = enrolled
    passkey_sign_in(client, authenticator)
    assert client.get(reverse("portal:sign-out")).status_code == 405
    assert client.post(reverse("portal:sign-out")).status_code == 302
    assert client.get(reverse("portal:profile")).status_code == 302


def test_replayed_assertion_is_refused(client, enrolled):
    _, authenticator = enrolled
    start = post_json(client, "portal:passkey-auth-options").json()
    assertion = authenticator.get(start["publicKey"], origin())
    body = {"handle": start["handle"], "credential": assertion}
    assert post_json(client, "portal:passkey-auth-verify", body).status_code == 200
    client.post(reverse("portal:sign-out"))
    again = post_json(client, "portal:passkey-auth-verify", body)
    assert again.status_code == 400
    assert "expired" in again.json()["error"]


@pytest.mark.parametrize(
    "tamper",
    [{"uv": False}, {"bad_signature": True}, {"rp_id": "evil.example"}, {"user_handle": b"x"}],
)
def test_bad_assertions_are_400_not_500(client, enrolled, tamper):
    _, authenticator = enrolled
    response = passkey_sign_in(client, authenticator, **tamper)
    assert response.status_code == 400
    assert response.json()["error"]
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"handle": "x"}',
        b'{"handle": 5, "credential": {}}',
        b'{"handle": "x", "credential": {"id": "!!", "response": {}}}',
        b'{"handle": "x", "credential": {"id": "AA", "rawId": "AA", "type": "public-key",'
        b' "response": {"clientDataJSON": 5, "authenticatorData": null, "signature": []}}}',
        b"\xff\xfe",
        b"{" + b" " * 70000 + b"}",
    ],
)
def test_malformed_payloads_are_400(client, body):
    response = client.post(
        reverse("portal:passkey-auth-verify"), data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert json.loads(response.content)["error"]


def test_passkey_of_a_tenant_end_user_cannot_sign_in_to_the_portal(client, tenant):
    from accounts.passkeys.realm import tenant_realm
    from accounts.passkeys.store import passkey_register
    from accounts.passkeys.webauthn import Registered

    end_user = factories.end_user(tenant=tenant, email="eve@example.com")
    authenticator = SoftAuthenticator()
    cred = authenticator.add_credential("localhost", bytes(end_user.webauthn_handle))
    passkey_register(
        realm=tenant_realm(tenant),
        user=end_user,
        registered=Registered(
            credential_id=cred.credential_id,
            public_key=cred.cose_public_key(),
            sign_count=0,
            aaguid="00000000-0000-0000-0000-000000000000",
            backup_eligible=False,
            backup_state=False,
            transports=[],
        ),
    )
    response = passkey_sign_in(client, authenticator)
    assert response.status_code == 400
    assert "not registered here" in response.json()["error"]


def test_sign_in_link_same_answer_for_unknown_email(client, mailoutbox):
    factories.portal_user(email="known@example.com")
    known = client.post(reverse("portal:sign-in-link"), {"email": "known@example.com"})
    unknown = client.post(reverse("portal:sign-in-link"), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.content.replace(b"known@", b"X@") == unknown.content.replace(b"nobody@", b"X@")
    assert "/portal/link/" in mailoutbox[0].body
    assert "/portal/link/" not in mailoutbox[1].body


def test_lost_passkey_recovery_by_link(client, enrolled, mailoutbox):
    user, _lost = enrolled
    client.post(reverse("portal:sign-in-link"), {"email": user.email})
    token = last_link_token(user.email)
    landing = client.get(reverse("portal:email-link", kwargs={"token": token}))
    assert b"add a new passkey" in landing.content
    response = client.post(reverse("portal:email-link", kwargs={"token": token}))
    assert response.status_code == 302
    # The link sign-in is fresh enough to add a replacement passkey.
    replacement = SoftAuthenticator()
    assert register_passkey(client, replacement, name="New phone").status_code == 200
    assert user.credentials.count() == 2
    # Removing the lost one needs a passkey check (the new passkey does it).
    lost_credential = user.credentials.order_by("created_at").first()
    remove_url = reverse("portal:passkey-remove", kwargs={"pk": lost_credential.pk})
    assert client.post(remove_url).status_code == 403
    assert reauth(client, replacement).status_code == 200
    assert client.post(remove_url).status_code == 302
    assert user.credentials.count() == 1
    client.post(reverse("portal:sign-out"))
    assert passkey_sign_in(client, replacement).status_code == 200


def test_sign_in_link_is_single_use_and_bound(client, mailoutbox):
    user = factories.portal_user(email="lin@example.com")
    client.post(reverse("portal:sign-in-link"), {"email": user.email})
    url = reverse("portal:email-link", kwargs={"token": last_link_token(user.email)})
    assert client.post(url).status_code == 302
    assert AuditEvent.objects.filter(action="portal.signed_in", actor=user).exists()
    other = Client()
    assert other.post(url).status_code == 400
    assert "_auth_user_id" not in other.session


def test_link_requests_are_rate_limited(client, mailoutbox):
    codes = [
        client.post(reverse("portal:sign-in-link"), {"email": "a@example.com"}).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_passkey_ceremonies_are_rate_limited(client):
    codes = [post_json(client, "portal:passkey-auth-options").status_code for _ in range(31)]
    assert codes[-1] == 429 and set(codes[:-1]) == {200}
    assert "Too many" in post_json(client, "portal:passkey-auth-options").json()["error"]


def test_disabled_user_cannot_use_link(client, mailoutbox):
    user = factories.portal_user(email="off@example.com")
    client.post(reverse("portal:sign-in-link"), {"email": user.email})
    User.objects.filter(pk=user.pk).update(is_active=False)
    url = reverse("portal:email-link", kwargs={"token": last_link_token(user.email)})
    assert client.post(url).status_code == 400
