"""Reads of a tenant's branding."""

from __future__ import annotations

import hashlib

from django.conf import settings

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


def logo_url_of(tenant: Tenant) -> str:
    """Absolute URL of the tenant's current logo (for emails), or '' without one."""
    if not tenant.logo_sha256:
        return ""
    # The IdP serves brand assets under the tenant's issuer path (idp/brand_urls.py).
    return f"{settings.PUBLIC_URL}/t/{tenant.slug}/brand/logo-{tenant.logo_sha256}"
