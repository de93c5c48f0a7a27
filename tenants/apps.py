"""Django app config for tenants."""

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tenants.cache import tenant_changed
        from tenants.models import Tenant

        post_save.connect(tenant_changed, sender=Tenant, dispatch_uid="tenant-cache-save")
        post_delete.connect(tenant_changed, sender=Tenant, dispatch_uid="tenant-cache-delete")
