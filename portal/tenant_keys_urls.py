"""The tenant Signing keys page and its actions under /portal/tenants/<slug>/keys/."""

from django.urls import path

from portal import views_keys

urlpatterns = [
    path("keys/", views_keys.keys_page, name="tenant-keys"),
    path("keys/rotate/", views_keys.key_rotate, name="tenant-key-rotate"),
    path("keys/es256/", views_keys.key_add_es256, name="tenant-key-add-es256"),
    path("keys/<str:kid>/revoke/", views_keys.key_revoke_view, name="tenant-key-revoke"),
]
