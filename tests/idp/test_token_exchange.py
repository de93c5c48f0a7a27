"""The plain code exchange (idp.token_exchange) answers as DOT/oauthlib would, and hands over
every other request to them."""

from __future__ import annotations

import pytest
from django.urls import reverse
from oauth2_provider.models import AccessToken, IDToken, RefreshToken

from idp import token_exchange
from idp.validators import TenantValidator
from tests.idp.oidc_support import pkce_pair, sign_in, verify_id_token
from tests.idp.test_oidc_protocol_fixes import exchange, get_code, rp, tenant, user  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken(monkeypatch):
    """Whether each exchange was answered by the plain path (True) or handed over (False)."""
    calls: list[bool] = []
    original = token_exchange.code_exchange

    def spy(request, validator):
        answer = original(request, validator)
        calls.append(answer is not None)
        return answer

    monkeypatch.setattr("idp.views_oidc.code_exchange", spy)
    return calls


def _pkce_code(client, rp):  # noqa: F811
    verifier, challenge = pkce_pair()
    return verifier, get_code(client, rp, code_challenge=challenge, code_challenge_method="S256")


def _answer(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def test_plain_and_oauthlib_answers_are_alike(client, rp, user, tenant, taken, monkeypatch):  # noqa: F811
    sign_in(client, tenant, user)
    verifier, code = _pkce_code(client, rp)
    plain = exchange(client, rp, code, code_verifier=verifier)
    monkeypatch.setattr(token_exchange, "_params", lambda request: None)
    verifier, code = _pkce_code(client, rp)
    full = exchange(client, rp, code, code_verifier=verifier)
    assert taken == [True, False]
    assert list(_answer(plain)) == list(_answer(full))
    per_response = ("content-length", "x-request-id")
    assert {k: v for k, v in plain.items() if k.lower() not in per_response} == {
        k: v for k, v in full.items() if k.lower() not in per_response
    }
    jwks = client.get(reverse("idp:oidc-jwks", kwargs={"tenant_slug": tenant.slug})).json()
    for body in (plain.json(), full.json()):
        claims = verify_id_token(
            jwks, body["id_token"], issuer=tenant.issuer, client_id=rp.client_id, nonce="n-1"
        )
        assert set(claims) == set(
            verify_id_token(
                jwks, full.json()["id_token"], issuer=tenant.issuer, client_id=rp.client_id
            )
        )
        assert claims["at_hash"]
        assert body["token_type"] == "Bearer"
        assert body["scope"] == "openid email"
    assert AccessToken.objects.count() == RefreshToken.objects.count() == 2
    # The ID token is only signed: no DOT IDToken row (nothing reads one) on either path.
    assert not IDToken.objects.exists()
    assert not AccessToken.objects.exclude(id_token=None).exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"code_verifier": "x" * 43},  # wrong verifier
        {"redirect_uri": "https://rp.example.com/other"},
        {"client_secret": "wrong"},
        {"scope": "openid"},  # a parameter the plain path does not take
        {"code_verifier": None},
    ],
)
def test_anything_else_is_oauthlibs_and_leaves_the_code(client, rp, user, tenant, taken, fields):  # noqa: F811
    sign_in(client, tenant, user)
    verifier, code = _pkce_code(client, rp)
    refused = exchange(client, rp, code, **{"code_verifier": verifier, **fields})
    assert taken == [False]
    if "scope" not in fields:
        assert refused.status_code in (400, 401), refused.content
        assert not AccessToken.objects.exists()
    granted = exchange(client, rp, code, code_verifier=verifier) if "scope" not in fields else None
    if granted is not None:
        assert granted.status_code == 200, granted.content


def test_a_reused_code_is_handed_over_and_revokes(client, rp, user, tenant, taken):  # noqa: F811
    sign_in(client, tenant, user)
    verifier, code = _pkce_code(client, rp)
    assert exchange(client, rp, code, code_verifier=verifier).status_code == 200
    again = exchange(client, rp, code, code_verifier=verifier)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")
    assert taken == [True, False]
    assert not AccessToken.objects.exists()


def test_the_validator_is_the_configured_one():
    from idp.views_oidc import TokenView

    assert TokenView.get_validator_class() is TenantValidator


def test_a_code_is_found_in_its_own_tenant_only(client, rp, user, tenant):  # noqa: F811
    from idp import token_store
    from idp.validators import code_digest

    sign_in(client, tenant, user)
    code = get_code(client, rp)
    found = token_store.code_facts(tenant_id=tenant.pk, code=code, digest=code_digest(code))
    assert found is not None and found.client_id == rp.client.pk
    other = tenant.pk + 1000
    assert token_store.code_facts(tenant_id=other, code=code, digest=code_digest(code)) is None


def _prepared_statements() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_exchange_statements_are_prepared(client, rp, user, tenant):  # noqa: F811
    """Each exchange sends the same two statements, so PostgreSQL plans them once per
    connection (config/env.py: psycopg prepares a statement from its fifth use)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    sign_in(client, tenant, user)
    for _ in range(6):
        verifier, code = _pkce_code(client, rp)
        assert exchange(client, rp, code, code_verifier=verifier).status_code == 200
    prepared = _prepared_statements()
    assert any("idp_authorizationcode" in sql and sql.startswith("SELECT") for sql in prepared)
    assert any(sql.startswith("WITH claim AS") for sql in prepared), prepared
