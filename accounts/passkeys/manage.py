"""A user's own passkeys in one realm: list, rename, remove (never the last)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User, WebAuthnCredential
from accounts.passkeys import errors
from accounts.passkeys.errors import PasskeyError, PasskeyNotFound
from accounts.passkeys.realm import Realm
from tenants.audit import audit_log


def passkeys_of(*, realm: Realm, user: User) -> list[WebAuthnCredential]:
    """The user's passkeys, oldest first."""
    return list(WebAuthnCredential.objects.in_realm(realm.tenant).filter(user=user))


@transaction.atomic
def passkey_rename(
    *, realm: Realm, user: User, passkey_id: int, name: str, request=None
) -> WebAuthnCredential:
    """Rename one of the user's own passkeys."""
    name = (name or "").strip()
    if not name:
        raise PasskeyError(errors.NAME_REQUIRED)
    if len(name) > errors.NAME_MAX_LENGTH:
        raise PasskeyError(errors.NAME_TOO_LONG)
    credential = (
        WebAuthnCredential.objects.in_realm(realm.tenant)
        .select_for_update()
        .filter(pk=passkey_id, user=user)
        .first()
    )
    if credential is None:
        raise PasskeyNotFound()
    before = credential.name
    credential.name = name
    credential.save(update_fields=["name"])
    audit_log(
        action=realm.action("renamed"),
        actor=realm.actor(user),
        tenant=realm.tenant,
        target=credential,
        details={**realm.who(user), "before": before, "after": name},
        request=request,
    )
    return credential


@transaction.atomic
def passkey_remove(*, realm: Realm, user: User, passkey_id: int, request=None) -> None:
    """Remove one of the user's passkeys, never the last one (their last way in)."""
    # Lock all the user's passkeys so two concurrent removals cannot both pass the check.
    owned = list(
        WebAuthnCredential.objects.in_realm(realm.tenant)
        .select_for_update()
        .filter(user=user)
        .order_by("pk")
    )
    credential = next((c for c in owned if c.pk == passkey_id), None)
    if credential is None:
        raise PasskeyNotFound()
    if len(owned) <= 1:
        raise PasskeyError(errors.LAST_PASSKEY)
    audit_log(
        action=realm.action("removed"),
        actor=realm.actor(user),
        tenant=realm.tenant,
        target=credential,
        details={**realm.who(user), "name": credential.name, "aaguid": credential.aaguid},
        request=request,
    )
    credential.delete()
