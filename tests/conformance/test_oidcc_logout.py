"""OIDF RP-Initiated Logout OP plan (code flow, client_secret_basic, default response mode)."""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.conformance.conftest import POST_LOGOUT_URI

pytestmark = pytest.mark.django_db

UI_REQUIRED = {"login_required", "interaction_required", "account_selection_required"}


def signed_in(op):
    browser = op.browser()
    _, _, outcome = op.login(browser)
    return browser, outcome.tokens["id_token"]


def end_session(op, browser, **params):
    url = op.rp.config["end_session_endpoint"]
    return browser.go(url + ("?" + urlencode(params) if params else ""), sign_in=False)


def assert_logged_out(op, browser):
    """The follow-up prompt=none authorization must fail with a UI-required error."""
    request, arrival = op.authorize(browser, extra={"prompt": "none"}, sign_in=False)
    assert op.rp.error(arrival, request)["error"] in UI_REQUIRED


def assert_stays_signed_in(op, browser):
    _, arrival, _ = op.login(browser, extra={"prompt": "none"})
    assert not arrival.signed_in_here


def assert_not_redirected(arrival):
    """Error page or confirmation, never the post_logout_redirect_uri (OIDF: screenshot)."""
    assert arrival.kind == "page", arrival.url
    assert arrival.response.status_code in (200, 400)


def confirm(browser, arrival):
    """The user presses "Sign out" on the confirmation page."""
    assert arrival.kind == "page" and arrival.response.status_code == 200
    return browser.submit(arrival, having="confirm")


def test_oidcc_rp_initiated_logout(op):
    browser, id_token = signed_in(op)
    state = secrets.token_urlsafe(96)[:128]  # the suite uses a long state
    arrival = end_session(
        op, browser, id_token_hint=id_token, post_logout_redirect_uri=POST_LOGOUT_URI, state=state
    )
    assert arrival.kind == "redirect"
    assert arrival.url.split("?")[0] == POST_LOGOUT_URI
    assert dict(parse_qsl(urlsplit(arrival.url).query)) == {"state": state}
    assert_logged_out(op, browser)


def test_oidcc_rp_initiated_logout_bad_post_logout_redirect_uri(op):
    browser, id_token = signed_in(op)
    arrival = end_session(
        op,
        browser,
        id_token_hint=id_token,
        post_logout_redirect_uri="https://rp.example.com/not-registered",
        state="s",
    )
    assert_not_redirected(arrival)


def _alg_none(token: str) -> str:
    _, payload, _ = token.split(".")
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=")
    return f"{header.decode()}.{payload}."


def test_oidcc_rp_initiated_logout_modified_id_token_hint(op):
    browser, id_token = signed_in(op)
    arrival = end_session(
        op,
        browser,
        id_token_hint=_alg_none(id_token),
        post_logout_redirect_uri=POST_LOGOUT_URI,
        state="s",
    )
    assert_not_redirected(arrival)
    assert_stays_signed_in(op, browser)


def test_oidcc_rp_initiated_logout_no_id_token_hint(op):
    browser, _ = signed_in(op)
    arrival = end_session(op, browser, post_logout_redirect_uri=POST_LOGOUT_URI, state="s")
    assert_not_redirected(arrival)


def test_oidcc_rp_initiated_logout_no_params(op):
    browser, _ = signed_in(op)
    arrival = end_session(op, browser)
    done = confirm(browser, arrival)
    assert done.kind == "page" and done.response.status_code == 200
    assert_logged_out(op, browser)


def test_oidcc_rp_initiated_logout_no_post_logout_redirect_uri(op):
    browser, id_token = signed_in(op)
    arrival = end_session(op, browser, id_token_hint=id_token, state="s")
    if "confirm" in arrival.text:
        arrival = confirm(browser, arrival)
    assert arrival.kind == "page" and arrival.response.status_code == 200
    assert_logged_out(op, browser)


def test_oidcc_rp_initiated_logout_no_state(op):
    browser, id_token = signed_in(op)
    arrival = end_session(
        op, browser, id_token_hint=id_token, post_logout_redirect_uri=POST_LOGOUT_URI
    )
    assert arrival.kind == "redirect" and arrival.url == POST_LOGOUT_URI
    assert_logged_out(op, browser)


def test_oidcc_rp_initiated_logout_only_state(op):
    browser, _ = signed_in(op)
    arrival = end_session(op, browser, state="s")
    done = confirm(browser, arrival)
    assert done.kind == "page" and done.response.status_code == 200
    assert_logged_out(op, browser)
