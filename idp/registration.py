"""Registering a passkey at a tenant: a new account, a recovery, or another passkey."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.aaguids import authenticator_make
from accounts.models import User, generate_webauthn_handle, normalize_email
from accounts.passkeys import ceremonies
from accounts.passkeys.realm import tenant_realm
from idp.errors import SignInError
from idp.revocation import evict_unproven_passkeys, revoke_everything
from tenants.audit import audit_log
from tenants.rows import insert


@dataclass(frozen=True)
class Intent:
    """Why a passkey is being registered: a new account, recovery, or another passkey."""

    kind: str  # "signup" | "recovery" | "add"
    email: str
    names: dict
    user_id: int | None = None
    proven: bool = False
    link_id: int | None = None


def _active_user(tenant, user_id, *, lock=False):
    users = User.objects.for_tenant(tenant).filter(pk=user_id, is_active=True)
    # Locked for the write; otherwise with the passkeys the creation options exclude.
    users = users.select_for_update() if lock else users.prefetch_related("credentials")
    user = users.first()
    if user is None:
        raise SignInError(_("This account is no longer available."))
    return user


def registration_begin(*, tenant, intent: Intent, limits=()) -> dict:
    """Creation options bound to the intent; an existing user's passkeys are excluded.
    `limits`: rate limits counted in the same round trip as the challenge's storing."""
    data = {
        "kind": intent.kind,
        "email": intent.email,
        "names": intent.names,
        "proven": intent.proven,
        "link_id": intent.link_id,
    }
    realm = tenant_realm(tenant)
    if intent.user_id is not None:
        user = _active_user(tenant, intent.user_id)
        data["email"] = user.email
        return ceremonies.registration_begin(realm=realm, user=user, data=data, limits=limits)
    names = intent.names
    display = names.get("nickname") or " ".join(
        n for n in (names.get("given_name"), names.get("family_name")) if n
    )
    return ceremonies.registration_begin(
        realm=realm,
        user_handle=generate_webauthn_handle(),
        email=intent.email,
        display_name=display,
        data=data,
        limits=limits,
    )


@dataclass(frozen=True)
class Registration:
    """A verified registration and the account it belongs to."""

    user: User
    credential: object
    kind: str
    created: bool


def registration_finish(
    *, tenant, handle, response, intent: Intent, request=None, then=None, limits=()
) -> Registration:
    """Verify a registration made for exactly this intent and store the passkey.

    `then(user, credential, created)`: the caller's own steps, in the same transaction;
    `limits`: rate limits counted in the same round trip as the challenge's taking."""

    def expect(record):
        data = record["data"]
        if (
            data.get("kind") != intent.kind
            or record["user_id"] != intent.user_id
            or data.get("link_id") != intent.link_id
            or (intent.user_id is None and data.get("email") != intent.email)
        ):
            raise SignInError(_("This passkey set-up belongs to another request. Start again."))

    def owner(record):
        return _registration_user(tenant=tenant, record=record, intent=intent, request=request)

    def name(user, created, aaguid):
        existing = user.credentials.count() if not created else 0
        label = authenticator_make(aaguid) or "Passkey"
        return f"{label} {existing + 1}" if existing else label

    def after(user, credential, created):
        if intent.kind == "recovery":
            revoke_everything(user=user, tenant=tenant, request=request)
        elif intent.kind == "signup":
            audit_log(
                action="enduser.registered",
                tenant=tenant,
                target=user,
                details={"user": user.subject, "email_verified": user.email_verified},
                request=request,
            )
        if then is not None:
            then(user, credential, created)

    done = ceremonies.registration_finish(
        realm=tenant_realm(tenant),
        handle=handle,
        response=response,
        expect=expect,
        owner=owner,
        name=name,
        after=after,
        audit_details={"kind": intent.kind},
        request=request,
        limits=limits,
    )
    return Registration(
        user=done.user, credential=done.credential, kind=intent.kind, created=done.created
    )


def _registration_user(*, tenant, record, intent: Intent, request=None) -> tuple[User, bool]:
    if intent.user_id is not None:
        user = _active_user(tenant, intent.user_id, lock=True)
        if intent.kind == "recovery" and user.email_verified_at is None:
            # The recovery code or link proved the address for the first time.
            user.email_verified_at = timezone.now()
            user.save(update_fields=["email_verified_at"])
            evict_unproven_passkeys(user=user, tenant=tenant, proof="recovery", request=request)
        return user, False
    data = record["data"]
    names = data.get("names") or {}
    try:
        # No savepoint: the error below rolls registration_finish's transaction back whole.
        with transaction.atomic(savepoint=False):
            user = User(
                email=normalize_email(data["email"]),
                tenant=tenant,
                given_name=(names.get("given_name") or "")[:150],
                family_name=(names.get("family_name") or "")[:150],
                nickname=(names.get("nickname") or "")[:150],
                webauthn_handle=ceremonies.unb64(data["user_handle"]),
                email_verified_at=timezone.now() if data.get("proven") else None,
            )
            user.set_unusable_password()  # as create_user does
            insert(user)
    except IntegrityError as exc:
        raise SignInError(
            _(
                "An account with this email already exists. Sign in with its passkey, or use "
                "“Lost your passkey?” to get a recovery email."
            ),
            status=409,
            code="account_exists",
        ) from exc
    return user, True
