"""Single-use emailed links: issued with a random token, stored as a digest, consumed once."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.db import connections, router, transaction
from django.utils import timezone

from accounts.models import EmailLink, normalize_email
from accounts.statements import instance, select_where
from tenants.oidc.crypto import keyed_digest
from tenants.rows import insert, insert_all


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
    link, token = email_link_build(
        purpose=purpose, email=email, tenant=tenant, user=user, payload=payload, ttl=ttl
    )
    return insert(link), token


def email_link_build(
    *, purpose: str, email: str, tenant=None, user=None, payload=None, ttl: int | None = None
) -> tuple[EmailLink, str]:
    """A new link, not saved yet (to write with other rows), and its plaintext token."""
    token = secrets.token_urlsafe(32)
    link = EmailLink(
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


def email_link_find(*, tenant, link_id: int) -> EmailLink | None:
    """The tenant's link with this id, unlocked (one plain statement)."""
    alias = router.db_for_read(EmailLink)
    connection = connections[alias]
    sql, cols = select_where(EmailLink, alias, ("id", "tenant"))
    with connection.cursor() as cursor:
        cursor.execute(sql, [link_id, tenant.pk])
        row = cursor.fetchone()
    return None if row is None else instance(alias, connection, row, cols)


@cache
def _claim_statement(alias: str) -> str:
    qn = connections[alias].ops.quote_name
    meta = EmailLink._meta
    used, expires = qn(meta.get_field("used_at").column), qn(meta.get_field("expires_at").column)
    return (
        f"UPDATE {qn(meta.db_table)} SET {used} = %s"
        f" WHERE {qn(meta.pk.column)} = %s AND {qn(meta.get_field('tenant').column)} = %s"
        f" AND {used} IS NULL AND {expires} > %s"
    )


def email_link_claim(link: EmailLink, *, tenant, rows=()) -> bool:
    """Use the tenant's link up if it is neither used nor expired: one conditional UPDATE,
    atomic on its own (of concurrent claims exactly one matches the row). `rows`: new rows
    (an audit event) written only if the link was claimed, in the same statement."""
    alias = router.db_for_write(EmailLink)
    connection = connections[alias]
    now = timezone.now()
    stamp = EmailLink._meta.get_field("used_at").get_db_prep_value(now, connection)
    claim = (_claim_statement(alias), [stamp, link.pk, tenant.pk, stamp])
    claimed = insert_all(*rows, when=claim, using=alias)
    if claimed:
        link.used_at = now
    return claimed
