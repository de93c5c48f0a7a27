"""Forms of the end-user sign-in pages: email, the tenant's sign-up inputs, codes, names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_email
from tenants.models import SIGNUP_INPUTS

INPUT_LABELS = {
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "nickname": _("Nickname"),
}
INPUT_AUTOCOMPLETE = {
    "given_name": "given-name",
    "family_name": "family-name",
    "nickname": "nickname",
}


def _clean_tenant_email(tenant, email: str) -> str:
    email = normalize_email(email)
    domains = [d.strip().lower().lstrip("@") for d in tenant.allowed_email_domains or [] if d]
    if domains and email.rsplit("@", 1)[-1] not in domains:
        raise forms.ValidationError(
            _("This sign-in only accepts addresses at %(domains)s")
            % {"domains": ", ".join(domains)}
        )
    return email


class EmailForm(forms.Form):
    """The one field of the sign-in page."""

    email = forms.EmailField(label=_("Email"), max_length=254)

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.fields["email"].widget.attrs.update(
            {"autocomplete": "username webauthn", "autofocus": True, "id": "email"}
        )

    def clean_email(self):
        return _clean_tenant_email(self.tenant, self.cleaned_data["email"])


class SignupForm(EmailForm):
    """Email plus the inputs the tenant asks new users for (off / optional / required)."""

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, tenant=tenant, **kwargs)
        modes = tenant.signup_inputs or {}
        for name in SIGNUP_INPUTS:
            mode = modes.get(name, "off")
            if mode not in ("optional", "required"):
                continue
            self.fields[name] = forms.CharField(
                label=INPUT_LABELS[name],
                max_length=150,
                required=mode == "required",
                strip=True,
            )
            self.fields[name].widget.attrs.update(
                {"autocomplete": INPUT_AUTOCOMPLETE[name], "id": f"signup-{name}"}
            )

    def input_fields(self):
        """The bound fields of the tenant's inputs (not the email)."""
        return [self[name] for name in SIGNUP_INPUTS if name in self.fields]

    def names(self) -> dict:
        """The entered inputs, blank for the ones the tenant switched off."""
        return {name: self.cleaned_data.get(name, "") or "" for name in SIGNUP_INPUTS}


class CodeForm(forms.Form):
    """The one-time code from the email."""

    code = forms.RegexField(
        label="Code",
        regex=r"^\s*\d{3}[\s-]?\d{3}\s*$",
        error_messages={"invalid": "Enter the 6-digit code from the email."},
    )

    def clean_code(self):
        return "".join(ch for ch in self.cleaned_data["code"] if ch.isdigit())


class PasskeyNameForm(forms.Form):
    """A new name for a passkey."""

    name = forms.CharField(label="Name", max_length=100, strip=True)
