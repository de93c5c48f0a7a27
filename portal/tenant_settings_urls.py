"""The tenant Settings page and its actions under /portal/tenants/<slug>/settings/."""

from django.urls import path

from portal import views_settings

urlpatterns = [
    path("settings/", views_settings.settings_page, name="tenant-settings"),
    path("settings/oidc/", views_settings.settings_update, name="tenant-settings-update"),
    path(
        "settings/redirect-urls/",
        views_settings.redirect_url_create,
        name="tenant-settings-redirect-url-add",
    ),
    path(
        "settings/redirect-urls/<int:pk>/remove/",
        views_settings.redirect_url_delete,
        name="tenant-settings-redirect-url-remove",
    ),
    path(
        "settings/secrets/",
        views_settings.secret_generate,
        name="tenant-settings-secret-generate",
    ),
    path(
        "settings/secrets/<int:pk>/revoke/",
        views_settings.secret_revoke,
        name="tenant-settings-secret-revoke",
    ),
    path(
        "settings/b2c-claims-provider.xml",
        views_settings.b2c_claims_provider,
        name="tenant-settings-b2c-xml",
    ),
]
