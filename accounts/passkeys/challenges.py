"""WebAuthn challenges kept server-side in the shared cache: single use, 5-minute life."""

from __future__ import annotations

import re
import secrets

from django.conf import settings

from accounts import ratelimit
from accounts.passkeys.webauthn import CHALLENGE_BYTES
from tenants import sharedcache

HANDLE = re.compile(r"[A-Za-z0-9_-]{1,64}")


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


def challenge_take(*, handle: str, ceremony: str, realm: str, limits=()) -> dict:
    """Consume a challenge exactly once: read and deleted in one step, so of concurrent
    callers only one gets it (and a mismatched ceremony or realm still uses it up).
    `limits`: (Limit, subject) pairs counted in the same round trip; over one, RateLimited is
    raised (the challenge is used up all the same)."""
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
