"""Query budgets of each ceremony endpoint (the cryptography is cheap; keep the rest lean)."""

from __future__ import annotations

import tempfile
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from psycopg import pq

from tests import factories
from tests.idp.oidc_support import (
    authorize_path,
    make_rp,
    sign_in_page,
    token_path,
)
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
    # tenant, credential+user, lock+update counter, audit, new session insert: 6, plus
    # SAVEPOINT/RELEASE statements that only exist inside the test's transaction.
    with django_assert_max_num_queries(10):
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


def _one_statement(n: int) -> int:
    """n rows written together (tenants.rows.insert_all): one statement on PostgreSQL."""
    return 1 if connection.vendor == "postgresql" else n


def test_registration_queries(client, tenant, django_assert_max_num_queries):
    # tenant, user lookup, link + audit insert (no read back), session insert.
    with django_assert_max_num_queries(3 + _one_statement(2)):
        post_json(client, url("signin-signup", tenant), {"email": "r@example.com"})
    # tenant, link, claim it with its audit row (one statement), session save.
    # The creation options come with the answer: their challenge is no query.
    with django_assert_max_num_queries(3 + _one_statement(2)):
        code = post_json(
            client, url("signin-email-code", tenant), {"code": last_code(), "create_here": True}
        )
    options = code.json()["options"]
    credential = SoftAuthenticator().create(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": credential}
    # tenant, user + passkey inserts, the three audit rows (passkey registered, user registered,
    # signed in), the session's UPDATE to a new key; the registration's transaction adds a
    # SAVEPOINT/RELEASE inside the test's transaction (BEGIN/COMMIT outside).
    with django_assert_max_num_queries(6 + _one_statement(3)):
        assert post_json(client, url("signin-register-verify", tenant), body).status_code == 200


def test_open_registration_queries(client, tenant, django_assert_max_num_queries):
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=False)
    with django_assert_max_num_queries(2):  # tenant, session insert (the options: none)
        started = post_json(client, url("signin-signup", tenant), {"email": "o@example.com"})
    options = started.json()["options"]
    credential = SoftAuthenticator().create(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": credential}
    # As above, plus the email proving the new address: its link and audit row (the user was
    # just created: no lookup).
    with django_assert_max_num_queries(6 + _one_statement(2) + _one_statement(3)):
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


def _authorize_query(rp) -> str:
    return urlencode(
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


def _whole_sign_in(http, tenant, rp, member, step) -> None:
    """authorize (the sign-in page) → options → verify (with authorize's answer) → token."""
    first = step("authorize", lambda: http.get(f"{authorize_path(tenant)}?{_authorize_query(rp)}"))
    next_url = sign_in_page(first)["next"]  # the page itself: no redirect, no second request
    assert next_url.startswith(authorize_path(tenant) + "?")
    options = step(
        "options",
        lambda: post_json(http, url("signin-options", tenant), {"email": "q@example.com"}),
    ).json()
    assertion = member.get(options["publicKey"], origin())
    # The page came from authorize, so its script asks verify for authorize's answer.
    body = {"handle": options["handle"], "credential": assertion, "next": next_url}
    done = step(
        "verify", lambda: post_json(http, url("signin-verify", tenant), {**body, "deliver": True})
    )
    assert done.json()["form_post"]["action"] == rp.redirect_uri
    fields = dict(done.json()["form_post"]["params"])
    assert fields["state"] == "s"
    exchange = {
        "grant_type": "authorization_code",
        "code": fields["code"],
        "redirect_uri": rp.redirect_uri,
        "client_id": rp.client_id,
        "client_secret": rp.secret,
    }
    token = step("token", lambda: http.post(token_path(tenant), exchange))
    assert token.status_code == 200, token.content


class RoundTrips:
    """PostgreSQL round trips as the driver makes them: libpq's protocol trace of the
    connection, one per ReadyForQuery (so BEGIN, COMMIT, SAVEPOINT and any health check
    count like any statement); the statements are kept for the failure message."""

    def __init__(self, conn):
        self.conn = conn
        self.steps: dict[str, list[str]] = {}

    def __call__(self, name, call):
        self.conn.ensure_connection()
        pgconn = self.conn.connection.pgconn
        with tempfile.TemporaryFile() as trace:
            pgconn.trace(trace.fileno())
            pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)
            try:
                response = call()
            finally:
                pgconn.untrace()
            trace.seek(0)
            lines = trace.read().decode(errors="replace").splitlines()
        # The connection must have stayed the same (the test client keeps it open).
        assert self.conn.connection.pgconn is pgconn
        sent = [line.split("\t", 3)[-1] for line in lines if line.startswith("F\t")]
        ready = [line for line in lines if line.startswith("B\t") and "\tReadyForQuery" in line]
        self.steps[name] = [text for text in sent if not text.startswith(("Sync", "Describe"))]
        self.steps[name + " round trips"] = len(ready)
        return response


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="round trips are counted on PostgreSQL's wire"
)
def test_a_whole_sign_in_through_authorize_and_token(member, tenant, settings):
    """The issue's budget for a complete sign-in, in real round trips with the production
    process caches on (tenant, client with redirect URLs and kid; docs/performance.md)."""
    from tenants import cache as tenant_cache

    settings.TENANT_PROCESS_CACHE_SECONDS = 60
    tenant_cache.clear()
    type(tenant).objects.filter(pk=tenant.pk).update(oidc_enabled=True)
    tenant.refresh_from_db()
    rp = make_rp(tenant)
    # A running server has its copies, has parsed the tenant's active key and touched the
    # client secret (once a minute) already: a first sign-in in another browser does that.
    _whole_sign_in(Client(), tenant, rp, member, lambda _name, call: call())
    trips = RoundTrips(connection)
    _whole_sign_in(Client(), tenant, rp, member, trips)
    tenant_cache.clear()
    counts = {name: n for name, n in trips.steps.items() if name.endswith("round trips")}
    print("whole sign-in:", counts, sum(counts.values()))
    assert counts == {
        # the sign-in page itself: tenant and client are the process's copies, no session yet
        "authorize round trips": 0,
        # the user's passkeys
        "options round trips": 1,
        # credential + user; the counter's conditional UPDATE with the sign-in's audit row (one
        # statement, the row written only if the UPDATE matched); the new session's one INSERT
        # (config.sessions); then authorize's answer for the page to post: DOT's grant and our
        # code record in one INSERT (the user was just read)
        "verify round trips": 4,
        # our code record + DOT's grant + the user; then one statement that claims the code,
        # deletes DOT's grant and inserts the access and refresh tokens (the client and
        # its secrets' digests are the process's copies); no BEGIN/COMMIT
        "token round trips": 2,
    }, trips.steps
    assert sum(counts.values()) <= 12  # issue 12's target, BEGIN/COMMIT included


def _whole_registration(http, tenant, step, email):
    step("page", lambda: http.get(url("sign-in", tenant)))
    signup = url("signin-signup", tenant)
    answer = step("signup", lambda: post_json(http, signup, {"email": email}))
    if answer.json()["status"] == "email_sent":
        code = last_code(email)
        answer = step(
            "code",
            lambda: post_json(
                http, url("signin-email-code", tenant), {"code": code, "create_here": True}
            ),
        )
    options = answer.json()["options"]  # no request of its own
    body = {
        "handle": options["handle"],
        "credential": SoftAuthenticator().create(options["publicKey"], origin()),
    }
    done = step("verify", lambda: post_json(http, url("signin-register-verify", tenant), body))
    assert done.status_code == 200, done.content


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="round trips are counted on PostgreSQL's wire"
)
@pytest.mark.parametrize("proof", [True, False], ids=["email_proof", "open"])
def test_a_whole_registration(tenant, settings, proof):
    """Round trips of a registration as `make bench` makes it, with the process caches on."""
    from tenants import cache as tenant_cache

    settings.TENANT_PROCESS_CACHE_SECONDS = 60
    tenant_cache.clear()
    type(tenant).objects.filter(pk=tenant.pk).update(require_email_verification=proof)
    _whole_registration(Client(), tenant, lambda _name, call: call(), "first@example.com")
    trips = RoundTrips(connection)
    _whole_registration(Client(), tenant, trips, "second@example.com")
    tenant_cache.clear()
    counts = {name: n for name, n in trips.steps.items() if name.endswith("round trips")}
    # BEGIN, user, passkey, the audit rows in one statement, COMMIT, the session's UPDATE to a
    # new key: 6 (an open sign-up also writes the email's link and its audit row, in one
    # statement).
    expected = {"page round trips": 0}
    if proof:
        # the user lookup (taken addresses get a recovery email), the link with its audit
        # row, the session; then the link, its claim with its audit row, the session's UPDATE
        expected |= {"signup round trips": 3, "code round trips": 3, "verify round trips": 6}
    else:
        expected |= {"signup round trips": 1, "verify round trips": 7}
    assert counts == expected, trips.steps
