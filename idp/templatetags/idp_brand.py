"""The tenant's brand on end-user pages and emails: stylesheet link and logo."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.html import json_script

from idp.js_messages import js_catalog
from tenants.branding.selectors import brand_css_of

register = template.Library()


def logo_path(tenant) -> str:
    """Path of the tenant's current logo, or '' without one."""
    if tenant is None or not tenant.logo_sha256:
        return ""
    return reverse(
        "idp:brand-logo", kwargs={"tenant_slug": tenant.slug, "digest": tenant.logo_sha256}
    )


@register.simple_tag
def brand_css_url(tenant) -> str:
    """URL of the tenant's colour stylesheet (hash in the name), or '' without a colour."""
    if tenant is None or not tenant.brand_color:
        return ""
    _css, digest = brand_css_of(tenant)
    return reverse("idp:brand-css", kwargs={"tenant_slug": tenant.slug, "digest": digest})


@register.simple_tag
def brand_logo_url(tenant, absolute=False) -> str:
    """URL of the tenant's logo ('' without one); absolute=True for emails."""
    path = logo_path(tenant)
    return f"{settings.PUBLIC_URL}{path}" if path and absolute else path


@register.inclusion_tag("idp/_brand.html")
def brand(tenant, heading_id="tenant-name"):
    """Logo (when set) and display name."""
    return {"tenant": tenant, "logo": logo_path(tenant), "heading_id": heading_id}


@register.simple_tag
def js_messages():
    """The browser code's messages in the page's language, as a JSON data block (not code)."""
    catalog = js_catalog()
    return json_script(catalog, "lk-i18n") if catalog else ""
