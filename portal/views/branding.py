"""Branding on the Settings page: display name, logo, colour, language, passkey button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from portal.forms_branding import BrandingForm
from portal.views.common import apply_errors, writable_tenant
from portal.views.settings import render_settings
from tenants.branding.services import tenant_branding_save


@login_required
@require_POST
def branding_update(request, slug):
    """Save the Branding form; a bad logo re-renders the page with the reason, nothing saved."""
    access = writable_tenant(request, slug)
    form = BrandingForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            tenant_branding_save(
                tenant=access.tenant,
                actor=request.user,
                logo=form.logo_bytes(),
                remove_logo=data["remove_logo"],
                display_name=data["display_name"],
                primary_color=data["primary_color"],
                default_language=data["default_language"],
                passkey_button=data["passkey_button"],
                request=request,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Branding saved.")
            return redirect("portal:tenant-settings", slug=access.tenant.slug)
    return render_settings(request, access, status=400, branding_form=form)
