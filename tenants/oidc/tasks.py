"""Key rotation on Celery beat: one pass per tenant, fanned out."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from tenants.models import Tenant
from tenants.oidc.keys import key_rotation_pass

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
