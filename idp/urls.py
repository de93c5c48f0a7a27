"""IdP URL map under /t/<slug>/ (the tenant is already resolved into request.tenant)."""

from idp import brand_urls, oidc_urls, signin_urls

app_name = "idp"

# One flat list rather than three `include()`s: every request under /t/<slug>/ is resolved
# one level shallower (no two of these routes overlap, so the order changes no match).
urlpatterns = [*oidc_urls.urlpatterns, *signin_urls.urlpatterns, *brand_urls.urlpatterns]
