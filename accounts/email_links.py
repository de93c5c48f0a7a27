"""Single-use emailed links: issued with a random token, stored as a digest, consumed once."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import EmailLink, normalize_email
from tenants.oidc.crypto import keyed_digest


class LinkInvalid(Exception):
    """The link is unknown, used, expired or for another address; `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def email_link_issue(
    *, purpose: str, email: str, tenant=None, user=None, payload=None, ttl: int | None = None
) -> str:
    """Create a link and return its plaintext token (shown once, in the email)."""
    _link, token = email_link_create(
        purpose=purpose, email=email, tenant=tenant, user=user, payload=payload, ttl=ttl
    )
    return token


def email_link_create(
    *, purpose: str, email: str, tenant=None, user=None, payload=None, ttl: int | None = None
) -> tuple[EmailLink, str]:
    """Create a link and return it with its plaintext token (one INSERT, no read back)."""
    token = secrets.token_urlsafe(32)
    link = EmailLink.objects.create(
        purpose=purpose,
        email=normalize_email(email),
        tenant=tenant,
        user=user,
        digest=keyed_digest(token, "email-link"),
        payload=payload or {},
        expires_at=timezone.now() + timedelta(seconds=ttl or settings.EMAIL_LINK_TTL_SECONDS),
    )
    return link, token


def email_link_peek(*, token: str, purpose: str, tenant=None) -> EmailLink:
    """Return a still-valid link without using it up (to render the next step)."""
    link = EmailLink.objects.filter(digest=keyed_digest(token or "", "email-link")).first()
    _check(link, purpose, tenant)
    return link


@transaction.atomic
def email_link_consume(*, token: str, purpose: str, tenant=None, email=None) -> EmailLink:
    """Use a link up, exactly once, under a row lock."""
    link = (
        EmailLink.objects.select_for_update()
        .filter(digest=keyed_digest(token or "", "email-link"))
        .first()
    )
    _check(link, purpose, tenant)
    if email is not None and normalize_email(email) != link.email:
        raise LinkInvalid("This link was sent to a different email address.")
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return link


def _check(link, purpose, tenant) -> None:
    if link is None or link.purpose != purpose or link.tenant_id != getattr(tenant, "pk", None):
        raise LinkInvalid("This link is not valid.")
    if link.used_at is not None:
        raise LinkInvalid("This link has already been used.")
    if link.expires_at <= timezone.now():
        raise LinkInvalid("This link has expired.")
