"""Tenant pages in the portal: settings, members, audit log, keys."""

urlpatterns: list = []
