"""OpenID Provider endpoints under the issuer (/t/<slug>/)."""

from django.urls import path

from idp import views_oidc

urlpatterns = [
    path(".well-known/openid-configuration", views_oidc.discovery, name="oidc-discovery"),
    path("jwks", views_oidc.jwks, name="oidc-jwks"),
    path("authorize", views_oidc.AuthorizeView.as_view(), name="oidc-authorize"),
    path("token", views_oidc.TokenView.as_view(), name="oidc-token"),
    path("userinfo", views_oidc.UserInfoView.as_view(), name="oidc-userinfo"),
    path("revoke", views_oidc.RevokeView.as_view(), name="oidc-revoke"),
    path("logout", views_oidc.LogoutView.as_view(), name="oidc-logout"),
    path("oidc/form-post.js", views_oidc.form_post_js, name="oidc-form-post-js"),
]
