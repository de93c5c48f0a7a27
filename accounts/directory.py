"""Reads on a tenant's end-user directory for the Users page: keyset pages and one user."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Max, OuterRef, Prefetch, Q, Subquery

from accounts.aaguids import authenticator_make
from accounts.models import User, WebAuthnCredential, normalize_email

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
QUERY_MAX_LENGTH = 254


@dataclass(frozen=True)
class UserPage:
    """One page of end users, newest first; `next_after` continues it (None on the last page)."""

    users: list
    next_after: int | None
    query: str


def _last_sign_in():
    # Correlated, so it is computed for the rows of the page only, after LIMIT.
    newest = (
        WebAuthnCredential.objects.filter(user=OuterRef("pk"))
        .values("user")
        .annotate(newest=Max("last_used_at"))
        .values("newest")
    )
    return Subquery(newest)


def end_users_queryset(*, tenant, query: str = ""):
    """End users matching `query` (an email prefix, or an exact `sub`), newest first."""
    users = User.objects.for_tenant(tenant)
    raw = (query or "").strip()[:QUERY_MAX_LENGTH]
    if raw:
        users = users.filter(Q(email__startswith=normalize_email(raw)) | Q(subject=raw))
    return users.order_by("-id")


def end_users_page(
    *, tenant, actor, query: str = "", after: int | None = None, limit: int = PAGE_SIZE
) -> UserPage:
    """A keyset page: ids below `after`, on the (tenant, id) index; cost is flat at any depth."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    users = end_users_queryset(tenant=tenant, query=query)
    if after is not None:
        users = users.filter(id__lt=after)
    rows = list(
        users.annotate(last_sign_in=_last_sign_in()).prefetch_related(
            Prefetch("credentials", queryset=WebAuthnCredential.objects.order_by("created_at"))
        )[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return UserPage(
        users=rows, next_after=rows[-1].pk if more and rows else None, query=(query or "").strip()
    )


def access_end_user_detail(*, tenant, actor, id) -> User:
    """One end user of this tenant with its passkeys and last sign-in; 404 if anyone else's."""
    from django.http import Http404

    user = (
        User.objects.for_tenant(tenant)
        .annotate(last_sign_in=_last_sign_in())
        .prefetch_related("credentials")
        .filter(pk=id)
        .first()
    )
    if user is None:
        raise Http404("No such user.")
    return user


def passkey_facts(credential: WebAuthnCredential) -> dict:
    """What the Users page shows of a passkey."""
    return {
        "id": credential.pk,
        "name": credential.name,
        "make": authenticator_make(credential.aaguid) or "Unknown authenticator",
        "aaguid": credential.aaguid,
        "created_at": credential.created_at,
        "last_used_at": credential.last_used_at,
        "synced": bool(credential.backup_eligible),
        "kind": "synced" if credential.backup_eligible else "device-bound",
    }
