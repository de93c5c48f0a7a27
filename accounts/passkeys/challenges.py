"""WebAuthn challenges: single use, 5-minute life. Kept server-side in the shared cache, or
sealed: signed into their handle and carried by the page, their single use recorded when taken."""

from __future__ import annotations

import re
import secrets

from django.conf import settings
from django.core import signing

from accounts import ratelimit
from accounts.passkeys.webauthn import CHALLENGE_BYTES, b64, unb64
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
    payload = {"c": b64(challenge), "k": ceremony, "r": realm, "d": data or {}}
    return signing.dumps(payload, salt=SEAL_SALT, compress=False), challenge


def _unseal(handle: str) -> dict | None:
    """A sealed handle's record if its signature holds and it is younger than the TTL."""
    try:
        payload = signing.loads(
            handle, salt=SEAL_SALT, max_age=settings.WEBAUTHN_CHALLENGE_TTL_SECONDS
        )
        return {
            "challenge": unb64(payload["c"]),
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
    sealed = _unseal(handle) if isinstance(handle, str) and SEALED.fullmatch(handle) else None
    if sealed is not None:
        # Keyed by the challenge itself: however the handle is written, one use per challenge.
        ttl = settings.WEBAUTHN_CHALLENGE_TTL_SECONDS
        step = ("claim", f"wau:{b64(sealed['challenge'])}", ttl)
    elif isinstance(handle, str) and HANDLE.fullmatch(handle):
        step = ("take", f"wac:{handle}")
    else:
        ratelimit.check(list(limits))  # counted all the same
        raise ChallengeMissing("missing, altered or expired challenge")
    record = ratelimit.check(list(limits), also=step)
    if sealed is not None:
        record = sealed if record else None  # the claim was this caller's, or not
    if record is None:
        raise ChallengeMissing("expired or already used")
    if record["ceremony"] != ceremony or record["realm"] != realm:
        raise ChallengeMissing("challenge is for another ceremony")
    return record
