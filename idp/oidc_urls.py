"""OpenID Provider endpoints under the issuer."""

urlpatterns: list = []
