"""Security findings of the round-2 review: each test shows one problem and fails until fixed.

Every test is `xfail(strict=True)`: once the product is fixed it passes, strict xfail turns that
into a failure, and the lead removes the marker. The reason names the finding in the report.
"""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client
from django.urls import reverse
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import EmailLink, Membership, User
from idp.views_signin_common import safe_next
from tenants.audit import AuditEvent
from tenants.models import RedirectURL, SigningKey
from tests import factories
from tests.idp.oidc_support import make_rp, oidc_tenant, sign_in
from tests.idp.signin_support import last_code, last_link, post_json
from tests.idp.signin_support import register as idp_register
from tests.idp.signin_support import sign_in as idp_passkey_sign_in
from tests.portal.helpers import last_link_token, passkey_sign_in, register_passkey
from tests.portal.helpers import origin as portal_origin
from tests.security.support import (
    assert_no_secret_logged,
    code_flow,
    idp_url,
    logged_journey,
    member_client,
)
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(db):
    return oidc_tenant()


@pytest.fixture
def rp(tenant):
    return make_rp(tenant)


@pytest.fixture
def user(tenant):
    return factories.end_user(tenant=tenant, given_name="Ada", email_verified_at=None)


# --- SEC-1: the Django admin changes privileged rows without validation or audit -----------


@pytest.fixture
def support_client(client, support_user):
    client.force_login(support_user, backend="accounts.backends.PortalUserBackend")
    return client


def _admin_change(client, model, obj, data):
    opts = model._meta
    path = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return client.post(path, data)


def test_admin_role_elevation_is_audited(support_client, tenant):
    member = factories.membership(tenant=tenant, role="read_only")
    before = AuditEvent.objects.count()
    response = _admin_change(
        support_client,
        Membership,
        member,
        {"user": member.user_id, "tenant": tenant.pk, "role": "read_write"},
    )
    member.refresh_from_db()
    # The admin must either refuse the change or record it like the support console does.
    assert member.role == "read_only" or AuditEvent.objects.count() > before, response.status_code


def test_admin_granting_support_staff_is_audited(support_client, tenant):
    target = factories.portal_user()
    before = AuditEvent.objects.count()
    _admin_change(
        support_client,
        User,
        target,
        {
            "email": target.email,
            "is_active": "on",
            "is_staff": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    target.refresh_from_db()
    assert not target.is_staff or AuditEvent.objects.count() > before


def test_admin_cannot_register_an_invalid_redirect_url(support_client, tenant, rp):
    client_row = rp.client
    data = {
        "tenant": tenant.pk,
        "name": client_row.name,
        "response_type": client_row.response_type,
        "response_mode": client_row.response_mode,
        "redirect_urls-TOTAL_FORMS": "2",
        "redirect_urls-INITIAL_FORMS": "1",
        "redirect_urls-0-id": str(client_row.redirect_urls.first().pk),
        "redirect_urls-0-client": str(client_row.pk),
        "redirect_urls-0-kind": "login",
        "redirect_urls-0-url": rp.redirect_uri,
        "redirect_urls-1-client": str(client_row.pk),
        "redirect_urls-1-kind": "login",
        "redirect_urls-1-url": "http://attacker.example/*",
    }
    support_client.raise_request_exception = False
    response = _admin_change(support_client, type(client_row), client_row, data)
    assert response.status_code < 500
    assert not RedirectURL.objects.filter(url="http://attacker.example/*").exists()


def test_admin_saving_an_oidc_client_is_not_a_500(support_client, tenant, rp):
    client_row = rp.client
    redirect = client_row.redirect_urls.first()
    data = {
        "tenant": tenant.pk,
        "name": "Renamed",
        "response_type": client_row.response_type,
        "response_mode": client_row.response_mode,
        "redirect_urls-TOTAL_FORMS": "1",
        "redirect_urls-INITIAL_FORMS": "1",
        "redirect_urls-0-id": str(redirect.pk),
        "redirect_urls-0-client": str(client_row.pk),
        "redirect_urls-0-kind": "login",
        "redirect_urls-0-url": redirect.url,
    }
    support_client.raise_request_exception = False
    response = _admin_change(support_client, type(client_row), client_row, data)
    # Clients are managed in the portal's Settings (validated, audited); the admin shows them.
    assert response.status_code in (200, 302, 403)


def test_admin_cannot_delete_the_active_signing_key(support_client, tenant):
    key = SigningKey.objects.for_tenant(tenant).get(state="active")
    path = reverse("admin:tenants_signingkey_delete", args=[key.pk])
    support_client.post(path, {"post": "yes"})
    assert SigningKey.objects.filter(pk=key.pk).exists()


# --- SEC-3: access and refresh tokens are stored in plaintext ------------------------------


def test_access_and_refresh_tokens_are_not_stored_in_plaintext(client, rp, user):
    tokens = code_flow(client, rp, user)
    stored_access = list(get_access_token_model().objects.values_list("token", flat=True))
    stored_refresh = list(get_refresh_token_model().objects.values_list("token", flat=True))
    assert tokens.access_token not in stored_access
    assert tokens.refresh_token not in stored_refresh


# --- SEC-4: bearer tokens are accepted in the URL query -------------------------------------


def test_userinfo_refuses_an_access_token_in_the_query_string(client, rp, user):
    tokens = code_flow(client, rp, user)
    response = client.get(
        idp_url(rp.tenant, "oidc-userinfo") + "?access_token=" + tokens.access_token
    )
    assert response.status_code in (400, 401)


# --- SEC-5: the API shows members and the audit log to read-only members --------------------


@pytest.mark.parametrize("name", ["api:audit-event-list", "api:member-list"])
def test_api_members_and_audit_log_need_read_write_like_the_ui(client, tenant, name):
    member = factories.membership(tenant=tenant, role="read_only")
    client.force_login(member.user, backend="accounts.backends.PortalUserBackend")
    ui = {"api:audit-event-list": "portal:tenant-audit", "api:member-list": "portal:tenant-members"}
    assert client.get(reverse(ui[name], kwargs={"slug": tenant.slug})).status_code == 403
    assert client.get(reverse(name, kwargs={"slug": tenant.slug})).status_code == 403


# --- SEC-6: the portal's discoverable sign-in accepts an assertion without userHandle -------


def test_portal_discoverable_sign_in_requires_a_user_handle(client, settings):
    owner = factories.portal_user()
    client.force_login(owner, backend="accounts.backends.PortalUserBackend")
    session = client.session
    session["portal_auth"] = {"method": "link", "at": 2**40}
    session.save()
    authenticator = SoftAuthenticator()
    assert register_passkey(client, authenticator).status_code == 200
    client.logout()
    response = passkey_sign_in(client, authenticator, user_handle=None)
    assert response.status_code == 400


# --- SEC-7: safe_next lets percent-encoded dot segments leave the tenant's area ------------


@pytest.mark.parametrize("segment", [".%2e", "%2e.", "%2e%2E", "%2E%2e"])
def test_safe_next_refuses_encoded_dot_segments(tenant, segment):
    value = f"/t/{tenant.slug}/{segment}/{segment}/portal/"
    # Browsers treat these as ".." (WHATWG URL), landing outside /t/<slug>/.
    assert safe_next(value, tenant) == ""


# --- SEC-8: emailed-link tokens in URL paths reach the logs ---------------------------------


def test_live_link_token_is_not_logged_when_a_post_is_refused(caplog, tenant, user, mailoutbox):
    browser = Client()
    browser.post(idp_url(tenant, "signin-recover"), {"email": user.email})
    link = last_link(user.email)
    token = link.rstrip("/").rsplit("/", 1)[-1]
    caplog.set_level(logging.INFO)
    # A cross-site POST (no CSRF cookie) is refused and logged by Django with the full path.
    refused = Client(enforce_csrf_checks=True).post(link)
    assert refused.status_code == 403
    assert not EmailLink.objects.get(user=user).used_at  # the link is still live
    assert token not in caplog.text


def test_portal_link_token_is_not_logged_when_a_post_is_refused(caplog, mailoutbox):
    owner = factories.portal_user()
    Client().post(reverse("portal:sign-in-link"), {"email": owner.email})
    token = last_link_token(owner.email)
    caplog.set_level(logging.INFO)
    path = reverse("portal:email-link", kwargs={"token": token})
    assert Client(enforce_csrf_checks=True).post(path).status_code == 403
    assert token not in caplog.text


# --- SEC-9: oauthlib logs authorization codes and refresh tokens at DEBUG -----------------


def test_no_code_or_token_in_any_log_at_debug(client, caplog, mailoutbox, settings):
    secrets_seen, records = logged_journey(client, caplog, settings)
    assert_no_secret_logged(secrets_seen, records)


# --- SEC-10: a lone surrogate in a JSON body is a 500 ----------------------------------------


def test_lone_surrogate_handle_at_sign_in_verify_is_not_a_500(client, tenant):
    client.raise_request_exception = False
    response = post_json(client, idp_url(tenant, "signin-verify"), {"handle": "\ud800"})
    assert response.status_code == 400


def test_lone_surrogate_handle_at_portal_sign_in_is_not_a_500(client):
    client.raise_request_exception = False
    start = client.post(reverse("portal:passkey-auth-options"), content_type="application/json")
    authenticator = SoftAuthenticator()
    credential = authenticator.add_credential("localhost", b"h" * 16)
    assertion = authenticator.get(
        start.json()["publicKey"], "http://localhost", credential_id=credential.credential_id
    )
    response = client.post(
        reverse("portal:passkey-auth-verify"),
        json.dumps({"handle": "\ud800", "credential": assertion}),
        content_type="application/json",
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("api:tenant-keys", {"algorithm": "\ud800"}),
        ("api:oidc-settings", {"response_mode": "\ud800"}),
    ],
)
def test_lone_surrogate_in_an_api_choice_is_a_400(tenant, name, body):
    admin, _ = member_client(tenant)
    admin.raise_request_exception = False
    method = admin.patch if name == "api:oidc-settings" else admin.post
    response = method(
        reverse(name, kwargs={"slug": tenant.slug}), body, content_type="application/json"
    )
    assert response.status_code == 400


# --- SEC-11: recovery keeps passkeys registered before the address was proven ---------------


def test_recovery_evicts_passkeys_registered_before_the_email_was_proven(settings, mailoutbox):
    """Account pre-hijacking: with email proof turned off, an attacker registers the victim's
    address first; the victim later proves the address by recovery, and the attacker's passkey
    must not then sign in to the now-verified account."""
    settings.PUBLIC_URL = "http://testserver"
    tenant = oidc_tenant(require_email_verification=False)
    attacker = Client()
    attacker_key, done = idp_register(attacker, tenant, "victim@example.com", names={})
    assert done.status_code == 200, done.content
    attacker.post(idp_url(tenant, "sign-out"))

    victim = Client()
    victim.post(idp_url(tenant, "signin-recover"), {"email": "victim@example.com"})
    proven = post_json(victim, idp_url(tenant, "signin-email-code"), {"code": last_code()})
    assert proven.status_code == 200 and proven.json()["status"] == "proven", proven.content
    options = post_json(victim, idp_url(tenant, "signin-register-options")).json()
    credential = SoftAuthenticator().create(options["publicKey"], "http://testserver")
    recovered = post_json(
        victim,
        idp_url(tenant, "signin-register-verify"),
        {"handle": options["handle"], "credential": credential},
    )
    assert recovered.status_code == 200, recovered.content
    assert tenant.end_users.get().email_verified

    squatter_id = attacker_key.credentials[0].credential_id
    response = idp_passkey_sign_in(
        attacker, tenant, attacker_key, email="victim@example.com", credential_id=squatter_id
    )
    assert response.status_code == 400, "the squatter's passkey still signs in"
    # Autofill (discoverable) sign-in does not let it in either.
    assert idp_passkey_sign_in(attacker, tenant, attacker_key).status_code == 400


# --- SEC-12: failed portal passkey ceremonies leave no audit trail -------------------------


def test_failed_portal_passkey_sign_in_is_audited(client):
    owner = factories.portal_user()
    client.force_login(owner, backend="accounts.backends.PortalUserBackend")
    session = client.session
    session["portal_auth"] = {"method": "link", "at": 2**40}
    session.save()
    authenticator = SoftAuthenticator()
    assert register_passkey(client, authenticator).status_code == 200
    client.logout()
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    response = passkey_sign_in(client, authenticator, bad_signature=True)
    assert response.status_code == 400
    written = AuditEvent.objects.exclude(pk__in=before).values_list("action", flat=True)
    assert any("fail" in action for action in written), list(written)


# --- SEC-13: an old end-user session can add or remove passkeys without a fresh check -------


def test_adding_an_end_user_passkey_needs_a_recent_sign_in(client, tenant, user):
    sign_in(client, tenant, user)
    session = client.session
    record = session["idp_signins"][str(tenant.pk)]
    # Signed in twelve hours ago (still inside SESSION_COOKIE_AGE), e.g. a stolen cookie.
    record["auth_time"] -= 12 * 3600
    record["signed_in_at"] -= 12 * 3600
    session.save()
    response = post_json(client, idp_url(tenant, "account-passkey-options"))
    assert response.status_code in (401, 403)


# --- SEC-14: the device-code grant at the token endpoint is a 500 ----------------------------


@pytest.mark.parametrize("authenticated", [False, True])
def test_device_code_grant_is_refused_not_a_500(client, rp, authenticated):
    client.raise_request_exception = False
    body = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": "g"}
    if authenticated:
        body.update(client_id=rp.client_id, client_secret=rp.secret)
    response = client.post(idp_url(rp.tenant, "oidc-token"), body)
    assert response.status_code in (400, 401)
    assert response.json()["error"] in (
        "unsupported_grant_type",
        "unauthorized_client",
        "invalid_client",
    )


# --- SEC-15: NUL characters reach PostgreSQL text columns (500 on PostgreSQL only) ---------


@pytest.mark.django_db(transaction=True)
def test_nul_in_the_nonce_is_not_a_500(client, rp, user):
    client.raise_request_exception = False
    sign_in(client, rp.tenant, user)
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "nonce": "a\x00b",
    }
    assert client.get(idp_url(rp.tenant, "oidc-authorize"), params).status_code < 500


@pytest.mark.django_db(transaction=True)
def test_nul_in_a_portal_passkey_name_is_not_a_500(client):
    owner = factories.portal_user()
    client.force_login(owner, backend="accounts.backends.PortalUserBackend")
    client.raise_request_exception = False
    session = client.session
    session["portal_auth"] = {"method": "link", "at": 2**40}
    session.save()
    start = client.post(
        reverse("portal:passkey-register-options"), content_type="application/json"
    ).json()
    credential = SoftAuthenticator().create(start["publicKey"], portal_origin())
    response = client.post(
        reverse("portal:passkey-register-verify"),
        json.dumps({"handle": start["handle"], "credential": credential, "name": "a\x00b"}),
        content_type="application/json",
    )
    assert response.status_code < 500


@pytest.mark.django_db(transaction=True)
def test_nul_in_the_user_agent_of_an_audited_request_is_not_a_500(client, tenant, user):
    client.raise_request_exception = False
    sign_in(client, tenant, user)
    response = client.post(idp_url(tenant, "sign-out"), HTTP_USER_AGENT="agent\x00")
    assert response.status_code < 500


@pytest.mark.django_db(transaction=True)
def test_nul_in_an_anonymous_token_request_code_is_not_a_500(client, rp):
    client.raise_request_exception = False
    body = {"grant_type": "authorization_code", "code": "\x00"}
    assert client.post(idp_url(rp.tenant, "oidc-token"), body).status_code < 500


@pytest.mark.django_db(transaction=True)
def test_nul_in_the_logout_client_id_is_not_a_500(client, rp):
    client.raise_request_exception = False
    response = client.get(idp_url(rp.tenant, "oidc-logout"), {"client_id": "\x00"})
    assert response.status_code < 500
