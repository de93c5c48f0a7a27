"""Tenant pages in the portal under /portal/tenants/<slug>/, one module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("portal.tenant_members_urls")),
    path("", include("portal.tenant_settings_urls")),
    path("", include("portal.tenant_keys_urls")),
]
