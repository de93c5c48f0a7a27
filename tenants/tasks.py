"""Celery discovers each app's tasks.py; the tenant tasks live in tenants.oidc.tasks."""

from tenants.oidc.tasks import rotate_all_keys, rotate_tenant_keys

__all__ = ["rotate_all_keys", "rotate_tenant_keys"]
