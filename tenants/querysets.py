"""The one way to scope a query to a tenant."""

from django.db import models


class TenantQuerySet(models.QuerySet):
    """QuerySet for tenant-owned rows."""

    def for_tenant(self, tenant):
        """Rows owned by this tenant only."""
        if tenant is None:
            raise ValueError("for_tenant() needs a tenant")
        return self.filter(**{self.model.tenant_field: tenant})


class TenantOwned(models.Model):
    """Abstract base for rows that belong to one tenant."""

    tenant_field = "tenant"
    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True
