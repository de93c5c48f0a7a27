"""REST API under /api/v1/ and its OpenAPI schema; names live in the `api` namespace."""

from django.urls import include, path

app_name = "api"

urlpatterns = [
    path("v1/", include("portal.api_v1_urls")),
    path("v1/", include("portal.api_keys_urls")),
]
