"""Issue 11 item 11: a passkey ceremony run in a cross-origin iframe (crossOrigin: true, a
topOrigin) is refused, even when correctly signed, unless the tenant lists its topOrigin."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.passkeys.realm import portal_realm, tenant_realm
from accounts.passkeys.webauthn import CROSS_ORIGIN, WebAuthnError, refuse_cross_origin
from tenants.models import Tenant
from tests.idp.oidc_support import oidc_tenant
from tests.idp.signin_support import origin, post_json, register, url
from tests.support import soft_webauthn
from tests.support.soft_webauthn import b64url_encode

pytestmark = pytest.mark.django_db

EMBEDDER = "https://shop.example"


def framing(top_origin: str | None = "https://evil.example", cross_origin=True):
    """clientData as a browser writes it when the page is framed by top_origin."""

    def client_data(type_: str, challenge: bytes, page_origin: str) -> bytes:
        data = {
            "type": type_,
            "challenge": b64url_encode(challenge),
            "origin": page_origin,
            "crossOrigin": cross_origin,
        }
        if top_origin is not None:
            data["topOrigin"] = top_origin
        return json.dumps(data, separators=(",", ":")).encode()

    return client_data


framed = framing()


def _allow(tenant, *origins):
    Tenant.objects.filter(pk=tenant.pk).update(iframe_origins=list(origins))
    tenant.refresh_from_db()
    return tenant


def _sign_in(tenant, authenticator, email):
    client = Client()
    options = post_json(client, url("signin-options", tenant), {"email": email}).json()
    assertion = authenticator.get(options["publicKey"], origin())
    return post_json(
        client,
        url("signin-verify", tenant),
        {"handle": options["handle"], "credential": assertion},
    )


def test_a_framed_sign_in_is_refused_and_the_normal_one_works(monkeypatch):
    tenant = oidc_tenant()
    authenticator, done = register(Client(), tenant, "ada@example.com")
    assert done.status_code == 200, done.content

    with monkeypatch.context() as patched:
        patched.setattr(soft_webauthn, "_client_data", framed)
        refused = _sign_in(tenant, authenticator, "ada@example.com")
    assert refused.status_code == 400
    assert "crossOrigin" in refused.json()["error"]
    assert _sign_in(tenant, authenticator, "ada@example.com").status_code == 200


def test_a_framed_registration_is_refused(monkeypatch):
    tenant = oidc_tenant()
    monkeypatch.setattr(soft_webauthn, "_client_data", framed)
    _authenticator, done = register(Client(), tenant, "bob@example.com")
    assert done.status_code == 400
    assert "crossOrigin" in done.json()["error"]


def test_an_allowed_embedder_can_register_and_sign_in_in_its_frame(monkeypatch):
    tenant = _allow(oidc_tenant(), EMBEDDER, "https://other.example")
    monkeypatch.setattr(soft_webauthn, "_client_data", framing(EMBEDDER))
    authenticator, done = register(Client(), tenant, "cy@example.com")
    assert done.status_code == 200, done.content
    assert _sign_in(tenant, authenticator, "cy@example.com").status_code == 200


@pytest.mark.parametrize(
    "client_data",
    [
        framing("https://evil.example"),
        # Exact match only: another scheme, port or subdomain of the allowed site is not it.
        framing("http://shop.example"),
        framing("https://shop.example:8443"),
        framing("https://www.shop.example"),
        framing("https://shop.example/"),
        framing(None),
        framing(EMBEDDER, cross_origin=False),
        framing(EMBEDDER, cross_origin="true"),
        framing(["https://shop.example"]),
    ],
    ids=[
        "foreign",
        "scheme",
        "port",
        "subdomain",
        "slash",
        "no-top-origin",
        "top-origin-not-cross",
        "string-true",
        "list",
    ],
)
def test_anything_but_an_allowed_top_origin_is_refused(monkeypatch, client_data):
    tenant = _allow(oidc_tenant(), EMBEDDER)
    authenticator, done = register(Client(), tenant, "dee@example.com")
    assert done.status_code == 200, done.content
    monkeypatch.setattr(soft_webauthn, "_client_data", client_data)
    refused = _sign_in(tenant, authenticator, "dee@example.com")
    assert refused.status_code == 400
    assert refused.json()["error"] == CROSS_ORIGIN
    _authenticator, done = register(Client(), tenant, "eve@example.com")
    assert done.status_code == 400
    assert done.json()["error"] == CROSS_ORIGIN


def test_the_default_empty_list_refuses_an_embedder(monkeypatch):
    tenant = oidc_tenant()
    assert tenant.iframe_origins == []
    monkeypatch.setattr(soft_webauthn, "_client_data", framing(EMBEDDER))
    _authenticator, done = register(Client(), tenant, "fay@example.com")
    assert done.status_code == 400
    assert done.json()["error"] == CROSS_ORIGIN


def test_one_tenants_allowance_does_not_help_another(monkeypatch):
    allowing = _allow(oidc_tenant(), EMBEDDER)
    other = oidc_tenant()
    authenticator, done = register(Client(), other, "gus@example.com")
    assert done.status_code == 200, done.content
    monkeypatch.setattr(soft_webauthn, "_client_data", framing(EMBEDDER))
    refused = _sign_in(other, authenticator, "gus@example.com")
    assert refused.status_code == 400
    assert refused.json()["error"] == CROSS_ORIGIN
    _authenticator, done = register(Client(), other, "hal@example.com")
    assert done.status_code == 400
    _authenticator, done = register(Client(), allowing, "hal@example.com")
    assert done.status_code == 200, done.content


def _response(client_data: dict) -> dict:
    encoded = b64url_encode(json.dumps(client_data).encode())
    return {"response": {"clientDataJSON": encoded}}


def test_the_realms_carry_the_tenants_top_origins_and_the_portal_none():
    tenant = _allow(oidc_tenant(), EMBEDDER)
    assert tenant_realm(tenant).rp.top_origins == (EMBEDDER,)
    assert tenant_realm(oidc_tenant()).rp.top_origins == ()
    assert portal_realm().rp.top_origins == ()
    framed_data = _response({"crossOrigin": True, "topOrigin": EMBEDDER})
    refuse_cross_origin(framed_data, allowed_top_origins=tenant_realm(tenant).rp.top_origins)
    with pytest.raises(WebAuthnError):
        refuse_cross_origin(framed_data, allowed_top_origins=portal_realm().rp.top_origins)
    # Same-origin ceremonies are untouched whatever the list says.
    refuse_cross_origin(_response({"crossOrigin": False}), allowed_top_origins=())
    refuse_cross_origin(_response({}), allowed_top_origins=())
