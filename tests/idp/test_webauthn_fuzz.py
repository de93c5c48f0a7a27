"""Mutated real payloads fed to the verify endpoints: always a 400 with a message, never a 500."""

from __future__ import annotations

import base64
import copy
import json
import random

import cbor2
import pytest
from django.test import Client

from tests import factories
from tests.idp.signin_support import (
    origin,
    post_json,
    private_cache,  # noqa: F401
    register,
    url,
)
from tests.support.soft_webauthn import SoftAuthenticator, b64url_decode, b64url_encode

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]

ITERATIONS = 100
B64_FIELDS = (
    "clientDataJSON",
    "authenticatorData",
    "signature",
    "userHandle",
    "attestationObject",
)
ODD_VALUES = [None, 0, -1, 2**70, 1.5, True, [], {}, "", "!!!", "a" * 5000, "é☃", [1, "x"]]


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield prefix + (key,)
            yield from _paths(child, prefix + (key,))


def _set(doc, path, value):
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


def _delete(doc, path):
    target = doc
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]


def _mutate_bytes(rng, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    choice = rng.randrange(5)
    buf = bytearray(data)
    if choice == 0:
        i = rng.randrange(len(buf))
        buf[i] ^= 1 << rng.randrange(8)
    elif choice == 1:
        del buf[rng.randrange(len(buf)) :]
    elif choice == 2:
        buf += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
    elif choice == 3:
        i = rng.randrange(len(buf))
        buf[i : i + 4] = bytes(rng.randrange(256) for _ in range(4))
    else:
        buf = bytearray(rng.randbytes(rng.randrange(0, 80)))
    return bytes(buf)


def _mutate_cbor(rng, data: bytes) -> bytes:
    """Re-encode the attestation object with one part changed (valid CBOR, wrong content)."""
    try:
        obj = cbor2.loads(data)
    except Exception:
        return data
    key = rng.choice(["fmt", "attStmt", "authData", "extra"])
    obj[key] = rng.choice(
        [None, 1, "packed", {"alg": -7}, b"", _mutate_bytes(rng, obj.get("authData", b""))]
    )
    return cbor2.dumps(obj)


def mutate(rng: random.Random, payload: dict):
    """One random mutation of a browser-shaped credential (or of the whole request)."""
    doc = copy.deepcopy(payload)
    kind = rng.randrange(9)
    paths = list(_paths(doc))
    if kind == 0:
        _delete(doc, rng.choice(paths))
    elif kind == 1:
        _set(doc, rng.choice(paths), copy.deepcopy(rng.choice(ODD_VALUES)))
    elif kind in (2, 3):
        field = rng.choice([f for f in B64_FIELDS if isinstance(doc["response"].get(f), str)])
        raw = b64url_decode(doc["response"][field])
        if field == "attestationObject" and kind == 3:
            raw = _mutate_cbor(rng, raw)
        else:
            raw = _mutate_bytes(rng, raw)
        doc["response"][field] = b64url_encode(raw)
    elif kind == 4:
        field = rng.choice(B64_FIELDS)
        doc["response"][field] = rng.choice(["%%%", "a", "====", "abc=def", "\x00\x01"])
    elif kind == 5:
        client_data = json.loads(b64url_decode(doc["response"]["clientDataJSON"]))
        client_data[rng.choice(["type", "challenge", "origin", "crossOrigin"])] = rng.choice(
            ODD_VALUES
        )
        doc["response"]["clientDataJSON"] = b64url_encode(json.dumps(client_data).encode())
    elif kind == 6:
        doc["rawId"] = b64url_encode(rng.randbytes(rng.choice([0, 1, 16, 1024, 2000])))
        doc["id"] = doc["rawId"]
    elif kind == 7:
        return rng.choice(ODD_VALUES + ["not json", "x" * 70_000])
    else:
        doc["response"]["clientDataJSON"] = base64.b64encode(
            b64url_decode(doc["response"]["clientDataJSON"])
        ).decode()
    return doc


def _check(response):
    assert response.status_code in (200, 400, 429), response.content[:300]
    assert response.status_code != 429, "fuzz requests should not hit the rate limit"
    if response.status_code == 400:
        body = response.json()
        assert isinstance(body.get("error"), str) and body["error"]


@pytest.fixture
def setting(db):
    tenant = factories.tenant(require_email_verification=False)
    browser = Client()
    authenticator, done = register(browser, tenant, "fuzz@example.com")
    assert done.status_code == 200
    return tenant, browser, authenticator


@pytest.mark.parametrize("seed", [1, 2])
def test_mutated_assertions_get_400_never_500(setting, seed):
    tenant, _browser, authenticator = setting
    rng = random.Random(seed)
    client = Client(raise_request_exception=True)
    refused = 0
    for i in range(ITERATIONS):
        ip = f"10.{seed}.{i // 200}.{i % 200}"
        options = post_json(client, url("signin-options", tenant), {}, REMOTE_ADDR=ip).json()
        assertion = authenticator.get(options["publicKey"], origin())
        body = {"handle": options["handle"], "credential": mutate(rng, assertion)}
        response = post_json(client, url("signin-verify", tenant), body, REMOTE_ADDR=ip)
        _check(response)
        refused += response.status_code == 400
    assert refused > ITERATIONS * 0.6


@pytest.mark.parametrize("seed", [3, 4])
def test_mutated_registrations_get_400_never_500(setting, seed):
    tenant, browser, _authenticator = setting
    rng = random.Random(seed)
    browser.raise_request_exception = True
    refused = 0
    for i in range(ITERATIONS):
        ip = f"10.{seed}.{i // 200}.{i % 200}"
        options = post_json(browser, url("account-passkey-options", tenant), REMOTE_ADDR=ip).json()
        credential = SoftAuthenticator().create(options["publicKey"], origin())
        body = {"handle": options["handle"], "credential": mutate(rng, credential)}
        response = post_json(browser, url("account-passkey-verify", tenant), body, REMOTE_ADDR=ip)
        _check(response)
        refused += response.status_code == 400
    # Registration responses carry fields the server ignores (authenticatorData, publicKey,
    # transports...), so fewer mutations matter than for assertions.
    assert refused > ITERATIONS * 0.4


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"[]",
        b"null",
        b'"string"',
        b"\xff\xfe\x00",
        b'{"handle": 1, "credential": 2}',
        b'{"handle": ["x"], "credential": {"id": 1}}',
        b'{"handle": "' + b"h" * 10_000 + b'", "credential": {}}',
        b'{"credential": "' + b"x" * 80_000 + b'"}',
        b"[" * 5000 + b"]" * 5000,
    ],
)
@pytest.mark.parametrize(
    "name", ["signin-verify", "signin-options", "signin-register-verify", "signin-email-code"]
)
def test_malformed_bodies_get_a_readable_400(setting, name, raw):
    tenant, _browser, _authenticator = setting
    client = Client(raise_request_exception=True)
    response = client.post(url(name, tenant), data=raw, content_type="application/json")
    try:
        is_object = isinstance(json.loads(raw or b"{}"), dict)
    except (ValueError, RecursionError):
        is_object = False
    if name == "signin-options" and is_object and len(raw) < 64 * 1024:
        # No usable email means the discoverable (autofill) options.
        assert response.status_code == 200
        assert response.json()["publicKey"]["allowCredentials"] == []
        return
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]
