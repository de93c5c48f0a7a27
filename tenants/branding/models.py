"""A tenant's logo bytes, apart from the Tenant row so sign-in pages never load them."""

from __future__ import annotations

from django.db import models

from tenants.querysets import TenantQuerySet


class TenantLogo(models.Model):
    """The validated logo image; served at a URL carrying its SHA-256."""

    tenant_path = "tenant"

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="logo")
    content_type = models.CharField(max_length=32)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        app_label = "tenants"

    def __str__(self):
        return f"logo of tenant {self.tenant_id}"
