"""Support console: find users, pending sign-ups and requests, tenants, memberships."""

from __future__ import annotations

from django.contrib import messages
from django.db import IntegrityError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.services import (
    PolicyViolation,
    ServiceError,
    access_request_resolve,
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
from portal.selectors import (
    audit_events_of,
    members_of,
    support_access_request,
    support_console,
    support_membership,
    support_memberships_of,
    support_portal_user,
)
from portal.views.common import support_required
from tenants.models import Tenant
from tenants.resolver import tenant_for_slug
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


def _by(request, data) -> dict:
    """Who makes a support change and why: the common keyword arguments of the services."""
    return {"actor": request.user, "reason": data["reason"], "request": request}


def _submit(request, form, change, then):
    """Validate `form` and run `change(cleaned_data)`, which returns the success message.

    Invalid input and refused changes show an error page; success redirects to `then`.
    """
    if not form.is_valid():
        return _refuse(request, _form_errors(form))
    try:
        message = change(form.cleaned_data)
    except PolicyViolation as exc:
        return _refuse(request, exc.message, status=409)
    except ServiceError as exc:
        return _refuse(request, exc.message)
    messages.success(request, message)
    return then


def _to_tenant(tenant):
    return redirect("portal:support-tenant", slug=tenant.slug)


def _to_user(user_id):
    return redirect("portal:support-user", user_id=user_id)


@support_required
@require_GET
def console(request):
    """Search by email, pending sign-ups, access requests, tenants, create a tenant."""
    query = (request.GET.get("q") or "").strip()[:254]
    return render(
        request,
        "portal/support/console.html",
        {
            "query": query,
            **support_console(query=query),
            "create_form": TenantCreateForm(),
            "resolve_form": ResolveForm(),
        },
    )


@support_required
@require_GET
def user_detail(request, user_id):
    """One portal user: memberships and the forms to change them."""
    user = support_portal_user(id=user_id)
    return render(
        request,
        "portal/support/user.html",
        {
            "subject_user": user,
            "memberships": support_memberships_of(user=user),
            "assign_form": AssignForm(),
            "role_form": RoleChangeForm(),
            "tenants": Tenant.objects.order_by("slug"),
            "credentials": user.credentials.all(),
        },
    )


def _tenant(slug):
    """Any tenant by slug, suspended ones included (support staff only reach these views)."""
    tenant = tenant_for_slug(slug, active_only=False)
    if tenant is None:
        raise Http404("No such tenant.")
    return tenant


@support_required
@require_GET
def tenant_detail(request, slug):
    """One tenant: status, access policy, members, recent audit events."""
    tenant = _tenant(slug)
    return render(
        request,
        "portal/support/tenant.html",
        {
            "tenant": tenant,
            "members": members_of(tenant=tenant),
            "events": audit_events_of(tenant=tenant)[:50],
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
    return _to_tenant(tenant)


@support_required
@require_POST
def tenant_status_view(request, slug):
    """Suspend or reactivate a tenant."""
    tenant = _tenant(slug)

    def change(data):
        tenant_status_change(tenant=tenant, status=data["status"], **_by(request, data))
        return f"Tenant {tenant.slug} is now {data['status']}."

    return _submit(request, TenantStatusForm(request.POST), change, _to_tenant(tenant))


@support_required
@require_POST
def tenant_policy_view(request, slug):
    """Set the email domains allowed for the tenant's members."""
    tenant = _tenant(slug)

    def change(data):
        tenant_email_domains_change(tenant=tenant, domains=data["domains"], **_by(request, data))
        return "Access policy saved."

    return _submit(request, DomainPolicyForm(request.POST), change, _to_tenant(tenant))


@support_required
@require_POST
def membership_assign_view(request, user_id):
    """Assign a portal user to a tenant."""
    user = support_portal_user(id=user_id)

    def change(data):
        tenant = Tenant.objects.filter(slug=data["tenant"]).first()
        if tenant is None:
            raise ServiceError(f"There is no tenant “{data['tenant']}”.")
        membership_assign(
            user=user,
            tenant=tenant,
            role=data["role"],
            override=data["override"],
            **_by(request, data),
        )
        return f"{user.email} assigned to {tenant.slug}."

    return _submit(request, AssignForm(request.POST), change, _to_user(user.pk))


@support_required
@require_POST
def membership_role_view(request, membership_id):
    """Elevate (policy applies, explicit override possible) or demote a membership."""
    membership = support_membership(id=membership_id)

    def change(data):
        membership_role_change(
            membership=membership,
            role=data["role"],
            override=data["override"],
            **_by(request, data),
        )
        return f"{membership.user.email} is now {data['role']}."

    return _submit(request, RoleChangeForm(request.POST), change, _to_user(membership.user_id))


@support_required
@require_POST
def membership_remove_view(request, membership_id):
    """Remove a membership."""
    membership = support_membership(id=membership_id)

    def change(data):
        membership_remove(membership=membership, **_by(request, data))
        return f"{membership.user.email} removed from {membership.tenant.slug}."

    return _submit(request, ReasonForm(request.POST), change, _to_user(membership.user_id))


@support_required
@require_POST
def access_request_resolve_view(request, request_id):
    """Approve (elevating the member) or deny an access request."""
    access_request = support_access_request(id=request_id)

    def change(data):
        access_request_resolve(
            access_request=access_request,
            approve=data["decision"] == "approve",
            override=data["override"],
            **_by(request, data),
        )
        return "Access request resolved."

    return _submit(request, ResolveForm(request.POST), change, redirect("portal:support"))
