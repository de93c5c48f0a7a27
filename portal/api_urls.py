"""REST API under /api/v1/ and its OpenAPI schema; names live in the `api` namespace."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal.api.views import api_not_found

app_name = "api"

urlpatterns = [
    path("v1/", include("portal.api_v1_urls")),
    path("v1/", include("portal.api_keys_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # Last: anything else under /api/ gets a JSON 404, not the HTML error page.
    re_path(r"^", api_not_found),
]
