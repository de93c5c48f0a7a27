"""A tenant's brand stylesheet and logo, at URLs carrying their hash: cached for a year."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from tenants.branding.selectors import brand_css_of, logo_of

IMMUTABLE = "public, max-age=31536000, immutable"


def _immutable(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    response["Cross-Origin-Resource-Policy"] = "same-site"
    return response


@require_safe
def brand_css(request, tenant_slug, digest):
    """`:root{--lk-primary:…}` for this tenant; 404 for a stale hash."""
    css, current = brand_css_of(request.tenant)
    if digest != current:
        raise Http404("This stylesheet has changed.")
    return _immutable(HttpResponse(css, content_type="text/css; charset=utf-8"))


@require_safe
def brand_logo(request, tenant_slug, digest):
    """The logo bytes as uploaded (validated at upload); 404 for a stale hash."""
    logo = logo_of(tenant=request.tenant, sha256=digest)
    if logo is None:
        raise Http404("No such logo.")
    # An SVG opened directly runs nothing even if it slipped past validation: the product's
    # one CSP (config.csp) forbids inline scripts on every response, this one included.
    return _immutable(HttpResponse(bytes(logo.data), content_type=logo.content_type))
