"""Ending an end user's sessions and tokens: on recovery, and when unproven passkeys go."""

from __future__ import annotations

from accounts.directory_services import user_tokens_revoke
from accounts.models import User, WebAuthnCredential
from tenants.audit import audit_log


def _revoke_sessions_and_tokens(*, user: User) -> tuple[int, int]:
    """End every session and revoke every refresh and access token; (refresh, access) counts."""
    counts = user_tokens_revoke(user=user)
    return counts["refresh_tokens_revoked"], counts["access_tokens_revoked"]


def revoke_everything(*, user: User, tenant, request=None) -> None:
    """Recovery: end every session and revoke every refresh and access token of the user."""
    refresh_revoked, access_revoked = _revoke_sessions_and_tokens(user=user)
    audit_log(
        action="enduser.recovered",
        tenant=tenant,
        target=user,
        details={
            "user": user.subject,
            "refresh_tokens_revoked": refresh_revoked,
            "access_tokens_revoked": access_revoked,
        },
        request=request,
    )


def evict_unproven_passkeys(
    *, user: User, tenant, proof: str, keep_passkey_ids=(), request=None
) -> tuple[int, int]:
    """The address was just proven for the first time. Passkeys registered before that were
    registered by someone who had not proven it (account pre-hijacking: a squatter may have
    registered the victim's address), so they go, with every session and token. A passkey in
    `keep_passkey_ids` stays: the same browser signed in with it and proved the address.
    Returns (passkeys removed, passkeys left)."""
    owned = list(WebAuthnCredential.objects.select_for_update().filter(user=user).order_by("pk"))
    keep = {pk for pk in keep_passkey_ids if isinstance(pk, int)}
    doomed = [c for c in owned if c.pk not in keep]
    if not doomed:
        return 0, len(owned)
    WebAuthnCredential.objects.filter(pk__in=[c.pk for c in doomed]).delete()
    refresh_revoked, access_revoked = _revoke_sessions_and_tokens(user=user)
    audit_log(
        action="enduser.unproven_passkeys_removed",
        tenant=tenant,
        target=user,
        details={
            "user": user.subject,
            "proof": proof,
            "passkeys_removed": [{"id": c.pk, "name": c.name, "aaguid": c.aaguid} for c in doomed],
            "passkeys_kept": sorted(c.pk for c in owned if c.pk in keep),
            "refresh_tokens_revoked": refresh_revoked,
            "access_tokens_revoked": access_revoked,
        },
        request=request,
    )
    return len(doomed), len(owned) - len(doomed)
