"""The one resolver from a request to its tenant.

The slug is read only from the URL keyword Django's URL resolver matched (never from the path
by hand, never from headers): `tenant_slug` under the IdP's /t/<slug>/, `slug` under the
portal's and the API's /tenants/<slug>/. Custom domains plug in here too.
"""

from __future__ import annotations

import copy
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, HttpResponseNotFound, HttpResponseRedirect
from django.http.request import split_domain_port, validate_host

from tenants import cache as tenant_cache
from tenants.domains.selectors import verified_domain_for_host
from tenants.models import Tenant

# Paths a custom domain serves as they are; every other path is the tenant's IdP.
SHARED_PATHS = ("/static/", "/.well-known/webauthn", "/health/")
# Django's test client: never a browser on the wrong address.
TEST_CLIENT_HOST = "testserver"

SLUG_KWARGS = ("tenant_slug", "slug")


def _load(slug: str) -> Tenant | None:
    return Tenant.objects.filter(slug=slug).first()


def tenant_for_slug(slug: str | None, *, active_only: bool) -> Tenant | None:
    """The tenant with this slug (only an active one if asked), or None."""
    if not slug:
        return None
    if tenant_cache.enabled():
        tenant = tenant_cache.cached_tenant(slug, _load)
        if tenant is not None and active_only and tenant.status != Tenant.Status.ACTIVE:
            return None
        return tenant
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


def host_of(request) -> str:
    """The request's host name, lower case, without port (the raw header: not yet trusted)."""
    raw = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    host, _port = split_domain_port(raw.lower())
    return host


def _redirect_to_public_url(request):
    """Development: passkeys work only on PUBLIC_URL's host, so other host names go there."""
    public = urlsplit(settings.PUBLIC_URL)
    response = HttpResponseRedirect(f"{public.scheme}://{public.netloc}{request.get_full_path()}")
    if request.method not in ("GET", "HEAD"):
        response.status_code = 307  # keeps the method and body of a form sent to the wrong host
    return response


def _is_ours(host: str) -> bool:
    public = urlsplit(settings.PUBLIC_URL).hostname
    if host in (public, TEST_CLIENT_HOST):
        return True
    # Development sends even its other loopback names to PUBLIC_URL's host.
    return settings.ENVIRONMENT != "development" and validate_host(host, settings.SERVED_HOSTS)


class HostResolverMiddleware:
    """The one host check: our own names, or a verified custom domain serving its tenant's IdP.

    Unknown hosts get a 404 (development: a redirect to PUBLIC_URL). Django's ALLOWED_HOSTS is
    open because this check runs first and knows the verified domains.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.custom_domain = None
        host = host_of(request)
        if host and _is_ours(host):
            return self.get_response(request)
        domain = verified_domain_for_host(host) if host else None
        if domain is None:
            if settings.ENVIRONMENT == "development":
                return _redirect_to_public_url(request)
            return HttpResponseNotFound("Unknown host.\n", content_type="text/plain")
        request.custom_domain = domain
        prefix = f"/t/{domain.tenant.slug}"
        path = request.path_info
        if not path.startswith(SHARED_PATHS) and not path.startswith(prefix + "/"):
            # https://login.example.com/authorize is /t/<slug>/authorize; "/" is the issuer.
            request.path_info = prefix if path == "/" else prefix + path
            request.path = request.META.get("SCRIPT_NAME", "") + request.path_info
        return self.get_response(request)


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
        domain = getattr(request, "custom_domain", None)
        if domain is not None:
            # A copy: the issuer seen on this host must never leak into a shared instance.
            tenant = copy.copy(tenant)
            tenant.served_origin = domain.origin
        request.tenant = tenant
        return None
