"""OIDF Basic and Form Post basic OP plans: the modules of the code flow only."""

from __future__ import annotations

import pytest
from authlib.integrations.base_client import OAuthError

from tests.conformance.conftest import make_client, plans

pytestmark = pytest.mark.django_db


@plans("basic")
def test_oidcc_response_type_missing(op):
    request, arrival = op.authorize(op.browser(), omit=("response_type",), sign_in=False)
    if arrival.kind == "page":
        # An error page that says so, never a sign-in page or a redirect (OIDF: screenshot).
        assert arrival.response.status_code == 400
        assert "response_type" in arrival.text
    else:
        params = op.rp.error(arrival, request)
        assert params["error"] in ("unsupported_response_type", "invalid_request")


@plans("basic")
def test_oidcc_idtoken_unsigned(op):
    # Unsigned ID tokens are deliberately not offered: discovery never lists "none" and no
    # client can register it (the OIDF module is skipped for such an OP).
    assert "none" not in op.rp.config["id_token_signing_alg_values_supported"]
    _, _, outcome = op.login(op.browser())
    assert outcome.header["alg"] != "none"


@plans("basic")
def test_oidcc_userinfo_get(op):
    _check_userinfo(op, "get")


@plans("basic")
def test_oidcc_userinfo_post_header(op):
    _check_userinfo(op, "post-header")


@plans("basic")
def test_oidcc_userinfo_post_body(op):
    _check_userinfo(op, "post-body")


def _check_userinfo(op, how):
    _, _, outcome = op.login(op.browser(), scope="openid email profile")
    answer = op.rp.userinfo(outcome.tokens["access_token"], how)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.json()
    assert body["sub"] == outcome.claims["sub"]
    assert body["email"] == op.email


@plans("basic")
def test_oidcc_ensure_request_without_nonce_succeeds_for_code_flow(op):
    _, _, outcome = op.login(op.browser(), nonce=None)
    assert "nonce" not in outcome.claims


def _code(op):
    request, arrival = op.authorize(op.browser())
    return request, op.rp.response_params(arrival)["code"]


@plans("basic")
def test_oidcc_codereuse(op):
    request, code = _code(op)
    op.rp.redeem(code, request)
    with pytest.raises(OAuthError) as refused:
        op.rp.redeem(code, request)
    assert refused.value.error == "invalid_grant"


@plans("basic")
def test_oidcc_codereuse_30seconds(op):
    # The OIDF module waits 30 s; the code lives 60 s and reuse handling does not depend on
    # the delay, so the second use follows at once. What it checks: invalid_grant, and the
    # tokens of the first redemption are revoked (RFC 6749 §4.1.2).
    request, code = _code(op)
    tokens = op.rp.redeem(code, request)
    assert op.rp.userinfo(tokens["access_token"]).status_code == 200
    with pytest.raises(OAuthError) as refused:
        op.rp.redeem(code, request)
    assert refused.value.error == "invalid_grant"
    assert op.rp.userinfo(tokens["access_token"]).status_code == 401


@plans("basic")
def test_oidcc_ensure_post_request_succeeds(op):
    _, arrival, _ = op.login(op.browser(), method="POST")
    assert arrival.signed_in_here


@plans("basic")
def test_oidcc_server_client_secret_post(op):
    op.rp.auth_method = "client_secret_post"
    _, _, outcome = op.login(op.browser())
    assert outcome.tokens["access_token"]


@plans("basic")
def test_oidcc_refresh_token(op):
    _, _, outcome = op.login(op.browser())
    refresh = outcome.tokens["refresh_token"]
    # Bound to its client: another client of the same tenant cannot use it.
    other, other_secret = make_client(op.tenant, op.plan)
    thief = op.rp_for(other, other_secret)
    stolen = thief.token_post({"grant_type": "refresh_token", "refresh_token": refresh})
    assert stolen.status_code == 400 and stolen.json()["error"] == "invalid_grant", stolen.text
    # The owner's refresh works, and the new access token works at userinfo.
    session = op.rp.oauth()
    fresh = session.refresh_token(op.rp.config["token_endpoint"], refresh_token=refresh)
    assert fresh["access_token"] != outcome.tokens["access_token"]
    assert op.rp.userinfo(fresh["access_token"]).status_code == 200
    # Rotated: the old refresh token is spent (reuse is covered in tests/idp/test_oidc_refresh).
    assert fresh["refresh_token"] != refresh


@plans("basic")
def test_oidcc_ensure_request_with_valid_pkce_succeeds(op):
    request, _, outcome = op.login(op.browser(), pkce=True)
    assert request.verifier and outcome.tokens["access_token"]
