"""Issue 11 items 5, 6, 8, 9, 10: spec-exact answers at the authorize and token endpoints."""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant

from tests import factories
from tests.idp.oidc_support import (
    authorize_path,
    form_post_fields,
    make_rp,
    oidc_tenant,
    pkce_pair,
    query_of,
    sign_in,
    token_path,
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
        tenant=tenant, email="ada@example.com", email_verified_at=timezone.now()
    )


def authorize(client, rp, **overrides):
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid email",
        "state": "st-1",
        "nonce": "n-1",
        "response_mode": "query",
    }
    params.update(overrides)
    params = {k: v for k, v in params.items() if v is not None}
    return client.get(authorize_path(rp.tenant) + "?" + urlencode(params))


def get_code(client, rp, **overrides) -> str:
    response = authorize(client, rp, **overrides)
    assert response.status_code == 302, response.content[:300]
    return query_of(response["Location"])["code"]


def basic(client_id: str, secret: str) -> str:
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return "Basic " + base64.b64encode(raw).decode()


def exchange(client, rp, code, *, headers=None, **fields):
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": rp.redirect_uri,
        "client_id": rp.client_id,
        "client_secret": rp.secret,
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(token_path(rp.tenant), data, **(headers or {}))


# --- 5: PKCE downgrade -----------------------------------------------------------------------


def test_code_verifier_for_a_code_issued_without_challenge_is_invalid_grant(
    client, rp, user, tenant
):
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    response = exchange(client, rp, code, code_verifier=pkce_pair()[0])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    # Without the verifier the same kind of code is still fine for a confidential client.
    assert exchange(client, rp, get_code(client, rp)).status_code == 200


def test_a_refused_exchange_does_not_spend_the_code_but_a_granted_one_does(
    client, rp, user, tenant
):
    """Only an exchange that passed every check claims the code (as oidc-provider does); the
    code then stays single use."""
    sign_in(client, tenant, user)
    verifier, challenge = pkce_pair()
    code = get_code(client, rp, code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(client, rp, code, code_verifier=pkce_pair()[0])
    assert (wrong.status_code, wrong.json()["error"]) == (400, "invalid_grant")
    assert not AccessToken.objects.exists()
    granted = exchange(client, rp, code, code_verifier=verifier)
    assert granted.status_code == 200, granted.content
    again = exchange(client, rp, code, code_verifier=verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


# --- 6: redirect_uri is required at the token endpoint ---------------------------------------


def test_token_request_without_redirect_uri_is_refused(client, rp, user, tenant):
    """Even with a single registered URL that oauthlib could fill in by itself."""
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    response = exchange(client, rp, code, redirect_uri=None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "redirect_uri" in response.json()["error_description"]
    assert not AccessToken.objects.exists()


def test_token_request_without_redirect_uri_with_several_registered(client, tenant, user):
    rp = make_rp(tenant)
    rp.client.redirect_urls.create(tenant=tenant, url="https://rp.example.com/other")
    sign_in(client, tenant, user)
    response = exchange(client, rp, get_code(client, rp), redirect_uri=None)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert exchange(client, rp, get_code(client, rp)).status_code == 200


# --- 8: unknown scopes are ignored -----------------------------------------------------------


@pytest.mark.parametrize("extra", ["offline_access", "address", "phone offline_access"])
def test_unknown_scopes_are_ignored_not_refused(client, rp, user, tenant, extra):
    sign_in(client, tenant, user)
    code = get_code(client, rp, scope=f"openid email {extra}")
    assert set(Grant.objects.get().scope.split()) == {"openid", "email"}
    response = exchange(client, rp, code)
    assert response.status_code == 200, response.content
    assert set(response.json()["scope"].split()) == {"openid", "email"}
    assert response.json()["id_token"]


def test_a_request_with_no_known_scope_is_still_invalid_scope(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, scope="offline_access address")
    assert query_of(response["Location"])["error"] == "invalid_scope"


# --- 9: request objects ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "param, error",
    [
        ("request", "request_not_supported"),
        ("request_uri", "request_uri_not_supported"),
    ],
)
def test_request_objects_are_refused_by_name(client, rp, user, tenant, param, error):
    sign_in(client, tenant, user)
    value = (
        "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9."
        if param == "request"
        else ("https://rp.example.com/request.jwt")
    )
    response = authorize(client, rp, **{param: value})
    assert response.status_code == 302
    assert response["Location"].startswith(rp.redirect_uri + "?")
    params = query_of(response["Location"])
    assert params["error"] == error and params["state"] == "st-1"
    assert not Grant.objects.exists()


def test_discovery_says_request_objects_are_not_supported(client, tenant):
    url = reverse("idp:oidc-discovery", kwargs={"tenant_slug": tenant.slug})
    document = client.get(url).json()
    assert document["request_parameter_supported"] is False
    assert document["request_uri_parameter_supported"] is False


# --- 10: error codes and headers ---------------------------------------------------------------


@pytest.mark.parametrize(
    "response_type", ["token", "id_token token", "code id_token", "code token"]
)
def test_unsupported_response_types_are_named_so(client, rp, user, tenant, response_type):
    sign_in(client, tenant, user)
    response = authorize(client, rp, response_type=response_type, response_mode=None)
    # Delivered the client's registered way (form_post) to its registered redirect URI.
    action, params = form_post_fields(response.content.decode())
    assert action == rp.redirect_uri
    assert params["error"] == "unsupported_response_type"
    assert params["state"] == "st-1"
    assert not Grant.objects.exists()


def test_a_code_client_asking_for_id_token_is_still_unauthorized_client(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, response_type="id_token", response_mode="fragment")
    assert query_of("?" + response["Location"].split("#", 1)[1])["error"] == "unauthorized_client"


def test_failed_client_secret_basic_is_challenged_with_basic(client, rp, user, tenant):
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    headers = {"HTTP_AUTHORIZATION": basic(rp.client_id, "wrong")}
    response = exchange(client, rp, code, headers=headers, client_id=None, client_secret=None)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert f'realm="{tenant.issuer}"' in response["WWW-Authenticate"]
    assert "Bearer" not in response["WWW-Authenticate"]
    good = {"HTTP_AUTHORIZATION": basic(rp.client_id, rp.secret)}
    ok = exchange(client, rp, code, headers=good, client_id=None, client_secret=None)
    assert ok.status_code == 200, ok.content


def test_failed_client_secret_post_is_not_challenged_with_bearer(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = exchange(client, rp, get_code(client, rp), client_secret="wrong")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")


def test_failed_revocation_client_auth_is_challenged_with_basic(client, rp, tenant):
    url = reverse("idp:oidc-revoke", kwargs={"tenant_slug": tenant.slug})
    response = client.post(url, {"token": "x"}, HTTP_AUTHORIZATION=basic(rp.client_id, "wrong"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize("endpoint", ["oidc-token", "oidc-revoke"])
def test_two_client_authentication_methods_at_once_are_refused(client, rp, user, tenant, endpoint):
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    headers = {"HTTP_AUTHORIZATION": basic(rp.client_id, rp.secret)}
    if endpoint == "oidc-token":
        response = exchange(client, rp, code, headers=headers)
    else:
        url = reverse("idp:oidc-revoke", kwargs={"tenant_slug": tenant.slug})
        data = {"token": "x", "client_id": rp.client_id, "client_secret": rp.secret}
        response = client.post(url, data, **headers)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert not AccessToken.objects.exists()
    if endpoint == "oidc-token":
        # The code was not spent by the refused request.
        assert exchange(client, rp, code).status_code == 200
