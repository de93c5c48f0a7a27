"""Signing-key creation; the rotation lifecycle builds on this."""

from __future__ import annotations

from django.utils import timezone

from tenants.crypto import encrypt_private_key, generate_private_key_pem, public_jwk_for
from tenants.models import SigningKey, Tenant


def signing_key_create(*, tenant: Tenant, state: str, algorithm: str = "RS256") -> SigningKey:
    """Generate a key pair, seal the private half, and store it in the given state."""
    pem = generate_private_key_pem(algorithm)
    kid, public = public_jwk_for(pem, algorithm)
    now = timezone.now()
    return SigningKey.objects.create(
        tenant=tenant,
        kid=kid,
        algorithm=algorithm,
        state=state,
        private_key_encrypted=encrypt_private_key(pem),
        public_jwk=public,
        published_at=now,
        activated_at=now if state == SigningKey.State.ACTIVE else None,
    )


def signing_key_active(*, tenant, algorithm: str = "RS256") -> SigningKey | None:
    """The key that signs new tokens for this tenant."""
    return (
        SigningKey.objects.for_tenant(tenant)
        .filter(state=SigningKey.State.ACTIVE, algorithm=algorithm)
        .first()
    )


def signing_keys_published(*, tenant) -> list[SigningKey]:
    """Keys relying parties should trust: next, active and retired ones still in their grace."""
    return list(SigningKey.objects.for_tenant(tenant).order_by("created_at", "id"))
