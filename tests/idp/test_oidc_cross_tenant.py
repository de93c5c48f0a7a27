"""Tenant B's client, code or token presented at tenant A is refused on every endpoint."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from tests import factories
from tests.idp.oidc_support import (
    make_rp,
    oidc_tenant,
    query_of,
    sign_in,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


def url(tenant, name):
    return reverse(f"idp:{name}", kwargs={"tenant_slug": tenant.slug})


@pytest.fixture
def a(db):
    return oidc_tenant()


@pytest.fixture
def b(db):
    return oidc_tenant()


@pytest.fixture
def rp_a(a):
    return make_rp(a)


@pytest.fixture
def rp_b(b):
    return make_rp(b)


def code_for(client, rp, user):
    sign_in(client, rp.tenant, user)
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "response_mode": "query",
        "scope": "openid profile email",
    }
    response = client.get(url(rp.tenant, "oidc-authorize") + "?" + urlencode(params))
    return query_of(response["Location"])["code"]


def redeem(client, at_tenant, rp, code):
    return client.post(
        url(at_tenant, "oidc-token"),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )


@pytest.fixture
def tokens_b(client, rp_b, b):
    user = factories.end_user(tenant=b)
    response = redeem(client, b, rp_b, code_for(client, rp_b, user))
    assert response.status_code == 200
    return response.json()


def test_authorize_at_a_with_b_client_is_an_error_page(client, a, b, rp_b):
    sign_in(client, a, factories.end_user(tenant=a))
    params = {
        "client_id": rp_b.client_id,
        "redirect_uri": rp_b.redirect_uri,
        "response_type": "code",
        "scope": "openid",
    }
    response = client.get(url(a, "oidc-authorize") + "?" + urlencode(params))
    assert response.status_code == 400
    assert "Location" not in response


def test_token_at_a_with_b_client_credentials_is_invalid_client(client, a, b, rp_b):
    code = code_for(client, rp_b, factories.end_user(tenant=b))
    response = redeem(client, a, rp_b, code)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    # The code was not burnt by the attempt at the wrong tenant.
    assert redeem(client, b, rp_b, code).status_code == 200


def test_token_at_a_with_b_code_is_invalid_grant_and_revokes_nothing(
    client, a, b, rp_a, rp_b, tokens_b
):
    code_b = code_for(client, rp_b, factories.end_user(tenant=b))
    response = redeem(client, a, rp_a, code_b)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert redeem(client, b, rp_b, code_b).status_code == 200
    userinfo = client.get(
        url(b, "oidc-userinfo"), HTTP_AUTHORIZATION=f"Bearer {tokens_b['access_token']}"
    )
    assert userinfo.status_code == 200


def test_userinfo_at_a_with_b_token_is_401(client, a, b, tokens_b):
    bearer = f"Bearer {tokens_b['access_token']}"
    assert client.get(url(a, "oidc-userinfo"), HTTP_AUTHORIZATION=bearer).status_code == 401
    assert client.get(url(b, "oidc-userinfo"), HTTP_AUTHORIZATION=bearer).status_code == 200


def test_refresh_at_a_with_b_refresh_token_is_refused(client, a, b, rp_a, rp_b, tokens_b):
    data = {"grant_type": "refresh_token", "refresh_token": tokens_b["refresh_token"]}
    with_a = client.post(
        url(a, "oidc-token"), {**data, "client_id": rp_a.client_id, "client_secret": rp_a.secret}
    )
    assert with_a.json()["error"] == "invalid_grant"
    with_b = client.post(
        url(a, "oidc-token"), {**data, "client_id": rp_b.client_id, "client_secret": rp_b.secret}
    )
    assert with_b.status_code == 401


def test_revoke_at_a_cannot_touch_b_tokens(client, a, b, rp_a, rp_b, tokens_b):
    as_a = client.post(
        url(a, "oidc-revoke"),
        {
            "token": tokens_b["access_token"],
            "client_id": rp_a.client_id,
            "client_secret": rp_a.secret,
        },
    )
    assert as_a.status_code == 200  # RFC 7009: unknown tokens are not an error
    as_b_client = client.post(
        url(a, "oidc-revoke"),
        {
            "token": tokens_b["access_token"],
            "client_id": rp_b.client_id,
            "client_secret": rp_b.secret,
        },
    )
    assert as_b_client.status_code == 401
    bearer = f"Bearer {tokens_b['access_token']}"
    assert client.get(url(b, "oidc-userinfo"), HTTP_AUTHORIZATION=bearer).status_code == 200


def test_logout_at_a_with_b_id_token_hint_is_an_error_page(client, a, b, tokens_b):
    response = client.get(url(a, "oidc-logout"), {"id_token_hint": tokens_b["id_token"]})
    assert response.status_code == 400
    assert "Location" not in response


def test_logout_at_a_with_b_client_id_is_an_error_page(client, a, rp_b):
    response = client.get(url(a, "oidc-logout"), {"client_id": rp_b.client_id})
    assert response.status_code == 400


def test_b_id_token_does_not_verify_against_a_jwks(client, a, b, rp_b, tokens_b):
    from joserfc.errors import JoseError

    jwks_a = client.get(url(a, "oidc-jwks")).json()
    jwks_b = client.get(url(b, "oidc-jwks")).json()
    verify_id_token(jwks_b, tokens_b["id_token"], issuer=b.issuer, client_id=rp_b.client_id)
    with pytest.raises((JoseError, ValueError)):
        verify_id_token(jwks_a, tokens_b["id_token"], issuer=a.issuer, client_id=rp_b.client_id)
