"""Reads on accounts; tenant-owned objects are fetched only through access_* helpers."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Membership, User
from tenants.access import require_access
from tenants.models import Tenant
from tenants.resolver import tenant_for_slug


@dataclass(frozen=True)
class TenantAccess:
    """What the actor may do in one tenant."""

    tenant: Tenant
    membership: Membership | None
    is_support: bool

    @property
    def can_write(self) -> bool:
        return self.is_support or (self.membership is not None and self.membership.can_write)

    def require_write(self) -> None:
        """Refuse a change (403) unless the actor is read-write here or support staff."""
        if not self.can_write:
            raise PermissionDenied("Read-write access to this tenant is required.")


def access_tenant(*, actor: User, slug: str) -> TenantAccess:
    """The tenant with this slug if the actor is a member or support staff, else 404."""
    if actor is None or not actor.is_authenticated or actor.tenant_id is not None:
        raise Http404("No such tenant.")
    tenant = tenant_for_slug(slug, active_only=False)
    if tenant is None:
        raise Http404("No such tenant.")
    membership = Membership.objects.for_tenant(tenant).filter(user=actor).first()
    actor.remember_tenant_role(tenant, membership.role if membership else None)
    if membership is None and not actor.is_support_staff:
        raise Http404("No such tenant.")
    return TenantAccess(tenant=tenant, membership=membership, is_support=actor.is_support_staff)


def tenants_for_actor(*, actor: User):
    """Tenants the actor belongs to (support staff see all)."""
    if actor.is_support_staff:
        return Tenant.objects.all()
    return Tenant.objects.filter(memberships__user=actor).distinct()


def access_membership(*, tenant: Tenant, actor: User, id: int) -> Membership:
    """A membership of this tenant by id; 404 if it belongs elsewhere or the actor has no access."""
    require_access(actor=actor, tenant=tenant)
    membership = Membership.objects.for_tenant(tenant).select_related("user").filter(pk=id).first()
    if membership is None:
        raise Http404("No such membership.")
    return membership


def access_end_user(*, tenant: Tenant, actor, id: int) -> User:
    """An end user of this tenant's directory by id; 404 if it belongs elsewhere or no access."""
    require_access(actor=actor, tenant=tenant)
    user = User.objects.for_tenant(tenant).filter(pk=id).first()
    if user is None:
        raise Http404("No such user.")
    return user


def users_with_passkeys_count(*, tenant: Tenant) -> int:
    """How many of the tenant's end users hold a passkey (an RP ID change strands them)."""
    return User.objects.for_tenant(tenant).filter(credentials__isnull=False).distinct().count()
