"""Forms of the tenant Settings page and the API tokens page."""

from __future__ import annotations

from django import forms

from tenants.models import INPUT_CHOICES, OIDCClient
from tenants.oidc.redirects import REDIRECT_URL_MAX_LENGTH, redirect_url_problem
from tenants.oidc.services import SECRET_NAME_MAX_LENGTH

INPUT_LABELS = {
    "given_name": "Given name (given_name)",
    "family_name": "Family name (family_name)",
    "nickname": "Nickname / display name (nickname, name)",
}
INPUT_CHOICE_LABELS = [(c, c.capitalize()) for c in INPUT_CHOICES]


class OIDCSettingsForm(forms.Form):
    """Enable OIDC, Inputs, response type and response mode."""

    enabled = forms.BooleanField(label="Enable OIDC", required=False)
    input_given_name = forms.ChoiceField(
        label=INPUT_LABELS["given_name"], choices=INPUT_CHOICE_LABELS
    )
    input_family_name = forms.ChoiceField(
        label=INPUT_LABELS["family_name"], choices=INPUT_CHOICE_LABELS
    )
    input_nickname = forms.ChoiceField(label=INPUT_LABELS["nickname"], choices=INPUT_CHOICE_LABELS)
    response_type = forms.ChoiceField(
        label="Response type",
        choices=OIDCClient.ResponseType.choices,
        help_text="code is recommended: the relying party authenticates with a client secret. "
        "id_token is the legacy implicit flow and needs no secret.",
    )
    response_mode = forms.ChoiceField(
        label="Response mode",
        choices=OIDCClient.ResponseMode.choices,
        help_text="form_post is the default.",
    )

    def inputs(self) -> dict:
        """The Inputs as the service expects them."""
        return {
            key: self.cleaned_data[f"input_{key}"]
            for key in ("given_name", "family_name", "nickname")
        }


class EmbeddingForm(forms.Form):
    """The sites allowed to show the sign-in page inside a frame, one origin a line."""

    iframe_origins = forms.CharField(
        label="Sites allowed to embed the sign-in page",
        required=False,
        max_length=6000,
        help_text="One site a line, as https://www.example.com (no path). Leave empty unless "
        "you show the sign-in page inside an iframe on your own site: a listed site can frame "
        "the sign-in page and its passkey prompts, so list only sites you control. "
        "http:// works only for localhost.",
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "placeholder": "https://www.example.com",
                "spellcheck": "false",
                "aria-describedby": "id_iframe_origins-help",
            }
        ),
    )

    def origins(self) -> list[str]:
        """The non-empty lines."""
        lines = self.cleaned_data["iframe_origins"].splitlines()
        return [line.strip() for line in lines if line.strip()]


class RedirectURLForm(forms.Form):
    """One Redirect URL, validated by the same rules the service applies."""

    url = forms.CharField(
        label="Redirect URL",
        max_length=REDIRECT_URL_MAX_LENGTH,
        strip=False,
        help_text="Absolute https:// URL (http:// only for localhost, 127.0.0.1 and [::1]), "
        "no fragment, no wildcard. Matching is exact and case-sensitive, and a trailing slash "
        "counts: register the URL exactly as the relying party sends it.",
        widget=forms.TextInput(
            attrs={
                "placeholder": "https://contoso.b2clogin.com/contoso.onmicrosoft.com/oauth2/authresp"
            }
        ),
    )

    def clean_url(self):
        url = self.cleaned_data["url"]
        problem = redirect_url_problem(url)
        if problem:
            raise forms.ValidationError(problem)
        return url


class ClientSecretForm(forms.Form):
    """Name and optional expiry of a new client secret."""

    EXPIRY_CHOICES = [
        ("", "Never"),
        ("30", "In 30 days"),
        ("90", "In 90 days"),
        ("180", "In 180 days"),
        ("365", "In 1 year"),
        ("730", "In 2 years"),
    ]

    name = forms.CharField(label="Secret name", max_length=SECRET_NAME_MAX_LENGTH)
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        choices=EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )


class ApiTokenForm(forms.Form):
    """Name and optional expiry of a new personal API token."""

    name = forms.CharField(label="Token name", max_length=100)
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        choices=ClientSecretForm.EXPIRY_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
