"""Tenants; their OIDC models live in tenants.oidc.models and audit in tenants.audit."""

from __future__ import annotations

from django.db import models

from tenants.oidc.endpoints import issuer_of

SIGNUP_INPUTS = ("given_name", "family_name", "nickname")
INPUT_CHOICES = ("off", "optional", "required")


def default_signup_inputs():
    """Given and family name asked but optional; nickname off."""
    return {"given_name": "optional", "family_name": "optional", "nickname": "off"}


class Tenant(models.Model):
    """A customer account: its own OpenID Provider and end-user directory."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    slug = models.SlugField(max_length=63, unique=True)
    display_name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    oidc_enabled = models.BooleanField(default=False)
    signup_inputs = models.JSONField(default=default_signup_inputs)
    require_email_verification = models.BooleanField(default=True)
    allowed_email_domains = models.JSONField(default=list, blank=True)
    # Blank means "derive from PUBLIC_URL"; both always come from here, never the request.
    webauthn_rp_id = models.CharField(max_length=253, blank=True)
    webauthn_origin = models.CharField(max_length=300, blank=True)
    # Other origins of the tenant's that may use its RP ID (WebAuthn L3 related origins).
    related_origins = models.JSONField(default=list, blank=True)
    # Top-level origins whose pages may frame the sign-in pages (empty: never framed).
    iframe_origins = models.JSONField(default=list, blank=True)
    # Branding (tenants/branding/): kept on this row so sign-in pages need no extra query.
    brand_color = models.CharField(max_length=7, blank=True)
    logo_sha256 = models.CharField(max_length=64, blank=True)
    default_language = models.CharField(max_length=8, default="en")
    passkey_button = models.BooleanField(default=True)
    # When an RP ID change stranded existing passkeys: the sign-in page says so for a while.
    passkeys_reset_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.display_name or self.slug

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def issuer(self) -> str:
        """OIDC issuer (the endpoint map in tenants.oidc.endpoints builds it)."""
        return issuer_of(self)


# Models defined in other modules of this app register here (the app's model module).
from tenants.audit import AuditEvent, AuditImmutableError  # noqa: E402
from tenants.branding.models import TenantLogo  # noqa: E402
from tenants.domains.models import CustomDomain  # noqa: E402
from tenants.oidc.models import (  # noqa: E402
    ClientSecret,
    OIDCClient,
    RedirectURL,
    SigningKey,
    generate_client_id,
)

__all__ = [
    "AuditEvent",
    "AuditImmutableError",
    "ClientSecret",
    "CustomDomain",
    "OIDCClient",
    "RedirectURL",
    "SigningKey",
    "Tenant",
    "TenantLogo",
    "generate_client_id",
]
