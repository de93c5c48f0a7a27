"""Factories for tenants, users, memberships and clients."""

from __future__ import annotations

import itertools

from accounts.models import Membership, User
from tenants.models import OIDCClient, RedirectURL, Tenant
from tenants.services import tenant_create

_seq = itertools.count(1)


def tenant(*, slug: str | None = None, display_name: str | None = None, **fields) -> Tenant:
    """An active tenant with its first signing key."""
    n = next(_seq)
    created = tenant_create(slug=slug or f"tenant-{n}", display_name=display_name or f"Tenant {n}")
    if fields:
        Tenant.objects.filter(pk=created.pk).update(**fields)
        created.refresh_from_db()
    return created


def portal_user(*, email: str | None = None, **fields) -> User:
    """A portal-realm user (tenant admin or, with is_staff=True, support staff)."""
    return User.objects.create_user(email or f"admin{next(_seq)}@example.com", **fields)


def end_user(*, tenant: Tenant, email: str | None = None, **fields) -> User:
    """An end user in one tenant's directory."""
    return User.objects.create_user(
        email or f"user{next(_seq)}@example.com", tenant=tenant, **fields
    )


def membership(*, tenant: Tenant, user: User | None = None, role: str = "read_only") -> Membership:
    """A portal user's membership in a tenant."""
    return Membership.objects.create(user=user or portal_user(), tenant=tenant, role=role)


def client(
    *, tenant: Tenant, redirect_urls=("https://rp.example.com/cb",), response_type="code", **fields
) -> OIDCClient:
    """An OIDC client of a tenant with registered redirect URLs."""
    grant = (
        OIDCClient.GRANT_AUTHORIZATION_CODE
        if response_type == "code"
        else OIDCClient.GRANT_IMPLICIT
    )
    kind = OIDCClient.CLIENT_CONFIDENTIAL if response_type == "code" else OIDCClient.CLIENT_PUBLIC
    created = OIDCClient.objects.create(
        tenant=tenant,
        name=fields.pop("name", "Relying party"),
        client_type=kind,
        authorization_grant_type=grant,
        response_type=response_type,
        client_secret="",
        hash_client_secret=False,
        algorithm=OIDCClient.RS256_ALGORITHM,
        skip_authorization=True,
        **fields,
    )
    for url in redirect_urls:
        RedirectURL.objects.create(tenant=tenant, client=created, url=url)
    return created
