"""Every URL the portal shows an admin (pages and API) answers 200 when a relying party uses it."""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.urls import reverse

from portal.api.tokens import api_token_create
from tenants.oidc.endpoints import tenant_endpoints
from tenants.oidc.services import client_get_or_create
from tests import factories
from tests.idp.oidc_support import (
    add_secret,
    form_post_fields,
    oidc_tenant,
    pkce_pair,
    sign_in,
)

pytestmark = pytest.mark.django_db

CALLBACK = "https://rp.example.com/cb"


@pytest.fixture
def setup(client):
    tenant = oidc_tenant()
    admin = factories.membership(tenant=tenant, role="read_write").user
    rp = client_get_or_create(tenant=tenant, actor=admin)
    rp.redirect_urls.create(tenant=tenant, url=CALLBACK)
    secret = add_secret(rp)
    user = factories.end_user(tenant=tenant, email="ada@example.com")
    return tenant, admin, rp, secret, user


def _urls_in(text: str) -> set[str]:
    """Absolute URLs on our own origin that a page or a JSON body shows."""
    found = re.findall(r"https?://[^\s\"'<>&]+", text)
    return {url.rstrip(".,;)") for url in found if url.startswith(settings.PUBLIC_URL + "/")}


def _shown_urls(client, tenant, admin) -> set[str]:
    client.force_login(admin)
    shown = set()
    for name in ("tenant-settings", "tenant-keys", "tenant-settings-b2c-xml"):
        page = client.get(reverse(f"portal:{name}", kwargs={"slug": tenant.slug}))
        assert page.status_code == 200, name
        shown |= _urls_in(page.content.decode())
    client.logout()
    token = api_token_create(user=admin, name="urls")[1]
    for name in ("oidc-settings", "tenant-keys"):
        response = client.get(
            reverse(f"api:{name}", kwargs={"slug": tenant.slug}),
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200, name
        shown |= _urls_in(response.content.decode())
    return shown


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _use(client, url: str, *, tenant, rp, secret, user):
    """Call a URL the way a relying party calls it; plain GET for anything else."""
    endpoints = tenant_endpoints(tenant)
    path = _path(url)
    if url == endpoints.authorize:
        sign_in(client, tenant, user)
        _verifier, challenge = pkce_pair()
        query = {
            "client_id": rp.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "response_mode": "form_post",
            "scope": "openid email",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        return client.get(path + "?" + urlencode(query))
    if url in (endpoints.token, endpoints.userinfo, endpoints.revoke):
        sign_in(client, tenant, user)
        verifier, challenge = pkce_pair()
        query = {
            "client_id": rp.client_id,
            "redirect_uri": CALLBACK,
            "response_type": "code",
            "response_mode": "form_post",
            "scope": "openid email",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        page = client.get(_path(endpoints.authorize) + "?" + urlencode(query))
        code = form_post_fields(page.content.decode())[1]["code"]
        grant = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": rp.client_id,
            "client_secret": secret,
            "code_verifier": verifier,
        }
        tokens = client.post(_path(endpoints.token), grant)
        if url == endpoints.token:
            return tokens
        access = tokens.json()["access_token"]
        if url == endpoints.userinfo:
            return client.get(path, HTTP_AUTHORIZATION=f"Bearer {access}")
        revoke = {"token": access, "client_id": rp.client_id, "client_secret": secret}
        return client.post(path, revoke)
    if url == endpoints.logout:
        sign_in(client, tenant, user)
        return client.get(path, {"client_id": rp.client_id})
    return client.get(path)


def test_every_url_the_portal_shows_answers_200(client, setup):
    tenant, admin, rp, secret, user = setup
    shown = _shown_urls(client, tenant, admin)
    endpoints = tenant_endpoints(tenant)
    # What an admin must be able to copy: the Metadata URL, the issuer and the JWKS at least.
    assert {endpoints.discovery, endpoints.issuer, endpoints.jwks} <= shown
    # The API lists every endpoint of the map.
    assert set(endpoints.as_dict().values()) <= shown
    answers = {
        url: _use(client, url, tenant=tenant, rp=rp, secret=secret, user=user).status_code
        for url in sorted(shown)
    }
    assert answers == dict.fromkeys(sorted(shown), 200)


def test_discovery_names_the_same_urls_as_the_endpoint_map(client, setup):
    tenant = setup[0]
    endpoints = tenant_endpoints(tenant)
    document = client.get(_path(endpoints.discovery)).json()
    assert document["issuer"] == endpoints.issuer
    assert document["jwks_uri"] == endpoints.jwks
    assert document["authorization_endpoint"] == endpoints.authorize
    assert document["token_endpoint"] == endpoints.token
    assert document["userinfo_endpoint"] == endpoints.userinfo
    assert document["revocation_endpoint"] == endpoints.revoke
    assert document["end_session_endpoint"] == endpoints.logout
