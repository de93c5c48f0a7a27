"""Issue 11 items 4 and 7 over HTTP: id_token_hint is honoured, and prompt=login / max_age=0
never end the current sign-in before a new one succeeds."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import RequestFactory
from django.utils import timezone

from idp.authorize_policy import REAUTH_PARAM
from idp.session import enduser_current
from tests import factories
from tests.idp.oidc_support import (
    form_post_fields,
    is_sign_in_page,
    make_rp,
    oidc_tenant,
    query_of,
    sign_in,
    sign_in_page,
)
from tests.security.support import authorize_code, code_flow, idp_url, redeem

pytestmark = pytest.mark.django_db


@pytest.fixture
def rp():
    return make_rp(oidc_tenant())


@pytest.fixture
def ada(rp):
    return factories.end_user(
        tenant=rp.tenant, email="ada@example.com", email_verified_at=timezone.now()
    )


@pytest.fixture
def bob(rp):
    return factories.end_user(
        tenant=rp.tenant, email="bob@example.com", email_verified_at=timezone.now()
    )


def current(client, rp):
    request = RequestFactory().get("/")
    request.session = client.session
    return enduser_current(request, tenant=rp.tenant)


def authorize(client, rp, **extra):
    params = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "response_mode": "query",
        "scope": "openid email",
        "state": "st",
        "nonce": "n",
        **extra,
    }
    return client.get(idp_url(rp.tenant, "oidc-authorize"), params)


def id_token_of(rp, user) -> str:
    from django.test import Client

    return code_flow(Client(), rp, user).id_token


def claims_of(client, rp, code) -> dict:
    id_token = redeem(client, rp, code).json()["id_token"]
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


# --- item 4: id_token_hint -------------------------------------------------------------------


def test_prompt_none_with_another_users_hint_is_login_required(client, rp, ada, bob):
    sign_in(client, rp.tenant, ada)
    response = authorize(client, rp, prompt="none", id_token_hint=id_token_of(rp, bob))
    assert response.status_code == 302
    params = query_of(response["Location"])
    assert params["error"] == "login_required" and "code" not in params
    assert current(client, rp).user == ada


def test_prompt_none_with_the_current_users_hint_returns_a_code(client, rp, ada):
    sign_in(client, rp.tenant, ada)
    code = authorize_code(client, rp, prompt="none", id_token_hint=id_token_of(rp, ada))
    assert claims_of(client, rp, code)["sub"] == ada.subject


def test_another_users_hint_without_prompt_none_asks_for_a_new_sign_in(client, rp, ada, bob):
    sign_in(client, rp.tenant, ada)
    response = authorize(client, rp, id_token_hint=id_token_of(rp, bob))
    page = sign_in_page(response)
    assert is_sign_in_page(response, rp.tenant)
    # The hint's email prefills the sign-in page; Ada is still signed in meanwhile.
    assert page["login_hint"] == "bob@example.com"
    assert current(client, rp).user == ada
    next_url = page["next"]
    again = client.get(next_url)
    assert is_sign_in_page(again, rp.tenant), (next_url, again.status_code)
    sign_in(client, rp.tenant, bob)
    resumed = client.get(next_url)
    assert claims_of(client, rp, query_of(resumed["Location"])["code"])["sub"] == bob.subject


def test_a_hint_not_signed_by_this_tenant_is_invalid_request(client, rp, ada):
    sign_in(client, rp.tenant, ada)
    other = make_rp(oidc_tenant())
    foreign = id_token_of(other, factories.end_user(tenant=other.tenant))
    deep = base64.urlsafe_b64encode(b"[" * 2500).decode().rstrip("=")
    for hint in (foreign, "not.a.jwt", f"{deep}.e30.", f"e30.{deep}.x"):
        params = query_of(authorize(client, rp, id_token_hint=hint)["Location"])
        assert params["error"] == "invalid_request", hint[:20]


# --- item 7: prompt=login and max_age=0 keep the sign-in until a new one succeeds -------------


@pytest.mark.parametrize("extra", [{"prompt": "login"}, {"max_age": "0"}])
def test_a_forced_sign_in_does_not_end_the_current_one(client, rp, ada, extra):
    sign_in(client, rp.tenant, ada)
    before = current(client, rp)
    response = authorize(client, rp, **extra)
    assert is_sign_in_page(response, rp.tenant)
    # A link from any site cannot sign Ada out: she is still signed in, on every page.
    assert current(client, rp) == before
    assert client.get(idp_url(rp.tenant, "account")).status_code == 200
    next_url = sign_in_page(response)["next"]
    resumed = query_of(next_url)
    assert "max_age" not in resumed and "login" not in resumed.get("prompt", "")
    assert float(resumed[REAUTH_PARAM]) == before.signed_in_at
    # Coming back without a new sign-in is not enough.
    again = client.get(next_url)
    assert is_sign_in_page(again, rp.tenant), (next_url, again.status_code)
    # After the new sign-in, the request goes through with it.
    sign_in(client, rp.tenant, ada, amr=("hwk", "user", "mfa"))
    code = query_of(client.get(next_url)["Location"])["code"]
    assert claims_of(client, rp, code)["amr"] == ["hwk", "user", "mfa"]


def test_a_tampered_reauth_parameter_is_invalid_request(client, rp, ada):
    sign_in(client, rp.tenant, ada)
    response = authorize(client, rp, **{REAUTH_PARAM: "nan"})
    # Delivered the client's registered way (form_post), like a bad max_age.
    action, fields = form_post_fields(response.content.decode())
    assert action == rp.redirect_uri and fields["error"] == "invalid_request"
