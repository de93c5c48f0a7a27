"""Endpoints for custom domains: the TLS proxy's on-demand certificate check."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseNotFound
from django.views.decorators.http import require_GET

from tenants.domains.selectors import verified_domain_for_host


@require_GET
def tls_allowed(request):
    """Caddy's on-demand TLS `ask`: 200 only for a verified custom domain of an active tenant."""
    host = request.GET.get("domain", "")
    if verified_domain_for_host(host) is None:
        return HttpResponseNotFound("not a verified domain\n", content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
