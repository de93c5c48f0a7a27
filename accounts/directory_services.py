"""Writes on a tenant's end-user directory by its admins: disable, enable, revoke, recover."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.email_links import email_link_issue
from accounts.mail import mail_send
from accounts.models import EmailLink, User, WebAuthnCredential
from tenants.audit import audit_log
from tenants.models import Tenant

RECOVERY_TTL_SECONDS = 900


def _lock(*, tenant: Tenant, user: User) -> User:
    if user.tenant_id != tenant.pk:
        raise ValueError("user belongs to another tenant")
    return User.objects.for_tenant(tenant).select_for_update().get(pk=user.pk)


def user_tokens_revoke(*, user: User) -> dict:
    """End every session and revoke every refresh and access token (the one place that does)."""
    user.sessions_valid_after = timezone.now()
    user.save(update_fields=["sessions_valid_after"])
    refresh = list(get_refresh_token_model().objects.filter(user=user, revoked__isnull=True))
    for token in refresh:
        token.revoke()
    access = list(get_access_token_model().objects.filter(user=user))
    for token in access:
        token.revoke()
    return {"refresh_tokens_revoked": len(refresh), "access_tokens_revoked": len(access)}


def _audit(action: str, *, tenant, actor, user, request, **details) -> None:
    audit_log(
        action=action,
        actor=actor,
        tenant=tenant,
        target=user,
        details={"user": user.subject, **details},
        request=request,
    )


@transaction.atomic
def enduser_disable(*, tenant: Tenant, actor, user: User, request=None) -> User:
    """Disable an end user: no more sign-ins, sessions ended, tokens revoked."""
    locked = _lock(tenant=tenant, user=user)
    if not locked.is_active:
        return locked
    locked.is_active = False
    locked.save(update_fields=["is_active"])
    counts = user_tokens_revoke(user=locked)
    _audit("enduser.disabled", tenant=tenant, actor=actor, user=locked, request=request, **counts)
    return locked


@transaction.atomic
def enduser_enable(*, tenant: Tenant, actor, user: User, request=None) -> User:
    """Let a disabled end user sign in again (old sessions and tokens stay revoked)."""
    locked = _lock(tenant=tenant, user=user)
    if locked.is_active:
        return locked
    locked.is_active = True
    locked.save(update_fields=["is_active"])
    _audit("enduser.enabled", tenant=tenant, actor=actor, user=locked, request=request)
    return locked


@transaction.atomic
def enduser_sessions_revoke(*, tenant: Tenant, actor, user: User, request=None) -> dict:
    """Sign the user out everywhere: sessions ended, refresh and access tokens revoked."""
    locked = _lock(tenant=tenant, user=user)
    counts = user_tokens_revoke(user=locked)
    _audit(
        "enduser.sessions_revoked",
        tenant=tenant,
        actor=actor,
        user=locked,
        request=request,
        **counts,
    )
    return counts


@transaction.atomic
def enduser_passkey_delete(*, tenant: Tenant, actor, user: User, passkey_id, request=None) -> None:
    """Remove one of the user's passkeys (even the last: the user can recover by email)."""
    locked = _lock(tenant=tenant, user=user)
    credential = (
        WebAuthnCredential.objects.select_for_update()
        .filter(user=locked, pk=passkey_id if isinstance(passkey_id, int) else None)
        .first()
    )
    if credential is None:
        raise ValidationError({"passkey_id": "No such passkey for this user."})
    _audit(
        "enduser.passkey_removed_by_admin",
        tenant=tenant,
        actor=actor,
        user=locked,
        request=request,
        passkey=credential.pk,
        name=credential.name,
        aaguid=credential.aaguid,
    )
    credential.delete()


def _recovery_url(tenant: Tenant, token: str) -> str:
    path = reverse(
        "idp:signin-email-link",
        kwargs={"tenant_slug": tenant.slug, "kind": "recovery", "token": token},
    )
    return f"{settings.PUBLIC_URL}{path}"


@transaction.atomic
def enduser_recovery_send(*, tenant: Tenant, actor, user: User, request=None) -> None:
    """Email the user a one-time link to create a new passkey (signs them out elsewhere)."""
    locked = _lock(tenant=tenant, user=user)
    if not locked.is_active:
        raise ValidationError({"user": "The user is disabled; enable them first."})
    token = email_link_issue(
        purpose=EmailLink.Purpose.RECOVERY,
        email=locked.email,
        tenant=tenant,
        user=locked,
        payload={"names": {}, "next": "", "sent_by_admin": True},
        ttl=RECOVERY_TTL_SECONDS,
    )
    context = {
        "tenant": tenant,
        "email": locked.email,
        "url": _recovery_url(tenant, token),
        "minutes": RECOVERY_TTL_SECONDS // 60,
    }
    # The admin's request speaks the portal's language; the user reads the tenant's.
    with translation.override(tenant.default_language):
        mail_send(template="enduser_recovery_by_admin", to=locked.email, context=context)
    _audit("enduser.recovery_sent", tenant=tenant, actor=actor, user=locked, request=request)
