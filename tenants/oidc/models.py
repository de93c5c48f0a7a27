"""A tenant's OpenID Provider: its clients, their redirect URLs and secrets, signing keys."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from oauth2_provider.models import AbstractApplication

from tenants.oidc.redirects import redirect_url_registered
from tenants.querysets import TenantOwned, TenantQuerySet


def generate_client_id() -> str:
    """Opaque, URL-safe client identifier."""
    return secrets.token_urlsafe(24)


class OIDCClient(AbstractApplication, TenantOwned):
    """A relying party registered with one tenant (DOT's swapped Application model)."""

    class ResponseType(models.TextChoices):
        CODE = "code", "code (recommended)"
        ID_TOKEN = "id_token", "id_token (legacy implicit flow)"

    class ResponseMode(models.TextChoices):
        FORM_POST = "form_post", "form_post"
        QUERY = "query", "query"
        FRAGMENT = "fragment", "fragment"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="clients")
    response_type = models.CharField(
        max_length=16, choices=ResponseType.choices, default=ResponseType.CODE
    )
    response_mode = models.CharField(
        max_length=16, choices=ResponseMode.choices, default=ResponseMode.FORM_POST
    )
    # The issuer the client is told about: the path-based one, or the verified custom domain.
    use_custom_domain_issuer = models.BooleanField(default=False)

    objects = TenantQuerySet.as_manager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"

    def __str__(self):
        return f"{self.tenant.slug}:{self.name or self.client_id}"

    def redirect_uri_allowed(self, uri):
        """At authorize: the redirect-URL rule against the registered Redirect URLs."""
        return redirect_url_registered(self._urls(RedirectURL.LOGIN), uri)

    def post_logout_redirect_uri_allowed(self, uri):
        """At logout: the redirect-URL rule against the registered post-logout URLs."""
        return redirect_url_registered(self._urls(RedirectURL.LOGOUT), uri)

    def _urls(self, kind: str) -> list[str]:
        # Reads the prefetched list the validator loads with the client (no extra query).
        return [r.url for r in self.redirect_urls.all() if r.kind == kind]

    @property
    def default_redirect_uri(self):
        for r in self.redirect_urls.all():
            if r.kind == RedirectURL.LOGIN:
                return r.url
        return None


class RedirectURL(TenantOwned):
    """A registered redirect URL of a client, stored exactly as typed."""

    tenant_path = "client__tenant"

    LOGIN = "login"
    LOGOUT = "logout"
    KIND_CHOICES = [(LOGIN, "Redirect URL"), (LOGOUT, "Post-logout redirect URL")]

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(OIDCClient, on_delete=models.CASCADE, related_name="redirect_urls")
    kind = models.CharField(max_length=8, choices=KIND_CHOICES, default=LOGIN)
    url = models.CharField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["client", "kind", "url"], name="uniq_redirect_url"),
        ]

    def __str__(self):
        return self.url


class ClientSecret(TenantOwned):
    """A client secret: only a keyed digest is stored; several may be active for rotation."""

    tenant_path = "client__tenant"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(OIDCClient, on_delete=models.CASCADE, related_name="secrets")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8, help_text="Last characters, to tell secrets apart.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.name} (…{self.hint})"


class SigningKey(TenantOwned):
    """A tenant's JWT signing key; the private half is encrypted with the KEK."""

    class State(models.TextChoices):
        NEXT = "next", "Next"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"
        # Withdrawn from JWKS at once after a compromise; the private half is wiped.
        REVOKED = "revoked", "Revoked"

    class Algorithm(models.TextChoices):
        RS256 = "RS256", "RS256"
        ES256 = "ES256", "ES256"

    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="signing_keys"
    )
    kid = models.CharField(max_length=64, unique=True)
    algorithm = models.CharField(max_length=8, choices=Algorithm.choices, default="RS256")
    state = models.CharField(max_length=8, choices=State.choices)
    private_key_encrypted = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField()
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "algorithm"],
                condition=Q(state="active"),
                name="one_active_key_per_tenant_alg",
            ),
            models.UniqueConstraint(
                fields=["tenant", "algorithm"],
                condition=Q(state="next"),
                name="one_next_key_per_tenant_alg",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["next", "active", "retired", "revoked"]),
                name="signing_key_state_valid",
            ),
            models.CheckConstraint(
                condition=~Q(state="active") | Q(activated_at__isnull=False),
                name="active_key_has_activated_at",
            ),
            models.CheckConstraint(
                condition=~Q(state="retired") | Q(retired_at__isnull=False),
                name="retired_key_has_retired_at",
            ),
            models.CheckConstraint(
                condition=~Q(state="revoked") | Q(revoked_at__isnull=False),
                name="revoked_key_has_revoked_at",
            ),
        ]
        indexes = [models.Index(fields=["state", "retired_at"], name="signing_key_state_retired")]

    def __str__(self):
        return f"{self.kid} ({self.state})"
