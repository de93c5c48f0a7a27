"""The one resolver from a request to its tenant.

The slug is read only from the URL keyword Django's URL resolver matched (never from the path
by hand, never from headers): `tenant_slug` under the IdP's /t/<slug>/, `slug` under the
portal's and the API's /tenants/<slug>/. Custom domains plug in here too.
"""

from __future__ import annotations

from django.http import Http404

from tenants.models import Tenant

SLUG_KWARGS = ("tenant_slug", "slug")


def tenant_for_slug(slug: str | None, *, active_only: bool) -> Tenant | None:
    """The tenant with this slug (only an active one if asked), or None."""
    if not slug:
        return None
    tenants = Tenant.objects.filter(slug=slug)
    if active_only:
        tenants = tenants.filter(status=Tenant.Status.ACTIVE)
    return tenants.first()


def slug_of(request) -> str | None:
    """The tenant slug the request's URL names, as the URL resolver matched it."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    for name in SLUG_KWARGS:
        if match.kwargs.get(name):
            return match.kwargs[name]
    return None


def resolve_tenant(request, *, active_only: bool = True) -> Tenant | None:
    """The tenant the request is for, or None when its URL names none."""
    return tenant_for_slug(slug_of(request), active_only=active_only)


class TenantResolverMiddleware:
    """Sets request.tenant for the IdP's pages; unknown or suspended tenants get a 404."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.tenant = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if "tenant_slug" not in view_kwargs:
            return None
        tenant = resolve_tenant(request)
        if tenant is None:
            raise Http404("No active tenant with this name.")
        request.tenant = tenant
        return None
