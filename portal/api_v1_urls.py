"""REST API v1 under /api/v1/ (names in the `api` namespace)."""

from django.urls import path

from portal.api import views

TENANT = "tenants/<slug:slug>/"

urlpatterns = [
    path("tenants/", views.TenantList.as_view(), name="tenant-list"),
    path(TENANT, views.TenantDetail.as_view(), name="tenant-detail"),
    path(f"{TENANT}oidc/", views.OIDCSettings.as_view(), name="oidc-settings"),
    path(
        f"{TENANT}oidc/redirect-urls/",
        views.RedirectURLList.as_view(),
        name="redirect-url-list",
    ),
    path(
        f"{TENANT}oidc/redirect-urls/<int:pk>/",
        views.RedirectURLDetail.as_view(),
        name="redirect-url-detail",
    ),
    path(
        f"{TENANT}oidc/client-secrets/",
        views.ClientSecretList.as_view(),
        name="client-secret-list",
    ),
    path(
        f"{TENANT}oidc/client-secrets/<int:pk>/",
        views.ClientSecretDetail.as_view(),
        name="client-secret-detail",
    ),
    path(
        f"{TENANT}oidc/client-secrets/<int:pk>/revoke/",
        views.ClientSecretRevoke.as_view(),
        name="client-secret-revoke",
    ),
    path(f"{TENANT}members/", views.MemberList.as_view(), name="member-list"),
    path(f"{TENANT}audit-events/", views.AuditEventList.as_view(), name="audit-event-list"),
]
