"""Reads of a tenant's branding."""

from __future__ import annotations

import hashlib

from tenants.branding import colors
from tenants.branding.models import TenantLogo
from tenants.models import Tenant


def logo_of(*, tenant: Tenant, sha256: str) -> TenantLogo | None:
    """The tenant's logo if sha256 is its current digest (old URLs answer 404)."""
    if not sha256 or sha256 != tenant.logo_sha256:
        return None
    return TenantLogo.objects.filter(tenant=tenant, sha256=sha256).first()


def brand_css_of(tenant: Tenant) -> tuple[str, str]:
    """(stylesheet, short hash) of the tenant's colour variables."""
    css = colors.stylesheet(tenant.brand_color or colors.DEFAULT_PRIMARY)
    return css, hashlib.sha256(css.encode()).hexdigest()[:16]
