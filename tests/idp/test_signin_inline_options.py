"""The creation options that come with the sign-up's and the email code's answers."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from idp.session import enduser_current
from tests.idp.signin_support import (
    last_code,
    origin,
    post_json,
    private_cache,  # noqa: F401
    register,
    sign_in,
    url,
)
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

HERE = {"create_here": True}  # the sign-in page creates the passkey itself


def _open(tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=False)
    tenant.refresh_from_db()


def _create(client, tenant, options, authenticator=None):
    """Create the passkey with these options and post it, as the page does."""
    credential = (authenticator or SoftAuthenticator()).create(options["publicKey"], origin())
    return post_json(
        client,
        url("signin-register-verify", tenant),
        {"handle": options["handle"], "credential": credential},
    )


def _code(client, tenant) -> dict:
    """The latest emailed code's answer, asked as the sign-in page asks."""
    return post_json(client, url("signin-email-code", tenant), {"code": last_code(), **HERE}).json()


def _signed_in_email(client, tenant):
    current = enduser_current(type("R", (), {"session": client.session})(), tenant=tenant)
    return current.user.email if current else None


def test_open_sign_up_answers_with_options_that_complete_the_registration(client, tenant):
    _open(tenant)
    started = post_json(
        client, url("signin-signup", tenant), {"email": "Ann@Example.com", "next": ""}
    )
    answer = started.json()
    assert started.status_code == 200 and answer["status"] == "register"
    options = answer["options"]
    assert options["publicKey"]["user"]["name"] == "ann@example.com"
    assert options["publicKey"]["challenge"] and options["handle"]
    done = _create(client, tenant, options)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "signed_in"
    assert _signed_in_email(client, tenant) == "ann@example.com"
    assert not User.objects.for_tenant(tenant).get(email="ann@example.com").email_verified


def test_a_proof_tenant_hands_out_no_options_before_the_code(client, tenant):
    started = post_json(client, url("signin-signup", tenant), {"email": "bo@example.com"})
    assert started.json() == {"status": "email_sent", "email": "bo@example.com"}
    refused = post_json(client, url("signin-register-options", tenant))
    assert refused.status_code == 400


def test_the_code_answers_with_options_for_a_sign_up(client, tenant):
    post_json(client, url("signin-signup", tenant), {"email": "cat@example.com"})
    proven = post_json(client, url("signin-email-code", tenant), {"code": last_code(), **HERE})
    answer = proven.json()
    assert proven.status_code == 200 and answer["status"] == "proven"
    # Kept for a script that does not use the options (and the emailed link's flow).
    assert answer["redirect"] == url("signin-create-passkey", tenant)
    assert answer["options"]["publicKey"]["user"]["name"] == "cat@example.com"
    done = _create(client, tenant, answer["options"])
    assert done.status_code == 200, done.content
    user = User.objects.for_tenant(tenant).get(email="cat@example.com")
    assert user.email_verified and user.credentials.count() == 1


def test_the_code_answers_with_options_for_a_recovery(client, tenant):
    lost, _ = register(Client(), tenant, "dan@example.com")
    user = User.objects.for_tenant(tenant).get(email="dan@example.com")
    browser = Client()
    browser.post(url("signin-recover", tenant), {"email": "dan@example.com"})
    answer = _code(browser, tenant)
    assert answer["status"] == "proven"
    options = answer["options"]
    # Bound to the existing account: its passkey is excluded, its handle is the user's.
    excluded = [c["id"] for c in options["publicKey"]["excludeCredentials"]]
    assert len(excluded) == 1
    done = _create(browser, tenant, options)
    assert done.status_code == 200, done.content
    user.refresh_from_db()
    assert user.credentials.count() == 2 and user.sessions_valid_after is not None
    assert _signed_in_email(browser, tenant) == "dan@example.com"


def test_a_sign_up_for_a_taken_address_recovers_with_the_code_s_options(client, tenant):
    register(Client(), tenant, "eve@example.com")
    browser = Client()
    post_json(browser, url("signin-signup", tenant), {"email": "eve@example.com"})
    answer = _code(browser, tenant)
    assert _create(browser, tenant, answer["options"]).status_code == 200
    assert User.objects.for_tenant(tenant).filter(email="eve@example.com").count() == 1
    assert User.objects.for_tenant(tenant).get(email="eve@example.com").credentials.count() == 2


def test_a_wrong_code_answers_no_options(client, tenant):
    post_json(client, url("signin-signup", tenant), {"email": "fil@example.com"})
    good = last_code()
    wrong = post_json(
        client, url("signin-email-code", tenant), {"code": f"{(int(good) + 1) % 10**6:06d}", **HERE}
    )
    assert wrong.status_code == 400 and "options" not in wrong.json()
    assert "not right" in wrong.json()["error"]
    malformed = post_json(client, url("signin-email-code", tenant), {"code": ["x"]})
    assert malformed.status_code == 400 and "options" not in malformed.json()
    garbage = post_json(client, url("signin-email-code", tenant), b"\xff{")
    assert garbage.status_code == 400 and "options" not in garbage.json()
    # Nothing was proven: no registration either.
    assert post_json(client, url("signin-register-options", tenant)).status_code == 400
    proven = post_json(client, url("signin-email-code", tenant), {"code": good, **HERE})
    assert "options" in proven.json()


def test_bad_sign_up_input_is_a_400_without_options(client, tenant):
    _open(tenant)
    for body in ({"email": "not an address"}, {"email": ["a@example.com"]}, "[1]", b"\xff"):
        response = post_json(client, url("signin-signup", tenant), body)
        assert response.status_code == 400, (body, response.content)
        assert "options" not in response.json() and response.json()["error"]


def test_the_embedded_options_are_single_use(client, tenant):
    _open(tenant)
    options = post_json(client, url("signin-signup", tenant), {"email": "gil@example.com"})
    options = options.json()["options"]
    # A refused attempt uses the challenge up: the right passkey for it is refused after.
    broken = post_json(
        client,
        url("signin-register-verify", tenant),
        {"handle": options["handle"], "credential": {"id": "x"}},
    )
    assert broken.status_code == 400
    assert _create(client, tenant, options).status_code == 400
    assert not User.objects.for_tenant(tenant).filter(email="gil@example.com").exists()
    # The page's "Try again" asks for fresh options, which work.
    fresh = post_json(client, url("signin-register-options", tenant)).json()
    assert fresh["handle"] != options["handle"]
    assert _create(client, tenant, fresh).status_code == 200


def test_the_options_are_bound_to_this_browser_s_registration(client, tenant):
    _open(tenant)
    mine = post_json(client, url("signin-signup", tenant), {"email": "hal@example.com"})
    other = Client()
    post_json(other, url("signin-signup", tenant), {"email": "ida@example.com"})
    # Another browser cannot register with them, not even for its own sign-up.
    refused = _create(other, tenant, mine.json()["options"])
    assert refused.status_code == 400
    assert not User.objects.for_tenant(tenant).filter(email="hal@example.com").exists()


def test_a_proof_that_leaves_a_message_sends_to_the_create_passkey_page_without_options(
    client, tenant
):
    _open(tenant)
    register(client, tenant, "jo@example.com")
    post_json(client, url("account-verify-email", tenant))
    client.post(url("sign-out", tenant))
    # Signed out, the code proves the address with no passkey of this browser's sign-in: every
    # passkey predated the proof and is removed, which the create-passkey page says.
    answer = _code(client, tenant)
    assert answer == {"status": "proven", "redirect": url("signin-create-passkey", tenant)}
    page = client.get(url("signin-create-passkey", tenant))
    assert b"were removed; create a new passkey now" in page.content
    options = post_json(client, url("signin-register-options", tenant)).json()
    assert _create(client, tenant, options).status_code == 200
    user = User.objects.for_tenant(tenant).get(email="jo@example.com")
    assert user.email_verified and user.credentials.count() == 1


def test_over_the_rate_limit_the_answer_comes_without_options(client, tenant, monkeypatch):
    from accounts.ratelimit import Limit

    _open(tenant)
    monkeypatch.setattr("idp.views_signin.LIMITS_OPTIONS", (Limit("t-reg-opt", 0, 60),))
    started = post_json(client, url("signin-signup", tenant), {"email": "kai@example.com"})
    assert started.status_code == 200
    assert started.json() == {"status": "register", "email": "kai@example.com"}
    # The page then asks for them itself, and is told to wait.
    limited = post_json(client, url("signin-register-options", tenant))
    assert limited.status_code == 429 and limited.json()["retry_after"] >= 1


def test_the_embedded_options_count_against_the_options_rate_limit(client, tenant, monkeypatch):
    from accounts.ratelimit import Limit

    _open(tenant)
    monkeypatch.setattr("idp.views_signin.LIMITS_OPTIONS", (Limit("t-reg-opt2", 2, 60),))
    first = post_json(client, url("signin-signup", tenant), {"email": "lu@example.com"})
    assert "options" in first.json()
    assert post_json(client, url("signin-register-options", tenant)).status_code == 200
    # The sign-up's options were the first of the two allowed.
    assert post_json(client, url("signin-register-options", tenant)).status_code == 429


def test_a_returning_user_still_signs_in(client, tenant):
    key, done = register(client, tenant, "mo@example.com")
    assert done.status_code == 200
    assert sign_in(Client(), tenant, key, email="mo@example.com").status_code == 200


def test_a_page_that_does_not_create_the_passkey_itself_gets_no_options(client, tenant):
    """The recovery page goes on to the create-passkey page: no challenge made for it."""
    register(Client(), tenant, "ned@example.com")
    browser = Client()
    browser.post(url("signin-recover", tenant), {"email": "ned@example.com"})
    answer = post_json(browser, url("signin-email-code", tenant), {"code": last_code()}).json()
    assert answer == {"status": "proven", "redirect": url("signin-create-passkey", tenant)}
    options = post_json(browser, url("signin-register-options", tenant)).json()
    assert _create(browser, tenant, options).status_code == 200
