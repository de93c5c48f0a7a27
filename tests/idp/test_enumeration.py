"""Issue 11 item 2: options → verify with a throwaway key answers byte-identically for a known
and an unknown email (status, content type and body)."""

from __future__ import annotations

import os

import pytest
from django.test import Client

from tests.idp.oidc_support import oidc_tenant
from tests.idp.signin_support import origin, post_json, register, url
from tests.support.soft_webauthn import SoftAuthenticator, b64url_decode

pytestmark = pytest.mark.django_db


def probe(tenant, email: str, *, user_handle) -> tuple[int, str, bytes]:
    """What an attacker sees: options for the email, then the first offered credential ID
    answered by a throwaway key."""
    client = Client()
    options = post_json(client, url("signin-options", tenant), {"email": email}).json()
    offered = options["publicKey"]["allowCredentials"][0]["id"]
    throwaway = SoftAuthenticator()
    handle = os.urandom(16) if user_handle == "random" else user_handle
    throwaway.add_credential(
        options["publicKey"]["rpId"], handle, credential_id=b64url_decode(offered)
    )
    assertion = throwaway.get(options["publicKey"], origin(), user_handle=handle)
    response = post_json(
        client,
        url("signin-verify", tenant),
        {"handle": options["handle"], "credential": assertion},
    )
    return response.status_code, response["Content-Type"], response.content


@pytest.mark.parametrize("user_handle", ["random", None])
def test_known_and_unknown_emails_get_byte_identical_answers(user_handle):
    tenant = oidc_tenant()
    _authenticator, done = register(Client(), tenant, "known@example.com")
    assert done.status_code == 200, done.content
    known = probe(tenant, "known@example.com", user_handle=user_handle)
    unknown = probe(tenant, "unknown@example.com", user_handle=user_handle)
    assert known == unknown
    assert known[0] == 400
