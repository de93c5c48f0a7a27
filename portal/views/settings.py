"""The tenant's Settings page: Enable OIDC, Inputs, Redirect URLs, client secrets, B2C panel."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts.selectors import access_tenant
from portal.forms_branding import BrandingForm, branding_initial
from portal.forms_settings import (
    INPUT_LABELS,
    ClientSecretForm,
    EmbeddingForm,
    OIDCSettingsForm,
    RedirectURLForm,
)
from portal.views.common import apply_errors, credential_rows, writable_tenant
from tenants.oidc.endpoints import tenant_for_client
from tenants.oidc.selectors import (
    access_client_secret,
    access_redirect_url,
    client_get_primary,
    client_secrets_of,
    metadata_url,
    redirect_urls_of,
    signup_inputs_of,
    token_endpoint_auth_method,
)
from tenants.oidc.services import (
    client_secret_generate,
    client_secret_revoke,
    oidc_settings_update,
    redirect_url_add,
    redirect_url_remove,
)
from tenants.services import tenant_iframe_origins_update

B2C_SCOPE = "openid profile email"
B2C_CLAIMS = [
    ("User ID", "sub"),
    ("Display name", "name (or nickname)"),
    ("Given name", "given_name"),
    ("Surname", "family_name"),
    ("Email", "email"),
]
B2C_REDIRECT_URL = "https://{tenant}.b2clogin.com/{tenant}.onmicrosoft.com/oauth2/authresp"
B2C_POLICY_KEY = "B2C_1A_LatchkeyClientSecret"


def _xml_text(value: str) -> str:
    # XML 1.0 forbids most control characters even when escaped.
    return "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)


def claims_provider_xml(*, tenant, client) -> str:
    """The Azure AD B2C custom-policy ClaimsProvider for this tenant's client."""
    return render_to_string(
        "portal/b2c_claims_provider.xml",
        {
            "tenant": tenant,
            "display_name": _xml_text(tenant.display_name) or tenant.slug,
            "client": client,
            "metadata_url": metadata_url(tenant_for_client(tenant, client)),
            "issuer": tenant_for_client(tenant, client).issuer,
            "scope": B2C_SCOPE,
            "auth_method": token_endpoint_auth_method(client),
            "needs_secret": token_endpoint_auth_method(client) != "none",
            "policy_key": B2C_POLICY_KEY,
            "profile_id": f"Latchkey-{tenant.slug}-OpenIdConnect",
        },
    )


def _settings_initial(tenant, client) -> dict:
    inputs = signup_inputs_of(tenant)
    return {
        "enabled": tenant.oidc_enabled,
        "input_given_name": inputs["given_name"],
        "input_family_name": inputs["family_name"],
        "input_nickname": inputs["nickname"],
        "response_type": client.response_type if client else "code",
        "response_mode": client.response_mode if client else "form_post",
    }


def _render(request, access, *, status=200, **forms_and_extra):
    """The Settings page; forms not given start from the stored values."""
    tenant = access.tenant
    client = client_get_primary(tenant=tenant)
    secrets = []
    if access.can_write:
        secrets = credential_rows(
            client_secrets_of(tenant=tenant, client=client),
            revoke_url=lambda s: reverse(
                "portal:tenant-settings-secret-revoke", args=[tenant.slug, s.pk]
            ),
        )
    context = {
        "tenant": tenant,
        "access": access,
        "can_write": access.can_write,
        "client": client,
        "metadata_url": metadata_url(tenant_for_client(tenant, client)),
        "issuer": tenant_for_client(tenant, client).issuer,
        "redirect_urls": list(redirect_urls_of(tenant=tenant, client=client)),
        "secrets": secrets,
        "inputs": [(INPUT_LABELS[k], v) for k, v in signup_inputs_of(tenant).items()],
        "settings_form": OIDCSettingsForm(initial=_settings_initial(tenant, client)),
        "redirect_form": RedirectURLForm(),
        "secret_form": ClientSecretForm(),
        "branding_form": BrandingForm(initial=branding_initial(tenant)),
        "embedding_form": EmbeddingForm(
            initial={"iframe_origins": "\n".join(tenant.iframe_origins)}
        ),
        "b2c_scope": B2C_SCOPE,
        "b2c_claims": B2C_CLAIMS,
        "b2c_redirect_url": B2C_REDIRECT_URL,
        "b2c_policy_key": B2C_POLICY_KEY,
        "auth_method": token_endpoint_auth_method(client),
        "claims_provider_xml": claims_provider_xml(tenant=tenant, client=client) if client else "",
    }
    context.update(forms_and_extra)
    response = render(request, "portal/settings.html", context, status=status)
    return response


def render_settings(request, access, *, status=200, **forms_and_extra):
    """The Settings page for other modules' forms (e.g. Branding)."""
    return _render(request, access, status=status, **forms_and_extra)


def _submit(request, access, form, *, form_name: str, change, success: str):
    """Run `change(cleaned_data)` for a valid form, then redirect with `success`.

    Invalid input and the service's ValidationErrors re-render the page (400) with the form.
    """
    if form.is_valid():
        try:
            change(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("portal:tenant-settings", slug=access.tenant.slug)
    return _render(request, access, status=400, **{form_name: form})


@login_required
@require_safe
def settings_page(request, slug):
    """Show the Settings page (secrets only to read-write members)."""
    access = access_tenant(actor=request.user, slug=slug)
    return _render(request, access)


@login_required
@require_POST
def settings_update(request, slug):
    """Save Enable OIDC, Inputs, response type and mode."""
    access = writable_tenant(request, slug)
    form = OIDCSettingsForm(request.POST)

    def change(data):
        oidc_settings_update(
            tenant=access.tenant,
            actor=request.user,
            enabled=data["enabled"],
            inputs=form.inputs(),
            response_type=data["response_type"],
            response_mode=data["response_mode"],
            request=request,
        )

    return _submit(
        request, access, form, form_name="settings_form", change=change, success="Settings saved."
    )


@login_required
@require_POST
def embedding_update(request, slug):
    """Save the sites allowed to embed the sign-in page."""
    access = writable_tenant(request, slug)
    form = EmbeddingForm(request.POST)

    def change(data):
        tenant_iframe_origins_update(
            tenant=access.tenant, actor=request.user, origins=form.origins(), request=request
        )

    return _submit(
        request,
        access,
        form,
        form_name="embedding_form",
        change=change,
        success="Embedding settings saved.",
    )


@login_required
@require_POST
def redirect_url_create(request, slug):
    """Add a Redirect URL."""
    access = writable_tenant(request, slug)

    def change(data):
        redirect_url_add(tenant=access.tenant, actor=request.user, url=data["url"], request=request)

    return _submit(
        request,
        access,
        RedirectURLForm(request.POST),
        form_name="redirect_form",
        change=change,
        success="Redirect URL added.",
    )


@login_required
@require_POST
def redirect_url_delete(request, slug, pk):
    """Remove a Redirect URL."""
    access = writable_tenant(request, slug)
    entry = access_redirect_url(tenant=access.tenant, actor=request.user, id=pk)
    redirect_url_remove(
        tenant=access.tenant, actor=request.user, redirect_url=entry, request=request
    )
    messages.success(request, "Redirect URL removed.")
    return redirect("portal:tenant-settings", slug=slug)


@never_cache
@login_required
@require_POST
def secret_generate(request, slug):
    """Generate a client secret and show it once, on this response only."""
    access = writable_tenant(request, slug)
    form = ClientSecretForm(request.POST)
    if form.is_valid():
        days = form.cleaned_data["expires_in_days"]
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            secret, plaintext = client_secret_generate(
                tenant=access.tenant,
                actor=request.user,
                name=form.cleaned_data["name"],
                expires_at=expires_at,
                request=request,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Rendered directly, never stored in the session or redirected through.
            return _render(request, access, new_secret=secret, new_secret_value=plaintext)
    return _render(request, access, status=400, secret_form=form)


@login_required
@require_POST
def secret_revoke(request, slug, pk):
    """Revoke a client secret."""
    access = writable_tenant(request, slug)
    secret = access_client_secret(tenant=access.tenant, actor=request.user, id=pk)
    client_secret_revoke(tenant=access.tenant, actor=request.user, secret=secret, request=request)
    messages.success(request, f"Secret “{secret.name}” revoked.")
    return redirect("portal:tenant-settings", slug=slug)


@login_required
@require_safe
def b2c_claims_provider(request, slug):
    """Download the Azure AD B2C ClaimsProvider XML for this tenant's client."""
    access = access_tenant(actor=request.user, slug=slug)
    client = client_get_primary(tenant=access.tenant)
    if client is None:
        return render(
            request,
            "error.html",
            {
                "title": "No client yet",
                "message": "Save the OIDC settings first; the Client ID is assigned then.",
            },
            status=404,
        )
    body = claims_provider_xml(tenant=access.tenant, client=client)
    response = HttpResponse(body, content_type="application/xml; charset=utf-8")
    filename = f"latchkey-{access.tenant.slug}-claims-provider.xml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
