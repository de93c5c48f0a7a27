"""Writes on a tenant's branding; each one audited, all-or-nothing."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from tenants.audit import audit_log
from tenants.branding import colors
from tenants.branding.images import LogoInvalid, logo_content_type
from tenants.branding.models import TenantLogo
from tenants.models import Tenant

DISPLAY_NAME_MAX_LENGTH = 200
UNSET = object()


def _lock(tenant: Tenant) -> Tenant:
    return Tenant.objects.select_for_update().get(pk=tenant.pk)


def _clean(*, display_name, primary_color, default_language) -> dict:
    errors: dict[str, list[str]] = {}
    cleaned = {}
    if display_name is not UNSET:
        name = " ".join(str(display_name or "").split())
        if not name:
            errors["display_name"] = ["Enter a display name."]
        elif len(name) > DISPLAY_NAME_MAX_LENGTH:
            errors["display_name"] = [f"At most {DISPLAY_NAME_MAX_LENGTH} characters."]
        cleaned["display_name"] = name
    if primary_color is not UNSET:
        if primary_color in (None, ""):
            cleaned["brand_color"] = ""
        else:
            color = colors.normalise(str(primary_color))
            if color is None:
                errors["primary_color"] = ["Enter a colour as #rrggbb, for example #0a7d5a."]
            cleaned["brand_color"] = color or ""
    if default_language is not UNSET:
        codes = [code for code, _name in settings.LANGUAGES]
        if default_language not in codes:
            errors["default_language"] = [f"Choose one of: {', '.join(codes)}."]
        cleaned["default_language"] = default_language
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def tenant_branding_update(
    *,
    tenant: Tenant,
    actor,
    display_name=UNSET,
    primary_color=UNSET,
    default_language=UNSET,
    passkey_button=UNSET,
    request=None,
) -> Tenant:
    """Change display name, primary colour, default language or the passkey button."""
    cleaned = _clean(
        display_name=display_name, primary_color=primary_color, default_language=default_language
    )
    if passkey_button is not UNSET:
        cleaned["passkey_button"] = bool(passkey_button)
    locked = _lock(tenant)
    changes = {}
    for field, value in cleaned.items():
        before = getattr(locked, field)
        if before != value:
            changes[field] = {"before": before, "after": value}
            setattr(locked, field, value)
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
        audit_log(
            action="tenant.branding_updated",
            actor=actor,
            tenant=locked,
            target=locked,
            details=changes,
            request=request,
        )
    tenant.refresh_from_db()
    return locked


@transaction.atomic
def tenant_logo_set(*, tenant: Tenant, actor, data: bytes, request=None) -> Tenant:
    """Validate and store a new logo (PNG, JPEG or script-free SVG, at most 256 KB)."""
    try:
        content_type = logo_content_type(data)
    except LogoInvalid as exc:
        raise ValidationError({"logo": [str(exc)]}) from exc
    digest = hashlib.sha256(data).hexdigest()
    locked = _lock(tenant)
    TenantLogo.objects.update_or_create(
        tenant=locked, defaults={"content_type": content_type, "data": data, "sha256": digest}
    )
    before = locked.logo_sha256
    locked.logo_sha256 = digest
    locked.save(update_fields=["logo_sha256", "updated_at"])
    audit_log(
        action="tenant.logo_set",
        actor=actor,
        tenant=locked,
        target=locked,
        details={
            "content_type": content_type,
            "bytes": len(data),
            "sha256": digest[:12],
            "replaced": bool(before),
        },
        request=request,
    )
    tenant.refresh_from_db()
    return locked


@transaction.atomic
def tenant_logo_remove(*, tenant: Tenant, actor, request=None) -> Tenant:
    """Remove the logo; sign-in pages show the display name alone."""
    locked = _lock(tenant)
    if not locked.logo_sha256:
        return locked
    TenantLogo.objects.filter(tenant=locked).delete()
    locked.logo_sha256 = ""
    locked.save(update_fields=["logo_sha256", "updated_at"])
    audit_log(
        action="tenant.logo_removed", actor=actor, tenant=locked, target=locked, request=request
    )
    tenant.refresh_from_db()
    return locked


@transaction.atomic
def tenant_branding_save(
    *, tenant: Tenant, actor, logo: bytes | None = None, remove_logo=False, request=None, **fields
) -> Tenant:
    """Settings form and API in one go: all changes land, or none (a bad logo changes nothing)."""
    if logo is not None:
        tenant_logo_set(tenant=tenant, actor=actor, data=logo, request=request)
    elif remove_logo:
        tenant_logo_remove(tenant=tenant, actor=actor, request=request)
    return tenant_branding_update(tenant=tenant, actor=actor, request=request, **fields)
