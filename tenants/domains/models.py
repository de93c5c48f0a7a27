"""A tenant's own host name for its sign-in pages, trusted only after DNS proves ownership."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q

from tenants.querysets import TenantOwned, TenantQuerySet


def new_verification_token() -> str:
    """Random text the tenant publishes in a TXT record."""
    return secrets.token_urlsafe(24)


class CustomDomain(TenantOwned):
    """A host name such as login.contoso.com; serves the tenant only once verified."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        VERIFIED = "verified", "Verified"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="custom_domains"
    )
    hostname = models.CharField(max_length=253, unique=True)
    verification_token = models.CharField(max_length=64, default=new_verification_token)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    failure_reason = models.CharField(max_length=300, blank=True)
    check_count = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        app_label = "tenants"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="verified") | Q(verified_at__isnull=False),
                name="verified_domain_has_verified_at",
            ),
        ]

    def __str__(self):
        return self.hostname

    @property
    def is_verified(self) -> bool:
        return self.state == self.State.VERIFIED

    @property
    def origin(self) -> str:
        """The https origin of this host (TLS is terminated by the operator's proxy)."""
        return f"https://{self.hostname}"
