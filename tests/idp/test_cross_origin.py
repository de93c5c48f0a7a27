"""Issue 11 item 11: a passkey ceremony run in a cross-origin iframe (crossOrigin: true, a
foreign topOrigin) is refused, even when correctly signed."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.idp.oidc_support import oidc_tenant
from tests.idp.signin_support import origin, post_json, register, url
from tests.support import soft_webauthn
from tests.support.soft_webauthn import b64url_encode

pytestmark = pytest.mark.django_db


def framed(type_: str, challenge: bytes, page_origin: str) -> bytes:
    """What a browser writes when the page is framed by https://evil.example."""
    return json.dumps(
        {
            "type": type_,
            "challenge": b64url_encode(challenge),
            "origin": page_origin,
            "crossOrigin": True,
            "topOrigin": "https://evil.example",
        },
        separators=(",", ":"),
    ).encode()


def test_a_framed_sign_in_is_refused_and_the_normal_one_works(monkeypatch):
    tenant = oidc_tenant()
    authenticator, done = register(Client(), tenant, "ada@example.com")
    assert done.status_code == 200, done.content

    def attempt():
        client = Client()
        options = post_json(client, url("signin-options", tenant), {"email": "ada@example.com"})
        options = options.json()
        assertion = authenticator.get(options["publicKey"], origin())
        return post_json(
            client,
            url("signin-verify", tenant),
            {"handle": options["handle"], "credential": assertion},
        )

    with monkeypatch.context() as patched:
        patched.setattr(soft_webauthn, "_client_data", framed)
        refused = attempt()
    assert refused.status_code == 400
    assert "crossOrigin" in refused.json()["error"]
    assert attempt().status_code == 200


def test_a_framed_registration_is_refused(monkeypatch):
    tenant = oidc_tenant()
    monkeypatch.setattr(soft_webauthn, "_client_data", framed)
    _authenticator, done = register(Client(), tenant, "bob@example.com")
    assert done.status_code == 400
    assert "crossOrigin" in done.json()["error"]
