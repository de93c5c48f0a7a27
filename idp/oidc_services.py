"""Writes of the OpenID Provider: code redemption bookkeeping and reuse revocation."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import (
    get_access_token_model,
    get_id_token_model,
    get_refresh_token_model,
)

from idp.models import AuthorizationCode
from tenants.audit import audit_log


def _revoke_tokens(*, code: AuthorizationCode) -> None:
    access_tokens = get_access_token_model().objects
    id_token_ids = {code.id_token_id} - {None}
    if code.refresh_token_family:
        refresh_tokens = get_refresh_token_model().objects.filter(
            token_family=code.refresh_token_family
        )
        # The family's access tokens go with the family; their ID tokens must not outlive them.
        id_token_ids.update(
            access_tokens.filter(pk__in=refresh_tokens.values("access_token_id"))
            .exclude(id_token_id=None)
            .values_list("id_token_id", flat=True)
        )
        get_refresh_token_model().revoke_family(code.refresh_token_family)
    if code.access_token_id:
        access_tokens.filter(pk=code.access_token_id).delete()
    if id_token_ids:
        get_id_token_model().objects.filter(pk__in=id_token_ids).delete()


@transaction.atomic
def authorization_code_reuse(*, code: AuthorizationCode, client, request=None) -> None:
    """A redeemed code came back: mark it and revoke every token issued from it."""
    now = timezone.now()
    locked = AuthorizationCode.objects.select_for_update().get(pk=code.pk)
    first_reuse = locked.reused_at is None
    if first_reuse:
        locked.reused_at = now
        locked.save(update_fields=["reused_at"])
    _revoke_tokens(code=locked)
    if first_reuse:
        audit_log(
            action="oidc.code_reused",
            tenant=locked.tenant,
            target=client,
            details={"client_id": client.client_id, "user_subject": locked.user.subject},
        )


# Redeemed codes are kept a while after expiry so that a late replay is still recognised.
CODE_RECORD_RETENTION = timedelta(days=1)


def authorization_codes_purge(*, now=None) -> int:
    """Delete code records whose code expired more than a day ago; returns how many."""
    cutoff = (now or timezone.now()) - CODE_RECORD_RETENTION
    deleted, _ = AuthorizationCode.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
