"""Client secrets: 256-bit random values stored as keyed SHA-256 digests, checked fast."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import NamedTuple

from django.utils import timezone

from tenants.models import ClientSecret, OIDCClient
from tenants.oidc.crypto import keyed_digest

SECRET_BYTES = 32
DIGEST_PURPOSE = "client-secret"


def secret_generate() -> str:
    """A new plaintext secret (shown to the admin once, never stored)."""
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_digest(secret: str) -> str:
    """The stored form of a secret."""
    return keyed_digest(secret, DIGEST_PURPOSE)


class LiveSecret(NamedTuple):
    """What checking a secret needs: an unrevoked secret's digest and dates."""

    pk: int
    digest: str
    expires_at: datetime | None
    last_used_at: datetime | None


def client_secret_digests(*, client: OIDCClient) -> tuple[LiveSecret, ...]:
    """The client's unrevoked secrets (immutable, so a process may keep them)."""
    rows = (
        ClientSecret.objects.for_tenant(client.tenant_id)
        .filter(client=client, revoked_at__isnull=True)
        .values_list("pk", "digest", "expires_at", "last_used_at")
    )
    return tuple(LiveSecret(*row) for row in rows)


def live_secret_match(*, secrets, secret: str, now: datetime | None = None) -> LiveSecret | None:
    """The unexpired one of `secrets` matching `secret`; every digest compared in constant time."""
    if not secret or len(secret) > 512:
        return None
    digest = secret_digest(secret)
    now = now or timezone.now()
    match = None
    for candidate in secrets:
        if candidate.expires_at is not None and candidate.expires_at <= now:
            continue
        if hmac.compare_digest(candidate.digest, digest):
            match = candidate
    return match


def client_secret_match(*, client: OIDCClient, secret: str) -> ClientSecret | None:
    """The live secret of this client matching `secret`, compared in constant time."""
    match = live_secret_match(secrets=client_secret_digests(client=client), secret=secret)
    return ClientSecret.objects.get(pk=match.pk) if match is not None else None
