"""Django app config for tenants."""

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = "Tenants"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tenants.cache import oidc_changed, tenant_changed
        from tenants.models import ClientSecret, OIDCClient, RedirectURL, SigningKey, Tenant

        post_save.connect(tenant_changed, sender=Tenant, dispatch_uid="tenant-cache-save")
        post_delete.connect(tenant_changed, sender=Tenant, dispatch_uid="tenant-cache-delete")
        for model in (OIDCClient, RedirectURL, ClientSecret, SigningKey):
            uid = f"oidc-cache-{model.__name__}"
            post_save.connect(oidc_changed, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(oidc_changed, sender=model, dispatch_uid=f"{uid}-delete")
