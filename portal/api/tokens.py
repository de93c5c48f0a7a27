"""Personal API tokens: created and revoked in the portal, hashed at rest, shown once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from portal.models import ApiToken
from tenants.audit import audit_log
from tenants.oidc.crypto import keyed_digest

TOKEN_PREFIX = "lk_"
DIGEST_PURPOSE = "api-token"
NAME_MAX_LENGTH = 100
MAX_ACTIVE_TOKENS = 20
# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def token_digest(token: str) -> str:
    """The stored form of a token."""
    return keyed_digest(token, DIGEST_PURPOSE)


def api_tokens_of(*, user):
    """A user's tokens, newest first."""
    return ApiToken.objects.filter(user=user)


def access_api_token(*, user, id) -> ApiToken:
    """One of the user's own tokens; 404 for anyone else's."""
    token = api_tokens_of(user=user).filter(pk=id).first()
    if token is None:
        raise Http404("No such API token.")
    return token


@transaction.atomic
def api_token_create(
    *, user, name: str, expires_in_days: int | None = None, request=None
) -> tuple[ApiToken, str]:
    """Create a token for a portal user; returns the row and the plaintext (never stored)."""
    if user is None or not user.is_authenticated or user.tenant_id is not None:
        raise ValueError("API tokens belong to portal users")
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Give the token a name."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": f"Must be at most {NAME_MAX_LENGTH} characters."})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValidationError({"name": "Must not contain control characters."})
    if get_user_model().objects.select_for_update().filter(pk=user.pk).first() is None:
        raise ValueError("no such user")
    live = api_tokens_of(user=user).filter(revoked_at__isnull=True).count()
    if live >= MAX_ACTIVE_TOKENS:
        raise ValidationError(
            {"name": f"At most {MAX_ACTIVE_TOKENS} unrevoked tokens; revoke an old one first."}
        )
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name,
        digest=token_digest(plaintext),
        hint=plaintext[-4:],
        expires_at=expires_at,
    )
    audit_log(
        action="api_token.created",
        actor=user,
        target=token,
        details={"name": name, "expires_at": expires_at.isoformat() if expires_at else None},
        request=request,
    )
    return token, plaintext


@transaction.atomic
def api_token_revoke(*, user, token: ApiToken, request=None) -> ApiToken:
    """Revoke one of the user's tokens; revoking twice changes nothing."""
    locked = ApiToken.objects.select_for_update().filter(pk=token.pk, user=user).first()
    if locked is None:
        raise Http404("No such API token.")
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_log(
        action="api_token.revoked",
        actor=user,
        target=locked,
        details={"name": locked.name},
        request=request,
    )
    return locked


def api_token_authenticate(plaintext: str) -> ApiToken | None:
    """The live token with this value, with an active portal user; notes when it was used."""
    if not plaintext or len(plaintext) > 200 or not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(plaintext), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = token.user
    if not user.is_active or user.tenant_id is not None:
        return None
    if user.sessions_valid_after is not None and token.created_at < user.sessions_valid_after:
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
