"""A tenant's members and audit log (read-write admins, support) and access requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import access_tenant
from accounts.services import ServiceError, access_request_create
from portal.forms import AccessRequestForm
from portal.selectors import audit_events_of, members_of, pending_access_requests
from portal.views.common import portal_login_required, writable_tenant


@portal_login_required
@require_GET
def members(request, slug):
    """Members of the tenant with their roles."""
    access = writable_tenant(request, slug)
    rows = members_of(tenant=access.tenant).order_by("user__email")
    pending = pending_access_requests(tenant=access.tenant)
    return render(
        request,
        "portal/tenant_members.html",
        {"tenant": access.tenant, "access": access, "members": rows, "pending": pending},
    )


@portal_login_required
@require_GET
def audit(request, slug):
    """The tenant's audit log, newest first."""
    access = writable_tenant(request, slug)
    page = Paginator(audit_events_of(tenant=access.tenant), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/tenant_audit.html",
        {"tenant": access.tenant, "access": access, "page": page},
    )


@portal_login_required
@require_http_methods(["GET", "POST"])
def access_request(request, slug):
    """A read-only member asks support for read-write access, with a reason."""
    access = access_tenant(actor=request.user, slug=slug)
    if access.membership is None:
        # Support staff have no membership to elevate.
        raise PermissionDenied("Only members can ask for access.")
    pending = pending_access_requests(tenant=access.tenant, user=request.user).first()
    form = AccessRequestForm(request.POST or None)
    context = {"tenant": access.tenant, "access": access, "form": form, "pending": pending}
    if request.method == "GET":
        return render(request, "portal/access_request.html", context)
    if not form.is_valid():
        return render(request, "portal/access_request.html", context, status=400)
    try:
        access_request_create(
            user=request.user,
            tenant=access.tenant,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except ServiceError as exc:
        context["error"] = exc.message
        return render(request, "portal/access_request.html", context, status=400)
    messages.success(request, "Your request was sent to support.")
    return redirect("portal:home")
