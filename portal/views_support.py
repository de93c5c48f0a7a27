"""Support console: find users, pending sign-ups and requests, tenants, memberships."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import AccessRequest, AuditEvent, Membership, User
from accounts.services import (
    PolicyViolation,
    ServiceError,
    access_request_resolve,
    domain_policy_allows,
    membership_assign,
    membership_remove,
    membership_role_change,
    tenant_email_domains_change,
)
from portal.forms import (
    AssignForm,
    DomainPolicyForm,
    ReasonForm,
    ResolveForm,
    RoleChangeForm,
    TenantCreateForm,
    TenantStatusForm,
)
from portal.views_common import support_required
from tenants.models import Tenant
from tenants.services import tenant_create, tenant_status_change


def _form_errors(form) -> str:
    return "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())


def _refuse(request, message: str, status: int = 400):
    return render(
        request,
        "error.html",
        {"title": "This change was refused", "message": message},
        status=status,
    )


@support_required
@require_GET
def console(request):
    """Search by email, pending sign-ups, access requests, tenants, create a tenant."""
    query = (request.GET.get("q") or "").strip()[:254]
    results = []
    if query:
        results = list(
            User.objects.portal().filter(email__icontains=query.lower()).order_by("email")[:50]
        )
    pending_signups = (
        User.objects.portal()
        .filter(is_staff=False, is_active=True)
        .annotate(n=Count("memberships"))
        .filter(n=0)
        .order_by("-date_joined")[:100]
    )
    requests = (
        AccessRequest.objects.filter(status=AccessRequest.Status.PENDING)
        .select_related("user", "tenant")
        .order_by("created_at")[:100]
    )
    tenants = Tenant.objects.annotate(n=Count("memberships")).order_by("slug")
    return render(
        request,
        "portal/support/console.html",
        {
            "query": query,
            "results": results,
            "pending_signups": pending_signups,
            "access_requests": requests,
            "tenants": tenants,
            "create_form": TenantCreateForm(),
            "resolve_form": ResolveForm(),
        },
    )


@support_required
@require_GET
def user_detail(request, user_id):
    """One portal user: memberships and the forms to change them."""
    user = User.objects.portal().filter(pk=user_id).first()
    if user is None:
        raise Http404("No such portal user.")
    memberships = list(user.memberships.select_related("tenant").order_by("tenant__slug"))
    for m in memberships:
        m.policy_ok = domain_policy_allows(tenant=m.tenant, user=user)
    return render(
        request,
        "portal/support/user.html",
        {
            "subject_user": user,
            "memberships": memberships,
            "assign_form": AssignForm(),
            "role_form": RoleChangeForm(),
            "tenants": Tenant.objects.order_by("slug"),
            "credentials": user.credentials.all(),
        },
    )


@support_required
@require_GET
def tenant_detail(request, slug):
    """One tenant: status, access policy, members, recent audit events."""
    tenant = get_object_or_404(Tenant, slug=slug)
    return render(
        request,
        "portal/support/tenant.html",
        {
            "tenant": tenant,
            "members": Membership.objects.for_tenant(tenant).select_related("user"),
            "events": AuditEvent.objects.for_tenant(tenant)[:50],
            "policy_form": DomainPolicyForm(
                initial={"domains": ", ".join(tenant.allowed_email_domains or [])}
            ),
            "status_form": TenantStatusForm(),
        },
    )


@support_required
@require_POST
def tenant_create_view(request):
    """Create a tenant (with its first signing key)."""
    form = TenantCreateForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    slug = form.cleaned_data["slug"].lower()
    if Tenant.objects.filter(slug=slug).exists():
        return _refuse(request, f"A tenant with slug “{slug}” already exists.")
    try:
        tenant = tenant_create(
            slug=slug,
            display_name=form.cleaned_data["display_name"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            request=request,
        )
    except IntegrityError:
        return _refuse(request, f"A tenant with slug “{slug}” already exists.")
    messages.success(request, f"Tenant {tenant.slug} created.")
    return redirect("portal:support-tenant", slug=tenant.slug)


@support_required
@require_POST
def tenant_status_view(request, slug):
    """Suspend or reactivate a tenant."""
    tenant = get_object_or_404(Tenant, slug=slug)
    form = TenantStatusForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    tenant_status_change(
        tenant=tenant,
        status=form.cleaned_data["status"],
        actor=request.user,
        reason=form.cleaned_data["reason"],
        request=request,
    )
    messages.success(request, f"Tenant {tenant.slug} is now {form.cleaned_data['status']}.")
    return redirect("portal:support-tenant", slug=tenant.slug)


@support_required
@require_POST
def tenant_policy_view(request, slug):
    """Set the email domains allowed for the tenant's members."""
    tenant = get_object_or_404(Tenant, slug=slug)
    form = DomainPolicyForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    tenant_email_domains_change(
        tenant=tenant,
        domains=form.cleaned_data["domains"],
        actor=request.user,
        reason=form.cleaned_data["reason"],
        request=request,
    )
    messages.success(request, "Access policy saved.")
    return redirect("portal:support-tenant", slug=tenant.slug)


@support_required
@require_POST
def membership_assign_view(request, user_id):
    """Assign a portal user to a tenant."""
    user = User.objects.portal().filter(pk=user_id).first()
    if user is None:
        raise Http404("No such portal user.")
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    tenant = Tenant.objects.filter(slug=form.cleaned_data["tenant"]).first()
    if tenant is None:
        return _refuse(request, f"There is no tenant “{form.cleaned_data['tenant']}”.")
    try:
        membership_assign(
            user=user,
            tenant=tenant,
            role=form.cleaned_data["role"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            override=form.cleaned_data["override"],
            request=request,
        )
    except PolicyViolation as exc:
        return _refuse(request, exc.message, status=409)
    except ServiceError as exc:
        return _refuse(request, exc.message)
    messages.success(request, f"{user.email} assigned to {tenant.slug}.")
    return redirect("portal:support-user", user_id=user.pk)


def _membership(pk) -> Membership:
    membership = Membership.objects.select_related("user", "tenant").filter(pk=pk).first()
    if membership is None:
        raise Http404("No such membership.")
    return membership


@support_required
@require_POST
def membership_role_view(request, membership_id):
    """Elevate (policy applies, explicit override possible) or demote a membership."""
    membership = _membership(membership_id)
    form = RoleChangeForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    try:
        membership_role_change(
            membership=membership,
            role=form.cleaned_data["role"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            override=form.cleaned_data["override"],
            request=request,
        )
    except PolicyViolation as exc:
        return _refuse(request, exc.message, status=409)
    except ServiceError as exc:
        return _refuse(request, exc.message)
    messages.success(request, f"{membership.user.email} is now {form.cleaned_data['role']}.")
    return redirect("portal:support-user", user_id=membership.user_id)


@support_required
@require_POST
def membership_remove_view(request, membership_id):
    """Remove a membership."""
    membership = _membership(membership_id)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    membership_remove(
        membership=membership,
        actor=request.user,
        reason=form.cleaned_data["reason"],
        request=request,
    )
    messages.success(request, f"{membership.user.email} removed from {membership.tenant.slug}.")
    return redirect("portal:support-user", user_id=membership.user_id)


@support_required
@require_POST
def access_request_resolve_view(request, request_id):
    """Approve (elevating the member) or deny an access request."""
    access_request = (
        AccessRequest.objects.select_related("user", "tenant").filter(pk=request_id).first()
    )
    if access_request is None:
        raise Http404("No such access request.")
    form = ResolveForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    try:
        access_request_resolve(
            access_request=access_request,
            approve=form.cleaned_data["decision"] == "approve",
            actor=request.user,
            reason=form.cleaned_data["reason"],
            override=form.cleaned_data["override"],
            request=request,
        )
    except PolicyViolation as exc:
        return _refuse(request, exc.message, status=409)
    except ServiceError as exc:
        return _refuse(request, exc.message)
    messages.success(request, "Access request resolved.")
    return redirect("portal:support")
