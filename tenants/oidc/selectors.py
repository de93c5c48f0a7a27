"""Reads on a tenant's OIDC client, Redirect URLs and client secrets."""

from __future__ import annotations

from django.http import Http404

from tenants.access import require_access
from tenants.models import SIGNUP_INPUTS, ClientSecret, OIDCClient, RedirectURL, Tenant
from tenants.oidc.endpoints import tenant_endpoints


def metadata_url(tenant: Tenant) -> str:
    """The tenant's discovery document URL (the "Metadata URL" relying parties need)."""
    return tenant_endpoints(tenant).discovery


def client_get_primary(*, tenant: Tenant) -> OIDCClient | None:
    """The client the Settings page manages (the tenant's first), or None before it exists."""
    return OIDCClient.objects.for_tenant(tenant).order_by("id").first()


def signup_inputs_of(tenant: Tenant) -> dict:
    """Every Input with its setting (missing ones read as off)."""
    current = tenant.signup_inputs if isinstance(tenant.signup_inputs, dict) else {}
    return {key: current.get(key, "off") for key in SIGNUP_INPUTS}


def token_endpoint_auth_method(client: OIDCClient | None) -> str:
    """How the client authenticates at the token endpoint ("none" for the implicit flow)."""
    if client is not None and client.response_type == OIDCClient.ResponseType.ID_TOKEN:
        return "none"
    return "client_secret_post"


def redirect_urls_of(*, tenant: Tenant, client: OIDCClient | None):
    """Registered Redirect URLs of the client, oldest first."""
    if client is None:
        return RedirectURL.objects.none()
    return RedirectURL.objects.for_tenant(tenant).filter(client=client, kind=RedirectURL.LOGIN)


def client_secrets_of(*, tenant: Tenant, client: OIDCClient | None):
    """The client's secrets (newest first), revoked ones included."""
    if client is None:
        return ClientSecret.objects.none()
    return ClientSecret.objects.for_tenant(tenant).filter(client=client)


def access_redirect_url(*, tenant: Tenant, actor, id) -> RedirectURL:
    """A Redirect URL of this tenant's primary client by id; 404 if it is anyone else's."""
    require_access(actor=actor, tenant=tenant)
    client = client_get_primary(tenant=tenant)
    entry = redirect_urls_of(tenant=tenant, client=client).filter(pk=id).first()
    if entry is None:
        raise Http404("No such Redirect URL.")
    return entry


def access_client_secret(*, tenant: Tenant, actor, id) -> ClientSecret:
    """A client secret of this tenant's primary client by id; 404 if it is anyone else's."""
    require_access(actor=actor, tenant=tenant)
    client = client_get_primary(tenant=tenant)
    secret = client_secrets_of(tenant=tenant, client=client).filter(pk=id).first()
    if secret is None:
        raise Http404("No such client secret.")
    return secret


def secret_status(secret: ClientSecret, now) -> str:
    """active, expired or revoked."""
    if secret.revoked_at is not None:
        return "revoked"
    if secret.expires_at is not None and secret.expires_at <= now:
        return "expired"
    return "active"
