"""API permissions: the same access_tenant / require_write the portal pages use."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from accounts.selectors import TenantAccess, access_tenant


class IsPortalUser(BasePermission):
    """Signed in as a portal user (tenant end users never reach the API)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.tenant_id is None)


def tenant_access(request, slug: str, *, write: bool = False) -> TenantAccess:
    """The caller's access to a tenant (404 when not a member, 403 on a write when read-only)."""
    access = access_tenant(actor=request.user, slug=slug)
    if write:
        access.require_write()
    return access
