"""Issue 11 item 3: deeply nested JSON is a 4xx on every POST route, never a 500.

The routes come from the URL configuration itself, so a route added later is fuzzed too.
"""

from __future__ import annotations

import json

import pytest
from django.urls.converters import IntConverter, PathConverter, SlugConverter, StringConverter

from config.json_depth import MAX_JSON_DEPTH, json_too_deep
from tests import factories
from tests.idp.oidc_support import oidc_tenant
from tests.idp.signin_support import origin, post_json, register, url
from tests.support.routes import concrete_paths, sweep_clients, url_patterns
from tests.support.soft_webauthn import b64url_encode

pytestmark = pytest.mark.django_db

HYGIENE = "config.middleware.RejectUnsafeTextMiddleware"
DEPTHS = (1_000, 10_000, 100_000)


def nested(depth: int, kind: str) -> str:
    if kind == "array":
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


BODIES = [pytest.param("application/json", nested(d, "array"), id=f"array-{d}") for d in DEPTHS] + [
    pytest.param("application/json", nested(100_000, "object"), id="object-100000"),
    pytest.param("application/json", "[" * 100_000, id="unclosed-100000"),
    # Views that read JSON whatever the content type must be covered too.
    pytest.param("text/plain", nested(100_000, "array"), id="text-plain-array-100000"),
]


def test_the_route_list_covers_the_whole_url_configuration(db):
    tenant = factories.tenant()
    paths = concrete_paths(tenant)
    assert len(paths) > 100
    for expected in (
        f"/t/{tenant.slug}/token",
        f"/t/{tenant.slug}/authorize",
        f"/t/{tenant.slug}/sign-in/passkey/verify/",
        "/portal/webauthn/sign-in/verify/",
        f"/api/v1/tenants/{tenant.slug}/oidc/redirect-urls/",
    ):
        assert expected in paths
    # The converters this generator knows are the ones the URL configuration uses.
    used = {type(c) for _r, p in url_patterns() for c in p.converters.values()}
    assert used <= {IntConverter, PathConverter, SlugConverter, StringConverter}


@pytest.fixture
def clients(db):
    return sweep_clients()


@pytest.mark.parametrize("content_type, body", BODIES)
def test_every_post_route_answers_deep_json_with_a_4xx(clients, content_type, body):
    tenant, by_name = clients
    failures = []
    for name, client in by_name.items():
        for path in concrete_paths(tenant):
            response = client.post(path, data=body, content_type=content_type)
            if not 400 <= response.status_code < 500:
                failures.append((name, path, response.status_code))
    assert not failures


@pytest.mark.parametrize("content_type, body", [BODIES[0], BODIES[2]])
def test_without_the_hygiene_middleware_no_parser_behind_it_fails_either(
    clients, settings, content_type, body
):
    """Defence in depth: the sign-in JSON, the WebAuthn wrapper and DRF's parser hold alone."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != HYGIENE]
    tenant, by_name = clients
    failures = []
    for name, client in by_name.items():
        client.raise_request_exception = True
        for path in concrete_paths(tenant):
            response = client.post(path, data=body, content_type=content_type)
            if response.status_code >= 500:
                failures.append((name, path, response.status_code))
    assert not failures


@pytest.mark.parametrize("hygiene", [True, False])
def test_deep_json_inside_a_passkey_credential_is_a_400(client, settings, hygiene):
    """Nesting hidden in strings (the credential, its base64 clientDataJSON) passes the body
    check; the WebAuthn wrapper must still answer 400."""
    if not hygiene:
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != HYGIENE]
    tenant = oidc_tenant()
    authenticator, done = register(client, tenant, "deep@example.com")
    assert done.status_code == 200, done.content
    deep = nested(100_000, "array")
    variants = ("client-data", "credential-string", "credential-json-string")
    for variant in variants:
        client.cookies.clear()
        options = post_json(client, url("signin-options", tenant), {"email": "deep@example.com"})
        options = options.json()
        assertion = authenticator.get(options["publicKey"], origin())
        if variant == "client-data":
            assertion["response"]["clientDataJSON"] = b64url_encode(deep.encode())
            credential = assertion
        elif variant == "credential-string":
            credential = deep
        else:
            assertion["response"]["clientDataJSON"] = b64url_encode(deep.encode())
            credential = json.dumps(assertion)
        response = post_json(
            client,
            url("signin-verify", tenant),
            {"handle": options["handle"], "credential": credential},
        )
        assert response.status_code == 400, (variant, response.status_code, response.content)


def test_the_depth_check_counts_brackets_outside_strings_only():
    assert not json_too_deep(json.dumps({"a": ["[" * 1000, "{" * 1000, '\\"[[[['] * 5}).encode())
    assert not json_too_deep(("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH).encode())
    assert json_too_deep(("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)).encode())
    assert json_too_deep(b'["\\\\", ' + b"[" * 100 + b"]" * 100 + b"]")
    assert json_too_deep(b"[" * 50)
    assert not json_too_deep(b"]" * 100 + b"[" * 10)
    body = json.dumps([[[[1]]], [[[2]]]] * 1000).encode()
    assert not json_too_deep(body)
