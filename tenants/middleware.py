"""The one tenant resolver: sets request.tenant from the /t/<slug>/ path prefix."""

from __future__ import annotations

import re

from django.http import Http404

from tenants.selectors import tenant_get_active

TENANT_PATH = re.compile(r"^/t/(?P<slug>[^/]+)(?:/|$)")


class TenantResolverMiddleware:
    """Resolve the tenant once per request; unknown or suspended tenants get a 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = TENANT_PATH.match(request.path_info)
        if match is None:
            return None
        tenant = tenant_get_active(slug=match.group("slug"))
        if tenant is None:
            raise Http404("No active tenant with this name.")
        request.tenant = tenant
        return None
