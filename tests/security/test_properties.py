"""Security properties that hold today, pinned so that a change cannot quietly lose them."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.apps import apps
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts import services as account_services
from accounts.email_links import email_link_issue
from accounts.models import AccessRequest, EmailLink, WebAuthnCredential
from accounts.passkeys.challenges import ChallengeMissing, challenge_issue, challenge_take
from idp.views_signin_common import safe_next
from portal.api.tokens import api_token_create, api_token_revoke
from tenants import services as tenant_services
from tenants.audit import AuditEvent
from tenants.models import ClientSecret, SigningKey, Tenant
from tenants.oidc import keys as key_services
from tenants.oidc import services as oidc_services
from tenants.oidc.crypto import decrypt_private_key
from tests import factories
from tests.idp.oidc_support import make_rp, oidc_tenant, sign_in
from tests.idp.signin_support import origin, post_json
from tests.idp.signin_support import register as idp_register
from tests.idp.signin_support import sign_in as idp_passkey_sign_in
from tests.portal.helpers import passkey_sign_in, register_passkey
from tests.security.support import (
    PORTAL_BACKEND,
    assert_no_secret_logged,
    authorize_code,
    idp_url,
    logged_journey,
    member_client,
    redeem,
)
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(db):
    return oidc_tenant()


@pytest.fixture
def rp(tenant):
    return make_rp(tenant)


@pytest.fixture
def user(tenant):
    return factories.end_user(tenant=tenant, given_name="Ada")


def _all_text_in_database() -> str:
    """Every text and JSON value of every row of every model, as one string."""
    chunks = []
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            chunks.extend(json.dumps(v) if not isinstance(v, str) else v for v in row)
    return "\n".join(chunks)


# --- secrets never in logs, never in the database in the clear ------------------------------


def test_no_secret_token_code_or_key_reaches_our_logs(client, caplog, mailoutbox, settings):
    """The whole journey at DEBUG; oauthlib's own DEBUG lines are finding SEC-10."""
    secrets_seen, records = logged_journey(client, caplog, settings)
    ours = [r for r in records if not r.name.startswith("oauthlib")]
    assert_no_secret_logged(secrets_seen, ours)


def test_private_keys_are_sealed_at_rest_and_open_with_the_kek(tenant):
    key_services.key_algorithm_add(tenant=tenant, algorithm="ES256", actor=None)
    everything = _all_text_in_database()
    assert "PRIVATE KEY" not in everything and "BEGIN" not in everything
    for key in SigningKey.objects.for_tenant(tenant):
        assert decrypt_private_key(key.private_key_encrypted).startswith(b"-----BEGIN PRIVATE")
        assert set(key.public_jwk) & {"d", "p", "q", "dp", "dq", "qi"} == set()


def test_plaintext_secrets_tokens_and_links_are_never_stored(tenant):
    admin = factories.portal_user()
    _row, client_secret = oidc_services.client_secret_generate(
        tenant=tenant, actor=admin, name="stored?"
    )
    _token, api_token = api_token_create(user=admin, name="stored?")
    link_token = email_link_issue(purpose=EmailLink.Purpose.SIGN_IN, email=admin.email)
    everything = _all_text_in_database()
    for value in (client_secret, api_token, link_token):
        assert value not in everything
    assert ClientSecret.objects.get(name="stored?").hint == client_secret[-4:]


def test_api_never_returns_private_keys_or_digests(tenant):
    client, _ = member_client(tenant)
    slug = {"slug": tenant.slug}
    client.post(
        reverse("api:client-secret-list", kwargs=slug),
        {"name": "a"},
        content_type="application/json",
    )
    bodies = [
        client.get(reverse(name, kwargs=slug)).content.decode()
        for name in (
            "api:tenant-keys",
            "api:client-secret-list",
            "api:oidc-settings",
            "api:tenant-detail",
            "api:audit-event-list",
        )
    ]
    secret = ClientSecret.objects.for_tenant(tenant).get()
    rotated = client.post(
        reverse("api:tenant-key-rotate", kwargs=slug), {}, content_type="application/json"
    )
    assert rotated.status_code == 200, rotated.content
    bodies.append(rotated.content.decode())
    text = "\n".join(bodies)
    assert secret.digest not in text
    assert '"secret"' not in bodies[1]  # the list never shows a value
    for key in SigningKey.objects.for_tenant(tenant):
        assert key.private_key_encrypted not in text
    assert "PRIVATE" not in text and '"d":' not in text
    schema = client.get("/api/schema/").content.decode()
    assert "private_key" not in schema and "digest" not in schema


def test_client_secret_is_shown_once_with_no_store(tenant):
    client, _ = member_client(tenant)
    url = reverse("api:client-secret-list", kwargs={"slug": tenant.slug})
    created = client.post(url, {"name": "once"}, content_type="application/json")
    assert created.status_code == 201 and created["Cache-Control"] == "no-store"
    plaintext = created.json()["secret"]
    detail = reverse(
        "api:client-secret-detail", kwargs={"slug": tenant.slug, "pk": created.json()["id"]}
    )
    for response in (client.get(url), client.get(detail)):
        assert plaintext not in response.content.decode()


# --- audit: every privileged service writes an AuditEvent -----------------------------------


def _support():
    return factories.portal_user(is_staff=True)


def _audit_cases():
    def secret_revoke(t):
        row, _ = oidc_services.client_secret_generate(tenant=t, actor=_support(), name="r")
        return lambda: oidc_services.client_secret_revoke(tenant=t, actor=None, secret=row)

    def redirect_remove(t):
        row = oidc_services.redirect_url_add(tenant=t, actor=None, url="https://rp.example/x")
        return lambda: oidc_services.redirect_url_remove(tenant=t, actor=None, redirect_url=row)

    def token_revoke(t):
        owner = factories.portal_user()
        row, _ = api_token_create(user=owner, name="r")
        return lambda: api_token_revoke(user=owner, token=row)

    def role_change(t):
        member = factories.membership(tenant=t)
        return lambda: account_services.membership_role_change(
            membership=member, role="read_write", actor=_support(), reason="ok", override=True
        )

    def member_remove(t):
        member = factories.membership(tenant=t)
        return lambda: account_services.membership_remove(
            membership=member, actor=_support(), reason="ok"
        )

    def assign(t):
        person = factories.portal_user()
        return lambda: account_services.membership_assign(
            user=person, tenant=t, role="read_only", actor=_support(), reason="ok", override=True
        )

    def request_access(t):
        member = factories.membership(tenant=t)
        return lambda: account_services.access_request_create(
            user=member.user, tenant=t, reason="please"
        )

    def resolve(t):
        member = factories.membership(tenant=t)
        ask = AccessRequest.objects.create(user=member.user, tenant=t, reason="please")
        return lambda: account_services.access_request_resolve(
            access_request=ask, approve=False, actor=_support(), reason="no"
        )

    def revoke_key(t):
        key = SigningKey.objects.for_tenant(t).get(state="active")
        return lambda: key_services.key_revoke(key=key, actor=_support(), reason="leak")

    return {
        "oidc.enabled": lambda t: (
            lambda: oidc_services.oidc_settings_update(
                tenant=Tenant.objects.create(slug="fresh-off", display_name="Off"),
                actor=None,
                enabled=True,
            )
        ),
        "oidc.settings_updated": lambda t: (
            lambda: oidc_services.oidc_settings_update(tenant=t, actor=None, response_mode="query")
        ),
        "oidc.redirect_url_added": lambda t: (
            lambda: oidc_services.redirect_url_add(
                tenant=t, actor=None, url="https://rp.example/added"
            )
        ),
        "oidc.redirect_url_removed": redirect_remove,
        "oidc.client_secret_generated": lambda t: (
            lambda: oidc_services.client_secret_generate(tenant=t, actor=None, name="g")
        ),
        "oidc.client_secret_revoked": secret_revoke,
        "api_token.created": lambda t: (
            lambda: api_token_create(user=factories.portal_user(), name="c")
        ),
        "api_token.revoked": token_revoke,
        "membership.assigned": assign,
        "membership.role_changed": role_change,
        "membership.removed": member_remove,
        "access_request.created": request_access,
        "access_request.denied": resolve,
        "tenant.created": lambda t: (
            lambda: tenant_services.tenant_create(
                slug="new-one", display_name="New", actor=_support(), reason="onboard"
            )
        ),
        "tenant.suspended": lambda t: (
            lambda: tenant_services.tenant_status_change(
                tenant=t, status="suspended", actor=_support(), reason="abuse"
            )
        ),
        "tenant.access_policy_changed": lambda t: (
            lambda: account_services.tenant_email_domains_change(
                tenant=t, domains=["example.com"], actor=_support(), reason="policy"
            )
        ),
        "signing_key.rotated": lambda t: (
            lambda: key_services.key_rotate_now(tenant=t, actor=_support(), reason="now")
        ),
        "signing_key.revoked": revoke_key,
    }


AUDIT_CASES = _audit_cases()


@pytest.mark.parametrize("action", sorted(AUDIT_CASES))
def test_every_privileged_service_writes_an_audit_event(tenant, action):
    run = AUDIT_CASES[action](tenant)
    before = set(AuditEvent.objects.values_list("pk", flat=True))
    run()
    written = AuditEvent.objects.exclude(pk__in=before)
    assert written.exists(), f"{action}: no audit event"
    actions = set(written.values_list("action", flat=True))
    # The exact name may differ slightly between services; the family must match.
    family = action.split(".", 1)[0]
    assert any(a.startswith(family + ".") for a in actions), actions


# --- tenant isolation at the SQL level --------------------------------------------------------


def test_token_endpoint_never_reads_another_tenants_grant(client, rp):
    other = oidc_tenant()
    rp_other = make_rp(other)
    sign_in(client, other, factories.end_user(tenant=other))
    code_b = authorize_code(client, rp_other)
    with CaptureQueriesContext(connection) as queries:
        response = redeem(client, rp, code_b)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    # The grant table read from (or joined to) in any statement.
    grant_table = re.compile(r'(?:FROM|JOIN) "oauth2_provider_grant"')
    grant_reads = [
        grant_table.split(q["sql"])[-1]
        for q in queries.captured_queries
        if grant_table.search(q["sql"])
    ]
    assert grant_reads
    # Every read of DOT's grant table at tenant A is narrowed to tenant A or its client.
    for rest in grant_reads:
        assert '"tenant_id" =' in rest or '"application_id" =' in rest, rest


# --- CSRF on every form -------------------------------------------------------------------------

# OAuth endpoints called by relying parties (cross-site by design) and DRF (which checks CSRF
# itself for session callers, see the API test below).
CSRF_EXEMPT = {
    "idp:oidc-authorize",
    "idp:oidc-token",
    "idp:oidc-userinfo",
    "idp:oidc-revoke",
    # RP-Initiated Logout §2: the RP's own page posts here. Only what a GET can do happens
    # without our token; the confirmation (confirm=yes) is CSRF-checked, see
    # tests/idp/test_logout.py::test_a_cross_site_confirmation_without_our_token_is_refused.
    "idp:oidc-logout",
    # The built-in token viewer is a relying party: the IdP's form_post reaches its redirect
    # URI without our token; the state and PKCE verifier bound to the admin's session stand in.
    "portal:tenant-test-sign-in-callback",
}
SAMPLE_KWARGS = {
    "tenant_slug": None,
    "slug": None,
    "pk": "1",
    "passkey_id": "1",
    "user_id": "1",
    "membership_id": "1",
    "request_id": "1",
    "token": "x" * 43,
    "kind": "recovery",
    "kid": "kid",
    "digest": "0" * 16,
    "message_id": "0" * 32,
}


def _named_patterns(resolver: URLResolver, namespace: str = "", prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _named_patterns(entry, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield (
                f"{namespace}:{entry.name}" if namespace else entry.name,
                prefix + str(entry.pattern),
            )


def _form_endpoints():
    for name, route in _named_patterns(get_resolver()):
        if name.startswith(("idp:", "portal:")) and name not in CSRF_EXEMPT:
            yield name, tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))


@pytest.mark.parametrize(("name", "params"), sorted(set(_form_endpoints())))
def test_every_page_and_json_endpoint_refuses_a_cross_site_post(name, params, tenant):
    kwargs = {p: SAMPLE_KWARGS[p] or tenant.slug for p in params}
    path = reverse(name, kwargs=kwargs or None)
    signed_in = Client(enforce_csrf_checks=True)
    member = factories.membership(tenant=tenant, role="read_write")
    signed_in.force_login(member.user, backend=PORTAL_BACKEND)
    sign_in(signed_in, tenant, factories.end_user(tenant=tenant))
    response = signed_in.post(path, {"email": "a@example.com"})
    assert response.status_code == 403, (path, response.status_code)


def test_api_refuses_a_session_post_without_csrf(tenant):
    member = factories.membership(tenant=tenant, role="read_write")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member.user, backend=PORTAL_BACKEND)
    url = reverse("api:client-secret-list", kwargs={"slug": tenant.slug})
    response = browser.post(url, {"name": "csrf"}, content_type="application/json")
    assert response.status_code == 403
    assert not ClientSecret.objects.for_tenant(tenant).exists()


# --- WebAuthn relying-party rules -------------------------------------------------------------


def test_challenges_are_32_random_bytes_single_use_and_bound():
    handle, challenge = challenge_issue(ceremony="authenticate", realm="tenant:1", user_id=7)
    other_handle, other = challenge_issue(ceremony="authenticate", realm="tenant:1")
    assert len(challenge) >= 32 and challenge != other
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="register", realm="tenant:1")
    # A wrong ceremony or realm uses the challenge up: no second try with the right one.
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=handle, ceremony="authenticate", realm="tenant:1")
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=other_handle, ceremony="authenticate", realm="tenant:2")
    fresh, _ = challenge_issue(ceremony="authenticate", realm="tenant:1", user_id=7)
    assert challenge_take(handle=fresh, ceremony="authenticate", realm="tenant:1")["user_id"] == 7
    with pytest.raises(ChallengeMissing):
        challenge_take(handle=fresh, ceremony="authenticate", realm="tenant:1")


def test_a_challenge_from_tenant_a_is_refused_at_tenant_b(client, settings, mailoutbox):
    settings.PUBLIC_URL = "http://testserver"
    a = oidc_tenant(require_email_verification=False)
    b = oidc_tenant(require_email_verification=False)
    authenticator, done = idp_register(client, b, "bo@example.com", names={})
    assert done.status_code == 200, done.content
    options = post_json(client, idp_url(a, "signin-options")).json()
    assertion = authenticator.get(options["publicKey"], origin())
    response = post_json(
        client,
        idp_url(b, "signin-verify"),
        {"handle": options["handle"], "credential": assertion},
    )
    assert response.status_code == 400
    assert "expired or was already used" in response.json()["error"]


def test_rp_id_and_origin_come_from_the_tenant(client, settings, mailoutbox):
    settings.PUBLIC_URL = "http://testserver"
    tenant = oidc_tenant(
        require_email_verification=False,
        webauthn_rp_id="login.example.org",
        webauthn_origin="https://login.example.org",
    )
    post_json(client, idp_url(tenant, "signin-signup"), {"email": "rp@example.com"})
    options = post_json(client, idp_url(tenant, "signin-register-options")).json()
    assert options["publicKey"]["rp"]["id"] == "login.example.org"
    # The PUBLIC_URL origin (what the request came in on) is not the tenant's: refused.
    wrong = SoftAuthenticator().create(options["publicKey"], origin())
    refused = post_json(
        client,
        idp_url(tenant, "signin-register-verify"),
        {"handle": options["handle"], "credential": wrong},
    )
    assert refused.status_code == 400
    options = post_json(client, idp_url(tenant, "signin-register-options")).json()
    right = SoftAuthenticator().create(options["publicKey"], "https://login.example.org")
    accepted = post_json(
        client,
        idp_url(tenant, "signin-register-verify"),
        {"handle": options["handle"], "credential": right},
    )
    assert accepted.status_code == 200, accepted.content


def test_a_credential_id_is_unique_across_tenants(client, settings, mailoutbox):
    settings.PUBLIC_URL = "http://testserver"
    a = oidc_tenant(require_email_verification=False)
    b = oidc_tenant(require_email_verification=False)
    same_id = b"\x01" * 32
    _auth, first = idp_register(client, a, "x@example.com", names={}, credential_id=same_id)
    assert first.status_code == 200, first.content
    _auth, second = idp_register(Client(), b, "x@example.com", names={}, credential_id=same_id)
    assert second.status_code == 400
    assert WebAuthnCredential.objects.filter(credential_id=same_id).count() == 1
    assert not b.end_users.exists()


def test_end_user_sign_in_rotates_the_session_key(client, settings, mailoutbox):
    settings.PUBLIC_URL = "http://testserver"
    tenant = oidc_tenant(require_email_verification=False)
    authenticator, done = idp_register(client, tenant, "fix@example.com", names={})
    assert done.status_code == 200
    client.post(idp_url(tenant, "sign-out"))
    planted = client.session.session_key or client.session.save() or client.session.session_key
    response = idp_passkey_sign_in(client, tenant, authenticator)
    assert response.status_code == 200, response.content
    assert client.session.session_key != planted


# --- redirects ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "/t/other/sign-in/",
        "/t/{slug}/../../portal/",
        "/t/{slug}//evil.example",
        "/t/{slug}/\x00",
        "javascript:alert(1)",
    ],
)
def test_sign_in_next_stays_inside_the_tenant(tenant, client, value):
    value = value.replace("{slug}", tenant.slug)
    assert safe_next(value, tenant) == ""
    page = client.get(idp_url(tenant, "sign-in"), {"next": value}).content.decode()
    assert "evil.example" not in page


def test_portal_sign_in_next_cannot_leave_the_site(client, settings):
    owner = factories.portal_user()
    client.force_login(owner, backend=PORTAL_BACKEND)
    session = client.session
    session["portal_auth"] = {"method": "link", "at": 2**40}
    session.save()
    authenticator = SoftAuthenticator()
    assert register_passkey(client, authenticator).status_code == 200
    client.logout()
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = passkey_sign_in(client, authenticator, **{})
        assert response.status_code == 200
        client.logout()
        start = client.post(
            reverse("portal:passkey-auth-options"), content_type="application/json"
        ).json()
        assertion = authenticator.get(start["publicKey"], settings.PUBLIC_URL)
        response = client.post(
            reverse("portal:passkey-auth-verify") + "?next=" + target,
            json.dumps({"handle": start["handle"], "credential": assertion}),
            content_type="application/json",
        )
        assert response.status_code == 200
        assert "evil.example" not in response.json()["redirect"]
        client.logout()


def test_logout_with_an_alg_none_hint_is_refused(client, rp, user):
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    claims = {"iss": rp.tenant.issuer, "aud": rp.client_id, "sub": user.subject}
    hint = b64({"alg": "none", "typ": "JWT"}) + "." + b64(claims) + "."
    response = client.get(
        idp_url(rp.tenant, "oidc-logout"),
        {"id_token_hint": hint, "post_logout_redirect_uri": "https://evil.example/"},
    )
    assert response.status_code == 400
    assert "Location" not in response


def test_token_errors_are_no_store_too(client, rp):
    response = redeem(client, rp, "not-a-code")
    assert response.status_code == 400
    assert response["Cache-Control"] == "no-store"


# --- rate limits answer 429, never 500 -----------------------------------------------------------


def test_idp_ceremony_options_are_rate_limited_with_a_429(client, tenant):
    statuses = [post_json(client, idp_url(tenant, "signin-options")).status_code for _ in range(61)]
    assert statuses[:60] == [200] * 60 and statuses[60] == 429


def test_idp_recovery_mail_is_rate_limited_per_email_with_a_429(client, tenant, user, mailoutbox):
    statuses = [
        client.post(idp_url(tenant, "signin-recover"), {"email": user.email}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    assert len(mailoutbox) == 3


def test_idp_signup_mail_is_rate_limited_per_email_with_a_429(client, tenant, mailoutbox):
    body = {"email": "new@example.com"}
    statuses = [
        post_json(client, idp_url(tenant, "signin-signup"), body).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


# --- malformed input is never a 500 --------------------------------------------------------------

GARBAGE = [
    "",
    "\x00",
    "%00",
    "A" * 5000,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    # Lone surrogates ("\ud800") in JSON bodies are finding SEC-10.
    "{}",
    "[]",
    "-1",
    "99999999999999999999999",
    "ÿ" * 3,
]


@pytest.mark.parametrize("value", GARBAGE, ids=range(len(GARBAGE)))
def test_oidc_endpoints_never_answer_500_to_garbage(client, rp, user, value):
    client.raise_request_exception = False
    sign_in(client, rp.tenant, user)
    t = rp.tenant
    base = {"client_id": rp.client_id, "redirect_uri": rp.redirect_uri, "response_type": "code"}
    for key in (
        "client_id",
        "redirect_uri",
        "response_type",
        "scope",
        "state",
        "nonce",
        "prompt",
        "max_age",
        "response_mode",
        "code_challenge",
        "login_hint",
    ):
        params = {**base, key: value}
        assert client.get(idp_url(t, "oidc-authorize"), params).status_code < 500, key
        assert client.post(idp_url(t, "oidc-authorize"), params).status_code < 500, key
    for key in (
        "grant_type",
        "code",
        "redirect_uri",
        "client_id",
        "client_secret",
        "refresh_token",
        "code_verifier",
    ):
        body = {
            "grant_type": "authorization_code",
            "code": "c",
            "redirect_uri": rp.redirect_uri,
            "client_id": rp.client_id,
            "client_secret": rp.secret,
            key: value,
        }
        assert client.post(idp_url(t, "oidc-token"), body).status_code < 500, key
    assert (
        client.post(
            idp_url(t, "oidc-token"),
            {"grant_type": "authorization_code"},
            HTTP_AUTHORIZATION="Basic " + value,
        ).status_code
        < 500
    )
    assert (
        client.get(idp_url(t, "oidc-userinfo"), HTTP_AUTHORIZATION="Bearer " + value).status_code
        < 500
    )
    assert (
        client.post(
            idp_url(t, "oidc-revoke"),
            {"token": value, "client_id": rp.client_id, "client_secret": rp.secret},
        ).status_code
        < 500
    )
    for key in ("id_token_hint", "client_id", "post_logout_redirect_uri", "state"):
        assert client.get(idp_url(t, "oidc-logout"), {key: value}).status_code < 500, key


@pytest.mark.parametrize("value", GARBAGE, ids=range(len(GARBAGE)))
def test_sign_in_and_api_endpoints_never_answer_500_to_garbage(client, tenant, value):
    client.raise_request_exception = False
    for name in (
        "signin-options",
        "signin-verify",
        "signin-signup",
        "signin-email-code",
        "signin-register-options",
        "signin-register-verify",
    ):
        path = idp_url(tenant, name)
        assert post_json(client, path, value.encode("utf-8", "surrogatepass")).status_code < 500
        for key in ("email", "handle", "credential", "code", "next", "given_name"):
            assert post_json(client, path, {key: value}).status_code < 500, (name, key)
            assert post_json(client, path, {key: [value]}).status_code < 500, (name, key)
    assert (
        client.get(idp_url(tenant, "sign-in"), {"next": value, "login_hint": value}).status_code
        < 500
    )
    assert client.post(idp_url(tenant, "signin-recover"), {"email": value}).status_code < 500
    admin, _ = member_client(tenant)
    admin.raise_request_exception = False
    slug = {"slug": tenant.slug}
    for name, body in (
        ("api:oidc-settings", {"enabled": value, "inputs": value}),
        ("api:redirect-url-list", {"url": value}),
        ("api:client-secret-list", {"name": value, "expires_at": value}),
        ("api:tenant-keys", {"algorithm": value}),
        ("api:tenant-key-rotate", {"algorithm": value, "expected_next_kid": value}),
    ):
        method = admin.patch if name == "api:oidc-settings" else admin.post
        assert (
            method(reverse(name, kwargs=slug), body, content_type="application/json").status_code
            < 500
        ), name
        assert (
            method(
                reverse(name, kwargs=slug),
                value.encode("utf-8", "surrogatepass"),
                content_type="application/json",
            ).status_code
            < 500
        ), name


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tenants/{slug}/oidc/redirect-urls/99999999999999999999999/",
        "/api/v1/tenants/{slug}/oidc/client-secrets/99999999999999999999999/",
        "/portal/support/users/99999999999999999999999/",
        "/portal/support/memberships/99999999999999999999999/role/",
    ],
)
def test_out_of_range_ids_are_404_not_500(client, tenant, support_user, path):
    client.force_login(support_user, backend=PORTAL_BACKEND)
    client.raise_request_exception = False
    response = client.get(path.format(slug=tenant.slug))
    assert response.status_code in (404, 405)


# --- tenant B's objects at tenant A ---------------------------------------------------------------


def test_api_refuses_tenant_b_objects_at_tenant_a(tenant):
    other = oidc_tenant()
    secret_b, _ = oidc_services.client_secret_generate(tenant=other, actor=None, name="b")
    url_b = oidc_services.redirect_url_add(tenant=other, actor=None, url="https://b.example/cb")
    kid_b = SigningKey.objects.for_tenant(other).get(state="active").kid
    admin, _ = member_client(tenant)
    a = {"slug": tenant.slug}
    b = {"slug": other.slug}
    checks = [
        admin.get(reverse("api:redirect-url-detail", kwargs={**a, "pk": url_b.pk})),
        admin.delete(reverse("api:redirect-url-detail", kwargs={**a, "pk": url_b.pk})),
        admin.get(reverse("api:client-secret-detail", kwargs={**a, "pk": secret_b.pk})),
        admin.post(reverse("api:client-secret-revoke", kwargs={**a, "pk": secret_b.pk})),
        admin.post(
            reverse("api:tenant-key-revoke", kwargs={**a, "kid": kid_b}),
            {},
            content_type="application/json",
        ),
        admin.get(reverse("api:tenant-detail", kwargs=b)),
        admin.get(reverse("api:audit-event-list", kwargs=b)),
        admin.get(reverse("api:tenant-keys", kwargs=b)),
        admin.post(reverse("api:client-secret-list", kwargs=b), {"name": "x"}),
    ]
    assert [r.status_code for r in checks] == [404] * len(checks)
    secret_b.refresh_from_db()
    assert secret_b.revoked_at is None
    assert SigningKey.objects.get(kid=kid_b).state == "active"
    listed = admin.get(reverse("api:tenant-list")).json()
    assert other.slug not in json.dumps(listed)


def test_end_user_cannot_touch_another_users_passkey(client, tenant, settings, mailoutbox):
    settings.PUBLIC_URL = "http://testserver"
    open_tenant = oidc_tenant(require_email_verification=False)
    other_tenant = oidc_tenant(require_email_verification=False)
    _key, done = idp_register(Client(), other_tenant, "b@example.com", names={})
    assert done.status_code == 200
    _key, done = idp_register(Client(), open_tenant, "neighbour@example.com", names={})
    assert done.status_code == 200
    foreign = list(WebAuthnCredential.objects.all())
    _key, done = idp_register(client, open_tenant, "me@example.com", names={})
    assert done.status_code == 200
    account = idp_url(open_tenant, "account")
    for credential in foreign:
        client.post(f"{account}passkeys/{credential.pk}/rename/", {f"p{credential.pk}-name": "x"})
        client.post(f"{account}passkeys/{credential.pk}/remove/")
    for credential in foreign:
        credential.refresh_from_db()
        assert credential.name != "x"


def test_portal_pages_showing_a_new_secret_are_no_store_and_keep_nothing(tenant):
    from django.contrib.sessions.models import Session

    admin, _ = member_client(tenant)
    page = admin.post(
        reverse("portal:tenant-settings-secret-generate", kwargs={"slug": tenant.slug}),
        {"name": "ui"},
    )
    assert page.status_code == 200
    token_page = admin.post(reverse("portal:api-tokens"), {"name": "ui"})
    assert token_page.status_code == 200
    from portal.models import ApiToken

    secret_hint = ClientSecret.objects.for_tenant(tenant).get(name="ui").hint
    token_hint = ApiToken.objects.get(name="ui").hint
    shown = [
        re.search(r"[A-Za-z0-9_-]{39}" + re.escape(secret_hint), page.content.decode()),
        re.search(r"lk_[A-Za-z0-9_-]{39}" + re.escape(token_hint), token_page.content.decode()),
    ]
    assert all(shown)
    for response in (page, token_page):
        assert "no-store" in response["Cache-Control"]
    sessions = json.dumps([s.get_decoded() for s in Session.objects.all()], default=str)
    stored = _all_text_in_database()
    for match in shown:
        assert match.group(0) not in sessions and match.group(0) not in stored


@pytest.mark.parametrize(
    "body",
    [
        {"grant_type": "password", "username": "ada@example.com", "password": "x"},
        {"grant_type": "client_credentials", "scope": "openid"},
        # The device-code grant is a 500 today: finding SEC-14.
    ],
)
def test_only_code_and_refresh_grants_are_served(client, rp, user, body):
    response = client.post(
        idp_url(rp.tenant, "oidc-token"),
        {**body, "client_id": rp.client_id, "client_secret": rp.secret},
    )
    assert response.status_code in (400, 401)
    assert "access_token" not in response.json()


def test_jwks_and_discovery_publish_public_material_only(client, tenant):
    key_services.key_algorithm_add(tenant=tenant, algorithm="ES256", actor=None)
    jwks = client.get(idp_url(tenant, "oidc-jwks")).json()
    assert len(jwks["keys"]) >= 2
    for key in jwks["keys"]:
        assert set(key) & {"d", "p", "q", "dp", "dq", "qi", "oth", "k"} == set()
        assert key["alg"] in ("RS256", "ES256") and key["kid"]
    discovery = client.get(idp_url(tenant, "oidc-discovery")).json()
    assert "none" not in discovery["id_token_signing_alg_values_supported"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
