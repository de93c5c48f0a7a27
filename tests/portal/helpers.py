"""Test helpers for portal flows: links from the outbox and passkey ceremonies over HTTP."""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.core import mail
from django.urls import reverse

LINK_RE = re.compile(r"https?://\S+/portal/link/(?P<token>[^/\s]+)/")


def origin() -> str:
    """The WebAuthn origin the server expects (from PUBLIC_URL)."""
    return settings.PUBLIC_URL


def last_link_token(to: str) -> str:
    """The token of the newest emailed link sent to this address."""
    for message in reversed(mail.outbox):
        if to.lower() in [a.lower() for a in message.to]:
            match = LINK_RE.search(message.body)
            if match:
                return match.group("token")
    raise AssertionError(f"no link emailed to {to}")


def post_json(client, name: str, body: dict | None = None, **kwargs):
    """POST a JSON body to a named portal URL."""
    return client.post(
        reverse(name, kwargs=kwargs or None),
        data=json.dumps(body or {}),
        content_type="application/json",
    )


def register_passkey(client, authenticator, *, name: str = "Laptop"):
    """Run the registration ceremony for the signed-in user; return the verify response."""
    start = post_json(client, "portal:passkey-register-options")
    assert start.status_code == 200, start.content
    data = start.json()
    credential = authenticator.create(data["publicKey"], origin())
    return post_json(
        client,
        "portal:passkey-register-verify",
        {"handle": data["handle"], "credential": credential, "name": name},
    )


def passkey_sign_in(client, authenticator, **get_kwargs):
    """Run the discoverable sign-in ceremony; return the verify response."""
    start = post_json(client, "portal:passkey-auth-options")
    assert start.status_code == 200, start.content
    data = start.json()
    assertion = authenticator.get(data["publicKey"], origin(), **get_kwargs)
    return post_json(
        client, "portal:passkey-auth-verify", {"handle": data["handle"], "credential": assertion}
    )


def reauth(client, authenticator):
    """Run the fresh passkey check for the signed-in user; return the verify response."""
    start = post_json(client, "portal:passkey-reauth-options")
    assert start.status_code == 200, start.content
    data = start.json()
    assertion = authenticator.get(data["publicKey"], origin())
    return post_json(
        client,
        "portal:passkey-reauth-verify",
        {"handle": data["handle"], "credential": assertion},
    )
