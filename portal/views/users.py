"""The Users page: a tenant's end users, their passkeys, and what a read-write admin can do."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.directory import (
    QUERY_MAX_LENGTH,
    access_end_user_detail,
    end_users_page,
    passkey_facts,
)
from accounts.directory_services import (
    enduser_disable,
    enduser_enable,
    enduser_passkey_delete,
    enduser_recovery_send,
    enduser_sessions_revoke,
)
from accounts.selectors import access_tenant
from portal.views.common import portal_login_required, writable_tenant


def _after(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if value > 0 else None


@portal_login_required
@require_GET
def users(request, slug):
    """List and search end users, a keyset page at a time."""
    access = access_tenant(actor=request.user, slug=slug)
    query = (request.GET.get("q") or "")[:QUERY_MAX_LENGTH]
    after = _after(request.GET.get("after"))
    page = end_users_page(tenant=access.tenant, actor=request.user, query=query, after=after)
    rows = [
        {"user": user, "passkeys": [passkey_facts(c) for c in user.credentials.all()]}
        for user in page.users
    ]
    context = {
        "tenant": access.tenant,
        "access": access,
        "rows": rows,
        "page": page,
        "query": query,
        "first_page": request.GET.get("after") is None,
    }
    return render(request, "portal/tenant_users.html", context)


@portal_login_required
@require_GET
def user_detail(request, slug, user_id):
    """One end user: facts, passkeys, and (read-write) actions."""
    access = access_tenant(actor=request.user, slug=slug)
    user = access_end_user_detail(tenant=access.tenant, actor=request.user, id=user_id)
    context = {
        "tenant": access.tenant,
        "access": access,
        "can_write": access.can_write,
        "end_user": user,
        "passkeys": [passkey_facts(c) for c in user.credentials.all()],
    }
    return render(request, "portal/tenant_user.html", context)


def _act(request, slug, user_id, *, run, success: str):
    access = writable_tenant(request, slug)
    user = access_end_user_detail(tenant=access.tenant, actor=request.user, id=user_id)
    try:
        run(tenant=access.tenant, actor=request.user, user=user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success.format(email=user.email))
    return redirect("portal:tenant-user", slug=access.tenant.slug, user_id=user.pk)


@portal_login_required
@require_POST
def user_disable(request, slug, user_id):
    return _act(
        request,
        slug,
        user_id,
        run=enduser_disable,
        success="{email} is disabled: signed out everywhere, and cannot sign in.",
    )


@portal_login_required
@require_POST
def user_enable(request, slug, user_id):
    return _act(request, slug, user_id, run=enduser_enable, success="{email} can sign in again.")


@portal_login_required
@require_POST
def user_revoke_sessions(request, slug, user_id):
    return _act(
        request,
        slug,
        user_id,
        run=enduser_sessions_revoke,
        success="{email} is signed out everywhere; their tokens are revoked.",
    )


@portal_login_required
@require_POST
def user_send_recovery(request, slug, user_id):
    return _act(
        request,
        slug,
        user_id,
        run=enduser_recovery_send,
        success="A recovery link was emailed to {email}.",
    )


@portal_login_required
@require_POST
def user_passkey_remove(request, slug, user_id, pk):
    def run(**kwargs):
        enduser_passkey_delete(passkey_id=pk, **kwargs)

    return _act(request, slug, user_id, run=run, success="The passkey of {email} was removed.")
