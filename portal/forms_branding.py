"""The Branding form on the Settings page."""

from __future__ import annotations

from django import forms
from django.conf import settings

from tenants.branding.images import MAX_BYTES


class BrandingForm(forms.Form):
    """Display name, logo, primary colour, default language, passkey button."""

    display_name = forms.CharField(label="Display name", max_length=200)
    primary_color = forms.CharField(
        label="Primary colour",
        required=False,
        max_length=7,
        help_text="Hex, for example #0a7d5a. Buttons and links use it, darkened where needed "
        "so text stays readable (WCAG AA).",
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG or SVG, at most 256 KB. SVG files with scripts, event handlers "
        "or links to other files are refused.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/svg+xml"}),
    )
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)
    default_language = forms.ChoiceField(
        label="Default language",
        choices=settings.LANGUAGES,
        help_text="Used when neither the sign-in request (ui_locales) nor the browser asks for "
        "a language we have.",
    )
    passkey_button = forms.BooleanField(
        label="Show “Sign in with a passkey”",
        required=False,
        help_text="A button that signs in without typing an email (discoverable passkeys).",
    )

    def logo_bytes(self) -> bytes | None:
        """The uploaded file's bytes (one more than the limit at most), or None."""
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        return upload.read(MAX_BYTES + 1)


def branding_initial(tenant) -> dict:
    """The form's values from the tenant."""
    return {
        "display_name": tenant.display_name,
        "primary_color": tenant.brand_color or "#1d4ed8",
        "default_language": tenant.default_language,
        "passkey_button": tenant.passkey_button,
    }
