"""The account page (passkeys listed, added, renamed, removed) and recovery."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import User, WebAuthnCredential
from tenants.audit import AuditEvent
from tests import factories
from tests.idp.signin_support import (
    last_code,
    last_link,
    origin,
    post_json,
    private_cache,  # noqa: F401
    register,
    sign_in,
    url,
)
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

ICLOUD = uuid.UUID("fbfc3007-154e-4ecc-8c0b-6e020557d7bd").bytes


def _add_passkey(client, tenant, authenticator):
    options = post_json(client, url("account-passkey-options", tenant))
    assert options.status_code == 200, options.content
    options = options.json()
    return post_json(
        client,
        url("account-passkey-verify", tenant),
        {
            "handle": options["handle"],
            "credential": authenticator.create(options["publicKey"], origin()),
        },
    )


def test_account_needs_a_sign_in(client, tenant):
    response = client.get(url("account", tenant))
    assert response.status_code == 302
    assert response["Location"].startswith(url("sign-in", tenant))
    response = post_json(client, url("account-passkey-options", tenant))
    assert response.status_code == 401


def test_account_lists_passkeys_with_make_and_dates(client, tenant):
    register(client, tenant, "amy@example.com", authenticator=SoftAuthenticator(aaguid=ICLOUD))
    page = client.get(url("account", tenant))
    html = page.content.decode()
    assert page.status_code == 200
    assert "iCloud Keychain" in html
    assert "Never" in html  # last used
    assert "script-src 'self'" in page["Content-Security-Policy"]
    # The only passkey cannot be removed.
    assert "disabled" in html and "cannot remove your only passkey" in html


def test_add_a_second_passkey_excludes_the_first(client, tenant):
    first, _ = register(client, tenant, "ben@example.com")
    options = post_json(client, url("account-passkey-options", tenant)).json()
    excluded = {d["id"] for d in options["publicKey"]["excludeCredentials"]}
    assert excluded == {first.credentials[0].id_b64}
    # The same authenticator refuses (excluded), another one works.
    done = _add_passkey(client, tenant, SoftAuthenticator())
    assert done.status_code == 200, done.content
    user = User.objects.for_tenant(tenant).get(email="ben@example.com")
    assert user.credentials.count() == 2
    assert done.json()["passkey"] == "Passkey 2"
    # Both sign in.
    assert sign_in(Client(), tenant, first, email="ben@example.com").status_code == 200


def test_a_registration_challenge_of_another_user_is_refused(client, tenant):
    register(client, tenant, "cat@example.com")
    other = Client()
    register(other, tenant, "dan@example.com")
    options = post_json(client, url("account-passkey-options", tenant)).json()
    credential = SoftAuthenticator().create(options["publicKey"], origin())
    response = post_json(
        other,
        url("account-passkey-verify", tenant),
        {"handle": options["handle"], "credential": credential},
    )
    assert response.status_code == 400
    assert User.objects.for_tenant(tenant).get(email="dan@example.com").credentials.count() == 1


def test_rename_and_remove_but_never_the_last(client, tenant):
    register(client, tenant, "eli@example.com")
    _add_passkey(client, tenant, SoftAuthenticator())
    user = User.objects.for_tenant(tenant).get(email="eli@example.com")
    first, second = list(user.credentials.order_by("pk"))
    response = client.post(
        url("account-passkey-rename", tenant, passkey_id=first.pk), {f"p{first.pk}-name": "Laptop"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.name == "Laptop"
    response = client.post(url("account-passkey-remove", tenant, passkey_id=second.pk))
    assert response.status_code == 302
    assert list(user.credentials.all()) == [first]
    response = client.post(url("account-passkey-remove", tenant, passkey_id=first.pk))
    assert list(user.credentials.all()) == [first]
    page = client.get(url("account", tenant)).content.decode()
    assert "cannot remove your only passkey" in page
    actions = set(AuditEvent.objects.for_tenant(tenant).values_list("action", flat=True))
    assert {"enduser.passkey_renamed", "enduser.passkey_removed"} <= actions


def test_cannot_touch_another_users_passkey(client, tenant):
    register(client, tenant, "fox@example.com")
    _add_passkey(client, tenant, SoftAuthenticator())
    victim_client = Client()
    register(victim_client, tenant, "gus@example.com")
    _add_passkey(victim_client, tenant, SoftAuthenticator())
    victim = User.objects.for_tenant(tenant).get(email="gus@example.com")
    target = victim.credentials.first()
    client.post(url("account-passkey-remove", tenant, passkey_id=target.pk))
    client.post(
        url("account-passkey-rename", tenant, passkey_id=target.pk), {f"p{target.pk}-name": "x"}
    )
    target.refresh_from_db()
    assert victim.credentials.count() == 2 and target.name != "x"


def test_verify_email_from_the_account_page(client, tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=False)
    tenant.refresh_from_db()
    register(client, tenant, "hana@example.com")
    assert b"email not confirmed" in client.get(url("account", tenant)).content
    response = client.post(url("account-verify-email", tenant))
    assert response.status_code == 302
    client.post(last_link("hana@example.com"))
    assert b"email confirmed" in client.get(url("account", tenant)).content


def _tokens_for(user, tenant):
    rp = factories.client(tenant=tenant)
    access = get_access_token_model().objects.create(
        user=user,
        application=rp,
        token=uuid.uuid4().hex,
        expires="2099-01-01T00:00Z",
        scope="openid",
    )
    refresh = get_refresh_token_model().objects.create(
        user=user, application=rp, token=uuid.uuid4().hex, access_token=access
    )
    return access, refresh


def test_recovery_by_code_creates_a_passkey_and_revokes_sessions_and_tokens(client, tenant):
    lost, _ = register(client, tenant, "ian@example.com")
    user = User.objects.for_tenant(tenant).get(email="ian@example.com")
    access, refresh = _tokens_for(user, tenant)
    old_session = Client()
    assert sign_in(old_session, tenant, lost, email="ian@example.com").status_code == 200

    browser = Client()
    page = browser.post(url("signin-recover", tenant), {"email": "ian@example.com"})
    assert page.status_code == 200 and b"If <strong>ian@example.com</strong>" in page.content
    proven = post_json(browser, url("signin-email-code", tenant), {"code": last_code()})
    assert proven.json()["redirect"] == url("signin-create-passkey", tenant)
    assert browser.get(url("signin-create-passkey", tenant)).status_code == 200
    new = SoftAuthenticator()
    options = post_json(browser, url("signin-register-options", tenant)).json()
    done = post_json(
        browser,
        url("signin-register-verify", tenant),
        {
            "handle": options["handle"],
            "credential": new.create(options["publicKey"], origin()),
        },
    )
    assert done.status_code == 200, done.content
    user.refresh_from_db()
    assert user.sessions_valid_after is not None
    assert user.credentials.count() == 2
    # The old browser is signed out; the recovering one is signed in.
    assert old_session.get(url("account", tenant)).status_code == 302
    assert browser.get(url("account", tenant)).status_code == 200
    assert not get_access_token_model().objects.filter(pk=access.pk).exists()
    refresh.refresh_from_db()
    assert refresh.revoked is not None
    actions = set(AuditEvent.objects.for_tenant(tenant).values_list("action", flat=True))
    assert {"enduser.recovery_requested", "enduser.recovered"} <= actions


def test_recovery_link_is_single_use_and_works_in_another_browser(client, tenant):
    register(client, tenant, "jan@example.com")
    client.post(url("signin-recover", tenant), {"email": "jan@example.com"})
    link = last_link("jan@example.com")
    elsewhere = Client()
    assert elsewhere.get(link).status_code == 200
    response = elsewhere.post(link)
    assert response.status_code == 302 and response["Location"] == url(
        "signin-create-passkey", tenant
    )
    assert elsewhere.post(link).status_code == 400
    # The code of the same email is used up too.
    code = post_json(client, url("signin-email-code", tenant), {"code": last_code()})
    assert code.status_code == 400


def test_recovery_for_an_unknown_email_looks_the_same_and_sends_nothing(client, tenant, mailoutbox):
    page = client.post(url("signin-recover", tenant), {"email": "nobody@example.com"})
    assert page.status_code == 200 and b"If <strong>nobody@example.com</strong>" in page.content
    assert mailoutbox == []
    response = post_json(client, url("signin-email-code", tenant), {"code": "123456"})
    assert response.status_code == 400


def test_expired_recovery_link_is_refused(client, tenant):
    register(client, tenant, "kai@example.com")
    client.post(url("signin-recover", tenant), {"email": "kai@example.com"})
    from django.utils import timezone

    from accounts.models import EmailLink

    EmailLink.objects.filter(purpose="recovery").update(expires_at=timezone.now())
    page = client.get(last_link("kai@example.com"))
    assert page.status_code == 400 and b"expired" in page.content
    code = post_json(client, url("signin-email-code", tenant), {"code": last_code()})
    assert code.status_code == 400 and "expired" in code.json()["error"]


def test_link_of_another_tenant_is_refused(client, tenant, other_tenant):
    register(client, tenant, "leo@example.com")
    client.post(url("signin-recover", tenant), {"email": "leo@example.com"})
    link = last_link("leo@example.com").replace(f"/t/{tenant.slug}/", f"/t/{other_tenant.slug}/")
    assert client.get(link).status_code == 400
    assert client.post(link).status_code == 400


def test_create_passkey_page_without_proof_names_the_problem(client, tenant):
    response = client.get(url("signin-create-passkey", tenant))
    assert response.status_code == 400
    assert b"expired" in response.content and b"Try again" in response.content


def test_passkey_credential_rows_stay_per_user(client, tenant):
    register(client, tenant, "max@example.com")
    assert WebAuthnCredential.objects.filter(user__tenant=tenant).count() == 1


def test_recovery_form_names_a_bad_email(client, tenant):
    response = client.post(url("signin-recover", tenant), {"email": "not-an-email"})
    assert response.status_code == 400
    assert b"Enter a valid email address" in response.content


def test_plain_form_posts_with_a_null_origin_are_refused_so_pages_use_fetch(tenant):
    """Under Referrer-Policy no-referrer browsers send Origin: null with form posts."""
    client = Client(enforce_csrf_checks=True)
    client.get(url("signin-recover", tenant))
    token = client.cookies["csrftoken"].value
    refused = client.post(
        url("signin-recover", tenant),
        {"email": "a@example.com", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="null",
    )
    assert refused.status_code == 403
    accepted = client.post(
        url("signin-recover", tenant),
        {"email": "a@example.com", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="http://testserver",
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert accepted.status_code == 200


# --- changing passkeys needs a recent sign-in -------------------------------------------------


def _age_sign_in(client, tenant, seconds):
    session = client.session
    record = session["idp_signins"][str(tenant.pk)]
    record["auth_time"] -= seconds
    record["signed_in_at"] -= seconds
    session.save()


def test_adding_or_removing_a_passkey_after_five_minutes_asks_to_sign_in_again(client, tenant):
    first, _ = register(client, tenant, "old@example.com")
    assert _add_passkey(client, tenant, SoftAuthenticator()).status_code == 200
    user = User.objects.for_tenant(tenant).get(email="old@example.com")
    _age_sign_in(client, tenant, 301)
    before = AuditEvent.objects.count()

    refused = post_json(client, url("account-passkey-options", tenant))
    assert refused.status_code == 403
    body = refused.json()
    assert body["reauth"] is True and "sign in again" in body["error"]
    assert body["redirect"].startswith(url("sign-in", tenant) + "?")
    assert "next=" + url("account", tenant).replace("/", "%2F") in body["redirect"]
    assert "reauth=1" in body["redirect"]
    assert post_json(client, url("account-passkey-verify", tenant), {}).status_code == 403

    passkey = user.credentials.first()
    removal = client.post(
        url("account-passkey-remove", tenant, passkey_id=passkey.pk),
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert removal.status_code == 403 and removal.json()["reauth"] is True
    plain = client.post(url("account-passkey-remove", tenant, passkey_id=passkey.pk))
    assert plain.status_code == 302 and plain["Location"] == body["redirect"]
    assert user.credentials.count() == 2
    assert AuditEvent.objects.count() == before

    # The page the user is sent to says why, and a sign-in there makes the session fresh.
    page = client.get(body["redirect"])
    assert b"confirm it is you" in page.content
    assert sign_in(client, tenant, first, email="old@example.com").status_code == 200
    assert _add_passkey(client, tenant, SoftAuthenticator()).status_code == 200
    removed = client.post(url("account-passkey-remove", tenant, passkey_id=passkey.pk))
    assert removed.status_code == 302 and removed["Location"] == url("account", tenant)
    assert user.credentials.count() == 2


def test_renaming_needs_no_recent_sign_in(client, tenant):
    register(client, tenant, "ren@example.com")
    _age_sign_in(client, tenant, 3600)
    passkey = WebAuthnCredential.objects.get(user__email="ren@example.com")
    client.post(
        url("account-passkey-rename", tenant, passkey_id=passkey.pk),
        {f"p{passkey.pk}-name": "Mine"},
    )
    passkey.refresh_from_db()
    assert passkey.name == "Mine"


# --- the first proof of the address evicts passkeys registered before it ----------------------


def _no_proof_tenant(tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=False)
    tenant.refresh_from_db()


def test_verify_link_opened_elsewhere_evicts_a_squatters_passkey(client, tenant):
    _no_proof_tenant(tenant)
    squatter_key, done = register(client, tenant, "vic@example.com")  # the squatter's browser
    assert done.status_code == 200
    user = User.objects.for_tenant(tenant).get(email="vic@example.com")
    access, refresh = _tokens_for(user, tenant)

    victim = Client()  # the owner of the mailbox opens the confirmation link
    response = victim.post(last_link("vic@example.com"))
    assert response.status_code == 302
    assert response["Location"] == url("signin-create-passkey", tenant)
    user.refresh_from_db()
    assert user.email_verified and user.credentials.count() == 0
    assert client.get(url("account", tenant)).status_code == 302  # the squatter is signed out
    assert not get_access_token_model().objects.filter(pk=access.pk).exists()
    refresh.refresh_from_db()
    assert refresh.revoked is not None
    event = AuditEvent.objects.for_tenant(tenant).get(action="enduser.unproven_passkeys_removed")
    assert event.details["proof"] == "verify" and len(event.details["passkeys_removed"]) == 1

    # The victim creates a passkey and owns the account; the squatter's passkey is gone.
    assert victim.get(url("signin-create-passkey", tenant)).status_code == 200
    options = post_json(victim, url("signin-register-options", tenant)).json()
    created = post_json(
        victim,
        url("signin-register-verify", tenant),
        {
            "handle": options["handle"],
            "credential": SoftAuthenticator().create(options["publicKey"], origin()),
        },
    )
    assert created.status_code == 200, created.content
    assert victim.get(url("account", tenant)).status_code == 200
    assert user.credentials.count() == 1
    assert sign_in(Client(), tenant, squatter_key).status_code == 400


def test_verify_in_the_signed_in_browser_keeps_that_passkey_and_session(client, tenant):
    _no_proof_tenant(tenant)
    key, _ = register(client, tenant, "own@example.com")
    user = User.objects.for_tenant(tenant).get(email="own@example.com")
    client.post(last_link("own@example.com"))
    user.refresh_from_db()
    assert user.email_verified and user.credentials.count() == 1
    assert user.sessions_valid_after is None
    assert client.get(url("account", tenant)).status_code == 200
    assert not AuditEvent.objects.filter(action="enduser.unproven_passkeys_removed").exists()


def test_verify_code_keeps_only_the_passkey_of_the_signed_in_browser(client, tenant):
    _no_proof_tenant(tenant)
    register(client, tenant, "two@example.com")
    second = SoftAuthenticator()
    assert _add_passkey(client, tenant, second).status_code == 200
    user = User.objects.for_tenant(tenant).get(email="two@example.com")
    kept = user.credentials.order_by("pk").first()  # the passkey this browser signed in with
    client.post(url("account-verify-email", tenant))
    proven = post_json(client, url("signin-email-code", tenant), {"code": last_code()})
    assert proven.status_code == 200 and proven.json()["status"] == "verified"
    assert list(user.credentials.values_list("pk", flat=True)) == [kept.pk]
    user.refresh_from_db()
    assert user.email_verified and user.sessions_valid_after is not None
    event = AuditEvent.objects.get(action="enduser.unproven_passkeys_removed")
    assert event.details["passkeys_kept"] == [kept.pk]


def test_recovery_as_first_proof_evicts_earlier_passkeys(client, tenant):
    _no_proof_tenant(tenant)
    register(client, tenant, "rec@example.com")
    user = User.objects.for_tenant(tenant).get(email="rec@example.com")
    old = user.credentials.get()
    browser = Client()
    browser.post(url("signin-recover", tenant), {"email": "rec@example.com"})
    post_json(browser, url("signin-email-code", tenant), {"code": last_code()})
    options = post_json(browser, url("signin-register-options", tenant)).json()
    done = post_json(
        browser,
        url("signin-register-verify", tenant),
        {
            "handle": options["handle"],
            "credential": SoftAuthenticator().create(options["publicKey"], origin()),
        },
    )
    assert done.status_code == 200, done.content
    assert not user.credentials.filter(pk=old.pk).exists() and user.credentials.count() == 1
    event = AuditEvent.objects.get(action="enduser.unproven_passkeys_removed")
    assert event.details["proof"] == "recovery"


def test_recovery_of_a_proven_address_keeps_the_other_passkeys(client, tenant):
    register(client, tenant, "kept@example.com")  # email proof required: proven at sign-up
    browser = Client()
    browser.post(url("signin-recover", tenant), {"email": "kept@example.com"})
    post_json(browser, url("signin-email-code", tenant), {"code": last_code()})
    options = post_json(browser, url("signin-register-options", tenant)).json()
    post_json(
        browser,
        url("signin-register-verify", tenant),
        {
            "handle": options["handle"],
            "credential": SoftAuthenticator().create(options["publicKey"], origin()),
        },
    )
    assert WebAuthnCredential.objects.filter(user__email="kept@example.com").count() == 2
    assert not AuditEvent.objects.filter(action="enduser.unproven_passkeys_removed").exists()
