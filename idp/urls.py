"""IdP URL map under /t/<slug>/ (the tenant is already resolved into request.tenant)."""

from django.urls import include, path

app_name = "idp"

urlpatterns = [
    path("", include("idp.oidc_urls")),
    path("", include("idp.signin_urls")),
    path("", include("idp.brand_urls")),
]
