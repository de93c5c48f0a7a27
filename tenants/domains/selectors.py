"""Reads on custom domains."""

from __future__ import annotations

from tenants.domains.models import CustomDomain
from tenants.domains.names import DomainNameError, canonical_host


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
