"""The endpoint map: every URL of a tenant's OpenID Provider, from one table of paths."""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

from django.conf import settings

# Paths under the issuer; the IdP's URL patterns are built from this same table.
ENDPOINT_PATHS = {
    "discovery": ".well-known/openid-configuration",
    "jwks": "jwks",
    "authorize": "authorize",
    "token": "token",
    "userinfo": "userinfo",
    "revoke": "revoke",
    "logout": "logout",
}


def issuer_of(tenant) -> str:
    """OIDC issuer: the verified custom domain it is served on, else PUBLIC_URL/t/<slug>.

    Never from request headers: `served_origin` is set by the resolver from the verified
    domain's record.
    """
    served = getattr(tenant, "served_origin", None)
    return served or f"{settings.PUBLIC_URL}/t/{tenant.slug}"


@dataclass(frozen=True)
class TenantEndpoints:
    """Absolute URLs of one tenant's OpenID Provider."""

    issuer: str
    discovery: str
    jwks: str
    authorize: str
    token: str
    userinfo: str
    revoke: str
    logout: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def tenant_endpoints(tenant) -> TenantEndpoints:
    """The issuer and every endpoint URL of this tenant, as relying parties must use them."""
    issuer = issuer_of(tenant)
    return TenantEndpoints(
        issuer=issuer, **{name: f"{issuer}/{path}" for name, path in ENDPOINT_PATHS.items()}
    )


def served_on_custom_domain(tenant) -> bool:
    """True when this tenant object was resolved through one of its verified custom domains."""
    return getattr(tenant, "served_origin", None) is not None


def client_uses_issuer(client, tenant) -> bool:
    """A client has one issuer: on the other one it is unknown (so tokens' iss never differ)."""
    return bool(client.use_custom_domain_issuer) == served_on_custom_domain(tenant)


def tenant_for_client(tenant, client):
    """The tenant as the client sees it: on its verified custom domain when it chose that issuer."""
    if client is None or not client.use_custom_domain_issuer:
        return tenant
    from tenants.domains.models import CustomDomain

    domain = CustomDomain.objects.for_tenant(tenant).filter(state="verified").first()
    if domain is None:
        return tenant
    seen = copy.copy(tenant)
    seen.served_origin = domain.origin
    return seen


def site_url(tenant, path: str) -> str:
    """An absolute URL on the host serving this tenant (its custom domain, else PUBLIC_URL)."""
    return (getattr(tenant, "served_origin", None) or settings.PUBLIC_URL) + path
