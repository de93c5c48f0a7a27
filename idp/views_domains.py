"""Endpoints for custom domains: the TLS proxy's certificate check and related origins."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotFound, JsonResponse
from django.views.decorators.http import require_GET

from tenants.domains.selectors import related_origins_document, verified_domain_for_host


@require_GET
def tls_allowed(request):
    """Caddy's on-demand TLS `ask`: 200 only for a verified custom domain of an active tenant."""
    host = request.GET.get("domain", "")
    if verified_domain_for_host(host) is None:
        return HttpResponseNotFound("not a verified domain\n", content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_GET
def webauthn_related_origins(request):
    """/.well-known/webauthn on a custom domain that is its tenant's RP ID (WebAuthn L3 §5.11)."""
    domain = getattr(request, "custom_domain", None)
    if domain is None or domain.tenant.webauthn_rp_id != domain.hostname:
        raise Http404("No related-origins document here.")
    response = JsonResponse(related_origins_document(tenant=domain.tenant))
    response["Cache-Control"] = "public, max-age=300"
    return response
