"""WebAuthn challenges kept server-side in the shared cache: single use, 5-minute life."""

from __future__ import annotations

import re
import secrets

from django.conf import settings

from accounts.passkeys.webauthn import CHALLENGE_BYTES
from tenants import sharedcache

HANDLE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ChallengeMissing(Exception):
    """No live challenge matches: expired, used, or bound to something else."""


def challenge_issue(*, ceremony: str, realm: str, user_id: int | None = None, data=None):
    """Store a fresh challenge bound to ceremony, realm and user; return (handle, challenge)."""
    challenge = secrets.token_bytes(CHALLENGE_BYTES)
    handle = secrets.token_urlsafe(24)
    record = {
        "challenge": challenge,
        "ceremony": ceremony,
        "realm": realm,
        "user_id": user_id,
        "data": data or {},
    }
    sharedcache.put(f"wac:{handle}", record, timeout=settings.WEBAUTHN_CHALLENGE_TTL_SECONDS)
    return handle, challenge


def challenge_take(*, handle: str, ceremony: str, realm: str) -> dict:
    """Consume a challenge exactly once: read and deleted in one step, so of concurrent
    callers only one gets it (and a mismatched ceremony or realm still uses it up)."""
    if not isinstance(handle, str) or not HANDLE.fullmatch(handle):
        raise ChallengeMissing("missing challenge")
    record = sharedcache.take(f"wac:{handle}")
    if record is None:
        raise ChallengeMissing("expired or already used")
    if record["ceremony"] != ceremony or record["realm"] != realm:
        raise ChallengeMissing("challenge is for another ceremony")
    return record
