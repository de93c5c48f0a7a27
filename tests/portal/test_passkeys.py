"""My passkeys: list, rename, fresh checks before add/remove, never removing the last one."""

import time

import pytest
from django.urls import reverse

from portal.views.common import AUTH_SESSION_KEY
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
def signed_in(client, mailoutbox):
    """A user with one passkey, signed in with it (fresh)."""
    user = factories.portal_user(email="kim@example.com")
    client.post(reverse("portal:sign-in-link"), {"email": user.email})
    client.post(reverse("portal:email-link", kwargs={"token": last_link_token(user.email)}))
    authenticator = SoftAuthenticator()
    response = register_passkey(client, authenticator, name="First")
    assert response.status_code == 200, response.content
    client.post(reverse("portal:sign-out"))
    assert passkey_sign_in(client, authenticator).status_code == 200
    return user, authenticator


def _age_session(client, seconds=3600):
    session = client.session
    record = dict(session[AUTH_SESSION_KEY])
    record["at"] = int(time.time()) - seconds
    session[AUTH_SESSION_KEY] = record
    session.save()


def test_list_shows_created_and_last_used(client, signed_in):
    page = client.get(reverse("portal:passkeys")).content.decode()
    assert "First" in page and "Created" in page and "Last used" in page
    assert "never" not in page  # the sign-in just used it


def test_rename(client, signed_in):
    user, _ = signed_in
    credential = user.credentials.get()
    url = reverse("portal:passkey-rename", kwargs={"pk": credential.pk})
    assert client.post(url, {"name": "Work laptop"}).status_code == 302
    credential.refresh_from_db()
    assert credential.name == "Work laptop"
    event = AuditEvent.objects.get(action="passkey.renamed")
    assert event.details == {"before": "First", "after": "Work laptop"}
    client.post(url, {"name": ""})
    credential.refresh_from_db()
    assert credential.name == "Work laptop"


def test_cannot_remove_the_last_passkey(client, signed_in):
    user, _ = signed_in
    credential = user.credentials.get()
    page = client.get(reverse("portal:passkeys")).content.decode()
    assert "You cannot remove your last passkey" in page
    response = client.post(reverse("portal:passkey-remove", kwargs={"pk": credential.pk}))
    assert response.status_code == 400
    assert user.credentials.count() == 1


def test_adding_needs_a_fresh_check(client, signed_in):
    user, authenticator = signed_in
    _age_session(client)
    refused = post_json(client, "portal:passkey-register-options")
    assert refused.status_code == 403 and refused.json()["reauth"] is True
    assert b"Confirm with a passkey" in client.get(reverse("portal:passkeys")).content
    assert reauth(client, authenticator).status_code == 200
    second = SoftAuthenticator()
    assert register_passkey(client, second, name="Second").status_code == 200
    assert user.credentials.count() == 2


def test_removing_needs_a_fresh_passkey_check(client, signed_in):
    user, authenticator = signed_in
    register_passkey(client, SoftAuthenticator(), name="Second")
    _age_session(client)
    second = user.credentials.get(name="Second")
    url = reverse("portal:passkey-remove", kwargs={"pk": second.pk})
    assert client.post(url).status_code == 403
    assert reauth(client, authenticator).status_code == 200
    assert client.post(url).status_code == 302
    assert list(user.credentials.values_list("name", flat=True)) == ["First"]
    assert AuditEvent.objects.filter(action="passkey.removed", actor=user).exists()


def test_registration_with_uv_false_is_refused(client, signed_in):
    user, _ = signed_in
    start = post_json(client, "portal:passkey-register-options").json()
    credential = SoftAuthenticator().create(start["publicKey"], origin(), uv=False)
    response = post_json(
        client,
        "portal:passkey-register-verify",
        {"handle": start["handle"], "credential": credential},
    )
    assert response.status_code == 400
    assert "registered" in response.json()["error"]
    assert user.credentials.count() == 1


def test_registration_options_exclude_existing_and_require_uv(client, signed_in):
    user, _ = signed_in
    options = post_json(client, "portal:passkey-register-options").json()["publicKey"]
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert len(options["excludeCredentials"]) == 1
    assert options["rp"]["id"] == "localhost"


def test_someone_elses_passkey_is_404(client, signed_in):
    other = factories.portal_user()
    authenticator = SoftAuthenticator()
    cred = authenticator.add_credential("localhost", bytes(other.webauthn_handle))
    theirs = other.credentials.create(credential_id=cred.credential_id, public_key=b"k", name="T")
    assert (
        client.post(reverse("portal:passkey-rename", kwargs={"pk": theirs.pk}), {"name": "x"})
    ).status_code == 404
    assert (
        client.post(reverse("portal:passkey-remove", kwargs={"pk": theirs.pk})).status_code == 404
    )


def test_reauth_with_someone_elses_passkey_is_refused(client, signed_in):
    other_client_user = factories.portal_user()
    other = SoftAuthenticator()
    cred = other.add_credential("localhost", bytes(other_client_user.webauthn_handle))
    other_client_user.credentials.create(
        credential_id=cred.credential_id, public_key=cred.cose_public_key(), name="Other"
    )
    start = post_json(client, "portal:passkey-reauth-options").json()
    assertion = other.get(start["publicKey"], origin(), credential_id=cred.credential_id)
    response = post_json(
        client, "portal:passkey-reauth-verify", {"handle": start["handle"], "credential": assertion}
    )
    assert response.status_code == 400
    assert "another account" in response.json()["error"]


@pytest.mark.parametrize(
    "credential",
    [
        {},
        {"id": "AA", "rawId": "AA", "type": "public-key", "response": {}},
        {"id": "AA", "rawId": "AA", "type": "public-key", "response": {"clientDataJSON": "%%"}},
        {
            "id": "AA",
            "rawId": "AA",
            "type": "public-key",
            "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
        },
        {"id": 5, "rawId": None, "type": [], "response": "x"},
    ],
)
def test_malformed_registration_is_400(client, signed_in, credential):
    start = post_json(client, "portal:passkey-register-options").json()
    response = post_json(
        client,
        "portal:passkey-register-verify",
        {"handle": start["handle"], "credential": credential},
    )
    assert response.status_code == 400
    assert response.json()["error"]


def test_registration_challenge_is_single_use_and_bound_to_the_ceremony(client, signed_in):
    start = post_json(client, "portal:passkey-register-options").json()
    credential = SoftAuthenticator().create(start["publicKey"], origin())
    body = {"handle": start["handle"], "credential": credential}
    assert post_json(client, "portal:passkey-register-verify", body).status_code == 200
    assert post_json(client, "portal:passkey-register-verify", body).status_code == 400
    # A sign-in challenge cannot be used to register.
    auth = post_json(client, "portal:passkey-auth-options").json()
    other = SoftAuthenticator().create(
        {
            **start["publicKey"],
            "challenge": auth["publicKey"]["challenge"],
            "excludeCredentials": [],
        },
        origin(),
    )
    response = post_json(
        client, "portal:passkey-register-verify", {"handle": auth["handle"], "credential": other}
    )
    assert response.status_code == 400
