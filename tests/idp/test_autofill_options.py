"""The sign-in page carries passkey autofill's request options, so the page's script signs in
without asking for them: one request fewer for every visitor whose browser offers autofill."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from idp import signin_page
from idp.limits import LIMITS_OPTIONS
from tenants import cache as tenant_cache
from tests.idp.oidc_support import (
    authorize_path,
    make_rp,
    oidc_tenant,
    pkce_pair,
    redeem,
    sign_in_page,
    verify_id_token,
)
from tests.idp.signin_support import origin, post_json, private_cache, register, url  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

EMBEDDED = re.compile(r'data-autofill-options="([^"]*)"')


@pytest.fixture
def tenant():
    return oidc_tenant()


@pytest.fixture
def member(tenant):
    authenticator, done = register(Client(), tenant, "ann@example.com")
    assert done.status_code == 200
    return authenticator


@pytest.fixture(params=[0, 60], ids=["template", "shell"])
def shells(request, settings):
    """The page rendered by the template alone, and from its per-tenant shell."""
    settings.TENANT_PROCESS_CACHE_SECONDS = request.param
    tenant_cache.clear()
    signin_page._shells.clear()
    yield
    tenant_cache.clear()
    signin_page._shells.clear()


def _embedded(response) -> dict | None:
    assert response.status_code == 200
    value = EMBEDDED.search(response.content.decode()).group(1)
    return json.loads(html.unescape(value)) if value else None


def _verify(http, tenant, member, options, **extra):
    assertion = member.get(options["publicKey"], origin())
    body = {"handle": options["handle"], "credential": assertion, **extra}
    return post_json(http, url("signin-verify", tenant), body)


def test_the_page_s_options_sign_in_without_asking_for_options(tenant, member, shells):
    http = Client()
    options = _embedded(http.get(url("sign-in", tenant)))
    # A discoverable request for this tenant's relying party: no passkeys listed.
    assert options["publicKey"]["rpId"] == "localhost"
    assert options["publicKey"].get("allowCredentials", []) == []
    done = _verify(http, tenant, member, options)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "signed_in"


def test_each_page_view_gets_its_own_single_use_challenge(tenant, member, shells):
    http = Client()
    first = _embedded(http.get(url("sign-in", tenant)))
    second = _embedded(http.get(url("sign-in", tenant)))
    assert first["handle"] != second["handle"]
    assert first["publicKey"]["challenge"] != second["publicKey"]["challenge"]
    assert _verify(http, tenant, member, first).status_code == 200
    again = _verify(Client(), tenant, member, first)
    assert again.status_code == 400
    assert "signed_in" not in again.content.decode()


def test_page_views_store_nothing_and_count_against_no_limit(tenant):
    """The page's challenge is sealed into its handle: a page view writes nothing to the cache,
    so it needs no rate limit of its own and uses up none of the options endpoint's."""
    from django.core.cache import cache

    http = Client(REMOTE_ADDR="10.7.0.1")
    before = set(cache._cache)
    seen = [_embedded(http.get(url("sign-in", tenant))) for _ in range(LIMITS_OPTIONS[0].count + 5)]
    assert all(seen) and len({options["handle"] for options in seen}) == len(seen)
    assert not [key for key in set(cache._cache) - before if "wac:" in key or ":rl:" in key]
    asked = post_json(http, url("signin-options", tenant), {}, REMOTE_ADDR="10.7.0.1")
    assert asked.status_code == 200


def test_another_tenant_s_page_options_are_refused(tenant, member):
    from tests.idp.oidc_support import oidc_tenant as another_tenant

    other = another_tenant()
    options = _embedded(Client().get(url("sign-in", other)))
    refused = _verify(Client(), tenant, member, options)
    assert refused.status_code == 400
    assert "signed_in" not in refused.content.decode()


def test_altered_page_options_are_refused(tenant, member):
    options = _embedded(Client().get(url("sign-in", tenant)))
    payload, stamp, signature = options["handle"].split(":")
    options["handle"] = f"{payload}:{stamp}:{signature[::-1]}"
    refused = _verify(Client(), tenant, member, options)
    assert refused.status_code == 400


def test_authorize_s_page_signs_in_with_its_own_options_and_delivers(tenant, member):
    """authorize → verify (with the page's options) → token: three requests in all."""
    rp = make_rp(tenant)
    http = Client()
    verifier, challenge = pkce_pair()
    query = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "response_mode": "form_post",
        "scope": "openid email",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    page = http.get(f"{authorize_path(tenant)}?{urlencode(query)}")
    options = _embedded(page)
    done = _verify(http, tenant, member, options, next=sign_in_page(page)["next"], deliver=True)
    assert done.status_code == 200, done.content
    fields = dict(done.json()["form_post"]["params"])
    assert fields["state"] == "st-1"
    token = redeem(Client(), rp, fields["code"], code_verifier=verifier)
    assert token.status_code == 200, token.content
    jwks = Client().get(f"/t/{tenant.slug}/jwks").json()
    claims = verify_id_token(
        jwks, token.json()["id_token"], issuer=tenant.issuer, client_id=rp.client_id, nonce="n-1"
    )
    assert claims["email"] == "ann@example.com"
