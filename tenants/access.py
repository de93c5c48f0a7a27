"""Who may reach a tenant's rows: support staff, or a portal member of that tenant.

Users answer `tenant_role(tenant)` (accounts.User implements it), so this floor needs no
import from the apps above it.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

SUPPORT = "support"
READ_WRITE = "read_write"


def actor_role(*, actor, tenant) -> str | None:
    """ "support", the actor's membership role in this tenant, or None (no access)."""
    if actor is None or tenant is None or not getattr(actor, "is_authenticated", False):
        return None
    if getattr(actor, "tenant_id", None) is not None:
        return None  # end users never reach a tenant's configuration
    if getattr(actor, "is_support_staff", False):
        return SUPPORT
    return actor.tenant_role(tenant)


def require_access(*, actor, tenant, write: bool = False) -> str:
    """The actor's role; 404 without access (the tenant's rows stay unseen), 403 on a write."""
    role = actor_role(actor=actor, tenant=tenant)
    if role is None:
        raise Http404("No such tenant.")
    if write and role not in (SUPPORT, READ_WRITE):
        raise PermissionDenied("Read-write access to this tenant is required.")
    return role
