"""Writes on a tenant's OIDC settings, its client, Redirect URLs and client secrets."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenants.audit import audit_log
from tenants.models import (
    INPUT_CHOICES,
    SIGNUP_INPUTS,
    ClientSecret,
    OIDCClient,
    RedirectURL,
    Tenant,
    generate_client_id,
)
from tenants.oidc.client_secrets import secret_digest, secret_generate
from tenants.oidc.redirects import redirect_url_problem

MAX_REDIRECT_URLS = 50
MAX_ACTIVE_SECRETS = 20
SECRET_NAME_MAX_LENGTH = 100
SECRET_HINT_LENGTH = 4


def _client_shape(response_type: str) -> dict:
    """DOT fields that follow from the response type (implicit clients have no secret)."""
    if response_type == OIDCClient.ResponseType.ID_TOKEN:
        return {
            "client_type": OIDCClient.CLIENT_PUBLIC,
            "authorization_grant_type": OIDCClient.GRANT_IMPLICIT,
        }
    return {
        "client_type": OIDCClient.CLIENT_CONFIDENTIAL,
        "authorization_grant_type": OIDCClient.GRANT_AUTHORIZATION_CODE,
    }


def _lock_tenant(tenant: Tenant) -> Tenant:
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def _primary_client(tenant: Tenant) -> OIDCClient | None:
    return OIDCClient.objects.for_tenant(tenant).order_by("id").first()


@transaction.atomic
def client_get_or_create(*, tenant: Tenant, actor=None, request=None) -> OIDCClient:
    """The tenant's primary OIDC client (the one the Settings page manages), created once."""
    existing = _primary_client(tenant)
    if existing is not None:
        return existing
    locked = _lock_tenant(tenant)
    existing = _primary_client(locked)
    if existing is not None:
        return existing
    client = OIDCClient.objects.create(
        tenant=locked,
        name=locked.display_name[:255] or locked.slug,
        client_id=generate_client_id(),
        client_secret="",
        hash_client_secret=False,
        algorithm=OIDCClient.RS256_ALGORITHM,
        skip_authorization=True,
        response_type=OIDCClient.ResponseType.CODE,
        response_mode=OIDCClient.ResponseMode.FORM_POST,
        **_client_shape(OIDCClient.ResponseType.CODE),
    )
    audit_log(
        action="oidc.client_created",
        actor=actor,
        tenant=locked,
        target=client,
        details={"client_id": client.client_id},
        request=request,
    )
    return client


def _lock_client(*, tenant: Tenant, actor, client: OIDCClient | None, request) -> OIDCClient:
    """The given client (default: the tenant's primary one, created if needed), locked."""
    client = client or client_get_or_create(tenant=tenant, actor=actor, request=request)
    if client.tenant_id != tenant.pk:
        raise ValueError("client belongs to another tenant")
    return OIDCClient.objects.for_tenant(tenant).select_for_update().get(pk=client.pk)


def validate_inputs(inputs) -> dict:
    """Checked Inputs (given_name, family_name, nickname → off/optional/required)."""
    if not isinstance(inputs, dict):
        raise ValidationError({"inputs": "Inputs must be an object."})
    unknown = sorted(str(k) for k in inputs if k not in SIGNUP_INPUTS)
    if unknown:
        raise ValidationError(
            {"inputs": f"Unknown input(s): {', '.join(unknown)}. Email is always asked."}
        )
    errors = {}
    for key, value in inputs.items():
        if value not in INPUT_CHOICES:
            errors[key] = f"Must be one of {', '.join(INPUT_CHOICES)}."
    if errors:
        raise ValidationError({"inputs": [f"{k}: {v}" for k, v in errors.items()]})
    return dict(inputs)


@transaction.atomic
def oidc_settings_update(
    *,
    tenant: Tenant,
    actor,
    enabled: bool | None = None,
    inputs: dict | None = None,
    response_type: str | None = None,
    response_mode: str | None = None,
    request=None,
) -> Tenant:
    """Change Enable OIDC, Inputs, response type and mode; None leaves a value as it is."""
    if response_type is not None and response_type not in OIDCClient.ResponseType.values:
        raise ValidationError(
            {"response_type": f"Must be one of {OIDCClient.ResponseType.values}."}
        )
    if response_mode is not None and response_mode not in OIDCClient.ResponseMode.values:
        raise ValidationError(
            {"response_mode": f"Must be one of {OIDCClient.ResponseMode.values}."}
        )
    if inputs is not None:
        inputs = validate_inputs(inputs)
    client = client_get_or_create(tenant=tenant, actor=actor, request=request)
    locked = _lock_tenant(tenant)
    client = OIDCClient.objects.select_for_update().get(pk=client.pk)

    if enabled is not None and bool(enabled) != locked.oidc_enabled:
        locked.oidc_enabled = bool(enabled)
        locked.save(update_fields=["oidc_enabled", "updated_at"])
        audit_log(
            action="oidc.enabled" if locked.oidc_enabled else "oidc.disabled",
            actor=actor,
            tenant=locked,
            target=locked,
            details={"enabled": locked.oidc_enabled},
            request=request,
        )

    changes: dict = {}
    if inputs is not None:
        # Inputs not mentioned keep their current setting.
        current = {key: locked.signup_inputs.get(key, "off") for key in SIGNUP_INPUTS}
        inputs = {**current, **inputs}
    if inputs is not None and inputs != locked.signup_inputs:
        changes["inputs"] = {"before": locked.signup_inputs, "after": inputs}
        locked.signup_inputs = inputs
        locked.save(update_fields=["signup_inputs", "updated_at"])
    client_fields: list[str] = []
    if response_type is not None and response_type != client.response_type:
        changes["response_type"] = {"before": client.response_type, "after": response_type}
        client.response_type = response_type
        for name, value in _client_shape(response_type).items():
            setattr(client, name, value)
            client_fields.append(name)
        client_fields.append("response_type")
    if response_mode is not None and response_mode != client.response_mode:
        changes["response_mode"] = {"before": client.response_mode, "after": response_mode}
        client.response_mode = response_mode
        client_fields.append("response_mode")
    if client_fields:
        client.save(update_fields=[*client_fields, "updated"])
    if changes:
        audit_log(
            action="oidc.settings_updated",
            actor=actor,
            tenant=locked,
            target=client,
            details=changes,
            request=request,
        )
    tenant.refresh_from_db()
    return locked


@transaction.atomic
def redirect_url_add(
    *, tenant: Tenant, actor, url: str, client: OIDCClient | None = None, request=None
) -> RedirectURL:
    """Register a Redirect URL on the tenant's client, stored exactly as typed."""
    problem = redirect_url_problem(url)
    if problem:
        raise ValidationError({"url": problem})
    client = _lock_client(tenant=tenant, actor=actor, client=client, request=request)
    existing = RedirectURL.objects.for_tenant(tenant).filter(client=client, kind=RedirectURL.LOGIN)
    if existing.filter(url=url).exists():
        raise ValidationError({"url": "This Redirect URL is already registered."})
    if existing.count() >= MAX_REDIRECT_URLS:
        raise ValidationError({"url": f"At most {MAX_REDIRECT_URLS} Redirect URLs per client."})
    entry = RedirectURL.objects.create(
        tenant=tenant, client=client, kind=RedirectURL.LOGIN, url=url
    )
    audit_log(
        action="oidc.redirect_url_added",
        actor=actor,
        tenant=tenant,
        target=entry,
        details={"url": url, "client_id": client.client_id},
        request=request,
    )
    return entry


@transaction.atomic
def redirect_url_remove(*, tenant: Tenant, actor, redirect_url: RedirectURL, request=None) -> None:
    """Remove a registered Redirect URL."""
    if redirect_url.tenant_id != tenant.pk:
        raise ValueError("redirect URL belongs to another tenant")
    locked = RedirectURL.objects.for_tenant(tenant).select_for_update().filter(pk=redirect_url.pk)
    entry = locked.first()
    if entry is None:
        return
    details = {"url": entry.url, "client_id": entry.client.client_id}
    audit_log(
        action="oidc.redirect_url_removed",
        actor=actor,
        tenant=tenant,
        target=entry,
        details=details,
        request=request,
    )
    entry.delete()


def validate_secret_name(name) -> str:
    """A secret's name: 1–100 printable characters."""
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"name": "Give the secret a name."})
    name = name.strip()
    if len(name) > SECRET_NAME_MAX_LENGTH:
        raise ValidationError({"name": f"Must be at most {SECRET_NAME_MAX_LENGTH} characters."})
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise ValidationError({"name": "Must not contain control characters."})
    return name


@transaction.atomic
def client_secret_generate(
    *,
    tenant: Tenant,
    actor,
    name: str,
    expires_at: datetime | None = None,
    client: OIDCClient | None = None,
    request=None,
) -> tuple[ClientSecret, str]:
    """Create a client secret; returns the row and the plaintext, which is never stored."""
    name = validate_secret_name(name)
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise ValidationError({"expires_at": "Give a time zone."})
        if expires_at <= timezone.now():
            raise ValidationError({"expires_at": "Must be in the future."})
    client = _lock_client(tenant=tenant, actor=actor, client=client, request=request)
    live = ClientSecret.objects.for_tenant(tenant).filter(client=client, revoked_at__isnull=True)
    if live.count() >= MAX_ACTIVE_SECRETS:
        raise ValidationError(
            {"name": f"At most {MAX_ACTIVE_SECRETS} unrevoked secrets; revoke an old one first."}
        )
    plaintext = secret_generate()
    secret = ClientSecret.objects.create(
        tenant=tenant,
        client=client,
        name=name,
        digest=secret_digest(plaintext),
        hint=plaintext[-SECRET_HINT_LENGTH:],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    audit_log(
        action="oidc.client_secret_generated",
        actor=actor,
        tenant=tenant,
        target=secret,
        details={
            "name": name,
            "client_id": client.client_id,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
        request=request,
    )
    return secret, plaintext


@transaction.atomic
def client_secret_revoke(
    *, tenant: Tenant, actor, secret: ClientSecret, request=None
) -> ClientSecret:
    """Revoke a client secret at once; revoking twice changes nothing."""
    if secret.tenant_id != tenant.pk:
        raise ValueError("secret belongs to another tenant")
    locked = ClientSecret.objects.for_tenant(tenant).select_for_update().get(pk=secret.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.save(update_fields=["revoked_at"])
    audit_log(
        action="oidc.client_secret_revoked",
        actor=actor,
        tenant=tenant,
        target=locked,
        details={"name": locked.name, "client_id": locked.client.client_id},
        request=request,
    )
    return locked
