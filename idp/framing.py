"""Who may frame a tenant's IdP pages: nobody, unless the tenant lists embedding origins."""

from __future__ import annotations


def frame_for_tenant(response, tenant):
    """Let exactly the tenant's iframe_origins frame this response; otherwise deny framing.

    The origins come from the tenant's row (tenant_iframe_origins_update), never the request.
    """
    origins = list(getattr(tenant, "iframe_origins", None) or [])
    if not origins:
        response["X-Frame-Options"] = "DENY"
        return response
    response.csp = {**(getattr(response, "csp", None) or {}), "frame-ancestors": origins}
    # X-Frame-Options cannot name origins; frame-ancestors (which browsers prefer) does.
    if "X-Frame-Options" in response:
        del response["X-Frame-Options"]
    response.xframe_options_exempt = True
    return response
