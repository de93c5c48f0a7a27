"""REST API URL map under /api/: v1 pattern lists per area, and the OpenAPI schema."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.api import branding, domains, embedding, keys, users, views

app_name = "api"

TENANT = "tenants/<slug:slug>/"

tenant_patterns = [
    path("tenants/", views.TenantList.as_view(), name="tenant-list"),
    path(TENANT, views.TenantDetail.as_view(), name="tenant-detail"),
    path(f"{TENANT}members/", views.MemberList.as_view(), name="member-list"),
    path(f"{TENANT}audit-events/", views.AuditEventList.as_view(), name="audit-event-list"),
    path(f"{TENANT}branding/", branding.Branding.as_view(), name="branding"),
    path(f"{TENANT}branding/logo/", branding.BrandingLogo.as_view(), name="branding-logo"),
    path(f"{TENANT}embedding/", embedding.Embedding.as_view(), name="embedding"),
]

oidc_patterns = [
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
]

key_patterns = [
    path(f"{TENANT}keys/", keys.KeyListView.as_view(), name="tenant-keys"),
    path(f"{TENANT}keys/rotate/", keys.KeyRotateView.as_view(), name="tenant-key-rotate"),
    path(
        f"{TENANT}keys/<str:kid>/revoke/",
        keys.KeyRevokeView.as_view(),
        name="tenant-key-revoke",
    ),
]

domain_patterns = [
    path(f"{TENANT}domains/", domains.DomainList.as_view(), name="domain-list"),
    path(f"{TENANT}domains/<int:pk>/", domains.DomainDetail.as_view(), name="domain-detail"),
    path(f"{TENANT}domains/<int:pk>/check/", domains.DomainCheck.as_view(), name="domain-check"),
    path(f"{TENANT}relying-party/", domains.RelyingParty.as_view(), name="relying-party"),
]

USER = f"{TENANT}users/<int:user_id>/"

user_patterns = [
    path(f"{TENANT}users/", users.EndUserList.as_view(), name="user-list"),
    path(USER, users.EndUserDetail.as_view(), name="user-detail"),
    path(f"{USER}disable/", users.EndUserDisable.as_view(), name="user-disable"),
    path(f"{USER}enable/", users.EndUserEnable.as_view(), name="user-enable"),
    path(
        f"{USER}revoke-sessions/",
        users.EndUserRevokeSessions.as_view(),
        name="user-revoke-sessions",
    ),
    path(f"{USER}send-recovery/", users.EndUserSendRecovery.as_view(), name="user-send-recovery"),
    path(
        f"{USER}passkeys/<int:pk>/",
        users.EndUserPasskeyDetail.as_view(),
        name="user-passkey-detail",
    ),
]

urlpatterns = [
    path(
        "v1/",
        include(tenant_patterns + oidc_patterns + key_patterns + domain_patterns + user_patterns),
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Last: anything else under /api/ gets a JSON 404, not the HTML error page.
    re_path(r"^", views.api_not_found),
]
