"""Client secrets: 256-bit random values stored as keyed SHA-256 digests, checked fast."""

from __future__ import annotations

import hmac
import secrets

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


def client_secret_match(*, client: OIDCClient, secret: str) -> ClientSecret | None:
    """The live secret of this client matching `secret`, compared in constant time."""
    if not secret or len(secret) > 512:
        return None
    digest = secret_digest(secret)
    now = timezone.now()
    match = None
    for candidate in ClientSecret.objects.for_tenant(client.tenant_id).filter(
        client=client, revoked_at__isnull=True
    ):
        if candidate.expires_at is not None and candidate.expires_at <= now:
            continue
        if hmac.compare_digest(candidate.digest, digest):
            match = candidate
    return match
