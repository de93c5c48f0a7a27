"""Headless Chromium: a read-write admin turns on OIDC, adds a Redirect URL, generates a secret."""

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.conf import settings as django_settings
from django.test import Client

from tenants.models import RedirectURL
from tenants.oidc.client_secrets import client_secret_match
from tenants.oidc.selectors import client_get_primary
from tests import factories
from tests.idp.oidc_support import form_post_fields, sign_in, verify_id_token

REDIRECT = "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp"


def _signed_in(page, live_server, user):
    """Give the browser a portal session for `user` (sign-in itself is tested elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_enables_oidc_adds_redirect_url_and_generates_secret(public_live_server, page):
    tenant = factories.tenant(slug="browser-co", display_name="Browser Co")
    admin = factories.membership(tenant=tenant, role="read_write").user
    _signed_in(page, public_live_server, admin)
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=public_live_server.url
    )
    page.goto(f"{public_live_server.url}/portal/tenants/{tenant.slug}/settings/")

    # 1. Enable OIDC (off by default) and save.
    switch = page.get_by_label("Enable OIDC")
    assert not switch.is_checked()
    switch.check()
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_label("Enable OIDC").is_checked()
    tenant.refresh_from_db()
    assert tenant.oidc_enabled is True

    # 2. A wrong Redirect URL gets a field error that says why; then the right one.
    page.get_by_label("Redirect URL").fill("http://contoso.example.com/cb")
    page.get_by_role("button", name="Add").click()
    assert "Must use https://" in page.locator("#redirect-urls").inner_text()
    page.get_by_label("Redirect URL").fill(REDIRECT)
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state()
    assert REDIRECT in page.locator("#redirect-urls").inner_text()
    assert RedirectURL.objects.for_tenant(tenant).get().url == REDIRECT

    # 3. Generate a secret, read it from the page and from the clipboard via "Copy".
    page.get_by_label("Secret name").fill("Azure AD B2C")
    page.get_by_role("button", name="Generate").click()
    shown = page.locator("#new-secret-value").inner_text().strip()
    assert "will not be shown again" in page.locator("#new-secret").inner_text()
    page.locator("#new-secret [data-copy-target]").click()
    page.wait_for_function(
        "() => document.querySelector('#new-secret button').textContent === 'Copied'"
    )
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == shown

    # 4. Only the digest is stored, and it matches what the page showed once.
    client = client_get_primary(tenant=tenant)
    secret = client_secret_match(client=client, secret=copied)
    assert secret is not None and secret.name == "Azure AD B2C"
    assert copied not in secret.digest

    # Client ID and Metadata URL are on the page, each with a Copy button.
    assert page.locator("#client-id").inner_text() == client.client_id
    metadata = page.locator("#metadata-url").inner_text()
    assert metadata == f"{public_live_server.url}/t/{tenant.slug}/.well-known/openid-configuration"
    page.locator("[data-copy-target='client-id']").click()
    page.wait_for_function(
        "() => document.querySelector(\"[data-copy-target='client-id']\").textContent === 'Copied'"
    )
    assert page.evaluate("navigator.clipboard.readText()") == client.client_id

    # After reloading, the secret is gone from the page for good.
    page.reload()
    assert shown not in page.content()
    assert "Azure AD B2C" in page.locator("#client-secrets").inner_text()

    # 5. An independent RP (Authlib) configured with the copied values gets tokens.
    claims = _relying_party_round_trip(
        tenant, metadata=metadata, client_id=client.client_id, secret=copied
    )
    assert claims["aud"] == client.client_id


def _relying_party_round_trip(tenant, *, metadata, client_id, secret):
    """Discovery, authorize (form_post), token with client_secret_post, ID token verified."""
    user = factories.end_user(tenant=tenant, email="enduser@example.com", given_name="Eve")
    meta = requests.get(metadata, timeout=10).json()
    rp = OAuth2Session(
        client_id,
        secret,
        scope="openid profile email",
        redirect_uri=REDIRECT,
        token_endpoint_auth_method="client_secret_post",
    )
    url, state = rp.create_authorization_url(
        meta["authorization_endpoint"], nonce="nonce-1", response_mode="form_post"
    )
    sign_in(rp, tenant, user)
    response = rp.get(url, allow_redirects=False, timeout=10, withhold_token=True)
    action, fields = form_post_fields(response.text)
    assert action == REDIRECT and fields["state"] == state
    token = rp.fetch_token(meta["token_endpoint"], code=fields["code"], timeout=10)
    jwks = requests.get(meta["jwks_uri"], timeout=10).json()
    claims = verify_id_token(
        jwks, token["id_token"], issuer=meta["issuer"], client_id=client_id, nonce="nonce-1"
    )
    assert claims["given_name"] == "Eve" and claims["email"] == "enduser@example.com"
    return claims
