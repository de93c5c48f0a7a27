"""Discovery and JWKS: content, caching, invalidation, and every advertised value working."""

from __future__ import annotations

import base64
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tenants.models import SigningKey
from tenants.oidc.keys import signing_key_create, signing_keys_published
from tests import factories
from tests.idp.oidc_support import (
    form_post_fields,
    fragment_of,
    make_rp,
    oidc_tenant,
    pkce_pair,
    query_of,
    sign_in,
    sign_in_page,
    verify_id_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tenant(db):
    return oidc_tenant()


def url(tenant, name):
    return reverse(f"idp:{name}", kwargs={"tenant_slug": tenant.slug})


def discovery(client, tenant):
    response = client.get(url(tenant, "oidc-discovery"))
    assert response.status_code == 200
    return response.json()


def path_of(absolute):
    return urlsplit(absolute).path


def test_discovery_names_the_tenant_issuer_and_endpoints(client, tenant, settings):
    doc = discovery(client, tenant)
    issuer = f"{settings.PUBLIC_URL}/t/{tenant.slug}"
    assert doc["issuer"] == issuer
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        assert doc[key].startswith(issuer + "/"), key
    assert doc["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert "none" not in doc["id_token_signing_alg_values_supported"]
    assert doc["authorization_response_iss_parameter_supported"] is True


def test_every_advertised_endpoint_answers(client, tenant):
    doc = discovery(client, tenant)
    for key in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "revocation_endpoint",
        "end_session_endpoint",
    ):
        response = client.get(path_of(doc[key]))
        assert response.status_code not in (404, 500), key


def test_discovery_is_cached_with_etag_and_max_age(client, tenant, settings):
    first = client.get(url(tenant, "oidc-discovery"))
    assert first["Cache-Control"] == f"public, max-age={settings.JWKS_CACHE_SECONDS}"
    etag = first["ETag"]
    again = client.get(url(tenant, "oidc-discovery"), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag


def fresh_next_key(tenant):
    SigningKey.objects.for_tenant(tenant).filter(state=SigningKey.State.NEXT).delete()
    return signing_key_create(tenant=tenant, state=SigningKey.State.NEXT)


def test_jwks_publishes_every_published_key_without_private_parts(client, tenant):
    fresh_next_key(tenant)
    response = client.get(url(tenant, "oidc-jwks"))
    keys = response.json()["keys"]
    published = signing_keys_published(tenant=tenant)
    assert [k["kid"] for k in keys] == [k.kid for k in published]
    assert len(keys) >= 2
    for key in keys:
        assert key["use"] == "sig" and key["alg"] in ("RS256", "ES256")
        assert not {"d", "p", "q", "dp", "dq", "qi"} & set(key)


def test_jwks_cache_is_invalidated_when_keys_change(client, tenant):
    before = client.get(url(tenant, "oidc-jwks"))
    assert (
        client.get(url(tenant, "oidc-jwks"), HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    )
    added = fresh_next_key(tenant)
    after = client.get(url(tenant, "oidc-jwks"), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert added.kid in {k["kid"] for k in after.json()["keys"]}
    SigningKey.objects.filter(pk=added.pk).update(
        state=SigningKey.State.RETIRED, retired_at=timezone.now() - timezone.timedelta(days=365)
    )
    gone = client.get(url(tenant, "oidc-jwks"), HTTP_IF_NONE_MATCH=after["ETag"])
    assert gone.status_code == 200
    assert added.kid not in {k["kid"] for k in gone.json()["keys"]}


def test_discovery_cache_is_invalidated_when_tenant_settings_change(client, tenant, settings):
    before = client.get(url(tenant, "oidc-discovery"))
    signing_key_create(tenant=tenant, state=SigningKey.State.NEXT, algorithm="ES256")
    after = client.get(url(tenant, "oidc-discovery"), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after.json()["id_token_signing_alg_values_supported"] == ["ES256", "RS256"]
    settings.PUBLIC_URL = "https://id.example.org"
    moved = client.get(url(tenant, "oidc-discovery"), HTTP_IF_NONE_MATCH=after["ETag"])
    assert moved.json()["issuer"] == f"https://id.example.org/t/{tenant.slug}"


def test_each_tenant_has_its_own_issuer_and_keys(client, tenant):
    other = oidc_tenant()
    assert discovery(client, tenant)["issuer"] != discovery(client, other)["issuer"]
    mine = {k["kid"] for k in client.get(url(tenant, "oidc-jwks")).json()["keys"]}
    theirs = {k["kid"] for k in client.get(url(other, "oidc-jwks")).json()["keys"]}
    assert mine and theirs and not mine & theirs


def test_discovery_answers_while_oidc_is_off(client, tenant):
    tenant.oidc_enabled = False
    tenant.save()
    assert discovery(client, tenant)["issuer"] == tenant.issuer


# --- every advertised value works ----------------------------------------------------------


@pytest.fixture
def user(tenant):
    return factories.end_user(tenant=tenant, given_name="Grace", family_name="Hopper")


def run_authorize(client, doc, params):
    return client.get(path_of(doc["authorization_endpoint"]) + "?" + urlencode(params))


def response_params(response, mode):
    if mode == "form_post":
        return form_post_fields(response.content.decode())[1]
    if mode == "fragment":
        return fragment_of(response["Location"])
    return query_of(response["Location"])


def test_every_advertised_response_type_mode_and_auth_method_works(client, tenant, user):
    doc = discovery(client, tenant)
    jwks = client.get(path_of(doc["jwks_uri"])).json()
    code_rp = make_rp(tenant)
    implicit_rp = make_rp(tenant, response_type="id_token", redirect_uri="https://rp.example.com/i")
    sign_in(client, tenant, user)
    scope = " ".join(doc["scopes_supported"])
    tried = set()
    for response_type in doc["response_types_supported"]:
        rp = code_rp if response_type == "code" else implicit_rp
        for mode in doc["response_modes_supported"]:
            if mode == "query" and response_type != "code":
                continue  # tokens never in a query (OAuth 2.0 Multiple Response Types §5)
            params = {
                "client_id": rp.client_id,
                "redirect_uri": rp.redirect_uri,
                "response_type": response_type,
                "response_mode": mode,
                "scope": scope,
                "state": f"{response_type}-{mode}",
                "nonce": "nonce-1",
            }
            out = response_params(run_authorize(client, doc, params), mode)
            assert out["state"] == params["state"] and out["iss"] == doc["issuer"]
            if response_type == "id_token":
                claims = verify_id_token(
                    jwks,
                    out["id_token"],
                    issuer=doc["issuer"],
                    client_id=rp.client_id,
                    nonce="nonce-1",
                    implicit=True,
                )
                assert claims["given_name"] == "Grace"
            else:
                assert out["code"]
                method = doc["token_endpoint_auth_methods_supported"][
                    len(tried) % len(doc["token_endpoint_auth_methods_supported"])
                ]
                tokens = redeem(client, doc, rp, out["code"], method)
                verify_id_token(
                    jwks,
                    tokens["id_token"],
                    issuer=doc["issuer"],
                    client_id=rp.client_id,
                    nonce="nonce-1",
                )
                tried.add(method)
    assert tried == set(doc["token_endpoint_auth_methods_supported"])


def redeem(client, doc, rp, code, method, **extra):
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": rp.redirect_uri}
    data.update(extra)
    headers = {}
    if method == "client_secret_basic":
        raw = f"{quote(rp.client_id, safe='')}:{quote(rp.secret, safe='')}".encode()
        headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(raw).decode()
    else:
        data.update(client_id=rp.client_id, client_secret=rp.secret)
    response = client.post(path_of(doc["token_endpoint"]), data, **headers)
    assert response.status_code == 200, (method, response.content)
    return response.json()


def test_every_advertised_prompt_grant_type_and_pkce_method_works(client, tenant, user):
    doc = discovery(client, tenant)
    rp = make_rp(tenant)
    sign_in(client, tenant, user)
    base = {
        "client_id": rp.client_id,
        "redirect_uri": rp.redirect_uri,
        "response_type": "code",
        "response_mode": "query",
        "scope": "openid",
    }
    for prompt in doc["prompt_values_supported"]:
        response = run_authorize(client, doc, {**base, "prompt": prompt})
        if prompt == "login":
            assert sign_in_page(response)["next"]
            sign_in(client, tenant, user)
        else:
            assert response.status_code == 302
            assert query_of(response["Location"])["code"]
    for method in doc["code_challenge_methods_supported"]:
        verifier, challenge = pkce_pair()
        params = {**base, "code_challenge": challenge, "code_challenge_method": method}
        code = query_of(run_authorize(client, doc, params)["Location"])["code"]
        tokens = redeem(client, doc, rp, code, "client_secret_post", code_verifier=verifier)
    assert {"authorization_code", "refresh_token", "implicit"} == set(doc["grant_types_supported"])
    refreshed = client.post(
        path_of(doc["token_endpoint"]),
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )
    assert refreshed.status_code == 200
    userinfo = client.get(
        path_of(doc["userinfo_endpoint"]),
        HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access_token']}",
    )
    assert set(userinfo.json()) <= set(doc["claims_supported"])
    revoked = client.post(
        path_of(doc["revocation_endpoint"]),
        {
            "token": refreshed.json()["access_token"],
            "client_id": rp.client_id,
            "client_secret": rp.secret,
        },
    )
    assert revoked.status_code == 200
