"""OIDF Config OP plan, RP-initiated logout discovery, and oidcc-server-rotate-keys."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


def _same_origin_as_issuer(op, url: str) -> None:
    # The OIDF module wants https endpoints; tests run on PUBLIC_URL's scheme, so the rule
    # checked is "on the issuer's own origin" (https whenever PUBLIC_URL is https).
    issuer = urlsplit(op.rp.issuer)
    target = urlsplit(url)
    assert (target.scheme, target.netloc) == (issuer.scheme, issuer.netloc), url


def check_jwks(jwks: dict) -> None:
    """What the suite's ValidateServerJWKs / CheckForKeyIdInServerJWKs / distinct-kid check."""
    keys = jwks["keys"]
    assert keys
    kids = [k.get("kid") for k in keys]
    assert all(kids) and len(set(kids)) == len(kids), kids
    for key in keys:
        assert key["kty"] in ("RSA", "EC"), key
        assert key.get("use", "sig") == "sig", key
        assert not PRIVATE_MEMBERS & set(key), key
        if key["kty"] == "RSA":
            assert {"n", "e"} <= set(key)
        else:
            assert {"crv", "x", "y"} <= set(key)


def test_oidcc_discovery_endpoint_verification(op):
    response = op.rp.http.get(op.rp.issuer + "/.well-known/openid-configuration")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    config = response.json()
    assert config["issuer"] == op.rp.issuer  # matches the URL it was fetched from
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        _same_origin_as_issuer(op, config[name])
    assert "openid" in config["scopes_supported"]
    assert {"code", "id_token"} <= set(config["response_types_supported"])
    assert "public" in config["subject_types_supported"]
    assert "RS256" in config["id_token_signing_alg_values_supported"]
    assert "none" not in config["id_token_signing_alg_values_supported"]
    assert set(config.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])) <= {
        "client_secret_basic",
        "client_secret_post",
    }
    assert {"sub", "iss", "aud", "exp", "iat"} <= set(config["claims_supported"])
    assert isinstance(config.get("claims_parameter_supported", False), bool)
    check_jwks(op.rp.jwks())


def test_oidcc_rp_initiated_logout_discovery_endpoint_verification(op):
    config = op.rp.config
    assert config["end_session_endpoint"]
    _same_origin_as_issuer(op, config["end_session_endpoint"])


def test_oidcc_server_rotate_keys(op):
    before = op.rp.jwks()
    check_jwks(before)
    # "Trigger a key rotation in your OP": a tenant admin presses Rotate in the portal.
    admin = factories.membership(tenant=op.tenant, role="read_write").user
    portal = op.browser()
    portal.client.force_login(admin)
    page = portal.request("GET", reverse("portal:tenant-keys", kwargs={"slug": op.tenant.slug}))
    assert page.status_code == 200  # and it set the CSRF cookie the form posts back
    url = reverse("portal:tenant-key-rotate", kwargs={"slug": op.tenant.slug})
    rotated = portal.request("POST", url, {"algorithm": "RS256", "reason": "OIDF rotate-keys"})
    assert rotated.status_code == 302, rotated.content[:500]
    after = op.rp.jwks()
    check_jwks(after)
    old = {k["kid"] for k in before["keys"]}
    new = {k["kid"] for k in after["keys"]}
    assert new - old, "the rotation published no new key"
    assert old <= new, "a key that signed until now must stay published"
    # Not checked by the suite: the next ID token verifies against the new JWKS.
    _, _, outcome = op.login(op.browser())
    assert outcome.header["kid"] in new
