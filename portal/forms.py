"""Portal forms: sign-up, sign-in link, profile, support actions, access requests."""

from __future__ import annotations

from django import forms

from accounts.models import Membership
from accounts.services import MAX_REASON, ServiceError, parse_domains


class SignupForm(forms.Form):
    """Email plus the name fields."""

    email = forms.EmailField(label="Email", max_length=254)
    given_name = forms.CharField(label="Given name", max_length=150, required=False)
    family_name = forms.CharField(label="Family name", max_length=150, required=False)


class EmailForm(forms.Form):
    """Just the address, to email a sign-in link."""

    email = forms.EmailField(label="Email", max_length=254)


class ProfileForm(forms.Form):
    """The user's own name fields."""

    given_name = forms.CharField(label="Given name", max_length=150, required=False)
    family_name = forms.CharField(label="Family name", max_length=150, required=False)


class PasskeyRenameForm(forms.Form):
    """A passkey's new name."""

    name = forms.CharField(label="Name", max_length=100)


class ReasonForm(forms.Form):
    """Every support action carries a reason for the audit trail."""

    reason = forms.CharField(label="Reason", max_length=MAX_REASON, widget=forms.Textarea)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("A reason is required.")
        return reason


class AccessRequestForm(ReasonForm):
    """A read-only member's request for read-write access."""


class TenantCreateForm(ReasonForm):
    """Create a tenant: slug and display name."""

    slug = forms.SlugField(label="Slug", max_length=63)
    display_name = forms.CharField(label="Display name", max_length=200)


class TenantStatusForm(ReasonForm):
    """Suspend or reactivate a tenant."""

    status = forms.ChoiceField(choices=[("active", "Active"), ("suspended", "Suspended")])


class DomainPolicyForm(ReasonForm):
    """The email domains allowed for a tenant's members."""

    domains = forms.CharField(
        label="Allowed email domains",
        required=False,
        help_text="Comma or space separated, e.g. contoso.com. Empty allows any domain.",
    )

    def clean_domains(self):
        try:
            return parse_domains(self.cleaned_data.get("domains", ""))
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from exc


class AssignForm(ReasonForm):
    """Assign a portal user to a tenant with a role."""

    tenant = forms.SlugField(label="Tenant slug", max_length=63)
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.READ_ONLY)
    override = forms.BooleanField(label="Override the tenant's email domain policy", required=False)


class RoleChangeForm(ReasonForm):
    """Elevate or demote a membership."""

    role = forms.ChoiceField(choices=Membership.Role.choices)
    override = forms.BooleanField(label="Override the tenant's email domain policy", required=False)


class ResolveForm(ReasonForm):
    """Approve or deny an access request."""

    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("deny", "Deny")])
    override = forms.BooleanField(label="Override the tenant's email domain policy", required=False)
