"""Portal-owned writes: the token viewer's own client secret."""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tenants.audit import audit_log
from tenants.models import ClientSecret, OIDCClient, Tenant
from tenants.oidc.client_secrets import secret_digest
from tenants.oidc.services import MAX_ACTIVE_SECRETS, SECRET_HINT_LENGTH

VIEWER_SECRET_NAME = "Token viewer (Test sign-in)"


def _viewer_plaintext(*, client: OIDCClient, generation: int) -> str:
    # Derived, not stored: only its digest is kept, like every other secret, and the viewer
    # can recompute it when it redeems a code. Revoking the row ends it; the next test sign-in
    # derives the next generation.
    key = hashlib.sha256(f"latchkey:token-viewer:{settings.SECRET_KEY}".encode()).digest()
    message = f"{client.tenant_id}|{client.client_id}|{generation}".encode()
    return base64.urlsafe_b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()[:43]


def _viewer_rows(client: OIDCClient):
    return (
        ClientSecret.objects.for_tenant(client.tenant_id)
        .filter(client=client, name=VIEWER_SECRET_NAME)
        .order_by("id")
    )


def _current(client: OIDCClient) -> str | None:
    now = timezone.now()
    found = None
    for generation, row in enumerate(_viewer_rows(client)):
        live = row.revoked_at is None and (row.expires_at is None or row.expires_at > now)
        plaintext = _viewer_plaintext(client=client, generation=generation)
        if live and hmac.compare_digest(row.digest, secret_digest(plaintext)):
            found = plaintext
    return found


@transaction.atomic
def viewer_secret_ensure(*, tenant: Tenant, actor, client: OIDCClient, request=None) -> str:
    """The token viewer's live secret on this client, generated (and audited) when missing."""
    if client.tenant_id != tenant.pk:
        raise ValueError("client belongs to another tenant")
    locked = OIDCClient.objects.for_tenant(tenant).select_for_update().get(pk=client.pk)
    plaintext = _current(locked)
    if plaintext is not None:
        return plaintext
    live = ClientSecret.objects.for_tenant(tenant).filter(client=locked, revoked_at__isnull=True)
    if live.count() >= MAX_ACTIVE_SECRETS:
        raise ValidationError(
            {"name": f"At most {MAX_ACTIVE_SECRETS} unrevoked secrets; revoke an old one first."}
        )
    plaintext = _viewer_plaintext(client=locked, generation=_viewer_rows(locked).count())
    secret = ClientSecret.objects.create(
        tenant=tenant,
        client=locked,
        name=VIEWER_SECRET_NAME,
        digest=secret_digest(plaintext),
        hint=plaintext[-SECRET_HINT_LENGTH:],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_log(
        action="oidc.client_secret_generated",
        actor=actor,
        tenant=tenant,
        target=secret,
        details={"name": VIEWER_SECRET_NAME, "client_id": locked.client_id, "for": "token viewer"},
        request=request,
    )
    return plaintext
