"""The endpoint map: every URL of a tenant's OpenID Provider, from one table of paths."""

from __future__ import annotations

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
    """OIDC issuer: always built from PUBLIC_URL, never from request headers."""
    return f"{settings.PUBLIC_URL}/t/{tenant.slug}"


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
