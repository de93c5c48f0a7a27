"""Reads on custom domains and the relying-party facts derived from them."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404
from django.utils import timezone

from tenants.access import require_access
from tenants.domains.models import CustomDomain
from tenants.domains.names import DomainNameError, canonical_host


def public_origin() -> str:
    """PUBLIC_URL's origin (scheme://host[:port])."""
    parts = urlsplit(settings.PUBLIC_URL)
    return f"{parts.scheme}://{parts.netloc}"


def verified_domain_for_host(host: str) -> CustomDomain | None:
    """The verified domain (with its active tenant) serving this host name, or None."""
    try:
        name = canonical_host(host)
    except DomainNameError:
        return None
    return (
        CustomDomain.objects.select_related("tenant")
        .filter(hostname=name, state=CustomDomain.State.VERIFIED, tenant__status="active")
        .first()
    )


def custom_domains_of(*, tenant) -> list[CustomDomain]:
    """The tenant's custom domains, oldest first."""
    return list(CustomDomain.objects.for_tenant(tenant))


def access_custom_domain(*, tenant, actor, id) -> CustomDomain:
    """One of this tenant's domains, if the actor may see the tenant; 404 otherwise."""
    require_access(actor=actor, tenant=tenant)
    domain = CustomDomain.objects.for_tenant(tenant).filter(pk=id).first()
    if domain is None:
        raise Http404("No such domain.")
    return domain


def sign_in_host(*, tenant) -> str:
    """The host the tenant's sign-in pages are served on: its first verified domain, or ours."""
    verified = CustomDomain.objects.for_tenant(tenant).filter(state="verified").first()
    return verified.hostname if verified else (urlsplit(settings.PUBLIC_URL).hostname or "")


def allowed_origins(*, tenant) -> list[str]:
    """Every origin whose pages may run the tenant's passkey ceremonies."""
    origins = [d.origin for d in custom_domains_of(tenant=tenant) if d.is_verified]
    origins += [public_origin(), *tenant.related_origins]
    return list(dict.fromkeys(origins))


def related_origins_document(*, tenant) -> dict:
    """The /.well-known/webauthn JSON to host on the RP ID's domain (WebAuthn L3 §5.11)."""
    return {"origins": allowed_origins(tenant=tenant)}


# How long the sign-in page tells returning users that their old passkeys stopped working.
PASSKEYS_RESET_NOTICE_DAYS = 180


def passkeys_reset_notice(tenant):
    """When the tenant's RP ID changed under existing passkeys, if recent enough to say so."""
    changed = tenant.passkeys_reset_at
    if changed is None or timezone.now() - changed > timedelta(days=PASSKEYS_RESET_NOTICE_DAYS):
        return None
    return changed
