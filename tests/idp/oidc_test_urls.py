"""Test-only URL map: the real one plus a placeholder `idp:sign-in` until that page lands."""

from django.http import HttpResponse
from django.urls import include, path

from config import urls as real_urls


def _sign_in_placeholder(request, tenant_slug):
    return HttpResponse("sign-in placeholder (tests only)")


idp_patterns = [
    path("", include("idp.oidc_urls")),
    path("", include("idp.signin_urls")),
    path("sign-in/", _sign_in_placeholder, name="sign-in"),
]

urlpatterns = [
    p for p in real_urls.urlpatterns if "t/<slug:tenant_slug>/" not in str(p.pattern)
] + [path("t/<slug:tenant_slug>/", include((idp_patterns, "idp")))]
