"""The tenant's Domains page: custom domains, the WebAuthn RP ID and related origins."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import access_tenant, users_with_passkeys_count
from portal.views.common import writable_tenant
from tenants.domains.dns_check import challenge_name, challenge_value
from tenants.domains.names import DomainNameError
from tenants.domains.selectors import (
    access_custom_domain,
    custom_domains_of,
    related_origins_document,
    sign_in_host,
)
from tenants.domains.services import (
    RelyingPartyChangeNeedsConfirmation,
    client_issuer_choose,
    custom_domain_add,
    custom_domain_recheck,
    custom_domain_remove,
    tenant_relying_party_update,
)
from tenants.oidc.endpoints import tenant_for_client
from tenants.oidc.selectors import client_get_primary


class DomainForm(forms.Form):
    """ "Add domain": the host name the tenant's users will sign in on."""

    hostname = forms.CharField(label="Domain", max_length=253)


class IssuerForm(forms.Form):
    """ "Issuer": the path-based default, or the verified custom domain."""

    issuer = forms.ChoiceField(
        choices=[("default", "Default"), ("custom_domain", "Custom domain")],
        widget=forms.RadioSelect,
    )


class RelyingPartyForm(forms.Form):
    """The passkeys' RP ID and the tenant's other origins, one per line."""

    rp_id = forms.CharField(label="RP ID", max_length=253, required=False)
    related_origins = forms.CharField(
        label="Related origins", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    confirm = forms.BooleanField(
        label="I understand that these users must recover their account", required=False
    )

    def origins(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["related_origins"].splitlines() if line]


def _render(request, access, *, status=200, domain_form=None, rp_form=None, affected=None):
    tenant = access.tenant
    client = client_get_primary(tenant=tenant)
    domains = [
        {
            "domain": d,
            "txt_name": challenge_name(d.hostname),
            "txt_value": challenge_value(d.verification_token),
        }
        for d in custom_domains_of(tenant=tenant)
    ]
    rp_initial = {
        "rp_id": tenant.webauthn_rp_id,
        "related_origins": "\n".join(tenant.related_origins),
    }
    return render(
        request,
        "portal/domains.html",
        {
            "tenant": tenant,
            "can_write": access.can_write,
            "domains": domains,
            "domain_form": domain_form or DomainForm(),
            "client": client,
            "issuer": tenant_for_client(tenant, client).issuer,
            "has_verified": any(row["domain"].is_verified for row in domains),
            "rp_form": rp_form or RelyingPartyForm(initial=rp_initial),
            "sign_in_host": sign_in_host(tenant=tenant),
            "passkey_users": users_with_passkeys_count(tenant=tenant),
            "affected": affected,
            "well_known": json.dumps(related_origins_document(tenant=tenant), indent=2),
        },
        status=status,
    )


@never_cache
@login_required
@require_GET
def domains_page(request, slug):
    """Show the domains with their TXT records and states, and the passkey settings."""
    return _render(request, access_tenant(actor=request.user, slug=slug))


@login_required
@require_POST
def domain_add(request, slug):
    """Claim a domain; a background check looks for its TXT record."""
    access = writable_tenant(request, slug)
    form = DomainForm(request.POST)
    if form.is_valid():
        try:
            domain = custom_domain_add(
                tenant=access.tenant,
                actor=request.user,
                hostname=form.cleaned_data["hostname"],
                request=request,
            )
        except DomainNameError as exc:
            form.add_error("hostname", str(exc))
        else:
            messages.success(
                request, f"{domain.hostname} added. Create its TXT record; we check it for you."
            )
            return redirect("portal:tenant-domains", slug=slug)
    return _render(request, access, status=400, domain_form=form)


@login_required
@require_POST
def domain_check(request, slug, pk):
    """Check a pending or failed domain's TXT record again."""
    access = writable_tenant(request, slug)
    domain = access_custom_domain(tenant=access.tenant, actor=request.user, id=pk)
    custom_domain_recheck(domain=domain, actor=request.user, request=request)
    messages.success(request, f"Checking {domain.hostname} again.")
    return redirect("portal:tenant-domains", slug=slug)


@login_required
@require_POST
def domain_remove(request, slug, pk):
    """Stop serving a domain at once."""
    access = writable_tenant(request, slug)
    domain = access_custom_domain(tenant=access.tenant, actor=request.user, id=pk)
    custom_domain_remove(domain=domain, actor=request.user, request=request)
    messages.success(request, f"{domain.hostname} removed; it no longer serves sign-in.")
    return redirect("portal:tenant-domains", slug=slug)


@login_required
@require_POST
def relying_party_update(request, slug):
    """Set the RP ID and related origins; an RP ID change with users needs confirmation."""
    access = writable_tenant(request, slug)
    form = RelyingPartyForm(request.POST)
    if not form.is_valid():
        return _render(request, access, status=400, rp_form=form)
    try:
        tenant_relying_party_update(
            tenant=access.tenant,
            actor=request.user,
            rp_id=form.cleaned_data["rp_id"],
            related_origins=form.origins(),
            serving_host=sign_in_host(tenant=access.tenant),
            users_with_passkeys=users_with_passkeys_count(tenant=access.tenant),
            confirm_affected=form.cleaned_data["confirm"],
            request=request,
        )
    except RelyingPartyChangeNeedsConfirmation as exc:
        form.add_error("confirm", str(exc))
        return _render(request, access, status=400, rp_form=form, affected=exc.affected_users)
    except DomainNameError as exc:
        form.add_error(exc.field or "rp_id", str(exc))
        return _render(request, access, status=400, rp_form=form)
    messages.success(request, "Passkey settings saved.")
    return redirect("portal:tenant-domains", slug=slug)


@login_required
@require_POST
def issuer_choose(request, slug):
    """Switch the client between the default issuer and the custom-domain issuer."""
    access = writable_tenant(request, slug)
    form = IssuerForm(request.POST)
    client = client_get_primary(tenant=access.tenant)
    if not form.is_valid() or client is None:
        messages.error(request, "Choose Default or Custom domain (turn on OIDC first).")
        return _render(request, access, status=400)
    try:
        client_issuer_choose(
            client=client,
            actor=request.user,
            use_custom_domain=form.cleaned_data["issuer"] == "custom_domain",
            request=request,
        )
    except DomainNameError as exc:
        messages.error(request, str(exc))
        return _render(request, access, status=400)
    messages.success(request, "Issuer saved. Give your relying party the new Metadata URL.")
    return redirect("portal:tenant-domains", slug=slug)
