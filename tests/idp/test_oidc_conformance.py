"""Conformance rules of the authorization and token endpoints, one test per rule."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant, IDToken, RefreshToken

from idp.models import AuthorizationCode
from tenants.audit import AuditEvent
from tests import factories
from tests.idp.oidc_support import (
    authorize_path,
    form_post_fields,
    fragment_of,
    is_sign_in_page,
    make_rp,
    oidc_tenant,
    pkce_pair,
    query_of,
    sign_in,
    sign_in_page,
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
    from tenants.oidc.keys import signing_keys_published

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


def test_code_flow_without_nonce_succeeds(client, rp, user, tenant):
    sign_in(client, tenant, user)
    code = get_code(client, rp, nonce=None)
    body = exchange(client, rp, code).json()
    claims = verify(tenant, body["id_token"], rp.client_id)
    assert "nonce" not in claims


def test_state_is_echoed_unchanged(client, rp, user, tenant):
    sign_in(client, tenant, user)
    state = "a b+c/d=e&f%20g~é"
    response = authorize(client, rp, state=state)
    assert query_of(response["Location"])["state"] == state


# --- refusals: an error page, never a redirect ---------------------------------------------


def assert_error_page(response, status=400):
    assert response.status_code == status, response.content[:300]
    assert "Location" not in response
    assert b"<h1>" in response.content


def test_oidc_off_refuses_with_error_page(client, rp, user, tenant):
    sign_in(client, tenant, user)
    tenant.oidc_enabled = False
    tenant.save()
    response = authorize(client, rp)
    assert_error_page(response, 403)
    assert b"turned off" in response.content


def test_suspended_tenant_refuses_with_error_page(client, rp, user, tenant):
    sign_in(client, tenant, user)
    tenant.status = tenant.Status.SUSPENDED
    tenant.save()
    assert_error_page(authorize(client, rp), 404)


def test_unknown_client_refuses_with_error_page(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, client_id="no-such-client")
    assert_error_page(response)
    assert b"not registered" in response.content


def test_missing_redirect_uri_refuses_with_error_page(client, rp, user, tenant):
    sign_in(client, tenant, user)
    assert_error_page(authorize(client, rp, redirect_uri=None))


@pytest.mark.parametrize(
    "variant",
    [
        "https://rp.example.com/cb/",  # trailing slash
        "https://RP.example.com/cb",  # case of the host
        "https://rp.example.com/CB",  # case of the path
        "https://rp.example.com/cb?x=1",  # an added query
        "https://rp.example.com/cb#frag",  # a fragment
        "https://user@rp.example.com/cb",  # userinfo
        "https://rp.example.com:443/cb",  # an explicit port
        "https://rp.example.com:8443/cb",  # another port
        "https://rp.example.com/%63b",  # percent-encoding
        "http://rp.example.com/cb",  # scheme
        "https://rp.example.com.evil.test/cb",  # suffix
    ],
)
def test_redirect_uri_must_match_exactly(client, rp, user, tenant, variant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, redirect_uri=variant)
    assert_error_page(response)
    assert b"Redirect URL" in response.content


def test_unknown_response_type_errors_to_the_registered_redirect_uri(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, response_type="banana")
    assert response.status_code == 302
    assert response["Location"].startswith(rp.redirect_uri + "?")
    params = query_of(response["Location"])
    assert params["error"] == "unsupported_response_type"
    assert params["state"] == "st-123"
    assert params["iss"] == tenant.issuer


def test_missing_response_type_errors_to_the_registered_redirect_uri(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, response_type=None)
    assert response.status_code == 302
    assert response["Location"].startswith(rp.redirect_uri + "?")
    assert query_of(response["Location"])["error"] == "invalid_request"


def test_unsupported_response_mode_errors_to_the_redirect_uri(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, response_mode="web_message")
    # Delivered in the client's registered mode (form_post by default).
    action, fields = form_post_fields(response.content.decode())
    assert action == rp.redirect_uri
    assert fields["error"] == "invalid_request" and fields["state"] == "st-123"


# --- codes ---------------------------------------------------------------------------------


def test_code_is_single_use_and_reuse_revokes_its_tokens(client, rp, user, tenant):
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    first = exchange(client, rp, code)
    assert first.status_code == 200
    tokens = first.json()
    userinfo = reverse_url(tenant, "oidc-userinfo")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get(userinfo, **bearer).status_code == 200

    second = exchange(client, rp, code)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert client.get(userinfo, **bearer).status_code == 401
    assert not AccessToken.objects.filter(application=rp.client).exists()
    assert not IDToken.objects.filter(application=rp.client).exists()
    assert all(r.revoked for r in RefreshToken.objects.filter(application=rp.client))
    refresh = client.post(
        token_path(tenant),
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )
    assert refresh.json()["error"] == "invalid_grant"
    assert AuditEvent.objects.filter(action="oidc.code_reused", tenant=tenant).count() == 1


def test_code_lives_at_most_60_seconds(client, rp, user, tenant):
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    grant = Grant.objects.get(code=code)
    assert grant.expires - timezone.now() <= timedelta(seconds=60)
    past = timezone.now() - timedelta(seconds=1)
    Grant.objects.filter(pk=grant.pk).update(expires=past)
    AuthorizationCode.objects.filter(client=rp.client).update(expires_at=past)
    response = exchange(client, rp, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_is_bound_to_its_client(client, rp, user, tenant):
    other = make_rp(tenant, redirect_uri=rp.redirect_uri)
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    response = exchange(client, other, code)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert exchange(client, rp, code).status_code == 200


def test_code_is_bound_to_its_redirect_uri(client, user, tenant):
    rp = make_rp(tenant)
    from tenants.models import RedirectURL

    RedirectURL.objects.create(tenant=tenant, client=rp.client, url="https://rp.example.com/cb2")
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    response = exchange(client, rp, code, redirect_uri="https://rp.example.com/cb2")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_wrong_secret_by_basic_is_401_invalid_client(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = exchange(client, rp, get_code(client, rp), secret="wrong", basic=True)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_wrong_secret_by_post_is_401_invalid_client(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = exchange(client, rp, get_code(client, rp), secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_client_secret_basic_succeeds(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = exchange(client, rp, get_code(client, rp), basic=True)
    assert response.status_code == 200
    assert rp.client.secrets.get().last_used_at is not None


def test_revoked_and_expired_secrets_are_refused(client, rp, user, tenant):
    from tests.idp.oidc_support import add_secret

    expired = add_secret(rp.client, expires_at=timezone.now() - timedelta(minutes=1))
    revoked = add_secret(rp.client, revoked_at=timezone.now())
    sign_in(client, tenant, user)
    for secret in (expired, revoked):
        response = exchange(client, rp, get_code(client, rp), secret=secret)
        assert response.status_code == 401


def test_token_responses_are_no_store(client, rp, user, tenant):
    sign_in(client, tenant, user)
    ok = exchange(client, rp, get_code(client, rp))
    bad = exchange(client, rp, "nope")
    unauthorised = exchange(client, rp, "nope", secret="wrong")
    for response in (ok, bad, unauthorised):
        assert response["Cache-Control"] == "no-store"
        assert response["Pragma"] == "no-cache"
    assert (ok.status_code, bad.status_code, unauthorised.status_code) == (200, 400, 401)


# --- PKCE ----------------------------------------------------------------------------------


@pytest.fixture
def public_rp(tenant):
    from tenants.models import OIDCClient

    rp = make_rp(tenant)
    OIDCClient.objects.filter(pk=rp.client.pk).update(client_type=OIDCClient.CLIENT_PUBLIC)
    rp.client.refresh_from_db()
    return rp


def test_pkce_is_required_for_public_clients(client, public_rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, public_rp)
    assert query_of(response["Location"])["error"] == "invalid_request"
    verifier, challenge = pkce_pair()
    code = get_code(client, public_rp, code_challenge=challenge, code_challenge_method="S256")
    response = client.post(
        token_path(tenant),
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": public_rp.redirect_uri,
            "client_id": public_rp.client_id,
            "code_verifier": verifier,
        },
    )
    assert response.status_code == 200, response.content


def test_pkce_plain_is_refused(client, public_rp, user, tenant):
    sign_in(client, tenant, user)
    for method in ("plain", None):
        response = authorize(
            client, public_rp, code_challenge="x" * 43, code_challenge_method=method
        )
        assert query_of(response["Location"])["error"] == "invalid_request"
    assert not Grant.objects.exists()


def test_pkce_is_honoured_for_confidential_clients(client, rp, user, tenant):
    sign_in(client, tenant, user)
    verifier, challenge = pkce_pair()
    code = get_code(client, rp, code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(client, rp, code, code_verifier=pkce_pair()[0])
    assert wrong.json()["error"] == "invalid_grant"
    code = get_code(client, rp, code_challenge=challenge, code_challenge_method="S256")
    missing = exchange(client, rp, code)
    assert missing.json()["error"] == "invalid_request"
    code = get_code(client, rp, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(client, rp, code, code_verifier=verifier).status_code == 200


# --- implicit, response modes, iss ---------------------------------------------------------


@pytest.fixture
def implicit_rp(tenant):
    return make_rp(tenant, response_type="id_token")


def test_implicit_id_token_with_form_post_works(client, implicit_rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, implicit_rp, response_type="id_token", response_mode="form_post")
    assert response.status_code == 200
    action, fields = form_post_fields(response.content.decode())
    assert action == implicit_rp.redirect_uri
    assert fields["state"] == "st-123"
    assert fields["iss"] == tenant.issuer
    claims = verify(tenant, fields["id_token"], implicit_rp.client_id, nonce="n-456")
    assert claims["sub"] == user.subject and claims["email"] == user.email
    assert "access_token" not in fields and "code" not in fields


def test_implicit_without_nonce_is_refused(client, implicit_rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(
        client, implicit_rp, response_type="id_token", response_mode="fragment", nonce=None
    )
    assert response.status_code == 302
    params = fragment_of(response["Location"])
    assert params["error"] == "invalid_request"
    assert "id_token" not in params


def test_implicit_is_never_sent_in_a_query(client, implicit_rp, user, tenant):
    sign_in(client, tenant, user)
    implicit_rp.client.response_mode = "query"
    implicit_rp.client.save()
    response = authorize(client, implicit_rp, response_type="id_token", response_mode="query")
    assert "id_token" not in response["Location"]
    assert urlsplit(response["Location"]).query == ""
    assert fragment_of(response["Location"])["error"] == "invalid_request"


def test_response_mode_fragment_carries_code_and_iss(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, response_mode="fragment")
    assert urlsplit(response["Location"]).query == ""
    params = fragment_of(response["Location"])
    assert params["code"] and params["state"] == "st-123" and params["iss"] == tenant.issuer


def test_form_post_page_auto_submits_without_inline_script(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, response_mode="form_post")
    html = response.content.decode()
    action, fields = form_post_fields(html)
    assert action == rp.redirect_uri
    assert fields["code"] and fields["state"] == "st-123" and fields["iss"] == tenant.issuer
    assert response["Cache-Control"] == "no-store"
    csp = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "form-action https://rp.example.com" in csp
    assert "<script>" not in html and "onload" not in html
    assert "<noscript>" in html
    script = client.get(reverse_url(tenant, "oidc-form-post-js"))
    assert script.status_code == 200 and b"submit()" in script.content


def test_client_default_response_mode_applies_without_a_parameter(client, rp, user, tenant):
    sign_in(client, tenant, user)
    assert rp.client.response_mode == "form_post"
    response = authorize(client, rp, response_mode=None)
    assert response.status_code == 200
    assert form_post_fields(response.content.decode())[1]["code"]


# --- sign-in hand-off, prompt, max_age, login_hint -----------------------------------------


def sign_in_url(tenant):
    from django.urls import reverse

    return reverse("idp:sign-in", kwargs={"tenant_slug": tenant.slug})


def test_without_sign_in_authorize_hands_off_and_resumes(client, rp, user, tenant):
    response = authorize(client, rp, login_hint="ada@example.com")
    # The sign-in page itself, at the authorize URL (one request fewer than a redirect).
    params = sign_in_page(response)
    assert params is not None and is_sign_in_page(response, tenant)
    assert params["login_hint"] == "ada@example.com"
    assert "csrftoken" in response.cookies
    assert params["next"].startswith(f"/t/{tenant.slug}/authorize?")
    assert query_of(params["next"])["state"] == "st-123"
    sign_in(client, tenant, user)
    resumed = client.get(params["next"])
    assert resumed.status_code == 302
    assert query_of(resumed["Location"])["code"]


def test_prompt_none_without_sign_in_is_login_required(client, rp, user, tenant):
    response = authorize(client, rp, prompt="none")
    assert response.status_code == 302
    assert response["Location"].startswith(rp.redirect_uri)
    params = query_of(response["Location"])
    assert params["error"] == "login_required" and params["state"] == "st-123"


def test_prompt_none_with_sign_in_returns_a_code(client, rp, user, tenant):
    sign_in(client, tenant, user)
    assert query_of(authorize(client, rp, prompt="none")["Location"])["code"]


def test_prompt_login_forces_a_fresh_sign_in(client, rp, user, tenant):
    sign_in(client, tenant, user)
    response = authorize(client, rp, prompt="login")
    assert is_sign_in_page(response, tenant)
    next_url = sign_in_page(response)["next"]
    assert "prompt" not in query_of(next_url)
    # The old sign-in is gone: resuming without signing in again shows the sign-in page again.
    assert is_sign_in_page(client.get(next_url), tenant)
    sign_in(client, tenant, user, amr=("hwk", "user", "mfa"))
    resumed = client.get(next_url)
    code = query_of(resumed["Location"])["code"]
    claims = verify(tenant, exchange(client, rp, code).json()["id_token"], rp.client_id)
    assert claims["amr"] == ["hwk", "user", "mfa"]


def test_max_age_exceeded_requires_a_new_sign_in(client, rp, user, tenant):
    from idp.session import SESSION_KEY

    sign_in(client, tenant, user)
    session = client.session
    record = session[SESSION_KEY][str(tenant.pk)]
    record["auth_time"] -= 600
    session[SESSION_KEY] = {str(tenant.pk): record}
    session.save()
    assert authorize(client, rp, max_age="3600").status_code == 302
    fresh = query_of(authorize(client, rp, max_age="3600")["Location"])
    assert fresh["code"]
    claims = verify(tenant, exchange(client, rp, fresh["code"]).json()["id_token"], rp.client_id)
    assert claims["auth_time"] == record["auth_time"]
    stale = authorize(client, rp, max_age="60")
    assert is_sign_in_page(stale, tenant)
    assert "max_age" not in query_of(sign_in_page(stale)["next"])


def test_max_age_exceeded_with_prompt_none_is_login_required(client, rp, user, tenant):
    from idp.session import SESSION_KEY

    sign_in(client, tenant, user)
    session = client.session
    record = session[SESSION_KEY][str(tenant.pk)]
    record["auth_time"] -= 600
    session[SESSION_KEY] = {str(tenant.pk): record}
    session.save()
    response = authorize(client, rp, max_age="60", prompt="none")
    assert query_of(response["Location"])["error"] == "login_required"


def test_portal_session_is_never_an_end_user_sign_in(client, rp, tenant):
    admin = factories.portal_user()
    factories.membership(tenant=tenant, user=admin, role="read_write")
    client.force_login(admin)
    response = authorize(client, rp)
    assert is_sign_in_page(response, tenant)
    assert not Grant.objects.exists()


def test_sign_in_at_one_tenant_is_not_reused_at_another(client, rp, user, tenant):
    other = oidc_tenant()
    other_rp = make_rp(other)
    sign_in(client, tenant, user)
    response = authorize(client, other_rp)
    assert is_sign_in_page(response, other)


# --- headers -------------------------------------------------------------------------------


def test_authorize_pages_forbid_framing_referrers_and_cors(client, rp, user, tenant):
    responses = [
        authorize(client, rp, HTTP_ORIGIN="https://evil.test"),  # sign-in hand-off
        authorize(client, rp, client_id="nope"),  # error page
    ]
    sign_in(client, tenant, user)
    responses.append(authorize(client, rp, response_mode="form_post"))
    for response in responses:
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert response["Referrer-Policy"] == "no-referrer"
        assert not [h for h in response.headers if h.lower().startswith("access-control-")]


def test_spoofed_forwarded_headers_change_nothing(client, rp, user, tenant, settings):
    spoof = {"HTTP_X_FORWARDED_HOST": "evil.test", "HTTP_X_FORWARDED_PROTO": "https"}
    discovery = client.get(reverse_url(tenant, "oidc-discovery"), **spoof).json()
    assert discovery["issuer"] == tenant.issuer == f"{settings.PUBLIC_URL}/t/{tenant.slug}"
    assert all("evil.test" not in str(v) for v in discovery.values())
    hand_off = client.get(
        authorize_path(tenant)
        + "?"
        + urlencode(
            {
                "client_id": rp.client_id,
                "redirect_uri": rp.redirect_uri,
                "response_type": "code",
                "scope": "openid",
            }
        ),
        **spoof,
    )
    assert sign_in_page(hand_off)["next"].startswith(f"/t/{tenant.slug}/authorize?")
    assert "evil.test" not in hand_off.content.decode()
    sign_in(client, tenant, user)
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid",
        "response_mode": "query",
    }
    response = client.get(authorize_path(tenant) + "?" + urlencode(params), **spoof)
    assert response["Location"].startswith(rp.redirect_uri + "?")
    assert query_of(response["Location"])["iss"] == tenant.issuer


def test_trusted_proxy_still_cannot_change_the_issuer(client, rp, tenant, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    spoof = {"HTTP_X_FORWARDED_HOST": "evil.test", "HTTP_X_FORWARDED_PROTO": "https"}
    discovery = client.get(reverse_url(tenant, "oidc-discovery"), **spoof).json()
    assert discovery["issuer"] == f"{settings.PUBLIC_URL}/t/{tenant.slug}"


# --- userinfo, revocation, refresh ---------------------------------------------------------


def reverse_url(tenant, name):
    from django.urls import reverse

    return reverse(f"idp:{name}", kwargs={"tenant_slug": tenant.slug})


def test_userinfo_returns_the_scoped_claims(client, rp, user, tenant):
    sign_in(client, tenant, user)
    tokens = exchange(client, rp, get_code(client, rp)).json()
    response = client.get(
        reverse_url(tenant, "oidc-userinfo"), HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {
        "sub": user.subject,
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@example.com",
        "email_verified": True,
    }
    narrow = exchange(client, rp, get_code(client, rp, scope="openid")).json()
    response = client.get(
        reverse_url(tenant, "oidc-userinfo"), HTTP_AUTHORIZATION=f"Bearer {narrow['access_token']}"
    )
    assert response.json() == {"sub": user.subject}


def test_userinfo_refuses_bad_tokens(client, tenant):
    response = client.get(reverse_url(tenant, "oidc-userinfo"), HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401
    assert client.get(reverse_url(tenant, "oidc-userinfo")).status_code == 401


def test_revocation_ends_an_access_token(client, rp, user, tenant):
    sign_in(client, tenant, user)
    tokens = exchange(client, rp, get_code(client, rp)).json()
    response = client.post(
        reverse_url(tenant, "oidc-revoke"),
        {"token": tokens["access_token"], "client_id": rp.client_id, "client_secret": rp.secret},
    )
    assert response.status_code == 200
    userinfo = client.get(
        reverse_url(tenant, "oidc-userinfo"), HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}"
    )
    assert userinfo.status_code == 401


def test_refresh_token_grant_issues_a_new_access_token(client, rp, user, tenant):
    sign_in(client, tenant, user)
    tokens = exchange(client, rp, get_code(client, rp)).json()
    response = client.post(
        token_path(tenant),
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["access_token"] != tokens["access_token"]


# --- logout --------------------------------------------------------------------------------


@pytest.fixture
def logout_url(rp):
    from tenants.models import RedirectURL

    RedirectURL.objects.create(
        tenant=rp.tenant,
        client=rp.client,
        kind=RedirectURL.LOGOUT,
        url="https://rp.example.com/bye",
    )
    return "https://rp.example.com/bye"


def issue_id_token(client, rp, user):
    sign_in(client, rp.tenant, user)
    return exchange(client, rp, get_code(client, rp)).json()["id_token"]


def test_logout_with_hint_signs_out_and_returns_to_registered_uri(
    client, rp, user, tenant, logout_url
):
    from idp.session import SESSION_KEY

    id_token = issue_id_token(client, rp, user)
    response = client.get(
        reverse_url(tenant, "oidc-logout"),
        {"id_token_hint": id_token, "post_logout_redirect_uri": logout_url, "state": "s1"},
    )
    assert response.status_code == 302
    assert response["Location"] == logout_url + "?state=s1"
    assert str(tenant.pk) not in client.session.get(SESSION_KEY, {})


def test_logout_refuses_unregistered_post_logout_redirect_uri(client, rp, user, tenant, logout_url):
    id_token = issue_id_token(client, rp, user)
    response = client.get(
        reverse_url(tenant, "oidc-logout"),
        {"id_token_hint": id_token, "post_logout_redirect_uri": "https://evil.test/bye"},
    )
    assert_error_page(response)
    response = client.get(
        reverse_url(tenant, "oidc-logout"), {"post_logout_redirect_uri": logout_url}
    )
    assert_error_page(response)


def test_logout_refuses_an_unsigned_hint(client, rp, user, tenant, logout_url):
    id_token = issue_id_token(client, rp, user)
    header, payload, _sig = id_token.split(".")
    forged_header = (
        base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).decode().rstrip("=")
    )
    response = client.get(
        reverse_url(tenant, "oidc-logout"),
        {"id_token_hint": f"{forged_header}.{payload}.", "post_logout_redirect_uri": logout_url},
    )
    assert_error_page(response)


def test_logout_without_hint_asks_before_signing_out(client, rp, user, tenant, logout_url):
    from idp.session import SESSION_KEY

    sign_in(client, tenant, user)
    params = {"client_id": rp.client_id, "post_logout_redirect_uri": logout_url}
    page = client.get(reverse_url(tenant, "oidc-logout"), params)
    assert page.status_code == 200 and b"Sign out?" in page.content
    assert str(tenant.pk) in client.session.get(SESSION_KEY, {})
    done = client.post(reverse_url(tenant, "oidc-logout"), {**params, "confirm": "yes"})
    assert done["Location"] == logout_url
    assert str(tenant.pk) not in client.session.get(SESSION_KEY, {})


# --- query counts --------------------------------------------------------------------------


def test_authorize_query_count(client, rp, user, tenant, django_assert_max_num_queries):
    sign_in(client, tenant, user)
    authorize(client, rp)  # warm caches of the session and the client
    # tenant, session, user, the client joined with its redirect URLs (and the active kid),
    # DOT's grant, our code record
    with django_assert_max_num_queries(6):
        response = authorize(client, rp)
    assert response.status_code == 302


def test_token_exchange_query_count(client, rp, user, tenant, django_assert_max_num_queries):
    sign_in(client, tenant, user)
    # A running server has parsed the active key and touched the secret (once a minute) already.
    assert exchange(client, rp, get_code(client, rp)).status_code == 200
    code = get_code(client, rp)
    # tenant; the client with its redirect URLs and active kid; its secrets (both kept per
    # process in production); our code record + DOT's grant + the user; then one statement
    # that claims the code, deletes DOT's grant and inserts the ID, access and refresh tokens
    # (SQLite, without INSERT in WITH: the claim, the delete and three inserts).
    with django_assert_max_num_queries(5 if connection.vendor == "postgresql" else 9):
        response = exchange(client, rp, code)
    assert response.status_code == 200


def test_token_exchange_reads_the_signing_key_once_per_process(
    client, rp, user, tenant, django_assert_max_num_queries
):
    from tenants.oidc.keys import key_rotate_now, signing_key_active

    sign_in(client, tenant, user)
    assert exchange(client, rp, get_code(client, rp)).status_code == 200
    key_rotate_now(tenant=tenant, actor=None, reason="test")
    code = get_code(client, rp)
    # After a rotation the new key is read once (one statement more), and signs at once.
    with django_assert_max_num_queries(6 if connection.vendor == "postgresql" else 10):
        response = exchange(client, rp, code)
    assert response.status_code == 200
    claims = verify(tenant, response.json()["id_token"], rp.client_id, nonce="n-456")
    assert claims["header"]["kid"] == signing_key_active(tenant=tenant).kid
    assert claims["sub"] == user.subject


def test_implicit_grant_is_pinned_on_for_the_legacy_flow(settings):
    # DOT 4.0 flips this default; the legacy Azure AD B2C set-up needs response_type=id_token.
    assert settings.OAUTH2_PROVIDER["COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT"] is False
    assert settings.OAUTH2_PROVIDER["COMPLIANT_BCP_RFC9700_PKCE_METHOD"] is True


@pytest.mark.parametrize(
    "query",
    [
        "client_id=a&client_id=b",
        "client_id={cid}&redirect_uri={ru}&redirect_uri={ru}",
        "client_id={cid}&redirect_uri={ru}&response_type=code&scope=openid&max_age=abc",
        "client_id={cid}&redirect_uri={ru}&response_type=code&scope=openid&claims=%7Bnot-json",
        "client_id={cid}&redirect_uri={ru}&response_type=code%20id_token&scope=openid",
        "client_id={cid}&redirect_uri={ru}&response_type=token&scope=openid",
        "client_id={cid}&redirect_uri={ru}&response_type=code&scope=openid%20admin",
        "client_id=%00&redirect_uri={ru}",
        "client_id={cid}&redirect_uri=%00",
        "client_id={cid}&redirect_uri={ru}&response_type=code&scope=openid&prompt=none%20login",
    ],
)
def test_malformed_authorize_requests_never_500(client, rp, user, tenant, query):
    sign_in(client, tenant, user)
    query = query.format(cid=rp.client_id, ru=quote(rp.redirect_uri, safe=""))
    response = client.get(authorize_path(tenant) + "?" + query)
    assert response.status_code < 500
    if response.status_code == 302:
        assert response["Location"].startswith(rp.redirect_uri)


@pytest.mark.parametrize(
    "data, headers",
    [
        ({"grant_type": "authorization_code"}, {}),
        ({"grant_type": "nope", "client_id": "x"}, {}),
        ({"grant_type": "authorization_code", "code": "x" * 5000}, {}),
        ({"grant_type": "authorization_code", "code": "x"}, {"HTTP_AUTHORIZATION": "Basic !!!"}),
        ({"grant_type": "authorization_code", "code": "x"}, {"HTTP_AUTHORIZATION": "Basic Og=="}),
        ({"grant_type": "refresh_token", "refresh_token": "x", "client_id": "\x00"}, {}),
    ],
)
def test_malformed_token_requests_never_500(client, rp, tenant, data, headers):
    response = client.post(token_path(tenant), data, **headers)
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_sign_in_page_reached_from_authorize_forbids_framing_referrers_and_cors(client, rp):
    hand_off = authorize(client, rp, HTTP_ORIGIN="https://evil.test")
    # The page as authorize renders it, and at its own URL resuming the same request.
    next_url = sign_in_page(hand_off)["next"]
    own = client.get(
        sign_in_url(rp.tenant) + "?" + urlencode({"next": next_url}),
        HTTP_ORIGIN="https://evil.test",
    )
    assert sign_in_page(own)["next"] == next_url
    for page in (hand_off, own):
        assert page.status_code == 200
        assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
        assert page["Referrer-Policy"] == "no-referrer"
        assert page["X-Frame-Options"] == "DENY"
        assert page["Cache-Control"] == "no-store"
        assert not [h for h in page.headers if h.lower().startswith("access-control-")]


def test_authorize_accepts_post(client, rp, user, tenant):
    sign_in(client, tenant, user)
    data = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "response_mode": "query",
        "scope": "openid",
        "state": "posted",
    }
    response = client.post(authorize_path(tenant), data)
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["state"] == "posted" and params["code"]


def test_expired_code_records_are_purged(client, rp, user, tenant):
    from idp.oidc_services import authorization_codes_purge

    sign_in(client, tenant, user)
    get_code(client, rp)
    assert authorization_codes_purge() == 0
    assert authorization_codes_purge(now=timezone.now() + timedelta(days=2)) == 1
    assert not AuthorizationCode.objects.exists()


def test_token_userinfo_and_revoke_refuse_while_oidc_is_off(client, rp, user, tenant):
    sign_in(client, tenant, user)
    code = get_code(client, rp)
    tokens = exchange(client, rp, get_code(client, rp)).json()
    tenant.oidc_enabled = False
    tenant.save()
    assert exchange(client, rp, code).status_code == 403
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get(reverse_url(tenant, "oidc-userinfo"), **bearer).status_code == 403
    revoke = client.post(reverse_url(tenant, "oidc-revoke"), {"token": tokens["access_token"]})
    assert revoke.status_code == 403


# --- parameters and grants we do not support ---------------------------------------------


@pytest.mark.parametrize("signed_in", [True, False])
def test_a_resource_indicator_is_invalid_target_at_the_redirect_uri(
    client, rp, user, tenant, signed_in
):
    if signed_in:
        sign_in(client, tenant, user)
    response = authorize(client, rp, resource="https://api.example.com/")
    assert response.status_code == 302
    assert response["Location"].startswith(rp.redirect_uri + "?")
    params = query_of(response["Location"])
    assert params["error"] == "invalid_target"
    assert params["state"] == "st-123"
    assert "code" not in params
    assert not Grant.objects.exists()


def test_a_resource_indicator_with_an_unregistered_redirect_uri_is_an_error_page(
    client, rp, user, tenant
):
    sign_in(client, tenant, user)
    response = authorize(
        client, rp, resource="https://api.example.com/", redirect_uri="https://evil.test/cb"
    )
    assert_error_page(response)


@pytest.mark.parametrize(
    "grant_type",
    [
        "urn:ietf:params:oauth:grant-type:device_code",
        "client_credentials",
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:token-exchange",
    ],
)
def test_other_grant_types_are_unsupported_grant_type(client, rp, grant_type):
    client.raise_request_exception = False
    data = {
        "grant_type": grant_type,
        "client_id": rp.client_id,
        "client_secret": rp.secret,
        "device_code": "g",
        "username": "ada@example.com",
        "password": "x",
    }
    response = client.post(token_path(rp.tenant), data)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert response["Cache-Control"] == "no-store"
    assert not AccessToken.objects.exists()


def test_a_token_request_without_grant_type_is_invalid_request(client, rp):
    response = client.post(
        token_path(rp.tenant), {"client_id": rp.client_id, "client_secret": rp.secret}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response["Cache-Control"] == "no-store"


def test_userinfo_takes_the_token_from_the_header_or_post_body_never_the_url(
    client, rp, user, tenant
):
    sign_in(client, tenant, user)
    token = exchange(client, rp, get_code(client, rp)).json()["access_token"]
    userinfo = reverse_url(tenant, "oidc-userinfo")
    in_query = client.get(userinfo + "?" + urlencode({"access_token": token}))
    assert in_query.status_code == 400
    assert in_query.json()["error"] == "invalid_request"
    assert in_query["Cache-Control"] == "no-store"
    assert 'error="invalid_request"' in in_query["WWW-Authenticate"]
    # Also with a valid header: the token in the URL has leaked, the request is refused.
    both = client.get(
        userinfo + "?" + urlencode({"access_token": token}), HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert both.status_code == 400
    posted_with_query = client.post(userinfo + "?" + urlencode({"access_token": token}))
    assert posted_with_query.status_code == 400
    # RFC 6750 §2.2: the form body of a POST is allowed.
    assert client.post(userinfo, {"access_token": token}).json()["sub"] == user.subject
    assert client.get(userinfo, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
