"""End to end with Authlib as an independent relying party against a live server."""

from __future__ import annotations

import secrets
import warnings

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from django.utils import timezone

from tests import factories
from tests.idp.oidc_support import (
    form_post_fields,
    is_sign_in_page,
    make_rp,
    oidc_tenant,
    sign_in,
    sign_in_page,
    verify_id_token,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::DeprecationWarning"),
]
warnings.filterwarnings("ignore", module="authlib")


@pytest.fixture
def setup(public_live_server):
    tenant = oidc_tenant()
    user = factories.end_user(
        tenant=tenant,
        email="grace@example.com",
        given_name="Grace",
        family_name="Hopper",
        nickname="Amazing Grace",
        email_verified_at=timezone.now(),
    )
    server = public_live_server.url
    discovery = requests.get(f"{server}/t/{tenant.slug}/.well-known/openid-configuration").json()
    return tenant, user, server, discovery


def sign_in_and_authorize(server, tenant, user, url):
    """A browser follows authorize → its sign-in page → (test sign-in) → resumed authorize."""
    browser = requests.Session()
    first = browser.get(url, allow_redirects=False)
    assert is_sign_in_page(first, tenant)  # rendered by authorize itself
    next_url = sign_in_page(first)["next"]
    assert next_url.startswith(f"/t/{tenant.slug}/")
    sign_in(browser, tenant, user)
    resumed = browser.get(server + next_url, allow_redirects=False)
    assert resumed.status_code == 200
    assert resumed.headers["Cache-Control"] == "no-store"
    return form_post_fields(resumed.text)


@pytest.mark.parametrize("auth_method", ["client_secret_post", "client_secret_basic"])
def test_code_flow_with_form_post(setup, auth_method):
    tenant, user, server, discovery = setup
    assert discovery["issuer"] == f"{server}/t/{tenant.slug}"
    assert auth_method in discovery["token_endpoint_auth_methods_supported"]
    rp = make_rp(tenant)
    session = OAuth2Session(
        rp.client_id,
        rp.secret,
        scope="openid profile email",
        redirect_uri=rp.redirect_uri,
        token_endpoint_auth_method=auth_method,
    )
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], nonce=nonce, response_mode="form_post"
    )
    action, fields = sign_in_and_authorize(server, tenant, user, url)
    assert action == rp.redirect_uri
    assert fields["state"] == state
    assert fields["iss"] == discovery["issuer"]

    token = session.fetch_token(discovery["token_endpoint"], code=fields["code"], state=state)
    assert token["token_type"].lower() == "bearer"
    jwks = requests.get(discovery["jwks_uri"]).json()
    claims = verify_id_token(
        jwks, token["id_token"], issuer=discovery["issuer"], client_id=rp.client_id, nonce=nonce
    )
    assert claims["header"]["kid"] in {k["kid"] for k in jwks["keys"]}
    assert claims["sub"] == user.subject
    assert claims["email"] == "grace@example.com" and claims["email_verified"] is True
    assert claims["given_name"] == "Grace" and claims["family_name"] == "Hopper"
    assert claims["name"] == "Amazing Grace" and claims["nickname"] == "Amazing Grace"
    assert claims["amr"] == ["hwk", "user"] and claims["auth_time"] <= claims["iat"]

    userinfo = session.get(discovery["userinfo_endpoint"])
    assert userinfo.status_code == 200
    assert userinfo.json()["sub"] == user.subject
    assert userinfo.json()["email"] == "grace@example.com"


def test_implicit_id_token_with_form_post(setup):
    tenant, user, server, discovery = setup
    rp = make_rp(tenant, response_type="id_token")
    session = OAuth2Session(
        rp.client_id, scope="openid profile email", redirect_uri=rp.redirect_uri
    )
    nonce = secrets.token_urlsafe(16)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"],
        response_type="id_token",
        nonce=nonce,
        response_mode="form_post",
    )
    action, fields = sign_in_and_authorize(server, tenant, user, url)
    assert action == rp.redirect_uri and fields["state"] == state
    jwks = requests.get(discovery["jwks_uri"]).json()
    claims = verify_id_token(
        jwks,
        fields["id_token"],
        issuer=discovery["issuer"],
        client_id=rp.client_id,
        nonce=nonce,
        implicit=True,
    )
    assert claims["sub"] == user.subject and claims["given_name"] == "Grace"


def test_discovery_and_jwks_over_http(setup):
    tenant, _user, server, discovery = setup
    response = requests.get(discovery["jwks_uri"])
    assert response.status_code == 200
    assert response.headers["ETag"]
    assert "max-age=" in response.headers["Cache-Control"]
    again = requests.get(discovery["jwks_uri"], headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    script = requests.get(f"{server}/t/{tenant.slug}/oidc/form-post.js")
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
