"""A tenant's members, audit log and access requests (under /portal/tenants/<slug>/)."""

from django.urls import path

from portal import views_members

urlpatterns = [
    path("members/", views_members.members, name="tenant-members"),
    path("audit/", views_members.audit, name="tenant-audit"),
    path("access-request/", views_members.access_request, name="tenant-access-request"),
]
