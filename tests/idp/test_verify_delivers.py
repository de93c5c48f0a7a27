"""A sign-in page rendered by authorize gets authorize's answer back from verify and sends it
on itself (one request fewer); every other case goes back to authorize as before."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.idp.oidc_support import (
    authorize_path,
    make_rp,
    oidc_tenant,
    pkce_pair,
    query_of,
    redeem,
    sign_in_page,
    verify_id_token,
)
from tests.idp.signin_support import origin, post_json, private_cache, register, url  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


@pytest.fixture
def tenant():
    return oidc_tenant()


@pytest.fixture
def member(tenant):
    authenticator, done = register(Client(), tenant, "ann@example.com")
    assert done.status_code == 200
    return authenticator


def _authorize(http, tenant, rp, *, mode="form_post", challenge=""):
    query = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "scope": "openid email",
        "state": "st-1",
        "nonce": "n-1",
    }
    if mode:
        query["response_mode"] = mode
    if challenge:
        query.update(code_challenge=challenge, code_challenge_method="S256")
    return http.get(f"{authorize_path(tenant)}?{urlencode(query)}")


def _verify(http, tenant, member, next_url, **extra):
    options = post_json(http, url("signin-options", tenant), {"email": "ann@example.com"}).json()
    assertion = member.get(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": assertion, "next": next_url, **extra}
    done = post_json(http, url("signin-verify", tenant), body)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "signed_in"
    return done.json()


def test_form_post_answer_comes_back_from_verify_and_its_code_works(tenant, member):
    rp = make_rp(tenant)
    http = Client()
    verifier, challenge = pkce_pair()
    page = _authorize(http, tenant, rp, challenge=challenge)
    assert 'data-delivers="1"' in page.content.decode()
    # The page may post the answer to the relying party, and nowhere else.
    assert "form-action 'self' https://rp.example.com;" in page["Content-Security-Policy"]
    answer = _verify(http, tenant, member, sign_in_page(page)["next"], deliver=True)
    assert answer["form_post"]["action"] == rp.redirect_uri
    fields = dict(answer["form_post"]["params"])
    assert fields["state"] == "st-1" and fields["iss"] == tenant.issuer
    token = redeem(Client(), rp, fields["code"], code_verifier=verifier)
    assert token.status_code == 200, token.content
    jwks = Client().get(f"/t/{tenant.slug}/jwks").json()
    claims = verify_id_token(
        jwks, token.json()["id_token"], issuer=tenant.issuer, client_id=rp.client_id, nonce="n-1"
    )
    assert claims["email"] == "ann@example.com"
    # Signed in: authorize itself now answers at once, as before.
    again = _authorize(http, tenant, rp)
    assert b'id="oidc-response"' in again.content


def test_query_mode_answer_is_the_redirect_to_the_relying_party(tenant, member):
    rp = make_rp(tenant)
    http = Client()
    page = _authorize(http, tenant, rp, mode="query")
    assert 'data-delivers="1"' in page.content.decode()
    # Navigations are not forms: the page's form-action stays our own.
    assert "form-action 'self';" in page["Content-Security-Policy"]
    answer = _verify(http, tenant, member, sign_in_page(page)["next"], deliver=True)
    assert "form_post" not in answer
    assert answer["redirect"].startswith(rp.redirect_uri + "?")
    params = query_of(answer["redirect"])
    assert params["state"] == "st-1" and params["iss"] == tenant.issuer and params["code"]


def test_without_the_page_s_ask_verify_sends_the_browser_back_to_authorize(tenant, member):
    rp = make_rp(tenant)
    http = Client()
    next_url = sign_in_page(_authorize(http, tenant, rp))["next"]
    answer = _verify(http, tenant, member, next_url)
    assert answer == {"status": "signed_in", "redirect": next_url}
    resumed = http.get(next_url)
    assert b'id="oidc-response"' in resumed.content


def test_a_request_no_longer_valid_ends_on_authorize_s_error_page(tenant, member):
    rp = make_rp(tenant)
    http = Client()
    next_url = sign_in_page(_authorize(http, tenant, rp))["next"]
    rp.client.redirect_urls.all().delete()  # the admin removed the Redirect URL meanwhile
    answer = _verify(http, tenant, member, next_url, deliver=True)
    assert answer == {"status": "signed_in", "redirect": next_url}
    error = http.get(next_url)
    assert error.status_code == 400
    assert b"Redirect URL not registered" in error.content


def test_only_this_tenant_s_authorize_is_resumed(tenant, member):
    other = oidc_tenant()
    other_rp = make_rp(other)
    http = Client()
    elsewhere = sign_in_page(_authorize(Client(), other, other_rp))["next"]
    answer = _verify(http, tenant, member, elsewhere, deliver=True)
    assert "form_post" not in answer
    assert answer["redirect"] == url("account", tenant)  # safe_next refused the other tenant
    # A path of ours that is not authorize is followed as it is.
    answer = _verify(Client(), tenant, member, url("account", tenant), deliver=True)
    assert answer == {"status": "signed_in", "redirect": url("account", tenant)}


def test_the_sign_in_page_of_its_own_url_does_not_ask(tenant):
    page = Client().get(url("sign-in", tenant))
    assert page.status_code == 200
    assert "data-delivers" not in page.content.decode()
    assert re.search(r"form-action 'self'(;|$)", page["Content-Security-Policy"])


def test_a_new_user_s_registration_hands_back_the_answer_too(tenant):
    rp = make_rp(tenant)
    http = Client()
    next_url = sign_in_page(_authorize(http, tenant, rp))["next"]
    _passkey, done = register(http, tenant, "new@example.com", next_url=next_url, deliver=True)
    assert done.status_code == 200, done.content
    answer = done.json()
    assert answer["status"] == "signed_in"
    assert answer["form_post"]["action"] == rp.redirect_uri
    assert dict(answer["form_post"]["params"])["state"] == "st-1"
