"""API URLs for a tenant's signing keys under /api/v1/tenants/<slug>/keys/."""

from django.urls import path

from portal import api_keys

urlpatterns = [
    path("tenants/<slug:slug>/keys/", api_keys.KeyListView.as_view(), name="tenant-keys"),
    path(
        "tenants/<slug:slug>/keys/rotate/",
        api_keys.KeyRotateView.as_view(),
        name="tenant-key-rotate",
    ),
    path(
        "tenants/<slug:slug>/keys/<str:kid>/revoke/",
        api_keys.KeyRevokeView.as_view(),
        name="tenant-key-revoke",
    ),
]
