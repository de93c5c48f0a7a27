"""Top-level URL map: portal, API, IdP under /t/<slug>/, and the Django admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

import config.admin_site  # noqa: F401  (passwordless admin login for support staff)
from idp import views_oidc
from idp.views_domains import tls_allowed, webauthn_related_origins

urlpatterns = [
    # The IdP first: the hot paths (sign-in, authorize, token) are matched without first
    # trying every other prefix (no two prefixes overlap, so the order changes nothing else).
    path("t/<slug:tenant_slug>/", include("idp.urls")),
    # The issuer itself (no trailing slash) answers too: the portal shows it to admins.
    path("t/<slug:tenant_slug>", views_oidc.issuer, name="issuer"),
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("admin/", admin.site.urls),
    path("tls/allowed", tls_allowed, name="tls-allowed"),
    path(".well-known/webauthn", webauthn_related_origins, name="webauthn-related-origins"),
    path("portal/", include("portal.urls")),
    path("api/", include("portal.api.urls", namespace="api")),
]

handler404 = "config.errors.not_found"
handler400 = "config.errors.bad_request"
handler403 = "config.errors.forbidden"
# A database or Redis outage answers 503 (page or JSON); anything else is the 500 page.
handler500 = "config.outage.server_error"
