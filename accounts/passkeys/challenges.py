"""WebAuthn challenges: single use, 5-minute life. Kept server-side in the shared cache, or
sealed: signed into their handle and carried by the page, their single use recorded when taken."""

from __future__ import annotations

import base64
import re
import secrets

from django.conf import settings
from django.core import signing

from accounts import ratelimit
from accounts.passkeys.webauthn import CHALLENGE_BYTES
from tenants import sharedcache

HANDLE = re.compile(r"[A-Za-z0-9_-]{1,64}")
SEALED = re.compile(r"[A-Za-z0-9_-]{1,400}:[A-Za-z0-9_-]{1,16}:[A-Za-z0-9_-]{1,64}")
SEAL_SALT = "latchkey.passkeys.sealed-challenge"


class ChallengeMissing(Exception):
    """No live challenge matches: expired, used, or bound to something else."""


def challenge_issue(
    *, ceremony: str, realm: str, user_id: int | None = None, data=None, limits=()
):
    """Store a fresh challenge bound to ceremony, realm and user; return (handle, challenge).
    `limits`: (Limit, subject) pairs counted in the same round trip; over one, the challenge is
    dropped and RateLimited raised."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    handle = secrets.token_urlsafe(24)
    record = {
        "challenge": challenge,
        "ceremony": ceremony,
        "realm": realm,
        "user_id": user_id,
        "data": data or {},
    }
    name, ttl = f"wac:{handle}", settings.WEBAUTHN_CHALLENGE_TTL_SECONDS
    if not limits:
        sharedcache.put(name, record, timeout=ttl)
        return handle, challenge
    try:
        ratelimit.check(list(limits), also=("put", name, record, ttl))
    except ratelimit.RateLimited:
        sharedcache.delete(name)
        raise
    return handle, challenge


def challenge_seal(*, ceremony: str, realm: str, data=None) -> tuple[str, bytes]:
    """A fresh challenge bound to ceremony and realm (no user) with nothing stored: its handle
    carries it, signed with SECRET_KEY and timestamped; return (handle, challenge). For options
    handed out on every page view (passkey autofill), which then cost no cache write."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    payload = {"c": _b64(challenge), "k": ceremony, "r": realm, "d": data or {}}
    return signing.dumps(payload, salt=SEAL_SALT, compress=False), challenge


def _unseal(handle: str) -> dict | None:
    """A sealed handle's record if its signature holds and it is younger than the TTL."""
    try:
        payload = signing.loads(
            handle, salt=SEAL_SALT, max_age=settings.WEBAUTHN_CHALLENGE_TTL_SECONDS
        )
        challenge = base64.urlsafe_b64decode(payload["c"] + "=" * (-len(payload["c"]) % 4))
        return {
            "challenge": challenge,
            "ceremony": payload["k"],
            "realm": payload["r"],
            "user_id": None,
            "data": payload["d"],
        }
    except (signing.BadSignature, ValueError, KeyError, TypeError):
        return None


def challenge_take(*, handle: str, ceremony: str, realm: str, limits=()) -> dict:
    """Consume a challenge exactly once: read and deleted in one step, so of concurrent
    callers only one gets it (and a mismatched ceremony or realm still uses it up). A sealed
    one is used up by recording its challenge (SET NX, for the TTL) in that same step.
    `limits`: (Limit, subject) pairs counted in the same round trip; over one, RateLimited is
    raised (the challenge is used up all the same)."""
    if isinstance(handle, str) and SEALED.fullmatch(handle):
        return _take_sealed(handle, ceremony=ceremony, realm=realm, limits=limits)
    if not isinstance(handle, str) or not HANDLE.fullmatch(handle):
        if limits:
            ratelimit.check(list(limits))
        raise ChallengeMissing("missing challenge")
    name = f"wac:{handle}"
    if limits:
        record = ratelimit.check(list(limits), also=("take", name))
    else:
        record = sharedcache.take(name)
    if record is None:
        raise ChallengeMissing("expired or already used")
    if record["ceremony"] != ceremony or record["realm"] != realm:
        raise ChallengeMissing("challenge is for another ceremony")
    return record


def _take_sealed(handle: str, *, ceremony: str, realm: str, limits) -> dict:
    record = _unseal(handle)
    if record is None:
        if limits:
            ratelimit.check(list(limits))
        raise ChallengeMissing("expired or altered challenge")
    # Keyed by the challenge itself: however the handle is written, one use per challenge.
    claim = ("claim", f"wau:{_b64(record['challenge'])}", settings.WEBAUTHN_CHALLENGE_TTL_SECONDS)
    if limits:
        first = ratelimit.check(list(limits), also=claim)
    else:
        first = sharedcache.claim(claim[1], claim[2])
    if not first:
        raise ChallengeMissing("expired or already used")
    if record["ceremony"] != ceremony or record["realm"] != realm:
        raise ChallengeMissing("challenge is for another ceremony")
    return record


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
