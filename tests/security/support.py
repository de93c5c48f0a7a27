"""Helpers for the security tests: a full code flow over HTTP and a few request shortcuts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from portal.api.tokens import api_token_create
from tests import factories
from tests.idp.oidc_support import RP, make_rp, oidc_tenant, query_of, redeem, sign_in
from tests.idp.signin_support import last_code, last_link
from tests.idp.signin_support import register as idp_register

PORTAL_BACKEND = "accounts.backends.PortalUserBackend"


def idp_url(tenant, name: str, **kwargs) -> str:
    """Reverse an idp: URL of this tenant."""
    return reverse(f"idp:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


@dataclass
class Tokens:
    """What one code flow produced."""

    code: str
    access_token: str
    refresh_token: str
    id_token: str


def authorize_code(client, rp: RP, *, scope: str = "openid profile email", **extra) -> str:
    """GET /authorize for an already signed-in end user (response_mode=query); the code."""
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "response_mode": "query",
        "scope": scope,
        "state": "st",
        "nonce": "n-0S6",
        **extra,
    }
    response = client.get(idp_url(rp.tenant, "oidc-authorize") + "?" + urlencode(params))
    assert response.status_code == 302, response.content
    return query_of(response["Location"])["code"]


def code_flow(client, rp: RP, user) -> Tokens:
    """Sign the user in at the RP's tenant, then authorize and redeem: the tokens."""
    sign_in(client, rp.tenant, user)
    code = authorize_code(client, rp)
    response = redeem(client, rp, code)
    assert response.status_code == 200, response.content
    body = response.json()
    return Tokens(
        code=code,
        access_token=body["access_token"],
        refresh_token=body.get("refresh_token", ""),
        id_token=body["id_token"],
    )


def member_client(tenant, role: str = "read_write") -> tuple[Client, object]:
    """A test client signed in to the portal as a new member of the tenant."""
    member = factories.membership(tenant=tenant, role=role)
    client = Client()
    client.force_login(member.user, backend=PORTAL_BACKEND)
    return client, member.user


def assert_no_secret_logged(secrets_seen: list[str], records) -> None:
    """No value of `secrets_seen` (nor a PEM private key) in any message or its arguments."""
    assert all(secrets_seen)
    for record in records:
        text = record.getMessage() + repr(record.args) + repr(getattr(record, "request", ""))
        for value in secrets_seen:
            assert value not in text, f"{record.name} logged a secret: {text[:160]}"
        assert "PRIVATE KEY" not in text, record.name


def logged_journey(client, caplog, settings) -> tuple[list[str], list]:
    """Run a whole journey with logging captured at DEBUG; the secrets it saw and the log.

    The journey at DEBUG: registration with an emailed code, a recovery link, authorize,
    token, code replay, userinfo, refresh, revocation, wrong secrets, client secret and API
    token creation."""
    settings.DEBUG = False
    caplog.set_level(logging.DEBUG)
    tenant = oidc_tenant(require_email_verification=True)
    rp = make_rp(tenant)
    secrets_seen: list[str] = [rp.secret]

    _authenticator, done = idp_register(client, tenant, "ada@example.com", names={})
    assert done.status_code == 200, done.content
    secrets_seen.append(last_code("ada@example.com"))
    user = tenant.end_users.get()

    # A recovery link, used once (its replay is a logged 400: finding SEC-9).
    client.post(idp_url(tenant, "signin-recover"), {"email": "ada@example.com"})
    link = last_link("ada@example.com")
    secrets_seen.append(link.rstrip("/").rsplit("/", 1)[-1])
    secrets_seen.append(last_code("ada@example.com"))
    assert client.post(link).status_code in (200, 302)

    tokens = code_flow(client, rp, user)
    secrets_seen += [tokens.code, tokens.access_token, tokens.refresh_token, tokens.id_token]
    assert redeem(client, rp, tokens.code).status_code == 400  # replay: revokes, logs nothing
    tokens = code_flow(client, rp, user)
    secrets_seen += [tokens.code, tokens.access_token, tokens.refresh_token, tokens.id_token]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.access_token}"}
    assert client.get(idp_url(tenant, "oidc-userinfo"), **auth).status_code == 200
    refreshed = client.post(
        idp_url(tenant, "oidc-token"),
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )
    assert refreshed.status_code == 200, refreshed.content
    secrets_seen += [refreshed.json()["access_token"], refreshed.json()["refresh_token"]]
    client.post(
        idp_url(tenant, "oidc-revoke"),
        {"token": tokens.access_token, "client_id": rp.client_id, "client_secret": rp.secret},
    )
    # Wrong secrets and bad tokens are logged as refusals, never with their values.
    wrong = "wrong-" + rp.secret
    secrets_seen.append(wrong)
    client.post(
        idp_url(tenant, "oidc-token"),
        {
            "grant_type": "authorization_code",
            "code": "x" * 30,
            "redirect_uri": rp.redirect_uri,
            "client_id": rp.client_id,
            "client_secret": wrong,
        },
    )
    client.get(idp_url(tenant, "oidc-userinfo"), HTTP_AUTHORIZATION="Bearer " + wrong)

    admin, _ = member_client(tenant)
    created = admin.post(
        reverse("api:client-secret-list", kwargs={"slug": tenant.slug}),
        {"name": "logged?"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    secrets_seen.append(created.json()["secret"])
    _token, api_plain = api_token_create(user=factories.portal_user(), name="t")
    secrets_seen.append(api_plain)

    assert caplog.records, "the journey logged nothing at all: the capture is not working"
    return secrets_seen, list(caplog.records)
