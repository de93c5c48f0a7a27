"""OpenID Provider endpoints under the issuer (/t/<slug>/)."""

from django.urls import path

from idp import views_logout, views_oidc
from tenants.oidc.endpoints import ENDPOINT_PATHS as PATHS

# The paths come from the endpoint map, so what pages and discovery show is what is served.
urlpatterns = [
    path(PATHS["discovery"], views_oidc.discovery, name="oidc-discovery"),
    path(PATHS["jwks"], views_oidc.jwks, name="oidc-jwks"),
    path(PATHS["authorize"], views_oidc.AuthorizeView.as_view(), name="oidc-authorize"),
    path(PATHS["token"], views_oidc.TokenView.as_view(), name="oidc-token"),
    path(PATHS["userinfo"], views_oidc.UserInfoView.as_view(), name="oidc-userinfo"),
    path(PATHS["revoke"], views_oidc.RevokeView.as_view(), name="oidc-revoke"),
    path(PATHS["logout"], views_logout.LogoutView.as_view(), name="oidc-logout"),
    path("oidc/form-post.js", views_oidc.form_post_js, name="oidc-form-post-js"),
]
