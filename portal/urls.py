"""Portal URL map; each area keeps its own module."""

from django.urls import include, path

app_name = "portal"

urlpatterns = [
    path("", include("portal.account_urls")),
    path("", include("portal.support_urls")),
    path("", include("portal.api_token_urls")),
    path("tenants/<slug:slug>/", include("portal.tenant_urls")),
]
