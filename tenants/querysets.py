"""The one way to scope a query to a tenant."""

from django.db import models


class TenantQuerySet(models.QuerySet):
    """QuerySet for tenant-owned rows; the model names its path to the tenant in `tenant_path`."""

    def for_tenant(self, tenant):
        """Rows owned by this tenant only."""
        if tenant is None:
            raise ValueError("for_tenant() needs a tenant")
        return self.filter(**{self.model.tenant_path: tenant})

    def in_realm(self, tenant):
        """Rows of one realm: a tenant's, or the portal's (tenant None: rows of no tenant)."""
        if tenant is None:
            return self.filter(**{f"{self.model.tenant_path}__isnull": True})
        return self.for_tenant(tenant)


class TenantOwned(models.Model):
    """Abstract base for rows that belong to one tenant through `tenant_path`."""

    tenant_path = "tenant"
    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
