"""Periodic jobs on Celery beat: per-tenant key rotation (fanned out) and expired-row cleanup."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tenants.keys import key_rotation_pass
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# A fanned-out task older than this is dropped: the next beat sends a fresh one.
FANOUT_EXPIRES_SECONDS = 3600


@shared_task(name="tenants.rotate_all_keys")
def rotate_all_keys() -> int:
    """Beat entry point: queue one rotation task per tenant; returns how many were queued."""
    ids = list(Tenant.objects.order_by("pk").values_list("pk", flat=True))
    for tenant_id in ids:
        # Sent only once whatever transaction we are in has committed (immediately if none).
        transaction.on_commit(
            lambda tid=tenant_id: rotate_tenant_keys.apply_async(
                args=[tid], expires=FANOUT_EXPIRES_SECONDS
            )
        )
    logger.info("queued key rotation for %d tenants", len(ids))
    return len(ids)


@shared_task(name="tenants.rotate_tenant_keys")
def rotate_tenant_keys(tenant_id: int) -> dict:
    """Run one rotation pass for a tenant; safe to run twice or concurrently."""
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None:
        return {}
    result = key_rotation_pass(tenant=tenant, now=timezone.now())
    if result.changed:
        logger.info(
            "tenant %s keys: created=%s promoted=%s retired=%s deleted=%s",
            tenant.slug,
            result.created,
            result.promoted,
            result.retired,
            result.deleted,
        )
    return {
        "created": result.created,
        "promoted": result.promoted,
        "retired": result.retired,
        "deleted": result.deleted,
    }


@shared_task(name="tenants.delete_expired_records")
def delete_expired_records() -> dict:
    """Delete expired OAuth grants and tokens, emailed links and sessions.

    WebAuthn challenges live in the cache with a TTL (accounts.challenges), so they expire on
    their own and need no sweep here.
    """
    from django.contrib.sessions.models import Session
    from oauth2_provider.models import clear_expired

    from accounts.models import EmailLink

    clear_expired()
    now = timezone.now()
    # Used links are kept as long as unused ones, so "already used" stays a clear answer.
    links, _ = EmailLink.objects.filter(
        expires_at__lt=now - timedelta(seconds=settings.EMAIL_LINK_TTL_SECONDS)
    ).delete()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    return {"email_links": links, "sessions": sessions}
