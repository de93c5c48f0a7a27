"""OIDF Basic, Implicit and Form Post OP plans: the modules run for every response type.

Each test is one module of the plans (its name in the test id), parametrized over the plan
variants: basic (code, query), implicit (id_token, fragment) and both as Form Post.
"""

from __future__ import annotations

import base64
import json
import time

import pytest

from tests.conformance.conftest import plans
from tests.conformance.rp import Outcome

pytestmark = pytest.mark.django_db

UI_REQUIRED = {"login_required", "interaction_required", "account_selection_required"}


def user_claims(op, outcome: Outcome) -> dict:
    """Claims about the user where the plan returns them: userinfo for code, else the ID token."""
    if not op.plan.code_flow:
        return outcome.claims
    answer = op.rp.userinfo(outcome.tokens["access_token"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["sub"] == outcome.claims["sub"]
    return body


def wait_past(seconds: float) -> None:
    """auth_time has whole seconds: let the clock pass the next second boundary."""
    time.sleep(seconds + 1 - (time.time() % 1) + 0.05)


@plans("basic", "implicit")
def test_oidcc_server(op):
    browser = op.browser()
    request, arrival, outcome = op.login(browser, scope="openid")
    assert arrival.signed_in_here and browser.sign_in_pages == 1
    assert outcome.claims["nonce"] == request.nonce
    assert outcome.claims["auth_time"] <= outcome.claims["iat"]
    if op.plan.code_flow:
        assert "at_hash" in outcome.claims  # checked against the access token in complete()


@plans("basic", "implicit")
def test_oidcc_idtoken_signature(op):
    _, _, outcome = op.login(op.browser())
    # No algorithm was registered for the client: RS256 is the default (OIDC Core §3.1.3.7).
    assert outcome.header["alg"] == "RS256"
    assert outcome.header["kid"]


@plans("basic", "implicit")
def test_oidcc_scope_profile(op):
    _, _, outcome = op.login(op.browser(), scope="openid profile")
    claims = user_claims(op, outcome)
    assert claims["given_name"] == "Buffy"
    assert claims["family_name"] == "S"


@plans("basic", "implicit")
def test_oidcc_scope_email(op):
    _, _, outcome = op.login(op.browser(), scope="openid email")
    claims = user_claims(op, outcome)
    assert claims["email"] == op.email
    assert claims["email_verified"] is True


@plans("basic", "implicit")
def test_oidcc_scope_address(op):
    _, _, outcome = op.login(op.browser(), scope="openid address")
    assert "address" not in user_claims(op, outcome)  # not offered: ignored, not refused


@plans("basic", "implicit")
def test_oidcc_scope_phone(op):
    _, _, outcome = op.login(op.browser(), scope="openid phone")
    assert "phone_number" not in user_claims(op, outcome)


@plans("basic", "implicit")
def test_oidcc_scope_all(op):
    _, _, outcome = op.login(op.browser(), scope="openid address email phone profile")
    claims = user_claims(op, outcome)
    assert claims["email"] == op.email and claims["given_name"] == "Buffy"


@plans("basic", "implicit")
def test_oidcc_alternate_happy_flow(op):
    _, _, outcome = op.login(op.browser(), scope="email openid", reverse=True)
    assert user_claims(op, outcome)["email"] == op.email


@plans("basic", "implicit")
def test_oidcc_display_page(op):
    browser = op.browser()
    _, arrival, _ = op.login(browser, extra={"display": "page"})
    assert arrival.signed_in_here and browser.sign_in_pages == 1


@plans("basic", "implicit")
def test_oidcc_display_popup(op):
    browser = op.browser()
    _, arrival, _ = op.login(browser, extra={"display": "popup"})
    assert arrival.signed_in_here and browser.sign_in_pages == 1


@plans("basic", "implicit")
def test_oidcc_prompt_login(op):
    browser = op.browser()
    _, _, first = op.login(browser)
    wait_past(0)
    _, arrival, second = op.login(browser, extra={"prompt": "login"})
    assert arrival.signed_in_here and browser.sign_in_pages == 2
    assert second.claims["sub"] == first.claims["sub"]
    assert second.claims["auth_time"] > first.claims["auth_time"]


@plans("basic", "implicit")
def test_oidcc_prompt_none_not_logged_in(op):
    browser = op.browser()
    request, arrival = op.authorize(browser, extra={"prompt": "none"}, sign_in=False)
    assert browser.sign_in_pages == 0
    assert op.rp.error(arrival, request)["error"] in UI_REQUIRED


@plans("basic", "implicit")
def test_oidcc_prompt_none_logged_in(op):
    browser = op.browser()
    _, _, first = op.login(browser)
    _, arrival, second = op.login(browser, extra={"prompt": "none"})
    assert not arrival.signed_in_here and browser.sign_in_pages == 1
    assert second.claims["sub"] == first.claims["sub"]
    assert second.claims["auth_time"] == first.claims["auth_time"]


@plans("basic", "implicit")
def test_oidcc_max_age_1(op):
    browser = op.browser()
    _, _, first = op.login(browser)
    wait_past(1)
    _, arrival, second = op.login(browser, extra={"max_age": "1"})
    assert arrival.signed_in_here and browser.sign_in_pages == 2
    assert second.claims["auth_time"] > first.claims["auth_time"]


@plans("basic", "implicit")
def test_oidcc_max_age_10000(op):
    browser = op.browser()
    _, _, first = op.login(browser, extra={"max_age": "15000"})
    _, arrival, second = op.login(browser, extra={"max_age": "10000"})
    assert not arrival.signed_in_here and browser.sign_in_pages == 1
    assert second.claims["auth_time"] == first.claims["auth_time"]
    assert second.claims["sub"] == first.claims["sub"]


@plans("basic", "implicit")
def test_oidcc_ensure_request_with_unknown_parameter_succeeds(op):
    op.login(op.browser(), extra={"extra": "foobar"})


@plans("basic", "implicit")
def test_oidcc_id_token_hint(op):
    browser = op.browser()
    _, _, first = op.login(browser)
    hint = first.tokens["id_token"] if op.plan.code_flow else first.params["id_token"]
    _, arrival, second = op.login(browser, extra={"prompt": "none", "id_token_hint": hint})
    assert not arrival.signed_in_here
    assert second.claims["sub"] == first.claims["sub"]
    assert second.claims["auth_time"] == first.claims["auth_time"]


@plans("basic", "implicit")
def test_oidcc_login_hint(op):
    browser = op.browser()
    request, page = op.authorize(browser, extra={"login_hint": op.email}, sign_in=False)
    assert page.kind == "page" and page.response.status_code == 200
    assert f'value="{op.email}"' in page.text  # the sign-in page offers the hinted account
    arrival = browser.go(page.url)
    op.rp.complete(arrival, request)


@plans("basic", "implicit")
def test_oidcc_ui_locales(op):
    op.login(op.browser(), extra={"ui_locales": "se"})


@plans("basic", "implicit")
def test_oidcc_claims_locales(op):
    op.login(op.browser(), extra={"claims_locales": "se"})


@plans("basic", "implicit")
def test_oidcc_ensure_request_with_acr_values_succeeds(op):
    _, _, outcome = op.login(op.browser(), extra={"acr_values": "1 2"})
    assert outcome.claims.get("acr") in (None, "1", "2")


@plans("basic", "implicit")
def test_oidcc_ensure_registered_redirect_uri(op):
    browser = op.browser()
    _, _, _ = op.login(browser)  # signed in, so only the redirect_uri can stop it
    op.rp.redirect_uri = "https://rp.example.com/not-registered"
    _, arrival = op.authorize(browser)
    assert arrival.kind == "page", arrival.url  # never sent to the unregistered URI
    assert arrival.response.status_code == 400
    assert "redirect" in arrival.text.lower()


def _unsigned_jwt(claims: dict) -> str:
    """An alg "none" request object (JOSE libraries rightly refuse to make one)."""

    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


@plans("basic", "implicit")
def test_oidcc_request_uri_unsigned_supported_correctly_or_rejected_as_unsupported(op):
    assert op.rp.config.get("request_uri_parameter_supported") is False
    request, arrival = op.authorize(
        op.browser(), extra={"request_uri": "https://rp.example.com/request.jwt"}
    )
    assert op.rp.error(arrival, request)["error"] == "request_uri_not_supported"


@plans("basic", "implicit")
def test_oidcc_unsigned_request_object_supported_correctly_or_rejected_as_unsupported(op):
    assert op.rp.config.get("request_parameter_supported") is False
    claims = {"client_id": op.rp.client_id, "response_type": op.plan.response_type}
    request, arrival = op.authorize(op.browser(), extra={"request": _unsigned_jwt(claims)})
    assert op.rp.error(arrival, request)["error"] == "request_not_supported"


@plans("basic", "implicit")
def test_oidcc_ensure_request_object_with_redirect_uri(op):
    claims = {
        "client_id": op.rp.client_id,
        "response_type": op.plan.response_type,
        "redirect_uri": "https://rp.example.com/other",
    }
    request, arrival = op.authorize(op.browser(), extra={"request": _unsigned_jwt(claims)})
    # Request objects are refused, so the answer goes to the redirect_uri parameter.
    assert op.rp.error(arrival, request)["error"] == "request_not_supported"


@plans("basic", "implicit")
def test_oidcc_claims_essential(op):
    where = "userinfo" if op.plan.code_flow else "id_token"
    claims = json.dumps({where: {"name": {"essential": True}}})
    _, _, outcome = op.login(op.browser(), extra={"claims": claims})
    # claims_parameter_supported is false: the request is served, the parameter ignored.
    assert op.rp.config["claims_parameter_supported"] is False
    user_claims(op, outcome)
