"""Signing in with a passkey at a tenant: options (real or decoy) and the verified assertion."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import cache

from django.db import connections, router

from accounts.models import User, WebAuthnCredential, normalize_email
from accounts.passkeys import ceremonies
from accounts.passkeys.realm import tenant_realm
from accounts.statements import columns, convert
from tenants.oidc.crypto import keyed_digest

AMR_DEVICE_BOUND = ["hwk", "user", "mfa"]
AMR_SYNCED = ["swk", "user", "mfa"]


def amr_for(credential: WebAuthnCredential) -> list[str]:
    """RFC 8176 amr for a UV passkey: hwk when device-bound, swk when it syncs (backup)."""
    return list(AMR_SYNCED if credential.backup_eligible else AMR_DEVICE_BOUND)


def _decoy_credentials(tenant, email: str) -> list[tuple[bytes, list]]:
    """Stable fake credential descriptors for an unknown email (same every time it is asked)."""
    seed = bytes.fromhex(keyed_digest(f"{tenant.pk}:{email}", "idp-decoy-credentials"))
    count = 1 + seed[0] % 2
    decoys = []
    for i in range(count):
        length = (16, 20, 32, 48)[seed[1 + i] % 4]
        raw = hmac.new(seed, f"credential-{i}".encode(), hashlib.sha512).digest()
        decoys.append((raw[:length], ["hybrid", "internal"]))
    return decoys


@cache
def _options_statement(alias: str):
    """The SELECT of signin_options: an active user's passkeys by email, within one tenant."""
    qn = connections[alias].ops.quote_name
    cred, user = WebAuthnCredential._meta, User._meta
    cols = columns(WebAuthnCredential, alias, "c", ["user", "credential_id", "transports"])
    c, u = cred.get_field, user.get_field
    sql = (
        f"SELECT {', '.join(cols.sql)} FROM {qn(cred.db_table)} c"
        f" INNER JOIN {qn(user.db_table)} u ON u.{qn(user.pk.column)} = c.{qn(c('user').column)}"
        f" WHERE u.{qn(u('tenant').column)} = %s AND u.{qn(u('email').column)} = %s"
        f" AND u.{qn(u('is_active').column)} = %s"
        f" ORDER BY c.{qn(c('created_at').column)} ASC, c.{qn(cred.pk.column)} ASC"
    )
    return sql, cols


def _passkeys_by_email(tenant, email: str) -> list[tuple]:
    """(user_id, credential_id, transports) of the tenant's active user with this email."""
    alias = router.db_for_read(WebAuthnCredential)
    connection = connections[alias]
    sql, cols = _options_statement(alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [tenant.pk, normalize_email(email), True])
        rows = cursor.fetchall()
    return [convert(connection, row, cols) for row in rows]


def signin_options(*, tenant, email: str = "", limits=(), sealed: bool = False) -> dict:
    """Request options: the user's passkeys for a known email, decoys for an unknown one,
    or an empty allow list for the discoverable (autofill) flow. The shape never differs.
    `limits`: rate limits counted in the same round trip as the challenge's storing.
    `sealed`: the discoverable flow's challenge stored nowhere (the sign-in page's own)."""
    user_id = None
    if email:
        # One query for the user's passkeys; no passkeys and no user look the same.
        rows = _passkeys_by_email(tenant, email)
        if rows:
            user_id = rows[0][0]
            allow = [(bytes(cid), transports) for _uid, cid, transports in rows]
        else:
            allow = _decoy_credentials(tenant, email)
        mode = "email"
    else:
        allow, mode = [], "discoverable"
    return ceremonies.authentication_begin(
        realm=tenant_realm(tenant),
        user_id=user_id,
        allow=allow,
        data={"mode": mode},
        limits=limits,
        sealed=sealed,
    )


@dataclass(frozen=True)
class SignedIn:
    """A verified passkey sign-in."""

    user: User
    credential: WebAuthnCredential
    amr: list[str]
    method: str


def _signed_in(credential: WebAuthnCredential, data: dict) -> SignedIn:
    return SignedIn(
        user=credential.user, credential=credential, amr=amr_for(credential), method=data["mode"]
    )


def signin_verify(
    *, tenant, handle, response, request=None, limits=(), audit=None
) -> SignedIn:
    """Verify an assertion against its single-use challenge and our relying-party rules.

    `limits`: rate limits counted in the same round trip as the challenge's taking.
    `audit(signed_in)`: audit events written by the passkey's counter update itself, only if
    the sign-in is accepted (none are written for a refused one)."""
    rows = None
    if audit is not None:

        def rows(credential, data):
            return audit(_signed_in(credential, data))

    done = ceremonies.authentication_finish(
        realm=tenant_realm(tenant),
        handle=handle,
        response=response,
        request=request,
        limits=limits,
        rows=rows,
    )
    return _signed_in(done.credential, done.data)
