"""Conformance rules of the authorization and token endpoints, one test per rule."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from accounts.models import AuditEvent
from idp.models import AuthorizationCode
from tests import factories
from tests.idp.oidc_support import (
    _sign_in_route,  # noqa: F401
    authorize_path,
    form_post_fields,
    fragment_of,
    make_rp,
    oidc_tenant,
    pkce_pair,
    query_of,
    sign_in,
    token_path,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(db):
    return oidc_tenant()


@pytest.fixture
def rp(tenant):
    return make_rp(tenant)


@pytest.fixture
def user(tenant):
    return factories.end_user(
        tenant=tenant,
        email="ada@example.com",
        given_name="Ada",
        family_name="Lovelace",
        email_verified_at=timezone.now(),
    )


def authorize(client, rp, **overrides):
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid profile email",
        "state": "st-123",
        "nonce": "n-456",
        "response_mode": "query",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    return client.get(authorize_path(rp.tenant) + "?" + urlencode(params))


def get_code(client, rp, **overrides) -> str:
    response = authorize(client, rp, **overrides)
    assert response.status_code == 302, response.content[:500]
    return query_of(response["Location"])["code"]


def exchange(client, rp, code, *, secret=None, basic=False, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
    data.update(extra)
    secret = rp.secret if secret is None else secret
    headers = {}
    if basic:
        raw = f"{quote(rp.client_id, safe='')}:{quote(secret, safe='')}".encode()
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(raw).decode()
    else:
        data.update(client_id=rp.client_id, client_secret=secret)
    return client.post(token_path(rp.tenant), data, **headers)


def verify(tenant, token: str, client_id: str, nonce=None) -> dict:
    from tenants.keys import signing_keys_published

    jwks = {"keys": [k.public_jwk for k in signing_keys_published(tenant=tenant)]}
    return verify_id_token(jwks, token, issuer=tenant.issuer, client_id=client_id, nonce=nonce)


# --- the happy path ------------------------------------------------------------------------


def test_code_flow_returns_signed_id_token_with_claims(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp)
    params = query_of(response["Location"])
    assert response["Location"].startswith(rp.redirect_uri + "?")
    assert params["state"] == "st-123"
    assert params["iss"] == tenant.issuer
    token = exchange(client, rp, params["code"])
    assert token.status_code == 200, token.content
    body = token.json()
    claims = verify(tenant, body["id_token"], rp.client_id, nonce="n-456")
    assert claims["header"]["alg"] == "RS256" and claims["header"]["kid"]
    assert claims["sub"] == user.subject
    assert claims["aud"] == rp.client_id
    assert claims["nonce"] == "n-456"
    assert claims["amr"] == ["hwk", "user"]
    assert claims["given_name"] == "Ada" and claims["family_name"] == "Lovelace"
    assert claims["name"] == "Ada Lovelace"
    assert claims["email"] == "ada@example.com" and claims["email_verified"] is True
    assert abs(claims["auth_time"] - time.time()) < 60
