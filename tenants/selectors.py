"""Reads on tenants."""

from __future__ import annotations

from tenants.models import Tenant


def tenant_get_active(*, slug: str) -> Tenant | None:
    """The active tenant with this slug, or None (unknown and suspended look the same)."""
    return Tenant.objects.filter(slug=slug, status=Tenant.Status.ACTIVE).first()
