"""Query budgets of each ceremony endpoint (the cryptography is cheap; keep the rest lean)."""

from __future__ import annotations

from urllib.parse import unquote, urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.idp.oidc_support import authorize_path, form_post_fields, make_rp, token_path
from tests.idp.signin_support import (
    last_code,
    origin,
    post_json,
    private_cache,  # noqa: F401
    register,
    url,
)
from tests.support.soft_webauthn import SoftAuthenticator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]


@pytest.fixture
def member(tenant):
    authenticator, done = register(Client(), tenant, "q@example.com")
    assert done.status_code == 200
    return authenticator


def test_sign_in_page_queries(client, tenant, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # tenant (no session cookie yet: nothing to load)
        assert client.get(url("sign-in", tenant)).status_code == 200


def test_options_queries(client, tenant, member, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):  # tenant (autofill: no user lookup)
        assert post_json(client, url("signin-options", tenant)).status_code == 200
    with django_assert_max_num_queries(2):  # tenant, the user's passkeys
        body = {"email": "q@example.com"}
        assert post_json(client, url("signin-options", tenant), body).status_code == 200
    with django_assert_max_num_queries(2):  # same for an unknown email (decoys)
        body = {"email": "nobody@example.com"}
        assert post_json(client, url("signin-options", tenant), body).status_code == 200


def test_verify_queries(client, tenant, member, django_assert_max_num_queries):
    options = post_json(client, url("signin-options", tenant), {"email": "q@example.com"}).json()
    body = {"handle": options["handle"], "credential": member.get(options["publicKey"], origin())}
    # tenant, credential+user, lock+update counter, audit, new session key check + insert: 7,
    # plus 4 SAVEPOINT/RELEASE statements that only exist inside the test's transaction.
    with django_assert_max_num_queries(11):
        assert post_json(client, url("signin-verify", tenant), body).status_code == 200


def test_failed_verify_queries(client, tenant, member, django_assert_max_num_queries):
    options = post_json(client, url("signin-options", tenant)).json()
    assertion = member.get(options["publicKey"], origin(), bad_signature=True)
    with django_assert_max_num_queries(3):  # tenant, credential+user, audit
        response = post_json(
            client,
            url("signin-verify", tenant),
            {"handle": options["handle"], "credential": assertion},
        )
        assert response.status_code == 400


def test_registration_queries(client, tenant, django_assert_max_num_queries):
    # tenant, user lookup, link insert+read, audit, session key check + insert (+ savepoints).
    with django_assert_max_num_queries(9):
        post_json(client, url("signin-signup", tenant), {"email": "r@example.com"})
    # tenant, session, lock+use link, audit, session save (+ savepoints).
    with django_assert_max_num_queries(10):
        post_json(client, url("signin-email-code", tenant), {"code": last_code()})
    with django_assert_max_num_queries(2):  # tenant, session
        options = post_json(client, url("signin-register-options", tenant)).json()
    credential = SoftAuthenticator().create(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": credential}
    # tenant, session, user + passkey inserts, three audit rows, old session delete, new
    # session key check + insert: 10 statements; the nested atomic blocks add 8
    # SAVEPOINT/RELEASE statements inside the test's transaction.
    with django_assert_max_num_queries(18):
        assert post_json(client, url("signin-register-verify", tenant), body).status_code == 200


def test_account_page_queries(client, tenant, django_assert_max_num_queries):
    register(client, tenant, "acct@example.com")
    with django_assert_max_num_queries(4):  # tenant, session, user, credentials
        assert client.get(url("account", tenant)).status_code == 200


def test_decoy_and_real_options_cost_the_same(tenant, member, django_assert_num_queries):
    factories.end_user(tenant=tenant, email="nopasskey@example.com")
    counts = []
    for email in ("q@example.com", "nobody@example.com", "nopasskey@example.com"):
        with CaptureQueriesContext(connection) as ctx:
            post_json(Client(), url("signin-options", tenant), {"email": email})
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2]


def _whole_sign_in(http, tenant, rp, member) -> list[tuple[str, list[str]]]:
    """authorize → options → verify → authorize again → token; the SQL of each step."""
    query = urlencode(
        {
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "response_type": "code",
            "scope": "openid email profile",
            "state": "s",
            "nonce": "n",
            "response_mode": "form_post",
        }
    )
    steps = []

    def step(name, call):
        with CaptureQueriesContext(connection) as ctx:
            response = call()
        sql = [q["sql"] for q in ctx.captured_queries]
        # SAVEPOINT/RELEASE only exist because the test runs inside a transaction.
        steps.append((name, [q for q in sql if not q.startswith(("SAVEPOINT", "RELEASE"))]))
        return response

    first = step("authorize", lambda: http.get(f"{authorize_path(tenant)}?{query}"))
    assert first.status_code == 302
    next_url = unquote(first["Location"].split("next=")[1].split("&")[0])
    options = step(
        "options",
        lambda: post_json(http, url("signin-options", tenant), {"email": "q@example.com"}),
    ).json()
    assertion = member.get(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": assertion, "next": next_url}
    done = step("verify", lambda: post_json(http, url("signin-verify", tenant), body))
    assert done.json()["redirect"] == next_url
    resumed = step("authorize again", lambda: http.get(next_url))
    assert resumed.status_code == 200
    _action, fields = form_post_fields(resumed.content.decode())
    exchange = {
        "grant_type": "authorization_code",
        "code": fields["code"],
        "redirect_uri": rp.redirect_uri,
        "client_id": rp.client_id,
        "client_secret": rp.secret,
    }
    token = step("token", lambda: http.post(token_path(tenant), exchange))
    assert token.status_code == 200, token.content
    return steps


def test_a_whole_sign_in_through_authorize_and_token(member, tenant):
    """The issue's budget for a complete sign-in, step by step (docs/architecture.md)."""
    type(tenant).objects.filter(pk=tenant.pk).update(oidc_enabled=True)
    tenant.refresh_from_db()
    rp = make_rp(tenant)
    # A running server has parsed the tenant's active key and touched the client secret
    # (once a minute) already: a first sign-in in another browser does that.
    _whole_sign_in(Client(), tenant, rp, member)
    steps = _whole_sign_in(Client(), tenant, rp, member)
    counts = {name: len(sql) for name, sql in steps}
    print("whole sign-in:", counts, sum(counts.values()))
    assert counts == {
        # tenant; the client joined with its redirect URLs and the active kid
        "authorize": 2,
        # tenant; the user's passkeys
        "options": 2,
        # tenant; credential + user; counter lock + update; audit; session key check + insert
        "verify": 7,
        # tenant; client; user (revocation check); DOT's grant; our code record (the session
        # is read from the cache: SESSION_ENGINE cached_db)
        "authorize again": 5,
        # tenant; the client with its redirect URLs and the active kid; its secrets' digests
        # (both kept per process in production); our code record + DOT's grant + the user;
        # then one statement that claims the code, deletes DOT's grant and inserts the ID,
        # access and refresh tokens (SQLite has no INSERT in WITH: claim, delete, 3 inserts)
        "token": 5 if connection.vendor == "postgresql" else 9,
    }, steps
    assert sum(counts.values()) <= 25
