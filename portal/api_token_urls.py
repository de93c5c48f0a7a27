"""Personal API tokens under /portal/api-tokens/."""

from django.urls import path

from portal import views_api_tokens

urlpatterns = [
    path("api-tokens/", views_api_tokens.api_tokens, name="api-tokens"),
    path(
        "api-tokens/<int:pk>/revoke/",
        views_api_tokens.api_token_revoke_view,
        name="api-token-revoke",
    ),
]
