"""The tenant's Signing keys page: list, "Rotate now", "Revoke key" and "Add ES256"."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import access_tenant
from portal.views.common import writable_tenant
from tenants.models import SigningKey
from tenants.oidc.endpoints import tenant_endpoints
from tenants.oidc.keys import (
    KeyAlgorithmUnsupported,
    KeyStateChanged,
    access_signing_key,
    key_algorithm_add,
    key_revoke,
    key_rotate_now,
    signing_key_schedule,
    signing_keys_list,
)


class RotateForm(forms.Form):
    """ "Rotate now": which algorithm, and the next key the admin saw (guards double submits)."""

    algorithm = forms.ChoiceField(choices=SigningKey.Algorithm.choices, initial="RS256")
    expected_next_kid = forms.CharField(max_length=64, required=False)
    reason = forms.CharField(max_length=500, required=False)


class RevokeForm(forms.Form):
    """ "Revoke key": an optional reason for the audit trail."""

    reason = forms.CharField(max_length=500, required=False)


def _render(request, access, *, status=200, rotate_form=None, revoke_form=None):
    schedules = signing_key_schedule(tenant=access.tenant, now=timezone.now())
    return render(
        request,
        "portal/keys.html",
        {
            "tenant": access.tenant,
            "access": access,
            "can_write": access.can_write,
            "keys": signing_keys_list(tenant=access.tenant),
            "schedules": schedules,
            "has_es256": any(s.algorithm == "ES256" for s in schedules),
            "jwks_cache_seconds": settings.JWKS_CACHE_SECONDS,
            "rotate_form": rotate_form or RotateForm(),
            "revoke_form": revoke_form or RevokeForm(),
            "jwks_url": tenant_endpoints(access.tenant).jwks,
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def keys_page(request, slug):
    """List the tenant's signing keys with kid, algorithm, state and dates."""
    access = access_tenant(actor=request.user, slug=slug)
    return _render(request, access)


@login_required
@require_POST
def key_rotate(request, slug):
    """Promote the published next key now and publish a fresh one."""
    access = writable_tenant(request, slug)
    form = RotateForm(request.POST)
    if not form.is_valid():
        return _render(request, access, status=400, rotate_form=form)
    try:
        outcome = key_rotate_now(
            tenant=access.tenant,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            algorithm=form.cleaned_data["algorithm"],
            expected_next_kid=form.cleaned_data["expected_next_kid"] or None,
            request=request,
        )
    except (KeyStateChanged, KeyAlgorithmUnsupported) as exc:
        form.add_error(None, str(exc))
        return _render(request, access, status=400, rotate_form=form)
    messages.success(request, f"Rotated: {outcome.active.kid} now signs new tokens.")
    if outcome.was_young:
        messages.warning(
            request,
            "The promoted key had been published for less than the JWKS cache lifetime; "
            "relying parties that cached JWKS earlier may have to refetch it.",
        )
    return redirect("portal:tenant-keys", slug=slug)


@login_required
@require_POST
def key_revoke_view(request, slug, kid):
    """Withdraw a key from JWKS at once (compromise); a new key takes over if it was active."""
    access = writable_tenant(request, slug)
    key = access_signing_key(tenant=access.tenant, actor=request.user, kid=kid)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        return _render(request, access, status=400, revoke_form=form)
    active = key_revoke(
        key=key, actor=request.user, reason=form.cleaned_data["reason"], request=request
    )
    messages.success(
        request, f"Key {key.kid} revoked and removed from JWKS; {active.kid} signs new tokens."
    )
    return redirect("portal:tenant-keys", slug=slug)


@login_required
@require_POST
def key_add_es256(request, slug):
    """Let this tenant also sign with ES256 (an active and a published next key)."""
    access = writable_tenant(request, slug)
    active = key_algorithm_add(
        tenant=access.tenant, algorithm="ES256", actor=request.user, request=request
    )
    messages.success(request, f"ES256 enabled; key {active.kid} signs ES256 tokens.")
    return redirect("portal:tenant-keys", slug=slug)
