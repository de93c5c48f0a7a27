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
from oauthlib.oauth2.rfc6749 import errors

from accounts.audit import audit_log
from idp.models import AuthorizationCode


def _revoke_tokens(*, code: AuthorizationCode) -> None:
    if code.refresh_token_family:
        get_refresh_token_model().revoke_family(code.refresh_token_family)
    if code.access_token_id:
        get_access_token_model().objects.filter(pk=code.access_token_id).delete()
    if code.id_token_id:
        get_id_token_model().objects.filter(pk=code.id_token_id).delete()


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


def authorization_code_link_tokens(
    *, code: AuthorizationCode, access_token, id_token, refresh_family, request=None
) -> None:
    """Remember the tokens a code was redeemed for; if a reuse beat us to it, revoke them."""
    access_token_id = access_token.pk if access_token is not None else None
    id_token_id = id_token.pk if id_token is not None else None
    linked = AuthorizationCode.objects.filter(pk=code.pk, reused_at__isnull=True).update(
        access_token_id=access_token_id,
        id_token_id=id_token_id,
        refresh_token_family=refresh_family,
    )
    if linked:
        return
    code.access_token_id = access_token_id
    code.id_token_id = id_token_id
    code.refresh_token_family = refresh_family
    _revoke_tokens(code=code)
    raise errors.InvalidGrantError(description="The code was used twice.", request=request)


# Redeemed codes are kept a while after expiry so that a late replay is still recognised.
CODE_RECORD_RETENTION = timedelta(days=1)


def authorization_codes_purge(*, now=None) -> int:
    """Delete code records whose code expired more than a day ago; returns how many."""
    cutoff = (now or timezone.now()) - CODE_RECORD_RETENTION
    deleted, _ = AuthorizationCode.objects.filter(expires_at__lt=cutoff).delete()
    return deleted
