"""The end-user sign-in flow through the real endpoints, with a software authenticator."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User
from idp.session import enduser_current
from idp.views_signin_common import safe_next
from tenants.audit import AuditEvent
from tests import factories
from tests.idp.signin_support import (
    last_code,
    last_link,
    origin,
    post_json,
    private_cache,  # noqa: F401
    register,
    sign_in,
    url,
)
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


def _signed_in_user(client, tenant):
    request = type("R", (), {"session": client.session})()
    current = enduser_current(request, tenant=tenant)
    return current.user if current else None


def _actions(tenant):
    return list(AuditEvent.objects.for_tenant(tenant).values_list("action", flat=True))


def test_sign_in_page_shows_tenant_email_field_and_strict_headers(client, tenant):
    response = client.get(
        url("sign-in", tenant), {"login_hint": "ada@example.com", "next": f"/t/{tenant.slug}/x"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert tenant.display_name in html
    assert re.search(r'<label for="email">Email</label>', html)
    assert 'autocomplete="username webauthn"' in html
    assert 'value="ada@example.com"' in html
    assert ">Continue</button>" in html
    # No inline scripts: every <script> has a src.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["Referrer-Policy"] == "no-referrer"
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    assert f'data-next="/t/{tenant.slug}/x"' in html


def test_sign_in_page_ignores_foreign_next_and_cors_preflight_gets_nothing(client, tenant):
    response = client.get(url("sign-in", tenant), {"next": "https://evil.example/"})
    assert 'data-next=""' in response.content.decode()
    response = client.post(
        url("signin-options", tenant),
        data="{}",
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )
    assert "Access-Control-Allow-Origin" not in response


def test_new_user_registers_after_proving_email_and_returns_to_next(client, tenant):
    Tenant = type(tenant)
    Tenant.objects.filter(pk=tenant.pk).update(
        signup_inputs={"given_name": "required", "family_name": "optional", "nickname": "off"}
    )
    tenant.refresh_from_db()
    next_url = f"/t/{tenant.slug}/authorize/?client_id=abc&state=x%20y"
    missing = post_json(client, url("signin-signup", tenant), {"email": "ada@example.com"})
    assert missing.status_code == 400 and "given_name" in missing.json()["fields"]

    authenticator, done = register(
        client,
        tenant,
        "Ada@Example.com",
        names={"given_name": "Ada", "family_name": "Lovelace", "nickname": "ignored"},
        next_url=next_url,
    )
    assert done.status_code == 200, done.content
    assert done.json() == {"status": "signed_in", "redirect": next_url}
    user = User.objects.for_tenant(tenant).get(email="ada@example.com")
    assert (user.given_name, user.family_name, user.nickname) == ("Ada", "Lovelace", "")
    assert user.email_verified
    assert _signed_in_user(client, tenant) == user
    assert user.credentials.count() == 1
    actions = _actions(tenant)
    for action in (
        "enduser.signup_email_sent",
        "enduser.email_proven",
        "passkey.registered",
        "enduser.registered",
        "enduser.signed_in",
    ):
        assert action in actions


def test_registration_cannot_start_without_proof_when_tenant_requires_it(client, tenant):
    response = post_json(client, url("signin-signup", tenant), {"email": "x@example.com"})
    assert response.json()["status"] == "email_sent"
    options = post_json(client, url("signin-register-options", tenant))
    assert options.status_code == 400
    assert "Confirm your email" in options.json()["error"]


def test_returning_user_signs_in_with_email_and_the_session_is_per_tenant(client, tenant):
    authenticator, _ = register(client, tenant, "bob@example.com")
    fresh = Client()
    response = sign_in(
        fresh,
        tenant,
        authenticator,
        email="bob@example.com",
        next_url=f"/t/{tenant.slug}/authorize/?a=1",
    )
    assert response.status_code == 200, response.content
    assert response.json()["redirect"] == f"/t/{tenant.slug}/authorize/?a=1"
    assert _signed_in_user(fresh, tenant).email == "bob@example.com"
    other = factories.tenant()
    assert _signed_in_user(fresh, other) is None
    event = AuditEvent.objects.for_tenant(tenant).filter(action="enduser.signed_in").first()
    assert event.details["method"] == "email"


def test_discoverable_sign_in_needs_no_email(client, tenant):
    authenticator, _ = register(client, tenant, "cy@example.com")
    fresh = Client()
    options = post_json(fresh, url("signin-options", tenant)).json()
    assert options["publicKey"]["allowCredentials"] == []
    assertion = authenticator.get(options["publicKey"], origin())
    response = post_json(
        fresh, url("signin-verify", tenant), {"handle": options["handle"], "credential": assertion}
    )
    assert response.status_code == 200
    assert response.json()["redirect"] == url("account", tenant)
    assert _signed_in_user(fresh, tenant).email == "cy@example.com"


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/t/other/authorize",
        "/\\evil.example",
        "/t/{slug}/../../admin/",
        "javascript:alert(1)",
        "/t/{slug}//evil.example",
        "/t/{slug}/.%2e/.%2e/portal/",
        "/t/{slug}/%2e%2E/%2E%2e/admin/",
        "/t/{slug}/%252e%252e/%252e%252e/admin/",
    ],
)
def test_next_is_never_an_open_redirect(client, tenant, next_url):
    authenticator, _ = register(client, tenant, "dee@example.com")
    response = sign_in(
        Client(),
        tenant,
        authenticator,
        email="dee@example.com",
        next_url=next_url.format(slug=tenant.slug),
    )
    assert response.json()["redirect"] == url("account", tenant)


def test_unknown_and_known_emails_get_the_same_shape(client, tenant):
    register(client, tenant, "known@example.com")
    known = post_json(Client(), url("signin-options", tenant), {"email": "known@example.com"})
    unknown = post_json(Client(), url("signin-options", tenant), {"email": "nobody@example.com"})
    again = post_json(Client(), url("signin-options", tenant), {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    k, u = known.json(), unknown.json()
    assert k.keys() == u.keys() and k["publicKey"].keys() == u["publicKey"].keys()
    assert len(u["publicKey"]["allowCredentials"]) >= 1
    assert {d["type"] for d in u["publicKey"]["allowCredentials"]} == {"public-key"}
    # Decoys are stable, so asking twice does not give an unknown address away.
    assert u["publicKey"]["allowCredentials"] == again.json()["publicKey"]["allowCredentials"]
    assert k["publicKey"]["allowCredentials"] != u["publicKey"]["allowCredentials"]


def test_decoys_differ_per_tenant_and_email(client, tenant, other_tenant):
    def allow(t, email):
        body = post_json(Client(), url("signin-options", t), {"email": email}).json()
        return body["publicKey"]["allowCredentials"]

    assert allow(tenant, "a@example.com") != allow(tenant, "b@example.com")
    assert allow(tenant, "a@example.com") != allow(other_tenant, "a@example.com")


def test_sign_up_for_a_taken_email_answers_the_same_and_mails_the_owner(client, tenant):
    register(client, tenant, "taken@example.com")
    mail.outbox.clear()
    taken = post_json(Client(), url("signin-signup", tenant), {"email": "taken@example.com"})
    free = post_json(Client(), url("signin-signup", tenant), {"email": "free@example.com"})
    assert taken.status_code == free.status_code == 200
    assert taken.json().keys() == free.json().keys()
    assert taken.json()["status"] == free.json()["status"] == "email_sent"
    owner_mail = next(m for m in mail.outbox if "taken@example.com" in m.to)
    assert "already have one" in owner_mail.body


def test_proof_for_a_taken_email_recovers_instead_of_duplicating(client, tenant):
    first, _ = register(client, tenant, "dup@example.com")
    browser = Client()
    post_json(browser, url("signin-signup", tenant), {"email": "dup@example.com"})
    proven = post_json(browser, url("signin-email-code", tenant), {"code": last_code()})
    assert proven.json()["redirect"] == url("signin-create-passkey", tenant)
    second = SoftAuthenticator()
    options = post_json(browser, url("signin-register-options", tenant)).json()
    done = post_json(
        browser,
        url("signin-register-verify", tenant),
        {
            "handle": options["handle"],
            "credential": second.create(options["publicKey"], origin()),
        },
    )
    assert done.status_code == 200
    user = User.objects.for_tenant(tenant).get(email="dup@example.com")
    assert User.objects.for_tenant(tenant).filter(email="dup@example.com").count() == 1
    assert user.credentials.count() == 2
    assert user.sessions_valid_after is not None


def test_without_required_verification_the_user_signs_in_unverified(client, tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=False)
    tenant.refresh_from_db()
    authenticator, done = register(client, tenant, "eve@example.com")
    assert done.status_code == 200
    user = User.objects.for_tenant(tenant).get(email="eve@example.com")
    assert not user.email_verified
    assert _signed_in_user(client, tenant) == user
    # The verification link sent at registration proves the address later.
    link = last_link("eve@example.com")
    page = client.get(link)
    assert page.status_code == 200 and b"Continue" in page.content
    used = client.post(link)
    assert used.status_code == 302
    user.refresh_from_db()
    assert user.email_verified
    again = client.post(link)
    assert again.status_code == 400 and b"already been used" in again.content


def test_without_verification_a_taken_email_cannot_be_registered_again(client, tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=False)
    tenant.refresh_from_db()
    register(client, tenant, "fay@example.com")
    _, done = register(Client(), tenant, "fay@example.com")
    assert done.status_code == 409
    assert "already exists" in done.json()["error"]
    assert User.objects.for_tenant(tenant).filter(email="fay@example.com").count() == 1


def test_unverified_user_must_prove_email_when_tenant_starts_requiring_it(client, tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=False)
    tenant.refresh_from_db()
    authenticator, _ = register(client, tenant, "gil@example.com")
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=True)
    tenant.refresh_from_db()
    browser = Client()
    response = sign_in(
        browser,
        tenant,
        authenticator,
        email="gil@example.com",
        next_url=f"/t/{tenant.slug}/authorize/?z=1",
    )
    assert response.json() == {"status": "verify_email", "email": "gil@example.com"}
    assert _signed_in_user(browser, tenant) is None
    signed_in = AuditEvent.objects.for_tenant(tenant).filter(action="enduser.signed_in")
    before = signed_in.count()
    done = post_json(browser, url("signin-email-code", tenant), {"code": last_code()})
    assert done.json() == {"status": "signed_in", "redirect": f"/t/{tenant.slug}/authorize/?z=1"}
    assert _signed_in_user(browser, tenant).email_verified
    assert signed_in.count() == before + 1
    assert signed_in.first().details["method"] == "passkey_then_email"


def test_wrong_codes_burn_the_code_after_five_tries(client, tenant):
    post_json(client, url("signin-signup", tenant), {"email": "hal@example.com"})
    good = last_code()
    bad = f"{(int(good) + 1) % 1000000:06d}"
    for _ in range(5):
        response = post_json(client, url("signin-email-code", tenant), {"code": bad})
        assert response.status_code == 400
        assert "not right" in response.json()["error"]
    response = post_json(client, url("signin-email-code", tenant), {"code": good})
    assert response.status_code == 400
    assert "already used" in response.json()["error"]
    assert "enduser.email_code_failed" in _actions(tenant)


def test_code_of_another_browser_is_refused(client, tenant):
    post_json(client, url("signin-signup", tenant), {"email": "ivy@example.com"})
    code = last_code()
    response = post_json(Client(), url("signin-email-code", tenant), {"code": code})
    assert response.status_code == 400


def test_malformed_code_is_a_field_error(client, tenant):
    response = post_json(client, url("signin-email-code", tenant), {"code": "abc"})
    assert response.status_code == 400
    assert response.json()["fields"]["code"]


def _until_limited(send, attempts):
    """Send until a 429 (fixed windows may roll over once mid-test, hence 2x the limit)."""
    for i in range(2 * attempts + 1):
        response = send(i)
        if response.status_code == 429:
            return i, response
    raise AssertionError("never rate limited")


def test_options_rate_limit_per_email_backs_off_with_429(client, tenant):
    def send(i):
        return post_json(
            client,
            url("signin-options", tenant),
            {"email": "jo@example.com"},
            REMOTE_ADDR=f"10.0.{i // 250}.{i % 250}",
        )

    count, limited = _until_limited(send, 20)
    assert count >= 20
    assert "Wait" in limited.json()["error"]
    assert 1 <= int(limited["Retry-After"]) <= 60
    # Autofill (no email) is not limited per email, so the owner can still sign in.
    other = post_json(client, url("signin-options", tenant), {}, REMOTE_ADDR="10.9.1.2")
    assert other.status_code == 200


def test_verify_rate_limit_per_ip(client, tenant):
    def send(i):
        return post_json(client, url("signin-verify", tenant), {"handle": "x", "credential": {}})

    count, limited = _until_limited(send, 30)
    assert count >= 30
    assert limited.json()["retry_after"] >= 1
    # Another address is not affected.
    response = post_json(
        client,
        url("signin-verify", tenant),
        {"handle": "x", "credential": {}},
        REMOTE_ADDR="10.8.0.1",
    )
    assert response.status_code == 400


def test_emails_are_rate_limited_per_address(client, tenant):
    def send(i):
        return post_json(
            client,
            url("signin-signup", tenant),
            {"email": "kim@example.com"},
            REMOTE_ADDR=f"10.1.0.{i}",
        )

    count, limited = _until_limited(send, 3)
    assert count >= 3
    assert len(mail.outbox) == count


def test_allowed_email_domains_are_enforced(client, tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(allowed_email_domains=["corp.example"])
    tenant.refresh_from_db()
    response = post_json(client, url("signin-signup", tenant), {"email": "x@gmail.example"})
    assert response.status_code == 400
    assert "corp.example" in response.json()["error"]


def test_sign_out_forgets_only_this_tenant(client, tenant):
    register(client, tenant, "lee@example.com")
    response = client.post(url("sign-out", tenant))
    assert response.status_code == 302
    assert _signed_in_user(client, tenant) is None
    assert "enduser.signed_out" in _actions(tenant)


def test_sign_in_page_answers_head_and_refuses_post(client, tenant):
    assert client.head(url("sign-in", tenant)).status_code == 200
    assert client.post(url("sign-in", tenant)).status_code == 405


def test_sign_in_pages_of_an_unknown_or_suspended_tenant_are_404(client, tenant):
    type(tenant).objects.filter(pk=tenant.pk).update(status="suspended")
    assert client.get(url("sign-in", tenant)).status_code == 404
    assert post_json(client, url("signin-options", tenant)).status_code == 404
    assert client.get("/t/no-such-tenant/sign-in/").status_code == 404


@pytest.mark.parametrize(
    "value",
    [
        "/t/{slug}/.%2e/x",
        "/t/{slug}/%2e./x",
        "/t/{slug}/%2E%2e/x",
        "/t/{slug}/%2e/x",
        "/t/{slug}/a/%2e%2e/%2e%2e/%2e%2e/x",
        "/t/{slug}/%25252e%25252e/x",  # encoded over and over: never settles in 4 rounds
        "/t/{slug}/%2fx",  # an encoded slash that would make "//"
        "/t/{slug}/%5c..%5cx",
        "/t/{slug}/%00",
    ],
)
def test_safe_next_refuses_encoded_dot_segments_and_separators(tenant, value):
    assert safe_next(value.format(slug=tenant.slug), tenant) == ""


@pytest.mark.parametrize(
    "value",
    [
        "/t/{slug}/oidc/authorize?redirect_uri=https%3A%2F%2Frp.example%2F..%2Fcb&state=%2e%2e",
        "/t/{slug}/account/",
        "/t/{slug}/a/b.c/..d/e..",
    ],
)
def test_safe_next_keeps_paths_inside_the_tenant(tenant, value):
    value = value.format(slug=tenant.slug)
    assert safe_next(value, tenant) == value


def test_a_right_code_is_spent_once_and_not_after_it_expires(client, tenant):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import EmailLink
    from idp.email_proof import email_code_check, email_proof_send
    from idp.errors import SignInError

    link_id = email_proof_send(tenant=tenant, email="kim@example.com", purpose="signup")
    code = last_code("kim@example.com")
    assert email_code_check(tenant=tenant, link_id=link_id, code=code).email == "kim@example.com"
    with pytest.raises(SignInError, match="already used"):
        email_code_check(tenant=tenant, link_id=link_id, code=code)
    link_id = email_proof_send(tenant=tenant, email="lee@example.com", purpose="signup")
    code = last_code("lee@example.com")
    EmailLink.objects.filter(pk=link_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(SignInError, match="expired"):
        email_code_check(tenant=tenant, link_id=link_id, code=code)
    assert EmailLink.objects.get(pk=link_id).used_at is None


def test_refused_options_drop_their_challenge_and_a_refused_verify_uses_it_up(
    client, tenant, monkeypatch
):
    from accounts.ratelimit import Limit

    authenticator, _ = register(client, tenant, "kim@example.com")
    fresh = Client()
    options = post_json(fresh, url("signin-options", tenant), {"email": "kim@example.com"})
    assert options.status_code == 200
    options = options.json()
    # The limits are counted in the challenge's own round trip (docs/performance.md).
    monkeypatch.setattr("idp.views_signin.LIMITS_OPTIONS", (Limit("t-opt", 0, 60),))
    refused = post_json(fresh, url("signin-options", tenant), {"email": "kim@example.com"})
    assert refused.status_code == 429
    monkeypatch.setattr("idp.views_signin.LIMITS_VERIFY", (Limit("t-verify", 0, 60),))
    assertion = authenticator.get(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": assertion}
    assert post_json(fresh, url("signin-verify", tenant), body).status_code == 429
    monkeypatch.undo()
    again = post_json(fresh, url("signin-verify", tenant), body)
    assert again.status_code == 400 and _signed_in_user(fresh, tenant) is None
