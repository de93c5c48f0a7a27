"""Spec rules next to the OIDF modules, driven the same way (real passkey sign-in, an
independent RP): RP-Initiated Logout §2 (GET and POST), OIDC Core §3.1.2.1 (id_token_hint)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conformance.conftest import POST_LOGOUT_URI
from tests.conformance.test_oidcc_logout import (
    assert_logged_out,
    assert_stays_signed_in,
    confirm,
    end_session,
    signed_in,
)
from tests.conformance.user_agent import Browser
from tests.idp.signin_support import register
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db

RP_ORIGIN = "https://rp.example.com"


def test_logout_accepts_the_rps_post(op):
    """The RP's page posts the logout form (cross-site, no CSRF token of ours)."""
    browser, id_token = signed_in(op)
    fields = {"id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT_URI, "state": "s"}
    arrival = browser.go(
        op.rp.config["end_session_endpoint"], method="POST", data=fields, origin=RP_ORIGIN
    )
    assert arrival.kind == "redirect" and arrival.url == POST_LOGOUT_URI + "?state=s"
    assert_logged_out(op, browser)


def test_logout_confirmation_lets_chromium_send_its_origin(op):
    """Under `no-referrer` Chromium posts the confirmation with `Origin: null`, which the CSRF
    check refuses (and keeps refusing); served `same-origin`, the real origin is sent."""
    browser, _ = signed_in(op)
    arrival = end_session(op, browser)
    assert arrival.kind == "page" and "confirm" in arrival.text
    assert arrival.response["Referrer-Policy"] == "same-origin"
    refused = browser.submit(arrival, having="confirm", origin="null")
    assert refused.response.status_code == 403
    done = browser.submit(arrival, having="confirm", origin=browser.origin)
    assert done.kind == "page" and done.response.status_code == 200
    assert_logged_out(op, browser)


def test_logout_confirmation_with_our_token_signs_out(op):
    browser, _ = signed_in(op)
    confirm(browser, end_session(op, browser))
    assert_logged_out(op, browser)


def test_prompt_none_with_another_users_id_token_hint_is_login_required(op):
    """User A is signed in; the hint names user B: no code for A (OIDC Core §3.1.2.1)."""
    other_email = "willow@example.com"
    other_key = SoftAuthenticator()
    _, done = register(Client(), op.tenant, other_email, other_key)
    assert done.status_code == 200
    _, _, theirs = op.login(Browser(op.tenant.slug, other_key, other_email))
    browser, _ = signed_in(op)
    request, arrival = op.authorize(
        browser,
        extra={"prompt": "none", "id_token_hint": theirs.tokens["id_token"]},
        sign_in=False,
    )
    params = op.rp.error(arrival, request)
    assert params["error"] in ("login_required", "interaction_required"), params
    assert_stays_signed_in(op, browser)
