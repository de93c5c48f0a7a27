"""Helpers for the sign-in tests: JSON posts, emailed codes, and whole ceremonies."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from tests.support.soft_webauthn import SoftAuthenticator


@pytest.fixture
def private_cache(settings):
    """A cache of this test's own: other test runs sharing var/cache or Redis cannot clear
    our challenges and rate-limit counters mid-test."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"signin-tests-{uuid.uuid4()}",
        }
    }


def url(name: str, tenant, **kwargs) -> str:
    """Reverse an idp: URL of this tenant."""
    return reverse(f"idp:{name}", kwargs={"tenant_slug": tenant.slug, **kwargs})


def origin() -> str:
    """The WebAuthn origin the server expects by default (PUBLIC_URL's)."""
    parts = urlsplit(settings.PUBLIC_URL)
    return f"{parts.scheme}://{parts.netloc}"


def post_json(client, path: str, body=None, **extra):
    """POST a JSON body (or raw bytes/str) the way the page's fetch() does."""
    data = body if isinstance(body, (bytes, str)) else json.dumps(body or {})
    return client.post(path, data=data, content_type="application/json", **extra)


def last_code(email: str | None = None) -> str:
    """The 6-digit code of the latest email (to `email` when given)."""
    messages = [m for m in mail.outbox if email is None or email.lower() in m.to]
    match = re.search(r"code: (\d{6})", messages[-1].body)
    assert match, messages[-1].body
    return match.group(1)


def last_link(email: str | None = None) -> str:
    """The path of the link in the latest email."""
    messages = [m for m in mail.outbox if email is None or email.lower() in m.to]
    match = re.search(r"https?://\S+/t/\S+", messages[-1].body)
    assert match, messages[-1].body
    return urlsplit(match.group(0)).path


def register(
    client, tenant, email, authenticator=None, names=None, next_url="", deliver=False, **create_kw
):
    """Sign up a new end user through the real endpoints, as the sign-in page does (the creation
    options come with the sign-up's or the code's answer); returns (authenticator, response).
    deliver=True: as the page authorize rendered asks (authorize's answer in the response)."""
    authenticator = authenticator or SoftAuthenticator()
    body = {"email": email, "next": next_url, **(names or {})}
    answer = post_json(client, url("signin-signup", tenant), body)
    assert answer.status_code == 200, answer.content
    if answer.json()["status"] == "email_sent":
        code = {"code": last_code(email), "create_here": True}  # as the sign-in page asks
        answer = post_json(client, url("signin-email-code", tenant), code)
        assert answer.status_code == 200, answer.content
    options = answer.json()["options"]
    credential = authenticator.create(options["publicKey"], origin(), **create_kw)
    done = post_json(
        client,
        url("signin-register-verify", tenant),
        {"handle": options["handle"], "credential": credential, "deliver": deliver},
    )
    return authenticator, done


def sign_in(client, tenant, authenticator, email="", next_url="", **get_kw):
    """Run the authentication ceremony (by email, or discoverable without); returns response."""
    body = {"email": email} if email else {}
    options = post_json(client, url("signin-options", tenant), body)
    assert options.status_code == 200, options.content
    options = options.json()
    assertion = authenticator.get(options["publicKey"], origin(), **get_kw)
    return post_json(
        client,
        url("signin-verify", tenant),
        {"handle": options["handle"], "credential": assertion, "next": next_url},
    )
