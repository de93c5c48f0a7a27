"""Writes on tenants: each is atomic and audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from tenants.audit import audit_log
from tenants.domains.names import DomainNameError, validate_iframe_origins
from tenants.models import SigningKey, Tenant
from tenants.oidc.keys import signing_key_create


@transaction.atomic
def tenant_create(*, slug: str, display_name: str, actor=None, reason: str = "", request=None):
    """Create a tenant with its first active RS256 signing key and the published next one."""
    tenant = Tenant.objects.create(slug=slug, display_name=display_name)
    signing_key_create(tenant=tenant, state=SigningKey.State.ACTIVE)
    signing_key_create(tenant=tenant, state=SigningKey.State.NEXT)
    audit_log(
        action="tenant.created",
        actor=actor,
        tenant=tenant,
        target=tenant,
        details={"slug": slug, "display_name": display_name, "reason": reason},
        request=request,
    )
    return tenant


@transaction.atomic
def tenant_status_change(*, tenant: Tenant, status: str, actor, reason: str, request=None):
    """Suspend or reactivate a tenant."""
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = locked.status
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    audit_log(
        action="tenant.status_changed",
        actor=actor,
        tenant=locked,
        target=locked,
        details={"before": before, "after": status, "reason": reason},
        request=request,
    )
    return locked


@transaction.atomic
def tenant_iframe_origins_update(*, tenant: Tenant, actor, origins: list[str], request=None):
    """Set the top-level origins allowed to frame the tenant's sign-in pages (empty: none)."""
    try:
        cleaned = validate_iframe_origins(origins)
    except DomainNameError as exc:
        raise ValidationError({"iframe_origins": [str(exc)]}) from exc
    locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
    before = list(locked.iframe_origins)
    if before != cleaned:
        locked.iframe_origins = cleaned
        locked.save(update_fields=["iframe_origins", "updated_at"])
        audit_log(
            action="tenant.iframe_origins_changed",
            actor=actor,
            tenant=locked,
            target=locked,
            details={"before": before, "after": cleaned},
            request=request,
        )
    tenant.refresh_from_db()
    return locked
