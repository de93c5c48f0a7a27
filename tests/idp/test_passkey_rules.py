"""Relying-party rules of the tenant sign-in, each with its valid case and tampered fields."""

from __future__ import annotations

import os
import time

import pytest
from django.test import Client

from accounts.models import User, WebAuthnCredential
from tenants.audit import AuditEvent
from tests import factories
from tests.idp.signin_support import (
    origin,
    post_json,
    private_cache,  # noqa: F401
    register,
    sign_in,
    url,
)
from tests.support.soft_webauthn import EDDSA, ES256, RS256, SoftAuthenticator, b64url_decode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


@pytest.fixture
def open_tenant(db):
    """A tenant that does not require email proof before the first sign-in (fewer steps)."""
    return factories.tenant(require_email_verification=False)


@pytest.fixture
def member(open_tenant):
    """A registered end user and the authenticator holding their passkey."""
    authenticator, done = register(Client(), open_tenant, "member@example.com")
    assert done.status_code == 200, done.content
    return authenticator


def _register_attempt(tenant, email="new@example.com", authenticator=None, **create_kw):
    client = Client()
    post_json(client, url("signin-signup", tenant), {"email": email})
    options = post_json(client, url("signin-register-options", tenant)).json()
    authenticator = authenticator or SoftAuthenticator()
    credential = authenticator.create(
        options["publicKey"], create_kw.pop("origin", origin()), **create_kw
    )
    return post_json(
        client,
        url("signin-register-verify", tenant),
        {"handle": options["handle"], "credential": credential},
    )


# --- Options ----------------------------------------------------------------------------------


def test_request_options_require_uv_and_a_fresh_32_byte_challenge(open_tenant):
    first = post_json(Client(), url("signin-options", open_tenant)).json()
    second = post_json(Client(), url("signin-options", open_tenant)).json()
    assert first["publicKey"]["userVerification"] == "required"
    assert len(b64url_decode(first["publicKey"]["challenge"])) >= 32
    assert first["publicKey"]["challenge"] != second["publicKey"]["challenge"]
    assert first["publicKey"]["timeout"] <= 300_000
    assert first["publicKey"]["rpId"] == "localhost"


def test_creation_options_prefer_resident_keys_require_uv_and_offer_three_algorithms(open_tenant):
    client = Client()
    post_json(client, url("signin-signup", open_tenant), {"email": "o@example.com"})
    options = post_json(client, url("signin-register-options", open_tenant)).json()["publicKey"]
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["attestation"] == "none"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [ES256, EDDSA, RS256]
    assert options["rp"] == {"id": "localhost", "name": open_tenant.display_name}
    assert len(b64url_decode(options["user"]["id"])) == 64


def test_rp_id_and_origin_come_from_the_tenant(db):
    tenant = factories.tenant(
        require_email_verification=False,
        webauthn_rp_id="login.example.com",
        webauthn_origin="https://login.example.com",
    )
    options = post_json(Client(), url("signin-options", tenant)).json()
    assert options["publicKey"]["rpId"] == "login.example.com"
    refused = _register_attempt(tenant, "a@example.com")
    assert refused.status_code == 400
    accepted = _register_attempt(tenant, "b@example.com", origin="https://login.example.com")
    assert accepted.status_code == 200, accepted.content


# --- Registration -----------------------------------------------------------------------------


@pytest.mark.parametrize("alg", [ES256, EDDSA, RS256])
def test_each_accepted_algorithm_registers_and_signs_in(open_tenant, alg):
    authenticator = SoftAuthenticator(alg=alg)
    assert _register_attempt(open_tenant, authenticator=authenticator).status_code == 200
    assert sign_in(Client(), open_tenant, authenticator, email="new@example.com").status_code == 200


@pytest.mark.parametrize(
    "tamper,message",
    [
        ({"uv": False}, "verif"),
        ({"up": False}, "present"),
        ({"rp_id": "evil.example"}, "RP ID"),
        ({"origin": "https://evil.example"}, "origin"),
        ({"challenge": os.urandom(32)}, "challenge"),
        ({"client_data_type": "webauthn.get"}, "type"),
    ],
)
def test_tampered_registration_is_refused(open_tenant, tamper, message):
    response = _register_attempt(open_tenant, **tamper)
    assert response.status_code == 400
    assert message.lower() in response.json()["error"].lower()
    assert not User.objects.for_tenant(open_tenant).filter(email="new@example.com").exists()
    assert (
        AuditEvent.objects.for_tenant(open_tenant)
        .filter(action="enduser.registration_failed")
        .exists()
    )


def test_a_credential_id_already_on_file_is_refused(open_tenant, member):
    taken = member.credentials[0].credential_id
    response = _register_attempt(open_tenant, credential_id=taken)
    assert response.status_code == 400
    assert "already registered" in response.json()["error"]
    assert not User.objects.for_tenant(open_tenant).filter(email="new@example.com").exists()


def test_credential_ids_longer_than_1023_bytes_are_refused(open_tenant):
    response = _register_attempt(open_tenant, credential_id=os.urandom(1024))
    assert response.status_code == 400
    assert "1023" in response.json()["error"]


def test_a_registration_challenge_is_single_use(open_tenant):
    client = Client()
    post_json(client, url("signin-signup", open_tenant), {"email": "r@example.com"})
    options = post_json(client, url("signin-register-options", open_tenant)).json()
    credential = SoftAuthenticator().create(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": credential}
    assert post_json(client, url("signin-register-verify", open_tenant), body).status_code == 200
    again = post_json(client, url("signin-register-verify", open_tenant), body)
    assert again.status_code == 400


# --- Authentication ---------------------------------------------------------------------------


def test_valid_assertion_signs_in_and_updates_the_counter(open_tenant, member):
    assert sign_in(Client(), open_tenant, member, email="member@example.com").status_code == 200
    credential = WebAuthnCredential.objects.get(user__tenant=open_tenant)
    assert credential.sign_count == 1 and credential.last_used_at is not None


@pytest.mark.parametrize(
    "tamper,message",
    [
        ({"uv": False}, "verif"),
        ({"up": False}, "present"),
        ({"rp_id": "evil.example"}, "RP ID"),
        ({"challenge": os.urandom(32)}, "challenge"),
        ({"client_data_type": "webauthn.create"}, "type"),
        ({"bad_signature": True}, "signature"),
    ],
)
def test_tampered_assertion_is_refused(open_tenant, member, tamper, message):
    response = sign_in(Client(), open_tenant, member, email="member@example.com", **tamper)
    assert response.status_code == 400
    assert message.lower() in response.json()["error"].lower()
    assert (
        AuditEvent.objects.for_tenant(open_tenant).filter(action="enduser.signin_failed").exists()
    )


def test_wrong_origin_is_refused(open_tenant, member):
    client = Client()
    options = post_json(client, url("signin-options", open_tenant)).json()
    assertion = member.get(options["publicKey"], "https://evil.example")
    response = post_json(
        client,
        url("signin-verify", open_tenant),
        {
            "handle": options["handle"],
            "credential": assertion,
        },
    )
    assert response.status_code == 400 and "origin" in response.json()["error"].lower()


def test_an_authentication_challenge_is_single_use(open_tenant, member):
    client = Client()
    options = post_json(client, url("signin-options", open_tenant)).json()
    body = {"handle": options["handle"], "credential": member.get(options["publicKey"], origin())}
    assert post_json(client, url("signin-verify", open_tenant), body).status_code == 200
    replay = post_json(client, url("signin-verify", open_tenant), body)
    assert replay.status_code == 400 and "already used" in replay.json()["error"]


def test_an_expired_challenge_is_refused(open_tenant, member, settings):
    settings.WEBAUTHN_CHALLENGE_TTL_SECONDS = 1
    client = Client()
    options = post_json(client, url("signin-options", open_tenant)).json()
    assertion = member.get(options["publicKey"], origin())
    time.sleep(1.3)
    response = post_json(
        client,
        url("signin-verify", open_tenant),
        {
            "handle": options["handle"],
            "credential": assertion,
        },
    )
    assert response.status_code == 400 and "expired" in response.json()["error"]


def test_a_challenge_is_bound_to_its_ceremony(open_tenant, member):
    client = Client()
    post_json(client, url("signin-signup", open_tenant), {"email": "z@example.com"})
    registration = post_json(client, url("signin-register-options", open_tenant)).json()
    options = post_json(client, url("signin-options", open_tenant)).json()
    assertion = member.get(options["publicKey"], origin())
    response = post_json(
        client,
        url("signin-verify", open_tenant),
        {
            "handle": registration["handle"],
            "credential": assertion,
        },
    )
    assert response.status_code == 400


def test_a_challenge_is_bound_to_its_tenant(open_tenant, member):
    other = factories.tenant(require_email_verification=False)
    client = Client()
    options = post_json(client, url("signin-options", open_tenant)).json()
    assertion = member.get(options["publicKey"], origin())
    response = post_json(
        client,
        url("signin-verify", other),
        {
            "handle": options["handle"],
            "credential": assertion,
        },
    )
    assert response.status_code == 400


def test_a_passkey_of_another_tenant_is_not_accepted(open_tenant, member):
    other = factories.tenant(require_email_verification=False)
    response = sign_in(Client(), other, member)
    assert response.status_code == 400
    assert "not registered here" in response.json()["error"]


def test_a_non_increasing_counter_flags_the_passkey_as_cloned(open_tenant):
    authenticator = SoftAuthenticator()
    _register_attempt(open_tenant, authenticator=authenticator, sign_count=5)
    signed_in = AuditEvent.objects.filter(action="enduser.signed_in")
    before = signed_in.count()  # the registration's own sign-in
    response = sign_in(Client(), open_tenant, authenticator, email="new@example.com", sign_count=5)
    assert response.status_code == 400
    assert "cloned" in response.json()["error"]
    credential = WebAuthnCredential.objects.get(user__tenant=open_tenant)
    assert credential.possibly_cloned
    assert AuditEvent.objects.filter(action="passkey.clone_suspected").exists()
    # The refused sign-in's audit row (written with the counter's update) is not written.
    assert signed_in.count() == before
    # A higher counter is accepted again.
    ok = sign_in(Client(), open_tenant, authenticator, email="new@example.com", sign_count=9)
    assert ok.status_code == 200


def test_synced_passkeys_reporting_zero_are_accepted(open_tenant):
    authenticator = SoftAuthenticator()
    _register_attempt(open_tenant, authenticator=authenticator, be=True, bs=True)
    for _ in range(2):
        response = sign_in(
            Client(), open_tenant, authenticator, email="new@example.com", sign_count=0
        )
        assert response.status_code == 200, response.content
    credential = WebAuthnCredential.objects.get(user__tenant=open_tenant)
    assert credential.backup_eligible and not credential.possibly_cloned


@pytest.mark.parametrize("registered_be,asserted_be", [(False, True), (True, False)])
def test_the_backup_eligible_flag_must_not_change(open_tenant, registered_be, asserted_be):
    authenticator = SoftAuthenticator()
    _register_attempt(open_tenant, authenticator=authenticator, be=registered_be)
    response = sign_in(
        Client(), open_tenant, authenticator, email="new@example.com", be=asserted_be, bs=False
    )
    assert response.status_code == 400
    assert "backup eligibility" in response.json()["error"]


def test_discoverable_user_handle_must_match_the_owner(open_tenant, member):
    response = sign_in(Client(), open_tenant, member, user_handle=os.urandom(64))
    assert response.status_code == 400 and "user handle" in response.json()["error"]


def test_discoverable_sign_in_needs_a_user_handle(open_tenant, member):
    response = sign_in(Client(), open_tenant, member, user_handle=None)
    assert response.status_code == 400 and "user handle" in response.json()["error"]


def test_with_allow_credentials_the_passkey_must_be_in_the_list(open_tenant, member):
    intruder, _ = register(Client(), open_tenant, "intruder@example.com")
    client = Client()
    options = post_json(client, url("signin-options", open_tenant), {"email": "member@example.com"})
    options = options.json()
    own = intruder.credentials[0]
    assertion = intruder.get(options["publicKey"], origin(), credential_id=own.credential_id)
    response = post_json(
        client,
        url("signin-verify", open_tenant),
        {
            "handle": options["handle"],
            "credential": assertion,
        },
    )
    assert response.status_code == 400
    assert "not offered" in response.json()["error"]


def test_decoy_options_never_sign_anybody_in(open_tenant, member):
    client = Client()
    options = post_json(client, url("signin-options", open_tenant), {"email": "ghost@example.com"})
    options = options.json()
    real = member.credentials[0]
    assertion = member.get(options["publicKey"], origin(), credential_id=real.credential_id)
    response = post_json(
        client,
        url("signin-verify", open_tenant),
        {
            "handle": options["handle"],
            "credential": assertion,
        },
    )
    assert response.status_code == 400
    assert "not registered here" in response.json()["error"]


def test_a_deactivated_user_cannot_sign_in(open_tenant, member):
    User.objects.for_tenant(open_tenant).update(is_active=False)
    assert sign_in(Client(), open_tenant, member).status_code == 400


def test_a_sign_in_whose_counter_update_raced_is_audited_under_the_lock(open_tenant, monkeypatch):
    from accounts.passkeys import store

    authenticator = SoftAuthenticator()
    _register_attempt(open_tenant, authenticator=authenticator, sign_count=5)
    signed_in = AuditEvent.objects.for_tenant(open_tenant).filter(action="enduser.signed_in")
    before = signed_in.count()
    # As if a concurrent statement had changed the row: the locked path decides, and writes.
    monkeypatch.setattr(store, "_use_if_sound", lambda *args: False)
    ok = sign_in(Client(), open_tenant, authenticator, email="new@example.com", sign_count=9)
    assert ok.status_code == 200, ok.content
    assert signed_in.count() == before + 1
    assert signed_in.first().details["method"] == "email"
    assert WebAuthnCredential.objects.get(user__tenant=open_tenant).sign_count == 9
