"""Reads for portal pages and the API: support console lists, a tenant's members and audit log."""

from __future__ import annotations

from django.db.models import Count
from django.http import Http404

from accounts.models import AccessRequest, Membership, User
from accounts.services import domain_policy_allows
from tenants.audit import AuditEvent
from tenants.models import Tenant

SEARCH_LIMIT = 50
PENDING_LIMIT = 100


def dashboard_of(*, user: User) -> dict:
    """The portal home for a signed-in user: memberships and the tenants with pending requests."""
    memberships = list(
        Membership.objects.filter(user=user).select_related("tenant").order_by("tenant__slug")
    )
    pending = set(
        AccessRequest.objects.filter(user=user, status=AccessRequest.Status.PENDING).values_list(
            "tenant_id", flat=True
        )
    )
    return {
        "memberships": memberships,
        "pending_tenant_ids": pending,
        "waiting": not memberships and not user.is_support_staff,
        "has_passkey": user.credentials.exists(),
    }


def support_console(*, query: str) -> dict:
    """Email search results, pending sign-ups, pending access requests and all tenants."""
    results = []
    if query:
        results = list(
            User.objects.portal()
            .filter(email__icontains=query.lower())
            .order_by("email")[:SEARCH_LIMIT]
        )
    pending_signups = (
        User.objects.portal()
        .filter(is_staff=False, is_active=True)
        .annotate(n=Count("memberships"))
        .filter(n=0)
        .order_by("-date_joined")[:PENDING_LIMIT]
    )
    # Support staff see every tenant's requests: this list is deliberately cross-tenant.
    requests = (
        AccessRequest.objects.filter(status=AccessRequest.Status.PENDING)
        .select_related("user", "tenant")
        .order_by("created_at")[:PENDING_LIMIT]
    )
    return {
        "results": results,
        "pending_signups": pending_signups,
        "access_requests": requests,
        "tenants": Tenant.objects.annotate(n=Count("memberships")).order_by("slug"),
    }


def support_portal_user(*, id) -> User:
    """A portal user by id for support staff; 404 for end users and unknown ids."""
    user = User.objects.portal().filter(pk=id).first()
    if user is None:
        raise Http404("No such portal user.")
    return user


def support_memberships_of(*, user: User) -> list[Membership]:
    """The user's memberships in every tenant, each marked with `policy_ok`."""
    memberships = list(user.memberships.select_related("tenant").order_by("tenant__slug"))
    for m in memberships:
        m.policy_ok = domain_policy_allows(tenant=m.tenant, user=user)
    return memberships


def support_membership(*, id) -> Membership:
    """A membership in any tenant by id, for support staff; 404 if unknown."""
    membership = Membership.objects.select_related("user", "tenant").filter(pk=id).first()
    if membership is None:
        raise Http404("No such membership.")
    return membership


def support_access_request(*, id) -> AccessRequest:
    """An access request in any tenant by id, for support staff; 404 if unknown."""
    access_request = AccessRequest.objects.select_related("user", "tenant").filter(pk=id).first()
    if access_request is None:
        raise Http404("No such access request.")
    return access_request


def members_of(*, tenant: Tenant):
    """The tenant's memberships with their users."""
    return Membership.objects.for_tenant(tenant).select_related("user")


def pending_access_requests(*, tenant: Tenant, user: User | None = None):
    """The tenant's pending access requests (of one user, if given)."""
    pending = AccessRequest.objects.for_tenant(tenant).filter(status=AccessRequest.Status.PENDING)
    return pending.filter(user=user) if user is not None else pending.select_related("user")


def audit_events_of(*, tenant: Tenant):
    """The tenant's audit events, newest first."""
    return AuditEvent.objects.for_tenant(tenant).order_by("-created_at", "-id")
