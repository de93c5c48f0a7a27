"""Support console URLs (support staff only)."""

from django.urls import path

from portal import views_support

urlpatterns = [
    path("support/", views_support.console, name="support"),
    path("support/users/<int:user_id>/", views_support.user_detail, name="support-user"),
    path(
        "support/users/<int:user_id>/assign/",
        views_support.membership_assign_view,
        name="support-membership-assign",
    ),
    path(
        "support/memberships/<int:membership_id>/role/",
        views_support.membership_role_view,
        name="support-membership-role",
    ),
    path(
        "support/memberships/<int:membership_id>/remove/",
        views_support.membership_remove_view,
        name="support-membership-remove",
    ),
    path(
        "support/access-requests/<int:request_id>/resolve/",
        views_support.access_request_resolve_view,
        name="support-access-request-resolve",
    ),
    path("support/tenants/new/", views_support.tenant_create_view, name="support-tenant-create"),
    path("support/tenants/<slug:slug>/", views_support.tenant_detail, name="support-tenant"),
    path(
        "support/tenants/<slug:slug>/status/",
        views_support.tenant_status_view,
        name="support-tenant-status",
    ),
    path(
        "support/tenants/<slug:slug>/policy/",
        views_support.tenant_policy_view,
        name="support-tenant-policy",
    ),
]
